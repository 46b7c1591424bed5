//! The pipeline's samplesheet (CSV), checked against `schemas/samplesheet.schema.json` — the
//! same file nf-schema checks it against in the Nextflow workflow. The keywords that schema uses
//! (type string/integer, pattern, enum, minimum, required, format file-path with exists,
//! uniqueEntries) are interpreted here; any other keyword in it is an internal error, so the
//! schema cannot grow a rule that only one of the two runners enforces.

use crate::error::{Error, Location, Result};
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The samplesheet JSON schema (`schemas/samplesheet.schema.json`), embedded at build time.
pub const SCHEMA: &str = include_str!("../../schemas/samplesheet.schema.json");

/// One row: one Hi-C map to import and train on.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// `sample`, or `sample_repN` when a replicate is given; names every output.
    pub id: String,
    /// The Hi-C map (.hic, .cool, .mcool, .pairs(.gz), .validPairs or juicer text), as written in
    /// the sheet.
    pub file: PathBuf,
    /// hiclstm-import `--format`; None infers it from the file name.
    pub format: Option<String>,
    /// Bin size in bp (hiclstm-import `--resolution`); None only suits .hic/.cool/.mcool files
    /// holding a single resolution.
    pub resolution: Option<u64>,
    /// hiclstm-import `--chromosomes`: `default`, `all` or a comma-separated list; None is
    /// `default`.
    pub chromosomes: Option<String>,
}

/// Reads and validates a samplesheet. Relative file paths are taken relative to the current
/// directory (Nextflow's launch directory), as nf-schema does.
pub fn read(path: &Path) -> Result<Vec<Sample>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::input_io(path, e))?;
    parse(path, &text)
}

/// Parses and validates samplesheet CSV `text` against [`SCHEMA`]; `path` names the file in
/// error messages (with the line).
pub fn parse(path: &Path, text: &str) -> Result<Vec<Sample>> {
    let schema: Value = serde_json::from_str(SCHEMA).map_err(|e| Error::Internal(format!("samplesheet schema: {e}")))?;
    let items = &schema["items"];
    let props = items["properties"].as_object().ok_or_else(|| Error::Internal("samplesheet schema: no properties".into()))?;
    let required: Vec<&str> = items["required"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
    let unique: Vec<&str> = schema["uniqueEntries"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();

    let err = |line: usize, msg: String| Error::format(path, Location::Line { line: line as u64, column: None }, msg);
    // RFC 4180 through the csv crate; each record keeps the line it starts on for messages.
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(text.as_bytes());
    let mut records = vec![];
    for r in reader.records() {
        let r = r.map_err(|e| err(e.position().map_or(1, |p| p.line() as usize), format!("not valid CSV: {e}")))?;
        let line = r.position().map_or(1, |p| p.line() as usize);
        if r.iter().all(str::is_empty) {
            continue;
        }
        records.push((line, r.iter().map(str::to_string).collect::<Vec<String>>()));
    }
    let mut lines = records.into_iter();
    let (header_line, header) = lines.next().ok_or_else(|| err(1, "empty samplesheet: expected a header line (sample,file,...)".into()))?;
    for (c, h) in header.iter().enumerate() {
        if !props.contains_key(h) {
            return Err(Error::format(
                path,
                Location::Line { line: header_line as u64, column: Some(c as u64 + 1) },
                format!("unknown column '{h}' (expected: {})", props.keys().cloned().collect::<Vec<_>>().join(", ")),
            ));
        }
    }
    for r in &required {
        if !header.iter().any(|h| h == r) {
            return Err(err(header_line, format!("missing required column '{r}'")));
        }
    }
    let mut out = vec![];
    let mut seen = HashSet::new();
    for (ln, fields) in lines {
        if fields.len() != header.len() {
            return Err(err(ln, format!("{} fields, the header has {}", fields.len(), header.len())));
        }
        let mut row = std::collections::BTreeMap::new();
        for (h, v) in header.iter().zip(&fields) {
            let v = v.trim();
            if v.is_empty() {
                if required.contains(&h.as_str()) {
                    return Err(err(ln, format!("column '{h}' is required")));
                }
                continue;
            }
            check_value(&props[h.as_str()], v).map_err(|m| err(ln, m))?;
            row.insert(h.as_str(), v.to_string());
        }
        let key: Vec<String> = unique.iter().map(|u| row.get(u).cloned().unwrap_or_default()).collect();
        if !seen.insert(key.clone()) {
            return Err(err(ln, format!("duplicate entry for ({}) = ({})", unique.join(", "), key.join(", "))));
        }
        let sample = row["sample"].clone();
        out.push(Sample {
            id: match row.get("replicate") {
                Some(r) => format!("{sample}_rep{r}"),
                None => sample,
            },
            file: row["file"].clone().into(),
            format: row.get("format").cloned(),
            resolution: row.get("resolution").map(|r| r.parse().unwrap_or(0)),
            chromosomes: row.get("chromosomes").cloned(),
        });
    }
    if out.is_empty() {
        return Err(err(header_line, "no samples: the samplesheet has a header but no rows".into()));
    }
    let mut ids = HashSet::new();
    for s in &out {
        if !ids.insert(&s.id) {
            return Err(Error::format(path, Location::None, format!("sample id '{}' occurs twice (give replicates distinct numbers)", s.id)));
        }
    }
    Ok(out)
}

/// Checks one cell against its property's schema; the message is the schema's `errorMessage`
/// after what was found.
fn check_value(prop: &Value, v: &str) -> std::result::Result<(), String> {
    let fail = |what: String| {
        let hint = prop["errorMessage"].as_str().unwrap_or("");
        Err(format!("{what}; expected {hint}"))
    };
    for key in prop.as_object().map(|o| o.keys().collect::<Vec<_>>()).unwrap_or_default() {
        match key.as_str() {
            "type" | "pattern" | "enum" | "minimum" | "format" | "exists" | "errorMessage" | "meta" | "description" => {}
            other => return Err(format!("internal: samplesheet schema keyword '{other}' is not interpreted by hiclstm-pipeline")),
        }
    }
    match prop["type"].as_str() {
        Some("integer") => {
            let n: i64 = match v.parse() {
                Ok(n) => n,
                Err(_) => return fail(format!("'{v}' is not an integer")),
            };
            if let Some(m) = prop["minimum"].as_i64() {
                if n < m {
                    return fail(format!("{n} is below {m}"));
                }
            }
        }
        Some("string") => {}
        other => return Err(format!("internal: samplesheet schema type {other:?} is not interpreted")),
    }
    if let Some(p) = prop["pattern"].as_str() {
        let re = regex::Regex::new(p).map_err(|e| format!("internal: schema pattern {p}: {e}"))?;
        if !re.is_match(v) {
            return fail(format!("'{v}' does not match {p}"));
        }
    }
    if let Some(e) = prop["enum"].as_array() {
        if !e.iter().any(|x| x.as_str() == Some(v)) {
            return fail(format!("'{v}' is not allowed"));
        }
    }
    if prop["format"].as_str() == Some("file-path") && prop["exists"].as_bool() == Some(true) && !Path::new(v).is_file() {
        return fail(format!("'{v}' does not exist"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &str) -> (tempfile::TempDir, Result<Vec<Sample>>) {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.hic"), b"x").unwrap();
        let text = rows.replace("DIR", &d.path().display().to_string());
        let r = parse(Path::new("s.csv"), &text);
        (d, r)
    }

    #[test]
    fn valid_rows_with_replicates_and_quotes() {
        let (_d, r) = sheet("sample,file,format,resolution,chromosomes,replicate\nGM12878,DIR/a.hic,hic,10000,\"chr21,chr22\",1\nGM12878,DIR/a.hic,,,,2\n");
        let r = r.unwrap();
        assert_eq!(r[0].id, "GM12878_rep1");
        assert_eq!(r[0].chromosomes.as_deref(), Some("chr21,chr22"));
        assert_eq!(r[0].resolution, Some(10000));
        assert_eq!(r[1].format, None);
    }

    proptest::proptest! {
        /// Any text, and any mutation of a valid sheet, gives rows or an error, never a panic.
        #[test]
        fn arbitrary_sheets_never_panic(text in "[a-z0-9,\"\r\n .=_-]{0,200}", cut in 0usize..80) {
            let _ = parse(Path::new("s.csv"), &text);
            let valid = "sample,file,format,resolution,chromosomes,replicate\nx,a.hic,hic,10000,\"chr1,chr2\",1\n";
            let _ = parse(Path::new("s.csv"), &valid[..cut.min(valid.len())]);
            let _ = crate::pipeline::params::split_args(&text);
        }
    }

    #[test]
    fn each_rule_names_the_line() {
        let cases = [
            ("sample,file\nbad name,DIR/a.hic\n", "line 2", "does not match"),
            ("sample,file\nx,DIR/missing.hic\n", "line 2", "does not exist"),
            ("sample,file,resolution\nx,DIR/a.hic,10kb\n", "line 2", "not an integer"),
            ("sample,file,resolution\nx,DIR/a.hic,0\n", "line 2", "below 1"),
            ("sample,file,format\nx,DIR/a.hic,bam\n", "line 2", "not allowed"),
            ("sample,file\nx,DIR/a.hic\nx,DIR/a.hic\n", "line 3", "duplicate"),
            ("sample,file,colour\nx,DIR/a.hic,red\n", "line 1, column 3", "unknown column"),
            ("sample\nx\n", "line 1", "missing required column 'file'"),
            ("sample,file\nx\n", "line 2", "1 fields"),
            ("sample,file\n", "line 1", "no samples"),
            ("sample,file\n,DIR/a.hic\n", "line 2", "required"),
        ];
        for (text, loc, msg) in cases {
            let (_d, r) = sheet(text);
            let e = r.unwrap_err().to_string();
            assert!(e.contains(loc) && e.contains(msg), "{text:?}: {e}");
        }
    }
}

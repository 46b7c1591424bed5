//! The BED family: BED3+/BED6 features, bedGraph, BEDPE; typed records, readers and writers.
//! Coordinates are 0-based half-open, as in the formats. Readers skip `track`, `browser` and `#`
//! lines, split on tabs (whitespace when a line has too few tab-separated fields) and name file,
//! line and column in every error.

use crate::error::{Error, Location, Result};
use crate::genome::{BinMap, Strand};
use crate::output::AtomicFile;
use std::io::{BufRead, Write};
use std::path::Path;

/// One BED record; `name`, `score` and `strand` are written when any record of the file has them.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// Chromosome name as written in the file.
    pub chrom: String,
    /// Start, bp, 0-based (inclusive).
    pub start: u64,
    /// End, bp, 0-based exclusive (half-open); never before `start`.
    pub end: u64,
    /// Column 4, when present.
    pub name: Option<String>,
    /// Column 5; None when absent or not a number (e.g. `.`).
    pub score: Option<f64>,
    /// Column 6 (`+` or `-`); None when absent or `.`.
    pub strand: Option<Strand>,
}

impl Feature {
    /// A BED3 feature: `[start, end)` bp on `chrom`, without name, score or strand.
    pub fn new(chrom: &str, start: u64, end: u64) -> Self {
        Feature { chrom: chrom.to_string(), start, end, name: None, score: None, strand: None }
    }
}

/// One BEDPE record: two anchors, a name and a score.
#[derive(Debug, Clone, PartialEq)]
pub struct Bedpe {
    /// Chromosome of the first anchor.
    pub chrom1: String,
    /// Start of the first anchor, bp, 0-based.
    pub start1: u64,
    /// End of the first anchor, bp, 0-based exclusive.
    pub end1: u64,
    /// Chromosome of the second anchor.
    pub chrom2: String,
    /// Start of the second anchor, bp, 0-based.
    pub start2: u64,
    /// End of the second anchor, bp, 0-based exclusive.
    pub end2: u64,
    /// Column 7; empty when absent.
    pub name: String,
    /// Column 8; 0 when absent or not a number.
    pub score: f64,
}

/// One bedGraph record.
#[derive(Debug, Clone, PartialEq)]
pub struct BedGraph {
    /// Chromosome name as written in the file.
    pub chrom: String,
    /// Start, bp, 0-based (inclusive).
    pub start: u64,
    /// End, bp, 0-based exclusive (half-open).
    pub end: u64,
    /// Column 4: the value over the interval.
    pub value: f64,
}

fn fmt_score(s: f64) -> String {
    if s.fract() == 0.0 && s.abs() < 1e15 {
        format!("{}", s as i64)
    } else {
        format!("{s:.6}")
    }
}

/// Writes a BED file atomically (`track` header line optional).
pub fn write_bed(path: &Path, records: &[Feature], force: bool) -> Result<AtomicFile> {
    let mut f = AtomicFile::create(path, force)?;
    let cols = if records.iter().any(|r| r.strand.is_some()) {
        6
    } else if records.iter().any(|r| r.score.is_some()) {
        5
    } else if records.iter().any(|r| r.name.is_some()) {
        4
    } else {
        3
    };
    let mut w = std::io::BufWriter::new(&mut f);
    for r in records {
        let mut line = format!("{}\t{}\t{}", r.chrom, r.start, r.end);
        if cols >= 4 {
            line.push('\t');
            line.push_str(r.name.as_deref().unwrap_or("."));
        }
        if cols >= 5 {
            line.push('\t');
            line.push_str(&r.score.map(fmt_score).unwrap_or_else(|| "0".into()));
        }
        if cols >= 6 {
            line.push('\t');
            line.push(r.strand.map_or('.', Strand::as_char));
        }
        writeln!(w, "{line}").map_err(|e| Error::output_io(path, e))?;
    }
    w.flush().map_err(|e| Error::output_io(path, e))?;
    drop(w);
    Ok(f)
}

/// bedGraph: chrom, start, end, value.
pub fn write_bedgraph(path: &Path, records: &[BedGraph], force: bool) -> Result<AtomicFile> {
    let mut f = AtomicFile::create(path, force)?;
    let mut w = std::io::BufWriter::new(&mut f);
    for r in records {
        writeln!(w, "{}\t{}\t{}\t{}", r.chrom, r.start, r.end, fmt_score(r.value)).map_err(|err| Error::output_io(path, err))?;
    }
    w.flush().map_err(|e| Error::output_io(path, e))?;
    drop(w);
    Ok(f)
}

/// Writes a BEDPE file atomically: the six anchor columns, name and score.
pub fn write_bedpe(path: &Path, records: &[Bedpe], force: bool) -> Result<AtomicFile> {
    let mut f = AtomicFile::create(path, force)?;
    let mut w = std::io::BufWriter::new(&mut f);
    for r in records {
        writeln!(w, "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", r.chrom1, r.start1, r.end1, r.chrom2, r.start2, r.end2, r.name, fmt_score(r.score))
            .map_err(|e| Error::output_io(path, e))?;
    }
    w.flush().map_err(|e| Error::output_io(path, e))?;
    drop(w);
    Ok(f)
}

/// Calls `f` with the 1-based line number and the fields of every data line.
fn for_each_record(path: &Path, min_fields: usize, mut f: impl FnMut(u64, &[&str]) -> Result<()>) -> Result<()> {
    let r = crate::formats::text::open(path)?;
    for (n, line) in r.lines().enumerate() {
        let lineno = n as u64 + 1;
        let line = line.map_err(|e| Error::format(path, Location::Line { line: lineno, column: None }, format!("unreadable line: {e}")))?;
        let l = line.trim_end();
        if l.is_empty() || l.starts_with('#') || l.starts_with("track") || l.starts_with("browser") {
            continue;
        }
        let fields: Vec<&str> = l.split('\t').collect();
        let fields = if fields.len() < min_fields { l.split_whitespace().collect() } else { fields };
        f(lineno, &fields)?;
    }
    Ok(())
}

fn position(path: &Path, line: u64, fields: &[&str], k: usize) -> Result<u64> {
    fields[k].parse().map_err(|_| Error::format(path, Location::Line { line, column: Some(k as u64 + 1) }, format!("'{}' is not a position", fields[k])))
}

/// Start and end of the interval in columns `c + 1`, `c + 2`.
fn interval(path: &Path, line: u64, fields: &[&str], c: usize) -> Result<(u64, u64)> {
    let (s, e) = (position(path, line, fields, c + 1)?, position(path, line, fields, c + 2)?);
    if e < s {
        return Err(Error::format(path, Location::Line { line, column: Some(c as u64 + 3) }, format!("end {e} before start {s}")));
    }
    Ok((s, e))
}

fn too_few(path: &Path, line: u64, need: usize, found: usize, what: &str) -> Error {
    Error::format(path, Location::Line { line, column: None }, format!("expected at least {need} columns{what}, found {found}"))
}

/// Reads BED3+ features (BED6: name, score, strand); each with its line number.
pub fn read_features(path: &Path) -> Result<Vec<(u64, Feature)>> {
    let mut out = Vec::new();
    for_each_record(path, 3, |line, f| {
        if f.len() < 3 {
            return Err(too_few(path, line, 3, f.len(), ""));
        }
        let (start, end) = interval(path, line, f, 0)?;
        out.push((
            line,
            Feature {
                chrom: f[0].to_string(),
                start,
                end,
                name: f.get(3).map(|s| s.to_string()),
                score: f.get(4).and_then(|s| s.parse().ok()),
                strand: f.get(5).and_then(|s| Strand::from_bed(s)),
            },
        ));
        Ok(())
    })?;
    Ok(out)
}

/// Reads BEDPE records (6 anchor columns; name and score optional); each with its line number.
pub fn read_bedpe(path: &Path) -> Result<Vec<(u64, Bedpe)>> {
    let mut out = Vec::new();
    for_each_record(path, 6, |line, f| {
        if f.len() < 6 {
            return Err(too_few(path, line, 6, f.len(), ""));
        }
        let (start1, end1) = interval(path, line, f, 0)?;
        let (start2, end2) = interval(path, line, f, 3)?;
        let (chrom1, chrom2) = (f[0].to_string(), f[3].to_string());
        let name = f.get(6).map(|s| s.to_string()).unwrap_or_default();
        out.push((line, Bedpe { chrom1, start1, end1, chrom2, start2, end2, name, score: f.get(7).and_then(|s| s.parse().ok()).unwrap_or(0.0) }));
        Ok(())
    })?;
    Ok(out)
}

/// Reads a bedGraph (or a BED whose 4th column is a number).
pub fn read_bedgraph(path: &Path) -> Result<Vec<BedGraph>> {
    let mut out = Vec::new();
    for_each_record(path, 4, |line, f| {
        if f.len() < 4 {
            return Err(too_few(path, line, 4, f.len(), " (chrom start end value)"));
        }
        let (start, end) = interval(path, line, f, 0)?;
        // nan and inf parse as f64 but would be counted as a class or poison a mean.
        let value: f64 = f[3]
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| Error::format(path, Location::Line { line, column: Some(4) }, format!("'{}' is not a number", f[3])))?;
        out.push(BedGraph { chrom: f[0].to_string(), start, end, value });
        Ok(())
    })?;
    Ok(out)
}

/// An interval placed on a chromosome of a [`BinMap`] (by index).
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Index of the chromosome in the [`BinMap`]'s `chroms`.
    pub chrom: usize,
    /// Start, bp, 0-based (not a bin).
    pub start: u64,
    /// End, bp, 0-based exclusive; within the chromosome.
    pub end: u64,
    /// The BED name (BEDPE: column 7); empty when absent.
    pub name: String,
    /// The BED strand (column 6); None when absent or `.`, and always for BEDPE anchors.
    pub strand: Option<Strand>,
}

/// Places an interval of `line` on `bins`: None for a chromosome `bins` lacks; an end beyond the
/// chromosome is refused (`end_column` names the column).
fn place(path: &Path, bins: &BinMap, line: u64, chrom: &str, end: u64, end_column: u64) -> Result<Option<usize>> {
    let Some(ci) = bins.find(chrom) else { return Ok(None) };
    let c = &bins.chroms[ci];
    if end > c.length {
        return Err(Error::format(
            path,
            Location::Line { line, column: Some(end_column) },
            format!("end {end} beyond the end of {} ({} bp)", c.name, c.length),
        ));
    }
    Ok(Some(ci))
}

/// BED features placed on `bins`; features on chromosomes it lacks are counted (second value).
pub fn read_placed(path: &Path, bins: &BinMap) -> Result<(Vec<Placed>, u64)> {
    let (mut out, mut unknown) = (Vec::new(), 0);
    for (line, f) in read_features(path)? {
        match place(path, bins, line, &f.chrom, f.end, 3)? {
            Some(chrom) => out.push(Placed { chrom, start: f.start, end: f.end, name: f.name.unwrap_or_default(), strand: f.strand }),
            None => unknown += 1,
        }
    }
    Ok((out, unknown))
}

/// Both anchors of every BEDPE record, placed on `bins` (an anchor on a chromosome it lacks is
/// counted).
pub fn read_placed_anchors(path: &Path, bins: &BinMap) -> Result<(Vec<Placed>, u64)> {
    let (mut out, mut unknown) = (Vec::new(), 0);
    for (line, r) in read_bedpe(path)? {
        for (chrom, start, end, col) in [(&r.chrom1, r.start1, r.end1, 3), (&r.chrom2, r.start2, r.end2, 6)] {
            match place(path, bins, line, chrom, end, col)? {
                Some(chrom) => out.push(Placed { chrom, start, end, name: r.name.clone(), strand: None }),
                None => unknown += 1,
            }
        }
    }
    Ok((out, unknown))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.bed");
        std::fs::write(&p, text).unwrap();
        (d, p)
    }

    #[test]
    fn features_parse_every_field_and_name_the_bad_one() {
        let (_d, p) = file("track name=x\n# comment\nchr1\t10\t20\tCTCF\t5\t-\nchr2 0 5\n");
        let f = read_features(&p).unwrap();
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].0, f[0].1.name.as_deref(), f[0].1.score, f[0].1.strand), (3, Some("CTCF"), Some(5.0), Some(Strand::Reverse)));
        assert_eq!((f[1].0, f[1].1.chrom.as_str(), f[1].1.start, f[1].1.end, f[1].1.strand), (4, "chr2", 0, 5, None));
        for (text, needle) in [
            ("chr1\t10\n", "line 1: expected at least 3 columns, found 2"),
            ("chr1\tx\t20\n", "line 1, column 2: 'x' is not a position"),
            ("chr1\t30\t20\n", "line 1, column 3: end 20 before start 30"),
            ("\nchr1\t1\t-5\n", "line 2, column 3: '-5' is not a position"),
        ] {
            let (_d, p) = file(text);
            let e = read_features(&p).unwrap_err().to_string();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn bedpe_and_bedgraph_fields() {
        let (_d, p) = file("chr1\t0\t10\tchr1\t100\t110\tloop\t2.5\n");
        let r = read_bedpe(&p).unwrap();
        assert_eq!((r[0].1.end2, r[0].1.name.as_str(), r[0].1.score), (110, "loop", 2.5));
        let (_d, p) = file("chr1\t0\t10\tchr1\t100\n");
        assert!(read_bedpe(&p).unwrap_err().to_string().contains("expected at least 6 columns, found 5"));
        let (_d, p) = file("chr1\t0\t10\t0.25\n");
        assert_eq!(read_bedgraph(&p).unwrap(), vec![BedGraph { chrom: "chr1".into(), start: 0, end: 10, value: 0.25 }]);
        let (_d, p) = file("chr1\t0\t10\tNA\n");
        assert!(read_bedgraph(&p).unwrap_err().to_string().contains("line 1, column 4: 'NA' is not a number"));
        for v in ["nan", "inf", "-inf"] {
            let (_d, p) = file(&format!("chr1\t0\t10\t{v}\n"));
            assert!(read_bedgraph(&p).is_err(), "{v} is not a usable value");
        }
    }

    #[test]
    fn placing_counts_unknown_chromosomes_and_refuses_ends_past_the_chromosome() {
        let mut bins = BinMap::new(10);
        bins.push("chr1", 100);
        let (_d, p) = file("1\t0\t10\tx\nchrUn\t0\t10\n");
        let (placed, unknown) = read_placed(&p, &bins).unwrap();
        assert_eq!((placed.len(), placed[0].chrom, placed[0].name.as_str(), unknown), (1, 0, "x", 1));
        let (_d, p) = file("chr1\t0\t101\n");
        let e = read_placed(&p, &bins).unwrap_err().to_string();
        assert!(e.contains("line 1, column 3: end 101 beyond the end of chr1 (100 bp)"), "{e}");
        let (_d, p) = file("chr1\t0\t10\tchr1\t90\t120\n");
        let e = read_placed_anchors(&p, &bins).unwrap_err().to_string();
        assert!(e.contains("column 6"), "{e}");
    }
}

//! BED-family track writers (BED3+/BED6, bedGraph, BEDPE), used for ground-truth and result tracks.
//! Coordinates are 0-based half-open, as in the formats.

use crate::error::{Error, Result};
use crate::output::AtomicFile;
use std::io::Write;
use std::path::Path;

/// One BED record; `name`, `score` and `strand` are written when any record of the file has them.
#[derive(Debug, Clone, PartialEq)]
pub struct BedRecord {
    pub chrom: String,
    pub start: u64,
    pub end: u64,
    pub name: Option<String>,
    pub score: Option<f64>,
    pub strand: Option<char>,
}

impl BedRecord {
    pub fn new(chrom: &str, start: u64, end: u64) -> Self {
        BedRecord { chrom: chrom.to_string(), start, end, name: None, score: None, strand: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct BedpeRecord {
    pub chrom1: String,
    pub start1: u64,
    pub end1: u64,
    pub chrom2: String,
    pub start2: u64,
    pub end2: u64,
    pub name: String,
    pub score: f64,
}

fn fmt_score(s: f64) -> String {
    if s.fract() == 0.0 && s.abs() < 1e15 { format!("{}", s as i64) } else { format!("{s:.6}") }
}

/// Writes a BED file atomically (`track` header line optional).
pub fn write_bed(path: &Path, records: &[BedRecord], force: bool) -> Result<AtomicFile> {
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
            line.push(r.strand.unwrap_or('.'));
        }
        writeln!(w, "{line}").map_err(|e| Error::output_io(path, e))?;
    }
    w.flush().map_err(|e| Error::output_io(path, e))?;
    drop(w);
    Ok(f)
}

/// bedGraph: chrom, start, end, value.
pub fn write_bedgraph(path: &Path, records: &[(String, u64, u64, f64)], force: bool) -> Result<AtomicFile> {
    let mut f = AtomicFile::create(path, force)?;
    let mut w = std::io::BufWriter::new(&mut f);
    for (c, s, e, v) in records {
        writeln!(w, "{c}\t{s}\t{e}\t{}", fmt_score(*v)).map_err(|err| Error::output_io(path, err))?;
    }
    w.flush().map_err(|e| Error::output_io(path, e))?;
    drop(w);
    Ok(f)
}

pub fn write_bedpe(path: &Path, records: &[BedpeRecord], force: bool) -> Result<AtomicFile> {
    let mut f = AtomicFile::create(path, force)?;
    let mut w = std::io::BufWriter::new(&mut f);
    for r in records {
        writeln!(w, "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}", r.chrom1, r.start1, r.end1, r.chrom2, r.start2, r.end2, r.name, fmt_score(r.score)).map_err(|e| Error::output_io(path, e))?;
    }
    w.flush().map_err(|e| Error::output_io(path, e))?;
    drop(w);
    Ok(f)
}

/// Reads a bedGraph (or a BED whose 4th column is a number): chrom, start, end, value.
/// `track`/`browser`/`#` lines are skipped.
pub fn read_bedgraph(path: &Path) -> Result<Vec<(String, u64, u64, f64)>> {
    use crate::error::Location;
    use std::io::BufRead;
    let r = crate::formats::pairs::open_text(path)?;
    let mut out = Vec::new();
    for (n, line) in r.lines().enumerate() {
        let lineno = n as u64 + 1;
        let line = line.map_err(|e| Error::format(path, Location::Line { line: lineno, column: None }, format!("unreadable line: {e}")))?;
        let l = line.trim_end();
        if l.is_empty() || l.starts_with('#') || l.starts_with("track") || l.starts_with("browser") {
            continue;
        }
        let f: Vec<&str> = l.split('\t').collect();
        let f = if f.len() < 4 { l.split_whitespace().collect() } else { f };
        if f.len() < 4 {
            return Err(Error::format(path, Location::Line { line: lineno, column: None }, format!("expected 4 columns (chrom start end value), found {}", f.len())));
        }
        let num = |k: usize| -> Result<u64> { f[k].parse().map_err(|_| Error::format(path, Location::Line { line: lineno, column: Some(k as u64 + 1) }, format!("'{}' is not a position", f[k]))) };
        let (s, e) = (num(1)?, num(2)?);
        if e < s {
            return Err(Error::format(path, Location::Line { line: lineno, column: Some(3) }, format!("end {e} before start {s}")));
        }
        let v: f64 = f[3].parse().map_err(|_| Error::format(path, Location::Line { line: lineno, column: Some(4) }, format!("'{}' is not a number", f[3])))?;
        out.push((f[0].to_string(), s, e, v));
    }
    Ok(out)
}

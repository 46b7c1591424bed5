//! Read-pair text formats, binned at a chosen resolution: 4DN `.pairs` (optionally gzip) and
//! HiC-Pro `.validPairs` (bulk, or single-cell with a barcode column summed into a pseudo-bulk map).
//!
//! Pairs files are streamed line by line and binned in bounded memory: counts are summed in hash
//! maps up to a budget of distinct pixels, then sorted into bands of rows on a temporary file
//! ([`BinnedCounts`]); a GM12878-sized file at 10 kb has 612 M distinct pixels.

use super::spill::BinnedCounts;
use super::BinnedSource;
use crate::error::{Error, Location, Result};
use crate::genome::Chrom;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Single-cell options of the pairs readers; both unset for bulk files.
#[derive(Debug, Clone, Default)]
pub struct PairsOptions {
    /// Column holding the cell barcode: a 1-based number, or a name from the `#columns:` header.
    pub cell_column: Option<String>,
    /// File with one barcode per line: only these cells are summed.
    pub cells: Option<PathBuf>,
}

struct Columns {
    chrom1: usize,
    pos1: usize,
    chrom2: usize,
    pos2: usize,
    cell: Option<usize>,
}

fn line_err(path: &Path, line: u64, column: Option<u64>, msg: impl Into<String>) -> Error {
    Error::format(path, Location::Line { line, column }, msg)
}

/// Reads and bins a pairs (`valid_pairs == false`) or validPairs file.
pub fn read(path: &Path, valid_pairs: bool, resolution: u32, opts: &super::OpenOptions) -> Result<BinnedSource> {
    let mut reader = super::text::open(path)?;
    let mut chroms: Vec<Chrom> = match &opts.chrom_sizes {
        Some(p) => super::read_chrom_sizes(p)?,
        None => Vec::new(),
    };
    let from_header = chroms.is_empty();
    let keep_cells: Option<HashSet<String>> = match &opts.pairs.cells {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::input_io(p, e))?;
            Some(text.lines().map(|l| l.trim().to_string()).filter(|l| !l.is_empty()).collect())
        }
        None => None,
    };
    if keep_cells.is_some() && opts.pairs.cell_column.is_none() {
        return Err(Error::InvalidArgument("--cells needs --cell-column (which column holds the barcode)".into()));
    }
    // HiC-Pro: readID chr1 pos1 strand1 chr2 pos2 strand2 ...; 4DN default: readID chrom1 pos1 chrom2 pos2 ...
    let mut header_names: Option<Vec<String>> = None;
    let mut assembly = None;
    let mut index: HashMap<String, usize> = chroms.iter().enumerate().map(|(k, c)| (c.name.clone(), k)).collect();
    let mut counts = BinnedCounts::new(&opts.spill, true);
    let n_bins = |c: &Chrom| c.length.div_ceil(resolution as u64);
    let mut cis: Vec<usize> = chroms.iter().map(|c| counts.add_group(n_bins(c))).collect();
    let mut trans: Option<BTreeMap<(usize, usize), usize>> = opts.trans.then(Default::default);
    let mut cols: Option<Columns> = None;
    let (mut n_pairs, mut n_inter, mut n_skipped_chrom, mut n_skipped_cell) = (0u64, 0u64, 0u64, 0u64);
    let mut line = String::new();
    let mut lineno = 0u64;
    loop {
        line.clear();
        let n = reader.read_line(&mut line).map_err(|e| match e.kind() {
            // A damaged or truncated gzip/BGZF stream surfaces as one of these kinds.
            std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput | std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::Other => {
                line_err(path, lineno + 1, None, format!("not text or corrupted gzip stream: {e}"))
            }
            _ => Error::input_io(path, e),
        })?;
        if n == 0 {
            break;
        }
        lineno += 1;
        let l = line.trim_end_matches(['\n', '\r']);
        if l.is_empty() {
            continue;
        }
        if let Some(h) = l.strip_prefix('#') {
            if let Some(rest) = h.strip_prefix("columns:") {
                header_names = Some(rest.split_whitespace().map(str::to_string).collect());
            } else if let Some(rest) = h.strip_prefix("chromsize:") {
                if from_header {
                    let mut it = rest.split_whitespace();
                    let (Some(name), Some(len)) = (it.next(), it.next()) else {
                        return Err(line_err(path, lineno, None, "expected '#chromsize: name length'"));
                    };
                    let len: u64 = len.parse().map_err(|_| line_err(path, lineno, None, format!("chromosome length '{len}' is not an integer")))?;
                    if index.contains_key(name) {
                        return Err(line_err(path, lineno, None, format!("chromosome '{name}' has a second '#chromsize:' line")));
                    }
                    if len.div_ceil(resolution as u64) > crate::genome::MAX_BINS {
                        return Err(line_err(
                            path,
                            lineno,
                            None,
                            format!("chromosome '{name}' of {len} bp has more than {} bins at {resolution} bp", crate::genome::MAX_BINS),
                        ));
                    }
                    index.insert(name.to_string(), chroms.len());
                    chroms.push(Chrom::new(name, len));
                    cis.push(counts.add_group(n_bins(&chroms[chroms.len() - 1])));
                }
            } else if let Some(rest) = h.strip_prefix("genome_assembly:") {
                assembly = Some(rest.trim().to_string());
            }
            continue;
        }
        let c = match &cols {
            Some(c) => c,
            None => {
                if chroms.is_empty() {
                    return Err(line_err(path, lineno, None, "no chromosome sizes: the file has no '#chromsize:' header lines; pass --chrom-sizes"));
                }
                cols = Some(resolve_columns(path, lineno, valid_pairs, header_names.as_deref(), opts.pairs.cell_column.as_deref())?);
                cols.as_ref().expect("just set")
            }
        };
        let fields: Vec<&str> = l.split('\t').collect();
        let fields = if fields.len() == 1 { l.split_whitespace().collect() } else { fields };
        let need = [c.chrom1, c.pos1, c.chrom2, c.pos2].into_iter().chain(c.cell).max().unwrap_or(0) + 1;
        if fields.len() < need {
            return Err(line_err(
                path,
                lineno,
                Some(fields.len() as u64 + 1),
                format!("expected at least {need} tab-separated fields, found {}", fields.len()),
            ));
        }
        if let (Some(k), Some(keep)) = (c.cell, &keep_cells) {
            if !keep.contains(fields[k]) {
                n_skipped_cell += 1;
                continue;
            }
        }
        let (c1, c2) = (fields[c.chrom1], fields[c.chrom2]);
        if c1 != c2 && trans.is_none() {
            n_inter += 1;
            continue;
        }
        let (Some(&ci), Some(&cj)) = (index.get(c1), index.get(c2)) else {
            n_skipped_chrom += 1;
            continue;
        };
        let parse_pos = |k: usize, ck: usize| -> Result<u64> {
            let v: u64 =
                fields[k].parse().map_err(|_| line_err(path, lineno, Some(k as u64 + 1), format!("position '{}' is not a positive integer", fields[k])))?;
            if v == 0 {
                return Err(line_err(path, lineno, Some(k as u64 + 1), "position 0 (positions are 1-based)"));
            }
            if v > chroms[ck].length {
                return Err(line_err(
                    path,
                    lineno,
                    Some(k as u64 + 1),
                    format!("position {v} beyond the end of {} ({} bp)", chroms[ck].name, chroms[ck].length),
                ));
            }
            Ok(v)
        };
        let (p1, p2) = (parse_pos(c.pos1, ci)?, parse_pos(c.pos2, cj)?);
        let (b1, b2) = (((p1 - 1) / resolution as u64) as u32, ((p2 - 1) / resolution as u64) as u32);
        if ci != cj {
            // Each pair once, the earlier chromosome of the header first.
            let (key, i, j) = if ci < cj { ((ci, cj), b1, b2) } else { ((cj, ci), b2, b1) };
            let g = *trans.as_mut().expect("kept").entry(key).or_insert_with(|| counts.add_group(n_bins(&chroms[key.0])));
            counts.add(g, i, j, 1.0)?;
            n_inter += 1;
            continue;
        }
        let (i, j) = if b1 <= b2 { (b1, b2) } else { (b2, b1) };
        counts.add(cis[ci], i, j, 1.0)?;
        n_pairs += 1;
    }
    if n_pairs == 0 {
        return Err(Error::format(path, Location::None, format!("no intra-chromosomal pairs on known chromosomes (inter-chromosomal: {n_inter}, unknown chromosome: {n_skipped_chrom}, filtered cells: {n_skipped_cell})")));
    }
    if n_skipped_chrom > 0 {
        crate::log::warn(&format!("{}: {n_skipped_chrom} pairs on chromosomes without a size were skipped", path.display()));
    }
    crate::log::info(&format!(
        "{}: binned {n_pairs} intra-chromosomal pairs at {resolution} bp ({n_inter} inter-chromosomal pairs {}, {n_skipped_cell} filtered-cell pairs skipped)",
        path.display(),
        if trans.is_some() { "binned for the trans table" } else { "skipped" }
    ));
    Ok(BinnedSource { path: path.to_path_buf(), chroms, resolution, assembly, counts, cis, trans })
}

fn resolve_columns(path: &Path, lineno: u64, valid_pairs: bool, names: Option<&[String]>, cell: Option<&str>) -> Result<Columns> {
    let mut c = if valid_pairs {
        Columns { chrom1: 1, pos1: 2, chrom2: 4, pos2: 5, cell: None }
    } else {
        Columns { chrom1: 1, pos1: 2, chrom2: 3, pos2: 4, cell: None }
    };
    if let Some(names) = names.filter(|_| !valid_pairs) {
        let find = |n: &str| names.iter().position(|x| x == n);
        match (find("chrom1"), find("pos1"), find("chrom2"), find("pos2")) {
            (Some(a), Some(b), Some(d), Some(e)) => c = Columns { chrom1: a, pos1: b, chrom2: d, pos2: e, cell: None },
            _ => return Err(line_err(path, lineno, None, "the '#columns:' header lacks one of chrom1, pos1, chrom2, pos2")),
        }
    }
    if let Some(cell) = cell {
        c.cell = Some(match cell.parse::<usize>() {
            Ok(0) => return Err(Error::InvalidArgument("--cell-column is 1-based".into())),
            Ok(k) => k - 1,
            Err(_) => names
                .and_then(|n| n.iter().position(|x| x == cell))
                .ok_or_else(|| line_err(path, lineno, None, format!("no column named '{cell}' in the '#columns:' header")))?,
        });
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(valid_pairs: bool, names: Option<&[&str]>, cell: Option<&str>) -> Result<(usize, usize, usize, usize, Option<usize>)> {
        let names: Option<Vec<String>> = names.map(|n| n.iter().map(|s| s.to_string()).collect());
        let c = resolve_columns(Path::new("p"), 7, valid_pairs, names.as_deref(), cell)?;
        Ok((c.chrom1, c.pos1, c.chrom2, c.pos2, c.cell))
    }

    #[test]
    fn columns_from_the_spec_the_header_and_the_cell_option() {
        // 4DN default: readID chrom1 pos1 chrom2 pos2; HiC-Pro: readID chr1 pos1 strand1 chr2 pos2.
        assert_eq!(cols(false, None, None).unwrap(), (1, 2, 3, 4, None));
        assert_eq!(cols(true, None, None).unwrap(), (1, 2, 4, 5, None));
        let h = ["readID", "pos1", "chrom1", "chrom2", "pos2", "cell"];
        assert_eq!(cols(false, Some(&h), Some("cell")).unwrap(), (2, 1, 3, 4, Some(5)));
        assert_eq!(cols(false, Some(&h), Some("8")).unwrap().4, Some(7), "a 1-based column number");
        let e = cols(false, Some(&["readID", "chrom1", "pos1"]), None).unwrap_err().to_string();
        assert!(e.contains("line 7") && e.contains("lacks one of"), "{e}");
        assert!(cols(false, Some(&h), Some("barcode")).unwrap_err().to_string().contains("no column named 'barcode'"));
        assert!(cols(false, None, Some("0")).unwrap_err().to_string().contains("1-based"));
    }
}

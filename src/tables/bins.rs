//! The bins table: every bin of every chromosome, which also records chromosome sizes.

use super::{column, BatchWriter, Meta, TableKind, TableReader};
use crate::error::{Error, Result};
use crate::genome::Chrom;
use crate::output::AtomicFile;
use arrow::array::{Float64Array, Int64Array, StringArray, UInt32Array};
use std::path::Path;

/// Writes the bins of `chroms`; `weights[k]` (if any) holds chromosome k's per-bin weights.
pub fn write(path: &Path, meta: &Meta, chroms: &[Chrom], weights: &[Option<Vec<f64>>], force: bool) -> Result<AtomicFile> {
    let res = meta.resolution().ok_or_else(|| Error::Internal("bins metadata without resolution".into()))? as u64;
    let mut w = BatchWriter::create(path, TableKind::Bins, 0, meta, force)?;
    for (k, c) in chroms.iter().enumerate() {
        let n = c.n_bins(res as u32) as usize;
        let wk = weights.get(k).and_then(|w| w.as_ref());
        w.write(vec![
            column("chrom", StringArray::from_iter_values(std::iter::repeat_n(c.name.as_str(), n))),
            column("bin", UInt32Array::from_iter_values(0..n as u32)),
            column("start", Int64Array::from_iter_values((0..n as u64).map(|b| (b * res) as i64))),
            column("end", Int64Array::from_iter_values((0..n as u64).map(|b| ((b + 1) * res).min(c.length) as i64))),
            column("weight", Float64Array::from_iter((0..n).map(|b| wk.and_then(|w| w.get(b).copied()).filter(|x| x.is_finite())))),
        ])?;
    }
    w.finish()
}

/// Reads the chromosome sizes back from a bins table (length = end of the last bin).
pub fn read_chroms(path: &Path) -> Result<(Meta, Vec<Chrom>)> {
    let mut r = TableReader::open(path, TableKind::Bins.schema())?;
    let mut chroms: Vec<Chrom> = Vec::new();
    while let Some(b) = r.next_batch()? {
        let chrom = crate::col!(b, "chrom", StringArray);
        let end = crate::col!(b, "end", Int64Array);
        for k in 0..b.num_rows() {
            let c = chrom.value(k);
            match chroms.last_mut() {
                Some(l) if l.name == c => l.length = l.length.max(end.value(k).max(0) as u64),
                _ => chroms.push(Chrom::new(c, end.value(k).max(0) as u64)),
            }
        }
    }
    Ok((r.meta, chroms))
}

/// The bins table written beside a contacts table: `X.contacts.parquet` -> `X.bins.parquet`.
/// Chromosome ends of a contacts table, from the bins table beside it (None when there is none).
pub fn sibling_lengths(contacts: &Path) -> Result<Option<Vec<Chrom>>> {
    match sibling(contacts) {
        Some(b) => Ok(Some(read_chroms(&b)?.1)),
        None => Ok(None),
    }
}

/// A chromosome's length: from `lengths` (a bins table) when it lists it, else the end of the
/// last observed bin, `(max_j + 1) * resolution`.
pub fn length_or_last_bin(lengths: &[Chrom], chrom: &str, max_j: u32, resolution: u32) -> u64 {
    lengths.iter().find(|l| l.name == chrom).map(|l| l.length).unwrap_or((max_j as u64 + 1) * resolution as u64)
}

/// The bins table beside a contacts table (`X.contacts.parquet` -> `X.bins.parquet`), if that file
/// exists; None also when the name does not end in `.contacts.parquet`.
/// The bins of a contacts table's chromosomes, in table order: lengths from the bins table beside
/// it (else the end of the last observed bin, with a warning), every pixel checked to lie within
/// its chromosome, so that no step indexes past a chromosome's bins.
pub fn of_contacts(contacts: &Path, chroms: &[super::contacts::ChromContacts], resolution: u32) -> Result<crate::genome::BinMap> {
    let last: Vec<(&str, u32)> = chroms.iter().map(|c| (c.chrom.as_str(), c.j.iter().copied().max().unwrap_or(0))).collect();
    of_last_bins(contacts, &last, resolution)
}

/// [`of_contacts`] from each chromosome's name and largest observed bin, for a table read as a
/// stream.
pub fn of_last_bins(contacts: &Path, chroms: &[(&str, u32)], resolution: u32) -> Result<crate::genome::BinMap> {
    let lengths = sibling_lengths(contacts)?.unwrap_or_else(|| {
        crate::log::warn(&format!("{}: no bins table beside it; chromosome ends are taken from the last observed bin", contacts.display()));
        vec![]
    });
    let mut m = crate::genome::BinMap::new(resolution);
    for &(name, max_j) in chroms {
        let length = length_or_last_bin(&lengths, name, max_j, resolution);
        let bins = m.push(name, length);
        if max_j as usize >= bins.n_bins {
            return Err(Error::schema(
                contacts,
                format!(
                    "chromosome {name}: a pixel at bin {max_j}, but the chromosome has {} bins ({length} bp at {resolution} bp, from the bins table beside it)",
                    bins.n_bins
                ),
            ));
        }
    }
    Ok(m)
}

/// The bins table beside a contacts table (`X.contacts.parquet` -> `X.bins.parquet`), if any.
pub fn sibling(contacts: &Path) -> Option<std::path::PathBuf> {
    let name = contacts.file_name()?.to_str()?;
    let stem = name.strip_suffix(".contacts.parquet")?;
    let p = contacts.with_file_name(format!("{stem}.bins.parquet"));
    p.exists().then_some(p)
}

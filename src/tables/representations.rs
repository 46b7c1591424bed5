//! The representations table: K values per bin, from Hi-C-LSTM or a baseline method.

use super::{column, BatchWriter, Meta, TableKind, TableReader};
use crate::error::{Error, Result};
use crate::output::AtomicFile;
use arrow::array::{BooleanArray, Float32Array, Int64Array, StringArray, UInt32Array};
use std::path::Path;

/// Representations of one chromosome: `values` is row-major, `n_bins x k`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChromRepresentations {
    /// Chromosome name.
    pub chrom: String,
    /// Start of each bin (bp, reference coordinates), indexed by bin.
    pub start: Vec<i64>,
    /// End of each bin (bp, exclusive, reference coordinates).
    pub end: Vec<i64>,
    /// Whether each bin has at least one observed contact (unobserved bins are never fitted).
    pub observed: Vec<bool>,
    /// Representation values, row-major `n_bins x k` (row `b` is bin `b`'s `r0 .. r{k-1}`).
    pub values: Vec<f32>,
}

impl ChromRepresentations {
    /// Number of bins.
    pub fn n_bins(&self) -> usize {
        self.start.len()
    }
    /// The `k` values of bin `bin` (`k`: the table's K).
    pub fn row(&self, bin: usize, k: usize) -> &[f32] {
        &self.values[bin * k..(bin + 1) * k]
    }
}

/// The bins the representations cover, in table order (a chromosome's length is the end of its
/// last bin).
pub fn bin_map(chroms: &[ChromRepresentations], resolution: u32) -> crate::genome::BinMap {
    let mut m = crate::genome::BinMap::new(resolution);
    for c in chroms {
        m.push_bins(&c.chrom, c.end.last().copied().unwrap_or(0).max(0) as u64, c.n_bins());
    }
    m
}

/// Writes a representations table with `k` columns `r0 .. r{k-1}` (K >= 1); bins are numbered
/// from 0 per chromosome.
pub fn write(path: &Path, meta: &Meta, k: usize, chroms: &[ChromRepresentations], force: bool) -> Result<AtomicFile> {
    if k == 0 {
        return Err(Error::InvalidArgument("representations need K >= 1".into()));
    }
    let mut w = BatchWriter::create(path, TableKind::Representations, k, meta, force)?;
    for c in chroms {
        let n = c.n_bins();
        if c.values.len() != n * k || c.end.len() != n || c.observed.len() != n {
            return Err(Error::Internal(format!("representations of {}: inconsistent lengths", c.chrom)));
        }
        let mut cols = vec![
            column("chrom", StringArray::from_iter_values(std::iter::repeat_n(c.chrom.as_str(), n))),
            column("bin", UInt32Array::from_iter_values(0..n as u32)),
            column("start", Int64Array::from(c.start.clone())),
            column("end", Int64Array::from(c.end.clone())),
            column("observed", BooleanArray::from(c.observed.clone())),
        ];
        for d in 0..k {
            cols.push(column(format!("r{d}"), Float32Array::from_iter_values((0..n).map(|b| c.values[b * k + d]))));
        }
        w.write(cols)?;
    }
    w.finish()
}

/// Reads a representations table; returns its metadata, K and the chromosomes in file order.
pub fn read(path: &Path) -> Result<(Meta, usize, Vec<ChromRepresentations>)> {
    let mut r = TableReader::open(path, TableKind::Representations.schema())?;
    let k = r.k;
    let mut out: Vec<ChromRepresentations> = Vec::new();
    let mut first_row = 0u64;
    while let Some(b) = r.next_batch()? {
        let chrom = crate::col!(b, "chrom", StringArray);
        let bin = crate::col!(b, "bin", UInt32Array);
        let start = crate::col!(b, "start", Int64Array);
        let end = crate::col!(b, "end", Int64Array);
        let obs = crate::col!(b, "observed", BooleanArray);
        let vals: Vec<&Float32Array> =
            (0..k).map(|d| b.column_by_name(&format!("r{d}")).and_then(|c| c.as_any().downcast_ref::<Float32Array>()).expect("validated")).collect();
        for row in 0..b.num_rows() {
            let c = chrom.value(row);
            if out.last().is_none_or(|l| l.chrom != c) {
                out.push(ChromRepresentations { chrom: c.to_string(), start: vec![], end: vec![], observed: vec![], values: vec![] });
            }
            let cur = out.last_mut().expect("pushed");
            if bin.value(row) as usize != cur.start.len() {
                return Err(Error::schema(
                    path,
                    format!("chromosome {c}: bin {} where bin {} was expected (bins must be consecutive from 0)", bin.value(row), cur.start.len()),
                ));
            }
            cur.start.push(start.value(row));
            cur.end.push(end.value(row));
            cur.observed.push(obs.value(row));
            for (d, v) in vals.iter().enumerate() {
                let x = v.value(row);
                // One NaN would turn into NaN predictions, a collapsed classifier with plausible
                // metrics, or poisoned attribution z-scores downstream: refuse it here.
                if !x.is_finite() {
                    return Err(Error::schema(path, format!("row {}, column r{d}: {x} is not a finite value", first_row + row as u64)));
                }
                cur.values.push(x);
            }
        }
        first_row += b.num_rows() as u64;
    }
    Ok((r.meta, k, out))
}

//! The representations table: K values per bin, from Hi-C-LSTM or a baseline method.

use super::{new_writer, schema, Meta, TableReader};
use crate::error::{Error, Result};
use crate::output::AtomicFile;
use arrow::array::{ArrayRef, BooleanArray, Float32Array, Int64Array, StringArray, UInt32Array};
use arrow::record_batch::RecordBatch;
use std::path::Path;
use std::sync::Arc;

/// Representations of one chromosome: `values` is row-major, `n_bins x k`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChromRepresentations {
    pub chrom: String,
    pub start: Vec<i64>,
    pub end: Vec<i64>,
    pub observed: Vec<bool>,
    pub values: Vec<f32>,
}

impl ChromRepresentations {
    pub fn n_bins(&self) -> usize {
        self.start.len()
    }
    pub fn row(&self, bin: usize, k: usize) -> &[f32] {
        &self.values[bin * k..(bin + 1) * k]
    }
}

pub fn write(path: &Path, meta: &Meta, k: usize, chroms: &[ChromRepresentations], force: bool) -> Result<AtomicFile> {
    if k == 0 {
        return Err(Error::InvalidArgument("representations need K >= 1".into()));
    }
    let out = AtomicFile::create(path, force)?;
    let schema = schema("representations").arrow(k);
    let mut w = new_writer(out.file()?, path, schema.clone(), meta)?;
    for c in chroms {
        let n = c.n_bins();
        if c.values.len() != n * k || c.end.len() != n || c.observed.len() != n {
            return Err(Error::Internal(format!("representations of {}: inconsistent lengths", c.chrom)));
        }
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(std::iter::repeat_n(c.chrom.as_str(), n))),
            Arc::new(UInt32Array::from_iter_values(0..n as u32)),
            Arc::new(Int64Array::from(c.start.clone())),
            Arc::new(Int64Array::from(c.end.clone())),
            Arc::new(BooleanArray::from(c.observed.clone())),
        ];
        for d in 0..k {
            cols.push(Arc::new(Float32Array::from_iter_values((0..n).map(|b| c.values[b * k + d]))));
        }
        let batch = RecordBatch::try_new(schema.clone(), cols).map_err(|e| Error::Internal(e.to_string()))?;
        w.write(&batch).map_err(|e| Error::output_io(path, std::io::Error::other(e)))?;
    }
    w.close().map_err(|e| Error::output_io(path, std::io::Error::other(e)))?;
    Ok(out)
}

/// Reads a representations table; returns its metadata, K and the chromosomes in file order.
pub fn read(path: &Path) -> Result<(Meta, usize, Vec<ChromRepresentations>)> {
    let mut r = TableReader::open(path, schema("representations"))?;
    let k = r.k;
    let mut out: Vec<ChromRepresentations> = Vec::new();
    while let Some(b) = r.next_batch()? {
        let chrom = crate::col!(b, "chrom", StringArray);
        let bin = crate::col!(b, "bin", UInt32Array);
        let start = crate::col!(b, "start", Int64Array);
        let end = crate::col!(b, "end", Int64Array);
        let obs = crate::col!(b, "observed", BooleanArray);
        let vals: Vec<&Float32Array> = (0..k).map(|d| b.column_by_name(&format!("r{d}")).and_then(|c| c.as_any().downcast_ref::<Float32Array>()).expect("validated")).collect();
        for row in 0..b.num_rows() {
            let c = chrom.value(row);
            if out.last().is_none_or(|l| l.chrom != c) {
                out.push(ChromRepresentations { chrom: c.to_string(), start: vec![], end: vec![], observed: vec![], values: vec![] });
            }
            let cur = out.last_mut().expect("pushed");
            if bin.value(row) as usize != cur.start.len() {
                return Err(Error::schema(path, format!("chromosome {c}: bin {} where bin {} was expected (bins must be consecutive from 0)", bin.value(row), cur.start.len())));
            }
            cur.start.push(start.value(row));
            cur.end.push(end.value(row));
            cur.observed.push(obs.value(row));
            for v in &vals {
                cur.values.push(v.value(row));
            }
        }
    }
    Ok((r.meta, k, out))
}

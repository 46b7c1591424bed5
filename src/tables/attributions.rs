//! The attributions table: one Integrated-Gradients score per bin.

use super::{new_writer, schema, Meta, TableReader};
use crate::error::{Error, Result};
use crate::output::AtomicFile;
use arrow::array::{ArrayRef, Float64Array, Int64Array, StringArray, UInt32Array};
use arrow::record_batch::RecordBatch;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChromAttributions {
    pub chrom: String,
    pub start: Vec<i64>,
    pub end: Vec<i64>,
    pub frames: Vec<u32>,
    pub raw: Vec<f64>,
}

/// Normalised scores over all chromosomes: (min-max per sign, z-score).
pub fn normalise(chroms: &[ChromAttributions]) -> Vec<(Vec<f64>, Vec<f64>)> {
    let all: Vec<f64> = chroms.iter().flat_map(|c| c.raw.iter().copied()).collect();
    let n = all.len().max(1) as f64;
    let mean = all.iter().sum::<f64>() / n;
    let sd = (all.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let maxp = all.iter().copied().filter(|&x| x > 0.0).fold(0.0f64, f64::max);
    let minn = all.iter().copied().filter(|&x| x < 0.0).fold(0.0f64, f64::min);
    chroms
        .iter()
        .map(|c| {
            let norm = c.raw.iter().map(|&x| if x > 0.0 { x / maxp } else if x < 0.0 { -x / minn } else { 0.0 }).collect();
            let z = c.raw.iter().map(|&x| if sd > 0.0 { (x - mean) / sd } else { 0.0 }).collect();
            (norm, z)
        })
        .collect()
}

pub fn write(path: &Path, meta: &Meta, chroms: &[ChromAttributions], force: bool) -> Result<AtomicFile> {
    let out = AtomicFile::create(path, force)?;
    let schema = schema("attributions").arrow(0);
    let mut w = new_writer(out.file()?, path, schema.clone(), meta)?;
    for (c, (norm, z)) in chroms.iter().zip(normalise(chroms)) {
        let n = c.raw.len();
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(std::iter::repeat_n(c.chrom.as_str(), n))),
            Arc::new(UInt32Array::from_iter_values(0..n as u32)),
            Arc::new(Int64Array::from(c.start.clone())),
            Arc::new(Int64Array::from(c.end.clone())),
            Arc::new(UInt32Array::from(c.frames.clone())),
            Arc::new(Float64Array::from(c.raw.clone())),
            Arc::new(Float64Array::from_iter((0..n).map(|b| (c.frames[b] > 0).then(|| c.raw[b] / c.frames[b] as f64)))),
            Arc::new(Float64Array::from(norm)),
            Arc::new(Float64Array::from(z)),
        ];
        let batch = RecordBatch::try_new(schema.clone(), cols).map_err(|e| Error::Internal(e.to_string()))?;
        w.write(&batch).map_err(|e| Error::output_io(path, std::io::Error::other(e)))?;
    }
    w.close().map_err(|e| Error::output_io(path, std::io::Error::other(e)))?;
    Ok(out)
}

/// Reads (chrom, start, end, raw, normalized) rows back.
pub fn read(path: &Path) -> Result<Vec<(String, i64, i64, f64, f64)>> {
    let mut r = TableReader::open(path, schema("attributions"))?;
    let mut out = Vec::new();
    while let Some(b) = r.next_batch()? {
        let c = crate::col!(b, "chrom", StringArray);
        let s = crate::col!(b, "start", Int64Array);
        let e = crate::col!(b, "end", Int64Array);
        let raw = crate::col!(b, "raw", Float64Array);
        let nz = crate::col!(b, "normalized", Float64Array);
        for k in 0..b.num_rows() {
            out.push((c.value(k).to_string(), s.value(k), e.value(k), raw.value(k), nz.value(k)));
        }
    }
    Ok(out)
}

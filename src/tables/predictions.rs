//! The predictions table, written in streamed chunks.

use super::{column, BatchWriter, Meta, TableKind, TableReader};
use crate::error::Result;
use crate::output::AtomicFile;
use arrow::array::{Array, Float64Array, StringArray, UInt32Array};
use std::path::Path;

/// Predictions of one chromosome (or one chunk of it); NaN observed values are written as null.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChromPredictions {
    pub chrom: String,
    pub i: Vec<u32>,
    pub j: Vec<u32>,
    pub observed_value: Vec<f64>,
    pub observed_prob: Vec<f64>,
    pub predicted_prob: Vec<f64>,
    pub predicted_value: Vec<f64>,
}

pub struct PredictionsWriter {
    table: BatchWriter,
    pub rows: u64,
}

impl PredictionsWriter {
    pub fn create(path: &Path, meta: &Meta, force: bool) -> Result<Self> {
        Ok(PredictionsWriter { table: BatchWriter::create(path, TableKind::Predictions, 0, meta, force)?, rows: 0 })
    }

    pub fn write(&mut self, p: &ChromPredictions) -> Result<()> {
        let n = p.i.len();
        if n == 0 {
            return Ok(());
        }
        let nullable = |v: &[f64]| Float64Array::from_iter(v.iter().map(|x| x.is_finite().then_some(*x)));
        self.table.write(vec![
            column("chrom", StringArray::from_iter_values(std::iter::repeat_n(p.chrom.as_str(), n))),
            column("i", UInt32Array::from(p.i.clone())),
            column("j", UInt32Array::from(p.j.clone())),
            column("observed_value", nullable(&p.observed_value)),
            column("observed_prob", nullable(&p.observed_prob)),
            column("predicted_prob", Float64Array::from(p.predicted_prob.clone())),
            column("predicted_value", Float64Array::from(p.predicted_value.clone())),
        ])?;
        self.rows += n as u64;
        Ok(())
    }

    pub fn finish(self) -> Result<AtomicFile> {
        self.table.finish()
    }
}

/// Reads a whole predictions table grouped by chromosome (null observations become NaN).
pub fn read_all(path: &Path) -> Result<(Meta, Vec<ChromPredictions>)> {
    let mut r = TableReader::open(path, TableKind::Predictions.schema())?;
    let mut out: Vec<ChromPredictions> = Vec::new();
    while let Some(b) = r.next_batch()? {
        let chrom = crate::col!(b, "chrom", StringArray);
        let i = crate::col!(b, "i", UInt32Array);
        let j = crate::col!(b, "j", UInt32Array);
        let ov = crate::col!(b, "observed_value", Float64Array);
        let op = crate::col!(b, "observed_prob", Float64Array);
        let pp = crate::col!(b, "predicted_prob", Float64Array);
        let pv = crate::col!(b, "predicted_value", Float64Array);
        for k in 0..b.num_rows() {
            let c = chrom.value(k);
            if out.last().is_none_or(|l| l.chrom != c) {
                out.push(ChromPredictions { chrom: c.to_string(), ..Default::default() });
            }
            let cur = out.last_mut().expect("pushed");
            cur.i.push(i.value(k));
            cur.j.push(j.value(k));
            cur.observed_value.push(if ov.is_null(k) { f64::NAN } else { ov.value(k) });
            cur.observed_prob.push(if op.is_null(k) { f64::NAN } else { op.value(k) });
            cur.predicted_prob.push(pp.value(k));
            cur.predicted_value.push(pv.value(k));
        }
    }
    Ok((r.meta, out))
}

/// Streams a predictions table and keeps only the pixels of `chrom` with lo <= i and j < hi
/// (memory bounded by the region, not the table).
pub fn read_region(path: &Path, chrom: &str, lo: u32, hi: u32) -> Result<ChromPredictions> {
    let mut r = TableReader::open(path, TableKind::Predictions.schema())?;
    let mut out = ChromPredictions { chrom: chrom.to_string(), ..Default::default() };
    while let Some(b) = r.next_batch()? {
        let c = crate::col!(b, "chrom", StringArray);
        let (i, j) = (crate::col!(b, "i", UInt32Array), crate::col!(b, "j", UInt32Array));
        let (ov, op) = (crate::col!(b, "observed_value", Float64Array), crate::col!(b, "observed_prob", Float64Array));
        let (pp, pv) = (crate::col!(b, "predicted_prob", Float64Array), crate::col!(b, "predicted_value", Float64Array));
        for k in 0..b.num_rows() {
            if c.value(k) != chrom || i.value(k) < lo || j.value(k) >= hi {
                continue;
            }
            out.i.push(i.value(k));
            out.j.push(j.value(k));
            out.observed_value.push(if ov.is_null(k) { f64::NAN } else { ov.value(k) });
            out.observed_prob.push(if op.is_null(k) { f64::NAN } else { op.value(k) });
            out.predicted_prob.push(pp.value(k));
            out.predicted_value.push(pv.value(k));
        }
    }
    Ok(out)
}

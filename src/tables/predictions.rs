//! The predictions table, written in streamed chunks.

use super::{column, BatchWriter, Meta, TableKind, TableReader};
use crate::error::{Error, Result};
use crate::output::AtomicFile;
use arrow::array::{Array, Float64Array, StringArray, UInt32Array};
use std::path::Path;

/// Predictions of one chromosome (or one chunk of it); NaN observed values are written as null.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChromPredictions {
    /// Chromosome name.
    pub chrom: String,
    /// 0-based bin of the first locus, per pixel.
    pub i: Vec<u32>,
    /// 0-based bin of the second locus, per pixel; `j >= i`.
    pub j: Vec<u32>,
    /// Observed contact value (the column the model was trained on); NaN where not observed or
    /// not given.
    pub observed_value: Vec<f64>,
    /// Observed contact probability `exp(-a / (v + d))`; NaN where not observed.
    pub observed_prob: Vec<f64>,
    /// Predicted contact probability.
    pub predicted_prob: Vec<f64>,
    /// Predicted contact value: the inverse transform `a / -ln(p) - d` of `predicted_prob`.
    pub predicted_value: Vec<f64>,
}

/// Streams [`ChromPredictions`] chunks into a predictions Parquet file.
pub struct PredictionsWriter {
    table: BatchWriter,
    /// Pixels written so far.
    pub rows: u64,
}

impl PredictionsWriter {
    /// A writer of a predictions table at `path` with metadata `meta`.
    pub fn create(path: &Path, meta: &Meta, force: bool) -> Result<Self> {
        Ok(PredictionsWriter { table: BatchWriter::create(path, TableKind::Predictions, 0, meta, force)?, rows: 0 })
    }

    /// Appends a chunk (rows must come sorted by chromosome, i, j across calls); NaN observations are
    /// written as null.
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

    /// Finishes the Parquet file; the caller commits it (with the step's other outputs).
    pub fn finish(self) -> Result<AtomicFile> {
        self.table.finish()
    }
}

/// One row of a predictions table, as decoded (null observations become NaN).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction<'a> {
    /// Chromosome name.
    pub chrom: &'a str,
    /// Row bin (0-based, within the chromosome).
    pub i: u32,
    /// Column bin, `j >= i`.
    pub j: u32,
    /// Observed value; NaN where the pixel was not observed.
    pub observed_value: f64,
    /// Observed value as a probability (the model's transform); NaN where not observed.
    pub observed_prob: f64,
    /// Predicted probability.
    pub predicted_prob: f64,
    /// Predicted probability turned back into a value (the inverse transform).
    pub predicted_value: f64,
}

/// The one decode of a predictions batch (from [`TableReader`]) whose first row is row
/// `first_row` of `path`: `f` sees every row in order. Refused (exit 7, with the row): pixels out of
/// order, below the diagonal or repeated (`order`), probabilities outside [0, 1] and non-finite
/// predictions, which would otherwise give plausible-looking metrics.
pub fn for_each_row(
    path: &Path,
    first_row: u64,
    b: &arrow::record_batch::RecordBatch,
    order: &mut super::PixelOrder,
    mut f: impl FnMut(Prediction<'_>),
) -> Result<()> {
    let chrom = crate::col!(b, "chrom", StringArray);
    let (i, j) = (crate::col!(b, "i", UInt32Array), crate::col!(b, "j", UInt32Array));
    let (ov, op) = (crate::col!(b, "observed_value", Float64Array), crate::col!(b, "observed_prob", Float64Array));
    let (pp, pv) = (crate::col!(b, "predicted_prob", Float64Array), crate::col!(b, "predicted_value", Float64Array));
    let nan_if_null = |a: &Float64Array, k: usize| if a.is_null(k) { f64::NAN } else { a.value(k) };
    for k in 0..b.num_rows() {
        let row = first_row + k as u64;
        let p = Prediction {
            chrom: chrom.value(k),
            i: i.value(k),
            j: j.value(k),
            observed_value: nan_if_null(ov, k),
            observed_prob: nan_if_null(op, k),
            predicted_prob: pp.value(k),
            predicted_value: pv.value(k),
        };
        order.check(path, row, p.chrom, p.i, p.j)?;
        let bad = |column: &str, v: f64, what: &str| Err(Error::schema(path, format!("row {row}, column {column}: {v} is not {what}")));
        if !(0.0..=1.0).contains(&p.predicted_prob) {
            return bad("predicted_prob", p.predicted_prob, "a probability in [0, 1]");
        }
        if !p.observed_prob.is_nan() && !(0.0..=1.0).contains(&p.observed_prob) {
            return bad("observed_prob", p.observed_prob, "a probability in [0, 1]");
        }
        if !p.predicted_value.is_finite() {
            return bad("predicted_value", p.predicted_value, "a finite value");
        }
        f(p);
    }
    Ok(())
}

impl ChromPredictions {
    fn push(&mut self, p: &Prediction<'_>) {
        self.i.push(p.i);
        self.j.push(p.j);
        self.observed_value.push(p.observed_value);
        self.observed_prob.push(p.observed_prob);
        self.predicted_prob.push(p.predicted_prob);
        self.predicted_value.push(p.predicted_value);
    }
}

/// Reads a whole predictions table grouped by chromosome (null observations become NaN).
pub fn read_all(path: &Path) -> Result<(Meta, Vec<ChromPredictions>)> {
    let mut r = TableReader::open(path, TableKind::Predictions.schema())?;
    let mut out: Vec<ChromPredictions> = Vec::new();
    let (mut order, mut row) = (super::PixelOrder::default(), 0);
    while let Some(b) = r.next_batch()? {
        for_each_row(path, row, &b, &mut order, |p| {
            if out.last().is_none_or(|l| l.chrom != p.chrom) {
                out.push(ChromPredictions { chrom: p.chrom.to_string(), ..Default::default() });
            }
            out.last_mut().expect("pushed").push(&p);
        })?;
        row += b.num_rows() as u64;
    }
    Ok((r.meta, out))
}

/// Streams a predictions table and keeps only the pixels of `chrom` with lo <= i and j < hi
/// (memory bounded by the region, not the table).
pub fn read_region(path: &Path, chrom: &str, lo: u32, hi: u32) -> Result<ChromPredictions> {
    let mut r = TableReader::open(path, TableKind::Predictions.schema())?;
    let mut out = ChromPredictions { chrom: chrom.to_string(), ..Default::default() };
    let (mut order, mut row) = (super::PixelOrder::default(), 0);
    while let Some(b) = r.next_batch()? {
        for_each_row(path, row, &b, &mut order, |p| {
            if p.chrom == chrom && p.i >= lo && p.j < hi {
                out.push(&p);
            }
        })?;
        row += b.num_rows() as u64;
    }
    Ok(out)
}

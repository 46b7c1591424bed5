//! The metrics table (long format).

use super::{column, write_table, Meta, TableKind, TableReader};
use crate::error::Result;
use crate::output::AtomicFile;
use arrow::array::{Array, Float64Array, Int64Array, StringArray, UInt32Array};
use std::path::Path;

/// One row of a metrics table: one value of one metric for one method and scope.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricRow {
    /// What is evaluated: a predictions or representations label (e.g. `hiclstm`), or `distance-mean`
    /// for the baseline.
    pub method: String,
    /// Chromosome, or `all`.
    pub chrom: String,
    /// Metric name: `r2`, `mse`, `pearson`, `spearman` (reconstruction, probability space) or a
    /// classification metric.
    pub metric: String,
    /// Distance band start in bins (`j - i`), inclusive; None when not restricted by distance.
    pub distance_lo: Option<u32>,
    /// Distance band end in bins, exclusive; None for an open band or no restriction.
    pub distance_hi: Option<u32>,
    /// Classification task; None for reconstruction metrics.
    pub task: Option<String>,
    /// Cross-validation fold; None for averages and reconstruction metrics.
    pub fold: Option<u32>,
    /// The metric; None where undefined (non-finite values are written as null too).
    pub value: Option<f64>,
    /// Number of pixels (or samples) the value is computed from.
    pub n: i64,
}

/// Writes a metrics table of `rows`, in the given order.
pub fn write(path: &Path, meta: &Meta, rows: &[MetricRow], force: bool) -> Result<AtomicFile> {
    let cols = vec![
        column("method", StringArray::from_iter_values(rows.iter().map(|r| r.method.as_str()))),
        column("chrom", StringArray::from_iter_values(rows.iter().map(|r| r.chrom.as_str()))),
        column("metric", StringArray::from_iter_values(rows.iter().map(|r| r.metric.as_str()))),
        column("distance_lo", UInt32Array::from_iter(rows.iter().map(|r| r.distance_lo))),
        column("distance_hi", UInt32Array::from_iter(rows.iter().map(|r| r.distance_hi))),
        column("task", StringArray::from_iter(rows.iter().map(|r| r.task.as_deref()))),
        column("fold", UInt32Array::from_iter(rows.iter().map(|r| r.fold))),
        column("value", Float64Array::from_iter(rows.iter().map(|r| r.value.filter(|v| v.is_finite())))),
        column("n", Int64Array::from_iter_values(rows.iter().map(|r| r.n))),
    ];
    write_table(path, TableKind::Metrics, 0, meta, cols, force)
}

/// Reads a metrics table back, rows in file order.
pub fn read(path: &Path) -> Result<Vec<MetricRow>> {
    let mut r = TableReader::open(path, TableKind::Metrics.schema())?;
    let mut out = Vec::new();
    while let Some(b) = r.next_batch()? {
        let method = crate::col!(b, "method", StringArray);
        let chrom = crate::col!(b, "chrom", StringArray);
        let metric = crate::col!(b, "metric", StringArray);
        let lo = crate::col!(b, "distance_lo", UInt32Array);
        let hi = crate::col!(b, "distance_hi", UInt32Array);
        let task = crate::col!(b, "task", StringArray);
        let fold = crate::col!(b, "fold", UInt32Array);
        let value = crate::col!(b, "value", Float64Array);
        let n = crate::col!(b, "n", Int64Array);
        for k in 0..b.num_rows() {
            out.push(MetricRow {
                method: method.value(k).into(),
                chrom: chrom.value(k).into(),
                metric: metric.value(k).into(),
                distance_lo: (!lo.is_null(k)).then(|| lo.value(k)),
                distance_hi: (!hi.is_null(k)).then(|| hi.value(k)),
                task: (!task.is_null(k)).then(|| task.value(k).to_string()),
                fold: (!fold.is_null(k)).then(|| fold.value(k)),
                value: (!value.is_null(k)).then(|| value.value(k)),
                n: n.value(k),
            });
        }
    }
    Ok(out)
}

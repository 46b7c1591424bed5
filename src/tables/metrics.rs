//! The metrics table (long format).

use super::{column, write_table, Meta, TableKind, TableReader};
use crate::error::Result;
use crate::output::AtomicFile;
use arrow::array::{Array, Float64Array, Int64Array, StringArray, UInt32Array};
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct MetricRow {
    pub method: String,
    pub chrom: String,
    pub metric: String,
    pub distance_lo: Option<u32>,
    pub distance_hi: Option<u32>,
    pub task: Option<String>,
    pub fold: Option<u32>,
    pub value: Option<f64>,
    pub n: i64,
}

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

//! The metrics table (long format).

use super::{new_writer, schema, Meta, TableReader};
use crate::error::{Error, Result};
use crate::output::AtomicFile;
use arrow::array::{Array, ArrayRef, Float64Array, Int64Array, StringArray, UInt32Array};
use arrow::record_batch::RecordBatch;
use std::path::Path;
use std::sync::Arc;

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
    let out = AtomicFile::create(path, force)?;
    let schema = schema("metrics").arrow(0);
    let mut w = new_writer(out.file()?, path, schema.clone(), meta)?;
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.method.as_str()))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.chrom.as_str()))),
        Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.metric.as_str()))),
        Arc::new(UInt32Array::from_iter(rows.iter().map(|r| r.distance_lo))),
        Arc::new(UInt32Array::from_iter(rows.iter().map(|r| r.distance_hi))),
        Arc::new(StringArray::from_iter(rows.iter().map(|r| r.task.as_deref()))),
        Arc::new(UInt32Array::from_iter(rows.iter().map(|r| r.fold))),
        Arc::new(Float64Array::from_iter(rows.iter().map(|r| r.value.filter(|v| v.is_finite())))),
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.n))),
    ];
    let batch = RecordBatch::try_new(schema, cols).map_err(|e| Error::Internal(e.to_string()))?;
    w.write(&batch).map_err(|e| Error::output_io(path, std::io::Error::other(e)))?;
    w.close().map_err(|e| Error::output_io(path, std::io::Error::other(e)))?;
    Ok(out)
}

pub fn read(path: &Path) -> Result<Vec<MetricRow>> {
    let mut r = TableReader::open(path, schema("metrics"))?;
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

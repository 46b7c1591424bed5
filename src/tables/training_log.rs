//! The training-log table: one row per epoch.

use super::{new_writer, schema, Meta, TableReader};
use crate::error::{Error, Result};
use crate::output::AtomicFile;
use arrow::array::{ArrayRef, Float64Array, UInt32Array};
use arrow::record_batch::RecordBatch;
use std::path::Path;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochLog {
    pub epoch: u32,
    pub learning_rate: f64,
    pub loss: f64,
    pub seconds: f64,
    pub frames_per_second: f64,
    pub steps: u32,
}

pub fn write(path: &Path, meta: &Meta, rows: &[EpochLog], force: bool) -> Result<AtomicFile> {
    let out = AtomicFile::create(path, force)?;
    let schema = schema("training_log").arrow(0);
    let mut w = new_writer(out.file()?, path, schema.clone(), meta)?;
    let cols: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.epoch))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.learning_rate))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.loss))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.seconds))),
        Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.frames_per_second))),
        Arc::new(UInt32Array::from_iter_values(rows.iter().map(|r| r.steps))),
    ];
    let batch = RecordBatch::try_new(schema, cols).map_err(|e| Error::Internal(e.to_string()))?;
    w.write(&batch).map_err(|e| Error::output_io(path, std::io::Error::other(e)))?;
    w.close().map_err(|e| Error::output_io(path, std::io::Error::other(e)))?;
    Ok(out)
}

pub fn read(path: &Path) -> Result<Vec<EpochLog>> {
    let mut r = TableReader::open(path, schema("training_log"))?;
    let mut out = Vec::new();
    while let Some(b) = r.next_batch()? {
        let e = crate::col!(b, "epoch", UInt32Array);
        let lr = crate::col!(b, "learning_rate", Float64Array);
        let l = crate::col!(b, "loss", Float64Array);
        let s = crate::col!(b, "seconds", Float64Array);
        let f = crate::col!(b, "frames_per_second", Float64Array);
        let st = crate::col!(b, "steps", UInt32Array);
        for k in 0..b.num_rows() {
            out.push(EpochLog { epoch: e.value(k), learning_rate: lr.value(k), loss: l.value(k), seconds: s.value(k), frames_per_second: f.value(k), steps: st.value(k) });
        }
    }
    Ok(out)
}

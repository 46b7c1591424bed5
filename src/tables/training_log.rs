//! The training-log table: one row per epoch.

use super::{column, write_table, Meta, TableKind, TableReader};
use crate::error::Result;
use crate::output::AtomicFile;
use arrow::array::{Float64Array, UInt32Array};
use std::path::Path;

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
    let cols = vec![
        column("epoch", UInt32Array::from_iter_values(rows.iter().map(|r| r.epoch))),
        column("learning_rate", Float64Array::from_iter_values(rows.iter().map(|r| r.learning_rate))),
        column("loss", Float64Array::from_iter_values(rows.iter().map(|r| r.loss))),
        column("seconds", Float64Array::from_iter_values(rows.iter().map(|r| r.seconds))),
        column("frames_per_second", Float64Array::from_iter_values(rows.iter().map(|r| r.frames_per_second))),
        column("steps", UInt32Array::from_iter_values(rows.iter().map(|r| r.steps))),
    ];
    write_table(path, TableKind::TrainingLog, 0, meta, cols, force)
}

pub fn read(path: &Path) -> Result<Vec<EpochLog>> {
    let mut r = TableReader::open(path, TableKind::TrainingLog.schema())?;
    let mut out = Vec::new();
    while let Some(b) = r.next_batch()? {
        let e = crate::col!(b, "epoch", UInt32Array);
        let lr = crate::col!(b, "learning_rate", Float64Array);
        let l = crate::col!(b, "loss", Float64Array);
        let s = crate::col!(b, "seconds", Float64Array);
        let f = crate::col!(b, "frames_per_second", Float64Array);
        let st = crate::col!(b, "steps", UInt32Array);
        for k in 0..b.num_rows() {
            out.push(EpochLog {
                epoch: e.value(k),
                learning_rate: lr.value(k),
                loss: l.value(k),
                seconds: s.value(k),
                frames_per_second: f.value(k),
                steps: st.value(k),
            });
        }
    }
    Ok(out)
}

//! The training-log table: one row per epoch.

use super::{column, write_table, Meta, TableKind, TableReader};
use crate::error::Result;
use crate::output::AtomicFile;
use arrow::array::{Float64Array, UInt32Array};
use std::path::Path;

/// One training epoch of `hiclstm-train`: a row of the training-log table.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochLog {
    /// 1-based epoch number.
    pub epoch: u32,
    /// Learning rate used in this epoch.
    pub learning_rate: f64,
    /// Mean squared error over the epoch's observed (unmasked) entries, probability space.
    pub loss: f64,
    /// Wall-clock seconds of the epoch (training only, not checkpointing).
    pub seconds: f64,
    /// Frames processed per second in this epoch.
    pub frames_per_second: f64,
    /// Optimizer steps in this epoch.
    pub steps: u32,
}

/// Writes a training-log table, one row per epoch in the given order.
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

/// Reads a training-log table back, rows in file order.
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

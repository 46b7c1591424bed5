//! The training-log table: one row per epoch.

use super::{column, write_table, Meta, TableKind, TableReader};
use crate::error::Result;
use crate::output::AtomicFile;
use arrow::array::{Array, Float64Array, UInt32Array};
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
    /// The inter-chromosomal term's negative log-likelihood per read pair, mean of the epoch's
    /// per-step estimates, before its weight; None when the run has no such term.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trans_loss: Option<f64>,
    /// The long-range term's, likewise; None when the run has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cis_loss: Option<f64>,
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
        column("trans_loss", Float64Array::from(rows.iter().map(|r| r.trans_loss).collect::<Vec<_>>())),
        column("cis_loss", Float64Array::from(rows.iter().map(|r| r.cis_loss).collect::<Vec<_>>())),
    ];
    write_table(path, TableKind::TrainingLog, 0, meta, cols, force)
}

/// Columns version 2 added to version 1.
const TERM_COLUMNS: [&str; 2] = ["trans_loss", "cis_loss"];

/// Reads a training-log table back, rows in file order. A version-1 log (written before the
/// terms' columns existed) reads with no term values.
pub fn read(path: &Path) -> Result<Vec<EpochLog>> {
    let mut r = match TableReader::open(path, TableKind::TrainingLog.schema()) {
        Ok(r) => r,
        Err(e) => {
            let mut v1 = TableKind::TrainingLog.schema().clone();
            v1.version = 1;
            v1.columns.retain(|c| !TERM_COLUMNS.contains(&c.name.as_str()));
            TableReader::open(path, &v1).map_err(|_| e)?
        }
    };
    let mut out = Vec::new();
    while let Some(b) = r.next_batch()? {
        let e = crate::col!(b, "epoch", UInt32Array);
        let lr = crate::col!(b, "learning_rate", Float64Array);
        let l = crate::col!(b, "loss", Float64Array);
        let s = crate::col!(b, "seconds", Float64Array);
        let f = crate::col!(b, "frames_per_second", Float64Array);
        let st = crate::col!(b, "steps", UInt32Array);
        // Absent from a version-1 log.
        let term = |name: &str| b.column_by_name(name).and_then(|c| c.as_any().downcast_ref::<Float64Array>()).cloned();
        let (tl, cl) = (term(TERM_COLUMNS[0]), term(TERM_COLUMNS[1]));
        let opt = |a: &Option<Float64Array>, k: usize| a.as_ref().and_then(|a| a.is_valid(k).then(|| a.value(k)));
        for k in 0..b.num_rows() {
            out.push(EpochLog {
                epoch: e.value(k),
                learning_rate: lr.value(k),
                loss: l.value(k),
                seconds: s.value(k),
                frames_per_second: f.value(k),
                steps: st.value(k),
                trans_loss: opt(&tl, k),
                cis_loss: opt(&cl, k),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{column, new_writer, schema};

    /// Writes a training log of schema `version` with the columns of `s`, one epoch.
    fn write_version(path: &Path, s: &crate::tables::Schema, version: u32) {
        let mut s = s.clone();
        s.version = version;
        let meta = Meta::new(&s);
        let cols: Vec<_> = s
            .columns
            .iter()
            .map(|c| match c.name.as_str() {
                "epoch" | "steps" => column(&c.name, UInt32Array::from(vec![1])).1,
                _ => column(&c.name, Float64Array::from(vec![0.5])).1,
            })
            .collect();
        let arrow = s.arrow(0);
        let batch = arrow::record_batch::RecordBatch::try_new(arrow.clone(), cols).unwrap();
        let mut w = new_writer(std::fs::File::create(path).unwrap(), path, arrow, &meta).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    }

    /// A log written before the terms' columns (version 1) still reads, with no term values, so
    /// `hiclstm-evaluate --training-log` plots an older model's loss; another version is refused
    /// with the current one's message.
    #[test]
    fn a_version_1_log_reads_without_terms_and_other_versions_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let mut v1 = schema(TableKind::TrainingLog).clone();
        v1.columns.retain(|c| !TERM_COLUMNS.contains(&c.name.as_str()));
        let p = d.path().join("v1.parquet");
        write_version(&p, &v1, 1);
        let back = read(&p).unwrap();
        assert_eq!((back.len(), back[0].loss, back[0].trans_loss, back[0].cis_loss), (1, 0.5, None, None));
        let v2 = d.path().join("v2.parquet");
        write_version(&v2, schema(TableKind::TrainingLog), 2);
        assert_eq!(read(&v2).unwrap()[0].trans_loss, Some(0.5));
        let p = d.path().join("v3.parquet");
        write_version(&p, schema(TableKind::TrainingLog), 3);
        let e = read(&p).unwrap_err().to_string();
        assert!(e.contains("schema version 3; this build reads version 2"), "{e}");
    }
}

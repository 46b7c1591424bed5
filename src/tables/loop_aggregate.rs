//! The loop aggregate table: the mean change around the loop pixels of per-loop CTCF swaps.

use super::{column, write_table, Meta, TableKind, TableReader};
use crate::error::Result;
use crate::output::AtomicFile;
use arrow::array::{Float64Array, Int64Array, UInt32Array};
use std::path::Path;

/// One offset from the loop pixel, averaged over loops.
#[derive(Debug, Clone, PartialEq)]
pub struct LoopCell {
    /// Row offset (bins).
    pub dx: i64,
    /// Column offset (bins).
    pub dy: i64,
    /// Loops swapped.
    pub loops: u32,
    /// Pixels averaged.
    pub pixels: u32,
    /// Mean wild-type probability.
    pub wt: f64,
    /// Mean probability with each loop swapped.
    pub mutant: f64,
}

/// Writes the rows (already sorted by dx, dy).
pub fn write(path: &Path, meta: &Meta, rows: &[LoopCell], force: bool) -> Result<AtomicFile> {
    write_table(
        path,
        TableKind::LoopAggregate,
        0,
        meta,
        vec![
            column("dx", Int64Array::from_iter_values(rows.iter().map(|r| r.dx))),
            column("dy", Int64Array::from_iter_values(rows.iter().map(|r| r.dy))),
            column("loops", UInt32Array::from_iter_values(rows.iter().map(|r| r.loops))),
            column("pixels", UInt32Array::from_iter_values(rows.iter().map(|r| r.pixels))),
        ]
        .into_iter()
        .chain(super::change_columns(rows.iter().map(|r| (r.wt, r.mutant))))
        .collect(),
        force,
    )
}

/// Reads a loop aggregate table back.
pub fn read(path: &Path) -> Result<Vec<LoopCell>> {
    let mut r = TableReader::open(path, TableKind::LoopAggregate.schema())?;
    let mut out = Vec::new();
    while let Some(b) = r.next_batch()? {
        let (dx, dy) = (crate::col!(b, "dx", Int64Array), crate::col!(b, "dy", Int64Array));
        let (loops, px) = (crate::col!(b, "loops", UInt32Array), crate::col!(b, "pixels", UInt32Array));
        let (wt, mu) = (crate::col!(b, "wt", Float64Array), crate::col!(b, "mutant", Float64Array));
        for k in 0..b.num_rows() {
            out.push(LoopCell { dx: dx.value(k), dy: dy.value(k), loops: loops.value(k), pixels: px.value(k), wt: wt.value(k), mutant: mu.value(k) });
        }
    }
    Ok(out)
}

//! The TAD aggregate table: a window edit's TAD-scaled 2-D aggregate, per group of domains.

use super::{column, write_table, Meta, TableKind, TableReader};
use crate::aggregate::TadGrid;
use crate::error::Result;
use crate::output::AtomicFile;
use arrow::array::{Float64Array, Int64Array, StringArray, UInt32Array};
use std::path::Path;

/// One cell of one group.
#[derive(Debug, Clone, PartialEq)]
pub struct TadCell {
    /// Group of domains: `ctcf`, `no_ctcf` or `all`.
    pub group: String,
    /// Position of the first locus (flank bins negative, interior tenths 0..9, right flank 10..).
    pub row: i64,
    /// Position of the second locus; `col >= row`.
    pub col: i64,
    /// Domains in the group.
    pub domains: u32,
    /// Pixels averaged.
    pub pixels: u32,
    /// Mean wild-type probability.
    pub wt: f64,
    /// Mean edited-genome probability.
    pub mutant: f64,
}

/// The non-empty cells of `grid` as rows of `group`.
pub fn cells(group: &str, grid: &TadGrid) -> Vec<TadCell> {
    let (g, f) = (grid.side(), grid.flank as i64);
    let mut out = Vec::new();
    for a in 0..g {
        for b in a..g {
            let k = a * g + b;
            if grid.pixels[k] > 0 {
                let n = grid.pixels[k] as f64;
                out.push(TadCell {
                    group: group.to_string(),
                    row: a as i64 - f,
                    col: b as i64 - f,
                    domains: grid.domains as u32,
                    pixels: grid.pixels[k] as u32,
                    wt: grid.wt[k] / n,
                    mutant: grid.mutant[k] / n,
                });
            }
        }
    }
    out
}

/// Writes the rows (already sorted by group, row, col).
pub fn write(path: &Path, meta: &Meta, rows: &[TadCell], force: bool) -> Result<AtomicFile> {
    write_table(
        path,
        TableKind::TadAggregate,
        0,
        meta,
        vec![
            column("group", StringArray::from_iter_values(rows.iter().map(|r| r.group.as_str()))),
            column("row", Int64Array::from_iter_values(rows.iter().map(|r| r.row))),
            column("col", Int64Array::from_iter_values(rows.iter().map(|r| r.col))),
            column("domains", UInt32Array::from_iter_values(rows.iter().map(|r| r.domains))),
            column("pixels", UInt32Array::from_iter_values(rows.iter().map(|r| r.pixels))),
        ]
        .into_iter()
        .chain(super::change_columns(rows.iter().map(|r| (r.wt, r.mutant))))
        .collect(),
        force,
    )
}

/// Reads a TAD aggregate table back.
pub fn read(path: &Path) -> Result<Vec<TadCell>> {
    let mut r = TableReader::open(path, TableKind::TadAggregate.schema())?;
    let mut out = Vec::new();
    while let Some(b) = r.next_batch()? {
        let group = crate::col!(b, "group", StringArray);
        let (row, col) = (crate::col!(b, "row", Int64Array), crate::col!(b, "col", Int64Array));
        let (dom, px) = (crate::col!(b, "domains", UInt32Array), crate::col!(b, "pixels", UInt32Array));
        let (wt, mu) = (crate::col!(b, "wt", Float64Array), crate::col!(b, "mutant", Float64Array));
        for k in 0..b.num_rows() {
            out.push(TadCell {
                group: group.value(k).to_string(),
                row: row.value(k),
                col: col.value(k),
                domains: dom.value(k),
                pixels: px.value(k),
                wt: wt.value(k),
                mutant: mu.value(k),
            });
        }
    }
    Ok(out)
}

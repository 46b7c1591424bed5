//! The perturbations table: wild-type and edited predictions of one window, on reference pixels.

use super::{column, BatchWriter, Meta, TableKind, TableReader};
use crate::error::Result;
use crate::frames::Transform;
use crate::output::AtomicFile;
use arrow::array::{Array, Float64Array, StringArray, UInt32Array};
use std::path::Path;

/// One reference pixel (i, j) of the window.
#[derive(Debug, Clone, PartialEq)]
pub struct PerturbationRow {
    /// Reference bin of the first locus, 0-based within the chromosome.
    pub i: u32,
    /// Reference bin of the second locus; `j >= i`.
    pub j: u32,
    /// The first edited-genome bin whose reference bin is i (None when i was removed).
    pub i_edit: Option<u32>,
    /// The first edited-genome bin whose reference bin is j (None when j was removed).
    pub j_edit: Option<u32>,
    /// Edited-genome pixels summed onto this reference pixel (2 within a duplication).
    pub copies: u32,
    /// Wild-type predicted probability.
    pub wt: f64,
    /// Edited-genome predicted probability mapped back to reference coordinates; None when the
    /// edit removed the pixel.
    pub mutant: Option<f64>,
}

/// Writes one chromosome's window; `transform` turns probabilities into values for the log2
/// ratio column.
pub fn write(path: &Path, meta: &Meta, chrom: &str, rows: &[PerturbationRow], transform: &Transform, force: bool) -> Result<AtomicFile> {
    write_chroms(path, meta, &[(chrom.to_string(), rows.to_vec())], transform, force)
}

/// Writes rows of several chromosomes (each chromosome's rows sorted by i, j), in the order given.
pub fn write_chroms(path: &Path, meta: &Meta, chroms: &[(String, Vec<PerturbationRow>)], transform: &Transform, force: bool) -> Result<AtomicFile> {
    let mut w = BatchWriter::create(path, TableKind::Perturbations, 0, meta, force)?;
    for (chrom, rows) in chroms {
        write_batch(&mut w, chrom, rows, transform)?;
    }
    w.finish()
}

fn write_batch(w: &mut BatchWriter, chrom: &str, rows: &[PerturbationRow], transform: &Transform) -> Result<()> {
    w.write(vec![
        column("chrom", StringArray::from_iter_values(std::iter::repeat_n(chrom, rows.len()))),
        column("i", UInt32Array::from_iter_values(rows.iter().map(|r| r.i))),
        column("j", UInt32Array::from_iter_values(rows.iter().map(|r| r.j))),
        column("i_edit", UInt32Array::from_iter(rows.iter().map(|r| r.i_edit))),
        column("j_edit", UInt32Array::from_iter(rows.iter().map(|r| r.j_edit))),
        column("copies", UInt32Array::from_iter_values(rows.iter().map(|r| r.copies))),
        column("wt", Float64Array::from_iter_values(rows.iter().map(|r| r.wt))),
        column("mutant", Float64Array::from_iter(rows.iter().map(|r| r.mutant))),
        column("difference", Float64Array::from_iter(rows.iter().map(|r| r.mutant.map(|m| m - r.wt)))),
        column(
            "log2_ratio",
            Float64Array::from_iter(rows.iter().map(|r| r.mutant.map(|m| (transform.to_value(m) / transform.to_value(r.wt)).log2()).filter(|x| x.is_finite()))),
        ),
    ])
}

/// Reads a perturbations table back: (chromosome, row) in file order.
pub fn read(path: &Path) -> Result<(Meta, Vec<(String, PerturbationRow)>)> {
    let mut r = TableReader::open(path, TableKind::Perturbations.schema())?;
    let mut out = Vec::new();
    while let Some(b) = r.next_batch()? {
        let chrom = crate::col!(b, "chrom", StringArray);
        let (i, j) = (crate::col!(b, "i", UInt32Array), crate::col!(b, "j", UInt32Array));
        let (ie, je) = (crate::col!(b, "i_edit", UInt32Array), crate::col!(b, "j_edit", UInt32Array));
        let copies = crate::col!(b, "copies", UInt32Array);
        let (wt, mutant) = (crate::col!(b, "wt", Float64Array), crate::col!(b, "mutant", Float64Array));
        let opt = |a: &UInt32Array, k: usize| (!a.is_null(k)).then(|| a.value(k));
        for k in 0..b.num_rows() {
            out.push((
                chrom.value(k).to_string(),
                PerturbationRow {
                    i: i.value(k),
                    j: j.value(k),
                    i_edit: opt(ie, k),
                    j_edit: opt(je, k),
                    copies: copies.value(k),
                    wt: wt.value(k),
                    mutant: (!mutant.is_null(k)).then(|| mutant.value(k)),
                },
            ));
        }
    }
    Ok((r.meta, out))
}

//! The site effects table: per-site edits summarised by distance (one row per site and distance).

use super::{column, BatchWriter, Meta, TableKind, TableReader};
use crate::error::Result;
use crate::output::AtomicFile;
use arrow::array::{Float64Array, Int64Array, StringArray, UInt32Array};
use std::path::Path;

/// The change of one site's contacts at one distance.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteEffect {
    /// Start of the site's bin (bp, 0-based).
    pub start: i64,
    /// End of the site's bin (bp, exclusive).
    pub end: i64,
    /// Distance of the compared pixels (bins).
    pub distance: u32,
    /// Pixels compared.
    pub pixels: u32,
    /// Mean wild-type probability of those pixels.
    pub wt: f64,
    /// Mean probability with the site edited.
    pub mutant: f64,
}

impl SiteEffect {
    /// mutant - wt.
    pub fn difference(&self) -> f64 {
        self.mutant - self.wt
    }
    /// 100 * difference / wt; None where wt is 0.
    pub fn percent(&self) -> Option<f64> {
        (self.wt > 0.0).then(|| 100.0 * self.difference() / self.wt)
    }
}

/// Writes a site effects table a chromosome at a time.
pub struct Writer(BatchWriter);

impl Writer {
    /// A new table at `path` (a temporary file until the step commits its outputs).
    pub fn create(path: &Path, meta: &Meta, force: bool) -> Result<Writer> {
        BatchWriter::create(path, TableKind::SiteEffects, 0, meta, force).map(Writer)
    }

    /// Appends one chromosome's rows.
    pub fn write(&mut self, chrom: &str, rows: &[SiteEffect]) -> Result<()> {
        self.0.write(
            vec![
                column("chrom", StringArray::from_iter_values(std::iter::repeat_n(chrom, rows.len()))),
                column("start", Int64Array::from_iter_values(rows.iter().map(|r| r.start))),
                column("end", Int64Array::from_iter_values(rows.iter().map(|r| r.end))),
                column("distance", UInt32Array::from_iter_values(rows.iter().map(|r| r.distance))),
                column("pixels", UInt32Array::from_iter_values(rows.iter().map(|r| r.pixels))),
            ]
            .into_iter()
            .chain(super::change_columns(rows.iter().map(|r| (r.wt, r.mutant))))
            .collect(),
        )
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.0.rows
    }

    /// Closes the file, still to be committed.
    pub fn finish(self) -> Result<AtomicFile> {
        self.0.finish()
    }
}

/// Reads a site effects table back: (chromosome, row) in file order.
pub fn read(path: &Path) -> Result<(Meta, Vec<(String, SiteEffect)>)> {
    let mut r = TableReader::open(path, TableKind::SiteEffects.schema())?;
    let mut out = Vec::new();
    while let Some(b) = r.next_batch()? {
        let chrom = crate::col!(b, "chrom", StringArray);
        let (start, end) = (crate::col!(b, "start", Int64Array), crate::col!(b, "end", Int64Array));
        let (distance, pixels) = (crate::col!(b, "distance", UInt32Array), crate::col!(b, "pixels", UInt32Array));
        let (wt, mutant) = (crate::col!(b, "wt", Float64Array), crate::col!(b, "mutant", Float64Array));
        for k in 0..b.num_rows() {
            out.push((
                chrom.value(k).to_string(),
                SiteEffect {
                    start: start.value(k),
                    end: end.value(k),
                    distance: distance.value(k),
                    pixels: pixels.value(k),
                    wt: wt.value(k),
                    mutant: mutant.value(k),
                },
            ));
        }
    }
    Ok((r.meta, out))
}

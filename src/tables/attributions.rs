//! The attributions table: one Integrated-Gradients score per bin.

use super::{column, BatchWriter, Meta, TableKind, TableReader};
use crate::error::Result;
use crate::output::AtomicFile;
use arrow::array::{Array, Float64Array, Int64Array, StringArray, UInt32Array};
use std::path::Path;

/// The attributions of one chromosome, as computed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ChromAttributions {
    /// Chromosome name.
    pub chrom: String,
    /// Start of each bin (bp, 0-based), indexed by bin.
    pub start: Vec<i64>,
    /// End of each bin (bp, exclusive).
    pub end: Vec<i64>,
    /// Observed frame steps each bin takes part in (as row or column).
    pub frames: Vec<u32>,
    /// Attribution of each bin summed over every frame it appears in and over the K features.
    pub raw: Vec<f64>,
}

/// A chromosome's scores on the two normalised scales of the table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Normalised {
    /// Min-max per sign over all chromosomes: positive scores / the largest, negative scores /
    /// |the most negative|, so the scale is [-1, 1] and 0 stays 0.
    pub normalized: Vec<f64>,
    /// (raw - mean) / standard deviation over the framed bins of all chromosomes; NaN for a bin
    /// in no frame.
    pub z: Vec<f64>,
}

/// One row of an attributions table as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct AttributionRow {
    /// Chromosome name.
    pub chrom: String,
    /// Bin start (bp, 0-based).
    pub start: i64,
    /// Bin end (bp, exclusive).
    pub end: i64,
    /// Attribution summed over every frame the bin appears in (the default score).
    pub raw: f64,
    /// `raw` min-max scaled per sign over the whole table, in [-1, 1].
    pub normalized: f64,
    /// `raw` as a z-score over the framed bins; None for a bin in no frame.
    pub z: Option<f64>,
}

/// Normalised scores over all chromosomes, one entry per chromosome. The z-score's mean and
/// standard deviation are those of the bins in at least one frame; a bin in none has no score to
/// standardise (NaN, written as null), so the many zeros of a targeted attribution cannot drag
/// the scale.
pub fn normalise(chroms: &[ChromAttributions]) -> Vec<Normalised> {
    let all: Vec<f64> = chroms.iter().flat_map(|c| c.raw.iter().copied()).collect();
    let framed: Vec<f64> = chroms.iter().flat_map(|c| c.raw.iter().zip(&c.frames).filter(|(_, &f)| f > 0).map(|(&x, _)| x)).collect();
    let n = framed.len().max(1) as f64;
    let mean = framed.iter().sum::<f64>() / n;
    let sd = (framed.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    let maxp = all.iter().copied().filter(|&x| x > 0.0).fold(0.0f64, f64::max);
    let minn = all.iter().copied().filter(|&x| x < 0.0).fold(0.0f64, f64::min);
    chroms
        .iter()
        .map(|c| Normalised {
            normalized: c
                .raw
                .iter()
                .map(|&x| {
                    if x > 0.0 {
                        x / maxp
                    } else if x < 0.0 {
                        -x / minn
                    } else {
                        0.0
                    }
                })
                .collect(),
            z: c.raw
                .iter()
                .zip(&c.frames)
                .map(|(&x, &f)| {
                    if f == 0 {
                        f64::NAN
                    } else if sd > 0.0 {
                        (x - mean) / sd
                    } else {
                        0.0
                    }
                })
                .collect(),
        })
        .collect()
}

/// Writes an attributions table: bins numbered from 0 per chromosome, with `mean` (null for bins
/// in no frame), `normalized` and `z` computed over all of `chroms` (see [`normalise`]).
pub fn write(path: &Path, meta: &Meta, chroms: &[ChromAttributions], force: bool) -> Result<AtomicFile> {
    let mut w = BatchWriter::create(path, TableKind::Attributions, 0, meta, force)?;
    for (c, norm) in chroms.iter().zip(normalise(chroms)) {
        let n = c.raw.len();
        w.write(vec![
            column("chrom", StringArray::from_iter_values(std::iter::repeat_n(c.chrom.as_str(), n))),
            column("bin", UInt32Array::from_iter_values(0..n as u32)),
            column("start", Int64Array::from(c.start.clone())),
            column("end", Int64Array::from(c.end.clone())),
            column("frames", UInt32Array::from(c.frames.clone())),
            column("raw", Float64Array::from(c.raw.clone())),
            column("mean", Float64Array::from_iter((0..n).map(|b| (c.frames[b] > 0).then(|| c.raw[b] / c.frames[b] as f64)))),
            column("normalized", Float64Array::from(norm.normalized)),
            column("z", Float64Array::from_iter(norm.z.iter().map(|&z| Some(z).filter(|z| !z.is_nan())))),
        ])?;
    }
    w.finish()
}

/// Reads the rows back.
pub fn read(path: &Path) -> Result<Vec<AttributionRow>> {
    let mut r = TableReader::open(path, TableKind::Attributions.schema())?;
    let mut out = Vec::new();
    while let Some(b) = r.next_batch()? {
        let c = crate::col!(b, "chrom", StringArray);
        let s = crate::col!(b, "start", Int64Array);
        let e = crate::col!(b, "end", Int64Array);
        let raw = crate::col!(b, "raw", Float64Array);
        let nz = crate::col!(b, "normalized", Float64Array);
        let z = crate::col!(b, "z", Float64Array);
        for k in 0..b.num_rows() {
            out.push(AttributionRow {
                chrom: c.value(k).to_string(),
                start: s.value(k),
                end: e.value(k),
                raw: raw.value(k),
                normalized: nz.value(k),
                z: (!z.is_null(k)).then(|| z.value(k)),
            });
        }
    }
    Ok(out)
}

/// Reads a table back as computed, per chromosome (bins, frames, raw scores), with its metadata:
/// what joining the tables of a run scattered by chromosome needs. Bins must run 0, 1, ... per
/// chromosome, each chromosome in one run of rows.
pub fn read_chroms(path: &Path) -> Result<(Meta, Vec<ChromAttributions>)> {
    let mut r = TableReader::open(path, TableKind::Attributions.schema())?;
    let mut out: Vec<ChromAttributions> = Vec::new();
    let mut row = 0u64;
    while let Some(b) = r.next_batch()? {
        let c = crate::col!(b, "chrom", StringArray);
        let bin = crate::col!(b, "bin", UInt32Array);
        let (s, e) = (crate::col!(b, "start", Int64Array), crate::col!(b, "end", Int64Array));
        let (frames, raw) = (crate::col!(b, "frames", UInt32Array), crate::col!(b, "raw", Float64Array));
        for k in 0..b.num_rows() {
            if out.last().is_none_or(|x| x.chrom != c.value(k)) {
                if out.iter().any(|x| x.chrom == c.value(k)) {
                    return Err(crate::error::Error::schema(path, format!("row {row}: chromosome {} appears in two runs of rows", c.value(k))));
                }
                out.push(ChromAttributions { chrom: c.value(k).to_string(), ..Default::default() });
            }
            let cur = out.last_mut().expect("pushed");
            if bin.value(k) as usize != cur.raw.len() {
                return Err(crate::error::Error::schema(
                    path,
                    format!("row {row}: bin {} of {} where bin {} was expected", bin.value(k), cur.chrom, cur.raw.len()),
                ));
            }
            cur.start.push(s.value(k));
            cur.end.push(e.value(k));
            cur.frames.push(frames.value(k));
            cur.raw.push(raw.value(k));
            row += 1;
        }
    }
    Ok((r.meta, out))
}

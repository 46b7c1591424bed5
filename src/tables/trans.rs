//! The trans table: pixels between two different chromosomes (inter-chromosomal contacts), one
//! block per chromosome pair. Hi-C-LSTM's frames are intra-chromosomal; trans contacts are what
//! ties one chromosome's compartments to another's (the A compartments of two chromosomes touch
//! more than A and B do), so steps that need one genome-wide orientation read them.

use super::{column, BatchWriter, Meta, TableKind, TableReader};
use crate::error::{Error, Result};
use crate::formats::Pixel;
use crate::output::AtomicFile;
use arrow::array::{Array, Float64Array, Int64Array, StringArray, UInt32Array};
use std::path::Path;

/// Streams trans pixels into a Parquet file, one chromosome pair at a time.
pub struct TransWriter {
    table: BatchWriter,
    resolution: u32,
    /// Pixels written so far.
    pub rows: u64,
    /// Pixels written with a null `value` (a bin without a finite weight).
    pub null_values: u64,
}

impl TransWriter {
    /// A writer of a trans table at `path`; `meta` must hold `hiclstm.resolution`.
    pub fn create(path: &Path, meta: &Meta, force: bool) -> Result<Self> {
        let resolution = meta.resolution().ok_or_else(|| Error::Internal("trans metadata without resolution".into()))?;
        Ok(TransWriter { table: BatchWriter::create(path, TableKind::Trans, 0, meta, force)?, resolution, rows: 0, null_values: 0 })
    }

    /// Appends the pixels of the pair (`chrom1`, `chrom2`), sorted by (i, j): `i` on chrom1, `j`
    /// on chrom2; `w1` and `w2` (per bin of each chromosome) turn counts into values.
    pub fn write(&mut self, chrom1: &str, chrom2: &str, pixels: &[Pixel], w1: Option<&[f64]>, w2: Option<&[f64]>) -> Result<()> {
        if pixels.is_empty() {
            return Ok(());
        }
        let n = pixels.len();
        let res = self.resolution as i64;
        let (value, nulls) = super::contacts::normalized_values(pixels, w1, w2);
        self.null_values += nulls;
        self.table.write(vec![
            column("chrom1", StringArray::from_iter_values(std::iter::repeat_n(chrom1, n))),
            column("i", UInt32Array::from_iter_values(pixels.iter().map(|p| p.i))),
            column("chrom2", StringArray::from_iter_values(std::iter::repeat_n(chrom2, n))),
            column("j", UInt32Array::from_iter_values(pixels.iter().map(|p| p.j))),
            column("start_i", Int64Array::from_iter_values(pixels.iter().map(|p| p.i as i64 * res))),
            column("start_j", Int64Array::from_iter_values(pixels.iter().map(|p| p.j as i64 * res))),
            column("count", Float64Array::from_iter_values(pixels.iter().map(|p| p.count))),
            column("value", value),
        ])?;
        self.rows += n as u64;
        Ok(())
    }

    /// Finishes the Parquet file; the caller commits it (with the step's other outputs).
    pub fn finish(self) -> Result<AtomicFile> {
        self.table.finish()
    }
}

/// Pixels of one chromosome pair (or a consecutive run of them) read back from a trans table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PairContacts {
    /// Chromosome of `i`.
    pub chrom1: String,
    /// Chromosome of `j`.
    pub chrom2: String,
    /// 0-based bin on chrom1, per pixel.
    pub i: Vec<u32>,
    /// 0-based bin on chrom2, per pixel.
    pub j: Vec<u32>,
    /// Raw contact count, per pixel.
    pub count: Vec<f64>,
    /// NaN where the table holds null.
    pub value: Vec<f64>,
}

/// Streams a trans table in file order, one batch at a time: `f` gets runs of one chromosome pair
/// (a pair's pixels may arrive in several consecutive runs). Checks that each pair appears in one
/// run of rows, joins two different chromosomes, and is sorted by (i, j) without duplicates, and
/// that bp starts agree with the bins; memory holds one batch whatever the table's size. Returns
/// the table's metadata.
pub fn stream(path: &Path, mut f: impl FnMut(PairContacts) -> Result<()>) -> Result<Meta> {
    let mut r = TableReader::open(path, TableKind::Trans.schema())?;
    let res = r.meta.resolution().map(|x| x as i64);
    let mut seen: Vec<(String, String)> = Vec::new();
    let mut last: Option<(u32, u32)> = None;
    let mut row = 0u64;
    while let Some(b) = r.next_batch()? {
        let (c1, c2) = (crate::col!(b, "chrom1", StringArray), crate::col!(b, "chrom2", StringArray));
        let (i, j) = (crate::col!(b, "i", UInt32Array).values(), crate::col!(b, "j", UInt32Array).values());
        let (si, sj) = (crate::col!(b, "start_i", Int64Array).values(), crate::col!(b, "start_j", Int64Array).values());
        let count = crate::col!(b, "count", Float64Array).values();
        let value = crate::col!(b, "value", Float64Array);
        let n = b.num_rows();
        let mut k = 0;
        while k < n {
            let (a, z) = (c1.value(k), c2.value(k));
            let mut e = k + 1;
            while e < n && c1.value(e) == a && c2.value(e) == z {
                e += 1;
            }
            let at = row + k as u64;
            if a == z {
                return Err(Error::schema(path, format!("row {at}: chrom1 and chrom2 are both '{a}': intra-chromosomal pixels belong in the contacts table")));
            }
            if seen.last().is_none_or(|(x, y)| x != a || y != z) {
                if seen.iter().any(|(x, y)| (x == a && y == z) || (x == z && y == a)) {
                    return Err(Error::schema(
                        path,
                        format!("row {at}: chromosome pair ({a}, {z}) appears in two separate runs: table not sorted by chromosome pair"),
                    ));
                }
                seen.push((a.to_string(), z.to_string()));
                last = None;
            }
            for t in k..e {
                let p = (i[t], j[t]);
                if let Some(q) = last {
                    if q >= p {
                        return Err(Error::schema(
                            path,
                            format!("row {}: pixel ({}, {}) after ({}, {}): table not sorted by (i, j) or has duplicates", row + t as u64, p.0, p.1, q.0, q.1),
                        ));
                    }
                }
                last = Some(p);
                if let Some(res) = res {
                    if si[t] != p.0 as i64 * res || sj[t] != p.1 as i64 * res {
                        return Err(Error::schema(
                            path,
                            format!("row {}: start_i/start_j ({}, {}) are not i/j * resolution {res}", row + t as u64, si[t], sj[t]),
                        ));
                    }
                }
                let bad = |x: f64| x.is_nan() || x < 0.0;
                if bad(count[t]) || (value.is_valid(t) && bad(value.value(t))) {
                    return Err(Error::schema(path, format!("row {}: a negative or NaN count or value", row + t as u64)));
                }
            }
            f(PairContacts {
                chrom1: a.to_string(),
                chrom2: z.to_string(),
                i: i[k..e].to_vec(),
                j: j[k..e].to_vec(),
                count: count[k..e].to_vec(),
                value: (k..e).map(|t| if value.is_null(t) { f64::NAN } else { value.value(t) }).collect(),
            })?;
            k = e;
        }
        row += n as u64;
    }
    Ok(r.meta)
}

/// A trans table's pixels one chromosome pair at a time: for every pair whose chromosomes
/// `index` knows (others are skipped), `f(a, b, pixels)` with the indexes of chrom1 and chrom2 and
/// the pair's pixels (i, j, x) whose x (`value`, or `count` with `raw`) is finite and positive.
/// A pixel beyond `n_bins` of its chromosome is a schema error. Memory: one pair's pixels.
pub fn for_each_pair(
    path: &Path,
    index: impl Fn(&str) -> Option<usize>,
    n_bins: &[usize],
    raw: bool,
    mut f: impl FnMut(usize, usize, &[(u32, u32, f64)]) -> Result<()>,
) -> Result<()> {
    let mut pair: Option<(usize, usize)> = None;
    let mut px: Vec<(u32, u32, f64)> = Vec::new();
    stream(path, |run| {
        let (Some(a), Some(b)) = (index(&run.chrom1), index(&run.chrom2)) else { return Ok(()) };
        if pair != Some((a, b)) {
            if let Some((pa, pb)) = pair {
                f(pa, pb, &px)?;
            }
            pair = Some((a, b));
            px.clear();
        }
        let vals = if raw { &run.count } else { &run.value };
        for t in 0..run.i.len() {
            let (i, j) = (run.i[t] as usize, run.j[t] as usize);
            if i >= n_bins[a] || j >= n_bins[b] {
                return Err(Error::schema(
                    path,
                    format!("pixel ({i}, {j}) of {} x {} lies beyond the chromosomes of the contacts tables", run.chrom1, run.chrom2),
                ));
            }
            if vals[t].is_finite() && vals[t] > 0.0 {
                px.push((run.i[t], run.j[t], vals[t]));
            }
        }
        Ok(())
    })?;
    if let Some((a, b)) = pair {
        f(a, b, &px)?;
    }
    Ok(())
}

/// Row sums, column sums and total of one pair's pixels (as [`for_each_pair`] gives them) on
/// chromosomes of `n1` and `n2` bins: the independence expectation of cell (i, j) is
/// r_i c_j / total.
pub fn marginals(px: &[(u32, u32, f64)], n1: usize, n2: usize) -> (Vec<f64>, Vec<f64>, f64) {
    let (mut r, mut c) = (vec![0.0f64; n1], vec![0.0f64; n2]);
    for &(i, j, x) in px {
        r[i as usize] += x;
        c[j as usize] += x;
    }
    let total = r.iter().sum();
    (r, c, total)
}

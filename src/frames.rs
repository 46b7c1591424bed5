//! From contacts to the model's training frames, and the value <-> probability transform.
//!
//! Hi-C-LSTM reads a chromosome row by row: for row i, the observed entries (i, j), j >= i, in
//! order of j, are cut into frames of L steps; the last, short frame of a row is padded and the
//! padding is masked (out of the loss and out of every output). Building frames is one linear
//! pass over the sorted contacts table.

use crate::error::{Error, Result};
use crate::tables::contacts::ChromContacts;

/// Contact value <-> probability: p = exp(-a / (v + d)); v = a / -ln(p) - d.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transform {
    /// Scale `a` of the transform (default 8): the value at which p = 1/e, ignoring `d`.
    pub a: f64,
    /// Small offset `d` added to the value (default 1e-10) so that a zero value maps to p = 0
    /// without dividing by zero.
    pub d: f64,
}

impl Default for Transform {
    fn default() -> Self {
        Transform { a: 8.0, d: 1e-10 }
    }
}

impl Transform {
    /// The probability p = exp(-a / (v + d)) of contact value `v`; 0 maps to 0, larger values
    /// towards 1.
    pub fn to_prob(&self, v: f64) -> f64 {
        (-self.a / (v + self.d)).exp()
    }
    /// Inverse of [`Transform::to_prob`]; p = 0 maps to 0 and p = 1 to +inf.
    pub fn to_value(&self, p: f64) -> f64 {
        if p <= 0.0 {
            return 0.0;
        }
        (self.a / -p.ln() - self.d).max(0.0)
    }
}

/// Which column of the contacts table the model learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ValueColumn {
    /// `value` (normalized; equal to count for NONE).
    #[default]
    Value,
    /// `count` (raw).
    Count,
}

/// Frames of length `len`, flattened row-major (`n * len` entries for per-step arrays).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frames {
    /// Frame length L in steps (at least 1).
    pub len: usize,
    /// Per frame: chromosome index (into the list given to [`build`]) and row bin i.
    pub chrom: Vec<u32>,
    /// Per frame: row bin i (0-based, chromosome-local).
    pub row: Vec<u32>,
    /// Per step: column bin j (the row bin on padding).
    pub col: Vec<u32>,
    /// Per step: target probability (0 on padding).
    pub target: Vec<f32>,
    /// Per step: 1 for an observed entry, 0 for padding.
    pub mask: Vec<f32>,
}

/// What was left out while building frames.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameStats {
    /// Pixels that entered a frame (observed steps).
    pub pixels: u64,
    /// Pixels skipped for a null (NaN) value: a bin without a normalization weight.
    pub skipped_null: u64,
    /// Pixels skipped for lying more than `max_distance` bins off the diagonal.
    pub skipped_distance: u64,
}

impl Frames {
    /// Number of frames.
    pub fn n(&self) -> usize {
        self.chrom.len()
    }
    /// Copies of frames `ids`, in that order.
    pub fn select(&self, ids: impl IntoIterator<Item = usize>) -> Frames {
        let l = self.len;
        let mut out = Frames { len: l, ..Default::default() };
        for q in ids {
            out.chrom.push(self.chrom[q]);
            out.row.push(self.row[q]);
            out.col.extend_from_slice(&self.col[q * l..(q + 1) * l]);
            out.target.extend_from_slice(&self.target[q * l..(q + 1) * l]);
            out.mask.extend_from_slice(&self.mask[q * l..(q + 1) * l]);
        }
        out
    }
    /// Moves the frames of `other` (of the same length) after these.
    pub fn append(&mut self, mut other: Frames) {
        debug_assert_eq!(self.len, other.len);
        self.chrom.append(&mut other.chrom);
        self.row.append(&mut other.row);
        self.col.append(&mut other.col);
        self.target.append(&mut other.target);
        self.mask.append(&mut other.mask);
    }
    /// Number of observed steps over all frames (neither padding nor gaps).
    pub fn observed(&self) -> usize {
        self.mask.iter().zip(&self.target).filter(|&(&m, &t)| is_observed(m, t)).count()
    }
}

/// Builds frames from contacts. `max_distance` (in bins) drops entries further from the
/// diagonal. Null values (bins without a normalization weight) are skipped and counted;
/// negative or infinite values are an error naming `source`.
pub fn build(
    chroms: &[ChromContacts],
    len: usize,
    column: ValueColumn,
    t: &Transform,
    max_distance: Option<u32>,
    source: &std::path::Path,
) -> Result<(Frames, FrameStats)> {
    let mut b = Builder::new(len, column, *t, max_distance, source)?;
    for (c, cc) in chroms.iter().enumerate() {
        b.push(c as u32, cc)?;
    }
    Ok(b.finish())
}

/// Builds frames incrementally from runs of pixels in table order (a chromosome's pixels may come
/// in several consecutive runs, a row split between two), so that a caller can stream a table
/// through it and [`Builder::drain`] the finished frames as it goes: the frames are the same as
/// [`build`] makes from the whole table at once.
pub struct Builder<'a> {
    len: usize,
    column: ValueColumn,
    t: Transform,
    max_distance: Option<u32>,
    source: &'a std::path::Path,
    frames: Frames,
    stats: FrameStats,
    /// Chromosome index and row of the pixels being framed.
    at: Option<(u32, u32)>,
    /// Steps filled in the last frame (0: no frame is open).
    step: usize,
    /// Frame the unobserved pixels between a row's diagonal and its observed pixels too, as gap
    /// steps (see [`is_gap`]); the next column of the row to frame; whether the open frame has an
    /// observed step (a frame of gaps only is dropped: nothing in it is learned or predicted).
    gaps: bool,
    next: u32,
    open_observed: bool,
}

/// Whether a framed step is a gap: an unobserved pixel framed as input only (its target is NaN;
/// it is in the frame, mask 1, but in no loss and no metric). Models trained with `frames: dense`
/// frame every pixel of a row up to its last observed one, so that their frames are laid out as
/// dense prediction lays them out, whatever pixels a map happens to observe.
pub fn is_gap(target: f32) -> bool {
    target.is_nan()
}

/// Whether a framed step (its mask and target) is an observed pixel: neither padding nor a gap.
pub fn is_observed(mask: f32, target: f32) -> bool {
    mask > 0.0 && !is_gap(target)
}

impl<'a> Builder<'a> {
    /// A builder of frames of `len` steps (see [`build`] for the other settings).
    pub fn new(len: usize, column: ValueColumn, t: Transform, max_distance: Option<u32>, source: &'a std::path::Path) -> Result<Self> {
        if len == 0 {
            return Err(Error::InvalidArgument("frame length must be at least 1".into()));
        }
        Ok(Builder {
            len,
            column,
            t,
            max_distance,
            source,
            frames: Frames { len, ..Default::default() },
            stats: FrameStats::default(),
            at: None,
            step: 0,
            gaps: false,
            next: 0,
            open_observed: false,
        })
    }

    /// Frames gap steps too (see [`is_gap`]) when `on`.
    pub fn fill_gaps(mut self, on: bool) -> Self {
        self.gaps = on;
        self
    }

    /// Appends one step to the open frame (opening one at its start).
    fn step(&mut self, chrom: u32, row: u32, col: u32, target: f32) {
        let f = &mut self.frames;
        if self.step == 0 {
            f.chrom.push(chrom);
            f.row.push(row);
            self.open_observed = false;
        }
        f.col.push(col);
        f.target.push(target);
        f.mask.push(1.0);
        self.open_observed |= !is_gap(target);
        self.step = (self.step + 1) % self.len;
        if self.step == 0 && !self.open_observed {
            self.drop_last();
        }
    }

    /// Removes the last frame (complete, of gaps only).
    fn drop_last(&mut self) {
        let f = &mut self.frames;
        f.chrom.pop();
        f.row.pop();
        let keep = f.col.len() - self.len;
        f.col.truncate(keep);
        f.target.truncate(keep);
        f.mask.truncate(keep);
    }

    /// Frames the pixels of `cc` (the next run of the table) as chromosome `chrom`.
    pub fn push(&mut self, chrom: u32, cc: &ChromContacts) -> Result<()> {
        let vals = match self.column {
            ValueColumn::Value => &cc.value,
            ValueColumn::Count => &cc.count,
        };
        for k in 0..cc.i.len() {
            let (row, j, v) = (cc.i[k], cc.j[k], vals[k]);
            if self.at != Some((chrom, row)) {
                self.close();
                self.at = Some((chrom, row));
                self.next = row;
            }
            if v.is_nan() {
                self.stats.skipped_null += 1;
                continue;
            }
            if v < 0.0 || v.is_infinite() {
                return Err(Error::format(
                    self.source,
                    crate::error::Location::None,
                    format!("{}: pixel ({row}, {j}) has value {v}; values must be finite and non-negative", cc.chrom),
                ));
            }
            if self.max_distance.is_some_and(|m| j - row > m) {
                self.stats.skipped_distance += 1;
                continue;
            }
            if self.gaps {
                for c in self.next..j {
                    self.step(chrom, row, c, f32::NAN);
                }
                self.next = j + 1;
            }
            self.step(chrom, row, j, self.t.to_prob(v) as f32);
            self.stats.pixels += 1;
        }
        Ok(())
    }

    /// Pads the open frame (the end of a row) and closes it.
    fn close(&mut self) {
        // A row's last frame always holds its last observed pixel: never gaps only.
        if self.step != 0 {
            let row = self.at.map(|a| a.1).unwrap_or(0);
            for _ in self.step..self.len {
                self.frames.col.push(row);
                self.frames.target.push(0.0);
                self.frames.mask.push(0.0);
            }
            self.step = 0;
        }
    }

    /// Takes the finished frames, keeping the open one (its row may go on in the next run).
    pub fn drain(&mut self) -> Frames {
        let empty = Frames { len: self.len, ..Default::default() };
        if self.step == 0 {
            return std::mem::replace(&mut self.frames, empty);
        }
        let f = &mut self.frames;
        let from = (f.n() - 1) * self.len;
        let open = Frames {
            len: self.len,
            chrom: f.chrom.split_off(f.n() - 1),
            row: f.row.split_off(f.row.len() - 1),
            col: f.col.split_off(from),
            target: f.target.split_off(from),
            mask: f.mask.split_off(from),
        };
        std::mem::replace(&mut self.frames, open)
    }

    /// Pixels framed and left out so far.
    pub fn stats(&self) -> &FrameStats {
        &self.stats
    }

    /// Closes the last frame; returns the frames not yet drained and the counts of the whole run.
    pub fn finish(mut self) -> (Frames, FrameStats) {
        self.close();
        (self.frames, self.stats)
    }
}

/// What [`stream`] feeds: a step that decodes a contacts table chromosome by chromosome.
pub trait FrameSink {
    /// A chromosome begins: `Some(lo..hi)` frames its rows `lo..hi` whole (every pixel of those
    /// rows, to the row's end: as training frames them, since a frame head reads every step of its
    /// frame and a row cut at `hi` would be framed otherwise), `None` passes over it.
    fn start(&mut self, chrom: &str) -> Result<Option<std::ops::Range<u32>>>;
    /// A run of the current chromosome as the table holds it, before the range leaves any pixel
    /// out: where a step checks its input (a pixel beyond the bins it knows is an error, never
    /// silently dropped).
    fn run(&mut self, _run: &ChromContacts) -> Result<()> {
        Ok(())
    }
    /// Pixels of the current chromosome that will be framed (in table order, before their frames).
    fn pixels(&mut self, _kept: &ChromContacts) -> Result<()> {
        Ok(())
    }
    /// Frames of the current chromosome, a batch at a time (the last batch may be smaller).
    fn frames(&mut self, f: &Frames) -> Result<()>;
    /// The current chromosome has ended.
    fn end(&mut self) -> Result<()>;
}

/// Frames of a contacts table, streamed: pixels are read a batch at a time, framed as [`build`]
/// frames them (no `max_distance`) and handed to `sink` `batch` frames at a time, chromosome by
/// chromosome; memory holds one batch of pixels and frames, whatever the table's size. Returns
/// the chromosomes of the table, in order.
pub fn stream(
    path: &std::path::Path,
    len: usize,
    column: ValueColumn,
    t: Transform,
    gaps: bool,
    batch: usize,
    sink: &mut impl FrameSink,
) -> Result<Vec<String>> {
    let mut b = Builder::new(len, column, t, None, path)?.fill_gaps(gaps);
    let mut acc = Frames { len, ..Default::default() };
    let mut seen: Vec<String> = Vec::new();
    let mut range: Option<std::ops::Range<u32>> = None;
    let batch = batch.max(1);
    fn end(b: &mut Builder, acc: &mut Frames, sink: &mut impl FrameSink) -> Result<()> {
        let rest = std::mem::replace(b, Builder::new(b.len, b.column, b.t, None, b.source)?.fill_gaps(b.gaps)).finish().0;
        acc.append(rest);
        if acc.n() > 0 {
            sink.frames(&std::mem::replace(acc, Frames { len: acc.len, ..Default::default() }))?;
        }
        sink.end()
    }
    crate::tables::contacts::stream(path, |run| {
        if seen.last() != Some(&run.chrom) {
            if range.take().is_some() {
                end(&mut b, &mut acc, sink)?;
            }
            seen.push(run.chrom.clone());
            range = sink.start(&run.chrom)?;
        }
        let Some(r) = &range else { return Ok(()) };
        sink.run(&run)?;
        let keep: Vec<usize> = (0..run.i.len()).filter(|&k| r.contains(&run.i[k])).collect();
        let kept = if keep.len() == run.i.len() {
            run
        } else {
            ChromContacts {
                chrom: run.chrom.clone(),
                i: keep.iter().map(|&k| run.i[k]).collect(),
                j: keep.iter().map(|&k| run.j[k]).collect(),
                count: keep.iter().map(|&k| run.count[k]).collect(),
                value: keep.iter().map(|&k| run.value[k]).collect(),
            }
        };
        sink.pixels(&kept)?;
        b.push(0, &kept)?;
        // Frames gather to a full batch before decoding (a run may hold only a few).
        acc.append(b.drain());
        if acc.n() >= batch {
            sink.frames(&std::mem::replace(&mut acc, Frames { len, ..Default::default() }))?;
        }
        Ok(())
    })?;
    if range.is_some() {
        end(&mut b, &mut acc, sink)?;
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(px: &[(u32, u32, f64)]) -> ChromContacts {
        ChromContacts {
            chrom: "c".into(),
            i: px.iter().map(|p| p.0).collect(),
            j: px.iter().map(|p| p.1).collect(),
            count: px.iter().map(|p| p.2).collect(),
            value: px.iter().map(|p| p.2).collect(),
        }
    }

    #[test]
    fn transform_and_inverse() {
        let t = Transform::default();
        for v in [0.5, 1.0, 8.0, 100.0, 12345.0] {
            let p = t.to_prob(v);
            assert!(p > 0.0 && p < 1.0);
            assert!((t.to_value(p) - v).abs() / v < 1e-9, "{v}");
        }
        assert_eq!(t.to_prob(0.0), 0.0);
        assert_eq!(t.to_value(0.0), 0.0);
        assert!((t.to_prob(8.0) - (-1.0f64).exp()).abs() < 1e-9);
    }

    /// With gaps, a row's frames hold every column from its diagonal to its last observed pixel:
    /// the unobserved ones as gap steps (NaN target, mask 1), a null value as a gap too, and
    /// frames cut where a dense row's would be; counts and `observed` leave gaps out.
    #[test]
    fn gap_steps_lay_rows_out_as_dense_frames() {
        let c = cc(&[(0, 1, 2.0), (0, 2, f64::NAN), (0, 4, 4.0), (2, 2, 6.0), (2, 5, 1.0)]);
        let mut b = Builder::new(3, ValueColumn::Value, Transform::default(), None, std::path::Path::new("t")).unwrap().fill_gaps(true);
        b.push(0, &c).unwrap();
        let (f, s) = b.finish();
        assert_eq!(f.row, vec![0, 0, 2, 2]);
        assert_eq!(f.col, vec![0, 1, 2, 3, 4, 0, 2, 3, 4, 5, 2, 2]);
        assert_eq!(f.mask, vec![1., 1., 1., 1., 1., 0., 1., 1., 1., 1., 0., 0.]);
        let gaps: Vec<bool> = f.target.iter().map(|&t| is_gap(t)).collect();
        assert_eq!(gaps, vec![true, false, true, true, false, false, false, true, true, false, false, false]);
        assert_eq!((s.pixels, s.skipped_null, f.observed()), (4, 1, 4));
        // A frame of gaps only is dropped (nothing in it is learned or predicted); the frames
        // after it keep their place.
        let mut b = Builder::new(3, ValueColumn::Value, Transform::default(), None, std::path::Path::new("t")).unwrap().fill_gaps(true);
        b.push(0, &cc(&[(5, 5, 1.0), (5, 12, 2.0)])).unwrap();
        let (far, _) = b.finish();
        assert_eq!((far.row.clone(), far.col.clone()), (vec![5, 5], vec![5, 6, 7, 11, 12, 5]));
        // Without gaps the same pixels make the frames of observed pixels only.
        let (plain, _) = build(&[c], 3, ValueColumn::Value, &Transform::default(), None, std::path::Path::new("t")).unwrap();
        assert_eq!(plain.col, vec![1, 4, 0, 2, 5, 2]);
        assert!(plain.target.iter().all(|&t| !is_gap(t)));
    }

    #[test]
    fn rows_are_cut_into_padded_masked_frames() {
        // Row 0 has 5 entries -> frames of 3: [0..3) and [3..5) + 1 pad; row 2 has 1 entry.
        let c = cc(&[(0, 0, 1.0), (0, 1, 2.0), (0, 2, 3.0), (0, 4, 4.0), (0, 7, 5.0), (2, 3, 6.0)]);
        let (f, s) = build(&[c], 3, ValueColumn::Value, &Transform::default(), None, std::path::Path::new("t")).unwrap();
        assert_eq!(f.n(), 3);
        assert_eq!(f.row, vec![0, 0, 2]);
        assert_eq!(f.col, vec![0, 1, 2, 4, 7, 0, 3, 2, 2]);
        assert_eq!(f.mask, vec![1., 1., 1., 1., 1., 0., 1., 0., 0.]);
        assert_eq!(f.target[5], 0.0);
        assert_eq!(s.pixels, 6);
        assert_eq!(f.observed(), 6);
    }

    #[test]
    fn frames_built_from_runs_split_anywhere_equal_the_whole_table() {
        let px: Vec<(u32, u32, f64)> =
            (0..6u32).flat_map(|i| (i..i + 7).filter(move |j| (i + j) % 3 != 0).map(move |j| (i, j, (i * j) as f64 + 0.5))).collect();
        let mut a = cc(&px);
        a.value[3] = f64::NAN;
        let mut b = cc(&px[..5]);
        b.chrom = "d".into();
        let src = std::path::Path::new("t");
        let (whole, ws) = build(&[a.clone(), b.clone()], 4, ValueColumn::Value, &Transform::default(), Some(5), src).unwrap();
        for cut in [1, 2, 3, 4, 7, 11] {
            let mut bl = Builder::new(4, ValueColumn::Value, Transform::default(), Some(5), src).unwrap();
            let mut got = Frames { len: 4, ..Default::default() };
            let take = |bl: &mut Builder, got: &mut Frames| {
                let d = bl.drain();
                assert!(d.col.len() == d.n() * 4, "only whole frames are drained");
                got.append(d);
            };
            for (c, x) in [(0u32, &a), (1, &b)] {
                for s in (0..x.i.len()).step_by(cut) {
                    let e = (s + cut).min(x.i.len());
                    let part = ChromContacts {
                        chrom: x.chrom.clone(),
                        i: x.i[s..e].to_vec(),
                        j: x.j[s..e].to_vec(),
                        count: x.count[s..e].to_vec(),
                        value: x.value[s..e].to_vec(),
                    };
                    bl.push(c, &part).unwrap();
                    take(&mut bl, &mut got);
                }
            }
            let (rest, st) = bl.finish();
            let mut tail = Builder::new(4, ValueColumn::Value, Transform::default(), None, src).unwrap();
            tail.frames = rest;
            take(&mut tail, &mut got);
            assert_eq!((&got, &st), (&whole, &ws), "runs of {cut}");
        }
    }

    #[test]
    fn nulls_are_skipped_negative_values_refused_and_distance_capped() {
        let mut c = cc(&[(0, 0, 1.0), (0, 1, 2.0), (0, 9, 3.0)]);
        c.value[1] = f64::NAN;
        let (f, s) = build(std::slice::from_ref(&c), 4, ValueColumn::Value, &Transform::default(), Some(5), std::path::Path::new("t")).unwrap();
        assert_eq!((s.pixels, s.skipped_null, s.skipped_distance), (1, 1, 1));
        assert_eq!(f.col, vec![0, 0, 0, 0]);
        let (_, s) = build(std::slice::from_ref(&c), 4, ValueColumn::Count, &Transform::default(), None, std::path::Path::new("t")).unwrap();
        assert_eq!(s.pixels, 3, "raw counts have no nulls");
        c.value[0] = -1.0;
        let e = build(&[c], 4, ValueColumn::Value, &Transform::default(), None, std::path::Path::new("t.parquet")).unwrap_err();
        assert!(e.to_string().contains("t.parquet") && e.to_string().contains("non-negative"), "{e}");
    }
}

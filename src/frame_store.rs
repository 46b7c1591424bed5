//! Training frames on disk, so that training memory does not grow with the map.
//!
//! A genome-wide map at 10 kb has hundreds of millions of pixels; their frames in memory (with
//! padding, masks and 64-bit indices) cost about 150 bytes per pixel. The store keeps only what a
//! frame cannot be rebuilt without, in an unnamed temporary file, and in memory one 16-byte head
//! per frame. Batches are read back in any order with positioned reads: the epoch's shuffle is the
//! same full permutation as in memory, and the file's pages sit in the kernel's page cache (not in
//! the process) or on disk.
//!
//! A frame is stored as the span of columns from its first to its last step, one bit per column
//! (an observed step or not) and the observed steps' targets: about 4 bytes per observed pixel.
//! In a dense frame (see [`crate::frames::is_gap`]) the unmarked columns are gap steps, so its
//! gaps cost a bit each; in an observed frame they are absent. Frames whose span would cost more
//! than their columns (a few pixels far apart) are stored step by step (column and target, 8 bytes
//! a step). Dense frames of a genome-wide 10 kb map hold several times more steps than it has
//! pixels (the gaps before each row's last observed pixel); as bits, they leave the file smaller
//! than the observed frames' were at 8 bytes a step.

use crate::error::{Error, Result};
use crate::frames::{is_gap, Frames};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Where a frame's record starts in the file and what it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    /// First byte of the frame's record.
    at: u64,
    /// Chromosome index (as the builder numbered them).
    chrom: u32,
    /// Row bin, chromosome-local.
    row: u32,
}

/// Appends frames to a temporary file; [`FrameStoreWriter::finish`] makes it readable.
pub struct FrameStoreWriter {
    file: std::io::BufWriter<std::fs::File>,
    dir: PathBuf,
    heads: Vec<Head>,
    bytes: u64,
    steps: u64,
    len: usize,
}

/// Set in a record's first word when the frame is stored as a span of columns, a bit each.
const SPAN: u32 = 1 << 31;
/// Set with [`SPAN`] when the span's unmarked columns are gap steps (a dense frame), not absent.
const GAPS: u32 = 1 << 30;

/// Appends the record of one frame's `n` framed steps (columns `col`, targets `target`) to `buf`,
/// little-endian: `n` with flags, then, where it is smaller and the columns increase, the first
/// column, the span's length, a bit per column of the span (set: an observed step) and the
/// observed targets ([`SPAN`]; with [`GAPS`] when every column of the span is a step and the
/// unmarked ones are gaps), else each step's column and target.
fn encode(col: &[u32], target: &[f32], buf: &mut Vec<u8>) {
    let n = col.len();
    let observed = target.iter().filter(|t| !is_gap(**t)).count();
    let gaps = observed < n;
    let increasing = n > 0 && col.windows(2).all(|w| w[0] < w[1]);
    let span = if increasing { (col[n - 1] - col[0]) as usize + 1 } else { 0 };
    // A frame with gaps is a span only when its columns run on (a dense frame's always do).
    let as_span = increasing && (!gaps || span == n) && 12 + span.div_ceil(8) + 4 * observed < 4 + 8 * n;
    debug_assert!(n < GAPS as usize, "frame length beyond the record's count");
    let flags = if as_span { SPAN | if gaps { GAPS } else { 0 } } else { 0 };
    buf.extend_from_slice(&(n as u32 | flags).to_le_bytes());
    if !as_span {
        for (c, t) in col.iter().zip(target) {
            buf.extend_from_slice(&c.to_le_bytes());
            buf.extend_from_slice(&t.to_le_bytes());
        }
        return;
    }
    buf.extend_from_slice(&col[0].to_le_bytes());
    buf.extend_from_slice(&(span as u32).to_le_bytes());
    // The bitmap is reserved first and marked while the observed targets are written after it.
    let bits = buf.len();
    buf.resize(bits + span.div_ceil(8), 0);
    for (c, t) in col.iter().zip(target).filter(|(_, t)| !is_gap(**t)) {
        let s = (c - col[0]) as usize;
        buf[bits + s / 8] |= 1 << (s % 8);
        buf.extend_from_slice(&t.to_le_bytes());
    }
}

/// Appends the framed steps of a record (as [`encode`] wrote it) to `col` and `target` and
/// returns their number; `None` when the record is not one.
fn decode(rec: &[u8], col: &mut Vec<u32>, target: &mut Vec<f32>) -> Option<usize> {
    let word = |at: usize| rec.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let head = word(0)?;
    let n = (head & !(SPAN | GAPS)) as usize;
    if head & SPAN == 0 {
        if rec.len() != 4 + 8 * n {
            return None;
        }
        for s in rec[4..].chunks_exact(8) {
            col.push(u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
            target.push(f32::from_le_bytes([s[4], s[5], s[6], s[7]]));
        }
        return Some(n);
    }
    let (first, span) = (word(4)?, word(8)? as usize);
    let bits = rec.get(12..12 + span.div_ceil(8))?;
    let (mut at, before) = (12 + bits.len(), col.len());
    for s in 0..span {
        let observed = bits[s / 8] >> (s % 8) & 1 == 1;
        if observed || head & GAPS != 0 {
            col.push(first.checked_add(s as u32)?);
            target.push(if observed { f32::from_bits(word(at)?) } else { f32::NAN });
            at += 4 * observed as usize;
        }
    }
    (at == rec.len() && col.len() - before == n).then_some(n)
}

impl FrameStoreWriter {
    /// A store of frames of `len` steps in an unnamed temporary file in `dir` (removed by the
    /// system when the process ends, however it ends).
    pub fn create(dir: &Path, len: usize) -> Result<Self> {
        let file = tempfile::tempfile_in(dir).map_err(|e| Error::output_io(dir, e))?;
        Ok(FrameStoreWriter { file: std::io::BufWriter::with_capacity(1 << 20, file), dir: dir.to_path_buf(), heads: vec![], bytes: 0, steps: 0, len })
    }

    /// Appends the frames of `f` (of this store's length; framed steps first in each frame,
    /// padding after them, as [`crate::frames::Builder`] makes them).
    pub fn append(&mut self, f: &Frames) -> Result<()> {
        assert_eq!(f.len, self.len, "frames of another length");
        let mut buf = Vec::with_capacity(f.col.len() * 5);
        for k in 0..f.n() {
            let steps = k * f.len..(k + 1) * f.len;
            let n = f.mask[steps.clone()].iter().take_while(|&&m| m != 0.0).count();
            self.heads.push(Head { at: self.bytes + buf.len() as u64, chrom: f.chrom[k], row: f.row[k] });
            encode(&f.col[steps.start..steps.start + n], &f.target[steps.start..steps.start + n], &mut buf);
            self.steps += n as u64;
        }
        self.bytes += buf.len() as u64;
        self.file.write_all(&buf).map_err(|e| self.io_error(e))
    }

    fn io_error(&self, e: std::io::Error) -> Error {
        let what = format!("{} (temporary training frames; choose another place with --temp-dir)", self.dir.display());
        Error::output_io(Path::new(&what), e)
    }

    /// Flushes the file and returns the store for reading.
    pub fn finish(self) -> Result<FrameStore> {
        let FrameStoreWriter { file, dir, heads, bytes, steps, len } = self;
        let file = file.into_inner().map_err(|e| Error::output_io(&dir, e.into_error()))?;
        Ok(FrameStore { file, heads, bytes, steps, len })
    }

    /// Frames appended so far.
    pub fn n(&self) -> usize {
        self.heads.len()
    }
}

/// Frames stored by a [`FrameStoreWriter`], read back by frame number from any thread.
pub struct FrameStore {
    file: std::fs::File,
    heads: Vec<Head>,
    bytes: u64,
    steps: u64,
    len: usize,
}

impl FrameStore {
    /// Number of frames.
    pub fn n(&self) -> usize {
        self.heads.len()
    }

    /// Frame length L in steps.
    pub fn frame_len(&self) -> usize {
        self.len
    }

    /// Framed steps of all frames: observed pixels and gap steps, not padding.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Size of the temporary file in bytes.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Replaces `out` with frames `ids`, in that order, padded and masked as
    /// [`crate::frames::build`] makes them.
    pub fn read(&self, ids: &[usize], out: &mut Frames) -> Result<()> {
        out.len = self.len;
        for v in [&mut out.chrom, &mut out.row, &mut out.col] {
            v.clear();
        }
        out.target.clear();
        out.mask.clear();
        let mut buf = Vec::new();
        for &id in ids {
            let h = self.heads[id];
            let end = self.heads.get(id + 1).map_or(self.bytes, |n| n.at);
            buf.resize((end - h.at) as usize, 0);
            self.file.read_exact_at(&mut buf, h.at).map_err(|e| Error::Internal(format!("reading the temporary training frames back: {e}")))?;
            out.chrom.push(h.chrom);
            out.row.push(h.row);
            let n = decode(&buf, &mut out.col, &mut out.target)
                .filter(|&n| n <= self.len)
                .ok_or_else(|| Error::Internal(format!("the temporary training frames' record of frame {id} does not read back")))?;
            out.mask.resize(out.mask.len() + n, 1.0);
            for _ in n..self.len {
                out.col.push(h.row);
                out.target.push(0.0);
                out.mask.push(0.0);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::{Builder, Transform, ValueColumn};
    use crate::tables::contacts::ChromContacts;

    /// A frame's chromosome, row, columns, and targets and mask as bits.
    type FrameBits = (u32, u32, Vec<u32>, Vec<u32>, Vec<u32>);

    /// The frames' arrays bit for bit (gap targets are NaN, which `==` never equals).
    fn bits(f: &Frames, ids: &[usize]) -> Vec<FrameBits> {
        let l = f.len;
        let b = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        ids.iter()
            .map(|&q| (f.chrom[q], f.row[q], f.col[q * l..(q + 1) * l].to_vec(), b(&f.target[q * l..(q + 1) * l]), b(&f.mask[q * l..(q + 1) * l])))
            .collect()
    }

    #[test]
    fn frames_read_back_in_any_order_equal_the_built_ones() {
        // Rows of different lengths, each with holes (a third of the cells off the diagonal are
        // unobserved), except rows 2 and 6, observed without one.
        let px: Vec<(u32, u32)> =
            (0..9u32).flat_map(|i| (i..i + 1 + (i * 5) % 11).map(move |j| (i, j))).filter(|&(i, j)| i % 4 == 2 || j == i || (i + j) % 3 != 2).collect();
        let c = ChromContacts {
            chrom: "c".into(),
            i: px.iter().map(|p| p.0).collect(),
            j: px.iter().map(|p| p.1).collect(),
            count: px.iter().map(|p| (p.0 + p.1) as f64).collect(),
            value: px.iter().map(|p| (p.0 * p.1) as f64 + 0.25).collect(),
        };
        for dense in [false, true] {
            let mut b = Builder::new(4, ValueColumn::Value, Transform::default(), None, Path::new("t")).unwrap().fill_gaps(dense);
            b.push(0, &c).unwrap();
            b.push(1, &c).unwrap();
            let f = b.finish().0;
            let framed = f.mask.iter().filter(|&&m| m > 0.0).count() as u64;
            assert!(f.observed() < framed as usize || !dense, "dense frames hold gaps");
            let dir = tempfile::tempdir().unwrap();
            let mut w = FrameStoreWriter::create(dir.path(), 4).unwrap();
            // Appended in two parts, as training appends what the builder drains.
            let cut = 5;
            let part = |a: usize, b: usize| Frames {
                len: 4,
                chrom: f.chrom[a..b].to_vec(),
                row: f.row[a..b].to_vec(),
                col: f.col[a * 4..b * 4].to_vec(),
                target: f.target[a * 4..b * 4].to_vec(),
                mask: f.mask[a * 4..b * 4].to_vec(),
            };
            w.append(&part(0, cut)).unwrap();
            w.append(&part(cut, f.n())).unwrap();
            let s = w.finish().unwrap();
            assert_eq!((s.n(), s.steps()), (f.n(), framed));
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the file has no name to leave behind");
            // Gaps are kept as bits: the dense store is smaller than 8 bytes per framed step.
            if dense {
                assert!(s.bytes() < 8 * framed, "{} bytes for {framed} steps", s.bytes());
            }
            let mut back = Frames::default();
            let all: Vec<usize> = (0..f.n()).collect();
            s.read(&all, &mut back).unwrap();
            assert_eq!(bits(&back, &all), bits(&f, &all));
            let order: Vec<usize> = (0..f.n()).rev().step_by(2).collect();
            s.read(&order, &mut back).unwrap();
            assert_eq!(bits(&back, &(0..order.len()).collect::<Vec<_>>()), bits(&f, &order));
        }
    }

    #[test]
    fn records_of_either_kind_read_back_and_a_damaged_one_is_refused() {
        for (col, target, as_span) in [
            (vec![7u32, 8, 9, 10, 11, 12, 13, 14, 15], vec![0.5f32, f32::NAN, f32::NAN, 0.25, 0.0, f32::NAN, 1.0, 0.125, f32::NAN], true),
            // Observed steps with holes between them: a span too; far apart, or a gap among
            // columns that do not run on: step by step.
            (vec![3, 5, 6, 9], vec![0.5, 0.25, 1.0, 0.0], true),
            (vec![3, 1000], vec![0.5, 0.25], false),
            (vec![2, 4, 5], vec![0.5, f32::NAN, 0.125], false),
            (vec![4], vec![0.75], false),
        ] {
            let mut rec = vec![];
            encode(&col, &target, &mut rec);
            assert_eq!(rec[3] & 0x80 != 0, as_span, "{col:?}: stored as a span or step by step");
            let (mut c, mut t) = (vec![], vec![]);
            assert_eq!(decode(&rec, &mut c, &mut t), Some(col.len()));
            assert_eq!(c, col);
            assert_eq!(t.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), target.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
            rec.pop();
            assert_eq!(decode(&rec, &mut c, &mut t), None);
        }
    }
}

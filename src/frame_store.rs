//! Training frames on disk, so that training memory does not grow with the map.
//!
//! A genome-wide map at 10 kb has hundreds of millions of pixels; their frames in memory (with
//! padding, masks and 64-bit indices) cost about 150 bytes per pixel. The store keeps only what a
//! frame cannot be rebuilt without, 8 bytes per observed step (column bin u32, target f32) in an
//! unnamed temporary file, and in memory one 16-byte head per frame. Batches are read back in any
//! order with positioned reads: the epoch's shuffle is the same full permutation as in memory,
//! and the file's pages sit in the kernel's page cache (not in the process) or on disk.

use crate::error::{Error, Result};
use crate::frames::Frames;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Bytes of one observed step in the file: column bin (u32 LE) and target probability (f32 LE).
const STEP_BYTES: u64 = 8;

/// Where a frame starts in the file and what it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Head {
    /// First step of the frame, counted in steps from the start of the file.
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
    steps: u64,
    len: usize,
}

impl FrameStoreWriter {
    /// A store of frames of `len` steps in an unnamed temporary file in `dir` (removed by the
    /// system when the process ends, however it ends).
    pub fn create(dir: &Path, len: usize) -> Result<Self> {
        let file = tempfile::tempfile_in(dir).map_err(|e| Error::output_io(dir, e))?;
        Ok(FrameStoreWriter { file: std::io::BufWriter::with_capacity(1 << 20, file), dir: dir.to_path_buf(), heads: vec![], steps: 0, len })
    }

    /// Appends the frames of `f` (of this store's length; observed steps first in each frame, as
    /// [`crate::frames::Builder`] makes them).
    pub fn append(&mut self, f: &Frames) -> Result<()> {
        assert_eq!(f.len, self.len, "frames of another length");
        let mut buf = Vec::with_capacity(f.col.len() * STEP_BYTES as usize);
        for k in 0..f.n() {
            self.heads.push(Head { at: self.steps, chrom: f.chrom[k], row: f.row[k] });
            for s in k * f.len..(k + 1) * f.len {
                if f.mask[s] == 0.0 {
                    break;
                }
                buf.extend_from_slice(&f.col[s].to_le_bytes());
                buf.extend_from_slice(&f.target[s].to_le_bytes());
                self.steps += 1;
            }
        }
        self.file.write_all(&buf).map_err(|e| self.io_error(e))
    }

    fn io_error(&self, e: std::io::Error) -> Error {
        let what = format!("{} (temporary training frames; choose another place with --temp-dir)", self.dir.display());
        Error::output_io(Path::new(&what), e)
    }

    /// Flushes the file and returns the store for reading.
    pub fn finish(self) -> Result<FrameStore> {
        let FrameStoreWriter { file, dir, heads, steps, len } = self;
        let file = file.into_inner().map_err(|e| Error::output_io(&dir, e.into_error()))?;
        Ok(FrameStore { file, heads, steps, len })
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

    /// Observed steps of all frames (the file holds 8 bytes per step).
    pub fn steps(&self) -> u64 {
        self.steps
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
            let end = self.heads.get(id + 1).map_or(self.steps, |n| n.at);
            let n = (end - h.at) as usize;
            buf.resize(n * STEP_BYTES as usize, 0);
            self.file.read_exact_at(&mut buf, h.at * STEP_BYTES).map_err(|e| Error::Internal(format!("reading the temporary training frames back: {e}")))?;
            out.chrom.push(h.chrom);
            out.row.push(h.row);
            for s in buf.chunks_exact(STEP_BYTES as usize) {
                out.col.push(u32::from_le_bytes([s[0], s[1], s[2], s[3]]));
                out.target.push(f32::from_le_bytes([s[4], s[5], s[6], s[7]]));
                out.mask.push(1.0);
            }
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
    use crate::frames::{build, Transform, ValueColumn};
    use crate::tables::contacts::ChromContacts;

    #[test]
    fn frames_read_back_in_any_order_equal_the_built_ones() {
        let px: Vec<(u32, u32)> = (0..9u32).flat_map(|i| (i..i + 1 + (i * 5) % 11).map(move |j| (i, j))).collect();
        let c = ChromContacts {
            chrom: "c".into(),
            i: px.iter().map(|p| p.0).collect(),
            j: px.iter().map(|p| p.1).collect(),
            count: px.iter().map(|p| (p.0 + p.1) as f64).collect(),
            value: px.iter().map(|p| (p.0 * p.1) as f64 + 0.25).collect(),
        };
        let (f, _) = build(&[c.clone(), c], 4, ValueColumn::Value, &Transform::default(), None, Path::new("t")).unwrap();
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
        assert_eq!((s.n(), s.steps()), (f.n(), f.observed() as u64));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "the file has no name to leave behind");
        let mut back = Frames::default();
        s.read(&(0..f.n()).collect::<Vec<_>>(), &mut back).unwrap();
        assert_eq!(back, f);
        let order: Vec<usize> = (0..f.n()).rev().step_by(2).collect();
        s.read(&order, &mut back).unwrap();
        let l = 4;
        for (k, &id) in order.iter().enumerate() {
            assert_eq!((back.chrom[k], back.row[k]), (f.chrom[id], f.row[id]));
            assert_eq!(back.col[k * l..(k + 1) * l], f.col[id * l..(id + 1) * l]);
            assert_eq!(back.target[k * l..(k + 1) * l], f.target[id * l..(id + 1) * l]);
            assert_eq!(back.mask[k * l..(k + 1) * l], f.mask[id * l..(id + 1) * l]);
        }
    }
}

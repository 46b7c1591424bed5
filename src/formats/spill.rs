//! Pixel lists too large to hold in memory: a 10 kb map's largest chromosome has 68 M pixels, its
//! chr1 can have 100 M trans pixels, and a pairs file billions of reads (16 bytes a pixel). Readers
//! that cannot serve pixels in order from the file (`.hic` blocks are tiles; a cooler's rows hold
//! every partner's trans pixels at once; pairs come in read order) sort them into numbered lists,
//! which go to one unnamed temporary file (in [`Spill::dir`]: `hiclstm-import --temp-dir`, else
//! `$TMPDIR`; removed however the run ends) once more than a budget of pixels is held, and are
//! read back list by list.

use super::Pixel;
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

/// Pixels held before the lists spill (16 bytes each: 128 MB).
pub const SPILL_PIXELS: usize = 1 << 23;

/// Where and when readers spill: past `pixels` held, to an unnamed file in `dir` (`$TMPDIR` when
/// none; `hiclstm-import --temp-dir`).
#[derive(Debug, Clone)]
pub struct Spill {
    /// Pixels held in memory before the lists go to the temporary file (tests set a few).
    pub pixels: usize,
    /// Directory of the temporary file.
    pub dir: Option<PathBuf>,
}

impl Default for Spill {
    fn default() -> Self {
        Spill { pixels: SPILL_PIXELS, dir: None }
    }
}

/// Pixels per chunk read back from the temporary file.
const CHUNK: usize = 1 << 20;

/// Bytes of one pixel in the temporary file: i, j (u32) and the count (f64), little-endian.
const RECORD: usize = 16;

fn spill_err(dir: &Option<PathBuf>) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::output_io(dir.clone().unwrap_or_else(std::env::temp_dir), e)
}

/// Numbered lists of pixels, each appended to in order; held in memory up to a budget, then
/// every list goes to the temporary file as one more segment of that list.
pub struct SpillLists {
    held: Vec<Vec<Pixel>>,
    n_held: usize,
    budget: usize,
    dir: Option<PathBuf>,
    file: Option<BufWriter<File>>,
    /// Bytes written to the file.
    written: u64,
    /// Per list: its segments in the file (byte offset, pixels), in order.
    segments: Vec<Vec<(u64, usize)>>,
}

impl SpillLists {
    /// `n` empty lists that spill as `spill` says.
    pub fn new(n: usize, spill: &Spill) -> Self {
        SpillLists { held: vec![Vec::new(); n], n_held: 0, budget: spill.pixels, dir: spill.dir.clone(), file: None, written: 0, segments: vec![Vec::new(); n] }
    }

    /// Adds `n` empty lists; returns the index of the first.
    pub fn add_lists(&mut self, n: usize) -> usize {
        let first = self.held.len();
        self.held.resize_with(first + n, Vec::new);
        self.segments.resize_with(first + n, Vec::new);
        first
    }

    /// Appends `p` to list `k`.
    pub fn push(&mut self, k: usize, p: Pixel) {
        self.held[k].push(p);
        self.n_held += 1;
    }

    /// The pixels of list `k` still in memory (the end of the list).
    pub fn held_mut(&mut self, k: usize) -> &mut Vec<Pixel> {
        &mut self.held[k]
    }

    /// Moves every list to the temporary file if more than the budget is held; says whether it did.
    pub fn spill_if_over(&mut self) -> Result<bool> {
        if self.n_held <= self.budget {
            return Ok(false);
        }
        let err = spill_err(&self.dir);
        let w = match &mut self.file {
            Some(w) => w,
            None => {
                let file = match &self.dir {
                    Some(d) => tempfile::tempfile_in(d),
                    None => tempfile::tempfile(),
                };
                self.file.insert(BufWriter::with_capacity(1 << 20, file.map_err(&err)?))
            }
        };
        for (list, segs) in self.held.iter_mut().zip(&mut self.segments) {
            if list.is_empty() {
                continue;
            }
            segs.push((self.written, list.len()));
            for p in list.iter() {
                let mut rec = [0u8; RECORD];
                rec[..4].copy_from_slice(&p.i.to_le_bytes());
                rec[4..8].copy_from_slice(&p.j.to_le_bytes());
                rec[8..].copy_from_slice(&p.count.to_le_bytes());
                w.write_all(&rec).map_err(&err)?;
            }
            self.written += (list.len() * RECORD) as u64;
            // Freed, not cleared: the lists' capacity would otherwise stay at their peak.
            *list = Vec::new();
        }
        self.n_held = 0;
        Ok(true)
    }

    /// Hands list `k` to `f` in chunks, in the order it was appended (its spilled segments, then
    /// the pixels held). The list is left as it is.
    pub fn for_each(&mut self, k: usize, f: &mut dyn FnMut(&[Pixel]) -> Result<()>) -> Result<()> {
        if !self.segments[k].is_empty() {
            let err = spill_err(&self.dir);
            let w = self.file.as_mut().expect("segments live in the file");
            w.flush().map_err(&err)?;
            let file = w.get_ref();
            // Sized to the list's largest segment: a reader reads many small lists (bands).
            let most = self.segments[k].iter().map(|s| s.1).max().unwrap_or(0).min(CHUNK);
            let mut buf = vec![0u8; most * RECORD];
            let mut chunk = Vec::with_capacity(most);
            for &(offset, n) in &self.segments[k] {
                let mut done = 0;
                while done < n {
                    let m = (n - done).min(CHUNK);
                    let bytes = &mut buf[..m * RECORD];
                    file.read_exact_at(bytes, offset + (done * RECORD) as u64).map_err(&err)?;
                    chunk.clear();
                    chunk.extend(bytes.chunks_exact(RECORD).map(|r| Pixel {
                        i: u32::from_le_bytes([r[0], r[1], r[2], r[3]]),
                        j: u32::from_le_bytes([r[4], r[5], r[6], r[7]]),
                        count: f64::from_le_bytes([r[8], r[9], r[10], r[11], r[12], r[13], r[14], r[15]]),
                    }));
                    f(&chunk)?;
                    done += m;
                }
            }
        }
        f(&self.held[k])
    }

    /// List `k` whole, in the order it was appended.
    pub fn collect(&mut self, k: usize) -> Result<Vec<Pixel>> {
        let mut out = Vec::new();
        self.for_each(k, &mut |px| {
            out.extend_from_slice(px);
            Ok(())
        })?;
        Ok(out)
    }
}

/// Bands of rows a group's pixels are sorted into (each about 1/64 of them), so that a group is
/// sorted one band at a time.
pub const BANDS: usize = 64;

/// Counts binned from reads one at a time (pairs files), in bounded memory: each group's
/// (a chromosome's, or a chromosome pair's) counts are summed in a hash map; past the budget of
/// distinct pixels the maps move to bands of rows in [`SpillLists`], and each band is summed and
/// sorted when it is read. Temporary disk: 16 bytes per pixel and flush, so about 16 per distinct
/// pixel for a file sorted by position (4DN's usual), up to 16 per read for an unsorted one.
pub struct BinnedCounts {
    /// Sum repeated pixels in memory (reads); without, each pixel goes straight to its band.
    aggregate: bool,
    sums: Vec<HashMap<u64, f64>>,
    n_sums: usize,
    budget: usize,
    lists: SpillLists,
    /// Per group: its first list, rows per band, and bands.
    bands: Vec<(usize, usize, usize)>,
}

impl BinnedCounts {
    /// No groups yet; up to `spill.pixels` distinct pixels summed in memory, as many held in
    /// lists. `aggregate`: sum repeated pixels in hash maps first (worth it for reads, several to
    /// a pixel); else every pixel goes straight to its band (juicer text: one line per pixel).
    pub fn new(spill: &Spill, aggregate: bool) -> Self {
        BinnedCounts { aggregate, sums: Vec::new(), n_sums: 0, budget: spill.pixels, lists: SpillLists::new(0, spill), bands: Vec::new() }
    }

    /// A new group whose pixels' `i` lie in `0..rows`, in up to [`BANDS`] bands of at least 256
    /// rows (an assembly can have tens of thousands of small scaffolds); returns its number.
    pub fn add_group(&mut self, rows: u64) -> usize {
        let rows = rows.max(1) as usize;
        self.add_banded_group(rows.div_ceil(BANDS).max(256), rows)
    }

    /// A new group whose pixels' `i` lie in `0..rows`, in bands of `per_band` rows (for a group
    /// whose size is known only as a bound); returns its number.
    pub fn add_banded_group(&mut self, per_band: usize, rows: usize) -> usize {
        let per_band = per_band.max(1);
        let n = rows.max(1).div_ceil(per_band);
        self.bands.push((self.lists.add_lists(n), per_band, n));
        self.sums.push(HashMap::new());
        self.bands.len() - 1
    }

    /// Adds `count` to pixel (`i`, `j`) of group `g`.
    pub fn add(&mut self, g: usize, i: u32, j: u32, count: f64) -> Result<()> {
        if !self.aggregate {
            let (first, per_band, _) = self.bands[g];
            self.lists.push(first + i as usize / per_band, Pixel { i, j, count });
            return self.lists.spill_if_over().map(drop);
        }
        let sums = &mut self.sums[g];
        let before = sums.len();
        *sums.entry(((i as u64) << 32) | j as u64).or_insert(0.0) += count;
        self.n_sums += sums.len() - before;
        if self.n_sums > self.budget {
            self.flush()?;
        }
        Ok(())
    }

    /// Moves every group's sums to its bands.
    fn flush(&mut self) -> Result<()> {
        for (g, sums) in self.sums.iter_mut().enumerate() {
            let (first, per_band, _) = self.bands[g];
            for (key, count) in sums.drain() {
                let (i, j) = ((key >> 32) as u32, key as u32);
                self.lists.push(first + i as usize / per_band, Pixel { i, j, count });
            }
            // Freed: a map keeps its capacity when drained.
            *sums = HashMap::new();
            self.lists.spill_if_over()?;
        }
        self.n_sums = 0;
        Ok(())
    }

    /// Calls `f` with group `g`'s pixels in chunks, sorted by (i, j), each pixel once with its
    /// summed count. Memory: one band.
    pub fn for_each_chunk(&mut self, g: usize, f: &mut dyn FnMut(&[Pixel]) -> Result<()>) -> Result<()> {
        if self.n_sums > 0 {
            self.flush()?;
        }
        let (first, _, n) = self.bands[g];
        for band in first..first + n {
            let mut px = self.lists.collect(band)?;
            super::sort_and_merge(&mut px);
            for chunk in px.chunks(CHUNK) {
                f(chunk)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_back_in_order_whether_spilled_or_held() {
        let px = |k: u32, n: u32| (0..n).map(move |x| Pixel { i: k, j: x, count: x as f64 + 0.5 });
        for budget in [0, 5, usize::MAX] {
            let mut l = SpillLists::new(2, &Spill { pixels: budget, dir: None });
            assert_eq!(l.add_lists(1), 2);
            for round in 0..4u32 {
                for k in 0..3u32 {
                    for p in px(k, 7).map(|p| Pixel { j: p.j + 7 * round, ..p }) {
                        l.push(k as usize, p);
                    }
                }
                l.spill_if_over().unwrap();
            }
            for k in 0..3u32 {
                let want: Vec<Pixel> = (0..4u32).flat_map(|round| px(k, 7).map(move |p| Pixel { j: p.j + 7 * round, ..p })).collect();
                assert_eq!(l.collect(k as usize).unwrap(), want, "budget {budget}");
                assert_eq!(l.collect(k as usize).unwrap(), want, "reading leaves the list as it is");
            }
        }
    }

    #[test]
    fn binned_counts_sum_each_pixel_once_sorted_whatever_the_budget() {
        // Reads in a scrambled order, several per pixel, in two groups of 100 and 3 rows.
        let reads: Vec<(usize, u32, u32)> =
            (0..3000u32).map(|k| ((k % 7 == 0) as usize, (k * 37) % 100 % if k % 7 == 0 { 3 } else { 100 }, (k * 53) % 11)).collect();
        let mut want: Vec<HashMap<(u32, u32), f64>> = vec![HashMap::new(); 2];
        for &(g, i, j) in &reads {
            *want[g].entry((i, j)).or_default() += 1.0;
        }
        for (budget, aggregate) in [(0, true), (10, true), (usize::MAX, true), (0, false), (10, false), (usize::MAX, false)] {
            let dir = tempfile::tempdir().unwrap();
            let mut b = BinnedCounts::new(&Spill { pixels: budget, dir: Some(dir.path().to_path_buf()) }, aggregate);
            assert_eq!((b.add_banded_group(7, 100), b.add_group(3)), (0, 1), "bands of 7 rows, and one band");
            for &(g, i, j) in &reads {
                b.add(g, i, j, 1.0).unwrap();
            }
            for g in 0..2 {
                let mut got = Vec::new();
                b.for_each_chunk(g, &mut |px| {
                    got.extend_from_slice(px);
                    Ok(())
                })
                .unwrap();
                let mut w: Vec<Pixel> = want[g].iter().map(|(&(i, j), &count)| Pixel { i, j, count }).collect();
                w.sort_by_key(|p| (p.i, p.j));
                assert_eq!(got, w, "group {g}, budget {budget}, aggregate {aggregate}");
            }
        }
    }
}

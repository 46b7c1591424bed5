//! Pixel lists too large to hold in memory: a 10 kb map's largest chromosome has 68 M pixels and
//! its trans rows 100 M or more (16 bytes each). Readers that cannot serve pixels in order from
//! the file (`.hic` blocks are tiles; a cooler's rows hold every partner's trans pixels at once)
//! sort them into numbered lists, which go to unnamed temporary files in `$TMPDIR` (removed
//! however the run ends) once more than a budget of pixels is held, and come back list by list.

use super::Pixel;
use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Pixels held before the lists spill (16 bytes each: 128 MB).
pub const SPILL_PIXELS: usize = 1 << 23;

/// Pixels per chunk handed back from a temporary file.
const CHUNK: usize = 1 << 20;

fn spill_err(e: std::io::Error) -> Error {
    Error::output_io(std::env::temp_dir(), e)
}

/// Numbered lists of pixels, each appended to in order; held in memory up to a budget, then each
/// list goes to a temporary file of its own.
pub struct SpillLists {
    held: Vec<Vec<Pixel>>,
    n_held: usize,
    budget: usize,
    spilled: Vec<Option<BufWriter<File>>>,
}

impl SpillLists {
    /// `n` empty lists that spill once more than `budget` pixels are held.
    pub fn new(n: usize, budget: usize) -> Self {
        SpillLists { held: vec![Vec::new(); n], n_held: 0, budget, spilled: (0..n).map(|_| None).collect() }
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

    /// Moves every list to its temporary file if more than the budget is held.
    pub fn spill_if_over(&mut self) -> Result<()> {
        if self.n_held <= self.budget {
            return Ok(());
        }
        for (list, file) in self.held.iter_mut().zip(&mut self.spilled) {
            if list.is_empty() {
                continue;
            }
            let w = match file {
                Some(w) => w,
                None => file.insert(BufWriter::new(tempfile::tempfile().map_err(spill_err)?)),
            };
            for p in list.iter() {
                let mut rec = [0u8; 16];
                rec[..4].copy_from_slice(&p.i.to_le_bytes());
                rec[4..8].copy_from_slice(&p.j.to_le_bytes());
                rec[8..].copy_from_slice(&p.count.to_le_bytes());
                w.write_all(&rec).map_err(spill_err)?;
            }
            // Freed, not cleared: the lists' capacity would otherwise stay at their peak.
            *list = Vec::new();
        }
        self.n_held = 0;
        Ok(())
    }

    /// Hands list `k` to `f` in chunks, in the order it was appended: its spilled pixels first,
    /// then those held; the list is then empty.
    pub fn drain(&mut self, k: usize, f: &mut dyn FnMut(&[Pixel]) -> Result<()>) -> Result<()> {
        if let Some(w) = self.spilled[k].take() {
            let mut file = w.into_inner().map_err(|e| spill_err(e.into_error()))?;
            file.seek(SeekFrom::Start(0)).map_err(spill_err)?;
            let mut r = BufReader::new(file);
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut rec = [0u8; 16];
            loop {
                match r.read_exact(&mut rec) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                    Err(e) => return Err(spill_err(e)),
                }
                let le4 = |a: usize| u32::from_le_bytes([rec[a], rec[a + 1], rec[a + 2], rec[a + 3]]);
                let count = f64::from_le_bytes(rec[8..].try_into().expect("8 bytes"));
                chunk.push(Pixel { i: le4(0), j: le4(4), count });
                if chunk.len() == CHUNK {
                    f(&chunk)?;
                    chunk.clear();
                }
            }
            if !chunk.is_empty() {
                f(&chunk)?;
            }
        }
        let held = std::mem::take(&mut self.held[k]);
        self.n_held -= held.len();
        f(&held)
    }

    /// List `k` whole, in the order it was appended; the list is then empty.
    pub fn take(&mut self, k: usize) -> Result<Vec<Pixel>> {
        let mut out = Vec::new();
        self.drain(k, &mut |px| {
            out.extend_from_slice(px);
            Ok(())
        })?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_come_back_in_order_whether_spilled_or_held() {
        let px = |k: u32, n: u32| (0..n).map(move |x| Pixel { i: k, j: x, count: x as f64 + 0.5 });
        for budget in [0, 5, usize::MAX] {
            let mut l = SpillLists::new(3, budget);
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
                assert_eq!(l.take(k as usize).unwrap(), want, "budget {budget}");
                assert!(l.take(k as usize).unwrap().is_empty(), "taken lists are empty");
            }
        }
    }
}

//! Juicer `.hic` files, format versions 8 and 9 (aidenlab/hic-format): header, footer with the
//! master index and normalization vector index, per-matrix block indexes, zlib-compressed blocks.
//!
//! Blocks are read with positioned reads, so a chromosome's blocks are decompressed in parallel.
//! Each chromosome's pixels are gathered and sorted before they are handed on (version 9 lays
//! intra-chromosomal blocks out along diagonals, so no block order is row order); memory is
//! bounded by the largest chromosome, not the file.

use super::binary::LeReader;
use super::spill::{Spill, SpillLists};
use super::{ContactSource, Pixel};
use crate::error::{Error, Location, Result};
use crate::genome::Chrom;
use rayon::prelude::*;
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

const MAX_STRING: usize = 64 << 20;
const MAX_COUNT: u64 = 1 << 28;

/// The unit of a `.hic` resolution: base pairs or restriction fragments (the format's two;
/// hictk's `MatrixUnit`). Only BP resolutions are read; FRAG entries are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Base pairs: the resolutions this reader serves.
    Bp,
    /// Restriction fragments: entries in this unit are skipped.
    Frag,
}

impl Unit {
    /// Parses the unit string at the reader's position; anything else is a format error.
    fn read<R: std::io::Read>(r: &mut LeReader<'_, R>) -> Result<Unit> {
        let at = r.pos();
        match r.cstr(1024)?.as_str() {
            "BP" => Ok(Unit::Bp),
            "FRAG" => Ok(Unit::Frag),
            other => Err(r.error_at(at, format!("unknown unit '{other}' (expected BP or FRAG)"))),
        }
    }
}

#[derive(Debug, Clone)]
struct NormEntry {
    kind: String,
    chrom: usize,
    unit: Unit,
    bin_size: i32,
    position: u64,
    size: u64,
}

#[derive(Debug, Clone, Copy)]
struct BlockEntry {
    number: i32,
    position: u64,
    size: u32,
}

/// The parsed header and indexes of a `.hic` file.
pub struct HicFile {
    path: PathBuf,
    file: File,
    file_len: u64,
    /// Format version from the header: 8 or 9.
    pub version: i32,
    /// The header's genome ID, usually an assembly name such as `hg38`; may be empty.
    pub genome: String,
    /// Chromosomes in file order; index 0 is usually the `All` pseudo-chromosome.
    pub chroms: Vec<Chrom>,
    /// Base-pair resolutions (bin sizes, bp) listed in the header, in file order.
    pub resolutions: Vec<i32>,
    master: HashMap<String, u64>,
    norms: Vec<NormEntry>,
}

impl HicFile {
    /// Reads the header and the footer's indexes (not the blocks); any file but version 8 or 9 is a
    /// format error.
    pub fn open(path: &Path) -> Result<Self> {
        let file = crate::error::open_input(path)?;
        let file_len = file.metadata().map_err(|e| Error::input_io(path, e))?.len();
        let mut r = LeReader::new(BufReader::new(file.try_clone().map_err(|e| Error::input_io(path, e))?), 0, path, "header");
        let magic: [u8; 4] = r.bytes().map_err(|_| Error::format(path, Location::Offset(0), "not a .hic file: shorter than its magic string"))?;
        if &magic != b"HIC\0" {
            return Err(Error::format(path, Location::Offset(0), "not a .hic file: bad magic string (expected 'HIC')"));
        }
        let version = r.i32()?;
        if !(8..=9).contains(&version) {
            return Err(Error::format(path, Location::Offset(4), format!("unsupported .hic version {version} (versions 8 and 9 are supported)")));
        }
        let footer_at = r.pos();
        let footer = r.i64()?;
        if footer <= 0 || footer as u64 >= file_len {
            return Err(Error::format(
                path,
                Location::Offset(footer_at),
                format!("footer position {footer} lies outside the file ({file_len} bytes): truncated or corrupted"),
            ));
        }
        let genome = r.cstr(MAX_STRING)?;
        let mut nvi = None;
        if version >= 9 {
            let pos = r.i64()?;
            let len = r.i64()?;
            if pos > 0 && len > 0 {
                nvi = Some(pos as u64);
            }
        }
        let n_attr = r.count32(MAX_COUNT, "attribute count")?;
        for _ in 0..n_attr {
            r.cstr(MAX_STRING)?;
            r.cstr(MAX_STRING)?;
        }
        let n_chr = r.count32(MAX_COUNT, "chromosome count")?;
        let mut chroms = Vec::new();
        for _ in 0..n_chr {
            let name = r.cstr(MAX_STRING)?;
            let at = r.pos();
            let len = if version >= 9 { r.i64()? } else { r.i32()? as i64 };
            if len < 0 {
                return Err(Error::format(path, Location::Offset(at), format!("chromosome '{name}' has negative length {len}")));
            }
            chroms.push(Chrom::new(name, len as u64));
        }
        let n_res = r.count32(MAX_COUNT, "resolution count")?;
        let mut resolutions = Vec::new();
        for _ in 0..n_res {
            let at = r.pos();
            let res = r.i32()?;
            if res <= 0 {
                return Err(Error::format(path, Location::Offset(at), format!("resolution {res} is not positive")));
            }
            resolutions.push(res);
        }
        drop(r);

        let mut hic = HicFile { path: path.to_path_buf(), file, file_len, version, genome, chroms, resolutions, master: HashMap::new(), norms: Vec::new() };
        hic.read_footer(footer as u64, nvi)?;
        Ok(hic)
    }

    fn reader_at(&self, pos: u64, what: &'static str) -> Result<LeReader<'_, BufReader<File>>> {
        if pos >= self.file_len {
            return Err(Error::format(
                &self.path,
                Location::Offset(pos),
                format!("{what} position lies beyond the end of the file ({} bytes): truncated?", self.file_len),
            ));
        }
        let mut f = self.file.try_clone().map_err(|e| Error::input_io(&self.path, e))?;
        f.seek(SeekFrom::Start(pos)).map_err(|e| Error::input_io(&self.path, e))?;
        Ok(LeReader::new(BufReader::with_capacity(1 << 16, f), pos, &self.path, what))
    }

    fn read_footer(&mut self, pos: u64, nvi: Option<u64>) -> Result<()> {
        let v9 = self.version >= 9;
        let mut r = self.reader_at(pos, "footer")?;
        if v9 {
            r.i64()?;
        } else {
            r.i32()?;
        }
        let n = r.count32(MAX_COUNT, "master index size")?;
        let mut master = HashMap::new();
        for _ in 0..n {
            let key = r.cstr(1024)?;
            let at = r.pos();
            let p = r.i64()?;
            let _size = r.i32()?;
            if p < 0 || p as u64 >= self.file_len {
                return Err(Error::format(&self.path, Location::Offset(at), format!("matrix {key} lies beyond the end of the file: truncated?")));
            }
            master.insert(key, p as u64);
        }
        // Version 9 headers point at the normalization vector index; version 8 keeps it after
        // the expected-value tables, which must be walked through.
        let mut r = match nvi {
            Some(p) => {
                drop(r);
                self.reader_at(p, "normalization vector index")?
            }
            None => {
                let (vsize, fsize) = if v9 { (4u64, 4u64) } else { (8, 8) };
                for normalized in [false, true] {
                    let n = match r.i32() {
                        Ok(n) if n >= 0 => n,
                        // Files without normalization end here.
                        _ => {
                            self.master = master;
                            return Ok(());
                        }
                    };
                    for _ in 0..n {
                        if normalized {
                            r.cstr(1024)?;
                        }
                        r.cstr(1024)?;
                        r.i32()?;
                        let nv = if v9 { r.count64(1 << 40, "expected vector length")? } else { r.count32(1 << 31, "expected vector length")? };
                        r.skip(nv as u64 * vsize)?;
                        let nf = r.count32(MAX_COUNT, "scale factor count")?;
                        r.skip(nf as u64 * (4 + fsize))?;
                    }
                }
                r
            }
        };
        let mut norms = Vec::new();
        if let Ok(n) = r.i32() {
            if n < 0 || n as u64 > MAX_COUNT {
                return Err(r.error(format!("implausible normalization vector count {n}")));
            }
            for _ in 0..n {
                let kind = r.cstr(1024)?;
                let at = r.pos();
                let chrom = r.i32()?;
                if chrom < 0 || chrom as usize >= self.chroms.len() {
                    return Err(Error::format(&self.path, Location::Offset(at), format!("normalization vector for unknown chromosome index {chrom}")));
                }
                let unit = Unit::read(&mut r)?;
                let bin_size = r.i32()?;
                let position = r.i64()?;
                let size = if v9 { r.i64()? } else { r.i32()? as i64 };
                if position < 0 || size < 0 || (position as u64).saturating_add(size as u64) > self.file_len {
                    return Err(Error::format(
                        &self.path,
                        Location::Offset(at),
                        format!("{kind} vector of chromosome {} lies beyond the end of the file: truncated?", self.chroms[chrom as usize].name),
                    ));
                }
                norms.push(NormEntry { kind, chrom: chrom as usize, unit, bin_size, position: position as u64, size: size as u64 });
            }
        }
        self.master = master;
        self.norms = norms;
        Ok(())
    }

    /// Normalization names available at `resolution` (BP units), `NONE` first.
    pub fn normalizations(&self, resolution: i32) -> Vec<String> {
        let mut v = vec!["NONE".to_string()];
        for n in &self.norms {
            if n.bin_size == resolution && n.unit == Unit::Bp && !v.contains(&n.kind) {
                v.push(n.kind.clone());
            }
        }
        v
    }

    /// The normalization vector of `norm` for chromosome `chrom` at `resolution`, if stored.
    pub fn norm_vector(&self, norm: &str, chrom: usize, resolution: i32) -> Result<Option<Vec<f64>>> {
        let Some(e) = self.norms.iter().find(|e| e.kind == norm && e.chrom == chrom && e.unit == Unit::Bp && e.bin_size == resolution) else {
            return Ok(None);
        };
        let mut buf = vec![0u8; e.size as usize];
        self.file.read_exact_at(&mut buf, e.position).map_err(|err| match err.kind() {
            std::io::ErrorKind::UnexpectedEof => Error::format(&self.path, Location::Offset(e.position), "normalization vector: truncated"),
            _ => Error::input_io(&self.path, err),
        })?;
        let mut r = LeReader::new(&buf[..], e.position, &self.path, "normalization vector");
        let v9 = self.version >= 9;
        let n = if v9 { r.count64(e.size, "vector length")? } else { r.count32(e.size, "vector length")? };
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(if v9 { r.f32()? as f64 } else { r.f64()? });
        }
        Ok(Some(out))
    }

    fn block_index(&self, c1: usize, c2: usize, resolution: i32) -> Result<Vec<BlockEntry>> {
        let key = format!("{c1}_{c2}");
        let Some(&pos) = self.master.get(&key) else {
            return Ok(Vec::new());
        };
        let mut r = self.reader_at(pos, "matrix header")?;
        let (a, b) = (r.i32()?, r.i32()?);
        if a as usize != c1 || b as usize != c2 {
            return Err(r.error(format!("expected matrix {key}, found {a}_{b}")));
        }
        let n_res = r.count32(MAX_COUNT, "resolution count")?;
        for _ in 0..n_res {
            let unit = Unit::read(&mut r)?;
            r.i32()?;
            for _ in 0..4 {
                r.f32()?;
            }
            let bin_size = r.i32()?;
            r.i32()?;
            r.i32()?;
            let n_blocks = r.count32(MAX_COUNT, "block count")?;
            if unit == Unit::Bp && bin_size == resolution {
                let mut blocks = Vec::new();
                for _ in 0..n_blocks {
                    let number = r.i32()?;
                    let at = r.pos();
                    let position = r.i64()?;
                    let size = r.i32()?;
                    if position < 0 || size < 0 || position as u64 + size as u64 > self.file_len {
                        return Err(Error::format(
                            &self.path,
                            Location::Offset(at),
                            format!("block {number} of matrix {key} lies beyond the end of the file: truncated?"),
                        ));
                    }
                    blocks.push(BlockEntry { number, position: position as u64, size: size as u32 });
                }
                return Ok(blocks);
            }
            r.skip(n_blocks as u64 * 16)?;
        }
        Ok(Vec::new())
    }

    /// All contact records of matrix (c1, c2) at `resolution`, as (bin1, bin2, count) with bin1
    /// on c1 and bin2 on c2, unsorted.
    pub fn records(&self, c1: usize, c2: usize, resolution: i32) -> Result<Vec<(i32, i32, f32)>> {
        let blocks = self.block_index(c1, c2, resolution)?;
        let parts: Result<Vec<Vec<(i32, i32, f32)>>> = blocks.par_iter().map(|b| self.read_block(b)).collect();
        Ok(parts?.concat())
    }

    fn read_block(&self, b: &BlockEntry) -> Result<Vec<(i32, i32, f32)>> {
        if b.size == 0 {
            return Ok(Vec::new());
        }
        let mut compressed = vec![0u8; b.size as usize];
        self.file.read_exact_at(&mut compressed, b.position).map_err(|e| match e.kind() {
            std::io::ErrorKind::UnexpectedEof => Error::format(&self.path, Location::Offset(b.position), format!("block {}: truncated", b.number)),
            _ => Error::input_io(&self.path, e),
        })?;
        let mut data = Vec::with_capacity(compressed.len() * 4);
        flate2::read::ZlibDecoder::new(&compressed[..])
            .read_to_end(&mut data)
            .map_err(|e| Error::format(&self.path, Location::Offset(b.position), format!("block {}: bad zlib stream: {e}", b.number)))?;
        parse_block(&data, self.version, b.position, &self.path).map_err(|e| match e {
            Error::Format { path, message, .. } => {
                Error::Format { path, location: Location::Offset(b.position), message: format!("block {} (decompressed): {message}", b.number) }
            }
            e => e,
        })
    }
}

/// Decodes one decompressed block. Offsets in errors are relative to the decompressed data.
pub fn parse_block(data: &[u8], version: i32, _file_pos: u64, path: &Path) -> Result<Vec<(i32, i32, f32)>> {
    let mut r = LeReader::new(data, 0, path, "block");
    // Each record takes at least 4 bytes, which bounds the allocation on corrupted counts.
    let n = r.count32(data.len() as u64 / 4 + 1, "record count")?;
    let mut out = Vec::with_capacity(n);
    let x_off = r.i32()?;
    let y_off = r.i32()?;
    let short_counts = r.u8()? == 0;
    let (short_x, short_y) = if version >= 9 { (r.u8()? == 0, r.u8()? == 0) } else { (true, true) };
    let kind = r.u8()?;
    let read_bin = |r: &mut LeReader<&[u8]>, short: bool| -> Result<i32> {
        if short {
            Ok(r.i16()? as i32)
        } else {
            r.i32()
        }
    };
    match kind {
        1 => {
            let rows = read_bin(&mut r, short_y)?;
            for _ in 0..rows.max(0) {
                let y = y_off + read_bin(&mut r, short_y)?;
                let cols = read_bin(&mut r, short_x)?;
                for _ in 0..cols.max(0) {
                    let x = x_off + read_bin(&mut r, short_x)?;
                    let c = if short_counts { r.i16()? as f32 } else { r.f32()? };
                    out.push((x, y, c));
                }
            }
        }
        2 => {
            let n_pts = r.count32(data.len() as u64, "dense point count")?;
            let w = r.i16()? as i32;
            if w <= 0 {
                return Err(r.error(format!("dense block width {w} is not positive")));
            }
            for p in 0..n_pts as i32 {
                let row = p / w;
                let col = p - row * w;
                if short_counts {
                    let c = r.i16()?;
                    if c != i16::MIN {
                        out.push((x_off + col, y_off + row, c as f32));
                    }
                } else {
                    let c = r.f32()?;
                    if !c.is_nan() {
                        out.push((x_off + col, y_off + row, c));
                    }
                }
            }
        }
        k => return Err(r.error(format!("unknown block type {k}"))),
    }
    if out.len() != n && kind == 1 {
        return Err(r.error(format!("block declares {n} records but holds {}", out.len())));
    }
    Ok(out)
}

/// A `.hic` file at one resolution and normalization.
pub struct HicSource {
    hic: HicFile,
    resolution: i32,
    norm: String,
    /// Pixels held in memory before [`ContactSource::for_each_chunk`] spills its bands.
    spill: Spill,
}

/// Bands of rows a chromosome's pixels are sorted into (each about 1/64 of its pixels).
const HIC_BANDS: usize = 64;

/// Blocks decompressed at once, in parallel.
const BLOCKS_PER_BATCH: usize = 16;

impl HicSource {
    /// Opens `path` at `resolution` (bp; may be omitted when the file holds one) and normalization
    /// `norm` (`NONE`, `VC`, `VC_SQRT`, `KR`, `SCALE`, ..., case-insensitive), both checked against
    /// what the file stores.
    pub fn open(path: &Path, resolution: Option<u32>, norm: &str) -> Result<Self> {
        let hic = HicFile::open(path)?;
        let list = || hic.resolutions.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ");
        let resolution = match resolution {
            Some(r) => {
                if !hic.resolutions.contains(&(r as i32)) {
                    return Err(Error::not_in_input(path, format!("resolution {r}"), list()));
                }
                r as i32
            }
            None if hic.resolutions.len() == 1 => hic.resolutions[0],
            None => return Err(Error::InvalidArgument(format!("{}: holds several resolutions ({}); choose one with --resolution", path.display(), list()))),
        };
        if resolution <= 0 {
            return Err(Error::format(path, Location::None, format!("resolution {resolution} in the header is not positive")));
        }
        // A damaged length would size every per-chromosome allocation: bound it first. (The
        // `All` pseudo-chromosome of .hic files is never read as a chromosome.)
        if let Some(c) = hic.chroms.iter().find(|c| !c.name.eq_ignore_ascii_case("all") && c.length.div_ceil(resolution as u64) > crate::genome::MAX_BINS) {
            return Err(Error::format(
                path,
                Location::None,
                format!("chromosome '{}' of {} bp has more than {} bins at {resolution} bp: damaged header?", c.name, c.length, crate::genome::MAX_BINS),
            ));
        }
        let norm = norm.to_ascii_uppercase();
        let available = hic.normalizations(resolution);
        if !available.contains(&norm) {
            return Err(Error::not_in_input(path, format!("normalization {norm} at resolution {resolution}"), available.join(", ")));
        }
        Ok(HicSource { hic, resolution, norm, spill: Spill::default() })
    }

    /// Sets how many pixels reading a matrix holds in memory before it spills them to a
    /// temporary file, and where (8 M, 128 MB, in `$TMPDIR` by default).
    pub fn set_spill(&mut self, spill: Spill) {
        self.spill = spill;
    }

    /// Calls `f` with the pixels of matrix (`c1`, `c2`) in chunks, sorted by (i, j), `i` on c1 (an
    /// intra-chromosomal matrix folded into the upper triangle). Blocks are tiles of the matrix,
    /// not runs of rows, so pixels arrive out of order: they are sorted into bands of rows
    /// (spilled to a temporary file past the budget), and each band is sorted alone. Memory holds
    /// a batch of blocks, the budget and one band, not the matrix (chr2 of a 10 kb map: 68 M pixels).
    fn matrix_sorted(&self, c1: usize, c2: usize, f: &mut dyn FnMut(&[Pixel]) -> Result<()>) -> Result<()> {
        let (n1, n2) = (self.hic.chroms[c1].n_bins(self.resolution as u32) as i64, self.hic.chroms[c2].n_bins(self.resolution as u32) as i64);
        let rows_per_band = (n1.max(1) as usize).div_ceil(HIC_BANDS);
        let n_bands = (n1.max(1) as usize).div_ceil(rows_per_band);
        let mut bands = SpillLists::new(n_bands, &self.spill);
        let outside = |x: i32, y: i32| {
            let msg = if c1 == c2 {
                format!("pixel ({x}, {y}) lies outside chromosome {} ({n1} bins): corrupted file", self.hic.chroms[c1].name)
            } else {
                format!(
                    "pixel ({x}, {y}) lies outside chromosomes {} x {} ({n1} x {n2} bins): corrupted file",
                    self.hic.chroms[c1].name, self.hic.chroms[c2].name
                )
            };
            Error::format(&self.hic.path, Location::None, msg)
        };
        let blocks = self.hic.block_index(c1, c2, self.resolution)?;
        for batch in blocks.chunks(BLOCKS_PER_BATCH) {
            let parts: Vec<Vec<(i32, i32, f32)>> = batch.par_iter().map(|b| self.hic.read_block(b)).collect::<Result<_>>()?;
            for (x, y, c) in parts.into_iter().flatten() {
                let (i, j) = if c1 == c2 && x > y { (y, x) } else { (x, y) };
                if i < 0 || j < 0 || i as i64 >= n1 || j as i64 >= n2 {
                    return Err(outside(x, y));
                }
                if c.is_finite() {
                    bands.push(i as usize / rows_per_band, Pixel { i: i as u32, j: j as u32, count: c as f64 });
                }
            }
            bands.spill_if_over()?;
        }
        for band in 0..n_bands {
            let mut px = bands.collect(band)?;
            super::sort_and_merge(&mut px);
            for chunk in px.chunks(1 << 20) {
                f(chunk)?;
            }
        }
        Ok(())
    }
}

impl ContactSource for HicSource {
    fn path(&self) -> &Path {
        &self.hic.path
    }
    fn chroms(&self) -> &[Chrom] {
        &self.hic.chroms
    }
    fn resolution(&self) -> u32 {
        self.resolution as u32
    }
    fn assembly(&self) -> Option<String> {
        Some(self.hic.genome.clone()).filter(|g| !g.is_empty())
    }
    fn normalization(&self) -> &str {
        &self.norm
    }
    fn weights(&mut self, chrom: usize) -> Result<Option<Vec<f64>>> {
        if self.norm == "NONE" {
            return Ok(None);
        }
        let name = &self.hic.chroms[chrom].name;
        let v = self.hic.norm_vector(&self.norm, chrom, self.resolution)?.ok_or_else(|| {
            Error::not_in_input(
                &self.hic.path,
                format!("{} vector for chromosome {name} at resolution {}", self.norm, self.resolution),
                self.hic.normalizations(self.resolution).join(", "),
            )
        })?;
        // .hic vectors divide; weights multiply.
        Ok(Some(v.into_iter().map(|x| if x > 0.0 && x.is_finite() { 1.0 / x } else { f64::NAN }).collect()))
    }
    fn for_each_chunk(&mut self, chrom: usize, f: &mut dyn FnMut(&[Pixel]) -> Result<()>) -> Result<()> {
        self.matrix_sorted(chrom, chrom, f)
    }
    fn trans(&mut self, c1: usize, partners: &[usize], f: &mut dyn FnMut(usize, &[Pixel]) -> Result<()>) -> Result<()> {
        // One pair at a time: the file stores each pair as a matrix of its own.
        for (k, &c2) in partners.iter().enumerate() {
            self.matrix_sorted(c1, c2, &mut |px| f(k, px))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod field_tests {
    use super::*;

    #[test]
    fn units_are_parsed_once_and_unknown_ones_refused() {
        let path = Path::new("f.hic");
        let unit = |b: &[u8]| Unit::read(&mut LeReader::new(b, 40, path, "matrix header"));
        assert_eq!(unit(b"BP\0").unwrap(), Unit::Bp);
        assert_eq!(unit(b"FRAG\0").unwrap(), Unit::Frag);
        let e = unit(b"bp\0").unwrap_err().to_string();
        assert!(e.contains("byte offset 40") && e.contains("unknown unit 'bp' (expected BP or FRAG)"), "{e}");
    }
}

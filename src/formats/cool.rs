//! cooler `.cool` files and single resolutions of `.mcool` files (HDF5), read through libhdf5.
//!
//! Pixels are stored sorted by (bin1, bin2) in the upper triangle, so a chromosome is streamed
//! in slices of the pixel table without holding it in memory.

use super::spill::{Spill, SpillLists};
use super::{ContactSource, Pixel};
use crate::error::{Error, Location, Result};
use crate::genome::Chrom;
use std::path::{Path, PathBuf};

const SLICE: usize = 1 << 20;

/// A cooler file (or one resolution group of an `.mcool`) opened at one normalization; pixels are
/// streamed from the HDF5 datasets.
pub struct CoolSource {
    path: PathBuf,
    group: hdf5::Group,
    group_name: String,
    chroms: Vec<Chrom>,
    chrom_offset: Vec<u64>,
    /// Per chromosome: the genomic bin (`start / bin-size`) of its first row in the bins table;
    /// 0 unless the cooler holds a region cut out of the chromosome.
    first_bin: Vec<u32>,
    /// Rows of the bins table (every chromosome).
    n_bins: u64,
    resolution: u32,
    norm: String,
    assembly: Option<String>,
    /// Trans pixels held in memory before [`ContactSource::trans`] spills them, and where.
    spill: Spill,
}

fn h5err(path: &Path, object: &str, e: hdf5::Error) -> Error {
    Error::format(path, Location::Object(object.to_string()), format!("cannot read ({e}); is this a cooler file?"))
}

/// Splits `file.mcool::/resolutions/N` into the file and the group inside it.
pub fn split_uri(uri: &str) -> (&str, Option<&str>) {
    match uri.split_once("::") {
        Some((f, g)) => (f, Some(g.trim_start_matches('/')).filter(|g| !g.is_empty())),
        None => (uri, None),
    }
}

impl CoolSource {
    /// Opens `uri` (`file.cool`, `file.mcool` or `file.mcool::/resolutions/N`); `resolution` (bp)
    /// selects or checks the group, and `norm` is `NONE`, `balanced` (the `weight` column) or any other
    /// `bins/` column.
    pub fn open(uri: &str, resolution: Option<u32>, norm: &str) -> Result<Self> {
        let (file, group_path) = split_uri(uri);
        let path = Path::new(file);
        drop(crate::error::open_input(path)?);
        let f = hdf5::File::open(path).map_err(|e| Error::format(path, Location::None, format!("not an HDF5 (cooler) file: {e}")))?;
        let root = f.group("/").map_err(|e| h5err(path, "/", e))?;
        let group_name = match group_path {
            Some(g) => g.to_string(),
            None if root.link_exists("resolutions") => {
                let res = root.group("resolutions").map_err(|e| h5err(path, "resolutions", e))?;
                let available: Vec<(i64, String)> = res
                    .member_names()
                    .map_err(|e| h5err(path, "resolutions", e))?
                    .iter()
                    .filter_map(|n| n.parse::<i64>().ok().map(|r| (r, format!("resolutions/{n}"))))
                    .collect();
                pick_resolution(path, available, resolution, "resolutions/N")?
            }
            // Older `cooler zoomify` output: resolution groups /0, /1, ... at the root, each with
            // its bin-size attribute.
            None if !root.link_exists("pixels") => {
                let legacy: Vec<(i64, String)> = root
                    .member_names()
                    .map_err(|e| h5err(path, "/", e))?
                    .into_iter()
                    .filter(|n| n.parse::<u32>().is_ok())
                    .filter_map(|n| root.group(&n).ok().and_then(|g| g.attr("bin-size").ok()).and_then(|a| a.read_scalar::<i64>().ok()).map(|b| (b, n)))
                    .collect();
                if legacy.is_empty() {
                    String::new()
                } else {
                    pick_resolution(path, legacy, resolution, "N (legacy layout)")?
                }
            }
            None => String::new(),
        };
        let group = if group_name.is_empty() {
            root
        } else {
            if !root.link_exists(&group_name) {
                return Err(Error::not_in_input(path, format!("group /{group_name}"), "see `h5ls -r`"));
            }
            root.group(&group_name).map_err(|e| h5err(path, &group_name, e))?
        };
        let ctx = |o: &str| format!("/{group_name}/{o}").replace("//", "/");
        for needed in
            ["chroms/name", "chroms/length", "bins/start", "pixels/bin1_id", "pixels/bin2_id", "pixels/count", "indexes/chrom_offset", "indexes/bin1_offset"]
        {
            if !group.link_exists(needed) {
                return Err(Error::format(path, Location::Object(ctx(needed)), "missing dataset: not a cooler file"));
            }
        }
        let bin_size: i64 = group.attr("bin-size").and_then(|a| a.read_scalar::<i64>()).map_err(|_| {
            Error::format(path, Location::Object(ctx("@bin-size")), "missing or non-integer bin-size attribute (variable-size bins are not supported)")
        })?;
        if bin_size <= 0 {
            return Err(Error::format(path, Location::Object(ctx("@bin-size")), format!("bin-size {bin_size} is not positive")));
        }
        // Schema 3's `storage-mode`: "symmetric-upper" (the default when absent) stores the upper
        // triangle of a symmetric matrix; "square" stores both triangles of a matrix that is not
        // assumed symmetric, which a symmetric map cannot hold without dropping half of it.
        // Refused here, before any pixel is read, rather than at its first lower-triangle pixel.
        if let Some(mode) = group.attr("storage-mode").ok().and_then(|a| read_attr_string(&a)) {
            if mode != "symmetric-upper" {
                return Err(Error::format(
                    path,
                    Location::Object(ctx("@storage-mode")),
                    format!("storage-mode '{mode}': only 'symmetric-upper' coolers (the upper triangle of a symmetric Hi-C map) can be read; a '{mode}' cooler is not assumed symmetric"),
                ));
            }
        }
        if let Some(r) = resolution {
            if r as i64 != bin_size {
                return Err(Error::not_in_input(path, format!("resolution {r} in /{group_name}"), format!("{bin_size}")));
            }
        }
        let names = read_strings(&group, "chroms/name").map_err(|e| h5err(path, &ctx("chroms/name"), e))?;
        let lengths: Vec<i64> = group.dataset("chroms/length").and_then(|d| d.read_raw::<i64>()).map_err(|e| h5err(path, &ctx("chroms/length"), e))?;
        if names.len() != lengths.len() {
            return Err(Error::format(path, Location::Object(ctx("chroms")), "chroms/name and chroms/length differ in length"));
        }
        let chroms: Vec<Chrom> = names.into_iter().zip(lengths).map(|(n, l)| Chrom::new(n, l.max(0) as u64)).collect();
        let chrom_offset: Vec<u64> = read_u64(&group, "indexes/chrom_offset").map_err(|e| h5err(path, &ctx("indexes/chrom_offset"), e))?;
        if chrom_offset.len() != chroms.len() + 1 || chrom_offset.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::format(path, Location::Object(ctx("indexes/chrom_offset")), "inconsistent with chroms table"));
        }
        let (first_bin, n_bins) = check_bins(path, &group, &ctx, &chroms, &chrom_offset, bin_size)?;
        check_index(path, &group, &ctx, n_bins)?;
        let assembly = group.attr("genome-assembly").ok().and_then(|a| read_attr_string(&a));
        let norm = match norm.to_ascii_lowercase().as_str() {
            "none" => "NONE".to_string(),
            "balanced" | "weight" => "weight".to_string(),
            _ => norm.to_string(),
        };
        if norm != "NONE" && !group.link_exists(&format!("bins/{norm}")) {
            let mut cols: Vec<String> = group.group("bins").and_then(|g| g.member_names()).unwrap_or_default();
            cols.retain(|c| !matches!(c.as_str(), "chrom" | "start" | "end"));
            cols.insert(0, "NONE".into());
            return Err(Error::not_in_input(
                path,
                format!("balancing weights 'bins/{norm}' (balanced values need a balanced file: run `cooler balance`)"),
                cols.join(", "),
            ));
        }
        Ok(CoolSource {
            path: path.to_path_buf(),
            group,
            group_name,
            chroms,
            chrom_offset,
            first_bin,
            n_bins,
            resolution: bin_size as u32,
            norm,
            assembly,
            spill: Spill::default(),
        })
    }

    /// Sets how many trans pixels [`ContactSource::trans`] holds in memory before it spills
    /// them to a temporary file, and where (8 M, 128 MB, in `$TMPDIR` by default).
    pub fn set_spill(&mut self, spill: Spill) {
        self.spill = spill;
    }

    fn ctx(&self, o: &str) -> String {
        format!("/{}/{o}", self.group_name).replace("//", "/")
    }
}

/// The group of the resolution asked for among `available` (bin size, group), or the only one.
fn pick_resolution(path: &Path, mut available: Vec<(i64, String)>, resolution: Option<u32>, uri: &str) -> Result<String> {
    available.sort();
    let list = available.iter().map(|(b, _)| b.to_string()).collect::<Vec<_>>().join(", ");
    match resolution {
        Some(r) => {
            available.iter().find(|(b, _)| *b == r as i64).map(|(_, g)| g.clone()).ok_or_else(|| Error::not_in_input(path, format!("resolution {r}"), list))
        }
        None if available.len() == 1 => Ok(available[0].1.clone()),
        None => Err(Error::InvalidArgument(format!(
            "{}: multi-resolution file ({list}); choose one with --resolution or {}::/{uri}",
            path.display(),
            path.display()
        ))),
    }
}

/// What the file states twice must agree (the cooler schema: bin coordinates come from the bins
/// table): every chromosome's bins are consecutive `bin-size` steps from a multiple of it (0,
/// or later for a region cut out of the chromosome), end at most at the chromosome's length, and
/// the chromosome index covers the bins table. Returns each chromosome's first genomic bin and
/// the number of bins.
fn check_bins(path: &Path, g: &hdf5::Group, ctx: &dyn Fn(&str) -> String, chroms: &[Chrom], offsets: &[u64], bin_size: i64) -> Result<(Vec<u32>, u64)> {
    let start: Vec<i64> = g.dataset("bins/start").and_then(|d| d.read_raw::<i64>()).map_err(|e| h5err(path, &ctx("bins/start"), e))?;
    let end: Option<Vec<i64>> = match g.link_exists("bins/end") {
        true => Some(g.dataset("bins/end").and_then(|d| d.read_raw::<i64>()).map_err(|e| h5err(path, &ctx("bins/end"), e))?),
        false => None,
    };
    let n = start.len() as u64;
    if offsets.last() != Some(&n) || end.as_ref().is_some_and(|e| e.len() != start.len()) {
        return Err(Error::format(
            path,
            Location::Object(ctx("indexes/chrom_offset")),
            format!("ends at bin {} but the bins table has {n} rows", offsets.last().copied().unwrap_or(0)),
        ));
    }
    let mut first_bin = Vec::with_capacity(chroms.len());
    for (c, chrom) in chroms.iter().enumerate() {
        let (lo, hi) = (offsets[c] as usize, offsets[c + 1] as usize);
        let length = chrom.length as i64;
        if (chrom.length).div_ceil(bin_size as u64) > crate::genome::MAX_BINS {
            return Err(Error::format(
                path,
                Location::Object(ctx("chroms/length")),
                format!("{} is {length} bp: more than {} bins at {bin_size} bp", chrom.name, crate::genome::MAX_BINS),
            ));
        }
        let first = start.get(lo).copied().unwrap_or(0);
        if first < 0 || first % bin_size != 0 {
            return Err(Error::format(
                path,
                Location::Object(ctx("bins/start")),
                format!("{}: its first bin starts at {first}, not a multiple of bin-size {bin_size}", chrom.name),
            ));
        }
        for k in lo..hi {
            let want = first + (k - lo) as i64 * bin_size;
            if start[k] != want || start[k] >= length.max(1) {
                return Err(Error::format(
                    path,
                    Location::Object(format!("{} row {k}", ctx("bins/start"))),
                    format!("{}: bin starts at {} where bin-size {bin_size} and the chromosome's {length} bp give {want}", chrom.name, start[k]),
                ));
            }
            if let Some(e) = &end {
                if e[k] != (want + bin_size).min(length) {
                    return Err(Error::format(
                        path,
                        Location::Object(format!("{} row {k}", ctx("bins/end"))),
                        format!(
                            "{}: bin ends at {} where bin-size {bin_size} and the chromosome's {length} bp give {}",
                            chrom.name,
                            e[k],
                            (want + bin_size).min(length)
                        ),
                    ));
                }
            }
        }
        first_bin.push((first / bin_size) as u32);
    }
    Ok((first_bin, n))
}

/// The pixel index: one entry per bin plus one, never decreasing, ending at the number of pixels.
fn check_index(path: &Path, g: &hdf5::Group, ctx: &dyn Fn(&str) -> String, n_bins: u64) -> Result<()> {
    let idx: Vec<i64> = g.dataset("indexes/bin1_offset").and_then(|d| d.read_raw::<i64>()).map_err(|e| h5err(path, &ctx("indexes/bin1_offset"), e))?;
    let nnz = g.dataset("pixels/bin1_id").map_err(|e| h5err(path, &ctx("pixels/bin1_id"), e))?.size() as i64;
    let err = |m: String| Err(Error::format(path, Location::Object(ctx("indexes/bin1_offset")), m));
    if idx.len() as u64 != n_bins + 1 {
        return err(format!("{} entries for {n_bins} bins (expected bins + 1)", idx.len()));
    }
    if let Some(k) = idx.windows(2).position(|w| w[0] > w[1] || w[0] < 0) {
        return err(format!("decreases at entry {k} ({} then {})", idx[k], idx[k + 1]));
    }
    if idx[idx.len() - 1] != nnz {
        return err(format!("ends at {} but the pixel table has {nnz} rows: truncated or damaged", idx[idx.len() - 1]));
    }
    for name in ["pixels/bin2_id", "pixels/count"] {
        let m = g.dataset(name).map_err(|e| h5err(path, &ctx(name), e))?.size() as i64;
        if m != nnz {
            return Err(Error::format(path, Location::Object(ctx(name)), format!("{m} rows where pixels/bin1_id has {nnz}")));
        }
    }
    Ok(())
}

fn read_strings(g: &hdf5::Group, name: &str) -> hdf5::Result<Vec<String>> {
    let ds = g.dataset(name)?;
    if let Ok(v) = ds.read_raw::<hdf5::types::VarLenUnicode>() {
        return Ok(v.iter().map(|s| s.as_str().to_string()).collect());
    }
    if let Ok(v) = ds.read_raw::<hdf5::types::VarLenAscii>() {
        return Ok(v.iter().map(|s| s.as_str().to_string()).collect());
    }
    let v = ds.read_raw::<hdf5::types::FixedAscii<256>>()?;
    Ok(v.iter().map(|s| s.as_str().to_string()).collect())
}

fn read_attr_string(a: &hdf5::Attribute) -> Option<String> {
    if let Ok(s) = a.read_scalar::<hdf5::types::VarLenUnicode>() {
        return Some(s.as_str().to_string());
    }
    if let Ok(s) = a.read_scalar::<hdf5::types::VarLenAscii>() {
        return Some(s.as_str().to_string());
    }
    a.read_scalar::<hdf5::types::FixedAscii<256>>().ok().map(|s| s.as_str().to_string())
}

fn read_u64(g: &hdf5::Group, name: &str) -> hdf5::Result<Vec<u64>> {
    Ok(g.dataset(name)?.read_raw::<i64>()?.into_iter().map(|x| x.max(0) as u64).collect())
}

impl ContactSource for CoolSource {
    fn path(&self) -> &Path {
        &self.path
    }
    fn chroms(&self) -> &[Chrom] {
        &self.chroms
    }
    fn resolution(&self) -> u32 {
        self.resolution
    }
    fn assembly(&self) -> Option<String> {
        self.assembly.clone().filter(|a| !a.is_empty() && a != "unknown")
    }
    fn normalization(&self) -> &str {
        if self.norm == "weight" {
            "balanced"
        } else {
            &self.norm
        }
    }
    fn weights(&mut self, chrom: usize) -> Result<Option<Vec<f64>>> {
        if self.norm == "NONE" {
            return Ok(None);
        }
        let (lo, hi) = (self.chrom_offset[chrom] as usize, self.chrom_offset[chrom + 1] as usize);
        let name = format!("bins/{}", self.norm);
        let ds = self.group.dataset(&name).map_err(|e| h5err(&self.path, &self.ctx(&name), e))?;
        let w: Vec<f64> = ds.read_slice_1d::<f64, _>(lo..hi).map_err(|e| h5err(&self.path, &self.ctx(&name), e))?.to_vec();
        // NaN marks a bin masked by balancing; a negative or infinite weight is damage.
        if let Some(k) = w.iter().position(|x| *x < 0.0 || x.is_infinite()) {
            return Err(Error::format(
                &self.path,
                Location::Object(format!("{} row {}", self.ctx(&name), lo + k)),
                format!("balancing weight {} is negative or infinite", w[k]),
            ));
        }
        let divisive = ds.attr("divisive_weights").ok().and_then(|a| a.read_scalar::<bool>().ok()).unwrap_or(false);
        Ok(Some(if divisive { w.into_iter().map(|x| 1.0 / x).collect() } else { w }))
    }
    fn for_each_chunk(&mut self, chrom: usize, f: &mut dyn FnMut(&[Pixel]) -> Result<()>) -> Result<()> {
        let (lo, hi) = (self.chrom_offset[chrom] as i64, self.chrom_offset[chrom + 1] as i64);
        let shift = self.first_bin[chrom] as i64 - lo;
        let mut buf = Vec::new();
        // The pixels of the current row: legacy coolers may leave a row unsorted by bin2 (cooler
        // reads them); a row is sorted before it is passed on, a repeated pixel refused.
        let mut row_px: Vec<Pixel> = Vec::new();
        let mut row = 0usize;
        let path = &self.path;
        let ctx = self.ctx("pixels");
        let flush_row = |row_px: &mut Vec<Pixel>, buf: &mut Vec<Pixel>, q: usize| -> Result<()> {
            if !row_px.is_sorted_by_key(|p| p.j) {
                row_px.sort_by_key(|p| p.j);
            }
            if let Some(w) = row_px.windows(2).find(|w| w[0].j == w[1].j) {
                return Err(Error::format(path, Location::Object(format!("{ctx} row {q}")), format!("pixel ({}, {}) appears twice", w[0].i, w[0].j)));
            }
            buf.append(row_px);
            Ok(())
        };
        self.scan_rows(chrom, &mut |event| {
            match event {
                Scanned::Pixel(px) => {
                    if px.row != row {
                        row = px.row;
                        flush_row(&mut row_px, &mut buf, px.q)?;
                    }
                    if px.by >= lo && px.by < hi {
                        row_px.push(Pixel { i: (px.bx + shift) as u32, j: (px.by + shift) as u32, count: px.count });
                    }
                }
                Scanned::SliceEnd { q, last } => {
                    if last {
                        flush_row(&mut row_px, &mut buf, q)?;
                    }
                    f(&buf)?;
                    buf.clear();
                }
            }
            Ok(())
        })
    }
    fn trans(&mut self, c1: usize, partners: &[usize], f: &mut dyn FnMut(usize, &[Pixel]) -> Result<()>) -> Result<()> {
        // One pass over c1's rows (upper triangle: its trans pixels lie with later chromosomes),
        // each pixel sent to its partner's list. The lists go to temporary files past
        // the spill budget: chr1 of a 10 kb map can hold over 100 M trans pixels (1.6 GB).
        let (lo, hi) = (self.chrom_offset[c1] as i64, self.chrom_offset[c1 + 1] as i64);
        let mut slot = vec![usize::MAX; self.chroms.len()];
        for (k, &c2) in partners.iter().enumerate() {
            slot[c2] = k;
        }
        let mut lists = PartnerLists::new(partners.len(), &self.spill);
        let mut repeated = None;
        let mut row = usize::MAX;
        let (offsets, first_bin) = (&self.chrom_offset, &self.first_bin);
        // Global bin -> chromosome, by the offsets (sorted).
        let chrom_of = |b: i64| offsets.partition_point(|&o| o as i64 <= b) - 1;
        self.scan_rows(c1, &mut |event| {
            // Intra-chromosomal pixels (bin2 before the next chromosome) and slice ends pass.
            if let Scanned::Pixel(px) = event {
                if px.row != row {
                    row = px.row;
                    repeated = repeated.or(lists.end_row()?);
                }
                let c2 = if px.by >= hi { chrom_of(px.by) } else { c1 };
                if c2 != c1 && slot[c2] != usize::MAX {
                    let i = (px.bx - lo + first_bin[c1] as i64) as u32;
                    let j = (px.by - offsets[c2] as i64 + first_bin[c2] as i64) as u32;
                    lists.push(slot[c2], Pixel { i, j, count: px.count });
                }
            }
            Ok(())
        })?;
        if let Some((k, p)) = repeated.or(lists.end_row()?) {
            return Err(Error::format(
                &self.path,
                Location::Object(self.ctx("pixels")),
                format!("pixel ({}, {}) between {} and {} appears twice", p.i, p.j, self.chroms[c1].name, self.chroms[partners[k]].name),
            ));
        }
        lists.emit(f)
    }
}

/// One chromosome's trans pixels, one list per partner, appended row by row.
struct PartnerLists {
    lists: SpillLists,
    /// Where each list's current row starts among its held pixels.
    row_start: Vec<usize>,
    /// Lists the current row has added to.
    touched: Vec<usize>,
}

impl PartnerLists {
    fn new(n: usize, spill: &Spill) -> Self {
        PartnerLists { lists: SpillLists::new(n, spill), row_start: vec![0; n], touched: Vec::new() }
    }

    fn push(&mut self, k: usize, p: Pixel) {
        if self.lists.held_mut(k).len() == self.row_start[k] {
            self.touched.push(k);
        }
        self.lists.push(k, p);
    }

    /// Ends a row: sorts its pixels in each list (a legacy cooler may leave bin2 unsorted within
    /// a row; rows themselves come in order, so each list stays sorted by (i, j)) and reports a
    /// repeated pixel; the lists spill past their budget only here, between rows.
    fn end_row(&mut self) -> Result<Option<(usize, Pixel)>> {
        let mut repeated = None;
        let touched = std::mem::take(&mut self.touched);
        for &k in &touched {
            let start = self.row_start[k];
            let row = &mut self.lists.held_mut(k)[start..];
            if !row.is_sorted_by_key(|p| p.j) {
                row.sort_by_key(|p| p.j);
            }
            if let Some(w) = row.windows(2).find(|w| w[0].j == w[1].j) {
                repeated = repeated.or(Some((k, w[0])));
            }
        }
        // Only the lists this row touched moved on, unless all were spilled (emptied): a genome of
        // many scaffolds has thousands of partners, and most rows touch few of them.
        if self.lists.spill_if_over()? {
            self.row_start.fill(0);
        } else {
            for k in touched {
                self.row_start[k] = self.lists.held_mut(k).len();
            }
        }
        Ok(repeated)
    }

    /// Hands each list to `f`, in order, in chunks.
    fn emit(mut self, f: &mut dyn FnMut(usize, &[Pixel]) -> Result<()>) -> Result<()> {
        for k in 0..self.row_start.len() {
            self.lists.for_each(k, &mut |px| f(k, px))?;
        }
        Ok(())
    }
}

/// What [`CoolSource::scan_rows`] reports: a pixel, or the end of a slice (`q`: the position
/// after it; `last`: the chromosome's last).
enum Scanned {
    Pixel(RawPixel),
    SliceEnd { q: usize, last: bool },
}

/// One pixel of a chromosome's rows as [`CoolSource::scan_rows`] reads it.
struct RawPixel {
    /// Position in the pixels datasets.
    q: usize,
    /// Row within the chromosome (0-based).
    row: usize,
    /// bin1_id and bin2_id (rows of the bins table) and the count.
    bx: i64,
    by: i64,
    count: f64,
}

impl CoolSource {
    /// Reads the pixels of chromosome `chrom`'s rows in slices of [`SLICE`], checking each
    /// (bin1 where the index puts it, bin2 within the bins table and not below bin1, the count
    /// finite and not negative), and calls `each` with every pixel and every slice's end.
    fn scan_rows(&self, chrom: usize, each: &mut dyn FnMut(Scanned) -> Result<()>) -> Result<()> {
        let (lo, hi) = (self.chrom_offset[chrom], self.chrom_offset[chrom + 1]);
        let idx = self.group.dataset("indexes/bin1_offset").map_err(|e| h5err(&self.path, &self.ctx("indexes/bin1_offset"), e))?;
        // Row r of the chromosome holds pixels bounds[r]..bounds[r + 1] (checked monotonic at open).
        let bounds: Vec<i64> =
            idx.read_slice_1d::<i64, _>(lo as usize..hi as usize + 1).map_err(|e| h5err(&self.path, &self.ctx("indexes/bin1_offset"), e))?.to_vec();
        let (p0, p1) = (bounds[0] as usize, bounds[bounds.len() - 1] as usize);
        let b1 = self.group.dataset("pixels/bin1_id").map_err(|e| h5err(&self.path, &self.ctx("pixels/bin1_id"), e))?;
        let b2 = self.group.dataset("pixels/bin2_id").map_err(|e| h5err(&self.path, &self.ctx("pixels/bin2_id"), e))?;
        let cnt = self.group.dataset("pixels/count").map_err(|e| h5err(&self.path, &self.ctx("pixels/count"), e))?;
        let at = |q: usize, what: &str| Location::Object(format!("{} row {q}", self.ctx(what)));
        let mut row = 0usize;
        let mut start = p0;
        while start < p1 {
            let end = (start + SLICE).min(p1);
            let x = b1.read_slice_1d::<i64, _>(start..end).map_err(|e| h5err(&self.path, &self.ctx("pixels/bin1_id"), e))?;
            let y = b2.read_slice_1d::<i64, _>(start..end).map_err(|e| h5err(&self.path, &self.ctx("pixels/bin2_id"), e))?;
            let c = cnt.read_slice_1d::<f64, _>(start..end).map_err(|e| h5err(&self.path, &self.ctx("pixels/count"), e))?;
            for k in 0..x.len() {
                let q = start + k;
                while q as i64 >= bounds[row + 1] {
                    row += 1;
                }
                let (bx, by) = (x[k], y[k]);
                if bx != lo as i64 + row as i64 {
                    return Err(Error::format(
                        &self.path,
                        at(q, "pixels/bin1_id"),
                        format!("bin1_id {bx} where indexes/bin1_offset puts the pixel in row {}: damaged index or pixels", lo as usize + row),
                    ));
                }
                if by < 0 || by as u64 >= self.n_bins {
                    return Err(Error::format(&self.path, at(q, "pixels/bin2_id"), format!("bin2_id {by} outside the bins table's {} rows", self.n_bins)));
                }
                if !(c[k] >= 0.0 && c[k].is_finite()) {
                    return Err(Error::format(&self.path, at(q, "pixels/count"), format!("count {} is negative or not finite", c[k])));
                }
                if by < bx {
                    return Err(Error::format(&self.path, at(q, "pixels"), "pixel not in the upper triangle: not a symmetric-upper cooler"));
                }
                each(Scanned::Pixel(RawPixel { q, row, bx, by, count: c[k] }))?;
            }
            each(Scanned::SliceEnd { q: end, last: end == p1 })?;
            start = end;
        }
        Ok(())
    }
}

//! cooler `.cool` and multi-resolution `.mcool` writers (HDF5, through the same libhdf5 as the
//! reader), for maps that HiGlass, `cooler show`, cooltools and hictk open as they open any other.
//!
//! The layout is cooler's schema, format version 3, `symmetric-upper` storage: `chroms/`
//! (`name` fixed-length ASCII, `length` int32), `bins/` (`chrom` an HDF5 enum of the chromosome
//! names, `start`/`end` int32), `pixels/` (`bin1_id`/`bin2_id` int64, `count`), `indexes/`
//! (`chrom_offset`, `bin1_offset`, int64). Values are floats: `count` is float64 and the file's
//! `metadata` attribute (JSON) names what it holds and the normalization it is in.
//!
//! Pixels arrive one at a time, sorted by chromosome (in the genome's order), i, j, with i <= j;
//! they are written in chunks, so memory holds one chunk and, per resolution, one row of the
//! coarser map. An `.mcool` holds the base resolution and coarser ones at base * 2^k, as
//! `cooler zoomify`'s default progression (until the whole genome fits in 256 bins), each built
//! in the same pass by summing the base pixels that fall in a coarse pixel.

use crate::error::{Error, Result};
use crate::genome::BinMap;
use crate::output::AtomicFile;
use hdf5::types::{EnumMember, EnumType, FixedAscii, IntSize, TypeDescriptor, VarLenUnicode};
use std::path::{Path, PathBuf};

/// Pixels buffered per resolution before a write to the HDF5 datasets.
const FLUSH: usize = 1 << 18;
/// HDF5 chunk length (elements) of the pixel datasets.
const CHUNK: usize = 1 << 16;
/// Bins per tile side in HiGlass: the coarsest `.mcool` level shows the genome in one tile.
const TILE_BINS: u64 = 256;
/// Longest chromosome name written (`chroms/name` is fixed-length ASCII).
const MAX_NAME: usize = 64;

/// Single- or multi-resolution cooler.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoolerFormat {
    /// One resolution (`.cool`).
    Cool,
    /// The base resolution and coarser ones under `/resolutions/N` (`.mcool`), for HiGlass.
    Mcool,
}

impl CoolerFormat {
    /// File extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            CoolerFormat::Cool => "cool",
            CoolerFormat::Mcool => "mcool",
        }
    }
}

/// `PREFIX.MAP.EXT` beside a table output: the table's name loses `.parquet` and its kind's
/// suffix (`.predictions`, `.perturbations`), e.g. `toy.predictions.parquet` with map
/// `predicted` -> `toy.predicted.mcool`.
pub fn path_beside(table: &Path, suffix: &str, map: &str, format: CoolerFormat) -> PathBuf {
    let name = table.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = name.strip_suffix(".parquet").unwrap_or(&name);
    let stem = stem.strip_suffix(suffix).unwrap_or(stem);
    table.with_file_name(format!("{stem}.{map}.{}", format.extension()))
}

/// Resolutions of an `.mcool` of a genome at `base` bp: base * 2^k, from k = 0 until the whole
/// genome fits in [`TILE_BINS`] bins (`cooler zoomify`'s default binary progression).
pub fn zoom_resolutions(base: u32, genome_bp: u64) -> Vec<u32> {
    let mut out = vec![base];
    let mut r = base as u64;
    while genome_bp.div_ceil(r) > TILE_BINS && r * 2 <= u32::MAX as u64 {
        r *= 2;
        out.push(r as u32);
    }
    out
}

fn h5(path: &Path, what: &str, e: hdf5::Error) -> Error {
    Error::output_io(path, std::io::Error::other(format!("{what}: {e}")))
}

/// One resolution being written: its datasets, buffers, and the coarse row being summed.
struct Level {
    /// The group holding this resolution (the file's root for a `.cool`).
    group: hdf5::Group,
    factor: u32,
    bins: BinMap,
    bin1: hdf5::Dataset,
    bin2: hdf5::Dataset,
    count: hdf5::Dataset,
    buf1: Vec<i64>,
    buf2: Vec<i64>,
    bufc: Vec<f64>,
    written: usize,
    /// Pixels per genome-wide row (for `indexes/bin1_offset`).
    per_row: Vec<i64>,
    /// The coarse row being summed: chromosome, row, and its values by column (dense over the
    /// chromosome's coarse bins, with the touched columns listed).
    row: Option<(usize, u32)>,
    acc: Vec<f64>,
    seen: Vec<bool>,
    touched: Vec<u32>,
}

impl Level {
    fn create(path: &Path, g: hdf5::Group, bins: BinMap, factor: u32, genome: &GenomeAttrs) -> Result<Level> {
        write_layout(path, &g, &bins, genome)?;
        let px = g.create_group("pixels").map_err(|e| h5(path, "pixels", e))?;
        g.create_group("indexes").map_err(|e| h5(path, "indexes", e))?;
        let ds = |name: &str, float: bool| {
            let b = px.new_dataset_builder().chunk(CHUNK).shuffle().deflate(6);
            let b = if float { b.empty::<f64>() } else { b.empty::<i64>() };
            b.shape(0..).create(name).map_err(|e| h5(path, &format!("pixels/{name}"), e))
        };
        let n_rows = bins.chroms.iter().map(|c| c.n_bins).sum();
        Ok(Level {
            group: g,
            factor,
            bin1: ds("bin1_id", false)?,
            bin2: ds("bin2_id", false)?,
            count: ds("count", true)?,
            buf1: Vec::new(),
            buf2: Vec::new(),
            bufc: Vec::new(),
            written: 0,
            per_row: vec![0; n_rows],
            row: None,
            acc: Vec::new(),
            seen: Vec::new(),
            touched: Vec::new(),
            bins,
        })
    }

    fn push(&mut self, path: &Path, chrom: usize, i: u32, j: u32, v: f64) -> Result<()> {
        let (ci, cj) = (i / self.factor, j / self.factor);
        if self.row != Some((chrom, ci)) {
            self.end_row(path)?;
            if self.row.is_none_or(|r| r.0 != chrom) {
                self.acc = vec![0.0; self.bins.chroms[chrom].n_bins];
                self.seen = vec![false; self.bins.chroms[chrom].n_bins];
            }
            self.row = Some((chrom, ci));
        }
        if !std::mem::replace(&mut self.seen[cj as usize], true) {
            self.touched.push(cj);
        }
        self.acc[cj as usize] += v;
        Ok(())
    }

    /// Emits the coarse row being summed, columns in order.
    fn end_row(&mut self, path: &Path) -> Result<()> {
        let Some((chrom, ci)) = self.row else { return Ok(()) };
        let off = self.bins.chroms[chrom].offset as i64;
        self.touched.sort_unstable();
        for &cj in &self.touched {
            self.buf1.push(off + ci as i64);
            self.buf2.push(off + cj as i64);
            self.bufc.push(std::mem::take(&mut self.acc[cj as usize]));
            self.seen[cj as usize] = false;
        }
        self.per_row[(off + ci as i64) as usize] += self.touched.len() as i64;
        self.touched.clear();
        if self.buf1.len() >= FLUSH {
            self.flush(path)?;
        }
        Ok(())
    }

    fn flush(&mut self, path: &Path) -> Result<()> {
        let (a, b) = (self.written, self.written + self.buf1.len());
        if a == b {
            return Ok(());
        }
        for (ds, name) in [(&self.bin1, "bin1_id"), (&self.bin2, "bin2_id"), (&self.count, "count")] {
            ds.resize(b).map_err(|e| h5(path, &format!("pixels/{name}"), e))?;
        }
        let w = |r: hdf5::Result<()>, name: &str| r.map_err(|e| h5(path, &format!("pixels/{name}"), e));
        w(self.bin1.write_slice(&self.buf1, a..b), "bin1_id")?;
        w(self.bin2.write_slice(&self.buf2, a..b), "bin2_id")?;
        w(self.count.write_slice(&self.bufc, a..b), "count")?;
        self.written = b;
        self.buf1.clear();
        self.buf2.clear();
        self.bufc.clear();
        Ok(())
    }

    fn finish(mut self, path: &Path) -> Result<()> {
        self.end_row(path)?;
        self.flush(path)?;
        let g = &self.group;
        let mut chrom_offset: Vec<i64> = self.bins.chroms.iter().map(|c| c.offset as i64).collect();
        chrom_offset.push(self.per_row.len() as i64);
        let mut bin1_offset = Vec::with_capacity(self.per_row.len() + 1);
        let mut acc = 0i64;
        bin1_offset.push(0);
        for n in &self.per_row {
            acc += n;
            bin1_offset.push(acc);
        }
        let idx = |name: &str, v: &[i64]| {
            g.new_dataset_builder().with_data(v).create(format!("indexes/{name}").as_str()).map_err(|e| h5(path, &format!("indexes/{name}"), e))
        };
        idx("chrom_offset", &chrom_offset)?;
        idx("bin1_offset", &bin1_offset)?;
        attr_int(path, g, "nnz", self.written as i64)
    }
}

/// What every resolution's attributes repeat.
struct GenomeAttrs {
    assembly: Option<String>,
    metadata: String,
}

fn attr_str(path: &Path, g: &hdf5::Location, name: &str, v: &str) -> Result<()> {
    let s: VarLenUnicode = v.parse().map_err(|e| Error::output_io(path, std::io::Error::other(format!("attribute {name}: {e:?}"))))?;
    g.new_attr::<VarLenUnicode>().create(name).and_then(|a| a.write_scalar(&s)).map_err(|e| h5(path, name, e))
}

fn attr_int(path: &Path, g: &hdf5::Location, name: &str, v: i64) -> Result<()> {
    g.new_attr::<i64>().create(name).and_then(|a| a.write_scalar(&v)).map_err(|e| h5(path, name, e))
}

/// The chroms and bins tables and the root attributes of one resolution.
fn write_layout(path: &Path, g: &hdf5::Group, bins: &BinMap, genome: &GenomeAttrs) -> Result<()> {
    let mut names = Vec::with_capacity(bins.chroms.len());
    let mut lengths = Vec::with_capacity(bins.chroms.len());
    for c in &bins.chroms {
        let name = FixedAscii::<MAX_NAME>::from_ascii(c.name.as_bytes()).map_err(|_| {
            Error::InvalidArgument(format!("chromosome name '{}' cannot be written to a cooler (ASCII, at most {MAX_NAME} characters)", c.name))
        })?;
        names.push(name);
        lengths.push(i32::try_from(c.length).map_err(|_| Error::InvalidArgument(format!("{}: {} bp does not fit cooler's int32 lengths", c.name, c.length)))?);
    }
    g.create_group("chroms").map_err(|e| h5(path, "chroms", e))?;
    g.new_dataset_builder().with_data(&names).create("chroms/name").map_err(|e| h5(path, "chroms/name", e))?;
    g.new_dataset_builder().with_data(&lengths).create("chroms/length").map_err(|e| h5(path, "chroms/length", e))?;
    let n: usize = bins.chroms.iter().map(|c| c.n_bins).sum();
    let (mut chrom, mut start, mut end) = (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    let res = bins.resolution as i64;
    for (k, c) in bins.chroms.iter().enumerate() {
        for b in 0..c.n_bins as i64 {
            chrom.push(k as i32);
            start.push((b * res) as i32);
            end.push(((b + 1) * res).min(c.length as i64) as i32);
        }
    }
    g.create_group("bins").map_err(|e| h5(path, "bins", e))?;
    write_chrom_enum(path, g, bins, &chrom)?;
    g.new_dataset_builder().with_data(&start).create("bins/start").map_err(|e| h5(path, "bins/start", e))?;
    g.new_dataset_builder().with_data(&end).create("bins/end").map_err(|e| h5(path, "bins/end", e))?;
    attr_str(path, g, "format", "HDF5::Cooler")?;
    attr_int(path, g, "format-version", 3)?;
    attr_str(path, g, "format-url", "https://github.com/open2c/cooler")?;
    attr_str(path, g, "bin-type", "fixed")?;
    attr_int(path, g, "bin-size", res)?;
    attr_str(path, g, "storage-mode", "symmetric-upper")?;
    attr_int(path, g, "nchroms", bins.chroms.len() as i64)?;
    attr_int(path, g, "nbins", n as i64)?;
    attr_str(path, g, "generated-by", &crate::tables::producer())?;
    // No `creation-date`: the same inputs give the same file content (cooler treats it as optional).
    if let Some(a) = &genome.assembly {
        attr_str(path, g, "assembly", a)?;
    }
    attr_str(path, g, "metadata", &genome.metadata)
}

/// `bins/chrom` as cooler writes it: an HDF5 enum (int32 base) whose members are the chromosome
/// names, so that readers see names, not numbers. libhdf5 converts no integer to an enum, so the
/// values are written with the enum itself as the memory type.
fn write_chrom_enum(path: &Path, g: &hdf5::Group, bins: &BinMap, ids: &[i32]) -> Result<()> {
    let members = bins.chroms.iter().enumerate().map(|(k, c)| EnumMember { name: c.name.clone(), value: k as u64 }).collect();
    let td = TypeDescriptor::Enum(EnumType { size: IntSize::U4, signed: true, members });
    let ds = g.new_dataset_builder().empty_as(&td).shape(ids.len()).create("bins/chrom").map_err(|e| h5(path, "bins/chrom", e))?;
    if ids.is_empty() {
        return Ok(());
    }
    let dtype = hdf5::Datatype::from_descriptor(&td).map_err(|e| h5(path, "bins/chrom", e))?;
    // SAFETY: `ids` holds `ids.len()` int32 values, the size and layout of the enum's base type,
    // and the dataset's extent is exactly `ids.len()` (whole-dataset selection).
    let rc = hdf5::sync::sync(|| unsafe {
        hdf5_sys::h5d::H5Dwrite(ds.id(), dtype.id(), hdf5_sys::h5s::H5S_ALL, hdf5_sys::h5s::H5S_ALL, hdf5_sys::h5p::H5P_DEFAULT, ids.as_ptr().cast())
    });
    if rc < 0 {
        return Err(Error::output_io(path, std::io::Error::other("bins/chrom: HDF5 write failed")));
    }
    Ok(())
}

/// A cooler file being written from a stream of pixels; nothing appears at its path until
/// [`CoolerWriter::finish`]'s file is committed.
pub struct CoolerWriter {
    out: AtomicFile,
    file: Option<hdf5::File>,
    levels: Vec<Level>,
    chroms: Vec<String>,
    /// Chromosome, i, j of the last pixel pushed (order check).
    last: Option<(usize, u32, u32)>,
    /// Index of the chromosome named in the previous push (names repeat for long runs).
    cur: usize,
    pixels: u64,
}

/// What a cooler file holds, for its `metadata` attribute.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CoolerContent {
    /// What `count` is, e.g. `predicted_value`.
    pub value: String,
    /// Units and meaning of `count`, one sentence.
    pub description: String,
    /// Normalization of the contacts the values are in (`NONE`, `balanced`, `KR`, ...).
    pub normalization: String,
    /// The program's parameters.
    pub params: serde_json::Value,
}

impl CoolerWriter {
    /// Starts a cooler at `path` for the genome `bins` (its chromosomes, lengths and base
    /// resolution). Fails before writing anything if `path` exists without `force`.
    pub fn create(path: &Path, bins: &BinMap, format: CoolerFormat, content: &CoolerContent, assembly: Option<&str>, force: bool) -> Result<Self> {
        if bins.chroms.is_empty() {
            return Err(Error::InvalidArgument(format!("{}: a cooler needs at least one chromosome", path.display())));
        }
        let out = AtomicFile::create(path, force)?;
        let file = hdf5::File::create(out.temp_path()).map_err(|e| h5(path, "create", e))?;
        let genome = GenomeAttrs {
            assembly: assembly.filter(|a| !a.is_empty() && *a != "unknown").map(str::to_string),
            metadata: serde_json::json!({ "hiclstm": content }).to_string(),
        };
        let genome_bp: u64 = bins.chroms.iter().map(|c| c.length).sum();
        let resolutions = match format {
            CoolerFormat::Cool => vec![bins.resolution],
            CoolerFormat::Mcool => zoom_resolutions(bins.resolution, genome_bp),
        };
        let root = file.group("/").map_err(|e| h5(path, "/", e))?;
        if format == CoolerFormat::Mcool {
            attr_str(path, &root, "format", "HDF5::MCOOL")?;
            attr_int(path, &root, "format-version", 2)?;
            root.create_group("resolutions").map_err(|e| h5(path, "resolutions", e))?;
        }
        let mut levels = Vec::new();
        for r in resolutions {
            let g = match format {
                CoolerFormat::Cool => root.clone(),
                CoolerFormat::Mcool => root.create_group(&format!("resolutions/{r}")).map_err(|e| h5(path, &format!("resolutions/{r}"), e))?,
            };
            let mut coarse = BinMap::new(r);
            for c in &bins.chroms {
                coarse.push(&c.name, c.length);
            }
            levels.push(Level::create(path, g, coarse, r / bins.resolution, &genome)?);
        }
        Ok(CoolerWriter { out, file: Some(file), levels, chroms: bins.chroms.iter().map(|c| c.name.clone()).collect(), last: None, cur: 0, pixels: 0 })
    }

    /// Adds one pixel: bins `i <= j` of chromosome `chrom`, in (chromosome, i, j) order; NaN values
    /// are left out (no pixel).
    pub fn push(&mut self, chrom: &str, i: u32, j: u32, value: f64) -> Result<()> {
        if value.is_nan() {
            return Ok(());
        }
        if self.chroms[self.cur] != chrom {
            self.cur = self.chroms.iter().position(|c| c == chrom).ok_or_else(|| {
                Error::InvalidArgument(format!("{}: chromosome '{chrom}' is not in the map's genome ({})", self.out.path().display(), self.chroms.join(", ")))
            })?;
        }
        let c = self.cur;
        let n = self.levels[0].bins.chroms[c].n_bins as u32;
        if i > j || j >= n {
            return Err(Error::Internal(format!("{}: pixel ({i}, {j}) of {chrom} outside the upper triangle of its {n} bins", self.out.path().display())));
        }
        if self.last.is_some_and(|l| l >= (c, i, j)) {
            return Err(Error::Internal(format!("{}: pixels of {chrom} not sorted at ({i}, {j})", self.out.path().display())));
        }
        self.last = Some((c, i, j));
        self.pixels += 1;
        let path = self.out.path().to_path_buf();
        for l in &mut self.levels {
            l.push(&path, c, i, j, value)?;
        }
        Ok(())
    }

    /// Pixels pushed (base resolution).
    pub fn pixels(&self) -> u64 {
        self.pixels
    }

    /// Writes the indexes, closes the file and hands it over for committing with the step's other
    /// outputs.
    pub fn finish(mut self) -> Result<AtomicFile> {
        let path = self.out.path().to_path_buf();
        for l in std::mem::take(&mut self.levels) {
            l.finish(&path)?;
        }
        if let Some(f) = self.file.take() {
            f.close().map_err(|e| h5(&path, "close", e))?;
        }
        Ok(self.out)
    }
}

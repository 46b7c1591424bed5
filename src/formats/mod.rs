//! Readers of Hi-C file formats (and the cooler writer, [`cool_writer`]). Each reader module parses one format; all of them present the same
//! [`ContactSource`] view: chromosomes, a resolution, optional normalization weights, and the
//! upper-triangle intra-chromosomal pixels of one chromosome at a time, sorted by (i, j).

pub mod bed;
pub mod bigwig;
pub mod binary;
pub mod cool;
pub mod cool_writer;
pub mod hic;
pub mod juicer_text;
pub mod pairs;
pub mod spill;
pub mod text;

use crate::error::{Error, Result};
use crate::genome::Chrom;
use std::path::{Path, PathBuf};

/// One pixel of an intra-chromosomal map: bins `i <= j`, raw count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pixel {
    /// Row bin, 0-based within the chromosome; `i <= j`.
    pub i: u32,
    /// Column bin, 0-based within the chromosome.
    pub j: u32,
    /// Raw contact count (may be fractional in .hic and juicer text).
    pub count: f64,
}

/// An opened Hi-C map at one resolution and normalization, read one chromosome at a time.
pub trait ContactSource {
    /// The input file (for an `.mcool`, the file without its `::` group).
    fn path(&self) -> &Path;
    /// Every chromosome of the file, in file order (a `.hic` file's `All` included); the `chrom`
    /// arguments of the other methods index this list.
    fn chroms(&self) -> &[Chrom];
    /// Bin size, bp.
    fn resolution(&self) -> u32;
    /// Genome assembly recorded in the file, if any.
    fn assembly(&self) -> Option<String>;
    /// Name of the normalization applied by [`ContactSource::weights`] (`NONE` for raw counts).
    fn normalization(&self) -> &str;
    /// Per-bin multiplicative weights of the chosen normalization (value = count * w_i * w_j;
    /// NaN where undefined), or `None` for raw counts.
    fn weights(&mut self, chrom: usize) -> Result<Option<Vec<f64>>>;
    /// Calls `f` with consecutive chunks of the upper-triangle pixels of chromosome `chrom`,
    /// sorted by (i, j), with no duplicates.
    fn for_each_chunk(&mut self, chrom: usize, f: &mut dyn FnMut(&[Pixel]) -> Result<()>) -> Result<()>;
    /// Calls `f(k, chunk)` with the inter-chromosomal pixels between chromosome `c1` and
    /// `partners[k]` (chromosomes after `c1` in [`ContactSource::chroms`]), `i` on `c1` and `j`
    /// on the partner: partner by partner in the order given, each partner's pixels in one or
    /// more consecutive chunks, sorted by (i, j) across them, no duplicates. Memory is bounded
    /// by one chromosome pair, not by `c1`'s rows (a 10 kb map holds up to a billion trans
    /// pixels): `.hic` reads one pair at a time, `.cool` spills to a temporary file.
    fn trans(&mut self, c1: usize, partners: &[usize], f: &mut dyn FnMut(usize, &[Pixel]) -> Result<()>) -> Result<()>;
}

/// Input formats `hiclstm-import` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Juicer `.hic`, versions 8 and 9.
    Hic,
    /// cooler `.cool`, or one resolution of an `.mcool` (`file.mcool::/resolutions/N`).
    Cool,
    /// 4DN `.pairs` / `.pairs.gz`.
    Pairs,
    /// HiC-Pro `.validPairs` (also single-cell variants with a barcode column).
    ValidPairs,
    /// juicer `dump` text: `start_i start_j value`, one chromosome per file.
    JuicerText,
}

impl Format {
    /// Guesses the format from the file name (`::` URIs of mcool files included).
    pub fn detect(path: &str) -> Option<Format> {
        let p = path.split("::").next().unwrap_or(path).to_ascii_lowercase();
        let p = p.strip_suffix(".gz").unwrap_or(&p);
        if p.ends_with(".hic") {
            Some(Format::Hic)
        } else if p.ends_with(".cool") || p.ends_with(".mcool") {
            Some(Format::Cool)
        } else if p.ends_with(".pairs") || p.ends_with(".pairsam") {
            Some(Format::Pairs)
        } else if p.ends_with(".validpairs") || p.ends_with(".allvalidpairs") {
            Some(Format::ValidPairs)
        } else if p.ends_with(".txt") || p.ends_with(".tsv") {
            Some(Format::JuicerText)
        } else {
            None
        }
    }
}

/// Everything needed to open an input.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Bin size, bp: required for pairs and text input; for `.hic` and `.mcool` needed only when the
    /// file holds several.
    pub resolution: Option<u32>,
    /// `NONE` (raw counts) unless set.
    pub normalization: Option<String>,
    /// `name<TAB>length` file, for formats that carry no chromosome sizes.
    pub chrom_sizes: Option<PathBuf>,
    /// juicer text: the chromosome the file holds.
    pub chrom: Option<String>,
    /// Single-cell options of pairs and validPairs input.
    pub pairs: pairs::PairsOptions,
    /// Keep inter-chromosomal pairs of pairs and validPairs input (for the trans table); binary
    /// formats read them on demand.
    pub trans: bool,
    /// When and where readers spill pixels they cannot hold to a temporary file ([`spill`]).
    pub spill: spill::Spill,
}

/// Opens `path` (an `.mcool` may name its group: `file.mcool::/resolutions/N`) as `format`, or as
/// the format its name suggests; text formats are read through and binned here (in bounded
/// memory: [`spill`]).
pub fn open(path: &str, format: Option<Format>, opts: &OpenOptions) -> Result<Box<dyn ContactSource>> {
    let format = match format.or_else(|| Format::detect(path)) {
        Some(f) => f,
        None => {
            return Err(Error::InvalidArgument(format!(
                "{path}: cannot tell the format from the file name; pass --format (hic, cool, pairs, valid-pairs, juicer-text)"
            )))
        }
    };
    let norm = opts.normalization.clone().unwrap_or_else(|| "NONE".to_string());
    match format {
        Format::Hic => {
            let mut src = hic::HicSource::open(Path::new(path), opts.resolution, &norm)?;
            src.set_spill(opts.spill.clone());
            Ok(Box::new(src))
        }
        Format::Cool => {
            let mut src = cool::CoolSource::open(path, opts.resolution, &norm)?;
            src.set_spill(opts.spill.clone());
            Ok(Box::new(src))
        }
        Format::Pairs | Format::ValidPairs | Format::JuicerText => {
            if !norm.eq_ignore_ascii_case("NONE") {
                return Err(Error::InvalidArgument(format!(
                    "{path}: normalization '{norm}' is not available for {format:?} input, which holds raw contacts only (use NONE)"
                )));
            }
            let res = opts.resolution.ok_or_else(|| Error::InvalidArgument(format!("{path}: --resolution is required for {format:?} input")))?;
            if res == 0 {
                return Err(Error::InvalidArgument("--resolution must be positive".into()));
            }
            match format {
                Format::JuicerText => Ok(Box::new(juicer_text::read(Path::new(path), res, opts)?)),
                f => Ok(Box::new(pairs::read(Path::new(path), f == Format::ValidPairs, res, opts)?)),
            }
        }
    }
}

/// A map binned from text (pairs, validPairs, juicer dump text) into [`spill::BinnedCounts`].
pub struct BinnedSource {
    path: PathBuf,
    chroms: Vec<Chrom>,
    resolution: u32,
    assembly: Option<String>,
    counts: spill::BinnedCounts,
    /// The counts group of each chromosome.
    cis: Vec<usize>,
    /// The counts group of each chromosome pair (c1 < c2, `i` on c1) with trans contacts; `None`
    /// where they were not kept or the format has none (juicer text: one chromosome per file).
    trans: Option<std::collections::BTreeMap<(usize, usize), usize>>,
}

impl ContactSource for BinnedSource {
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
        self.assembly.clone()
    }
    fn normalization(&self) -> &str {
        "NONE"
    }
    fn weights(&mut self, _chrom: usize) -> Result<Option<Vec<f64>>> {
        Ok(None)
    }
    fn for_each_chunk(&mut self, chrom: usize, f: &mut dyn FnMut(&[Pixel]) -> Result<()>) -> Result<()> {
        self.counts.for_each_chunk(self.cis[chrom], f)
    }
    fn trans(&mut self, c1: usize, partners: &[usize], f: &mut dyn FnMut(usize, &[Pixel]) -> Result<()>) -> Result<()> {
        let Some(t) = &self.trans else {
            return Err(Error::InvalidArgument(format!(
                "{}: no inter-chromosomal contacts were read (juicer text holds one chromosome per file)",
                self.path.display()
            )));
        };
        for (k, &c2) in partners.iter().enumerate() {
            match t.get(&(c1, c2)) {
                Some(&g) => self.counts.for_each_chunk(g, &mut |px| f(k, px))?,
                None => f(k, &[])?,
            }
        }
        Ok(())
    }
}

/// Reads a `name<TAB>length` chromosome sizes file (UCSC `.chrom.sizes`).
pub fn read_chrom_sizes(path: &Path) -> Result<Vec<Chrom>> {
    use crate::error::Location;
    let text = std::fs::read_to_string(path).map_err(|e| Error::input_io(path, e))?;
    let mut out: Vec<Chrom> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut it = line.split_whitespace();
        let (Some(name), Some(len)) = (it.next(), it.next()) else {
            return Err(Error::format(path, Location::Line { line: n as u64 + 1, column: None }, "expected 'name<TAB>length'"));
        };
        let len: u64 = len
            .parse()
            .map_err(|_| Error::format(path, Location::Line { line: n as u64 + 1, column: Some(2) }, format!("length '{len}' is not a positive integer")))?;
        if out.iter().any(|c| c.name == name) {
            return Err(Error::format(path, Location::Line { line: n as u64 + 1, column: Some(1) }, format!("chromosome '{name}' listed twice")));
        }
        out.push(Chrom::new(name, len));
    }
    if out.is_empty() {
        return Err(Error::format(path, Location::None, "no chromosomes listed"));
    }
    Ok(out)
}

/// Sorts pixels by (i, j) and merges duplicates by summing.
pub fn sort_and_merge(px: &mut Vec<Pixel>) {
    px.sort_unstable_by_key(|p| ((p.i as u64) << 32) | p.j as u64);
    px.dedup_by(|b, a| {
        if a.i == b.i && a.j == b.j {
            a.count += b.count;
            true
        } else {
            false
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_from_names_and_uris() {
        assert_eq!(Format::detect("a.hic"), Some(Format::Hic));
        assert_eq!(Format::detect("x.mcool::/resolutions/10000"), Some(Format::Cool));
        assert_eq!(Format::detect("x.PAIRS.gz"), Some(Format::Pairs));
        assert_eq!(Format::detect("x.allValidPairs"), Some(Format::ValidPairs));
        assert_eq!(Format::detect("x.bam"), None);
    }

    #[test]
    fn chrom_sizes_lines_are_checked() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s");
        std::fs::write(&p, "# sizes\nchr1\t100\n\nchr2 50\n").unwrap();
        assert_eq!(read_chrom_sizes(&p).unwrap(), vec![Chrom::new("chr1", 100), Chrom::new("chr2", 50)]);
        for (text, needle) in [
            ("chr1\n", "line 1: expected"),
            ("chr1\tx\n", "line 1, column 2"),
            ("chr1\t1\nchr1\t2\n", "line 2, column 1: chromosome 'chr1' listed twice"),
            ("", "no chromosomes"),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = read_chrom_sizes(&p).unwrap_err().to_string();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }
}

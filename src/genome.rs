//! Chromosomes, their names and selections, bins and `chr:start-end` regions.

use crate::error::{Error, Result};

/// A chromosome: its name as the input spells it and its length.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Chrom {
    /// Name as the input spells it (`chr1` or `1`).
    pub name: String,
    /// Length, bp.
    pub length: u64,
}

impl Chrom {
    /// A chromosome `name` of `length` bp.
    pub fn new(name: impl Into<String>, length: u64) -> Self {
        Chrom { name: name.into(), length }
    }
    /// Number of bins of `resolution` bp; the last one may be shorter.
    pub fn n_bins(&self, resolution: u32) -> u32 {
        self.length.div_ceil(resolution as u64) as u32
    }
}

/// The strand of a feature (BED column 6, a CTCF motif's orientation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Strand {
    /// `+`
    Forward,
    /// `-`
    Reverse,
}

impl Strand {
    /// The BED spelling: `+` or `-` (`.` and anything else: no strand).
    pub fn from_bed(s: &str) -> Option<Strand> {
        match s.chars().next() {
            Some('+') => Some(Strand::Forward),
            Some('-') => Some(Strand::Reverse),
            _ => None,
        }
    }
    /// The BED spelling: `+` or `-`.
    pub fn as_char(self) -> char {
        match self {
            Strand::Forward => '+',
            Strand::Reverse => '-',
        }
    }
}

/// The most bins a chromosome may have (2^26, 67 M: a 6.7 Gb chromosome at 100 bp). Lengths
/// and resolutions are checked against it before anything is allocated for a chromosome.
pub const MAX_BINS: u64 = 1 << 26;

/// One chromosome of a [`BinMap`]: its length, its bins and where they start in the genome-wide
/// bin order (the row of its first bin in an embedding or representations table).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChromBins {
    /// Chromosome name.
    pub name: String,
    /// Length, bp.
    pub length: u64,
    /// Number of bins (normally `ceil(length / resolution)`; the last one may be shorter).
    pub n_bins: usize,
    /// Genome-wide index of its first bin: the bins of the chromosomes before it.
    pub offset: usize,
}

/// The bins of a genome at one resolution: chromosomes in order, each with its bins numbered
/// from 0, and a genome-wide bin order (chromosome after chromosome). Every bp -> bin conversion
/// of the toolkit goes through [`BinMap::bins`] or [`BinMap::bin_of`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BinMap {
    /// Bin size, bp.
    pub resolution: u32,
    /// Chromosomes in genome-wide bin order.
    pub chroms: Vec<ChromBins>,
}

impl BinMap {
    /// An empty map of `resolution`-bp bins; add chromosomes with [`BinMap::push`].
    pub fn new(resolution: u32) -> Self {
        BinMap { resolution, chroms: Vec::new() }
    }

    /// Every bin of `chroms` (the last one of each may be shorter).
    pub fn from_chroms(resolution: u32, chroms: &[Chrom]) -> Self {
        let mut m = BinMap::new(resolution);
        for c in chroms {
            m.push(&c.name, c.length);
        }
        m
    }

    /// Appends a chromosome of `length` bp with `ceil(length / resolution)` bins.
    pub fn push(&mut self, name: &str, length: u64) -> &ChromBins {
        let n = length.div_ceil(self.resolution as u64) as usize;
        self.push_bins(name, length, n)
    }

    /// Appends a chromosome with an explicit number of bins (as a table states them).
    pub fn push_bins(&mut self, name: &str, length: u64, n_bins: usize) -> &ChromBins {
        let offset = self.n_bins();
        self.chroms.push(ChromBins { name: name.to_string(), length, n_bins, offset });
        self.chroms.last().expect("pushed")
    }

    /// Bins of the whole genome.
    pub fn n_bins(&self) -> usize {
        self.chroms.last().map_or(0, |c| c.offset + c.n_bins)
    }

    /// Genome-wide index of chromosome `chrom`'s first bin.
    pub fn offset(&self, chrom: usize) -> usize {
        self.chroms[chrom].offset
    }

    /// Index of `name`: an exact match first, then one through `chr` aliasing.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.chroms.iter().position(|c| c.name == name).or_else(|| {
            let key = canonical_name(name);
            self.chroms.iter().position(|c| canonical_name(&c.name) == key)
        })
    }

    /// The bin holding position `pos` (bp) of a chromosome.
    pub fn bin_of(&self, pos: u64) -> usize {
        (pos / self.resolution as u64) as usize
    }

    /// The bins of chromosome `chrom` that [start, end) overlaps, clipped to the chromosome
    /// (chromosome-local indices; empty when the interval is empty or past the end).
    pub fn bins(&self, chrom: usize, start: u64, end: u64) -> std::ops::Range<usize> {
        let res = self.resolution as u64;
        let n = self.chroms[chrom].n_bins;
        let (a, b) = (((start / res) as usize).min(n), (end.div_ceil(res) as usize).min(n));
        a..b.max(a)
    }

    /// [start, end) of bin `bin` (bp), clipped to the chromosome's length.
    pub fn bin_span(&self, chrom: usize, bin: usize) -> (u64, u64) {
        let res = self.resolution as u64;
        let s = bin as u64 * res;
        (s, (s + res).min(self.chroms[chrom].length))
    }
}

/// The name without a leading `chr` (case-insensitive), and `M`/`MT` unified: the key used to
/// match `1` against `chr1`.
pub fn canonical_name(name: &str) -> String {
    let bare = name.strip_prefix("chr").or_else(|| name.strip_prefix("Chr")).or_else(|| name.strip_prefix("CHR")).unwrap_or(name);
    if bare == "M" || bare == "MT" {
        return "M".to_string();
    }
    bare.to_string()
}

/// Autosomes (names that are a number once `chr` is stripped) and X: the default selection.
pub fn is_autosome_or_x(name: &str) -> bool {
    let c = canonical_name(name);
    c == "X" || (!c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) && c != "0")
}

/// How output chromosome names are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NameStyle {
    /// Keep the names of the input file.
    #[default]
    Asis,
    /// `chr1`, `chrX`, `chrM`.
    Ucsc,
    /// `1`, `X`, `MT`.
    Ensembl,
}

impl NameStyle {
    /// Spells `name` in this style (`chr` prefixes and `M`/`MT` adjusted; other names kept).
    pub fn apply(self, name: &str) -> String {
        match self {
            NameStyle::Asis => name.to_string(),
            NameStyle::Ucsc => {
                let c = canonical_name(name);
                format!("chr{c}")
            }
            NameStyle::Ensembl => {
                let c = canonical_name(name);
                if c == "M" {
                    "MT".to_string()
                } else {
                    c
                }
            }
        }
    }
}

/// Which chromosomes a step works on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// Autosomes and X (the default).
    AutosomesX,
    /// Every chromosome of the input (except the `All` pseudo-chromosome of `.hic` files).
    All,
    /// These, in this order, matched with `chr` aliasing.
    Names(Vec<String>),
}

impl std::str::FromStr for Selection {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "" => Err("empty chromosome list".into()),
            "default" | "autosomes+X" => Ok(Selection::AutosomesX),
            "all" => Ok(Selection::All),
            _ => Ok(Selection::Names(s.split(',').map(|x| x.trim().to_string()).filter(|x| !x.is_empty()).collect())),
        }
    }
}

impl Selection {
    /// Picks chromosomes out of `available` (in the input's order for the wildcard selections, in
    /// the user's order for explicit names). Returns indices into `available`.
    pub fn resolve(&self, available: &[Chrom], source: &std::path::Path) -> Result<Vec<usize>> {
        let real = |c: &Chrom| !c.name.eq_ignore_ascii_case("all");
        match self {
            Selection::All => Ok((0..available.len()).filter(|&k| real(&available[k])).collect()),
            Selection::AutosomesX => {
                let v: Vec<usize> = (0..available.len()).filter(|&k| real(&available[k]) && is_autosome_or_x(&available[k].name)).collect();
                if v.is_empty() {
                    return Err(Error::not_in_input(source, "autosomes or X (the default selection)", names(available)));
                }
                Ok(v)
            }
            Selection::Names(want) => {
                let mut out = Vec::with_capacity(want.len());
                for w in want {
                    let k = find(available, w).ok_or_else(|| Error::not_in_input(source, format!("chromosome '{w}'"), names(available)))?;
                    if out.contains(&k) {
                        return Err(Error::InvalidArgument(format!("chromosome '{w}' is selected twice")));
                    }
                    out.push(k);
                }
                Ok(out)
            }
        }
    }
}

/// Index of `name` in `chroms`: an exact match first, then one through `chr` aliasing.
pub fn find(chroms: &[Chrom], name: &str) -> Option<usize> {
    chroms.iter().position(|c| c.name == name).or_else(|| {
        let key = canonical_name(name);
        chroms.iter().position(|c| canonical_name(&c.name) == key)
    })
}

/// The chromosome names, comma-separated (the first 30 and a count when there are more), for
/// error messages.
pub fn names(chroms: &[Chrom]) -> String {
    let v: Vec<&str> = chroms.iter().map(|c| c.name.as_str()).collect();
    if v.len() > 30 {
        format!("{}, ... ({} in all)", v[..30].join(", "), v.len())
    } else {
        v.join(", ")
    }
}

/// A genomic interval `chrom:start-end`, 0-based half-open internally; parsed from the UCSC
/// 1-based spelling (`chr1:1-1000` is bases 0..1000) as cooler and hictk do, commas allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// Chromosome name, as given (matched with `chr` aliasing where it is looked up).
    pub chrom: String,
    /// Start, bp, 0-based (the UCSC spelling's start minus 1; 0 when only a chromosome is given).
    pub start: u64,
    /// End, bp, 0-based exclusive (the UCSC spelling's end); None: to the end of the chromosome.
    pub end: Option<u64>,
}

impl std::str::FromStr for Region {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let (chrom, rest) = match s.rsplit_once(':') {
            Some((c, r)) => (c, Some(r)),
            None => (s, None),
        };
        if chrom.is_empty() {
            return Err(format!("region '{s}': missing chromosome (expected chr:start-end)"));
        }
        let Some(rest) = rest else {
            return Ok(Region { chrom: chrom.to_string(), start: 0, end: None });
        };
        let num = |x: &str| -> std::result::Result<u64, String> {
            x.replace(',', "").parse::<u64>().map_err(|_| format!("region '{s}': '{x}' is not a position (expected chr:start-end)"))
        };
        let (a, b) = rest.split_once('-').ok_or_else(|| format!("region '{s}': expected chr:start-end"))?;
        let (a, b) = (num(a)?, num(b)?);
        if a == 0 || b < a {
            return Err(format!("region '{s}': start must be >= 1 and end >= start"));
        }
        Ok(Region { chrom: chrom.to_string(), start: a - 1, end: Some(b) })
    }
}

/// `chr:start-end` in the UCSC spelling (1-based start), the inverse of parsing.
impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.end {
            Some(e) => write!(f, "{}:{}-{e}", self.chrom, self.start + 1),
            None => f.write_str(&self.chrom),
        }
    }
}

impl serde::Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Region {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliasing_matches_both_spellings() {
        let chroms = vec![Chrom::new("1", 10), Chrom::new("X", 5), Chrom::new("MT", 1)];
        assert_eq!(find(&chroms, "chr1"), Some(0));
        assert_eq!(find(&chroms, "chrX"), Some(1));
        assert_eq!(find(&chroms, "chrM"), Some(2));
        assert_eq!(find(&chroms, "chr2"), None);
        assert_eq!(NameStyle::Ucsc.apply("MT"), "chrM");
        assert_eq!(NameStyle::Ensembl.apply("chrM"), "MT");
        assert_eq!(NameStyle::Ensembl.apply("chr21"), "21");
    }

    #[test]
    fn default_selection_is_autosomes_and_x() {
        let chroms: Vec<Chrom> = ["All", "chr1", "chr2", "chrX", "chrY", "chrM", "chr1_random"].iter().map(|n| Chrom::new(*n, 1)).collect();
        let sel = Selection::AutosomesX.resolve(&chroms, std::path::Path::new("f")).unwrap();
        assert_eq!(sel, vec![1, 2, 3]);
        let all = Selection::All.resolve(&chroms, std::path::Path::new("f")).unwrap();
        assert_eq!(all.len(), 6);
        let err = "chr3".parse::<Selection>().unwrap().resolve(&chroms, std::path::Path::new("f")).unwrap_err();
        assert!(err.to_string().contains("chromosome 'chr3' not found"), "{err}");
    }

    #[test]
    fn bin_map_converts_positions_once() {
        let mut m = BinMap::new(10);
        m.push("chr1", 95);
        m.push("chr2", 30);
        assert_eq!((m.n_bins(), m.offset(1), m.chroms[0].n_bins), (13, 10, 10));
        assert_eq!(m.bins(0, 15, 25), 1..3, "partial bins at both ends are included");
        assert_eq!(m.bins(0, 20, 20), 2..2);
        assert_eq!(m.bins(0, 90, 200), 9..10, "clipped to the chromosome");
        assert_eq!(m.bins(0, 500, 600), 10..10);
        assert_eq!(m.bin_span(0, 9), (90, 95));
        assert_eq!((m.find("1"), m.find("chr2"), m.find("chr3")), (Some(0), Some(1), None));
        assert_eq!((Strand::from_bed("+"), Strand::from_bed("-"), Strand::from_bed(".")), (Some(Strand::Forward), Some(Strand::Reverse), None));
    }

    #[test]
    fn regions_parse_like_ucsc() {
        let r: Region = "chr1:1,000,001-2,000,000".parse().unwrap();
        assert_eq!((r.start, r.end), (1_000_000, Some(2_000_000)));
        let r: Region = "chr2".parse().unwrap();
        assert_eq!((r.chrom.as_str(), r.start, r.end), ("chr2", 0, None));
        assert!("chr1:5-1".parse::<Region>().is_err());
        for s in ["chr1:1-1000", "chr2", "chrX:5-5"] {
            assert_eq!(s.parse::<Region>().unwrap().to_string(), s);
        }
        assert!("chr1:a-b".parse::<Region>().is_err());
    }
}

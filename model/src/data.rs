//! Contacts tables -> chromosomes of the model and training frames.

use crate::config::{ChromBins, ModelConfig};
use hiclstm::error::{Error, Result};
use hiclstm::frames::{self, FrameStats, Frames};
use hiclstm::tables::{bins, contacts::ChromContacts};
use std::path::{Path, PathBuf};

/// Everything read from the training inputs.
pub struct TrainingData {
    /// Chromosomes in input order (tables as given, then file order) with their lengths (bp), bins
    /// and first embedding rows.
    pub chroms: Vec<ChromBins>,
    /// Each chromosome's pixels, parallel to `chroms`.
    pub contacts: Vec<ChromContacts>,
    /// Bin size (bp), the same in every table.
    pub resolution: u32,
    /// Genome assembly named in the tables' metadata (`unknown` where absent), the same in every
    /// table.
    pub assembly: String,
    /// Normalization of the `value` column named in the tables' metadata (the last table's; `NONE`
    /// where absent).
    pub normalization: String,
}

/// Reads the contacts tables: one resolution and assembly, each chromosome in only one table;
/// chromosome ends come from the bins table beside each, else from its last observed bin.
pub fn load(paths: &[PathBuf]) -> Result<TrainingData> {
    if paths.is_empty() {
        return Err(Error::InvalidArgument("no contacts table given".into()));
    }
    let mut out = TrainingData { chroms: vec![], contacts: vec![], resolution: 0, assembly: String::new(), normalization: String::new() };
    for p in paths {
        let (meta, cc) = hiclstm::tables::contacts::read_all(p)?;
        let res = meta.resolution().ok_or_else(|| Error::schema(p, "no hiclstm.resolution metadata: import the map with hiclstm-import"))?;
        if out.resolution != 0 && res != out.resolution {
            return Err(Error::InvalidArgument(format!("{}: resolution {res} differs from {} of the first table", p.display(), out.resolution)));
        }
        out.resolution = res;
        let asm = meta.get("assembly").unwrap_or("unknown").to_string();
        if !out.assembly.is_empty() && asm != out.assembly {
            return Err(Error::InvalidArgument(format!("{}: assembly '{asm}' differs from '{}' of the first table", p.display(), out.assembly)));
        }
        out.assembly = asm;
        out.normalization = meta.get("normalization").unwrap_or("NONE").to_string();
        let map = bins::of_contacts(p, &cc, res)?;
        for (c, cb) in cc.into_iter().zip(map.chroms) {
            if out.contacts.iter().any(|o| o.chrom == c.chrom) {
                return Err(Error::InvalidArgument(format!("{}: chromosome {} is also in an earlier table", p.display(), c.chrom)));
            }
            let offset = out.chroms.last().map(|l: &ChromBins| l.offset + l.n_bins).unwrap_or(0);
            out.chroms.push(ChromBins { offset, ..cb });
            out.contacts.push(c);
        }
    }
    if out.contacts.iter().all(|c| c.i.is_empty()) {
        return Err(Error::InvalidArgument("the contacts tables hold no pixels".into()));
    }
    Ok(out)
}

/// Frames of the training data, with their global embedding indices.
pub struct IndexedFrames {
    /// The frames (per-step arrays `n x frame_len`, row-major).
    pub frames: Frames,
    /// Pixels used, and those left out as null or beyond `max_distance`.
    pub stats: FrameStats,
    /// Per frame: global row index; per step: global column index.
    pub idx_i: Vec<i64>,
    /// Per step (`n x frame_len`, row-major): global embedding row of the column bin (the row bin
    /// on padding).
    pub idx_j: Vec<i64>,
}

/// Frames of `data` as `c` sets them (frame length, value column, transform, `max_distance` in
/// bins) with global embedding indices; `source` names the input in errors, and no usable pixel at
/// all is an error.
pub fn frames(data: &TrainingData, c: &ModelConfig, source: &Path) -> Result<IndexedFrames> {
    let max_d = c.max_distance.map(|d| (d / data.resolution as u64) as u32);
    let (frames, stats) = frames::build(&data.contacts, c.frame_len, c.value, &c.transform, max_d, source)?;
    if frames.n() == 0 {
        return Err(Error::InvalidArgument("no usable contacts (all values null or beyond max_distance)".into()));
    }
    let l = c.frame_len;
    let idx_i = (0..frames.n()).map(|f| (data.chroms[frames.chrom[f] as usize].offset + frames.row[f] as usize) as i64).collect();
    let idx_j = (0..frames.n() * l).map(|s| (data.chroms[frames.chrom[s / l] as usize].offset + frames.col[s] as usize) as i64).collect();
    Ok(IndexedFrames { frames, stats, idx_i, idx_j })
}

impl IndexedFrames {
    /// The frames of the chromosomes (indices into the training data) for which `keep` holds.
    pub fn select(&self, keep: impl Fn(usize) -> bool) -> IndexedFrames {
        let l = self.frames.len;
        let mut out =
            IndexedFrames { frames: hiclstm::frames::Frames { len: l, ..Default::default() }, stats: self.stats.clone(), idx_i: vec![], idx_j: vec![] };
        for f in 0..self.frames.n() {
            if keep(self.frames.chrom[f] as usize) {
                let (a, b) = (f * l, (f + 1) * l);
                out.frames.chrom.push(self.frames.chrom[f]);
                out.frames.row.push(self.frames.row[f]);
                out.frames.col.extend_from_slice(&self.frames.col[a..b]);
                out.frames.target.extend_from_slice(&self.frames.target[a..b]);
                out.frames.mask.extend_from_slice(&self.frames.mask[a..b]);
                out.idx_i.push(self.idx_i[f]);
                out.idx_j.extend_from_slice(&self.idx_j[a..b]);
            }
        }
        out
    }
}

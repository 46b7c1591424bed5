//! Contacts tables -> chromosomes of the model and training frames.

use crate::config::{ChromBins, ModelConfig};
use hiclstm::error::{Error, Result};
use hiclstm::frame_store::{FrameStore, FrameStoreWriter};
use hiclstm::frames::{self, FrameStats, Frames};
use hiclstm::tables::{bins, contacts::ChromContacts, Meta};
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
        let res = out.check_meta(p, &meta)?;
        let map = bins::of_contacts(p, &cc, res)?;
        for (c, cb) in cc.into_iter().zip(map.chroms) {
            out.add_chrom(p, cb)?;
            out.contacts.push(c);
        }
    }
    if out.contacts.iter().all(|c| c.i.is_empty()) {
        return Err(Error::InvalidArgument("the contacts tables hold no pixels".into()));
    }
    Ok(out)
}

impl TrainingData {
    /// Checks one more table's metadata against the tables before it; returns its resolution.
    fn check_meta(&mut self, p: &Path, meta: &Meta) -> Result<u32> {
        let res = meta.resolution().ok_or_else(|| Error::schema(p, "no hiclstm.resolution metadata: import the map with hiclstm-import"))?;
        if self.resolution != 0 && res != self.resolution {
            return Err(Error::InvalidArgument(format!("{}: resolution {res} differs from {} of the first table", p.display(), self.resolution)));
        }
        self.resolution = res;
        let asm = meta.get("assembly").unwrap_or("unknown").to_string();
        if !self.assembly.is_empty() && asm != self.assembly {
            return Err(Error::InvalidArgument(format!("{}: assembly '{asm}' differs from '{}' of the first table", p.display(), self.assembly)));
        }
        self.assembly = asm;
        self.normalization = meta.get("normalization").unwrap_or("NONE").to_string();
        Ok(res)
    }

    /// Appends a chromosome of table `p` after the others (its embedding rows follow theirs).
    fn add_chrom(&mut self, p: &Path, cb: ChromBins) -> Result<()> {
        if self.chroms.iter().any(|o| o.name == cb.name) {
            return Err(Error::InvalidArgument(format!("{}: chromosome {} is also in an earlier table", p.display(), cb.name)));
        }
        let offset = self.chroms.last().map(|l: &ChromBins| l.offset + l.n_bins).unwrap_or(0);
        self.chroms.push(ChromBins { offset, ..cb });
        Ok(())
    }
}

/// Training data streamed from the contacts tables into a [`FrameStore`]: memory holds one
/// batch of pixels and one head per frame, whatever the size of the map.
pub struct StreamedData {
    /// Chromosomes, resolution, assembly and normalization, as [`load`] finds them (`contacts`
    /// left empty).
    pub meta: TrainingData,
    /// The frames, numbered in table order (as [`frames`] numbers them).
    pub store: FrameStore,
    /// Pixels used, and those left out as null or beyond `max_distance`.
    pub stats: FrameStats,
    /// Per bin of the model (global index): whether an observed pixel touches it.
    pub observed: Vec<bool>,
}

/// Frames of the contacts tables `paths` as `c` sets them, streamed into a temporary store in
/// `temp_dir`; the same checks and frames as [`load`] and [`frames`].
pub fn stream(paths: &[PathBuf], c: &ModelConfig, temp_dir: &Path) -> Result<StreamedData> {
    if paths.is_empty() {
        return Err(Error::InvalidArgument("no contacts table given".into()));
    }
    let mut meta = TrainingData { chroms: vec![], contacts: vec![], resolution: 0, assembly: String::new(), normalization: String::new() };
    let mut writer = FrameStoreWriter::create(temp_dir, c.frame_len)?;
    // Per chromosome (in order): name, largest observed bin, bins touched by a framed pixel.
    let mut seen: Vec<(String, u32, Vec<bool>)> = Vec::new();
    let mut stats = FrameStats::default();
    let t0 = std::time::Instant::now();
    for p in paths {
        // max_distance is in bp: the bin size comes from the metadata, before the first pixel.
        let head = hiclstm::tables::TableReader::open(p, hiclstm::tables::TableKind::Contacts.schema())?;
        let res = meta.check_meta(p, &head.meta)?;
        drop(head);
        let max_d = c.max_distance.map(|d| (d / res as u64) as u32);
        let mut builder = builder(c, max_d, p)?;
        let first = seen.len();
        // Progress every 30 s: data preparation of a genome-wide map takes a minute or more.
        let mut logged = std::time::Instant::now();
        hiclstm::tables::contacts::stream(p, |run| {
            if seen.len() == first || seen.last().is_some_and(|l| l.0 != run.chrom) {
                seen.push((run.chrom.clone(), 0, Vec::new()));
            }
            let idx = seen.len() - 1;
            let last = seen.last_mut().expect("pushed");
            last.1 = run.j.iter().copied().fold(last.1, u32::max);
            builder.push(idx as u32, &run)?;
            let done = builder.drain();
            mark_observed(&done, &mut seen);
            writer.append(&done)?;
            if logged.elapsed().as_secs() >= 30 {
                logged = std::time::Instant::now();
                let pixels = builder.stats().pixels;
                hiclstm::log::info(&format!("{}: {pixels} pixels framed, {} frames, {:.0} s", p.display(), writer.n(), t0.elapsed().as_secs_f64()));
            }
            Ok(())
        })?;
        let (rest, st) = builder.finish();
        mark_observed(&rest, &mut seen);
        writer.append(&rest)?;
        stats.pixels += st.pixels;
        stats.skipped_null += st.skipped_null;
        stats.skipped_distance += st.skipped_distance;
        let names: Vec<(&str, u32)> = seen[first..].iter().map(|(n, m, _)| (n.as_str(), *m)).collect();
        for cb in bins::of_last_bins(p, &names, res)?.chroms {
            meta.add_chrom(p, cb)?;
        }
    }
    if stats.pixels == 0 {
        return Err(Error::InvalidArgument(if stats.skipped_null + stats.skipped_distance == 0 {
            "the contacts tables hold no pixels".into()
        } else {
            "no usable contacts (all values null or beyond max_distance)".into()
        }));
    }
    let mut observed = vec![false; meta.chroms.iter().map(|c| c.n_bins).sum()];
    for (cb, (_, _, obs)) in meta.chroms.iter().zip(&seen) {
        observed[cb.offset..cb.offset + obs.len()].copy_from_slice(obs);
    }
    Ok(StreamedData { meta, store: writer.finish()?, stats, observed })
}

/// A frame builder as `c` frames its training contacts (`max_d` in bins; `source` for errors).
fn builder<'a>(c: &ModelConfig, max_d: Option<u32>, source: &'a Path) -> Result<frames::Builder<'a>> {
    Ok(frames::Builder::new(c.frame_len, c.value, c.transform, max_d, source)?.fill_gaps(c.fills_gaps()))
}

/// Marks the row and column bins of every observed step of `f` (chromosome indices into `seen`).
fn mark_observed(f: &Frames, seen: &mut [(String, u32, Vec<bool>)]) {
    for k in 0..f.n() {
        let obs = &mut seen[f.chrom[k] as usize].2;
        for s in k * f.len..(k + 1) * f.len {
            if f.mask[s] == 0.0 {
                break;
            }
            if !frames::is_observed(f.mask[s], f.target[s]) {
                continue;
            }
            let hi = f.col[s].max(f.row[k]) as usize;
            if obs.len() <= hi {
                obs.resize(hi + 1, false);
            }
            obs[f.col[s] as usize] = true;
            obs[f.row[k] as usize] = true;
        }
    }
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
    let mut b = builder(c, max_d, source)?;
    for (ci, cc) in data.contacts.iter().enumerate() {
        b.push(ci as u32, cc)?;
    }
    let (frames, stats) = b.finish();
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
        let ids: Vec<usize> = (0..self.frames.n()).filter(|&f| keep(self.frames.chrom[f] as usize)).collect();
        IndexedFrames {
            frames: self.frames.select(ids.iter().copied()),
            stats: self.stats.clone(),
            idx_i: ids.iter().map(|&f| self.idx_i[f]).collect(),
            idx_j: ids.iter().flat_map(|&f| self.idx_j[f * l..(f + 1) * l].iter().copied()).collect(),
        }
    }
}

//! `hiclstm-predict`: a trained decoder applied to a representation matrix (the model's own, or an
//! edited one of another length) -> predictions table.

use crate::config::ModelFile;
use crate::net::HicLstm;
use crate::train::{load_named, ModelDir};
use hiclstm::error::{Error, Location, Result};
use hiclstm::formats::cool_writer::{CoolerContent, CoolerFormat, CoolerWriter};
use hiclstm::frames::{self, Frames, ValueColumn};
use hiclstm::genome::Region;
use hiclstm::output::OutputSet;
use hiclstm::tables::{
    self,
    contacts::ChromContacts,
    predictions::{ChromPredictions, PredictionsWriter},
    representations::ChromRepresentations,
    Meta,
};
use std::collections::VecDeque;
use std::path::PathBuf;
use tch::{Device, Tensor};

/// Inputs, settings and output of `hiclstm-predict`.
pub struct PredictOptions {
    /// Trained model directory whose decoder predicts.
    pub model_dir: PathBuf,
    /// Representations to decode; default: the model's own.
    pub representations: Option<PathBuf>,
    /// Predict the observed pixels of this contacts table (frames as in training) and report the
    /// observations; without it, every pixel up to `max_distance` is predicted.
    pub contacts: Option<PathBuf>,
    /// Predict only the pixels with both bins in this region (one chromosome); None: every
    /// chromosome of the representations.
    pub region: Option<Region>,
    /// Dense prediction: largest distance (bp); default: the model's, else the whole chromosome.
    pub max_distance: Option<u64>,
    /// Predictions table to write (a file, not a prefix).
    pub output: PathBuf,
    /// libtorch device of the predictions.
    pub device: Device,
    /// Frames per forward pass.
    pub batch: usize,
    /// Overwrite an existing output.
    pub force: bool,
    /// Also write the maps as cooler files beside the table: `PREFIX.predicted.{cool,mcool}` and,
    /// with `contacts`, `PREFIX.observed.*` (see [`hiclstm::formats::cool_writer::path_beside`]).
    pub cooler: Option<CoolerFormat>,
}

/// The cooler files of a prediction run: the map written and the writer.
struct MapFile {
    observed: bool,
    writer: CoolerWriter,
}

/// The genome of the maps: the representations' chromosomes, with the model's length where the
/// bin counts agree (an edited genome's length is its bins times the resolution).
pub(crate) fn map_genome(mf: &ModelFile, reps: &[ChromRepresentations]) -> hiclstm::genome::BinMap {
    let mut g = hiclstm::genome::BinMap::new(mf.resolution);
    for c in reps {
        let n = c.n_bins();
        let len = mf.chromosomes.iter().find(|m| m.name == c.chrom && m.n_bins == n).map(|m| m.length).unwrap_or(n as u64 * mf.resolution as u64);
        g.push(&c.chrom, len);
    }
    g
}

/// Which of a model's decoders an edit or an attribution runs through (`--decoder`).
///
/// The frame head reads a frame's hidden states all at once, so an edit anywhere in a frame moves
/// every output of it; the auxiliary decoder of the defaults (`step_loss`) predicts each step from
/// that step's hidden state alone, as the paper's decoder does, but was trained only within
/// `step_max_distance` of the diagonal. On the simulated genome the default model's loop swaps
/// held at every seed through the auxiliary decoder and not through the frame head, while per-site
/// knockouts were stronger through the frame head and the auxiliary decoder's predictions beyond
/// 1 Mb are extrapolations (BENCHMARKS.md, "Edits through the auxiliary decoder"), so the main
/// decoder stays the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DecoderChoice {
    /// The main decoder, the one `hiclstm-predict` uses.
    #[default]
    Main,
    /// The auxiliary per-step decoder; refused for a model without one.
    Auxiliary,
}

/// [`load_model`] with the decoder `choice`: with the auxiliary decoder, the network's decoder
/// and the description's configuration are the auxiliary decoder's (per-step head, `step_hidden`
/// units, no pairwise term), so every step downstream treats it as the model's decoder. The flag
/// says whether it is the auxiliary decoder.
pub fn load_model_with(dir: &std::path::Path, device: Device, choice: DecoderChoice) -> Result<(ModelFile, HicLstm, bool)> {
    let (mut mf, mut model) = load_model(dir, device)?;
    let aux = match (choice, mf.config.aux_config()) {
        (DecoderChoice::Main, _) => None,
        (DecoderChoice::Auxiliary, Some(a)) => Some(a),
        (DecoderChoice::Auxiliary, None) => {
            return Err(Error::InvalidArgument(format!(
                "--decoder auxiliary: {} has no auxiliary decoder (trained with step_loss 0, the step head or before it existed); use --decoder main",
                dir.display()
            )))
        }
    };
    if let (Some(a), Some(d)) = (aux, model.aux.take()) {
        hiclstm::log::info(&format!(
            "through the auxiliary decoder (per-step head, {} units; trained within {})",
            a.step_hidden,
            mf.config.step_max_distance.map_or("the whole frame".to_string(), |bp| format!("{bp} bp of the diagonal"))
        ));
        mf.config = a;
        model.decoder = d;
        return Ok((mf, model, true));
    }
    Ok((mf, model, false))
}

/// Warns, for a frame-head decoder trained on observed frames (`frames: observed`), that dense
/// frames are not what it was trained on: its training frames held a row's observed pixels only,
/// and the frame head reads every step of a frame, so where pixels are unobserved its dense
/// predictions are worse (BENCHMARKS.md, "Frames cut as training cuts them").
pub fn warn_dense_frame_head(mf: &ModelFile) {
    if mf.config.head == crate::config::Head::Frame && mf.config.frames == crate::config::FrameLayout::Observed {
        hiclstm::log::warn(
            "this model's frame head was trained on frames of observed pixels (frames: observed) and reads every step of a frame: over dense frames (every pixel, as here) it predicts worse where pixels were unobserved (shared 50 kb map: R² 0.64-0.69 dense against 0.955 on observed frames); retrain with frames: dense (the defaults), or use hiclstm-predict --contacts for an observed map's pixels",
        );
    }
}

/// Loads a trained model directory: description and network with its weights.
pub fn load_model(dir: &std::path::Path, device: Device) -> Result<(ModelFile, HicLstm)> {
    let d = ModelDir(dir.to_path_buf());
    if !d.yaml().exists() {
        return Err(Error::input_io(
            d.yaml(),
            std::io::Error::new(std::io::ErrorKind::NotFound, "no model.yaml: not a (finished) hiclstm-train output directory"),
        ));
    }
    let mf = ModelFile::load(&d.yaml())?;
    let model = HicLstm::new(&mf.config, mf.n_bins(), device);
    drop(hiclstm::error::open_input(&d.weights())?);
    // libtorch's messages carry a C++ backtrace: keep their first line.
    let tensors = Tensor::read_safetensors(d.weights()).map_err(|e| {
        let first = e.to_string().lines().next().unwrap_or_default().to_string();
        Error::format(d.weights(), Location::None, format!("cannot read weights: {first}"))
    })?;
    load_named(&model, &tensors, |_| true).map_err(|m| Error::format(d.weights(), Location::None, format!("weights do not match model.yaml: {m}")))?;
    Ok((mf, model))
}

/// How far from the diagonal the model's frames run, in bins: as training cut them (its
/// `max_distance`, else to the row's end).
pub fn frame_extent(mf: &ModelFile) -> u32 {
    mf.config.max_distance.map_or(u32::MAX, |d| (d / mf.resolution as u64).min(u32::MAX as u64) as u32)
}

/// Dense frames and which of their steps are wanted.
///
/// Rows are cut into frames as training cut a dense map's rows: row i's columns
/// `i..=min(n - 1, i + extent)`, in frames of `len` steps from the diagonal, whatever part of the
/// row is wanted. Only the frames holding a wanted pixel are made, but whole: the frame head reads
/// every step of its frame (and a convolution its neighbours), so a frame cut short at a window's
/// end or at a `--max-distance` (padding there) would predict the same pixels otherwise than
/// training and a whole chromosome's prediction do. The per-step head reads steps in order, so
/// for it only the wanted steps matter; whole frames cost it at most one frame per row more.
pub struct DenseFrames {
    /// The frames, whole.
    pub frames: Frames,
    /// Per step: an observed step that is wanted (within the columns and distance asked for).
    pub wanted: Vec<bool>,
}

impl DenseFrames {
    /// The wanted steps' indices.
    pub fn wanted_steps(&self) -> impl Iterator<Item = usize> + '_ {
        self.wanted.iter().enumerate().filter(|(_, &w)| w).map(|(g, _)| g)
    }
}

/// How rows are cut into frames: the chromosome's (or edited genome's) bins `n`, the model's
/// [`frame_extent`] and frame length.
#[derive(Clone, Copy, Debug)]
pub struct RowCut {
    /// Bins of the chromosome (or of the edited genome's chromosome).
    pub n: u32,
    /// How far from the diagonal frames run, in bins ([`frame_extent`]).
    pub extent: u32,
    /// Frame length, in steps.
    pub len: usize,
}

impl RowCut {
    /// Rows of a chromosome of `n` bins, cut as `mf`'s model was trained.
    pub fn of(mf: &ModelFile, n: usize) -> RowCut {
        RowCut { n: n as u32, extent: frame_extent(mf), len: mf.config.frame_len }
    }

    /// The last column of row `i`'s frames when pixels up to `reach` bins off the diagonal are
    /// asked for: as far as training framed the row (its extent), further only where more is
    /// asked for than training saw, never past the chromosome's end. Every step that frames rows
    /// (prediction, knockouts, loop swaps) ends them here, so that a pixel is predicted alike
    /// whatever window or edit asks for it.
    pub fn row_end(&self, i: u32, reach: u32) -> u32 {
        (i as u64 + self.extent.max(reach) as u64).min(self.n as u64 - 1) as u32
    }
}

/// Dense frames over rows `lo..hi`, wanted columns `i..=min(hi - 1, i + max_d)`.
pub fn dense_frames(lo: u32, hi: u32, max_d: u32, cut: RowCut) -> DenseFrames {
    dense_rows(lo..hi, hi, max_d, cut)
}

/// Dense frames over `rows`, wanted columns `i..=min(col_end - 1, i + max_d)` (see [`DenseFrames`]).
fn dense_rows(rows: std::ops::Range<u32>, col_end: u32, max_d: u32, cut: RowCut) -> DenseFrames {
    let len = cut.len;
    let mut f = Frames { len, ..Default::default() };
    let mut wanted = Vec::new();
    for i in rows {
        let (last, end) = (wanted_last(i, col_end, max_d), cut.row_end(i, max_d));
        let mut start = i;
        while start <= last {
            f.chrom.push(0);
            f.row.push(i);
            let stop = (start as u64 + len as u64 - 1).min(end as u64) as u32;
            for j in start..=stop {
                f.col.push(j);
                f.target.push(0.0);
                f.mask.push(1.0);
                wanted.push(j <= last);
            }
            for _ in (stop - start) as usize + 1..len {
                f.col.push(i);
                f.target.push(0.0);
                f.mask.push(0.0);
                wanted.push(false);
            }
            match start.checked_add(len as u32) {
                Some(s) => start = s,
                None => break,
            }
        }
    }
    DenseFrames { frames: f, wanted }
}

/// The last wanted column of row `i`.
fn wanted_last(i: u32, col_end: u32, max_d: u32) -> u32 {
    (i as u64 + max_d as u64).min(col_end as u64 - 1) as u32
}

/// Dense frames of rows `lo..hi` (wanted columns up to `hi - 1` and `max_d` off the diagonal), in
/// blocks of whole rows holding about `batch` frames each, in row order: a chromosome's dense
/// frames can be billions of steps, a block is one forward pass.
pub fn dense_blocks(lo: u32, hi: u32, max_d: u32, cut: RowCut, batch: usize) -> impl Iterator<Item = DenseFrames> {
    dense_row_blocks(lo..hi, hi, max_d, cut, batch)
}

/// [`dense_blocks`] of `rows`, with wanted columns up to `col_end - 1` (the rows near a site,
/// whose columns run to the chromosome's end).
pub fn dense_row_blocks(rows: std::ops::Range<u32>, col_end: u32, max_d: u32, cut: RowCut, batch: usize) -> impl Iterator<Item = DenseFrames> {
    let (mut row, hi) = (rows.start, rows.end);
    std::iter::from_fn(move || {
        if row >= hi {
            return None;
        }
        let (start, mut frames) = (row, 0u64);
        while row < hi && frames < batch.max(1) as u64 {
            frames += (wanted_last(row, col_end, max_d) - row + 1).div_ceil(cut.len as u32) as u64;
            row += 1;
        }
        Some(dense_rows(start..row, col_end, max_d, cut))
    })
}

/// One selected chromosome: its representations on the device and the bins to predict.
struct Target<'a> {
    reps: &'a ChromRepresentations,
    /// Rows and columns `lo..hi` (the region's bins, else the whole chromosome).
    lo: u32,
    hi: u32,
}

/// Decodes frames and writes their predictions, a batch at a time: what memory holds is one batch
/// of frames and, with observations, the pixels not yet written.
struct Decode<'a> {
    model: &'a HicLstm,
    mf: &'a ModelFile,
    device: Device,
    batch: usize,
    writer: PredictionsWriter,
    /// Cooler files written beside the table.
    maps: Vec<MapFile>,
    /// Device copy of the representations of the chromosome being decoded (name, tensor).
    reps: Option<(String, Tensor)>,
}

impl Decode<'_> {
    /// Predicts frames `f` of `t`'s chromosome and writes one row per observed step; `obs` holds the
    /// chromosome's pixels (i, j, value) from the first not yet written, in table order: every framed
    /// step is one of them, the others (null values) are passed over.
    /// Decodes `f` and writes its observed steps, or only those `wanted` when given.
    fn frames(&mut self, t: &Target, f: &Frames, wanted: Option<&[bool]>, mut obs: Option<&mut VecDeque<(u32, u32, f64)>>) -> Result<()> {
        if f.n() == 0 {
            return Ok(());
        }
        let c = t.reps;
        if self.reps.as_ref().is_none_or(|r| r.0 != c.chrom) {
            let n = c.n_bins() as i64;
            self.reps = Some((c.chrom.clone(), Tensor::from_slice(&c.values).reshape([n, self.mf.config.k as i64]).to(self.device)));
        }
        let rt = &self.reps.as_ref().expect("set").1;
        let tr = &self.mf.config.transform;
        let l = f.len;
        let p = crate::net::predict_frames(&self.model.decoder, rt, f, self.batch);
        let mut out = ChromPredictions { chrom: c.chrom.clone(), ..Default::default() };
        for g in (0..p.len()).filter(|&g| wanted.map_or(f.mask[g] > 0.0, |w| w[g])) {
            let (i, j) = (f.row[g / l], f.col[g]);
            let prob = p[g] as f64;
            out.i.push(i);
            out.j.push(j);
            out.predicted_prob.push(prob);
            out.predicted_value.push(tr.to_value(prob));
            let (ov, op) = match obs.as_deref_mut() {
                Some(q) => {
                    while q.front().is_some_and(|&(a, b, _)| (a, b) != (i, j)) {
                        q.pop_front();
                    }
                    let (_, _, v) = q.pop_front().ok_or_else(|| Error::Internal(format!("{}: framed pixel ({i}, {j}) not among the observations", c.chrom)))?;
                    (v, tr.to_prob(v))
                }
                None => (f64::NAN, f64::NAN),
            };
            out.observed_value.push(ov);
            out.observed_prob.push(op);
        }
        for m in &mut self.maps {
            let values = if m.observed { &out.observed_value } else { &out.predicted_value };
            for ((&i, &j), &v) in out.i.iter().zip(&out.j).zip(values) {
                m.writer.push(&out.chrom, i, j, v)?;
            }
        }
        self.writer.write(&out)
    }
}

/// Decodes the chosen chromosomes (the observed pixels with `contacts`, else every pixel up to
/// `max_distance`) into the predictions table; returns the number of rows written.
pub fn run(o: &PredictOptions) -> Result<u64> {
    hiclstm::output::check_writable(&o.output, o.force)?;
    if o.batch == 0 {
        return Err(Error::InvalidArgument("--batch must be at least 1".into()));
    }
    let (mf, model) = load_model(&o.model_dir, o.device)?;
    let reps_path = o.representations.clone().unwrap_or_else(|| ModelDir(o.model_dir.clone()).representations());
    let (rmeta, k, reps) = tables::representations::read(&reps_path)?;
    if k != mf.config.k {
        return Err(Error::schema(&reps_path, format!("representations have K = {k}, the model needs K = {}", mf.config.k)));
    }
    if let Some(r) = rmeta.resolution() {
        if r != mf.resolution {
            return Err(Error::InvalidArgument(format!("{}: resolution {r} differs from the model's {}", reps_path.display(), mf.resolution)));
        }
    }
    if let Some(p) = &o.contacts {
        // Metadata first: a table of another resolution is refused before any decoding.
        let head = tables::TableReader::open(p, tables::TableKind::Contacts.schema())?;
        if head.meta.resolution().is_some_and(|r| r != mf.resolution) {
            return Err(Error::InvalidArgument(format!(
                "{}: resolution {} differs from the model's {}",
                p.display(),
                head.meta.resolution().unwrap_or(0),
                mf.resolution
            )));
        }
    }
    let res = mf.resolution as u64;
    let selected: Vec<&ChromRepresentations> = match &o.region {
        Some(r) => {
            let c = reps.iter().find(|c| c.chrom == r.chrom || hiclstm::genome::canonical_name(&c.chrom) == hiclstm::genome::canonical_name(&r.chrom));
            vec![c.ok_or_else(|| {
                Error::not_in_input(&reps_path, format!("chromosome '{}'", r.chrom), reps.iter().map(|c| c.chrom.as_str()).collect::<Vec<_>>().join(", "))
            })?]
        }
        None => reps.iter().collect(),
    };
    let mut targets = Vec::with_capacity(selected.len());
    for c in selected {
        let n = c.n_bins() as u32;
        let (lo, hi) = match &o.region {
            Some(r) => {
                let end = r.end.unwrap_or(n as u64 * res);
                if r.start >= n as u64 * res || end > n as u64 * res + res {
                    return Err(Error::not_in_input(
                        &reps_path,
                        format!("region {}:{}-{end}", r.chrom, r.start + 1),
                        format!("{} is {} bins of {res} bp", c.chrom, n),
                    ));
                }
                ((r.start / res) as u32, (end.div_ceil(res) as u32).min(n))
            }
            None => (0, n),
        };
        targets.push(Target { reps: c, lo, hi });
    }
    let mut meta = Meta::new(tables::TableKind::Predictions.schema());
    meta.set("assembly", &mf.assembly).set("resolution", mf.resolution).set(
        "params",
        serde_json::json!({"model": o.model_dir, "representations": reps_path, "contacts": o.contacts, "region": o.region.as_ref().map(|r| format!("{}:{}-{}", r.chrom, r.start + 1, r.end.unwrap_or(0))), "max_distance": o.max_distance}).to_string(),
    );
    let mut maps = Vec::new();
    if let Some(format) = o.cooler {
        let genome = map_genome(&mf, &reps);
        let params = serde_json::from_str(meta.get("params").unwrap_or("null")).unwrap_or_default();
        let mut kinds = vec![false];
        if o.contacts.is_some() {
            kinds.push(true);
        }
        for observed in kinds {
            let (name, value, description) = match observed {
                false => (
                    "predicted",
                    "predicted_value",
                    "Hi-C-LSTM prediction: the inverse transform of the predicted contact probability, in the units of the training contacts' value column",
                ),
                true => (
                    hiclstm::outputs::OBSERVED_MAP,
                    "observed_value",
                    "the observed value the model was trained on (the contacts' value column), at the pixels predicted",
                ),
            };
            let content = CoolerContent {
                value: value.into(),
                description: description.into(),
                normalization: mf.normalization.clone(),
                params: serde_json::Value::clone(&params),
            };
            let path = hiclstm::formats::cool_writer::path_beside(&o.output, ".predictions", name, format);
            maps.push(MapFile { observed, writer: CoolerWriter::create(&path, &genome, format, &content, Some(&mf.assembly), o.force)? });
        }
    }
    let writer = PredictionsWriter::create(&o.output, &meta, o.force)?;
    let mut dec = Decode { model: &model, mf: &mf, device: o.device, batch: o.batch, writer, maps, reps: None };
    match &o.contacts {
        Some(p) => predict_observed(&mut dec, &targets, p, &reps)?,
        None => {
            warn_dense_frame_head(&mf);
            for t in &targets {
                let md = o.max_distance.or(mf.config.max_distance).map(|d| (d / res) as u32).unwrap_or(t.reps.n_bins() as u32);
                let before = dec.writer.rows;
                for f in dense_blocks(t.lo, t.hi, md, RowCut::of(&mf, t.reps.n_bins()), o.batch) {
                    dec.frames(t, &f.frames, Some(&f.wanted), None)?;
                }
                if dec.writer.rows == before {
                    return Err(Error::InvalidArgument(format!("{}: no pixels to predict in the chosen region", t.reps.chrom)));
                }
                hiclstm::log::info(&format!("{}: {} pixels predicted", t.reps.chrom, dec.writer.rows - before));
            }
        }
    }
    let rows = dec.writer.rows;
    let mut outs = OutputSet::default();
    outs.push(dec.writer.finish()?);
    for m in dec.maps {
        outs.push(m.writer.finish()?);
    }
    outs.commit(o.force)?;
    Ok(rows)
}

/// The observed pixels of the contacts table `path` in the targets, streamed through the decoder
/// in table order: frames as in training, a batch at a time.
fn predict_observed(dec: &mut Decode, targets: &[Target], path: &std::path::Path, reps: &[ChromRepresentations]) -> Result<()> {
    struct Sink<'d, 'a, 't> {
        dec: &'d mut Decode<'a>,
        targets: &'t [Target<'t>],
        /// The chromosome being predicted (index into `targets`) and the rows written before it.
        current: Option<(usize, u64)>,
        /// Its pixels (i, j, value) not yet written.
        pending: VecDeque<(u32, u32, f64)>,
    }
    impl frames::FrameSink for Sink<'_, '_, '_> {
        fn start(&mut self, chrom: &str) -> Result<Option<std::ops::Range<u32>>> {
            self.current = self.targets.iter().position(|t| t.reps.chrom == chrom).map(|ti| (ti, self.dec.writer.rows));
            Ok(self.current.map(|(ti, _)| self.targets[ti].lo..self.targets[ti].hi))
        }
        fn run(&mut self, run: &ChromContacts) -> Result<()> {
            let t = &self.targets[self.current.expect("started").0];
            let n = t.reps.n_bins() as u32;
            if run.j.iter().any(|&j| j >= n) {
                return Err(Error::InvalidArgument(format!("contacts of {} reach beyond its {n} representations", t.reps.chrom)));
            }
            Ok(())
        }
        fn pixels(&mut self, kept: &ChromContacts) -> Result<()> {
            let vals = match self.dec.mf.config.value {
                ValueColumn::Value => &kept.value,
                ValueColumn::Count => &kept.count,
            };
            self.pending.extend((0..kept.i.len()).map(|k| (kept.i[k], kept.j[k], vals[k])));
            Ok(())
        }
        fn frames(&mut self, f: &Frames) -> Result<()> {
            let t = &self.targets[self.current.expect("started").0];
            // Rows are framed whole; the pixels wanted are observed (not gaps) with both bins in
            // the target.
            let wanted: Vec<bool> = (0..f.col.len()).map(|g| frames::is_observed(f.mask[g], f.target[g]) && f.col[g] < t.hi).collect();
            // Only the frames holding a wanted pixel are decoded (a region's rows run on to the
            // chromosome's end); the pending observations of the others are passed over in order.
            let l = f.len;
            let keep: Vec<usize> = (0..f.n()).filter(|&q| wanted[q * l..(q + 1) * l].contains(&true)).collect();
            if keep.len() == f.n() {
                return self.dec.frames(t, f, Some(&wanted), Some(&mut self.pending));
            }
            let kept_wanted: Vec<bool> = keep.iter().flat_map(|&q| wanted[q * l..(q + 1) * l].iter().copied()).collect();
            self.dec.frames(t, &f.select(keep.iter().copied()), Some(&kept_wanted), Some(&mut self.pending))
        }
        fn end(&mut self) -> Result<()> {
            let (ti, before) = self.current.take().expect("started");
            self.pending.clear();
            let chrom = &self.targets[ti].reps.chrom;
            if self.dec.writer.rows == before {
                return Err(Error::InvalidArgument(format!("{chrom}: no pixels to predict in the chosen region")));
            }
            hiclstm::log::info(&format!("{chrom}: {} pixels predicted", self.dec.writer.rows - before));
            Ok(())
        }
    }
    let cfg = &dec.mf.config;
    let (len, value, transform, batch) = (cfg.frame_len, cfg.value, cfg.transform, dec.batch);
    let mut sink = Sink { dec, targets, current: None, pending: VecDeque::new() };
    let gaps = cfg.fills_gaps();
    let seen = frames::stream(path, len, value, transform, gaps, batch, &mut sink)?;
    if !seen.iter().any(|c| targets.iter().any(|t| &t.reps.chrom == c)) {
        return Err(Error::not_in_input(
            path,
            "a chromosome of the model",
            format!("the table has {}; the model has {}", names(seen.iter()), names(reps.iter().map(|c| &c.chrom))),
        ));
    }
    for t in targets.iter().filter(|t| !seen.contains(&t.reps.chrom)) {
        hiclstm::log::warn(&format!("{}: no contacts for {}; skipped", path.display(), t.reps.chrom));
    }
    Ok(())
}

/// Names, comma-separated (for messages).
fn names<'a>(it: impl Iterator<Item = &'a String>) -> String {
    it.map(String::as_str).collect::<Vec<_>>().join(", ")
}

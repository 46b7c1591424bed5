//! `hiclstm-attribute`: Integrated Gradients (Sundararajan et al. 2017) of the model's predicted
//! contacts with respect to the representations, with libtorch autograd.
//!
//! The target is the sum of the predicted probabilities of every observed frame step of a
//! chromosome; IG is linear in the target, so this equals the sum over frames of per-frame IG:
//! each bin's score is the attribution flowing to its representation from every frame it takes
//! part in (as row or as column), summed over the K features. The path from the baseline to the
//! input is integrated with the trapezoidal rule over `steps` intervals.

use crate::net::forward_with;
use crate::predict::{load_model_with, DecoderChoice};
use crate::train::ModelDir;
use hiclstm::error::{Error, Result};
use hiclstm::frames;
use hiclstm::output::OutputSet;
use hiclstm::tables::{self, attributions::ChromAttributions, Meta};
use std::path::PathBuf;
use tch::{Device, Kind, Tensor};

/// Where the integration path starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Baseline {
    /// The zero representation.
    Zero,
    /// The mean representation of the chromosome's observed bins.
    Mean,
}

/// Inputs, settings and outputs of `hiclstm-attribute`.
pub struct AttributeOptions {
    /// Trained model directory (hiclstm-train output) whose decoder is differentiated.
    pub model_dir: PathBuf,
    /// Representations table to attribute (K of the model); None: the model's own
    /// representations.parquet.
    pub representations: Option<PathBuf>,
    /// Contacts whose observed pixels make the frames (as in training).
    pub contacts: PathBuf,
    /// Integration intervals m of the trapezoidal rule (at least 2); gradients are taken at m + 1
    /// points of the path.
    pub steps: usize,
    /// Where the integration path starts.
    pub baseline: Baseline,
    /// Output prefix: PREFIX.attributions.parquet, PREFIX.attributions.bedGraph and, with
    /// `elements` or `tads`, PREFIX.attribution_summary.parquet and the plots.
    pub output: PathBuf,
    /// libtorch device of the forward and backward passes.
    pub device: Device,
    /// Frames per forward pass (at least 1).
    pub batch: usize,
    /// Overwrite existing outputs.
    pub force: bool,
    /// Element sets (name, BED) whose scores are summarised against a random background.
    pub elements: Vec<(String, PathBuf)>,
    /// Pairs of element set names compared with each other (e.g. CTCF at loop anchors against
    /// CTCF elsewhere), besides each against random bins.
    pub compare: Vec<(String, String)>,
    /// Domains (BED) for the average TAD profile.
    pub tads: Option<PathBuf>,
    /// Flank width of the TAD profile, in bins (10 interior bins).
    pub flank_bins: usize,
    /// Seed of the random background bins of the element-set summaries.
    pub seed: u64,
    /// Only these chromosomes (empty: every chromosome with contacts): one job of a run scattered
    /// by chromosome, joined with `merge`.
    pub chromosomes: Vec<String>,
    /// Join per-chromosome attributions tables (runs with `chromosomes`) into one, normalised
    /// over all of them, with the summaries asked for; nothing is computed (`contacts` unused).
    pub merge: Vec<PathBuf>,
    /// Attribute only the predicted contacts of a pixel block instead of every observed pixel:
    /// one region (a domain) or two (a loop's ends); empty: every observed pixel.
    pub target: Vec<hiclstm::genome::Region>,
    /// The decoder differentiated (`--decoder`).
    pub decoder: crate::predict::DecoderChoice,
}

/// A block of pixels whose predicted contacts are attributed (`--target`): rows in `rows` and
/// columns in `cols` (bp, one chromosome), j >= i. One region gives a domain's square (both
/// ends inside it); two give a loop's block (one end in each).
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// Chromosome of the block.
    pub chrom: String,
    /// Rows: the first region, [start, end) bp.
    pub rows: (u64, u64),
    /// Columns: the second region (the first again for a domain), [start, end) bp.
    pub cols: (u64, u64),
}

impl Target {
    /// The block of one region (a domain) or of two (a loop: the upstream one gives the rows).
    pub fn new(regions: &[hiclstm::genome::Region], lengths: impl Fn(&str) -> Option<u64>) -> Result<Target> {
        let span = |r: &hiclstm::genome::Region| -> Result<(u64, u64)> {
            let len = lengths(&r.chrom).ok_or_else(|| Error::InvalidArgument(format!("--target {r}: no chromosome '{}' in the representations", r.chrom)))?;
            let e = r.end.unwrap_or(len).min(len);
            if r.start >= e {
                return Err(Error::InvalidArgument(format!("--target {r}: beyond the chromosome's end ({len} bp)")));
            }
            Ok((r.start, e))
        };
        match regions {
            [a] => Ok(Target { chrom: a.chrom.clone(), rows: span(a)?, cols: span(a)? }),
            [a, b] if a.chrom == b.chrom => {
                let (x, y) = (span(a)?, span(b)?);
                let (rows, cols) = if x.0 <= y.0 { (x, y) } else { (y, x) };
                Ok(Target { chrom: a.chrom.clone(), rows, cols })
            }
            [a, b] => {
                Err(Error::InvalidArgument(format!("--target {a} and {b}: a loop's two ends must be on one chromosome (the model is intra-chromosomal)")))
            }
            _ => Err(Error::InvalidArgument("--target takes one region (a domain) or two (a loop)".into())),
        }
    }

    /// Whether pixel (i, j) (bins of `res` bp) lies in the block.
    fn contains(&self, i: u32, j: u32, res: u64) -> bool {
        let inside = |b: u32, (s, e): (u64, u64)| {
            let (bs, be) = (b as u64 * res, (b as u64 + 1) * res);
            bs < e && be > s
        };
        inside(i, self.rows) && inside(j, self.cols)
    }
}

/// IG of one chromosome: per-bin scores (summed over features), per-bin frame counts, and the
/// completeness check (sum of scores, F(input) - F(baseline)).
pub fn chromosome(
    decoder: &crate::net::Decoder,
    reps: &Tensor,
    base: &Tensor,
    f: &frames::Frames,
    steps: usize,
    batch: usize,
) -> (Vec<f64>, Vec<u32>, f64, f64) {
    let mut ig = Ig::new(decoder, reps, base, steps);
    for f0 in (0..f.n()).step_by(batch.max(1)) {
        ig.add(&f.select(f0..(f0 + batch.max(1)).min(f.n())));
    }
    ig.finish()
}

/// Integrated Gradients of one chromosome, accumulated a batch of frames at a time: the target is
/// a sum over frames, so its gradient at each point of the path is the sum of the batches'
/// gradients, and no batch's graph outlives its backward pass (memory does not grow with the
/// number of frames).
pub struct Ig<'a> {
    decoder: &'a crate::net::Decoder,
    base: Tensor,
    diff: Tensor,
    steps: usize,
    grad_sum: Tensor,
    counts: Vec<u32>,
    /// Sum of the predictions at the input and at the baseline (for the completeness check).
    at_input: f64,
    at_base: f64,
}

impl<'a> Ig<'a> {
    /// IG of `decoder` from `base` to `reps` (both `[n, K]`) over `steps` trapezoid intervals.
    pub fn new(decoder: &'a crate::net::Decoder, reps: &Tensor, base: &Tensor, steps: usize) -> Self {
        let (n, k) = (reps.size()[0], reps.size()[1]);
        Ig {
            decoder,
            base: base.detach(),
            diff: (reps - base).detach(),
            steps,
            grad_sum: Tensor::zeros([n, k], (Kind::Float, reps.device())),
            counts: vec![0; n as usize],
            at_input: 0.0,
            at_base: 0.0,
        }
    }

    /// Adds the frames of `f` (rows and columns index the representations directly).
    pub fn add(&mut self, f: &frames::Frames) {
        self.add_weighted(f, None)
    }

    /// [`Ig::add`] with the target restricted to the steps of `target` (1 = the step's predicted
    /// probability counts; a subset of the observed steps); None: every observed step.
    pub fn add_weighted(&mut self, f: &frames::Frames, target: Option<&[f32]>) {
        if f.n() == 0 {
            return;
        }
        let dev = self.base.device();
        let (l, b) = (f.len, f.n() as i64);
        let ii = Tensor::from_slice(&f.row.iter().map(|&x| x as i64).collect::<Vec<_>>()).to(dev);
        let jj = Tensor::from_slice(&f.col.iter().map(|&x| x as i64).collect::<Vec<_>>()).reshape([b, l as i64]).to(dev);
        let m = Tensor::from_slice(&f.mask).reshape([b, l as i64]).to(dev);
        // The observed steps (not padding, not gaps), unless a subset is given.
        let w = match target {
            Some(t) => Tensor::from_slice(t),
            None => Tensor::from_slice(&f.mask.iter().zip(&f.target).map(|(&mk, &t)| frames::is_observed(mk, t) as u8 as f32).collect::<Vec<_>>()),
        }
        .reshape([b, l as i64])
        .to(dev);
        let total = |r: &Tensor| (forward_with(self.decoder, r, &ii, &jj, &m) * &w).sum(Kind::Float);
        for s in 0..=self.steps {
            let alpha = s as f64 / self.steps as f64;
            let w = if s == 0 || s == self.steps { 0.5 } else { 1.0 } / self.steps as f64;
            let point = (&self.base + &self.diff * alpha).detach().set_requires_grad(true);
            let t = total(&point);
            t.backward();
            tch::no_grad(|| self.grad_sum += point.grad() * w);
            if s == 0 {
                self.at_base += f64::try_from(&t).unwrap_or(f64::NAN);
            }
            if s == self.steps {
                self.at_input += f64::try_from(&t).unwrap_or(f64::NAN);
            }
        }
        // Every framed step reaches its representation, gaps included (they are inputs).
        for (s, &mk) in f.mask.iter().enumerate() {
            if mk > 0.0 {
                self.counts[f.col[s] as usize] += 1;
                self.counts[f.row[s / l] as usize] += 1;
            }
        }
    }

    /// Per-bin scores, per-bin frame counts, the sum of the scores and F(input) - F(baseline).
    pub fn finish(self) -> (Vec<f64>, Vec<u32>, f64, f64) {
        let ig = (&self.diff * &self.grad_sum).sum_dim_intlist([1i64].as_slice(), false, Kind::Double).to_device(Device::Cpu);
        let scores: Vec<f64> = Vec::<f64>::try_from(ig).unwrap_or_default();
        let sum: f64 = scores.iter().sum();
        (scores, self.counts, sum, self.at_input - self.at_base)
    }
}

/// Attributes every chromosome of the representations that has contacts, writes the attributions
/// table and bedGraph (and the summaries and plots asked for), and returns the attributions per
/// chromosome.
pub fn run(o: &AttributeOptions) -> Result<Vec<ChromAttributions>> {
    if !o.merge.is_empty() {
        return merge(o);
    }
    check_outputs(o)?;
    if o.steps < 2 {
        return Err(Error::InvalidArgument(format!("--steps {}: Integrated Gradients needs at least 2 steps", o.steps)));
    }
    if o.batch == 0 {
        return Err(Error::InvalidArgument("--batch must be at least 1".into()));
    }
    let (mf, model, aux) = load_model_with(&o.model_dir, o.device, o.decoder)?;
    let decoder = if aux { DecoderChoice::Auxiliary } else { DecoderChoice::Main };
    let reps_path = o.representations.clone().unwrap_or_else(|| ModelDir(o.model_dir.clone()).representations());
    let (_, k, reps) = tables::representations::read(&reps_path)?;
    if k != mf.config.k {
        return Err(Error::schema(&reps_path, format!("representations have K = {k}, the model needs K = {}", mf.config.k)));
    }
    let target = match o.target.is_empty() {
        true => None,
        false => Some(Target::new(&o.target, |name| reps.iter().find(|c| c.chrom == name).map(|c| c.end.last().copied().unwrap_or(0).max(0) as u64))?),
    };
    let head = tables::TableReader::open(&o.contacts, tables::TableKind::Contacts.schema())?;
    if head.meta.resolution().is_some_and(|r| r != mf.resolution) {
        return Err(Error::InvalidArgument(format!("{}: resolution differs from the model's {}", o.contacts.display(), mf.resolution)));
    }
    drop(head);
    /// Streams each chromosome's frames into its IG.
    struct Sink<'a> {
        o: &'a AttributeOptions,
        decoder: &'a crate::net::Decoder,
        reps: &'a [tables::representations::ChromRepresentations],
        k: usize,
        /// The chromosome being attributed: its representations, IG so far, frames and start time.
        current: Option<(usize, Ig<'a>, usize, std::time::Instant)>,
        out: Vec<ChromAttributions>,
        /// Bin size (bp), for the target block.
        res: u64,
        target: Option<Target>,
    }
    impl frames::FrameSink for Sink<'_> {
        fn start(&mut self, chrom: &str) -> Result<Option<std::ops::Range<u32>>> {
            let Some(ci) = self.reps.iter().position(|c| c.chrom == chrom) else { return Ok(None) };
            if self.target.as_ref().is_some_and(|t| t.chrom != chrom) || (!self.o.chromosomes.is_empty() && !self.o.chromosomes.iter().any(|c| c == chrom)) {
                return Ok(None);
            }
            let (c, k, dev) = (&self.reps[ci], self.k, self.o.device);
            let n = c.n_bins();
            let r = Tensor::from_slice(&c.values).reshape([n as i64, k as i64]).to(dev);
            let base = match self.o.baseline {
                Baseline::Zero => r.zeros_like(),
                Baseline::Mean => {
                    let obs: Vec<i64> = (0..n as i64).filter(|&b| c.observed[b as usize]).collect();
                    let m = r.index_select(0, &Tensor::from_slice(&obs).to(dev)).mean_dim([0i64].as_slice(), true, Kind::Float);
                    m.expand([n as i64, k as i64], false).contiguous()
                }
            };
            self.current = Some((ci, Ig::new(self.decoder, &r, &base, self.o.steps), 0, std::time::Instant::now()));
            Ok(Some(0..n as u32))
        }
        fn run(&mut self, run: &tables::contacts::ChromContacts) -> Result<()> {
            let c = &self.reps[self.current.as_ref().expect("started").0];
            let n = c.n_bins();
            if run.j.iter().any(|&j| j as usize >= n) {
                return Err(Error::InvalidArgument(format!("contacts of {} reach beyond its {n} representations", c.chrom)));
            }
            Ok(())
        }
        fn frames(&mut self, f: &frames::Frames) -> Result<()> {
            let cur = self.current.as_mut().expect("started");
            match &self.target {
                None => {
                    cur.1.add(f);
                    cur.2 += f.n();
                }
                // Frames stay as in training (whole rows); only the steps in the block count,
                // and frames without one are passed over.
                Some(t) => {
                    let l = f.len;
                    let w: Vec<f32> = (0..f.col.len())
                        .map(|g| (frames::is_observed(f.mask[g], f.target[g]) && t.contains(f.row[g / l], f.col[g], self.res)) as u8 as f32)
                        .collect();
                    let keep: Vec<usize> = (0..f.n()).filter(|&q| w[q * l..(q + 1) * l].iter().any(|&x| x > 0.0)).collect();
                    if !keep.is_empty() {
                        let wk: Vec<f32> = keep.iter().flat_map(|&q| w[q * l..(q + 1) * l].iter().copied()).collect();
                        cur.1.add_weighted(&f.select(keep.iter().copied()), Some(&wk));
                        cur.2 += keep.len();
                    }
                }
            }
            Ok(())
        }
        fn end(&mut self) -> Result<()> {
            let (ci, ig, n_frames, t0) = self.current.take().expect("started");
            let c = &self.reps[ci];
            if n_frames == 0 {
                let what = if self.target.is_some() { "no observed contact in the --target block" } else { "no observed contacts to attribute" };
                return Err(Error::InvalidArgument(format!("{}: {what}", c.chrom)));
            }
            let (scores, counts, sum, delta) = ig.finish();
            hiclstm::log::info(&format!(
                "{}: {n_frames} frames, {} steps in {:.1} s; completeness: sum of attributions {sum:.4} vs F(input) - F(baseline) {delta:.4}",
                c.chrom,
                self.o.steps,
                t0.elapsed().as_secs_f64()
            ));
            self.out.push(ChromAttributions { chrom: c.chrom.clone(), start: c.start.clone(), end: c.end.clone(), frames: counts, raw: scores });
            Ok(())
        }
    }
    let cfg = &mf.config;
    let mut sink = Sink { o, decoder: &model.decoder, reps: &reps, k, current: None, out: Vec::new(), res: mf.resolution as u64, target: target.clone() };
    let seen = frames::stream(&o.contacts, cfg.frame_len, cfg.value, cfg.transform, cfg.fills_gaps(), o.batch, &mut sink)?;
    let wanted = |c: &str| target.as_ref().is_none_or(|t| t.chrom == c) && (o.chromosomes.is_empty() || o.chromosomes.iter().any(|x| x == c));
    for c in reps.iter().filter(|c| !seen.contains(&c.chrom) && wanted(&c.chrom)) {
        hiclstm::log::warn(&format!("{}: no contacts for {}; not attributed", o.contacts.display(), c.chrom));
    }
    // Chromosomes in the representations' order, as before streaming.
    let mut out = sink.out;
    out.sort_by_key(|a| reps.iter().position(|c| c.chrom == a.chrom));
    if out.is_empty() {
        return Err(Error::InvalidArgument("no chromosome of the representations has contacts to attribute".into()));
    }
    let target_text = match &target {
        None => "sum of predicted probabilities of all observed frame steps".to_string(),
        Some(t) => format!(
            "sum of predicted probabilities of the observed pixels with i in {}:{}-{} and j in {}:{}-{}",
            t.chrom,
            t.rows.0 + 1,
            t.rows.1,
            t.chrom,
            t.cols.0 + 1,
            t.cols.1
        ),
    };
    let params = serde_json::json!({"model": o.model_dir, "decoder": decoder, "representations": reps_path, "contacts": o.contacts, "steps": o.steps, "baseline": o.baseline, "target": target_text, "chromosomes": o.chromosomes});
    write_outputs(o, &mf.assembly, mf.resolution, &out, params)?;
    Ok(out)
}

/// Where the outputs of `hiclstm-attribute` go: table, bedGraph, summary, TAD profile, boxes.
struct Paths {
    table: PathBuf,
    bedgraph: PathBuf,
    z_bedgraph: PathBuf,
    bigwig: PathBuf,
    z_bigwig: PathBuf,
    summary: PathBuf,
    profile: PathBuf,
    elements: PathBuf,
}

/// Writes the attributions table and bedGraph, normalised over `out`, and the summaries and
/// plots asked for; all or nothing.
fn write_outputs(o: &AttributeOptions, assembly: &str, resolution: u32, out: &[ChromAttributions], params: serde_json::Value) -> Result<()> {
    let Paths { table: tpath, bedgraph: gpath, z_bedgraph: zpath, bigwig: bpath, z_bigwig: zbpath, summary: spath, profile: ppath, elements: epath } = paths(o);
    let summarise = !o.elements.is_empty() || o.tads.is_some();
    let mut meta = Meta::new(tables::TableKind::Attributions.schema());
    meta.set("assembly", assembly).set("resolution", resolution).set("params", params.to_string());
    let mut outs = OutputSet::default();
    outs.push(tables::attributions::write(&tpath, &meta, out, o.force)?);
    let norm = tables::attributions::normalise(out);
    // Each track as bedGraph and as bigWig (IGV, the UCSC browser); the z-scores, the paper's
    // unit, for the bins in at least one frame (NaN for the others).
    let sizes: Vec<(String, u64)> = out.iter().map(|c| (c.chrom.clone(), c.end.last().copied().unwrap_or(0).max(0) as u64)).collect();
    for (graph, big, records) in [(&gpath, &bpath, track(out, &norm, |n| &n.normalized)), (&zpath, &zbpath, track(out, &norm, |n| &n.z))] {
        outs.extend(hiclstm::formats::bigwig::write_with_bedgraph(graph, big, &sizes, &records, o.force)?);
    }
    if summarise {
        let Summary { rows, profile, boxes } = summary(o, out, &norm, resolution)?;
        let mut m = Meta::new(tables::TableKind::Metrics.schema());
        m.set("assembly", assembly).set("resolution", resolution).set(
            "params",
            serde_json::json!({"attributions": tpath, "elements": o.elements, "tads": o.tads, "flank_bins": o.flank_bins, "score": "normalized"}).to_string(),
        );
        outs.push(tables::metrics::write(&spath, &m, &rows, o.force)?);
        // Plots join the output set: a failed plot leaves no table behind either.
        if !boxes.is_empty() {
            outs.push(hiclstm::plot::boxes(&epath, "Attribution by element set; grey: random bins, same chromosomes", "normalized attribution", &boxes)?);
        }
        if let Some(p) = &profile {
            let pts: Vec<(f64, f64)> = p.iter().enumerate().map(|(k, v)| (k as f64 - o.flank_bins as f64 + 0.5, *v)).collect();
            let chart = hiclstm::plot::LineChart {
                title: "Attribution across TADs (10 interior bins, flanks in bins)",
                x_label: "position (0 = TAD start, 10 = TAD end)",
                y_label: "mean normalized attribution",
                log_x: false,
                log_y: false,
                y_range: None,
                x_integer: false,
            };
            outs.push(hiclstm::plot::line_chart(&ppath, &chart, &[hiclstm::plot::Series { name: "mean over TADs".into(), points: pts, dashed: false }])?);
        }
    }
    outs.commit(o.force).map(|_| ())
}

/// One normalised score of every bin as bedGraph records; bins whose score is NaN are left out.
fn track(
    out: &[ChromAttributions],
    norm: &[tables::attributions::Normalised],
    score: impl Fn(&tables::attributions::Normalised) -> &Vec<f64>,
) -> Vec<hiclstm::formats::bed::BedGraph> {
    out.iter()
        .zip(norm)
        .flat_map(|(c, n)| {
            let v = score(n);
            (0..c.raw.len()).filter(|&b| !v[b].is_nan()).map(move |b| hiclstm::formats::bed::BedGraph {
                chrom: c.chrom.clone(),
                start: c.start[b] as u64,
                end: c.end[b] as u64,
                value: v[b],
            })
        })
        .collect()
}

fn paths(o: &AttributeOptions) -> Paths {
    let at = |n: &str| hiclstm::cli::output_path(&o.output, n);
    Paths {
        table: at(hiclstm::outputs::ATTRIBUTIONS),
        bedgraph: at(hiclstm::outputs::ATTRIBUTIONS_BEDGRAPH),
        z_bedgraph: at(hiclstm::outputs::ATTRIBUTIONS_Z_BEDGRAPH),
        bigwig: at(hiclstm::outputs::ATTRIBUTIONS_BIGWIG),
        z_bigwig: at(hiclstm::outputs::ATTRIBUTIONS_Z_BIGWIG),
        summary: at(hiclstm::outputs::ATTRIBUTION_SUMMARY),
        profile: at(hiclstm::outputs::TAD_PROFILE_PNG),
        elements: at(hiclstm::outputs::ELEMENTS_PNG),
    }
}

/// Joins per-chromosome attributions tables (`o.merge`, runs with `--chromosomes`) into one:
/// the raw scores and frame counts as computed, normalised over all of them, with the summaries
/// asked for. The result equals one run over all their chromosomes (tested).
pub fn merge(o: &AttributeOptions) -> Result<Vec<ChromAttributions>> {
    check_outputs(o)?;
    // Only the model's resolution, assembly and chromosome order are needed: not its weights.
    let mf = crate::config::ModelFile::load(&ModelDir(o.model_dir.clone()).yaml())?;
    let mut out: Vec<ChromAttributions> = Vec::new();
    let mut assembly: Option<String> = None;
    for p in &o.merge {
        let (meta, chroms) = tables::attributions::read_chroms(p)?;
        if meta.resolution().is_some_and(|r| r != mf.resolution) {
            return Err(Error::InvalidArgument(format!("{}: resolution differs from the model's {}", p.display(), mf.resolution)));
        }
        let a = meta.get("assembly").unwrap_or("unknown").to_string();
        if assembly.get_or_insert_with(|| a.clone()) != &a {
            return Err(Error::InvalidArgument(format!("{}: assembly {a} differs from the other tables' {}", p.display(), assembly.unwrap_or_default())));
        }
        for c in chroms {
            if out.iter().any(|x| x.chrom == c.chrom) {
                return Err(Error::InvalidArgument(format!("{}: {} is in another table too", p.display(), c.chrom)));
            }
            out.push(c);
        }
    }
    // Chromosomes in the model's order, as one run writes them.
    out.sort_by_key(|a| mf.chromosomes.iter().position(|c| c.name == a.chrom).unwrap_or(usize::MAX));
    hiclstm::log::info(&format!("{} tables, {} chromosomes joined", o.merge.len(), out.len()));
    let params = serde_json::json!({"model": o.model_dir, "merged": o.merge});
    write_outputs(o, &assembly.unwrap_or_else(|| mf.assembly.clone()), mf.resolution, &out, params)?;
    Ok(out)
}

/// The checks of the request made before anything is computed: outputs writable, element-set
/// names of `--compare` known.
fn check_outputs(o: &AttributeOptions) -> Result<()> {
    let p = paths(o);
    hiclstm::output::check_writable(&p.table, o.force)?;
    hiclstm::output::check_writable(&p.bedgraph, o.force)?;
    hiclstm::output::check_writable(&p.z_bedgraph, o.force)?;
    hiclstm::output::check_writable(&p.bigwig, o.force)?;
    hiclstm::output::check_writable(&p.z_bigwig, o.force)?;
    if !o.compare.is_empty() && o.elements.is_empty() {
        return Err(Error::InvalidArgument("--compare names element sets of --elements".into()));
    }
    if !o.elements.is_empty() || o.tads.is_some() {
        hiclstm::output::check_writable(&p.summary, o.force)?;
    }
    if o.tads.is_some() {
        hiclstm::output::check_writable(&p.profile, o.force)?;
    }
    if !o.elements.is_empty() {
        hiclstm::output::check_writable(&p.elements, o.force)?;
    }
    for name in o.compare.iter().flat_map(|(a, b)| [a, b]) {
        if !o.elements.iter().any(|e| &e.0 == name) {
            let known: Vec<&str> = o.elements.iter().map(|e| e.0.as_str()).collect();
            return Err(Error::InvalidArgument(format!("--compare: no element set named '{name}' (--elements gives: {})", known.join(", "))));
        }
    }
    Ok(())
}

/// Element-set summaries (against random bins of the same chromosomes) and the TAD profile, on
/// the normalized scores; as metrics-table rows (task `attribution`).
struct Summary {
    /// Metrics-table rows (task `attribution`).
    rows: Vec<tables::metrics::MetricRow>,
    /// The mean normalized score across TADs (with `--tads`).
    profile: Option<Vec<f64>>,
    /// Per element set: its scores and the random background's, for the box plots.
    boxes: Vec<Vec<hiclstm::plot::BoxStat>>,
}

fn summary(o: &AttributeOptions, out: &[ChromAttributions], norm: &[tables::attributions::Normalised], resolution: u32) -> Result<Summary> {
    use hiclstm::formats::bed::read_placed;
    use tables::metrics::MetricRow;
    let mut genome = hiclstm::genome::BinMap::new(resolution);
    for c in out {
        genome.push_bins(&c.chrom, c.end.last().copied().unwrap_or(0).max(0) as u64, c.raw.len());
    }
    let scores: Vec<f64> = norm.iter().flat_map(|n| n.normalized.iter().copied()).collect();
    // The same summaries in z-scores (the paper's unit; NaN only on unframed bins, never used).
    let z: Vec<f64> = norm.iter().flat_map(|n| n.z.iter().copied()).collect();
    let framed: Vec<bool> = out.iter().flat_map(|c| c.frames.iter().map(|&f| f > 0)).collect();
    let per_chrom: Vec<Vec<usize>> = (0..out.len()).map(|c| (genome.offset(c)..genome.offset(c) + out[c].raw.len()).filter(|&b| framed[b]).collect()).collect();
    let row = |method: &str, metric: &str, pos: Option<u32>, value: f64, n: usize| MetricRow {
        method: method.into(),
        chrom: "all".into(),
        metric: metric.into(),
        distance_lo: pos,
        task: Some("attribution".into()),
        value: Some(value).filter(|v| v.is_finite()),
        n: n as i64,
        ..Default::default()
    };
    let mut rows = Vec::new();
    let mut boxes = Vec::new();
    // Each set's scores (normalized, z), for the set-against-set comparisons.
    let mut sets: std::collections::HashMap<&str, (Vec<f64>, Vec<f64>)> = Default::default();
    for (k, (name, path)) in o.elements.iter().enumerate() {
        let (feats, unknown) = read_placed(path, &genome)?;
        if unknown > 0 {
            hiclstm::log::warn(&format!("{}: {unknown} elements on chromosomes without attributions were skipped", path.display()));
        }
        let mut bins: Vec<(usize, usize)> = feats
            .iter()
            .flat_map(|f| {
                let r = genome.bins(f.chrom, f.start, f.end);
                (r.start..r.end.max(r.start + 1)).map(move |b| (f.chrom, b))
            })
            .map(|(c, b)| (c, genome.offset(c) + b))
            .filter(|&(_, b)| framed[b])
            .collect();
        bins.sort_unstable();
        bins.dedup();
        if bins.is_empty() {
            return Err(Error::InvalidArgument(format!("element set '{name}' ({}): no element on an attributed bin", path.display())));
        }
        let s = hiclstm::aggregate::summarise(&scores, &bins, &per_chrom, o.seed.wrapping_add(k as u64));
        // Same seed: the same random background bins.
        let sz = hiclstm::aggregate::summarise(&z, &bins, &per_chrom, o.seed.wrapping_add(k as u64));
        hiclstm::log::info(&format!(
            "{name}: {} bins, mean {:.4} (background {:.4}), median {:.4}, Mann-Whitney p {:.3e}",
            s.count, s.mean, s.background_mean, s.median, s.p_value
        ));
        for (metric, v) in
            [("mean", s.mean), ("median", s.median), ("q1", s.q1), ("q3", s.q3), ("background_mean", s.background_mean), ("mann_whitney_p", s.p_value)]
        {
            rows.push(row(name, metric, None, v, s.count));
        }
        for (metric, v) in [("mean_z", sz.mean), ("median_z", sz.median), ("q1_z", sz.q1), ("q3_z", sz.q3), ("background_mean_z", sz.background_mean)] {
            rows.push(row(name, metric, None, v, sz.count));
        }
        sets.insert(name.as_str(), (s.values.clone(), sz.values.clone()));
        boxes.push(
            [hiclstm::plot::BoxStat::of(name, &s.values), hiclstm::plot::BoxStat::of(&format!("random, p={:.2}", s.p_value), &s.background)]
                .into_iter()
                .flatten()
                .collect(),
        );
    }
    // Set against set: mean differences and a two-sided Mann-Whitney test (bins in both sets
    // count in both).
    for (a, b) in &o.compare {
        let ((na, za), (nb, zb)) = (&sets[a.as_str()], &sets[b.as_str()]);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let p = hiclstm::aggregate::mann_whitney(na, nb);
        hiclstm::log::info(&format!("{a} against {b}: mean {:.4} vs {:.4} ({} and {} bins), Mann-Whitney p {p:.3e}", mean(na), mean(nb), na.len(), nb.len()));
        let method = format!("{a}_vs_{b}");
        for (metric, v) in [("mean_difference", mean(na) - mean(nb)), ("mean_difference_z", mean(za) - mean(zb)), ("mann_whitney_p", p)] {
            rows.push(row(&method, metric, None, v, na.len() + nb.len()));
        }
    }
    let profile = match &o.tads {
        Some(p) => {
            let (feats, _) = read_placed(p, &genome)?;
            let doms: Vec<hiclstm::aggregate::Domain> = feats
                .iter()
                .map(|f| {
                    let c = &genome.chroms[f.chrom];
                    hiclstm::aggregate::Domain {
                        offset: c.offset,
                        chrom_bins: c.n_bins,
                        start: genome.bin_of(f.start),
                        end: genome.bins(f.chrom, f.start, f.end).end,
                    }
                })
                .filter(|d| d.end > d.start)
                .collect();
            if doms.is_empty() {
                return Err(Error::InvalidArgument(format!("{}: no domain on an attributed chromosome", p.display())));
            }
            let prof = hiclstm::aggregate::tad_profile(&scores, &doms, 10, o.flank_bins);
            for (k, v) in prof.iter().enumerate() {
                rows.push(row("tad_profile", "mean_normalized", Some(k as u32), *v, doms.len()));
            }
            for (k, v) in hiclstm::aggregate::tad_profile(&z, &doms, 10, o.flank_bins).iter().enumerate() {
                rows.push(row("tad_profile", "mean_z", Some(k as u32), *v, doms.len()));
            }
            Some(prof)
        }
        None => None,
    };
    Ok(Summary { rows, profile, boxes })
}

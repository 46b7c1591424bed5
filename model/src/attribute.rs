//! `hiclstm-attribute`: Integrated Gradients (Sundararajan et al. 2017) of the model's predicted
//! contacts with respect to the representations, with libtorch autograd.
//!
//! The target is the sum of the predicted probabilities of every observed frame step of a
//! chromosome; IG is linear in the target, so this equals the sum over frames of per-frame IG:
//! each bin's score is the attribution flowing to its representation from every frame it takes
//! part in (as row or as column), summed over the K features. The path from the baseline to the
//! input is integrated with the trapezoidal rule over `steps` intervals.

use crate::net::forward_with;
use crate::predict::load_model;
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

pub struct AttributeOptions {
    pub model_dir: PathBuf,
    pub representations: Option<PathBuf>,
    /// Contacts whose observed pixels make the frames (as in training).
    pub contacts: PathBuf,
    pub steps: usize,
    pub baseline: Baseline,
    pub output: PathBuf,
    pub device: Device,
    pub batch: usize,
    pub force: bool,
}

/// IG of one chromosome: per-bin scores (summed over features), per-bin frame counts, and the
/// completeness check (sum of scores, F(input) - F(baseline)).
pub fn chromosome(decoder: &crate::net::Decoder, reps: &Tensor, base: &Tensor, f: &frames::Frames, steps: usize, batch: usize) -> (Vec<f64>, Vec<u32>, f64, f64) {
    let dev = reps.device();
    let (n, k) = (reps.size()[0], reps.size()[1]);
    let l = f.len;
    let total = |r: &Tensor| -> Tensor {
        let mut acc = Tensor::zeros([], (Kind::Float, dev));
        for f0 in (0..f.n()).step_by(batch) {
            let f1 = (f0 + batch).min(f.n());
            let b = (f1 - f0) as i64;
            let ii: Vec<i64> = f.row[f0..f1].iter().map(|&x| x as i64).collect();
            let jj: Vec<i64> = f.col[f0 * l..f1 * l].iter().map(|&x| x as i64).collect();
            let m = Tensor::from_slice(&f.mask[f0 * l..f1 * l]).reshape([b, l as i64]).to(dev);
            let p = forward_with(decoder, r, &Tensor::from_slice(&ii).to(dev), &Tensor::from_slice(&jj).reshape([b, l as i64]).to(dev), &m);
            acc += (p * m).sum(Kind::Float);
        }
        acc
    };
    let diff = reps - base;
    let mut grad_sum = Tensor::zeros([n, k], (Kind::Float, dev));
    for s in 0..=steps {
        let alpha = s as f64 / steps as f64;
        let w = if s == 0 || s == steps { 0.5 } else { 1.0 } / steps as f64;
        let point = (base + &diff * alpha).detach().set_requires_grad(true);
        let t = total(&point);
        t.backward();
        grad_sum += point.grad() * w;
    }
    let ig = (&diff * &grad_sum).sum_dim_intlist([1i64].as_slice(), false, Kind::Double).to_device(Device::Cpu);
    let scores: Vec<f64> = Vec::<f64>::try_from(ig).unwrap_or_default();
    let (fi, fb) = tch::no_grad(|| (f64::try_from(total(reps)).unwrap_or(f64::NAN), f64::try_from(total(base)).unwrap_or(f64::NAN)));
    let mut counts = vec![0u32; n as usize];
    for (s, &m) in f.mask.iter().enumerate() {
        if m > 0.0 {
            counts[f.col[s] as usize] += 1;
            counts[f.row[s / l] as usize] += 1;
        }
    }
    let sum: f64 = scores.iter().sum();
    (scores, counts, sum, fi - fb)
}

pub fn run(o: &AttributeOptions) -> Result<Vec<ChromAttributions>> {
    let (tpath, gpath) = (hiclstm::cli::output_path(&o.output, "attributions.parquet"), hiclstm::cli::output_path(&o.output, "attributions.bedGraph"));
    hiclstm::output::check_writable(&tpath, o.force)?;
    hiclstm::output::check_writable(&gpath, o.force)?;
    if o.steps < 2 {
        return Err(Error::InvalidArgument(format!("--steps {}: Integrated Gradients needs at least 2 steps", o.steps)));
    }
    if o.batch == 0 {
        return Err(Error::InvalidArgument("--batch must be at least 1".into()));
    }
    let (mf, model) = load_model(&o.model_dir, o.device)?;
    let reps_path = o.representations.clone().unwrap_or_else(|| ModelDir(o.model_dir.clone()).representations());
    let (_, k, reps) = tables::representations::read(&reps_path)?;
    if k != mf.config.k {
        return Err(Error::schema(&reps_path, format!("representations have K = {k}, the model needs K = {}", mf.config.k)));
    }
    let (cmeta, contacts) = tables::contacts::read_all(&o.contacts)?;
    if cmeta.resolution().is_some_and(|r| r != mf.resolution) {
        return Err(Error::InvalidArgument(format!("{}: resolution differs from the model's {}", o.contacts.display(), mf.resolution)));
    }
    let mut out = Vec::new();
    for c in &reps {
        let Some(cc) = contacts.iter().find(|x| x.chrom == c.chrom) else {
            hiclstm::log::warn(&format!("{}: no contacts for {}; not attributed", o.contacts.display(), c.chrom));
            continue;
        };
        let n = c.n_bins();
        if cc.j.iter().any(|&j| j as usize >= n) {
            return Err(Error::InvalidArgument(format!("contacts of {} reach beyond its {n} representations", c.chrom)));
        }
        let (f, _) = frames::build(std::slice::from_ref(cc), mf.config.frame_len, mf.config.value, &mf.config.transform, None, &o.contacts)?;
        if f.n() == 0 {
            return Err(Error::InvalidArgument(format!("{}: no observed contacts to attribute", c.chrom)));
        }
        let r = Tensor::from_slice(&c.values).reshape([n as i64, k as i64]).to(o.device);
        let base = match o.baseline {
            Baseline::Zero => r.zeros_like(),
            Baseline::Mean => {
                let obs: Vec<i64> = (0..n as i64).filter(|&b| c.observed[b as usize]).collect();
                let m = r.index_select(0, &Tensor::from_slice(&obs).to(o.device)).mean_dim([0i64].as_slice(), true, Kind::Float);
                m.expand([n as i64, k as i64], false).contiguous()
            }
        };
        let t0 = std::time::Instant::now();
        let (scores, counts, sum, delta) = chromosome(&model.decoder, &r, &base, &f, o.steps, o.batch);
        hiclstm::log::info(&format!(
            "{}: {} frames, {} steps in {:.1} s; completeness: sum of attributions {sum:.4} vs F(input) - F(baseline) {delta:.4}",
            c.chrom,
            f.n(),
            o.steps,
            t0.elapsed().as_secs_f64()
        ));
        out.push(ChromAttributions { chrom: c.chrom.clone(), start: c.start.clone(), end: c.end.clone(), frames: counts, raw: scores });
    }
    if out.is_empty() {
        return Err(Error::InvalidArgument("no chromosome of the representations has contacts to attribute".into()));
    }
    let mut meta = Meta::new(tables::schema("attributions"));
    meta.set("assembly", &mf.assembly).set("resolution", mf.resolution).set(
        "params",
        serde_json::json!({"model": o.model_dir, "representations": reps_path, "contacts": o.contacts, "steps": o.steps, "baseline": o.baseline, "target": "sum of predicted probabilities of all observed frame steps"}).to_string(),
    );
    let mut outs = OutputSet::default();
    outs.push(tables::attributions::write(&tpath, &meta, &out, o.force)?);
    let norm = tables::attributions::normalise(&out);
    let records: Vec<(String, u64, u64, f64)> = out.iter().zip(&norm).flat_map(|(c, (nz, _))| (0..c.raw.len()).map(move |b| (c.chrom.clone(), c.start[b] as u64, c.end[b] as u64, nz[b]))).collect();
    outs.push(hiclstm::formats::bed::write_bedgraph(&gpath, &records, o.force)?);
    outs.commit(o.force)?;
    Ok(out)
}

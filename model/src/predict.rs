//! `hiclstm-predict`: a trained decoder applied to a representation matrix (the model's own, or an
//! edited one of another length) -> predictions table.

use crate::config::ModelFile;
use crate::net::HicLstm;
use crate::train::{load_named, ModelDir};
use hiclstm::error::{Error, Location, Result};
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

/// Dense frames over rows `lo..hi`, columns `i..=min(hi - 1, i + max_d)`.
pub fn dense_frames(lo: u32, hi: u32, max_d: u32, len: usize) -> Frames {
    let mut f = Frames { len, ..Default::default() };
    for i in lo..hi {
        let last = (i as u64 + max_d as u64).min(hi as u64 - 1) as u32;
        let mut step = 0;
        for j in i..=last {
            if step == 0 {
                f.chrom.push(0);
                f.row.push(i);
            }
            f.col.push(j);
            f.target.push(0.0);
            f.mask.push(1.0);
            step = (step + 1) % len;
        }
        if step != 0 {
            for _ in step..len {
                f.col.push(i);
                f.target.push(0.0);
                f.mask.push(0.0);
            }
        }
    }
    f
}

fn restrict(c: &ChromContacts, lo: u32, hi: u32) -> ChromContacts {
    let mut o = ChromContacts { chrom: c.chrom.clone(), ..Default::default() };
    for k in 0..c.i.len() {
        if c.i[k] >= lo && c.j[k] < hi {
            o.i.push(c.i[k]);
            o.j.push(c.j[k]);
            o.count.push(c.count[k]);
            o.value.push(c.value[k]);
        }
    }
    o
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
    let contacts = match &o.contacts {
        Some(p) => {
            let (cm, cc) = tables::contacts::read_all(p)?;
            if cm.resolution().is_some_and(|r| r != mf.resolution) {
                return Err(Error::InvalidArgument(format!(
                    "{}: resolution {} differs from the model's {}",
                    p.display(),
                    cm.resolution().unwrap_or(0),
                    mf.resolution
                )));
            }
            if !cc.iter().any(|x| reps.iter().any(|c| c.chrom == x.chrom)) {
                return Err(Error::not_in_input(
                    p,
                    "a chromosome of the model",
                    format!("the table has {}; the model has {}", names(cc.iter().map(|x| &x.chrom)), names(reps.iter().map(|c| &c.chrom))),
                ));
            }
            Some(cc)
        }
        None => None,
    };
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
    let mut meta = Meta::new(tables::TableKind::Predictions.schema());
    meta.set("assembly", &mf.assembly).set("resolution", mf.resolution).set(
        "params",
        serde_json::json!({"model": o.model_dir, "representations": reps_path, "contacts": o.contacts, "region": o.region.as_ref().map(|r| format!("{}:{}-{}", r.chrom, r.start + 1, r.end.unwrap_or(0))), "max_distance": o.max_distance}).to_string(),
    );
    let mut writer = PredictionsWriter::create(&o.output, &meta, o.force)?;
    let t = &mf.config.transform;
    let l = mf.config.frame_len;
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
        let (fr, obs) = match &contacts {
            Some(cc) => {
                let Some(x) = cc.iter().find(|x| x.chrom == c.chrom) else {
                    hiclstm::log::warn(&format!("{}: no contacts for {}; skipped", o.contacts.as_ref().expect("set").display(), c.chrom));
                    continue;
                };
                if x.j.iter().any(|&j| j >= n) {
                    return Err(Error::InvalidArgument(format!("contacts of {} reach beyond its {n} representations", c.chrom)));
                }
                let x = restrict(x, lo, hi);
                let (f, _) = frames::build(std::slice::from_ref(&x), l, mf.config.value, t, None, o.contacts.as_ref().expect("set"))?;
                (f, Some(x))
            }
            None => {
                let md = o.max_distance.or(mf.config.max_distance).map(|d| (d / res) as u32).unwrap_or(n);
                (dense_frames(lo, hi, md, l), None)
            }
        };
        if fr.n() == 0 {
            return Err(Error::InvalidArgument(format!("{}: no pixels to predict in the chosen region", c.chrom)));
        }
        let rt = Tensor::from_slice(&c.values).reshape([n as i64, k as i64]).to(o.device);
        let mut out = ChromPredictions { chrom: c.chrom.clone(), ..Default::default() };
        let mut obs_k = 0usize;
        let p = crate::net::predict_frames(&model.decoder, &rt, &fr, o.batch);
        for g in (0..p.len()).filter(|&g| fr.mask[g] > 0.0) {
            let (i, j) = (fr.row[g / l], fr.col[g]);
            let prob = p[g] as f64;
            out.i.push(i);
            out.j.push(j);
            out.predicted_prob.push(prob);
            out.predicted_value.push(t.to_value(prob));
            // Observations by (i, j), aligned with the frame order (same sort order).
            let (ov, op) = match &obs {
                Some(x) => {
                    while obs_k < x.i.len() && (x.i[obs_k], x.j[obs_k]) < (i, j) {
                        obs_k += 1;
                    }
                    if obs_k < x.i.len() && (x.i[obs_k], x.j[obs_k]) == (i, j) {
                        let v = match mf.config.value {
                            ValueColumn::Value => x.value[obs_k],
                            ValueColumn::Count => x.count[obs_k],
                        };
                        (v, t.to_prob(v))
                    } else {
                        (f64::NAN, f64::NAN)
                    }
                }
                None => (f64::NAN, f64::NAN),
            };
            out.observed_value.push(ov);
            out.observed_prob.push(op);
        }
        hiclstm::log::info(&format!("{}: {} pixels predicted", c.chrom, out.i.len()));
        writer.write(&out)?;
    }
    let rows = writer.rows;
    let mut outs = OutputSet::default();
    outs.push(writer.finish()?);
    outs.commit(o.force)?;
    Ok(rows)
}

/// Names, comma-separated (for messages).
fn names<'a>(it: impl Iterator<Item = &'a String>) -> String {
    it.map(String::as_str).collect::<Vec<_>>().join(", ")
}

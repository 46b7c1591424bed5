//! `hiclstm-decoders`: the paper's representation x decoder comparison. Decoders (LSTM, CNN, FC
//! of matched depth and width, each with the frame head) are trained on frozen representations
//! from any method on some chromosomes and tested on the others; R^2 by distance for every pair
//! goes into one metrics table and one plot.

use crate::adam::Adam;
use crate::config::{Cell, ModelConfig};
use crate::data;
use crate::net::{HicLstm, EMBEDDING};
use crate::train::{predict_frames, run_epoch, EpochSettings};
use hiclstm::cli::output_path;
use hiclstm::error::{Error, Result};
use hiclstm::evaluate::{distance_plot, metric_rows, Stats};
use hiclstm::output::{check_writable, OutputSet};
use hiclstm::tables::{self, metrics::MetricRow, Meta};
use std::path::PathBuf;
use tch::{Device, Tensor};

/// Inputs, settings and output of `hiclstm-decoders`.
pub struct DecoderOptions {
    /// Contacts tables of the training and test frames (one resolution; each chromosome in one
    /// table).
    pub contacts: Vec<PathBuf>,
    /// (label, representations table).
    pub representations: Vec<(String, PathBuf)>,
    /// Chromosomes whose frames train the decoders.
    pub train_chromosomes: Vec<String>,
    /// Chromosomes whose frames test them; none may also be a training chromosome.
    pub test_chromosomes: Vec<String>,
    /// Decoder cells to compare; each is trained once per representations table.
    pub decoders: Vec<Cell>,
    /// Hidden size, frame length, transform and schedule (K comes from each table).
    pub config: ModelConfig,
    /// Distance bands `[lo, hi)` in bins for the banded R^2 rows; `hi` None: no upper bound.
    pub bands: Vec<(u32, Option<u32>)>,
    /// Output prefix: PREFIX.metrics.parquet and, with `plots`, PREFIX.r2_by_distance.png.
    pub output: PathBuf,
    /// libtorch device for training and testing.
    pub device: Device,
    /// Overwrite existing outputs.
    pub force: bool,
    /// Also draw R^2 by distance for every pair (PREFIX.r2_by_distance.png).
    pub plots: bool,
}

/// The decoder's name in method labels (`LABEL+name`): `lstm` for every LSTM cell, `cnn` or `fc`.
pub fn decoder_name(c: Cell) -> &'static str {
    match c {
        Cell::Fused | Cell::Layernorm | Cell::Reference => "lstm",
        Cell::Cnn => "cnn",
        Cell::Fc => "fc",
    }
}

/// Trains every representations x decoder pair on the training chromosomes with the representations
/// frozen, tests it on the test chromosomes, writes the metrics table (and plot) and returns its
/// rows.
pub fn run(o: &DecoderOptions) -> Result<Vec<MetricRow>> {
    let (mpath, ppath) = (output_path(&o.output, hiclstm::outputs::METRICS), output_path(&o.output, hiclstm::outputs::R2_BY_DISTANCE_PNG));
    check_writable(&mpath, o.force)?;
    if o.plots {
        check_writable(&ppath, o.force)?;
    }
    if o.representations.is_empty() || o.decoders.is_empty() {
        return Err(Error::InvalidArgument("need at least one representations table and one decoder".into()));
    }
    // The decoders' configuration is checked as training's is (hidden 0, epochs 0, batch 0...).
    o.config.check()?;
    if let Some(c) = o.train_chromosomes.iter().find(|c| o.test_chromosomes.contains(c)) {
        return Err(Error::InvalidArgument(format!("chromosome {c} is both a training and a test chromosome")));
    }
    let dataset = data::load(&o.contacts)?;
    let index = |name: &str| -> Result<usize> {
        dataset.chroms.iter().position(|c| c.name == name).ok_or_else(|| {
            Error::not_in_input(&o.contacts[0], format!("chromosome '{name}'"), dataset.chroms.iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join(", "))
        })
    };
    let train_idx: Vec<usize> = o.train_chromosomes.iter().map(|c| index(c)).collect::<Result<_>>()?;
    let test_idx: Vec<usize> = o.test_chromosomes.iter().map(|c| index(c)).collect::<Result<_>>()?;
    if train_idx.is_empty() || test_idx.is_empty() {
        return Err(Error::InvalidArgument("give at least one training and one test chromosome".into()));
    }
    let all = data::frames(&dataset, &o.config, &o.contacts[0])?;
    let train = all.select(|c| train_idx.contains(&c));
    let test = all.select(|c| test_idx.contains(&c));
    if train.frames.n() == 0 || test.frames.n() == 0 {
        return Err(Error::InvalidArgument("no contacts on the training or on the test chromosomes".into()));
    }
    let n_total: usize = dataset.chroms.iter().map(|c| c.n_bins).sum();

    let mut stats: Vec<(String, Stats)> = Vec::new();
    for (label, path) in &o.representations {
        let (meta, k, reps) = tables::representations::read(path)?;
        if meta.resolution().is_some_and(|r| r != dataset.resolution) {
            return Err(Error::InvalidArgument(format!(
                "{}: resolution {:?} differs from the contacts' {}",
                path.display(),
                meta.resolution(),
                dataset.resolution
            )));
        }
        let mut matrix = vec![0f32; n_total * k];
        for c in &dataset.chroms {
            let r = reps.iter().find(|r| r.chrom == c.name).ok_or_else(|| {
                Error::not_in_input(path, format!("chromosome '{}'", c.name), reps.iter().map(|r| r.chrom.as_str()).collect::<Vec<_>>().join(", "))
            })?;
            if r.n_bins() != c.n_bins {
                return Err(Error::InvalidArgument(format!("{}: {} has {} bins, the contacts {}", path.display(), c.name, r.n_bins(), c.n_bins)));
            }
            matrix[c.offset * k..(c.offset + c.n_bins) * k].copy_from_slice(&r.values);
        }
        for &cell in &o.decoders {
            let name = format!("{label}+{}", decoder_name(cell));
            let mut cfg = o.config.clone();
            cfg.k = k;
            cfg.cell = cell;
            // The representations are fixed here: nothing for an auxiliary decoder to train.
            cfg.step_loss = 0.0;
            tch::manual_seed(cfg.train.seed as i64);
            let model = HicLstm::new(&cfg, n_total, o.device);
            let frozen = Tensor::from_slice(&matrix).reshape([n_total as i64, k as i64]).to(o.device);
            tch::no_grad(|| model.embedding.shallow_clone().copy_(&frozen));
            let _ = model.embedding.set_requires_grad(false);
            let mut adam = Adam::new(model.named_variables().into_iter().filter(|(n, _)| n != EMBEDDING).collect());
            let sched = cfg.train.schedule_for(train.frames.n(), cfg.auto_min_steps());
            let t0 = std::time::Instant::now();
            let mut last = f64::NAN;
            for epoch in 0..sched.epochs {
                let crate::train::EpochTotals { sse, count: n, .. } = run_epoch(
                    &model,
                    &mut adam,
                    &train,
                    EpochSettings { epoch, batch: sched.batch, lr: sched.learning_rate_at(&cfg.train, epoch) },
                    &cfg.train,
                    Default::default(),
                )?;
                last = sse / n.max(1.0);
            }
            let mut st = Stats::default();
            for (c, d, obs, pred) in predict_frames(&model, &test, cfg.frame_len, 1024) {
                st.add(&dataset.chroms[c as usize].name, d as usize, obs, pred);
                st.sample.push((obs, pred));
            }
            let r2 = st.group(&st.distance_means(), |_, _| true).0.r2().unwrap_or(f64::NAN);
            hiclstm::log::info(&format!("{name}: {} epochs in {:.1} s, training loss {last:.5}, test R2 {r2:.4}", sched.epochs, t0.elapsed().as_secs_f64()));
            stats.push((name, st));
        }
    }
    let inputs: Vec<(String, &Stats)> = stats.iter().map(|(n, s)| (n.clone(), s)).collect();
    let rows = metric_rows(&inputs, &o.bands);
    let mut meta = Meta::new(tables::TableKind::Metrics.schema());
    meta.set("assembly", &dataset.assembly).set("resolution", dataset.resolution).set(
        "params",
        serde_json::json!({
            "contacts": o.contacts, "train_chromosomes": o.train_chromosomes, "test_chromosomes": o.test_chromosomes,
            "representations": o.representations.iter().map(|(l, p)| serde_json::json!({"label": l, "path": p})).collect::<Vec<_>>(),
            "decoders": o.decoders.iter().map(|c| decoder_name(*c)).collect::<Vec<_>>(), "config": o.config,
        })
        .to_string(),
    );
    let mut outs = OutputSet::default();
    outs.push(tables::metrics::write(&mpath, &meta, &rows, o.force)?);
    if o.plots {
        outs.push(distance_plot(&ppath, &inputs, &inputs[0].1.distance_means(), dataset.resolution)?);
    }
    outs.commit(o.force)?;
    Ok(rows)
}

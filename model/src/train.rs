//! `hiclstm-train`: contacts tables -> trained model, representations and a training log, with a
//! checkpoint after every epoch so that an interrupted run resumes to the same result.

use crate::adam::Adam;
use crate::config::{Head, ModelConfig, ModelFile, MODEL_FORMAT};
use crate::data::{self, IndexedFrames, StreamedData};
use crate::net::{HicLstm, EMBEDDING};
use hiclstm::error::{Error, Result};
use hiclstm::output::{check_writable, AtomicFile, OutputSet};
use hiclstm::tables::{self, representations::ChromRepresentations, training_log::EpochLog, Meta};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use tch::{Device, Kind, Tensor};

/// Inputs, settings and output directory of `hiclstm-train`.
pub struct TrainOptions {
    /// Contacts tables to learn (one resolution and assembly; each chromosome in only one table).
    pub contacts: Vec<PathBuf>,
    /// Model and training configuration.
    pub config: ModelConfig,
    /// Model directory to write (see [`ModelDir`]); created once the inputs are known to be usable.
    pub out_dir: PathBuf,
    /// libtorch device for training.
    pub device: Device,
    /// Continue from the checkpoint in `out_dir`, which must have been made with the same
    /// configuration and data.
    pub resume: bool,
    /// Overwrite a model or checkpoint already in `out_dir`; with `resume` and no checkpoint, start
    /// afresh instead of failing.
    pub force: bool,
    /// Fine-tune from this trained model directory.
    pub init_from: Option<PathBuf>,
    /// With `init_from`: learn only the representations.
    pub freeze_decoder: bool,
    /// Stop after this many epochs in this run (the checkpoint allows resuming later).
    pub stop_after: Option<usize>,
    /// Directory of the temporary file that holds the training frames (about 4 bytes per pixel; removed
    /// however the run ends); default: the system's (`TMPDIR`).
    pub temp_dir: Option<PathBuf>,
    /// bedGraph orienting the compartment axis of `embedding_init: pca` (A positive).
    pub orient: Option<PathBuf>,
    /// Trans table (`hiclstm-import --trans`): chooses every chromosome's compartment axis and its
    /// sign together (`spectral`), and adds the inter-chromosomal term to the loss (`trans_loss`).
    pub trans: Option<PathBuf>,
}

/// Files of a model directory.
pub struct ModelDir(pub PathBuf);

impl ModelDir {
    /// `model.yaml`, the [`ModelFile`]: written last, so that its presence marks a finished model.
    pub fn yaml(&self) -> PathBuf {
        self.0.join("model.yaml")
    }
    /// `model.safetensors`: the finished model's weights (embedding table and decoder).
    pub fn weights(&self) -> PathBuf {
        self.0.join("model.safetensors")
    }
    /// `representations.parquet`: the learned representations table.
    pub fn representations(&self) -> PathBuf {
        self.0.join(hiclstm::outputs::REPRESENTATIONS)
    }
    /// `training_log.parquet`: learning rate, loss, steps, time and speed of every epoch.
    pub fn log(&self) -> PathBuf {
        self.0.join(hiclstm::outputs::TRAINING_LOG)
    }
    /// Weights and optimizer state after `epoch` epochs. Each epoch writes a new file and only
    /// then points checkpoint.yaml at it, so a run killed at any moment leaves a consistent pair.
    pub fn checkpoint(&self, epoch: usize) -> PathBuf {
        self.0.join(format!("checkpoint-{epoch:06}.safetensors"))
    }
    /// `checkpoint.yaml`: names the latest checkpoint file and holds the epochs done, the optimizer
    /// step, the log so far and the model description.
    pub fn checkpoint_yaml(&self) -> PathBuf {
        self.0.join("checkpoint.yaml")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
struct Checkpoint {
    /// File name (in the model directory) of the weights and optimizer state.
    weights: String,
    epochs_done: usize,
    adam_step: i64,
    log: Vec<EpochLog>,
    model: ModelFile,
    inputs: Vec<String>,
}

/// What a training run did.
pub struct TrainSummary {
    /// Epochs completed in all, those of a resumed checkpoint included.
    pub epochs_done: usize,
    /// One row per completed epoch, those of a resumed checkpoint included.
    pub log: Vec<EpochLog>,
    /// Whether the schedule's last epoch is done; the model's outputs are written only then (not
    /// after `stop_after` cut the run short).
    pub finished: bool,
}

fn tch_err(what: &str) -> impl Fn(tch::TchError) -> Error + '_ {
    move |e| Error::Internal(format!("{what}: {e}"))
}

/// Writes named tensors to `path` through a temporary file and a rename.
fn save_tensors(path: &Path, tensors: &[(String, Tensor)]) -> Result<()> {
    let tmp = path.with_extension("safetensors.tmp");
    let cpu: Vec<(String, Tensor)> = tensors.iter().map(|(n, t)| (n.clone(), t.to_device(Device::Cpu))).collect();
    Tensor::write_safetensors(&cpu, &tmp).map_err(|e| Error::output_io(path, std::io::Error::other(e.to_string())))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::output_io(path, e))
}

fn write_text_atomic(path: &Path, text: &str) -> Result<()> {
    let mut f = AtomicFile::create(path, true)?;
    f.write_all(text.as_bytes()).map_err(|e| Error::output_io(path, e))?;
    f.commit(true).map(|_| ())
}

/// Trains (resuming or fine-tuning as `o` asks) with a checkpoint after every epoch and, once the
/// schedule is finished, writes the weights, representations and training log, then model.yaml.
pub fn run(o: &TrainOptions) -> Result<TrainSummary> {
    o.config.check()?;
    let dir = ModelDir(o.out_dir.clone());
    // Refuse to clobber before doing any work.
    let has_checkpoint = dir.checkpoint_yaml().exists();
    if !o.force {
        if o.resume && !has_checkpoint {
            return Err(Error::InvalidArgument(format!("--resume: {} holds no checkpoint", o.out_dir.display())));
        }
        if !o.resume {
            for p in [dir.yaml(), dir.checkpoint_yaml()] {
                if p.exists() {
                    return Err(Error::OutputExists { path: p });
                }
            }
        }
    }
    if let Some(src) = &o.init_from {
        // Checked before any work, so that a mismatch leaves nothing behind.
        same_architecture(&ModelFile::load(&ModelDir(src.clone()).yaml())?.config, &o.config, src)?;
    }
    if o.init_from.is_none() && o.freeze_decoder {
        return Err(Error::InvalidArgument("--freeze-decoder needs --init-from MODEL_DIR".into()));
    }
    let orient = o.orient.as_ref().map(|p| hiclstm::formats::bed::read_bedgraph(p)).transpose()?;
    if let Some(t) = &o.trans {
        // Its schema and metadata are checked before any work; its pixels when they are used.
        hiclstm::tables::TableReader::open(t, hiclstm::tables::TableKind::Trans.schema())?;
        if o.config.embedding_init != crate::config::EmbeddingInit::Pca {
            return Err(Error::InvalidArgument("--trans orients the compartment axis of `embedding_init: pca`; this configuration has none".into()));
        }
    }
    let t_prep = std::time::Instant::now();
    let temp_dir = o.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
    let data = data::stream(&o.contacts, &o.config, &temp_dir)?;
    let frames = StoredFrames::new(&data);
    let prep_seconds = t_prep.elapsed().as_secs_f64();
    // The directory appears only once the inputs are known to be usable.
    std::fs::create_dir_all(&o.out_dir).map_err(|e| Error::output_io(&o.out_dir, e))?;
    for p in [dir.yaml(), dir.weights(), dir.representations(), dir.log()] {
        check_writable(&p, true)?;
    }
    let n_frames = frames.n();
    let sched = o.config.train.schedule_for(n_frames, o.config.auto_min_steps());
    let batch = sched.batch;
    let s = &data.stats;
    hiclstm::log::info(&format!(
        "data preparation {prep_seconds:.3} s: {} chromosome(s), {} bins, {} pixels{} in {n_frames} frames of {} ({:.0} MB of temporary frames in {}); batch {batch}, {} epochs (learning rate drops after {}); {} null values and {} pixels beyond max_distance left out",
        data.meta.chroms.len(),
        data.meta.chroms.iter().map(|c| c.n_bins).sum::<usize>(),
        s.pixels,
        // Dense frames also hold the unobserved pixels before each row's last observed one.
        match data.store.steps().saturating_sub(s.pixels as u64) {
            0 => String::new(),
            gaps => format!(" and {gaps} gap steps (frames: dense)"),
        },
        o.config.frame_len,
        data.store.bytes() as f64 * 1e-6,
        temp_dir.display(),
        sched.epochs,
        sched.decay_after,
        s.skipped_null,
        s.skipped_distance
    ));

    let mut model_file = ModelFile {
        format: MODEL_FORMAT.into(),
        producer: tables::producer(),
        resolution: data.meta.resolution,
        assembly: data.meta.assembly.clone(),
        normalization: data.meta.normalization.clone(),
        chromosomes: data.meta.chroms.clone(),
        epochs_done: 0,
        config: o.config.clone(),
    };
    tch::manual_seed(o.config.train.seed as i64);
    let mut model = HicLstm::new(&o.config, model_file.n_bins(), o.device);
    // Pixels nearer than `step_max_distance` bp: distances in bins below this.
    model.step_distance = o.config.step_max_distance.map_or(0, |bp| bp.div_ceil(u64::from(model_file.resolution).max(1)) as usize);
    if let Some(src) = &o.init_from {
        init_from(&mut model, &model_file, src, o.freeze_decoder)?;
    } else if o.config.embedding_init == crate::config::EmbeddingInit::Pca && !(o.resume && has_checkpoint) {
        // (A resumed run takes its representations from the checkpoint.)
        let t = std::time::Instant::now();
        hiclstm::log::info("compartment axis of the initial representations: reading the contacts again, one chromosome at a time");
        if o.trans.is_some() && orient.is_some() {
            hiclstm::log::info("--trans chooses each chromosome's axis, --orient's track the genome-wide sign");
        }
        let (axis, report) =
            crate::spectral::compartment_axis(&o.contacts, &data.meta, o.config.value, orient.as_deref(), o.trans.as_deref(), o.config.train.seed)?;
        if let Some(r) = report {
            hiclstm::log::info(&r);
        }
        let add = Tensor::from_slice(&axis).to_device(model.embedding.device()).unsqueeze(1) * o.config.axis_std;
        tch::no_grad(|| {
            let _ = model.embedding.narrow(1, 0, 1).g_add_(&add);
        });
        hiclstm::log::info(&format!("compartment axis of the initial representations in {:.1} s", t.elapsed().as_secs_f64()));
    }
    // The inter-chromosomal term acts through the pairwise term, so only where there is one.
    let trans_term = match &o.trans {
        Some(t) if o.config.pair_rank > 0 && o.config.train.trans_weight > 0.0 => {
            let started = std::time::Instant::now();
            let term = crate::trans_loss::TransTerm::load(t, &data.meta, o.config.value, o.config.train.trans_max_pixels, o.config.train.seed)?;
            match &term {
                Some(term) => {
                    let held = held_pixels(term.pixels(), term.observed(), "inter-chromosomal pixels", "trans_max_pixels");
                    let took = started.elapsed().as_secs_f64();
                    hiclstm::log::info(&format!("trans term: {held}, weight {} ({took:.1} s)", o.config.train.trans_weight))
                }
                None => hiclstm::log::warn(&format!("{}: no inter-chromosomal pixels between the training chromosomes; no trans term", t.display())),
            }
            term
        }
        _ => None,
    };
    // The long-range term reads the contacts tables once more (its own map h is in the model).
    let cis_term = match &model.cis_map {
        Some(_) => {
            let started = std::time::Instant::now();
            let min_bins = o.config.train.cis_min_distance.map_or(o.config.frame_len, |bp| bp.div_ceil(u64::from(model_file.resolution).max(1)) as usize);
            let term = crate::cis_loss::CisTerm::load(&o.contacts, &data.meta, o.config.value, min_bins, o.config.train.cis_max_pixels, o.config.train.seed)?;
            match &term {
                Some(term) => {
                    let held = held_pixels(term.pixels(), term.observed(), "pixels", "cis_max_pixels");
                    let took = started.elapsed().as_secs_f64();
                    hiclstm::log::info(&format!(
                        "long-range term: {held} at least {min_bins} bins from the diagonal, weight {} ({took:.1} s)",
                        o.config.train.cis_weight
                    ))
                }
                None => hiclstm::log::warn(&format!("no pixel at least {min_bins} bins from the diagonal; no long-range term")),
            }
            term
        }
        None => None,
    };
    // With a frozen decoder (`--init-from --freeze-decoder`) the representations and the
    // long-range term's own map still train.
    let trainable: Vec<(String, Tensor)> =
        model.named_variables().into_iter().filter(|(n, _)| !o.freeze_decoder || n == EMBEDDING || n.starts_with(CIS_MAP)).collect();
    let mut adam = Adam::new(trainable);
    adam.define_grads();
    if o.config.train.head_decay > 0.0 && !adam.set_decay(crate::net::HEAD_WEIGHT, o.config.train.head_decay) {
        return Err(Error::InvalidArgument("head_decay: this model trains no decoder head".into()));
    }

    let inputs: Vec<String> = o.contacts.iter().map(|p| p.display().to_string()).collect();
    let mut log: Vec<EpochLog> = Vec::new();
    let mut start_epoch = 0;
    if o.resume && has_checkpoint {
        let text = std::fs::read_to_string(dir.checkpoint_yaml()).map_err(|e| Error::input_io(dir.checkpoint_yaml(), e))?;
        let ck: Checkpoint = serde_yaml_ng::from_str(&text).map_err(|e| crate::config::yaml_error(&dir.checkpoint_yaml(), e))?;
        let mut expect = model_file.clone();
        expect.epochs_done = ck.model.epochs_done;
        expect.producer = ck.model.producer.clone();
        if ck.model != expect {
            return Err(Error::InvalidArgument(format!(
                "--resume: the checkpoint in {} was made with another configuration or other data",
                o.out_dir.display()
            )));
        }
        let ckp = o.out_dir.join(&ck.weights);
        let tensors = Tensor::read_safetensors(&ckp).map_err(|e| Error::format(&ckp, hiclstm::error::Location::None, e.to_string()))?;
        load_named(&model, &tensors, |_| true).map_err(|m| Error::format(&ckp, hiclstm::error::Location::None, m))?;
        if !adam.load_state(&tensors, ck.adam_step) {
            return Err(Error::format(&ckp, hiclstm::error::Location::None, "optimizer state missing"));
        }
        start_epoch = ck.epochs_done;
        log = ck.log;
        hiclstm::log::info(&format!("resuming after epoch {start_epoch}"));
    }

    let epochs = sched.epochs;
    let last = o.stop_after.map(|s| (start_epoch + s).min(epochs)).unwrap_or(epochs);
    for epoch in start_epoch..last {
        let lr = sched.learning_rate_at(&o.config.train, epoch);
        let t0 = std::time::Instant::now();
        let EpochTotals { sse, count, steps, trans: trans_loss, cis: cis_loss } = run_epoch(
            &model,
            &mut adam,
            &frames,
            EpochSettings { epoch, batch, lr },
            &o.config.train,
            Terms { trans: trans_term.as_ref(), cis: cis_term.as_ref() },
        )?;
        let seconds = t0.elapsed().as_secs_f64();
        let loss = sse / count.max(1.0);
        if !loss.is_finite() {
            return Err(Error::InvalidArgument(format!("training diverged at epoch {} (loss {loss}); lower the learning rate", epoch + 1)));
        }
        let row =
            EpochLog { epoch: epoch as u32 + 1, learning_rate: lr, loss, seconds, frames_per_second: n_frames as f64 / seconds, steps, trans_loss, cis_loss };
        let term = |name: &str, v: Option<f64>| v.map(|v| format!(" {name} term {v:.4}")).unwrap_or_default();
        hiclstm::log::info(&format!(
            "epoch {}/{epochs}: lr {lr} loss {loss:.6}{}{} {seconds:.2} s {:.0} frames/s",
            row.epoch,
            term("trans", trans_loss),
            term("long-range", cis_loss),
            row.frames_per_second
        ));
        log.push(row);
        model_file.epochs_done = epoch + 1;
        let mut tensors = model.named_variables();
        tensors.extend(adam.state());
        let ckp = dir.checkpoint(epoch + 1);
        save_tensors(&ckp, &tensors)?;
        let ck = Checkpoint {
            weights: ckp.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default(),
            epochs_done: epoch + 1,
            adam_step: adam.step,
            log: log.clone(),
            model: model_file.clone(),
            inputs: inputs.clone(),
        };
        write_text_atomic(&dir.checkpoint_yaml(), &serde_yaml_ng::to_string(&ck).map_err(|e| Error::Internal(e.to_string()))?)?;
        // Older checkpoints are superseded once checkpoint.yaml names the new one.
        if epoch > 0 {
            let _ = std::fs::remove_file(dir.checkpoint(epoch));
        }
    }
    model_file.epochs_done = last.max(start_epoch);
    let finished = model_file.epochs_done >= epochs;
    if !finished {
        hiclstm::log::info(&format!("stopped after epoch {} of {epochs}; continue with --resume", model_file.epochs_done));
        return Ok(TrainSummary { epochs_done: model_file.epochs_done, log, finished });
    }
    let rec = reconstruction(&model, &frames, batch.max(1024))?;
    hiclstm::log::info(&format!("training pixels: {rec}"));
    write_outputs(&dir, &model, &model_file, &data, &log, &inputs)?;
    Ok(TrainSummary { epochs_done: model_file.epochs_done, log, finished })
}

/// One batch of frames in host memory, as the network takes them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HostBatch {
    /// Global embedding row of each frame's row bin, `[B]`.
    pub idx_i: Vec<i64>,
    /// Global embedding row of each step's column bin, `[B, L]` row-major (the row bin on padding).
    pub idx_j: Vec<i64>,
    /// Target probabilities, `[B, L]` (0 on padding).
    pub target: Vec<f32>,
    /// 1 for an observed step, 0 for padding, `[B, L]`.
    pub mask: Vec<f32>,
}

impl HostBatch {
    /// The batch on `dev`: row indices `[B]`, column indices, targets and mask `[B, L]`.
    pub fn to_device(&self, l: usize, dev: Device) -> (Tensor, Tensor, Tensor, Tensor) {
        let (b, l) = (self.idx_i.len() as i64, l as i64);
        (
            Tensor::from_slice(&self.idx_i).to(dev),
            Tensor::from_slice(&self.idx_j).reshape([b, l]).to(dev),
            Tensor::from_slice(&self.target).reshape([b, l]).to(dev),
            Tensor::from_slice(&self.mask).reshape([b, l]).to(dev),
        )
    }
}

/// Training frames read by frame number, from any thread (a background thread prepares the next
/// batches while the network runs).
pub trait FrameSource: Sync {
    /// Number of frames.
    fn n(&self) -> usize;
    /// Frame length L.
    fn frame_len(&self) -> usize;
    /// Replaces `out` with frames `ids`, in that order.
    fn batch(&self, ids: &[usize], out: &mut HostBatch) -> Result<()>;
}

impl FrameSource for IndexedFrames {
    fn n(&self) -> usize {
        self.frames.n()
    }
    fn frame_len(&self) -> usize {
        self.frames.len
    }
    fn batch(&self, ids: &[usize], out: &mut HostBatch) -> Result<()> {
        let l = self.frames.len;
        *out = HostBatch::default();
        for &f in ids {
            out.idx_i.push(self.idx_i[f]);
            out.idx_j.extend_from_slice(&self.idx_j[f * l..(f + 1) * l]);
            out.target.extend_from_slice(&self.frames.target[f * l..(f + 1) * l]);
            out.mask.extend_from_slice(&self.frames.mask[f * l..(f + 1) * l]);
        }
        Ok(())
    }
}

/// The frames of a [`StreamedData`], read from its store.
pub struct StoredFrames<'a> {
    store: &'a hiclstm::frame_store::FrameStore,
    /// First embedding row of each chromosome.
    offsets: Vec<i64>,
}

impl<'a> StoredFrames<'a> {
    /// The frames of `d`, indexed into the model's embedding table.
    pub fn new(d: &'a StreamedData) -> Self {
        StoredFrames { store: &d.store, offsets: d.meta.chroms.iter().map(|c| c.offset as i64).collect() }
    }
}

impl FrameSource for StoredFrames<'_> {
    fn n(&self) -> usize {
        self.store.n()
    }
    fn frame_len(&self) -> usize {
        self.store.frame_len()
    }
    fn batch(&self, ids: &[usize], out: &mut HostBatch) -> Result<()> {
        let mut f = hiclstm::frames::Frames::default();
        self.store.read(ids, &mut f)?;
        let l = f.len;
        out.idx_i = (0..f.n()).map(|k| self.offsets[f.chrom[k] as usize] + f.row[k] as i64).collect();
        out.idx_j = (0..f.col.len()).map(|s| self.offsets[f.chrom[s / l] as usize] + f.col[s] as i64).collect();
        out.target = f.target;
        out.mask = f.mask;
        Ok(())
    }
}

/// Batches of `order` (frame numbers, `batch` at a time) read from `src` by a background thread,
/// two ahead of `each`, which runs on the calling thread (where libtorch runs).
pub fn for_each_batch(src: &dyn FrameSource, order: &[usize], batch: usize, mut each: impl FnMut(HostBatch) -> Result<()>) -> Result<()> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<HostBatch>>(2);
        scope.spawn(move || {
            for chunk in order.chunks(batch.max(1)) {
                let mut b = HostBatch::default();
                let r = src.batch(chunk, &mut b).map(|_| b);
                let failed = r.is_err();
                // A closed channel means the consumer stopped (an error of its own): stop too.
                if tx.send(r).is_err() || failed {
                    break;
                }
            }
        });
        for b in rx {
            each(b?)?;
        }
        Ok(())
    })
}

/// What a loss term holds, for the log: "N {what}", or "a uniform sample of N of M {what} ({key})"
/// when its cap `key` left some out.
fn held_pixels(held: usize, observed: u64, what: &str, key: &str) -> String {
    if held as u64 == observed {
        format!("{held} {what}")
    } else {
        format!("a uniform sample of {held} of {observed} {what} ({key})")
    }
}

/// Pixels and cells drawn for each optimizer step's inter-chromosomal term (and long-range term).
pub const TRANS_SAMPLE: usize = 4096;

/// The terms of the loss besides the reconstruction: the inter-chromosomal term (`--trans`) and
/// the long-range intra-chromosomal one (`cis_weight`), where a run has them.
#[derive(Clone, Copy, Default)]
pub struct Terms<'a> {
    /// The inter-chromosomal term, through the decoder's pairwise map.
    pub trans: Option<&'a crate::trans_loss::TransTerm>,
    /// The long-range term, through the model's `cis_map`.
    pub cis: Option<&'a crate::cis_loss::CisTerm>,
}

/// Prefix of the long-range term's map among the variables ("cis.weight", "cis.bias").
pub const CIS_MAP: &str = "cis.";

/// Which epoch `run_epoch` runs (0-based; it seeds the order), in batches of `batch` frames at
/// learning rate `lr`.
#[derive(Debug, Clone, Copy)]
pub struct EpochSettings {
    /// 0-based epoch.
    pub epoch: usize,
    /// Frames per optimizer step.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
}

/// What one epoch of `run_epoch` did.
#[derive(Debug, Clone, Copy)]
pub struct EpochTotals {
    /// Summed squared error of the reconstruction over the observed entries.
    pub sse: f64,
    /// Observed entries.
    pub count: f64,
    /// Optimizer steps.
    pub steps: u32,
    /// Mean per step of the inter-chromosomal term (before its weight), where the run has it.
    pub trans: Option<f64>,
    /// Mean per step of the long-range term (before its weight), where the run has it.
    pub cis: Option<f64>,
}

/// One epoch over `src` in a seeded order (the same for a given seed and epoch, so that resumed
/// runs repeat it exactly).
pub fn run_epoch(
    model: &HicLstm,
    adam: &mut Adam,
    src: &dyn FrameSource,
    epoch: EpochSettings,
    cfg: &crate::config::TrainConfig,
    terms: Terms,
) -> Result<EpochTotals> {
    let EpochSettings { epoch, batch, lr } = epoch;
    let (seed, clip) = (cfg.seed, cfg.clip_norm);
    let dev = model.embedding.device();
    let native = dev == Device::Cpu && cfg.cpu_kernel == crate::config::CpuKernel::Native;
    let mut scratch = crate::net::KernelScratch::default();
    if native && std::env::var_os("HICLSTM_T1").is_some() {
        tch::set_num_threads(1);
    }
    let l = src.frame_len();
    let mut order: Vec<usize> = (0..src.n()).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x2545_F491_4F6C_DD1D).wrapping_add(epoch as u64));
    order.shuffle(&mut rng);
    // The trans term's samples have their own stream, so that the frame order does not depend
    // on whether the term is on.
    let mut trans_rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(epoch as u64));
    let trans = terms.trans.zip(model.decoder.pair()).filter(|_| cfg.trans_weight > 0.0);
    let mut cis_rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0xD1B5_4A32_D192_ED03).wrapping_add(epoch as u64));
    let cis = terms.cis.zip(model.cis_map.as_ref()).filter(|_| cfg.cis_weight > 0.0);
    let (mut sse, mut count, mut steps) = (0.0, 0.0, 0u32);
    let (mut trans_sum, mut cis_sum) = (0.0, 0.0);
    let terminal = !hiclstm::log::is_quiet() && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let n_batches = order.len().div_ceil(batch);
    let mut bar = terminal.then(|| hiclstm::log::Progress::new(n_batches as u64, &format!("epoch {}", epoch + 1)));
    // Off a terminal (cluster logs), a line a minute: a genome-wide epoch takes minutes on CPU.
    let (t0, mut logged) = (std::time::Instant::now(), std::time::Instant::now());
    for_each_batch(src, &order, batch, |b| {
        adam.zero_grad();
        let (s_, c_) = match native.then(|| crate::net::cpu_kernel_step(model, &b, l, &mut scratch)).flatten() {
            Some(sc) => sc,
            None => {
                let (bi, bj, bt, bm) = b.to_device(l, dev);
                let (s_, c_, loss) = model.training_step(&bi, &bj, &bt, &bm);
                loss.backward();
                (f64::try_from(&s_).map_err(tch_err("loss"))?, f64::try_from(&c_).map_err(tch_err("loss"))?)
            }
        };
        if let Some((t, g)) = trans {
            add_term(t.loss(&model.embedding, g, TRANS_SAMPLE, &mut trans_rng), cfg.trans_weight, &mut trans_sum, "trans term")?;
        }
        if let Some((t, h)) = cis {
            add_term(t.loss(&model.embedding, h, TRANS_SAMPLE, &mut cis_rng), cfg.cis_weight, &mut cis_sum, "long-range term")?;
        }
        adam.clip_grad_norm(clip);
        adam.step(lr);
        sse += s_;
        count += c_;
        steps += 1;
        if let Some(b) = bar.as_mut() {
            b.step("");
        } else if logged.elapsed().as_secs() >= 60 {
            logged = std::time::Instant::now();
            let secs = t0.elapsed().as_secs_f64();
            let left = secs / steps as f64 * (n_batches - steps as usize) as f64;
            hiclstm::log::info(&format!("epoch {}: batch {steps}/{n_batches}, {secs:.0} s, about {left:.0} s left", epoch + 1));
        }
        Ok(())
    })?;
    if let Some(b) = bar {
        b.finish();
    }
    let mean = |sum: f64| sum / steps.max(1) as f64;
    Ok(EpochTotals { sse, count, steps, trans: trans.map(|_| mean(trans_sum)), cis: cis.map(|_| mean(cis_sum)) })
}

/// One extra term of a step's loss: its value (before `weight`) added to `sum` for the log, and
/// its weighted gradient to the parameters'.
fn add_term(term: Tensor, weight: f64, sum: &mut f64, what: &'static str) -> Result<()> {
    *sum += f64::try_from(&term).map_err(tch_err(what))?;
    (term * weight).backward();
    Ok(())
}

/// Predictions for every observed entry of `f`: (chromosome index, distance in bins,
/// observed probability, predicted probability), in frame order.
pub fn predict_frames(model: &HicLstm, f: &IndexedFrames, l: usize, batch: usize) -> Vec<(u32, u32, f64, f64)> {
    let p = crate::net::predict_steps(&model.decoder, &model.embedding, &f.idx_i, &f.idx_j, &f.frames.mask, l, batch);
    (0..p.len())
        .filter(|&g| hiclstm::frames::is_observed(f.frames.mask[g], f.frames.target[g]))
        .map(|g| {
            let fr = g / l;
            (f.frames.chrom[fr], f.frames.col[g] - f.frames.row[fr], f.frames.target[g] as f64, p[g] as f64)
        })
        .collect()
}

/// Reconstruction R^2 of the training pixels (probability space), with the distance-mean
/// baseline, streamed through the model `batch` frames at a time.
pub fn reconstruction(model: &HicLstm, src: &dyn FrameSource, batch: usize) -> Result<hiclstm::metrics::Reconstruction> {
    let (dev, l) = (model.embedding.device(), src.frame_len());
    let order: Vec<usize> = (0..src.n()).collect();
    let mut acc = hiclstm::metrics::ReconstructionAcc::default();
    tch::no_grad(|| {
        for_each_batch(src, &order, batch, |b| {
            let (bi, bj, _, bm) = b.to_device(l, dev);
            let p = model.forward_indices(&bi, &bj, &bm).to_device(Device::Cpu).to_kind(Kind::Float).reshape([-1]);
            let p = Vec::<f32>::try_from(p).map_err(tch_err("predictions"))?;
            for s in (0..p.len()).filter(|&s| hiclstm::frames::is_observed(b.mask[s], b.target[s])) {
                acc.push(b.target[s] as f64, p[s] as f64, (b.idx_j[s] - b.idx_i[s / l]) as u32);
            }
            Ok(())
        })
    })?;
    Ok(acc.finish())
}

/// Copies variables from `tensors` into the model (those for which `keep` holds).
pub fn load_named(model: &HicLstm, tensors: &[(String, Tensor)], keep: impl Fn(&str) -> bool) -> std::result::Result<(), String> {
    for (name, var) in model.named_variables() {
        if !keep(&name) {
            continue;
        }
        let src = tensors.iter().find(|(n, _)| *n == name).map(|(_, t)| t).ok_or_else(|| format!("variable {name} missing"))?;
        if src.size() != var.size() {
            return Err(format!("variable {name} has shape {:?}, the model needs {:?}", src.size(), var.size()));
        }
        let mut v = var;
        tch::no_grad(|| v.copy_(src));
    }
    Ok(())
}

/// Refuses to fine-tune (`src`, whose configuration is `a`) into a decoder of another shape (`b`).
fn same_architecture(a: &ModelConfig, b: &ModelConfig, src: &Path) -> Result<()> {
    // The window's width is part of the head's shape; the other heads have none.
    let head = |c: &ModelConfig| match c.head {
        Head::Window => format!("window (w = {})", c.head_window),
        h => format!("{h:?}"),
    };
    let arch = |c: &ModelConfig| (c.k, c.hidden, c.frame_len, c.cell, head(c), c.pair_rank, c.aux_config().map(|a| a.hidden));
    let aux = |c: &ModelConfig| c.aux_config().map_or("none".to_string(), |a| format!("of {} units", a.hidden));
    if arch(a) != arch(b) {
        return Err(Error::InvalidArgument(format!(
            "--init-from {}: its architecture (K {}, H {}, L {}, {:?} cell, {} head, pair_rank {}, auxiliary decoder {}) differs from this configuration (K {}, H {}, L {}, {:?}, {}, pair_rank {}, auxiliary decoder {})",
            src.display(),
            a.k,
            a.hidden,
            a.frame_len,
            a.cell,
            head(a),
            a.pair_rank,
            aux(a),
            b.k,
            b.hidden,
            b.frame_len,
            b.cell,
            head(b),
            b.pair_rank,
            aux(b)
        )));
    }
    Ok(())
}

fn init_from(model: &mut HicLstm, mf: &ModelFile, src: &Path, freeze: bool) -> Result<()> {
    let sd = ModelDir(src.to_path_buf());
    // (Its architecture was checked by `run` before any work.)
    let old = ModelFile::load(&sd.yaml())?;
    let tensors = Tensor::read_safetensors(sd.weights()).map_err(|e| Error::format(sd.weights(), hiclstm::error::Location::None, e.to_string()))?;
    // The long-range term's map is no part of the decoder: taken where the old model has one of
    // the same shape, else left as initialised.
    let same = |n: &str| tensors.iter().any(|(m, t)| m == n && model.named_variables().iter().any(|(v, x)| v == n && x.size() == t.size()));
    load_named(model, &tensors, |n| n != EMBEDDING && (!n.starts_with(CIS_MAP) || same(n)))
        .map_err(|m| Error::format(sd.weights(), hiclstm::error::Location::None, m))?;
    // Representations of chromosomes the old model knew (same name and size) start from there.
    let old_emb = tensors
        .iter()
        .find(|(n, _)| n == EMBEDDING)
        .map(|(_, t)| t)
        .ok_or_else(|| Error::format(sd.weights(), hiclstm::error::Location::None, "no embedding"))?;
    let mut reused = 0;
    for c in &mf.chromosomes {
        if let Some(oc) = old.chromosomes.iter().find(|o| o.name == c.name && o.n_bins == c.n_bins) {
            let rows = old_emb.narrow(0, oc.offset as i64, oc.n_bins as i64).to_device(model.embedding.device());
            tch::no_grad(|| model.embedding.narrow(0, c.offset as i64, c.n_bins as i64).copy_(&rows));
            reused += 1;
        }
    }
    if freeze {
        for (n, v) in model.named_variables() {
            if n != EMBEDDING && !n.starts_with(CIS_MAP) {
                let _ = v.set_requires_grad(false);
            }
        }
    }
    hiclstm::log::info(&format!(
        "initialised from {} (decoder{}; representations of {reused} chromosome(s) reused)",
        src.display(),
        if freeze { " frozen" } else { "" }
    ));
    Ok(())
}

fn write_outputs(dir: &ModelDir, model: &HicLstm, mf: &ModelFile, data: &StreamedData, log: &[EpochLog], inputs: &[String]) -> Result<()> {
    let k = mf.config.k;
    let emb: Vec<f32> = Vec::<f32>::try_from(model.embedding.to_device(Device::Cpu).to_kind(Kind::Float).reshape([-1])).map_err(tch_err("embedding"))?;
    let observed = &data.observed;
    let res = mf.resolution as i64;
    let reps: Vec<ChromRepresentations> = mf
        .chromosomes
        .iter()
        .map(|c| ChromRepresentations {
            chrom: c.name.clone(),
            start: (0..c.n_bins as i64).map(|b| b * res).collect(),
            end: (0..c.n_bins as i64).map(|b| ((b + 1) * res).min(c.length as i64)).collect(),
            observed: observed[c.offset..c.offset + c.n_bins].to_vec(),
            values: emb[c.offset * k..(c.offset + c.n_bins) * k].to_vec(),
        })
        .collect();
    let params = serde_json::json!({ "inputs": inputs, "config": mf.config }).to_string();
    let mut meta = Meta::new(tables::TableKind::Representations.schema());
    meta.set("assembly", &data.meta.assembly).set("resolution", mf.resolution).set("method", "hiclstm").set("params", &params);
    let mut outs = OutputSet::default();
    outs.push(tables::representations::write(&dir.representations(), &meta, k, &reps, true)?);
    let mut lmeta = Meta::new(tables::TableKind::TrainingLog.schema());
    lmeta.set("assembly", &data.meta.assembly).set("resolution", mf.resolution).set("params", &params);
    outs.push(tables::training_log::write(&dir.log(), &lmeta, log, true)?);
    save_tensors(&dir.weights(), &model.named_variables())?;
    outs.commit(true)?;
    // model.yaml last: its presence marks a complete model directory.
    write_text_atomic(&dir.yaml(), &mf.to_yaml())?;
    hiclstm::log::info(&format!("model, representations and training log written to {}", dir.0.display()));
    Ok(())
}

//! The model configuration (a YAML file, every field optional) and the trained-model description
//! written beside the weights.

use hiclstm::error::{Error, Result};
use hiclstm::frames::{Transform, ValueColumn};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The recurrent cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Cell {
    /// LSTM with layer normalization of the input and recurrent projections and of the cell
    /// state (the paper's cell), unrolled step by step.
    Layernorm,
    /// The reference code's cell as it runs: its conditional layer norms are identities without a
    /// conditioning input, and it uses softsign where an LSTM uses tanh.
    Reference,
    /// libtorch's fused LSTM (cuDNN on GPU), without layer normalization.
    Fused,
    /// Not recurrent: one 1-D convolution over the frame (H channels, kernel 5, tanh); the
    /// CNN decoder of the paper's decoder comparison.
    Cnn,
    /// Not recurrent: one fully connected layer per step (H units, tanh); the FC decoder of the
    /// paper's decoder comparison.
    Fc,
}

/// Which implementation of the fused LSTM trains on CPU (the GPU always uses libtorch's).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CpuKernel {
    /// hiclstm's own batched kernel (`cpu_lstm`): the same model and gradients, several times
    /// faster at the hidden sizes the model uses.
    #[default]
    Native,
    /// libtorch's LSTM, as on the GPU.
    Libtorch,
}

/// How hidden states become predictions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Head {
    /// Linear(H -> 1) at every step (the paper's text).
    Step,
    /// Linear(H * L -> L) over the whole frame (the reference code); padded steps are zeroed first.
    Frame,
    /// A window shared by every step: step t's logit reads the hidden states of steps
    /// t - w ..= t + w (w = `head_window`) through the same weights at every t, plus a bias per
    /// step. It sees the columns on both sides of a step, as the frame head does, with
    /// H (2w + 1) + L weights instead of H L^2, too few to learn the training map by heart.
    Window,
}

/// Which pixels of a row training frames hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FrameLayout {
    /// The observed pixels only, in order of column (the original implementation's frames): the
    /// frame's layout depends on which pixels a map happens to observe.
    #[default]
    Observed,
    /// Every pixel from the diagonal to the row's last observed one; the unobserved ones are in the
    /// frame as input but in no loss ([`hiclstm::frames::is_gap`]), so frames are laid out as dense
    /// prediction and edits lay them out.
    Dense,
}

/// How the representations start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum EmbeddingInit {
    /// N(0, `embedding_std`) in every dimension (the paper's, as nn.Embedding with a smaller spread).
    #[default]
    Random,
    /// The same, plus each chromosome's compartment track (PC1 of the observed/expected
    /// correlation, oriented; `crate::spectral`) in the first dimension, with standard deviation
    /// `axis_std`: every chromosome starts with A and B on the same side of one axis.
    Pca,
}

/// A count given as a number, or `auto` (chosen from the data; see [`TrainConfig`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AutoOr {
    /// A count given as a number (in the unit of its field: epochs, or frames for `batch_size`).
    Value(usize),
    /// `auto`: the count is chosen from the number of training frames by [`TrainConfig::schedule`].
    Auto(AutoTag),
}

/// The word `auto` of [`AutoOr::Auto`]: a one-variant enum, so that YAML accepts exactly that word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AutoTag {
    /// `auto`.
    Auto,
}

/// `auto` as an [`AutoOr`] value (the default of every count of [`TrainConfig`]).
pub const AUTO: AutoOr = AutoOr::Auto(AutoTag::Auto);

impl std::str::FromStr for AutoOr {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "auto" {
            return Ok(AUTO);
        }
        s.parse().map(AutoOr::Value).map_err(|_| format!("'{s}': expected a number or 'auto'"))
    }
}

/// Optimizer steps that `epochs: auto` guarantees (at least 10 epochs are always run); three
/// times as many with `frames: dense` ([`ModelConfig::auto_min_steps`]).
pub const AUTO_MIN_STEPS: usize = 1600;

/// Training settings (the `train:` map of the configuration); the `auto` counts are resolved by
/// [`TrainConfig::schedule`] once the number of frames is known.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Epochs; `auto`: at least 10, and at least AUTO_MIN_STEPS optimizer steps in all.
    pub epochs: AutoOr,
    /// Adam learning rate for the first `decay_after` epochs.
    pub learning_rate: f64,
    /// Learning rate after `decay_after` epochs.
    pub learning_rate_after: f64,
    /// Epochs at the first learning rate; `auto`: 80% of the epochs.
    pub decay_after: AutoOr,
    /// Frames per mini-batch; `auto`: at least 16 steps per epoch, at most the paper's 2000
    /// frames (the paper's 2000 leaves a 3,000-frame map 2 steps per epoch, and the fit
    /// collapses; genome-wide maps get the paper's batch).
    pub batch_size: AutoOr,
    /// Gradient-norm clipping threshold.
    pub clip_norm: f64,
    /// Seed of libtorch's initialisation and of the per-epoch frame shuffles: a given seed repeats
    /// a run exactly.
    pub seed: u64,
    /// The fused cell's implementation when training on CPU: `native` (default) or `libtorch`.
    pub cpu_kernel: CpuKernel,
    /// Weight of the inter-chromosomal term (`hiclstm-train --trans`; `trans_loss`) against the
    /// reconstruction loss; 0 leaves the trans table to the compartment axis's start alone. 0.03:
    /// on the shared map larger weights cost R² and classified no better (BENCHMARKS.md).
    pub trans_weight: f64,
    /// Most inter-chromosomal pixels the trans term holds (16 bytes each): a larger trans table
    /// is represented by a uniform random sample of its pixels, drawn with `seed`, while each
    /// chromosome pair's marginals still count every pixel (`trans_loss`). 2^24 (268 MB) holds
    /// every pixel of the shared map and a hundred per bin of a whole genome at 10 kb.
    pub trans_max_pixels: usize,
    /// Weight of the long-range intra-chromosomal term (`cis_loss`) against the reconstruction
    /// loss: a Poisson model of the long-range contacts (observed/expected) through a map of its
    /// own; 0: none. 0.03 (the default, with `cis_min_distance` 2 Mb): over ten seeds on the
    /// shared map it raised A/B and subcompartments under blocked CV and subcompartments by
    /// chromosome, at the same R² (BENCHMARKS.md, "The long-range term from 2 Mb"). A model file
    /// without the key (written before it existed) reads as 0, what it was trained with.
    #[serde(default)]
    pub cis_weight: f64,
    /// Rank of the long-range term's own map h (K -> `cis_rank`, affine; "cis.*" in the weights).
    #[serde(default = "default_cis_rank")]
    pub cis_rank: usize,
    /// The long-range term counts the pixels at least this far from the diagonal (bp; default 2
    /// Mb, where compartment and subcompartment contacts dominate over TADs); null: one frame's
    /// span, `frame_len` bins (7.5 Mb at 50 kb), as a model file without the key was trained.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cis_min_distance: Option<u64>,
    /// Most pixels the long-range term holds (16 bytes each): a uniform random sample of them,
    /// drawn with `seed`, when the map has more. 2^24 (268 MB) by default.
    #[serde(default = "default_max_pixels")]
    pub cis_max_pixels: usize,
    /// Decoupled weight decay (AdamW's) of the decoder head's weights ([`crate::net::HEAD_WEIGHT`]),
    /// per unit of learning rate; 0 (the default): none. The frame head maps all of a frame's
    /// hidden states to all of its outputs (hidden x frame_len^2 weights), enough on a small map
    /// to learn its reads' sampling noise (BENCHMARKS.md, "Held-out reads").
    #[serde(skip_serializing_if = "is_zero")]
    pub head_decay: f64,
}

fn default_cis_rank() -> usize {
    8
}

fn default_max_pixels() -> usize {
    1 << 24
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: AUTO,
            learning_rate: 0.01,
            learning_rate_after: 0.001,
            decay_after: AUTO,
            batch_size: AUTO,
            clip_norm: 10.0,
            seed: 0,
            cpu_kernel: CpuKernel::Native,
            trans_weight: 0.03,
            trans_max_pixels: 1 << 24,
            cis_weight: 0.03,
            cis_rank: default_cis_rank(),
            cis_min_distance: Some(2_000_000),
            cis_max_pixels: default_max_pixels(),
            head_decay: 0.0,
        }
    }
}

/// The schedule of a training run once the data is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// Frames per mini-batch.
    pub batch: usize,
    /// Epochs of the whole run (those done before a resume included).
    pub epochs: usize,
    /// Epochs at `learning_rate`; every later epoch uses `learning_rate_after`.
    pub decay_after: usize,
}

impl TrainConfig {
    /// Resolves the `auto` counts for `n_frames` training frames: batch `n_frames / 16` clamped to
    /// 16..=2000, epochs enough for [`AUTO_MIN_STEPS`] optimizer steps (at least 10), decay after
    /// 80% of them (rounded up).
    pub fn schedule(&self, n_frames: usize) -> Schedule {
        self.schedule_for(n_frames, AUTO_MIN_STEPS)
    }

    /// [`TrainConfig::schedule`] guaranteeing `min_steps` optimizer steps instead.
    pub fn schedule_for(&self, n_frames: usize, min_steps: usize) -> Schedule {
        let batch = match self.batch_size {
            AutoOr::Value(n) => n.max(1),
            AutoOr::Auto(_) => (n_frames / 16).clamp(16, 2000),
        };
        let steps = n_frames.div_ceil(batch).max(1);
        let epochs = match self.epochs {
            AutoOr::Value(n) => n,
            AutoOr::Auto(_) => min_steps.div_ceil(steps).max(10),
        };
        let decay_after = match self.decay_after {
            AutoOr::Value(n) => n,
            AutoOr::Auto(_) => (epochs * 4).div_ceil(5),
        };
        Schedule { batch, epochs, decay_after }
    }
}

impl Schedule {
    /// Learning rate of the 0-based `epoch`: `t.learning_rate` before `decay_after`,
    /// `t.learning_rate_after` from then on.
    pub fn learning_rate_at(&self, t: &TrainConfig, epoch: usize) -> f64 {
        if epoch < self.decay_after {
            t.learning_rate
        } else {
            t.learning_rate_after
        }
    }
}

/// The model configuration: architecture, contact transform and training settings. In YAML every
/// key is optional (the defaults are the `default` preset) and unknown keys are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelConfig {
    /// Representation size K.
    pub k: usize,
    /// Standard deviation of the representations' normal initialisation. 0.1 rather than
    /// nn.Embedding's 1: same reconstruction, but representations that classify far better
    /// (BENCHMARKS.md, "Element identification").
    pub embedding_std: f64,
    /// How the representations start: `random`, or `pca` (with the compartment axis).
    #[serde(default)]
    pub embedding_init: EmbeddingInit,
    /// Root mean square of the compartment axis that `embedding_init: pca` adds to the first
    /// dimension of the representations.
    #[serde(default = "default_axis_std")]
    pub axis_std: f64,
    /// LSTM hidden size H.
    pub hidden: usize,
    /// Frame length L.
    pub frame_len: usize,
    /// Which pixels training frames hold (`observed` or `dense`); a model file without the key:
    /// observed.
    #[serde(default)]
    pub frames: FrameLayout,
    /// Decoder cell: an LSTM variant, or the CNN or FC layer of the decoder comparison.
    pub cell: Cell,
    /// Rank of the decoder's pairwise term g(R_i) . g(R_j) added to every step's logit (g affine,
    /// K -> pair_rank); 0: none, as in the paper. A model file without the key has none.
    #[serde(default)]
    pub pair_rank: usize,
    /// How the decoder's hidden states become predicted probabilities.
    pub head: Head,
    /// Half-width w of the window head (`head: window`), in steps; unused by the other heads. A
    /// model file without the key (written before the window head) has another head.
    #[serde(default = "default_head_window")]
    pub head_window: usize,
    /// Weight of an auxiliary decoder's loss (0: none; a model file without the key has none;
    /// frame and window heads: the step head needs none). The frame head reads all of a frame's
    /// hidden states at once, so nothing makes a representation describe its own neighbourhood,
    /// and its vectors found no TAD boundaries or CTCF sites (with the window head: boundaries
    /// below the best baseline); a second, small decoder (its own LSTM of `step_hidden` units and
    /// a per-step head, no pairwise term) that must predict each step from that step's hidden
    /// state alone does. It is trained with the model and never used for predictions. 3 by
    /// default (BENCHMARKS.md, issue 15).
    #[serde(default)]
    pub step_loss: f64,
    /// Hidden size of the auxiliary decoder of `step_loss`.
    #[serde(default = "default_step_hidden")]
    pub step_hidden: usize,
    /// The auxiliary decoder's loss counts only the pixels nearer the diagonal than this (bp; the
    /// scale of TADs and CTCF loops), leaving the long-range contacts to the main decoder; none:
    /// every pixel. 1 Mb by default: on the shared map the whole frame cost R² and compartments.
    /// Frames with no such pixel skip the auxiliary decoder on CPU.
    #[serde(default)]
    pub step_max_distance: Option<u64>,
    /// Contact value <-> probability transform p = exp(-a / (v + d)); the model learns
    /// probabilities.
    pub transform: Transform,
    /// Contacts column learned.
    pub value: ValueColumn,
    /// Entries further than this from the diagonal (bp) are left out; none by default.
    pub max_distance: Option<u64>,
    /// Optimizer schedule, gradient clipping and seed (the `train:` map).
    pub train: TrainConfig,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            k: 16,
            embedding_std: 0.1,
            embedding_init: EmbeddingInit::Pca,
            axis_std: default_axis_std(),
            // 12, not the reference code's 8: R² at least 0.95 at every training seed with the
            // inter-chromosomal term (0.963-0.969 against 0.948-0.954 on the shared map), for
            // 1.6x the training time (BENCHMARKS.md, issue 15).
            hidden: 12,
            frame_len: 150,
            // Dense, not the original's observed frames: the frame head scored R² 0.955-0.958
            // on observed frames but 0.64-0.69 on dense ones (predicted maps, edits); dense
            // training gives 0.950-0.958 on both (BENCHMARKS.md, issue 15).
            frames: FrameLayout::Dense,
            cell: Cell::Fused,
            pair_rank: 2,
            // The window head, not the reference code's frame head: the frame head learns the
            // training reads' noise by heart (shared map: R² 0.835 on held-out reads, what the
            // raw training half itself scores) where the window head generalises (0.90), and its
            // vectors find the toy genome's TAD boundaries and CTCF sites better (BENCHMARKS.md,
            // "The window head").
            head: Head::Window,
            head_window: default_head_window(),
            step_loss: 3.0,
            step_hidden: default_step_hidden(),
            step_max_distance: Some(1_000_000),
            transform: Transform::default(),
            value: ValueColumn::Value,
            max_distance: None,
            train: TrainConfig::default(),
        }
    }
}

/// Largest `pair_rank` accepted: far above what the compartments need (2), and a bound on the
/// decoder's memory.
pub const MAX_PAIR_RANK: usize = 256;

fn default_step_hidden() -> usize {
    8
}

/// 3 steps either side: on the toy genome 3 found TAD boundaries and CTCF sites better than 5,
/// 8 or a per-step head (BENCHMARKS.md, "The window head").
fn default_head_window() -> usize {
    3
}

/// 0.3 for the defaults (measured with the frame head): with 0.1 the frame head let the axis
/// drift apart between chromosomes at one training seed of three on the shared map
/// (BENCHMARKS.md, issue 15).
fn default_axis_std() -> f64 {
    0.3
}

/// Named starting points for a configuration (the names live in the root crate, shared with
/// the pipeline's `model_preset` param).
pub use hiclstm::presets::ModelPreset as Preset;

impl ModelConfig {
    /// Whether training frames hold gap steps (`frames: dense`; [`hiclstm::frames::Builder::fill_gaps`]).
    pub fn fills_gaps(&self) -> bool {
        self.frames == FrameLayout::Dense
    }

    /// Optimizer steps that `epochs: auto` guarantees: [`AUTO_MIN_STEPS`], three times as many
    /// with dense frames (their gap steps carry no loss; on the shared map 1,600 steps left R² at
    /// 0.934-0.947, 3,200 at 0.945-0.956, and 4,800 reach at least 0.95 at every seed;
    /// BENCHMARKS.md, issue 15). Genome-wide maps run their 10 epochs' thousands of steps anyway.
    pub fn auto_min_steps(&self) -> usize {
        match self.frames {
            FrameLayout::Observed => AUTO_MIN_STEPS,
            FrameLayout::Dense => 3 * AUTO_MIN_STEPS,
        }
    }

    /// The configuration a preset starts from: `default` is the default; `reconstruction` has the
    /// reference code's frame head; `representations` has the per-step head, hidden size 24,
    /// `embedding_std` 0.01 and `axis_std` 0.1; `paper` is the published configuration (no
    /// pairwise term, random start).
    pub fn preset(p: Preset) -> Self {
        match p {
            Preset::Default => ModelConfig::default(),
            Preset::Reconstruction => ModelConfig { head: Head::Frame, ..ModelConfig::default() },
            // axis_std 0.1: at 0.3 the step head's representations find the simulated CTCF sites
            // less well (BENCHMARKS.md, issue 15).
            // Observed frames: measured so; the per-step head reads steps in order and lost less on
            // dense frames (R² 0.888 observed, 0.84-0.86 dense).
            Preset::Representations => ModelConfig {
                frames: FrameLayout::Observed,
                head: Head::Step,
                hidden: 24,
                embedding_std: 0.01,
                axis_std: 0.1,
                step_loss: 0.0,
                step_max_distance: None,
                train: TrainConfig { cis_weight: 0.0, ..TrainConfig::default() },
                ..ModelConfig::default()
            },
            Preset::Paper => ModelConfig {
                frames: FrameLayout::Observed,
                cell: Cell::Layernorm,
                head: Head::Step,
                hidden: 8,
                embedding_std: 1.0,
                embedding_init: EmbeddingInit::Random,
                pair_rank: 0,
                step_loss: 0.0,
                step_max_distance: None,
                train: TrainConfig {
                    epochs: AutoOr::Value(10),
                    decay_after: AutoOr::Value(5),
                    batch_size: AutoOr::Value(2000),
                    cis_weight: 0.0,
                    ..TrainConfig::default()
                },
                ..ModelConfig::default()
            },
        }
    }

    /// Reads a YAML configuration whose keys override the defaults, and checks it.
    pub fn load(path: &Path) -> Result<Self> {
        Self::load_onto(ModelConfig::default(), path)
    }

    /// Reads a YAML configuration whose keys override `base` (nested maps key by key).
    pub fn load_onto(base: ModelConfig, path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::input_io(path, e))?;
        // Parsed on its own first, so that unknown keys and bad values are reported with their line.
        let _: ModelConfig = serde_yaml_ng::from_str(&text).map_err(|e| yaml_error(path, e))?;
        let given: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).map_err(|e| yaml_error(path, e))?;
        let mut merged = serde_yaml_ng::to_value(&base).map_err(|e| Error::Internal(e.to_string()))?;
        // An empty file (or one of comments only) is null and overrides nothing: merged, it would
        // replace the whole base and leave the keys that model files default differently
        // (`pair_rank`, `embedding_init`) at their old-file values.
        if !given.is_null() {
            merge(&mut merged, given);
        }
        let c: ModelConfig = serde_yaml_ng::from_value(merged).map_err(|e| yaml_error(path, e))?;
        c.check()?;
        Ok(c)
    }

    /// Whether the model has the auxiliary decoder (`step_loss` > 0 with the frame or window
    /// head). (With the step head `step_loss` is ignored, so that `head: step` on top of the
    /// defaults needs nothing else.)
    pub fn has_aux_decoder(&self) -> bool {
        self.head != Head::Step && self.step_loss > 0.0
    }

    /// The auxiliary decoder's configuration, where the model has one: this one's cell, K and
    /// frame length, with `step_hidden` units, the per-step head and no pairwise term.
    pub fn aux_config(&self) -> Option<ModelConfig> {
        self.has_aux_decoder().then(|| ModelConfig { head: Head::Step, hidden: self.step_hidden, pair_rank: 0, step_loss: 0.0, ..self.clone() })
    }

    /// Refuses what the model cannot use: K, hidden size, frame length or epochs of 0, learning
    /// rates, `clip_norm` or `embedding_std` not positive, `axis_std`, `trans_weight` or
    /// `cis_weight` negative, `pair_rank` over [`MAX_PAIR_RANK`], `cis_rank` outside 1 ..=
    /// [`MAX_PAIR_RANK`], and a transform with a <= 0 or d < 0.
    pub fn check(&self) -> Result<()> {
        let bad = |m: &str| Err(Error::InvalidArgument(format!("model config: {m}")));
        if self.k == 0 || self.hidden == 0 || self.frame_len == 0 {
            return bad("k, hidden and frame_len must be at least 1");
        }
        if self.train.epochs == AutoOr::Value(0) {
            return bad("epochs must be at least 1");
        }
        if self.train.batch_size == AutoOr::Value(0) {
            return bad("batch_size must be at least 1");
        }
        if !(self.train.learning_rate > 0.0 && self.train.learning_rate_after > 0.0) {
            return bad("learning rates must be positive");
        }
        if self.train.clip_norm.is_nan() || self.train.clip_norm <= 0.0 {
            return bad("clip_norm must be positive");
        }
        if !(self.embedding_std > 0.0 && self.embedding_std.is_finite()) {
            return bad("embedding_std must be positive");
        }
        if self.head == Head::Window && !(1..self.frame_len).contains(&self.head_window) {
            return bad("head_window must be at least 1 and less than frame_len");
        }
        if self.pair_rank > MAX_PAIR_RANK {
            return bad(&format!("pair_rank must be at most {MAX_PAIR_RANK}"));
        }
        if !(self.step_loss >= 0.0 && self.step_loss.is_finite()) {
            return bad("step_loss must be a finite number >= 0");
        }
        if self.step_loss > 0.0 && self.step_hidden == 0 {
            return bad("step_hidden must be at least 1");
        }
        if self.step_max_distance == Some(0) {
            return bad("step_max_distance must be positive (leave it out for every pixel)");
        }
        if !(self.axis_std >= 0.0 && self.axis_std.is_finite()) {
            return bad("axis_std must be a finite number >= 0");
        }
        if !(self.train.trans_weight >= 0.0 && self.train.trans_weight.is_finite()) {
            return bad("trans_weight must be a finite number >= 0");
        }
        if !(self.train.head_decay >= 0.0 && self.train.head_decay.is_finite()) {
            return bad("head_decay must be a non-negative number");
        }
        if self.train.trans_max_pixels == 0 {
            return bad("trans_max_pixels must be at least 1");
        }
        if !(self.train.cis_weight >= 0.0 && self.train.cis_weight.is_finite()) {
            return bad("cis_weight must be a finite number >= 0");
        }
        if !(1..=MAX_PAIR_RANK).contains(&self.train.cis_rank) {
            return bad(&format!("cis_rank must be at least 1 and at most {MAX_PAIR_RANK}"));
        }
        if self.train.cis_min_distance == Some(0) {
            return bad("cis_min_distance must be positive (null for frame_len bins)");
        }
        if self.train.cis_max_pixels == 0 {
            return bad("cis_max_pixels must be at least 1");
        }
        if !(self.transform.a > 0.0 && self.transform.d >= 0.0) {
            return bad("transform: a must be positive and d non-negative");
        }
        Ok(())
    }
}

/// A YAML error in `path` as a format error, located at its line and column where serde gives them.
pub fn yaml_error(path: &Path, e: serde_yaml_ng::Error) -> Error {
    let loc = e
        .location()
        .map(|l| hiclstm::error::Location::Line { line: l.line() as u64, column: Some(l.column() as u64) })
        .unwrap_or(hiclstm::error::Location::None);
    Error::format(path, loc, e.to_string())
}

/// A chromosome of the trained model and where its rows start in the embedding table (the
/// genome layer's record, so model.yaml and every other chromosome list share one type).
pub use hiclstm::genome::ChromBins;

/// `model.yaml`: everything needed to use `model.safetensors`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Format tag, [`MODEL_FORMAT`]; other tags are refused on load.
    pub format: String,
    /// Program and version that wrote the model (`hiclstm-train <version>`).
    pub producer: String,
    /// Bin size of the training contacts (bp).
    pub resolution: u32,
    /// Genome assembly named by the training contacts (`unknown` where they name none).
    pub assembly: String,
    /// Normalization of the training contacts' `value` column, from their metadata (`NONE` where
    /// absent).
    pub normalization: String,
    /// Training chromosomes in embedding-table order: name, length (bp), bins and first row.
    pub chromosomes: Vec<ChromBins>,
    /// Epochs trained: the whole schedule in a finished model, fewer in a checkpoint.
    pub epochs_done: usize,
    /// The configuration the model was trained with.
    pub config: ModelConfig,
}

/// The `format` of the model.yaml files that this build writes and reads.
pub const MODEL_FORMAT: &str = "hiclstm-model/1";

impl ModelFile {
    /// Bins of all chromosomes together: the rows of the embedding table.
    pub fn n_bins(&self) -> usize {
        self.chromosomes.iter().map(|c| c.n_bins).sum()
    }

    /// The model's bins (the rows of its embedding table).
    pub fn bin_map(&self) -> hiclstm::genome::BinMap {
        hiclstm::genome::BinMap { resolution: self.resolution, chroms: self.chromosomes.clone() }
    }

    /// Reads a model.yaml and checks its format tag and configuration.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::input_io(path, e))?;
        let m: ModelFile = serde_yaml_ng::from_str(&text).map_err(|e| yaml_error(path, e))?;
        if m.format != MODEL_FORMAT {
            return Err(Error::format(path, hiclstm::error::Location::None, format!("model format '{}', this build reads '{MODEL_FORMAT}'", m.format)));
        }
        m.config.check()?;
        Ok(m)
    }

    /// The description as YAML text (the content of model.yaml).
    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(self).expect("model file serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_defaults_overrides_and_typos() {
        let c: ModelConfig = serde_yaml_ng::from_str("hidden: 16\ntrain:\n  epochs: 3\n  batch_size: 64\n").unwrap();
        assert_eq!((c.hidden, c.k, c.train.epochs, c.train.batch_size), (16, 16, AutoOr::Value(3), AutoOr::Value(64)));
        assert_eq!(c.train.schedule(1000), Schedule { batch: 64, epochs: 3, decay_after: 3 });
        let c: ModelConfig = serde_yaml_ng::from_str("train:\n  batch_size: auto\n  decay_after: 5\n").unwrap();
        // The shared 50 kb map: 3,269 frames -> batch 204, 17 steps per epoch, 95 epochs.
        assert_eq!(c.train.schedule(3269), Schedule { batch: 204, epochs: 95, decay_after: 5 });
        let big = c.train.schedule(10_000_000);
        assert_eq!((big.batch, big.epochs), (2000, 10), "genome-wide maps: the paper's batch and 10 epochs");
        assert!(serde_yaml_ng::from_str::<ModelConfig>("hiden: 3\n").is_err(), "unknown keys are refused");
        let d = ModelConfig::default();
        assert_eq!((d.k, d.frame_len, d.train.learning_rate, d.train.clip_norm), (16, 150, 0.01, 10.0));
        let sch = d.train.schedule(3269);
        assert_eq!(sch.decay_after, 76);
        assert_eq!((sch.learning_rate_at(&d.train, 75), sch.learning_rate_at(&d.train, 76)), (0.01, 0.001));
    }
}

fn merge(base: &mut serde_yaml_ng::Value, over: serde_yaml_ng::Value) {
    use serde_yaml_ng::Value;
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod preset_tests {
    use super::*;

    #[test]
    fn a_config_file_overrides_only_its_own_keys_of_the_preset() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("c.yaml");
        std::fs::write(&p, "hidden: 16\ntrain:\n  learning_rate: 0.005\n").unwrap();
        let c = ModelConfig::load_onto(ModelConfig::preset(Preset::Representations), &p).unwrap();
        assert_eq!((c.head, c.hidden, c.embedding_std), (Head::Step, 16, 0.01));
        assert_eq!((c.train.learning_rate, c.train.learning_rate_after), (0.005, 0.001));
        // A model.yaml written before the pairwise term and the compartment-axis start keeps
        // meaning what it meant: neither (the defaults have both).
        // Likewise one written before the auxiliary decoder: none.
        let old: ModelConfig = serde_yaml_ng::from_str("k: 16\nhidden: 8\n").unwrap();
        assert_eq!((old.pair_rank, old.embedding_init, old.has_aux_decoder()), (0, EmbeddingInit::Random, false));
        let d = ModelConfig::default();
        assert_eq!((d.pair_rank, d.embedding_init, d.hidden), (2, EmbeddingInit::Pca, 12));
        assert_eq!((d.step_loss, d.step_hidden, d.step_max_distance, d.has_aux_decoder()), (3.0, 8, Some(1_000_000), true));
        // The step-head presets have no auxiliary decoder, and `head: step` on the defaults neither.
        assert!(!ModelConfig::preset(Preset::Representations).has_aux_decoder());
        assert!(!ModelConfig { head: Head::Step, ..ModelConfig::default() }.has_aux_decoder());
        // The window head (the defaults') keeps the auxiliary decoder, and its width is written
        // to model files, so that they keep their meaning if the default width changes.
        assert_eq!((d.head, d.head_window), (Head::Window, 3));
        assert!(serde_yaml_ng::to_string(&d).unwrap().contains("head_window: 3"));
        assert_eq!(ModelConfig::preset(Preset::Reconstruction), ModelConfig { head: Head::Frame, ..d.clone() });
        // The long-range term is in the defaults (from 2 Mb; the reconstruction preset's too), off
        // in the step-head presets, and a model file without the keys reads as it was trained:
        // no term, or one from frame_len bins.
        let old: ModelConfig = serde_yaml_ng::from_str("k: 16\ntrain:\n  seed: 0\n").unwrap();
        assert_eq!((d.train.cis_weight, d.train.cis_rank, d.train.cis_min_distance), (0.03, 8, Some(2_000_000)));
        assert_eq!((old.train.cis_weight, old.train.cis_min_distance), (0.0, None));
        assert!([Preset::Representations, Preset::Paper].iter().all(|&p| ModelConfig::preset(p).train.cis_weight == 0.0));
        let from_frame: ModelConfig = serde_yaml_ng::from_str("train:\n  cis_weight: 0.03\n").unwrap();
        assert_eq!(from_frame.train.cis_min_distance, None);
        let w = ModelConfig { head_window: 9, ..d.clone() };
        assert_eq!(serde_yaml_ng::from_str::<ModelConfig>(&serde_yaml_ng::to_string(&w).unwrap()).unwrap(), w);
        let paper = ModelConfig::preset(Preset::Paper);
        assert!(!paper.has_aux_decoder() && paper.step_loss == 0.0);
        assert_eq!((paper.cell, paper.head, paper.hidden, paper.pair_rank, paper.embedding_init), (Cell::Layernorm, Head::Step, 8, 0, EmbeddingInit::Random));
        assert_eq!(paper.train.schedule(1_000_000), Schedule { batch: 2000, epochs: 10, decay_after: 5 });
        // An empty configuration, or one of comments only, is the preset itself.
        for text in ["", "# nothing to change\n"] {
            std::fs::write(&p, text).unwrap();
            assert_eq!(ModelConfig::load_onto(ModelConfig::default(), &p).unwrap(), ModelConfig::default(), "{text:?}");
            assert_eq!(ModelConfig::load_onto(ModelConfig::preset(Preset::Representations), &p).unwrap(), ModelConfig::preset(Preset::Representations));
        }
        std::fs::write(&p, "hiden: 16\n").unwrap();
        let e = ModelConfig::load_onto(ModelConfig::default(), &p).unwrap_err().to_string();
        assert!(e.contains("hiden") && e.contains("line 1"), "{e}");
    }
}

//! `hiclstm-train`: contacts tables -> trained Hi-C-LSTM model directory (weights, representations,
//! training log), with a checkpoint after every epoch for `--resume`; see `--help`.

use clap::Parser;
use hiclstm_model::config::{AutoOr, Cell, Head, ModelConfig, Preset};
use hiclstm_model::train::{run, TrainOptions};
use std::path::PathBuf;

/// Train Hi-C-LSTM: learn a K-dimensional representation of every bin jointly with an LSTM
/// decoder that reconstructs the observed contacts from pairs of representations.
///
/// Writes DIR/model.yaml (configuration, chromosomes, transform), DIR/model.safetensors
/// (weights), DIR/representations.parquet and DIR/training_log.parquet; a checkpoint after every
/// epoch (DIR/checkpoint.*) lets --resume continue an interrupted run to the same result.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-train sample.contacts.parquet -o model/
  hiclstm-train a.contacts.parquet b.contacts.parquet --config model.yaml --device cuda -o model/
  hiclstm-train sample.contacts.parquet -o model/ --resume          # after an interruption
  hiclstm-train other_cell.contacts.parquet --init-from model/ --freeze-decoder -o model_other/

Configuration (YAML, every key optional, on top of --preset; flags override): k (16), embedding_std (0.1),
hidden (12), frame_len (150), frames (dense|observed: which pixels of a row training frames hold),
embedding_init (pca|random), axis_std (0.3), pair_rank (2), cell (fused|layernorm|reference), head (window|frame|step), head_window (3), step_loss (3), step_hidden (8), step_max_distance (bp, 1000000), transform {a: 8, d: 1e-10}, value
(value|count), max_distance (bp), train {epochs: auto, learning_rate: 0.01,
learning_rate_after: 0.001, decay_after: auto, batch_size: auto, clip_norm: 10, seed: 0,
trans_weight: 0.03, trans_max_pixels: 16777216, cis_weight: 0.03 (long-range term; 0: none),
cis_rank: 8, cis_min_distance (bp, 2000000; null: frame_len bins), cis_max_pixels: 16777216, head_decay: 0}.
auto: batch = frames/16 within [16, 2000]; epochs = max(10, enough for 1600 optimizer steps,
4800 with frames: dense);
decay_after = 80% of the epochs. The paper's schedule: epochs 10, decay_after 5, batch_size 2000.

Exit codes: 0 ok, 3 input unreadable, 4 input malformed, 6 output exists, 7 schema mismatch,
8 invalid argument (bad config, --device cuda without a GPU, ...), 1 internal error."
)]
struct Args {
    /// Contacts tables (from hiclstm-import or hiclstm-simulate).
    #[arg(required = true)]
    contacts: Vec<PathBuf>,
    /// Output directory.
    #[arg(short, long)]
    output: PathBuf,
    /// Starting configuration: default (window head, hidden 12), reconstruction (the reference
    /// code's frame head: the closest fit to the training reads, learned partly by heart),
    /// representations (per-step head, hidden 24, small initialisation) or paper (the published
    /// configuration).
    #[arg(long, value_enum, default_value_t = Preset::Default)]
    preset: Preset,
    /// Model configuration (YAML); its keys override the preset's.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Epochs (a number, or 'auto').
    #[arg(long)]
    epochs: Option<AutoOr>,
    /// Representation size K.
    #[arg(long)]
    k: Option<usize>,
    /// LSTM hidden size.
    #[arg(long)]
    hidden: Option<usize>,
    #[arg(long, value_enum)]
    cell: Option<Cell>,
    #[arg(long, value_enum)]
    head: Option<Head>,
    /// Frames per mini-batch (a number, or 'auto').
    #[arg(long)]
    batch_size: Option<AutoOr>,
    #[arg(long)]
    seed: Option<u64>,
    #[command(flatten)]
    device: hiclstm_model::device::DeviceArgs,
    /// Continue the interrupted run in the output directory.
    #[arg(long)]
    resume: bool,
    /// Stop after this many epochs (resume later with --resume).
    #[arg(long)]
    stop_after: Option<usize>,
    /// Directory for the temporary file of training frames (about 4 bytes per pixel, removed
    /// however the run ends; default: $TMPDIR, else /tmp).
    #[arg(long, value_name = "DIR")]
    temp_dir: Option<PathBuf>,
    /// bedGraph that orients the compartment axis of `embedding_init: pca` (gene density or GC:
    /// A positive), as `hiclstm-baseline pca --orient`; without it (and without --trans), each
    /// chromosome's end whose contacts among themselves are the more enriched is made positive.
    #[arg(long, value_name = "BEDGRAPH")]
    orient: Option<PathBuf>,
    /// Trans table (hiclstm-import --trans) of the same map: without --orient, every chromosome's
    /// compartment axis is turned to agree with the others' through their inter-chromosomal
    /// contacts (A touches A more than B), so that one sign means A genome-wide.
    #[arg(long, value_name = "TRANS_TABLE")]
    trans: Option<PathBuf>,
    /// Start from a trained model directory (transfer learning).
    #[arg(long)]
    init_from: Option<PathBuf>,
    /// With --init-from: keep the decoder (and the auxiliary decoder) fixed, learn only
    /// representations.
    #[arg(long)]
    freeze_decoder: bool,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        let device = a.device.setup(&a.common)?;
        let base = ModelConfig::preset(a.preset);
        let mut c = match &a.config {
            Some(p) => ModelConfig::load_onto(base, p)?,
            None => base,
        };
        if let Some(v) = a.epochs {
            c.train.epochs = v;
        }
        if let Some(v) = a.k {
            c.k = v;
        }
        if let Some(v) = a.hidden {
            c.hidden = v;
        }
        if let Some(v) = a.cell {
            c.cell = v;
        }
        if let Some(v) = a.head {
            c.head = v;
        }
        if let Some(v) = a.seed {
            c.train.seed = v;
        }
        if let Some(b) = a.batch_size {
            c.train.batch_size = b;
        }
        hiclstm::log::info(&format!("device {}", hiclstm_model::device::name(device)));
        let o = TrainOptions {
            contacts: a.contacts.clone(),
            config: c,
            out_dir: a.output.clone(),
            device,
            resume: a.resume,
            force: a.common.force,
            init_from: a.init_from.clone(),
            freeze_decoder: a.freeze_decoder,
            stop_after: a.stop_after,
            temp_dir: a.temp_dir,
            orient: a.orient.clone(),
            trans: a.trans.clone(),
        };
        run(&o).map(|_| ())
    })
}

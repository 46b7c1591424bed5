//! `hiclstm-decoders`: the representations x decoders comparison (LSTM, CNN and FC decoders trained
//! on frozen representations, tested by R² by distance on held-out chromosomes); see `--help`.

use clap::Parser;
use hiclstm_model::config::{AutoOr, Cell, Head, ModelConfig};
use hiclstm_model::decoders::{run, DecoderOptions};
use std::path::PathBuf;

/// Compare representations x decoders (the paper's Fig. 3 grid).
///
/// Trains LSTM, CNN and FC decoders (matched depth and width, each with the per-step head by
/// default, so that no decoder mixes the whole frame; each with the default pairwise term) on
/// frozen representations from any method, on the training chromosomes, and tests them on the
/// test chromosomes. Writes PREFIX.metrics.parquet (one method per representation+decoder pair,
/// with the distance-mean baseline) and, with --plots, PREFIX.r2_by_distance.png. For the
/// replicate experiment, pass representations learned on replicate 1 and contacts of replicate 2.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-decoders --contacts sample.contacts.parquet \\
      --representations hiclstm=model/representations.parquet pca=sample.pca.parquet \\
      --train-chromosomes chr21 --test-chromosomes chr22 --plots -o grid

Exit codes: 0 ok, 3 input unreadable, 5 chromosome not in the input, 6 output exists,
7 schema mismatch, 8 invalid argument."
)]
struct Args {
    /// Contacts tables (the decoders' training and test data).
    #[arg(long, required = true, num_args = 1..)]
    contacts: Vec<PathBuf>,
    /// Representations tables as LABEL=FILE.
    #[arg(long, required = true, num_args = 1..)]
    representations: Vec<String>,
    #[arg(long, value_delimiter = ',', required = true)]
    train_chromosomes: Vec<String>,
    #[arg(long, value_delimiter = ',', required = true)]
    test_chromosomes: Vec<String>,
    /// Decoders: lstm, cnn, fc.
    #[arg(long, value_delimiter = ',', default_value = "lstm,cnn,fc")]
    decoders: Vec<String>,
    /// Output head of every decoder: step (default: the comparison the paper makes, no decoder
    /// mixing the whole frame) or frame.
    #[arg(long, value_enum, default_value_t = Head::Step)]
    head: Head,
    /// Decoder width H.
    #[arg(long, default_value_t = 8)]
    hidden: usize,
    /// Training epochs per decoder (a number or 'auto').
    #[arg(long, default_value = "auto")]
    epochs: AutoOr,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Distance bands in bins (as hiclstm-evaluate).
    #[arg(long, default_value = "0-9,10-49,50-149,150-")]
    bands: String,
    #[arg(long)]
    plots: bool,
    #[command(flatten)]
    device: hiclstm_model::device::DeviceArgs,
    /// Output prefix.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        let device = a.device.setup(&a.common)?;
        let representations = a.representations.iter().map(|s| hiclstm::cli::labelled(s, false)).collect::<hiclstm::Result<Vec<_>>>()?;
        let decoders = a
            .decoders
            .iter()
            .map(|d| match d.as_str() {
                "lstm" => Ok(Cell::Fused),
                "cnn" => Ok(Cell::Cnn),
                "fc" => Ok(Cell::Fc),
                other => Err(hiclstm::Error::InvalidArgument(format!("--decoders: unknown '{other}' (lstm, cnn, fc)"))),
            })
            .collect::<hiclstm::Result<Vec<_>>>()?;
        let mut config = ModelConfig { hidden: a.hidden, head: a.head, ..Default::default() };
        config.train.epochs = a.epochs;
        config.train.seed = a.seed;
        let o = DecoderOptions {
            contacts: a.contacts.clone(),
            representations,
            train_chromosomes: a.train_chromosomes.clone(),
            test_chromosomes: a.test_chromosomes.clone(),
            decoders,
            config,
            bands: hiclstm::evaluate::parse_bands(&a.bands).map_err(|e| hiclstm::Error::InvalidArgument(format!("--bands: {e}")))?,
            output: a.output.clone(),
            device,
            force: a.common.force,
            plots: a.plots,
        };
        run(&o).map(|_| ())
    })
}

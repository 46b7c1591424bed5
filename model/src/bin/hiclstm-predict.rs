//! `hiclstm-predict`: contacts predicted by a trained decoder from the model's own or any other
//! representations with its K, written as a predictions table; see `--help`.

use clap::Parser;
use hiclstm::genome::Region;
use hiclstm_model::predict::{run, PredictOptions};
use std::path::PathBuf;

/// Predict contacts with a trained Hi-C-LSTM decoder.
///
/// Decodes the model's own representations, or any representations table with the same K
/// (for example one edited by hiclstm-perturb, longer or shorter than the reference). With
/// --contacts, predicts the observed pixels (frames built as in training) and reports the
/// observations beside the predictions; without it, predicts every pixel up to --max-distance.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-predict model/ --contacts sample.contacts.parquet -o sample.predictions.parquet
  hiclstm-predict model/ --region chr21:30,000,001-35,000,000 -o region.predictions.parquet
  hiclstm-predict model/ --representations edited.parquet --max-distance 2000000 -o edited.predictions.parquet
  hiclstm-predict model/ --contacts sample.contacts.parquet -o sample.predictions.parquet --cooler mcool

Exit codes: 0 ok, 3 input unreadable, 4 input malformed, 5 region/chromosome not in the input,
6 output exists, 7 schema mismatch (e.g. representations with another K), 8 invalid argument."
)]
struct Args {
    /// Trained model directory (from hiclstm-train).
    model: PathBuf,
    /// Output predictions table (.parquet).
    #[arg(short, long)]
    output: PathBuf,
    /// Representations table to decode (default: MODEL/representations.parquet).
    #[arg(long)]
    representations: Option<PathBuf>,
    /// Contacts table whose observed pixels are predicted.
    #[arg(long)]
    contacts: Option<PathBuf>,
    /// Only this region (chr:start-end, 1-based inclusive; or a whole chromosome).
    #[arg(long)]
    region: Option<Region>,
    /// Without --contacts: largest distance predicted (bp).
    #[arg(long)]
    max_distance: Option<u64>,
    #[command(flatten)]
    device: hiclstm_model::device::DeviceArgs,
    /// Also write the maps as cooler files beside the table (PREFIX.predicted.mcool and, with
    /// --contacts, PREFIX.observed.mcool; PREFIX is the output without .predictions.parquet):
    /// float `count` values, openable in HiGlass, cooler, cooltools and hictk.
    #[arg(long, value_enum)]
    cooler: Option<hiclstm::formats::cool_writer::CoolerFormat>,
    /// Frames per forward pass.
    #[arg(long, default_value_t = 4096)]
    batch: usize,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        let device = a.device.setup(&a.common)?;
        let o = PredictOptions {
            model_dir: a.model.clone(),
            representations: a.representations.clone(),
            contacts: a.contacts.clone(),
            region: a.region.clone(),
            max_distance: a.max_distance,
            output: a.output.clone(),
            device,
            batch: a.batch,
            force: a.common.force,
            cooler: a.cooler,
        };
        let rows = run(&o)?;
        hiclstm::log::info(&format!("wrote {rows} predictions to {}", a.output.display()));
        Ok(())
    })
}

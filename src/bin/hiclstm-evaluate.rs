//! `hiclstm-evaluate`: reconstruction metrics (R², MSE, Pearson, Spearman) of predictions tables
//! beside the distance-mean baseline, with plots; see `--help`.

use clap::Parser;
use hiclstm::evaluate::{parse_bands, run, EvaluateOptions};
use hiclstm::genome::Region;
use std::path::PathBuf;

/// Evaluate reconstructions: predictions tables -> metrics table and plots.
///
/// R² (probability space), MSE, Pearson and Spearman correlation overall, per chromosome, per
/// distance band and per distance, with the distance-mean baseline (for each distance, the mean
/// observed probability at that distance) in the same table. Streams the tables (bounded memory)
/// and reads row groups in parallel. Writes PREFIX.metrics.parquet and, with --plots,
/// PREFIX.r2_by_distance.png, PREFIX.heatmap.png and (with --training-log) PREFIX.loss.png.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-evaluate sample.predictions.parquet -o sample --plots --training-log model/training_log.parquet
  hiclstm-evaluate hiclstm=a.predictions.parquet pca=b.predictions.parquet -o compare --plots
  hiclstm-evaluate sample.predictions.parquet --chromosomes chr21 --bands 0-9,10-49,50-149,150- -o heldout

Exit codes: 0 ok, 3 input unreadable, 5 chromosome/region not in the input, 6 output exists,
7 schema mismatch, 8 invalid argument (mismatched resolutions or chromosomes, no observations)."
)]
struct Args {
    /// Predictions tables, optionally labelled: LABEL=FILE (default label: the file stem).
    #[arg(required = true)]
    predictions: Vec<String>,
    /// Output prefix.
    #[arg(short, long)]
    output: PathBuf,
    /// Only these chromosomes (comma-separated), e.g. held-out ones.
    #[arg(long, value_delimiter = ',')]
    chromosomes: Option<Vec<String>>,
    /// Distance bands in bins, inclusive: lo-hi[,lo-hi...]; 'lo-' is open-ended.
    #[arg(long, default_value = "0-9,10-49,50-149,150-")]
    bands: String,
    /// Write the PNG plots.
    #[arg(long)]
    plots: bool,
    /// Heatmap region (chr:start-end; default: the first 200 bins of the first chromosome).
    #[arg(long)]
    region: Option<Region>,
    /// Frame length of the model, to outline frame starts in the heatmap (0: none).
    #[arg(long, default_value_t = 150)]
    frame_len: usize,
    /// Training log (from hiclstm-train) for the loss-curve plot.
    #[arg(long)]
    training_log: Option<PathBuf>,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        a.common.apply()?;
        let inputs = a.predictions.iter().map(|s| hiclstm::cli::labelled(s, true)).collect::<hiclstm::Result<Vec<_>>>()?;
        let o = EvaluateOptions {
            inputs,
            chromosomes: a.chromosomes.clone(),
            bands: parse_bands(&a.bands).map_err(|e| hiclstm::Error::InvalidArgument(format!("--bands: {e}")))?,
            output: a.output.clone(),
            force: a.common.force,
            plots: a.plots,
            region: a.region.clone(),
            frame_len: (a.frame_len > 0).then_some(a.frame_len),
            training_log: a.training_log.clone(),
        };
        let s = run(&o)?;
        for p in s.outputs {
            hiclstm::log::info(&format!("wrote {}", p.display()));
        }
        Ok(())
    })
}

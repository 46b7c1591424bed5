//! `hiclstm-attribute`: Integrated Gradients of a trained model's predicted contacts with respect
//! to each bin's representation, written as an attributions table and a bedGraph, with optional
//! element-set and TAD summaries; see `--help`.

use clap::Parser;
use hiclstm_model::attribute::{run, AttributeOptions, Baseline};
use std::path::PathBuf;

/// Attribute conformation to loci: Integrated Gradients of a trained model's predicted contacts
/// with respect to each bin's representation.
///
/// The target is the sum of the predicted probabilities of all observed frame steps (with
/// --target, of the observed pixels of one domain or loop: which loci hold it together); each bin's
/// score (column `raw`, the default; `mean` divides by the frame steps it takes part in) sums its
/// attribution over the K features. Writes PREFIX.attributions.parquet (raw, mean, normalized =
/// min-max per sign, z) and PREFIX.attributions.bedGraph (normalized) for a genome browser.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-attribute model/ --contacts sample.contacts.parquet -o sample
  hiclstm-attribute model/ --contacts sample.contacts.parquet --baseline mean --steps 100 --device cuda -o sample
  hiclstm-attribute model/ --contacts sample.contacts.parquet --elements ctcf=ctcf.bed tss=tss.bed --tads tads.bed -o sample
  hiclstm-attribute model/ --contacts sample.contacts.parquet --elements loop=ctcf_loops.bed other=ctcf_other.bed --compare loop:other -o sample
  hiclstm-attribute model/ --contacts sample.contacts.parquet --target chr1:1,000,001-1,050,000 --target chr1:1,800,001-1,850,000 -o loop
  hiclstm-attribute model/ --contacts sample.contacts.parquet --target chr1:2,000,001-3,000,000 -o domain
  hiclstm-attribute model/ --contacts sample.contacts.parquet --chromosomes chr1 -o part1    # a run scattered by chromosome...
  hiclstm-attribute model/ --merge part1.attributions.parquet part2.attributions.parquet -o sample   # ...joined

Exit codes: 0 ok, 2 unknown baseline name, 3 input unreadable, 6 output exists, 7 schema
mismatch, 8 invalid argument (steps < 2, no observed contacts, no observed pixel in --target)."
)]
struct Args {
    /// Trained model directory.
    model: PathBuf,
    /// Contacts table whose observed pixels make the frames.
    #[arg(long, required_unless_present = "merge")]
    contacts: Option<PathBuf>,
    /// Only these chromosomes (comma-separated): one job of a run scattered by chromosome.
    #[arg(long, value_delimiter = ',', conflicts_with = "merge")]
    chromosomes: Vec<String>,
    /// Join the attributions tables of a run scattered by chromosome (one per job) into one,
    /// normalised over all, with the summaries asked for; computes nothing.
    #[arg(long, num_args = 1.., value_name = "TABLE", conflicts_with_all = ["contacts", "target"])]
    merge: Vec<PathBuf>,
    /// Representations to attribute (default: the model's own).
    #[arg(long)]
    representations: Option<PathBuf>,
    /// Integration steps m (trapezoidal rule).
    #[arg(long, default_value_t = 50)]
    steps: usize,
    #[arg(long, value_enum, default_value_t = Baseline::Zero)]
    baseline: Baseline,
    /// The decoder differentiated: main (as hiclstm-predict) or auxiliary (the per-step decoder
    /// of the defaults' models, `step_loss`; trained within step_max_distance of the diagonal).
    /// The frame head mixes a whole frame, so a bin's attribution also counts contacts far from it.
    #[arg(long, value_enum, default_value_t)]
    decoder: hiclstm_model::predict::DecoderChoice,
    #[command(flatten)]
    device: hiclstm_model::device::DeviceArgs,
    /// Frames per forward pass.
    #[arg(long, default_value_t = 2048)]
    batch: usize,
    /// Element sets to summarise, NAME=BED (e.g. ctcf=ctcf_peaks.bed tss=tss.bed).
    #[arg(long, num_args = 1..)]
    elements: Vec<String>,
    /// Compare two element sets with each other, A:B (names of --elements; repeatable), e.g.
    /// ctcf_loop:ctcf_other.
    #[arg(long, value_name = "A:B")]
    compare: Vec<String>,
    /// Domains (BED) for the average TAD profile (PREFIX.tad_profile.png).
    #[arg(long)]
    tads: Option<PathBuf>,
    /// TAD profile flank width, in bins.
    #[arg(long, default_value_t = 5)]
    flank_bins: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Attribute only the predicted contacts of a pixel block: once, a domain (both ends in the
    /// region); twice, a loop (one end in each region, same chromosome). Regions are
    /// chr:start-end (commas in numbers allowed, hence one region per flag).
    #[arg(long, value_name = "REGION", num_args = 1)]
    target: Vec<hiclstm::genome::Region>,
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
        let o = AttributeOptions {
            model_dir: a.model.clone(),
            representations: a.representations.clone(),
            contacts: a.contacts.clone().unwrap_or_default(),
            chromosomes: a.chromosomes.clone(),
            merge: a.merge.clone(),
            steps: a.steps,
            baseline: a.baseline,
            output: a.output.clone(),
            device,
            batch: a.batch,
            force: a.common.force,
            elements: a.elements.iter().map(|s| hiclstm::cli::labelled(s, false)).collect::<hiclstm::Result<Vec<_>>>()?,
            compare: a
                .compare
                .iter()
                .map(|c| match c.split_once(':') {
                    Some((x, y)) if !x.is_empty() && !y.is_empty() => Ok((x.to_string(), y.to_string())),
                    _ => Err(hiclstm::Error::InvalidArgument(format!("--compare {c}: expected A:B, two names of --elements"))),
                })
                .collect::<hiclstm::Result<Vec<_>>>()?,
            tads: a.tads.clone(),
            flank_bins: a.flank_bins,
            seed: a.seed,
            target: a.target.clone(),
            decoder: a.decoder,
        };
        run(&o).map(|_| ())
    })
}

//! `hiclstm-pipeline`: run every step of the Nextflow workflow in order on this machine, from the
//! same params YAML and with the same results layout; see `--help`.

use clap::Parser;
use hiclstm::pipeline::{self, params::Params, RunOptions};
use std::path::PathBuf;

/// Run the whole pipeline on this machine: the steps of workflows/main.nf, in order, with the
/// same parameter file (`nextflow run -params-file` YAML) and the same results layout.
///
/// Without a samplesheet (`input` in the params, or --input) it simulates the embedded default
/// genome and runs on it: simulate -> import -> train -> predict -> evaluate -> baselines ->
/// classify (simulated truth) -> attribute -> perturb (workflows/assets/simulated_edits.yaml).
/// Each step is its hiclstm-* binary, found beside this one or on PATH.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-pipeline --outdir results                        # embedded default (simulated genome)
  hiclstm-pipeline --params params.yaml                    # same file as nextflow -params-file
  hiclstm-pipeline --params params.yaml --input samplesheet.csv --outdir results --resume
  hiclstm-pipeline --params params.yaml --dry-run          # print the commands only

Results: OUTDIR/{simulate,import,train/<id>,predict,evaluate,baseline,classify,attribute,perturb,pipeline_info}.

Exit codes: those of the failing step (see hiclstm-import --help), 3/4 for an unreadable or
malformed params file or samplesheet, 6 when OUTDIR holds results and neither --resume nor --force is given."
)]
struct Args {
    /// Parameter file (YAML; keys as in workflows/nextflow_schema.json).
    #[arg(long)]
    params: Option<PathBuf>,
    /// Samplesheet CSV (overrides `input` of the params).
    #[arg(long)]
    input: Option<PathBuf>,
    /// Results directory (overrides `outdir` of the params).
    #[arg(long)]
    outdir: Option<PathBuf>,
    /// Skip steps that completed in an earlier run with the same command line.
    #[arg(long)]
    resume: bool,
    /// Print the commands without running them.
    #[arg(long)]
    dry_run: bool,
    /// Directory with the hiclstm-* binaries (default: beside this one, then PATH).
    #[arg(long)]
    bin_dir: Option<PathBuf>,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        a.common.apply()?;
        let mut p = match &a.params {
            Some(f) => Params::load(f)?,
            None => Params::default(),
        };
        if let Some(i) = &a.input {
            p.input = Some(i.clone());
        }
        if let Some(o) = &a.outdir {
            p.outdir = o.clone();
        }
        let steps = pipeline::plan(&p, a.common.threads)?;
        let has_results = std::fs::read_dir(&p.outdir).is_ok_and(|mut d| d.next().is_some());
        if has_results && !a.resume && !a.common.force && !a.dry_run {
            return Err(hiclstm::Error::OutputExists { path: p.outdir.clone() });
        }
        pipeline::run(&p, &steps, &RunOptions { bin_dir: a.bin_dir.clone(), resume: a.resume, dry_run: a.dry_run })?;
        if !a.dry_run {
            hiclstm::log::info(&format!("pipeline: {} steps done; results in {}", steps.len(), p.outdir.display()));
        }
        Ok(())
    })
}

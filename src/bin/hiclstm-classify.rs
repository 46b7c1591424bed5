//! `hiclstm-classify`: cross-validated identification of genomic elements from one or more
//! representations tables, writing a metrics table and PR curves; see `--help`.

use clap::Parser;
use hiclstm::classify::{labels::read_tasks, run, Classifier, ClassifyOptions, FoldsBy, Multiclass};
use std::path::PathBuf;

/// Identify genomic elements from representations: cross-validated classification of labelled
/// tracks, several representation methods side by side.
///
/// Tasks come from a YAML file:
///   tasks:
///     - {name: boundaries, file: sim.boundaries.bed, kind: bed}
///     - {name: A_compartment, file: subcompartments.bed, kind: bed, name_prefix: A}
///     - {name: genes, file: gene_coverage.bedGraph, kind: bedgraph, threshold: 0}
///     - {name: loops, file: loops.bedpe, kind: bedpe}
///     - {name: tad_edges, file: tads.bed, kind: boundaries, flank: 1}
/// Tasks without given negatives get an equal number sampled from the other bins (seeded).
/// Writes PREFIX.metrics.parquet (average precision, AuROC, accuracy, F1 per task x method x
/// fold and averaged; the fold scheme is in its hiclstm.cv metadata) and PREFIX.pr_curves.png.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-classify --representations hiclstm=model/representations.parquet pca=pca.parquet \\
      --tasks tasks.yaml --plots -o elements

Exit codes: 0 ok, 3 input unreadable, 4 malformed track or YAML (file and line named), 6 output
exists, 7 schema mismatch, 8 a task that cannot run (no positives, one class) or bad arguments."
)]
struct Args {
    /// Representations tables as LABEL=FILE.
    #[arg(long, required = true, num_args = 1..)]
    representations: Vec<String>,
    /// Task list (YAML).
    #[arg(long)]
    tasks: PathBuf,
    /// Classifiers.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "linear,boosted")]
    classifiers: Vec<Classifier>,
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Fold scheme: contiguous blocks (neighbouring bins stay together) or whole chromosomes.
    #[arg(long, value_enum, default_value_t = FoldsBy::Blocks)]
    folds_by: FoldsBy,
    /// Block size for --folds-by blocks.
    #[arg(long, default_value_t = 50)]
    block_bins: usize,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Also give the classifiers the squared change of the representation across each bin, for
    /// d = 1..N bins either side (boundaries are where representations change). 0: the bin's own
    /// representation only, as in the paper.
    #[arg(long, default_value_t = 0)]
    context: usize,
    /// How the linear classifier scores a category task's classes: one sigmoid per class against
    /// the rest (ovr), or one softmax over them (multinomial logistic regression). The boosted
    /// trees are one-vs-rest either way.
    #[arg(long, value_enum, default_value_t = Multiclass::Ovr)]
    multiclass: Multiclass,
    #[arg(long)]
    plots: bool,
    /// Output prefix.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        a.common.apply()?;
        let representations = a.representations.iter().map(|s| hiclstm::cli::labelled(s, false)).collect::<hiclstm::Result<Vec<_>>>()?;
        let o = ClassifyOptions {
            representations,
            tasks: read_tasks(&a.tasks)?,
            classifiers: a.classifiers.clone(),
            folds: a.folds,
            folds_by: a.folds_by,
            block_bins: a.block_bins,
            seed: a.seed,
            context: a.context,
            output: a.output.clone(),
            force: a.common.force,
            plots: a.plots,
            multiclass: a.multiclass,
        };
        run(&o).map(|_| ())
    })
}

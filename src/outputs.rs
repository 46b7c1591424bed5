//! Every file a step writes, named once. A step writes `PREFIX.<name>` (`hiclstm-train`: files
//! inside its model directory); the binaries build their paths from these names, the pipeline
//! plans with them, and a test checks that the Nextflow modules' `output:` globs match them.

// Tables.
pub const CONTACTS: &str = "contacts.parquet";
pub const BINS: &str = "bins.parquet";
pub const REPRESENTATIONS: &str = "representations.parquet";
pub const TRAINING_LOG: &str = "training_log.parquet";
pub const PREDICTIONS: &str = "predictions.parquet";
pub const METRICS: &str = "metrics.parquet";
pub const ATTRIBUTIONS: &str = "attributions.parquet";
pub const ATTRIBUTION_SUMMARY: &str = "attribution_summary.parquet";
pub const PERTURBATIONS: &str = "perturbations.parquet";

// Tracks and text.
pub const PAIRS: &str = "pairs.gz";
pub const TASKS: &str = "tasks.yaml";
pub const TADS_BED: &str = "tads.bed";
pub const BOUNDARIES_BED: &str = "boundaries.bed";
pub const CTCF_BED: &str = "ctcf.bed";
pub const LOOPS_BEDPE: &str = "loops.bedpe";
pub const COMPARTMENTS_BED: &str = "compartments.bed";
pub const CHROM_SIZES: &str = "chrom.sizes";
pub const ATTRIBUTIONS_BEDGRAPH: &str = "attributions.bedGraph";

// Plots.
pub const R2_BY_DISTANCE_PNG: &str = "r2_by_distance.png";
pub const HEATMAP_PNG: &str = "heatmap.png";
pub const LOSS_PNG: &str = "loss.png";
pub const PR_CURVES_PNG: &str = "pr_curves.png";
pub const ELEMENTS_PNG: &str = "elements.png";
pub const TAD_PROFILE_PNG: &str = "tad_profile.png";
pub const PERTURBATION_PNG: &str = "perturbation.png";
pub const DIFFERENCE_PNG: &str = "difference.png";
pub const SITE_PROFILE_PNG: &str = "site_profile.png";

/// A category task's confusion matrices (`hiclstm-classify --plots`).
pub fn confusion_png(task: &str) -> String {
    format!("confusion.{task}.png")
}

/// Everything each binary can write, by name (plots with `--plots` or the options that ask
/// for them; `*` stands for a task name). The pipeline's steps and the workflow's modules
/// must name nothing else.
pub const BY_STEP: &[(&str, &[&str])] = &[
    ("hiclstm-simulate", &[CONTACTS, BINS, PAIRS, TASKS, TADS_BED, BOUNDARIES_BED, CTCF_BED, LOOPS_BEDPE, COMPARTMENTS_BED, CHROM_SIZES]),
    ("hiclstm-import", &[CONTACTS, BINS]),
    ("hiclstm-train", &[REPRESENTATIONS, TRAINING_LOG]),
    ("hiclstm-predict", &[PREDICTIONS]),
    ("hiclstm-evaluate", &[METRICS, R2_BY_DISTANCE_PNG, HEATMAP_PNG, LOSS_PNG]),
    ("hiclstm-baseline", &[REPRESENTATIONS]),
    ("hiclstm-classify", &[METRICS, PR_CURVES_PNG, "confusion.*.png"]),
    ("hiclstm-attribute", &[ATTRIBUTIONS, ATTRIBUTIONS_BEDGRAPH, ATTRIBUTION_SUMMARY, ELEMENTS_PNG, TAD_PROFILE_PNG]),
    ("hiclstm-perturb", &[PERTURBATIONS, PERTURBATION_PNG, DIFFERENCE_PNG, SITE_PROFILE_PNG, TAD_PROFILE_PNG]),
];

/// The names `program` writes (empty for a program not in [`BY_STEP`]).
pub fn of(program: &str) -> &'static [&'static str] {
    BY_STEP.iter().find(|(p, _)| *p == program).map_or(&[], |(_, n)| n)
}

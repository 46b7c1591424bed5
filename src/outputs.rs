//! Every file a step writes, named once. A step writes `PREFIX.<name>` (`hiclstm-train`: files
//! inside its model directory); the binaries build their paths from these names, the pipeline
//! plans with them, and a test checks that the Nextflow modules' `output:` globs match them.

// Tables.
/// Contacts table: upper-triangle intra-chromosomal pixels (`hiclstm-import`, `hiclstm-simulate`).
pub const CONTACTS: &str = "contacts.parquet";
/// Trans table: pixels between two different chromosomes (`hiclstm-import --trans`).
pub const TRANS: &str = "trans.parquet";
/// Bins table: every bin, with normalization weights (`hiclstm-import`, `hiclstm-simulate`).
pub const BINS: &str = "bins.parquet";
/// Representations table: K features per bin (`hiclstm-train`, `hiclstm-baseline`).
pub const REPRESENTATIONS: &str = "representations.parquet";
/// Training log table: loss per epoch (`hiclstm-train`).
pub const TRAINING_LOG: &str = "training_log.parquet";
/// Predictions table: observed and predicted contact probabilities (`hiclstm-predict`).
pub const PREDICTIONS: &str = "predictions.parquet";
/// Metrics table (`hiclstm-evaluate`, `hiclstm-classify`).
pub const METRICS: &str = "metrics.parquet";
/// Attributions table: Integrated Gradients scores per bin (`hiclstm-attribute`).
pub const ATTRIBUTIONS: &str = "attributions.parquet";
/// Element-set and TAD-profile summaries of the attributions, a metrics table
/// (`hiclstm-attribute`).
pub const ATTRIBUTION_SUMMARY: &str = "attribution_summary.parquet";
/// Perturbations table: wild-type and mutant probabilities of an edit (`hiclstm-perturb`).
pub const PERTURBATIONS: &str = "perturbations.parquet";
/// TAD-scaled 2-D aggregate of a window edit (`hiclstm-perturb --tads`).
pub const TAD_AGGREGATE: &str = "tad_aggregate.parquet";
/// Per-loop CTCF swaps: the mean change around the loop pixels (`loop_aggregate` table).
pub const LOOP_AGGREGATE: &str = "loop_aggregate.parquet";
/// A predicted edit against observed wild-type and mutant maps, a metrics table
/// (`hiclstm-perturb --observed`).
pub const OBSERVED_COMPARISON: &str = "observed_comparison.parquet";
/// Site effects table: per-site edits summarised by distance (`hiclstm-perturb`, per-site
/// knockouts).
pub const SITE_EFFECTS: &str = "site_effects.parquet";

// Tracks and text.
/// Simulated read pairs, 4DN pairs gzipped (`hiclstm-simulate --pairs`).
pub const PAIRS: &str = "pairs.gz";
/// `hiclstm-classify` task list over the simulated truth tracks (`hiclstm-simulate`).
pub const TASKS: &str = "tasks.yaml";
/// Simulated TADs and sub-TADs, BED4 (name `TAD` or `subTAD`).
pub const TADS_BED: &str = "tads.bed";
/// Simulated TAD boundaries, BED4: the two bins either side of each edge between adjacent
/// TADs.
pub const BOUNDARIES_BED: &str = "boundaries.bed";
/// Simulated CTCF motifs, BED6 (strand = motif orientation).
pub const CTCF_BED: &str = "ctcf.bed";
/// Simulated loops, BEDPE (both anchor bins).
pub const LOOPS_BEDPE: &str = "loops.bedpe";
/// Simulated A/B compartments, BED5 (name `A`/`B`, score +1/-1).
pub const COMPARTMENTS_BED: &str = "compartments.bed";
/// Chromosome sizes of the simulated genome, `name<TAB>length` (UCSC).
pub const CHROM_SIZES: &str = "chrom.sizes";
/// Normalized attribution per bin as a bedGraph (`hiclstm-attribute`).
pub const ATTRIBUTIONS_BEDGRAPH: &str = "attributions.bedGraph";
/// Attribution per bin as z-scores (the paper's unit), a bedGraph of the bins in at least one
/// frame (`hiclstm-attribute`).
pub const ATTRIBUTIONS_Z_BEDGRAPH: &str = "attributions.z.bedGraph";
/// The normalized attribution track as bigWig (`hiclstm-attribute`).
pub const ATTRIBUTIONS_BIGWIG: &str = "attributions.bw";
/// The z-score attribution track as bigWig (`hiclstm-attribute`).
pub const ATTRIBUTIONS_Z_BIGWIG: &str = "attributions.z.bw";

// Maps as cooler files, `PREFIX.<map>.cool` or `PREFIX.<map>.mcool` (`--cooler`).
/// Predicted values (`hiclstm-predict`).
pub const PREDICTED_MAP: &str = "predicted";
/// Observed values at the pixels predicted (`hiclstm-predict --contacts`).
pub const OBSERVED_MAP: &str = "observed";
/// Wild-type predicted values of an edit's window (`hiclstm-perturb`).
pub const WT_MAP: &str = "wt";
/// Edited-genome predicted values on reference pixels (`hiclstm-perturb`).
pub const MUTANT_MAP: &str = "mutant";
/// Mutant minus wild-type predicted values (`hiclstm-perturb`).
pub const DIFFERENCE_MAP: &str = "difference";

/// The run's self-contained HTML report (`hiclstm-report`; `pipeline_info/hiclstm.report.html`).
pub const REPORT_HTML: &str = "report.html";

// Plots.
/// The TAD-scaled 2-D aggregate, with CTCF at a boundary above the diagonal, without below
/// (`hiclstm-perturb --tads`).
pub const TAD_AGGREGATE_PNG: &str = "tad_aggregate.png";
/// Per-loop CTCF swaps: the mean change around the loop pixels, as a picture.
pub const LOOP_AGGREGATE_PNG: &str = "loop_aggregate.png";
/// Predicted against observed change per pixel, by region (`hiclstm-perturb --observed`).
pub const OBSERVED_SCATTER_PNG: &str = "observed_scatter.png";
/// R² by distance, beside the distance-mean baseline (`hiclstm-evaluate --plots`).
pub const R2_BY_DISTANCE_PNG: &str = "r2_by_distance.png";
/// Observed (above the diagonal) and predicted (below) contact probabilities
/// (`hiclstm-evaluate --plots`).
pub const HEATMAP_PNG: &str = "heatmap.png";
/// Training loss curve (`hiclstm-evaluate --plots --training-log`).
pub const LOSS_PNG: &str = "loss.png";
/// Precision-recall curves: a panel per binary task, a line per method (`hiclstm-classify --plots`).
pub const PR_CURVES_PNG: &str = "pr_curves.png";
/// Attribution of each element set against its random background, as box plots
/// (`hiclstm-attribute`).
pub const ELEMENTS_PNG: &str = "elements.png";
/// Mean attribution (`hiclstm-attribute`) or mean change (`hiclstm-perturb`) across TADs and
/// their flanks.
pub const TAD_PROFILE_PNG: &str = "tad_profile.png";
/// Wild type above and edited below the diagonal (`hiclstm-perturb --plots`).
pub const PERTURBATION_PNG: &str = "perturbation.png";
/// Mutant minus wild type, on a diverging scale (`hiclstm-perturb --plots`).
pub const DIFFERENCE_PNG: &str = "difference.png";
/// Mean change of the edited sites' contacts by distance from the site (`hiclstm-perturb`:
/// per-site knockouts always, knockouts of all sites together and CTCF swaps with `--plots`).
pub const SITE_PROFILE_PNG: &str = "site_profile.png";
/// Loop pixels before and after a per-loop CTCF orientation swap (`hiclstm-perturb --plots
/// --orientation`).
pub const LOOP_SWAP_PNG: &str = "loop_swap.png";

/// A category task's confusion matrices (`hiclstm-classify --plots`).
pub fn confusion_png(task: &str) -> String {
    format!("confusion.{task}.png")
}

/// Everything each binary can write, by name (plots with `--plots` or the options that ask
/// for them; `*` stands for a task name). The pipeline's steps and the workflow's modules
/// must name nothing else.
pub const BY_STEP: &[(&str, &[&str])] = &[
    ("hiclstm-simulate", &[CONTACTS, BINS, PAIRS, TASKS, TADS_BED, BOUNDARIES_BED, CTCF_BED, LOOPS_BEDPE, COMPARTMENTS_BED, CHROM_SIZES]),
    ("hiclstm-import", &[CONTACTS, BINS, TRANS]),
    ("hiclstm-downsample", &[CONTACTS, BINS]),
    ("hiclstm-train", &[REPRESENTATIONS, TRAINING_LOG]),
    ("hiclstm-predict", &[PREDICTIONS, "predicted.cool", "predicted.mcool", "observed.cool", "observed.mcool"]),
    ("hiclstm-evaluate", &[METRICS, R2_BY_DISTANCE_PNG, HEATMAP_PNG, LOSS_PNG]),
    ("hiclstm-baseline", &[REPRESENTATIONS]),
    ("hiclstm-classify", &[METRICS, PR_CURVES_PNG, "confusion.*.png"]),
    (
        "hiclstm-attribute",
        &[
            ATTRIBUTIONS,
            ATTRIBUTIONS_BEDGRAPH,
            ATTRIBUTIONS_Z_BEDGRAPH,
            ATTRIBUTIONS_BIGWIG,
            ATTRIBUTIONS_Z_BIGWIG,
            ATTRIBUTION_SUMMARY,
            ELEMENTS_PNG,
            TAD_PROFILE_PNG,
        ],
    ),
    (
        "hiclstm-perturb",
        &[
            PERTURBATIONS,
            SITE_EFFECTS,
            PERTURBATION_PNG,
            DIFFERENCE_PNG,
            SITE_PROFILE_PNG,
            LOOP_SWAP_PNG,
            LOOP_AGGREGATE,
            LOOP_AGGREGATE_PNG,
            TAD_PROFILE_PNG,
            TAD_AGGREGATE,
            TAD_AGGREGATE_PNG,
            OBSERVED_COMPARISON,
            OBSERVED_SCATTER_PNG,
            "wt.cool",
            "wt.mcool",
            "mutant.cool",
            "mutant.mcool",
            "difference.cool",
            "difference.mcool",
        ],
    ),
    ("hiclstm-report", &[REPORT_HTML]),
];

/// The names `program` writes (empty for a program not in [`BY_STEP`]).
pub fn of(program: &str) -> &'static [&'static str] {
    BY_STEP.iter().find(|(p, _)| *p == program).map_or(&[], |(_, n)| n)
}

//! `hiclstm-perturb`: in-silico edits of the representations (deletion, inversion, duplication,
//! knockout, CTCF swap), wild type and edited genome decoded and compared over a window; see
//! `--help`.

use clap::Parser;
use hiclstm::edits::{EditKind, EditSpec, KnockoutMethod};
use hiclstm::genome::Region;
use hiclstm_model::perturb::{run_any, PerturbOptions};
use std::path::PathBuf;

/// In-silico genome edits: edit the representations, decode wild type and edited genome, and
/// compare them on reference pixels.
///
/// Knockouts edit each site alone (the paper's averages over sites), on every chromosome or in
/// --window, and write PREFIX.site_effects.parquet (each site's mean change by distance; with
/// --plots PREFIX.site_profile.png, the mean over sites). Every other edit, and knockouts with
/// --together (all sites at once), is compared over --window and writes
/// PREFIX.perturbations.parquet (reference and edited coordinates, wild-type and mutant
/// probabilities, difference, log2 ratio) and with --plots PREFIX.perturbation.png (wild type
/// above the diagonal, edited below) and PREFIX.difference.png (diverging colours).
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-perturb model/ --edit delete --at chr21:30,000,001-30,500,000 --window chr21:28,000,001-33,000,000 --plots -o del
  hiclstm-perturb model/ --edit duplicate --at chr1:5,000,001-6,000,000 --window chr1:3,000,001-9,000,000 -o dup
  hiclstm-perturb model/ --edit knockout --sites ctcf.bed --plots -o ko    # every site alone, genome-wide
  hiclstm-perturb model/ --edit knockout --sites ctcf.bed --method zero --window chr1 --max-distance 1000000 -o ko_chr1
  hiclstm-perturb model/ --edit knockout --sites ctcf.bed --together --window chr1:1-10,000,000 --plots -o ko_all
  hiclstm-perturb model/ --edit ctcf-swap --sites ctcf_motifs.bed --window chr1:1-10,000,000 -o swap
  hiclstm-perturb model/ --edit ctcf-swap --sites ctcf_motifs.bed --anchors loops.bedpe --window chr1:1-10,000,000 -o swap_loops
  hiclstm-perturb model/ --edit ctcf-swap --sites ctcf_motifs.bed --anchors loops.bedpe --orientation convergent-to-divergent --plots -o conv_div
  hiclstm-perturb model/ --edit-spec edit.yaml -o ko    # the same keys as the pipeline's `edits` entries

Exit codes: 0 ok, 3 input unreadable, 4 malformed BED, 5 region not in the input, 6 output
exists, 7 schema mismatch, 8 an edit that cannot be made (outside the chromosome, empties the window,
no site on a trained bin)."
)]
struct Args {
    model: PathBuf,
    /// The edit as a YAML map (id, edit, at, sites, anchors, method, neighbours, orientation,
    /// together, window, max_distance, observed, observed_mutant: the keys of an entry of the
    /// pipeline's `edits`), instead of the flags below.
    #[arg(long, conflicts_with_all = ["edit", "at", "sites", "anchors", "method", "neighbours", "orientation", "together", "window", "max_distance", "observed", "observed_mutant"])]
    edit_spec: Option<PathBuf>,
    #[arg(long, value_enum, required_unless_present = "edit_spec")]
    edit: Option<EditKind>,
    /// Region of a delete, invert or duplicate edit (chr:start-end).
    #[arg(long)]
    at: Option<Region>,
    /// Sites of a knockout (BED), or CTCF motifs of a ctcf-swap (BED6 with strand).
    #[arg(long)]
    sites: Option<PathBuf>,
    /// With ctcf-swap: replace only the motifs at a loop anchor of these loops (BEDPE).
    #[arg(long)]
    anchors: Option<PathBuf>,
    /// Knockout method [default: shift].
    #[arg(long, value_enum)]
    method: Option<KnockoutMethod>,
    /// Neighbours either side for --method mean (bins) [default: 2].
    #[arg(long)]
    neighbours: Option<u32>,
    /// CTCF swap with --anchors: swap each loop's anchor motifs alone, convergent to divergent or
    /// back, and report each loop's pixel before and after (one row per loop).
    #[arg(long, value_enum)]
    orientation: Option<hiclstm::edits::LoopSwap>,
    /// Knockout: edit all sites at once and compare --window's maps (PREFIX.perturbations.parquet)
    /// instead of each site alone.
    #[arg(long)]
    together: bool,
    /// Window predicted and compared (reference coordinates); for per-site knockouts the region
    /// (or chromosome) whose sites are edited [default: every chromosome].
    #[arg(long)]
    window: Option<Region>,
    /// Largest distance predicted (bp) [default: the whole window; 2,000,000 for per-site
    /// knockouts].
    #[arg(long)]
    max_distance: Option<u64>,
    /// Representations to edit (default: the model's own).
    #[arg(long)]
    representations: Option<PathBuf>,
    #[arg(long)]
    plots: bool,
    /// Domains (BED): also draw the edit's mean effect across TADs (PREFIX.tad_profile.png) and
    /// its TAD-scaled 2-D aggregate (PREFIX.tad_aggregate.parquet and .png, the paper's Fig. 8c).
    #[arg(long)]
    tads: Option<PathBuf>,
    /// CTCF sites (BED) splitting the TAD aggregate (PREFIX.tad_aggregate.*, with --tads) into
    /// domains with and without CTCF at a boundary [default: the edit's sites for knockouts and
    /// CTCF swaps; otherwise one group].
    #[arg(long)]
    ctcf: Option<PathBuf>,
    /// Flanks of the TAD aggregate, bp (whole bins).
    #[arg(long, default_value_t = hiclstm_model::perturb::DEFAULT_TAD_FLANK)]
    tad_flank: u64,
    /// Per-loop CTCF swaps: half-width of the aggregate around the loop pixels, bins
    /// (PREFIX.loop_aggregate.parquet, and .png with --plots; Juicer APA's -w).
    #[arg(long, default_value_t = hiclstm_model::loop_swap::DEFAULT_APA_WINDOW)]
    apa_window: usize,
    /// Observed contacts table of the wild type (as hiclstm-import writes it): with
    /// --observed-mutant, compare the predicted edit with the observed one
    /// (PREFIX.observed_comparison.parquet: MSE by region against the observed mutant, beside the
    /// observed wild type taken as the mutant; correlation of predicted and observed changes;
    /// PREFIX.observed_scatter.png). Window edits.
    #[arg(long, requires = "observed_mutant")]
    observed: Option<PathBuf>,
    /// Observed contacts table of the mutant, in reference coordinates (see --observed).
    #[arg(long, requires = "observed")]
    observed_mutant: Option<PathBuf>,
    /// Also write the window's maps as cooler files: PREFIX.wt.mcool, PREFIX.mutant.mcool and
    /// PREFIX.difference.mcool (predicted values, edited genome mapped back to reference bins),
    /// openable in HiGlass, cooler and hictk. Window edits only.
    #[arg(long, value_enum)]
    cooler: Option<hiclstm::formats::cool_writer::CoolerFormat>,
    /// The decoder the edited genome is decoded with: main (as hiclstm-predict) or auxiliary (the
    /// per-step decoder of the defaults' models, `step_loss`). The frame head mixes a whole frame,
    /// so an edit moves every output of the frames it touches; the auxiliary decoder predicts each
    /// step from its own state but was trained only within step_max_distance (1 Mb) of the
    /// diagonal and extrapolates beyond (a warning says so). On the simulated genome loop swaps
    /// held at every seed through it (BENCHMARKS.md, "Edits through the auxiliary decoder").
    #[arg(long, value_enum, default_value_t)]
    decoder: hiclstm_model::predict::DecoderChoice,
    #[command(flatten)]
    device: hiclstm_model::device::DeviceArgs,
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

/// The edit from `--edit-spec`, or from the flags (checked by the same rules).
fn edit_spec(a: &Args) -> hiclstm::Result<EditSpec> {
    if let Some(p) = &a.edit_spec {
        return EditSpec::load(p);
    }
    let Some(edit) = a.edit else {
        return Err(hiclstm::Error::InvalidArgument("--edit is required without --edit-spec".into()));
    };
    let spec = EditSpec {
        id: String::new(),
        edit,
        at: a.at.clone(),
        sites: a.sites.clone(),
        anchors: a.anchors.clone(),
        method: a.method,
        neighbours: a.neighbours,
        orientation: a.orientation,
        together: a.together,
        window: a.window.clone(),
        max_distance: a.max_distance,
        observed: a.observed.clone(),
        observed_mutant: a.observed_mutant.clone(),
    };
    spec.check().map_err(|m| hiclstm::Error::InvalidArgument(format!("{m} (the keys are the flags: `at` is --at)")))?;
    Ok(spec)
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        let device = a.device.setup(&a.common)?;
        let o = PerturbOptions {
            model_dir: a.model.clone(),
            representations: a.representations.clone(),
            edit: edit_spec(&a)?,
            output: a.output.clone(),
            device,
            force: a.common.force,
            plots: a.plots,
            tads: a.tads.clone(),
            cooler: a.cooler,
            ctcf: a.ctcf.clone(),
            tad_flank: a.tad_flank,
            apa_window: a.apa_window,
            decoder: a.decoder,
        };
        run_any(&o)
    })
}

use clap::{Parser, ValueEnum};
use hiclstm::genome::Region;
use hiclstm_model::perturb::{run, EditSpec, KnockoutMethod, PerturbOptions};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EditKind {
    /// Remove a region (--at); downstream representations move up.
    Delete,
    /// Reverse a region's representations (--at).
    Invert,
    /// Tandem duplication of a region (--at); predictions are mapped back to reference pixels
    /// by summing the values of both copies.
    Duplicate,
    /// Knock out sites from a BED file (--sites) by --method zero, mean or shift.
    Knockout,
    /// CTCF orientation replacement: motif sites (--sites, BED6 with strand) of each orientation
    /// get the genome-wide mean representation of the other orientation.
    CtcfSwap,
}

/// In-silico genome edits: edit the representations, decode wild type and edited genome over a
/// window, and compare them on reference pixels.
///
/// Writes PREFIX.perturbations.parquet (reference and edited coordinates, wild-type and mutant
/// probabilities, difference, log2 ratio) and with --plots PREFIX.perturbation.png (wild type
/// above the diagonal, edited below) and PREFIX.difference.png (diverging colours).
#[derive(Parser, Debug)]
#[command(version, after_help = "Examples:
  hiclstm-perturb model/ --edit delete --at chr21:30,000,001-30,500,000 --window chr21:28,000,001-33,000,000 --plots -o del
  hiclstm-perturb model/ --edit duplicate --at chr1:5,000,001-6,000,000 --window chr1:3,000,001-9,000,000 -o dup
  hiclstm-perturb model/ --edit knockout --sites ctcf.bed --method shift --window chr1:1-10,000,000 -o ko
  hiclstm-perturb model/ --edit ctcf-swap --sites ctcf_motifs.bed --window chr1:1-10,000,000 -o swap
  hiclstm-perturb model/ --edit ctcf-swap --sites ctcf_motifs.bed --anchors loops.bedpe --window chr1:1-10,000,000 -o swap_loops

Exit codes: 0 ok, 3 input unreadable, 4 malformed BED, 5 region not in the input, 6 output
exists, 7 schema mismatch, 8 an edit that cannot be made (outside the chromosome, empties the window).")]
struct Args {
    model: PathBuf,
    #[arg(long, value_enum)]
    edit: EditKind,
    /// Region of a delete, invert or duplicate edit (chr:start-end).
    #[arg(long)]
    at: Option<Region>,
    /// Sites of a knockout (BED), or CTCF motifs of a ctcf-swap (BED6 with strand).
    #[arg(long)]
    sites: Option<PathBuf>,
    /// With ctcf-swap: replace only the motifs at a loop anchor of these loops (BEDPE).
    #[arg(long)]
    anchors: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = KnockoutMethod::Shift)]
    method: KnockoutMethod,
    /// Neighbours either side for --method mean (bins).
    #[arg(long, default_value_t = 2)]
    neighbours: usize,
    /// Window predicted and compared (reference coordinates).
    #[arg(long)]
    window: Region,
    /// Largest distance predicted (bp); default: the whole window.
    #[arg(long)]
    max_distance: Option<u64>,
    /// Representations to edit (default: the model's own).
    #[arg(long)]
    representations: Option<PathBuf>,
    #[arg(long)]
    plots: bool,
    /// Domains (BED): also draw the edit's mean effect across TADs (PREFIX.tad_profile.png).
    #[arg(long)]
    tads: Option<PathBuf>,
    #[command(flatten)]
    device: hiclstm_model::device::DeviceArgs,
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        let device = a.device.setup(&a.common)?;
        let need_at = || a.at.clone().ok_or_else(|| hiclstm::Error::InvalidArgument("this edit needs --at chr:start-end".into()));
        if a.anchors.is_some() && !matches!(a.edit, EditKind::CtcfSwap) {
            return Err(hiclstm::Error::InvalidArgument("--anchors applies to --edit ctcf-swap only".into()));
        }
        let edit = match a.edit {
            EditKind::Delete => EditSpec::Delete(need_at()?),
            EditKind::Invert => EditSpec::Invert(need_at()?),
            EditKind::Duplicate => EditSpec::Duplicate(need_at()?),
            EditKind::CtcfSwap => EditSpec::CtcfSwap {
                motifs: a.sites.clone().ok_or_else(|| hiclstm::Error::InvalidArgument("--edit ctcf-swap needs --sites (CTCF motifs, BED6 with strand)".into()))?,
                anchors: a.anchors.clone(),
            },
            EditKind::Knockout => EditSpec::Knockout {
                sites: a.sites.clone().ok_or_else(|| hiclstm::Error::InvalidArgument("--edit knockout needs --sites BED".into()))?,
                method: a.method,
                window: a.neighbours,
            },
        };
        let o = PerturbOptions {
            model_dir: a.model.clone(),
            representations: a.representations.clone(),
            edit,
            window: a.window.clone(),
            max_distance: a.max_distance,
            output: a.output.clone(),
            device: device,
            force: a.common.force,
            plots: a.plots,
            tads: a.tads.clone(),
        };
        run(&o).map(|_| ())
    })
}

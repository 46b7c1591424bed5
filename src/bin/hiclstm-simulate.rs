//! `hiclstm-simulate`: seeded synthetic Hi-C contacts with their ground truth (TADs, boundaries,
//! CTCF motifs, loops, compartments); see `--help`.

use clap::Parser;
use hiclstm::genome::Chrom;
use hiclstm::presets::SimulatePreset;
use hiclstm::simulate::{write_outputs, SimParams, WriteOptions};
use std::path::PathBuf;

/// Simulate Hi-C contacts with known structure (the embedded default data).
///
/// Power-law distance decay, A/B compartments, nested TADs, CTCF motifs with orientation at
/// TAD edges, loops between convergent CTCF pairs, coverage biases and Poisson noise; seeded,
/// so the same arguments give the same files. Writes PREFIX.contacts.parquet,
/// PREFIX.bins.parquet, PREFIX.trans.parquet (the inter-chromosomal contacts, where there are
/// two chromosomes or more and --trans-depth is not 0) and the truth: PREFIX.tads.bed, PREFIX.boundaries.bed, PREFIX.ctcf.bed
/// (strand = motif orientation), PREFIX.loops.bedpe, PREFIX.compartments.bed, PREFIX.chrom.sizes, and
/// PREFIX.tasks.yaml, a hiclstm-classify task list over those tracks.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-simulate --preset toy -o sim                   # 2 chromosomes at 50 kb, seconds
  hiclstm-simulate --preset toy --pairs -o sim           # also sim.pairs.gz, to test hiclstm-import
  hiclstm-simulate --preset human -o human10kb           # one 249 Mb chromosome at 10 kb
  hiclstm-simulate --chromosomes chr1:30000000,chr2:25000000 -r 25000 --seed 7 -o custom
  hiclstm-simulate --preset toy --delete chr1:2,950,001-3,050,000 -o mutant   # the same genome with a deletion

Exit codes: as hiclstm-import (0 ok, 6 output exists, 8 invalid argument, ...)."
)]
struct Args {
    /// Output prefix.
    #[arg(short, long)]
    output: PathBuf,
    /// Named size.
    #[arg(long, value_enum, default_value_t = SimulatePreset::Toy)]
    preset: SimulatePreset,
    /// Chromosomes as name:length[,name:length...] (overrides the preset's).
    #[arg(long)]
    chromosomes: Option<String>,
    #[arg(short, long)]
    resolution: Option<u32>,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Expected contacts of a bin with itself.
    #[arg(long)]
    depth: Option<f64>,
    /// Distance-decay exponent.
    #[arg(long)]
    alpha: Option<f64>,
    /// Largest simulated distance (bp); default: the preset's (toy: whole chromosome).
    #[arg(long)]
    max_distance: Option<u64>,
    /// Mean TAD size (bp).
    #[arg(long)]
    tad_size: Option<u64>,
    /// Expected read pairs between two bins on different chromosomes, before biases and
    /// compartments; 0: none (default: the preset's; 0.2, and 0 for gm12878).
    #[arg(long)]
    trans_depth: Option<f64>,
    /// Also write PREFIX.pairs.gz (4DN pairs, one line per simulated read pair).
    #[arg(long)]
    pairs: bool,
    /// Also write juicer dump text, PREFIX.<chrom>.txt, one file per chromosome.
    #[arg(long)]
    juicer_text: bool,
    /// Simulate a mutant: this region (chr:start-end) deleted from the same genome (same seed,
    /// same structure); distances across it shrink, loops anchored in it are lost, TADs whose
    /// shared boundary it removes merge. Contacts stay in reference coordinates (the deleted bins
    /// empty); the truth tracks written are the wild type's.
    #[arg(long)]
    delete: Option<hiclstm::genome::Region>,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn parse_chroms(s: &str) -> hiclstm::Result<Vec<Chrom>> {
    s.split(',')
        .map(|c| {
            let (n, l) = c.split_once(':').ok_or_else(|| hiclstm::Error::InvalidArgument(format!("--chromosomes: '{c}' is not name:length")))?;
            let l: u64 = l.parse().map_err(|_| hiclstm::Error::InvalidArgument(format!("--chromosomes: length '{l}' is not an integer")))?;
            Ok(Chrom::new(n, l))
        })
        .collect()
}

fn main() {
    let args: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        args.common.apply()?;
        let mut p = SimParams::preset(args.preset);
        if let Some(c) = &args.chromosomes {
            p.chroms = parse_chroms(c)?;
        }
        p.seed = args.seed;
        p.resolution = args.resolution.unwrap_or(p.resolution);
        p.depth = args.depth.unwrap_or(p.depth);
        p.alpha = args.alpha.unwrap_or(p.alpha);
        p.max_distance = args.max_distance.or(p.max_distance);
        p.tad_size = args.tad_size.unwrap_or(p.tad_size);
        p.trans_depth = args.trans_depth.unwrap_or(p.trans_depth);
        if let Some(r) = &args.delete {
            let end = r.end.ok_or_else(|| hiclstm::Error::InvalidArgument("--delete needs chr:start-end".into()))?;
            p.deletion = Some(hiclstm::simulate::Deletion { chrom: r.chrom.clone(), start: r.start, end });
        }
        let w = WriteOptions { prefix: args.output, force: args.common.force, pairs: args.pairs, juicer_text: args.juicer_text };
        write_outputs(&p, &w).map(|_| ())
    })
}

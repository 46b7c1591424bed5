//! `hiclstm-downsample`: a contacts table at a lower read depth; see `--help`.

use clap::Parser;
use hiclstm::downsample::{run, Depth, DownsampleOptions};
use std::path::PathBuf;

/// Downsample a contacts table to fewer contacts (the paper's read-depth experiment).
///
/// Keeps exactly --total contacts (or --fraction of them), drawn uniformly without replacement
/// from the table's intra-chromosomal contacts, seeded: the same input, target and seed give the
/// same table. Counts must be raw whole numbers (import a map with --norm NONE, the default).
/// Normalization weights no longer hold for thinned counts: the output's value is its count
/// (normalization NONE). Writes PREFIX.contacts.parquet and PREFIX.bins.parquet (chromosome
/// sizes from the bins table beside the input). --complement PREFIX also writes the contacts not
/// drawn: with --fraction 0.5, two pseudo-replicates from disjoint halves of the reads.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-import sample.hic -r 10000 -o sample && hiclstm-downsample sample.contacts.parquet --fraction 0.25 -o sample_25pc
  hiclstm-downsample sample.contacts.parquet --total 100000000 --seed 2 -o sample_100M
  hiclstm-downsample sample.contacts.parquet --fraction 0.5 -o half_a --complement half_b   # two pseudo-replicates

Exit codes: 0 ok, 3 input unreadable, 4 input malformed (a count that is not a whole number),
6 output exists, 7 schema mismatch, 8 invalid argument (a target beyond the table's contacts)."
)]
struct Args {
    /// Contacts table (from hiclstm-import or hiclstm-simulate), raw counts.
    contacts: PathBuf,
    /// Output prefix.
    #[arg(short, long)]
    output: PathBuf,
    /// Also write the contacts not drawn (each pixel's count minus its drawn count) with this
    /// prefix.
    #[arg(long)]
    complement: Option<PathBuf>,
    /// Contacts to keep.
    #[arg(long, conflicts_with = "fraction", required_unless_present = "fraction")]
    total: Option<u64>,
    /// Fraction of the contacts to keep, in (0, 1].
    #[arg(long)]
    fraction: Option<f64>,
    /// Seed of the draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        a.common.apply()?;
        let depth = match (a.total, a.fraction) {
            (Some(n), _) => Depth::Total(n),
            (None, Some(f)) => Depth::Fraction(f),
            (None, None) => return Err(hiclstm::Error::InvalidArgument("--total or --fraction is required".into())),
        };
        let s = run(&DownsampleOptions {
            input: a.contacts.clone(),
            output: a.output.clone(),
            complement: a.complement.clone(),
            depth,
            seed: a.seed,
            force: a.common.force,
        })?;
        hiclstm::log::info(&format!(
            "kept {} of {} contacts ({:.1} %) in {} of {} pixels",
            s.contacts_out,
            s.contacts_in,
            100.0 * s.contacts_out as f64 / s.contacts_in as f64,
            s.pixels_out,
            s.pixels_in
        ));
        Ok(())
    })
}

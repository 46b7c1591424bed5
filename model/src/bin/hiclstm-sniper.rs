//! `hiclstm-sniper`: SNIPER-like baseline representations from a fully connected autoencoder per
//! chromosome (the baseline that needs libtorch); see `--help`.

use clap::Parser;
use hiclstm::frames::ValueColumn;
use hiclstm_model::sniper::{run, SniperOptions};
use std::path::PathBuf;

/// SNIPER-like baseline representations: a fully connected autoencoder per chromosome on the
/// rows of the contact-probability matrix (or, with --trans, one genome-wide autoencoder on the
/// inter-chromosomal rows); each bin's K-unit bottleneck is its representation
/// (a representations table, like hiclstm-baseline's; this one needs libtorch).
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-sniper sample.contacts.parquet --k 16 -o sample.sniper.parquet
  hiclstm-sniper sample.contacts.parquet --device cuda --epochs 100 -o sample.sniper.parquet
  hiclstm-sniper sample.contacts.parquet --trans sample.trans.parquet -o sample.sniper_genome.parquet

Exit codes: 0 ok, 3 input unreadable, 6 output exists, 7 schema mismatch, 8 invalid argument."
)]
struct Args {
    contacts: PathBuf,
    #[arg(short, long)]
    output: PathBuf,
    #[arg(long, default_value_t = 16)]
    k: usize,
    /// Hidden units of the encoder and of the decoder.
    #[arg(long, default_value_t = 512)]
    hidden: usize,
    #[arg(long, default_value_t = 50)]
    epochs: usize,
    /// Rows per mini-batch.
    #[arg(long, default_value_t = 64)]
    batch: usize,
    #[arg(long, default_value_t = 0.001)]
    learning_rate: f64,
    /// Contacts column used.
    #[arg(long, value_enum, default_value_t = ValueColumn::Value)]
    value: ValueColumn,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Trans table of the same map (hiclstm-import --trans): SNIPER-INTER, one genome-wide
    /// autoencoder on each bin's inter-chromosomal observed/expected row, so that every
    /// chromosome shares its axes.
    #[arg(long, value_name = "TRANS_TABLE")]
    trans: Option<PathBuf>,
    /// With --trans, the most bins in all (one dense genome-wide matrix: about 17 n^2 bytes).
    #[arg(long, default_value_t = 20_000)]
    max_bins: usize,
    #[command(flatten)]
    device: hiclstm_model::device::DeviceArgs,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        let device = a.device.setup(&a.common)?;
        let o = SniperOptions {
            contacts: a.contacts.clone(),
            k: a.k,
            hidden: a.hidden,
            epochs: a.epochs,
            batch: a.batch,
            learning_rate: a.learning_rate,
            value: a.value,
            seed: a.seed,
            output: a.output.clone(),
            force: a.common.force,
            device,
            trans: a.trans.clone(),
            max_bins: a.max_bins,
        };
        run(&o)?;
        hiclstm::log::info(&format!("wrote {}", a.output.display()));
        Ok(())
    })
}

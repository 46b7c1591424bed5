//! `hiclstm-baseline`: baseline representations (PCA of the observed/expected correlation matrix,
//! SCI-like LINE embeddings) written as representations tables; see `--help`.

use clap::{Parser, Subcommand};
use hiclstm::baselines::line::{self, SciOptions};
use hiclstm::baselines::pca::{run, PcaOptions};
use std::path::PathBuf;

/// Baseline representations, written as a representations table (the same schema as
/// Hi-C-LSTM's), so that later steps can compare methods.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-baseline pca sample.contacts.parquet --k 16 -o sample.pca.parquet
  hiclstm-baseline pca sample.contacts.parquet --orient gene_density.bedGraph -o sample.pca.parquet
  hiclstm-baseline sci sample.contacts.parquet --k 16 -o sample.sci.parquet
  hiclstm-baseline sci sample.contacts.parquet --trans sample.trans.parquet -o sample.sci_genome.parquet

Exit codes: 0 ok, 3 input unreadable, 4 input malformed, 6 output exists, 7 schema mismatch,
8 invalid argument (e.g. a chromosome too large for dense PCA)."
)]
struct Args {
    #[command(subcommand)]
    method: Method,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

#[derive(Subcommand, Debug)]
enum Method {
    /// First K principal components of the observed/expected Pearson-correlation matrix per
    /// chromosome (PC1 = the A/B compartment track).
    Pca {
        /// Contacts table (a bins table beside it gives the chromosome ends).
        contacts: PathBuf,
        /// Output representations table (.parquet).
        #[arg(short, long)]
        output: PathBuf,
        /// Number of components K.
        #[arg(long, default_value_t = 16)]
        k: usize,
        /// bedGraph (gene density or GC) that PC1 is oriented to correlate with positively.
        #[arg(long)]
        orient: Option<PathBuf>,
        /// Use raw counts rather than the normalized value column.
        #[arg(long)]
        raw: bool,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Largest chromosome in bins (dense n x n matrices: about 16 n^2 bytes); with --trans,
        /// the genome's bins in all.
        #[arg(long, default_value_t = 20_000)]
        max_bins: usize,
        /// Trans table of the same map (hiclstm-import --trans): the leading eigenvectors of the
        /// genome-wide inter-chromosomal observed/expected matrix instead (as cooltools'
        /// eigs_trans), one set of axes for every chromosome.
        #[arg(long, value_name = "TRANS_TABLE")]
        trans: Option<PathBuf>,
    },
    /// SCI-like: LINE embedding (first- and second-order proximity, K/2 dimensions each) of the
    /// observed/expected contact graph per chromosome.
    Sci {
        contacts: PathBuf,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long, default_value_t = 16)]
        k: usize,
        #[arg(long)]
        raw: bool,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Training length in edge samples per edge.
        #[arg(long, default_value_t = 100)]
        samples_per_edge: usize,
        /// Trans table of the same map (hiclstm-import --trans): one genome-wide graph whose
        /// inter-chromosomal edges put every chromosome's vectors in one space, as SCI does.
        #[arg(long, value_name = "TRANS_TABLE")]
        trans: Option<PathBuf>,
    },
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        a.common.apply()?;
        match &a.method {
            Method::Pca { contacts, output, k, orient, raw, seed, max_bins, trans } => {
                let o = PcaOptions {
                    contacts: contacts.clone(),
                    k: *k,
                    orient: orient.clone(),
                    output: output.clone(),
                    force: a.common.force,
                    seed: *seed,
                    raw: *raw,
                    max_bins: *max_bins,
                    trans: trans.clone(),
                };
                run(&o)?;
                hiclstm::log::info(&format!("wrote {}", output.display()));
                Ok(())
            }
            Method::Sci { contacts, output, k, raw, seed, samples_per_edge, trans } => {
                let o = SciOptions {
                    contacts: contacts.clone(),
                    k: *k,
                    output: output.clone(),
                    force: a.common.force,
                    seed: *seed,
                    raw: *raw,
                    samples_per_edge: *samples_per_edge,
                    trans: trans.clone(),
                };
                line::run(&o)?;
                hiclstm::log::info(&format!("wrote {}", output.display()));
                Ok(())
            }
        }
    })
}

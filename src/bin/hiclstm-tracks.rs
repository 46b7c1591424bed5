//! `hiclstm-tracks`: dimensions of a representations table as bigWig and bedGraph tracks; see
//! `--help`.

use clap::Parser;
use hiclstm::tracks::{run, TracksOptions};
use std::path::PathBuf;

/// Write dimensions of a representations table as genome-browser tracks.
///
/// One bigWig (IGV, UCSC browser, HiGlass) and one bedGraph per dimension: PREFIX.r<d>.bw and
/// PREFIX.r<d>.bedGraph, one value per bin. Bins without any observed contact (never trained)
/// are left out unless --all-bins. For the PCA baseline, dimension 0 is PC1.
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-tracks baseline/sample.pca.representations.parquet --dims 0 -o sample.pca   # PC1: sample.pca.r0.bw
  hiclstm-tracks train/sample/representations.parquet --dims 0,1,2 -o sample.hiclstm

Exit codes: 0 ok, 3 input unreadable, 6 output exists, 7 not a representations table,
8 invalid argument (a dimension beyond K, an edited genome's table)."
)]
struct Args {
    /// Representations table (hiclstm-train, hiclstm-baseline).
    representations: PathBuf,
    /// Output prefix.
    #[arg(short, long)]
    output: PathBuf,
    /// Dimensions to write, 0-based, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "0")]
    dims: Vec<usize>,
    /// Also write bins without any observed contact.
    #[arg(long)]
    all_bins: bool,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        a.common.apply()?;
        let o = TracksOptions { input: a.representations.clone(), output: a.output.clone(), dims: a.dims.clone(), all_bins: a.all_bins, force: a.common.force };
        for p in run(&o)? {
            hiclstm::log::info(&format!("wrote {}", p.display()));
        }
        Ok(())
    })
}

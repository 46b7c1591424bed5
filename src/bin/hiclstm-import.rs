//! `hiclstm-import`: import a Hi-C map (.hic, .cool, .mcool, pairs, validPairs, juicer text) into
//! the contacts and bins Parquet tables; see `--help`.

use clap::Parser;
use hiclstm::formats::{pairs::PairsOptions, spill::Spill, Format, OpenOptions};
use hiclstm::genome::{NameStyle, Selection};
use hiclstm::import::{run, ImportOptions};
use std::path::PathBuf;

/// Import a Hi-C map into the contacts and bins tables (Parquet).
///
/// Reads .hic (v8, v9), .cool, .mcool (file.mcool::/resolutions/N), 4DN .pairs[.gz],
/// HiC-Pro .validPairs (bulk or single-cell) and juicer dump text, natively.
/// Writes PREFIX.contacts.parquet (upper-triangle intra-chromosomal pixels, sorted by
/// chromosome, i, j) and PREFIX.bins.parquet (every bin, with normalization weights); with
/// --trans also PREFIX.trans.parquet (pixels between two different selected chromosomes).
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-import sample.mcool::/resolutions/50000 -n balanced -o sample
  hiclstm-import sample.hic -r 10000 -n KR -c chr21,chr22 -o sample_10kb
  hiclstm-import sample.pairs.gz -r 50000 -o sample
  hiclstm-import sample.mcool::/resolutions/100000 -n balanced --trans -o sample_100kb
  hiclstm-import scHiC.validPairs --chrom-sizes hg38.chrom.sizes -r 100000 --cell-column 8 --cells keep.txt -o pseudobulk
  hiclstm-import hic_chr21.txt --format juicer-text --chrom chr21 -r 10000 -o chr21

Exit codes: 0 ok, 2 usage, 3 input unreadable, 4 input malformed, 5 resolution/chromosome/
normalization not in the input, 6 output exists or cannot be written, 7 table schema mismatch,
8 invalid argument combination, 1 internal error."
)]
struct Args {
    /// Input file (or file.mcool::/resolutions/N).
    input: String,
    /// Output prefix: writes PREFIX.contacts.parquet and PREFIX.bins.parquet.
    #[arg(short, long)]
    output: PathBuf,
    /// Input format (default: from the file name).
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Resolution (bin size, bp). Required for pairs and text; for .hic/.mcool when the file holds several.
    #[arg(short, long)]
    resolution: Option<u32>,
    /// Normalization: NONE, or for .hic VC, VC_SQRT, KR, SCALE; for cooler 'balanced' (the weight column).
    #[arg(short, long, default_value = "NONE")]
    normalization: String,
    /// Chromosomes: 'default' (autosomes + X), 'all', or a comma-separated list (chr1 and 1 both match).
    #[arg(short, long, default_value = "default")]
    chromosomes: Selection,
    /// Spelling of chromosome names in the output.
    #[arg(long, value_enum, default_value_t = NameStyle::Asis)]
    names: NameStyle,
    /// Genome assembly to record (default: from the file, else 'unknown').
    #[arg(long)]
    assembly: Option<String>,
    /// Chromosome sizes (name<TAB>length) for inputs without them (validPairs, text).
    #[arg(long)]
    chrom_sizes: Option<PathBuf>,
    /// Chromosome held by a juicer text file.
    #[arg(long)]
    chrom: Option<String>,
    /// Single-cell pairs: column with the cell barcode (1-based number or #columns name).
    #[arg(long)]
    cell_column: Option<String>,
    /// Single-cell pairs: keep only the barcodes listed in this file (one per line).
    #[arg(long)]
    cells: Option<PathBuf>,
    /// Also write PREFIX.trans.parquet: the inter-chromosomal pixels between the selected
    /// chromosomes (same normalization), which `hiclstm-train --trans` uses to orient every
    /// chromosome's compartments alike. Not for juicer text (one chromosome per file).
    #[arg(long)]
    trans: bool,
    /// Directory for the temporary file of pixels the reader cannot hold (a .hic chromosome's
    /// blocks, a cooler's trans rows, pairs and juicer text beyond 8 M pixels; about 16 bytes a
    /// pixel, removed however the run ends; default: $TMPDIR, else /tmp).
    #[arg(long, value_name = "DIR")]
    temp_dir: Option<PathBuf>,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let args: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        args.common.apply()?;
        let opts = ImportOptions {
            input: args.input,
            format: args.format,
            open: OpenOptions {
                resolution: args.resolution,
                normalization: Some(args.normalization),
                chrom_sizes: args.chrom_sizes,
                chrom: args.chrom,
                pairs: PairsOptions { cell_column: args.cell_column, cells: args.cells },
                trans: false,
                spill: Spill { dir: args.temp_dir, ..Spill::default() },
            },
            chromosomes: args.chromosomes,
            names: args.names,
            assembly: args.assembly,
            output: args.output,
            force: args.common.force,
            trans: args.trans,
        };
        run(&opts).map(|_| ())
    })
}

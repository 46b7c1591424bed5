//! `hiclstm-report`: one self-contained HTML report of a results directory; see `--help`.

use clap::Parser;
use hiclstm::report::{run, ReportOptions};
use std::path::PathBuf;

/// Write one self-contained HTML report of a results directory.
///
/// Per sample: reconstruction metrics beside the distance-mean baseline, R² by distance, the
/// loss curve and heatmap; the classification table, PR curves and confusion matrices;
/// attribution summaries and profiles; each edit with its maps and profiles; links to the maps
/// (.mcool) and tracks (bigWig, bedGraph); then the parameters, versions and step timings of
/// pipeline_info/. Images are embedded: the file needs no network and no other file. Writes
/// PREFIX.report.html (hiclstm-pipeline: pipeline_info/hiclstm.report.html).
#[derive(Parser, Debug)]
#[command(
    version,
    after_help = "Examples:
  hiclstm-report results -o results/pipeline_info/hiclstm
  hiclstm-report results -o my_run                     # my_run.report.html

Exit codes: 0 ok, 3 results directory unreadable, 4 a plot that is not a PNG, 5 no sample's
results in the directory, 6 output exists, 7 a table of another schema."
)]
struct Args {
    /// Results directory (as hiclstm-pipeline and the Nextflow workflow lay it out).
    results: PathBuf,
    /// Output prefix.
    #[arg(short, long)]
    output: PathBuf,
    #[command(flatten)]
    common: hiclstm::cli::Common,
}

fn main() {
    let a: Args = hiclstm::cli::parse();
    hiclstm::cli::main(|| {
        a.common.apply()?;
        let output = hiclstm::cli::output_path(&a.output, hiclstm::outputs::REPORT_HTML);
        let s = run(&ReportOptions { results: a.results.clone(), output: output.clone(), force: a.common.force })?;
        hiclstm::log::info(&format!("wrote {} ({} sample(s), {} sections, {} images)", output.display(), s.samples.len(), s.sections.len(), s.images));
        Ok(())
    })
}

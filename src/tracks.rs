//! `hiclstm-tracks`: dimensions of a representations table as genome-browser tracks (bigWig and
//! bedGraph), e.g. PC1 of the PCA baseline or one Hi-C-LSTM feature, for IGV, the UCSC browser
//! and HiGlass.

use crate::error::{Error, Result};
use crate::formats::bed::BedGraph;
use crate::output::OutputSet;
use std::path::{Path, PathBuf};

/// Inputs, settings and outputs of `hiclstm-tracks`.
pub struct TracksOptions {
    /// Representations table (hiclstm-train, hiclstm-baseline).
    pub input: PathBuf,
    /// Output prefix: PREFIX.r<d>.bw and PREFIX.r<d>.bedGraph per dimension d.
    pub output: PathBuf,
    /// Dimensions (0-based) to write.
    pub dims: Vec<usize>,
    /// Also write the bins without any observed contact (never trained; left out by default).
    pub all_bins: bool,
    /// Overwrite existing outputs.
    pub force: bool,
}

/// The files of dimension `d`: bigWig and bedGraph.
pub fn paths(prefix: &Path, d: usize) -> (PathBuf, PathBuf) {
    (crate::cli::output_path(prefix, &format!("r{d}.bw")), crate::cli::output_path(prefix, &format!("r{d}.bedGraph")))
}

/// Writes the tracks; returns the paths written.
pub fn run(o: &TracksOptions) -> Result<Vec<PathBuf>> {
    if o.dims.is_empty() {
        return Err(Error::InvalidArgument("--dims: no dimension given".into()));
    }
    for &d in &o.dims {
        let (b, g) = paths(&o.output, d);
        crate::output::check_writable(&b, o.force)?;
        crate::output::check_writable(&g, o.force)?;
    }
    let (_, k, chroms) = crate::tables::representations::read(&o.input)?;
    if let Some(&d) = o.dims.iter().find(|&&d| d >= k) {
        return Err(Error::InvalidArgument(format!("--dims {d}: {} has K = {k} dimensions (0 to {})", o.input.display(), k - 1)));
    }
    let mut sizes = Vec::with_capacity(chroms.len());
    for c in &chroms {
        // An edited genome's table (hiclstm-perturb) holds copies of bins: not one track.
        if c.start.windows(2).zip(c.end.windows(2)).any(|(s, e)| s[1] < e[0] || s[1] < s[0]) {
            return Err(Error::InvalidArgument(format!(
                "{}: bins of {} overlap or go backwards (an edited genome?); tracks need reference bins",
                o.input.display(),
                c.chrom
            )));
        }
        sizes.push((c.chrom.clone(), c.end.last().copied().unwrap_or(0).max(0) as u64));
    }
    let mut outs = OutputSet::default();
    let mut written = Vec::new();
    for &d in &o.dims {
        let records: Vec<BedGraph> = chroms
            .iter()
            .flat_map(|c| {
                (0..c.n_bins()).filter(|&b| o.all_bins || c.observed[b]).map(move |b| BedGraph {
                    chrom: c.chrom.clone(),
                    start: c.start[b] as u64,
                    end: c.end[b] as u64,
                    value: c.row(b, k)[d] as f64,
                })
            })
            .collect();
        let (b, g) = paths(&o.output, d);
        outs.extend(crate::formats::bigwig::write_with_bedgraph(&g, &b, &sizes, &records, o.force)?);
        written.extend([b, g]);
    }
    outs.commit(o.force)?;
    Ok(written)
}

//! The genome-wide inter-chromosomal observed/expected matrix that the shared-axis baselines
//! start from (`hiclstm-baseline pca --trans`, `hiclstm-sniper --trans`): every pair of
//! chromosomes' block over its independence expectation r_i c_j / T (row and column sums and
//! total of the block, which also absorb coverage), dense over the genome's bins.

use crate::error::{Error, Result};
use std::path::Path;

/// The dense genome-wide matrix of [`read`].
pub struct TransOe {
    /// Bins in all.
    pub n: usize,
    /// The first genome-wide bin of each chromosome.
    pub offsets: Vec<usize>,
    /// Row-major n x n: observed / expected at the inter-chromosomal cells of covered bins
    /// (symmetric); 0 at intra-chromosomal cells and wherever a row or column is uncovered.
    pub oe: Vec<f64>,
    /// Cells that hold an observed/expected value (both bins covered, different chromosomes).
    pub defined: Vec<bool>,
    /// Bins with at least one inter-chromosomal contact.
    pub covered: Vec<bool>,
}

impl TransOe {
    /// Splits genome-wide per-bin values (`k` per bin) into each chromosome's values and
    /// covered flags, as [`super::genome_wide`] takes them.
    pub fn split(&self, values: &[f32], k: usize) -> Vec<(Vec<f32>, Vec<bool>)> {
        let ends = self.offsets.iter().skip(1).copied().chain([self.n]);
        self.offsets.iter().zip(ends).map(|(&a, b)| (values[a * k..b * k].to_vec(), self.covered[a..b].to_vec())).collect()
    }
}

/// Reads the trans table's pairs among the chromosomes `names` (of `n_bins` bins; other
/// chromosomes are skipped) into one dense matrix; `raw` takes the count column instead of the
/// normalized value. More than `max_bins` bins in all, or no pixel between the chromosomes,
/// is an error (`method` names the step in the message). Memory: 9 n² bytes.
pub fn read(path: &Path, names: &[&str], n_bins: &[usize], raw: bool, max_bins: usize, method: &str) -> Result<TransOe> {
    let offsets: Vec<usize> = n_bins.iter().scan(0, |acc, &n| Some(std::mem::replace(acc, *acc + n))).collect();
    let n: usize = n_bins.iter().sum();
    if n > max_bins {
        return Err(Error::InvalidArgument(format!(
            "{n} bins in all exceed --max-bins {max_bins} ({method} keeps one dense genome-wide matrix; use a coarser resolution)"
        )));
    }
    let mut oe = vec![0.0f64; n * n];
    let mut defined = vec![false; n * n];
    let mut covered = vec![false; n];
    crate::tables::trans::for_each_pair(
        path,
        |c| names.iter().position(|x| *x == c),
        n_bins,
        raw,
        |a, b, px| {
            let (r, c, total) = crate::tables::trans::marginals(px, n_bins[a], n_bins[b]);
            if total <= 0.0 {
                return Ok(());
            }
            let mut x = vec![0.0f64; n_bins[a] * n_bins[b]];
            for &(i, j, v) in px {
                x[i as usize * n_bins[b] + j as usize] += v;
            }
            for i in (0..n_bins[a]).filter(|&i| r[i] > 0.0) {
                covered[offsets[a] + i] = true;
                for j in (0..n_bins[b]).filter(|&j| c[j] > 0.0) {
                    covered[offsets[b] + j] = true;
                    let v = x[i * n_bins[b] + j] * total / (r[i] * c[j]);
                    let (gi, gj) = (offsets[a] + i, offsets[b] + j);
                    oe[gi * n + gj] = v;
                    oe[gj * n + gi] = v;
                    defined[gi * n + gj] = true;
                    defined[gj * n + gi] = true;
                }
            }
            Ok(())
        },
    )?;
    if !covered.iter().any(|&c| c) {
        return Err(Error::InvalidArgument(format!("{}: no inter-chromosomal pixels between the contacts table's chromosomes", path.display())));
    }
    Ok(TransOe { n, offsets, oe, defined, covered })
}

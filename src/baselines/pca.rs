//! PCA baseline: per chromosome, the first K principal components of the Pearson correlation
//! matrix of the observed/expected map (the classic compartment analysis, extended to K
//! components). Expected = mean contact at each distance over pairs of covered bins (zeros
//! included). Each bin's representation is its K component scores (eigenvector x sqrt(eigenvalue)).
//! PC1 is oriented to correlate positively with a given track (gene density or GC: A compartment
//! positive); every other component so that its largest entry is positive.

use crate::error::{Error, Result};
use crate::tables::contacts::ChromContacts;
use std::path::PathBuf;

/// Options of the PCA baseline, `hiclstm-baseline pca`.
#[derive(Debug, Clone)]
pub struct PcaOptions {
    /// Contacts table; a bins table beside it gives the chromosome ends.
    pub contacts: PathBuf,
    /// Number of principal components K (at least 1); components a chromosome lacks are 0.
    pub k: usize,
    /// bedGraph used to orient PC1 (e.g. gene density).
    pub orient: Option<PathBuf>,
    /// Output representations table (.parquet).
    pub output: PathBuf,
    /// Overwrite an existing output.
    pub force: bool,
    /// Seed of the randomised eigensolver's start vectors.
    pub seed: u64,
    /// Use raw counts instead of the normalized value.
    pub raw: bool,
    /// Largest chromosome (in bins) accepted: the method keeps dense n x n matrices.
    pub max_bins: usize,
    /// Trans table (`hiclstm-import --trans`): instead of one PCA per chromosome, the leading
    /// eigenvectors of the genome-wide inter-chromosomal observed/expected matrix (intra-
    /// chromosomal blocks left out), as cooltools' `eigs_trans`: one set of axes for every
    /// chromosome. `max_bins` then bounds the genome's bins.
    pub trans: Option<PathBuf>,
}

/// Expected contact at each distance: the mean of `m` (`n` x `n`, row-major; entries with i <= j
/// are read) over pairs of the covered bins `idx` (ascending), zeros included.
pub fn expected_by_distance(m: &[f64], n: usize, idx: &[usize]) -> Vec<f64> {
    let (mut sum, mut cnt) = (vec![0.0f64; n], vec![0.0f64; n]);
    for (a, &i) in idx.iter().enumerate() {
        for &j in &idx[a..] {
            sum[j - i] += m[i * n + j];
            cnt[j - i] += 1.0;
        }
    }
    sum.iter().zip(&cnt).map(|(s, c)| s / c.max(1.0)).collect()
}

/// PCA representations of one chromosome with `n` bins; `track` (per bin, NaN = unknown) orients PC1.
pub fn chromosome(c: &ChromContacts, n: usize, k: usize, raw: bool, track: Option<&[f64]>, seed: u64) -> (Vec<f32>, Vec<bool>, Vec<f64>) {
    let vals = if raw { &c.count } else { &c.value };
    let mut m = vec![0.0f64; n * n];
    for t in 0..c.i.len() {
        let v = vals[t];
        if v.is_finite() && v > 0.0 {
            let (i, j) = (c.i[t] as usize, c.j[t] as usize);
            m[i * n + j] = v;
            m[j * n + i] = v;
        }
    }
    let valid: Vec<bool> = (0..n).map(|i| m[i * n..(i + 1) * n].iter().any(|&x| x > 0.0)).collect();
    let idx: Vec<usize> = (0..n).filter(|&i| valid[i]).collect();
    let nv = idx.len();
    let expected = expected_by_distance(&m, n, &idx);
    // Row-standardised O/E over covered bins: Pearson correlation = Z Z^T / nv.
    let mut z = vec![0.0; nv * nv];
    for (a, &i) in idx.iter().enumerate() {
        let row = &mut z[a * nv..(a + 1) * nv];
        for (b, &j) in idx.iter().enumerate() {
            let d = i.abs_diff(j);
            let e = expected[d];
            row[b] = if e > 0.0 { m[i * n + j] / e } else { 0.0 };
        }
        let mean = row.iter().sum::<f64>() / nv as f64;
        let sd = (row.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / nv as f64).sqrt();
        for x in row.iter_mut() {
            *x = if sd > 0.0 { (*x - mean) / (sd * (nv as f64).sqrt()) } else { 0.0 };
        }
    }
    drop(m);
    let mut zt = vec![0.0; nv * nv];
    for r in 0..nv {
        for c2 in 0..nv {
            zt[c2 * nv + r] = z[r * nv + c2];
        }
    }
    let kk = k.min(nv);
    let (lambda, vecs) = super::linalg::top_eigen_gram(&z, &zt, nv, kk, seed);
    let mut out = vec![0.0f32; n * k];
    for comp in 0..kk {
        let mut v: Vec<f64> = (0..nv).map(|r| vecs[r * kk + comp]).collect();
        let flip = match (comp, track) {
            (0, Some(t)) => {
                let pairs: Vec<(f64, f64)> = (0..nv).filter(|&r| t[idx[r]].is_finite()).map(|r| (v[r], t[idx[r]])).collect();
                crate::metrics::pearson(&pairs).is_some_and(|r| r < 0.0)
            }
            _ => v.iter().copied().fold((0.0f64, 0.0f64), |acc, x| if x.abs() > acc.0 { (x.abs(), x) } else { acc }).1 < 0.0,
        };
        if flip {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        let scale = lambda[comp].max(0.0).sqrt();
        for (r, &i) in idx.iter().enumerate() {
            out[i * k + comp] = (v[r] * scale) as f32;
        }
    }
    (out, valid, lambda)
}

/// Writes the PCA representations of every chromosome of a contacts table; a chromosome over
/// `max_bins` is an error.
pub fn run(o: &PcaOptions) -> Result<()> {
    let track = match &o.orient {
        Some(p) => Some(crate::formats::bed::read_bedgraph(p)?),
        None => None,
    };
    let params = serde_json::json!({"contacts": o.contacts, "k": o.k, "orient": o.orient, "raw": o.raw, "seed": o.seed, "trans": o.trans});
    if let Some(t) = &o.trans {
        crate::tables::TableReader::open(t, crate::tables::TableKind::Trans.schema())?;
        return super::genome_wide(&o.contacts, &o.output, o.force, o.k, "pca", params, |chroms, n_bins, res| {
            let names: Vec<&str> = chroms.iter().map(|c| c.chrom.as_str()).collect();
            let tracks: Option<Vec<Vec<f64>>> = track.as_ref().map(|tr| names.iter().zip(n_bins).map(|(c, &n)| bin_track(tr, c, n, res)).collect());
            trans_pca(t, &names, n_bins, o.k, o.raw, tracks.as_deref(), o.max_bins, o.seed)
        });
    }
    super::per_chromosome(&o.contacts, &o.output, o.force, o.k, "pca", params, |c, n, res| {
        if n > o.max_bins {
            return Err(Error::InvalidArgument(format!(
                "{}: {} bins exceed --max-bins {} (PCA keeps dense n x n matrices; use a coarser resolution)",
                c.chrom, n, o.max_bins
            )));
        }
        let t = track.as_ref().map(|tr| bin_track(tr, &c.chrom, n, res));
        if t.as_ref().is_some_and(|t| t.iter().all(|x| x.is_nan())) {
            crate::log::warn(&format!(
                "{}: the orientation track has no values on {}; PC1 is not oriented",
                o.orient.as_ref().expect("set").display(),
                c.chrom
            ));
        }
        let (values, observed, lambda) = chromosome(c, n, o.k, o.raw, t.as_deref(), o.seed);
        if observed.iter().filter(|&&x| x).count() < o.k {
            crate::log::warn(&format!("{}: fewer covered bins than K = {}; missing components are 0", c.chrom, o.k));
        }
        crate::log::info(&format!(
            "{}: {} bins, top eigenvalues {}",
            c.chrom,
            n,
            lambda.iter().take(3).map(|l| format!("{l:.3}")).collect::<Vec<_>>().join(", ")
        ));
        Ok((values, observed))
    })
}

/// The genome-wide trans PCA of [`PcaOptions::trans`]: Y = observed / expected - 1 over the
/// inter-chromosomal cells of covered bins (expected r_i c_j / T of each pair's block, which also
/// absorbs coverage), 0 elsewhere; each bin's K scores are its entries of Y's K leading
/// eigenvectors times sqrt(eigenvalue). PC1 is oriented by `tracks` (per chromosome, per bin)
/// where given, every other component so that its largest entry is positive.
#[allow(clippy::too_many_arguments)]
fn trans_pca(
    path: &std::path::Path,
    names: &[&str],
    n_bins: &[usize],
    k: usize,
    raw: bool,
    tracks: Option<&[Vec<f64>]>,
    max_bins: usize,
    seed: u64,
) -> Result<Vec<(Vec<f32>, Vec<bool>)>> {
    let mut m = super::trans_oe::read(path, names, n_bins, raw, max_bins, "trans PCA")?;
    // Y = O/E - 1 at the defined cells (0 elsewhere, as `read` leaves them).
    for (y, &d) in m.oe.iter_mut().zip(&m.defined) {
        if d {
            *y -= 1.0;
        }
    }
    let (n, y) = (m.n, std::mem::take(&mut m.oe));
    let (offsets, covered) = (&m.offsets, &m.covered);
    let kk = k.min(n);
    let (lambda, vecs) = super::linalg::top_eigen(&y, n, kk, seed);
    drop(y);
    let mut scores = vec![0.0f32; n * k];
    for comp in 0..kk {
        let mut v: Vec<f64> = (0..n).map(|r| if covered[r] { vecs[r * kk + comp] } else { 0.0 }).collect();
        let flip = match (comp, tracks) {
            (0, Some(t)) => {
                let pairs: Vec<(f64, f64)> = (0..names.len())
                    .flat_map(|c| (0..n_bins[c]).map(move |b| (c, b)))
                    .filter(|&(c, b)| covered[offsets[c] + b] && t[c][b].is_finite())
                    .map(|(c, b)| (v[offsets[c] + b], t[c][b]))
                    .collect();
                crate::metrics::pearson(&pairs).is_some_and(|r| r < 0.0)
            }
            _ => v.iter().copied().fold((0.0f64, 0.0f64), |acc, x| if x.abs() > acc.0 { (x.abs(), x) } else { acc }).1 < 0.0,
        };
        if flip {
            v.iter_mut().for_each(|x| *x = -*x);
        }
        let scale = lambda[comp].max(0.0).sqrt();
        for r in 0..n {
            scores[r * k + comp] = (v[r] * scale) as f32;
        }
    }
    crate::log::info(&format!("trans PCA over {n} bins, top eigenvalues {}", lambda.iter().take(3).map(|l| format!("{l:.3}")).collect::<Vec<_>>().join(", ")));
    Ok(m.split(&scores, k))
}

/// A bedGraph averaged over the bins of one chromosome (overlap-weighted; NaN where uncovered).
pub fn bin_track(track: &[crate::formats::bed::BedGraph], chrom: &str, n: usize, res: u32) -> Vec<f64> {
    let res = res as u64;
    let (mut s, mut w) = (vec![0.0; n], vec![0.0; n]);
    for r in track.iter().filter(|r| r.chrom == chrom || crate::genome::canonical_name(&r.chrom) == crate::genome::canonical_name(chrom)) {
        for bin in (r.start / res) as usize..(r.end.div_ceil(res) as usize).min(n) {
            let ov = (r.end.min((bin as u64 + 1) * res) - r.start.max(bin as u64 * res)) as f64;
            s[bin] += r.value * ov;
            w[bin] += ov;
        }
    }
    s.iter().zip(&w).map(|(a, b)| if *b > 0.0 { a / b } else { f64::NAN }).collect()
}

/// Observed/expected edges of one chromosome (off the diagonal): expected = mean contact at each
/// distance over pairs of covered bins, zeros included.
pub fn oe_edges(c: &ChromContacts, n: usize, raw: bool) -> Vec<(u32, u32, f64)> {
    let vals = if raw { &c.count } else { &c.value };
    let mut covered = vec![false; n];
    for t in 0..c.i.len() {
        if vals[t].is_finite() && vals[t] > 0.0 {
            covered[c.i[t] as usize] = true;
            covered[c.j[t] as usize] = true;
        }
    }
    let idx: Vec<usize> = (0..n).filter(|&i| covered[i]).collect();
    // Pairs of covered bins at each distance, counted without an n^2 loop.
    let mut pairs = vec![0f64; n];
    for &i in &idx {
        for d in 0..n - i {
            if covered[i + d] {
                pairs[d] += 1.0;
            }
        }
    }
    let mut sum = vec![0f64; n];
    for t in 0..c.i.len() {
        if vals[t].is_finite() && vals[t] > 0.0 {
            sum[(c.j[t] - c.i[t]) as usize] += vals[t];
        }
    }
    (0..c.i.len())
        .filter(|&t| c.j[t] > c.i[t] && vals[t].is_finite() && vals[t] > 0.0)
        .map(|t| {
            let d = (c.j[t] - c.i[t]) as usize;
            (c.i[t], c.j[t], vals[t] / (sum[d] / pairs[d].max(1.0)))
        })
        .collect()
}

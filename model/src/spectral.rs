//! The compartment axis that `embedding_init: pca` writes into the initial representations: per
//! chromosome, one of the first principal components of the observed/expected correlation (the
//! PCA baseline's, `hiclstm::baselines::pca`), computed at a resolution coarse enough for a dense
//! matrix and spread back over the model's bins.
//!
//! Why: from intra-chromosomal contacts alone, "same compartment or not" does not change when A and
//! B swap on one chromosome, so a randomly initialised model settles on a sign per chromosome by
//! chance, and no single axis of the representations separates A from B genome-wide
//! (BENCHMARKS.md, issue 15). Starting every chromosome on the same, oriented axis (like UMAP's
//! spectral initialisation) removes that draw; training then refines the axis with everything else.

use crate::data::TrainingData;
use hiclstm::baselines::pca;
use hiclstm::error::Result;
use hiclstm::formats::bed::BedGraph;
use hiclstm::frames::ValueColumn;
use hiclstm::tables::contacts::ChromContacts;
use std::path::PathBuf;

/// Largest matrix (in coarse bins per side) of the principal component computation: 2,000 bins
/// keep it under 100 MB, and compartments span megabases, many bins at any such resolution.
pub const MAX_COARSE_BINS: usize = 2000;

/// The compartment axis per bin of the model (global embedding order; see [`coarse_axis`]),
/// scaled to unit root mean square over each chromosome's covered bins, 0 where a bin is
/// uncovered; oriented by `track` (gene density, GC: A positive) where given. Re-reads the
/// contacts tables once, a chromosome at a time.
pub fn compartment_axis(paths: &[PathBuf], meta: &TrainingData, value: ValueColumn, track: Option<&[BedGraph]>, seed: u64) -> Result<Vec<f32>> {
    let mut out = vec![0f32; meta.chroms.iter().map(|c| c.n_bins).sum()];
    for p in paths {
        // The run being accumulated: chromosome index, coarsening factor, coarse bins, matrix.
        let mut cur: Option<(usize, usize, usize, Vec<f64>)> = None;
        let finish = |cur: Option<(usize, usize, usize, Vec<f64>)>, out: &mut [f32]| {
            if let Some((ci, f, nc, m)) = cur {
                let cb = &meta.chroms[ci];
                let t = track.map(|tr| pca::bin_track(tr, &cb.name, nc, (meta.resolution as usize * f) as u32));
                let axis = coarse_axis(&m, nc, t.as_deref(), seed);
                for b in 0..cb.n_bins {
                    out[cb.offset + b] = axis[b / f];
                }
            }
        };
        hiclstm::tables::contacts::stream(p, |run| {
            let ci = meta.chroms.iter().position(|c| c.name == run.chrom).expect("chromosomes were read from these tables");
            if cur.as_ref().is_none_or(|c| c.0 != ci) {
                finish(cur.take(), &mut out);
                let n = meta.chroms[ci].n_bins;
                let f = n.div_ceil(MAX_COARSE_BINS).max(1);
                let nc = n.div_ceil(f);
                cur = Some((ci, f, nc, vec![0.0; nc * nc]));
            }
            let (_, f, nc, m) = cur.as_mut().expect("set above");
            let vals = match value {
                ValueColumn::Value => &run.value,
                ValueColumn::Count => &run.count,
            };
            for t in 0..run.i.len() {
                if vals[t].is_finite() && vals[t] > 0.0 {
                    m[run.i[t] as usize / *f * *nc + run.j[t] as usize / *f] += vals[t];
                }
            }
            Ok(())
        })?;
        finish(cur.take(), &mut out);
    }
    Ok(out)
}

/// Principal components of the observed/expected correlation that may be the compartment axis:
/// the first three (PC1 is not always it: a strong gradient or a large domain can come first).
const CANDIDATES: usize = 3;

/// The compartment axis of a coarse upper-triangular matrix `m` (`nc` x `nc`), scaled to unit
/// root mean square (uncovered bins 0). With a track: the candidate that correlates most with
/// it, oriented to correlate positively (as cooltools phases eigenvectors). Without: the candidate
/// with the strongest checkerboard (observed/expected correlated with same side or not), oriented
/// so that the end (a third of the bins) whose contacts among themselves are the more enriched is
/// positive (A-A over B-B, as in most cell types and in `hiclstm-simulate`).
fn coarse_axis(m: &[f64], nc: usize, track: Option<&[f64]>, seed: u64) -> Vec<f32> {
    let mut c = ChromContacts { chrom: String::new(), ..Default::default() };
    for i in 0..nc {
        for j in i..nc {
            let v = m[i * nc + j];
            if v > 0.0 {
                c.i.push(i as u32);
                c.j.push(j as u32);
                c.count.push(v);
                c.value.push(v);
            }
        }
    }
    let k = CANDIDATES.min(nc);
    let (scores, observed, _) = pca::chromosome(&c, nc, k, false, None, seed);
    let comps: Vec<Vec<f64>> = (0..k).map(|q| (0..nc).map(|b| scores[b * k + q] as f64).collect()).collect();
    let idx: Vec<usize> = (0..nc).filter(|&b| observed[b]).collect();
    if idx.len() < 2 {
        return vec![0.0; nc];
    }
    // Observed/expected of covered pairs, with the PCA baseline's expected.
    let expected = pca::expected_by_distance(m, nc, &idx);
    let oe = |i: usize, j: usize| {
        let e = expected[j - i];
        if e > 0.0 {
            m[i * nc + j] / e
        } else {
            0.0
        }
    };
    // Mean observed/expected among pairs of the top third of bins along `v` and among pairs of
    // the bottom third: the extremes, because a component's zero need not fall on the boundary.
    let ends = |v: &[f64]| -> (f64, f64) {
        let mut sorted: Vec<f64> = idx.iter().map(|&b| v[b]).collect();
        sorted.sort_by(f64::total_cmp);
        let (lo, hi) = (sorted[sorted.len() / 3], sorted[sorted.len() * 2 / 3]);
        let mut acc = [(0.0f64, 0.0f64); 2];
        for (a, &i) in idx.iter().enumerate() {
            for &j in &idx[a + 1..] {
                let side = match (v[i], v[j]) {
                    (x, y) if x >= hi && y >= hi => 0,
                    (x, y) if x <= lo && y <= lo => 1,
                    _ => continue,
                };
                acc[side].0 += oe(i, j);
                acc[side].1 += 1.0;
            }
        }
        let mean = |x: (f64, f64)| if x.1 > 0.0 { x.0 / x.1 } else { 0.0 };
        (mean(acc[0]), mean(acc[1]))
    };
    // Checkerboard strength: correlation of observed/expected with "same side" (+1) or "across"
    // (-1) over covered pairs; a component with nearly all bins on one side scores low, however
    // enriched that side.
    let strength = |v: &[f64]| {
        let mut pairs = Vec::with_capacity(idx.len() * (idx.len() - 1) / 2);
        for (a, &i) in idx.iter().enumerate() {
            for &j in &idx[a + 1..] {
                pairs.push((oe(i, j), if (v[i] > 0.0) == (v[j] > 0.0) { 1.0 } else { -1.0 }));
            }
        }
        hiclstm::metrics::pearson(&pairs).unwrap_or(0.0)
    };
    // Each candidate scored once: (how well it fits, whether to turn it over).
    let scored: Vec<(f64, bool)> = comps
        .iter()
        .map(|v| match track {
            Some(t) => {
                let pairs: Vec<(f64, f64)> = idx.iter().filter(|&&b| t[b].is_finite()).map(|&b| (v[b], t[b])).collect();
                let r = hiclstm::metrics::pearson(&pairs).unwrap_or(0.0);
                (r.abs(), r < 0.0)
            }
            None => (strength(v), false),
        })
        .collect();
    let best = (0..k).max_by(|&a, &b| scored[a].0.total_cmp(&scored[b].0)).unwrap_or(0);
    let flip = match track {
        Some(_) => scored[best].1,
        None => {
            let (top, bottom) = ends(&comps[best]);
            top < bottom
        }
    };
    let v = &comps[best];
    let rms = (idx.iter().map(|&b| v[b] * v[b]).sum::<f64>() / idx.len().max(1) as f64).sqrt();
    let sign = if flip { -1.0 } else { 1.0 };
    // Scaled, not centred: the sign of each bin's score is its compartment.
    (0..nc).map(|b| if observed[b] && rms > 0.0 { (sign * v[b] / rms) as f32 } else { 0.0 }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hiclstm::simulate::{write_outputs, SimParams, WriteOptions};

    fn auroc(score: &[f32], positive: &[bool]) -> f64 {
        let pos: Vec<f32> = score.iter().zip(positive).filter(|p| *p.1).map(|p| *p.0).collect();
        let neg: Vec<f32> = score.iter().zip(positive).filter(|p| !*p.1).map(|p| *p.0).collect();
        let wins: f64 = pos
            .iter()
            .map(|&p| {
                neg.iter()
                    .map(|&n| {
                        if p > n {
                            1.0
                        } else if p == n {
                            0.5
                        } else {
                            0.0
                        }
                    })
                    .sum::<f64>()
            })
            .sum();
        wins / (pos.len() * neg.len()) as f64
    }

    /// On the simulated genome the axis puts A positive and B negative on every chromosome, from
    /// the contacts alone; a track that says otherwise turns it over.
    #[test]
    fn the_compartment_axis_has_one_sign_on_every_chromosome() {
        // The genomes of seeds 1-3 (the demo's): on one of them PC1 is not the compartments, and on
        // another the first component's zero is far from the A/B boundary.
        for seed in 1..=3 {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            let p = SimParams { seed, ..SimParams::preset(hiclstm::presets::SimulatePreset::Toy) };
            write_outputs(&p, &WriteOptions { prefix: d.join("toy"), force: false, pairs: false, juicer_text: false }).unwrap();
            let paths = vec![d.join("toy.contacts.parquet")];
            let meta = crate::data::load(&paths).unwrap();
            let sims = hiclstm::simulate::simulate(&p).unwrap();
            let axis = compartment_axis(&paths, &meta, ValueColumn::Value, None, 0).unwrap();
            for (cb, sim) in meta.chroms.iter().zip(&sims) {
                let a: Vec<bool> = sim.compartments.iter().map(|&s| s > 0).collect();
                let r = auroc(&axis[cb.offset..cb.offset + cb.n_bins], &a);
                assert!(r > 0.95, "seed {seed}, {}: A against B along the axis, AuROC {r}", cb.name);
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let p = SimParams::preset(hiclstm::presets::SimulatePreset::Toy);
        write_outputs(&p, &WriteOptions { prefix: d.join("toy"), force: false, pairs: false, juicer_text: false }).unwrap();
        let paths = vec![d.join("toy.contacts.parquet")];
        let meta = crate::data::load(&paths).unwrap();
        let sims = hiclstm::simulate::simulate(&p).unwrap();
        // A track higher in B than in A (the opposite of gene density) orients the axis B-positive.
        let track: Vec<BedGraph> = meta
            .chroms
            .iter()
            .zip(&sims)
            .flat_map(|(cb, sim)| {
                sim.compartments.iter().enumerate().map(move |(b, &s)| BedGraph {
                    chrom: cb.name.clone(),
                    start: b as u64 * 50_000,
                    end: (b as u64 + 1) * 50_000,
                    value: -(s as f64),
                })
            })
            .collect();
        let flipped = compartment_axis(&paths, &meta, ValueColumn::Value, Some(&track), 0).unwrap();
        for (cb, sim) in meta.chroms.iter().zip(&sims) {
            let a: Vec<bool> = sim.compartments.iter().map(|&s| s > 0).collect();
            let r = auroc(&flipped[cb.offset..cb.offset + cb.n_bins], &a);
            assert!(r < 0.05, "{}: with a B-high track, A against B along the axis, AuROC {r}", cb.name);
        }
    }
}

//! The long-range intra-chromosomal term of training (`cis_weight` under `train:`, 0.03 by
//! default): a Poisson model of the contacts at least `cis_min_distance` from the diagonal (2 Mb
//! by default; null: one frame's span, `frame_len` bins), mu_ij = E_ij exp(h(R_i) . h(R_j)), with
//! E_ij the mean of the pixel's diagonal over its covered cells (observed/expected, the signal SCI
//! embeds) and h the term's own affine map (K -> `cis_rank`; "cis.*" in the weights, trained by
//! this term alone and never used for predictions).
//!
//! Why: the reconstruction loss is a squared error in probability space, where the long-range
//! pixels (small values, probabilities near 0) weigh little, while which of them are enriched
//! over their distance's mean is the subcompartments' signal. Through the decoder's rank-2
//! pairwise map g the term cost every compartment score on the shared map; through a map of its
//! own, from 7.5 Mb, it raised subcompartments under blocked CV but lowered A/B by chromosome;
//! from 2 Mb, over ten paired seeds, it raised A/B and subcompartments under blocked CV and
//! subcompartments by chromosome and left A/B by chromosome, genes and R² as they were, at some
//! cost to the toy genome's TAD boundaries (BENCHMARKS.md, "The long-range term from 2 Mb"). The
//! trans term stays on g: through h as well it let the chromosomes' vectors drift apart.
//!
//! The likelihood is estimated at every optimizer step from a sample, as the trans term's
//! (`trans_loss`): `sample` observed pixels drawn in proportion to their value, and as many
//! covered cells of the band drawn uniformly. Memory: the band's pixels held are at most
//! `cis_max_pixels` (a uniform sample drawn with the seed, 16 bytes each), plus two values per
//! bin; the contacts tables are read once more, a chromosome at a time.

use crate::data::TrainingData;
use crate::trans_loss::{draw, HeldPixels};
use hiclstm::error::Result;
use hiclstm::frames::ValueColumn;
use rand::Rng;
use std::path::PathBuf;
use tch::Tensor;

/// One chromosome's band: first embedding row, bins, covered bins, and the expected value per
/// distance in bins (0 below the band).
struct Band {
    offset: usize,
    n: usize,
    covered: Vec<bool>,
    expected: Vec<f64>,
}

/// The pixels at least `min_bins` from the diagonal of the training chromosomes, ready to be
/// sampled.
pub struct CisTerm {
    bands: Vec<Band>,
    /// Cumulative number of covered cells of the bands (for drawing cells uniformly).
    cells: Vec<f64>,
    /// The band's pixels: all of them, or a uniform sample.
    held: HeldPixels,
    /// Sum of the band's values (the normalisation of the likelihood).
    total: f64,
    min_bins: usize,
}

impl CisTerm {
    /// Reads the contacts tables' pixels at least `min_bins` (>= 1) from the diagonal, holding at
    /// most `max_pixels` of them (a uniform sample drawn with `seed`); None when there are none.
    pub fn load(paths: &[PathBuf], meta: &TrainingData, value: ValueColumn, min_bins: usize, max_pixels: usize, seed: u64) -> Result<Option<CisTerm>> {
        let min_bins = min_bins.max(1);
        let held = HeldPixels::new(meta, max_pixels, seed ^ 0x4349_5354_4552_4D31).map_err(hiclstm::error::Error::InvalidArgument)?;
        let mut t = CisTerm { bands: vec![], cells: vec![], held, total: 0.0, min_bins };
        // Per chromosome: covered bins and the band's sum per distance.
        let mut per: Vec<Option<(Vec<bool>, Vec<f64>)>> = vec![None; meta.chroms.len()];
        for p in paths {
            hiclstm::tables::contacts::stream(p, |run| {
                let ci = meta.chroms.iter().position(|c| c.name == run.chrom).expect("chromosomes were read from these tables");
                let cb = &meta.chroms[ci];
                let (cov, sum) = per[ci].get_or_insert_with(|| (vec![false; cb.n_bins], vec![0.0; cb.n_bins]));
                let vals = match value {
                    ValueColumn::Value => &run.value,
                    ValueColumn::Count => &run.count,
                };
                for k in 0..run.i.len() {
                    let x = vals[k];
                    if !(x.is_finite() && x > 0.0) {
                        continue;
                    }
                    // Rows are sorted with i <= j and checked against the bins when first read.
                    let (i, j) = (run.i[k] as usize, run.j[k] as usize);
                    cov[i] = true;
                    cov[j] = true;
                    if j - i < min_bins {
                        continue;
                    }
                    sum[j - i] += x;
                    t.total += x;
                    t.held.push(cb.offset + i, cb.offset + j, x);
                }
                Ok(())
            })?;
        }
        if !t.held.finish() {
            return Ok(None);
        }
        let mut acc = 0.0;
        for (ci, p) in per.into_iter().enumerate() {
            let Some((covered, mut expected)) = p else { continue };
            let n = meta.chroms[ci].n_bins;
            // Covered cells per distance: O(n^2) per chromosome (at genome scale, 10 kb, the whole
            // load, reading included, took 26 s; BENCHMARKS.md).
            let mut band = 0.0;
            for d in 0..n {
                if d < min_bins {
                    expected[d] = 0.0;
                    continue;
                }
                let cells = (0..n - d).filter(|&i| covered[i] && covered[i + d]).count();
                band += cells as f64;
                expected[d] = if cells > 0 { expected[d] / cells as f64 } else { 0.0 };
            }
            if band > 0.0 {
                acc += band;
                t.cells.push(acc);
                t.bands.push(Band { offset: meta.chroms[ci].offset, n, covered, expected });
            }
        }
        Ok(Some(t))
    }

    /// Pixels of the band in the tables.
    pub fn observed(&self) -> u64 {
        self.held.observed
    }

    /// Pixels of the band held.
    pub fn pixels(&self) -> usize {
        self.held.pixels.len()
    }

    /// The estimated negative log-likelihood per read pair of the band (a scalar with a graph
    /// back to `reps` and `h`) from `sample` pixels and `sample` cells drawn with `rng`.
    pub fn loss(&self, reps: &Tensor, h: &tch::nn::Linear, sample: usize, rng: &mut impl Rng) -> Tensor {
        let (ri, rj) = self.held.draw(sample, rng);
        // Cells: a band in proportion to its covered cells, then two bins uniformly (an unordered
        // pair of a band is as likely as any other), kept when both are covered and in the band.
        let n_cells = *self.cells.last().expect("at least one band");
        let (mut ci, mut cj, mut e) = (Vec::with_capacity(sample), Vec::with_capacity(sample), Vec::with_capacity(sample));
        while ci.len() < sample {
            let b = &self.bands[draw(&self.cells, rng.random::<f64>() * n_cells)];
            let (x, y) = (rng.random_range(0..b.n), rng.random_range(0..b.n));
            let (i, j) = (x.min(y), x.max(y));
            if j - i >= self.min_bins && b.covered[i] && b.covered[j] {
                ci.push((b.offset + i) as i64);
                cj.push((b.offset + j) as i64);
                e.push(b.expected[j - i] as f32);
            }
        }
        crate::trans_loss::poisson_loss(reps, h, (&ri, &rj), (&ci, &cj, &e), n_cells / self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The term prefers representations whose products say "same compartment" at long range, is
    /// about 1 per read pair when the products are 0, cannot tell a chromosome turned over (that
    /// is the trans term's part), and holds a seeded uniform sample when capped.
    #[test]
    fn the_long_range_term_rewards_compartments_and_ignores_their_sign_per_chromosome() {
        let dir = tempfile::tempdir().unwrap();
        let (paths, meta, sims) = crate::spectral::tests::toy(dir.path(), hiclstm::simulate::SimParams::preset(hiclstm::presets::SimulatePreset::Toy).seed);
        let term = CisTerm::load(&paths, &meta, ValueColumn::Value, 50, 1 << 24, 0).unwrap().unwrap();
        assert!(term.pixels() > 1000 && term.pixels() as u64 == term.observed());
        // K = 1: each bin's compartment sign times `scale`, chromosome 2 turned over by `flip2`,
        // or each chromosome's signs in a scrambled order; h = 0.5 x.
        let sign: Vec<Vec<f32>> = sims.iter().map(|s| s.compartments.iter().map(|&c| if c > 0 { 1.0 } else { -1.0 }).collect()).collect();
        let reps_of = |scale: f32, flip2: f32, scramble: bool| {
            let mut v = vec![0f32; meta.chroms.iter().map(|c| c.n_bins).sum()];
            for (c, cb) in meta.chroms.iter().enumerate() {
                for bin in 0..cb.n_bins {
                    let from = if scramble { (bin * 7919 + 13) % cb.n_bins } else { bin };
                    v[cb.offset + bin] = scale * sign[c][from] * if c == 1 { flip2 } else { 1.0 };
                }
            }
            Tensor::from_slice(&v).reshape([-1, 1])
        };
        let vs = tch::nn::VarStore::new(tch::Device::Cpu);
        let mut h = tch::nn::linear(vs.root(), 1, 1, Default::default());
        tch::no_grad(|| {
            let _ = h.ws.fill_(0.5);
            let _ = h.bs.as_mut().unwrap().fill_(0.0);
        });
        let loss_of = |t: &CisTerm, reps: &Tensor| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
            (0..8).map(|_| f64::try_from(t.loss(reps, &h, 4096, &mut rng)).unwrap()).sum::<f64>() / 8.0
        };
        let zero = loss_of(&term, &reps_of(0.0, 1.0, false));
        let (agree, turned, scrambled) =
            (loss_of(&term, &reps_of(1.0, 1.0, false)), loss_of(&term, &reps_of(1.0, -1.0, false)), loss_of(&term, &reps_of(1.0, 1.0, true)));
        assert!((zero - 1.0).abs() < 0.05, "{zero}");
        assert!(agree < zero - 0.01 && agree < scrambled - 0.01, "compartments {agree}, zero {zero}, scrambled {scrambled}");
        assert!((agree - turned).abs() < 1e-9, "{agree} against {turned} with chromosome 2 turned over");

        // Capped at a tenth of its pixels: a seeded uniform sample with the whole band's
        // normalisation, the same loss at zero and about the same elsewhere.
        let max = term.pixels() / 10;
        let capped = CisTerm::load(&paths, &meta, ValueColumn::Value, 50, max, 3).unwrap().unwrap();
        assert_eq!((capped.pixels(), capped.observed()), (max, term.observed()));
        assert_eq!(capped.held.pixels, CisTerm::load(&paths, &meta, ValueColumn::Value, 50, max, 3).unwrap().unwrap().held.pixels);
        assert_ne!(capped.held.pixels, CisTerm::load(&paths, &meta, ValueColumn::Value, 50, max, 4).unwrap().unwrap().held.pixels);
        assert_eq!(loss_of(&capped, &reps_of(0.0, 1.0, false)), zero);
        let c_agree = loss_of(&capped, &reps_of(1.0, 1.0, false));
        assert!((c_agree - agree).abs() < 0.2 * (zero - agree), "whole {agree}, a tenth {c_agree}");
        // Nothing that far from the diagonal: no term.
        assert!(CisTerm::load(&paths, &meta, ValueColumn::Value, 10_000, 1 << 24, 0).unwrap().is_none());
    }
}

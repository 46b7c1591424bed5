//! The inter-chromosomal term of training (`hiclstm-train --trans`): a Poisson model of the trans
//! contacts whose only free part is the decoder's pairwise term,
//! mu_ij = E_ij exp(g(R_i) . g(R_j)), with E_ij = r_i c_j / T the independence expectation of the
//! pair of chromosomes' block (coverage and the pair's total). Intra-chromosomal frames leave the
//! sign of each chromosome's compartments free (A-A and B-B look alike from within); trans
//! contacts tie them together, during the whole training and not only at the start (where
//! `spectral::compartment_axis` uses them too).
//!
//! Its negative log-likelihood per read pair, sum_cells mu - sum_pixels x log mu over T, is
//! estimated at every optimizer step from a sample: `sample` observed pixels drawn in proportion
//! to their count, and as many cells drawn uniformly (weighted by each pair's number of cells),
//! so a step costs the same whatever the map's size.
//!
//! Memory is bounded whatever the trans table's size: the term holds at most `max_pixels`
//! observed pixels (16 bytes each), a uniform random sample of them (reservoir sampling, from its
//! own seeded stream) when the table has more; the pixel draws are then made in proportion to the
//! value among the sample, a consistent estimate of the same mean, while each block's marginals
//! and the likelihood's normalisation come from every pixel. A genome at 10 kb has of the order
//! of 10^9 trans pixels (20 GB if all were held); the default, 2^24 pixels (268 MB), keeps about
//! a hundred per bin of such a genome, and every pixel of the shared 50 kb map (64,112).

use crate::data::TrainingData;
use hiclstm::error::Result;
use hiclstm::frames::ValueColumn;
use rand::{Rng, SeedableRng};
use std::path::Path;
use tch::nn::Module;
use tch::{Kind, Tensor};

/// Bound of the log-enrichment g(R_i) . g(R_j) in the term.
const MAX_LOG_ENRICHMENT: f64 = 5.0;

/// One chromosome pair's block: global embedding rows of its bins and their marginals.
struct Block {
    /// First embedding row and bins of each chromosome.
    off: (usize, usize),
    n: (usize, usize),
    /// Row and column sums (r_i on the first chromosome, c_j on the second) and the total.
    r: Vec<f64>,
    c: Vec<f64>,
    total: f64,
}

/// The trans pixels of the training chromosomes, ready to be sampled.
pub struct TransTerm {
    blocks: Vec<Block>,
    /// Observed pixels between training chromosomes: all of them, or a uniform sample.
    held: HeldPixels,
    /// Cumulative number of cells of the blocks (for drawing cells uniformly).
    cells: Vec<f64>,
    /// Every read pair of every block (the normalisation of the likelihood).
    total: f64,
}

impl TransTerm {
    /// Reads the trans table's pixels between chromosomes of `meta` (others skipped), holding at
    /// most `max_pixels` of them (a uniform sample drawn with `seed`); None when it has none.
    pub fn load(path: &Path, meta: &TrainingData, value: ValueColumn, max_pixels: usize, seed: u64) -> Result<Option<TransTerm>> {
        let find = |name: &str| meta.chroms.iter().position(|c| c.name == name);
        let n_bins: Vec<usize> = meta.chroms.iter().map(|c| c.n_bins).collect();
        let held = HeldPixels::new(meta, max_pixels, seed ^ 0x5245_5345_5256_4F49)
            .map_err(|m| hiclstm::error::Error::InvalidArgument(format!("{}: {m}", path.display())))?;
        let mut t = TransTerm { blocks: vec![], held, cells: vec![], total: 0.0 };
        hiclstm::tables::trans::for_each_pair(path, find, &n_bins, value == ValueColumn::Count, |a, b, px| {
            let (ca, cb) = (&meta.chroms[a], &meta.chroms[b]);
            let mut blk = Block { off: (ca.offset, cb.offset), n: (ca.n_bins, cb.n_bins), r: vec![0.0; ca.n_bins], c: vec![0.0; cb.n_bins], total: 0.0 };
            for &(i, j, x) in px {
                blk.r[i as usize] += x;
                blk.c[j as usize] += x;
                blk.total += x;
                t.total += x;
                t.held.push(blk.off.0 + i as usize, blk.off.1 + j as usize, x);
            }
            t.blocks.push(blk);
            Ok(())
        })?;
        if !t.held.finish() {
            return Ok(None);
        }
        let mut acc = 0.0;
        for b in &t.blocks {
            // Cells of covered rows and columns: where the expectation is not zero.
            acc += (b.r.iter().filter(|&&x| x > 0.0).count() * b.c.iter().filter(|&&x| x > 0.0).count()) as f64;
            t.cells.push(acc);
        }
        Ok(Some(t))
    }

    /// Observed trans pixels between the training chromosomes.
    pub fn observed(&self) -> u64 {
        self.held.observed
    }

    /// Observed trans pixels held.
    pub fn pixels(&self) -> usize {
        self.held.pixels.len()
    }

    /// The estimated negative log-likelihood per read pair (a scalar with a graph back to
    /// `reps` and `g`) from `sample` pixels and `sample` cells drawn with `rng`.
    pub fn loss(&self, reps: &Tensor, g: &tch::nn::Linear, sample: usize, rng: &mut impl Rng) -> Tensor {
        // Observed pixels, in proportion to their value: sum_pixels x s = total * E_draw[s].
        let (ri, rj) = self.held.draw(sample, rng);
        // Cells, uniformly over the covered cells of every block: sum_cells mu = cells * E[mu].
        let n_cells = *self.cells.last().expect("at least one block");
        let (mut ci, mut cj, mut e) = (Vec::with_capacity(sample), Vec::with_capacity(sample), Vec::with_capacity(sample));
        while ci.len() < sample {
            let blk = &self.blocks[draw(&self.cells, rng.random::<f64>() * n_cells)];
            let (i, j) = (rng.random_range(0..blk.n.0), rng.random_range(0..blk.n.1));
            if blk.r[i] > 0.0 && blk.c[j] > 0.0 {
                ci.push((blk.off.0 + i) as i64);
                cj.push((blk.off.1 + j) as i64);
                e.push((blk.r[i] * blk.c[j] / blk.total) as f32);
            }
        }
        poisson_loss(reps, g, (&ri, &rj), (&ci, &cj, &e), n_cells / self.total)
    }
}

/// The index of the first cumulative value above `u` (a draw in proportion to the values).
pub(crate) fn draw(cum: &[f64], u: f64) -> usize {
    cum.partition_point(|&c| c <= u).min(cum.len() - 1)
}

/// The observed pixels a Poisson term holds: every pixel pushed, or a uniform random sample of at
/// most `max` of them (reservoir sampling, Algorithm R, from its own seeded stream), with their
/// values, drawn later in proportion to the value.
pub(crate) struct HeldPixels {
    /// Global embedding rows of the pixels held, and their cumulative value once finished.
    pub(crate) pixels: Vec<(u32, u32)>,
    cumulative: Vec<f64>,
    /// Pixels pushed.
    pub(crate) observed: u64,
    max: usize,
    reservoir: rand_chacha::ChaCha8Rng,
}

impl HeldPixels {
    /// Empty; refused (the message) when the training chromosomes' rows do not fit u32.
    pub(crate) fn new(meta: &TrainingData, max: usize, seed: u64) -> std::result::Result<HeldPixels, String> {
        // Global rows are held as u32: checked once for the whole genome, not per pixel.
        if u32::try_from(meta.chroms.iter().map(|c| c.offset + c.n_bins).max().unwrap_or(0)).is_err() {
            return Err("more than 2^32 bins in the training chromosomes".into());
        }
        Ok(HeldPixels { pixels: vec![], cumulative: vec![], observed: 0, max, reservoir: rand_chacha::ChaCha8Rng::seed_from_u64(seed) })
    }

    /// Offers the pixel at global rows (`i`, `j`) with value `x`: the n-th (from 0) replaces a
    /// held one with probability max / (n + 1) once `max` are held.
    pub(crate) fn push(&mut self, i: usize, j: usize, x: f64) {
        let held = (i as u32, j as u32);
        if self.pixels.len() < self.max {
            self.pixels.push(held);
            self.cumulative.push(x);
        } else {
            let k = self.reservoir.random_range(0..=self.observed) as usize;
            if k < self.max {
                (self.pixels[k], self.cumulative[k]) = (held, x);
            }
        }
        self.observed += 1;
    }

    /// Turns the values into their running sum; false when no pixel is held.
    pub(crate) fn finish(&mut self) -> bool {
        let mut acc = 0.0;
        for c in &mut self.cumulative {
            acc += *c;
            *c = acc;
        }
        !self.pixels.is_empty()
    }

    /// `sample` pixels drawn in proportion to their value among those held (all of them, or a
    /// uniform sample: a consistent estimate of the same mean): their rows.
    pub(crate) fn draw(&self, sample: usize, rng: &mut impl Rng) -> (Vec<i64>, Vec<i64>) {
        let sum = *self.cumulative.last().expect("at least one pixel");
        (0..sample).map(|_| self.pixels[draw(&self.cumulative, rng.random::<f64>() * sum)]).map(|(i, j)| (i as i64, j as i64)).unzip()
    }
}

/// The sampled Poisson negative log-likelihood per read pair shared by the trans and cis terms
/// (`crate::cis_loss`):
/// mean over the cells of E exp(s) times `cell_scale` (cells / read pairs), minus the mean of s
/// over the observed pixels (drawn in proportion to their value), with s = g(R_i) . g(R_j).
pub(crate) fn poisson_loss(reps: &Tensor, g: &tch::nn::Linear, obs: (&[i64], &[i64]), cells: (&[i64], &[i64], &[f32]), cell_scale: f64) -> Tensor {
    let dev = reps.device();
    let map = |idx: &[i64]| g.forward(&reps.index_select(0, &Tensor::from_slice(idx).to_device(dev)));
    // The log-enrichment s is bounded (e^5: 150-fold) so that a rarely drawn cell cannot
    // drive exp(s) to overflow; beyond the bound it gets no gradient.
    let s = |a: &[i64], b: &[i64]| {
        let (ga, gb) = (map(a), map(b));
        (ga * gb).sum_dim_intlist([1i64].as_slice(), false, Kind::Float).clamp(-MAX_LOG_ENRICHMENT, MAX_LOG_ENRICHMENT)
    };
    let observed = s(obs.0, obs.1).mean(Kind::Float);
    let mu = (Tensor::from_slice(cells.2).to_device(dev) * s(cells.0, cells.1).exp()).mean(Kind::Float) * cell_scale;
    mu - observed
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The term prefers representations whose pairwise products say "same compartment" where the
    /// trans contacts are enriched, and it is about 1 per read pair when the products are 0.
    #[test]
    fn the_trans_term_rewards_agreeing_compartment_signs() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (_, meta, sims) = crate::spectral::tests::toy(d, hiclstm::simulate::SimParams::preset(hiclstm::presets::SimulatePreset::Toy).seed);
        let sign: Vec<Vec<f32>> = sims.iter().map(|s| s.compartments.iter().map(|&c| if c > 0 { 1.0 } else { -1.0 }).collect()).collect();
        let truth: Vec<Vec<bool>> = sign.iter().map(|v| v.iter().map(|&x| x > 0.0).collect()).collect();
        let (path, n_px) = crate::spectral::tests::trans_table(d, &meta, &truth, "t.trans.parquet", false);
        let term = TransTerm::load(&path, &meta, ValueColumn::Value, 1 << 24, 0).unwrap().unwrap();
        assert_eq!((term.pixels(), term.observed()), (n_px, n_px as u64));
        // Representations: K = 1, the compartment sign of each bin (chromosome 2 given as is or
        // turned over); g = 0.3 x.
        let vs = tch::nn::VarStore::new(tch::Device::Cpu);
        let mut g = tch::nn::linear(vs.root(), 1, 1, Default::default());
        let reps_of = |scale: f32, flip2: f32| {
            let mut v = vec![0f32; meta.chroms.iter().map(|c| c.n_bins).sum()];
            for (c, cb) in meta.chroms.iter().enumerate() {
                for bin in 0..cb.n_bins {
                    v[cb.offset + bin] = scale * sign[c][bin] * if c == 1 { flip2 } else { 1.0 };
                }
            }
            Tensor::from_slice(&v).reshape([-1, 1])
        };
        tch::no_grad(|| {
            let _ = g.ws.fill_(0.3);
            let _ = g.bs.as_mut().unwrap().fill_(0.0);
        });
        let loss = |reps: &Tensor| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
            (0..8).map(|_| f64::try_from(term.loss(reps, &g, 4096, &mut rng)).unwrap()).sum::<f64>() / 8.0
        };
        let (zero, agree, turned) = (loss(&reps_of(0.0, 1.0)), loss(&reps_of(1.0, 1.0)), loss(&reps_of(1.0, -1.0)));
        assert!((zero - 1.0).abs() < 0.05, "{zero}");
        assert!(agree < zero && zero < turned, "agreeing {agree}, zero {zero}, turned over {turned}");

        // Held to a tenth of its pixels, the term is a uniform sample of them, the same for the
        // same seed, with the marginals and the normalisation of the whole table: with the
        // products at 0 (no pixel term) it is exactly the whole term, and it estimates the same
        // loss elsewhere.
        let max = n_px / 10;
        let sampled = TransTerm::load(&path, &meta, ValueColumn::Value, max, 3).unwrap().unwrap();
        assert_eq!((sampled.pixels(), sampled.observed()), (max, n_px as u64));
        let again = TransTerm::load(&path, &meta, ValueColumn::Value, max, 3).unwrap().unwrap();
        assert_eq!(sampled.held.pixels, again.held.pixels);
        let other = TransTerm::load(&path, &meta, ValueColumn::Value, max, 4).unwrap().unwrap();
        assert_ne!(sampled.held.pixels, other.held.pixels);
        assert!(sampled.held.pixels.iter().all(|p| term.held.pixels.contains(p)));
        let loss_of = |t: &TransTerm, reps: &Tensor| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
            (0..8).map(|_| f64::try_from(t.loss(reps, &g, 4096, &mut rng)).unwrap()).sum::<f64>() / 8.0
        };
        assert_eq!(loss_of(&sampled, &reps_of(0.0, 1.0)), zero);
        let (s_agree, s_turned) = (loss_of(&sampled, &reps_of(1.0, 1.0)), loss_of(&sampled, &reps_of(1.0, -1.0)));
        let gap = zero - agree;
        assert!((s_agree - agree).abs() < 0.2 * gap && (s_turned - turned).abs() < 0.2 * gap, "whole: {agree} / {turned}, a tenth: {s_agree} / {s_turned}");
    }
}

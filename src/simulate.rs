//! `hiclstm-simulate`: seeded synthetic Hi-C with ground truth, the project's embedded default data.
//!
//! Expected contacts between bins i <= j at distance d = j - i:
//!   E = depth * b_i * b_j * (d + 1)^-alpha * (1 + tad * [same TAD] + subtad * [same subTAD])
//!       * exp(compartment * s_i * s_j + asymmetry * (s_i + s_j) / 2) + loop peaks,
//! with A/B compartment signs s (A-A contacts enriched more than B-B, as in most cell types: a
//! symmetric checkerboard would leave which compartment is A undecidable from cis contacts), per-bin coverage biases b (a few bins unmappable), nested TADs,
//! CTCF motifs at TAD edges (forward at the left edge, reverse at the right: convergent pairs),
//! loops between convergent pairs as Gaussian peaks at the TAD corner. Between bins i and j of two
//! different chromosomes (inter-chromosomal, trans):
//!   E = trans_depth * b_i * b_j * exp(compartment * s_i * s_j + asymmetry * (s_i + s_j) / 2),
//! flat in distance, with the same compartment factor, so that the A compartments of two
//! chromosomes touch more than A and B do (what trans contacts tell about compartments in real
//! maps). Observed counts are Poisson draws from E. Each chromosome, and each pair of
//! chromosomes, has its own random stream derived from the seed, so the output does not depend
//! on the number of threads.

use crate::error::{Error, Result};
use crate::formats::bed::{Bedpe, Feature};
use crate::formats::Pixel;
use crate::genome::Chrom;
use crate::genome::Strand;
use crate::presets::SimulatePreset;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Poisson};
use rayon::prelude::*;

/// Parameters of a simulation (the model in the module docs); see [`SimParams::preset`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct SimParams {
    /// Chromosomes to simulate (name, length in bp); each needs at least 10 bins.
    pub chroms: Vec<Chrom>,
    /// Bin size (bp).
    pub resolution: u32,
    /// Seed; each chromosome draws from its own stream derived from it and its index.
    pub seed: u64,
    /// Expected contacts of a bin with itself (sets the sequencing depth).
    pub depth: f64,
    /// Power-law exponent of the distance decay.
    pub alpha: f64,
    /// Largest distance simulated (bp); `None` simulates the whole upper triangle.
    pub max_distance: Option<u64>,
    /// Mean TAD size (bp).
    pub tad_size: u64,
    /// Mean compartment segment size (bp).
    pub compartment_size: u64,
    /// Contact enrichment inside a TAD and, on top, inside a sub-TAD.
    pub tad_strength: f64,
    /// Enrichment added to `tad_strength` for bins in the same sub-TAD.
    pub subtad_strength: f64,
    /// Compartment strength: exp(+c) within a compartment type, exp(-c) across.
    pub compartment_strength: f64,
    /// A-A contacts exp(c + a), B-B exp(c - a): the difference between the two compartment types.
    pub compartment_asymmetry: f64,
    /// Loop peak height relative to the background at the loop's distance.
    pub loop_strength: f64,
    /// Fraction of TADs whose convergent CTCF pair forms a loop.
    pub loop_fraction: f64,
    /// Extra CTCF motifs (random strand, no loop) per Mb.
    pub ctcf_per_mb: f64,
    /// Expected read pairs between two bins on different chromosomes before biases and
    /// compartments; 0: no inter-chromosomal contacts.
    pub trans_depth: f64,
    /// A mutant: this region deleted from its chromosome (see [`Deletion`]); None: wild type.
    pub deletion: Option<Deletion>,
}

/// A deletion simulated as a mutant of the same genome (the same structure, drawn from the same
/// seed): the region's bins are removed, every distance across it shrinks by its length, loops
/// with an anchor in it are lost, and two TADs whose shared boundary (the bins either side of the
/// edge) it removes merge into one domain. Contacts are reported in reference coordinates, the
/// deleted bins empty, as reads of a mutant mapped to the reference genome are.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Deletion {
    /// Chromosome.
    pub chrom: String,
    /// First deleted bp (0-based).
    pub start: u64,
    /// End of the deletion (bp, exclusive).
    pub end: u64,
}

/// hg19 chr1-22 and their lengths (bp), for the `gm12878` preset.
pub const HG19_AUTOSOMES: [(&str, u64); 22] = [
    ("chr1", 249_250_621),
    ("chr2", 243_199_373),
    ("chr3", 198_022_430),
    ("chr4", 191_154_276),
    ("chr5", 180_915_260),
    ("chr6", 171_115_067),
    ("chr7", 159_138_663),
    ("chr8", 146_364_022),
    ("chr9", 141_213_431),
    ("chr10", 135_534_747),
    ("chr11", 135_006_516),
    ("chr12", 133_851_895),
    ("chr13", 115_169_878),
    ("chr14", 107_349_540),
    ("chr15", 102_531_392),
    ("chr16", 90_354_753),
    ("chr17", 81_195_210),
    ("chr18", 78_077_248),
    ("chr19", 59_128_983),
    ("chr20", 63_025_520),
    ("chr21", 48_129_895),
    ("chr22", 51_304_566),
];

impl SimParams {
    /// A few named sizes: `toy` (2 x 20 Mb at 50 kb), `small` (3 chromosomes at 25 kb),
    /// `human` (one 248 Mb chromosome at 10 kb, contacts up to 2 Mb) and `gm12878` (hg19 chr1-22
    /// at 10 kb at GM12878's density).
    pub fn preset(preset: SimulatePreset) -> SimParams {
        let base = SimParams {
            chroms: vec![],
            resolution: 50_000,
            seed: 1,
            depth: 400.0,
            alpha: 1.0,
            max_distance: None,
            tad_size: 1_000_000,
            compartment_size: 3_000_000,
            tad_strength: 1.2,
            subtad_strength: 0.8,
            compartment_strength: 0.35,
            compartment_asymmetry: 0.15,
            loop_strength: 3.0,
            loop_fraction: 0.6,
            ctcf_per_mb: 1.0,
            // 0.2 read pairs per cell: on the toy genome 0.7% of the read pairs are
            // inter-chromosomal, as between chr21 and chr22 of the shared 50 kb map (1.2%, 0.12
            // read pairs per cell).
            trans_depth: 0.2,
            deletion: None,
        };
        match preset {
            SimulatePreset::Toy => SimParams { chroms: vec![Chrom::new("chr1", 20_000_000), Chrom::new("chr2", 16_000_000)], ..base },
            SimulatePreset::Small => SimParams {
                chroms: vec![Chrom::new("chr1", 60_000_000), Chrom::new("chr2", 50_000_000), Chrom::new("chrX", 40_000_000)],
                resolution: 25_000,
                depth: 200.0,
                max_distance: Some(5_000_000),
                ..base
            },
            SimulatePreset::Human => SimParams {
                chroms: vec![Chrom::new("chr1", 248_956_422)],
                resolution: 10_000,
                depth: 60.0,
                max_distance: Some(2_000_000),
                tad_size: 800_000,
                ..base
            },
            // Depth 900 over the whole triangle gives a simulated chr2 63.6 M pixels, GM12878's
            // chr2 68.3 M (../shared/data/gm12878_10kb_pixels_by_chrom.tsv).
            // No trans contacts unless asked for: `--trans-depth 0.01` places about 4.5e8 read
            // pairs between the 4.5e10 inter-chromosomal cells.
            SimulatePreset::Gm12878 => SimParams {
                chroms: HG19_AUTOSOMES.iter().map(|&(n, l)| Chrom::new(n, l)).collect(),
                resolution: 10_000,
                depth: 900.0,
                tad_size: 800_000,
                trans_depth: 0.0,
                ..base
            },
        }
    }

    /// Cells between bins of different chromosomes.
    fn trans_cells(&self) -> u64 {
        let n: Vec<u64> = self.chroms.iter().map(|c| c.n_bins(self.resolution) as u64).collect();
        let total: u64 = n.iter().sum();
        n.iter().map(|&x| x * (total - x)).sum::<u64>() / 2
    }

    fn check(&self) -> Result<()> {
        let bad = |m: String| Err(Error::InvalidArgument(m));
        if self.chroms.is_empty() {
            return bad("no chromosomes to simulate".into());
        }
        if self.resolution == 0 {
            return bad("--resolution must be positive".into());
        }
        for (k, c) in self.chroms.iter().enumerate() {
            if c.name.is_empty() || c.name.contains(char::is_whitespace) {
                return bad(format!("chromosome name '{}': names may not be empty or contain spaces (they go into BED and table columns)", c.name));
            }
            if self.chroms[..k].iter().any(|o| o.name == c.name) {
                return bad(format!("chromosome {} is listed twice", c.name));
            }
            if c.length.div_ceil(self.resolution as u64) > crate::genome::MAX_BINS {
                return bad(format!("chromosome {} ({} bp) has more than {} bins at {} bp", c.name, c.length, crate::genome::MAX_BINS, self.resolution));
            }
            if c.n_bins(self.resolution) < 10 {
                return bad(format!("chromosome {} ({} bp) has fewer than 10 bins at {} bp", c.name, c.length, self.resolution));
            }
        }
        if let Some(d) = &self.deletion {
            match self.chroms.iter().find(|c| c.name == d.chrom) {
                None => return bad(format!("--delete: chromosome {} is not simulated", d.chrom)),
                Some(c) if d.start >= d.end || d.end > c.length => {
                    return bad(format!("--delete {}:{}-{}: outside {} ({} bp) or empty", d.chrom, d.start + 1, d.end, c.name, c.length))
                }
                _ => {}
            }
        }
        // Expected contacts of a bin with itself; beyond 1e9 the Poisson draws and the pairs
        // file would not fit any machine.
        if !(self.depth > 0.0 && self.depth <= 1e9) {
            return bad(format!("--depth must be positive and at most 1e9, got {}", self.depth));
        }
        if self.alpha.is_nan() || self.alpha < 0.0 || self.tad_size < 2 * self.resolution as u64 || self.compartment_size < self.resolution as u64 {
            return bad("alpha must be >= 0, TADs at least 2 bins and compartments at least 1 bin".into());
        }
        if !(0.0..=1.0).contains(&self.loop_fraction) {
            return bad("loop fraction must lie in [0, 1]".into());
        }
        if !(self.trans_depth >= 0.0 && self.trans_depth <= 1e9) {
            return bad(format!("--trans-depth must be at least 0 and at most 1e9, got {}", self.trans_depth));
        }
        // Beyond MAX_TRANS_CELLS read pairs are placed one by one (`simulate_trans_pair`): bound
        // their number (about trans_depth per cell) so that a typo cannot run for days.
        let reads = self.trans_depth * self.trans_cells() as f64;
        if self.trans_cells() > MAX_TRANS_CELLS && reads > MAX_TRANS_READS {
            return bad(format!(
                "--trans-depth {} places about {reads:.3e} inter-chromosomal read pairs, more than {MAX_TRANS_READS:e}; pass a smaller --trans-depth",
                self.trans_depth
            ));
        }
        Ok(())
    }
}

/// Most inter-chromosomal cells drawn one by one (a Poisson draw each: minutes at this size);
/// beyond, read pairs are placed instead ([`simulate_trans_pair`]).
pub const MAX_TRANS_CELLS: u64 = 2_000_000_000;

/// Most inter-chromosomal read pairs placed one by one (about 5 GB of pixels at the worst).
pub const MAX_TRANS_READS: f64 = 5e9;

/// Ground truth and contacts of one simulated chromosome. Intervals are in bins.
#[derive(Debug, Clone)]
pub struct SimChrom {
    /// The chromosome (name, length in bp).
    pub chrom: Chrom,
    /// Non-zero Poisson counts, upper triangle (i <= j, bins) up to `max_distance`; pairs with an
    /// unmappable bin are absent.
    pub pixels: Vec<Pixel>,
    /// Top-level TADs, [start, end) in bins.
    pub tads: Vec<(u32, u32)>,
    /// Sub-TADs nested in TADs.
    pub subtads: Vec<(u32, u32)>,
    /// CTCF motifs: bin and orientation.
    pub ctcf: Vec<(u32, Strand)>,
    /// Loops between bins (i < j).
    pub loops: Vec<(u32, u32)>,
    /// Compartment sign per bin (+1 = A, -1 = B).
    pub compartments: Vec<i8>,
    /// Coverage bias per bin: 0 for unmappable bins, and for a mutant's deleted ones.
    pub bias: Vec<f64>,
}

/// Simulated contacts between two chromosomes: `pixels` with i on chromosome `a` and j on `b`
/// (indexes into the simulated chromosomes, a < b), non-zero Poisson counts.
#[derive(Debug, Clone)]
pub struct SimTrans {
    /// Index of the first chromosome.
    pub a: usize,
    /// Index of the second chromosome.
    pub b: usize,
    /// Non-zero counts, sorted by (i, j).
    pub pixels: Vec<Pixel>,
}

/// The inter-chromosomal contacts of simulated chromosomes (see the module docs): every pair
/// a < b, each from its own stream (in parallel; the result does not depend on the number of
/// threads). Empty with `trans_depth` 0. Holds every trans pixel: `hiclstm-simulate` writes
/// them one pair at a time instead ([`simulate_trans_pair`]).
pub fn simulate_trans(p: &SimParams, sims: &[SimChrom]) -> Vec<SimTrans> {
    if p.trans_depth <= 0.0 {
        return vec![];
    }
    trans_pairs(sims.len()).par_iter().map(|&(a, b)| simulate_trans_pair(p, sims, a, b)).collect()
}

/// Every pair of chromosome indexes a < b, in the trans table's order.
pub fn trans_pairs(n: usize) -> Vec<(usize, usize)> {
    (0..n).flat_map(|a| (a + 1..n).map(move |b| (a, b))).collect()
}

/// The inter-chromosomal contacts between chromosomes `a` < `b`, from the pair's own stream.
///
/// Up to [`MAX_TRANS_CELLS`] inter-chromosomal cells in all, every cell gets its own Poisson
/// draw. Beyond (a genome at 10 kb has 4.5e10), read pairs are placed instead, as a thinned
/// Poisson process: N ~ Poisson(trans_depth * W_a * W_b * e^|compartment|) proposals with
/// w_i = b_i e^(asymmetry s_i / 2), bin i drawn in proportion to w_i and bin j to w_j, each kept
/// with probability e^(compartment s_i s_j - |compartment|). The kept read pairs of a cell are
/// then a Poisson draw of exactly the expectation in the module docs, independent between cells:
/// the same model, at a cost in proportion to the read pairs rather than the cells.
pub fn simulate_trans_pair(p: &SimParams, sims: &[SimChrom], a: usize, b: usize) -> SimTrans {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (0x7452_414E_5300_0000 | ((a as u64) << 20) | b as u64));
    let (x, y) = (&sims[a], &sims[b]);
    let pixels = if p.trans_cells() <= MAX_TRANS_CELLS { trans_by_cell(p, x, y, &mut rng) } else { trans_by_read_pair(p, x, y, &mut rng) };
    SimTrans { a, b, pixels }
}

fn trans_by_cell(p: &SimParams, x: &SimChrom, y: &SimChrom, rng: &mut ChaCha8Rng) -> Vec<Pixel> {
    let mut pixels = Vec::new();
    for (i, (&bi, &si)) in x.bias.iter().zip(&x.compartments).enumerate() {
        for (j, (&bj, &sj)) in y.bias.iter().zip(&y.compartments).enumerate() {
            let (si, sj) = (si as f64, sj as f64);
            let lambda = p.trans_depth * bi * bj * (p.compartment_strength * si * sj + p.compartment_asymmetry * (si + sj) / 2.0).exp();
            let count = if lambda > 0.0 { Poisson::new(lambda).map(|d| d.sample(rng)).unwrap_or(0.0) } else { 0.0 };
            if count > 0.0 {
                pixels.push(Pixel { i: i as u32, j: j as u32, count });
            }
        }
    }
    pixels
}

fn trans_by_read_pair(p: &SimParams, x: &SimChrom, y: &SimChrom, rng: &mut ChaCha8Rng) -> Vec<Pixel> {
    // Cumulative weights w_i of each chromosome's bins, drawn from by bisection.
    let cumulative = |c: &SimChrom| {
        let mut acc = 0.0;
        c.bias
            .iter()
            .zip(&c.compartments)
            .map(|(&b, &s)| {
                acc += b * (p.compartment_asymmetry * s as f64 / 2.0).exp();
                acc
            })
            .collect::<Vec<f64>>()
    };
    let (cx, cy) = (cumulative(x), cumulative(y));
    let (wx, wy) = (cx.last().copied().unwrap_or(0.0), cy.last().copied().unwrap_or(0.0));
    let top = p.compartment_strength.abs();
    let lambda = p.trans_depth * wx * wy * top.exp();
    if lambda.is_nan() || lambda <= 0.0 {
        return vec![];
    }
    let n = Poisson::new(lambda).map(|d| d.sample(rng)).unwrap_or(0.0) as u64;
    let draw = |cum: &[f64], u: f64| cum.partition_point(|&c| c <= u).min(cum.len() - 1);
    let mut reads: Vec<(u32, u32)> = Vec::new();
    for _ in 0..n {
        let i = draw(&cx, rng.random::<f64>() * wx);
        let j = draw(&cy, rng.random::<f64>() * wy);
        let keep = (p.compartment_strength * x.compartments[i] as f64 * y.compartments[j] as f64 - top).exp();
        if rng.random::<f64>() < keep {
            reads.push((i as u32, j as u32));
        }
    }
    reads.sort_unstable();
    let mut pixels: Vec<Pixel> = Vec::new();
    for (i, j) in reads {
        match pixels.last_mut() {
            Some(px) if px.i == i && px.j == j => px.count += 1.0,
            _ => pixels.push(Pixel { i, j, count: 1.0 }),
        }
    }
    pixels
}

/// Simulates every chromosome of `p` (in parallel; the result does not depend on the number of
/// threads), after checking the parameters.
pub fn simulate(p: &SimParams) -> Result<Vec<SimChrom>> {
    p.check()?;
    Ok(p.chroms.par_iter().enumerate().map(|(k, c)| simulate_chrom(p, k, c)).collect())
}

fn segments(rng: &mut ChaCha8Rng, n: u32, mean: f64, min: u32) -> Vec<(u32, u32)> {
    let exp = Exp::new(1.0 / mean.max(1.0)).expect("positive rate");
    let mut out = Vec::new();
    let mut s = 0;
    while s < n {
        // Sizes between 0.5x and 1.5x the mean keep TADs recognisable; exponential tails do not.
        let len = ((mean * 0.5 + exp.sample(rng).min(mean)) as u32).max(min);
        let e = (s + len).min(n);
        if n - e < min {
            out.push((s, n));
            break;
        }
        out.push((s, e));
        s = e;
    }
    out
}

fn simulate_chrom(p: &SimParams, k: usize, c: &Chrom) -> SimChrom {
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(k as u64 + 1));
    let n = c.n_bins(p.resolution);
    let res = p.resolution as f64;

    let mut compartments = vec![0i8; n as usize];
    let mut sign: i8 = if rng.random::<bool>() { 1 } else { -1 };
    for (s, e) in segments(&mut rng, n, p.compartment_size as f64 / res, 2) {
        compartments[s as usize..e as usize].fill(sign);
        sign = -sign;
    }

    let tads = segments(&mut rng, n, p.tad_size as f64 / res, 3);
    let mut tad_of = vec![0u32; n as usize];
    let mut sub_of = vec![0u32; n as usize];
    let mut subtads = Vec::new();
    let mut ctcf = Vec::new();
    let mut loops = Vec::new();
    for (t, &(s, e)) in tads.iter().enumerate() {
        tad_of[s as usize..e as usize].fill(t as u32);
        if e - s >= 10 && rng.random::<f64>() < 0.5 {
            let cut = s + (e - s) / 3 + rng.random_range(0..(e - s) / 3);
            subtads.push((s, cut));
            subtads.push((cut, e));
        }
        ctcf.push((s, Strand::Forward));
        ctcf.push((e - 1, Strand::Reverse));
        if e - s >= 4 && rng.random::<f64>() < p.loop_fraction {
            loops.push((s, e - 1));
        }
    }
    for (q, &(s, e)) in subtads.iter().enumerate() {
        sub_of[s as usize..e as usize].fill(q as u32 + 1);
    }
    let n_extra = (c.length as f64 / 1e6 * p.ctcf_per_mb).round() as usize;
    for _ in 0..n_extra {
        let b = rng.random_range(0..n);
        if !ctcf.iter().any(|&(x, _)| x == b) {
            ctcf.push((b, if rng.random::<bool>() { Strand::Forward } else { Strand::Reverse }));
        }
    }
    ctcf.sort_unstable();

    let lognormal = LogNormal::new(0.0, 0.25).expect("valid");
    let bias: Vec<f64> = (0..n).map(|_| if rng.random::<f64>() < 0.01 { 0.0 } else { lognormal.sample(&mut rng) }).collect();

    // A deletion: its bins [del.0, del.1), merged TAD labels and lost loops (see `Deletion`).
    let del = p
        .deletion
        .as_ref()
        .filter(|d| d.chrom == c.name)
        .map(|d| ((d.start / p.resolution as u64) as u32, (d.end.div_ceil(p.resolution as u64) as u32).min(n)));
    let mut loops_kept = loops.clone();
    if let Some((a, b)) = del {
        let gone = |x: u32| x >= a && x < b;
        let mut label: Vec<u32> = (0..tads.len() as u32).collect();
        for t in 1..tads.len() {
            let e = tads[t].0;
            if gone(e - 1) || gone(e) {
                label[t] = label[t - 1];
            }
        }
        for x in tad_of.iter_mut() {
            *x = label[*x as usize];
        }
        loops_kept.retain(|&(x, y)| !gone(x) && !gone(y));
    }
    // Mutant coordinates: bins after the deletion move up by its length.
    let pos = |x: u32| -> u32 {
        match del {
            Some((a, b)) if x >= b => x - (b - a),
            _ => x,
        }
    };
    let deleted = |x: u32| del.is_some_and(|(a, b)| x >= a && x < b);
    let max_d = p.max_distance.map(|m| (m / p.resolution as u64) as u32).unwrap_or(n).min(n - 1);
    let loop_at = |i: u32, j: u32| -> f64 {
        let mut extra = 0.0;
        for &(a, b) in &loops_kept {
            let (di, dj) = (i as f64 - a as f64, j as f64 - b as f64);
            if di.abs() <= 3.0 && dj.abs() <= 3.0 {
                extra += (-(di * di + dj * dj) / 2.0).exp();
            }
        }
        extra
    };
    let mut pixels = Vec::new();
    for i in (0..n).filter(|&i| !deleted(i)) {
        for j in (i..n).filter(|&j| !deleted(j)).take_while(|&j| pos(j) - pos(i) <= max_d) {
            let (bi, bj) = (bias[i as usize], bias[j as usize]);
            if bi == 0.0 || bj == 0.0 {
                continue;
            }
            let d = (pos(j) - pos(i)) as f64;
            let background = p.depth * (d + 1.0).powf(-p.alpha);
            let mut f = 1.0;
            if tad_of[i as usize] == tad_of[j as usize] {
                f += p.tad_strength;
                if sub_of[i as usize] != 0 && sub_of[i as usize] == sub_of[j as usize] {
                    f += p.subtad_strength;
                }
            }
            let (si, sj) = (compartments[i as usize] as f64, compartments[j as usize] as f64);
            f *= (p.compartment_strength * si * sj + p.compartment_asymmetry * (si + sj) / 2.0).exp();
            let lambda = bi * bj * background * (f + p.loop_strength * loop_at(i, j));
            let count = if lambda > 0.0 { Poisson::new(lambda).map(|d| d.sample(&mut rng)).unwrap_or(0.0) } else { 0.0 };
            if count > 0.0 {
                pixels.push(Pixel { i, j, count });
            }
        }
    }
    let bias = bias.iter().enumerate().map(|(i, &b)| if deleted(i as u32) { 0.0 } else { b }).collect();
    SimChrom { chrom: c.clone(), pixels, tads, subtads, ctcf, loops, compartments, bias }
}

/// Truth tracks in bp coordinates.
pub struct Truth {
    /// TADs and sub-TADs, features named `TAD` or `subTAD`, per chromosome by start (the longer
    /// first at an equal start).
    pub tads: Vec<Feature>,
    /// One feature named `boundary` per edge between adjacent TADs: the two bins either side.
    pub boundaries: Vec<Feature>,
    /// CTCF motifs: one-bin features named `CTCF` with their strand.
    pub ctcf: Vec<Feature>,
    /// Loops as BEDPE with one-bin anchors, named `loop`.
    pub loops: Vec<Bedpe>,
    /// Compartment segments named `A` or `B`, with score +1 or -1.
    pub compartments: Vec<Feature>,
}

/// The truth tracks of simulated chromosomes in bp (half-open, clipped to the chromosome end),
/// from bins of `resolution` bp.
pub fn truth(sims: &[SimChrom], resolution: u32) -> Truth {
    let r = resolution as u64;
    let mut t = Truth { tads: vec![], boundaries: vec![], ctcf: vec![], loops: vec![], compartments: vec![] };
    for s in sims {
        let name = &s.chrom.name;
        let len = s.chrom.length;
        let bp = |b: u32| (b as u64 * r).min(len);
        let mut doms: Vec<(u32, u32, &str)> = s.tads.iter().map(|&(a, b)| (a, b, "TAD")).chain(s.subtads.iter().map(|&(a, b)| (a, b, "subTAD"))).collect();
        doms.sort_by_key(|&(a, b, kind)| (a, std::cmp::Reverse(b), kind));
        for (a, b, kind) in doms {
            let mut rec = Feature::new(name, bp(a), bp(b));
            rec.name = Some(kind.to_string());
            t.tads.push(rec);
        }
        // A boundary is the pair of bins either side of an edge between two TADs.
        for w in s.tads.windows(2) {
            let e = w[0].1;
            let mut rec = Feature::new(name, bp(e - 1), bp(e + 1));
            rec.name = Some("boundary".into());
            t.boundaries.push(rec);
        }
        for &(b, strand) in &s.ctcf {
            let mut rec = Feature::new(name, bp(b), bp(b + 1));
            rec.name = Some("CTCF".into());
            rec.score = Some(0.0);
            rec.strand = Some(strand);
            t.ctcf.push(rec);
        }
        for &(a, b) in &s.loops {
            t.loops.push(Bedpe {
                chrom1: name.clone(),
                start1: bp(a),
                end1: bp(a + 1),
                chrom2: name.clone(),
                start2: bp(b),
                end2: bp(b + 1),
                name: "loop".into(),
                score: 1.0,
            });
        }
        let mut start = 0usize;
        for k in 1..=s.compartments.len() {
            if k == s.compartments.len() || s.compartments[k] != s.compartments[start] {
                let mut rec = Feature::new(name, bp(start as u32), bp(k as u32));
                rec.name = Some(if s.compartments[start] > 0 { "A" } else { "B" }.into());
                rec.score = Some(s.compartments[start] as f64);
                t.compartments.push(rec);
                start = k;
            }
        }
    }
    t
}

/// Where and what [`write_outputs`] writes.
#[derive(Debug, Clone)]
pub struct WriteOptions {
    /// Output prefix: `<prefix>.contacts.parquet`, `<prefix>.bins.parquet`, truth tracks and the
    /// task list beside them.
    pub prefix: std::path::PathBuf,
    /// Overwrite existing outputs.
    pub force: bool,
    /// Also write `<prefix>.pairs.gz`.
    pub pairs: bool,
    /// Also write `<prefix>.<chrom>.txt` juicer dumps.
    pub juicer_text: bool,
}

/// Simulates and writes every output; returns the paths written.
pub fn write_outputs(p: &SimParams, w: &WriteOptions) -> Result<Vec<std::path::PathBuf>> {
    use crate::cli::output_path;
    use crate::formats::bed;
    use crate::output::{check_writable, AtomicFile, OutputSet};
    use crate::tables::{self, Meta};
    use std::io::Write;

    let mut paths = vec![
        crate::outputs::CONTACTS,
        crate::outputs::BINS,
        crate::outputs::TADS_BED,
        crate::outputs::BOUNDARIES_BED,
        crate::outputs::CTCF_BED,
        crate::outputs::LOOPS_BEDPE,
        crate::outputs::COMPARTMENTS_BED,
        crate::outputs::CHROM_SIZES,
        crate::outputs::TASKS,
    ]
    .into_iter()
    .map(|n| output_path(&w.prefix, n))
    .collect::<Vec<_>>();
    if w.pairs {
        paths.push(output_path(&w.prefix, crate::outputs::PAIRS));
    }
    if w.juicer_text {
        paths.extend(p.chroms.iter().map(|c| output_path(&w.prefix, &format!("{}.txt", c.name))));
    }
    // The trans table, where there are trans contacts (juicer text holds none: one file per
    // chromosome).
    let trans_path = (p.trans_depth > 0.0 && p.chroms.len() > 1).then(|| output_path(&w.prefix, crate::outputs::TRANS));
    for path in paths.iter().chain(&trans_path) {
        check_writable(path, w.force)?;
    }
    p.check()?;
    crate::log::info(&format!("simulating {} chromosome(s) at {} bp, seed {}", p.chroms.len(), p.resolution, p.seed));
    let mut meta = Meta::new(tables::TableKind::Contacts.schema());
    meta.set("assembly", "simulated")
        .set("resolution", p.resolution)
        .set("normalization", "NONE")
        .set("source", "hiclstm-simulate")
        .set("params", serde_json::to_string(p).map_err(|e| Error::Internal(e.to_string()))?);
    let mut out = OutputSet::default();
    let mut cw = crate::tables::contacts::ContactsWriter::create(&paths[0], &meta, w.force)?;
    // As many chromosomes at a time as there are threads, written in order as they come and their
    // pixels dropped (unless a text output still needs them): memory holds a few chromosomes, not
    // the genome. Each chromosome draws from its own seeded stream, so the result does not depend
    // on the number of threads.
    let keep_pixels = w.pairs || w.juicer_text;
    let threads = rayon::current_num_threads().max(1);
    let mut sims: Vec<SimChrom> = Vec::with_capacity(p.chroms.len());
    for (win, chroms) in p.chroms.chunks(threads).enumerate() {
        let part: Vec<SimChrom> = chroms.par_iter().enumerate().map(|(k, c)| simulate_chrom(p, win * threads + k, c)).collect();
        for mut s in part {
            // Chunks of a million pixels bound the Arrow arrays of one write.
            for chunk in s.pixels.chunks(1 << 20) {
                cw.write(&s.chrom.name, chunk, None)?;
            }
            crate::log::info(&format!("{}: {} pixels", s.chrom.name, s.pixels.len()));
            if !keep_pixels {
                s.pixels = Vec::new();
            }
            sims.push(s);
        }
    }
    let n_pixels = cw.rows;
    out.push(cw.finish()?);
    // Trans pixels as many chromosome pairs at a time as there are threads, written in order and
    // dropped unless the pairs file needs them: memory holds a few pairs' blocks, not the genome's.
    let mut trans = Vec::new();
    if let Some(tp) = &trans_path {
        let mut tw = crate::tables::trans::TransWriter::create(tp, &meta.for_schema(tables::TableKind::Trans.schema()), w.force)?;
        for pairs in trans_pairs(sims.len()).chunks(threads) {
            let part: Vec<SimTrans> = pairs.par_iter().map(|&(a, b)| simulate_trans_pair(p, &sims, a, b)).collect();
            for t in part {
                for chunk in t.pixels.chunks(1 << 20) {
                    tw.write(&sims[t.a].chrom.name, &sims[t.b].chrom.name, chunk, None, None)?;
                }
                if w.pairs {
                    trans.push(t);
                }
            }
        }
        crate::log::info(&format!("inter-chromosomal: {} pixels", tw.rows));
        out.push(tw.finish()?);
    }
    out.push(tables::bins::write(&paths[1], &meta.for_schema(tables::TableKind::Bins.schema()), &p.chroms, &[], w.force)?);
    let t = truth(&sims, p.resolution);
    out.push(bed::write_bed(&paths[2], &t.tads, w.force)?);
    out.push(bed::write_bed(&paths[3], &t.boundaries, w.force)?);
    out.push(bed::write_bed(&paths[4], &t.ctcf, w.force)?);
    out.push(bed::write_bedpe(&paths[5], &t.loops, w.force)?);
    out.push(bed::write_bed(&paths[6], &t.compartments, w.force)?);
    let mut sizes = AtomicFile::create(&paths[7], w.force)?;
    for c in &p.chroms {
        writeln!(sizes, "{}\t{}", c.name, c.length).map_err(|e| Error::output_io(&paths[7], e))?;
    }
    out.push(sizes);
    let mut tasks = AtomicFile::create(&paths[8], w.force)?;
    tasks.write_all(truth_tasks_yaml(&w.prefix).as_bytes()).map_err(|e| Error::output_io(&paths[8], e))?;
    out.push(tasks);
    let mut next = 9;
    if w.pairs {
        out.push(write_pairs(&paths[next], p, &sims, &trans, w.force)?);
        next += 1;
    }
    if w.juicer_text {
        for s in &sims {
            let mut f = AtomicFile::create(&paths[next], w.force)?;
            let mut b = std::io::BufWriter::new(&mut f);
            let r = p.resolution as u64;
            for px in &s.pixels {
                writeln!(b, "{}\t{}\t{}", px.i as u64 * r, px.j as u64 * r, px.count).map_err(|e| Error::output_io(&paths[next], e))?;
            }
            b.flush().map_err(|e| Error::output_io(&paths[next], e))?;
            drop(b);
            out.push(f);
            next += 1;
        }
    }
    let written = out.commit(w.force)?;
    crate::log::info(&format!("wrote {n_pixels} pixels and truth tracks under {}.*", w.prefix.display()));
    Ok(written)
}

/// A hiclstm-classify task list over the truth tracks, so that the simulated data can be
/// classified without writing one by hand (file names are relative to the task list).
fn truth_tasks_yaml(prefix: &std::path::Path) -> String {
    let stem = prefix.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    format!(
        "# Classification tasks over the simulated truth (hiclstm-classify --tasks)\n\
tasks:\n\
  - {{name: A_compartment, file: {stem}.compartments.bed, kind: bed, name_prefix: A}}\n\
  - {{name: tad_boundaries, file: {stem}.boundaries.bed, kind: bed}}\n\
  - {{name: ctcf, file: {stem}.ctcf.bed, kind: bed}}\n\
  - {{name: compartments, file: {stem}.compartments.bed, kind: category}}\n"
    )
}

/// One 4DN pairs line per simulated read pair, positions drawn uniformly inside the bins: the
/// intra-chromosomal pairs, then the inter-chromosomal ones (chromosomes in the order of the
/// header's, upper triangle).
fn write_pairs(path: &std::path::Path, p: &SimParams, sims: &[SimChrom], trans: &[SimTrans], force: bool) -> Result<crate::output::AtomicFile> {
    use std::io::Write;
    let f = crate::output::AtomicFile::create(path, force)?;
    let mut gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(f), flate2::Compression::fast());
    let io = |e| Error::output_io(path, e);
    writeln!(gz, "## pairs format v1.0\n#shape: upper triangle\n#genome_assembly: simulated").map_err(io)?;
    for c in &p.chroms {
        writeln!(gz, "#chromsize: {} {}", c.name, c.length).map_err(io)?;
    }
    writeln!(gz, "#columns: readID chrom1 pos1 chrom2 pos2 strand1 strand2").map_err(io)?;
    let mut rng = ChaCha8Rng::seed_from_u64(p.seed ^ 0x5041_4952_5321);
    let r = p.resolution as u64;
    let mut id = 0u64;
    let draw = |c: &Chrom, b: u32, rng: &mut ChaCha8Rng| {
        let lo = b as u64 * r + 1;
        let hi = ((b as u64 + 1) * r).min(c.length);
        rng.random_range(lo..=hi)
    };
    for s in sims {
        for px in &s.pixels {
            for _ in 0..px.count as u64 {
                let (mut a, mut b) = (draw(&s.chrom, px.i, &mut rng), draw(&s.chrom, px.j, &mut rng));
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                id += 1;
                writeln!(gz, "r{id}\t{0}\t{a}\t{0}\t{b}\t+\t-", s.chrom.name).map_err(io)?;
            }
        }
    }
    for t in trans {
        let (ca, cb) = (&sims[t.a].chrom, &sims[t.b].chrom);
        for px in &t.pixels {
            for _ in 0..px.count as u64 {
                let (a, b) = (draw(ca, px.i, &mut rng), draw(cb, px.j, &mut rng));
                id += 1;
                writeln!(gz, "r{id}\t{}\t{a}\t{}\t{b}\t+\t-", ca.name, cb.name).map_err(io)?;
            }
        }
    }
    let buf = gz.finish().map_err(io)?;
    buf.into_inner().map_err(|e| Error::output_io(path, e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Placing read pairs (the genome-scale way) draws from the same model as drawing every cell:
    /// the same expected total, the same compartment contrast, the same per-bin coverage.
    #[test]
    fn placed_read_pairs_follow_the_per_cell_model() {
        let mut p = SimParams::preset(SimulatePreset::Toy);
        p.chroms = vec![Chrom::new("chr1", 10_000_000), Chrom::new("chr2", 8_000_000)];
        p.trans_depth = 5.0;
        let sims = simulate(&p).unwrap();
        let (x, y) = (&sims[0], &sims[1]);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (cell, placed) = (trans_by_cell(&p, x, y, &mut rng), trans_by_read_pair(&p, x, y, &mut rng));
        let lambda = |i: usize, j: usize| {
            let (si, sj) = (x.compartments[i] as f64, y.compartments[j] as f64);
            p.trans_depth * x.bias[i] * y.bias[j] * (p.compartment_strength * si * sj + p.compartment_asymmetry * (si + sj) / 2.0).exp()
        };
        // Sums by kind of cell (A-A, A-B, B-B) and per row, for each method and in expectation.
        let kind = |i: usize, j: usize| ((x.compartments[i] < 0) as usize) + ((y.compartments[j] < 0) as usize);
        let sums = |px: &[Pixel]| {
            let (mut k, mut row) = ([0.0f64; 3], vec![0.0f64; x.bias.len()]);
            for q in px {
                k[kind(q.i as usize, q.j as usize)] += q.count;
                row[q.i as usize] += q.count;
            }
            (k, row)
        };
        let mut expected = [0.0f64; 3];
        for i in 0..x.bias.len() {
            for j in 0..y.bias.len() {
                expected[kind(i, j)] += lambda(i, j);
            }
        }
        let ((kc, rc), (kp, rp)) = (sums(&cell), sums(&placed));
        for k in 0..3 {
            // Tens of thousands of read pairs per kind: a Poisson sd under 1%.
            assert!(
                (kp[k] / expected[k] - 1.0).abs() < 0.03 && (kc[k] / expected[k] - 1.0).abs() < 0.03,
                "kind {k}: expected {}, by cell {}, placed {}",
                expected[k],
                kc[k],
                kp[k]
            );
        }
        let corr = crate::metrics::pearson(&rc.iter().copied().zip(rp.iter().copied()).collect::<Vec<_>>()).unwrap();
        assert!(corr > 0.95, "per-row coverage of the two methods: r = {corr}");
        // Pixels sorted by (i, j), no duplicates, none on an unmappable bin.
        assert!(placed.windows(2).all(|w| (w[0].i, w[0].j) < (w[1].i, w[1].j)));
        assert!(placed.iter().all(|q| x.bias[q.i as usize] > 0.0 && y.bias[q.j as usize] > 0.0));
    }

    /// A genome too large to draw cell by cell is simulated by placing read pairs, with a bound on
    /// their number.
    #[test]
    fn genome_scale_trans_depth_is_bounded_by_read_pairs_not_cells() {
        let mut p = SimParams::preset(SimulatePreset::Gm12878);
        p.trans_depth = 0.01;
        assert!(p.trans_cells() > MAX_TRANS_CELLS);
        p.check().unwrap();
        p.trans_depth = 1.0;
        let e = p.check().unwrap_err().to_string();
        assert!(e.contains("--trans-depth") && e.contains("read pairs"), "{e}");
    }
}

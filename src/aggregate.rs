//! Aggregating per-bin scores (attributions) over element sets and TADs: per-set distributions
//! tested against a matched random background (Mann-Whitney U), and the average profile over
//! TADs scaled to a fixed number of interior bins plus flanks (the paper's Fig. 6a).

use rand::seq::IndexedRandom;
use rand::SeedableRng;

/// Summary of one element set's scores against its background.
#[derive(Debug, Clone, PartialEq)]
pub struct SetSummary {
    /// Number of element bins scored (the length of `values`).
    pub count: usize,
    /// Mean score of the element bins; NaN when the set is empty.
    pub mean: f64,
    /// Median score of the element bins (linear interpolation); NaN when empty.
    pub median: f64,
    /// First quartile (25th percentile, linear interpolation) of the element scores.
    pub q1: f64,
    /// Third quartile (75th percentile, linear interpolation) of the element scores.
    pub q3: f64,
    /// Mean score of the random background bins; NaN when none were drawn.
    pub background_mean: f64,
    /// Two-sided Mann-Whitney p-value (normal approximation with tie correction).
    pub p_value: f64,
    /// The element bins' scores and the background's, for plots.
    pub values: Vec<f64>,
    /// The background scores: one random bin (seeded) from the same chromosome per element bin;
    /// elements on chromosomes without candidate bins get none.
    pub background: Vec<f64>,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Two-sided Mann-Whitney U test of `a` against `b` (normal approximation, tie-corrected).
pub fn mann_whitney(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    if n1 == 0.0 || n2 == 0.0 {
        return f64::NAN;
    }
    let mut all: Vec<(f64, bool)> = a.iter().map(|&x| (x, true)).chain(b.iter().map(|&x| (x, false))).collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let (mut r1, mut ties) = (0.0, 0.0);
    let mut k = 0;
    while k < all.len() {
        let mut e = k;
        while e + 1 < all.len() && all[e + 1].0 == all[k].0 {
            e += 1;
        }
        let t = (e - k + 1) as f64;
        ties += t * t * t - t;
        let avg = (k + e) as f64 / 2.0 + 1.0;
        r1 += all[k..=e].iter().filter(|x| x.1).count() as f64 * avg;
        k = e + 1;
    }
    let u = r1 - n1 * (n1 + 1.0) / 2.0;
    let n = n1 + n2;
    let sd = (n1 * n2 / 12.0 * ((n + 1.0) - ties / (n * (n - 1.0)))).sqrt();
    if sd == 0.0 {
        return 1.0;
    }
    let z = (u - n1 * n2 / 2.0).abs() / sd;
    (2.0 * normal_sf(z)).min(1.0)
}

/// Upper tail of the standard normal. `libm::erfc` keeps its relative accuracy far into the
/// tail, where small p-values of large element sets live (a polynomial approximation is 8 % off
/// at z = 20).
fn normal_sf(z: f64) -> f64 {
    0.5 * libm::erfc(z / std::f64::consts::SQRT_2)
}

/// Scores of the element bins, summarised against as many random bins from the same chromosomes
/// (seeded); `per_chrom_bins[c]` lists the candidate background bins of chromosome c.
pub fn summarise(scores: &[f64], element_bins: &[(usize, usize)], per_chrom_bins: &[Vec<usize>], seed: u64) -> SetSummary {
    let vals: Vec<f64> = element_bins.iter().map(|&(_, b)| scores[b]).collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let bg: Vec<f64> = element_bins.iter().filter_map(|&(c, _)| per_chrom_bins[c].choose(&mut rng).map(|&b| scores[b])).collect();
    let mut sorted = vals.clone();
    sorted.sort_by(f64::total_cmp);
    let mean = |v: &[f64]| if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 };
    SetSummary {
        count: vals.len(),
        mean: mean(&vals),
        median: quantile(&sorted, 0.5),
        q1: quantile(&sorted, 0.25),
        q3: quantile(&sorted, 0.75),
        background_mean: mean(&bg),
        p_value: mann_whitney(&vals, &bg),
        values: vals,
        background: bg,
    }
}

/// A domain (TAD) [start, end) in chromosome-local bins, with where its chromosome's bins start
/// in a genome-wide score vector and how many it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Domain {
    /// Index of the chromosome's first bin in the genome-wide score vector.
    pub offset: usize,
    /// Number of bins of the chromosome; flank positions at or past it are skipped.
    pub chrom_bins: usize,
    /// First bin of the domain, chromosome-local and 0-based (inclusive).
    pub start: usize,
    /// End bin of the domain, chromosome-local (exclusive).
    pub end: usize,
}

/// Average profile over domains (bins of one score vector each): `interior` equal-width bins
/// inside each domain plus `flank` bins either side; positions past the chromosome are skipped.
pub fn tad_profile(scores: &[f64], domains: &[Domain], interior: usize, flank: usize) -> Vec<f64> {
    let width = interior + 2 * flank;
    let (mut sum, mut n) = (vec![0.0; width], vec![0.0; width]);
    // NaN scores (bins without data) are left out, never counted as 0.
    let mut add = |slot: usize, v: f64| {
        if !v.is_nan() {
            sum[slot] += v;
            n[slot] += 1.0;
        }
    };
    for &Domain { offset: off, chrom_bins: nb, start: s, end: e } in domains {
        if e <= s {
            continue;
        }
        for k in 0..flank {
            if s >= flank - k {
                add(k, scores[off + s - (flank - k)]);
            }
            if e + k < nb {
                add(flank + interior + k, scores[off + e + k]);
            }
        }
        let len = (e - s) as f64;
        for q in 0..interior {
            let (a, z) = ((s as f64 + len * q as f64 / interior as f64) as usize, (s as f64 + len * (q + 1) as f64 / interior as f64).ceil() as usize);
            let z = z.max(a + 1).min(e);
            let v: Vec<f64> = (a..z).map(|b| scores[off + b]).filter(|x| !x.is_nan()).collect();
            add(flank + q, if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 });
        }
    }
    sum.iter().zip(&n).map(|(s, c)| if *c > 0.0 { s / c } else { f64::NAN }).collect()
}

/// A TAD-scaled 2-D aggregate (the paper's Fig. 8c): `flank` cells either side of the domain, one
/// per bin, and `interior` cells that split the domain into equal parts; cell `k` of an axis is
/// position `k - flank` (0 = the domain's first interior part, `interior` = the first bin after
/// it).
#[derive(Debug, Clone, PartialEq)]
pub struct TadGrid {
    /// Flank cells on each side.
    pub flank: usize,
    /// Interior cells.
    pub interior: usize,
    /// Per cell (row-major, side `2 * flank + interior`, row <= column): sum of the wild type,
    /// the mutant, and the number of pixels.
    pub wt: Vec<f64>,
    /// See `wt`.
    pub mutant: Vec<f64>,
    /// See `wt`.
    pub pixels: Vec<u64>,
    /// Domains aggregated.
    pub domains: usize,
}

impl TadGrid {
    /// An empty grid.
    pub fn new(interior: usize, flank: usize) -> Self {
        let g = interior + 2 * flank;
        TadGrid { flank, interior, wt: vec![0.0; g * g], mutant: vec![0.0; g * g], pixels: vec![0; g * g], domains: 0 }
    }

    /// Side of the grid.
    pub fn side(&self) -> usize {
        self.interior + 2 * self.flank
    }

    /// The cell of bin `b` for a domain `[s, e)`, None outside its flanks.
    pub fn cell(&self, b: usize, s: usize, e: usize) -> Option<usize> {
        let f = self.flank;
        if b + f < s || b >= e + f {
            None
        } else if b < s {
            Some(f - (s - b))
        } else if b >= e {
            Some(f + self.interior + (b - e))
        } else {
            Some(f + (b - s) * self.interior / (e - s))
        }
    }

    /// Adds the pixels `(i, j, wt, mutant)` (chromosome bins, `i <= j`) that fall in the domain
    /// `[s, e)` and its flanks. A pixel counts once per domain; nested or adjacent domains each
    /// see it in their own coordinates.
    pub fn add_domain(&mut self, s: usize, e: usize, pixels: &[(u32, u32, f64, f64)]) {
        if e <= s {
            return;
        }
        self.domains += 1;
        let g = self.side();
        for &(i, j, w, m) in pixels {
            if let (Some(a), Some(b)) = (self.cell(i as usize, s, e), self.cell(j as usize, s, e)) {
                let k = a.min(b) * g + a.max(b);
                self.wt[k] += w;
                self.mutant[k] += m;
                self.pixels[k] += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tad_grid_cells_scale_the_interior_and_keep_flanks_in_bins() {
        // Domain [10, 30) with 2 flank bins and 4 interior parts of 5 bins each.
        let mut g = TadGrid::new(4, 2);
        assert_eq!((g.cell(7, 10, 30), g.cell(8, 10, 30), g.cell(9, 10, 30)), (None, Some(0), Some(1)));
        assert_eq!((g.cell(10, 10, 30), g.cell(14, 10, 30), g.cell(15, 10, 30), g.cell(29, 10, 30)), (Some(2), Some(2), Some(3), Some(5)));
        assert_eq!((g.cell(30, 10, 30), g.cell(31, 10, 30), g.cell(32, 10, 30)), (Some(6), Some(7), None));
        g.add_domain(10, 30, &[(10, 12, 0.5, 0.7), (11, 14, 0.3, 0.1), (9, 31, 0.2, 0.2), (0, 50, 1.0, 1.0)]);
        let side = g.side();
        assert_eq!(g.pixels[2 * side + 2], 2);
        assert!((g.wt[2 * side + 2] - 0.8).abs() < 1e-12 && (g.mutant[2 * side + 2] - 0.8).abs() < 1e-12);
        assert_eq!(g.pixels[side + 7], 1, "flank to flank");
        assert_eq!(g.pixels.iter().sum::<u64>(), 3, "the pixel outside the flanks is left out");
    }

    #[test]
    fn mann_whitney_by_hand() {
        // Completely separated samples of 5: U = 25, z = (25 - 12.5) / sqrt(5*5*11/12) = 2.611,
        // two-sided p = 0.00902.
        let p = mann_whitney(&[6.0, 7.0, 8.0, 9.0, 10.0], &[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!((p - 0.00902).abs() < 2e-4, "{p}");
        assert!((mann_whitney(&[1.0, 2.0], &[1.0, 2.0]) - 1.0).abs() < 1e-9);
    }

    #[test]
    fn normal_tail_is_accurate_far_out() {
        // Q(20) = 2.7536241186062336e-89 (scipy.stats.norm.sf(20)); Q(5) = 2.866515718791939e-07.
        assert!((normal_sf(20.0) / 2.7536241186062336e-89 - 1.0).abs() < 1e-9, "{}", normal_sf(20.0));
        assert!((normal_sf(5.0) / 2.866515718791939e-07 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn profile_scales_domains_and_adds_flanks() {
        // One domain [2, 6) of 4 bins in a chromosome of 10, 2 interior bins, flank 2.
        let scores: Vec<f64> = (0..10).map(|x| x as f64).collect();
        let p = tad_profile(&scores, &[Domain { offset: 0, chrom_bins: 10, start: 2, end: 6 }], 2, 2);
        assert_eq!(p, vec![0.0, 1.0, 2.5, 4.5, 6.0, 7.0]);
        // Bins without data (NaN) are left out instead of pulling the means toward 0.
        let mut gaps = scores.clone();
        gaps[0] = f64::NAN;
        gaps[2] = f64::NAN;
        let two = [Domain { offset: 0, chrom_bins: 10, start: 2, end: 6 }, Domain { offset: 0, chrom_bins: 10, start: 3, end: 7 }];
        let p = tad_profile(&gaps, &two, 2, 2);
        assert_eq!(p[0], 1.0, "flank bin 0 of the first domain has no data: only the second's bin 1 counts");
        assert_eq!(p[2], 3.25, "interior: (3 + 3.5) / 2, bin 2 of the first domain has no data");
    }
}

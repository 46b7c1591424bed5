//! Reconstruction metrics in probability space: R^2 = 1 - SS_res / SS_tot, overall and by
//! distance band, beside the distance-mean baseline (for each distance j - i, the mean observed
//! probability at that distance).

/// 1 - SS_res / SS_tot; NaN when fewer than two points or no variance.
pub fn r2(obs: &[f64], pred: &[f64]) -> f64 {
    if obs.len() < 2 {
        return f64::NAN;
    }
    let mean = obs.iter().sum::<f64>() / obs.len() as f64;
    let ss_tot: f64 = obs.iter().map(|o| (o - mean).powi(2)).sum();
    let ss_res: f64 = obs.iter().zip(pred).map(|(o, p)| (o - p).powi(2)).sum();
    if ss_tot == 0.0 { f64::NAN } else { 1.0 - ss_res / ss_tot }
}

/// The distance-mean baseline's prediction for every point.
pub fn distance_mean_baseline(obs: &[f64], distance: &[u32]) -> Vec<f64> {
    let max = distance.iter().copied().max().unwrap_or(0) as usize;
    let (mut sum, mut n) = (vec![0.0; max + 1], vec![0u64; max + 1]);
    for (o, &d) in obs.iter().zip(distance) {
        sum[d as usize] += o;
        n[d as usize] += 1;
    }
    distance.iter().map(|&d| sum[d as usize] / n[d as usize] as f64).collect()
}

/// Distance bands (in bins) used in reports: [lo, hi).
pub const BANDS: [(u32, u32); 4] = [(0, 10), (10, 50), (50, 150), (150, u32::MAX)];

/// R^2 of `pred` and of the distance-mean baseline, overall and per band of [`BANDS`].
#[derive(Debug, Clone, PartialEq)]
pub struct Reconstruction {
    pub r2: f64,
    pub baseline_r2: f64,
    pub bands: Vec<(u32, u32, f64, f64)>,
    pub n: usize,
}

pub fn reconstruction(obs: &[f64], pred: &[f64], distance: &[u32]) -> Reconstruction {
    let base = distance_mean_baseline(obs, distance);
    let bands = BANDS
        .iter()
        .map(|&(lo, hi)| {
            let idx: Vec<usize> = (0..obs.len()).filter(|&k| distance[k] >= lo && distance[k] < hi).collect();
            let o: Vec<f64> = idx.iter().map(|&k| obs[k]).collect();
            let p: Vec<f64> = idx.iter().map(|&k| pred[k]).collect();
            let b: Vec<f64> = idx.iter().map(|&k| base[k]).collect();
            (lo, hi, r2(&o, &p), r2(&o, &b))
        })
        .collect();
    Reconstruction { r2: r2(obs, pred), baseline_r2: r2(obs, &base), bands, n: obs.len() }
}

impl std::fmt::Display for Reconstruction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "R2 {:.3} (distance-mean baseline {:.3}) over {} pixels; by distance band", self.r2, self.baseline_r2, self.n)?;
        for (lo, hi, r, b) in &self.bands {
            let hi = if *hi == u32::MAX { "+".to_string() } else { format!("-{}", hi - 1) };
            write!(f, " {lo}{hi}: {r:.3}/{b:.3}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r2_by_hand() {
        // mean 2, SS_tot = 2, SS_res = 0.25 + 0 + 0.25 = 0.5 -> 0.75
        assert!((r2(&[1.0, 2.0, 3.0], &[1.5, 2.0, 2.5]) - 0.75).abs() < 1e-12);
        assert_eq!(r2(&[1.0, 2.0], &[1.0, 2.0]), 1.0);
        assert!(r2(&[1.0, 1.0], &[1.0, 2.0]).is_nan(), "no variance");
        assert!(r2(&[1.0], &[1.0]).is_nan());
    }

    #[test]
    fn baseline_is_the_per_distance_mean() {
        let b = distance_mean_baseline(&[1.0, 3.0, 5.0, 0.5], &[0, 0, 1, 3]);
        assert_eq!(b, vec![2.0, 2.0, 5.0, 0.5]);
        let r = reconstruction(&[1.0, 3.0, 5.0, 0.5], &[1.0, 3.0, 5.0, 0.5], &[0, 0, 1, 3]);
        assert_eq!(r.r2, 1.0);
        assert!(r.baseline_r2 < 1.0);
    }
}

/// Pearson correlation of pairs; None without variance.
pub fn pearson(pairs: &[(f64, f64)]) -> Option<f64> {
    let n = pairs.len() as f64;
    if n < 2.0 {
        return None;
    }
    let (mx, my) = (pairs.iter().map(|p| p.0).sum::<f64>() / n, pairs.iter().map(|p| p.1).sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for &(x, y) in pairs {
        sxy += (x - mx) * (y - my);
        sxx += (x - mx).powi(2);
        syy += (y - my).powi(2);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

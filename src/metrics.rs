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
    if ss_tot == 0.0 {
        f64::NAN
    } else {
        1.0 - ss_res / ss_tot
    }
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
    /// R^2 of `pred` over all points; NaN with fewer than two points or no variance.
    pub r2: f64,
    /// R^2 of the distance-mean baseline over all points.
    pub baseline_r2: f64,
    /// Per band of [`BANDS`]: (lo, hi) in bins (half-open), R^2 of `pred`, R^2 of the baseline.
    pub bands: Vec<(u32, u32, f64, f64)>,
    /// Number of points (pixels) evaluated.
    pub n: usize,
}

/// R^2 of `pred` against `obs` (probabilities; `distance` = j - i in bins per point), beside
/// the distance-mean baseline taken from the same observations.
pub fn reconstruction(obs: &[f64], pred: &[f64], distance: &[u32]) -> Reconstruction {
    let mut acc = ReconstructionAcc::default();
    for k in 0..obs.len() {
        acc.push(obs[k], pred[k], distance[k]);
    }
    acc.finish()
}

/// Running sums of one group of points: count, mean and sum of squared deviations of the
/// observations (Welford's update, merged with Chan's formula: stable, and exactly zero for
/// constant data), and the squared residuals of the prediction.
#[derive(Debug, Clone, Copy, Default)]
struct Moments {
    n: f64,
    mean: f64,
    m2: f64,
    sse: f64,
}

impl Moments {
    fn push(&mut self, o: f64, p: f64) {
        self.n += 1.0;
        let d = o - self.mean;
        self.mean += d / self.n;
        self.m2 += d * (o - self.mean);
        self.sse += (o - p) * (o - p);
    }
    fn merge(&mut self, b: &Moments) {
        if b.n == 0.0 {
            return;
        }
        let n = self.n + b.n;
        let d = b.mean - self.mean;
        self.m2 += b.m2 + d * d * self.n * b.n / n;
        self.mean += d * b.n / n;
        self.n = n;
        self.sse += b.sse;
    }
    /// 1 - sse / ss_tot, NaN as [`r2`] has it.
    fn r2(&self, sse: f64) -> f64 {
        if self.n < 2.0 || self.m2 == 0.0 {
            f64::NAN
        } else {
            1.0 - sse / self.m2
        }
    }
}

/// [`reconstruction`] one point at a time, in memory linear in the largest distance (not in the
/// number of points), for maps streamed through a model.
#[derive(Debug, Clone, Default)]
pub struct ReconstructionAcc {
    by_distance: Vec<Moments>,
}

impl ReconstructionAcc {
    /// Adds one point: observed and predicted probability at distance `distance` (bins).
    pub fn push(&mut self, obs: f64, pred: f64, distance: u32) {
        let d = distance as usize;
        if d >= self.by_distance.len() {
            self.by_distance.resize(d + 1, Moments::default());
        }
        self.by_distance[d].push(obs, pred);
    }

    /// The metrics of every point added.
    pub fn finish(&self) -> Reconstruction {
        // The distance-mean baseline's squared error at one distance is that distance's m2.
        let group = |lo: u32, hi: u32| {
            let mut m = Moments::default();
            let mut base_sse = 0.0;
            for d in self.by_distance.iter().take((hi as usize).min(self.by_distance.len())).skip(lo as usize) {
                m.merge(d);
                base_sse += d.m2;
            }
            (m.r2(m.sse), m.r2(base_sse), m.n as usize)
        };
        let (r2, baseline_r2, n) = group(0, u32::MAX);
        let bands = BANDS
            .iter()
            .map(|&(lo, hi)| {
                let (r, b, _) = group(lo, hi);
                (lo, hi, r, b)
            })
            .collect();
        Reconstruction { r2, baseline_r2, bands, n }
    }
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

    #[test]
    fn running_sums_agree_with_two_passes() {
        // Probabilities near 1 with tiny spread: where one-pass sums of squares lose digits.
        let n = 20_000;
        let obs: Vec<f64> = (0..n).map(|k| 0.999 + 1e-6 * ((k * 7919 % 1000) as f64)).collect();
        let pred: Vec<f64> = obs.iter().enumerate().map(|(k, o)| o + 1e-7 * ((k % 13) as f64 - 6.0)).collect();
        let dist: Vec<u32> = (0..n).map(|k| (k % 300) as u32).collect();
        let r = reconstruction(&obs, &pred, &dist);
        let base = distance_mean_baseline(&obs, &dist);
        assert!((r.r2 - r2(&obs, &pred)).abs() < 1e-9, "{} vs {}", r.r2, r2(&obs, &pred));
        assert!((r.baseline_r2 - r2(&obs, &base)).abs() < 1e-9);
        let in_band: Vec<usize> = (0..n).filter(|&k| (50..150).contains(&dist[k])).collect();
        let (o, p): (Vec<f64>, Vec<f64>) = in_band.iter().map(|&k| (obs[k], pred[k])).unzip();
        assert!((r.bands[2].2 - r2(&o, &p)).abs() < 1e-9);
        assert_eq!(r.n, n);
        assert!(reconstruction(&[0.5, 0.5, 0.5], &[0.4, 0.5, 0.6], &[0, 1, 1]).r2.is_nan(), "constant data has no variance");
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

// Binary classification metrics of scores against labels (true = positive).

/// Area under the ROC curve (Mann-Whitney, ties count one half); None without both classes.
pub fn auroc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (npos, nneg) = (labels.iter().filter(|&&l| l).count() as f64, labels.iter().filter(|&&l| !l).count() as f64);
    if npos == 0.0 || nneg == 0.0 {
        return None;
    }
    // Average ranks over ties, then the rank-sum statistic.
    let mut rank_sum = 0.0;
    let mut k = 0;
    while k < idx.len() {
        let mut e = k;
        while e + 1 < idx.len() && scores[idx[e + 1]] == scores[idx[k]] {
            e += 1;
        }
        let avg = (k + e) as f64 / 2.0 + 1.0;
        rank_sum += idx[k..=e].iter().filter(|&&x| labels[x]).count() as f64 * avg;
        k = e + 1;
    }
    Some((rank_sum - npos * (npos + 1.0) / 2.0) / (npos * nneg))
}

/// Average precision (area under the precision-recall curve as a step function,
/// sum over thresholds of precision x recall increment); tied scores form one threshold.
/// None without positives.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let npos = labels.iter().filter(|&&l| l).count() as f64;
    if npos == 0.0 {
        return None;
    }
    pr_curve(scores, labels).windows(2).map(|w| (w[1].0 - w[0].0) * w[1].1).sum::<f64>().into()
}

/// Precision-recall points (recall, precision), from the highest threshold down, starting at
/// (0, 1); tied scores are one threshold.
pub fn pr_curve(scores: &[f64], labels: &[bool]) -> Vec<(f64, f64)> {
    let npos = labels.iter().filter(|&&l| l).count() as f64;
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut out = vec![(0.0, 1.0)];
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut k = 0;
    while k < idx.len() {
        let mut e = k;
        while e + 1 < idx.len() && scores[idx[e + 1]] == scores[idx[k]] {
            e += 1;
        }
        for &x in &idx[k..=e] {
            if labels[x] {
                tp += 1.0
            } else {
                fp += 1.0
            }
        }
        out.push((if npos > 0.0 { tp / npos } else { 0.0 }, tp / (tp + fp)));
        k = e + 1;
    }
    out
}

/// Accuracy and F1 of the calls `score >= threshold`; F1 is None when there are no positives
/// and no positive calls.
pub fn accuracy_f1(scores: &[f64], labels: &[bool], threshold: f64) -> (f64, Option<f64>) {
    let (mut tp, mut fp, mut fneg, mut ok) = (0.0, 0.0, 0.0, 0.0);
    for (&s, &l) in scores.iter().zip(labels) {
        let call = s >= threshold;
        if call == l {
            ok += 1.0;
        }
        match (call, l) {
            (true, true) => tp += 1.0,
            (true, false) => fp += 1.0,
            (false, true) => fneg += 1.0,
            _ => {}
        }
    }
    let f1 = (tp + fp + fneg > 0.0).then(|| 2.0 * tp / (2.0 * tp + fp + fneg));
    (ok / scores.len().max(1) as f64, f1)
}

#[cfg(test)]
mod classification_tests {
    use super::*;

    #[test]
    fn hand_computed_auroc_ap_accuracy_f1() {
        let s = [0.9, 0.8, 0.7, 0.6, 0.5];
        let l = [true, false, true, false, false];
        // Pairs (pos, neg): (0.9 > all 3), (0.7 > 0.6, 0.5, < 0.8): 5 of 6.
        assert!((auroc(&s, &l).unwrap() - 5.0 / 6.0).abs() < 1e-12);
        // AP: recall 0.5 at precision 1 (first), recall 1 at precision 2/3 (third): 0.5 + 0.5 * 2/3.
        assert!((average_precision(&s, &l).unwrap() - (0.5 + 1.0 / 3.0)).abs() < 1e-12);
        let (acc, f1) = accuracy_f1(&s, &l, 0.75);
        assert!((acc - 0.6).abs() < 1e-12, "calls 0.9, 0.8 positive: right on 0.9, 0.6, 0.5");
        assert!((f1.unwrap() - 0.5).abs() < 1e-12, "tp 1, fp 1, fn 1");
    }

    #[test]
    fn ties_and_one_class_folds() {
        // All scores tied: AUROC one half, AP = prevalence.
        let l = [true, false, false, true];
        assert!((auroc(&[0.5; 4], &l).unwrap() - 0.5).abs() < 1e-12);
        assert!((average_precision(&[0.5; 4], &l).unwrap() - 0.5).abs() < 1e-12);
        // A fold with one class only: AUROC undefined; AP undefined without positives.
        assert!(auroc(&[0.1, 0.2], &[true, true]).is_none());
        assert!(average_precision(&[0.1, 0.2], &[false, false]).is_none());
        assert_eq!(average_precision(&[0.1, 0.2], &[true, true]), Some(1.0));
    }
}

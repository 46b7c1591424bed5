//! A predicted edit against observed maps of the wild type and of the mutant (the paper's Figs.
//! 7c,d and 9): how far the predicted mutant map is from the observed one, by region, beside two
//! no-change baselines, and how well the predicted change (mutant - wild type) follows the
//! observed change. The baselines: the observed wild-type map taken as the mutant's (the paper's
//! kind; it carries a second map's sampling noise) and the model's own wild-type prediction (as
//! smooth as the prediction: what the predicted change adds).
//!
//! Everything is in probability space (the model's transform of the observed values), on the
//! reference pixels of the edit's window. Regions are relative to the edited span `[a, b)`:
//! `upstream` (both loci before it, j < a), `downstream` (both after it, i >= b) and `edited`
//! (a locus in it or the pixel spanning it); `all` is every compared pixel.

use crate::error::Result;
use crate::frames::Transform;
use crate::tables::metrics::MetricRow;
use crate::tables::perturbations::PerturbationRow;
use std::collections::HashMap;
use std::path::Path;

/// The observed probabilities of the pixels `(i, j)` of `chrom` with both bins in `[lo, hi)`,
/// from a contacts table (its `value` column through `t`; null values left out).
pub fn load(path: &Path, chrom: &str, lo: u32, hi: u32, t: &Transform) -> Result<HashMap<(u32, u32), f64>> {
    let mut out = HashMap::new();
    crate::tables::contacts::stream(path, |run| {
        if run.chrom == chrom {
            for k in 0..run.i.len() {
                let (i, j, v) = (run.i[k], run.j[k], run.value[k]);
                if i >= lo && j < hi && v.is_finite() {
                    out.insert((i, j), t.to_prob(v));
                }
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// The region of pixel `(i, j)` (i <= j) relative to the edited span `[a, b)`.
pub fn region(i: u32, j: u32, span: (u32, u32)) -> &'static str {
    if j < span.0 {
        "upstream"
    } else if i >= span.1 {
        "downstream"
    } else {
        "edited"
    }
}

/// The comparison: metrics rows (a metrics table) and, per region, the points (predicted change,
/// observed change) of the pixels observed in both maps.
pub struct Comparison {
    /// `hiclstm`, `observed_wild_type` and `hiclstm_wild_type` (the no-change baselines): `mse`
    /// against the observed mutant, per region (the task column) and overall; `hiclstm`: `pearson_difference`, the
    /// correlation of predicted and observed changes.
    pub rows: Vec<MetricRow>,
    /// Region name and (predicted difference, observed difference) points.
    pub points: Vec<(String, Vec<(f64, f64)>)>,
}

/// Compares the window's perturbation rows with the observed maps. Pixels where the edit removed
/// a locus (no mutant prediction), or the observed mutant has no value, are left out of the MSE;
/// the change needs both observed maps too.
pub fn compare(
    chrom: &str,
    rows: &[PerturbationRow],
    wt: &HashMap<(u32, u32), f64>,
    mutant: &HashMap<(u32, u32), f64>,
    span: Option<(u32, u32)>,
) -> Comparison {
    let names: Vec<&str> = if span.is_some() { vec!["upstream", "edited", "downstream", "all"] } else { vec!["all"] };
    // Per region: squared errors of the model and of the baseline, and the change pairs.
    let mut se: HashMap<&str, (f64, f64, i64, i64, f64)> = HashMap::new();
    let mut pairs: HashMap<&str, Vec<(f64, f64)>> = HashMap::new();
    for r in rows {
        let (Some(pm), Some(&om)) = (r.mutant, mutant.get(&(r.i, r.j))) else { continue };
        let reg = span.map_or("all", |s| region(r.i, r.j, s));
        let ow = wt.get(&(r.i, r.j)).copied();
        for key in [reg, "all"].into_iter().take(if reg == "all" { 1 } else { 2 }) {
            let e = se.entry(key).or_default();
            e.0 += (pm - om).powi(2);
            e.4 += (r.wt - om).powi(2);
            e.2 += 1;
            if let Some(w) = ow {
                e.1 += (w - om).powi(2);
                e.3 += 1;
                pairs.entry(key).or_default().push((pm - r.wt, om - w));
            }
        }
    }
    let row = |method: &str, metric: &str, task: &str, value: Option<f64>, n: i64| MetricRow {
        method: method.into(),
        chrom: chrom.into(),
        metric: metric.into(),
        distance_lo: None,
        distance_hi: None,
        task: Some(task.into()),
        fold: None,
        value,
        n,
    };
    let mut out = Vec::new();
    for name in &names {
        let (a, b, na, nb, w) = se.get(name).copied().unwrap_or_default();
        let p = pairs.get(name).map(Vec::as_slice).unwrap_or(&[]);
        out.push(row("hiclstm", "mse", name, (na > 0).then(|| a / na as f64), na));
        out.push(row("observed_wild_type", "mse", name, (nb > 0).then(|| b / nb as f64), nb));
        out.push(row("hiclstm_wild_type", "mse", name, (na > 0).then(|| w / na as f64), na));
        out.push(row("hiclstm", "pearson_difference", name, crate::metrics::pearson(p), p.len() as i64));
    }
    let points = names.iter().filter(|n| **n != "all" || span.is_none()).map(|n| (n.to_string(), pairs.remove(n).unwrap_or_default())).collect();
    Comparison { rows: out, points }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: u32, j: u32, wt: f64, mutant: Option<f64>) -> PerturbationRow {
        PerturbationRow { i, j, i_edit: Some(i), j_edit: Some(j), copies: 1, wt, mutant }
    }

    #[test]
    fn regions_errors_and_changes_by_hand() {
        assert_eq!((region(0, 3, (4, 6)), region(2, 4, (4, 6)), region(1, 9, (4, 6)), region(6, 8, (4, 6))), ("upstream", "edited", "edited", "downstream"));
        let rows = [row(0, 1, 0.5, Some(0.6)), row(6, 7, 0.4, Some(0.2)), row(2, 8, 0.1, Some(0.3)), row(4, 4, 0.9, None)];
        let wt: HashMap<(u32, u32), f64> = [((0, 1), 0.5), ((6, 7), 0.5), ((2, 8), 0.2)].into();
        let mutant: HashMap<(u32, u32), f64> = [((0, 1), 0.7), ((6, 7), 0.4), ((2, 8), 0.3), ((4, 4), 0.1)].into();
        let c = compare("chr1", &rows, &wt, &mutant, Some((4, 6)));
        let get =
            |m: &str, metric: &str, task: &str| c.rows.iter().find(|r| r.method == m && r.metric == metric && r.task.as_deref() == Some(task)).unwrap().clone();
        // upstream: model (0.6 - 0.7)^2, baseline (0.5 - 0.7)^2.
        assert!((get("hiclstm", "mse", "upstream").value.unwrap() - 0.01).abs() < 1e-12);
        assert!((get("observed_wild_type", "mse", "upstream").value.unwrap() - 0.04).abs() < 1e-12);
        assert!((get("hiclstm_wild_type", "mse", "upstream").value.unwrap() - 0.04).abs() < 1e-12, "(0.5 - 0.7)^2");
        // The deleted pixel (4, 4) has no prediction: 3 pixels in all.
        assert_eq!(get("hiclstm", "mse", "all").n, 3);
        // Changes: predicted (0.1, -0.2, 0.2), observed (0.2, -0.1, 0.1): correlated.
        assert!(get("hiclstm", "pearson_difference", "all").value.unwrap() > 0.8);
        assert_eq!(c.points.iter().map(|p| p.1.len()).sum::<usize>(), 3, "one point per pixel, in its region");
    }
}

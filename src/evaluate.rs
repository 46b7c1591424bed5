//! `hiclstm-evaluate`: predictions tables -> metrics table and plots.
//!
//! One streaming pass per table, row groups read in parallel: per chromosome and per distance
//! (j - i, in bins) the sufficient statistics of observed and predicted probabilities are summed,
//! and every metric is derived from them: R^2 = 1 - SS_res / SS_tot, MSE and Pearson overall, per
//! chromosome, per distance band and per distance, beside the distance-mean baseline (for each
//! distance, the genome-wide mean observed probability at that distance). Spearman needs ranks,
//! so it is computed on a deterministic hash sample of at most a million pixels.

use crate::cli::output_path;
use crate::error::{Error, Result};
use crate::genome::Region;
use crate::output::{check_writable, AtomicFile, OutputSet};
use crate::plot::{self, Heatmap, LineChart, Series};
use crate::tables::{self, metrics::MetricRow, Meta, TableReader};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Running sums of (observed, predicted) pairs.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Acc {
    /// Number of pairs.
    pub n: f64,
    /// Sum of observed values.
    pub so: f64,
    /// Sum of squared observed values.
    pub so2: f64,
    /// Sum of predicted values.
    pub sp: f64,
    /// Sum of squared predicted values.
    pub sp2: f64,
    /// Sum of observed x predicted products.
    pub sop: f64,
    /// Sum of squared residuals, (observed - predicted)^2.
    pub sres: f64,
}

impl Acc {
    /// Adds one (observed `o`, predicted `p`) pair.
    pub fn add(&mut self, o: f64, p: f64) {
        self.n += 1.0;
        self.so += o;
        self.so2 += o * o;
        self.sp += p;
        self.sp2 += p * p;
        self.sop += o * p;
        self.sres += (o - p) * (o - p);
    }
    /// Adds another accumulator's sums to this one.
    pub fn merge(&mut self, b: &Acc) {
        self.n += b.n;
        self.so += b.so;
        self.so2 += b.so2;
        self.sp += b.sp;
        self.sp2 += b.sp2;
        self.sop += b.sop;
        self.sres += b.sres;
    }
    /// Adds the cell's pixels as predicted by a constant `m` (the distance-mean baseline).
    fn merge_constant(&mut self, b: &Acc, m: f64) {
        self.n += b.n;
        self.so += b.so;
        self.so2 += b.so2;
        self.sp += m * b.n;
        self.sp2 += m * m * b.n;
        self.sop += m * b.so;
        self.sres += b.so2 - 2.0 * m * b.so + m * m * b.n;
    }
    /// R^2 = 1 - SS_res / SS_tot of the predictions; None with fewer than 2 pairs or a
    /// (numerically) constant observation.
    pub fn r2(&self) -> Option<f64> {
        let ss_tot = self.so2 - self.so * self.so / self.n;
        (self.n >= 2.0 && ss_tot > 1e-15 * self.so2.max(1e-300)).then(|| 1.0 - self.sres / ss_tot)
    }
    /// Mean squared error; None when empty.
    pub fn mse(&self) -> Option<f64> {
        (self.n > 0.0).then(|| self.sres / self.n)
    }
    /// Pearson correlation of observed and predicted; None with fewer than 2 pairs or either
    /// side constant.
    pub fn pearson(&self) -> Option<f64> {
        let a = self.n * self.so2 - self.so * self.so;
        let b = self.n * self.sp2 - self.sp * self.sp;
        (self.n >= 2.0 && a > 0.0 && b > 0.0).then(|| (self.n * self.sop - self.so * self.sp) / (a * b).sqrt())
    }
}

/// Per chromosome (in file order), per distance.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Per chromosome, in file order: its name and one accumulator per distance j - i (bins),
    /// indexed by distance.
    pub chroms: Vec<(String, Vec<Acc>)>,
    /// Deterministic hash sample (about a million at most) of the (observed, predicted) pairs, for
    /// Spearman.
    pub sample: Vec<(f64, f64)>,
    /// Predicted pixels without an observed value (null `observed_prob`), not evaluated.
    pub without_observation: u64,
    /// Every chromosome of the table, also those filtered out.
    pub seen: Vec<String>,
}

impl Stats {
    /// Adds one observed/predicted pair at distance `d` (bins) of `chrom`.
    pub fn add(&mut self, chrom: &str, d: usize, o: f64, p: f64) {
        self.cell(chrom, d).add(o, p);
    }

    fn cell(&mut self, chrom: &str, d: usize) -> &mut Acc {
        // Tables are sorted by chromosome: the last one is almost always the one asked for.
        let last = self.chroms.len().checked_sub(1).filter(|&k| self.chroms[k].0 == chrom);
        let k = match last.or_else(|| self.chroms.iter().position(|c| c.0 == chrom)) {
            Some(k) => k,
            None => {
                self.chroms.push((chrom.to_string(), Vec::new()));
                self.chroms.len() - 1
            }
        };
        let v = &mut self.chroms[k].1;
        if v.len() <= d {
            v.resize(d + 1, Acc::default());
        }
        &mut v[d]
    }
    fn merge(&mut self, b: Stats) {
        for (c, accs) in b.chroms {
            for (d, a) in accs.iter().enumerate() {
                if a.n > 0.0 {
                    self.cell(&c, d).merge(a);
                }
            }
        }
        self.sample.extend(b.sample);
        self.without_observation += b.without_observation;
        for c in b.seen {
            if !self.seen.contains(&c) {
                self.seen.push(c);
            }
        }
    }
    /// Genome-wide mean observed probability per distance.
    pub fn distance_means(&self) -> Vec<f64> {
        let max = self.chroms.iter().map(|c| c.1.len()).max().unwrap_or(0);
        (0..max)
            .map(|d| {
                let (s, n) = self.chroms.iter().filter_map(|c| c.1.get(d)).fold((0.0, 0.0), |a, x| (a.0 + x.so, a.1 + x.n));
                if n > 0.0 {
                    s / n
                } else {
                    f64::NAN
                }
            })
            .collect()
    }
    /// Model sums per single distance over all chromosomes, in one pass over the cells (the same
    /// sums as [`Stats::group`] with `distance == d`, without a scan of every cell per distance:
    /// a full-range 10 kb map has 25,000 distances).
    pub fn by_distance(&self) -> Vec<Acc> {
        let mut out = vec![Acc::default(); self.chroms.iter().map(|c| c.1.len()).max().unwrap_or(0)];
        for (_, accs) in &self.chroms {
            for (d, a) in accs.iter().enumerate() {
                if a.n > 0.0 {
                    out[d].merge(a);
                }
            }
        }
        out
    }
    /// Model and baseline sums over the cells selected by `keep(chrom, distance)`.
    pub fn group(&self, means: &[f64], keep: impl Fn(&str, usize) -> bool) -> (Acc, Acc) {
        let (mut m, mut b) = (Acc::default(), Acc::default());
        for (c, accs) in &self.chroms {
            for (d, a) in accs.iter().enumerate() {
                if a.n > 0.0 && keep(c, d) {
                    m.merge(a);
                    b.merge_constant(a, means[d]);
                }
            }
        }
        (m, b)
    }
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Spearman's rank correlation (average ranks for ties).
pub fn spearman(pairs: &[(f64, f64)]) -> Option<f64> {
    fn ranks(v: &[f64]) -> Vec<f64> {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&a, &b| v[a].total_cmp(&v[b]));
        let mut r = vec![0.0; v.len()];
        let mut k = 0;
        while k < idx.len() {
            let mut e = k;
            while e + 1 < idx.len() && v[idx[e + 1]] == v[idx[k]] {
                e += 1;
            }
            let avg = (k + e) as f64 / 2.0 + 1.0;
            for &x in &idx[k..=e] {
                r[x] = avg;
            }
            k = e + 1;
        }
        r
    }
    let o: Vec<f64> = pairs.iter().map(|p| p.0).collect();
    let p: Vec<f64> = pairs.iter().map(|p| p.1).collect();
    let (ro, rp) = (ranks(&o), ranks(&p));
    let mut a = Acc::default();
    for k in 0..ro.len() {
        a.add(ro[k], rp[k]);
    }
    a.pearson()
}

const SPEARMAN_SAMPLE: f64 = 1_000_000.0;

/// One pass over a predictions table (row groups in parallel, merged in file order).
pub fn scan(path: &Path, chromosomes: Option<&[String]>) -> Result<(Meta, Stats)> {
    let schema = tables::TableKind::Predictions.schema();
    let head = TableReader::open(path, schema)?;
    let (meta, rows) = (head.meta.clone(), head.rows);
    drop(head);
    let rate = (SPEARMAN_SAMPLE / rows.max(1) as f64).min(1.0);
    let threshold = (rate * u64::MAX as f64) as u64;
    let offsets = tables::row_group_offsets(path)?;
    let parts: Vec<Result<(Stats, tables::PixelOrder)>> = (0..offsets.len())
        .into_par_iter()
        .map(|g| {
            let mut r = TableReader::open_row_groups(path, schema, Some(vec![g]))?;
            let (mut st, mut order, mut row) = (Stats::default(), tables::PixelOrder::default(), offsets[g]);
            while let Some(b) = r.next_batch()? {
                tables::predictions::for_each_row(path, row, &b, &mut order, |p| {
                    let c = p.chrom;
                    if st.seen.last().is_none_or(|l| l != c) && !st.seen.iter().any(|x| x == c) {
                        st.seen.push(c.to_string());
                    }
                    if chromosomes.is_some_and(|cs| !cs.iter().any(|x| x == c)) {
                        return;
                    }
                    if p.observed_prob.is_nan() {
                        st.without_observation += 1;
                        return;
                    }
                    let (o, pr) = (p.observed_prob, p.predicted_prob);
                    let (a, bb) = (p.i, p.j);
                    st.cell(c, bb.saturating_sub(a) as usize).add(o, pr);
                    if splitmix(((a as u64) << 32) ^ bb as u64 ^ (c.len() as u64) << 58) <= threshold {
                        st.sample.push((o, pr));
                    }
                })?;
                row += b.num_rows() as u64;
            }
            Ok((st, order))
        })
        .collect();
    let (mut all, mut order) = (Stats::default(), tables::PixelOrder::default());
    for p in parts {
        let (st, o) = p?;
        all.merge(st);
        order = order.then(path, o)?;
    }
    Ok((meta, all))
}

/// Options of `hiclstm-evaluate` (one `run`).
#[derive(Debug, Clone)]
pub struct EvaluateOptions {
    /// (label, predictions table).
    pub inputs: Vec<(String, PathBuf)>,
    /// Restrict to these chromosomes (e.g. held-out ones).
    pub chromosomes: Option<Vec<String>>,
    /// Distance bands in bins: [lo, hi), `None` = open.
    pub bands: Vec<(u32, Option<u32>)>,
    /// Output prefix: writes `PREFIX.metrics.parquet` and, with `plots`, PNGs beside it.
    pub output: PathBuf,
    /// Overwrite existing outputs.
    pub force: bool,
    /// Also draw `PREFIX.r2_by_distance.png`, `PREFIX.heatmap.png` and, with `training_log`,
    /// `PREFIX.loss.png`.
    pub plots: bool,
    /// Heatmap region (default: the first 200 bins of the first chromosome).
    pub region: Option<Region>,
    /// Frame length, to outline the first pixel of every frame in the heatmap.
    pub frame_len: Option<usize>,
    /// Training log table (from `hiclstm-train`) for the loss-curve plot.
    pub training_log: Option<PathBuf>,
}

/// Parses `--bands`: comma-separated `lo-hi` (inclusive, bins) or open-ended `lo-`, returned
/// as half-open [lo, hi + 1) bands with None for open.
pub fn parse_bands(s: &str) -> std::result::Result<Vec<(u32, Option<u32>)>, String> {
    s.split(',')
        .map(|b| {
            let (lo, hi) = b.split_once('-').ok_or_else(|| format!("band '{b}': expected lo-hi or lo- (bins)"))?;
            let lo: u32 = lo.trim().parse().map_err(|_| format!("band '{b}': '{lo}' is not a number of bins"))?;
            let hi = if hi.trim().is_empty() {
                None
            } else {
                Some(hi.trim().parse::<u32>().map_err(|_| format!("band '{b}': '{hi}' is not a number of bins"))? + 1)
            };
            if hi.is_some_and(|h| h <= lo) {
                return Err(format!("band '{b}': end before start"));
            }
            Ok((lo, hi))
        })
        .collect()
}

/// What `run` produced.
pub struct EvaluateSummary {
    /// The metric rows written to the metrics table.
    pub rows: Vec<MetricRow>,
    /// Paths of the files written.
    pub outputs: Vec<PathBuf>,
}

/// Evaluates every predictions table (labelled) against its observations and the distance-mean
/// baseline, writes the metrics table (and plots); tables must share resolution and chromosomes.
pub fn run(o: &EvaluateOptions) -> Result<EvaluateSummary> {
    if o.inputs.is_empty() {
        return Err(Error::InvalidArgument("no predictions table given".into()));
    }
    let mpath = output_path(&o.output, crate::outputs::METRICS);
    let (rpath, hpath, lpath) = (
        output_path(&o.output, crate::outputs::R2_BY_DISTANCE_PNG),
        output_path(&o.output, crate::outputs::HEATMAP_PNG),
        output_path(&o.output, crate::outputs::LOSS_PNG),
    );
    check_writable(&mpath, o.force)?;
    if o.plots {
        for p in [&rpath, &hpath] {
            check_writable(p, o.force)?;
        }
        if o.training_log.is_some() {
            check_writable(&lpath, o.force)?;
        }
    }
    let mut scanned = Vec::new();
    for (label, path) in &o.inputs {
        crate::log::info(&format!("{}: reading predictions ({label})", path.display()));
        let (meta, st) = scan(path, o.chromosomes.as_deref())?;
        scanned.push((label.clone(), path.clone(), meta, st));
    }
    let (_, p0, m0, s0) = &scanned[0];
    let res = m0.resolution().ok_or_else(|| Error::schema(p0, "no hiclstm.resolution metadata"))?;
    if let Some(cs) = &o.chromosomes {
        for (_, p, _, s) in &scanned {
            for c in cs {
                if !s.seen.iter().any(|x| x == c) {
                    return Err(Error::not_in_input(p, format!("chromosome '{c}'"), s.seen.join(", ")));
                }
            }
        }
    }
    for (_, p, m, s) in &scanned {
        if m.resolution() != Some(res) {
            return Err(Error::InvalidArgument(format!("{}: resolution {:?} differs from {} of {}", p.display(), m.resolution(), res, p0.display())));
        }
        let (a, b): (Vec<&String>, Vec<&String>) = (s.chroms.iter().map(|c| &c.0).collect(), s0.chroms.iter().map(|c| &c.0).collect());
        if a != b {
            return Err(Error::InvalidArgument(format!("{}: chromosomes {a:?} differ from {b:?} of {}", p.display(), p0.display())));
        }
        let n: f64 = s.chroms.iter().flat_map(|c| c.1.iter()).map(|a| a.n).sum();
        if n == 0.0 {
            let what = if o.chromosomes.is_some() { "in the chosen chromosomes" } else { "" };
            return Err(Error::InvalidArgument(format!("{}: no pixel has an observed value {what} (predict with --contacts to evaluate)", p.display())));
        }
        if s.without_observation > 0 {
            crate::log::info(&format!("{}: {} predicted pixels without an observation are not evaluated", p.display(), s.without_observation));
        }
    }

    // The heatmap region is checked before anything is written.
    if let (true, Some(r)) = (o.plots, &o.region) {
        if !s0.seen.contains(&r.chrom) {
            return Err(Error::not_in_input(p0, format!("chromosome '{}' (--region)", r.chrom), s0.seen.join(", ")));
        }
    }
    let inputs: Vec<(String, &Stats)> = scanned.iter().map(|x| (x.0.clone(), &x.3)).collect();
    let rows = metric_rows(&inputs, &o.bands);
    for r in rows.iter().filter(|r| r.chrom == "all" && r.distance_lo.is_none() && r.metric == "r2") {
        crate::log::info(&format!("{}: R2 {}", r.method, r.value.map(|v| format!("{v:.4}")).unwrap_or_else(|| "undefined".into())));
    }

    let mut meta = Meta::new(tables::TableKind::Metrics.schema());
    meta.set("assembly", m0.get("assembly").unwrap_or("unknown")).set("resolution", res).set(
        "params",
        serde_json::json!({
            "inputs": o.inputs.iter().map(|(l, p)| serde_json::json!({"label": l, "path": p})).collect::<Vec<_>>(),
            "chromosomes": o.chromosomes,
            "bands": o.bands,
        })
        .to_string(),
    );
    let mut outs = OutputSet::default();
    outs.push(tables::metrics::write(&mpath, &meta, &rows, o.force)?);
    // Plots are drawn before anything is committed: a plot that fails leaves no table behind.
    if o.plots {
        outs.push(distance_plot(&rpath, &inputs, &inputs[0].1.distance_means(), res)?);
        outs.push(heatmap_plot(&hpath, o, &scanned[0].1, res, &scanned[0].3.seen)?);
        if let Some(log) = &o.training_log {
            outs.push(loss_plot(&lpath, log)?);
        }
    }
    let written = outs.commit(o.force)?;
    Ok(EvaluateSummary { rows, outputs: written })
}

/// Metric rows for labelled statistics (the baseline from the first input's observations):
/// overall, per chromosome, per band and per single distance.
pub fn metric_rows(inputs: &[(String, &Stats)], bands: &[(u32, Option<u32>)]) -> Vec<MetricRow> {
    let means = inputs[0].1.distance_means();
    let mut rows = Vec::new();
    let row = |method: &str, chrom: &str, metric: &str, lo: Option<u32>, hi: Option<u32>, value: Option<f64>, n: f64| MetricRow {
        method: method.into(),
        chrom: chrom.into(),
        metric: metric.into(),
        distance_lo: lo,
        distance_hi: hi,
        task: None,
        fold: None,
        value,
        n: n as i64,
    };
    let max_d = means.len();
    for (k, (label, st)) in inputs.iter().enumerate() {
        let push = |rows: &mut Vec<MetricRow>, method: &str, chrom: &str, lo: Option<u32>, hi: Option<u32>, a: &Acc, full: bool| {
            rows.push(row(method, chrom, "r2", lo, hi, a.r2(), a.n));
            if full {
                rows.push(row(method, chrom, "mse", lo, hi, a.mse(), a.n));
                rows.push(row(method, chrom, "pearson", lo, hi, a.pearson(), a.n));
            }
        };
        let (m, b) = st.group(&means, |_, _| true);
        push(&mut rows, label, "all", None, None, &m, true);
        rows.push(row(label, "all", "spearman", None, None, spearman(&st.sample), st.sample.len() as f64));
        if k == 0 {
            push(&mut rows, "distance-mean", "all", None, None, &b, true);
        }
        for (c, _) in &st.chroms {
            let (m, b) = st.group(&means, |x, _| x == c);
            push(&mut rows, label, c, None, None, &m, true);
            if k == 0 {
                push(&mut rows, "distance-mean", c, None, None, &b, true);
            }
        }
        for &(lo, hi) in bands {
            let (m, b) = st.group(&means, |_, d| d as u32 >= lo && hi.is_none_or(|h| (d as u32) < h));
            push(&mut rows, label, "all", Some(lo), hi, &m, false);
            if k == 0 {
                push(&mut rows, "distance-mean", "all", Some(lo), hi, &b, false);
            }
        }
        for (d, m) in st.by_distance().iter().enumerate().take(max_d) {
            if m.n > 0.0 {
                push(&mut rows, label, "all", Some(d as u32), Some(d as u32 + 1), m, false);
            }
        }
    }
    rows
}

/// R^2 in log-spaced distance groups, one line per input plus the baseline.
pub fn distance_plot(path: &Path, inputs: &[(String, &Stats)], means: &[f64], res: u32) -> Result<AtomicFile> {
    let max_d = means.len().max(1);
    let mut edges = vec![0usize, 1];
    let mut x = 1.0f64;
    while *edges.last().expect("non-empty") < max_d {
        x *= 1.35;
        let e = (x.round() as usize).max(edges.last().expect("non-empty") + 1);
        edges.push(e.min(max_d));
    }
    let at = |lo: usize, hi: usize| ((lo as f64 + hi as f64 - 1.0) / 2.0).max(0.25) * res as f64 / 1e6;
    let mut series = Vec::new();
    for (label, st) in inputs {
        let pts = edges.windows(2).filter_map(|w| st.group(means, |_, d| d >= w[0] && d < w[1]).0.r2().map(|r| (at(w[0], w[1]), r))).collect();
        series.push(Series { name: label.clone(), points: pts, dashed: false });
    }
    let pts = edges.windows(2).filter_map(|w| inputs[0].1.group(means, |_, d| d >= w[0] && d < w[1]).1.r2().map(|r| (at(w[0], w[1]), r))).collect();
    series.push(Series { name: "distance-mean baseline".into(), points: pts, dashed: true });
    let min = series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0f64, f64::min);
    let lo = min.max(-2.0);
    let y_label = if min < lo { "R² (probability space; values below -2 drawn at -2)" } else { "R² (probability space)" };
    plot::line_chart(
        path,
        &LineChart {
            title: "Reconstruction R² by genomic distance",
            x_label: "genomic distance (Mb, log scale)",
            y_label,
            log_x: true,
            log_y: false,
            y_range: Some((lo, 1.0)),
            x_integer: false,
        },
        &series,
    )
}

/// The heatmap region is read by streaming the table (only its pixels are kept); without
/// --region, the first 200 bins of the first chromosome.
fn heatmap_plot(path: &Path, o: &EvaluateOptions, input: &Path, res: u32, chroms: &[String]) -> Result<AtomicFile> {
    let (name, lo, hi) = match &o.region {
        Some(r) => {
            if !chroms.contains(&r.chrom) {
                return Err(Error::not_in_input(input, format!("chromosome '{}'", r.chrom), chroms.join(", ")));
            }
            let lo = (r.start / res as u64) as u32;
            let hi = r.end.map(|e| e.div_ceil(res as u64) as u32).unwrap_or(lo + 200);
            (r.chrom.clone(), lo, hi)
        }
        None => (chroms[0].clone(), 0, 200),
    };
    if hi - lo > 1000 {
        return Err(Error::InvalidArgument(format!("heatmap region of {} bins: choose at most 1000 bins with --region", hi - lo)));
    }
    let chrom = tables::predictions::read_region(input, &name, lo, hi)?;
    let Some(max_j) = chrom.j.iter().copied().max() else {
        return Err(Error::not_in_input(input, format!("predictions in {}:{}-{}", name, lo as u64 * res as u64 + 1, hi as u64 * res as u64), "none there"));
    };
    // The map ends where the data does (the region may reach past the chromosome's end).
    let hi = hi.min(max_j + 1);
    let chrom = &chrom;
    let n = (hi - lo) as usize;
    if n > 1000 {
        return Err(Error::InvalidArgument(format!("heatmap region of {n} bins: choose at most 1000 bins with --region")));
    }
    let (mut up, mut low) = (vec![f64::NAN; n * n], vec![f64::NAN; n * n]);
    for k in 0..chrom.i.len() {
        let (i, j) = (chrom.i[k], chrom.j[k]);
        if i >= lo && j < hi {
            let (a, b) = ((i - lo) as usize, (j - lo) as usize);
            up[a * n + b] = chrom.observed_prob[k];
            low[b * n + a] = chrom.predicted_prob[k];
        }
    }
    // A row's observed entries continue into a new frame after every L of them: outline those
    // frame starts (the first frame of each row starts on the diagonal side and is not marked).
    let mut marks = Vec::new();
    if let Some(l) = o.frame_len {
        let mut per_row: BTreeMap<u32, usize> = BTreeMap::new();
        for k in 0..chrom.i.len() {
            if !chrom.observed_prob[k].is_finite() {
                continue;
            }
            let (i, j) = (chrom.i[k], chrom.j[k]);
            let c = per_row.entry(i).or_insert(0);
            if *c > 0 && *c % l == 0 && i >= lo && j < hi {
                marks.push(((i - lo) as usize, (j - lo) as usize));
            }
            *c += 1;
        }
    }
    let vals = up.iter().chain(low.iter()).copied().filter(|v| v.is_finite());
    let vmax = vals.clone().fold(0.0f64, f64::max);
    plot::heatmap(
        path,
        &Heatmap {
            title: &format!("{}:{:.2}-{:.2} Mb, {} bins of {} kb", chrom.chrom, lo as f64 * res as f64 / 1e6, hi as f64 * res as f64 / 1e6, n, res / 1000),
            n,
            start_bp: lo as u64 * res as u64,
            resolution: res,
            upper: &up,
            lower: &low,
            upper_name: "observed",
            lower_name: &format!("predicted ({})", o.inputs[0].0),
            value_name: "contact probability",
            vmin: 0.0,
            vmax: if vmax > 0.0 { vmax } else { 1.0 },
            marks: &marks,
            mark_name: "frame start",
            diverging: false,
            cells: None,
            square: false,
        },
    )
}

fn loss_plot(path: &Path, log: &Path) -> Result<AtomicFile> {
    let rows = tables::training_log::read(log)?;
    if rows.is_empty() {
        return Err(Error::schema(log, "training log has no rows"));
    }
    let pts = rows.iter().map(|r| (r.epoch as f64, r.loss)).collect();
    plot::line_chart(
        path,
        &LineChart {
            title: "Training loss",
            x_label: "epoch",
            y_label: "mean squared error (probability space, log scale)",
            log_x: false,
            log_y: true,
            y_range: None,
            x_integer: true,
        },
        &[Series { name: "training loss".into(), points: pts, dashed: false }],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sufficient_statistics_match_direct_computation() {
        let o = [0.1, 0.5, 0.3, 0.9, 0.4];
        let p = [0.2, 0.4, 0.3, 0.7, 0.5];
        let mut a = Acc::default();
        for k in 0..5 {
            a.add(o[k], p[k]);
        }
        let direct = crate::metrics::r2(&o, &p);
        assert!((a.r2().unwrap() - direct).abs() < 1e-12);
        // Hand-computed: mean 0.44, SS_tot = 0.352, SS_res = 0.01+0.01+0+0.04+0.01 = 0.07.
        assert!((a.r2().unwrap() - (1.0 - 0.07 / 0.352)).abs() < 1e-12);
        assert!((a.mse().unwrap() - 0.014).abs() < 1e-12);
        assert!((spearman(&[(1.0, 10.0), (2.0, 20.0), (3.0, 30.0)]).unwrap() - 1.0).abs() < 1e-12);
        assert!((spearman(&[(1.0, 3.0), (2.0, 2.0), (3.0, 1.0)]).unwrap() + 1.0).abs() < 1e-12);
        // Ties get average ranks: ranks (1.5, 1.5, 3) vs (1, 2, 3) -> r = sqrt(3)/2.
        assert!((spearman(&[(1.0, 1.0), (1.0, 2.0), (2.0, 3.0)]).unwrap() - 0.75f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn baseline_groups_match_the_direct_baseline() {
        let mut st = Stats::default();
        let obs = [(0usize, 0.5), (0, 0.7), (1, 0.2), (1, 0.4), (2, 0.1)];
        for &(d, o) in &obs {
            st.cell("c", d).add(o, o * 0.9);
        }
        let means = st.distance_means();
        assert_eq!(means, vec![0.6, 0.30000000000000004, 0.1]);
        let (m, b) = st.group(&means, |_, _| true);
        let o: Vec<f64> = obs.iter().map(|x| x.1).collect();
        let d: Vec<u32> = obs.iter().map(|x| x.0 as u32).collect();
        let base = crate::metrics::distance_mean_baseline(&o, &d);
        assert!((b.r2().unwrap() - crate::metrics::r2(&o, &base)).abs() < 1e-12);
        let p: Vec<f64> = o.iter().map(|x| x * 0.9).collect();
        assert!((m.r2().unwrap() - crate::metrics::r2(&o, &p)).abs() < 1e-12);
    }

    #[test]
    fn bands_parse() {
        assert_eq!(parse_bands("0-9,10-49,150-").unwrap(), vec![(0, Some(10)), (10, Some(50)), (150, None)]);
        assert!(parse_bands("9-3").is_err());
        assert!(parse_bands("x").is_err());
    }
}

//! `hiclstm-classify`: representations + labelled genomic tracks -> cross-validated
//! classification metrics and precision-recall curves, for several representation methods side
//! by side (the paper's element identification, its Fig. 4).

pub mod labels;
pub mod linear;

use crate::cli::output_path;
use crate::error::{Error, Result};
use crate::genome::BinMap;
use crate::output::{check_writable, OutputSet};
use crate::plot::{self, LineChart, Series};
use crate::tables::{self, metrics::MetricRow, Meta};
use labels::Task;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::path::PathBuf;

/// How bins are split into cross-validation folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FoldsBy {
    /// Contiguous blocks of `block_bins` bins, shuffled into folds.
    Blocks,
    /// Whole chromosomes.
    Chromosome,
}

/// Which classifier is trained on each method's features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Classifier {
    /// Multi-label linear layer with sigmoid outputs, all tasks at once.
    Linear,
    /// Gradient-boosted trees per task (hessboost: depth 6, up to 5000 rounds, early stopping
    /// after 20 rounds on a validation split of the training blocks).
    Boosted,
}

/// How the linear classifier scores a category task's mutually exclusive classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Multiclass {
    /// One sigmoid output per class, each class against the rest; the call is the class with
    /// the highest score (the default, and the scheme of every table measured before the option).
    #[default]
    Ovr,
    /// Multinomial logistic regression: one softmax over the classes, trained on its own
    /// (BENCHMARKS.md, "A bin's label from a labelled partition, and subcompartments under a softmax").
    Softmax,
}

/// Options of `hiclstm-classify` (one `run`).
#[derive(Debug, Clone)]
pub struct ClassifyOptions {
    /// Representations tables to compare, as (label, path); all must cover the same bins at the
    /// same resolution.
    pub representations: Vec<(String, PathBuf)>,
    /// Classification tasks (see `labels::read_tasks`).
    pub tasks: Vec<Task>,
    /// Classifiers to train for every method.
    pub classifiers: Vec<Classifier>,
    /// Number of cross-validation folds (at least 2).
    pub folds: usize,
    /// How bins are split into folds.
    pub folds_by: FoldsBy,
    /// Block size in bins for `FoldsBy::Blocks`.
    pub block_bins: usize,
    /// Seed for the fold assignment, negative sampling and the boosted trees.
    pub seed: u64,
    /// Neighbourhood features: for d in 1..=context, the squared change of the representation
    /// across the bin, (r[b+d] - r[b-d])^2 per dimension (0: the bin's own representation only,
    /// as in the paper).
    pub context: usize,
    /// Output prefix: writes `PREFIX.metrics.parquet` and, with `plots`, PNGs beside it.
    pub output: PathBuf,
    /// Overwrite existing outputs.
    pub force: bool,
    /// Also draw `PREFIX.pr_curves.png` (binary tasks) and a `PREFIX.confusion.TASK.png` per
    /// category task.
    pub plots: bool,
    /// The linear classifier's scheme for category tasks (the boosted trees are one-vs-rest).
    pub multiclass: Multiclass,
}

/// The feature matrix of one method: each bin's representation, then for d in 1..=context the
/// squared difference between the representations d bins downstream and d bins upstream (ends
/// clamped to the chromosome). The squares are sign-free: a boundary is where the representation
/// changes, whichever way, and a linear classifier can sum them into a distance.
pub fn features(chroms: &[tables::representations::ChromRepresentations], k: usize, context: usize) -> (Vec<f32>, usize) {
    let width = k * (1 + context);
    let mut x = Vec::with_capacity(chroms.iter().map(|c| c.n_bins()).sum::<usize>() * width);
    for c in chroms {
        let n = c.n_bins();
        for b in 0..n {
            x.extend_from_slice(c.row(b, k));
            for d in 1..=context {
                let (up, down) = (c.row(b.saturating_sub(d), k), c.row((b + d).min(n - 1), k));
                x.extend(up.iter().zip(down).map(|(u, v)| (v - u) * (v - u)));
            }
        }
    }
    (x, width)
}

fn cv_description(o: &ClassifyOptions) -> String {
    let folds = match o.folds_by {
        FoldsBy::Blocks => format!("{} folds by contiguous blocks of {} bins", o.folds, o.block_bins),
        FoldsBy::Chromosome => format!("{} folds by chromosome", o.folds),
    };
    folds + &if o.context > 0 { format!("; features: representation + squared change across +/-1..{} bins", o.context) } else { String::new() }
}

/// One method's representations table.
struct Method {
    label: String,
    path: PathBuf,
    meta: Meta,
    k: usize,
    chroms: Vec<tables::representations::ChromRepresentations>,
}

/// Cross-validation folds: each bin's block (a run of bins, or a chromosome) and each block's fold.
struct Folds {
    n: usize,
    block_of: Vec<usize>,
    fold_of_block: Vec<usize>,
}

impl Folds {
    /// Blocks (or chromosomes) shuffled with the seed, dealt round-robin into `o.folds` folds.
    fn new(o: &ClassifyOptions, bins: &BinMap) -> Result<Folds> {
        if o.folds_by == FoldsBy::Chromosome && bins.chroms.len() < o.folds {
            return Err(Error::InvalidArgument(format!(
                "{} folds by chromosome need at least {} chromosomes; the representations have {}",
                o.folds,
                o.folds,
                bins.chroms.len()
            )));
        }
        let mut block_of = vec![0usize; bins.n_bins()];
        let mut n_blocks = 0;
        for c in &bins.chroms {
            let size = match o.folds_by {
                FoldsBy::Blocks => o.block_bins.max(1),
                FoldsBy::Chromosome => c.n_bins.max(1),
            };
            for b in 0..c.n_bins {
                block_of[c.offset + b] = n_blocks + b / size;
            }
            n_blocks += c.n_bins.div_ceil(size);
        }
        let mut order: Vec<usize> = (0..n_blocks).collect();
        order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(o.seed));
        let mut fold_of_block = vec![0usize; n_blocks];
        for (k, &b) in order.iter().enumerate() {
            fold_of_block[b] = k % o.folds;
        }
        Ok(Folds { n: bins.n_bins(), block_of, fold_of_block })
    }

    fn fold(&self, b: usize) -> usize {
        self.fold_of_block[self.block_of[b]]
    }

    /// Training and test bins of fold `f`, among the bins `labelled` accepts.
    fn split(&self, f: usize, labelled: impl Fn(usize) -> bool) -> (Vec<usize>, Vec<usize>) {
        (0..self.n).filter(|&b| labelled(b)).partition(|&b| self.fold(b) != f)
    }
}

/// The tasks' labels over the shared bins: binary tasks (Some(true/false) per bin) and category
/// tasks (class per bin, class names).
struct Labels<'a> {
    binary: Vec<&'a Task>,
    binary_labels: Vec<Vec<Option<bool>>>,
    category: Vec<&'a Task>,
    classes: Vec<(Vec<Option<usize>>, Vec<String>)>,
}

impl<'a> Labels<'a> {
    fn new(o: &'a ClassifyOptions, bins: &BinMap, usable: &[bool]) -> Result<Self> {
        let binary: Vec<&Task> = o.tasks.iter().filter(|t| t.kind != labels::Kind::Category).collect();
        let category: Vec<&Task> = o.tasks.iter().filter(|t| t.kind == labels::Kind::Category).collect();
        let mut binary_labels = Vec::new();
        for (t, task) in binary.iter().enumerate() {
            let l = labels::labels(task, bins, usable, o.seed.wrapping_add(t as u64))?;
            let (p, q) = (l.iter().filter(|x| **x == Some(true)).count(), l.iter().filter(|x| **x == Some(false)).count());
            crate::log::info(&format!("task {}: {p} positive and {q} negative bins", task.name));
            binary_labels.push(l);
        }
        Ok(Labels { binary, binary_labels, category, classes: vec![] })
    }

    /// Category labels come after the folds are dealt (as they always have: the order of the
    /// log lines is part of what users see).
    fn add_categories(&mut self, bins: &BinMap, usable: &[bool]) -> Result<()> {
        for task in &self.category {
            let (l, names) = labels::categories(task, bins, usable)?;
            crate::log::info(&format!(
                "task {}: {} labelled bins in {} classes ({})",
                task.name,
                l.iter().filter(|x| x.is_some()).count(),
                names.len(),
                names.join(", ")
            ));
            self.classes.push((l, names));
        }
        Ok(())
    }
}

/// One method's out-of-fold (score, label) pairs, per binary task, pooled over folds.
struct Pooled {
    method: String,
    per_task: Vec<Vec<(f64, bool)>>,
}

/// What the classifiers produce: metric rows, confusion matrices of category tasks
/// (task, method, class names, counts) and pooled out-of-fold scores of binary tasks per method.
#[derive(Default)]
struct Results {
    rows: Vec<MetricRow>,
    confusions: Vec<(String, String, Vec<String>, Vec<f64>)>,
    pooled: Vec<Pooled>,
}

/// Reads every representations table; all must cover the same bins at the same resolution.
fn load_methods(o: &ClassifyOptions) -> Result<(Vec<Method>, BinMap)> {
    let mut methods = Vec::new();
    for (label, path) in &o.representations {
        let (meta, k, chroms) = tables::representations::read(path)?;
        methods.push(Method { label: label.clone(), path: path.clone(), meta, k, chroms });
    }
    let m0 = &methods[0];
    let resolution = m0.meta.resolution().ok_or_else(|| Error::schema(&m0.path, "no hiclstm.resolution metadata"))?;
    let bins = tables::representations::bin_map(&m0.chroms, resolution);
    for m in &methods {
        let same = m.chroms.len() == m0.chroms.len() && m.chroms.iter().zip(&m0.chroms).all(|(a, b)| a.chrom == b.chrom && a.n_bins() == b.n_bins());
        if !same || m.meta.resolution() != Some(resolution) {
            return Err(Error::InvalidArgument(format!("{}: chromosomes, bins or resolution differ from {}", m.path.display(), m0.path.display())));
        }
    }
    Ok((methods, bins))
}

/// A bin is usable when every method represents it.
fn usable_bins(methods: &[Method], n: usize) -> Vec<bool> {
    let mut usable = vec![true; n];
    for m in methods {
        for (b, obs) in m.chroms.iter().flat_map(|c| c.observed.iter()).enumerate() {
            usable[b] &= *obs;
        }
    }
    usable
}

fn check_options(o: &ClassifyOptions) -> Result<(PathBuf, PathBuf)> {
    let (mpath, ppath) = (output_path(&o.output, crate::outputs::METRICS), output_path(&o.output, crate::outputs::PR_CURVES_PNG));
    check_writable(&mpath, o.force)?;
    if o.plots {
        check_writable(&ppath, o.force)?;
        for task in o.tasks.iter().filter(|t| t.kind == labels::Kind::Category) {
            check_writable(&output_path(&o.output, &crate::outputs::confusion_png(&task.name)), o.force)?;
        }
    }
    if o.folds < 2 {
        return Err(Error::InvalidArgument("--folds must be at least 2".into()));
    }
    if o.representations.is_empty() || o.tasks.is_empty() || o.classifiers.is_empty() {
        return Err(Error::InvalidArgument("need representations, tasks and classifiers".into()));
    }
    Ok((mpath, ppath))
}

/// Runs the cross-validated classification of every task for every method and classifier,
/// writes the metrics table (and plots), and returns its rows.
pub fn run(o: &ClassifyOptions) -> Result<Vec<MetricRow>> {
    let (mpath, ppath) = check_options(o)?;
    let (methods, bins) = load_methods(o)?;
    let longest = bins.chroms.iter().map(|c| c.n_bins).max().unwrap_or(0);
    if o.context >= longest.max(1) {
        return Err(Error::InvalidArgument(format!("--context {}: larger than the longest chromosome ({longest} bins)", o.context)));
    }
    let usable = usable_bins(&methods, bins.n_bins());
    let mut labels = Labels::new(o, &bins, &usable)?;
    let folds = Folds::new(o, &bins)?;
    labels.add_categories(&bins, &usable)?;
    let mut res = Results::default();
    for m in &methods {
        let (x, k) = features(&m.chroms, m.k, o.context);
        for &clf in &o.classifiers {
            let method = format!("{}/{}", m.label, clf.name());
            for (task, (lab, names)) in labels.category.iter().zip(&labels.classes) {
                let (r, conf) = multiclass(&x, k, lab, names.len(), &folds, o, clf, &method, &task.name)?;
                res.rows.extend(r);
                res.rows.extend(confusion_rows(&method, &task.name, names, &conf));
                res.confusions.push((task.name.clone(), method.clone(), names.clone(), conf));
            }
            if !labels.binary.is_empty() {
                let pool = binary(&x, k, &labels, &folds, o, clf, &method, &mut res.rows)?;
                res.pooled.push(Pooled { method, per_task: pool });
            }
        }
    }
    write_outputs(o, &methods[0].meta, bins.resolution, &labels, res, &mpath, &ppath)
}

impl Classifier {
    fn name(self) -> &'static str {
        match self {
            Classifier::Linear => "linear",
            Classifier::Boosted => "boosted",
        }
    }
}

fn confusion_rows(method: &str, task: &str, names: &[String], conf: &[f64]) -> Vec<MetricRow> {
    conf.iter()
        .enumerate()
        .map(|(cell, &count)| MetricRow {
            method: method.to_string(),
            chrom: "all".into(),
            metric: format!("confusion:{}>{}", names[cell / names.len()], names[cell % names.len()]),
            task: Some(task.to_string()),
            value: Some(count),
            n: count as i64,
            ..Default::default()
        })
        .collect()
}

/// The mean over folds of each metric (a fold where a metric is undefined is left out), as rows
/// with no fold; `n` counts the folds that entered.
fn fold_means(method: &str, task: &str, names: &[&str], per_fold: &[Vec<Option<f64>>]) -> Vec<MetricRow> {
    names
        .iter()
        .enumerate()
        .map(|(m, name)| {
            let v: Vec<f64> = per_fold.iter().filter_map(|x| x[m]).collect();
            MetricRow {
                method: method.to_string(),
                chrom: "all".into(),
                metric: name.to_string(),
                task: Some(task.to_string()),
                fold: None,
                value: (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64),
                n: v.len() as i64,
                ..Default::default()
            }
        })
        .collect()
}

fn fold_row(method: &str, task: &str, metric: &str, fold: usize, value: Option<f64>, n: usize) -> MetricRow {
    MetricRow {
        method: method.to_string(),
        chrom: "all".into(),
        metric: metric.to_string(),
        task: Some(task.to_string()),
        fold: Some(fold as u32),
        value,
        n: n as i64,
        ..Default::default()
    }
}

const BINARY_METRICS: [&str; 4] = ["average_precision", "auroc", "accuracy", "f1"];

/// Binary tasks, all at once (linear) or one by one (boosted), fold by fold: per-fold and mean
/// metrics into `rows`; returns the pooled out-of-fold (score, label) pairs per task.
#[allow(clippy::too_many_arguments)]
fn binary(
    x: &[f32],
    k: usize,
    labels: &Labels,
    folds: &Folds,
    o: &ClassifyOptions,
    clf: Classifier,
    method: &str,
    rows: &mut Vec<MetricRow>,
) -> Result<Vec<Vec<(f64, bool)>>> {
    let (tasks, lab) = (&labels.binary, &labels.binary_labels);
    let t = tasks.len();
    let mut pool = vec![Vec::new(); t];
    let mut per_fold: Vec<Vec<Vec<Option<f64>>>> = vec![Vec::new(); t];
    for f in 0..o.folds {
        let (train, test) = folds.split(f, |b| lab.iter().any(|l| l[b].is_some()));
        let scores: Vec<Vec<f64>> = match clf {
            Classifier::Linear => {
                let xt: Vec<f32> = train.iter().flat_map(|&b| x[b * k..(b + 1) * k].iter().copied()).collect();
                let yt: Vec<Option<bool>> = train.iter().flat_map(|&b| lab.iter().map(move |l| l[b])).collect();
                let m = linear::Linear::fit(&xt, &yt, train.len(), k, t, 300);
                (0..t).map(|j| test.iter().map(|&b| m.predict(&x[b * k..(b + 1) * k], j)).collect()).collect()
            }
            Classifier::Boosted => (0..t).map(|j| boosted(x, k, &lab[j], &train, &test, &folds.block_of, o.seed)).collect::<Result<_>>()?,
        };
        for j in 0..t {
            let (s, y): (Vec<f64>, Vec<bool>) = test.iter().zip(&scores[j]).filter_map(|(&b, &s)| lab[j][b].map(|l| (s, l))).unzip();
            let (acc, f1) = crate::metrics::accuracy_f1(&s, &y, 0.5);
            let vals = vec![crate::metrics::average_precision(&s, &y), crate::metrics::auroc(&s, &y), (!s.is_empty()).then_some(acc), f1];
            for (name, v) in BINARY_METRICS.iter().zip(&vals) {
                rows.push(fold_row(method, &tasks[j].name, name, f, *v, s.len()));
            }
            per_fold[j].push(vals);
            pool[j].extend(s.into_iter().zip(y));
        }
    }
    for j in 0..t {
        let means = fold_means(method, &tasks[j].name, &BINARY_METRICS, &per_fold[j]);
        crate::log::info(&format!("{method} {}: mean AP {} AuROC {}", tasks[j].name, fmt(means[0].value), fmt(means[1].value)));
        rows.extend(means);
    }
    Ok(pool)
}

fn write_outputs(
    o: &ClassifyOptions,
    m0: &Meta,
    resolution: u32,
    labels: &Labels,
    res: Results,
    mpath: &std::path::Path,
    ppath: &std::path::Path,
) -> Result<Vec<MetricRow>> {
    let mut meta = Meta::new(tables::TableKind::Metrics.schema());
    meta.set("assembly", m0.get("assembly").unwrap_or("unknown")).set("resolution", resolution).set("cv", cv_description(o)).set(
        "params",
        serde_json::json!({
            "representations": o.representations.iter().map(|(l, p)| serde_json::json!({"label": l, "path": p})).collect::<Vec<_>>(),
            "tasks": o.tasks, "classifiers": o.classifiers, "folds": o.folds, "folds_by": o.folds_by, "multiclass": o.multiclass, "block_bins": o.block_bins, "seed": o.seed,
        })
        .to_string(),
    );
    crate::log::info(&format!("cross-validation: {}", cv_description(o)));
    let mut outs = OutputSet::default();
    outs.push(tables::metrics::write(mpath, &meta, &res.rows, o.force)?);
    // Plots join the table in one output set: a plot that fails leaves no table behind.
    if o.plots {
        if !labels.binary.is_empty() {
            outs.push(pr_plot(ppath, &labels.binary, &res.pooled)?);
        }
        for task in &labels.category {
            let panels: Vec<(String, Vec<String>, Vec<f64>)> =
                res.confusions.iter().filter(|c| c.0 == task.name).map(|c| (c.1.clone(), c.2.clone(), c.3.clone())).collect();
            outs.push(plot::confusion(
                &output_path(&o.output, &crate::outputs::confusion_png(&task.name)),
                &format!("{}: confusion matrices (out-of-fold, rows = true class)", task.name),
                &panels,
            )?);
        }
    }
    outs.commit(o.force)?;
    Ok(res.rows)
}

/// One-vs-rest scores per class, the arg-max as the call; per-fold accuracy, macro F1 and macro
/// AuROC, their means, and the confusion matrix pooled over folds (rows true, columns called).
#[allow(clippy::too_many_arguments)]
fn multiclass(
    x: &[f32],
    k: usize,
    lab: &[Option<usize>],
    nc: usize,
    folds: &Folds,
    o: &ClassifyOptions,
    clf: Classifier,
    method: &str,
    task: &str,
) -> Result<(Vec<MetricRow>, Vec<f64>)> {
    let (n_folds, seed) = (o.folds, o.seed);
    const METRICS: [&str; 3] = ["accuracy", "macro_f1", "macro_auroc"];
    let n = lab.len();
    let mut conf = vec![0.0; nc * nc];
    let mut rows = Vec::new();
    let mut per_fold: Vec<Vec<Option<f64>>> = Vec::new();
    for f in 0..n_folds {
        let (train, test) = folds.split(f, |b| lab[b].is_some());
        if test.is_empty() || train.is_empty() {
            continue;
        }
        let onehot = |c: usize| -> Vec<Option<bool>> { (0..n).map(|b| lab[b].map(|l| l == c)).collect() };
        let scores: Vec<Vec<f64>> = match clf {
            Classifier::Linear => {
                let xt: Vec<f32> = train.iter().flat_map(|&b| x[b * k..(b + 1) * k].iter().copied()).collect();
                match o.multiclass {
                    Multiclass::Ovr => {
                        let yt: Vec<Option<bool>> = train.iter().flat_map(|&b| (0..nc).map(move |c| lab[b].map(|l| l == c))).collect();
                        let m = linear::Linear::fit(&xt, &yt, train.len(), k, nc, 300);
                        (0..nc).map(|c| test.iter().map(|&b| m.predict(&x[b * k..(b + 1) * k], c)).collect()).collect()
                    }
                    Multiclass::Softmax => {
                        let yt: Vec<usize> = train.iter().map(|&b| lab[b].expect("labelled")).collect();
                        let m = linear::Linear::fit_softmax(&xt, &yt, train.len(), k, nc, 300);
                        let p: Vec<Vec<f64>> = test.iter().map(|&b| m.predict_softmax(&x[b * k..(b + 1) * k])).collect();
                        (0..nc).map(|c| p.iter().map(|r| r[c]).collect()).collect()
                    }
                }
            }
            Classifier::Boosted => (0..nc)
                .map(|c| {
                    let oh = onehot(c);
                    if train.iter().any(|&b| oh[b] == Some(true)) {
                        boosted(x, k, &oh, &train, &test, &folds.block_of, seed)
                    } else {
                        Ok(vec![0.0; test.len()])
                    }
                })
                .collect::<Result<_>>()?,
        };
        let called: Vec<usize> = (0..test.len()).map(|r| (0..nc).max_by(|&a, &b| scores[a][r].total_cmp(&scores[b][r])).unwrap_or(0)).collect();
        let truth: Vec<usize> = test.iter().map(|&b| lab[b].expect("labelled")).collect();
        for (t, c) in truth.iter().zip(&called) {
            conf[t * nc + c] += 1.0;
        }
        let acc = truth.iter().zip(&called).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64;
        let (mut f1s, mut aucs) = (Vec::new(), Vec::new());
        for c in 0..nc {
            let y: Vec<bool> = truth.iter().map(|&t| t == c).collect();
            if !y.iter().any(|&v| v) {
                continue;
            }
            let calls: Vec<f64> = called.iter().map(|&p| if p == c { 1.0 } else { 0.0 }).collect();
            if let (_, Some(f1)) = crate::metrics::accuracy_f1(&calls, &y, 0.5) {
                f1s.push(f1);
            }
            if let Some(a) = crate::metrics::auroc(&scores[c], &y) {
                aucs.push(a);
            }
        }
        let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        let vals = vec![Some(acc), mean(&f1s), mean(&aucs)];
        for (name, v) in METRICS.iter().zip(&vals) {
            rows.push(fold_row(method, task, name, f, *v, test.len()));
        }
        per_fold.push(vals);
    }
    let means = fold_means(method, task, &METRICS, &per_fold);
    crate::log::info(&format!("{method} {task}: mean accuracy {}", fmt(means[0].value)));
    rows.extend(means);
    Ok((rows, conf))
}

fn fmt(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "undefined".into())
}

/// Boosted trees for one task; 10% of the training blocks (by block) validate early stopping.
fn boosted(x: &[f32], k: usize, lab: &[Option<bool>], train_rows: &[usize], test: &[usize], block_of: &[usize], seed: u64) -> Result<Vec<f64>> {
    use hessboost::prelude::{DMatrix, Iterations, Objective, Trainer, TrainingParams};
    let rows: Vec<usize> = train_rows.iter().copied().filter(|&b| lab[b].is_some()).collect();
    let is_valid = |b: usize| (block_of[b] as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(seed) % 10 == 0;
    let (va, tr): (Vec<usize>, Vec<usize>) = rows.iter().partition(|&&b| is_valid(b));
    let (tr, va) = if va.is_empty() || tr.is_empty() { (rows.clone(), Vec::new()) } else { (tr, va) };
    let mat = |idx: &[usize]| -> (Vec<f32>, Vec<f32>) {
        (idx.iter().flat_map(|&b| x[b * k..(b + 1) * k].iter().copied()).collect(), idx.iter().map(|&b| if lab[b] == Some(true) { 1.0 } else { 0.0 }).collect())
    };
    let err = |e: hessboost::error::HessboostError| Error::Internal(format!("boosted trees: {e}"));
    let (xt, yt) = mat(&tr);
    let dtrain = DMatrix::from_dense(&xt, tr.len(), k).map_err(err)?.with_labels(&yt).map_err(err)?;
    let params = TrainingParams::builder()
        .objective(Objective::BinaryLogistic(hessboost::objective::RegLoss::default()))
        .eval_metric(hessboost::metric::EvalMetric::LogLoss)
        .max_depth(6)
        .eta(0.1)
        .seed(seed)
        .build()
        .map_err(err)?;
    let model = if va.is_empty() {
        Trainer::new(&params, &dtrain, 200).train().map_err(err)?.model
    } else {
        let (xv, yv) = mat(&va);
        let dvalid = DMatrix::from_dense(&xv, va.len(), k).map_err(err)?.with_labels(&yv).map_err(err)?;
        Trainer::new(&params, &dtrain, 5000)
            .eval(&dvalid, "valid")
            .early_stopping_rounds(std::num::NonZeroUsize::new(20).expect("nonzero"))
            .train()
            .map_err(err)?
            .model
    };
    let xs: Vec<f32> = test.iter().flat_map(|&b| x[b * k..(b + 1) * k].iter().copied()).collect();
    let dtest = DMatrix::from_dense(&xs, test.len(), k).map_err(err)?;
    Ok(model.predict(&dtest, Iterations::Best).map_err(err)?.as_slice().iter().map(|&p| p as f64).collect())
}

/// One panel per task, one precision-recall line per method (out-of-fold predictions pooled).
fn pr_plot(path: &std::path::Path, tasks: &[&Task], pooled: &[Pooled]) -> Result<crate::output::AtomicFile> {
    let panels: Vec<(String, Vec<Series>)> = tasks
        .iter()
        .enumerate()
        .map(|(j, task)| {
            let series = pooled
                .iter()
                .map(|Pooled { method: m, per_task: p }| {
                    let (s, y): (Vec<f64>, Vec<bool>) = p[j].iter().copied().unzip();
                    let ap = crate::metrics::average_precision(&s, &y);
                    Series { name: format!("{m} (AP {})", fmt(ap)), points: crate::metrics::pr_curve(&s, &y), dashed: false }
                })
                .collect();
            (task.name.clone(), series)
        })
        .collect();
    plot::panels(
        path,
        "Precision-recall by task (out-of-fold predictions)",
        &panels,
        &LineChart { title: "", x_label: "recall", y_label: "precision", log_x: false, log_y: false, y_range: Some((0.0, 1.0)), x_integer: false },
    )
}

//! `hiclstm-classify`: representations + labelled genomic tracks -> cross-validated
//! classification metrics and precision-recall curves, for several representation methods side
//! by side (the paper's element identification, its Fig. 4).

pub mod labels;
pub mod linear;

use crate::cli::output_path;
use crate::error::{Error, Result};
use crate::output::{check_writable, OutputSet};
use crate::plot::{self, LineChart, Series};
use crate::tables::{self, metrics::MetricRow, Meta};
use labels::{Genome, Task};
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Classifier {
    /// Multi-label linear layer with sigmoid outputs, all tasks at once.
    Linear,
    /// Gradient-boosted trees per task (hessboost: depth 6, up to 5000 rounds, early stopping
    /// after 20 rounds on a validation split of the training blocks).
    Boosted,
}

#[derive(Debug, Clone)]
pub struct ClassifyOptions {
    pub representations: Vec<(String, PathBuf)>,
    pub tasks: Vec<Task>,
    pub classifiers: Vec<Classifier>,
    pub folds: usize,
    pub folds_by: FoldsBy,
    pub block_bins: usize,
    pub seed: u64,
    /// Neighbourhood features: for d in 1..=context, the squared change of the representation
    /// across the bin, (r[b+d] - r[b-d])^2 per dimension (0: the bin's own representation only,
    /// as in the paper).
    pub context: usize,
    pub output: PathBuf,
    pub force: bool,
    pub plots: bool,
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

pub fn run(o: &ClassifyOptions) -> Result<Vec<MetricRow>> {
    let (mpath, ppath) = (output_path(&o.output, "metrics.parquet"), output_path(&o.output, "pr_curves.png"));
    check_writable(&mpath, o.force)?;
    if o.plots {
        check_writable(&ppath, o.force)?;
        for task in o.tasks.iter().filter(|t| t.kind == labels::Kind::Category) {
            check_writable(&output_path(&o.output, &format!("confusion.{}.png", task.name)), o.force)?;
        }
    }
    if o.folds < 2 {
        return Err(Error::InvalidArgument("--folds must be at least 2".into()));
    }
    if o.representations.is_empty() || o.tasks.is_empty() || o.classifiers.is_empty() {
        return Err(Error::InvalidArgument("need representations, tasks and classifiers".into()));
    }
    // Representations: every table must cover the same bins.
    let mut reps = Vec::new();
    for (label, path) in &o.representations {
        let (meta, k, chroms) = tables::representations::read(path)?;
        reps.push((label.clone(), path.clone(), meta, k, chroms));
    }
    let (_, p0, m0, _, c0) = &reps[0];
    let resolution = m0.resolution().ok_or_else(|| Error::schema(p0, "no hiclstm.resolution metadata"))?;
    let genome = Genome { chroms: c0.iter().map(|c| (c.chrom.clone(), c.end.last().copied().unwrap_or(0) as u64, c.n_bins())).collect(), resolution };
    for (_, p, m, _, c) in &reps {
        let same = c.len() == c0.len() && c.iter().zip(c0).all(|(a, b)| a.chrom == b.chrom && a.n_bins() == b.n_bins());
        if !same || m.resolution() != Some(resolution) {
            return Err(Error::InvalidArgument(format!("{}: chromosomes, bins or resolution differ from {}", p.display(), p0.display())));
        }
    }
    let n = genome.n_bins();
    // A bin is usable when every method represents it.
    let usable: Vec<bool> = (0..n)
        .map(|b| {
            reps.iter().all(|r| {
                let (mut off, mut ok) = (0, false);
                for c in &r.4 {
                    if b < off + c.n_bins() {
                        ok = c.observed[b - off];
                        break;
                    }
                    off += c.n_bins();
                }
                ok
            })
        })
        .collect();
    let binary: Vec<&Task> = o.tasks.iter().filter(|t| t.kind != labels::Kind::Category).collect();
    let category: Vec<&Task> = o.tasks.iter().filter(|t| t.kind == labels::Kind::Category).collect();
    let mut labels = Vec::new();
    for (t, task) in binary.iter().enumerate() {
        let l = labels::labels(task, &genome, &usable, o.seed.wrapping_add(t as u64))?;
        let (p, q) = (l.iter().filter(|x| **x == Some(true)).count(), l.iter().filter(|x| **x == Some(false)).count());
        crate::log::info(&format!("task {}: {p} positive and {q} negative bins", task.name));
        labels.push(l);
    }
    // Folds: blocks (or chromosomes) shuffled with the seed, dealt round-robin.
    let mut block_of = vec![0usize; n];
    let mut n_blocks = 0;
    for (ci, c) in genome.chroms.iter().enumerate() {
        let off = genome.offset(ci);
        let size = match o.folds_by {
            FoldsBy::Blocks => o.block_bins.max(1),
            FoldsBy::Chromosome => c.2.max(1),
        };
        for b in 0..c.2 {
            block_of[off + b] = n_blocks + b / size;
        }
        n_blocks += c.2.div_ceil(size);
    }
    if o.folds_by == FoldsBy::Chromosome && genome.chroms.len() < o.folds {
        return Err(Error::InvalidArgument(format!("{} folds by chromosome need at least {} chromosomes; the representations have {}", o.folds, o.folds, genome.chroms.len())));
    }
    let mut order: Vec<usize> = (0..n_blocks).collect();
    order.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(o.seed));
    let mut fold_of_block = vec![0usize; n_blocks];
    for (k, &b) in order.iter().enumerate() {
        fold_of_block[b] = k % o.folds;
    }
    let fold = |b: usize| fold_of_block[block_of[b]];

    let mut classes = Vec::new();
    for task in &category {
        let (l, names) = labels::categories(task, &genome, &usable)?;
        crate::log::info(&format!("task {}: {} labelled bins in {} classes ({})", task.name, l.iter().filter(|x| x.is_some()).count(), names.len(), names.join(", ")));
        classes.push((l, names));
    }
    let t = binary.len();
    let mut rows = Vec::new();
    let mut confusions: Vec<(String, String, Vec<String>, Vec<f64>)> = Vec::new();
    // Pooled out-of-fold predictions per method and task, for the PR curves.
    let mut pooled: Vec<(String, Vec<Vec<(f64, bool)>>)> = Vec::new();
    for (label, _, _, k, chroms) in &reps {
        let (x, k) = features(chroms, *k, o.context);
        for &clf in &o.classifiers {
            let method = format!("{label}/{}", match clf { Classifier::Linear => "linear", Classifier::Boosted => "boosted" });
            for (task, (lab, names)) in category.iter().zip(&classes) {
                let (r, conf) = multiclass(&x, k, lab, names.len(), &fold, o.folds, clf, &block_of, o.seed, &method, &task.name)?;
                rows.extend(r);
                for (cell, &count) in conf.iter().enumerate() {
                    let metric = format!("confusion:{}>{}", names[cell / names.len()], names[cell % names.len()]);
                    rows.push(MetricRow { method: method.clone(), chrom: "all".into(), metric, task: Some(task.name.clone()), value: Some(count), n: count as i64, ..Default::default() });
                }
                confusions.push((task.name.clone(), method.clone(), names.clone(), conf));
            }
            if t == 0 {
                continue;
            }
            let mut pool = vec![Vec::new(); t];
            let mut per_fold: Vec<Vec<[Option<f64>; 4]>> = vec![Vec::new(); t];
            for f in 0..o.folds {
                let train: Vec<usize> = (0..n).filter(|&b| fold(b) != f && labels.iter().any(|l| l[b].is_some())).collect();
                let test: Vec<usize> = (0..n).filter(|&b| fold(b) == f && labels.iter().any(|l| l[b].is_some())).collect();
                let scores: Vec<Vec<f64>> = match clf {
                    Classifier::Linear => {
                        let xt: Vec<f32> = train.iter().flat_map(|&b| x[b * k..(b + 1) * k].iter().copied()).collect();
                        let yt: Vec<Option<bool>> = train.iter().flat_map(|&b| labels.iter().map(move |l| l[b])).collect();
                        let m = linear::Linear::fit(&xt, &yt, train.len(), k, t, 300);
                        (0..t).map(|j| test.iter().map(|&b| m.predict(&x[b * k..(b + 1) * k], j)).collect()).collect()
                    }
                    Classifier::Boosted => (0..t).map(|j| boosted(&x, k, &labels[j], &train, &test, &block_of, o.seed)).collect::<Result<_>>()?,
                };
                for j in 0..t {
                    let (s, y): (Vec<f64>, Vec<bool>) = test.iter().zip(&scores[j]).filter_map(|(&b, &s)| labels[j][b].map(|l| (s, l))).unzip();
                    let (acc, f1) = crate::metrics::accuracy_f1(&s, &y, 0.5);
                    let vals = [crate::metrics::average_precision(&s, &y), crate::metrics::auroc(&s, &y), (!s.is_empty()).then_some(acc), f1];
                    for (name, v) in ["average_precision", "auroc", "accuracy", "f1"].iter().zip(vals) {
                        rows.push(MetricRow { method: method.clone(), chrom: "all".into(), metric: name.to_string(), task: Some(binary[j].name.clone()), fold: Some(f as u32), value: v, n: s.len() as i64, ..Default::default() });
                    }
                    per_fold[j].push(vals);
                    pool[j].extend(s.into_iter().zip(y));
                }
            }
            for j in 0..t {
                for (m, name) in ["average_precision", "auroc", "accuracy", "f1"].iter().enumerate() {
                    let v: Vec<f64> = per_fold[j].iter().filter_map(|x| x[m]).collect();
                    let mean = (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
                    rows.push(MetricRow { method: method.clone(), chrom: "all".into(), metric: name.to_string(), task: Some(binary[j].name.clone()), fold: None, value: mean, n: v.len() as i64, ..Default::default() });
                }
                let ap = rows.iter().rev().find(|r| r.method == method && r.task.as_deref() == Some(&binary[j].name) && r.fold.is_none() && r.metric == "average_precision").and_then(|r| r.value);
                let au = rows.iter().rev().find(|r| r.method == method && r.task.as_deref() == Some(&binary[j].name) && r.fold.is_none() && r.metric == "auroc").and_then(|r| r.value);
                crate::log::info(&format!("{method} {}: mean AP {} AuROC {}", binary[j].name, fmt(ap), fmt(au)));
            }
            pooled.push((method, pool));
        }
    }
    let mut meta = Meta::new(tables::schema("metrics"));
    meta.set("assembly", m0.get("assembly").unwrap_or("unknown")).set("resolution", resolution).set("cv", cv_description(o)).set(
        "params",
        serde_json::json!({
            "representations": o.representations.iter().map(|(l, p)| serde_json::json!({"label": l, "path": p})).collect::<Vec<_>>(),
            "tasks": o.tasks, "classifiers": o.classifiers, "folds": o.folds, "folds_by": o.folds_by, "block_bins": o.block_bins, "seed": o.seed,
        })
        .to_string(),
    );
    crate::log::info(&format!("cross-validation: {}", cv_description(o)));
    let mut outs = OutputSet::default();
    outs.push(tables::metrics::write(&mpath, &meta, &rows, o.force)?);
    outs.commit(o.force)?;
    if o.plots {
        if t > 0 {
            pr_plot(&ppath, &binary, &pooled)?;
        }
        for task in &category {
            let panels: Vec<(String, Vec<String>, Vec<f64>)> = confusions.iter().filter(|c| c.0 == task.name).map(|c| (c.1.clone(), c.2.clone(), c.3.clone())).collect();
            plot::confusion(&output_path(&o.output, &format!("confusion.{}.png", task.name)), &format!("{}: confusion matrices (out-of-fold, rows = true class)", task.name), &panels)?;
        }
    }
    Ok(rows)
}

/// One-vs-rest scores per class, the arg-max as the call; per-fold accuracy, macro F1 and macro
/// AuROC, their means, and the confusion matrix pooled over folds (rows true, columns called).
#[allow(clippy::too_many_arguments)]
fn multiclass(x: &[f32], k: usize, lab: &[Option<usize>], nc: usize, fold: &dyn Fn(usize) -> usize, folds: usize, clf: Classifier, block_of: &[usize], seed: u64, method: &str, task: &str) -> Result<(Vec<MetricRow>, Vec<f64>)> {
    let n = lab.len();
    let mut conf = vec![0.0; nc * nc];
    let mut rows = Vec::new();
    let mut per_fold: Vec<[Option<f64>; 3]> = Vec::new();
    for f in 0..folds {
        let train: Vec<usize> = (0..n).filter(|&b| lab[b].is_some() && fold(b) != f).collect();
        let test: Vec<usize> = (0..n).filter(|&b| lab[b].is_some() && fold(b) == f).collect();
        if test.is_empty() || train.is_empty() {
            continue;
        }
        let onehot = |c: usize| -> Vec<Option<bool>> { (0..n).map(|b| lab[b].map(|l| l == c)).collect() };
        let scores: Vec<Vec<f64>> = match clf {
            Classifier::Linear => {
                let xt: Vec<f32> = train.iter().flat_map(|&b| x[b * k..(b + 1) * k].iter().copied()).collect();
                let yt: Vec<Option<bool>> = train.iter().flat_map(|&b| (0..nc).map(move |c| lab[b].map(|l| l == c))).collect();
                let m = linear::Linear::fit(&xt, &yt, train.len(), k, nc, 300);
                (0..nc).map(|c| test.iter().map(|&b| m.predict(&x[b * k..(b + 1) * k], c)).collect()).collect()
            }
            Classifier::Boosted => (0..nc)
                .map(|c| {
                    let oh = onehot(c);
                    if train.iter().any(|&b| oh[b] == Some(true)) { boosted(x, k, &oh, &train, &test, block_of, seed) } else { Ok(vec![0.0; test.len()]) }
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
        let vals = [Some(acc), mean(&f1s), mean(&aucs)];
        for (name, v) in ["accuracy", "macro_f1", "macro_auroc"].iter().zip(vals) {
            rows.push(MetricRow { method: method.into(), chrom: "all".into(), metric: name.to_string(), task: Some(task.into()), fold: Some(f as u32), value: v, n: test.len() as i64, ..Default::default() });
        }
        per_fold.push(vals);
    }
    for (m, name) in ["accuracy", "macro_f1", "macro_auroc"].iter().enumerate() {
        let v: Vec<f64> = per_fold.iter().filter_map(|x| x[m]).collect();
        let mean = (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        if m == 0 {
            crate::log::info(&format!("{method} {task}: mean accuracy {}", fmt(mean)));
        }
        rows.push(MetricRow { method: method.into(), chrom: "all".into(), metric: name.to_string(), task: Some(task.into()), fold: None, value: mean, n: v.len() as i64, ..Default::default() });
    }
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
    let mat = |idx: &[usize]| -> (Vec<f32>, Vec<f32>) { (idx.iter().flat_map(|&b| x[b * k..(b + 1) * k].iter().copied()).collect(), idx.iter().map(|&b| if lab[b] == Some(true) { 1.0 } else { 0.0 }).collect()) };
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
        Trainer::new(&params, &dtrain, 5000).eval(&dvalid, "valid").early_stopping_rounds(std::num::NonZeroUsize::new(20).expect("nonzero")).train().map_err(err)?.model
    };
    let xs: Vec<f32> = test.iter().flat_map(|&b| x[b * k..(b + 1) * k].iter().copied()).collect();
    let dtest = DMatrix::from_dense(&xs, test.len(), k).map_err(err)?;
    Ok(model.predict(&dtest, Iterations::Best).map_err(err)?.as_slice().iter().map(|&p| p as f64).collect())
}

/// One panel per task, one precision-recall line per method (out-of-fold predictions pooled).
fn pr_plot(path: &std::path::Path, tasks: &[&Task], pooled: &[(String, Vec<Vec<(f64, bool)>>)]) -> Result<()> {
    let panels: Vec<(String, Vec<Series>)> = tasks
        .iter()
        .enumerate()
        .map(|(j, task)| {
            let series = pooled
                .iter()
                .map(|(m, p)| {
                    let (s, y): (Vec<f64>, Vec<bool>) = p[j].iter().copied().unzip();
                    let ap = crate::metrics::average_precision(&s, &y);
                    Series { name: format!("{m} (AP {})", fmt(ap)), points: crate::metrics::pr_curve(&s, &y), dashed: false }
                })
                .collect();
            (task.name.clone(), series)
        })
        .collect();
    plot::panels(path, "Precision-recall by task (out-of-fold predictions)", &panels, &LineChart { title: "", x_label: "recall", y_label: "precision", log_x: false, log_y: false, y_range: Some((0.0, 1.0)), x_integer: false })
}

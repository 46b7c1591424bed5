//! hiclstm-classify on simulated data (compartments found far above chance) and on bad tracks.

use crate::common;

use common::{listing, tmpdir};
use hiclstm::baselines::pca::{run as pca, PcaOptions};
use hiclstm::classify::labels::read_tasks;
use hiclstm::classify::{run, Classifier, ClassifyOptions, FoldsBy};
use hiclstm::simulate::{write_outputs, SimParams, WriteOptions};
use std::path::Path;

fn setup(d: &Path) {
    let p = SimParams::preset(hiclstm::presets::SimulatePreset::Toy);
    write_outputs(&p, &WriteOptions { prefix: d.join("sim"), force: false, pairs: false, juicer_text: false }).unwrap();
    pca(&PcaOptions {
        contacts: d.join("sim.contacts.parquet"),
        k: 8,
        orient: None,
        output: d.join("pca.parquet"),
        force: false,
        seed: 0,
        raw: false,
        max_bins: 20_000,
        trans: None,
    })
    .unwrap();
}

fn opts(d: &Path, tasks: &str, out: &str) -> ClassifyOptions {
    std::fs::write(d.join("tasks.yaml"), tasks).unwrap();
    ClassifyOptions {
        representations: vec![("pca".into(), d.join("pca.parquet"))],
        tasks: read_tasks(&d.join("tasks.yaml")).unwrap(),
        classifiers: vec![Classifier::Linear, Classifier::Boosted],
        folds: 4,
        folds_by: FoldsBy::Blocks,
        block_bins: 40,
        seed: 0,
        context: 0,
        output: d.join(out),
        force: false,
        plots: true,
        multiclass: Default::default(),
    }
}

#[test]
fn simulated_compartments_are_found_far_above_chance() {
    let dir = tmpdir();
    let d = dir.path();
    setup(d);
    let rows =
        run(&opts(d, "tasks:\n  - {name: A, file: sim.compartments.bed, kind: bed, name_prefix: A}\n  - {name: ctcf, file: sim.ctcf.bed, kind: bed}\n", "cls"))
            .unwrap();
    for clf in ["pca/linear", "pca/boosted"] {
        let auroc = rows.iter().find(|r| r.method == clf && r.task.as_deref() == Some("A") && r.metric == "auroc" && r.fold.is_none()).unwrap().value.unwrap();
        assert!(auroc > 0.9, "{clf}: compartment AuROC {auroc}");
    }
    // Per-fold rows exist for every fold, metric and task; averages have fold = null.
    assert_eq!(rows.iter().filter(|r| r.fold.is_some()).count(), 2 * 2 * 4 * 4);
    let back = hiclstm::tables::metrics::read(&d.join("cls.metrics.parquet")).unwrap();
    assert_eq!(back, rows);
    let png = std::fs::read(d.join("cls.pr_curves.png")).unwrap();
    assert_eq!(&png[..4], b"\x89PNG");
}

/// TAD boundaries are where representations change: with the squared change across each bin as
/// features (--context), the PCA representations find the simulated boundaries and CTCF sites
/// well above chance, and clearly better than from the bin's own representation alone.
#[test]
fn simulated_boundaries_and_ctcf_are_found_with_context_features() {
    let dir = tmpdir();
    let d = dir.path();
    setup(d);
    let tasks = "tasks:\n  - {name: boundaries, file: sim.boundaries.bed, kind: bed}\n  - {name: ctcf, file: sim.ctcf.bed, kind: bed}\n";
    let auroc = |rows: &[hiclstm::tables::metrics::MetricRow], clf: &str, task: &str| {
        rows.iter().find(|r| r.method == clf && r.task.as_deref() == Some(task) && r.metric == "auroc" && r.fold.is_none()).unwrap().value.unwrap()
    };
    let plain = run(&ClassifyOptions { classifiers: vec![Classifier::Linear], plots: false, ..opts(d, tasks, "plain") }).unwrap();
    let ctx = run(&ClassifyOptions { classifiers: vec![Classifier::Linear], plots: false, context: 2, ..opts(d, tasks, "ctx") }).unwrap();
    let (b0, b2, c2) = (auroc(&plain, "pca/linear", "boundaries"), auroc(&ctx, "pca/linear", "boundaries"), auroc(&ctx, "pca/linear", "ctcf"));
    eprintln!("boundaries AuROC {b0:.3} -> {b2:.3} with context 2; ctcf {c2:.3}");
    assert!(b2 > 0.65, "boundaries AuROC {b2}");
    assert!(b2 > b0 + 0.1, "context features should help: {b0} -> {b2}");
    // A third of the simulated CTCF motifs are decoys with no structural role (ctcf_per_mb),
    // invisible in any Hi-C map by construction, which caps what any method can reach.
    assert!(c2 > 0.6, "ctcf AuROC {c2}");
    let cv = hiclstm::tables::TableReader::open(&d.join("ctx.metrics.parquet"), hiclstm::tables::TableKind::Metrics.schema()).unwrap().meta;
    assert!(cv.get("cv").unwrap().contains("squared change across +/-1..2 bins"), "{:?}", cv.get("cv"));
}

#[test]
fn bad_tracks_fail_with_file_and_line_and_leave_nothing() {
    let dir = tmpdir();
    let d = dir.path();
    setup(d);
    let before = listing(d);
    let check = |bed: &str, needles: &[&str]| {
        std::fs::write(d.join("t.bed"), bed).unwrap();
        let e = run(&opts(d, "tasks:\n  - {name: t, file: t.bed, kind: bed}\n", "bad")).unwrap_err();
        for n in needles {
            assert!(e.to_string().contains(n), "expected '{n}' in: {e}");
        }
    };
    check("chr1\t100\n", &["t.bed", "line 1", "at least 3 columns"]);
    check("chr1\t100\tx\n", &["t.bed", "line 1, column 3", "'x'"]);
    check("chr1\t0\t50000\nchr1\t100\t999999999\n", &["line 2", "beyond the end of chr1"]);
    check("chrUn\t0\t100\n", &["no positive bin"]);
    let mut keep = before.clone();
    keep.push("t.bed".into());
    keep.push("tasks.yaml".into());
    keep.sort();
    assert_eq!(listing(d), keep, "no output after failures");
    // A bedGraph whose threshold leaves one class.
    std::fs::write(d.join("g.bedGraph"), "chr1\t0\t20000000\t5\nchr2\t0\t16000000\t5\n").unwrap();
    let e = run(&opts(d, "tasks:\n  - {name: g, file: g.bedGraph, kind: bedgraph, threshold: 1}\n", "bad")).unwrap_err();
    assert!(e.to_string().contains("only one class"), "{e}");
    // A YAML typo is named with its line.
    std::fs::write(d.join("typo.yaml"), "tasks:\n  - {name: t, file: t.bed, knd: bed}\n").unwrap();
    let e = read_tasks(&d.join("typo.yaml")).unwrap_err();
    assert!(e.to_string().contains("typo.yaml") && e.to_string().contains("line 2"), "{e}");
}

#[test]
fn category_tasks_give_accuracy_and_a_confusion_matrix() {
    let dir = tmpdir();
    let d = dir.path();
    setup(d);
    let rows = run(&opts(d, "tasks:\n  - {name: comp, file: sim.compartments.bed, kind: category}\n", "cat")).unwrap();
    let acc = rows
        .iter()
        .find(|r| r.method == "pca/linear" && r.task.as_deref() == Some("comp") && r.metric == "accuracy" && r.fold.is_none())
        .unwrap()
        .value
        .unwrap();
    assert!(acc > 0.9, "two-class compartments by PCA: accuracy {acc}");
    let cells: Vec<_> = rows.iter().filter(|r| r.method == "pca/linear" && r.metric.starts_with("confusion:")).collect();
    assert_eq!(cells.len(), 4, "2 x 2 confusion matrix");
    let total: f64 = cells.iter().map(|r| r.value.unwrap()).sum();
    let labelled = rows.iter().filter(|r| r.method == "pca/linear" && r.metric == "accuracy" && r.fold.is_some()).map(|r| r.n).sum::<i64>();
    assert_eq!(total as i64, labelled, "every out-of-fold call is counted once");
    assert!(d.join("cat.confusion.comp.png").exists());
    assert!(!d.join("cat.pr_curves.png").exists(), "no binary task, no PR plot");
    // The multinomial scheme finds the same classes.
    let o = ClassifyOptions {
        classifiers: vec![Classifier::Linear],
        multiclass: hiclstm::classify::Multiclass::Softmax,
        ..opts(d, "tasks:\n  - {name: comp, file: sim.compartments.bed, kind: category}\n", "soft")
    };
    let rows = run(&o).unwrap();
    let metric = |m: &str| rows.iter().find(|r| r.task.as_deref() == Some("comp") && r.metric == m && r.fold.is_none()).unwrap().value.unwrap();
    assert!(metric("accuracy") > 0.9 && metric("macro_auroc") > 0.9, "softmax: accuracy {} macro AuROC {}", metric("accuracy"), metric("macro_auroc"));
}

/// One NaN in a representations table used to give a collapsed classifier with plausible
/// metrics: the reader refuses it with its row and column.
#[test]
fn non_finite_representations_are_refused() {
    use hiclstm::tables::representations::{read, write, ChromRepresentations};
    use hiclstm::tables::{Meta, TableKind};
    let dir = tmpdir();
    let p = dir.path().join("r.parquet");
    let mut meta = Meta::new(TableKind::Representations.schema());
    meta.set("resolution", 1000);
    let mut values = vec![0.5f32; 20];
    values[7] = f32::NAN;
    let c = ChromRepresentations {
        chrom: "chr1".into(),
        start: (0..10).map(|b| b * 1000).collect(),
        end: (1..11).map(|b| b * 1000).collect(),
        observed: vec![true; 10],
        values,
    };
    write(&p, &meta, 2, &[c], false).unwrap().commit(false).unwrap();
    let e = read(&p).unwrap_err();
    assert_eq!(e.exit_code(), hiclstm::error::exit::SCHEMA, "{e}");
    assert!(e.to_string().contains("row 3, column r1: NaN is not a finite value"), "{e}");
}

/// A labelled partition (A and B segments, as CALDER's calls): a bin takes the class that covers
/// most of it, in the binary task (`name_prefix`) as in the category task on the same file, so
/// that a bin mostly B is not an A bin for touching an A segment.
#[test]
fn a_bin_takes_the_class_covering_most_of_it() {
    use hiclstm::classify::labels::{categories, labels};
    use hiclstm::genome::{BinMap, Chrom};
    let t = tmpdir();
    let d = t.path();
    // 100 bp bins. Bin 0: A.1 only. Bin 1: 30 bp A.1, 70 bp B.1 (mostly B). Bin 2: 50 bp B.1, 50
    // bp A.1 (a tie). Bin 3: 30 bp A.1, 30 bp A.2, 40 bp B.2: A covers more of it than B, but
    // B.2 more than either A class. Bin 4: no feature.
    let bed = "c1\t0\t130\tA.1.1\nc1\t130\t250\tB.1.1\nc1\t250\t330\tA.1.2\nc1\t330\t360\tA.2.1\nc1\t360\t400\tB.2.1\n";
    std::fs::write(d.join("p.bed"), bed).unwrap();
    std::fs::write(
        d.join("t.yaml"),
        "tasks:\n  - {name: ab, file: p.bed, kind: bed, name_prefix: A}\n  - {name: elements, file: p.bed, kind: bed}\n  - {name: sub, file: p.bed, kind: category, label_length: 3}\n",
    )
    .unwrap();
    let tasks = read_tasks(&d.join("t.yaml")).unwrap();
    let g = BinMap::from_chroms(100, &[Chrom::new("c1", 500)]);
    let usable = vec![true; 5];
    let ab = labels(&tasks[0], &g, &usable, 0).unwrap();
    assert_eq!(ab, vec![Some(true), Some(false), Some(true), Some(true), None], "A/B by the larger cover, ties A");
    // Without negatives given, any overlap still makes an element's bin positive.
    let el = labels(&tasks[1], &g, &usable, 0).unwrap();
    assert_eq!(&el[..4], &[Some(true); 4]);
    let (sub, names) = categories(&tasks[2], &g, &usable).unwrap();
    let named: Vec<Option<&str>> = sub.iter().map(|c| c.map(|c| names[c].as_str())).collect();
    assert_eq!(named, vec![Some("A.1"), Some("B.1"), Some("A.1"), Some("B.2"), None]);
}

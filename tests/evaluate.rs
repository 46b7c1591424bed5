//! hiclstm-evaluate on hand-made predictions: metrics against hand computation, plots written,
//! bad inputs refused.

use crate::common;

use common::{listing, tmpdir};
use hiclstm::evaluate::{run, EvaluateOptions};
use hiclstm::tables::predictions::{ChromPredictions, PredictionsWriter};
use hiclstm::tables::{self, Meta};
use std::path::{Path, PathBuf};

fn write_predictions(path: &Path, resolution: u32, chroms: &[ChromPredictions]) {
    let mut meta = Meta::new(tables::TableKind::Predictions.schema());
    meta.set("resolution", resolution).set("assembly", "test");
    let mut w = PredictionsWriter::create(path, &meta, true).unwrap();
    for c in chroms {
        w.write(c).unwrap();
    }
    w.finish().unwrap().commit(true).unwrap();
}

fn chrom(name: &str, px: &[(u32, u32, f64, f64)]) -> ChromPredictions {
    ChromPredictions {
        chrom: name.into(),
        i: px.iter().map(|p| p.0).collect(),
        j: px.iter().map(|p| p.1).collect(),
        observed_value: px.iter().map(|p| if p.2.is_nan() { f64::NAN } else { 1.0 }).collect(),
        observed_prob: px.iter().map(|p| p.2).collect(),
        predicted_prob: px.iter().map(|p| p.3).collect(),
        predicted_value: px.iter().map(|p| p.3 * 10.0).collect(),
    }
}

fn opts(inputs: Vec<(&str, PathBuf)>, out: PathBuf) -> EvaluateOptions {
    EvaluateOptions {
        inputs: inputs.into_iter().map(|(l, p)| (l.to_string(), p)).collect(),
        chromosomes: None,
        bands: vec![(0, Some(1)), (1, None)],
        output: out,
        force: false,
        plots: false,
        region: None,
        frame_len: Some(2),
        training_log: None,
    }
}

fn value(rows: &[tables::metrics::MetricRow], method: &str, chrom: &str, metric: &str, lo: Option<u32>) -> f64 {
    rows.iter()
        .find(|r| r.method == method && r.chrom == chrom && r.metric == metric && r.distance_lo == lo)
        .unwrap_or_else(|| panic!("no {method} {chrom} {metric} {lo:?}"))
        .value
        .unwrap()
}

#[test]
fn metrics_match_hand_computation() {
    let dir = tmpdir();
    let p = dir.path().join("a.parquet");
    // Distances: (0,0) d0, (1,1) d0, (0,1) d1, (0,2) d2, plus chr2 (0,0) d0; one unobserved pixel.
    write_predictions(
        &p,
        1000,
        &[chrom("chr1", &[(0, 0, 0.8, 0.7), (0, 1, 0.4, 0.5), (0, 2, 0.1, 0.1), (1, 1, 0.6, 0.6), (1, 2, f64::NAN, 0.3)]), chrom("chr2", &[(0, 0, 0.7, 0.9)])],
    );
    let s = run(&opts(vec![("m", p.clone())], dir.path().join("out"))).unwrap();
    let rows = tables::metrics::read(&dir.path().join("out.metrics.parquet")).unwrap();
    assert_eq!(rows, s.rows);
    let o = [0.8, 0.4, 0.1, 0.6, 0.7];
    let pr = [0.7, 0.5, 0.1, 0.6, 0.9];
    assert!((value(&rows, "m", "all", "r2", None) - hiclstm::metrics::r2(&o, &pr)).abs() < 1e-12);
    // Baseline: distance means d0 = (0.8 + 0.6 + 0.7) / 3 = 0.7, d1 = 0.4, d2 = 0.1.
    let base = [0.7, 0.4, 0.1, 0.7, 0.7];
    assert!((value(&rows, "distance-mean", "all", "r2", None) - hiclstm::metrics::r2(&o, &base)).abs() < 1e-12);
    assert!((value(&rows, "m", "all", "mse", None) - (0.01 + 0.01 + 0.0 + 0.0 + 0.04) / 5.0).abs() < 1e-12);
    // Band d >= 1: observed (0.4, 0.1) predicted (0.5, 0.1): mean 0.25, SS_tot 0.045, SS_res 0.01.
    assert!((value(&rows, "m", "all", "r2", Some(1)) - (1.0 - 0.01 / 0.045)).abs() < 1e-12);
    // Per chromosome, chr1: observed (0.8, 0.4, 0.1, 0.6).
    assert!((value(&rows, "m", "chr1", "r2", None) - hiclstm::metrics::r2(&o[..4], &pr[..4])).abs() < 1e-12);
    let n = rows.iter().find(|r| r.method == "m" && r.chrom == "all" && r.metric == "r2" && r.distance_lo.is_none()).unwrap().n;
    assert_eq!(n, 5, "the unobserved pixel is not evaluated");
}

#[test]
fn plots_are_written_as_png() {
    let dir = tmpdir();
    let p = dir.path().join("a.parquet");
    let px: Vec<(u32, u32, f64, f64)> =
        (0..30).flat_map(|i| (i..30).map(move |j| (i, j, 0.9 / (1.0 + (j - i) as f64), 0.85 / (1.0 + (j - i) as f64)))).collect();
    write_predictions(&p, 50_000, &[chrom("chr1", &px)]);
    let mut o = opts(vec![("hiclstm", p)], dir.path().join("out"));
    o.plots = true;
    let s = run(&o).unwrap();
    for name in ["out.r2_by_distance.png", "out.heatmap.png"] {
        let bytes = std::fs::read(dir.path().join(name)).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name} is a PNG");
        assert!(bytes.len() > 10_000, "{name} has content");
    }
    assert_eq!(s.outputs.len(), 3);
}

#[test]
fn bad_inputs_are_refused_without_output() {
    let dir = tmpdir();
    let d = dir.path();
    let a = d.join("a.parquet");
    let b = d.join("b.parquet");
    let c = d.join("c.parquet");
    write_predictions(&a, 1000, &[chrom("chr1", &[(0, 0, 0.8, 0.7), (0, 1, 0.4, 0.5), (0, 2, 0.1, 0.2)])]);
    write_predictions(&b, 2000, &[chrom("chr1", &[(0, 0, 0.8, 0.7), (0, 1, 0.4, 0.5)])]);
    write_predictions(&c, 1000, &[chrom("chr1", &[(0, 0, f64::NAN, 0.7), (0, 1, f64::NAN, 0.5)])]);
    let before = listing(d);
    let e = run(&opts(vec![("a", a.clone()), ("b", b)], d.join("out"))).err().unwrap();
    assert!(e.to_string().contains("resolution"), "{e}");
    let e = run(&opts(vec![("c", c)], d.join("out"))).err().unwrap();
    assert!(e.to_string().contains("no pixel has an observed value"), "{e}");
    let mut o = opts(vec![("a", a)], d.join("out"));
    o.chromosomes = Some(vec!["chr7".into()]);
    let e = run(&o).err().unwrap();
    assert!(e.to_string().contains("chr7"), "{e}");
    let mut o = opts(vec![("a", d.join("a.parquet"))], d.join("out"));
    o.plots = true;
    o.region = Some("chr9:1-100".parse().unwrap());
    let e = run(&o).err().unwrap();
    assert!(e.to_string().contains("chr9"), "{e}");
    assert_eq!(listing(d), before, "no output after a failure");
}

/// Tables that would score silently wrong are refused with their row: pixels below the diagonal,
/// out of order or repeated (also across row groups), probabilities outside [0, 1].
#[test]
fn malformed_predictions_are_refused_with_their_row() {
    let dir = tmpdir();
    let ok = [(0, 0, 0.5, 0.4), (0, 1, 0.3, 0.3), (1, 1, 0.6, 0.5)];
    let cases: [(&str, Vec<ChromPredictions>, &str); 6] = [
        ("flipped", vec![chrom("chr1", &[(0, 0, 0.5, 0.4), (1, 0, 0.3, 0.3)])], "row 1: i = 1 > j = 0"),
        ("duplicated", vec![chrom("chr1", &[(0, 0, 0.5, 0.4), (0, 0, 0.5, 0.4)])], "row 1: pixel (0, 0) after (0, 0)"),
        ("unsorted", vec![chrom("chr1", &[(0, 1, 0.5, 0.4), (0, 0, 0.5, 0.4)])], "not sorted"),
        ("split chromosome", vec![chrom("chr1", &ok), chrom("chr2", &ok), chrom("chr1", &[(5, 5, 0.1, 0.1)])], "two separate runs"),
        ("probability", vec![chrom("chr1", &[(0, 0, 0.5, 1.5)])], "row 0, column predicted_prob: 1.5 is not a probability"),
        ("observed probability", vec![chrom("chr1", &[(0, 0, -0.5, 0.5)])], "row 0, column observed_prob: -0.5"),
    ];
    for (name, chroms, needle) in cases {
        let p = dir.path().join(format!("{}.parquet", name.replace(' ', "_")));
        write_predictions(&p, 1000, &chroms);
        let before = listing(dir.path());
        let e = run(&opts(vec![("m", p.clone())], dir.path().join("out"))).err().unwrap_or_else(|| panic!("{name}: accepted"));
        assert_eq!(e.exit_code(), hiclstm::error::exit::SCHEMA, "{name}: {e}");
        assert!(e.to_string().contains(needle), "{name}: {e}");
        assert_eq!(listing(dir.path()), before, "{name}: nothing written");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 150, ..Default::default() })]
    /// Random edits of a valid predictions table (rows swapped, repeated, flipped below the
    /// diagonal, moved to another chromosome run, probabilities pushed out of [0, 1]): evaluate
    /// either scores a table that still keeps every rule or refuses it (exit 7), never scores a
    /// broken one and never panics.
    #[test]
    fn fuzz_predictions_table_edits(edits in proptest::collection::vec((0usize..5, 0usize..30, 0usize..30), 1..4)) {
        let mut px: Vec<(String, u32, u32, f64)> = Vec::new();
        for c in ["chr1", "chr2"] {
            for i in 0..5u32 {
                for j in i..i + 3 {
                    px.push((c.to_string(), i, j, 0.1 + 0.05 * (i + j) as f64));
                }
            }
        }
        for (what, a, b) in edits {
            let (a, b) = (a % px.len(), b % px.len());
            match what {
                0 => px.swap(a, b),
                1 => { let r = px[a].clone(); px.insert(b, r); }
                2 => { let r = &mut px[a]; (r.1, r.2) = (r.2, r.1); }
                3 => px[a].0 = if px[a].0 == "chr1" { "chr2".into() } else { "chr1".into() },
                _ => px[a].3 = 1.0 + b as f64,
            }
        }
        // The rules, checked independently of the reader.
        let mut ok = px.iter().all(|r| r.1 <= r.2 && (0.0..=1.0).contains(&r.3));
        let mut seen: Vec<&str> = Vec::new();
        for (k, r) in px.iter().enumerate() {
            let same = k > 0 && px[k - 1].0 == r.0;
            if same && (px[k - 1].1, px[k - 1].2) >= (r.1, r.2) { ok = false; }
            if !same { if seen.contains(&r.0.as_str()) { ok = false; } seen.push(&r.0); }
        }
        // Runs of one chromosome become one ChromPredictions each, in order.
        let mut chroms: Vec<ChromPredictions> = Vec::new();
        let mut k = 0;
        while k < px.len() {
            let mut e = k;
            while e < px.len() && px[e].0 == px[k].0 { e += 1; }
            let run: Vec<(u32, u32, f64, f64)> = px[k..e].iter().map(|r| (r.1, r.2, 0.5, r.3)).collect();
            chroms.push(chrom(&px[k].0, &run));
            k = e;
        }
        let dir = tmpdir();
        let p = dir.path().join("p.parquet");
        write_predictions(&p, 1000, &chroms);
        match run(&opts(vec![("m", p.clone())], dir.path().join("out"))) {
            Ok(_) => proptest::prop_assert!(ok, "a broken table was scored: {px:?}"),
            Err(e) => {
                proptest::prop_assert!(!ok, "a valid table was refused: {e}");
                proptest::prop_assert_eq!(e.exit_code(), hiclstm::error::exit::SCHEMA, "{}", e);
            }
        }
    }
}

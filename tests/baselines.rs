//! PCA baseline on simulated data: PC1 recovers the simulated A/B compartments and is oriented
//! by the track; output is deterministic and follows the representations schema.

use crate::common;

use hiclstm::baselines::pca::{run, PcaOptions};
use hiclstm::genome::Chrom;
use hiclstm::simulate::{simulate, write_outputs, SimParams, WriteOptions};
use std::io::Write;

#[test]
fn pc1_recovers_simulated_compartments() {
    let dir = common::tmpdir();
    let d = dir.path();
    let mut p = SimParams::preset(hiclstm::presets::SimulatePreset::Toy);
    p.chroms = vec![Chrom::new("chr1", 30_000_000), Chrom::new("chr2", 20_000_000)];
    p.compartment_strength = 0.5;
    write_outputs(&p, &WriteOptions { prefix: d.join("sim"), force: false, pairs: false, juicer_text: false }).unwrap();
    let truth = simulate(&p).unwrap();
    // Orientation track: +1 in A, -1 in B (a stand-in for gene density).
    let mut f = std::fs::File::create(d.join("track.bedGraph")).unwrap();
    for s in &truth {
        for (b, &c) in s.compartments.iter().enumerate() {
            writeln!(f, "{}\t{}\t{}\t{}", s.chrom.name, b * 50_000, (b + 1) * 50_000, c).unwrap();
        }
    }
    let o = PcaOptions {
        contacts: d.join("sim.contacts.parquet"),
        k: 4,
        orient: Some(d.join("track.bedGraph")),
        output: d.join("pca.parquet"),
        force: false,
        seed: 0,
        raw: false,
        max_bins: 20_000,
        trans: None,
    };
    run(&o).unwrap();
    let (meta, k, reps) = hiclstm::tables::representations::read(&d.join("pca.parquet")).unwrap();
    assert_eq!((k, meta.get("method")), (4, Some("pca")));
    for (r, s) in reps.iter().zip(&truth) {
        let pairs: Vec<(f64, f64)> = (0..r.n_bins()).filter(|&b| r.observed[b]).map(|b| (r.row(b, k)[0] as f64, s.compartments[b] as f64)).collect();
        let corr = hiclstm::metrics::pearson(&pairs).unwrap();
        assert!(corr > 0.8, "{}: PC1 vs compartments r = {corr}", r.chrom);
    }
    // Deterministic: the same run gives the same table.
    let mut o2 = o.clone();
    o2.output = d.join("pca2.parquet");
    run(&o2).unwrap();
    assert_eq!(hiclstm::tables::representations::read(&d.join("pca2.parquet")).unwrap().2, reps);
    // Too large for dense PCA: a clear refusal, no output.
    let mut o3 = o.clone();
    o3.output = d.join("pca3.parquet");
    o3.max_bins = 100;
    let e = run(&o3).unwrap_err();
    assert!(e.to_string().contains("--max-bins"), "{e}");
    assert!(!d.join("pca3.parquet").exists());
}

#[test]
fn sci_vectors_are_closer_within_tads() {
    use hiclstm::baselines::line::{run as sci, SciOptions};
    let dir = common::tmpdir();
    let d = dir.path();
    let mut p = SimParams::preset(hiclstm::presets::SimulatePreset::Toy);
    p.chroms = vec![Chrom::new("chr1", 20_000_000)];
    write_outputs(&p, &WriteOptions { prefix: d.join("sim"), force: false, pairs: false, juicer_text: false }).unwrap();
    let truth = &simulate(&p).unwrap()[0];
    let o = SciOptions {
        contacts: d.join("sim.contacts.parquet"),
        k: 8,
        output: d.join("sci.parquet"),
        force: false,
        seed: 0,
        raw: false,
        samples_per_edge: 50,
        trans: None,
    };
    sci(&o).unwrap();
    let (meta, k, reps) = hiclstm::tables::representations::read(&d.join("sci.parquet")).unwrap();
    assert_eq!((k, meta.get("method")), (8, Some("sci")));
    let r = &reps[0];
    let tad = |b: usize| truth.tads.iter().position(|&(a, e)| (a as usize) <= b && b < e as usize).unwrap();
    let cos = |a: usize, b: usize| -> f64 { (0..k).map(|t| (r.row(a, k)[t] * r.row(b, k)[t]) as f64).sum() };
    let (mut within, mut across) = ((0.0, 0), (0.0, 0));
    for a in 0..r.n_bins() - 4 {
        let b = a + 4;
        if !(r.observed[a] && r.observed[b]) {
            continue;
        }
        if tad(a) == tad(b) {
            within.0 += cos(a, b);
            within.1 += 1
        } else {
            across.0 += cos(a, b);
            across.1 += 1
        }
    }
    let (w, x) = (within.0 / within.1 as f64, across.0 / across.1 as f64);
    assert!(w > x + 0.1, "same-TAD similarity {w} vs across-TAD {x} at the same distance");
}

/// The toy genome's contacts and truth compartments (A: true), and its simulated trans table
/// (denser within one compartment type than across).
fn toy_with_trans(d: &std::path::Path) -> (Vec<Vec<bool>>, std::path::PathBuf) {
    let p = SimParams::preset(hiclstm::presets::SimulatePreset::Toy);
    write_outputs(&p, &WriteOptions { prefix: d.join("sim"), force: false, pairs: false, juicer_text: false }).unwrap();
    let a = simulate(&p).unwrap().iter().map(|t| t.compartments.iter().map(|&c| c > 0).collect()).collect();
    (a, d.join("sim.trans.parquet"))
}

/// With a trans table, SCI-like embeds one genome-wide graph: the A compartments of two
/// chromosomes, tied by their inter-chromosomal contacts, get closer vectors than A and B do
/// (one graph per chromosome gives each its own, unrelated space).
#[test]
fn genome_wide_sci_puts_both_chromosomes_in_one_space() {
    use hiclstm::baselines::line::{run as sci, SciOptions};
    let dir = common::tmpdir();
    let d = dir.path();
    let (a, t) = toy_with_trans(d);
    let mut o = SciOptions {
        contacts: d.join("sim.contacts.parquet"),
        k: 8,
        output: d.join("g.parquet"),
        force: false,
        seed: 0,
        raw: false,
        samples_per_edge: 20,
        trans: Some(t),
    };
    sci(&o).unwrap();
    let (_, k, reps) = hiclstm::tables::representations::read(&d.join("g.parquet")).unwrap();
    assert_eq!(reps.len(), 2);
    let cos = |x: &[f32], y: &[f32]| -> f64 { x.iter().zip(y).map(|(p, q)| (p * q) as f64).sum() };
    // Mean similarity of chr1's A bins to chr2's A bins and to chr2's B bins.
    let (mut same, mut other) = ((0.0, 0), (0.0, 0));
    for i in (0..reps[0].n_bins()).filter(|&i| a[0][i] && reps[0].observed[i]) {
        for j in (0..reps[1].n_bins()).filter(|&j| reps[1].observed[j]) {
            let c = cos(reps[0].row(i, k), reps[1].row(j, k));
            let acc = if a[1][j] { &mut same } else { &mut other };
            acc.0 += c;
            acc.1 += 1;
        }
    }
    let (s, x) = (same.0 / same.1 as f64, other.0 / other.1 as f64);
    assert!(s > x + 0.05, "A-A across chromosomes {s} vs A-B {x}");
    // A trans table that is not one is refused before any work.
    o.trans = Some(d.join("sim.contacts.parquet"));
    o.output = d.join("bad.parquet");
    let e = sci(&o).unwrap_err();
    assert_eq!(e.exit_code(), 7, "{e}");
    assert!(!d.join("bad.parquet").exists());
}

/// With a trans table, PCA's first component is the genome-wide trans eigenvector: one sign for
/// A on both chromosomes; too many bins in all are refused.
#[test]
fn trans_pca_has_one_compartment_axis_for_the_genome() {
    let dir = common::tmpdir();
    let d = dir.path();
    let (a, t) = toy_with_trans(d);
    let mut o = PcaOptions {
        contacts: d.join("sim.contacts.parquet"),
        k: 4,
        orient: None,
        output: d.join("tp.parquet"),
        force: false,
        seed: 0,
        raw: false,
        max_bins: 20_000,
        trans: Some(t),
    };
    run(&o).unwrap();
    let (_, k, reps) = hiclstm::tables::representations::read(&d.join("tp.parquet")).unwrap();
    // PC1 of both chromosomes pooled: A against B (AuROC), which needs one sign on both.
    let pc1 = |want_a: bool| -> Vec<f64> {
        let mut v = Vec::new();
        for (c, r) in reps.iter().enumerate() {
            v.extend((0..r.n_bins()).filter(|&b| r.observed[b] && a[c][b] == want_a).map(|b| r.row(b, k)[0] as f64));
        }
        v
    };
    let (pa, pb) = (pc1(true), pc1(false));
    let labels: Vec<bool> = pa.iter().map(|_| true).chain(pb.iter().map(|_| false)).collect();
    let auroc = hiclstm::metrics::auroc(&[pa, pb].concat(), &labels).unwrap();
    assert!(auroc.max(1.0 - auroc) > 0.9, "pooled AuROC of PC1 for A {auroc}");
    o.max_bins = 100;
    o.output = d.join("tp2.parquet");
    let e = run(&o).unwrap_err().to_string();
    assert!(e.contains("--max-bins"), "{e}");
}

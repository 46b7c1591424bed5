//! PCA baseline on simulated data: PC1 recovers the simulated A/B compartments and is oriented
//! by the track; output is deterministic and follows the representations schema.

mod common;

use hiclstm::baselines::pca::{run, PcaOptions};
use hiclstm::genome::Chrom;
use hiclstm::simulate::{simulate, write_outputs, SimParams, WriteOptions};
use std::io::Write;

#[test]
fn pc1_recovers_simulated_compartments() {
    let dir = common::tmpdir();
    let d = dir.path();
    let mut p = SimParams::preset("toy").unwrap();
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
    let o = PcaOptions { contacts: d.join("sim.contacts.parquet"), k: 4, orient: Some(d.join("track.bedGraph")), output: d.join("pca.parquet"), force: false, seed: 0, raw: false, max_bins: 20_000 };
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

//! `hiclstm-downsample`: exact, seeded sampling of contacts without replacement.

use crate::common::tmpdir;
use hiclstm::genome::Chrom;
use hiclstm::simulate::{write_outputs, SimParams, WriteOptions};
use hiclstm::tables::contacts::{read_all, ChromContacts};
use std::path::Path;
use std::process::Command;

fn downsample(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_hiclstm-downsample")).args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stderr).into_owned())
}

fn simulated(d: &Path) -> String {
    let mut p = SimParams::preset(hiclstm::presets::SimulatePreset::Toy);
    p.chroms = vec![Chrom::new("chr1", 5_000_000), Chrom::new("chr2", 3_000_000)];
    write_outputs(&p, &WriteOptions { prefix: d.join("sim"), force: false, pairs: false, juicer_text: false }).unwrap();
    d.join("sim.contacts.parquet").display().to_string()
}

fn total(c: &[ChromContacts]) -> u64 {
    c.iter().flat_map(|c| &c.count).map(|&x| x as u64).sum()
}

#[test]
fn downsampling_keeps_exactly_the_target_drawn_without_replacement_and_seeded() {
    let dir = tmpdir();
    let d = dir.path();
    let input = simulated(d);
    let (_, full) = read_all(Path::new(&input)).unwrap();
    let n = total(&full);
    let half = (n / 2).to_string();
    let out = |p: &str| d.join(p).display().to_string();
    assert_eq!(downsample(&[&input, "--total", &half, "--seed", "3", "-o", &out("a")]).0, 0);
    assert_eq!(downsample(&[&input, "--total", &half, "--seed", "3", "-o", &out("b")]).0, 0);
    assert_eq!(downsample(&[&input, "--fraction", "0.5", "--seed", "4", "-o", &out("c")]).0, 0);
    let read = |p: &str| read_all(&d.join(format!("{p}.contacts.parquet"))).unwrap();
    let ((meta, a), (_, b), (_, c)) = (read("a"), read("b"), read("c"));
    assert_eq!(total(&a), n / 2, "exactly the target");
    assert_eq!(total(&c), (n as f64 * 0.5).round() as u64);
    assert_eq!(a, b, "the same seed gives the same table");
    assert_ne!(a, c, "another seed draws other contacts");
    assert_eq!(meta.get("normalization"), Some("NONE"));
    // Without replacement: no pixel gains contacts, every value is its count, and each pixel keeps
    // about half of its contacts (hypergeometric: mean c/2, variance below c/4).
    let (mut dev, mut var) = (0.0, 0.0);
    for (f, s) in full.iter().zip(&a) {
        assert_eq!(f.chrom, s.chrom);
        let mut k = 0;
        for (m, (&i, &j)) in s.i.iter().zip(&s.j).enumerate() {
            while (f.i[k], f.j[k]) != (i, j) {
                k += 1;
            }
            assert!(s.count[m] <= f.count[k] && s.count[m] >= 1.0, "({i}, {j}): {} of {}", s.count[m], f.count[k]);
            assert_eq!(s.value[m], s.count[m]);
            if f.count[k] >= 200.0 {
                dev += s.count[m] - f.count[k] / 2.0;
                var += f.count[k] / 4.0;
            }
        }
    }
    assert!(var > 1e4 && dev.abs() < 5.0 * var.sqrt(), "summed deviation {dev} against sd {}", var.sqrt());
    // The bins table keeps the sizes and drops the weights.
    let (_, chroms) = hiclstm::tables::bins::read_chroms(&d.join("a.bins.parquet")).unwrap();
    assert_eq!(chroms, vec![Chrom::new("chr1", 5_000_000), Chrom::new("chr2", 3_000_000)]);

    // --complement: the same draw, and the contacts it left, pixel by pixel: the two add up to the
    // input (two pseudo-replicates from disjoint halves of the reads).
    assert_eq!(downsample(&[&input, "--total", &half, "--seed", "3", "-o", &out("k"), "--complement", &out("r")]).0, 0);
    let ((_, k), (_, r)) = (read("k"), read("r"));
    assert_eq!(k, a, "the complement leaves the draw as it was");
    assert_eq!(total(&r), n - n / 2);
    for ((f, k), r) in full.iter().zip(&k).zip(&r) {
        let of = |c: &ChromContacts| -> std::collections::HashMap<(u32, u32), f64> {
            c.i.iter().zip(&c.j).zip(&c.count).map(|((&i, &j), &x)| ((i, j), x)).collect()
        };
        let (kk, rr) = (of(k), of(r));
        assert!(r.count.iter().all(|&x| x >= 1.0), "no empty pixel written");
        for ((&i, &j), &x) in f.i.iter().zip(&f.j).zip(&f.count) {
            let got = kk.get(&(i, j)).unwrap_or(&0.0) + rr.get(&(i, j)).unwrap_or(&0.0);
            assert_eq!(got, x, "{} ({i}, {j})", f.chrom);
        }
    }
    assert_eq!(hiclstm::tables::bins::read_chroms(&d.join("r.bins.parquet")).unwrap().1, chroms);
    let (code, err) = downsample(&[&input, "--total", &half, "-o", &out("s"), "--complement", &out("s")]);
    assert_eq!(code, 8, "{err}");
    assert!(!d.join("s.contacts.parquet").exists(), "nothing written");
}

#[test]
fn impossible_targets_and_fractional_counts_are_refused_without_output() {
    let dir = tmpdir();
    let d = dir.path();
    let input = simulated(d);
    let (_, full) = read_all(Path::new(&input)).unwrap();
    let too_many = (total(&full) + 1).to_string();
    let out = d.join("x").display().to_string();
    let (code, err) = downsample(&[&input, "--total", &too_many, "-o", &out]);
    assert_eq!(code, 8, "{err}");
    assert!(err.contains("holds only"), "{err}");
    let (code, err) = downsample(&[&input, "--fraction", "1.5", "-o", &out]);
    assert_eq!(code, 8, "{err}");
    let (code, err) = downsample(&[&input, "-o", &out]);
    assert_eq!(code, 2, "--total or --fraction is required: {err}");
    // A table of balanced (fractional) counts cannot be sampled.
    let mut meta = hiclstm::tables::Meta::new(hiclstm::tables::TableKind::Contacts.schema());
    meta.set("resolution", 100);
    let frac = d.join("frac.contacts.parquet");
    let mut w = hiclstm::tables::contacts::ContactsWriter::create(&frac, &meta, false).unwrap();
    w.write("chr1", &[hiclstm::formats::Pixel { i: 0, j: 0, count: 3.0 }, hiclstm::formats::Pixel { i: 0, j: 1, count: 2.5 }], None).unwrap();
    w.finish().unwrap().commit(false).unwrap();
    let (code, err) = downsample(&[frac.to_str().unwrap(), "--fraction", "0.5", "-o", &out]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("frac.contacts.parquet") && err.contains("row 2") && err.contains("2.5"), "{err}");
    assert!(!d.join("x.contacts.parquet").exists() && !d.join("x.bins.parquet").exists());
}

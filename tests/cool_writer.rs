//! The cooler writer, read back by our reader and by cooler itself (the PyPI package, installed
//! into the tools venv by `make test`'s set-up).

use crate::common::{tmpdir, tools_python};
use hiclstm::formats::cool::CoolSource;
use hiclstm::formats::cool_writer::{zoom_resolutions, CoolerContent, CoolerFormat, CoolerWriter};
use hiclstm::formats::ContactSource;
use hiclstm::genome::BinMap;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Pixels by (chromosome, i, j).
type Map = BTreeMap<(String, u32, u32), f64>;

/// A genome of 621 bins at 10 bp (chr1 5,005 bp, chr2 1,200 bp): more than one 256-bin tile, so
/// an `.mcool` has three levels (10, 20, 40 bp).
fn genome() -> BinMap {
    let mut g = BinMap::new(10);
    g.push("chr1", 5005);
    g.push("chr2", 1200);
    g
}

/// Seeded pixels (chromosome, i, j, value) in writing order: chr1 a band up to distance 40,
/// chr2 every pixel; a few NaN values, which are not pixels.
fn pixels() -> Vec<(&'static str, u32, u32, f64)> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut out = Vec::new();
    for i in 0..501u32 {
        for j in i..(i + 40).min(501) {
            if rng.random_bool(0.7) {
                out.push(("chr1", i, j, if rng.random_bool(0.01) { f64::NAN } else { rng.random_range(0.0..50.0) }));
            }
        }
    }
    for i in 0..120u32 {
        for j in i..120 {
            out.push(("chr2", i, j, rng.random_range(0.0..5.0)));
        }
    }
    out
}

fn content() -> CoolerContent {
    CoolerContent { value: "predicted_value".into(), description: "test".into(), normalization: "balanced".into(), params: serde_json::json!({"seed": 7}) }
}

fn write(path: &Path, format: CoolerFormat, px: &[(&str, u32, u32, f64)]) -> PathBuf {
    let mut w = CoolerWriter::create(path, &genome(), format, &content(), Some("hg19"), false).unwrap();
    for &(c, i, j, v) in px {
        w.push(c, i, j, v).unwrap();
    }
    w.finish().unwrap().commit(false).unwrap()
}

/// What each resolution must hold: the base pixels summed into coarse pixels, keyed by
/// (chromosome, i, j) at that resolution.
fn expected(px: &[(&str, u32, u32, f64)], factor: u32) -> Map {
    let mut m = BTreeMap::new();
    for &(c, i, j, v) in px.iter().filter(|p| !p.3.is_nan()) {
        *m.entry((c.to_string(), i / factor, j / factor)).or_insert(0.0) += v;
    }
    m
}

fn read_ours(uri: &str) -> Map {
    let mut src = CoolSource::open(uri, None, "NONE").unwrap();
    let mut m = BTreeMap::new();
    for k in 0..src.chroms().len() {
        let name = src.chroms()[k].name.clone();
        src.for_each_chunk(k, &mut |p| {
            for x in p {
                m.insert((name.clone(), x.i, x.j), x.count);
            }
            Ok(())
        })
        .unwrap();
    }
    m
}

fn assert_same(what: &str, got: &Map, want: &Map) {
    assert_eq!(got.len(), want.len(), "{what}: pixel count");
    for ((k, a), (l, b)) in got.iter().zip(want) {
        assert_eq!(k, l, "{what}: pixel keys");
        assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{what}: {k:?} holds {a}, expected {b}");
    }
}

/// Every resolution of `path` as cooler reads it: its info, chromosome sizes, bins' chromosome
/// names and the upper-triangle pixels (from the symmetric matrix, checking symmetry on the way).
fn read_with_cooler(path: &Path) -> BTreeMap<u32, (serde_json::Value, Map)> {
    let script = r#"
import json, sys, cooler, numpy as np
path = sys.argv[1]
uris = cooler.fileops.list_coolers(path)
out = {}
for g in uris:
    clr = cooler.Cooler(path + "::" + g)
    bins = clr.bins()[:]
    px = []
    for c in clr.chromnames:
        m = clr.matrix(balance=False, sparse=False).fetch(c)
        assert np.allclose(m, m.T, equal_nan=True), "not symmetric"
        lo = clr.offset(c)
        p = clr.pixels(join=False).fetch(c)
        for b1, b2, v in zip(p["bin1_id"], p["bin2_id"], p["count"]):
            assert m[b1 - lo, b2 - lo] == v
            px.append([c, int(b1 - lo), int(b2 - lo), float(v)])
    info = clr.info
    out[str(clr.binsize)] = {"info": {"nnz": int(info["nnz"]), "nbins": int(info["nbins"]), "storage": info["storage-mode"],
        "assembly": info.get("assembly"), "metadata": info.get("metadata")}, "chromsizes": {k: int(v) for k, v in clr.chromsizes.items()},
        "bin_chroms": sorted(set(str(x) for x in bins["chrom"])), "pixels": px}
print(json.dumps(out))
"#;
    let r = Command::new(tools_python()).arg("-c").arg(script).arg(path).output().unwrap();
    assert!(r.status.success(), "cooler could not read {}:\n{}", path.display(), String::from_utf8_lossy(&r.stderr));
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    v.as_object()
        .unwrap()
        .iter()
        .map(|(res, x)| {
            let px = x["pixels"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| ((p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap() as u32, p[2].as_u64().unwrap() as u32), p[3].as_f64().unwrap()))
                .collect();
            (res.parse().unwrap(), (x.clone(), px))
        })
        .collect()
}

#[test]
fn zoom_levels_follow_coolers_binary_progression() {
    assert_eq!(zoom_resolutions(10, 6205), vec![10, 20, 40], "621 bins: 311 at 20 bp, 156 at 40 bp");
    assert_eq!(zoom_resolutions(50_000, 2_560_000), vec![50_000], "exactly one tile");
    let hg19 = zoom_resolutions(10_000, 2_881_033_286);
    assert_eq!((hg19.first(), hg19.last(), hg19.len()), (Some(&10_000), Some(&20_480_000), 12));
}

#[test]
fn written_coolers_read_back_pixel_by_pixel_by_our_reader_and_by_cooler() {
    let dir = tmpdir();
    let px = pixels();
    let cool = write(&dir.path().join("m.cool"), CoolerFormat::Cool, &px);
    let mcool = write(&dir.path().join("m.mcool"), CoolerFormat::Mcool, &px);
    assert_same("cool, our reader", &read_ours(cool.to_str().unwrap()), &expected(&px, 1));
    for (res, f) in [(10, 1), (20, 2), (40, 4)] {
        let uri = format!("{}::/resolutions/{res}", mcool.display());
        assert_same(&format!("mcool {res} bp, our reader"), &read_ours(&uri), &expected(&px, f));
    }

    let single = read_with_cooler(&cool);
    assert_eq!(single.keys().copied().collect::<Vec<_>>(), vec![10]);
    let levels = read_with_cooler(&mcool);
    assert_eq!(levels.keys().copied().collect::<Vec<_>>(), vec![10, 20, 40], "cooler lists the three resolutions");
    for (res, (info, got)) in levels.iter().chain(single.iter()) {
        let want = expected(&px, res / 10);
        assert_same(&format!("{res} bp, cooler"), got, &want);
        assert_eq!(info["info"]["nnz"], want.len() as u64);
        assert_eq!(info["info"]["storage"], "symmetric-upper");
        assert_eq!(info["info"]["assembly"], "hg19");
        assert_eq!(info["chromsizes"], serde_json::json!({"chr1": 5005, "chr2": 1200}), "lengths, not bins times resolution");
        assert_eq!(info["bin_chroms"], serde_json::json!(["chr1", "chr2"]), "bins/chrom reads as names (an HDF5 enum)");
        assert_eq!(info["info"]["nbins"], (5005u64.div_ceil(*res as u64) + 1200u64.div_ceil(*res as u64)));
        let meta: serde_json::Value = match &info["info"]["metadata"] {
            serde_json::Value::String(s) => serde_json::from_str(s).unwrap(),
            v => v.clone(),
        };
        assert_eq!(meta["hiclstm"]["value"], "predicted_value");
        assert_eq!(meta["hiclstm"]["normalization"], "balanced");
    }
}

#[test]
fn unsorted_pixels_and_unknown_chromosomes_are_refused_and_nothing_is_left_behind() {
    let dir = tmpdir();
    let path = dir.path().join("bad.mcool");
    let mut w = CoolerWriter::create(&path, &genome(), CoolerFormat::Mcool, &content(), None, false).unwrap();
    w.push("chr1", 3, 5, 1.0).unwrap();
    let e = w.push("chr1", 3, 4, 1.0).unwrap_err().to_string();
    assert!(e.contains("not sorted") && e.contains("bad.mcool"), "{e}");
    let e = w.push("chrX", 0, 0, 1.0).unwrap_err().to_string();
    assert!(e.contains("chrX") && e.contains("chr1, chr2"), "{e}");
    assert!(w.push("chr2", 5, 4, 1.0).is_err(), "lower triangle");
    assert!(w.push("chr2", 4, 120, 1.0).is_err(), "beyond the chromosome");
    drop(w);
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "an abandoned cooler leaves nothing: {left:?}");
    // An existing file is refused before anything is written, and kept.
    std::fs::write(&path, b"keep").unwrap();
    let e = CoolerWriter::create(&path, &genome(), CoolerFormat::Mcool, &content(), None, false).err().unwrap();
    assert_eq!(e.exit_code(), hiclstm::error::exit::OUTPUT);
    assert_eq!(std::fs::read(&path).unwrap(), b"keep");
}

//! Conformance against the reference dumps in ../shared/data/expected (made with cooler and
//! hictk): same pixel set, values within 1e-6 relative. These tests need ../shared and are
//! `#[ignore]`d; `make test` runs them when ../shared/data exists.

use crate::common;

use common::{read_expected, rel_close, shared_data, tmpdir, Expected};
use hiclstm::formats::{Format, OpenOptions};
use hiclstm::genome::{NameStyle, Selection};
use hiclstm::import::{contacts_path, run, ImportOptions};
use hiclstm::tables::contacts::read_all;

fn import(input: &str, resolution: Option<u32>, norm: &str, chrom: &str) -> (hiclstm::tables::Meta, Vec<(i64, i64, f64, f64)>) {
    let dir = tmpdir();
    let opts = ImportOptions {
        input: input.to_string(),
        format: None,
        open: OpenOptions { resolution, normalization: Some(norm.into()), ..Default::default() },
        chromosomes: chrom.parse::<Selection>().unwrap(),
        names: NameStyle::Asis,
        assembly: None,
        output: dir.path().join("x"),
        force: false,
        trans: false,
    };
    run(&opts).unwrap_or_else(|e| panic!("import of {input} failed: {e}"));
    let (meta, chroms) = read_all(&contacts_path(&dir.path().join("x"))).unwrap();
    assert_eq!(chroms.len(), 1);
    let res = meta.resolution().unwrap() as i64;
    let c = &chroms[0];
    let rows = (0..c.i.len()).map(|k| (c.i[k] as i64 * res, c.j[k] as i64 * res, c.count[k], c.value[k])).collect();
    (meta, rows)
}

fn compare(ours: &[(i64, i64, f64, f64)], expected: &[Expected], value_is_balanced: bool, what: &str) {
    assert_eq!(ours.len(), expected.len(), "{what}: pixel count differs");
    for (k, (o, e)) in ours.iter().zip(expected).enumerate() {
        assert_eq!((o.0, o.1), (e.start1, e.start2), "{what}: pixel {k} differs");
        if value_is_balanced {
            assert!(rel_close(o.2, e.count, 1e-6), "{what}: count at {k}: {} vs {}", o.2, e.count);
            match e.balanced {
                Some(b) => assert!(rel_close(o.3, b, 1e-6), "{what}: balanced at {k}: {} vs {b}", o.3),
                None => assert!(o.3.is_nan(), "{what}: balanced at {k} should be null, is {}", o.3),
            }
        } else {
            // The dump's count column holds the normalized value when a normalization is chosen.
            assert!(rel_close(o.3, e.count, 1e-6), "{what}: value at {k}: {} vs {}", o.3, e.count);
        }
    }
}

#[test]
#[ignore = "needs ../shared/data"]
fn cool_50kb_counts_and_balanced_match_cooler() {
    let d = shared_data();
    for chrom in ["chr21", "chr22"] {
        let (meta, ours) = import(d.join("calder_4dn_chr21_chr22_50kb.cool").to_str().unwrap(), None, "balanced", chrom);
        assert_eq!(meta.get("normalization"), Some("balanced"));
        let exp = read_expected(&d.join(format!("expected/calder_50kb_{chrom}.tsv.gz")));
        compare(&ours, &exp, true, chrom);
    }
}

#[test]
#[ignore = "needs ../shared/data"]
fn mcool_resolution_by_uri_and_by_flag_match_cooler() {
    let d = shared_data();
    let exp = read_expected(&d.join("expected/calder_mcool_100kb_chr21.tsv.gz"));
    let file = d.join("calder_4dn_chr21_chr22.mcool");
    let (_, a) = import(&format!("{}::/resolutions/100000", file.display()), None, "NONE", "chr21");
    compare(&a, &exp, false, "mcool uri");
    let (_, b) = import(file.to_str().unwrap(), Some(100_000), "NONE", "21");
    compare(&b, &exp, false, "mcool --resolution, chromosome alias 21");
}

#[test]
#[ignore = "needs ../shared/data"]
fn hic_v9_matches_hictk() {
    let d = shared_data();
    let (meta, ours) = import(d.join("calder_4dn_chr21_chr22_v9.hic").to_str().unwrap(), Some(100_000), "NONE", "chr22");
    assert_eq!(meta.resolution(), Some(100_000));
    compare(&ours, &read_expected(&d.join("expected/calder_v9_hic_100kb_chr22_NONE.tsv.gz")), false, "v9 chr22");
}

#[test]
#[ignore = "needs ../shared/data"]
fn hic_v8_every_normalization_matches_hictk() {
    let d = shared_data();
    let file = d.join("straw_test_2500kb.hic");
    for norm in ["NONE", "KR", "VC", "VC_SQRT", "SCALE"] {
        let (meta, ours) = import(file.to_str().unwrap(), None, norm, "chr1");
        assert_eq!(meta.get("normalization"), Some(norm));
        assert_eq!(meta.get("assembly"), Some("hg19"));
        compare(&ours, &read_expected(&d.join(format!("expected/straw_test_hic_2500kb_chr1_{norm}.tsv.gz"))), false, norm);
    }
    let (_, x) = import(file.to_str().unwrap(), None, "NONE", "X");
    compare(&x, &read_expected(&d.join("expected/straw_test_hic_2500kb_chrX_NONE.tsv.gz")), false, "chrX");
}

#[test]
#[ignore = "needs ../shared/data"]
fn hic_v8_inter_chromosomal_records_match_hictk() {
    let d = shared_data();
    let hic = hiclstm::formats::hic::HicFile::open(&d.join("straw_test_2500kb.hic")).unwrap();
    let c1 = hic.chroms.iter().position(|c| c.name == "1").unwrap();
    let c2 = hic.chroms.iter().position(|c| c.name == "2").unwrap();
    let mut recs: Vec<(i64, i64, f64)> =
        hic.records(c1, c2, 2_500_000).unwrap().into_iter().map(|(x, y, c)| (x as i64 * 2_500_000, y as i64 * 2_500_000, c as f64)).collect();
    recs.sort_by_key(|a| (a.0, a.1));
    let exp = read_expected(&d.join("expected/straw_test_hic_2500kb_chr1_chr2_NONE.tsv.gz"));
    assert_eq!(recs.len(), exp.len());
    for (o, e) in recs.iter().zip(&exp) {
        assert_eq!((o.0, o.1), (e.start1, e.start2));
        assert!(rel_close(o.2, e.count, 1e-6));
    }
}

#[test]
#[ignore = "needs ../shared/data"]
fn hic_and_mcool_of_the_same_data_agree() {
    let d = shared_data();
    let (_, h) = import(d.join("calder_4dn_chr21_chr22_v9.hic").to_str().unwrap(), Some(100_000), "NONE", "chr21");
    let (_, m) = import(&format!("{}::/resolutions/100000", d.join("calder_4dn_chr21_chr22.mcool").display()), None, "NONE", "chr21");
    assert_eq!(h, m);
    let _ = Format::Hic;
}

/// Imports `input` with `--trans` for `chroms` and returns every trans pixel as
/// (chrom1, chrom2, start_i, start_j, count, value).
fn import_trans(input: &str, resolution: Option<u32>, norm: &str, chroms: &str) -> Vec<(String, String, i64, i64, f64, f64)> {
    import_trans_spilled(input, resolution, norm, chroms, hiclstm::formats::spill::SPILL_PIXELS)
}

/// [`import_trans`] with the readers spilling past `spill` pixels held.
fn import_trans_spilled(input: &str, resolution: Option<u32>, norm: &str, chroms: &str, spill: usize) -> Vec<(String, String, i64, i64, f64, f64)> {
    let dir = tmpdir();
    let prefix = dir.path().join("x");
    let opts = ImportOptions {
        input: input.to_string(),
        format: None,
        open: OpenOptions {
            resolution,
            normalization: Some(norm.into()),
            spill: hiclstm::formats::spill::Spill { pixels: spill, dir: None },
            ..Default::default()
        },
        chromosomes: chroms.parse::<Selection>().unwrap(),
        names: NameStyle::Asis,
        assembly: None,
        output: prefix.clone(),
        force: false,
        trans: true,
    };
    let s = run(&opts).unwrap_or_else(|e| panic!("import of {input} failed: {e}"));
    let mut out = Vec::new();
    let meta = hiclstm::tables::trans::stream(&hiclstm::import::trans_path(&prefix), |p| {
        for k in 0..p.i.len() {
            out.push((p.chrom1.clone(), p.chrom2.clone(), p.i[k] as i64, p.j[k] as i64, p.count[k], p.value[k]));
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(s.trans_pixels, out.len() as u64);
    let res = meta.resolution().unwrap() as i64;
    out.iter_mut().for_each(|r| (r.2, r.3) = (r.2 * res, r.3 * res));
    out
}

#[test]
#[ignore = "needs ../shared/data"]
fn hic_trans_table_matches_hictk_in_either_chromosome_order() {
    let d = shared_data();
    let file = d.join("straw_test_2500kb.hic");
    let exp = read_expected(&d.join("expected/straw_test_hic_2500kb_chr1_chr2_NONE.tsv.gz"));
    let ours = import_trans(file.to_str().unwrap(), None, "NONE", "1,2");
    assert_eq!(ours.len(), exp.len(), "trans pixel count");
    for (o, e) in ours.iter().zip(&exp) {
        assert_eq!((o.0.as_str(), o.1.as_str(), o.2, o.3), ("1", "2", e.start1, e.start2));
        assert!(rel_close(o.4, e.count, 1e-6) && rel_close(o.5, e.count, 1e-6));
    }
    // Listed the other way round, chromosome 2 comes first: the same pixels, transposed and
    // sorted by (chromosome 2's bin, chromosome 1's bin).
    let back = import_trans(file.to_str().unwrap(), None, "NONE", "2,1");
    let mut want: Vec<_> = exp.iter().map(|e| (e.start2, e.start1, e.count)).collect();
    want.sort_by_key(|w| (w.0, w.1));
    assert_eq!(back.iter().map(|b| (b.0.as_str(), b.1.as_str())).collect::<std::collections::BTreeSet<_>>().into_iter().collect::<Vec<_>>(), [("2", "1")]);
    assert_eq!(back.iter().map(|b| (b.2, b.3, b.4)).collect::<Vec<_>>(), want);
    // Spilled to the temporary file past 10 pixels held: the same tables.
    assert_eq!(import_trans_spilled(file.to_str().unwrap(), None, "NONE", "1,2", 10), ours);
    assert_eq!(import_trans_spilled(file.to_str().unwrap(), None, "NONE", "2,1", 10), back);
}

#[test]
#[ignore = "needs ../shared/data"]
fn cool_trans_pixels_match_the_cooler_and_the_hic_file_of_the_same_data() {
    let d = shared_data();
    // The 50 kb cooler's inter-chromosomal pixels, counted with h5py from its pixels datasets:
    // 64,112 pixels holding 81,741 read pairs.
    let c = import_trans(d.join("calder_4dn_chr21_chr22_50kb.cool").to_str().unwrap(), None, "balanced", "chr21,chr22");
    assert_eq!(c.len(), 64_112);
    assert_eq!(c.iter().map(|r| r.4).sum::<f64>(), 81_741.0);
    assert!(c.iter().all(|r| r.0 == "chr21" && r.1 == "chr22" && r.2 < 46_709_983 && r.3 < 50_818_468));
    assert!(c.iter().any(|r| r.5.is_nan()) && c.iter().any(|r| r.5 > 0.0 && r.5 != r.4), "balanced values, null where a bin is masked");
    // .hic and .mcool of the same experiment hold the same trans block at 100 kb.
    let h = import_trans(d.join("calder_4dn_chr21_chr22_v9.hic").to_str().unwrap(), Some(100_000), "NONE", "chr21,chr22");
    let m = import_trans(&format!("{}::/resolutions/100000", d.join("calder_4dn_chr21_chr22.mcool").display()), None, "NONE", "chr21,chr22");
    assert!(h.len() > 10_000, "{} trans pixels at 100 kb", h.len());
    assert_eq!(h, m);
    // Spilled to the temporary file past 1,000 pixels held: the same tables.
    let spilled = |input: &str, res| import_trans_spilled(input, res, "NONE", "chr21,chr22", 1_000);
    assert_eq!(spilled(d.join("calder_4dn_chr21_chr22_v9.hic").to_str().unwrap(), Some(100_000)), h);
    assert_eq!(spilled(&format!("{}::/resolutions/100000", d.join("calder_4dn_chr21_chr22.mcool").display()), None), m);
}

//! The cooler reader on small files written here with libhdf5 (no outside data needed).

use crate::common;

use common::tmpdir;
use hdf5::types::FixedAscii;
use hiclstm::formats::cool::CoolSource;
use hiclstm::formats::{ContactSource, Pixel};
use std::path::Path;

/// Writes a symmetric-upper cooler: chr1 (5 bins) and chr2 (3 bins) at 100 bp, with an
/// inter-chromosomal pixel that must be skipped, and optionally a weight column.
fn write_cool(path: &Path, weight: Option<&[f64]>) {
    let f = hdf5::File::create(path).unwrap();
    let names: Vec<FixedAscii<8>> = ["chr1", "chr2"].iter().map(|n| FixedAscii::from_ascii(n.as_bytes()).unwrap()).collect();
    f.create_group("chroms").unwrap();
    f.new_dataset_builder().with_data(&names).create("chroms/name").unwrap();
    f.new_dataset_builder().with_data(&[450i64, 300]).create("chroms/length").unwrap();
    f.create_group("bins").unwrap();
    f.new_dataset_builder().with_data(&[0i64, 100, 200, 300, 400, 0, 100, 200]).create("bins/start").unwrap();
    if let Some(w) = weight {
        f.new_dataset_builder().with_data(w).create("bins/weight").unwrap();
    }
    // (bin1, bin2, count), sorted; bins 5..8 are chr2.
    let px = [(0i64, 0i64, 4i32), (0, 2, 1), (1, 1, 3), (1, 6, 9), (3, 4, 2), (5, 5, 7), (5, 7, 1), (6, 6, 5)];
    f.create_group("pixels").unwrap();
    f.new_dataset_builder().with_data(&px.iter().map(|p| p.0).collect::<Vec<_>>()).create("pixels/bin1_id").unwrap();
    f.new_dataset_builder().with_data(&px.iter().map(|p| p.1).collect::<Vec<_>>()).create("pixels/bin2_id").unwrap();
    f.new_dataset_builder().with_data(&px.iter().map(|p| p.2).collect::<Vec<_>>()).create("pixels/count").unwrap();
    f.create_group("indexes").unwrap();
    f.new_dataset_builder().with_data(&[0i64, 5, 8]).create("indexes/chrom_offset").unwrap();
    f.new_dataset_builder().with_data(&[0i64, 2, 4, 4, 5, 5, 7, 8, 8]).create("indexes/bin1_offset").unwrap();
    f.new_attr::<i64>().create("bin-size").unwrap().write_scalar(&100i64).unwrap();
}

fn pixels(src: &mut CoolSource, k: usize) -> Vec<Pixel> {
    let mut out = Vec::new();
    src.for_each_chunk(k, &mut |p| {
        out.extend_from_slice(p);
        Ok(())
    })
    .unwrap();
    out
}

#[test]
fn reads_intra_pixels_and_weights() {
    let dir = tmpdir();
    let path = dir.path().join("t.cool");
    let w = [1.0, 0.5, f64::NAN, 2.0, 1.0, 1.0, 1.0, 3.0];
    write_cool(&path, Some(&w));
    let mut src = CoolSource::open(path.to_str().unwrap(), None, "balanced").unwrap();
    assert_eq!(src.resolution(), 100);
    assert_eq!(src.chroms().iter().map(|c| (c.name.as_str(), c.length)).collect::<Vec<_>>(), vec![("chr1", 450), ("chr2", 300)]);
    let p = pixels(&mut src, 0);
    let ij: Vec<(u32, u32, f64)> = p.iter().map(|p| (p.i, p.j, p.count)).collect();
    assert_eq!(ij, vec![(0, 0, 4.0), (0, 2, 1.0), (1, 1, 3.0), (3, 4, 2.0)], "inter-chromosomal pixel (1, 6) skipped");
    let p2: Vec<(u32, u32)> = pixels(&mut src, 1).iter().map(|p| (p.i, p.j)).collect();
    assert_eq!(p2, vec![(0, 0), (0, 2), (1, 1)], "chr2 bins are relative to the chromosome");
    assert_eq!(src.weights(1).unwrap().unwrap(), vec![1.0, 1.0, 3.0]);
    assert_eq!(src.normalization(), "balanced");
}

#[test]
fn balanced_values_without_weights_are_refused() {
    let dir = tmpdir();
    let path = dir.path().join("raw.cool");
    write_cool(&path, None);
    let e = CoolSource::open(path.to_str().unwrap(), None, "balanced").err().unwrap();
    assert_eq!(e.exit_code(), hiclstm::error::exit::NOT_IN_INPUT);
    assert!(e.to_string().contains("raw.cool") && e.to_string().contains("cooler balance"), "{e}");
    assert!(CoolSource::open(path.to_str().unwrap(), Some(200), "NONE").is_err(), "wrong resolution");
    assert!(CoolSource::open(path.to_str().unwrap(), Some(100), "NONE").is_ok());
}

#[test]
fn a_cooler_without_pixels_is_not_a_cooler() {
    let dir = tmpdir();
    let path = dir.path().join("empty.cool");
    hdf5::File::create(&path).unwrap().create_group("chroms").unwrap();
    let e = CoolSource::open(path.to_str().unwrap(), None, "NONE").err().unwrap();
    assert_eq!(e.exit_code(), hiclstm::error::exit::INPUT_FORMAT);
    assert!(e.to_string().contains("missing dataset"), "{e}");
}

/// A cooler described by its datasets, for cross-checks: one chromosome of 450 bp at 100 bp
/// (bins starting at `first`), pixels (bin1, bin2, count) in the given order.
struct Layout {
    length: i64,
    bin_size: i64,
    starts: Vec<i64>,
    pixels: Vec<(i64, i64, f64)>,
    bin1_offset: Option<Vec<i64>>,
    weight: Option<Vec<f64>>,
    /// The `storage-mode` attribute, where written.
    storage_mode: Option<&'static str>,
}

impl Layout {
    fn new() -> Self {
        Layout {
            length: 450,
            bin_size: 100,
            starts: vec![0, 100, 200, 300, 400],
            pixels: vec![(0, 0, 4.0), (0, 2, 1.0), (1, 1, 3.0), (3, 4, 2.0)],
            bin1_offset: None,
            weight: None,
            storage_mode: None,
        }
    }

    fn write(&self, path: &Path) {
        let f = hdf5::File::create(path).unwrap();
        f.create_group("chroms").unwrap();
        f.new_dataset_builder().with_data(&[FixedAscii::<8>::from_ascii(b"chr1").unwrap()]).create("chroms/name").unwrap();
        f.new_dataset_builder().with_data(&[self.length]).create("chroms/length").unwrap();
        f.create_group("bins").unwrap();
        f.new_dataset_builder().with_data(&self.starts).create("bins/start").unwrap();
        let ends: Vec<i64> = self.starts.iter().map(|s| (s + self.bin_size).min(self.length)).collect();
        f.new_dataset_builder().with_data(&ends).create("bins/end").unwrap();
        if let Some(w) = &self.weight {
            f.new_dataset_builder().with_data(w).create("bins/weight").unwrap();
        }
        f.create_group("pixels").unwrap();
        f.new_dataset_builder().with_data(&self.pixels.iter().map(|p| p.0).collect::<Vec<_>>()).create("pixels/bin1_id").unwrap();
        f.new_dataset_builder().with_data(&self.pixels.iter().map(|p| p.1).collect::<Vec<_>>()).create("pixels/bin2_id").unwrap();
        f.new_dataset_builder().with_data(&self.pixels.iter().map(|p| p.2).collect::<Vec<_>>()).create("pixels/count").unwrap();
        f.create_group("indexes").unwrap();
        let n = self.starts.len();
        f.new_dataset_builder().with_data(&[0i64, n as i64]).create("indexes/chrom_offset").unwrap();
        let offsets = self.bin1_offset.clone().unwrap_or_else(|| (0..=n as i64).map(|b| self.pixels.iter().filter(|p| p.0 < b).count() as i64).collect());
        f.new_dataset_builder().with_data(&offsets).create("indexes/bin1_offset").unwrap();
        f.new_attr::<i64>().create("bin-size").unwrap().write_scalar(&self.bin_size).unwrap();
        if let Some(m) = self.storage_mode {
            let v: hdf5::types::VarLenUnicode = m.parse().unwrap();
            f.new_attr::<hdf5::types::VarLenUnicode>().create("storage-mode").unwrap().write_scalar(&v).unwrap();
        }
    }
}

fn read_layout(l: &Layout, norm: &str) -> hiclstm::Result<Vec<(u32, u32, f64)>> {
    let dir = tmpdir();
    let path = dir.path().join("t.cool");
    l.write(&path);
    let mut src = CoolSource::open(path.to_str().unwrap(), None, norm)?;
    let mut out = Vec::new();
    src.for_each_chunk(0, &mut |p| {
        out.extend(p.iter().map(|p| (p.i, p.j, p.count)));
        Ok(())
    })?;
    if norm != "NONE" {
        src.weights(0)?;
    }
    Ok(out)
}

/// Coolers as other tools write them, read as cooler reads them: a region cut out of a
/// chromosome keeps its bin coordinates, rows unsorted by bin2 (legacy zoomify) are sorted.
#[test]
fn layouts_cooler_reads_are_read_the_same_way() {
    let mut cut = Layout::new();
    cut.length = 1000;
    cut.starts = vec![500, 600, 700];
    cut.pixels = vec![(0, 0, 1.0), (0, 2, 2.0), (2, 2, 3.0)];
    assert_eq!(read_layout(&cut, "NONE").unwrap(), vec![(5, 5, 1.0), (5, 7, 2.0), (7, 7, 3.0)], "bins 5..8 of chr1, not 0..3");
    let mut unsorted = Layout::new();
    unsorted.pixels = vec![(0, 2, 1.0), (0, 0, 4.0), (1, 1, 3.0), (3, 4, 2.0)];
    assert_eq!(read_layout(&unsorted, "NONE").unwrap(), vec![(0, 0, 4.0), (0, 2, 1.0), (1, 1, 3.0), (3, 4, 2.0)]);
}

/// What a cooler states twice must agree; damage is refused (exit 4) naming the dataset, never
/// imported at a wrong resolution, shifted or with pixels silently dropped.
#[test]
fn inconsistent_coolers_are_refused_naming_the_dataset() {
    type Damage = Box<dyn Fn(&mut Layout)>;
    let cases: Vec<(&str, Damage, &str)> = vec![
        ("bin-size disagrees", Box::new(|l| l.bin_size = 50), "bins/start row 1"),
        ("bins past the chromosome", Box::new(|l| l.length = 250), "bins/start row 3"),
        ("unaligned region", Box::new(|l| l.starts = vec![50, 150, 250, 350, 450]), "not a multiple of bin-size"),
        ("damaged bin1_offset", Box::new(|l| l.bin1_offset = Some(vec![0, 1, 3, 3, 4, 4])), "row 1"),
        ("decreasing bin1_offset", Box::new(|l| l.bin1_offset = Some(vec![0, 2, 1, 3, 4, 4])), "indexes/bin1_offset"),
        ("truncated bin1_offset", Box::new(|l| l.bin1_offset = Some(vec![0, 2, 3, 3, 3, 3])), "the pixel table has 4 rows"),
        ("bin2 out of range", Box::new(|l| l.pixels[3].1 = 9), "bin2_id 9 outside"),
        ("negative count", Box::new(|l| l.pixels[1].2 = -1.0), "count -1 is negative"),
        ("NaN count", Box::new(|l| l.pixels[1].2 = f64::NAN), "count NaN"),
        ("repeated pixel", Box::new(|l| l.pixels = vec![(0, 0, 4.0), (0, 0, 1.0), (1, 1, 3.0), (3, 4, 2.0)]), "appears twice"),
        // Both triangles of a matrix not assumed symmetric: refused by its attribute, even where
        // every pixel stored happens to lie in the upper triangle.
        ("square storage", Box::new(|l| l.storage_mode = Some("square")), "@storage-mode"),
    ];
    for (name, change, needle) in cases {
        let mut l = Layout::new();
        change(&mut l);
        let e = read_layout(&l, "NONE").err().unwrap_or_else(|| panic!("{name}: accepted"));
        assert_eq!(e.exit_code(), hiclstm::error::exit::INPUT_FORMAT, "{name}: {e}");
        assert!(e.to_string().contains(needle), "{name}: {e}");
    }
    let mut l = Layout::new();
    l.weight = Some(vec![1.0, -0.5, f64::NAN, 1.0, 1.0]);
    let e = read_layout(&l, "balanced").unwrap_err().to_string();
    assert!(e.contains("bins/weight row 1") && e.contains("negative"), "{e}");
    l.weight = Some(vec![1.0, 0.5, f64::NAN, 1.0, 1.0]);
    assert!(read_layout(&l, "balanced").is_ok(), "NaN weights mark masked bins");
    let mut l = Layout::new();
    l.storage_mode = Some("symmetric-upper");
    assert_eq!(read_layout(&l, "NONE").unwrap(), read_layout(&Layout::new(), "NONE").unwrap(), "the default storage mode, stated");
}

/// Older `cooler zoomify` files keep resolutions as groups /0, /1, ... at the root: picked by
/// their bin-size, as for `/resolutions/N`.
#[test]
fn legacy_multires_groups_are_found_by_resolution() {
    let dir = tmpdir();
    let path = dir.path().join("legacy.mcool");
    // Write a one-resolution cooler, then move its contents under /0 and /1 (200 bp).
    Layout::new().write(&path);
    {
        let f = hdf5::File::open_rw(&path).unwrap();
        for g in ["0", "1"] {
            f.create_group(g).unwrap();
        }
        for name in ["chroms", "bins", "pixels", "indexes"] {
            f.link_hard(name, &format!("0/{name}")).unwrap();
            f.link_hard(name, &format!("1/{name}")).unwrap();
            f.unlink(name).unwrap();
        }
        f.group("0").unwrap().new_attr::<i64>().create("bin-size").unwrap().write_scalar(&100i64).unwrap();
        f.group("1").unwrap().new_attr::<i64>().create("bin-size").unwrap().write_scalar(&200i64).unwrap();
    }
    let src = CoolSource::open(path.to_str().unwrap(), Some(100), "NONE").unwrap();
    assert_eq!(src.resolution(), 100);
    let e = CoolSource::open(path.to_str().unwrap(), None, "NONE").err().unwrap();
    assert!(e.to_string().contains("100, 200"), "{e}");
    assert_eq!(CoolSource::open(path.to_str().unwrap(), Some(5000), "NONE").err().unwrap().exit_code(), hiclstm::error::exit::NOT_IN_INPUT);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]
    /// Random edits of a cooler's datasets (pixel ids and counts, the index, bin starts, the
    /// length): read or refused with a format error, never a panic, never a pixel outside its
    /// chromosome or out of order.
    #[test]
    fn fuzz_cooler_metadata_edits(
        edits in proptest::collection::vec((0usize..6, 0usize..6, -3i64..12), 1..5),
    ) {
        let mut l = Layout::new();
        let mut offsets: Vec<i64> = (0..=5).map(|b| l.pixels.iter().filter(|p| p.0 < b).count() as i64).collect();
        for (what, at, v) in edits {
            match what {
                0 => { let k = at % l.pixels.len(); l.pixels[k].0 = v; }
                1 => { let k = at % l.pixels.len(); l.pixels[k].1 = v; }
                2 => { let k = at % l.pixels.len(); l.pixels[k].2 = v as f64 - 1.5; }
                3 => {
                    let k = at % offsets.len();
                    offsets[k] = v;
                }
                4 => { let k = at % l.starts.len(); l.starts[k] = v * 50; }
                _ => l.length = (v.max(0) * 60) + 1,
            }
        }
        l.bin1_offset = Some(offsets);
        match read_layout(&l, "NONE") {
            Ok(px) => {
                let n = ((l.length + l.bin_size - 1) / l.bin_size) as u32;
                proptest::prop_assert!(px.iter().all(|p| p.0 <= p.1 && p.1 < n), "within the chromosome: {px:?}");
                proptest::prop_assert!(px.windows(2).all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)), "sorted: {px:?}");
                proptest::prop_assert!(px.iter().all(|p| p.2 >= 0.0 && p.2.is_finite()));
            }
            Err(e) => proptest::prop_assert!(matches!(e.exit_code(), 4 | 5 | 8), "{e}"),
        }
    }
}

/// Writes a cooler of chr1 (6 bins), chr2 (4) and chr3 (5) at 100 bp with `px` (bin1, bin2, count)
/// in the order given: rows must come in order, bin2 within a row need not (legacy zoomify).
fn write_three_chrom_cool(path: &Path, px: &[(i64, i64, i32)]) {
    let f = hdf5::File::create(path).unwrap();
    let names: Vec<FixedAscii<8>> = ["chr1", "chr2", "chr3"].iter().map(|n| FixedAscii::from_ascii(n.as_bytes()).unwrap()).collect();
    f.create_group("chroms").unwrap();
    f.new_dataset_builder().with_data(&names).create("chroms/name").unwrap();
    f.new_dataset_builder().with_data(&[600i64, 400, 500]).create("chroms/length").unwrap();
    f.create_group("bins").unwrap();
    let starts: Vec<i64> = [6, 4, 5].iter().flat_map(|&n| (0..n).map(|b| b * 100)).collect();
    f.new_dataset_builder().with_data(&starts).create("bins/start").unwrap();
    f.create_group("pixels").unwrap();
    f.new_dataset_builder().with_data(&px.iter().map(|p| p.0).collect::<Vec<_>>()).create("pixels/bin1_id").unwrap();
    f.new_dataset_builder().with_data(&px.iter().map(|p| p.1).collect::<Vec<_>>()).create("pixels/bin2_id").unwrap();
    f.new_dataset_builder().with_data(&px.iter().map(|p| p.2).collect::<Vec<_>>()).create("pixels/count").unwrap();
    f.create_group("indexes").unwrap();
    f.new_dataset_builder().with_data(&[0i64, 6, 10, 15]).create("indexes/chrom_offset").unwrap();
    let offsets: Vec<i64> = (0..=15).map(|b| px.iter().filter(|p| p.0 < b).count() as i64).collect();
    f.new_dataset_builder().with_data(&offsets).create("indexes/bin1_offset").unwrap();
    f.new_attr::<i64>().create("bin-size").unwrap().write_scalar(&100i64).unwrap();
}

/// chr1's trans pixels as `trans` hands them over: (partner index, pixels) per call.
fn trans_calls(path: &Path, spill: Option<usize>) -> hiclstm::Result<Vec<(usize, Vec<Pixel>)>> {
    let mut src = CoolSource::open(path.to_str().unwrap(), None, "NONE")?;
    if let Some(n) = spill {
        src.set_spill(hiclstm::formats::spill::Spill { pixels: n, dir: None });
    }
    let mut calls = Vec::new();
    src.trans(0, &[1, 2], &mut |k, px| {
        calls.push((k, px.to_vec()));
        Ok(())
    })?;
    Ok(calls)
}

/// A 10 kb map's chr1 holds over 100 M trans pixels, so `trans` spills them to temporary files
/// past a budget: spilled after every row or held whole, each partner's pixels come out the
/// same, partner by partner, sorted by (i, j) (a row unsorted by bin2 is sorted), and a pixel
/// stored twice is refused naming both chromosomes.
#[test]
fn trans_pixels_stream_partner_by_partner_whether_spilled_or_held() {
    let dir = tmpdir();
    let path = dir.path().join("three.cool");
    // Every chr1 row: its cis pixels, then a pattern of trans pixels; row 2 lists bin2 backwards.
    let mut px = Vec::new();
    for b1 in 0..6i64 {
        let mut row: Vec<(i64, i64, i32)> = (b1..15).filter(|b2| (b1 * 7 + b2 * 3) % 4 != 0).map(|b2| (b1, b2, (b1 * 100 + b2) as i32)).collect();
        if b1 == 2 {
            row.reverse();
        }
        px.extend(row);
    }
    px.extend([(6i64, 6i64, 1i32), (6, 12, 2), (11, 14, 3)]);
    write_three_chrom_cool(&path, &px);
    let expected = |lo: i64, hi: i64| -> Vec<Pixel> {
        let mut v: Vec<Pixel> =
            px.iter().filter(|p| p.0 < 6 && p.1 >= lo && p.1 < hi).map(|p| Pixel { i: p.0 as u32, j: (p.1 - lo) as u32, count: p.2 as f64 }).collect();
        v.sort_by_key(|p| (p.i, p.j));
        v
    };
    let (to_chr2, to_chr3) = (expected(6, 10), expected(10, 15));
    assert!(to_chr2.len() > 10 && to_chr3.len() > 10);
    for spill in [None, Some(0), Some(3)] {
        let calls = trans_calls(&path, spill).unwrap();
        // Partner by partner: every call for chr2 before any for chr3.
        let ks: Vec<usize> = calls.iter().map(|c| c.0).collect();
        assert!(ks.windows(2).all(|w| w[0] <= w[1]), "{spill:?}: {ks:?}");
        let got = |k: usize| calls.iter().filter(|c| c.0 == k).flat_map(|c| c.1.clone()).collect::<Vec<_>>();
        assert_eq!(got(0), to_chr2, "spill {spill:?}");
        assert_eq!(got(1), to_chr3, "spill {spill:?}");
        if spill == Some(0) {
            assert!(calls.iter().filter(|c| c.0 == 0).count() > 1, "spilled pixels come back from the temporary file");
        }
    }
    // The same pixel twice in a row: refused, whether spilled or not.
    let mut twice = px.clone();
    let at = twice.iter().position(|p| *p == (4, 7, 407)).unwrap();
    twice.insert(at, (4, 7, 1));
    write_three_chrom_cool(&path, &twice);
    for spill in [None, Some(0)] {
        let e = trans_calls(&path, spill).unwrap_err().to_string();
        assert!(e.contains("pixel (4, 1) between chr1 and chr2 appears twice"), "{e}");
    }
}

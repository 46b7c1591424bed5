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

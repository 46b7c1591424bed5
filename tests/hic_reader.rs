//! The .hic reader on files written by the test writer (versions 8 and 9), and fuzzing: no
//! corrupted or truncated file may panic the reader; each gives an error.

use crate::common;

use common::hic_writer::{sample, write};
use hiclstm::formats::hic::{parse_block, HicSource};
use hiclstm::formats::{ContactSource, Pixel};
use proptest::prelude::*;
use std::path::Path;

fn read_chrom(src: &mut HicSource, k: usize) -> hiclstm::Result<Vec<Pixel>> {
    let mut out = Vec::new();
    src.for_each_chunk(k, &mut |px| {
        out.extend_from_slice(px);
        Ok(())
    })?;
    Ok(out)
}

#[test]
fn reads_versions_8_and_9_with_normalization() {
    for version in [8, 9] {
        let spec = sample(version);
        let dir = common::tmpdir();
        let path = dir.path().join("t.hic");
        std::fs::write(&path, write(&spec)).unwrap();
        let mut src = HicSource::open(&path, None, "KR").unwrap();
        assert_eq!(src.resolution(), 1000);
        assert_eq!(src.assembly().as_deref(), Some("testgenome"));
        assert_eq!(src.chroms().len(), 3, "All + 2 chromosomes");
        for k in 0..2 {
            let got = read_chrom(&mut src, k + 1).unwrap();
            let mut want = spec.pixels[k].clone();
            want.sort_by_key(|p| (p.0, p.1));
            assert_eq!(got.len(), want.len(), "v{version} chrom {k}");
            for (g, w) in got.iter().zip(&want) {
                assert_eq!((g.i as i32, g.j as i32, g.count as f32), (w.0, w.1, w.2));
            }
            let weights = src.weights(k + 1).unwrap().unwrap();
            let norm = &spec.norms[0].1[k];
            for (b, w) in weights.iter().enumerate() {
                if norm[b].is_nan() {
                    assert!(w.is_nan());
                } else {
                    assert!((w * norm[b] - 1.0).abs() < 1e-6, "weight is the inverse of the .hic vector");
                }
            }
        }
    }
}

/// A chromosome's pixels arrive in blocks that are tiles, not rows, and a 10 kb map's largest
/// chromosome has 68 M of them: they are sorted by bands of rows that spill to temporary files.
/// Spilled after every batch of blocks or held, blocks in any order: the same sorted pixels.
#[test]
fn pixels_come_out_sorted_whether_spilled_or_held() {
    for version in [8, 9] {
        let mut spec = sample(version);
        // Blocks of one pixel each, in a scrambled order: pixels arrive in no order, over several
        // batches of blocks.
        spec.block_size = 1;
        for px in &mut spec.pixels {
            px.sort_by_key(|p| ((p.0 as i64 * 7919 + p.1 as i64 * 104_729) % 1009, p.0, p.1));
            assert!(!px.is_sorted_by_key(|p| (p.0, p.1)));
        }
        assert!(spec.pixels[0].len() > 64, "more blocks than one batch");
        let dir = common::tmpdir();
        let path = dir.path().join("t.hic");
        std::fs::write(&path, write(&spec)).unwrap();
        for spill in [None, Some(0), Some(7)] {
            let mut src = HicSource::open(&path, None, "NONE").unwrap();
            if let Some(n) = spill {
                src.set_spill(hiclstm::formats::spill::Spill { pixels: n, dir: None });
            }
            for k in 0..2 {
                let got: Vec<(i32, i32, f32)> = read_chrom(&mut src, k + 1).unwrap().iter().map(|p| (p.i as i32, p.j as i32, p.count as f32)).collect();
                let mut want = spec.pixels[k].clone();
                want.sort_by_key(|p| (p.0, p.1));
                assert_eq!(got, want, "v{version} chrom {k} spill {spill:?}");
            }
        }
    }
}

#[test]
fn missing_resolution_and_normalization_are_named() {
    let dir = common::tmpdir();
    let path = dir.path().join("t.hic");
    std::fs::write(&path, write(&sample(9))).unwrap();
    let e = HicSource::open(&path, Some(5000), "NONE").err().unwrap();
    assert!(e.to_string().contains("resolution 5000 not found") && e.to_string().contains("available: 1000"), "{e}");
    assert_eq!(e.exit_code(), hiclstm::error::exit::NOT_IN_INPUT);
    let e = HicSource::open(&path, None, "SCALE").err().unwrap();
    assert!(e.to_string().contains("normalization SCALE") && e.to_string().contains("NONE, KR"), "{e}");
}

#[test]
fn bad_magic_truncation_and_bad_zlib_are_format_errors() {
    let dir = common::tmpdir();
    let good = write(&sample(8));
    let path = dir.path().join("t.hic");
    let check = |bytes: &[u8], needle: &str| {
        std::fs::write(&path, bytes).unwrap();
        let res = HicSource::open(&path, None, "NONE").and_then(|mut s| read_chrom(&mut s, 1).map(|_| ()));
        let e = res.expect_err("corrupted file must fail");
        assert_eq!(e.exit_code(), hiclstm::error::exit::INPUT_FORMAT, "{e}");
        assert!(e.to_string().contains(needle), "expected '{needle}' in: {e}");
        assert!(e.to_string().contains("t.hic"), "message names the file: {e}");
    };
    let mut bad = good.clone();
    bad[0] = b'X';
    check(&bad, "bad magic");
    check(&good[..good.len() / 2], "truncated");
    check(&good[..3], "magic");
    // Corrupt the first block's zlib header (blocks start right after the header).
    let mut bad = good.clone();
    let first_block = find_zlib(&good);
    bad[first_block] ^= 0xff;
    bad[first_block + 1] ^= 0xff;
    check(&bad, "zlib");
}

fn find_zlib(b: &[u8]) -> usize {
    (0..b.len() - 1).find(|&k| b[k] == 0x78 && (b[k + 1] == 0x9c || b[k + 1] == 0xda || b[k + 1] == 0x01)).unwrap()
}

fn read_everything(path: &Path) -> hiclstm::Result<usize> {
    let mut src = HicSource::open(path, None, "KR")?;
    let mut n = 0;
    for k in 0..src.chroms().len() {
        let _ = src.weights(k);
        n += read_chrom(&mut src, k)?.len();
    }
    Ok(n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn fuzz_mutated_hic_never_panics(version in 8..=9i32, edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in proptest::option::of(any::<prop::sample::Index>())) {
        let mut bytes = write(&sample(version));
        for (at, v) in edits {
            let k = at.index(bytes.len());
            bytes[k] = v;
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len()));
        }
        let dir = common::tmpdir();
        let path = dir.path().join("f.hic");
        std::fs::write(&path, &bytes).unwrap();
        // Ok or a typed error; a panic fails the test.
        let _ = read_everything(&path);
    }

    #[test]
    fn fuzz_block_parser_never_panics(version in 8..=9i32, data in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_block(&data, version, 0, Path::new("fuzz"));
    }
}

/// Regression inputs found while fuzzing, kept as plain tests.
#[test]
fn fuzz_regressions() {
    // A record count of i32::MAX in a tiny block must not allocate gigabytes.
    let mut data = i32::MAX.to_le_bytes().to_vec();
    data.extend([0u8; 11]);
    assert!(parse_block(&data, 8, 0, Path::new("r")).is_err());
    // A dense block of width 0 must not divide by zero.
    let mut data = 1i32.to_le_bytes().to_vec();
    data.extend(0i32.to_le_bytes());
    data.extend(0i32.to_le_bytes());
    data.extend([0u8, 2]);
    data.extend(1i32.to_le_bytes());
    data.extend(0i16.to_le_bytes());
    assert!(parse_block(&data, 8, 0, Path::new("r")).is_err());
}

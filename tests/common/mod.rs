//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod hic_writer;

use std::io::BufRead;
use std::path::{Path, PathBuf};

/// `../shared/data` (or $HICLSTM_SHARED/data). Tests that call this are `#[ignore]`d and run by
/// `make test` only when the directory exists, so a bare clone reports them as skipped.
pub fn shared_data() -> PathBuf {
    let base = std::env::var_os("HICLSTM_SHARED").map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let d = base.join("data");
    assert!(d.is_dir(), "{} is missing: this test needs the project's shared data", d.display());
    d
}

/// One row of a reference dump: start1, start2, count, optional balanced value.
#[derive(Debug, Clone, PartialEq)]
pub struct Expected {
    pub start1: i64,
    pub start2: i64,
    pub count: f64,
    pub balanced: Option<f64>,
}

pub fn read_expected(path: &Path) -> Vec<Expected> {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let r = std::io::BufReader::new(flate2::read::GzDecoder::new(f));
    let mut out = Vec::new();
    for (n, line) in r.lines().enumerate() {
        let line = line.unwrap();
        if n == 0 {
            assert!(line.starts_with("start1"), "unexpected header {line}");
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        out.push(Expected {
            start1: f[0].parse().unwrap(),
            start2: f[1].parse().unwrap(),
            count: f[2].parse().unwrap(),
            balanced: f.get(3).filter(|s| !s.is_empty()).map(|s| s.parse().unwrap()),
        });
    }
    out
}

pub fn rel_close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * a.abs().max(b.abs()).max(1e-300)
}

pub fn tmpdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Files in a directory (to check that a failed run left nothing behind).
pub fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

/// The Python of the tools venv (cooler, pyBigWig: readers independent of ours), set up by
/// `make test` (`scripts/setup.sh --lint`).
pub fn tools_python() -> PathBuf {
    let venv = std::env::var("HICLSTM_LINT_VENV").map(PathBuf::from).unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join(".lint-venv"));
    let py = venv.join("bin/python");
    assert!(py.is_file(), "{} is missing: run `scripts/setup.sh --lint` (make test does)", py.display());
    py
}

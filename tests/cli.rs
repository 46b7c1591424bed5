//! The binaries as a user runs them: bad input gives one clear message, a documented exit code
//! and no output file; --force, --help and --version behave.

use crate::common;

use common::{listing, tmpdir};
use std::path::Path;
use std::process::{Command, Output};

const IMPORT: &str = env!("CARGO_BIN_EXE_hiclstm-import");
const SIMULATE: &str = env!("CARGO_BIN_EXE_hiclstm-simulate");

fn run(bin: &str, args: &[&str], cwd: &Path) -> Output {
    Command::new(bin).args(args).current_dir(cwd).output().expect("binary runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs a failing import and checks code, message and that nothing new is left in `dir`.
fn fails(dir: &Path, args: &[&str], code: i32, needles: &[&str]) {
    fails_with(IMPORT, dir, args, code, needles);
}

#[test]
fn help_and_version() {
    for bin in [IMPORT, SIMULATE] {
        let o = Command::new(bin).arg("--help").output().unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(o.status.success() && out.contains("Examples:") && out.contains("--threads") && out.contains("--quiet"), "{out}");
        let o = Command::new(bin).arg("--version").output().unwrap();
        assert!(String::from_utf8_lossy(&o.stdout).contains(env!("CARGO_PKG_VERSION")));
    }
}

#[test]
fn pairs_with_malformed_lines_name_file_line_and_column() {
    let dir = tmpdir();
    let d = dir.path();
    std::fs::write(
        d.join("bad.pairs"),
        "## pairs format v1.0\n#chromsize: chr1 1000\n#columns: readID chrom1 pos1 chrom2 pos2\nr1\tchr1\t5\tchr1\t50\nr2\tchr1\tfive\tchr1\t9\n",
    )
    .unwrap();
    fails(d, &["bad.pairs", "-r", "100", "-o", "out"], 4, &["bad.pairs", "line 5, column 3", "'five'"]);
    std::fs::write(d.join("short.pairs"), "#chromsize: chr1 1000\nr1\tchr1\t5\n").unwrap();
    fails(d, &["short.pairs", "-r", "100", "-o", "out"], 4, &["short.pairs", "line 2", "expected at least 5"]);
    std::fs::write(d.join("beyond.pairs"), "#chromsize: chr1 1000\nr1\tchr1\t5\tchr1\t5000\n").unwrap();
    fails(d, &["beyond.pairs", "-r", "100", "-o", "out"], 4, &["beyond the end of chr1"]);
    std::fs::write(d.join("nosizes.validPairs"), "r1\tchr1\t5\t+\tchr1\t50\t-\n").unwrap();
    fails(d, &["nosizes.validPairs", "-r", "100", "-o", "out"], 4, &["--chrom-sizes"]);
}

#[test]
fn missing_things_and_bad_arguments() {
    let dir = tmpdir();
    let d = dir.path();
    fails(d, &["nothere.hic", "-o", "out"], 3, &["nothere.hic", "cannot read"]);
    std::fs::write(d.join("x.hic"), b"NOPE and more bytes here").unwrap();
    fails(d, &["x.hic", "-o", "out"], 4, &["x.hic", "bad magic"]);
    std::fs::write(d.join("t.pairs"), "#chromsize: chr1 1000\nr1\tchr1\t5\tchr1\t50\n").unwrap();
    fails(d, &["t.pairs", "-o", "out"], 8, &["--resolution is required"]);
    fails(d, &["t.pairs", "-r", "100", "-c", "chr9", "-o", "out"], 5, &["chromosome 'chr9' not found", "available: chr1"]);
    fails(d, &["t.pairs", "-r", "100", "-n", "KR", "-o", "out"], 8, &["normalization 'KR'"]);
    fails(d, &["t.unknown", "-o", "out"], 8, &["--format"]);
    fails(d, &["t.pairs", "-r", "100", "-o", "no/such/dir/out"], 6, &["does not exist"]);
    fails(d, &["t.pairs", "-r", "100", "-o", "out", "--temp-dir", "no/such/dir"], 8, &["--temp-dir no/such/dir: not a directory"]);
}

#[test]
fn existing_output_needs_force() {
    let dir = tmpdir();
    let d = dir.path();
    std::fs::write(d.join("t.pairs"), "#chromsize: chr1 1000\nr1\tchr1\t5\tchr1\t50\nr2\tchr1\t7\tchr1\t950\n").unwrap();
    let o = run(IMPORT, &["t.pairs", "-r", "100", "-o", "out", "-q"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).is_empty(), "--quiet prints nothing on success: {}", stderr(&o));
    let mtime = std::fs::metadata(d.join("out.contacts.parquet")).unwrap().modified().unwrap();
    fails(d, &["t.pairs", "-r", "100", "-o", "out"], 6, &["out.contacts.parquet", "already exists", "--force"]);
    assert_eq!(std::fs::metadata(d.join("out.contacts.parquet")).unwrap().modified().unwrap(), mtime);
    let o = run(IMPORT, &["t.pairs", "-r", "100", "-o", "out", "--force"], d);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn corrupted_cool_is_refused_cleanly() {
    let dir = tmpdir();
    let d = dir.path();
    std::fs::write(d.join("fake.cool"), vec![0u8; 4096]).unwrap();
    fails(d, &["fake.cool", "-o", "out"], 4, &["fake.cool", "not an HDF5"]);
}

#[test]
#[ignore = "needs ../shared/data"]
fn shared_cool_bad_requests() {
    let data = common::shared_data();
    let dir = tmpdir();
    let d = dir.path();
    let cool = data.join("calder_4dn_chr21_chr22_50kb.cool");
    let mcool = data.join("calder_4dn_chr21_chr22.mcool");
    fails(d, &[mcool.to_str().unwrap(), "-o", "out"], 8, &["50000, 100000, 250000", "--resolution"]);
    fails(d, &[mcool.to_str().unwrap(), "-r", "7", "-o", "out"], 5, &["resolution 7 not found"]);
    fails(d, &[cool.to_str().unwrap(), "-n", "KR", "-o", "out"], 5, &["bins/KR", "available: NONE, weight"]);
    let straw = data.join("straw_test_2500kb.hic");
    fails(d, &[straw.to_str().unwrap(), "-n", "FOO", "-o", "out"], 5, &["normalization FOO", "KR"]);
    // Truncated copy of a real .hic file.
    let bytes = std::fs::read(&straw).unwrap();
    std::fs::write(d.join("cut.hic"), &bytes[..bytes.len() / 3]).unwrap();
    fails(d, &["cut.hic", "-o", "out"], 4, &["cut.hic", "truncated"]);
}

/// Runs any binary expected to fail: its exit code, its one message, nothing left behind.
fn fails_with(bin: &str, dir: &Path, args: &[&str], code: i32, needles: &[&str]) {
    let before = listing(dir);
    let o = run(bin, args, dir);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(code), "{bin} {args:?}: stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "{bin} {args:?}: expected '{n}' in stderr: {err}");
    }
    assert_eq!(err.lines().filter(|l| l.contains("error:")).count(), 1, "one error message: {err}");
    assert_eq!(listing(dir), before, "no partial output after {bin} {args:?}");
}

const BASELINE: &str = env!("CARGO_BIN_EXE_hiclstm-baseline");

/// Inputs that used to be accepted and give wrong or absurd outputs, or to hang.
#[test]
fn degenerate_inputs_are_refused_before_any_output() {
    let dir = tmpdir();
    let d = dir.path();
    // Simulated chromosome names go into BED and table columns; repeated names made tables the
    // readers refuse; an absurd depth would never finish.
    fails_with(SIMULATE, d, &["--chromosomes", "chr1:2000000,chr1:2000000", "-o", "s"], 8, &["chr1 is listed twice"]);
    fails_with(SIMULATE, d, &["--chromosomes", "my chr:2000000", "-o", "s"], 8, &["may not be empty or contain spaces"]);
    fails_with(SIMULATE, d, &["--depth", "1e308", "-o", "s"], 8, &["--depth must be positive and at most 1e9"]);
    fails_with(SIMULATE, d, &["--chromosomes", "chr1:100000000000", "-r", "1", "-o", "s"], 8, &["more than 67108864 bins"]);
    // A pairs header naming a chromosome twice would give a bins table with it twice.
    std::fs::write(d.join("t.pairs"), "#chromsize: chr1 1000\n#chromsize: chr1 2000\nr1\tchr1\t5\tchr1\t50\n").unwrap();
    fails(d, &["t.pairs", "-r", "100", "-o", "out"], 4, &["t.pairs", "line 2", "second '#chromsize:' line"]);
    std::fs::remove_file(d.join("t.pairs")).unwrap();
    // --threads far above the core count runs on the cores (it used to spend minutes starting threads).
    let t0 = std::time::Instant::now();
    let o = run(SIMULATE, &["--threads", "100000", "-o", "fast"], d);
    assert!(o.status.success() && stderr(&o).contains("using"), "{}", stderr(&o));
    assert!(t0.elapsed().as_secs() < 60, "took {:?}", t0.elapsed());
    // SCI with no training samples would write untrained vectors.
    fails_with(BASELINE, d, &["sci", "fast.contacts.parquet", "--samples-per-edge", "0", "-o", "sci.parquet"], 8, &["--samples-per-edge"]);
}

/// A pixel beyond its chromosome's end in the bins table: the baselines indexed past the end
/// (a panic); every reader of contacts now refuses it (exit 7) naming the chromosome.
#[test]
fn pixels_beyond_the_bins_table_are_refused() {
    use hiclstm::formats::Pixel;
    use hiclstm::genome::Chrom;
    use hiclstm::tables::{bins, contacts::ContactsWriter, Meta, TableKind};
    let dir = tmpdir();
    let d = dir.path();
    let mut meta = Meta::new(TableKind::Contacts.schema());
    meta.set("resolution", 1000);
    let mut w = ContactsWriter::create(&d.join("m.contacts.parquet"), &meta, false).unwrap();
    let px: Vec<Pixel> = (0..40).flat_map(|i| (i..40).map(move |j| Pixel { i, j, count: 1.0 + ((i * 7 + j) % 5) as f64 })).collect();
    w.write("chr1", &px, None).unwrap();
    w.finish().unwrap().commit(false).unwrap();
    // The bins table says chr1 has 20 bins; pixels reach bin 39.
    bins::write(&d.join("m.bins.parquet"), &meta.for_schema(TableKind::Bins.schema()), &[Chrom::new("chr1", 20_000)], &[], false)
        .unwrap()
        .commit(false)
        .unwrap();
    for method in ["pca", "sci"] {
        fails_with(BASELINE, d, &[method, "m.contacts.parquet", "--k", "2", "-o", "r.parquet"], 7, &["chromosome chr1: a pixel at bin 39", "20 bins"]);
    }
}

/// `-o` naming an input is refused even with --force (it destroyed the input); temporary files
/// a killed run left beside an output are removed once the output is written.
#[test]
fn outputs_never_replace_inputs_and_stale_temporaries_go() {
    let dir = tmpdir();
    let d = dir.path();
    let o = run(SIMULATE, &["-o", "s", "-q"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let before = std::fs::read(d.join("s.contacts.parquet")).unwrap();
    let o = run(BASELINE, &["pca", "s.contacts.parquet", "--k", "2", "-o", "s.contacts.parquet", "--force"], d);
    assert_eq!(o.status.code(), Some(8), "{}", stderr(&o));
    assert!(stderr(&o).contains("also an input"), "{}", stderr(&o));
    assert_eq!(std::fs::read(d.join("s.contacts.parquet")).unwrap(), before, "the input is intact");
    // A killed run's leftovers for the same output, and an unrelated file that looks alike.
    std::fs::write(d.join(".p.parquet.a1B2c3.tmp"), b"partial").unwrap();
    std::fs::write(d.join(".p.parquet.notes.txt"), b"keep").unwrap();
    let o = run(BASELINE, &["pca", "s.contacts.parquet", "--k", "2", "-o", "p.parquet"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!d.join(".p.parquet.a1B2c3.tmp").exists(), "stale temporary removed");
    assert!(d.join(".p.parquet.notes.txt").exists());
}

/// A disk that fills while a step writes leaves no partial output, not even a temporary, and the
/// message names the file. A file-size limit stands in for the full disk (the same failed write:
/// EFBIG instead of ENOSPC), with SIGXFSZ ignored so that the write fails instead of the process
/// being killed; 64 KiB is far less than the simulated map.
#[test]
fn a_full_disk_leaves_no_partial_output_and_says_so() {
    let dir = tmpdir();
    let d = dir.path();
    let before = listing(d);
    let o = Command::new("bash")
        .args(["-c", "trap '' XFSZ; ulimit -f 64; exec \"$0\" \"$@\"", SIMULATE, "-o", "s", "-q"])
        .current_dir(d)
        .output()
        .expect("bash runs");
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(6), "{e}");
    assert!(e.contains("s.") && e.to_lowercase().contains("file too large"), "the message names the file and the cause: {e}");
    assert_eq!(listing(d), before, "nothing left behind");
    // Without the limit the same command writes its outputs.
    let o = run(SIMULATE, &["-o", "s", "-q"], d);
    assert!(o.status.success() && d.join("s.contacts.parquet").exists(), "{}", stderr(&o));
}

/// A corrupted gzip stream is a malformed input (exit 4) with the line reached, not an I/O error.
#[test]
fn corrupted_gzip_pairs_are_a_format_error() {
    use std::io::Write;
    let dir = tmpdir();
    let d = dir.path();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let body: String = (0..5000).map(|k| format!("r{k}\tchr1\t{}\tchr1\t{}\n", 1 + k % 900, 1 + (k * 7) % 900)).collect();
    gz.write_all(format!("#chromsize: chr1 1000\n{body}").as_bytes()).unwrap();
    let mut bytes = gz.finish().unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(d.join("bad.pairs.gz"), &bytes).unwrap();
    fails(d, &["bad.pairs.gz", "-r", "100", "-o", "out"], 4, &["bad.pairs.gz", "line", "corrupted gzip"]);
}

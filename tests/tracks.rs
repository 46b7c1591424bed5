//! `hiclstm-tracks`: representation dimensions as bigWig, read back by pyBigWig.

use crate::common::{tmpdir, tools_python};
use hiclstm::tables::representations::{write, ChromRepresentations};
use std::process::Command;

fn tracks(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_hiclstm-tracks")).args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn representation_dimensions_become_bigwig_tracks_of_the_trained_bins() {
    let d = tmpdir();
    let chrom = |name: &str, n: usize, len: i64, seed: f32| ChromRepresentations {
        chrom: name.into(),
        start: (0..n as i64).map(|b| b * 100).collect(),
        end: (0..n as i64).map(|b| ((b + 1) * 100).min(len)).collect(),
        observed: (0..n).map(|b| b != 2).collect(),
        values: (0..n * 3).map(|x| seed + x as f32 * 0.25).collect(),
    };
    let reps = vec![chrom("chr1", 5, 450, 0.0), chrom("chr2", 3, 300, -1.0)];
    let mut meta = hiclstm::tables::Meta::new(hiclstm::tables::TableKind::Representations.schema());
    meta.set("resolution", 100);
    let input = d.path().join("r.parquet");
    write(&input, &meta, 3, &reps, false).unwrap().commit(false).unwrap();
    let out = d.path().join("t");
    let (code, err) = tracks(&[input.to_str().unwrap(), "--dims", "0,2", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let script = "import sys, pyBigWig\nbw = pyBigWig.open(sys.argv[1])\nprint(sorted(bw.chroms().items()))\nfor c in sorted(bw.chroms()):\n    for a, b, v in bw.intervals(c) or []:\n        print(c, a, b, v)\n";
    for dim in [0usize, 2] {
        let r = Command::new(tools_python()).arg("-c").arg(script).arg(d.path().join(format!("t.r{dim}.bw"))).output().unwrap();
        assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
        let text = String::from_utf8(r.stdout).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), "[('chr1', 450), ('chr2', 300)]");
        let mut want = vec![];
        for c in &reps {
            for b in (0..c.start.len()).filter(|&b| c.observed[b]) {
                want.push(format!("{} {} {} {:?}", c.chrom, c.start[b], c.end[b], c.values[b * 3 + dim] as f64));
            }
        }
        assert_eq!(lines.collect::<Vec<_>>(), want, "dimension {dim}: the trained bins, values as stored");
        assert!(d.path().join(format!("t.r{dim}.bedGraph")).is_file());
    }
    let (code, err) = tracks(&[input.to_str().unwrap(), "--dims", "3", "-o", d.path().join("u").to_str().unwrap()]);
    assert_eq!(code, 8, "{err}");
    assert!(err.contains("K = 3"), "{err}");
}

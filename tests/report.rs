//! `hiclstm-report` on folders that hold no results, or the wrong things (the full report is
//! checked on the pipeline's results in workflow.rs, in a browser).

use crate::common::tmpdir;
use std::process::Command;

fn report(args: &[&str]) -> (i32, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_hiclstm-report")).args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), String::from_utf8_lossy(&o.stderr).into_owned())
}

#[test]
fn a_folder_without_results_or_with_a_broken_plot_is_refused_without_output() {
    let d = tmpdir();
    let out = d.path().join("r");
    let (code, err) = report(&[d.path().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("sample"), "{err}");
    let (code, _) = report(&[d.path().join("missing").to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 3);
    // A sample whose plot is not a PNG: refused (exit 4), naming the file; nothing written.
    std::fs::create_dir_all(d.path().join("attribute")).unwrap();
    std::fs::write(d.path().join("attribute/s.attributions.parquet"), b"").unwrap();
    std::fs::write(d.path().join("attribute/s.elements.png"), b"not a png").unwrap();
    let (code, err) = report(&[d.path().to_str().unwrap(), "-o", out.to_str().unwrap()]);
    assert_eq!(code, 4, "{err}");
    assert!(err.contains("s.elements.png"), "{err}");
    assert!(!d.path().join("r.report.html").exists());
}

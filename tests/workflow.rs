//! The pipeline as users run it: `hiclstm-pipeline` end to end on simulated data, the params
//! file shared with the Nextflow workflow, and the workflow/container lint (reftrace, hadolint,
//! spython, and every workflow command line through its binary's parser).

use crate::common;

use hiclstm::pipeline::params::Params;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_hiclstm-pipeline")).parent().unwrap().to_path_buf()
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The model binaries come from the workspace's other crate: `make test` builds them.
fn require_model_binaries() {
    for b in ["hiclstm-train", "hiclstm-predict", "hiclstm-attribute", "hiclstm-perturb"] {
        assert!(bin_dir().join(b).is_file(), "{b} is not built in {}: run `make test` (cargo nextest run --workspace)", bin_dir().display());
    }
}

#[test]
fn pipeline_runs_the_embedded_default_end_to_end() {
    require_model_binaries();
    let d = common::tmpdir();
    let out = d.path().join("results");
    let params = d.path().join("params.yaml");
    // A quicker model than the default, enough to beat the distance-mean baseline.
    std::fs::write(&params, format!("outdir: {}\ntrain_args: '--epochs 15'\nbaselines: pca,sci\nread_depths: [0.5]\n", out.display())).unwrap();
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hiclstm-pipeline")).arg("--params").arg(&params).args(["--threads", "2"]).args(extra).output().unwrap()
    };
    let r = run(&[]);
    assert!(r.status.success(), "pipeline failed:\n{}", String::from_utf8_lossy(&r.stderr));

    // The documented layout.
    for f in [
        "simulate/toy.pairs.gz",
        "simulate/toy.tasks.yaml",
        "import/toy.contacts.parquet",
        "import/toy.bins.parquet",
        "train/toy/representations.parquet",
        "train/toy/training_log.parquet",
        "predict/toy.predictions.parquet",
        "predict/toy.predicted.mcool",
        "predict/toy.observed.mcool",
        "perturb/toy.duplication.wt.mcool",
        "perturb/toy.duplication.mutant.mcool",
        "perturb/toy.duplication.difference.mcool",
        "evaluate/toy.metrics.parquet",
        "evaluate/toy.r2_by_distance.png",
        "evaluate/toy.heatmap.png",
        "evaluate/toy.loss.png",
        "baseline/toy.pca.representations.parquet",
        "baseline/toy.sci.representations.parquet",
        "classify/toy.metrics.parquet",
        "classify/toy.pr_curves.png",
        "attribute/toy.attributions.parquet",
        "attribute/toy.attributions.bedGraph",
        "attribute/toy.attributions.bw",
        "attribute/toy.attributions.z.bw",
        "attribute/toy.tad_profile.png",
        "perturb/toy.duplication.perturbations.parquet",
        "perturb/toy.duplication.difference.png",
        "perturb/toy.boundary_deletion.perturbations.parquet",
        "perturb/toy.ctcf_knockout.site_effects.parquet",
        "perturb/toy.ctcf_knockout.site_profile.png",
        "perturb/toy.loop_swap.perturbations.parquet",
        "perturb/toy.loop_swap.loop_swap.png",
        "pipeline_info/params.yaml",
        "pipeline_info/commands.sh",
        "pipeline_info/versions.yml",
        "pipeline_info/execution_trace.tsv",
        "downsample/toy_depth0.5.contacts.parquet",
        "evaluate/toy_depth0.5.metrics.parquet",
        "classify/toy_depth0.5.metrics.parquet",
    ] {
        let p = out.join(f);
        assert!(p.is_file() && std::fs::metadata(&p).unwrap().len() > 0, "missing or empty: {f}");
    }

    // cooler opens the maps: the predictions at every zoom level, up to the whole genome in one
    // tile (toy genome, 36 Mb: 50, 100 and 200 kb).
    let venv = std::env::var("HICLSTM_LINT_VENV").map(PathBuf::from).unwrap_or_else(|_| repo().join(".lint-venv"));
    let ls = Command::new(venv.join("bin/cooler")).arg("ls").arg(out.join("predict/toy.predicted.mcool")).output().unwrap();
    let listed = String::from_utf8_lossy(&ls.stdout);
    assert!(
        ls.status.success() && listed.contains("::/resolutions/50000") && listed.contains("::/resolutions/200000") && !listed.contains("400000"),
        "{listed}{}",
        String::from_utf8_lossy(&ls.stderr)
    );
    let ls = Command::new(venv.join("bin/cooler"))
        .arg("info")
        .arg(format!("{}::/resolutions/50000", out.join("perturb/toy.duplication.difference.mcool").display()))
        .output()
        .unwrap();
    assert!(ls.status.success() && String::from_utf8_lossy(&ls.stdout).contains("\"nnz\""), "{}", String::from_utf8_lossy(&ls.stderr));

    // One self-contained report: a real browser (headless Chromium) loads it without console
    // errors, decodes every embedded image and shows every section; a screenshot is kept beside
    // it to look at.
    let report = out.join("pipeline_info/hiclstm.report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains("http://") && !html.contains("https://") && !html.contains(" src=\"http"), "the report fetches nothing");
    let browser = ["chromium-headless-shell", "chromium", "google-chrome"]
        .into_iter()
        .find(|b| Command::new(b).arg("--version").output().is_ok_and(|o| o.status.success()))
        .expect("no Chromium: scripts/setup.sh --lint installs chromium-headless-shell (make test does)");
    let chrome = |extra: &[&str]| {
        Command::new(browser)
            .args(["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0"])
            .args(extra)
            .arg(format!("file://{}", report.display()))
            .output()
            .unwrap()
    };
    let dom = chrome(&["--dump-dom"]);
    let (dom_text, log) = (String::from_utf8_lossy(&dom.stdout), String::from_utf8_lossy(&dom.stderr));
    assert!(dom.status.success() && !log.contains(":CONSOLE"), "console output while loading the report:\n{log}");
    let images = html.matches("<img ").count();
    assert!(images >= 12, "{images} images");
    assert!(
        dom_text.contains(&format!("data-images=\"{images}/{images}\"")),
        "not every image decoded: {}",
        dom_text.split("data-images").nth(1).unwrap_or("").chars().take(20).collect::<String>()
    );
    for id in [
        "sample-toy",
        "toy-reconstruction",
        "toy-classification",
        "toy-attribution",
        "toy-edits",
        "toy-edit-duplication",
        "toy-edit-loop_swap",
        "parameters",
        "versions",
        "timings",
    ] {
        assert!(dom_text.contains(&format!("id=\"{id}\"")), "section {id} missing");
    }
    // The read-depth experiment: half the contacts, exactly, and a chart of its results.
    let half: f64 =
        hiclstm::tables::contacts::read_all(&out.join("downsample/toy_depth0.5.contacts.parquet")).unwrap().1.iter().flat_map(|c| c.count.clone()).sum();
    let full: f64 = hiclstm::tables::contacts::read_all(&out.join("import/toy.contacts.parquet")).unwrap().1.iter().flat_map(|c| c.count.clone()).sum();
    assert_eq!(half, (full * 0.5).round());
    assert!(html.contains("<svg") && html.contains("R² and AuROC by read depth"));
    let shot = out.join("pipeline_info/report.png");
    let r = chrome(&["--hide-scrollbars", "--window-size=1400,2200", &format!("--screenshot={}", shot.display())]);
    assert!(r.status.success() && std::fs::metadata(&shot).unwrap().len() > 50_000, "{}", String::from_utf8_lossy(&r.stderr));

    // Every table matches one of the project's schemas.
    let mut tables = vec![];
    let mut stack = vec![out.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "parquet") {
                tables.push(p);
            }
        }
    }
    assert!(tables.len() >= 12, "{tables:?}");
    for t in &tables {
        let ok = hiclstm::tables::TableKind::ALL.iter().any(|k| hiclstm::tables::TableReader::open(t, k.schema()).is_ok());
        assert!(ok, "{} matches none of the schemas", t.display());
    }

    // Reconstruction beats the distance-mean baseline overall.
    let rows = hiclstm::tables::metrics::read(&out.join("evaluate/toy.metrics.parquet")).unwrap();
    let r2 = |m: &str| rows.iter().find(|r| r.method == m && r.chrom == "all" && r.metric == "r2" && r.distance_lo.is_none()).and_then(|r| r.value).unwrap();
    assert!(r2("hiclstm") > r2("distance-mean"), "R2 {} vs baseline {}", r2("hiclstm"), r2("distance-mean"));

    // The resolved params are a valid params file themselves.
    let resolved = Params::load(&out.join("pipeline_info/params.yaml")).unwrap();
    assert_eq!(resolved.train_args, "--epochs 15");

    // A second run refuses to mix results; --resume reuses every step and changes nothing.
    let r = run(&[]);
    assert_eq!(r.status.code(), Some(6), "{}", String::from_utf8_lossy(&r.stderr));
    let model = out.join("train/toy/representations.parquet");
    let before = std::fs::metadata(&model).unwrap().modified().unwrap();
    let r = run(&["--resume"]);
    let log = String::from_utf8_lossy(&r.stderr);
    assert!(r.status.success(), "{log}");
    assert_eq!(log.matches(": cached").count(), 20, "{log}");
    assert_eq!(std::fs::metadata(&model).unwrap().modified().unwrap(), before);
}

#[test]
fn a_failing_step_stops_the_pipeline_with_its_exit_code() {
    let d = common::tmpdir();
    let sheet = d.path().join("samples.csv");
    let bad = d.path().join("bad.pairs");
    std::fs::write(&bad, "## pairs format v1.0\nnot a pairs line\n").unwrap();
    std::fs::write(&sheet, format!("sample,file,format,resolution\nbroken,{},pairs,10000\n", bad.display())).unwrap();
    let out = d.path().join("res");
    let r = Command::new(env!("CARGO_BIN_EXE_hiclstm-pipeline")).arg("--input").arg(&sheet).arg("--outdir").arg(&out).output().unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(4), "{err}");
    assert!(err.contains("bad.pairs") && err.contains("step import:broken failed"), "{err}");
    assert!(!out.join("train").exists());

    // A samplesheet error is reported before anything runs, with file and line.
    std::fs::write(&sheet, "sample,file,resolution\nx y,missing.hic,10kb\n").unwrap();
    let r = Command::new(env!("CARGO_BIN_EXE_hiclstm-pipeline")).arg("--input").arg(&sheet).arg("--outdir").arg(d.path().join("res2")).output().unwrap();
    let err = String::from_utf8_lossy(&r.stderr);
    assert_eq!(r.status.code(), Some(4), "{err}");
    assert!(err.contains("samples.csv: line 2"), "{err}");
    assert!(!d.path().join("res2").exists());
}

/// The parameter names and defaults of hiclstm-pipeline, workflows/nextflow_schema.json and
/// the params block of workflows/nextflow.config are the same set.
#[test]
fn params_agree_between_pipeline_schema_and_nextflow_config() {
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(repo().join("workflows/nextflow_schema.json")).unwrap()).unwrap();
    let mut schema_props = serde_json::Map::new();
    for g in schema["$defs"].as_object().unwrap().values() {
        schema_props.extend(g["properties"].as_object().unwrap().clone());
    }
    let defaults = serde_json::to_value(Params::default()).unwrap();
    let defaults = defaults.as_object().unwrap();
    let mut a: Vec<_> = schema_props.keys().cloned().collect();
    let mut b: Vec<_> = defaults.keys().cloned().collect();
    a.sort();
    b.sort();
    assert_eq!(a, b, "nextflow_schema.json vs Params");
    for (k, v) in &schema_props {
        if let Some(d) = v.get("default") {
            assert_eq!(d, &defaults[k], "default of {k}");
        } else {
            assert!(defaults[k].is_null(), "{k}: Params has a default the schema does not document");
        }
    }
    let config = std::fs::read_to_string(repo().join("workflows/nextflow.config")).unwrap();
    let block = config.split("params {").nth(1).unwrap().split("\n}").next().unwrap();
    let mut c: Vec<String> =
        block.lines().filter_map(|l| l.trim().split_once('=').map(|(k, _)| k.trim().to_string())).filter(|k| !k.starts_with("//")).collect();
    c.sort();
    assert_eq!(c, b, "nextflow.config params vs Params");
}

#[test]
fn workflow_and_container_files_lint_clean() {
    require_model_binaries();
    let venv = std::env::var("HICLSTM_LINT_VENV").unwrap_or_else(|_| repo().join(".lint-venv").display().to_string());
    let r = Command::new("bash").arg(repo().join("scripts/lint.sh")).arg(bin_dir()).env("HICLSTM_LINT_VENV", venv).output().unwrap();
    let out = format!("{}{}", String::from_utf8_lossy(&r.stdout), String::from_utf8_lossy(&r.stderr));
    assert!(r.status.success(), "scripts/lint.sh failed:\n{out}");
    assert!(out.contains("hadolint: clean") && out.contains("No issues found!") && out.contains(", 0 problem(s)"), "{out}");
}

/// `*` matches any run of characters (Nextflow's output globs, as far as the modules use them).
fn glob_matches(glob: &str, name: &str) -> bool {
    match glob.split_once('*') {
        None => glob == name,
        Some((head, rest)) => name.starts_with(head) && (head.len()..=name.len()).any(|k| name.is_char_boundary(k) && glob_matches(rest, &name[k..])),
    }
}

/// `a.{x,y}.z` -> `a.x.z`, `a.y.z`.
fn expand_braces(s: &str) -> Vec<String> {
    match (s.find('{'), s.find('}')) {
        (Some(a), Some(b)) if a < b => s[a + 1..b].split(',').flat_map(|alt| expand_braces(&format!("{}{alt}{}", &s[..a], &s[b + 1..]))).collect(),
        _ => vec![s.to_string()],
    }
}

/// Each Nextflow module publishes exactly what its binary writes: every `path("${prefix}...")`
/// of its `output:` block names a file of `hiclstm::outputs` for that binary, and every such
/// file is caught by one of the module's globs. A renamed output fails here, not in a cluster run.
#[test]
fn nextflow_module_outputs_match_the_binaries_outputs() {
    let modules = repo().join("workflows/modules/local/hiclstm");
    let mut checked = 0;
    for entry in std::fs::read_dir(&modules).unwrap() {
        let dir = entry.unwrap().path();
        let program = format!("hiclstm-{}", dir.file_name().unwrap().to_string_lossy());
        let names = hiclstm::outputs::of(&program);
        assert!(!names.is_empty(), "{program}: no entry in hiclstm::outputs::BY_STEP");
        let text = std::fs::read_to_string(dir.join("main.nf")).unwrap();
        let block = text.split("output:").nth(1).and_then(|b| b.split("when:").next()).unwrap_or_else(|| panic!("{program}: no output block"));
        let mut globs = vec![];
        for part in block.split("path(\"").skip(1) {
            let raw = part.split('"').next().unwrap();
            let Some(rest) = raw.strip_prefix("${prefix}") else { panic!("{program}: output '{raw}' does not start with ${{prefix}}") };
            if rest.is_empty() {
                continue; // the model directory itself
            }
            let rest = rest.trim_start_matches(['.', '/']).replace("${method}.", "");
            globs.extend(expand_braces(&rest));
        }
        for g in &globs {
            assert!(names.iter().any(|n| glob_matches(g, n)), "{program}: the module's output '{g}' is none of the binary's outputs {names:?}");
        }
        for n in names {
            assert!(globs.iter().any(|g| glob_matches(g, n)), "{program}: the binary writes '{n}' but the module publishes no glob for it ({globs:?})");
        }
        checked += 1;
    }
    assert_eq!(checked, hiclstm::outputs::BY_STEP.len(), "one module per step");
    assert!(glob_matches("*.png", "confusion.*.png") && !glob_matches("metrics.parquet", "pr_curves.png"));
}

/// Killing the pipeline stops the step it is running (it used to keep running, orphaned).
#[test]
fn a_killed_pipeline_stops_its_running_step() {
    let d = common::tmpdir();
    // A fake step binary that records its pid and sleeps; the pipeline finds it in --bin-dir.
    let bin = d.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let pidfile = d.path().join("step.pid");
    let script = format!("#!/bin/sh\necho $$ > {}\nexec sleep 60\n", pidfile.display());
    let fake = bin.join("hiclstm-simulate");
    std::fs::write(&fake, script).unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut p = Command::new(env!("CARGO_BIN_EXE_hiclstm-pipeline"))
        .args(["--outdir", d.path().join("out").to_str().unwrap(), "--bin-dir", bin.to_str().unwrap()])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !pidfile.exists() || std::fs::read_to_string(&pidfile).unwrap().trim().is_empty() {
        assert!(t0.elapsed().as_secs() < 30, "the step never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let step_pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_string();
    Command::new("kill").args(["-TERM", &p.id().to_string()]).status().unwrap();
    let status = p.wait().unwrap();
    assert_eq!(status.code(), Some(128 + 15), "the pipeline exits with 128 + SIGTERM");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let alive = Command::new("kill").args(["-0", &step_pid]).status().unwrap().success();
    assert!(!alive, "the step {step_pid} is still running");
}

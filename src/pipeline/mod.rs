//! The whole pipeline on one machine: the steps of `workflows/main.nf`, in the same order, with
//! the same parameter file and the same results layout, each run as its `hiclstm-*` binary.
//!
//! Results layout (`outdir/`):
//! - `simulate/`   the embedded default genome and its truth tracks (only without `input`)
//! - `import/`     `<id>.contacts.parquet`, `<id>.bins.parquet`
//! - `train/<id>/` the model directory (representations, training log, checkpoint)
//! - `predict/`    `<id>.predictions.parquet`
//! - `evaluate/`   `<id>.metrics.parquet` and plots
//! - `baseline/`   `<id>.<method>.representations.parquet`
//! - `classify/`   `<id>.metrics.parquet`, PR curves, confusion matrices
//! - `attribute/`  `<id>.attributions.parquet`, `.bedGraph`, summaries and plots
//! - `perturb/`    `<id>.<edit>.perturbations.parquet` and plots
//! - `pipeline_info/` `params.yaml` (as resolved), `commands.sh`, `versions.yml`

pub mod params;
pub mod samplesheet;

use crate::error::{Error, Result};
use params::{split_args, Params};
use samplesheet::Sample;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One command of the plan.
#[derive(Debug, Clone)]
pub struct Step {
    /// `<process>:<id>`, e.g. `train:GM12878`.
    pub name: String,
    pub program: &'static str,
    pub args: Vec<OsString>,
    /// Files (or directories) the step leaves; with `--resume` a step whose outputs exist and
    /// whose command line is unchanged is not run again.
    pub outputs: Vec<PathBuf>,
}

impl Step {
    fn new(name: String, program: &'static str) -> Self {
        Step { name, program, args: vec![], outputs: vec![] }
    }
    fn arg(mut self, a: impl Into<OsString>) -> Self {
        self.args.push(a.into());
        self
    }
    fn opt(self, flag: &str, v: Option<impl Into<OsString>>) -> Self {
        match v {
            Some(v) => self.arg(flag).arg(v),
            None => self,
        }
    }
    fn extra(mut self, s: &str) -> Result<Self> {
        self.args.extend(split_args(s)?.into_iter().map(OsString::from));
        Ok(self)
    }
    fn out(mut self, p: PathBuf) -> Self {
        self.outputs.push(p);
        self
    }

    /// The command as a shell line (for `commands.sh` and the log).
    pub fn command_line(&self) -> String {
        std::iter::once(self.program.to_string()).chain(self.args.iter().map(|a| shell_quote(&a.to_string_lossy()))).collect::<Vec<_>>().join(" ")
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

fn join(dir: &Path, parts: &[&str]) -> PathBuf {
    let mut p = dir.to_path_buf();
    for x in parts {
        p.push(x);
    }
    p
}

/// Plans every step for the params. Inputs are checked here (samplesheet, files named by the
/// params), before anything runs.
pub fn plan(p: &Params, threads: usize) -> Result<Vec<Step>> {
    let out = &p.outdir;
    let common = |s: Step| s.arg("--threads").arg(threads.to_string()).arg("--force");
    let mut steps = vec![];
    p.check()?;
    let baselines = p.baseline_methods()?;
    let edits = p.edits_to_run()?;
    for f in [&p.model_config, &p.classify_tasks, &p.tads].into_iter().flatten() {
        if !f.is_file() {
            return Err(Error::input_io(f, std::io::Error::new(std::io::ErrorKind::NotFound, "not found (named in the params)")));
        }
    }
    for (n, f) in p.attribute_elements.iter().flatten() {
        if !f.is_file() {
            return Err(Error::input_io(f, std::io::Error::new(std::io::ErrorKind::NotFound, format!("not found (attribute_elements.{n})"))));
        }
    }
    // The embedded default's edits name files the simulation writes first.
    for e in edits.iter().filter(|_| p.input.is_some() || p.edits.is_some()) {
        for (what, f) in [("sites", &e.sites), ("anchors", &e.anchors)] {
            if let Some(f) = f.as_ref().filter(|f| !f.is_file()) {
                return Err(Error::input_io(f, std::io::Error::new(std::io::ErrorKind::NotFound, format!("not found ({what} of edit '{}')", e.id))));
            }
        }
    }

    // Inputs, and the defaults that come with the simulated genome.
    let (samples, tasks, elements, tads) = match &p.input {
        Some(sheet) => (samplesheet::read(sheet)?, p.classify_tasks.clone(), p.attribute_elements.clone().unwrap_or_default(), p.tads.clone()),
        None => {
            let dir = out.join("simulate");
            let prefix = dir.join(&p.simulate_preset);
            let sim = |n: &str| crate::cli::output_path(&prefix, n);
            let mut s = Step::new(format!("simulate:{}", p.simulate_preset), "hiclstm-simulate")
                .arg("--preset")
                .arg(&p.simulate_preset)
                .arg("--resolution")
                .arg(p.simulate_resolution.to_string())
                .arg("--seed")
                .arg(p.seed.to_string())
                .arg("--pairs")
                .arg("-o")
                .arg(&prefix)
                .extra(&p.simulate_args)?;
            for n in ["pairs.gz", "contacts.parquet", "tasks.yaml", "ctcf.bed", "boundaries.bed", "tads.bed"] {
                s = s.out(sim(n));
            }
            steps.push(common(s));
            let sample = Sample {
                id: p.simulate_preset.clone(),
                file: sim("pairs.gz"),
                format: Some("pairs".into()),
                resolution: Some(p.simulate_resolution as u64),
                chromosomes: None,
            };
            let elements = p.attribute_elements.clone().unwrap_or_else(|| [("ctcf".to_string(), sim("ctcf.bed")), ("boundaries".to_string(), sim("boundaries.bed"))].into());
            (vec![sample], Some(p.classify_tasks.clone().unwrap_or_else(|| sim("tasks.yaml"))), elements, Some(p.tads.clone().unwrap_or_else(|| sim("tads.bed"))))
        }
    };

    for s in &samples {
        let id = s.id.as_str();
        let imported = join(out, &["import", id]);
        let contacts = crate::cli::output_path(&imported, "contacts.parquet");
        steps.push(common(
            Step::new(format!("import:{id}"), "hiclstm-import")
                .arg(&s.file)
                .opt("--format", s.format.as_ref())
                .opt("--resolution", s.resolution.map(|r| r.to_string()))
                .opt("--chromosomes", s.chromosomes.as_ref())
                .arg("-o")
                .arg(&imported)
                .extra(&p.import_args)?
                .out(contacts.clone())
                .out(crate::cli::output_path(&imported, "bins.parquet")),
        ));

        let model = join(out, &["train", id]);
        steps.push(common(
            Step::new(format!("train:{id}"), "hiclstm-train")
                .arg(&contacts)
                .arg("--preset")
                .arg(&p.model_preset)
                .opt("--config", p.model_config.as_ref())
                .arg("--seed")
                .arg(p.seed.to_string())
                .arg("--device")
                .arg(&p.device)
                .arg("-o")
                .arg(&model)
                .extra(&p.train_args)?
                .out(model.join("representations.parquet"))
                .out(model.join("training_log.parquet")),
        ));

        let predictions = join(out, &["predict", &format!("{id}.predictions.parquet")]);
        steps.push(common(
            Step::new(format!("predict:{id}"), "hiclstm-predict")
                .arg(&model)
                .arg("--contacts")
                .arg(&contacts)
                .arg("--device")
                .arg(&p.device)
                .arg("-o")
                .arg(&predictions)
                .extra(&p.predict_args)?
                .out(predictions.clone()),
        ));

        let eval = join(out, &["evaluate", id]);
        let mut labelled = OsString::from("hiclstm=");
        labelled.push(&predictions);
        steps.push(common(
            Step::new(format!("evaluate:{id}"), "hiclstm-evaluate")
                .arg(labelled)
                .arg("--plots")
                .arg("--training-log")
                .arg(model.join("training_log.parquet"))
                .opt("--region", p.evaluate_region.as_ref())
                .arg("-o")
                .arg(&eval)
                .extra(&p.evaluate_args)?
                .out(crate::cli::output_path(&eval, "metrics.parquet")),
        ));

        let mut reps = vec![("hiclstm".to_string(), model.join("representations.parquet"))];
        for m in &baselines {
            let r = join(out, &["baseline", &format!("{id}.{m}.representations.parquet")]);
            steps.push(common(
                Step::new(format!("baseline_{m}:{id}"), "hiclstm-baseline")
                    .arg(m)
                    .arg(&contacts)
                    .arg("-o")
                    .arg(&r)
                    .extra(&p.baseline_args)?
                    .out(r.clone()),
            ));
            reps.push((m.clone(), r));
        }

        if let Some(t) = &tasks {
            let c = join(out, &["classify", id]);
            let mut s = Step::new(format!("classify:{id}"), "hiclstm-classify").arg("--representations");
            for (l, r) in &reps {
                let mut a = OsString::from(format!("{l}="));
                a.push(r);
                s = s.arg(a);
            }
            steps.push(common(
                s.arg("--tasks")
                    .arg(t)
                    .arg("--seed")
                    .arg(p.seed.to_string())
                    .arg("--plots")
                    .arg("-o")
                    .arg(&c)
                    .extra(&p.classify_args)?
                    .out(crate::cli::output_path(&c, "metrics.parquet")),
            ));
        }

        if p.attribute {
            let a = join(out, &["attribute", id]);
            let mut s = Step::new(format!("attribute:{id}"), "hiclstm-attribute").arg(&model).arg("--contacts").arg(&contacts);
            if !elements.is_empty() {
                s = s.arg("--elements");
                for (n, f) in &elements {
                    let mut e = OsString::from(format!("{n}="));
                    e.push(f);
                    s = s.arg(e);
                }
            }
            steps.push(common(
                s.opt("--tads", tads.as_ref())
                    .arg("--seed")
                    .arg(p.seed.to_string())
                    .arg("--device")
                    .arg(&p.device)
                    .arg("-o")
                    .arg(&a)
                    .extra(&p.attribute_args)?
                    .out(crate::cli::output_path(&a, "attributions.parquet")),
            ));
        }

        for e in &edits {
            let o = join(out, &["perturb", &format!("{id}.{}", e.id)]);
            steps.push(common(
                Step::new(format!("perturb_{}:{id}", e.id), "hiclstm-perturb")
                    .arg(&model)
                    .arg("--edit")
                    .arg(&e.edit)
                    .opt("--at", e.at.as_ref())
                    .opt("--sites", e.sites.as_ref())
                    .opt("--anchors", e.anchors.as_ref())
                    .opt("--method", e.method.as_ref())
                    .opt("--neighbours", e.neighbours.map(|n| n.to_string()))
                    .arg("--window")
                    .arg(&e.window)
                    .opt("--max-distance", e.max_distance.map(|m| m.to_string()))
                    .opt("--tads", tads.as_ref())
                    .arg("--device")
                    .arg(&p.device)
                    .arg("--plots")
                    .arg("-o")
                    .arg(&o)
                    .extra(&p.perturb_args)?
                    .out(crate::cli::output_path(&o, "perturbations.parquet")),
            ));
        }
    }
    Ok(steps)
}

/// How to run a plan.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Directory holding the `hiclstm-*` binaries (default: the pipeline's own, then PATH).
    pub bin_dir: Option<PathBuf>,
    /// Skip steps that completed before with the same command line.
    pub resume: bool,
    /// Print the commands without running them.
    pub dry_run: bool,
}

/// Where a step's binary is: beside the running executable, else on PATH.
pub fn find_binary(program: &str, bin_dir: Option<&Path>) -> PathBuf {
    let dir = bin_dir.map(Path::to_path_buf).or_else(|| std::env::current_exe().ok().and_then(|e| e.parent().map(Path::to_path_buf)));
    match dir.map(|d| d.join(program)).filter(|p| p.is_file()) {
        Some(p) => p,
        None => program.into(),
    }
}

/// Runs the plan in order and writes `pipeline_info/`. A failing step stops the run with its
/// exit code; completed steps are recorded so that `resume` picks up after the failure.
pub fn run(p: &Params, steps: &[Step], o: &RunOptions) -> Result<()> {
    let info = p.outdir.join("pipeline_info");
    let done_dir = info.join("done");
    if o.dry_run {
        for s in steps {
            println!("{}", s.command_line());
        }
        return Ok(());
    }
    std::fs::create_dir_all(&done_dir).map_err(|e| Error::output_io(&done_dir, e))?;
    write_text(&info.join("params.yaml"), &serde_yaml_ng::to_string(p).map_err(|e| Error::Internal(e.to_string()))?)?;
    let mut commands = String::from("#!/usr/bin/env bash\n# Commands run by hiclstm-pipeline, in order.\nset -euo pipefail\n");
    let n = steps.len();
    for (k, s) in steps.iter().enumerate() {
        let line = s.command_line();
        commands.push_str(&line);
        commands.push('\n');
        let marker = done_dir.join(s.name.replace(':', "."));
        let unchanged = std::fs::read_to_string(&marker).is_ok_and(|m| m == line);
        if o.resume && unchanged && s.outputs.iter().all(|x| x.exists()) {
            crate::log::info(&format!("[{}/{n}] {}: cached", k + 1, s.name));
            continue;
        }
        let _ = std::fs::remove_file(&marker);
        crate::log::info(&format!("[{}/{n}] {}: {line}", k + 1, s.name));
        for d in s.outputs.iter().filter_map(|x| x.parent()) {
            std::fs::create_dir_all(d).map_err(|e| Error::output_io(d, e))?;
        }
        let t0 = std::time::Instant::now();
        let bin = find_binary(s.program, o.bin_dir.as_deref());
        let status = std::process::Command::new(&bin).args(&s.args).status().map_err(|e| Error::input_io(&bin, e))?;
        if !status.success() {
            write_text(&info.join("commands.sh"), &commands)?;
            return Err(Error::StepFailed { step: s.name.clone(), code: status.code().unwrap_or(crate::error::exit::INTERNAL) });
        }
        if let Some(missing) = s.outputs.iter().find(|x| !x.exists()) {
            return Err(Error::Internal(format!("step {} finished but left no {}", s.name, missing.display())));
        }
        write_text(&marker, &line)?;
        crate::log::info(&format!("[{}/{n}] {}: done in {:.1} s", k + 1, s.name, t0.elapsed().as_secs_f64()));
    }
    write_text(&info.join("commands.sh"), &commands)?;
    write_text(&info.join("versions.yml"), &versions(steps, o.bin_dir.as_deref()))?;
    Ok(())
}

/// `versions.yml` in the nf-core layout: one entry per process, the tool's version under it.
fn versions(steps: &[Step], bin_dir: Option<&Path>) -> String {
    let mut progs: Vec<&str> = steps.iter().map(|s| s.program).collect();
    progs.sort();
    progs.dedup();
    let mut out = String::new();
    for prog in progs {
        let v = std::process::Command::new(find_binary(prog, bin_dir))
            .arg("--version")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).split_whitespace().last().unwrap_or("unknown").to_string())
            .unwrap_or_else(|| "unknown".into());
        out.push_str(&format!("\"HICLSTM_{}\":\n    hiclstm: {v}\n", prog.trim_start_matches("hiclstm-").to_uppercase()));
    }
    out
}

fn write_text(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut f = crate::output::AtomicFile::create(path, true)?;
    f.write_all(text.as_bytes()).map_err(|e| Error::output_io(path, e))?;
    f.commit(true).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_plan_runs_every_step_on_the_simulated_genome() {
        let p = Params { outdir: "res".into(), ..Params::default() };
        let steps = plan(&p, 2).unwrap();
        let names: Vec<&str> = steps.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "simulate:toy",
                "import:toy",
                "train:toy",
                "predict:toy",
                "evaluate:toy",
                "baseline_pca:toy",
                "classify:toy",
                "attribute:toy",
                "perturb_duplication:toy",
                "perturb_boundary_deletion:toy",
                "perturb_ctcf_knockout:toy"
            ]
        );
        let classify = steps[6].command_line();
        assert!(classify.contains("--tasks res/simulate/toy.tasks.yaml"), "{classify}");
        assert!(classify.contains("hiclstm=res/train/toy/representations.parquet pca=res/baseline/toy.pca.representations.parquet"), "{classify}");
        assert!(steps[2].command_line().ends_with("--threads 2 --force"), "{}", steps[2].command_line());
        assert!(steps[10].command_line().contains("--sites res/simulate/toy.ctcf.bed"), "{}", steps[10].command_line());
    }

    #[test]
    fn extra_args_are_appended_and_missing_files_refused() {
        let p = Params { train_args: "--epochs 3 --cell 'layernorm'".into(), baselines: String::new(), attribute: false, edits: Some(vec![]), ..Params::default() };
        let steps = plan(&p, 0).unwrap();
        let train = steps.iter().find(|s| s.name == "train:toy").unwrap();
        assert!(train.command_line().contains("--epochs 3 --cell layernorm"), "{}", train.command_line());
        assert!(!steps.iter().any(|s| s.name.starts_with("attribute") || s.name.starts_with("perturb") || s.name.starts_with("baseline")));
        let bad = Params { tads: Some("/nonexistent/tads.bed".into()), ..Params::default() };
        assert!(plan(&bad, 0).unwrap_err().to_string().contains("/nonexistent/tads.bed"));
        let bad = Params { baselines: "pca,umap".into(), ..Params::default() };
        assert!(plan(&bad, 0).unwrap_err().to_string().contains("umap"));
    }
}

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
//! - `perturb/`    `<id>.<edit>.perturbations.parquet` (per-site knockouts:
//!   `<id>.<edit>.site_effects.parquet`) and plots
//! - `pipeline_info/` `params.yaml` (as resolved), `commands.sh`, `versions.yml`

pub mod params;
pub mod samplesheet;

use crate::cli::output_path;
use crate::edits::EditSpec;
use crate::error::{Error, Result};
use crate::formats::cool_writer;
use crate::outputs;
use params::{split_args, Params};
use samplesheet::Sample;
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// One command of the plan.
#[derive(Debug, Clone)]
pub struct Step {
    /// `<process>:<id>`, e.g. `train:GM12878`.
    pub name: String,
    /// The `hiclstm-*` binary that runs the step (found with [`find_binary`]).
    pub program: &'static str,
    /// Its command-line arguments, in order (without the program name).
    pub args: Vec<OsString>,
    /// Files (or directories) the step leaves; with `--resume` a step whose outputs exist and
    /// whose command line and input files are unchanged is not run again.
    pub outputs: Vec<PathBuf>,
    /// Files the runner writes before the step (an edit's `--edit-spec`), with their text.
    pub writes: Vec<(PathBuf, String)>,
}

impl Step {
    fn new(name: String, program: &'static str) -> Self {
        Step { name, program, args: vec![], outputs: vec![], writes: vec![] }
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
    /// `PREFIX.<name>` for each name, as outputs.
    fn outs(self, prefix: &Path, names: &[&str]) -> Self {
        names.iter().fold(self, |s, n| s.out(output_path(prefix, n)))
    }
    /// A file the runner writes before the step, with its text.
    fn wrote(mut self, path: PathBuf, text: String) -> Self {
        self.writes.push((path, text));
        self
    }
    fn common(self, threads: usize) -> Self {
        self.arg("--threads").arg(threads.to_string()).arg("--force")
    }

    /// The command as a shell line (for `commands.sh` and the log).
    pub fn command_line(&self) -> String {
        std::iter::once(self.program.to_string()).chain(self.args.iter().map(|a| shell_quote(&a.to_string_lossy()))).collect::<Vec<_>>().join(" ")
    }

    /// What `--resume` compares: the command line and the text of the files written for it.
    fn fingerprint(&self) -> String {
        let mut f = self.command_line();
        for (p, text) in &self.writes {
            f.push_str(&format!("\n# {}\n{text}", p.display()));
        }
        f
    }
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@".contains(c)) {
        return s.to_string();
    }
    // Control characters cannot be quoted portably; such an argument is written as-is (the log
    // line is for reading, the command itself is run without a shell).
    shlex::try_quote(s).map(|q| q.into_owned()).unwrap_or_else(|_| s.to_string())
}

fn join(dir: &Path, parts: &[&str]) -> PathBuf {
    let mut p = dir.to_path_buf();
    for x in parts {
        p.push(x);
    }
    p
}

fn labelled(label: &str, path: &Path) -> OsString {
    let mut a = OsString::from(format!("{label}="));
    a.push(path);
    a
}

fn not_found(f: &Path, what: String) -> Error {
    Error::input_io(f, std::io::Error::new(std::io::ErrorKind::NotFound, what))
}

/// What every sample's steps share: the samples, and the tracks that classification,
/// attribution and perturbation read (the params' own, or the simulated truth).
struct Inputs {
    samples: Vec<Sample>,
    tasks: Option<PathBuf>,
    elements: BTreeMap<String, PathBuf>,
    tads: Option<PathBuf>,
    baselines: Vec<String>,
    edits: Vec<EditSpec>,
}

/// Plans every step for the params. Inputs are checked here (samplesheet, files named by the
/// params), before anything runs.
pub fn plan(p: &Params, threads: usize) -> Result<Vec<Step>> {
    check_files(p)?;
    let mut steps = vec![];
    let inputs = match &p.input {
        Some(sheet) => Inputs {
            samples: samplesheet::read(sheet)?,
            tasks: p.classify_tasks.clone(),
            elements: p.attribute_elements.clone().unwrap_or_default(),
            tads: p.tads.clone(),
            baselines: p.baseline_methods()?,
            edits: p.edits_to_run()?,
        },
        None => {
            let (step, inputs) = simulate(p)?;
            steps.push(step.common(threads));
            inputs
        }
    };
    for s in &inputs.samples {
        steps.extend(sample_steps(p, s, &inputs)?.into_iter().map(|x| x.common(threads)));
    }
    Ok(steps)
}

/// The params' values and named files, before anything runs.
fn check_files(p: &Params) -> Result<()> {
    p.check()?;
    for f in [&p.model_config, &p.orient, &p.classify_tasks, &p.tads].into_iter().flatten() {
        if !f.is_file() {
            return Err(not_found(f, "not found (named in the params)".into()));
        }
    }
    for (n, f) in p.attribute_elements.iter().flatten() {
        if !f.is_file() {
            return Err(not_found(f, format!("not found (attribute_elements.{n})")));
        }
    }
    // The embedded default's edits name files the simulation writes first.
    for e in p.edits.iter().flatten() {
        for (what, f) in [("sites", &e.sites), ("anchors", &e.anchors), ("observed", &e.observed), ("observed_mutant", &e.observed_mutant)] {
            if let Some(f) = f.as_ref().filter(|f| !f.is_file()) {
                return Err(not_found(f, format!("not found ({what} of edit '{}')", e.id)));
            }
        }
    }
    Ok(())
}

/// The embedded default: simulate the preset's genome, and use its truth tracks.
fn simulate(p: &Params) -> Result<(Step, Inputs)> {
    let preset = p.simulate_preset.name();
    let prefix = p.outdir.join("simulate").join(preset);
    let sim = |n: &str| output_path(&prefix, n);
    let step = Step::new(format!("simulate:{preset}"), "hiclstm-simulate")
        .arg("--preset")
        .arg(preset)
        .arg("--resolution")
        .arg(p.simulate_resolution.to_string())
        .arg("--seed")
        .arg(p.seed.to_string())
        .arg("--pairs")
        .arg("-o")
        .arg(&prefix)
        .extra(&p.simulate_args)?
        .outs(&prefix, &[outputs::PAIRS, outputs::CONTACTS, outputs::TASKS, outputs::CTCF_BED, outputs::BOUNDARIES_BED, outputs::TADS_BED]);
    let sample = Sample {
        id: preset.to_string(),
        file: sim(outputs::PAIRS),
        format: Some("pairs".into()),
        resolution: Some(p.simulate_resolution as u64),
        chromosomes: None,
    };
    let elements = p
        .attribute_elements
        .clone()
        .unwrap_or_else(|| [("ctcf".to_string(), sim(outputs::CTCF_BED)), ("boundaries".to_string(), sim(outputs::BOUNDARIES_BED))].into());
    let inputs = Inputs {
        samples: vec![sample],
        tasks: Some(p.classify_tasks.clone().unwrap_or_else(|| sim(outputs::TASKS))),
        elements,
        tads: Some(p.tads.clone().unwrap_or_else(|| sim(outputs::TADS_BED))),
        baselines: p.baseline_methods()?,
        edits: p.edits_to_run()?,
    };
    Ok((step, inputs))
}

/// Where one sample's results go.
struct SamplePaths {
    imported: PathBuf,
    contacts: PathBuf,
    /// The trans table, where the sample has one (`trans: true`; not the read-depth samples).
    trans: Option<PathBuf>,
    model: PathBuf,
    predictions: PathBuf,
}

/// The id of a sample downsampled to `fraction` of its contacts (`toy` at 0.25: `toy_depth0.25`).
pub fn depth_id(id: &str, fraction: f64) -> String {
    format!("{id}_depth{fraction}")
}

/// Import, train, predict, evaluate, baselines, classify, attribute and the edits of one sample,
/// then the read-depth experiment: the imported contacts downsampled to each of `read_depths`,
/// each trained, predicted, evaluated and classified as a sample of its own.
fn sample_steps(p: &Params, s: &Sample, inputs: &Inputs) -> Result<Vec<Step>> {
    let (out, id) = (&p.outdir, s.id.as_str());
    let imported = join(out, &["import", id]);
    let paths = SamplePaths {
        contacts: output_path(&imported, outputs::CONTACTS),
        trans: p.trans.then(|| output_path(&imported, outputs::TRANS)),
        imported,
        model: join(out, &["train", id]),
        predictions: join(out, &["predict", &format!("{id}.{}", outputs::PREDICTIONS)]),
    };
    let mut steps = vec![import(p, s, &paths)?];
    steps.extend(model_steps(p, id, &paths, inputs, true)?);
    for &f in &p.read_depths {
        let did = depth_id(id, f);
        let prefix = join(out, &["downsample", &did]);
        let dpaths = SamplePaths {
            contacts: output_path(&prefix, outputs::CONTACTS),
            trans: None,
            imported: prefix.clone(),
            model: join(out, &["train", &did]),
            predictions: join(out, &["predict", &format!("{did}.{}", outputs::PREDICTIONS)]),
        };
        steps.push(
            Step::new(format!("downsample:{did}"), "hiclstm-downsample")
                .arg(&paths.contacts)
                .arg("--fraction")
                .arg(f.to_string())
                .arg("--seed")
                .arg(p.seed.to_string())
                .arg("-o")
                .arg(&prefix)
                .outs(&prefix, &[outputs::CONTACTS, outputs::BINS]),
        );
        steps.extend(model_steps(p, &did, &dpaths, inputs, false)?);
    }
    Ok(steps)
}

/// Train, predict, evaluate, baselines and classify a sample's contacts; with `full`, also
/// attribute and edit (not for the read-depth experiment's samples).
fn model_steps(p: &Params, id: &str, paths: &SamplePaths, inputs: &Inputs, full: bool) -> Result<Vec<Step>> {
    let out = &p.outdir;
    let mut steps = vec![train(p, id, paths)?, predict(p, id, paths)?, evaluate(p, id, paths)?];
    let mut reps = vec![("hiclstm".to_string(), paths.model.join(outputs::REPRESENTATIONS))];
    for m in &inputs.baselines {
        let r = join(out, &["baseline", &format!("{id}.{m}.{}", outputs::REPRESENTATIONS)]);
        // Only PCA has a compartment track to orient.
        let orient = p.orient.as_ref().filter(|_| m == "pca");
        steps.push(
            Step::new(format!("baseline_{m}:{id}"), "hiclstm-baseline")
                .arg(m)
                .arg(&paths.contacts)
                .opt("--orient", orient)
                .opt("--trans", paths.trans.as_ref())
                .arg("-o")
                .arg(&r)
                .extra(&p.baseline_args)?
                .out(r.clone()),
        );
        reps.push((m.clone(), r));
    }
    if let Some(t) = &inputs.tasks {
        let c = join(out, &["classify", id]);
        let mut step = Step::new(format!("classify:{id}"), "hiclstm-classify").arg("--representations");
        for (l, r) in &reps {
            step = step.arg(labelled(l, r));
        }
        steps.push(
            step.arg("--tasks")
                .arg(t)
                .arg("--seed")
                .arg(p.seed.to_string())
                .arg("--plots")
                .arg("-o")
                .arg(&c)
                .extra(&p.classify_args)?
                .outs(&c, &[outputs::METRICS]),
        );
    }
    if !full {
        return Ok(steps);
    }
    if p.attribute {
        steps.push(attribute(p, id, paths, inputs)?);
    }
    for e in &inputs.edits {
        steps.push(perturb(p, id, paths, inputs, e)?);
    }
    Ok(steps)
}

fn import(p: &Params, s: &Sample, paths: &SamplePaths) -> Result<Step> {
    let mut step = Step::new(format!("import:{}", s.id), "hiclstm-import")
        .arg(&s.file)
        .opt("--format", s.format.as_ref())
        .opt("--resolution", s.resolution.map(|r| r.to_string()))
        .opt("--chromosomes", s.chromosomes.as_ref());
    if let Some(t) = &paths.trans {
        step = step.arg("--trans").out(t.clone());
    }
    Ok(step.arg("-o").arg(&paths.imported).extra(&p.import_args)?.outs(&paths.imported, &[outputs::CONTACTS, outputs::BINS]))
}

fn train(p: &Params, id: &str, paths: &SamplePaths) -> Result<Step> {
    Ok(Step::new(format!("train:{id}"), "hiclstm-train")
        .arg(&paths.contacts)
        .arg("--preset")
        .arg(p.model_preset.name())
        .opt("--config", p.model_config.as_ref())
        .opt("--orient", p.orient.as_ref())
        .opt("--trans", paths.trans.as_ref())
        .arg("--seed")
        .arg(p.seed.to_string())
        .arg("--device")
        .arg(p.device.to_string())
        .arg("-o")
        .arg(&paths.model)
        .extra(&p.train_args)?
        .out(paths.model.join(outputs::REPRESENTATIONS))
        .out(paths.model.join(outputs::TRAINING_LOG)))
}

fn predict(p: &Params, id: &str, paths: &SamplePaths) -> Result<Step> {
    let format = p.cooler.format();
    let mut s = Step::new(format!("predict:{id}"), "hiclstm-predict")
        .arg(&paths.model)
        .arg("--contacts")
        .arg(&paths.contacts)
        .arg("--device")
        .arg(p.device.to_string())
        .opt("--cooler", format.map(|f| f.extension()))
        .arg("-o")
        .arg(&paths.predictions)
        .extra(&p.predict_args)?
        .out(paths.predictions.clone());
    for (m, f) in [outputs::PREDICTED_MAP, outputs::OBSERVED_MAP].iter().flat_map(|m| format.map(|f| (m, f))) {
        s = s.out(cool_writer::path_beside(&paths.predictions, ".predictions", m, f));
    }
    Ok(s)
}

fn evaluate(p: &Params, id: &str, paths: &SamplePaths) -> Result<Step> {
    let eval = join(&p.outdir, &["evaluate", id]);
    Ok(Step::new(format!("evaluate:{id}"), "hiclstm-evaluate")
        .arg(labelled("hiclstm", &paths.predictions))
        .arg("--plots")
        .arg("--training-log")
        .arg(paths.model.join(outputs::TRAINING_LOG))
        .opt("--region", p.evaluate_region.as_ref())
        .arg("-o")
        .arg(&eval)
        .extra(&p.evaluate_args)?
        .outs(&eval, &[outputs::METRICS]))
}

fn attribute(p: &Params, id: &str, paths: &SamplePaths, inputs: &Inputs) -> Result<Step> {
    let a = join(&p.outdir, &["attribute", id]);
    let mut s = Step::new(format!("attribute:{id}"), "hiclstm-attribute").arg(&paths.model).arg("--contacts").arg(&paths.contacts);
    if !inputs.elements.is_empty() {
        s = s.arg("--elements");
        for (n, f) in &inputs.elements {
            s = s.arg(labelled(n, f));
        }
    }
    s.opt("--tads", inputs.tads.as_ref())
        .arg("--seed")
        .arg(p.seed.to_string())
        .arg("--device")
        .arg(p.device.to_string())
        .arg("-o")
        .arg(&a)
        .extra(&p.attribute_args)
        .map(|s| s.outs(&a, &[outputs::ATTRIBUTIONS]))
}

/// One edit: its specification is written beside its results (`PREFIX.edit.yaml`, paths made
/// absolute) and passed as `--edit-spec`, as the Nextflow module does.
fn perturb(p: &Params, id: &str, paths: &SamplePaths, inputs: &Inputs, e: &EditSpec) -> Result<Step> {
    let o = join(&p.outdir, &["perturb", &format!("{id}.{}", e.id)]);
    let mut spec = e.clone();
    for f in [&mut spec.sites, &mut spec.anchors, &mut spec.observed, &mut spec.observed_mutant].into_iter().flatten() {
        *f = std::path::absolute(&*f).map_err(|err| Error::input_io(&*f, err))?;
    }
    let spec_path = output_path(&o, "edit.yaml");
    // Window edits have maps; per-site knockouts and per-loop swaps do not.
    let maps = p.cooler.format().filter(|_| !e.per_site() && !e.per_loop());
    let map_files: Vec<String> =
        maps.iter().flat_map(|f| [outputs::WT_MAP, outputs::MUTANT_MAP, outputs::DIFFERENCE_MAP].map(|m| format!("{m}.{}", f.extension()))).collect();
    Ok(Step::new(format!("perturb_{}:{id}", e.id), "hiclstm-perturb")
        .arg(&paths.model)
        .arg("--edit-spec")
        .arg(&spec_path)
        // A TAD profile needs a window's maps: per-site knockouts have none.
        .opt("--tads", inputs.tads.as_ref().filter(|_| !e.per_site() && !e.per_loop()))
        .arg("--device")
        .arg(p.device.to_string())
        .arg("--plots")
        .opt("--cooler", maps.map(|f| f.extension()))
        .arg("-o")
        .arg(&o)
        .extra(&p.perturb_args)?
        .outs(&o, &[if e.per_site() { outputs::SITE_EFFECTS } else { outputs::PERTURBATIONS }])
        .outs(&o, &map_files.iter().map(String::as_str).collect::<Vec<_>>())
        .wrote(spec_path, spec.to_yaml()))
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
    let mut trace = String::from("step\tstatus\tseconds\n");
    for (k, s) in steps.iter().enumerate() {
        let line = s.command_line();
        commands.push_str(&line);
        commands.push('\n');
        let marker = done_dir.join(s.name.replace(':', "."));
        let fingerprint = s.fingerprint();
        let unchanged = std::fs::read_to_string(&marker).is_ok_and(|m| m == fingerprint);
        if o.resume && unchanged && s.outputs.iter().all(|x| x.exists()) {
            crate::log::info(&format!("[{}/{n}] {}: cached", k + 1, s.name));
            trace.push_str(&format!("{}\tcached\t\n", s.name));
            continue;
        }
        let _ = std::fs::remove_file(&marker);
        crate::log::info(&format!("[{}/{n}] {}: {line}", k + 1, s.name));
        for d in s.outputs.iter().chain(s.writes.iter().map(|w| &w.0)).filter_map(|x| x.parent()) {
            std::fs::create_dir_all(d).map_err(|e| Error::output_io(d, e))?;
        }
        for (path, text) in &s.writes {
            write_text(path, text)?;
        }
        let t0 = std::time::Instant::now();
        let bin = find_binary(s.program, o.bin_dir.as_deref());
        let status = run_child(&bin, &s.args)?;
        if !status.success() {
            write_text(&info.join("commands.sh"), &commands)?;
            return Err(Error::StepFailed { step: s.name.clone(), code: status.code().unwrap_or(crate::error::exit::INTERNAL) });
        }
        if let Some(missing) = s.outputs.iter().find(|x| !x.exists()) {
            return Err(Error::Internal(format!("step {} finished but left no {}", s.name, missing.display())));
        }
        write_text(&marker, &fingerprint)?;
        let secs = t0.elapsed().as_secs_f64();
        crate::log::info(&format!("[{}/{n}] {}: done in {secs:.1} s", k + 1, s.name));
        trace.push_str(&format!("{}\tdone\t{secs:.1}\n", s.name));
    }
    write_text(&info.join("commands.sh"), &commands)?;
    write_text(&info.join("versions.yml"), &versions(steps, o.bin_dir.as_deref()))?;
    write_text(&info.join(crate::report::EXECUTION_TRACE), &trace)?;
    // The report reads what the steps wrote: made last, in this process, every run.
    let report = output_path(&info.join("hiclstm"), outputs::REPORT_HTML);
    let r = crate::report::run(&crate::report::ReportOptions { results: p.outdir.clone(), output: report.clone(), force: true })?;
    crate::log::info(&format!("report: {} ({} images)", report.display(), r.images));
    Ok(())
}

/// Runs one step's binary and waits for it. A SIGINT or SIGTERM sent to the pipeline is passed
/// on: the running step is stopped too (not left running orphaned), and the pipeline exits
/// with 128 + the signal, its completed steps recorded for `--resume`.
fn run_child(bin: &Path, args: &[OsString]) -> Result<std::process::ExitStatus> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    static SIGNAL: std::sync::OnceLock<Arc<AtomicUsize>> = std::sync::OnceLock::new();
    let signal = SIGNAL.get_or_init(|| {
        let got = Arc::new(AtomicUsize::new(0));
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            // If the handler cannot be installed, signals keep their default action (the
            // pipeline dies, the step with it when it is in the terminal's process group).
            let _ = signal_hook::flag::register_usize(sig, got.clone(), sig as usize);
        }
        got
    });
    let mut child = std::process::Command::new(bin).args(args).spawn().map_err(|e| Error::input_io(bin, e))?;
    loop {
        if let Some(status) = child.try_wait().map_err(|e| Error::input_io(bin, e))? {
            return Ok(status);
        }
        let sig = signal.load(Ordering::SeqCst);
        if sig != 0 {
            let _ = child.kill();
            let _ = child.wait();
            crate::log::warn(&format!("signal {sig}: stopped {} and the pipeline (resume with --resume)", bin.display()));
            std::process::exit(128 + sig as i32);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
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
                "perturb_ctcf_knockout:toy",
                "perturb_loop_swap:toy"
            ]
        );
        let classify = steps[6].command_line();
        assert!(classify.contains("--tasks res/simulate/toy.tasks.yaml"), "{classify}");
        assert!(classify.contains("hiclstm=res/train/toy/representations.parquet pca=res/baseline/toy.pca.representations.parquet"), "{classify}");
        assert!(steps[2].command_line().ends_with("--threads 2 --force"), "{}", steps[2].command_line());
        assert!(steps[10].command_line().contains("--edit-spec res/perturb/toy.ctcf_knockout.edit.yaml"), "{}", steps[10].command_line());
        assert!(!steps[10].command_line().contains("--tads"), "a per-site knockout has no window to profile over TADs");
        let spec: EditSpec = serde_yaml_ng::from_str(&steps[10].writes[0].1).unwrap();
        assert!(spec.per_site(), "{spec:?}");
        assert_eq!(spec.sites, Some(std::path::absolute("res/simulate/toy.ctcf.bed").unwrap()), "{spec:?}");
    }

    #[test]
    fn extra_args_are_appended_and_missing_files_refused() {
        let p =
            Params { train_args: "--epochs 3 --cell 'layernorm'".into(), baselines: String::new(), attribute: false, edits: Some(vec![]), ..Params::default() };
        let steps = plan(&p, 0).unwrap();
        let train = steps.iter().find(|s| s.name == "train:toy").unwrap();
        assert!(train.command_line().contains("--epochs 3 --cell layernorm"), "{}", train.command_line());
        assert!(!steps.iter().any(|s| s.name.starts_with("attribute") || s.name.starts_with("perturb") || s.name.starts_with("baseline")));
        let bad = Params { tads: Some("/nonexistent/tads.bed".into()), ..Params::default() };
        assert!(plan(&bad, 0).unwrap_err().to_string().contains("/nonexistent/tads.bed"));
        let bad = Params { baselines: "pca,umap".into(), ..Params::default() };
        assert!(plan(&bad, 0).unwrap_err().to_string().contains("umap"));
    }

    /// The orientation track reaches training and the PCA baseline (not SCI, which has no
    /// compartment track), and a missing one is refused before anything runs.
    #[test]
    fn the_orientation_track_goes_to_training_and_pca() {
        let dir = tempfile::tempdir().unwrap();
        let track = dir.path().join("genes.bedGraph");
        std::fs::write(&track, "chr1\t0\t50000\t1\n").unwrap();
        let p = Params { orient: Some(track.clone()), baselines: "pca,sci".into(), ..Params::default() };
        let steps = plan(&p, 0).unwrap();
        let line = |name: &str| steps.iter().find(|s| s.name == name).unwrap().command_line();
        let want = format!("--orient {}", track.display());
        assert!(line("train:toy").contains(&want), "{}", line("train:toy"));
        assert!(line("baseline_pca:toy").contains(&want), "{}", line("baseline_pca:toy"));
        assert!(!line("baseline_sci:toy").contains("--orient"), "{}", line("baseline_sci:toy"));
        assert!(!plan(&Params::default(), 0).unwrap().iter().any(|s| s.command_line().contains("--orient")));
        let bad = Params { orient: Some("/nonexistent/genes.bedGraph".into()), ..Params::default() };
        assert!(plan(&bad, 0).unwrap_err().to_string().contains("/nonexistent/genes.bedGraph"));
    }

    /// `trans: true` imports the trans table and trains the sample (and its baselines) on it; the
    /// read-depth samples (downsampled intra-chromosomal contacts) go without one.
    #[test]
    fn trans_contacts_go_from_import_to_training() {
        let p = Params { trans: true, read_depths: vec![0.5], ..Params::default() };
        let steps = plan(&p, 0).unwrap();
        let line = |name: &str| steps.iter().find(|s| s.name == name).unwrap_or_else(|| panic!("no step {name}")).command_line();
        let table = join(&p.outdir, &["import", "toy.trans.parquet"]);
        assert!(line("import:toy").contains("--trans"), "{}", line("import:toy"));
        assert!(steps.iter().find(|s| s.name == "import:toy").unwrap().outputs.contains(&table));
        assert!(line("train:toy").contains(&format!("--trans {}", table.display())), "{}", line("train:toy"));
        assert!(!line("train:toy_depth0.5").contains("--trans"), "{}", line("train:toy_depth0.5"));
        // The baselines take their genome-wide forms from the same table.
        assert!(line("baseline_pca:toy").contains(&format!("--trans {}", table.display())), "{}", line("baseline_pca:toy"));
        assert!(!line("baseline_pca:toy_depth0.5").contains("--trans"));
        assert!(!plan(&Params::default(), 0).unwrap().iter().any(|s| s.command_line().contains("--trans")));
    }
}

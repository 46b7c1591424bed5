//! The pipeline's parameter file: the same YAML that `nextflow run workflows/main.nf
//! -params-file` takes, so one file drives the Nextflow workflow and `hiclstm-pipeline` alike.
//! Every key is declared in `workflows/nextflow_schema.json` (a test keeps the two in step).

use crate::device::Device;
use crate::edits::EditSpec;
use crate::error::{Error, Result};
use crate::presets::{ModelPreset, SimulatePreset};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Pipeline parameters. Relative paths are relative to the directory the pipeline is started in
/// (as with Nextflow's launch directory).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Params {
    /// Samplesheet CSV (sample,file,format,resolution,chromosomes,replicate). Absent: simulate
    /// the embedded default genome and run on it.
    pub input: Option<PathBuf>,
    /// Results directory.
    pub outdir: PathBuf,
    /// Seed of every seeded step (simulation, training, classification folds, attribution).
    pub seed: u64,
    /// Simulation preset for the embedded default (toy, small, human).
    pub simulate_preset: SimulatePreset,
    /// Resolution (bp) of the simulated default.
    pub simulate_resolution: u32,
    /// hiclstm-train preset: default (hiclstm-train's own: its window head serves classification,
    /// attribution and perturbation best), reconstruction, representations or paper.
    pub model_preset: ModelPreset,
    /// Model configuration YAML for hiclstm-train (on top of the preset).
    pub model_config: Option<PathBuf>,
    /// bedGraph (gene density, GC content) that orients the compartment axis: A where it is
    /// high. Passed to hiclstm-train and hiclstm-baseline pca as `--orient`; without it, both
    /// orient each chromosome from its contacts alone.
    pub orient: Option<PathBuf>,
    /// Import each sample's inter-chromosomal contacts too (`hiclstm-import --trans`) and train on
    /// them (`hiclstm-train --trans`): they choose every chromosome's compartment axis and keep
    /// its sign the same across chromosomes during training. The baselines then take their
    /// genome-wide forms (`hiclstm-baseline pca|sci --trans`). For .hic, .mcool and pairs input;
    /// the read-depth samples go without them.
    pub trans: bool,
    /// Device for training, prediction, attribution and perturbation: auto, cpu, cuda, cuda:N.
    pub device: Device,
    /// Representation baselines beside Hi-C-LSTM, comma-separated (pca, sci); empty for none.
    pub baselines: String,
    /// hiclstm-classify task list (YAML). Absent: the simulated truth for the embedded default,
    /// no classification otherwise.
    pub classify_tasks: Option<PathBuf>,
    /// Run hiclstm-attribute.
    pub attribute: bool,
    /// Nextflow: attribute each chromosome in a task of its own and join them (the same tables,
    /// spread over a cluster). `hiclstm-pipeline` runs on one machine, where one task does the
    /// same work, and ignores it.
    pub attribute_scatter: bool,
    /// Element sets to summarise attributions over, NAME: BED.
    pub attribute_elements: Option<BTreeMap<String, PathBuf>>,
    /// Domains (BED) for TAD profiles of attributions and perturbations.
    pub tads: Option<PathBuf>,
    /// In-silico edits applied to every sample's model. Absent: `workflows/assets/simulated_edits.yaml`
    /// for the embedded default, none otherwise.
    pub edits: Option<Vec<EditSpec>>,
    /// Heatmap region of hiclstm-evaluate (chr:start-end).
    pub evaluate_region: Option<String>,
    /// Read-depth experiment (the paper's Fig. 3e-f): fractions in (0, 1) of each sample's
    /// contacts; each is drawn without replacement (hiclstm-downsample) and trained, predicted,
    /// evaluated and classified as a sample `ID_depthF`. Empty: no experiment.
    pub read_depths: Vec<f64>,
    /// The maps of hiclstm-predict and of window edits as cooler files: `mcool` (every zoom level,
    /// for HiGlass), `cool` (the model's resolution) or `none`.
    pub cooler: CoolerOutput,
    /// Extra arguments per step (the Nextflow modules' `task.ext.args`).
    pub simulate_args: String,
    /// Extra arguments of every hiclstm-import step, split as a shell does (see [`split_args`]).
    pub import_args: String,
    /// Extra arguments of every hiclstm-train step, e.g. `--epochs 20`.
    pub train_args: String,
    /// Extra arguments of every hiclstm-predict step.
    pub predict_args: String,
    /// Extra arguments of every hiclstm-evaluate step.
    pub evaluate_args: String,
    /// Extra arguments of every hiclstm-baseline step (each method of `baselines`).
    pub baseline_args: String,
    /// Extra arguments of every hiclstm-classify step.
    pub classify_args: String,
    /// Extra arguments of every hiclstm-attribute step.
    pub attribute_args: String,
    /// Extra arguments of every hiclstm-perturb step (each edit).
    pub perturb_args: String,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            input: None,
            outdir: "results".into(),
            seed: 1,
            simulate_preset: SimulatePreset::Toy,
            simulate_resolution: 50_000,
            model_preset: ModelPreset::Default,
            model_config: None,
            orient: None,
            trans: false,
            device: Device::Auto,
            baselines: "pca".into(),
            classify_tasks: None,
            attribute: true,
            attribute_scatter: false,
            attribute_elements: None,
            tads: None,
            edits: None,
            evaluate_region: None,
            read_depths: Vec::new(),
            cooler: CoolerOutput::Mcool,
            simulate_args: String::new(),
            import_args: String::new(),
            train_args: String::new(),
            predict_args: String::new(),
            evaluate_args: String::new(),
            baseline_args: String::new(),
            classify_args: String::new(),
            attribute_args: String::new(),
            perturb_args: String::new(),
        }
    }
}

/// Which cooler files the pipeline writes beside its map tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CoolerOutput {
    /// `.mcool`, every zoom level (HiGlass needs them).
    Mcool,
    /// `.cool`, the model's resolution only.
    Cool,
    /// No cooler files.
    None,
}

impl CoolerOutput {
    /// The file format, None for `none`.
    pub fn format(self) -> Option<crate::formats::cool_writer::CoolerFormat> {
        use crate::formats::cool_writer::CoolerFormat;
        match self {
            CoolerOutput::Mcool => Some(CoolerFormat::Mcool),
            CoolerOutput::Cool => Some(CoolerFormat::Cool),
            CoolerOutput::None => None,
        }
    }
}

/// The edits of the embedded default run (also read by `workflows/main.nf`).
pub const SIMULATED_EDITS: &str = include_str!("../../workflows/assets/simulated_edits.yaml");

impl Params {
    /// Reads a params file; unknown keys are refused so that a typo does not silently fall back
    /// to a default.
    pub fn load(path: &Path) -> Result<Params> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::input_io(path, e))?;
        let p = Self::from_yaml(&text).map_err(|m| Error::format(path, yaml_location(&m), m.to_string()))?;
        // What the types cannot say is checked here too, so that the message names the file.
        p.check().map_err(|e| match e {
            Error::InvalidArgument(m) => Error::format(path, yaml_key_location(&text, m.split(':').next().unwrap_or("")), m),
            other => other,
        })?;
        Ok(p)
    }

    /// Parses params YAML; empty text gives the defaults, and unknown keys are refused.
    pub fn from_yaml(text: &str) -> std::result::Result<Params, serde_yaml_ng::Error> {
        if text.trim().is_empty() {
            return Ok(Params::default());
        }
        serde_yaml_ng::from_str(text)
    }

    /// What the types cannot say (presets, device and edit kinds are enums, refused with their
    /// line when the file is read): ranges, each edit's consistency, unique edit ids.
    pub fn check(&self) -> Result<()> {
        if self.simulate_resolution == 0 {
            return Err(Error::InvalidArgument("simulate_resolution: must be at least 1".into()));
        }
        for &f in &self.read_depths {
            if !(f > 0.0 && f < 1.0) {
                return Err(Error::InvalidArgument(format!("read_depths: {f} is not a fraction in (0, 1)")));
            }
            if self.read_depths.iter().filter(|&&g| g == f).count() > 1 {
                return Err(Error::InvalidArgument(format!("read_depths: {f} is given twice")));
            }
        }
        let mut ids = std::collections::HashSet::new();
        for e in self.edits.iter().flatten() {
            if e.id.is_empty() {
                return Err(Error::InvalidArgument(format!("edits: an edit without an id ({})", e.to_yaml().trim().replace('\n', ", "))));
            }
            e.check().map_err(|m| Error::InvalidArgument(format!("edits: {m}")))?;
            if !ids.insert(e.id.as_str()) {
                return Err(Error::InvalidArgument(format!("edits: id '{}' is used twice (it names the output files)", e.id)));
            }
        }
        self.baseline_methods().map(|_| ())
    }

    /// Baseline methods asked for, checked against those hiclstm-baseline has.
    pub fn baseline_methods(&self) -> Result<Vec<String>> {
        let mut out = vec![];
        for m in self.baselines.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            if !["pca", "sci"].contains(&m) {
                return Err(Error::InvalidArgument(format!("baselines: unknown method '{m}' (pca, sci)")));
            }
            out.push(m.to_string());
        }
        Ok(out)
    }

    /// The edits to run: the params' own, or the embedded default's when simulating the toy
    /// genome (their relative `sites` and `anchors` are files of the simulation, under
    /// `outdir/simulate`).
    pub fn edits_to_run(&self) -> Result<Vec<EditSpec>> {
        match (&self.edits, &self.input) {
            (Some(e), _) => Ok(e.clone()),
            (None, None) if self.simulate_preset == SimulatePreset::Toy => {
                let mut edits: Vec<EditSpec> = serde_yaml_ng::from_str(SIMULATED_EDITS).map_err(|e| Error::Internal(format!("simulated_edits.yaml: {e}")))?;
                for e in &mut edits {
                    for s in [e.sites.as_mut(), e.anchors.as_mut()].into_iter().flatten().filter(|s| s.is_relative()) {
                        *s = self.outdir.join("simulate").join(&*s);
                    }
                }
                Ok(edits)
            }
            (None, _) => Ok(vec![]),
        }
    }
}

/// The line of a top-level `key:` in a params file (None when it is not there).
fn yaml_key_location(text: &str, key: &str) -> crate::error::Location {
    match text.lines().position(|l| l.starts_with(&format!("{key}:"))) {
        Some(n) if !key.is_empty() => crate::error::Location::Line { line: n as u64 + 1, column: Some(1) },
        _ => crate::error::Location::None,
    }
}

fn yaml_location(e: &serde_yaml_ng::Error) -> crate::error::Location {
    match e.location() {
        Some(l) => crate::error::Location::Line { line: l.line() as u64, column: Some(l.column() as u64) },
        None => crate::error::Location::None,
    }
}

/// Splits extra arguments as a POSIX shell does (quotes, backslashes, `#` comments; no
/// expansions), so `train_args: "--epochs 20 --cell 'layernorm'"` means the same here as in the
/// workflow's scripts.
pub fn split_args(s: &str) -> Result<Vec<String>> {
    shlex::split(s).ok_or_else(|| Error::InvalidArgument(format!("'{s}': unbalanced quotes or a trailing backslash")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_gives_defaults_and_unknown_keys_are_refused() {
        assert_eq!(Params::from_yaml("").unwrap(), Params::default());
        assert_eq!(Params::from_yaml("outdir: x\n").unwrap().outdir, PathBuf::from("x"));
        let e = Params::from_yaml("outdri: x\n").unwrap_err().to_string();
        assert!(e.contains("outdri"), "{e}");
    }

    #[test]
    fn args_split_like_a_shell() {
        assert_eq!(split_args("  --epochs 20 --cell 'layer norm' \"a\\\"b\" c\\ d").unwrap(), ["--epochs", "20", "--cell", "layer norm", "a\"b", "c d"]);
        assert!(split_args("--x 'open").is_err());
        assert!(split_args("").unwrap().is_empty());
    }

    #[test]
    fn enumerated_values_are_checked_up_front() {
        assert!(Params::default().check().is_ok());
        // Closed sets are enums: a value outside them is refused as the file is read, with the
        // key and its line.
        for (yaml, needle) in [
            ("model_preset: fast\n", "model_preset"),
            ("device: gpu\n", "device"),
            ("device: 'cuda:'\n", "device"),
            ("simulate_preset: mouse\n", "simulate_preset"),
            ("edits: [{id: x, edit: swap, window: 'chr1:1-10'}]\n", "edits[0].edit"),
        ] {
            let e = Params::from_yaml(yaml).unwrap_err();
            assert!(e.to_string().contains(needle) && e.location().is_some(), "{yaml}: {e}");
        }
        // The rest is checked before any step runs.
        for (yaml, needle) in [
            ("baselines: pca,umap\n", "umap"),
            ("edits: [{id: a/b, edit: invert, at: 'chr1:1-5', window: 'chr1:1-10'}]\n", "a/b"),
            ("edits: [{id: a, edit: invert, window: 'chr1:1-10'}]\n", "needs `at`"),
            ("edits: [{id: a, edit: invert, at: 'chr1:1-5', window: 'chr1:1-10'}, {id: a, edit: delete, at: 'chr1:1-5', window: 'chr1:1-10'}]\n", "used twice"),
        ] {
            let e = Params::from_yaml(yaml).unwrap().check().unwrap_err().to_string();
            assert!(e.contains(needle), "{yaml}: {e}");
        }
        assert_eq!(Params::from_yaml("device: 'cuda:1'\n").unwrap().device, Device::Cuda(1));
        // Loaded from a file, the message names it and the key's line.
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("params.yaml");
        std::fs::write(&f, "outdir: x\nbaselines: pca,umap\n").unwrap();
        let e = Params::load(&f).unwrap_err().to_string();
        assert!(e.contains("params.yaml") && e.contains("line 2") && e.contains("umap"), "{e}");
    }

    #[test]
    fn embedded_edits_parse() {
        let p = Params::default();
        let e = p.edits_to_run().unwrap();
        assert!(e.iter().any(|e| e.edit == crate::edits::EditKind::Duplicate), "{e:?}");
        let with_input = Params { input: Some("s.csv".into()), ..Params::default() };
        assert!(with_input.edits_to_run().unwrap().is_empty());
    }
}

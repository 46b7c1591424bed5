//! The names of the presets, parsed once: simulation presets (what `hiclstm-simulate --preset`
//! and the `simulate_preset` param take; their contents are in `simulate.rs`) and model presets
//! (`hiclstm-train --preset`, the `model_preset` param; their contents are in the model crate's
//! `config.rs`).

/// A simulated genome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SimulatePreset {
    /// Two chromosomes at 50 kb: seconds (tests, the embedded default).
    #[default]
    Toy,
    /// Three chromosomes, a few minutes of training.
    Small,
    /// One 249 Mb chromosome at 10 kb.
    Human,
    /// hg19 chr1-22 at 10 kb at about GM12878 in situ Hi-C's density (the paper's map: some 600
    /// M pixels): the genome-scale benchmark (minutes to simulate, gigabytes on disk).
    Gm12878,
}

impl SimulatePreset {
    /// The preset's name as `--preset` and the params spell it (`toy`, `small`, `human`, `gm12878`).
    pub fn name(self) -> &'static str {
        match self {
            SimulatePreset::Toy => "toy",
            SimulatePreset::Small => "small",
            SimulatePreset::Human => "human",
            SimulatePreset::Gm12878 => "gm12878",
        }
    }
}

/// A starting configuration of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelPreset {
    /// The defaults: the window head (each step's prediction reads the hidden states of the 3
    /// steps either side, through weights shared by every step), hidden 12, the auxiliary
    /// per-step decoder, the pairwise term and the compartment axis at the start, dense frames.
    Default,
    /// The reference code's frame head on the defaults: the closest fit to the reads it was
    /// trained on (R² 0.96 on the shared map), partly by learning their noise by heart; no
    /// better than the raw data on reads it was not trained on.
    Reconstruction,
    /// The former choice for classification, attribution and perturbation: per-step head, hidden
    /// 24, representations initialised N(0, 0.01) plus the compartment axis, pairwise term,
    /// observed frames.
    Representations,
    /// The published configuration, for reproducing the article: the paper's layer-norm LSTM and
    /// per-step head, hidden 8, representations N(0, 1) (nn.Embedding's), no pairwise term, 10
    /// epochs at batch 2000 with the learning rate dropping after 5.
    Paper,
}

impl ModelPreset {
    /// The preset's name as `--preset` and the params spell it (`default`, `reconstruction`, ...).
    pub fn name(self) -> &'static str {
        match self {
            ModelPreset::Default => "default",
            ModelPreset::Reconstruction => "reconstruction",
            ModelPreset::Representations => "representations",
            ModelPreset::Paper => "paper",
        }
    }
}

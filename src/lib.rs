//! hiclstm: Hi-C-LSTM (Dsouza et al., Nature Communications 13:3704, 2022) as a toolkit.
//!
//! Data flows one way: `formats` (file readers) -> `tables` (Parquet tables with schemas) ->
//! steps (`import`, `simulate`, and later the model and analyses) -> outputs. Binaries in
//! `src/bin/` only parse arguments and call a step.

pub mod aggregate;
pub mod baselines;
pub mod classify;
pub mod cli;
pub mod device;
pub mod downsample;
pub mod edits;
pub mod error;
pub mod evaluate;
pub mod formats;
pub mod frame_store;
pub mod frames;
pub mod genome;
pub mod import;
pub mod log;
pub mod metrics;
pub mod observed_edit;
pub mod output;
pub mod outputs;
pub mod pipeline;
pub mod plot;
pub mod presets;
pub mod report;
pub mod simulate;
pub mod tables;
pub mod tracks;

pub use error::{Error, Result};

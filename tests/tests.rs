//! The root crate's integration tests, as one test binary (as ripgrep does): every file below
//! would otherwise link arrow, parquet, hdf5 and plotters on its own, which costs minutes of
//! build time on two cores. Each module is one area: readers, the binaries' command-line
//! behaviour, conformance against ../shared, round trips, steps, the workflow.

mod common;

mod baselines;
mod classify;
mod cli;
mod conformance;
mod cool_reader;
mod cool_writer;
mod downsample;
mod evaluate;
mod hic_reader;
mod report;
mod roundtrip;
mod tracks;
mod workflow;

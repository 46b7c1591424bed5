//! Baseline representation methods, written as representations tables so that every later step
//! (decoders, classification) can compare them with Hi-C-LSTM.

pub mod linalg;
pub mod pca;

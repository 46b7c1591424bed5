//! The Hi-C-LSTM model on libtorch (tch): network, optimizer, training with checkpoints, and
//! prediction from (possibly edited) representation matrices. Only the binaries of this crate
//! link libtorch.

pub mod adam;
pub mod attribute;
pub mod cis_loss;
pub mod config;
pub mod cpu_lstm;
pub mod data;
pub mod decoders;
pub mod device;
pub mod loop_swap;
pub mod net;
pub mod perturb;
pub mod predict;
pub mod site_knockout;
pub mod sniper;
pub mod spectral;
pub mod train;
pub mod trans_loss;

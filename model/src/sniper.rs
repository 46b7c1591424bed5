//! SNIPER-like baseline: a fully connected autoencoder per chromosome whose input is a bin's row
//! of the intra-chromosomal contact-probability matrix (SNIPER-INTRA; the contacts tables hold
//! intra-chromosomal maps only), with a K-unit bottleneck that becomes the bin's representation.
//! Simplified from SNIPER: one hidden layer of 512 units on each side instead of three, binary
//! cross-entropy on probabilities, Adam; rows of bins without contacts are left out of training
//! and flagged unobserved.

use hiclstm::error::{Error, Result};
use hiclstm::frames::{Transform, ValueColumn};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use std::path::PathBuf;
use tch::nn::{self, Module, OptimizerConfig};
use tch::{Device, Kind, Tensor};

/// Inputs, settings and output of `hiclstm-sniper`.
pub struct SniperOptions {
    /// Contacts table (intra-chromosomal maps; chromosome ends from the bins table beside it).
    pub contacts: PathBuf,
    /// Representation size K: the units of the bottleneck.
    pub k: usize,
    /// Units of the one hidden layer of the encoder and of the decoder (at least 1).
    pub hidden: usize,
    /// Epochs over each chromosome's observed rows (at least 1).
    pub epochs: usize,
    /// Rows per mini-batch (at least 1).
    pub batch: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// Contacts column turned into probabilities (with the default transform).
    pub value: ValueColumn,
    /// Seed of the initialisation and of the per-epoch row shuffles.
    pub seed: u64,
    /// Representations table to write (a file, not a prefix).
    pub output: PathBuf,
    /// Overwrite an existing output.
    pub force: bool,
    /// libtorch device for training.
    pub device: Device,
}

/// Trains one autoencoder per chromosome and writes each bin's bottleneck (K sigmoid units, each
/// in (0, 1)) as a representations table; bins without contacts get zeros and are flagged
/// unobserved.
pub fn run(o: &SniperOptions) -> Result<()> {
    if o.epochs == 0 || o.batch == 0 || o.hidden == 0 {
        return Err(Error::InvalidArgument("--epochs, --batch and --hidden must be at least 1".into()));
    }
    if !(o.learning_rate > 0.0 && o.learning_rate.is_finite()) {
        return Err(Error::InvalidArgument(format!("--learning-rate {}: must be positive and finite", o.learning_rate)));
    }
    let t = Transform::default();
    let params = serde_json::json!({"contacts": o.contacts, "k": o.k, "hidden": o.hidden, "epochs": o.epochs, "batch": o.batch, "learning_rate": o.learning_rate, "seed": o.seed});
    hiclstm::baselines::per_chromosome(&o.contacts, &o.output, o.force, o.k, "sniper", params, |c, n, _| {
        let vals = match o.value {
            ValueColumn::Value => &c.value,
            ValueColumn::Count => &c.count,
        };
        let mut m = vec![0f32; n * n];
        for s in 0..c.i.len() {
            if vals[s].is_finite() && vals[s] > 0.0 {
                let p = t.to_prob(vals[s]) as f32;
                let (i, j) = (c.i[s] as usize, c.j[s] as usize);
                m[i * n + j] = p;
                m[j * n + i] = p;
            }
        }
        let observed: Vec<bool> = (0..n).map(|i| m[i * n..(i + 1) * n].iter().any(|&x| x > 0.0)).collect();
        let rows: Vec<i64> = (0..n as i64).filter(|&i| observed[i as usize]).collect();
        tch::manual_seed(o.seed as i64);
        let vs = nn::VarStore::new(o.device);
        let p = vs.root();
        let (n64, h, k) = (n as i64, o.hidden as i64, o.k as i64);
        let enc = nn::seq()
            .add(nn::linear(&p / "enc1", n64, h, Default::default()))
            .add_fn(|x| x.relu())
            .add(nn::linear(&p / "enc2", h, k, Default::default()))
            .add_fn(|x| x.sigmoid());
        let dec =
            nn::seq().add(nn::linear(&p / "dec1", k, h, Default::default())).add_fn(|x| x.relu()).add(nn::linear(&p / "dec2", h, n64, Default::default()));
        let mut opt = nn::Adam::default().build(&vs, o.learning_rate).map_err(|e| Error::Internal(e.to_string()))?;
        let x = Tensor::from_slice(&m).reshape([n64, n64]).to(o.device);
        let mut order = rows.clone();
        let mut last = f64::NAN;
        for epoch in 0..o.epochs {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(o.seed.wrapping_mul(31).wrapping_add(epoch as u64));
            order.shuffle(&mut rng);
            let (mut sum, mut count) = (0.0, 0.0);
            for chunk in order.chunks(o.batch) {
                let xb = x.index_select(0, &Tensor::from_slice(chunk).to(o.device));
                let logits = dec.forward(&enc.forward(&xb));
                let loss = logits.binary_cross_entropy_with_logits::<Tensor>(&xb, None, None, tch::Reduction::Mean);
                opt.backward_step(&loss);
                sum += f64::try_from(&loss).unwrap_or(f64::NAN) * chunk.len() as f64;
                count += chunk.len() as f64;
            }
            last = sum / count.max(1.0);
            if !last.is_finite() {
                return Err(Error::InvalidArgument(format!("{}: the autoencoder diverged (loss {last}); lower --learning-rate", c.chrom)));
            }
        }
        hiclstm::log::info(&format!("{}: {} rows, {} epochs, final loss {last:.5}", c.chrom, rows.len(), o.epochs));
        let z: Vec<f32> = tch::no_grad(|| Vec::<f32>::try_from(enc.forward(&x).to_device(Device::Cpu).to_kind(Kind::Float).reshape([-1])))
            .map_err(|e| Error::Internal(e.to_string()))?;
        let mut values = z;
        for (i, &ob) in observed.iter().enumerate() {
            if !ob {
                values[i * o.k..(i + 1) * o.k].iter_mut().for_each(|v| *v = 0.0);
            }
        }
        Ok((values, observed))
    })
}

//! SNIPER-like baseline: a fully connected autoencoder whose input is a bin's row of a contact
//! matrix, with a K-unit bottleneck that becomes the bin's representation. Two forms:
//! - per chromosome (SNIPER-INTRA): one autoencoder per chromosome on the rows of its
//!   intra-chromosomal contact-probability matrix, so each chromosome gets its own axes;
//! - with `--trans` (SNIPER-INTER, SNIPER's own input): one autoencoder for the whole genome on
//!   each bin's row of the genome-wide inter-chromosomal observed/expected matrix, so every
//!   chromosome shares its axes. SNIPER splits odd and even chromosomes into rows and columns;
//!   here every bin's row spans all other chromosomes, and the loss covers only those cells, so
//!   the bottleneck has no reason to encode which chromosome a row comes from. Rows share
//!   input columns only through a third chromosome: with two chromosomes, each one's rows see
//!   only the other's columns, and nothing ties their axes (BENCHMARKS.md).
//!
//! Simplified from SNIPER: one hidden layer of 512 units on each side instead of three, binary
//! cross-entropy on values in [0, 1], Adam; rows of bins without contacts are left out of
//! training and flagged unobserved.

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
    /// Trans table (`hiclstm-import --trans`): SNIPER-INTER, one genome-wide autoencoder on
    /// inter-chromosomal rows, instead of one per chromosome.
    pub trans: Option<PathBuf>,
    /// With `trans`, the most bins in all (the genome-wide matrix is dense: about 17 n² bytes).
    pub max_bins: usize,
}

/// Trains the autoencoders (one per chromosome, or one genome-wide with `trans`) and writes each
/// bin's bottleneck (K sigmoid units, each in (0, 1)) as a representations table; bins without
/// contacts get zeros and are flagged unobserved.
pub fn run(o: &SniperOptions) -> Result<()> {
    if o.epochs == 0 || o.batch == 0 || o.hidden == 0 {
        return Err(Error::InvalidArgument("--epochs, --batch and --hidden must be at least 1".into()));
    }
    if !(o.learning_rate > 0.0 && o.learning_rate.is_finite()) {
        return Err(Error::InvalidArgument(format!("--learning-rate {}: must be positive and finite", o.learning_rate)));
    }
    let params = serde_json::json!({"contacts": o.contacts, "k": o.k, "hidden": o.hidden, "epochs": o.epochs, "batch": o.batch, "learning_rate": o.learning_rate, "seed": o.seed, "trans": o.trans});
    if let Some(tp) = &o.trans {
        // A wrong table is reported before the contacts are read.
        hiclstm::tables::TableReader::open(tp, hiclstm::tables::TableKind::Trans.schema())?;
        return hiclstm::baselines::genome_wide(&o.contacts, &o.output, o.force, o.k, "sniper", params, |chroms, n_bins, _| {
            let names: Vec<&str> = chroms.iter().map(|c| c.chrom.as_str()).collect();
            let mut m = hiclstm::baselines::trans_oe::read(tp, &names, n_bins, o.value == ValueColumn::Count, o.max_bins, "SNIPER-INTER")?;
            // O/E mapped into [0, 1) by O/E / (1 + O/E) (1/2 at the expectation), so that the
            // sigmoid output and binary cross-entropy apply as in the per-chromosome form. The
            // f64 matrix goes before training, which copies x and the mask into tensors: peak
            // memory stays near 17 n² bytes.
            let x: Vec<f32> = std::mem::take(&mut m.oe).into_iter().map(|v| (v / (1.0 + v)) as f32).collect();
            let mask: Vec<f32> = std::mem::take(&mut m.defined).into_iter().map(|d| if d { 1.0 } else { 0.0 }).collect();
            let rows: Vec<i64> = (0..m.n as i64).filter(|&i| m.covered[i as usize]).collect();
            let mut z = autoencoder(o, &x, Some(&mask), m.n, &rows, "genome-wide (trans)")?;
            zero_unobserved(&mut z, &m.covered, o.k);
            Ok(m.split(&z, o.k))
        });
    }
    let t = Transform::default();
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
        let mut values = autoencoder(o, &m, None, n, &rows, &c.chrom)?;
        zero_unobserved(&mut values, &observed, o.k);
        Ok((values, observed))
    })
}

/// Zeros the values (K per bin) of unobserved bins.
fn zero_unobserved(values: &mut [f32], observed: &[bool], k: usize) {
    for (i, _) in observed.iter().enumerate().filter(|(_, &ob)| !ob) {
        values[i * k..(i + 1) * k].iter_mut().for_each(|v| *v = 0.0);
    }
}

/// Trains one autoencoder on the `rows` of the row-major `n x n` input `x` (values in [0, 1]),
/// with binary cross-entropy over the cells where `mask` is 1 (every cell without one), and
/// returns the bottleneck of all n rows (n x K). `label` names the matrix in the log.
fn autoencoder(o: &SniperOptions, x: &[f32], mask: Option<&[f32]>, n: usize, rows: &[i64], label: &str) -> Result<Vec<f32>> {
    tch::manual_seed(o.seed as i64);
    let vs = nn::VarStore::new(o.device);
    let p = vs.root();
    let (n64, h, k) = (n as i64, o.hidden as i64, o.k as i64);
    let enc = nn::seq()
        .add(nn::linear(&p / "enc1", n64, h, Default::default()))
        .add_fn(|x| x.relu())
        .add(nn::linear(&p / "enc2", h, k, Default::default()))
        .add_fn(|x| x.sigmoid());
    let dec = nn::seq().add(nn::linear(&p / "dec1", k, h, Default::default())).add_fn(|x| x.relu()).add(nn::linear(&p / "dec2", h, n64, Default::default()));
    let mut opt = nn::Adam::default().build(&vs, o.learning_rate).map_err(|e| Error::Internal(e.to_string()))?;
    let x = Tensor::from_slice(x).reshape([n64, n64]).to(o.device);
    let mask = mask.map(|m| Tensor::from_slice(m).reshape([n64, n64]).to(o.device));
    let mut order = rows.to_vec();
    let mut last = f64::NAN;
    for epoch in 0..o.epochs {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(o.seed.wrapping_mul(31).wrapping_add(epoch as u64));
        order.shuffle(&mut rng);
        let (mut sum, mut count) = (0.0, 0.0);
        for chunk in order.chunks(o.batch) {
            let idx = Tensor::from_slice(chunk).to(o.device);
            let xb = x.index_select(0, &idx);
            let logits = dec.forward(&enc.forward(&xb));
            let loss = match &mask {
                None => logits.binary_cross_entropy_with_logits::<Tensor>(&xb, None, None, tch::Reduction::Mean),
                Some(m) => {
                    let mb = m.index_select(0, &idx);
                    let cells = mb.sum(Kind::Float).clamp_min(1.0);
                    (logits.binary_cross_entropy_with_logits::<Tensor>(&xb, None, None, tch::Reduction::None) * &mb).sum(Kind::Float) / cells
                }
            };
            opt.backward_step(&loss);
            sum += f64::try_from(&loss).unwrap_or(f64::NAN) * chunk.len() as f64;
            count += chunk.len() as f64;
        }
        last = sum / count.max(1.0);
        if !last.is_finite() {
            return Err(Error::InvalidArgument(format!("{label}: the autoencoder diverged (loss {last}); lower --learning-rate")));
        }
    }
    hiclstm::log::info(&format!("{label}: {} rows, {} epochs, final loss {last:.5}", rows.len(), o.epochs));
    tch::no_grad(|| Vec::<f32>::try_from(enc.forward(&x).to_device(Device::Cpu).to_kind(Kind::Float).reshape([-1]))).map_err(|e| Error::Internal(e.to_string()))
}

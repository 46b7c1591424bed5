//! The Hi-C-LSTM network: an embedding table of K-vectors (one per bin of every training
//! chromosome) and a decoder that reads, at step t of a frame, the pair (R_i, R_j_t) and predicts
//! the contact probability through an LSTM (state reset to zeros for every frame) and a head.

use crate::config::{Cell, Head, ModelConfig};
use tch::nn::{self, Module, RNN};
use tch::{Device, Kind, Tensor};

const LN_EPS: f64 = 1e-5;

/// The step-by-step cells: with layer normalization and tanh (`layernorm`), or without
/// normalization and with softsign (`reference`).
struct LayerNormCell {
    normalize: bool,
    w_ih: Tensor,
    w_hh: Tensor,
    bias: Tensor,
    ln_ih: (Tensor, Tensor),
    ln_hh: (Tensor, Tensor),
    ln_c: (Tensor, Tensor),
    hidden: i64,
}

enum CellImpl {
    LayerNorm(LayerNormCell),
    Fused(nn::LSTM),
    Conv(nn::Conv1D),
    Dense(nn::Linear),
}

enum HeadImpl {
    Step(nn::Linear),
    Frame(nn::Linear),
}

/// The decoder: everything but the embedding table.
pub struct Decoder {
    cell: CellImpl,
    head: HeadImpl,
    k: i64,
    hidden: i64,
    frame_len: i64,
}

fn ln(x: &Tensor, p: &(Tensor, Tensor), n: i64) -> Tensor {
    x.layer_norm([n], Some(&p.0), Some(&p.1), LN_EPS, false)
}

impl Decoder {
    /// Variables live under `p` ("decoder.*" in the saved weights).
    pub fn new(p: &nn::Path, c: &ModelConfig) -> Decoder {
        let (k, h, l) = (c.k as i64, c.hidden as i64, c.frame_len as i64);
        // PyTorch's LSTM initialisation: uniform in +-1/sqrt(H).
        let s = 1.0 / (h as f64).sqrt();
        let u = nn::Init::Uniform { lo: -s, up: s };
        let cell = match c.cell {
            Cell::Layernorm | Cell::Reference => {
                let cp = p / "cell";
                let norm = |name: &str, n: i64| {
                    (cp.var(&format!("{name}_weight"), &[n], nn::Init::Const(1.0)), cp.var(&format!("{name}_bias"), &[n], nn::Init::Const(0.0)))
                };
                CellImpl::LayerNorm(LayerNormCell {
                    normalize: c.cell == Cell::Layernorm,
                    w_ih: cp.var("w_ih", &[4 * h, 2 * k], u),
                    w_hh: cp.var("w_hh", &[4 * h, h], u),
                    bias: cp.var("bias", &[4 * h], u),
                    ln_ih: norm("ln_ih", 4 * h),
                    ln_hh: norm("ln_hh", 4 * h),
                    ln_c: norm("ln_c", h),
                    hidden: h,
                })
            }
            Cell::Fused => CellImpl::Fused(nn::lstm(p / "cell", 2 * k, h, nn::RNNConfig { batch_first: true, ..Default::default() })),
            Cell::Cnn => CellImpl::Conv(nn::conv1d(p / "cell", 2 * k, h, 5, nn::ConvConfig { padding: 2, ..Default::default() })),
            Cell::Fc => CellImpl::Dense(nn::linear(p / "cell", 2 * k, h, Default::default())),
        };
        let head = match c.head {
            Head::Step => HeadImpl::Step(nn::linear(p / "head", h, 1, Default::default())),
            Head::Frame => HeadImpl::Frame(nn::linear(p / "head", h * l, l, Default::default())),
        };
        Decoder { cell, head, k, hidden: h, frame_len: l }
    }

    /// Predicted probabilities `[B, L]` for row representations `ri` `[B, K]`, column
    /// representations `rj` `[B, L, K]` and the mask `[B, L]` (1 = observed step).
    pub fn forward(&self, ri: &Tensor, rj: &Tensor, mask: &Tensor) -> Tensor {
        let (b, l) = (rj.size()[0], rj.size()[1]);
        let x = Tensor::cat(&[ri.unsqueeze(1).expand([b, l, self.k], false), rj.shallow_clone()], 2);
        let hs = match &self.cell {
            CellImpl::LayerNorm(c) => c.unroll(&x),
            CellImpl::Fused(lstm) => lstm.seq(&x).0,
            // The convolution sees neighbouring steps: padded inputs are zeroed so their content
            // cannot reach an observed output.
            CellImpl::Conv(conv) => (x * mask.unsqueeze(2)).transpose(1, 2).apply(conv).tanh().transpose(1, 2),
            CellImpl::Dense(lin) => lin.forward(&x).tanh(),
        };
        let out = match &self.head {
            HeadImpl::Step(lin) => lin.forward(&hs).squeeze_dim(2),
            HeadImpl::Frame(lin) => {
                assert_eq!(l, self.frame_len, "frame head needs full frames");
                // Padded steps are zeroed so they cannot leak into the outputs of observed steps.
                lin.forward(&(hs * mask.unsqueeze(2)).reshape([b, l * self.hidden]))
            }
        };
        out.sigmoid()
    }
}

impl LayerNormCell {
    fn unroll(&self, x: &Tensor) -> Tensor {
        let (b, l) = (x.size()[0], x.size()[1]);
        let h4 = 4 * self.hidden;
        // The input projection does not depend on the state: one matmul for all steps.
        let norm = |t: Tensor, p: &(Tensor, Tensor), n: i64| if self.normalize { ln(&t, p, n) } else { t };
        let act = |t: &Tensor| if self.normalize { t.tanh() } else { t / (t.abs() + 1.0) };
        let xw = norm(x.matmul(&self.w_ih.tr()), &self.ln_ih, h4) + &self.bias;
        let w_hh_t = self.w_hh.tr();
        let opts = (x.kind(), x.device());
        let mut h = Tensor::zeros([b, self.hidden], opts);
        let mut c = Tensor::zeros([b, self.hidden], opts);
        let mut outs = Vec::with_capacity(l as usize);
        for t in 0..l {
            let g = xw.select(1, t) + norm(h.matmul(&w_hh_t), &self.ln_hh, h4);
            let gates = g.chunk(4, 1);
            let ifo = Tensor::cat(&[&gates[0], &gates[1], &gates[3]], 1).sigmoid().chunk(3, 1);
            c = &ifo[1] * &c + &ifo[0] * act(&gates[2]);
            h = &ifo[2] * act(&norm(c.shallow_clone(), &self.ln_c, self.hidden));
            outs.push(h.shallow_clone());
        }
        Tensor::stack(&outs, 1)
    }
}

/// Embedding table plus decoder, all variables in one VarStore.
pub struct HicLstm {
    /// The variable store holding the embedding table (`embedding.weight`) and the decoder
    /// (`decoder.*`).
    pub vs: nn::VarStore,
    /// The representations, `[n_bins, K]`: one row per bin, each chromosome's rows from its offset
    /// in the model's chromosome list.
    pub embedding: Tensor,
    /// The decoder that predicts contacts from pairs of representations.
    pub decoder: Decoder,
}

/// Name of the embedding table among the variables, in the weights and in checkpoints.
pub const EMBEDDING: &str = "embedding.weight";

impl HicLstm {
    /// A freshly initialised model with `n_bins` representations (normal init with the
    /// configured standard deviation).
    pub fn new(c: &ModelConfig, n_bins: usize, device: Device) -> HicLstm {
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let embedding = (&root / "embedding").var("weight", &[n_bins as i64, c.k as i64], nn::Init::Randn { mean: 0.0, stdev: c.embedding_std });
        let decoder = Decoder::new(&(&root / "decoder"), c);
        HicLstm { vs, embedding, decoder }
    }

    /// Predictions for frames given as global embedding indices.
    pub fn forward_indices(&self, idx_i: &Tensor, idx_j: &Tensor, mask: &Tensor) -> Tensor {
        forward_with(&self.decoder, &self.embedding, idx_i, idx_j, mask)
    }

    /// Variables sorted by name (a stable order for the optimizer and for checkpoints).
    pub fn named_variables(&self) -> Vec<(String, Tensor)> {
        let mut v: Vec<(String, Tensor)> = self.vs.variables().into_iter().collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    }
}

/// Decoder applied to rows of an explicit representation matrix `reps` `[n, K]`.
pub fn forward_with(decoder: &Decoder, reps: &Tensor, idx_i: &Tensor, idx_j: &Tensor, mask: &Tensor) -> Tensor {
    let (b, l) = (idx_j.size()[0], idx_j.size()[1]);
    let ri = reps.index_select(0, idx_i);
    let rj = reps.index_select(0, &idx_j.reshape([b * l])).reshape([b, l, decoder.k]);
    decoder.forward(&ri, &rj, mask)
}

/// Masked mean squared error and the number of observed entries.
pub fn masked_mse(pred: &Tensor, target: &Tensor, mask: &Tensor) -> (Tensor, Tensor) {
    let n = mask.sum(Kind::Float);
    let sse = ((pred - target) * mask).square().sum(Kind::Float);
    (sse, n)
}

/// Predicted probabilities of every frame step (`rows.len() x l`, row-major; padding included),
/// decoding rows of `reps` by the given indices in batches, without gradients.
pub fn predict_steps(decoder: &Decoder, reps: &Tensor, rows: &[i64], cols: &[i64], mask: &[f32], l: usize, batch: usize) -> Vec<f32> {
    let dev = reps.device();
    let mut out = Vec::with_capacity(cols.len());
    tch::no_grad(|| {
        for f0 in (0..rows.len()).step_by(batch.max(1)) {
            let f1 = (f0 + batch.max(1)).min(rows.len());
            let b = (f1 - f0) as i64;
            let ii = Tensor::from_slice(&rows[f0..f1]).to(dev);
            let jj = Tensor::from_slice(&cols[f0 * l..f1 * l]).reshape([b, l as i64]).to(dev);
            let mm = Tensor::from_slice(&mask[f0 * l..f1 * l]).reshape([b, l as i64]).to(dev);
            let p = forward_with(decoder, reps, &ii, &jj, &mm).to_device(Device::Cpu).to_kind(Kind::Float).reshape([-1]);
            out.extend(Vec::<f32>::try_from(p).unwrap_or_default());
        }
    });
    out
}

/// [`predict_steps`] for frames of one chromosome (bins index `reps` directly).
pub fn predict_frames(decoder: &Decoder, reps: &Tensor, f: &hiclstm::frames::Frames, batch: usize) -> Vec<f32> {
    let rows: Vec<i64> = f.row.iter().map(|&x| x as i64).collect();
    let cols: Vec<i64> = f.col.iter().map(|&x| x as i64).collect();
    predict_steps(decoder, reps, &rows, &cols, &f.mask, f.len, batch)
}

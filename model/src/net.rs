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
    Fused(nn::LSTM, FusedWeights),
    Conv(nn::Conv1D),
    Dense(nn::Linear),
}

enum HeadImpl {
    Step(nn::Linear),
    Frame(nn::Linear),
    /// The window's weights (a convolution over the steps, `[1, H, 2w + 1]`) and the bias of
    /// every step, `[L]`.
    Window(nn::Conv1D, Tensor),
}

/// The fused LSTM's variables (shared with libtorch's `nn::LSTM`), for the CPU kernel.
struct FusedWeights {
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor,
    b_hh: Tensor,
}

/// The decoder: everything but the embedding table.
pub struct Decoder {
    cell: CellImpl,
    head: HeadImpl,
    /// The pairwise term's affine map g (K -> `pair_rank`), when the configuration has one.
    pair: Option<nn::Linear>,
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
            Cell::Fused => {
                let cp = p / "cell";
                let lstm = nn::lstm(&cp, 2 * k, h, nn::RNNConfig { batch_first: true, ..Default::default() });
                let get = |name: &str| cp.get(name).expect("nn::lstm creates its variables under these names");
                let w = FusedWeights { w_ih: get("weight_ih_l0"), w_hh: get("weight_hh_l0"), b_ih: get("bias_ih_l0"), b_hh: get("bias_hh_l0") };
                CellImpl::Fused(lstm, w)
            }
            Cell::Cnn => CellImpl::Conv(nn::conv1d(p / "cell", 2 * k, h, 5, nn::ConvConfig { padding: 2, ..Default::default() })),
            Cell::Fc => CellImpl::Dense(nn::linear(p / "cell", 2 * k, h, Default::default())),
        };
        let head = match c.head {
            Head::Step => HeadImpl::Step(nn::linear(p / "head", h, 1, Default::default())),
            Head::Frame => HeadImpl::Frame(nn::linear(p / "head", h * l, l, Default::default())),
            Head::Window => {
                let w = c.head_window as i64;
                let conv = nn::conv1d(p / "head", h, 1, 2 * w + 1, nn::ConvConfig { padding: w, bias: false, ..Default::default() });
                HeadImpl::Window(conv, (p / "head").var("bias", &[l], nn::Init::Const(0.0)))
            }
        };
        // Default Linear initialisation: g starts near its bias, so the term starts as a constant.
        let pair = (c.pair_rank > 0).then(|| nn::linear(p / "pair", k, c.pair_rank as i64, Default::default()));
        Decoder { cell, head, pair, k, hidden: h, frame_len: l }
    }

    /// Predicted probabilities `[B, L]` for row representations `ri` `[B, K]`, column
    /// representations `rj` `[B, L, K]` and the mask `[B, L]` (1 = observed step).
    pub fn forward(&self, ri: &Tensor, rj: &Tensor, mask: &Tensor) -> Tensor {
        let (b, l) = (rj.size()[0], rj.size()[1]);
        let x = Tensor::cat(&[ri.unsqueeze(1).expand([b, l, self.k], false), rj.shallow_clone()], 2);
        let hs = match &self.cell {
            CellImpl::LayerNorm(c) => c.unroll(&x),
            CellImpl::Fused(lstm, _) => lstm.seq(&x).0,
            // The convolution sees neighbouring steps: padded inputs are zeroed so their content
            // cannot reach an observed output.
            CellImpl::Conv(conv) => (x * mask.unsqueeze(2)).transpose(1, 2).apply(conv).tanh().transpose(1, 2),
            CellImpl::Dense(lin) => lin.forward(&x).tanh(),
        };
        self.with_pair(self.head(&hs, mask), ri, rj).sigmoid()
    }

    /// `logits` `[B, L]` plus the pairwise term g(R_i) . g(R_j), where there is one: the same
    /// function of the two representations at every distance and on every chromosome, so what it
    /// explains (the compartments' checkerboard) must be written along shared axes of the
    /// representations rather than remembered by the recurrent decoder. g is affine, so the term
    /// also holds a per-bin part (bias . g(R)) that tells enriched from depleted compartments.
    fn with_pair(&self, logits: Tensor, ri: &Tensor, rj: &Tensor) -> Tensor {
        match &self.pair {
            None => logits,
            Some(g) => logits + (g.forward(ri).unsqueeze(1) * g.forward(rj)).sum_dim_intlist([2i64].as_slice(), false, ri.kind()),
        }
    }

    /// The pairwise term's map g, when the configuration has one.
    pub fn pair(&self) -> Option<&nn::Linear> {
        self.pair.as_ref()
    }

    /// Logits `[B, L]` of the hidden states `hs` `[B, L, H]` (before the pairwise term).
    fn head(&self, hs: &Tensor, mask: &Tensor) -> Tensor {
        let (b, l) = (hs.size()[0], hs.size()[1]);
        let out = match &self.head {
            HeadImpl::Step(lin) => lin.forward(hs).squeeze_dim(2),
            HeadImpl::Frame(lin) => {
                assert_eq!(l, self.frame_len, "frame head needs full frames");
                // Padded steps are zeroed so they cannot leak into the outputs of observed steps.
                lin.forward(&(hs * mask.unsqueeze(2)).reshape([b, l * self.hidden]))
            }
            HeadImpl::Window(conv, bias) => {
                assert!(l <= self.frame_len, "window head: frames of at most frame_len steps");
                // Padded steps are zeroed so they cannot reach the outputs of observed neighbours.
                conv.forward(&(hs * mask.unsqueeze(2)).transpose(1, 2)).squeeze_dim(1) + bias.narrow(0, 0, l)
            }
        };
        out
    }
}

/// Buffers of [`cpu_kernel_step`], kept from batch to batch.
#[derive(Default)]
pub struct KernelScratch {
    tape: crate::cpu_lstm::Tape,
    hs: Vec<f32>,
    dz: Vec<f32>,
    slot: Vec<u32>,
}

/// A training step's loss and gradients through the CPU kernel (`crate::cpu_lstm`), or `None`
/// when the decoder has another cell. Same loss as [`HicLstm::training_step`] followed by
/// `backward()`: the gradients are accumulated into the variables' `.grad()`, and the summed
/// squared error and the number of observed entries of the predictions are returned.
pub fn cpu_kernel_step(model: &HicLstm, batch: &crate::train::HostBatch, l: usize, scratch: &mut KernelScratch) -> Option<(f64, f64)> {
    let fused = |d: &Decoder| matches!(d.cell, CellImpl::Fused(..));
    if !fused(&model.decoder) || model.aux.as_ref().is_some_and(|a| !fused(a)) {
        return None;
    }
    let b = batch.idx_i.len();
    // Frames by decreasing length (last observed step), so that the kernel's chunks of eight
    // skip most padding; the loss and the gradients are sums over frames, whatever their order.
    let steps_of = |f: usize| batch.mask[f * l..(f + 1) * l].iter().rposition(|&m| m != 0.0).map_or(0, |t| t + 1) as u32;
    let mut order: Vec<usize> = (0..b).collect();
    order.sort_by_key(|&f| std::cmp::Reverse(steps_of(f)));
    let steps: Vec<u32> = order.iter().map(|&f| steps_of(f)).collect();
    let pick = |v: &[f32]| -> Vec<f32> { order.iter().flat_map(|&f| v[f * l..(f + 1) * l].iter().copied()).collect() };
    let batch = &crate::train::HostBatch {
        idx_i: order.iter().map(|&f| batch.idx_i[f]).collect(),
        idx_j: order.iter().flat_map(|&f| batch.idx_j[f * l..(f + 1) * l].iter().copied()).collect(),
        target: pick(&batch.target),
        mask: pick(&batch.mask),
    };
    // The batch's distinct bins, numbered in order of first appearance (a dense map over the
    // embedding rows, reset after use).
    let n_bins = model.embedding.size()[0] as usize;
    if scratch.slot.len() != n_bins {
        scratch.slot = vec![u32::MAX; n_bins];
    }
    let mut uniq: Vec<i64> = Vec::new();
    let slot = &mut scratch.slot;
    let mut local = |g: i64| -> u32 {
        let s = &mut slot[g as usize];
        if *s == u32::MAX {
            *s = uniq.len() as u32;
            uniq.push(g);
        }
        *s
    };
    let row: Vec<u32> = batch.idx_i.iter().map(|&g| local(g)).collect();
    let col: Vec<u32> = batch.idx_j.iter().map(|&g| local(g)).collect();
    for &g in &uniq {
        slot[g as usize] = u32::MAX;
    }
    let pass = KernelPass { embedding: &model.embedding, uniq: &uniq, row: &row, col: &col, steps: &steps, batch, l };
    let main = pass.run(&model.decoder, 1.0, scratch);
    // The auxiliary decoder's share of the loss: its gradients add to the representations'.
    if let Some(aux) = &model.aux {
        match model.step_distance {
            0 => _ = pass.run(aux, model.step_loss, scratch),
            d => {
                let near = NearDiagonal::of(batch, &row, &col, l, d);
                if !near.steps.is_empty() {
                    let pass = KernelPass { row: &near.row, col: &near.col, steps: &near.steps, batch: &near.batch, ..pass };
                    pass.run(aux, model.step_loss, scratch);
                }
            }
        }
    }
    Some(main)
}

/// The frames of a batch with a step nearer the diagonal than `d` bins, the other steps masked
/// out (the auxiliary decoder's loss with `step_distance`).
struct NearDiagonal {
    batch: crate::train::HostBatch,
    row: Vec<u32>,
    col: Vec<u32>,
    steps: Vec<u32>,
}

impl NearDiagonal {
    fn of(batch: &crate::train::HostBatch, row: &[u32], col: &[u32], l: usize, d: usize) -> NearDiagonal {
        let mut n = NearDiagonal { batch: crate::train::HostBatch::default(), row: vec![], col: vec![], steps: vec![] };
        for (f, &i) in batch.idx_i.iter().enumerate() {
            // Observed steps only: a frame whose near steps are all gaps has nothing to learn.
            let near = |t: usize| hiclstm::frames::is_observed(batch.mask[f * l + t], batch.target[f * l + t]) && batch.idx_j[f * l + t].abs_diff(i) < d as u64;
            let Some(last) = (0..l).rposition(near) else { continue };
            n.batch.idx_i.push(i);
            n.row.push(row[f]);
            n.steps.push(last as u32 + 1);
            for t in 0..l {
                n.batch.idx_j.push(batch.idx_j[f * l + t]);
                n.batch.target.push(batch.target[f * l + t]);
                n.batch.mask.push(if near(t) { batch.mask[f * l + t] } else { 0.0 });
                n.col.push(col[f * l + t]);
            }
        }
        n
    }
}

/// One decoder's part of [`cpu_kernel_step`] on a batch sorted and numbered by bin.
#[derive(Clone, Copy)]
struct KernelPass<'a> {
    embedding: &'a Tensor,
    uniq: &'a [i64],
    row: &'a [u32],
    col: &'a [u32],
    steps: &'a [u32],
    batch: &'a crate::train::HostBatch,
    l: usize,
}

impl KernelPass<'_> {
    /// Accumulates the gradients of `weight` times the decoder's masked mean squared error into the
    /// variables' `.grad()`; returns the summed squared error and the observed entries.
    fn run(&self, decoder: &Decoder, weight: f64, scratch: &mut KernelScratch) -> (f64, f64) {
        let CellImpl::Fused(_, w) = &decoder.cell else { unreachable!("checked by cpu_kernel_step") };
        let (h, k, l) = (decoder.hidden, decoder.k, self.l);
        let (row, col) = (self.row, self.col);
        let u = self.uniq.len() as i64;
        // Taken again for every decoder: each pass's backward frees its own graph.
        let reps = self.embedding.index_select(0, &Tensor::from_slice(self.uniq));
        let p_row = reps.matmul(&w.w_ih.narrow(1, 0, k).tr());
        let p_col = reps.matmul(&w.w_ih.narrow(1, k, k).tr());
        let host = |t: &Tensor| Vec::<f32>::try_from(t.detach().contiguous().reshape([-1])).expect("f32 CPU tensor");
        let (w_hh, bias, pr, pc) = (host(&w.w_hh), host(&(&w.b_ih + &w.b_hh)), host(&p_row), host(&p_col));
        let rec = crate::cpu_lstm::Recurrent { w_hh: &w_hh, bias: &bias, hidden: h as usize };
        let inputs = crate::cpu_lstm::Inputs { p_row: &pr, p_col: &pc, row, col, len: l, steps: self.steps };
        crate::cpu_lstm::forward(&rec, &inputs, &mut scratch.tape, &mut scratch.hs);
        let (bb, ll) = (self.batch.idx_i.len() as i64, l as i64);
        let hs = Tensor::from_slice(&scratch.hs).reshape([bb, ll, h]).set_requires_grad(true);
        let target = Tensor::from_slice(&self.batch.target).reshape([bb, ll]);
        let mask = Tensor::from_slice(&self.batch.mask).reshape([bb, ll]);
        let mut logits = decoder.head(&hs, &mask);
        // The pairwise term through libtorch, on a detached copy of the batch's representations whose
        // gradient joins the surrogate below (one backward pass through `reps`' graph).
        let reps_leaf = decoder.pair.is_some().then(|| reps.detach().set_requires_grad(true));
        if let Some(leaf) = &reps_leaf {
            let at = |ix: &[u32]| leaf.index_select(0, &Tensor::from_slice(&ix.iter().map(|&x| x as i64).collect::<Vec<_>>()));
            logits = decoder.with_pair(logits, &at(row), &at(col).reshape([bb, ll, k]));
        }
        let (sse, n) = masked_mse(&logits.sigmoid(), &target, &mask);
        (&sse / n.clamp_min(1.0) * weight).backward();
        let d_hh = crate::cpu_lstm::backward(&rec, &scratch.tape, &host(&hs.grad()), &mut scratch.dz);
        // The gate pre-activations were z = p_row[row] + p_col[col] + b_ih + b_hh + W_hh h_(t-1), so
        // their gradient dz gives every variable's: summed by bin into the projections' (whose graph
        // leads back to the representations and W_ih), and, for W_hh, weighted by the previous states.
        let sums = crate::cpu_lstm::sum_by_bin(&scratch.dz, row, col, 4 * h as usize, u as usize);
        let g4 = 4 * h;
        let (d_row, d_col) = (Tensor::from_slice(&sums.row).reshape([u, g4]), Tensor::from_slice(&sums.col).reshape([u, g4]));
        let (d_hh, d_b) = (Tensor::from_slice(&d_hh).reshape([g4, h]), Tensor::from_slice(&sums.bias));
        // A surrogate whose gradient with respect to each variable is exactly that variable's share:
        // one backward pass accumulates them as libtorch's own would (frozen variables get none).
        let mut surrogate = (&p_row * &d_row).sum(Kind::Float)
            + (&p_col * &d_col).sum(Kind::Float)
            + (&w.w_hh * &d_hh).sum(Kind::Float)
            + (&w.b_ih * &d_b).sum(Kind::Float)
            + (&w.b_hh * &d_b).sum(Kind::Float);
        if let Some(leaf) = &reps_leaf {
            surrogate += (&reps * &leaf.grad()).sum(Kind::Float);
        }
        if surrogate.requires_grad() {
            surrogate.backward();
        }
        (f64::try_from(&sse).unwrap_or(f64::NAN), f64::try_from(&n).unwrap_or(f64::NAN))
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
    /// The auxiliary decoder of `step_loss` ("aux.*" in the saved weights): trained with the
    /// model, so that the representations also serve a decoder that predicts each step from that
    /// step's hidden state alone; never used for predictions.
    pub aux: Option<Decoder>,
    /// Weight of the auxiliary decoder's loss (`ModelConfig::step_loss`).
    pub step_loss: f64,
    /// Largest distance (bins, exclusive) at which the auxiliary decoder's loss counts; 0: all.
    /// Set by training from `ModelConfig::step_max_distance` and the resolution.
    pub step_distance: usize,
    /// The long-range term's own map h (`cis_weight` > 0; "cis.*" in the saved weights; see
    /// `crate::cis_loss`): trained by that term alone, never used for predictions.
    pub cis_map: Option<nn::Linear>,
}

/// Name of the embedding table among the variables, in the weights and in checkpoints.
pub const EMBEDDING: &str = "embedding.weight";

/// Name of the main decoder's head weights (frame or step head) among the variables.
pub const HEAD_WEIGHT: &str = "decoder.head.weight";

impl HicLstm {
    /// A freshly initialised model with `n_bins` representations (normal init with the
    /// configured standard deviation).
    pub fn new(c: &ModelConfig, n_bins: usize, device: Device) -> HicLstm {
        let vs = nn::VarStore::new(device);
        let root = vs.root();
        let embedding = (&root / "embedding").var("weight", &[n_bins as i64, c.k as i64], nn::Init::Randn { mean: 0.0, stdev: c.embedding_std });
        let decoder = Decoder::new(&(&root / "decoder"), c);
        let aux = c.aux_config().map(|a| Decoder::new(&(&root / "aux"), &a));
        // Created last, so that the other variables start as they did before the term existed.
        let cis_map = (c.train.cis_weight > 0.0).then(|| nn::linear(&root / "cis", c.k as i64, c.train.cis_rank as i64, Default::default()));
        HicLstm { vs, embedding, decoder, aux, step_loss: c.step_loss, step_distance: 0, cis_map }
    }

    /// Predictions for frames given as global embedding indices.
    pub fn forward_indices(&self, idx_i: &Tensor, idx_j: &Tensor, mask: &Tensor) -> Tensor {
        forward_with(&self.decoder, &self.embedding, idx_i, idx_j, mask)
    }

    /// A training step's summed squared error and observed entries of the predictions, and the
    /// loss to minimise, for frames given as global embedding indices: the mean squared error of the
    /// predictions, plus `step_loss` times that of the auxiliary decoder's, where there is one.
    pub fn training_step(&self, idx_i: &Tensor, idx_j: &Tensor, target: &Tensor, mask: &Tensor) -> (Tensor, Tensor, Tensor) {
        let (sse, n) = masked_mse(&self.forward_indices(idx_i, idx_j, mask), target, mask);
        let mut loss = &sse / &n;
        if let Some(a) = &self.aux {
            // Only the steps nearer the diagonal than `step_distance` bins, where set (the rows
            // and columns of a frame are bins of one chromosome, so index differences are distances).
            let near = match self.step_distance {
                0 => mask.shallow_clone(),
                d => mask * (idx_j - idx_i.unsqueeze(1)).abs().lt(d as i64).to_kind(mask.kind()),
            };
            let (s_aux, n_aux) = masked_mse(&forward_with(a, &self.embedding, idx_i, idx_j, mask), target, &near);
            loss += s_aux / n_aux.clamp_min(1.0) * self.step_loss;
        }
        (sse, n, loss)
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
    // Gap steps (NaN targets, `frames: dense`) are inputs only: out of the error and the count.
    let mask = &(mask * target.isfinite().to_kind(mask.kind()));
    let target = &target.nan_to_num(0.0, 0.0, 0.0);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Cell, Head, ModelConfig};
    use crate::train::HostBatch;
    use rand::{Rng, SeedableRng};

    fn grads(model: &HicLstm) -> Vec<(String, Vec<f32>)> {
        model.named_variables().into_iter().map(|(n, t)| (n, Vec::<f32>::try_from(t.grad().reshape([-1])).unwrap())).collect()
    }

    fn zero(model: &HicLstm) {
        for (_, mut t) in model.named_variables() {
            t.zero_grad();
        }
    }

    /// The window head's step t reads the columns up to w steps after it (and, through the LSTM,
    /// every earlier one), no further, and never a padded step: what lies past a frame's end
    /// cannot change its predictions.
    #[test]
    fn the_window_head_reads_w_steps_ahead_and_no_padding() {
        tch::manual_seed(5);
        let (l, w) = (10i64, 2usize);
        let c = ModelConfig { cell: Cell::Fused, head: Head::Window, head_window: w, hidden: 4, frame_len: l as usize, k: 3, ..ModelConfig::default() };
        let model = HicLstm::new(&c, 1, Device::Cpu);
        let ri = Tensor::randn([1, 3], (Kind::Float, Device::Cpu));
        let rj = Tensor::randn([1, l, 3], (Kind::Float, Device::Cpu));
        let changed_at = |t: i64| {
            let r = rj.copy();
            let _ = r.narrow(1, t, 1).fill_(3.0);
            r
        };
        let host = |x: Tensor| Vec::<f32>::try_from(x.reshape([-1])).unwrap();
        let ones = Tensor::ones([1, l], (Kind::Float, Device::Cpu));
        let (before, after) = (host(model.decoder.forward(&ri, &rj, &ones)), host(model.decoder.forward(&ri, &changed_at(7), &ones)));
        assert_eq!(before[..5], after[..5], "steps more than w before the change");
        assert!((5..l as usize).all(|t| before[t] != after[t]), "steps within w of the change, or after it");
        let padded = Tensor::from_slice(&[1f32, 1., 1., 1., 1., 1., 1., 1., 0., 0.]).reshape([1, l]);
        let (before, after) = (host(model.decoder.forward(&ri, &rj, &padded)), host(model.decoder.forward(&ri, &changed_at(8), &padded)));
        assert_eq!(before[..8], after[..8], "a padded step reached an observed one");
    }

    /// The CPU kernel's loss and gradients equal libtorch's LSTM's, for every head, with padded
    /// steps, a batch that is not a multiple of the SIMD width, bins repeated within a batch, and with
    /// or without the pairwise term.
    #[test]
    fn the_cpu_kernel_matches_libtorchs_lstm_in_loss_and_every_gradient() {
        for (head, hidden, b, pair_rank, step_loss, step_distance) in [
            (Head::Frame, 8, 11, 0, 0.0, 0),
            (Head::Step, 24, 9, 0, 0.0, 0),
            (Head::Frame, 3, 16, 0, 0.0, 0),
            (Head::Step, 8, 10, 2, 0.0, 0),
            (Head::Frame, 8, 11, 3, 0.0, 0),
            (Head::Frame, 8, 11, 2, 0.5, 0),
            (Head::Frame, 8, 11, 2, 0.5, 5),
            (Head::Window, 8, 11, 2, 0.5, 5),
            (Head::Window, 3, 16, 0, 0.0, 0),
        ] {
            tch::manual_seed(7);
            let l = 13;
            let mut c = ModelConfig { cell: Cell::Fused, head, hidden, frame_len: l, k: 5, pair_rank, step_loss, step_hidden: 4, ..ModelConfig::default() };
            // The long-range term's map h is trained by that term alone, not by a batch's loss.
            c.train.cis_weight = 0.0;
            let mut model = HicLstm::new(&c, 40, Device::Cpu);
            model.step_distance = step_distance;
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
            let mut batch = HostBatch::default();
            for _ in 0..b {
                let i = rng.random_range(0..27i64);
                let len = rng.random_range(1..=l);
                batch.idx_i.push(i);
                for t in 0..l {
                    let observed = t < len;
                    batch.idx_j.push(if observed { i + t as i64 } else { i });
                    batch.mask.push(if observed { 1.0 } else { 0.0 });
                    batch.target.push(if observed { rng.random::<f32>() } else { 0.0 });
                }
            }
            let (bi, bj, bt, bm) = batch.to_device(l, Device::Cpu);
            zero(&model);
            let (s, n, loss) = model.training_step(&bi, &bj, &bt, &bm);
            loss.backward();
            let want = grads(&model);
            zero(&model);
            let (sse, count) = cpu_kernel_step(&model, &batch, l, &mut KernelScratch::default()).expect("fused cell");
            assert!((sse - f64::try_from(&s).unwrap()).abs() < 1e-5 * sse.max(1.0), "{head:?}: sse {sse} vs {}", f64::try_from(&s).unwrap());
            assert_eq!(count, f64::try_from(&n).unwrap());
            for ((name, w), (_, g)) in want.iter().zip(grads(&model)) {
                let scale = w.iter().fold(1e-3f32, |m, x| m.max(x.abs()));
                let worst = w.iter().zip(&g).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
                assert!(worst < 2e-5 * scale.max(1.0), "{head:?} H={hidden}: {name} differs by {worst} (largest {scale})");
                assert!(g.iter().any(|&x| x != 0.0), "{name}: no gradient at all");
            }
        }
    }
}

//! Adam (PyTorch's defaults) with gradient-norm clipping, written out so that its state can be
//! checkpointed: a resumed run continues exactly where the interrupted one stopped.

use tch::{Kind, Tensor};

/// One parameter's gradient (None: it has none this step), borrowed from the optimizer.
struct HostParam<'a> {
    k: usize,
    grad: Option<Tensor>,
    _adam: std::marker::PhantomData<&'a Adam>,
}

/// The elements of a contiguous CPU float tensor.
///
/// # Safety
/// `t` must be a contiguous CPU tensor of kind Float, and no other slice of its storage may be
/// alive while the returned one is.
#[allow(clippy::mut_from_ref)]
unsafe fn floats(t: &Tensor) -> &mut [f32] {
    let n = t.numel();
    if n == 0 {
        return &mut [];
    }
    unsafe { std::slice::from_raw_parts_mut(t.data_ptr() as *mut f32, n) }
}

/// The optimizer: named parameters with their first- and second-moment estimates, and an optional
/// decoupled weight decay per parameter (AdamW's; none by default).
pub struct Adam {
    /// Decay rate of the first-moment (gradient mean) estimate; 0.9.
    pub beta1: f64,
    /// Decay rate of the second-moment (squared gradient) estimate; 0.999.
    pub beta2: f64,
    /// Added to the square root of the bias-corrected second moment; 1e-8.
    pub eps: f64,
    /// Updates taken so far (for the bias correction); saved with the checkpoints.
    pub step: i64,
    names: Vec<String>,
    params: Vec<Tensor>,
    m: Vec<Tensor>,
    v: Vec<Tensor>,
    /// Decoupled weight decay of each parameter (0: none): before each update the parameter is
    /// multiplied by 1 - lr * decay, as AdamW does.
    decay: Vec<f64>,
}

impl Adam {
    /// An optimizer over `params` (name, tensor) with PyTorch's defaults and zero moments; the
    /// names key the checkpointed state.
    pub fn new(params: Vec<(String, Tensor)>) -> Adam {
        let m = params.iter().map(|(_, p)| p.zeros_like()).collect();
        let v = params.iter().map(|(_, p)| p.zeros_like()).collect();
        let (names, params): (Vec<String>, Vec<Tensor>) = params.into_iter().unzip();
        let decay = vec![0.0; names.len()];
        Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 0, names, params, m, v, decay }
    }

    /// Sets the decoupled weight decay of the parameter called `name`; false when there is none.
    pub fn set_decay(&mut self, name: &str, decay: f64) -> bool {
        match self.names.iter().position(|n| n == name) {
            Some(k) => {
                self.decay[k] = decay;
                true
            }
            None => false,
        }
    }

    /// Gives every trainable parameter a gradient (zeros) where it has none yet. A parameter without
    /// a gradient is skipped by [`Adam::step`], one with a zero gradient still moves by its
    /// momentum; and once a parameter has a gradient, [`Adam::zero_grad`] keeps it. Without this, a
    /// resumed run (moments loaded, no gradients yet) skipped the momentum steps that the
    /// uninterrupted run took for parameters that a batch leaves without a gradient (the
    /// auxiliary decoder's, on a batch without frames near the diagonal), and ended elsewhere.
    /// In a fresh run the moments of such parameters are zero, so their zero-gradient steps do not
    /// move them: the weights are the same as without this.
    pub fn define_grads(&mut self) {
        for p in &self.params {
            if p.requires_grad() && !p.grad().defined() {
                (p * 0.0).sum(Kind::Float).backward();
            }
        }
    }

    /// Zeroes the gradients of all parameters (before each backward pass).
    pub fn zero_grad(&mut self) {
        for p in &mut self.params {
            p.zero_grad();
        }
    }

    /// Parameters, gradients and moments as plain CPU float slices, when every one is a
    /// contiguous CPU float tensor: then clipping and the update run as one pass of our own over
    /// each parameter instead of a dozen libtorch operations (each allocating), which took more
    /// time than the LSTM's forward pass on small maps.
    fn host_slices(&self) -> Option<Vec<HostParam<'_>>> {
        let ok = |t: &Tensor| t.device() == tch::Device::Cpu && t.kind() == Kind::Float && t.is_contiguous();
        let mut out = Vec::with_capacity(self.params.len());
        for k in 0..self.params.len() {
            let g = self.params[k].grad();
            if !g.defined() {
                out.push(None);
                continue;
            }
            if ![&self.params[k], &g, &self.m[k], &self.v[k]].into_iter().all(ok) || g.numel() != self.params[k].numel() {
                return None;
            }
            out.push(Some(g));
        }
        Some(out.into_iter().enumerate().map(|(k, g)| HostParam { k, grad: g, _adam: std::marker::PhantomData }).collect())
    }

    /// Scales gradients so that their global norm is at most `max`; returns the norm before.
    pub fn clip_grad_norm(&mut self, max: f64) -> f64 {
        if let Some(hp) = self.host_slices() {
            // SAFETY: contiguous CPU float tensors of `numel` elements, not used elsewhere while
            // the slices live.
            let total: f64 =
                hp.iter().filter_map(|h| h.grad.as_ref()).map(|g| unsafe { floats(g) }.iter().map(|&x| (x as f64) * (x as f64)).sum::<f64>()).sum();
            let norm = total.sqrt();
            if norm > max {
                let scale = (max / (norm + 1e-6)) as f32;
                for g in hp.iter().filter_map(|h| h.grad.as_ref()) {
                    // SAFETY: as above.
                    for x in unsafe { floats(g) } {
                        *x *= scale;
                    }
                }
            }
            return norm;
        }
        self.clip_libtorch(max)
    }

    /// [`Adam::clip_grad_norm`] in libtorch operations (GPU, or tensors the host pass cannot take).
    fn clip_libtorch(&mut self, max: f64) -> f64 {
        tch::no_grad(|| {
            let mut total = Tensor::zeros([], (Kind::Double, self.params[0].device()));
            for p in &self.params {
                let g = p.grad();
                if g.defined() {
                    total += g.to_kind(Kind::Double).square().sum(Kind::Double);
                }
            }
            let norm = f64::try_from(total.sqrt()).unwrap_or(f64::NAN);
            if norm > max {
                let scale = max / (norm + 1e-6);
                for p in &self.params {
                    let mut g = p.grad();
                    if g.defined() {
                        g *= scale;
                    }
                }
            }
            norm
        })
    }

    /// One update with learning rate `lr` from the bias-corrected moments; parameters without a
    /// gradient, and their moments, are left as they are.
    pub fn step(&mut self, lr: f64) {
        self.step += 1;
        let (b1, b2) = (self.beta1, self.beta2);
        let c1 = 1.0 - b1.powi(self.step as i32);
        let c2 = 1.0 - b2.powi(self.step as i32);
        if let Some(hp) = self.host_slices() {
            let (b1f, b2f, c1f, c2f, lrf, eps) = (b1 as f32, b2 as f32, c1 as f32, c2 as f32, lr as f32, self.eps as f32);
            for h in &hp {
                let Some(g) = &h.grad else { continue };
                // SAFETY: four distinct contiguous CPU float tensors of the same length (checked
                // by host_slices), not used elsewhere while the slices live.
                let (p, g, m, v) = unsafe { (floats(&self.params[h.k]), floats(g), floats(&self.m[h.k]), floats(&self.v[h.k])) };
                if self.decay[h.k] > 0.0 {
                    let keep = (1.0 - lr * self.decay[h.k]) as f32;
                    p.iter_mut().for_each(|x| *x *= keep);
                }
                for i in 0..p.len() {
                    m[i] = m[i] * b1f + g[i] * (1.0 - b1f);
                    v[i] = v[i] * b2f + g[i] * g[i] * (1.0 - b2f);
                    p[i] -= (m[i] / c1f) / ((v[i] / c2f).sqrt() + eps) * lrf;
                }
            }
            return;
        }
        self.step_libtorch(lr, c1, c2)
    }

    /// The update of [`Adam::step`] in libtorch operations, with the bias corrections `c1`, `c2`.
    fn step_libtorch(&mut self, lr: f64, c1: f64, c2: f64) {
        let (b1, b2) = (self.beta1, self.beta2);
        tch::no_grad(|| {
            for k in 0..self.params.len() {
                let g = self.params[k].grad();
                if !g.defined() {
                    continue;
                }
                if self.decay[k] > 0.0 {
                    self.params[k] *= 1.0 - lr * self.decay[k];
                }
                self.m[k] *= b1;
                self.m[k] += &g * (1.0 - b1);
                self.v[k] *= b2;
                self.v[k] += g.square() * (1.0 - b2);
                let denom = (&self.v[k] / c2).sqrt() + self.eps;
                let update = (&self.m[k] / c1) / denom * lr;
                self.params[k] -= update;
            }
        });
    }

    /// Optimizer state as named tensors, for a checkpoint.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::new();
        for (k, n) in self.names.iter().enumerate() {
            out.push((format!("adam.m.{n}"), self.m[k].shallow_clone()));
            out.push((format!("adam.v.{n}"), self.v[k].shallow_clone()));
        }
        out
    }

    /// Restores the state written by [`Adam::state`]; false if a tensor is missing.
    pub fn load_state(&mut self, tensors: &[(String, Tensor)], step: i64) -> bool {
        let find = |name: &str| tensors.iter().find(|(n, _)| n == name).map(|(_, t)| t);
        for (k, n) in self.names.iter().enumerate() {
            match (find(&format!("adam.m.{n}")), find(&format!("adam.v.{n}"))) {
                (Some(m), Some(v)) => tch::no_grad(|| {
                    self.m[k].copy_(m);
                    self.v[k].copy_(v);
                }),
                _ => return false,
            }
        }
        self.step = step;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decoupled weight decay shrinks a parameter by 1 - lr * decay per step on top of its Adam
    /// update (here none: a zero gradient and zero moments), and leaves the others alone.
    #[test]
    fn weight_decay_shrinks_only_its_parameter() {
        let p = |n: &str| (n.to_string(), Tensor::from_slice(&[1.0f32, -2.0]).set_requires_grad(true));
        let (a, b) = (p("decoder.head.weight"), p("embedding.weight"));
        let mut adam = Adam::new(vec![(a.0.clone(), a.1.shallow_clone()), (b.0.clone(), b.1.shallow_clone())]);
        adam.define_grads();
        assert!(adam.set_decay("decoder.head.weight", 10.0));
        adam.step(0.01);
        assert_eq!(Vec::<f32>::try_from(&a.1).unwrap(), vec![0.9, -1.8]);
        assert_eq!(Vec::<f32>::try_from(&b.1).unwrap(), vec![1.0, -2.0]);
    }

    /// The host pass (CPU) and the libtorch operations (GPU) clip and update alike.
    #[test]
    fn host_and_libtorch_updates_agree() {
        tch::manual_seed(3);
        let make = || {
            let params: Vec<(String, Tensor)> = [("a", vec![7i64, 5]), ("b", vec![11])]
                .iter()
                .map(|(n, d)| (n.to_string(), Tensor::randn(d.as_slice(), (Kind::Float, tch::Device::Cpu)).set_requires_grad(true)))
                .collect();
            params
        };
        let (pa, pb) = (make(), make());
        for (x, y) in pa.iter().zip(&pb) {
            tch::no_grad(|| {
                let mut y = y.1.shallow_clone();
                y.copy_(&x.1);
            });
        }
        let share = |v: &[(String, Tensor)]| v.iter().map(|(n, t)| (n.clone(), t.shallow_clone())).collect::<Vec<_>>();
        let (mut host, mut lib) = (Adam::new(share(&pa)), Adam::new(share(&pb)));
        // Parameter "a" decays (`head_decay`), in both paths.
        assert!(host.set_decay("a", 2.0) && lib.set_decay("a", 2.0) && !host.set_decay("c", 1.0));
        for step in 0..4 {
            for (x, y) in pa.iter().zip(&pb) {
                let g = Tensor::randn(x.1.size().as_slice(), (Kind::Float, tch::Device::Cpu)) * 10.0;
                (&x.1 * &g).sum(Kind::Float).backward();
                (&y.1 * &g).sum(Kind::Float).backward();
            }
            let (n_host, n_lib) = (host.clip_grad_norm(5.0), lib.clip_libtorch(5.0));
            assert!((n_host - n_lib).abs() < 1e-4 * n_lib && n_lib > 5.0, "step {step}: norm {n_host} vs {n_lib} (clipping must act)");
            host.step(0.01);
            lib.step += 1;
            let (c1, c2) = (1.0 - lib.beta1.powi(lib.step as i32), 1.0 - lib.beta2.powi(lib.step as i32));
            lib.step_libtorch(0.01, c1, c2);
            host.zero_grad();
            lib.zero_grad();
        }
        for (x, y) in pa.iter().zip(&pb) {
            let d = f64::try_from((&x.1 - &y.1).abs().max()).unwrap();
            assert!(d < 1e-6, "{}: parameters differ by {d}", x.0);
        }
    }
}

//! Adam (PyTorch's defaults) with gradient-norm clipping, written out so that its state can be
//! checkpointed: a resumed run continues exactly where the interrupted one stopped.

use tch::{Kind, Tensor};

/// The optimizer: named parameters with their first- and second-moment estimates (no weight decay).
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
}

impl Adam {
    /// An optimizer over `params` (name, tensor) with PyTorch's defaults and zero moments; the
    /// names key the checkpointed state.
    pub fn new(params: Vec<(String, Tensor)>) -> Adam {
        let m = params.iter().map(|(_, p)| p.zeros_like()).collect();
        let v = params.iter().map(|(_, p)| p.zeros_like()).collect();
        let (names, params) = params.into_iter().unzip();
        Adam { beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 0, names, params, m, v }
    }

    /// Zeroes the gradients of all parameters (before each backward pass).
    pub fn zero_grad(&mut self) {
        for p in &mut self.params {
            p.zero_grad();
        }
    }

    /// Scales gradients so that their global norm is at most `max`; returns the norm before.
    pub fn clip_grad_norm(&mut self, max: f64) -> f64 {
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
        tch::no_grad(|| {
            for k in 0..self.params.len() {
                let g = self.params[k].grad();
                if !g.defined() {
                    continue;
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

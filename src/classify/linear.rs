//! The multi-label linear classifier: one linear layer with a sigmoid output per task, trained on
//! all tasks at once (a bin contributes to the tasks that label it), full-batch Adam on the
//! binary cross-entropy with a small L2 penalty. Features are standardised on the training set.

/// Trained weights: `w` is `k x t` row-major.
pub struct Linear {
    mean: Vec<f64>,
    sd: Vec<f64>,
    w: Vec<f64>,
    b: Vec<f64>,
    k: usize,
    t: usize,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl Linear {
    /// `x`: `n x k` features; `y`: `n x t` labels (None = not labelled for that task).
    pub fn fit(x: &[f32], y: &[Option<bool>], n: usize, k: usize, t: usize, iterations: usize) -> Linear {
        let mut mean = vec![0.0; k];
        let mut sd = vec![0.0; k];
        for r in 0..n {
            for c in 0..k {
                mean[c] += x[r * k + c] as f64 / n.max(1) as f64;
            }
        }
        for r in 0..n {
            for c in 0..k {
                sd[c] += (x[r * k + c] as f64 - mean[c]).powi(2) / n.max(1) as f64;
            }
        }
        sd.iter_mut().for_each(|s| *s = s.sqrt().max(1e-9));
        let z: Vec<f64> = (0..n * k).map(|i| (x[i] as f64 - mean[i % k]) / sd[i % k]).collect();
        let mut m = Linear { mean, sd, w: vec![0.0; k * t], b: vec![0.0; t], k, t };
        let (lr, l2, b1, b2, eps) = (0.05, 1e-4, 0.9, 0.999, 1e-8);
        let np = k * t + t;
        let (mut m1, mut m2) = (vec![0.0; np], vec![0.0; np]);
        let counts: Vec<f64> = (0..t).map(|j| (0..n).filter(|&r| y[r * t + j].is_some()).count().max(1) as f64).collect();
        for step in 1..=iterations {
            let mut g = vec![0.0; np];
            for r in 0..n {
                for j in 0..t {
                    let Some(label) = y[r * t + j] else { continue };
                    let mut s = m.b[j];
                    for c in 0..k {
                        s += z[r * k + c] * m.w[c * t + j];
                    }
                    let d = (sigmoid(s) - if label { 1.0 } else { 0.0 }) / counts[j];
                    for c in 0..k {
                        g[c * t + j] += d * z[r * k + c];
                    }
                    g[k * t + j] += d;
                }
            }
            for c in 0..k * t {
                g[c] += l2 * m.w[c];
            }
            for p in 0..np {
                m1[p] = b1 * m1[p] + (1.0 - b1) * g[p];
                m2[p] = b2 * m2[p] + (1.0 - b2) * g[p] * g[p];
                let upd = lr * (m1[p] / (1.0 - b1.powi(step as i32))) / ((m2[p] / (1.0 - b2.powi(step as i32))).sqrt() + eps);
                if p < k * t {
                    m.w[p] -= upd
                } else {
                    m.b[p - k * t] -= upd
                }
            }
        }
        m
    }

    /// Probability of task `j` for one row of features.
    pub fn predict(&self, row: &[f32], j: usize) -> f64 {
        let mut s = self.b[j];
        for c in 0..self.k {
            s += (row[c] as f64 - self.mean[c]) / self.sd[c] * self.w[c * self.t + j];
        }
        sigmoid(s)
    }
}

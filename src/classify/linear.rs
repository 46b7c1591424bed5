//! The multi-label linear classifier: one linear layer with a sigmoid output per task, trained on
//! all tasks at once (a bin contributes to the tasks that label it), full-batch Adam on the
//! binary cross-entropy with a small L2 penalty. Features are standardised on the training set.
//! For mutually exclusive classes, the same layer can instead be one softmax (multinomial
//! logistic regression, [`Linear::fit_softmax`]).

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
        let (mean, sd, z) = standardise(x, n, k);
        let mut m = Linear { mean, sd, w: vec![0.0; k * t], b: vec![0.0; t], k, t };
        let counts: Vec<f64> = (0..t).map(|j| (0..n).filter(|&r| y[r * t + j].is_some()).count().max(1) as f64).collect();
        let mut adam = Adam::new(k * t + t);
        for _ in 0..iterations {
            let mut g = vec![0.0; k * t + t];
            for r in 0..n {
                for j in 0..t {
                    let Some(label) = y[r * t + j] else { continue };
                    let d = (sigmoid(m.logit(&z[r * k..(r + 1) * k], j)) - if label { 1.0 } else { 0.0 }) / counts[j];
                    add_gradient(&mut g, &z[r * k..(r + 1) * k], j, t, d);
                }
            }
            adam.step(&mut m, g);
        }
        m
    }

    /// Multinomial logistic regression (softmax over `t` mutually exclusive classes; `y[r]` the
    /// class of row r): the same standardisation, optimizer, penalty and iterations as [`Linear::fit`].
    pub fn fit_softmax(x: &[f32], y: &[usize], n: usize, k: usize, t: usize, iterations: usize) -> Linear {
        let (mean, sd, z) = standardise(x, n, k);
        let mut m = Linear { mean, sd, w: vec![0.0; k * t], b: vec![0.0; t], k, t };
        let mut adam = Adam::new(k * t + t);
        for _ in 0..iterations {
            let mut g = vec![0.0; k * t + t];
            for r in 0..n {
                let p = m.softmax_z(&z[r * k..(r + 1) * k]);
                for j in 0..t {
                    let d = (p[j] - if y[r] == j { 1.0 } else { 0.0 }) / n.max(1) as f64;
                    add_gradient(&mut g, &z[r * k..(r + 1) * k], j, t, d);
                }
            }
            adam.step(&mut m, g);
        }
        m
    }

    fn logit(&self, z: &[f64], j: usize) -> f64 {
        // Summed from the bias up, as predict does.
        (0..self.k).fold(self.b[j], |s, c| s + z[c] * self.w[c * self.t + j])
    }

    fn softmax_z(&self, z: &[f64]) -> Vec<f64> {
        let s: Vec<f64> = (0..self.t).map(|j| self.logit(z, j)).collect();
        let top = s.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let e: Vec<f64> = s.iter().map(|v| (v - top).exp()).collect();
        let total: f64 = e.iter().sum();
        e.into_iter().map(|v| v / total).collect()
    }

    /// One row of features standardised as the training set was.
    fn standardised(&self, row: &[f32]) -> Vec<f64> {
        (0..self.k).map(|c| (row[c] as f64 - self.mean[c]) / self.sd[c]).collect()
    }

    /// Class probabilities of a [`Linear::fit_softmax`] model for one row of features.
    pub fn predict_softmax(&self, row: &[f32]) -> Vec<f64> {
        self.softmax_z(&self.standardised(row))
    }

    /// Probability of task `j` for one row of features.
    pub fn predict(&self, row: &[f32], j: usize) -> f64 {
        sigmoid(self.logit(&self.standardised(row), j))
    }
}

/// Adds a row's logit gradient `d` for output `j` (of `t`) to `g`: `d z` to the weights of `j`,
/// `d` to its bias (the last `t` entries).
fn add_gradient(g: &mut [f64], z: &[f64], j: usize, t: usize, d: f64) {
    for (c, zc) in z.iter().enumerate() {
        g[c * t + j] += d * zc;
    }
    g[z.len() * t + j] += d;
}

/// Per-column mean and standard deviation of `x` (`n x k`), and `x` standardised by them.
fn standardise(x: &[f32], n: usize, k: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
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
    (mean, sd, z)
}

/// Full-batch Adam (learning rate 0.05) with an L2 penalty of 1e-4 on the weights, not the biases.
struct Adam {
    m1: Vec<f64>,
    m2: Vec<f64>,
    step: i32,
}

impl Adam {
    const LR: f64 = 0.05;
    const L2: f64 = 1e-4;
    const B1: f64 = 0.9;
    const B2: f64 = 0.999;
    const EPS: f64 = 1e-8;

    fn new(n: usize) -> Self {
        Adam { m1: vec![0.0; n], m2: vec![0.0; n], step: 0 }
    }

    /// One update of `m`'s weights (the first k t entries of `g`) and biases (the last t).
    fn step(&mut self, m: &mut Linear, mut g: Vec<f64>) {
        self.step += 1;
        let kt = m.k * m.t;
        for c in 0..kt {
            g[c] += Self::L2 * m.w[c];
        }
        for p in 0..g.len() {
            self.m1[p] = Self::B1 * self.m1[p] + (1.0 - Self::B1) * g[p];
            self.m2[p] = Self::B2 * self.m2[p] + (1.0 - Self::B2) * g[p] * g[p];
            let upd = Self::LR * (self.m1[p] / (1.0 - Self::B1.powi(self.step))) / ((self.m2[p] / (1.0 - Self::B2.powi(self.step))).sqrt() + Self::EPS);
            if p < kt {
                m.w[p] -= upd
            } else {
                m.b[p - kt] -= upd
            }
        }
    }
}

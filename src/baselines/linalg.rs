//! The small amount of dense linear algebra the baselines need: symmetric eigen-decomposition
//! (cyclic Jacobi) for small matrices, and the top eigenpairs of a large symmetric matrix by
//! seeded subspace iteration with Rayleigh-Ritz.

use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;

/// Eigenvalues and eigenvectors (columns of the returned row-major `n x n` matrix) of a
/// symmetric `n x n` matrix, sorted by decreasing eigenvalue.
pub fn jacobi_eigen(a: &[f64], n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut a = a.to_vec();
    let mut v = vec![0.0; n * n];
    for k in 0..n {
        v[k * n + k] = 1.0;
    }
    for _sweep in 0..100 {
        let off: f64 = (0..n).flat_map(|p| (0..n).filter(move |&q| q != p).map(move |q| (p, q))).map(|(p, q)| a[p * n + q].powi(2)).sum();
        if off < 1e-22 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq.abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (akp, akq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for k in 0..n {
                    let (apk, aqk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for k in 0..n {
                    let (vkp, vkq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&x, &y| a[y * n + y].total_cmp(&a[x * n + x]));
    let vals = order.iter().map(|&k| a[k * n + k]).collect();
    let mut vecs = vec![0.0; n * n];
    for (new, &old) in order.iter().enumerate() {
        for r in 0..n {
            vecs[r * n + new] = v[r * n + old];
        }
    }
    (vals, vecs)
}

/// `out = a * q` for row-major `a` (`n x n`) and `q` (`n x m`), rows in parallel.
fn mul(a: &[f64], q: &[f64], n: usize, m: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * m];
    out.par_chunks_mut(m).enumerate().for_each(|(r, row)| {
        let ar = &a[r * n..(r + 1) * n];
        for (k, &x) in ar.iter().enumerate() {
            if x != 0.0 {
                let qk = &q[k * m..(k + 1) * m];
                for c in 0..m {
                    row[c] += x * qk[c];
                }
            }
        }
    });
    out
}

/// Modified Gram-Schmidt on the columns of `q` (`n x m`).
fn orthonormalize(q: &mut [f64], n: usize, m: usize) {
    for c in 0..m {
        for p in 0..c {
            let dot: f64 = (0..n).map(|r| q[r * m + c] * q[r * m + p]).sum();
            for r in 0..n {
                q[r * m + c] -= dot * q[r * m + p];
            }
        }
        let norm = (0..n).map(|r| q[r * m + c].powi(2)).sum::<f64>().sqrt().max(1e-300);
        for r in 0..n {
            q[r * m + c] /= norm;
        }
    }
}

/// The `k` largest eigenpairs of a symmetric `n x n` matrix: (values, vectors as `n x k`
/// row-major). Deterministic for a given seed (parallel sums are per row, in a fixed order).
pub fn top_eigen(a: &[f64], n: usize, k: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    top_eigen_op(|q, m| mul(a, q, n, m), n, k, seed, 60)
}

/// The `k` largest eigenpairs of `Z Z^T` for a row-major `n x n` matrix `z` (given with its
/// transpose), without forming the product.
pub fn top_eigen_gram(z: &[f64], zt: &[f64], n: usize, k: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    top_eigen_op(|q, m| mul(z, &mul(zt, q, n, m), n, m), n, k, seed, 30)
}

fn top_eigen_op(apply: impl Fn(&[f64], usize) -> Vec<f64>, n: usize, k: usize, seed: u64, iterations: usize) -> (Vec<f64>, Vec<f64>) {
    let m = (k + 10).min(n);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut q: Vec<f64> = (0..n * m).map(|_| StandardNormal.sample(&mut rng)).collect();
    orthonormalize(&mut q, n, m);
    for _ in 0..iterations {
        q = apply(&q, m);
        orthonormalize(&mut q, n, m);
    }
    let aq = apply(&q, m);
    let mut b = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            b[i * m + j] = (0..n).map(|r| q[r * m + i] * aq[r * m + j]).sum();
        }
    }
    for i in 0..m {
        for j in 0..i {
            let s = (b[i * m + j] + b[j * m + i]) / 2.0;
            b[i * m + j] = s;
            b[j * m + i] = s;
        }
    }
    let (vals, w) = jacobi_eigen(&b, m);
    let kk = k.min(m);
    let mut vecs = vec![0.0; n * kk];
    for r in 0..n {
        for c in 0..kk {
            vecs[r * kk + c] = (0..m).map(|t| q[r * m + t] * w[t * m + c]).sum();
        }
    }
    (vals[..kk].to_vec(), vecs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobi_recovers_a_known_spectrum() {
        // [[2, 1], [1, 2]]: eigenvalues 3 and 1, vectors (1, 1)/sqrt2 and (1, -1)/sqrt2.
        let (vals, vecs) = jacobi_eigen(&[2.0, 1.0, 1.0, 2.0], 2);
        assert!((vals[0] - 3.0).abs() < 1e-12 && (vals[1] - 1.0).abs() < 1e-12);
        assert!((vecs[0].abs() - 0.5f64.sqrt()).abs() < 1e-12 && (vecs[0] - vecs[2]).abs() < 1e-12);
    }

    #[test]
    fn subspace_iteration_matches_jacobi() {
        let n = 30;
        let mut a = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                a[i * n + j] = ((i * j) as f64 * 0.37).sin() + ((i + j) as f64 * 0.11).cos();
            }
        }
        let mut s = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                s[i * n + j] = (0..n).map(|t| a[i * n + t] * a[j * n + t]).sum();
            }
        }
        let (full, _) = jacobi_eigen(&s, n);
        let (top, vecs) = top_eigen(&s, n, 3, 1);
        for k in 0..3 {
            assert!((top[k] - full[k]).abs() / full[k] < 1e-8, "{k}: {} vs {}", top[k], full[k]);
            // A s v = lambda v check.
            let v: Vec<f64> = (0..n).map(|r| vecs[r * 3 + k]).collect();
            let sv: Vec<f64> = (0..n).map(|r| (0..n).map(|t| s[r * n + t] * v[t]).sum()).collect();
            let err: f64 = (0..n).map(|r| (sv[r] - top[k] * v[r]).powi(2)).sum::<f64>().sqrt();
            assert!(err / top[k] < 1e-6);
        }
    }
}

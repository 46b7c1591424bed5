//! Times one training step (forward, backward, gradients) of the fused LSTM with the frame head,
//! through hiclstm's CPU kernel and through libtorch's LSTM, on random frames of the shape the
//! shared map trains on. `cargo run --release -p hiclstm-model --example kernel_bench -- [BATCH]
//! [THREADS] [HIDDEN]`; prints the median of 40 steps after 5 warm-ups.

use hiclstm_model::config::ModelConfig;
use hiclstm_model::net::{cpu_kernel_step, masked_mse, HicLstm, KernelScratch};
use hiclstm_model::train::HostBatch;
use rand::{Rng, SeedableRng};
use std::time::Instant;
use tch::Device;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let arg = |i: usize, d: usize| std::env::args().nth(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (b, threads, hidden) = (arg(1, 210), arg(2, 2), arg(3, 8));
    tch::set_num_threads(threads as i32);
    rayon::ThreadPoolBuilder::new().num_threads(threads).build_global().expect("one pool");
    let l = 150;
    let c = ModelConfig { hidden, ..ModelConfig::default() };
    let n_bins = 1800;
    let model = HicLstm::new(&c, n_bins, Device::Cpu);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut batch = HostBatch::default();
    for _ in 0..b {
        let i = rng.random_range(0..(n_bins - l) as i64);
        let len = rng.random_range(l / 2..=l);
        batch.idx_i.push(i);
        for t in 0..l {
            let obs = t < len;
            batch.idx_j.push(if obs { i + t as i64 } else { i });
            batch.mask.push(if obs { 1.0 } else { 0.0 });
            batch.target.push(if obs { rng.random::<f32>() } else { 0.0 });
        }
    }
    let vars = model.named_variables();
    let zero = || {
        for (_, mut t) in model.named_variables() {
            t.zero_grad();
        }
    };
    let mut scratch = KernelScratch::default();
    let mut native = Vec::new();
    let mut torch = Vec::new();
    let (bi, bj, bt, bm) = batch.to_device(l, Device::Cpu);
    for rep in 0..45 {
        zero();
        let t0 = Instant::now();
        cpu_kernel_step(&model, &batch, l, &mut scratch);
        let t1 = Instant::now();
        zero();
        let t2 = Instant::now();
        let (s, n) = masked_mse(&model.forward_indices(&bi, &bj, &bm), &bt, &bm);
        (&s / &n).backward();
        let t3 = Instant::now();
        if rep >= 5 {
            native.push((t1 - t0).as_secs_f64() * 1e3);
            torch.push((t3 - t2).as_secs_f64() * 1e3);
        }
    }
    let _ = vars;
    println!("batch {b}, threads {threads}, hidden {hidden}: native {:.2} ms, libtorch {:.2} ms per step", median(native), median(torch));
}

//! A batched CPU kernel for the fused LSTM's forward and backward pass, used when training on CPU.
//!
//! Why: with H = 8..24 and frames of 150 steps, libtorch's LSTM on CPU spends most of its time in
//! per-step dispatch and thread hand-offs on `[B, 4H]` tensors, not in arithmetic, and its input
//! projection multiplies every step's input (B x L rows) although a batch holds few distinct bins.
//! Here the input projection is taken once per distinct bin (by libtorch, so that its gradient
//! flows back to the representations and `W_ih` through autograd), and the recurrence runs frames
//! eight at a time in SIMD lanes with the four gates fused. libtorch keeps the head, the loss, the
//! optimizer and the GPU. The gradients are checked against libtorch's own LSTM in the tests.
//!
//! Determinism: frames are split into fixed chunks of [`LANES`] whatever the thread count, every
//! chunk writes only its own outputs, and every sum runs in a fixed order, so a run repeats bit
//! for bit on the same machine with any number of threads.

/// Frames per SIMD chunk (eight f32 lanes: one AVX2 register).
pub const LANES: usize = 8;

/// The recurrent weights in libtorch's layout and gate order (input, forget, cell, output).
pub struct Recurrent<'a> {
    /// `W_hh`, `[4H, H]` row-major.
    pub w_hh: &'a [f32],
    /// `b_ih + b_hh`, `[4H]`.
    pub bias: &'a [f32],
    /// Hidden size H.
    pub hidden: usize,
}

/// A batch's inputs, as projections of its distinct bins.
pub struct Inputs<'a> {
    /// Row representations times `W_ih[:, :K]^T`, `[U, 4H]` row-major.
    pub p_row: &'a [f32],
    /// Column representations times `W_ih[:, K:]^T`, `[U, 4H]` row-major.
    pub p_col: &'a [f32],
    /// Each frame's row bin, as a row of `p_row`, `[B]`.
    pub row: &'a [u32],
    /// Each step's column bin, as a row of `p_col`, `[B, L]` row-major.
    pub col: &'a [u32],
    /// Frame length L.
    pub len: usize,
    /// Steps to run of each frame, `[B]` (at most L): its last observed step plus one. Later
    /// steps are padding that no observed output depends on (the state runs forward only, and
    /// the head zeroes them), so they are skipped: their states and gradients are left at zero.
    pub steps: &'a [u32],
}

/// What the forward pass keeps for the backward pass, chunk by chunk: gate activations
/// `[L, 4H, LANES]`, cell states and their tanh `[L, H, LANES]`. One tape serves batch after
/// batch.
#[derive(Default)]
pub struct Tape {
    acts: Vec<V>,
    cells: Vec<V>,
    tanh_cells: Vec<V>,
    frames: usize,
    len: usize,
    hidden: usize,
    /// Steps run by each chunk: the most of its frames'.
    chunk_steps: Vec<usize>,
}

#[inline(always)]
fn exp(x: f32) -> f32 {
    // Cephes' expf: 2^n * p(r) with r = x - n ln 2; about 1 ulp. Written with plain float ops (the
    // rounding by adding 1.5 * 2^23) so that it vectorizes without SSE4.1.
    const MAGIC: f32 = 12_582_912.0;
    let x = x.clamp(-87.0, 88.0);
    let n = (x * std::f32::consts::LOG2_E + MAGIC) - MAGIC;
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let p = p * r * r + r + 1.0;
    // 2^n from the bits of n + 127 + 2^23, whose low mantissa bits hold n + 127 (no float-to-int
    // conversion, which would not vectorize).
    p * f32::from_bits((n + 8_388_735.0).to_bits() << 23)
}

#[inline(always)]
fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

#[inline(always)]
fn tanh(x: f32) -> f32 {
    2.0 * sigmoid(2.0 * x) - 1.0
}

/// Eight lanes, one per frame of a chunk. Arithmetic is lane by lane on values held in
/// registers, which the compiler turns into single SIMD instructions.
#[derive(Clone, Copy, Default)]
#[repr(transparent)]
pub struct V([f32; LANES]);

macro_rules! lanewise {
    ($tr:ident, $f:ident, $op:tt) => {
        impl std::ops::$tr for V {
            type Output = V;
            #[inline(always)]
            fn $f(self, o: V) -> V {
                let mut r = [0f32; LANES];
                for i in 0..LANES {
                    r[i] = self.0[i] $op o.0[i];
                }
                V(r)
            }
        }
    };
}
lanewise!(Add, add, +);
lanewise!(Sub, sub, -);
lanewise!(Mul, mul, *);

impl V {
    #[inline(always)]
    fn splat(x: f32) -> V {
        V([x; LANES])
    }
    #[inline(always)]
    fn map(self, f: impl Fn(f32) -> f32) -> V {
        let mut r = [0f32; LANES];
        for i in 0..LANES {
            r[i] = f(self.0[i]);
        }
        V(r)
    }
}

/// The instructions a chunk runs with: plain lane-by-lane code, or AVX2 and FMA (fused
/// multiply-adds and one gather instruction per gate).
trait Isa {
    /// `a * b + c`.
    fn madd(a: V, b: V, c: V) -> V;
    /// `p[idx[lane] + g]` for every lane; every index must be inside `p`.
    fn gather(p: &[f32], idx: &[u32; LANES], g: usize) -> V;
}

struct Portable;

impl Isa for Portable {
    #[inline(always)]
    fn madd(a: V, b: V, c: V) -> V {
        a * b + c
    }
    #[inline(always)]
    fn gather(p: &[f32], idx: &[u32; LANES], g: usize) -> V {
        let mut v = V::default();
        for lane in 0..LANES {
            v.0[lane] = p[idx[lane] as usize + g];
        }
        v
    }
}

#[cfg(target_arch = "x86_64")]
struct Avx2;

#[cfg(target_arch = "x86_64")]
impl Isa for Avx2 {
    #[inline(always)]
    fn madd(a: V, b: V, c: V) -> V {
        let mut r = [0f32; LANES];
        for i in 0..LANES {
            r[i] = a.0[i].mul_add(b.0[i], c.0[i]);
        }
        V(r)
    }
    #[inline(always)]
    fn gather(p: &[f32], idx: &[u32; LANES], g: usize) -> V {
        use std::arch::x86_64::*;
        // SAFETY: only reached from the AVX2 entry points, after checking the CPU; [`forward`]
        // checks that every index plus 4H is inside `p`.
        unsafe {
            let base = p.as_ptr().add(g);
            let ix = _mm256_loadu_si256(idx.as_ptr() as *const __m256i);
            let v = _mm256_i32gather_ps::<4>(base, ix);
            let mut out = V::default();
            _mm256_storeu_ps(out.0.as_mut_ptr(), v);
            out
        }
    }
}

/// Steps a chunk runs: the most of its frames'.
fn chunk_steps(x: &Inputs, first: usize, frames: usize) -> usize {
    x.steps[first..first + frames].iter().map(|&s| (s as usize).min(x.len)).max().unwrap_or(0)
}

/// One chunk's forward pass: fills its tape (`acts` `[L, 4H]`, `cells` and `tanh_cells`
/// `[L, H]`, lanes innermost) and its frames' hidden states (`hs`, `[frames, L, H]`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn chunk_forward<I: Isa>(w: &Recurrent, x: &Inputs, first: usize, frames: usize, acts: &mut [V], cells: &mut [V], tanh_cells: &mut [V], hs: &mut [f32]) {
    let (h, l) = (w.hidden, x.len);
    let steps = chunk_steps(x, first, frames);
    let g4 = 4 * h;
    // Lanes past the batch's last frame repeat frame `first`; their outputs are dropped and they
    // get no gradient.
    let frame = |lane: usize| if lane < frames { first + lane } else { first };
    let row_part: Vec<V> = (0..g4)
        .map(|g| {
            let mut v = V::default();
            for lane in 0..LANES {
                v.0[lane] = x.p_row[x.row[frame(lane)] as usize * g4 + g] + w.bias[g];
            }
            v
        })
        .collect();
    let mut state = vec![V::default(); h];
    let mut cell = vec![V::default(); h];
    let mut col = [0u32; LANES];
    for t in 0..steps {
        for (lane, c) in col.iter_mut().enumerate() {
            *c = x.col[frame(lane) * l + t] * g4 as u32;
        }
        let z = &mut acts[t * g4..(t + 1) * g4];
        for g in 0..g4 {
            let mut acc = row_part[g] + I::gather(x.p_col, &col, g);
            let wg = &w.w_hh[g * h..(g + 1) * h];
            for k in 0..h {
                acc = I::madd(V::splat(wg[k]), state[k], acc);
            }
            z[g] = acc;
        }
        for (idx, v) in z.iter_mut().enumerate() {
            *v = if idx / h == 2 { v.map(tanh) } else { v.map(sigmoid) };
        }
        let ct = &mut cells[t * h..(t + 1) * h];
        let tc = &mut tanh_cells[t * h..(t + 1) * h];
        for k in 0..h {
            let (i, f, g, o) = (z[k], z[h + k], z[2 * h + k], z[3 * h + k]);
            let c = f * cell[k] + i * g;
            let th = c.map(tanh);
            cell[k] = c;
            ct[k] = c;
            tc[k] = th;
            state[k] = o * th;
        }
        for lane in 0..frames {
            let out = &mut hs[(lane * l + t) * h..(lane * l + t + 1) * h];
            for k in 0..h {
                out[k] = state[k].0[lane];
            }
        }
    }
}

/// One chunk's backward pass: from the gradient of its hidden states (`dhs`, `[frames, L, H]`) to
/// the gradient of its gate pre-activations (`dz`, `[frames, L, 4H]`).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn chunk_backward<I: Isa>(
    w: &Recurrent,
    l: usize,
    steps: usize,
    frames: usize,
    acts: &[V],
    cells: &[V],
    tanh_cells: &[V],
    dhs: &[f32],
    dz_out: &mut [f32],
    d_hh: &mut [f32],
) {
    let h = w.hidden;
    let g4 = 4 * h;
    let one = V::splat(1.0);
    // W_hh's gradient, sum over steps of dz_t h_(t-1)^T, lane by lane (reduced at the end).
    let mut dw = vec![V::default(); g4 * h];
    let mut h_prev = vec![V::default(); h];
    let mut dh_next = vec![V::default(); h];
    let mut dc_next = vec![V::default(); h];
    let mut dz = vec![V::default(); g4];
    for t in (0..steps).rev() {
        let a = &acts[t * g4..(t + 1) * g4];
        let tc = &tanh_cells[t * h..(t + 1) * h];
        for lane in 0..frames {
            let d = &dhs[(lane * l + t) * h..(lane * l + t + 1) * h];
            for k in 0..h {
                dh_next[k].0[lane] += d[k];
            }
        }
        for k in 0..h {
            let (i, f, g, o) = (a[k], a[h + k], a[2 * h + k], a[3 * h + k]);
            let c_prev = if t > 0 { cells[(t - 1) * h + k] } else { V::default() };
            let (dh, th) = (dh_next[k], tc[k]);
            let dc = dc_next[k] + dh * o * (one - th * th);
            dz[k] = dc * g * i * (one - i);
            dz[h + k] = dc * c_prev * f * (one - f);
            dz[2 * h + k] = dc * i * (one - g * g);
            dz[3 * h + k] = dh * th * o * (one - o);
            dc_next[k] = dc * f;
        }
        if t > 0 {
            for (k, hp) in h_prev.iter_mut().enumerate() {
                *hp = acts[(t - 1) * g4 + 3 * h + k] * tanh_cells[(t - 1) * h + k];
            }
            for g in 0..g4 {
                let row = &mut dw[g * h..(g + 1) * h];
                for k in 0..h {
                    row[k] = I::madd(dz[g], h_prev[k], row[k]);
                }
            }
        }
        // The state's gradient for step t - 1: W_hh^T dz.
        for (k, dk) in dh_next.iter_mut().enumerate() {
            let mut acc = V::default();
            for g in 0..g4 {
                acc = I::madd(V::splat(w.w_hh[g * h + k]), dz[g], acc);
            }
            *dk = acc;
        }
        for lane in 0..frames {
            let out = &mut dz_out[(lane * l + t) * g4..(lane * l + t + 1) * g4];
            for g in 0..g4 {
                out[g] = dz[g].0[lane];
            }
        }
    }
    for (out, v) in d_hh.iter_mut().zip(&dw) {
        *out = v.0.iter().sum();
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn chunk_forward_avx2(w: &Recurrent, x: &Inputs, first: usize, frames: usize, acts: &mut [V], cells: &mut [V], tanh_cells: &mut [V], hs: &mut [f32]) {
    chunk_forward::<Avx2>(w, x, first, frames, acts, cells, tanh_cells, hs)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[allow(clippy::too_many_arguments)]
unsafe fn chunk_backward_avx2(
    w: &Recurrent,
    l: usize,
    steps: usize,
    frames: usize,
    acts: &[V],
    cells: &[V],
    tanh_cells: &[V],
    dhs: &[f32],
    dz_out: &mut [f32],
    d_hh: &mut [f32],
) {
    chunk_backward::<Avx2>(w, l, steps, frames, acts, cells, tanh_cells, dhs, dz_out, d_hh)
}

fn avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// The forward pass over a batch: hidden states `[B, L, H]` row-major, and the tape for
/// [`backward`]. The state starts at zero for every frame, as in the model.
pub fn forward(w: &Recurrent, x: &Inputs, tape: &mut Tape, hs: &mut Vec<f32>) {
    forward_on(avx2(), w, x, tape, hs)
}

fn forward_on(simd: bool, w: &Recurrent, x: &Inputs, tape: &mut Tape, hs: &mut Vec<f32>) {
    let (b, l, h) = (x.row.len(), x.len, w.hidden);
    let chunks = b.div_ceil(LANES);
    // Buffers are reused from batch to batch: fresh ones would cost a page fault per 4 KiB.
    tape.acts.resize(chunks * l * 4 * h, V::default());
    tape.cells.resize(chunks * l * h, V::default());
    tape.tanh_cells.resize(chunks * l * h, V::default());
    (tape.frames, tape.len, tape.hidden) = (b, l, h);
    assert_eq!(x.steps.len(), b, "one step count per frame");
    tape.chunk_steps = (0..chunks).map(|ci| chunk_steps(x, ci * LANES, (b - ci * LANES).min(LANES))).collect();
    hs.clear();
    hs.resize(b * l * h, 0.0);
    if b == 0 {
        return;
    }
    // The gathers read p_col[col * 4H + g] for g < 4H without bounds checks.
    let bins = x.p_col.len() / (4 * h);
    assert!(
        x.col.len() == b * l && x.col.iter().all(|&c| (c as usize) < bins) && x.row.iter().all(|&r| (r as usize) * 4 * h < x.p_row.len()),
        "bin outside the projections"
    );
    let parts: Vec<_> =
        tape.acts.chunks_mut(l * 4 * h).zip(tape.cells.chunks_mut(l * h)).zip(tape.tanh_cells.chunks_mut(l * h)).zip(hs.chunks_mut(LANES * l * h)).collect();
    pool::for_each(parts, |ci, (((acts, cells), tanh_cells), hs)| {
        let (first, frames) = (ci * LANES, (b - ci * LANES).min(LANES));
        #[cfg(target_arch = "x86_64")]
        if simd {
            // SAFETY: the CPU has AVX2 and FMA (checked by the caller).
            return unsafe { chunk_forward_avx2(w, x, first, frames, acts, cells, tanh_cells, hs) };
        }
        let _ = simd;
        chunk_forward::<Portable>(w, x, first, frames, acts, cells, tanh_cells, hs)
    });
}

/// The backward pass: from the gradient of the hidden states (`dhs`, `[B, L, H]`) to that of the
/// gate pre-activations, `[B, L, 4H]` (what `W_ih`, the biases and the inputs' gradients are made
/// of), and to `W_hh`'s gradient (returned, `[4H, H]`).
pub fn backward(w: &Recurrent, tape: &Tape, dhs: &[f32], dz: &mut Vec<f32>) -> Vec<f32> {
    backward_on(avx2(), w, tape, dhs, dz)
}

fn backward_on(simd: bool, w: &Recurrent, tape: &Tape, dhs: &[f32], dz: &mut Vec<f32>) -> Vec<f32> {
    let (b, l, h) = (tape.frames, tape.len, tape.hidden);
    assert_eq!(h, w.hidden, "tape and weights of different hidden sizes");
    assert_eq!(dhs.len(), b * l * h, "dhs must be [B, L, H]");
    dz.clear();
    dz.resize(b * l * 4 * h, 0.0);
    let chunks = b.div_ceil(LANES);
    let mut d_hh = vec![0f32; chunks * 4 * h * h];
    if b == 0 {
        return vec![0.0; 4 * h * h];
    }
    let parts: Vec<_> = dz
        .chunks_mut(LANES * l * 4 * h)
        .zip(d_hh.chunks_mut(4 * h * h))
        .zip(dhs.chunks(LANES * l * h))
        .zip(tape.acts.chunks(l * 4 * h))
        .zip(tape.cells.chunks(l * h))
        .zip(tape.tanh_cells.chunks(l * h))
        .collect();
    pool::for_each(parts, |ci, (((((dz, d_hh), dhs), acts), cells), tanh_cells)| {
        let (frames, steps) = ((b - ci * LANES).min(LANES), tape.chunk_steps[ci]);
        #[cfg(target_arch = "x86_64")]
        if simd {
            // SAFETY: the CPU has AVX2 and FMA (checked by the caller).
            return unsafe { chunk_backward_avx2(w, l, steps, frames, acts, cells, tanh_cells, dhs, dz, d_hh) };
        }
        let _ = simd;
        chunk_backward::<Portable>(w, l, steps, frames, acts, cells, tanh_cells, dhs, dz, d_hh)
    });
    // Chunk by chunk, in order: the same sum whatever the thread count.
    let mut total = vec![0f32; 4 * h * h];
    for part in d_hh.chunks(4 * h * h) {
        for (t, &x) in total.iter_mut().zip(part) {
            *t += x;
        }
    }
    total
}

/// Runs the chunks on libtorch's own OpenMP threads when the process has them. Why: libtorch's
/// OpenMP workers keep spinning for a while after each of its parallel operations, so a second
/// pool (rayon's) working right after them competes with them for the cores: on 2 cores that
/// cost about a fifth of the epoch. Found at run time (`dlsym`), since libtorch may bring GNU or
/// Intel OpenMP (which also answers to the GNU entry point); without it, rayon.
mod pool {
    use std::ffi::{c_int, c_uint, c_void};
    use std::sync::{Mutex, OnceLock};

    type Body = unsafe extern "C" fn(*mut c_void);
    struct Omp {
        parallel: unsafe extern "C" fn(Body, *mut c_void, c_uint, c_uint),
        max_threads: unsafe extern "C" fn() -> c_int,
        thread_num: unsafe extern "C" fn() -> c_int,
        num_threads: unsafe extern "C" fn() -> c_int,
    }

    fn omp() -> Option<&'static Omp> {
        static OMP: OnceLock<Option<Omp>> = OnceLock::new();
        OMP.get_or_init(|| {
            let sym = |name: &std::ffi::CStr| {
                // SAFETY: dlsym with a NUL-terminated name; a null result means absent.
                let p = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
                (!p.is_null()).then_some(p)
            };
            let (p, m, t, n) = (sym(c"GOMP_parallel")?, sym(c"omp_get_max_threads")?, sym(c"omp_get_thread_num")?, sym(c"omp_get_num_threads")?);
            // SAFETY: the GNU OpenMP ABI's signatures of these entry points.
            unsafe {
                Some(Omp {
                    parallel: std::mem::transmute::<*mut c_void, unsafe extern "C" fn(Body, *mut c_void, c_uint, c_uint)>(p),
                    max_threads: std::mem::transmute::<*mut c_void, unsafe extern "C" fn() -> c_int>(m),
                    thread_num: std::mem::transmute::<*mut c_void, unsafe extern "C" fn() -> c_int>(t),
                    num_threads: std::mem::transmute::<*mut c_void, unsafe extern "C" fn() -> c_int>(n),
                })
            }
        })
        .as_ref()
    }

    struct Job<'a, T, F> {
        items: &'a [Mutex<Option<T>>],
        f: &'a F,
        omp: &'a Omp,
        panicked: Mutex<Option<Box<dyn std::any::Any + Send>>>,
    }

    unsafe extern "C" fn body<T, F: Fn(usize, T) + Sync>(data: *mut c_void) {
        // SAFETY: `data` is the `Job` that `for_each` keeps alive until GOMP_parallel returns.
        let job = unsafe { &*(data as *const Job<T, F>) };
        // SAFETY: called inside the parallel region.
        let (tid, nt) = unsafe { ((job.omp.thread_num)() as usize, ((job.omp.num_threads)() as usize).max(1)) };
        // A panic must not unwind into C: it is caught here and raised again after the region.
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            for i in (tid..job.items.len()).step_by(nt) {
                let item = job.items[i].lock().unwrap_or_else(|e| e.into_inner()).take();
                if let Some(item) = item {
                    (job.f)(i, item);
                }
            }
        }));
        if let Err(e) = r {
            *job.panicked.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
        }
    }

    /// Calls `f(i, item)` for every item, spread over the threads; which thread runs an item
    /// does not change its result.
    pub fn for_each<T: Send, F: Fn(usize, T) + Sync>(items: Vec<T>, f: F) {
        match omp() {
            // SAFETY: asked outside any parallel region.
            Some(omp) if items.len() > 1 && unsafe { (omp.max_threads)() } > 1 => {
                let items: Vec<Mutex<Option<T>>> = items.into_iter().map(|x| Mutex::new(Some(x))).collect();
                let job = Job { items: &items, f: &f, omp, panicked: Mutex::new(None) };
                // SAFETY: `body::<T, F>` reads `job` only during the call, which outlives it;
                // 0 threads means OpenMP's current default (libtorch's thread count).
                unsafe { (omp.parallel)(body::<T, F>, &job as *const Job<T, F> as *mut c_void, 0, 0) };
                if let Some(e) = job.panicked.into_inner().unwrap_or_else(|e| e.into_inner()) {
                    std::panic::resume_unwind(e);
                }
            }
            _ => {
                use rayon::prelude::*;
                items.into_par_iter().enumerate().for_each(|(i, x)| f(i, x));
            }
        }
    }
}

/// Gate gradients summed by bin and over the batch (see [`sum_by_bin`]).
pub struct BinSums {
    /// By row bin, `[U, 4H]`.
    pub row: Vec<f32>,
    /// By column bin, `[U, 4H]`.
    pub col: Vec<f32>,
    /// Over every step of every frame, `[4H]`.
    pub bias: Vec<f32>,
}

/// Sums the gate gradients `dz` (`[B, L, 4H]`) by the bins the projections came from: each frame's
/// steps into its row bin, each step into its column bin, and everything into the bias; in frame
/// order, so the sums do not depend on the thread count.
pub fn sum_by_bin(dz: &[f32], row: &[u32], col: &[u32], g4: usize, u: usize) -> BinSums {
    let mut s = BinSums { row: vec![0.0; u * g4], col: vec![0.0; u * g4], bias: vec![0.0; g4] };
    let l = col.len() / row.len().max(1);
    for (f, &r) in row.iter().enumerate() {
        let mut frame = vec![0f32; g4];
        for t in 0..l {
            let d = &dz[(f * l + t) * g4..(f * l + t + 1) * g4];
            let c = col[f * l + t] as usize;
            for (acc, &x) in s.col[c * g4..(c + 1) * g4].iter_mut().zip(d) {
                *acc += x;
            }
            for (acc, &x) in frame.iter_mut().zip(d) {
                *acc += x;
            }
        }
        let r = r as usize;
        for ((acc, b), &x) in s.row[r * g4..(r + 1) * g4].iter_mut().zip(s.bias.iter_mut()).zip(&frame) {
            *acc += x;
            *b += x;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The portable code and the AVX2/FMA code give the same states and gradients (up to FMA's
    /// rounding), and repeated runs give the same bits. libtorch checks the AVX2 path (net.rs).
    #[test]
    fn portable_and_simd_paths_agree_and_repeat_exactly() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let (h, l, b, u) = (5, 17, 21, 30);
        let mut r = |n: usize| (0..n).map(|_| rng.random_range(-1.0f32..1.0)).collect::<Vec<_>>();
        let (w_hh, bias, p_row, p_col, dhs) = (r(4 * h * h), r(4 * h), r(u * 4 * h), r(u * 4 * h), r(b * l * h));
        let row: Vec<u32> = (0..b as u32).map(|i| i % u as u32).collect();
        let col: Vec<u32> = (0..(b * l) as u32).map(|i| (i * 7) % u as u32).collect();
        let w = Recurrent { w_hh: &w_hh, bias: &bias, hidden: h };
        let steps: Vec<u32> = (0..b as u32).map(|f| if f % 3 == 0 { l as u32 - f % 5 } else { l as u32 }).collect();
        let x = Inputs { p_row: &p_row, p_col: &p_col, row: &row, col: &col, len: l, steps: &steps };
        let run = |simd: bool| {
            let (mut tape, mut hs, mut dz) = (Tape::default(), Vec::new(), Vec::new());
            forward_on(simd, &w, &x, &mut tape, &mut hs);
            let d_hh = backward_on(simd, &w, &tape, &dhs, &mut dz);
            (hs, dz, d_hh)
        };
        let portable = run(false);
        assert_eq!(portable, run(false), "a repeated run must give the same bits");
        if avx2() {
            let simd = run(true);
            assert_eq!(simd, run(true), "a repeated run must give the same bits");
            for (a, b) in [(&portable.0, &simd.0), (&portable.1, &simd.1), (&portable.2, &simd.2)] {
                let worst = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
                assert!(worst < 1e-5, "paths differ by {worst}");
            }
        }
        assert!(portable.0.iter().all(|v| v.abs() < 1.0) && portable.1.iter().any(|&v| v != 0.0));
    }

    #[test]
    fn the_fast_exp_is_within_a_few_ulp_over_the_range_the_gates_use() {
        let mut worst = 0f64;
        let mut x = -87.0f32;
        while x < 88.0 {
            let (got, want) = (exp(x) as f64, (x as f64).exp());
            worst = worst.max(((got - want) / want).abs());
            x += 0.0137;
        }
        assert!(worst < 4e-7, "relative error {worst}");
        assert!(sigmoid(-1000.0) < 1e-37);
        assert_eq!(sigmoid(1000.0), 1.0);
        assert!((tanh(0.3) - 0.3f32.tanh()).abs() < 1e-7);
        assert!(sigmoid(f32::NAN).is_nan(), "a NaN must not be hidden");
    }
}

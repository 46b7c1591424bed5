//! The compartment axis that `embedding_init: pca` writes into the initial representations: per
//! chromosome, one of the first principal components of the observed/expected correlation (the
//! PCA baseline's, `hiclstm::baselines::pca`), computed at a resolution coarse enough for a dense
//! matrix and spread back over the model's bins.
//!
//! Why: from intra-chromosomal contacts alone, "same compartment or not" does not change when A and
//! B swap on one chromosome, so a randomly initialised model settles on a sign per chromosome by
//! chance, and no single axis of the representations separates A from B genome-wide
//! (BENCHMARKS.md, issue 15). Starting every chromosome on the same, oriented axis (like UMAP's
//! spectral initialisation) removes that draw; training then refines the axis with everything else.

use crate::data::TrainingData;
use hiclstm::baselines::pca;
use hiclstm::error::Result;
use hiclstm::formats::bed::BedGraph;
use hiclstm::frames::ValueColumn;
use hiclstm::tables::contacts::ChromContacts;
use std::path::PathBuf;

/// Largest matrix (in coarse bins per side) of the principal component computation: 2,000 bins
/// keep it under 100 MB, and compartments span megabases, many bins at any such resolution.
pub const MAX_COARSE_BINS: usize = 2000;

/// Each chromosome's candidate axes at its coarse resolution and the one chosen.
struct ChromAxis {
    /// Model bins per coarse bin.
    f: usize,
    /// The candidates, each scaled to unit root mean square over covered coarse bins (0 where
    /// uncovered), as the eigensolver signs them.
    comps: Vec<Vec<f64>>,
    /// The chosen candidate and its sign.
    choice: usize,
    sign: f64,
    /// Per candidate: its correlation with the track, where one is given.
    track_r: Option<Vec<f64>>,
}

/// The compartment axis per bin of the model (global embedding order; see [`coarse_axis`]),
/// scaled to unit root mean square over each chromosome's covered bins, 0 where a bin is
/// uncovered; oriented by `track` (gene density, GC: A positive) where given. With `trans` (a
/// trans table), every chromosome's candidate and sign are chosen together so that the axes
/// agree through the inter-chromosomal contacts ([`choose_by_trans`]), the track (or else the
/// contacts rule) giving only the genome-wide sign. Re-reads the contacts tables once, a
/// chromosome at a time; returns the axis and, with `trans`, a line saying what it changed.
pub fn compartment_axis(
    paths: &[PathBuf],
    meta: &TrainingData,
    value: ValueColumn,
    track: Option<&[BedGraph]>,
    trans: Option<&std::path::Path>,
    seed: u64,
) -> Result<(Vec<f32>, Option<String>)> {
    let mut axes: Vec<Option<ChromAxis>> = (0..meta.chroms.len()).map(|_| None).collect();
    for p in paths {
        // The run being accumulated: chromosome index, coarsening factor, coarse bins, matrix.
        let mut cur: Option<(usize, usize, usize, Vec<f64>)> = None;
        let finish = |cur: Option<(usize, usize, usize, Vec<f64>)>, axes: &mut [Option<ChromAxis>]| {
            if let Some((ci, f, nc, m)) = cur {
                let cb = &meta.chroms[ci];
                let t = track.map(|tr| pca::bin_track(tr, &cb.name, nc, (meta.resolution as usize * f) as u32));
                axes[ci] = Some(coarse_axis(&m, nc, f, t.as_deref(), seed));
            }
        };
        hiclstm::tables::contacts::stream(p, |run| {
            let ci = meta.chroms.iter().position(|c| c.name == run.chrom).expect("chromosomes were read from these tables");
            if cur.as_ref().is_none_or(|c| c.0 != ci) {
                finish(cur.take(), &mut axes);
                let n = meta.chroms[ci].n_bins;
                let f = n.div_ceil(MAX_COARSE_BINS).max(1);
                let nc = n.div_ceil(f);
                cur = Some((ci, f, nc, vec![0.0; nc * nc]));
            }
            let (_, f, nc, m) = cur.as_mut().expect("set above");
            let vals = match value {
                ValueColumn::Value => &run.value,
                ValueColumn::Count => &run.count,
            };
            for t in 0..run.i.len() {
                if vals[t].is_finite() && vals[t] > 0.0 {
                    m[run.i[t] as usize / *f * *nc + run.j[t] as usize / *f] += vals[t];
                }
            }
            Ok(())
        })?;
        finish(cur.take(), &mut axes);
    }
    let report = match trans {
        Some(t) => Some(choose_by_trans(&mut axes, meta, t, value)?),
        None => None,
    };
    let mut out = vec![0f32; meta.chroms.iter().map(|c| c.n_bins).sum()];
    for (cb, a) in meta.chroms.iter().zip(&axes) {
        if let Some(a) = a {
            for b in 0..cb.n_bins {
                out[cb.offset + b] = (a.sign * a.comps[a.choice][b / a.f]) as f32;
            }
        }
    }
    Ok((out, report))
}

/// Chooses every chromosome's candidate and sign together from the inter-chromosomal contacts
/// of a trans table (`hiclstm-import --trans`): the A compartments of two chromosomes touch
/// more than A and B do, which intra-chromosomal contacts cannot tell, and a component that is
/// not the compartments (a gradient, one large domain) finds no partner on other chromosomes.
/// For each pair of chromosomes and each pair of candidates, the agreement is the mean over the
/// block's covered cells (at the candidates' coarse resolution) of u_i v_j (x_ij / E_ij - 1),
/// with E_ij = r_i c_j / T the independence expectation of the block (which also absorbs
/// coverage). Memory: one pair's coarse block at a time. The choice maximises the summed
/// agreement by single changes (a chromosome's candidate or sign) from the per-chromosome
/// choice and from the first components, keeping the better; the genome-wide sign then follows
/// the track where given (the sign under which the chosen axes correlate with it, weighted by
/// bins), else the per-chromosome rule's majority (weighted by bins). Pairs of chromosomes
/// outside `meta` are skipped.
fn choose_by_trans(axes: &mut [Option<ChromAxis>], meta: &TrainingData, trans: &std::path::Path, value: ValueColumn) -> Result<String> {
    let n = meta.chroms.len();
    let k = axes.iter().flatten().map(|a| a.comps.len()).max().unwrap_or(0);
    // agree[(c * n + d) * k * k + q * k + r]: chromosome c's candidate q against d's candidate r.
    let mut agree = vec![0.0f64; n * n * k * k];
    let find = |name: &str| meta.chroms.iter().position(|c| c.name == name);
    // The pair being gathered: its two chromosomes and their block summed at the candidates'
    // coarse resolution (at most MAX_COARSE_BINS squared values, whatever the map's size).
    type Block = (usize, usize, Vec<f64>);
    let mut block: Option<Block> = None;
    let finish = |b: Option<Block>, agree: &mut [f64]| {
        let Some((c1, c2, x)) = b else { return };
        let (Some(a), Some(z)) = (&axes[c1], &axes[c2]) else { return };
        let (n1, n2) = (a.comps[0].len(), z.comps[0].len());
        let (mut r, mut c) = (vec![0.0f64; n1], vec![0.0f64; n2]);
        for i in 0..n1 {
            for j in 0..n2 {
                r[i] += x[i * n2 + j];
                c[j] += x[i * n2 + j];
            }
        }
        let total: f64 = r.iter().sum();
        let cells = (r.iter().filter(|&&v| v > 0.0).count() * c.iter().filter(|&&v| v > 0.0).count()) as f64;
        if total <= 0.0 {
            return;
        }
        // Y = X / E over the block; then u^T Y v for every pair of candidates.
        let y: Vec<f64> = (0..n1 * n2).map(|t| if x[t] > 0.0 { x[t] * total / (r[t / n2] * c[t % n2]) } else { 0.0 }).collect();
        for (q, u) in a.comps.iter().enumerate() {
            let mut uy = vec![0.0f64; n2];
            for i in (0..n1).filter(|&i| u[i] != 0.0) {
                for j in 0..n2 {
                    uy[j] += u[i] * y[i * n2 + j];
                }
            }
            let su: f64 = (0..n1).filter(|&i| r[i] > 0.0).map(|i| u[i]).sum();
            for (w, v) in z.comps.iter().enumerate() {
                let observed: f64 = (0..n2).map(|j| uy[j] * v[j]).sum();
                let sv: f64 = (0..n2).filter(|&j| c[j] > 0.0).map(|j| v[j]).sum();
                let s = (observed - su * sv) / cells;
                agree[(c1 * n + c2) * k * k + q * k + w] += s;
                agree[(c2 * n + c1) * k * k + w * k + q] += s;
            }
        }
    };
    hiclstm::tables::trans::stream(trans, |run| {
        let (Some(c1), Some(c2)) = (find(&run.chrom1), find(&run.chrom2)) else { return Ok(()) };
        if block.as_ref().is_none_or(|b| (b.0, b.1) != (c1, c2)) {
            finish(block.take(), &mut agree);
            let size = |c: usize| axes[c].as_ref().map_or(0, |a| a.comps[0].len());
            block = Some((c1, c2, vec![0.0; size(c1) * size(c2)]));
        }
        let x = &mut block.as_mut().expect("set above").2;
        let vals = match value {
            ValueColumn::Value => &run.value,
            ValueColumn::Count => &run.count,
        };
        for t in 0..run.i.len() {
            let (i, j) = (run.i[t] as usize, run.j[t] as usize);
            if i >= meta.chroms[c1].n_bins || j >= meta.chroms[c2].n_bins {
                return Err(hiclstm::error::Error::schema(
                    trans,
                    format!("pixel ({i}, {j}) of {} x {} lies beyond the chromosomes of the contacts tables", run.chrom1, run.chrom2),
                ));
            }
            if let (Some(a), Some(z)) = (&axes[c1], &axes[c2]) {
                if vals[t].is_finite() && vals[t] > 0.0 {
                    x[i / a.f * z.comps[0].len() + j / z.f] += vals[t];
                }
            }
        }
        Ok(())
    })?;
    finish(block.take(), &mut agree);
    // A state: per chromosome (candidate, sign); chromosomes without an axis stay (0, +1).
    let score = |st: &[(usize, f64)]| -> f64 {
        let mut t = 0.0;
        for c in 0..n {
            for d in c + 1..n {
                t += st[c].1 * st[d].1 * agree[(c * n + d) * k * k + st[c].0 * k + st[d].0];
            }
        }
        t
    };
    let ascend = |mut st: Vec<(usize, f64)>| {
        let mut best = score(&st);
        loop {
            let mut improved = false;
            for c in 0..n {
                let Some(a) = &axes[c] else { continue };
                for q in 0..a.comps.len() {
                    for sgn in [1.0, -1.0] {
                        let old = st[c];
                        st[c] = (q, sgn);
                        let v = score(&st);
                        if v > best + 1e-12 * best.abs().max(1e-300) {
                            best = v;
                            improved = true;
                        } else {
                            st[c] = old;
                        }
                    }
                }
            }
            if !improved {
                return (best, st);
            }
        }
    };
    let before: Vec<(usize, f64)> = axes.iter().map(|a| a.as_ref().map_or((0, 1.0), |a| (a.choice, a.sign))).collect();
    let (s1, st1) = ascend(before.clone());
    let (s2, st2) = ascend(axes.iter().map(|a| a.as_ref().map_or((0, 1.0), |a| (0, a.sign))).collect());
    let mut st = if s2 > s1 { st2 } else { st1 };
    // The genome-wide sign: the track's, else the per-chromosome rule's majority.
    let vote: f64 = (0..n)
        .filter_map(|c| axes[c].as_ref().map(|a| (c, a)))
        .map(|(c, a)| {
            let w = meta.chroms[c].n_bins as f64;
            match &a.track_r {
                Some(r) => w * st[c].1 * r[st[c].0],
                None => w * st[c].1 * a.sign,
            }
        })
        .sum();
    if vote < 0.0 {
        st.iter_mut().for_each(|x| x.1 = -x.1);
    }
    let mut changed = Vec::new();
    for c in 0..n {
        if let Some(a) = axes[c].as_mut() {
            if (a.choice, a.sign) != st[c] {
                changed.push(format!("{}: component {} {} -> {} {}", meta.chroms[c].name, a.choice + 1, sign_str(a.sign), st[c].0 + 1, sign_str(st[c].1)));
            }
            (a.choice, a.sign) = st[c];
        }
    }
    Ok(if changed.is_empty() {
        format!("trans contacts: every chromosome's axis kept (agreement {:.4})", score(&st))
    } else {
        format!("trans contacts: agreement {:.4} -> {:.4}; {}", score(&before), score(&st), changed.join(", "))
    })
}

fn sign_str(s: f64) -> &'static str {
    if s < 0.0 {
        "turned over"
    } else {
        "as is"
    }
}

/// Principal components of the observed/expected correlation that may be the compartment axis:
/// the first three (PC1 is not always it: a strong gradient or a large domain can come first).
const CANDIDATES: usize = 3;

/// The compartment axis of a coarse upper-triangular matrix `m` (`nc` x `nc`), scaled to unit
/// root mean square (uncovered bins 0). With a track: the candidate that correlates most with
/// it, oriented to correlate positively (as cooltools phases eigenvectors). Without: the candidate
/// with the strongest checkerboard (observed/expected correlated with same side or not), oriented
/// so that the end (a third of the bins) whose contacts among themselves are the more enriched is
/// positive (A-A over B-B, as in most cell types and in `hiclstm-simulate`).
fn coarse_axis(m: &[f64], nc: usize, f: usize, track: Option<&[f64]>, seed: u64) -> ChromAxis {
    let mut c = ChromContacts { chrom: String::new(), ..Default::default() };
    for i in 0..nc {
        for j in i..nc {
            let v = m[i * nc + j];
            if v > 0.0 {
                c.i.push(i as u32);
                c.j.push(j as u32);
                c.count.push(v);
                c.value.push(v);
            }
        }
    }
    let k = CANDIDATES.min(nc);
    let (scores, observed, _) = pca::chromosome(&c, nc, k, false, None, seed);
    let comps: Vec<Vec<f64>> = (0..k).map(|q| (0..nc).map(|b| scores[b * k + q] as f64).collect()).collect();
    let idx: Vec<usize> = (0..nc).filter(|&b| observed[b]).collect();
    if idx.len() < 2 {
        return ChromAxis { f, comps: vec![vec![0.0; nc]], choice: 0, sign: 1.0, track_r: None };
    }
    // Observed/expected of covered pairs, with the PCA baseline's expected.
    let expected = pca::expected_by_distance(m, nc, &idx);
    let oe = |i: usize, j: usize| {
        let e = expected[j - i];
        if e > 0.0 {
            m[i * nc + j] / e
        } else {
            0.0
        }
    };
    // Mean observed/expected among pairs of the top third of bins along `v` and among pairs of
    // the bottom third: the extremes, because a component's zero need not fall on the boundary.
    let ends = |v: &[f64]| -> (f64, f64) {
        let mut sorted: Vec<f64> = idx.iter().map(|&b| v[b]).collect();
        sorted.sort_by(f64::total_cmp);
        let (lo, hi) = (sorted[sorted.len() / 3], sorted[sorted.len() * 2 / 3]);
        let mut acc = [(0.0f64, 0.0f64); 2];
        for (a, &i) in idx.iter().enumerate() {
            for &j in &idx[a + 1..] {
                let side = match (v[i], v[j]) {
                    (x, y) if x >= hi && y >= hi => 0,
                    (x, y) if x <= lo && y <= lo => 1,
                    _ => continue,
                };
                acc[side].0 += oe(i, j);
                acc[side].1 += 1.0;
            }
        }
        let mean = |x: (f64, f64)| if x.1 > 0.0 { x.0 / x.1 } else { 0.0 };
        (mean(acc[0]), mean(acc[1]))
    };
    // Checkerboard strength: correlation of observed/expected with "same side" (+1) or "across"
    // (-1) over covered pairs; a component with nearly all bins on one side scores low, however
    // enriched that side.
    let strength = |v: &[f64]| {
        let mut pairs = Vec::with_capacity(idx.len() * (idx.len() - 1) / 2);
        for (a, &i) in idx.iter().enumerate() {
            for &j in &idx[a + 1..] {
                pairs.push((oe(i, j), if (v[i] > 0.0) == (v[j] > 0.0) { 1.0 } else { -1.0 }));
            }
        }
        hiclstm::metrics::pearson(&pairs).unwrap_or(0.0)
    };
    // Each candidate scored once: (how well it fits, whether to turn it over).
    let scored: Vec<(f64, bool)> = comps
        .iter()
        .map(|v| match track {
            Some(t) => {
                let pairs: Vec<(f64, f64)> = idx.iter().filter(|&&b| t[b].is_finite()).map(|&b| (v[b], t[b])).collect();
                let r = hiclstm::metrics::pearson(&pairs).unwrap_or(0.0);
                (r.abs(), r < 0.0)
            }
            None => (strength(v), false),
        })
        .collect();
    let best = (0..k).max_by(|&a, &b| scored[a].0.total_cmp(&scored[b].0)).unwrap_or(0);
    let flip = match track {
        Some(_) => scored[best].1,
        None => {
            let (top, bottom) = ends(&comps[best]);
            top < bottom
        }
    };
    // Scaled, not centred: the sign of each bin's score is its compartment.
    let comps: Vec<Vec<f64>> = comps
        .into_iter()
        .map(|v| {
            let rms = (idx.iter().map(|&b| v[b] * v[b]).sum::<f64>() / idx.len() as f64).sqrt();
            (0..nc).map(|b| if observed[b] && rms > 0.0 { v[b] / rms } else { 0.0 }).collect()
        })
        .collect();
    let track_r = track.map(|_| scored.iter().map(|x| if x.1 { -x.0 } else { x.0 }).collect());
    ChromAxis { f, comps, choice: best, sign: if flip { -1.0 } else { 1.0 }, track_r }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use hiclstm::simulate::{write_outputs, SimParams, WriteOptions};

    /// AuROC of `score` for `positive` (the project's metric).
    fn auroc(score: &[f32], positive: &[bool]) -> f64 {
        hiclstm::metrics::auroc(&score.iter().map(|&x| x as f64).collect::<Vec<_>>(), positive).expect("both classes")
    }

    /// The toy genome of `seed` written to `d`: its contacts table, the training data read from
    /// it and the simulated chromosomes (with their truth).
    pub(crate) fn toy(d: &std::path::Path, seed: u64) -> (Vec<PathBuf>, TrainingData, Vec<hiclstm::simulate::SimChrom>) {
        let p = SimParams { seed, ..SimParams::preset(hiclstm::presets::SimulatePreset::Toy) };
        write_outputs(&p, &WriteOptions { prefix: d.join("toy"), force: false, pairs: false, juicer_text: false }).unwrap();
        let paths = vec![d.join("toy.contacts.parquet")];
        let meta = crate::data::load(&paths).unwrap();
        (paths, meta, hiclstm::simulate::simulate(&p).unwrap())
    }

    /// A trans table `d/name` between the two chromosomes of `meta`, sparse like real trans
    /// maps: a pixel where a hash of (i, j) says so, more often within one compartment of
    /// `truth` than across (130 against 70 per 1,000 cells); `flip` makes chromosome 2's A look
    /// like B. Returns the table and its number of pixels.
    pub(crate) fn trans_table(d: &std::path::Path, meta: &TrainingData, truth: &[Vec<bool>], name: &str, flip: bool) -> (PathBuf, usize) {
        use hiclstm::formats::Pixel;
        use hiclstm::tables::{trans::TransWriter, Meta, TableKind};
        let mut m = Meta::new(TableKind::Trans.schema());
        m.set("resolution", 50_000);
        let path = d.join(name);
        let mut w = TransWriter::create(&path, &m, false).unwrap();
        let (a, b) = (&meta.chroms[0], &meta.chroms[1]);
        let px: Vec<Pixel> = (0..a.n_bins as u32)
            .flat_map(|i| (0..b.n_bins as u32).map(move |j| (i, j)))
            .filter(|&(i, j)| {
                let same = (truth[0][i as usize] == truth[1][j as usize]) != flip;
                ((i as u64 * 2_654_435_761 + j as u64 * 40_503) % 1000) < if same { 130 } else { 70 }
            })
            .map(|(i, j)| Pixel { i, j, count: 1.0 })
            .collect();
        w.write(&a.name, &b.name, &px, None, None).unwrap();
        w.finish().unwrap().commit(false).unwrap();
        (path, px.len())
    }

    /// A track higher in B than in A (the opposite of gene density), at the toy genome's 50 kb.
    fn b_high_track(meta: &crate::data::TrainingData, sims: &[hiclstm::simulate::SimChrom]) -> Vec<BedGraph> {
        meta.chroms
            .iter()
            .zip(sims)
            .flat_map(|(cb, sim)| {
                sim.compartments.iter().enumerate().map(move |(b, &s)| BedGraph {
                    chrom: cb.name.clone(),
                    start: b as u64 * 50_000,
                    end: (b as u64 + 1) * 50_000,
                    value: -(s as f64),
                })
            })
            .collect()
    }

    /// On the simulated genome the axis puts A positive and B negative on every chromosome, from
    /// the contacts alone; a track that says otherwise turns it over.
    #[test]
    fn the_compartment_axis_has_one_sign_on_every_chromosome() {
        // The genomes of seeds 1-3 (the demo's): on one of them PC1 is not the compartments, and on
        // another the first component's zero is far from the A/B boundary.
        for seed in 1..=3 {
            let dir = tempfile::tempdir().unwrap();
            let (paths, meta, sims) = toy(dir.path(), seed);
            let axis = compartment_axis(&paths, &meta, ValueColumn::Value, None, None, 0).unwrap().0;
            for (cb, sim) in meta.chroms.iter().zip(&sims) {
                let a: Vec<bool> = sim.compartments.iter().map(|&s| s > 0).collect();
                let r = auroc(&axis[cb.offset..cb.offset + cb.n_bins], &a);
                assert!(r > 0.95, "seed {seed}, {}: A against B along the axis, AuROC {r}", cb.name);
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let (paths, meta, sims) = toy(dir.path(), SimParams::preset(hiclstm::presets::SimulatePreset::Toy).seed);
        // A track higher in B than in A (the opposite of gene density) orients the axis B-positive.
        let track = b_high_track(&meta, &sims);
        let flipped = compartment_axis(&paths, &meta, ValueColumn::Value, Some(&track), None, 0).unwrap().0;
        for (cb, sim) in meta.chroms.iter().zip(&sims) {
            let a: Vec<bool> = sim.compartments.iter().map(|&s| s > 0).collect();
            let r = auroc(&flipped[cb.offset..cb.offset + cb.n_bins], &a);
            assert!(r < 0.05, "{}: with a B-high track, A against B along the axis, AuROC {r}", cb.name);
        }
    }

    /// A trans table whose A-A and B-B blocks are richer than A-B turns a chromosome whose axis
    /// has the wrong sign back, keeps agreeing axes, and leaves the genome-wide sign to the track.
    #[test]
    fn trans_contacts_give_every_chromosome_the_same_sign() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (paths, meta, sims) = toy(d, SimParams::preset(hiclstm::presets::SimulatePreset::Toy).seed);
        let truth: Vec<Vec<bool>> = sims.iter().map(|s| s.compartments.iter().map(|&c| c > 0).collect()).collect();
        let write = |name: &str, flip: bool| trans_table(d, &meta, &truth, name, flip).0;
        let auroc_of = |ax: &[f32], c: usize| auroc(&ax[meta.chroms[c].offset..meta.chroms[c].offset + meta.chroms[c].n_bins], &truth[c]);
        let plain = compartment_axis(&paths, &meta, ValueColumn::Value, None, None, 0).unwrap().0;
        // Agreeing trans contacts keep the right axes.
        let (same, report) = compartment_axis(&paths, &meta, ValueColumn::Value, None, Some(&write("t.trans.parquet", false)), 0).unwrap();
        assert!(report.unwrap().contains("kept"));
        assert_eq!(same, plain);
        // Trans contacts that say chromosome 2's A is the other chromosome's B: the two axes are
        // made to agree with them; the larger chromosome keeps the contacts rule's sign.
        let (turned, report) = compartment_axis(&paths, &meta, ValueColumn::Value, None, Some(&write("u.trans.parquet", true)), 0).unwrap();
        let report = report.unwrap();
        let big = if meta.chroms[0].n_bins >= meta.chroms[1].n_bins { 0 } else { 1 };
        assert!(report.contains(&format!("{}: component", meta.chroms[1 - big].name)) && report.contains("turned over"), "{report}");
        assert!(auroc_of(&turned, big) > 0.95 && auroc_of(&turned, 1 - big) < 0.05, "{report}");
        // With a track, the track sets the genome-wide sign: one that is high in B turns both over.
        let track = b_high_track(&meta, &sims);
        let (both, _) = compartment_axis(&paths, &meta, ValueColumn::Value, Some(&track), Some(&write("v.trans.parquet", false)), 0).unwrap();
        assert!(auroc_of(&both, 0) < 0.05 && auroc_of(&both, 1) < 0.05);
    }
}

//! SCI-like baseline: LINE graph embedding (Tang et al. 2015) of the contact graph, as SCI
//! (Ashoor et al. 2020) does for subcompartments. Nodes are bins, edges are observed pixels off
//! the diagonal weighted by observed/expected; half of the K dimensions come from first-order
//! proximity (linked bins get similar vectors), half from second-order proximity (bins with
//! similar neighbourhoods get similar vectors); each half is L2-normalised, as in LINE.
//! Edges are sampled in proportion to their weight (alias method), negatives from the degree^0.75
//! distribution; plain sequential SGD with a linearly decaying rate, so runs are deterministic.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Walker's alias table over `w` (non-negative, not all zero).
struct Alias {
    prob: Vec<f64>,
    alias: Vec<usize>,
}

impl Alias {
    fn new(w: &[f64]) -> Alias {
        let n = w.len();
        let total: f64 = w.iter().sum();
        let mut prob: Vec<f64> = w.iter().map(|x| x * n as f64 / total).collect();
        let mut alias = vec![0; n];
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&k| prob[k] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            alias[s] = l;
            prob[l] -= 1.0 - prob[s];
            if prob[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for k in large.into_iter().chain(small) {
            prob[k] = 1.0;
        }
        Alias { prob, alias }
    }
    fn sample(&self, rng: &mut ChaCha8Rng) -> usize {
        let k = rng.random_range(0..self.prob.len());
        if rng.random::<f64>() < self.prob[k] {
            k
        } else {
            self.alias[k]
        }
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x.clamp(-30.0, 30.0)).exp())
}

/// LINE embedding of a graph of `n` nodes; returns `n x dim` row-major, first-order in the first
/// `dim / 2` columns, second-order in the rest. `samples_per_edge` sets the training length.
pub fn embed(n: usize, edges: &[(u32, u32, f64)], dim: usize, samples_per_edge: usize, seed: u64) -> Vec<f32> {
    let d1 = dim / 2;
    let d2 = dim - d1;
    let mut out = vec![0f32; n * dim];
    if edges.is_empty() || n == 0 {
        return out;
    }
    let mut degree = vec![0.0; n];
    for &(a, b, w) in edges {
        degree[a as usize] += w;
        degree[b as usize] += w;
    }
    let edge_table = Alias::new(&edges.iter().map(|e| e.2).collect::<Vec<_>>());
    let neg_table = Alias::new(&degree.iter().map(|d: &f64| d.powf(0.75)).collect::<Vec<_>>());
    let total = edges.len() * samples_per_edge;
    for (order, d, col) in [(1, d1, 0usize), (2, d2, d1)] {
        if d == 0 {
            continue;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_add(order as u64));
        let init = 0.5 / d as f32;
        let mut u: Vec<f32> = (0..n * d).map(|_| (rng.random::<f32>() - 0.5) * 2.0 * init).collect();
        let mut ctx = vec![0f32; n * d];
        let mut grad = vec![0f32; d];
        for step in 0..total {
            let lr = 0.025 * (1.0 - step as f32 / total as f32).max(1e-4);
            let e = edges[edge_table.sample(&mut rng)];
            // Undirected: either end may be the source.
            let (src, dst) = if rng.random::<bool>() { (e.0 as usize, e.1 as usize) } else { (e.1 as usize, e.0 as usize) };
            grad.iter_mut().for_each(|g| *g = 0.0);
            // The source vector as it was before this sample's updates (as in LINE).
            let us: Vec<f32> = u[src * d..(src + 1) * d].to_vec();
            // First order pairs vertex vectors with vertex vectors, second order with contexts.
            let table = if order == 1 { &mut u } else { &mut ctx };
            for k in 0..=5 {
                let (target, label) = if k == 0 { (dst, 1.0f32) } else { (neg_table.sample(&mut rng), 0.0) };
                if k > 0 && target == dst {
                    continue;
                }
                let tv = &mut table[target * d..(target + 1) * d];
                let dot: f32 = us.iter().zip(tv.iter()).map(|(a, b)| a * b).sum();
                let g = (label - sigmoid(dot)) * lr;
                for t in 0..d {
                    grad[t] += g * tv[t];
                    tv[t] += g * us[t];
                }
            }
            for t in 0..d {
                u[src * d + t] += grad[t];
            }
        }
        for r in 0..n {
            let norm = (0..d).map(|t| u[r * d + t].powi(2)).sum::<f32>().sqrt();
            for t in 0..d {
                out[r * dim + col + t] = if norm > 0.0 { u[r * d + t] / norm } else { 0.0 };
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_cliques_separate() {
        // Two 6-node cliques joined by one weak edge: first-order vectors of one clique agree.
        let mut edges = Vec::new();
        for base in [0u32, 6] {
            for a in 0..6 {
                for b in a + 1..6 {
                    edges.push((base + a, base + b, 1.0));
                }
            }
        }
        edges.push((0, 6, 0.05));
        let v = embed(12, &edges, 8, 2000, 3);
        let cos = |a: usize, b: usize| (0..4).map(|t| v[a * 8 + t] * v[b * 8 + t]).sum::<f32>();
        let within: f32 = (1..6).map(|b| cos(1, b)).sum::<f32>() / 5.0;
        let across: f32 = (6..12).map(|b| cos(1, b)).sum::<f32>() / 6.0;
        assert!(within > across + 0.3, "within {within} across {across}");
        assert_eq!(v, embed(12, &edges, 8, 2000, 3), "deterministic");
    }
}

/// Options of the SCI-like (LINE) baseline, `hiclstm-baseline sci`.
#[derive(Debug, Clone)]
pub struct SciOptions {
    /// Contacts table; a bins table beside it gives the chromosome ends.
    pub contacts: std::path::PathBuf,
    /// Number of dimensions K: K/2 first-order and the rest second-order (at least 1).
    pub k: usize,
    /// Output representations table (.parquet).
    pub output: std::path::PathBuf,
    /// Overwrite an existing output.
    pub force: bool,
    /// Seed of the initialisation and edge/negative sampling; runs are deterministic.
    pub seed: u64,
    /// Use raw counts instead of the normalized value for the edge weights.
    pub raw: bool,
    /// Training length: edge samples per edge.
    pub samples_per_edge: usize,
    /// Trans table (`hiclstm-import --trans`): embed one genome-wide graph whose inter-chromosomal
    /// edges tie the chromosomes' vectors together (as SCI does), instead of one graph per
    /// chromosome.
    pub trans: Option<std::path::PathBuf>,
}

/// Writes the SCI-like representations of every chromosome of a contacts table: one graph per
/// chromosome, or with `trans` one genome-wide graph.
pub fn run(o: &SciOptions) -> crate::error::Result<()> {
    if o.samples_per_edge == 0 {
        return Err(crate::error::Error::InvalidArgument("--samples-per-edge must be at least 1 (0 would write untrained vectors)".into()));
    }
    let params = serde_json::json!({"contacts": o.contacts, "k": o.k, "raw": o.raw, "seed": o.seed, "samples_per_edge": o.samples_per_edge, "trans": o.trans});
    if let Some(t) = &o.trans {
        // Checked before the contacts are read.
        crate::tables::TableReader::open(t, crate::tables::TableKind::Trans.schema())?;
        return super::genome_wide(&o.contacts, &o.output, o.force, o.k, "sci", params, |chroms, n_bins, _| {
            let offsets: Vec<usize> = n_bins.iter().scan(0, |acc, &n| Some(std::mem::replace(acc, *acc + n))).collect();
            let total = n_bins.iter().sum::<usize>();
            let mut edges = Vec::new();
            for ((c, &n), &off) in chroms.iter().zip(n_bins).zip(&offsets) {
                edges.extend(super::pca::oe_edges(c, n, o.raw).into_iter().map(|(i, j, w)| (i + off as u32, j + off as u32, w)));
            }
            let cis = edges.len();
            trans_edges(t, chroms, n_bins, &offsets, o.raw, &mut edges)?;
            crate::log::info(&format!("genome-wide LINE on {total} bins, {cis} intra- and {} inter-chromosomal edges", edges.len() - cis));
            let all = embed(total, &edges, o.k, o.samples_per_edge, o.seed);
            let mut observed = vec![false; total];
            for e in &edges {
                observed[e.0 as usize] = true;
                observed[e.1 as usize] = true;
            }
            Ok(offsets.iter().zip(n_bins).map(|(&off, &n)| (all[off * o.k..(off + n) * o.k].to_vec(), observed[off..off + n].to_vec())).collect())
        });
    }
    super::per_chromosome(&o.contacts, &o.output, o.force, o.k, "sci", params, |c, n, _| {
        let edges = super::pca::oe_edges(c, n, o.raw);
        let mut observed = vec![false; n];
        for e in &edges {
            observed[e.0 as usize] = true;
            observed[e.1 as usize] = true;
        }
        crate::log::info(&format!("{}: LINE on {} bins and {} edges", c.chrom, n, edges.len()));
        Ok((embed(n, &edges, o.k, o.samples_per_edge, o.seed), observed))
    })
}

/// Appends the inter-chromosomal edges of a trans table between chromosomes of `chroms` (global
/// node numbers through `offsets`), weighted by observed/expected with the expectation of each
/// pair's block r_i c_j / T (the block's coverage and total; about 1 on average, as the
/// intra-chromosomal edges' observed/expected by distance).
fn trans_edges(
    path: &std::path::Path,
    chroms: &[crate::tables::contacts::ChromContacts],
    n_bins: &[usize],
    offsets: &[usize],
    raw: bool,
    edges: &mut Vec<(u32, u32, f64)>,
) -> crate::error::Result<()> {
    let find = |name: &str| chroms.iter().position(|c| c.chrom == name);
    crate::tables::trans::for_each_pair(path, find, n_bins, raw, |a, z, px| {
        let (r, c, total) = crate::tables::trans::marginals(px, n_bins[a], n_bins[z]);
        edges.extend(
            px.iter().map(|&(i, j, x)| ((offsets[a] + i as usize) as u32, (offsets[z] + j as usize) as u32, x * total / (r[i as usize] * c[j as usize]))),
        );
        Ok(())
    })
}

//! Per-site knockouts, as the paper averages them: each site is edited alone on the otherwise
//! unedited genome, and the change of its predicted contacts is summarised by distance (the
//! site effects table; its mean over sites is the paper's Fig. 8b). Knocking all sites out at
//! once instead lets neighbouring sites compound (at 10 kb CTCF sites are often a few bins
//! apart) and, for deletions, shifts the frame phase of everything downstream.
//!
//! Only the frames that can see a site are decoded again. A frame is one row i of the upper
//! triangle cut into L steps, and its input is (row, column) representation pairs; with the
//! frame head every output of a frame depends on all its steps. So for an in-place edit (zero
//! or mean) of site s the changed frames are row s's and, in each row i in [s - max_d, s), the
//! one frame holding column s; for a deletion, in each row i < s within reach, the frames from
//! the one holding column s onwards (their columns move up by one); rows after s are unchanged.
//! The wild type of the rows near a group of sites is decoded once into a small cache, so the
//! work of a site is about max_d frames, and memory holds one group's cache and one batch.

use crate::perturb::{observed_neighbour_mean, PerturbOptions};
use hiclstm::edits::KnockoutMethod;
use hiclstm::error::{Error, Result};
use hiclstm::formats::bed::read_placed;
use hiclstm::frames::Frames;
use hiclstm::output::OutputSet;
use hiclstm::outputs;
use hiclstm::tables::representations::ChromRepresentations;
use hiclstm::tables::site_effects::SiteEffect;

/// Frames decoded per forward pass.
const BATCH: usize = 2048;
/// Default largest distance of a per-site knockout (bp): frames reach it, and the paper's
/// profiles (Fig. 8b) fall to nothing well within it.
pub const DEFAULT_MAX_DISTANCE: u64 = 2_000_000;

/// How each site is edited.
enum Method {
    /// The site's representation is replaced (zeros, or the mean of its trained neighbours up to
    /// the given number of bins either side): the site's own pixels are compared.
    InPlace(KnockoutMethod, usize),
    /// The site is deleted: the pixels spanning it are compared.
    Delete,
}

/// What a run did: sites edited, frames decoded, and the mean change over sites by distance
/// (NaN where no site has a compared pixel at that distance).
#[derive(Debug, Clone)]
pub struct Summary {
    /// Sites edited (one per bin).
    pub sites: usize,
    /// Frames decoded (wild type and edited).
    pub frames: u64,
    /// Mean over sites of each site's mean difference, by distance in bins (0..=max_d).
    pub profile: Vec<f64>,
    /// Sites with a compared pixel at each distance.
    pub sites_at: Vec<u32>,
}

/// The sites of each chromosome: bins (sorted, one per bin) of the features whose middle lies
/// in the window, whose representation was trained.
fn sites_by_chrom(o: &PerturbOptions, reps_path: &std::path::Path, reps: &[ChromRepresentations], resolution: u32) -> Result<Vec<Vec<usize>>> {
    let path = o.edit.sites.as_deref().ok_or_else(|| Error::InvalidArgument("a knockout needs --sites BED".into()))?;
    let g = hiclstm::tables::representations::bin_map(reps, resolution);
    let (feats, other) = read_placed(path, &g)?;
    let mut by: Vec<Vec<usize>> = vec![vec![]; reps.len()];
    let (mut outside, mut untrained) = (0usize, 0usize);
    if let Some(w) = &o.edit.window {
        if !reps.iter().any(|c| c.chrom == w.chrom) {
            return Err(Error::not_in_input(
                reps_path,
                format!("window chromosome '{}'", w.chrom),
                reps.iter().map(|c| c.chrom.as_str()).collect::<Vec<_>>().join(", "),
            ));
        }
    }
    for f in &feats {
        let mid = (f.start + f.end) / 2;
        let c = &reps[f.chrom];
        let inside = o.edit.window.as_ref().is_none_or(|w| w.chrom == c.chrom && mid >= w.start && w.end.is_none_or(|e| mid < e));
        let b = g.bin_of(mid);
        if !inside || b >= c.n_bins() {
            outside += 1;
        } else if !c.observed[b] {
            // A vector never trained (a bin without contacts) is noise: editing it says nothing.
            untrained += 1;
        } else {
            by[f.chrom].push(b);
        }
    }
    for v in &mut by {
        v.sort_unstable();
        v.dedup();
    }
    let n: usize = by.iter().map(Vec::len).sum();
    let window = o.edit.window.as_ref().map(|w| format!(" in {w}")).unwrap_or_default();
    hiclstm::log::info(&format!(
        "{}: {n} site bins{window} ({} features; {other} on chromosomes without representations, {outside} outside the window, {untrained} on bins never trained, left out)",
        path.display(),
        feats.len() as u64 + other
    ));
    if n == 0 {
        return Err(Error::InvalidArgument(format!("{}: no site{window} lies on a trained bin of the representations", path.display())));
    }
    Ok(by)
}

/// Running sums of one site's compared pixels, by distance.
#[derive(Clone)]
struct Acc {
    wt: Vec<f64>,
    mutant: Vec<f64>,
    n: Vec<u32>,
}

/// Frames waiting to be decoded, with what each step measures.
struct Pending {
    frames: Frames,
    /// Per frame: index of its site in the group, and its reference row.
    site: Vec<(u32, u32)>,
    /// Per step: the reference column, and whether the pixel is compared.
    ref_col: Vec<u32>,
    compared: Vec<bool>,
}

impl Pending {
    fn new(l: usize) -> Pending {
        Pending { frames: Frames { len: l, ..Default::default() }, site: vec![], ref_col: vec![], compared: vec![] }
    }

    /// One frame of reference row `row` for site `x`: decoder row index `dec_row`, and per step
    /// (reference column, decoder column, compared); padded to L.
    fn push(&mut self, x: u32, row: u32, dec_row: u32, steps: impl Iterator<Item = (u32, u32, bool)>) {
        let l = self.frames.len;
        let mut k = 0;
        for (rc, dc, cmp) in steps {
            self.frames.col.push(dc);
            self.frames.mask.push(1.0);
            self.ref_col.push(rc);
            self.compared.push(cmp);
            k += 1;
        }
        debug_assert!(k > 0 && k <= l);
        for _ in k..l {
            self.frames.col.push(dec_row);
            self.frames.mask.push(0.0);
            self.ref_col.push(row);
            self.compared.push(false);
        }
        self.frames.target.extend(std::iter::repeat_n(0.0, l));
        self.frames.chrom.push(0);
        self.frames.row.push(dec_row);
        self.site.push((x, row));
    }
}

/// One chromosome's wild type near a group of sites: predictions of rows `lo..hi`, distances
/// `0..=max_d`.
struct WtCache {
    lo: usize,
    w: usize,
    p: Vec<f32>,
}

impl WtCache {
    fn get(&self, i: u32, j: u32) -> f32 {
        self.p[(i as usize - self.lo) * self.w + (j - i) as usize]
    }
}

/// Decodes the pending frames and adds their compared pixels to the sites' sums.
fn flush(decoder: &crate::net::Decoder, reps: &tch::Tensor, p: &mut Pending, wt: &WtCache, acc: &mut [Acc], frames: &mut u64) {
    if p.frames.n() == 0 {
        return;
    }
    let l = p.frames.len;
    let pred = crate::net::predict_frames(decoder, reps, &p.frames, BATCH);
    for (q, &(x, row)) in p.site.iter().enumerate() {
        for g in q * l..(q + 1) * l {
            if p.compared[g] {
                let j = p.ref_col[g];
                let d = (j - row) as usize;
                let a = &mut acc[x as usize];
                a.wt[d] += wt.get(row, j) as f64;
                a.mutant[d] += pred[g] as f64;
                a.n[d] += 1;
            }
        }
    }
    *frames += p.frames.n() as u64;
    *p = Pending::new(l);
}

/// What every chromosome's edits share: the decoder and its device, K, the edit, the largest
/// distance compared (bins) and how rows are cut into frames (as in training, whatever is
/// compared; its `n` is set per chromosome).
struct Job<'a> {
    decoder: &'a crate::net::Decoder,
    device: tch::Device,
    k: usize,
    method: Method,
    max_d: u32,
    cut: crate::predict::RowCut,
}

/// Site effects of one chromosome's sites (sorted bins).
fn chrom_effects(job: &Job, c: &ChromRepresentations, sites: &[usize], frames: &mut u64) -> Vec<SiteEffect> {
    let Job { decoder, device, k, ref method, max_d, cut } = *job;
    let n = c.n_bins();
    let (cut, l) = (crate::predict::RowCut { n: n as u32, ..cut }, cut.len);
    // The last column of row i's frames in a genome of `cols` bins (the edited genome's may have
    // one bin less).
    let row_end = |i: usize, cols: usize| crate::predict::RowCut { n: cols as u32, ..cut }.row_end(i as u32, max_d) as usize;
    let w = max_d as usize + 1;
    // In-place edits: one extra row per site holds its replacement, so that every site's frames
    // go through one tensor (site x is row n + x).
    let mut values = c.values.clone();
    if let Method::InPlace(m, neighbours) = method {
        for &s in sites {
            match m {
                KnockoutMethod::Mean => values.extend(observed_neighbour_mean(c, k, s, *neighbours)),
                _ => values.extend(std::iter::repeat_n(0.0, k)),
            }
        }
    }
    let rows = values.len() / k;
    let reps = tch::Tensor::from_slice(&values).reshape([rows as i64, k as i64]).to(device);
    let wt_reps = reps.narrow(0, 0, n as i64);
    let mut out = Vec::new();
    // Groups of nearby sites share one wild-type cache of about `span` rows.
    let span = (4 * w).max(4096);
    let mut g0 = 0;
    while g0 < sites.len() {
        let mut g1 = g0 + 1;
        while g1 < sites.len() && sites[g1] - sites[g0] + w <= span {
            g1 += 1;
        }
        let group = &sites[g0..g1];
        let lo = group[0].saturating_sub(max_d as usize);
        let hi = group[group.len() - 1] + 1;
        let mut cache = WtCache { lo, w, p: vec![f32::NAN; (hi - lo) * w] };
        for d in crate::predict::dense_row_blocks(lo as u32..hi as u32, n as u32, max_d, cut, BATCH) {
            let p = crate::net::predict_frames(decoder, &wt_reps, &d.frames, BATCH);
            for g in d.wanted_steps() {
                let (i, j) = (d.frames.row[g / l] as usize, d.frames.col[g] as usize);
                cache.p[(i - lo) * w + (j - i)] = p[g];
            }
            *frames += d.frames.n() as u64;
        }
        let mut acc = vec![Acc { wt: vec![0.0; w], mutant: vec![0.0; w], n: vec![0; w] }; group.len()];
        let mut pending = Pending::new(l);
        for (x, &s) in group.iter().enumerate() {
            let xs = x as u32;
            let first = s.saturating_sub(max_d as usize);
            match method {
                Method::InPlace(..) => {
                    let rep = (n + g0 + x) as u32;
                    let dec = |j: usize| if j == s { rep } else { j as u32 };
                    // Row s: every pixel (s, s + d) is compared.
                    let last = (s + max_d as usize).min(n - 1);
                    for start in (s..=last).step_by(l) {
                        pending.push(xs, s as u32, rep, (start..=(start + l - 1).min(row_end(s, n))).map(|j| (j as u32, dec(j), j <= last)));
                    }
                    // Rows before s: the frame holding column s; its pixel (i, s) is compared.
                    for i in first..s {
                        let start = i + (s - i) / l * l;
                        let last = (start + l - 1).min(row_end(i, n));
                        pending.push(xs, i as u32, i as u32, (start..=last).map(|j| (j as u32, dec(j), j == s)));
                    }
                }
                Method::Delete => {
                    if n < 2 {
                        continue;
                    }
                    // Row i of the edited genome (n - 1 bins) has columns j' = i..=row_end(i, n - 1),
                    // at reference j = j' + (j' >= s); frames before the one holding j' = s are
                    // unchanged. Pixels (i, j > s) within max_d span the site.
                    for i in first..s {
                        let last = (i + max_d as usize).min(n - 2);
                        let from = i + (s - i) / l * l;
                        for start in (from..=last).step_by(l) {
                            let steps = (start..=(start + l - 1).min(row_end(i, n - 1))).map(|jp| {
                                let j = jp + (jp >= s) as usize;
                                (j as u32, j as u32, j > s && j - i <= max_d as usize)
                            });
                            pending.push(xs, i as u32, i as u32, steps);
                        }
                    }
                }
            }
            if pending.frames.n() >= BATCH {
                flush(decoder, &reps, &mut pending, &cache, &mut acc, frames);
            }
        }
        flush(decoder, &reps, &mut pending, &cache, &mut acc, frames);
        for (x, a) in acc.iter().enumerate() {
            let s = group[x];
            for d in (0..w).filter(|&d| a.n[d] > 0) {
                let m = a.n[d] as f64;
                out.push(SiteEffect { start: c.start[s], end: c.end[s], distance: d as u32, pixels: a.n[d], wt: a.wt[d] / m, mutant: a.mutant[d] / m });
            }
        }
        g0 = g1;
    }
    out
}

/// Edits each site of `--sites` alone (in the window, or on every chromosome), writes
/// PREFIX.site_effects.parquet (and with `--plots` PREFIX.site_profile.png), and returns the
/// mean profile over sites.
pub fn run(o: &PerturbOptions) -> Result<Summary> {
    o.edit.check().map_err(Error::InvalidArgument)?;
    if !o.edit.per_site() {
        return Err(Error::Internal("site_knockout::run takes per-site knockouts only".into()));
    }
    let (table, plot) = crate::perturb::table_and_plot(o, outputs::SITE_EFFECTS, outputs::SITE_PROFILE_PNG, "per-site knockouts")?;
    let loaded = crate::perturb::load(o)?;
    let (mf, k) = (&loaded.mf, loaded.k);
    let method = match o.edit.method.unwrap_or_default() {
        KnockoutMethod::Shift => Method::Delete,
        m => Method::InPlace(m, o.edit.neighbours.unwrap_or(2) as usize),
    };
    let sites = sites_by_chrom(o, &loaded.reps_path, &loaded.reps, mf.resolution)?;
    let max_d = (o.edit.max_distance.unwrap_or(DEFAULT_MAX_DISTANCE) / mf.resolution as u64).max(1) as u32;
    let delete = matches!(method, Method::Delete);
    let job = Job { decoder: &loaded.model.decoder, device: o.device, k, method, max_d, cut: crate::predict::RowCut::of(mf, 0) };

    let mut meta = hiclstm::tables::Meta::new(hiclstm::tables::TableKind::SiteEffects.schema());
    meta.set("assembly", &mf.assembly).set("resolution", mf.resolution).set(
        "params",
        serde_json::json!({"model": o.model_dir, "decoder": loaded.decoder, "edit": o.edit, "max_distance_bins": max_d, "representations": loaded.reps_path})
            .to_string(),
    );
    let mut writer = hiclstm::tables::site_effects::Writer::create(&table, &meta, o.force)?;
    let w = max_d as usize + 1;
    let (mut sum, mut cnt) = (vec![0.0f64; w], vec![0u32; w]);
    let mut frames = 0u64;
    let t0 = std::time::Instant::now();
    for (c, s) in loaded.reps.iter().zip(&sites).filter(|(_, s)| !s.is_empty()) {
        let t = std::time::Instant::now();
        let f0 = frames;
        let rows = chrom_effects(&job, c, s, &mut frames);
        for r in &rows {
            sum[r.distance as usize] += r.difference();
            cnt[r.distance as usize] += 1;
        }
        writer.write(&c.chrom, &rows)?;
        hiclstm::log::info(&format!("{}: {} sites, {} frames decoded in {:.1} s", c.chrom, s.len(), frames - f0, t.elapsed().as_secs_f64()));
    }
    let n_sites: usize = sites.iter().map(Vec::len).sum();
    let profile: Vec<f64> = sum.iter().zip(&cnt).map(|(s, &c)| if c > 0 { s / c as f64 } else { f64::NAN }).collect();
    let mut outs = OutputSet::default();
    hiclstm::log::info(&format!("{n_sites} sites, {} rows, {frames} frames decoded in {:.1} s", writer.rows(), t0.elapsed().as_secs_f64()));
    outs.push(writer.finish()?);
    if o.plots {
        outs.push(profile_plot(&plot, &profile, n_sites, mf.resolution, delete)?);
    }
    outs.commit(o.force)?;
    let near: Vec<String> = (0..w.min(4)).filter(|&d| cnt[d] > 0).map(|d| format!("{d} bins {:+.4}", profile[d])).collect();
    hiclstm::log::info(&format!("mean change over sites by distance: {}", near.join(", ")));
    Ok(Summary { sites: n_sites, frames, profile, sites_at: cnt })
}

/// The mean change over sites by distance, in Mb.
fn profile_plot(path: &std::path::Path, profile: &[f64], n_sites: usize, res: u32, delete: bool) -> Result<hiclstm::output::AtomicFile> {
    let pts: Vec<(f64, f64)> = profile.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(d, v)| (d as f64 * res as f64 / 1e6, *v)).collect();
    let chart = hiclstm::plot::LineChart {
        title: if delete {
            "Mean change of the contacts spanning each deleted site, by distance"
        } else {
            "Mean change of each edited site's contacts, by distance"
        },
        x_label: if delete { "distance of the spanning pixel (Mb)" } else { "distance from the site (Mb)" },
        y_label: "mean predicted probability difference (edited - wild type)",
        log_x: false,
        log_y: false,
        y_range: None,
        x_integer: false,
    };
    hiclstm::plot::line_chart(
        path,
        &chart,
        &[hiclstm::plot::Series { name: format!("mean over {n_sites} sites, each edited alone"), points: pts, dashed: false }],
    )
}

//! CTCF orientation replacement at loops, as the paper runs it (convergent -> divergent and
//! divergent -> convergent): each loop of a BEDPE whose anchors carry motifs of the required
//! orientations has those motif bins given the genome-wide mean representation of the opposite
//! orientation, alone on the otherwise unedited genome, and its loop pixel is predicted before and
//! after. The loop pixel (a, b) is predicted by one frame, row a's frame holding column b, so a
//! loop costs two frames, and thousands of loops take seconds.

use crate::perturb::{orientation_means, Orientations, PerturbOptions, Row};
use hiclstm::edits::LoopSwap;
use hiclstm::error::{Error, Result};
use hiclstm::formats::bed::read_placed_anchors;
use hiclstm::frames::Frames;
use hiclstm::genome::Strand;
use hiclstm::output::OutputSet;
use hiclstm::outputs;

/// Frames decoded per forward pass.
const BATCH: usize = 2048;

/// The loop aggregate's window by default: 10 pixels either side of the loop pixel, as Juicer's
/// APA (`-w 10`).
pub const DEFAULT_APA_WINDOW: usize = 10;

/// Sums over loops of the (2w+1) x (2w+1) pixels around each loop pixel (row offset first).
struct Apa {
    w: usize,
    wt: Vec<f64>,
    mutant: Vec<f64>,
    pixels: Vec<u32>,
}

impl Apa {
    /// The table's rows: every cell with at least one pixel, by row offset then column offset.
    fn cells(&self, loops: usize) -> Vec<hiclstm::tables::loop_aggregate::LoopCell> {
        let side = 2 * self.w + 1;
        (0..side * side)
            .filter(|&k| self.pixels[k] > 0)
            .map(|k| {
                let n = self.pixels[k] as f64;
                hiclstm::tables::loop_aggregate::LoopCell {
                    dx: (k / side) as i64 - self.w as i64,
                    dy: (k % side) as i64 - self.w as i64,
                    loops: loops as u32,
                    pixels: self.pixels[k],
                    wt: self.wt[k] / n,
                    mutant: self.mutant[k] / n,
                }
            })
            .collect()
    }

    /// The mean difference around the loop pixel, the whole window on one square.
    fn plot(&self, path: &std::path::Path, loops: usize, res: u32) -> Result<hiclstm::output::AtomicFile> {
        let side = 2 * self.w + 1;
        let mean: Vec<f64> =
            (0..side * side).map(|k| if self.pixels[k] > 0 { (self.mutant[k] - self.wt[k]) / self.pixels[k] as f64 } else { f64::NAN }).collect();
        let dmax = mean.iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
        let title = format!("Swapped - wild type around {loops} loop pixels (each loop alone)");
        hiclstm::plot::heatmap(
            path,
            &hiclstm::plot::Heatmap {
                title: &title,
                n: side,
                start_bp: 0,
                resolution: res,
                upper: &mean,
                lower: &mean,
                upper_name: "columns: the downstream anchor's side",
                lower_name: "rows: the upstream anchor's side",
                value_name: "mean probability difference",
                vmin: -dmax,
                vmax: dmax,
                marks: &[(self.w, self.w)],
                mark_name: "loop pixel",
                diverging: true,
                cells: Some(("offset from the loop pixel (bins)", self.w as f64)),
                square: true,
            },
        )
    }
}

/// The frame of row `row` from column `start`, ending where `cut` ends the row when pixels up to
/// `reach` bins off the diagonal are compared ([`crate::predict::RowCut::row_end`]); `map` gives
/// the representation row of each bin.
fn push_frame(f: &mut Frames, row: usize, start: usize, cut: crate::predict::RowCut, reach: usize, map: &dyn Fn(usize) -> u32) {
    let l = cut.len;
    debug_assert_eq!(f.len, l, "frames cut to another length");
    let last = (start + l - 1).min(cut.row_end(row as u32, reach as u32) as usize);
    f.chrom.push(0);
    f.row.push(map(row));
    for j in start..=last {
        f.col.push(map(j));
        f.mask.push(1.0);
    }
    for _ in last + 1 - start..l {
        f.col.push(map(row));
        f.mask.push(0.0);
    }
    f.target.extend(std::iter::repeat_n(0.0, l));
}

/// One loop to swap: its pixel and the motif bins replaced, with the mean they get (0 forward,
/// 1 reverse).
struct Loop {
    a: usize,
    b: usize,
    edits: Vec<(usize, usize)>,
}

/// The orientation of an anchor's motifs: Some only when they all agree.
fn orientation(strands: impl Iterator<Item = Strand>) -> Option<Strand> {
    let mut seen = None;
    for s in strands {
        match seen {
            None => seen = Some(s),
            Some(x) if x != s => return None,
            _ => {}
        }
    }
    seen
}

/// Swaps each loop's anchor motifs alone, writes PREFIX.perturbations.parquet (one row per loop:
/// its pixel before and after; with `--plots` PREFIX.loop_swap.png) and returns the rows by
/// chromosome.
pub fn run(o: &PerturbOptions) -> Result<Vec<(String, Row)>> {
    o.edit.check().map_err(Error::InvalidArgument)?;
    let Some(swap) = o.edit.orientation.filter(|_| o.edit.per_loop()) else {
        return Err(Error::Internal("loop_swap::run takes CTCF swaps with an orientation only".into()));
    };
    let (table, plot) = crate::perturb::table_and_plot(o, outputs::PERTURBATIONS, outputs::LOOP_SWAP_PNG, "per-loop swaps")?;
    let (aggregate, aggregate_plot) = crate::perturb::table_and_plot(o, outputs::LOOP_AGGREGATE, outputs::LOOP_AGGREGATE_PNG, "per-loop swaps")?;
    let (motifs, anchors) = match (&o.edit.sites, &o.edit.anchors) {
        (Some(m), Some(a)) => (m.as_path(), a.as_path()),
        _ => return Err(Error::InvalidArgument("a loop swap needs --sites (motifs, BED6 with strand) and --anchors (loops, BEDPE)".into())),
    };
    let loaded = crate::perturb::load(o)?;
    let (mf, k, reps) = (&loaded.mf, loaded.k, &loaded.reps);
    let Orientations { g, feats, mean, n: averaged } = orientation_means(motifs, reps, k, mf.resolution)?;
    let max_d = (o.edit.max_distance.unwrap_or(crate::site_knockout::DEFAULT_MAX_DISTANCE) / mf.resolution as u64).max(1) as usize;
    let l = mf.config.frame_len;

    // Motif strands by (chromosome, bin).
    let mut strands: std::collections::HashMap<(usize, usize), Vec<Strand>> = Default::default();
    for f in &feats {
        if let Some(s) = f.strand {
            strands.entry((f.chrom, g.bin_of((f.start + f.end) / 2))).or_default().push(s);
        }
    }
    let (want_up, want_down) = match swap {
        LoopSwap::ConvergentToDivergent => (Strand::Forward, Strand::Reverse),
        LoopSwap::DivergentToConvergent => (Strand::Reverse, Strand::Forward),
    };
    let (ends, _) = read_placed_anchors(anchors, &g)?;
    let mut by_chrom: Vec<Vec<Loop>> = (0..reps.len()).map(|_| vec![]).collect();
    let (mut total, mut other, mut far, mut outside) = (0usize, 0usize, 0usize, 0usize);
    for pair in ends.chunks(2).filter(|p| p.len() == 2) {
        total += 1;
        let (x, y) = if pair[0].start <= pair[1].start { (&pair[0], &pair[1]) } else { (&pair[1], &pair[0]) };
        if x.chrom != y.chrom {
            other += 1;
            continue;
        }
        let c = x.chrom;
        let inside = |f: &hiclstm::formats::bed::Placed| {
            o.edit.window.as_ref().is_none_or(|w| w.chrom == reps[c].chrom && f.start >= w.start && w.end.is_none_or(|e| f.end <= e))
        };
        if !inside(x) || !inside(y) {
            outside += 1;
            continue;
        }
        let motif_bins = |f: &hiclstm::formats::bed::Placed| -> Vec<(usize, Strand)> {
            let r = g.bins(c, f.start, f.end);
            (r.start..r.end.max(r.start + 1)).flat_map(|b| strands.get(&(c, b)).into_iter().flatten().map(move |&s| (b, s))).collect()
        };
        let (up, down) = (motif_bins(x), motif_bins(y));
        if orientation(up.iter().map(|m| m.1)) != Some(want_up) || orientation(down.iter().map(|m| m.1)) != Some(want_down) {
            continue;
        }
        let (a, b) = (up[0].0, down[0].0);
        if b <= a || b - a > max_d {
            far += 1;
            continue;
        }
        // Each motif bin takes the mean of the opposite orientation.
        let mut edits: Vec<(usize, usize)> = up.iter().chain(&down).map(|&(bin, s)| (bin, (s == Strand::Forward) as usize)).collect();
        edits.sort_unstable();
        edits.dedup();
        by_chrom[c].push(Loop { a, b, edits });
    }
    let found: usize = by_chrom.iter().map(Vec::len).sum();
    let what = match swap {
        LoopSwap::ConvergentToDivergent => "convergent (forward motif upstream, reverse downstream)",
        LoopSwap::DivergentToConvergent => "divergent (reverse motif upstream, forward downstream)",
    };
    hiclstm::log::info(&format!(
        "{}: {total} loops; {found} {what} within {} bp swapped, each alone ({other} between chromosomes, {outside} outside the window, {far} beyond the distance left out); orientation means over {} forward and {} reverse motifs",
        anchors.display(),
        max_d as u64 * mf.resolution as u64,
        averaged[0],
        averaged[1]
    ));
    if found == 0 {
        return Err(Error::InvalidArgument(format!("{}: no loop with {what} motifs of {} at its anchors", anchors.display(), motifs.display())));
    }

    let w = o.apa_window;
    let side = 2 * w + 1;
    let mut apa = Apa { w, wt: vec![0.0; side * side], mutant: vec![0.0; side * side], pixels: vec![0; side * side] };
    let mut out: Vec<(String, Vec<Row>)> = Vec::new();
    for (c, loops) in by_chrom.iter_mut().enumerate().filter(|(_, v)| !v.is_empty()) {
        loops.sort_by_key(|x| (x.a, x.b));
        let cr = &reps[c];
        let n = cr.n_bins();
        let cut = crate::predict::RowCut::of(mf, n);
        // One extra row per edited bin of each loop (site x of the chromosome's edits is row n + x),
        // so that every loop's frames go through one tensor.
        let mut values = cr.values.clone();
        let mut rows_of: Vec<Vec<(usize, u32)>> = Vec::with_capacity(loops.len());
        for lp in loops.iter() {
            let mut m = vec![];
            for &(bin, s) in &lp.edits {
                m.push((bin, (values.len() / k) as u32));
                values.extend_from_slice(&mean[s]);
            }
            rows_of.push(m);
        }
        let t = tch::Tensor::from_slice(&values).reshape([(values.len() / k) as i64, k as i64]).to(o.device);
        // Wild-type and swapped frames of each loop's pixel, in pairs; then those of every row
        // of the aggregate's window around it, in pairs, with the cell each of their pixels
        // adds to.
        let mut f = Frames { len: cut.len, ..Default::default() };
        let mut step_of_b = Vec::with_capacity(loops.len());
        let mut cells: Vec<(usize, usize, usize)> = Vec::new();
        for pass in 0..2 {
            for (lp, m) in loops.iter().zip(&rows_of) {
                let swapped = |j: usize| m.iter().find(|e| e.0 == j).map_or(j as u32, |e| e.1);
                let plain = |j: usize| j as u32;
                if pass == 0 {
                    let start = lp.a + (lp.b - lp.a) / l * l;
                    step_of_b.push(lp.b - start);
                    push_frame(&mut f, lp.a, start, cut, max_d, &plain);
                    push_frame(&mut f, lp.a, start, cut, max_d, &swapped);
                    continue;
                }
                for r in lp.a.saturating_sub(w)..=(lp.a + w).min(n - 1) {
                    let lo = lp.b.saturating_sub(w).max(r);
                    let hi = (lp.b + w).min(r + max_d).min(n - 1);
                    if lo > hi {
                        continue;
                    }
                    for k in (lo - r) / l..=(hi - r) / l {
                        let start = r + k * l;
                        let frame = f.n();
                        push_frame(&mut f, r, start, cut, max_d, &plain);
                        push_frame(&mut f, r, start, cut, max_d, &swapped);
                        for col in lo.max(start)..=hi.min(start + l - 1) {
                            let cell = (r + w - lp.a) * side + (col + w - lp.b);
                            cells.push((frame, col - start, cell));
                        }
                    }
                }
            }
        }
        let p = crate::net::predict_frames(&loaded.model.decoder, &t, &f, BATCH);
        for &(frame, step, cell) in &cells {
            apa.wt[cell] += p[frame * l + step] as f64;
            apa.mutant[cell] += p[(frame + 1) * l + step] as f64;
            apa.pixels[cell] += 1;
        }
        let rows: Vec<Row> = loops
            .iter()
            .enumerate()
            .map(|(x, lp)| {
                let (wt, mutant) = (p[(2 * x) * l + step_of_b[x]] as f64, p[(2 * x + 1) * l + step_of_b[x]] as f64);
                Row { i: lp.a as u32, j: lp.b as u32, i_edit: Some(lp.a as u32), j_edit: Some(lp.b as u32), copies: 1, wt, mutant: Some(mutant) }
            })
            .collect();
        out.push((cr.chrom.clone(), rows));
    }

    let mut meta = hiclstm::tables::Meta::new(hiclstm::tables::TableKind::Perturbations.schema());
    meta.set("assembly", &mf.assembly).set("resolution", mf.resolution).set(
        "params",
        serde_json::json!({"model": o.model_dir, "decoder": loaded.decoder, "edit": o.edit, "max_distance_bins": max_d, "rows": "one per loop: its pixel before and after the swap"})
            .to_string(),
    );
    let mut outs = OutputSet::default();
    outs.push(hiclstm::tables::perturbations::write_chroms(&table, &meta, &out, &mf.config.transform, o.force)?);
    let cells = apa.cells(found);
    let mut m = hiclstm::tables::Meta::new(hiclstm::tables::TableKind::LoopAggregate.schema());
    m.set("assembly", &mf.assembly).set("resolution", mf.resolution).set(
        "params",
        serde_json::json!({"model": o.model_dir, "decoder": loaded.decoder, "edit": o.edit, "window_bins": w, "max_distance_bins": max_d}).to_string(),
    );
    outs.push(hiclstm::tables::loop_aggregate::write(&aggregate, &m, &cells, o.force)?);
    if o.plots {
        outs.push(apa.plot(&aggregate_plot, found, mf.resolution)?);
    }
    let all: Vec<&Row> = out.iter().flat_map(|(_, r)| r).collect();
    let diffs: Vec<f64> = all.iter().map(|r| r.mutant.unwrap_or(r.wt) - r.wt).collect();
    let weaker = diffs.iter().filter(|&&d| d < 0.0).count();
    if o.plots {
        let wt: Vec<f64> = all.iter().map(|r| r.wt).collect();
        let mutant: Vec<f64> = all.iter().filter_map(|r| r.mutant).collect();
        let after = match swap {
            LoopSwap::ConvergentToDivergent => "made divergent",
            LoopSwap::DivergentToConvergent => "made convergent",
        };
        let boxes = vec![[hiclstm::plot::BoxStat::of("wild type", &wt), hiclstm::plot::BoxStat::of(after, &mutant)].into_iter().flatten().collect()];
        outs.push(hiclstm::plot::boxes(
            &plot,
            &format!("Predicted loop pixels of {found} loops, each swapped alone"),
            "predicted contact probability",
            &boxes,
        )?);
    }
    outs.commit(o.force)?;
    hiclstm::log::info(&format!(
        "{found} loops: mean change {:+.4} in probability; {weaker} weaker, {} stronger or unchanged",
        diffs.iter().sum::<f64>() / found as f64,
        found - weaker
    ));
    Ok(out.into_iter().flat_map(|(c, rows)| rows.into_iter().map(move |r| (c.clone(), r))).collect())
}

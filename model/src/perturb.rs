//! In-silico edits of representation matrices, and their bookkeeping: every edit gives the
//! edited matrix and, for each edited bin, the reference bin it comes from. Predictions on the
//! edited genome are mapped back onto reference pixels the way Hi-C reads would map: predicted
//! probabilities become values (the inverse transform), the values of all edited pixels that land
//! on one reference pixel are summed (the two copies of a duplication), and the sum becomes a
//! probability again.

use hiclstm::edits::{EditKind, EditSpec, KnockoutMethod};
use hiclstm::error::{Error, Result};
use hiclstm::formats::bed::{read_placed, read_placed_anchors};
use hiclstm::formats::cool_writer::{CoolerContent, CoolerFormat, CoolerWriter};
use hiclstm::genome::{BinMap, Region, Strand};
use hiclstm::output::{check_writable, AtomicFile, OutputSet};
use hiclstm::outputs;
use hiclstm::tables::representations::ChromRepresentations;
use std::path::{Path, PathBuf};

/// An edit of one chromosome's representations, in bins; [s, e) intervals.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Remove the bins; downstream representations move up.
    Delete {
        /// First bin removed.
        start: usize,
        /// Bin after the last one removed (exclusive end).
        end: usize,
    },
    /// Reverse the order of the bins' representations.
    Invert {
        /// First bin inverted.
        start: usize,
        /// Bin after the last one inverted (exclusive end).
        end: usize,
    },
    /// Tandem duplication: R[..e], R[s..e], R[s..e], R[e..].
    Duplicate {
        /// First bin duplicated.
        start: usize,
        /// Bin after the last one duplicated (exclusive end); the copy is inserted there.
        end: usize,
    },
    /// Knock sites out by replacing their representations with zeros.
    KnockoutZero {
        /// Bins knocked out.
        sites: Vec<usize>,
    },
    /// Knock sites out by replacing each with the mean of its `window` neighbours either side.
    KnockoutMean {
        /// Bins knocked out.
        sites: Vec<usize>,
        /// Neighbours averaged on each side, in bins (the site itself excluded, clipped at the
        /// chromosome's ends).
        window: usize,
    },
    /// Knock sites out by deleting them (the paper's preferred method).
    KnockoutShift {
        /// Bins deleted.
        sites: Vec<usize>,
    },
    /// Replace the representations of sites by given vectors (CTCF orientation replacement).
    Replace {
        /// (bin, its new K-vector) pairs.
        sites: Vec<(usize, Vec<f32>)>,
    },
}

/// The edited matrix (`n' x k`, row-major) and, per edited bin, its reference bin.
pub fn apply(reps: &[f32], n: usize, k: usize, edit: &Edit) -> Result<(Vec<f32>, Vec<usize>)> {
    let row = |b: usize| &reps[b * k..(b + 1) * k];
    let check = |s: usize, e: usize| -> Result<()> {
        if s >= e || e > n {
            return Err(Error::InvalidArgument(format!("edit [{s}, {e}) is empty or outside the chromosome's {n} bins")));
        }
        Ok(())
    };
    let from = |order: Vec<usize>| -> (Vec<f32>, Vec<usize>) { (order.iter().flat_map(|&b| row(b).iter().copied()).collect(), order) };
    let sites_ok = |sites: &[usize]| -> Result<()> {
        if let Some(&b) = sites.iter().find(|&&b| b >= n) {
            return Err(Error::InvalidArgument(format!("site at bin {b} is outside the chromosome's {n} bins")));
        }
        if sites.is_empty() {
            return Err(Error::InvalidArgument("no site to knock out".into()));
        }
        Ok(())
    };
    Ok(match edit {
        Edit::Delete { start, end } => {
            check(*start, *end)?;
            if end - start == n {
                return Err(Error::InvalidArgument("the deletion removes the whole chromosome".into()));
            }
            from((0..*start).chain(*end..n).collect())
        }
        Edit::Invert { start, end } => {
            check(*start, *end)?;
            from((0..*start).chain((*start..*end).rev()).chain(*end..n).collect())
        }
        Edit::Duplicate { start, end } => {
            check(*start, *end)?;
            from((0..*end).chain(*start..*end).chain(*end..n).collect())
        }
        Edit::KnockoutZero { sites } => {
            sites_ok(sites)?;
            let mut r = reps.to_vec();
            for &b in sites {
                r[b * k..(b + 1) * k].iter_mut().for_each(|x| *x = 0.0);
            }
            (r, (0..n).collect())
        }
        Edit::KnockoutMean { sites, window } => {
            sites_ok(sites)?;
            let mut r = reps.to_vec();
            for &b in sites {
                let nb: Vec<usize> = (b.saturating_sub(*window)..(b + window + 1).min(n)).filter(|&x| x != b).collect();
                for d in 0..k {
                    r[b * k + d] = nb.iter().map(|&x| reps[x * k + d]).sum::<f32>() / nb.len().max(1) as f32;
                }
            }
            (r, (0..n).collect())
        }
        Edit::Replace { sites } => {
            let b: Vec<usize> = sites.iter().map(|s| s.0).collect();
            sites_ok(&b)?;
            let mut r = reps.to_vec();
            for (b, v) in sites {
                if v.len() != k {
                    return Err(Error::Internal("replacement of the wrong size".into()));
                }
                r[b * k..(b + 1) * k].copy_from_slice(v);
            }
            (r, (0..n).collect())
        }
        Edit::KnockoutShift { sites } => {
            sites_ok(sites)?;
            if sites.len() >= n {
                return Err(Error::InvalidArgument("the knockout removes every bin".into()));
            }
            from((0..n).filter(|b| !sites.contains(b)).collect())
        }
    })
}

/// Sums edited-genome predictions onto reference pixels: `pred` holds (i', j', probability) on the
/// edited genome; returns (i, j) -> (probability, number of edited pixels summed).
pub fn to_reference(pred: &[(u32, u32, f64)], ref_of: &[usize], t: &hiclstm::frames::Transform) -> std::collections::BTreeMap<(u32, u32), (f64, u32)> {
    let mut sums: std::collections::BTreeMap<(u32, u32), (f64, u32, f64)> = Default::default();
    for &(i, j, p) in pred {
        let (a, b) = (ref_of[i as usize] as u32, ref_of[j as usize] as u32);
        let key = (a.min(b), a.max(b));
        let e = sums.entry(key).or_insert((0.0, 0, p));
        e.0 += t.to_value(p);
        e.1 += 1;
    }
    // A pixel of one copy keeps its probability as predicted (the round trip through values is
    // not exact in floating point, and an unreachable pixel must keep its wild type exactly).
    sums.into_iter().map(|(k, (v, c, p))| (k, (if c == 1 { p } else { t.to_prob(v) }, c))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reps(n: usize) -> Vec<f32> {
        (0..n).map(|b| b as f32).collect()
    }

    #[test]
    fn bookkeeping_of_every_edit() {
        let r = reps(6);
        let (m, map) = apply(&r, 6, 1, &Edit::Delete { start: 2, end: 4 }).unwrap();
        assert_eq!((m, map), (vec![0., 1., 4., 5.], vec![0, 1, 4, 5]));
        let (m, map) = apply(&r, 6, 1, &Edit::Invert { start: 1, end: 4 }).unwrap();
        assert_eq!((m, map), (vec![0., 3., 2., 1., 4., 5.], vec![0, 3, 2, 1, 4, 5]));
        let (m, map) = apply(&r, 6, 1, &Edit::Duplicate { start: 2, end: 4 }).unwrap();
        assert_eq!((m, map), (vec![0., 1., 2., 3., 2., 3., 4., 5.], vec![0, 1, 2, 3, 2, 3, 4, 5]));
        let (m, map) = apply(&r, 6, 1, &Edit::KnockoutShift { sites: vec![1, 4] }).unwrap();
        assert_eq!((m, map), (vec![0., 2., 3., 5.], vec![0, 2, 3, 5]));
        let (m, _) = apply(&r, 6, 1, &Edit::KnockoutZero { sites: vec![3] }).unwrap();
        assert_eq!(m, vec![0., 1., 2., 0., 4., 5.]);
        let (m, _) = apply(&r, 6, 1, &Edit::KnockoutMean { sites: vec![3], window: 1 }).unwrap();
        assert_eq!(m[3], 3.0, "mean of bins 2 and 4");
        let (m, map) = apply(&r, 6, 1, &Edit::Replace { sites: vec![(1, vec![9.0]), (4, vec![7.0])] }).unwrap();
        assert_eq!((m, map), (vec![0., 9., 2., 3., 7., 5.], vec![0, 1, 2, 3, 4, 5]));
        assert!(apply(&r, 6, 1, &Edit::Delete { start: 4, end: 9 }).is_err());
        assert!(apply(&r, 6, 1, &Edit::Duplicate { start: 3, end: 3 }).is_err());
        assert!(apply(&r, 6, 1, &Edit::KnockoutZero { sites: vec![6] }).is_err());
    }

    #[test]
    fn deleted_sites_are_profiled_by_the_pixels_spanning_them() {
        // Site 5 deleted: its own pixels have no mutant value, so the site profile is empty...
        let row = |i, j, m: Option<f64>| Row { i, j, i_edit: None, j_edit: None, copies: 1, wt: 0.5, mutant: m };
        let rows = vec![row(5, 5, None), row(4, 5, None), row(5, 6, None), row(4, 6, Some(0.3)), row(3, 6, Some(0.4)), row(4, 7, Some(0.6))];
        assert!(site_profile(&rows, &[5], 3).iter().all(|v| v.is_nan()));
        // ...but the pixels spanning it, (5 - a, 5 + b), give the change by distance a + b.
        let p = spanning_profile(&rows, &[5], 3);
        assert!(p[0].is_nan() && p[1].is_nan());
        assert!((p[2] + 0.2).abs() < 1e-12, "(4, 6): 0.3 - 0.5");
        assert!((p[3] - 0.0).abs() < 1e-12, "(3, 6) and (4, 7): -0.1 and +0.1");
    }

    #[test]
    fn never_trained_vectors_stay_out_of_the_mean_knockout() {
        let c = ChromRepresentations {
            chrom: "chr1".into(),
            start: (0..5).collect(),
            end: (1..6).collect(),
            observed: vec![true, false, true, true, true],
            values: vec![1.0, 100.0, 7.0, 3.0, 5.0],
        };
        // Site 2, window 1: bins 1 (never trained) and 3 -> 3, not (100 + 3) / 2.
        assert_eq!(observed_neighbour_mean(&c, 1, 2, 1), vec![3.0]);
        assert_eq!(observed_neighbour_mean(&c, 1, 2, 2), vec![3.0], "(1 + 3 + 5) / 3");
    }

    #[test]
    fn site_profile_by_hand() {
        let row = |i, j, d: f64| Row { i, j, i_edit: Some(i), j_edit: Some(j), copies: 1, wt: 0.5, mutant: Some(0.5 + d) };
        let rows = vec![row(5, 5, -0.2), row(4, 5, -0.1), row(5, 6, -0.3), row(5, 7, 0.1), row(3, 5, 0.0)];
        let p = site_profile(&rows, &[5], 3);
        assert!((p[0] + 0.2).abs() < 1e-12 && (p[1] + 0.2).abs() < 1e-12 && (p[2] - 0.05).abs() < 1e-12);
        assert!(p[3].is_nan());
    }

    #[test]
    fn duplication_maps_back_by_summing_values() {
        // Hand computation: after duplicating [2, 4), edited pixel (2, 4) is reference (2, 2) and
        // edited (2, 2) and (4, 4) are reference (2, 2) too: three values summed.
        let t = hiclstm::frames::Transform::default();
        let (_, map) = apply(&reps(6), 6, 1, &Edit::Duplicate { start: 2, end: 4 }).unwrap();
        let p = t.to_prob(4.0);
        let pred = vec![(2, 2, p), (2, 4, p), (4, 4, p), (0, 1, t.to_prob(2.0))];
        let back = to_reference(&pred, &map, &t);
        let (q, copies) = back[&(2, 2)];
        assert_eq!(copies, 3);
        assert!((t.to_value(q) - 12.0).abs() < 1e-6, "4 + 4 + 4 in value space");
        assert_eq!(back[&(0, 1)].1, 1);
        assert!((back[&(0, 1)].0 - t.to_prob(2.0)).abs() < 1e-12);
    }
}

/// What to edit, in reference coordinates (bp), and the window to predict (both in `edit`).
#[derive(Debug, Clone)]
pub struct PerturbOptions {
    /// Trained model directory whose decoder predicts both genomes.
    pub model_dir: PathBuf,
    /// Representations table to edit (K of the model); None: the model's own
    /// representations.parquet.
    pub representations: Option<PathBuf>,
    /// The edit, the window to predict and the largest distance predicted (reference coordinates,
    /// bp).
    pub edit: EditSpec,
    /// Output prefix: PREFIX.perturbations.parquet and the `PREFIX.*.png` plots asked for.
    pub output: PathBuf,
    /// libtorch device of the predictions.
    pub device: tch::Device,
    /// Overwrite existing outputs.
    pub force: bool,
    /// Also draw the window's maps (PREFIX.perturbation.png, PREFIX.difference.png) and, for
    /// knockouts and CTCF swaps, PREFIX.site_profile.png.
    pub plots: bool,
    /// Domains (BED): draw the edit's mean effect over TADs (10 interior bins plus flanks).
    pub tads: Option<PathBuf>,
    /// Also write the window's maps as cooler files, `PREFIX.{wt,mutant,difference}.{cool,mcool}`
    /// (window edits only: per-site knockouts and per-loop swaps make no maps).
    pub cooler: Option<CoolerFormat>,
    /// CTCF sites (BED) that split the TAD aggregate into domains with and without CTCF at a
    /// boundary; default: the edit's own sites (knockouts, CTCF swaps), else one group.
    pub ctcf: Option<PathBuf>,
    /// Flanks of the TAD aggregate (bp; rounded to whole bins, at least one).
    pub tad_flank: u64,
    /// Half-width of the per-loop swaps' aggregate around the loop pixel (bins).
    pub apa_window: usize,
    /// The decoder the edited genome is decoded with (`--decoder`).
    pub decoder: crate::predict::DecoderChoice,
}

/// The observed maps of the edit, if any, checked before anything is decoded: contacts tables of
/// the model's resolution and normalization. Their values go through the model's transform, so
/// maps in other units would make every comparison silently off.
fn check_observed(o: &PerturbOptions, mf: &crate::config::ModelFile) -> Result<()> {
    for p in [&o.edit.observed, &o.edit.observed_mutant].into_iter().flatten() {
        let head = hiclstm::tables::TableReader::open(p, hiclstm::tables::TableKind::Contacts.schema())?;
        if head.meta.resolution().is_some_and(|r| r != mf.resolution) {
            return Err(Error::InvalidArgument(format!("{}: resolution differs from the model's {}", p.display(), mf.resolution)));
        }
        let norm = head.meta.get("normalization").unwrap_or("NONE");
        if norm != mf.normalization {
            return Err(Error::InvalidArgument(format!(
                "{}: normalization {norm} differs from the model's {} (import the map with --normalization {})",
                p.display(),
                mf.normalization,
                mf.normalization
            )));
        }
    }
    Ok(())
}

/// The flanks of the TAD aggregate by default (bp), as the paper's Fig. 8c.
pub const DEFAULT_TAD_FLANK: u64 = 100_000;

impl PerturbOptions {
    /// `edit` of the model in `model_dir` (its own representations) on the CPU, written to the
    /// prefix `output`: no plots, TADs, cooler files or CTCF sites, the default TAD flanks and
    /// loop-aggregate window, no overwriting; set the other fields with struct update syntax.
    pub fn new(model_dir: PathBuf, edit: EditSpec, output: PathBuf) -> Self {
        PerturbOptions {
            model_dir,
            representations: None,
            edit,
            output,
            device: tch::Device::Cpu,
            force: false,
            plots: false,
            tads: None,
            cooler: None,
            ctcf: None,
            tad_flank: DEFAULT_TAD_FLANK,
            apa_window: crate::loop_swap::DEFAULT_APA_WINDOW,
            decoder: crate::predict::DecoderChoice::Main,
        }
    }
}

/// The TAD-scaled 2-D aggregate of a window edit (the paper's Fig. 8c): its table rows and the
/// picture (domains with CTCF at a boundary above the diagonal, without below; every domain on
/// both sides when no CTCF sites are known).
fn tad_aggregate(
    o: &PerturbOptions,
    t: &Target,
    doms: &[hiclstm::aggregate::Domain],
    rows: &[Row],
    res: u32,
    path: &Path,
) -> Result<(Vec<hiclstm::tables::tad_aggregate::TadCell>, AtomicFile)> {
    let flank = (o.tad_flank as f64 / res as f64).round().max(1.0) as usize;
    let ctcf_bed = o.ctcf.clone().or_else(|| if matches!(o.edit.edit, EditKind::Knockout | EditKind::CtcfSwap) { o.edit.sites.clone() } else { None });
    let ctcf = ctcf_bed.as_deref().map(|p| t.sites(p)).transpose()?;
    let pixels: Vec<(u32, u32, f64, f64)> = rows.iter().filter_map(|r| r.mutant.map(|m| (r.i, r.j, r.wt, m))).collect();
    let at_boundary =
        |d: &hiclstm::aggregate::Domain, sites: &[usize]| sites.iter().any(|&b| (b + 1 >= d.start && b <= d.start) || (b + 1 >= d.end && b <= d.end));
    let mut groups: Vec<(&str, hiclstm::aggregate::TadGrid)> = match &ctcf {
        Some(_) => vec![("ctcf", hiclstm::aggregate::TadGrid::new(10, flank)), ("no_ctcf", hiclstm::aggregate::TadGrid::new(10, flank))],
        None => vec![("all", hiclstm::aggregate::TadGrid::new(10, flank))],
    };
    for d in doms {
        let g = match &ctcf {
            Some(sites) if !at_boundary(d, sites) => 1,
            _ => 0,
        };
        groups[g].1.add_domain(d.start, d.end, &pixels);
    }
    let mut cells = Vec::new();
    for (name, grid) in &groups {
        cells.extend(hiclstm::tables::tad_aggregate::cells(name, grid));
    }
    // The picture: mean difference per cell, the first group above the diagonal, the second
    // (or the first again) below.
    let n = groups[0].1.side();
    let mean = |grid: &hiclstm::aggregate::TadGrid, k: usize| if grid.pixels[k] > 0 { (grid.mutant[k] - grid.wt[k]) / grid.pixels[k] as f64 } else { f64::NAN };
    let (mut up, mut low) = (vec![f64::NAN; n * n], vec![f64::NAN; n * n]);
    let below = &groups[groups.len() - 1].1;
    for a in 0..n {
        for b in a..n {
            up[a * n + b] = mean(&groups[0].1, a * n + b);
            low[b * n + a] = mean(below, a * n + b);
        }
    }
    let dmax = up.iter().chain(&low).filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs())).max(1e-9);
    let names: Vec<String> = groups.iter().map(|(g, grid)| format!("{g} ({} domains)", grid.domains)).collect();
    let title = format!("Edited - wild type over TADs (10 interior parts, {flank}-bin flanks)");
    let plot = hiclstm::plot::heatmap(
        path,
        &hiclstm::plot::Heatmap {
            title: &title,
            n,
            start_bp: 0,
            resolution: res,
            upper: &up,
            lower: &low,
            upper_name: &names[0],
            lower_name: &names[names.len() - 1],
            value_name: "mean probability difference",
            vmin: -dmax,
            vmax: dmax,
            marks: &[],
            mark_name: "",
            diverging: true,
            cells: Some(("position (0 = TAD start, 10 = TAD end; flanks in bins)", flank as f64)),
            square: false,
        },
    )?;
    Ok((cells, plot))
}

/// The cooler maps of a window edit, `PREFIX.NAME.{cool,mcool}`.
const MAPS: [&str; 3] = [outputs::WT_MAP, outputs::MUTANT_MAP, outputs::DIFFERENCE_MAP];

/// The maps of a window edit: predicted values (the inverse transform, the units of the training
/// contacts) of the wild type, of the edited genome mapped back to reference pixels, and their
/// difference, each a cooler file over the whole genome with pixels in the window.
fn write_maps(
    o: &PerturbOptions,
    mf: &crate::config::ModelFile,
    reps: &[ChromRepresentations],
    chrom: &str,
    rows: &[Row],
    format: CoolerFormat,
) -> Result<Vec<AtomicFile>> {
    let genome = crate::predict::map_genome(mf, reps);
    let t = &mf.config.transform;
    let params = serde_json::json!({"model": o.model_dir, "edit": o.edit});
    let mutant = |r: &Row| r.mutant.map_or(f64::NAN, |m| t.to_value(m));
    let mut out = Vec::new();
    for name in MAPS {
        let (description, value): (&str, &dyn Fn(&Row) -> f64) = match name {
            outputs::WT_MAP => {
                ("wild-type predicted value (inverse transform of the predicted probability, the training contacts' units)", &|r: &Row| t.to_value(r.wt))
            }
            "mutant" => (
                "edited-genome predicted value mapped back to reference pixels (copies of a duplication summed); no pixel where the edit removed a locus",
                &mutant,
            ),
            _ => ("mutant - wild-type predicted value", &|r: &Row| mutant(r) - t.to_value(r.wt)),
        };
        let path = hiclstm::cli::output_path(&o.output, &format!("{name}.{}", format.extension()));
        let content = CoolerContent { value: name.into(), description: description.into(), normalization: mf.normalization.clone(), params: params.clone() };
        let mut w = CoolerWriter::create(&path, &genome, format, &content, Some(&mf.assembly), o.force)?;
        for r in rows {
            w.push(chrom, r.i, r.j, value(r))?;
        }
        out.push(w.finish()?);
    }
    Ok(out)
}

/// One row of the perturbations table (named in the table module).
pub use hiclstm::tables::perturbations::PerturbationRow as Row;

/// For d = 0..=max_d, the mean difference (edited - wild type) over the pixels `pixels(s, d)`
/// of every site s; NaN where none of them has both values.
fn mean_by_distance(rows: &[Row], sites: &[u32], max_d: u32, pixels: impl Fn(u32, u32) -> Vec<(u32, u32)>) -> Vec<f64> {
    let by_pixel: std::collections::HashMap<(u32, u32), f64> = rows.iter().filter_map(|r| r.mutant.map(|m| ((r.i, r.j), m - r.wt))).collect();
    (0..=max_d)
        .map(|d| {
            let v: Vec<f64> = sites.iter().flat_map(|&s| pixels(s, d)).filter_map(|p| by_pixel.get(&p).copied()).collect();
            if v.is_empty() {
                f64::NAN
            } else {
                v.iter().sum::<f64>() / v.len() as f64
            }
        })
        .collect()
}

/// Mean difference (edited - wild type) of the pixels between each site and the bins `d` away
/// from it (either side), for d = 0..=max_d, over all sites: the paper's Fig. 8b. NaN where no
/// pixel has both values.
pub fn site_profile(rows: &[Row], sites: &[u32], max_d: u32) -> Vec<f64> {
    mean_by_distance(rows, sites, max_d, |s, d| [s.checked_sub(d).map(|a| (a, s)), Some((s, s + d))].into_iter().flatten().collect())
}

/// For deletions (the `shift` knockout), where the site's own pixels are gone: the mean
/// difference of the pixels that span each site, (s - a, s + b) with a, b >= 1, by their
/// distance d = a + b, for d = 0..=max_d (the paper's measure for deletions). NaN where no pixel
/// has both values (d < 2 always).
pub fn spanning_profile(rows: &[Row], sites: &[u32], max_d: u32) -> Vec<f64> {
    mean_by_distance(rows, sites, max_d, |s, d| (1..d).filter_map(|a| s.checked_sub(a).map(|i| (i, s + (d - a)))).collect())
}

/// Motifs placed on the representations' genome, and the genome-wide mean representation of
/// each orientation over the motif bins whose vector was trained.
pub(crate) struct Orientations {
    /// The genome of the representations.
    pub g: BinMap,
    /// Every motif of the BED.
    pub feats: Vec<hiclstm::formats::bed::Placed>,
    /// Mean representation of forward (0) and reverse (1) motif bins.
    pub mean: Vec<Vec<f32>>,
    /// Motifs averaged, forward and reverse.
    pub n: [usize; 2],
}

/// The orientation means of a motif BED (BED6 with strand); both orientations must be present.
pub(crate) fn orientation_means(motifs: &Path, reps: &[ChromRepresentations], k: usize, resolution: u32) -> Result<Orientations> {
    let g = hiclstm::tables::representations::bin_map(reps, resolution);
    let (feats, _) = read_placed(motifs, &g)?;
    let (mut sum, mut n) = (vec![vec![0f64; k], vec![0f64; k]], [0usize; 2]);
    for f in feats.iter() {
        let Some(strand) = f.strand else { continue };
        let s = (strand == Strand::Reverse) as usize;
        let b = g.bin_of((f.start + f.end) / 2);
        // A vector never trained (no contacts) says nothing about the orientation.
        if !reps[f.chrom].observed[b] {
            continue;
        }
        for d in 0..k {
            sum[s][d] += reps[f.chrom].values[b * k + d] as f64;
        }
        n[s] += 1;
    }
    if n[0] == 0 || n[1] == 0 {
        return Err(Error::InvalidArgument(format!(
            "{}: needs motifs of both orientations (column 6: + or -); found {} forward and {} reverse",
            motifs.display(),
            n[0],
            n[1]
        )));
    }
    let mean: Vec<Vec<f32>> = (0..2).map(|s| sum[s].iter().map(|x| (x / n[s] as f64) as f32).collect()).collect();
    Ok(Orientations { g, feats, mean, n })
}

/// The CTCF orientation replacement on chromosome `chrom`: the mean representations of forward
/// and of reverse motif bins over every chromosome, swapped onto the chromosome's motif bins (all
/// of them, or those at a loop anchor of `anchors`).
fn ctcf_swap(motifs: &Path, anchors: Option<&Path>, reps: &[ChromRepresentations], k: usize, chrom: &str, resolution: u32) -> Result<Edit> {
    let Orientations { g, feats, mean, n } = orientation_means(motifs, reps, k, resolution)?;
    let site = |start: u64, end: u64| g.bin_of((start + end) / 2);
    let ci = reps.iter().position(|c| c.chrom == chrom).expect("window chromosome");
    // Bins covered by a loop anchor on this chromosome (both ends of every BEDPE line).
    let anchor_bins: Option<std::collections::HashSet<usize>> = match anchors {
        Some(a) => {
            let (loops, _) = read_placed_anchors(a, &g)?;
            Some(
                loops
                    .iter()
                    .filter(|f| f.chrom == ci)
                    .flat_map(|f| {
                        let r = g.bins(ci, f.start, f.end);
                        r.start..r.end.max(r.start + 1)
                    })
                    .collect(),
            )
        }
        None => None,
    };
    // Each motif gets the mean of the other orientation.
    let sites: Vec<(usize, Vec<f32>)> = feats
        .iter()
        .filter(|f| f.chrom == ci)
        .filter_map(|f| f.strand.map(|s| (site(f.start, f.end), mean[(s == Strand::Forward) as usize].clone())))
        .filter(|(b, _)| anchor_bins.as_ref().is_none_or(|a| a.contains(b)))
        .collect();
    if let (Some(a), true) = (anchors, sites.is_empty()) {
        return Err(Error::InvalidArgument(format!("{}: no CTCF motif of {} lies at a loop anchor on {chrom}", a.display(), motifs.display())));
    }
    let at = if anchors.is_some() { " at loop anchors" } else { "" };
    hiclstm::log::info(&format!("CTCF swap: {} forward and {} reverse motifs genome-wide; {} sites{at} on {chrom} replaced", n[0], n[1], sites.len()));
    Ok(Edit::Replace { sites })
}

/// Predicted probabilities of every pixel (i, j), lo <= i <= j < hi, j - i <= max_d, of a
/// representation matrix (wild type or edited, in its own coordinates; `cut.n` its bins): its
/// rows framed as in training ([`crate::predict::DenseFrames`]).
pub fn dense(decoder: &crate::net::Decoder, reps: &tch::Tensor, lo: u32, hi: u32, max_d: u32, cut: crate::predict::RowCut) -> Vec<(u32, u32, f64)> {
    let d = crate::predict::dense_frames(lo, hi, max_d, cut);
    let p = crate::net::predict_frames(decoder, reps, &d.frames, 2048);
    d.wanted_steps().map(|g| (d.frames.row[g / cut.len], d.frames.col[g], p[g] as f64)).collect()
}

/// Where the outputs go; checked before anything is computed.
struct Paths {
    table: PathBuf,
    heatmap: PathBuf,
    difference: PathBuf,
    site_profile: PathBuf,
    tad_profile: PathBuf,
    tad_aggregate: PathBuf,
    tad_aggregate_png: PathBuf,
    observed_table: PathBuf,
    observed_png: PathBuf,
}

impl Paths {
    fn check(o: &PerturbOptions) -> Result<Paths> {
        let at = |n: &str| hiclstm::cli::output_path(&o.output, n);
        let p = Paths {
            table: at(outputs::PERTURBATIONS),
            heatmap: at(outputs::PERTURBATION_PNG),
            difference: at(outputs::DIFFERENCE_PNG),
            site_profile: at(outputs::SITE_PROFILE_PNG),
            tad_profile: at(outputs::TAD_PROFILE_PNG),
            tad_aggregate: at(outputs::TAD_AGGREGATE),
            tad_aggregate_png: at(outputs::TAD_AGGREGATE_PNG),
            observed_table: at(outputs::OBSERVED_COMPARISON),
            observed_png: at(outputs::OBSERVED_SCATTER_PNG),
        };
        if o.edit.observed.is_some() {
            check_writable(&p.observed_table, o.force)?;
            check_writable(&p.observed_png, o.force)?;
        }
        if o.tads.is_some() {
            check_writable(&p.tad_profile, o.force)?;
            check_writable(&p.tad_aggregate, o.force)?;
            check_writable(&p.tad_aggregate_png, o.force)?;
        }
        check_writable(&p.table, o.force)?;
        if let Some(f) = o.cooler {
            for m in MAPS {
                check_writable(&at(&format!("{m}.{}", f.extension())), o.force)?;
            }
        }
        if o.plots {
            check_writable(&p.heatmap, o.force)?;
            check_writable(&p.difference, o.force)?;
            if is_site_edit(&o.edit) {
                check_writable(&p.site_profile, o.force)?;
            }
        }
        Ok(p)
    }
}

/// The model and the representations an edit works on, checked against each other.
pub(crate) struct Loaded {
    pub mf: crate::config::ModelFile,
    pub model: crate::net::HicLstm,
    /// The decoder in use (main or auxiliary), for the outputs' provenance.
    pub decoder: crate::predict::DecoderChoice,
    pub reps_path: PathBuf,
    pub k: usize,
    pub reps: Vec<ChromRepresentations>,
}

/// Loads the model and the representations to edit (`--representations`, else the model's own).
pub(crate) fn load(o: &PerturbOptions) -> Result<Loaded> {
    let (mf, model, aux) = crate::predict::load_model_with(&o.model_dir, o.device, o.decoder)?;
    crate::predict::warn_dense_frame_head(&mf);
    // The auxiliary decoder was trained near the diagonal only: say where it extrapolates.
    if let Some(limit) = mf.config.step_max_distance.filter(|&l| aux && o.edit.max_distance.is_none_or(|d| d > l)) {
        let asked = o.edit.max_distance.map_or("the whole window".to_string(), |d| format!("--max-distance {d}"));
        hiclstm::log::warn(&format!("the auxiliary decoder was trained within {limit} bp of the diagonal; beyond ({asked}) its predictions are extrapolated"));
    }
    let reps_path = o.representations.clone().unwrap_or_else(|| crate::train::ModelDir(o.model_dir.clone()).representations());
    let (rmeta, k, reps) = hiclstm::tables::representations::read(&reps_path)?;
    if let Some(r) = rmeta.resolution().filter(|&r| r != mf.resolution) {
        return Err(Error::InvalidArgument(format!("{}: resolution {r} differs from the model's {}", reps_path.display(), mf.resolution)));
    }
    if k != mf.config.k {
        return Err(Error::schema(&reps_path, format!("representations have K = {k}, the model needs K = {}", mf.config.k)));
    }
    let decoder = if aux { crate::predict::DecoderChoice::Auxiliary } else { crate::predict::DecoderChoice::Main };
    Ok(Loaded { mf, model, decoder, reps_path, k, reps })
}

/// The table and plot paths of an edit that writes one table and, with `--plots`, one plot;
/// refused here, before anything is computed, if they cannot be written. `--tads` needs a
/// window's maps, which `what` (per-site knockouts, per-loop swaps) does not make.
pub(crate) fn table_and_plot(o: &PerturbOptions, table: &str, plot: &str, what: &str) -> Result<(PathBuf, PathBuf)> {
    if o.tads.is_some() {
        return Err(Error::InvalidArgument(format!(
            "--tads draws an edit's effect over a window's maps, which {what} do not make (knockouts: --together and a window)"
        )));
    }
    let (t, p) = (hiclstm::cli::output_path(&o.output, table), hiclstm::cli::output_path(&o.output, plot));
    check_writable(&t, o.force)?;
    if o.plots {
        check_writable(&p, o.force)?;
    }
    Ok((t, p))
}

/// Per-site knockouts go to [`crate::site_knockout::run`], per-loop CTCF swaps to
/// [`crate::loop_swap::run`], every other edit to [`run`]: what `hiclstm-perturb` runs.
pub fn run_any(o: &PerturbOptions) -> Result<()> {
    if o.cooler.is_some() && (o.edit.per_site() || o.edit.per_loop()) {
        hiclstm::log::info("--cooler: per-site knockouts and per-loop swaps make no window maps; no cooler file written");
    }
    if o.edit.per_site() {
        crate::site_knockout::run(o).map(|_| ())
    } else if o.edit.per_loop() {
        crate::loop_swap::run(o).map(|_| ())
    } else {
        run(o).map(|_| ())
    }
}

fn is_site_edit(e: &EditSpec) -> bool {
    matches!(e.edit, EditKind::Knockout | EditKind::CtcfSwap)
}

/// The edited chromosome: its representations and bins, and the table they came from.
struct Target<'a> {
    reps_path: &'a Path,
    chrom: &'a ChromRepresentations,
    /// The chromosome alone (bp -> bin conversions).
    bins: BinMap,
}

impl Target<'_> {
    fn n(&self) -> usize {
        self.chrom.n_bins()
    }

    /// The bins of a region on the window's chromosome, checked against the chromosome's end.
    fn bins_of(&self, r: &Region, window: &Region) -> Result<(usize, usize)> {
        if r.chrom != window.chrom {
            return Err(Error::InvalidArgument(format!("the edit is on {} but the window on {}", r.chrom, window.chrom)));
        }
        let (n, res, length) = (self.n(), self.bins.resolution as u64, self.bins.chroms[0].length);
        let e = r.end.unwrap_or(length);
        if e > length {
            return Err(Error::not_in_input(
                self.reps_path,
                format!("region {}:{}-{e} (beyond the chromosome's end)", r.chrom, r.start + 1),
                format!("{} is {length} bp", r.chrom),
            ));
        }
        let range = self.bins.bins(0, r.start, e);
        if range.is_empty() || r.start >= n as u64 * res {
            return Err(Error::not_in_input(
                self.reps_path,
                format!("region {}:{}-{e}", r.chrom, r.start + 1),
                format!("{} has {n} bins of {res} bp", r.chrom),
            ));
        }
        Ok((range.start, range.end))
    }

    /// TADs inside the window [lo, hi), for the profile.
    fn domains(&self, tads: &Path, lo: usize, hi: usize) -> Result<Vec<hiclstm::aggregate::Domain>> {
        let (feats, _) = read_placed(tads, &self.bins)?;
        let n = self.n();
        let doms: Vec<hiclstm::aggregate::Domain> = feats
            .iter()
            .map(|f| {
                let r = self.bins.bins(0, f.start, f.end);
                hiclstm::aggregate::Domain { offset: 0, chrom_bins: n, start: (f.start / self.bins.resolution as u64) as usize, end: r.end }
            })
            .filter(|d| d.start >= lo && d.end <= hi && d.end > d.start)
            .collect();
        if doms.is_empty() {
            return Err(Error::InvalidArgument(format!("{}: no domain inside the window", tads.display())));
        }
        Ok(doms)
    }

    /// The bins of the knockout sites (each site's middle).
    fn sites(&self, sites: &Path) -> Result<Vec<usize>> {
        let (feats, other) = read_placed(sites, &self.bins)?;
        if other > 0 {
            hiclstm::log::info(&format!("{}: {other} sites on other chromosomes ignored", sites.display()));
        }
        let mut b: Vec<usize> = feats.iter().map(|f| self.bins.bin_of((f.start + f.end) / 2)).collect();
        b.sort_unstable();
        b.dedup();
        Ok(b)
    }
}

/// The mean of the representations of the trained (observed) bins within `window` of `site`,
/// the site excluded: the `mean` knockout's replacement. Never-trained vectors are left out;
/// zeros when no neighbour was trained.
pub fn observed_neighbour_mean(c: &ChromRepresentations, k: usize, site: usize, window: usize) -> Vec<f32> {
    let n = c.n_bins();
    let nb: Vec<usize> = (site.saturating_sub(window)..(site + window + 1).min(n)).filter(|&x| x != site && c.observed[x]).collect();
    (0..k).map(|d| nb.iter().map(|&x| c.values[x * k + d]).sum::<f32>() / nb.len().max(1) as f32).collect()
}

/// The edit in bins of the target chromosome.
fn resolve_edit(o: &PerturbOptions, t: &Target, window: &Region, reps: &[ChromRepresentations], k: usize) -> Result<Edit> {
    let e = &o.edit;
    let need = |what: &str| Error::InvalidArgument(format!("this edit needs {what}"));
    let region = || e.at.as_ref().ok_or_else(|| need("--at chr:start-end")).and_then(|r| t.bins_of(r, window));
    let sites = || e.sites.as_deref().ok_or_else(|| need("--sites BED"));
    Ok(match e.edit {
        EditKind::Delete => region().map(|(start, end)| Edit::Delete { start, end })?,
        EditKind::Invert => region().map(|(start, end)| Edit::Invert { start, end })?,
        EditKind::Duplicate => region().map(|(start, end)| Edit::Duplicate { start, end })?,
        EditKind::Knockout => {
            let b = t.sites(sites()?)?;
            match e.method.unwrap_or_default() {
                KnockoutMethod::Zero => Edit::KnockoutZero { sites: b },
                KnockoutMethod::Mean => {
                    let window = e.neighbours.unwrap_or(2) as usize;
                    Edit::Replace { sites: b.iter().map(|&s| (s, observed_neighbour_mean(t.chrom, k, s, window))).collect() }
                }
                KnockoutMethod::Shift => Edit::KnockoutShift { sites: b },
            }
        }
        EditKind::CtcfSwap => ctcf_swap(sites()?, e.anchors.as_deref(), reps, k, &t.chrom.chrom, t.bins.resolution)?,
    })
}

/// Wild type and edited genome decoded over the window, compared on reference pixels.
fn compare(
    model: &crate::net::HicLstm,
    mf: &crate::config::ModelFile,
    o: &PerturbOptions,
    t: &Target,
    k: usize,
    (lo, hi): (usize, usize),
    edit: &Edit,
) -> Result<Vec<Row>> {
    let n = t.n();
    let (edited, ref_of) = apply(&t.chrom.values, n, k, edit)?;
    let max_d = o.edit.max_distance.map(|d| (d / mf.resolution as u64) as u32).unwrap_or((hi - lo) as u32);
    let cut = crate::predict::RowCut::of(mf, n);
    if ref_of.len() == n && ref_of.iter().enumerate().all(|(b, &r)| b == r) {
        return Ok(compare_in_place(model, o, t, k, (lo, hi), max_d, cut, &edited));
    }
    let wt_reps = tch::Tensor::from_slice(&t.chrom.values).reshape([n as i64, k as i64]).to(o.device);
    let wt = dense(&model.decoder, &wt_reps, lo as u32, hi as u32, max_d, cut);
    // The edited bins whose reference lies in the window; predict over their span.
    let inside: Vec<usize> = (0..ref_of.len()).filter(|&b| ref_of[b] >= lo && ref_of[b] < hi).collect();
    if inside.is_empty() {
        return Err(Error::InvalidArgument("the edit leaves nothing of the window".into()));
    }
    let (elo, ehi) = (inside[0], inside[inside.len() - 1] + 1);
    let ed_reps = tch::Tensor::from_slice(&edited).reshape([ref_of.len() as i64, k as i64]).to(o.device);
    let in_window = |b: u32| ref_of[b as usize] >= lo && ref_of[b as usize] < hi;
    // Rows of the edited genome are framed as the wild type's, as in training (to the edited
    // chromosome's end); the pixels wanted are those at --max-distance, else the window's. (With
    // --max-distance, a pixel that an insertion puts beyond it in the edited genome is not
    // predicted: fewer `copies`.)
    let ed_max_d = if o.edit.max_distance.is_some() { max_d } else { (ehi - elo) as u32 };
    let ed_cut = crate::predict::RowCut { n: ref_of.len() as u32, ..cut };
    let mutant: Vec<(u32, u32, f64)> =
        dense(&model.decoder, &ed_reps, elo as u32, ehi as u32, ed_max_d, ed_cut).into_iter().filter(|&(i, j, _)| in_window(i) && in_window(j)).collect();
    let back = to_reference(&mutant, &ref_of, &mf.config.transform);
    // The first edited bin of each reference bin, built once.
    let mut first_copy: Vec<Option<u32>> = vec![None; n];
    for (b, &r) in ref_of.iter().enumerate() {
        first_copy[r].get_or_insert(b as u32);
    }
    Ok(wt
        .iter()
        .map(|&(i, j, p)| {
            let m = back.get(&(i, j));
            Row { i, j, i_edit: first_copy[i as usize], j_edit: first_copy[j as usize], copies: m.map(|x| x.1).unwrap_or(0), wt: p, mutant: m.map(|x| x.0) }
        })
        .collect())
}

/// [`compare`] for edits that keep every bin in place (knockouts by zero or mean, CTCF
/// replacements): the window is decoded a block of rows at a time, and only the frames that see
/// an edited bin (as their row or in any observed step; with the frame head every output of a
/// frame depends on all its steps) are decoded again with the edited representations. Every
/// other pixel's mutant is its wild type exactly, and memory holds one block of frames besides
/// the rows, so that per-site knockouts over whole chromosomes are cheap.
#[allow(clippy::too_many_arguments)]
fn compare_in_place(
    model: &crate::net::HicLstm,
    o: &PerturbOptions,
    t: &Target,
    k: usize,
    (lo, hi): (usize, usize),
    max_d: u32,
    cut: crate::predict::RowCut,
    edited: &[f32],
) -> Vec<Row> {
    const BATCH: usize = 2048;
    let l = cut.len;
    let n = t.n();
    let changed: Vec<bool> = (0..n).map(|b| edited[b * k..(b + 1) * k] != t.chrom.values[b * k..(b + 1) * k]).collect();
    let wt_reps = tch::Tensor::from_slice(&t.chrom.values).reshape([n as i64, k as i64]).to(o.device);
    let ed_reps = tch::Tensor::from_slice(edited).reshape([n as i64, k as i64]).to(o.device);
    let (mut rows, mut total, mut redone) = (Vec::new(), 0usize, 0usize);
    for d in crate::predict::dense_blocks(lo as u32, hi as u32, max_d, cut, BATCH) {
        let f = &d.frames;
        let wt = crate::net::predict_frames(&model.decoder, &wt_reps, f, BATCH);
        let sees: Vec<usize> =
            (0..f.n()).filter(|&q| changed[f.row[q] as usize] || (q * l..(q + 1) * l).any(|s| f.mask[s] > 0.0 && changed[f.col[s] as usize])).collect();
        let mut mutant = wt.clone();
        if !sees.is_empty() {
            let p = crate::net::predict_frames(&model.decoder, &ed_reps, &f.select(sees.iter().copied()), BATCH);
            for (x, &q) in sees.iter().enumerate() {
                mutant[q * l..(q + 1) * l].copy_from_slice(&p[x * l..(x + 1) * l]);
            }
        }
        total += f.n();
        redone += sees.len();
        for g in d.wanted_steps() {
            let (i, j) = (f.row[g / l], f.col[g]);
            rows.push(Row { i, j, i_edit: Some(i), j_edit: Some(j), copies: 1, wt: wt[g] as f64, mutant: Some(mutant[g] as f64) });
        }
    }
    hiclstm::log::info(&format!("{redone} of {total} frames of the window see an edited bin and were decoded again; the others keep their wild type"));
    rows
}

/// Applies the edit to its chromosome's representations, decodes wild type and edited genome over
/// the window, writes the perturbations table (and plots) and returns its rows: one per wild-type
/// pixel of the window.
pub fn run(o: &PerturbOptions) -> Result<Vec<Row>> {
    o.edit.check().map_err(Error::InvalidArgument)?;
    if o.edit.per_site() || o.edit.per_loop() {
        return Err(Error::Internal("perturb::run compares a window; per-site knockouts and per-loop swaps have their own modules".into()));
    }
    let paths = Paths::check(o)?;
    let window = o.edit.window.as_ref().ok_or_else(|| Error::InvalidArgument("this edit needs --window chr:start-end".into()))?;
    let Loaded { mf, model, decoder, reps_path, k, reps } = load(o)?;
    let chrom = reps.iter().find(|c| c.chrom == window.chrom).ok_or_else(|| {
        Error::not_in_input(&reps_path, format!("chromosome '{}'", window.chrom), reps.iter().map(|c| c.chrom.as_str()).collect::<Vec<_>>().join(", "))
    })?;
    let bins = hiclstm::tables::representations::bin_map(std::slice::from_ref(chrom), mf.resolution);
    let target = Target { reps_path: &reps_path, chrom, bins };
    let (lo, hi) = target.bins_of(window, window)?;
    // TADs for the profile are checked before anything is computed or written.
    let domains = o.tads.as_deref().map(|t| target.domains(t, lo, hi)).transpose()?;
    let edit = resolve_edit(o, &target, window, &reps, k)?;
    check_observed(o, &mf)?;
    let rows = compare(&model, &mf, o, &target, k, (lo, hi), &edit)?;

    let mut outs = OutputSet::default();
    if o.plots {
        outs.push(heatmap(&paths.heatmap, &chrom.chrom, lo, hi, mf.resolution, &rows, false)?);
        outs.push(heatmap(&paths.difference, &chrom.chrom, lo, hi, mf.resolution, &rows, true)?);
        if is_site_edit(&o.edit) {
            outs.extend(site_profile_plot(&paths.site_profile, &edit, &rows, mf.resolution)?);
        }
    }
    if let Some(doms) = &domains {
        outs.push(tad_profile_plot(&paths.tad_profile, doms, &rows, target.n())?);
        let (cells, plot) = tad_aggregate(o, &target, doms, &rows, mf.resolution, &paths.tad_aggregate_png)?;
        let mut m = hiclstm::tables::Meta::new(hiclstm::tables::TableKind::TadAggregate.schema());
        m.set("assembly", &mf.assembly)
            .set("resolution", mf.resolution)
            .set("params", serde_json::json!({"model": o.model_dir, "edit": o.edit, "tads": o.tads, "ctcf": o.ctcf, "flank_bp": o.tad_flank}).to_string());
        outs.push(hiclstm::tables::tad_aggregate::write(&paths.tad_aggregate, &m, &cells, o.force)?);
        outs.push(plot);
    }
    if let Some(format) = o.cooler {
        outs.extend(write_maps(o, &mf, &reps, &chrom.chrom, &rows, format)?);
    }
    // The predicted edit against observed maps (`observed`/`observed_mutant` of the edit): MSE
    // by region, the changes' correlation and a scatter plot.
    if let (Some(wt_path), Some(mutant_path)) = (&o.edit.observed, &o.edit.observed_mutant) {
        let span = o.edit.at.as_ref().map(|at| target.bins_of(at, window)).transpose()?.map(|(a, b)| (a as u32, b as u32));
        let t = &mf.config.transform;
        let mut maps = Vec::new();
        for p in [wt_path, mutant_path] {
            let m = hiclstm::observed_edit::load(p, &chrom.chrom, lo as u32, hi as u32, t)?;
            if m.is_empty() {
                return Err(Error::not_in_input(p, format!("pixels of {} in the window", chrom.chrom), "none"));
            }
            maps.push(m);
        }
        let c = hiclstm::observed_edit::compare(&chrom.chrom, &rows, &maps[0], &maps[1], span);
        let all = |m: &str, metric: &str| c.rows.iter().find(|r| r.method == m && r.metric == metric && r.task.as_deref() == Some("all")).and_then(|r| r.value);
        hiclstm::log::info(&format!(
            "against the observed mutant: MSE {:.5} (observed wild type as the mutant: {:.5}); predicted vs observed change r = {:.3}",
            all("hiclstm", "mse").unwrap_or(f64::NAN),
            all("observed_wild_type", "mse").unwrap_or(f64::NAN),
            all("hiclstm", "pearson_difference").unwrap_or(f64::NAN)
        ));
        let mut m = hiclstm::tables::Meta::new(hiclstm::tables::TableKind::Metrics.schema());
        m.set("assembly", &mf.assembly).set("resolution", mf.resolution).set(
            "params",
            serde_json::json!({"model": o.model_dir, "edit": o.edit, "observed_wild_type": wt_path, "observed_mutant": mutant_path}).to_string(),
        );
        outs.push(hiclstm::tables::metrics::write(&paths.observed_table, &m, &c.rows, o.force)?);
        outs.push(hiclstm::plot::scatter(
            &paths.observed_png,
            &format!("{}: predicted against observed change", if o.edit.id.is_empty() { "edit" } else { &o.edit.id }),
            "predicted change, mutant - wild type (probability)",
            "observed change, mutant - wild type (probability)",
            &c.points,
        )?);
    }
    let mut meta = hiclstm::tables::Meta::new(hiclstm::tables::TableKind::Perturbations.schema());
    meta.set("assembly", &mf.assembly).set("resolution", mf.resolution).set(
        "params",
        serde_json::json!({"model": o.model_dir, "decoder": decoder, "edit": o.edit, "window": window.to_string(), "max_distance": o.edit.max_distance})
            .to_string(),
    );
    outs.push(hiclstm::tables::perturbations::write(&paths.table, &meta, &chrom.chrom, &rows, &mf.config.transform, o.force)?);
    outs.commit(o.force)?;
    let changed: Vec<f64> = rows.iter().filter_map(|r| r.mutant.map(|m| (m - r.wt).abs())).collect();
    hiclstm::log::info(&format!(
        "{} pixels; mean |difference| {:.4}; {} reference pixels lost",
        rows.len(),
        changed.iter().sum::<f64>() / changed.len().max(1) as f64,
        rows.iter().filter(|r| r.mutant.is_none()).count()
    ));
    Ok(rows)
}

/// The mean change of the edited sites' contacts by distance (None when no pixel has both values).
fn site_profile_plot(path: &Path, edit: &Edit, rows: &[Row], res: u32) -> Result<Option<AtomicFile>> {
    let sites: Vec<u32> = match edit {
        Edit::KnockoutZero { sites } | Edit::KnockoutMean { sites, .. } | Edit::KnockoutShift { sites } => sites.iter().map(|&b| b as u32).collect(),
        Edit::Replace { sites } => sites.iter().map(|s| s.0 as u32).collect(),
        _ => vec![],
    };
    // A deleted site has no pixels of its own: measure the pixels that span it.
    let prof = if matches!(edit, Edit::KnockoutShift { .. }) { spanning_profile(rows, &sites, 50) } else { site_profile(rows, &sites, 50) };
    let pts: Vec<(f64, f64)> = prof.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(d, v)| (d as f64 * res as f64 / 1e6, *v)).collect();
    if pts.is_empty() {
        hiclstm::log::warn("no pixel of the window has both a wild-type and an edited value near the sites: no site profile drawn");
        return Ok(None);
    }
    let chart = hiclstm::plot::LineChart {
        title: "Mean change of contacts with the edited sites, by distance",
        x_label: "distance from the site (Mb)",
        y_label: "mean predicted probability difference (edited - wild type)",
        log_x: false,
        log_y: false,
        y_range: None,
        x_integer: false,
    };
    hiclstm::plot::line_chart(path, &chart, &[hiclstm::plot::Series { name: format!("{} sites", sites.len()), points: pts, dashed: false }]).map(Some)
}

/// Each bin's mean change over its pixels in the window, averaged across the TADs.
fn tad_profile_plot(path: &Path, doms: &[hiclstm::aggregate::Domain], rows: &[Row], n: usize) -> Result<AtomicFile> {
    let (mut sum, mut cnt) = (vec![0.0; n], vec![0.0; n]);
    for r in rows {
        if let Some(m) = r.mutant {
            for b in [r.i as usize, r.j as usize] {
                sum[b] += m - r.wt;
                cnt[b] += 1.0;
            }
        }
    }
    // Bins without a compared pixel have no change to report: NaN, left out of the profile (a 0
    // would pull the flanks toward no change).
    let per_bin: Vec<f64> = sum.iter().zip(&cnt).map(|(s, c)| if *c > 0.0 { s / c } else { f64::NAN }).collect();
    let prof = hiclstm::aggregate::tad_profile(&per_bin, doms, 10, 5);
    let pts: Vec<(f64, f64)> = prof.iter().enumerate().filter(|(_, v)| v.is_finite()).map(|(k, v)| (k as f64 - 4.5, *v)).collect();
    let chart = hiclstm::plot::LineChart {
        title: "Mean change across TADs (10 interior bins, 5-bin flanks)",
        x_label: "position (0 = TAD start, 10 = TAD end)",
        y_label: "mean probability difference of the bin's contacts",
        log_x: false,
        log_y: false,
        y_range: None,
        x_integer: false,
    };
    hiclstm::plot::line_chart(path, &chart, &[hiclstm::plot::Series { name: format!("{} TADs in the window", doms.len()), points: pts, dashed: false }])
}

/// The window's maps: wild type above the diagonal and edited below, or (`difference`) the
/// difference, mirrored, in diverging colours.
fn heatmap(path: &Path, chrom: &str, lo: usize, hi: usize, res: u32, rows: &[Row], difference: bool) -> Result<AtomicFile> {
    let n = hi - lo;
    let (mut up, mut low) = (vec![f64::NAN; n * n], vec![f64::NAN; n * n]);
    for r in rows {
        let (a, b) = (r.i as usize - lo, r.j as usize - lo);
        if difference {
            if let Some(m) = r.mutant {
                up[a * n + b] = m - r.wt;
                low[b * n + a] = m - r.wt;
            }
        } else {
            up[a * n + b] = r.wt;
            if let Some(m) = r.mutant {
                low[b * n + a] = m;
            }
        }
    }
    let title = format!("{chrom}:{:.2}-{:.2} Mb", lo as f64 * res as f64 / 1e6, hi as f64 * res as f64 / 1e6);
    let title = format!("{title}{}", if difference { ": edited - wild type" } else { "" });
    let common = hiclstm::plot::Heatmap {
        title: &title,
        n,
        start_bp: lo as u64 * res as u64,
        resolution: res,
        upper: &up,
        lower: &low,
        upper_name: "wild type",
        lower_name: "edited (mapped to reference)",
        value_name: "contact probability",
        vmin: 0.0,
        vmax: 1.0,
        marks: &[],
        mark_name: "",
        diverging: false,
        cells: None,
        square: false,
    };
    if difference {
        let dmax = rows.iter().filter_map(|r| r.mutant.map(|m| (m - r.wt).abs())).fold(0.0f64, f64::max).max(1e-6);
        hiclstm::plot::heatmap(
            path,
            &hiclstm::plot::Heatmap {
                upper_name: "difference",
                lower_name: "difference (mirrored)",
                value_name: "probability difference",
                vmin: -dmax,
                vmax: dmax,
                diverging: true,
                ..common
            },
        )
    } else {
        let vmax = rows.iter().map(|r| r.wt.max(r.mutant.unwrap_or(0.0))).fold(0.0f64, f64::max);
        hiclstm::plot::heatmap(path, &hiclstm::plot::Heatmap { vmax: vmax.max(1e-6), ..common })
    }
}

//! Classification tasks (a YAML list) and the per-bin labels they give.

use crate::error::{Error, Location, Result};
use crate::formats::bed::{read_bedgraph, read_placed, read_placed_anchors};
use crate::genome::BinMap;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// How a task's track file turns into per-bin labels (`kind:` in the task YAML, lowercase).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Elements or regions (BED3+, BED6, narrowPeak): overlapping bins are positive. With
    /// `name_prefix`, features whose name starts with it are positive and the others negative, and
    /// each bin takes the class covering most of it.
    Bed,
    /// A valued track: bins whose mean value exceeds `threshold` are positive, the others negative.
    Bedgraph,
    /// Interactions (BEDPE): bins overlapping either anchor are positive.
    Bedpe,
    /// Domains (BED): bins within `flank` bins of a domain edge are positive.
    Boundaries,
    /// Named categories (BED with a name column, e.g. subcompartments): a multi-class task;
    /// `label_length` keeps the first characters of the name (`A.1.2` -> `A.1` with 3).
    Category,
}

/// One classification task of the task YAML: a named track file and how it labels bins.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Task name, used in logs, result rows and output file names.
    pub name: String,
    /// Track file; a relative path that does not exist as given is taken relative to the YAML file.
    pub file: PathBuf,
    /// How `file` is read and turned into labels.
    pub kind: Kind,
    /// `bedgraph` tasks: bins whose mean value is above this are positive, the others negative
    /// (default 0).
    #[serde(default)]
    pub threshold: f64,
    /// `bed` and `bedpe` tasks: features whose name starts with this are positive and the other
    /// features negative, a bin taking the class that covers most of it (ties: positive); None
    /// makes every feature positive and every bin one overlaps positive.
    #[serde(default)]
    pub name_prefix: Option<String>,
    /// `boundaries` tasks: extra bins labelled positive on each side of a domain edge (default 0).
    #[serde(default)]
    pub flank: u32,
    /// Minimum overlap (bp) for a feature to label a bin.
    #[serde(default = "one")]
    pub min_overlap: u64,
    /// Category tasks: characters of the name that make the class.
    #[serde(default)]
    pub label_length: Option<usize>,
}

fn one() -> u64 {
    1
}

/// The task YAML file: a top-level `tasks:` list.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskFile {
    /// The tasks, in file order (`read_tasks` rejects an empty list).
    pub tasks: Vec<Task>,
}

/// Reads the task list; relative track paths are taken relative to the YAML file.
pub fn read_tasks(path: &Path) -> Result<Vec<Task>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::input_io(path, e))?;
    let f: TaskFile = serde_yaml_ng::from_str(&text).map_err(|e| {
        let loc = e.location().map(|l| Location::Line { line: l.line() as u64, column: Some(l.column() as u64) }).unwrap_or(Location::None);
        Error::format(path, loc, e.to_string())
    })?;
    if f.tasks.is_empty() {
        return Err(Error::format(path, Location::None, "no tasks listed"));
    }
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(f.tasks
        .into_iter()
        .map(|mut t| {
            if t.file.is_relative() && !t.file.exists() {
                t.file = base.join(&t.file);
            }
            t
        })
        .collect())
}

/// A category task's labels: per bin the class index (None where unlabelled), and class names.
pub fn categories(task: &Task, g: &BinMap, usable: &[bool]) -> Result<(Vec<Option<usize>>, Vec<String>)> {
    let (feats, unknown) = read_placed(&task.file, g)?;
    if unknown > 0 {
        crate::log::warn(&format!("{}: {unknown} features on chromosomes absent from the representations were skipped", task.file.display()));
    }
    let mut names: Vec<String> = Vec::new();
    // Each bin takes the class covering most of it (its features' overlaps summed per class).
    let mut cover = Coverage::new(g.n_bins());
    for f in &feats {
        let name: String = match task.label_length {
            Some(n) => f.name.chars().take(n).collect(),
            None => f.name.clone(),
        };
        if name.is_empty() {
            continue;
        }
        let c = match names.iter().position(|x| *x == name) {
            Some(c) => c,
            None => {
                names.push(name);
                names.len() - 1
            }
        };
        for (b, ov) in covered(g, f.chrom, f.start, f.end) {
            if ov >= task.min_overlap.max(1) {
                cover.add(b, c, ov);
            }
        }
    }
    let mut lab = cover.largest(None);
    for (b, l) in lab.iter_mut().enumerate() {
        if !usable[b] {
            *l = None;
        }
    }
    // Classes in name order, so that outputs do not depend on the file's line order.
    let mut order: Vec<usize> = (0..names.len()).collect();
    order.sort_by(|&a, &b| names[a].cmp(&names[b]));
    let rank: Vec<usize> = {
        let mut r = vec![0; names.len()];
        for (k, &o) in order.iter().enumerate() {
            r[o] = k;
        }
        r
    };
    let lab: Vec<Option<usize>> = lab.into_iter().map(|l| l.map(|c| rank[c])).collect();
    let names: Vec<String> = order.into_iter().map(|o| names[o].clone()).collect();
    let present = names.iter().enumerate().filter(|(c, _)| lab.contains(&Some(*c))).count();
    if present < 2 {
        return Err(Error::InvalidArgument(format!("task '{}': fewer than two classes among the represented bins", task.name)));
    }
    Ok((lab, names))
}

/// Per bin: Some(true/false) where the task labels it, None elsewhere (before negative sampling).
pub fn labels(task: &Task, g: &BinMap, usable: &[bool], seed: u64) -> Result<Vec<Option<bool>>> {
    let res = g.resolution as u64;
    let n = g.n_bins();
    let mut lab: Vec<Option<bool>> = vec![None; n];
    let mut given_negatives = false;
    // The bins a feature labels (genome-wide index) and how many bp of each it covers.
    let bins =
        |chrom: usize, s: u64, e: u64, min: u64| -> Vec<(usize, u64)> { covered(g, chrom, s, e).filter(|&(_, bp)| bp >= min.min(e - s).max(1)).collect() };
    let unknown = match task.kind {
        Kind::Bed | Kind::Bedpe => {
            let (feats, unknown) = if task.kind == Kind::Bedpe { read_placed_anchors(&task.file, g)? } else { read_placed(&task.file, g)? };
            match &task.name_prefix {
                // Both classes given (e.g. A and B compartments): each bin takes the class covering
                // most of it, as in category tasks, so that a bin mostly B is not an A bin for
                // touching an A segment (ties: positive).
                Some(prefix) => {
                    given_negatives = true;
                    let mut cover = Coverage::new(n);
                    for f in &feats {
                        let class = usize::from(f.name.starts_with(prefix.as_str()));
                        for (b, bp) in bins(f.chrom, f.start, f.end, task.min_overlap) {
                            cover.add(b, class, bp);
                        }
                    }
                    lab = cover.largest(Some(1)).into_iter().map(|c| c.map(|c| c == 1)).collect();
                }
                // Elements: a bin any of them overlaps is positive.
                None => {
                    for f in &feats {
                        for (b, _) in bins(f.chrom, f.start, f.end, task.min_overlap) {
                            lab[b] = Some(true);
                        }
                    }
                }
            }
            unknown
        }
        Kind::Boundaries => {
            let (feats, unknown) = read_placed(&task.file, g)?;
            for f in &feats {
                let nb = g.chroms[f.chrom].n_bins as i64;
                for edge in [f.start / res, f.end.div_ceil(res)] {
                    let edge = edge as i64;
                    // The bins either side of the edge, widened by `flank`.
                    for b in (edge - 1 - task.flank as i64)..=(edge + task.flank as i64) {
                        if b >= 0 && b < nb && edge > 0 && edge < nb {
                            lab[g.offset(f.chrom) + b as usize] = Some(true);
                        }
                    }
                }
            }
            unknown
        }
        Kind::Category => return Err(Error::Internal("category tasks have their own labels".into())),
        Kind::Bedgraph => {
            given_negatives = true;
            let tr = read_bedgraph(&task.file)?;
            let mut unknown = 0;
            for (ci, c) in g.chroms.iter().enumerate() {
                let v = crate::baselines::pca::bin_track(&tr, &c.name, c.n_bins, g.resolution);
                for (b, x) in v.iter().enumerate() {
                    if x.is_finite() {
                        lab[g.offset(ci) + b] = Some(*x > task.threshold);
                    }
                }
            }
            for r in &tr {
                if g.find(&r.chrom).is_none() {
                    unknown += 1;
                }
            }
            unknown
        }
    };
    if unknown > 0 {
        crate::log::warn(&format!("{}: {unknown} features on chromosomes absent from the representations were skipped", task.file.display()));
    }
    for (b, l) in lab.iter_mut().enumerate() {
        if !usable[b] {
            *l = None;
        }
    }
    let npos = lab.iter().filter(|l| **l == Some(true)).count();
    if npos == 0 {
        return Err(Error::InvalidArgument(format!("task '{}': no positive bin among the represented bins (check {})", task.name, task.file.display())));
    }
    if !given_negatives {
        // Balanced negatives, sampled genome-wide from the other usable bins with the seed.
        let mut pool: Vec<usize> = (0..n).filter(|&b| usable[b] && lab[b].is_none()).collect();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        pool.shuffle(&mut rng);
        for &b in pool.iter().take(npos) {
            lab[b] = Some(false);
        }
    }
    if lab.iter().all(|l| *l != Some(false)) {
        return Err(Error::InvalidArgument(format!("task '{}': only one class (no negative bin)", task.name)));
    }
    Ok(lab)
}

/// Per bin, the base pairs each class's features cover (few classes touch one bin, so a short
/// list per bin rather than a bins x classes matrix, which a task with many names would make large).
struct Coverage(Vec<Vec<(usize, u64)>>);

impl Coverage {
    fn new(n_bins: usize) -> Self {
        Coverage(vec![Vec::new(); n_bins])
    }

    fn add(&mut self, bin: usize, class: usize, bp: u64) {
        let list = &mut self.0[bin];
        match list.iter_mut().find(|(c, _)| *c == class) {
            Some((_, total)) => *total += bp,
            None => list.push((class, bp)),
        }
    }

    /// Per bin the class covering most of it, None where none does; ties go to `preferred` where
    /// it is part of them, else to the lowest class index.
    fn largest(self, preferred: Option<usize>) -> Vec<Option<usize>> {
        self.0
            .into_iter()
            .map(|list| {
                let rank = |&(c, bp): &(usize, u64)| (bp, Some(c) == preferred, std::cmp::Reverse(c));
                list.iter().max_by_key(|e| rank(e)).map(|&(c, _)| c)
            })
            .collect()
    }
}

/// The bins of chromosome `chrom` (genome-wide index) that `start..end` overlaps, and how many bp
/// of each it covers.
fn covered(g: &BinMap, chrom: usize, start: u64, end: u64) -> impl Iterator<Item = (usize, u64)> + '_ {
    let (off, res) = (g.offset(chrom), g.resolution as u64);
    g.bins(chrom, start, end).map(move |b| (off + b, end.min((b as u64 + 1) * res).saturating_sub(start.max(b as u64 * res))))
}

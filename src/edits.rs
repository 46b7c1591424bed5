//! In-silico edits as users write them: the closed sets (edit kinds, knockout methods) and one
//! edit's specification, the same YAML map in the pipeline params' `edits` list and in the file
//! `hiclstm-perturb --edit-spec` reads (which both runners, `hiclstm-pipeline` and the Nextflow
//! module, pass instead of spelling the edit as flags).

use crate::error::{Error, Location, Result};
use crate::genome::Region;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What an edit does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EditKind {
    /// Remove a region (--at); downstream representations move up.
    Delete,
    /// Reverse a region's representations (--at).
    Invert,
    /// Tandem duplication of a region (--at); predictions are mapped back to reference pixels
    /// by summing the values of both copies.
    Duplicate,
    /// Knock out sites from a BED file (--sites) by --method zero, mean or shift.
    Knockout,
    /// CTCF orientation replacement: motif sites (--sites, BED6 with strand) of each orientation
    /// get the genome-wide mean representation of the other orientation.
    CtcfSwap,
}

/// How a knockout replaces a site's representation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KnockoutMethod {
    /// Zeros.
    Zero,
    /// The mean of its neighbours either side.
    Mean,
    /// Delete the site (the paper's preferred method).
    #[default]
    Shift,
}

/// The paper's CTCF orientation replacements at loops: each loop's anchor motifs take the
/// genome-wide mean representation of the opposite orientation, one loop at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoopSwap {
    /// Loops with a forward motif at the upstream anchor and a reverse one downstream (the CTCF
    /// loops of the loop-extrusion model) become divergent.
    ConvergentToDivergent,
    /// Loops with a reverse motif upstream and a forward one downstream become convergent.
    DivergentToConvergent,
}

/// One edit: the flags of `hiclstm-perturb` as a map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EditSpec {
    /// Names the output files (`<sample>.<id>.*` in the pipeline); letters, digits, `_`, `-`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub id: String,
    /// Which edit: delete, invert, duplicate, knockout or ctcf-swap (kebab-case in YAML).
    pub edit: EditKind,
    /// Region of a delete, invert or duplicate edit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<Region>,
    /// Sites (BED) of a knockout, or CTCF motifs (BED6 with strand) of a CTCF swap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sites: Option<PathBuf>,
    /// Loops (BEDPE): a CTCF swap replaces only the motifs at their anchors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchors: Option<PathBuf>,
    /// Knockout method (default: shift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<KnockoutMethod>,
    /// Neighbours either side for the mean knockout (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub neighbours: Option<u32>,
    /// CTCF swap with `anchors`: swap the motif orientation of each loop alone (convergent to
    /// divergent or back) and report the loop pixels (PREFIX.perturbations, one row per loop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orientation: Option<LoopSwap>,
    /// Knockout: edit all sites at once and compare the window's maps (PREFIX.perturbations);
    /// default (false): each site edited alone, effects by distance (PREFIX.site_effects).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub together: bool,
    /// Window predicted and compared (reference coordinates); for per-site knockouts the region
    /// whose sites are edited (default: every chromosome).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Region>,
    /// Largest distance predicted (bp); default: the whole window (2 Mb for per-site knockouts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance: Option<u64>,
    /// Observed contacts table of the wild type (window edits, with `observed_mutant`): the
    /// predicted edit is compared with the observed one (PREFIX.observed_comparison).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed: Option<PathBuf>,
    /// Observed contacts table of the mutant, in reference coordinates (with `observed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_mutant: Option<PathBuf>,
}

impl EditSpec {
    /// A delete, invert or duplicate edit of `at`, compared over `window`.
    pub fn region(edit: EditKind, at: Region, window: Region) -> Self {
        EditSpec {
            id: String::new(),
            edit,
            at: Some(at),
            sites: None,
            anchors: None,
            method: None,
            neighbours: None,
            orientation: None,
            together: false,
            window: Some(window),
            max_distance: None,
            observed: None,
            observed_mutant: None,
        }
    }

    /// A per-site knockout of the sites of a BED file (`neighbours` for the mean method) in
    /// `window` (None: every chromosome); set `together` to knock them out at once.
    pub fn knockout(sites: PathBuf, method: KnockoutMethod, neighbours: Option<u32>, window: Option<Region>) -> Self {
        EditSpec {
            id: String::new(),
            edit: EditKind::Knockout,
            at: None,
            sites: Some(sites),
            anchors: None,
            method: Some(method),
            neighbours,
            orientation: None,
            together: false,
            window,
            max_distance: None,
            observed: None,
            observed_mutant: None,
        }
    }

    /// Each site edited alone, effects summarised by distance (knockouts unless `together`).
    pub fn per_site(&self) -> bool {
        self.edit == EditKind::Knockout && !self.together
    }

    /// Each loop's anchors swapped alone (CTCF swaps with an `orientation`).
    pub fn per_loop(&self) -> bool {
        self.edit == EditKind::CtcfSwap && self.orientation.is_some()
    }

    /// A CTCF orientation swap of the motifs of a BED6 file (at the anchors of a BEDPE, if given).
    pub fn ctcf_swap(motifs: PathBuf, anchors: Option<PathBuf>, window: Region) -> Self {
        EditSpec { edit: EditKind::CtcfSwap, at: None, sites: Some(motifs), anchors, ..Self::region(EditKind::CtcfSwap, window.clone(), window) }
    }

    /// Reads an edit file; relative `sites`/`anchors` paths are taken relative to the file's
    /// directory when they do not exist relative to the current one (as the classify task list).
    pub fn load(path: &Path) -> Result<EditSpec> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::input_io(path, e))?;
        let mut e: EditSpec = serde_yaml_ng::from_str(&text).map_err(|e| {
            let loc = e.location().map(|l| Location::Line { line: l.line() as u64, column: Some(l.column() as u64) }).unwrap_or(Location::None);
            Error::format(path, loc, e.to_string())
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for f in [&mut e.sites, &mut e.anchors, &mut e.observed, &mut e.observed_mutant].into_iter().flatten() {
            if f.is_relative() && !f.exists() {
                *f = base.join(&*f);
            }
        }
        e.check().map_err(|m| Error::format(path, Location::None, m))?;
        Ok(e)
    }

    /// The rules a map of the right shape can still break: what each kind needs, what it may
    /// not have, and the id's spelling.
    pub fn check(&self) -> std::result::Result<(), String> {
        if !self.id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
            return Err(format!("edit id '{}' must be letters, digits, '_' or '-' (it names the output files)", self.id));
        }
        let kind = self.edit;
        let region_edit = matches!(kind, EditKind::Delete | EditKind::Invert | EditKind::Duplicate);
        if region_edit && self.at.is_none() {
            return Err(format!("edit {}: needs `at` (chr:start-end)", self.name()));
        }
        if !region_edit && self.sites.is_none() {
            return Err(format!("edit {}: needs `sites` (a BED file)", self.name()));
        }
        if self.per_loop() && self.anchors.is_none() {
            return Err(format!("edit {}: `orientation` needs `anchors` (the loops, BEDPE)", self.name()));
        }
        if self.window.is_none() && !self.per_site() && !self.per_loop() {
            return Err(format!("edit {}: needs `window` (chr:start-end), the region predicted and compared", self.name()));
        }
        if self.observed.is_some() != self.observed_mutant.is_some() {
            return Err(format!("edit {}: `observed` and `observed_mutant` go together (the wild-type and the mutant maps)", self.name()));
        }
        let misplaced = [
            ("at", self.at.is_some() && !region_edit),
            ("sites", self.sites.is_some() && region_edit),
            ("anchors", self.anchors.is_some() && kind != EditKind::CtcfSwap),
            ("method", self.method.is_some() && kind != EditKind::Knockout),
            ("neighbours", self.neighbours.is_some() && self.method != Some(KnockoutMethod::Mean)),
            ("together", self.together && kind != EditKind::Knockout),
            ("orientation", self.orientation.is_some() && kind != EditKind::CtcfSwap),
            ("observed", self.observed.is_some() && (self.per_site() || self.per_loop())),
        ];
        if let Some((key, _)) = misplaced.iter().find(|m| m.1) {
            return Err(format!("edit {}: `{key}` does not apply to this edit", self.name()));
        }
        Ok(())
    }

    fn name(&self) -> String {
        let kind = serde_yaml_ng::to_string(&self.edit).unwrap_or_default().trim().to_string();
        if self.id.is_empty() {
            kind
        } else {
            format!("'{}' ({kind})", self.id)
        }
    }

    /// The YAML map (what `--edit-spec` reads).
    pub fn to_yaml(&self) -> String {
        serde_yaml_ng::to_string(self).expect("an edit serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_files_round_trip_and_bad_ones_name_the_key() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("ctcf.bed"), "chr1\t0\t10\n").unwrap();
        let p = d.path().join("edit.yaml");
        std::fs::write(&p, "id: ko\nedit: knockout\nsites: ctcf.bed\nmethod: zero\nwindow: 'chr1:1-1,000'\n").unwrap();
        let e = EditSpec::load(&p).unwrap();
        assert_eq!((e.edit, e.method, e.window.as_ref().unwrap().end, e.per_site()), (EditKind::Knockout, Some(KnockoutMethod::Zero), Some(1000), true));
        assert_eq!(e.sites.as_deref(), Some(d.path().join("ctcf.bed").as_path()), "relative to the spec file");
        let again: EditSpec = serde_yaml_ng::from_str(&e.to_yaml()).unwrap();
        assert_eq!(again, e);
        // Observed maps, relative to the spec file like the sites.
        std::fs::write(d.path().join("wt.contacts.parquet"), "").unwrap();
        std::fs::write(&p, "edit: delete\nat: 'chr1:1-5'\nwindow: chr1\nobserved: wt.contacts.parquet\nobserved_mutant: /m.parquet\n").unwrap();
        let e = EditSpec::load(&p).unwrap();
        assert_eq!((e.observed.unwrap(), e.observed_mutant.unwrap()), (d.path().join("wt.contacts.parquet"), std::path::PathBuf::from("/m.parquet")));
        for (text, needle) in [
            ("edit: swap\nwindow: chr1\n", "line 1"),
            ("edit: delete\nwindow: chr1\n", "needs `at`"),
            ("edit: delete\nat: 'chr1:1-5'\n", "needs `window`"),
            ("edit: knockout\nsites: x.bed\ntogether: true\n", "needs `window`"),
            ("edit: ctcf-swap\nsites: x.bed\norientation: convergent-to-divergent\n", "needs `anchors`"),
            ("edit: knockout\nsites: x.bed\norientation: divergent-to-convergent\n", "`orientation` does not apply"),
            ("edit: invert\nat: 'chr1:1-5'\nwindow: chr1\ntogether: true\n", "`together` does not apply"),
            ("edit: knockout\nsites: x.bed\nat: 'chr1:1-5'\nwindow: chr1\n", "`at` does not apply"),
            ("edit: delete\nat: 'chr1:1-5'\nwindow: chr1\ncolour: red\n", "colour"),
            ("edit: delete\nat: 'chr1:5-1'\nwindow: chr1\n", "start must be >= 1"),
            ("id: a/b\nedit: delete\nat: 'chr1:1-5'\nwindow: chr1\n", "a/b"),
            ("edit: delete\nat: 'chr1:1-5'\nwindow: chr1\nobserved: wt.parquet\n", "go together"),
            ("edit: knockout\nsites: x.bed\nobserved: a.parquet\nobserved_mutant: b.parquet\n", "`observed` does not apply"),
        ] {
            std::fs::write(&p, text).unwrap();
            let e = EditSpec::load(&p).unwrap_err().to_string();
            assert!(e.contains(needle) && e.contains("edit.yaml"), "{text:?}: {e}");
        }
    }
}

//! `hiclstm-import`: any supported Hi-C file -> contacts and bins tables.

use crate::cli::output_path;
use crate::error::{Error, Result};
use crate::formats::{self, Format, OpenOptions};
use crate::genome::{NameStyle, Selection};
use crate::output::{check_writable, OutputSet};
use crate::tables::{self, contacts::ContactsWriter, Meta};
use std::path::{Path, PathBuf};

/// Options of `hiclstm-import` (one `run`).
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Input file, or `file.mcool::/resolutions/N` for one resolution of a multi-resolution
    /// cooler.
    pub input: String,
    /// Input format; None infers it from the file name.
    pub format: Option<Format>,
    /// How to open the input: resolution (bp), normalization, chromosome sizes, single-cell
    /// options.
    pub open: OpenOptions,
    /// Chromosomes to import.
    pub chromosomes: Selection,
    /// Spelling of chromosome names in the output tables.
    pub names: NameStyle,
    /// Genome assembly to record; None takes it from the file, else `unknown`.
    pub assembly: Option<String>,
    /// Output prefix: writes `PREFIX.contacts.parquet` and `PREFIX.bins.parquet`.
    pub output: PathBuf,
    /// Overwrite existing outputs.
    pub force: bool,
}

/// What `run` imported.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSummary {
    /// Number of chromosomes imported.
    pub chromosomes: usize,
    /// Pixels written to the contacts table (upper-triangle, intra-chromosomal).
    pub pixels: u64,
    /// Pixels whose normalized value is null (a bin without a normalization weight).
    pub null_values: u64,
    /// Paths of the files written.
    pub outputs: Vec<PathBuf>,
}

/// The contacts table of an output prefix: `PREFIX.contacts.parquet`.
pub fn contacts_path(prefix: &Path) -> PathBuf {
    output_path(prefix, crate::outputs::CONTACTS)
}

/// The bins table of an output prefix: `PREFIX.bins.parquet`.
pub fn bins_path(prefix: &Path) -> PathBuf {
    output_path(prefix, crate::outputs::BINS)
}

/// Imports the selected chromosomes' intra-chromosomal contacts into the contacts table and
/// every bin (with its normalization weight) into the bins table, committed together.
pub fn run(o: &ImportOptions) -> Result<ImportSummary> {
    let (cpath, bpath) = (contacts_path(&o.output), bins_path(&o.output));
    check_writable(&cpath, o.force)?;
    check_writable(&bpath, o.force)?;
    let mut src = formats::open(&o.input, o.format, &o.open)?;
    let chosen = o.chromosomes.resolve(src.chroms(), src.path())?;
    let chroms: Vec<_> = chosen.iter().map(|&k| src.chroms()[k].clone()).collect();
    let out_names: Vec<String> = chroms.iter().map(|c| o.names.apply(&c.name)).collect();
    let resolution = src.resolution();
    // A typo in a chromosome length (a sizes file, a pairs header) would size the bins table.
    if let Some(c) = chroms.iter().find(|c| c.length.div_ceil(resolution as u64) > crate::genome::MAX_BINS) {
        return Err(Error::format(
            src.path(),
            crate::error::Location::None,
            format!("chromosome '{}' of {} bp has more than {} bins at {resolution} bp", c.name, c.length, crate::genome::MAX_BINS),
        ));
    }

    let mut meta = Meta::new(tables::TableKind::Contacts.schema());
    meta.set("assembly", o.assembly.clone().or_else(|| src.assembly()).unwrap_or_else(|| "unknown".into()))
        .set("resolution", resolution)
        .set("normalization", src.normalization())
        .set("source", &o.input)
        .set("params", params_json(o));
    crate::log::info(&format!("{}: {} chromosome(s) at {resolution} bp, normalization {}", o.input, chroms.len(), src.normalization()));

    let mut writer = ContactsWriter::create(&cpath, &meta, o.force)?;
    let mut all_weights = Vec::with_capacity(chosen.len());
    let mut progress = crate::log::Progress::new(chosen.len() as u64, "chromosomes");
    for (n, &k) in chosen.iter().enumerate() {
        let weights = src.weights(k)?;
        let nb = chroms[n].n_bins(resolution) as usize;
        if let Some(w) = &weights {
            if w.len() < nb {
                return Err(Error::format(
                    src.path(),
                    crate::error::Location::None,
                    format!("normalization vector of {} has {} values for {nb} bins", chroms[n].name, w.len()),
                ));
            }
        }
        let before = writer.rows;
        src.for_each_chunk(k, &mut |px| writer.write(&out_names[n], px, weights.as_deref()))?;
        if writer.rows == before {
            crate::log::warn(&format!("{}: chromosome {} has no contacts", o.input, chroms[n].name));
        }
        progress.step(&format!("{} ({} pixels)", chroms[n].name, writer.rows - before));
        all_weights.push(weights);
    }
    progress.finish();
    let (pixels, null_values) = (writer.rows, writer.null_values);
    if pixels == 0 {
        return Err(Error::format(src.path(), crate::error::Location::None, "no intra-chromosomal contacts in the selected chromosomes"));
    }
    if null_values > 0 {
        crate::log::warn(&format!("{null_values} of {pixels} pixels have no normalized value (a bin without weight); their value is null"));
    }
    let mut outputs = OutputSet::default();
    outputs.push(writer.finish()?);
    let bmeta = meta.for_schema(tables::TableKind::Bins.schema());
    let renamed: Vec<_> = chroms.iter().zip(&out_names).map(|(c, n)| crate::genome::Chrom::new(n.clone(), c.length)).collect();
    outputs.push(tables::bins::write(&bpath, &bmeta, &renamed, &all_weights, o.force)?);
    let outputs = outputs.commit(o.force)?;
    crate::log::info(&format!("wrote {pixels} pixels to {}", cpath.display()));
    Ok(ImportSummary { chromosomes: chroms.len(), pixels, null_values, outputs })
}

fn params_json(o: &ImportOptions) -> String {
    serde_json::json!({
        "input": o.input,
        "format": o.format,
        "resolution": o.open.resolution,
        "normalization": o.open.normalization,
        "chrom_sizes": o.open.chrom_sizes,
        "chrom": o.open.chrom,
        "cell_column": o.open.pairs.cell_column,
        "cells": o.open.pairs.cells,
        "chromosomes": format!("{:?}", o.chromosomes),
        "names": o.names,
        "assembly": o.assembly,
    })
    .to_string()
}

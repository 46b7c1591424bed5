//! `hiclstm-import`: any supported Hi-C file -> contacts and bins tables.

use crate::cli::output_path;
use crate::error::{Error, Result};
use crate::formats::{self, Format, OpenOptions};
use crate::genome::{NameStyle, Selection};
use crate::output::{check_writable, OutputSet};
use crate::tables::{self, contacts::ContactsWriter, trans::TransWriter, Meta};
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
    /// Output prefix: writes `PREFIX.contacts.parquet` and `PREFIX.bins.parquet` (and
    /// `PREFIX.trans.parquet` with `trans`).
    pub output: PathBuf,
    /// Also write the inter-chromosomal pixels between the selected chromosomes (the trans table).
    pub trans: bool,
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
    /// Pixels written to the trans table (0 without `trans`).
    pub trans_pixels: u64,
    /// Paths of the files written.
    pub outputs: Vec<PathBuf>,
}

/// The contacts table of an output prefix: `PREFIX.contacts.parquet`.
pub fn contacts_path(prefix: &Path) -> PathBuf {
    output_path(prefix, crate::outputs::CONTACTS)
}

/// The trans table of an output prefix: `PREFIX.trans.parquet`.
pub fn trans_path(prefix: &Path) -> PathBuf {
    output_path(prefix, crate::outputs::TRANS)
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
    if o.trans {
        check_writable(&trans_path(&o.output), o.force)?;
        if o.format.or_else(|| Format::detect(&o.input)) == Some(Format::JuicerText) {
            return Err(Error::InvalidArgument(format!("{}: --trans: juicer text holds one chromosome per file, no inter-chromosomal contacts", o.input)));
        }
    }
    if let Some(d) = &o.open.spill.dir {
        if !d.is_dir() {
            return Err(Error::InvalidArgument(format!("--temp-dir {}: not a directory", d.display())));
        }
    }
    let mut open = o.open.clone();
    open.trans = o.trans;
    let mut src = formats::open(&o.input, o.format, &open)?;
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
    let mut trans_pixels = 0;
    if o.trans {
        let (file, n) =
            write_trans(&mut *src, &trans_path(&o.output), &meta.for_schema(tables::TableKind::Trans.schema()), &chosen, &out_names, &all_weights, o.force)?;
        outputs.push(file);
        trans_pixels = n;
    }
    let bmeta = meta.for_schema(tables::TableKind::Bins.schema());
    let renamed: Vec<_> = chroms.iter().zip(&out_names).map(|(c, n)| crate::genome::Chrom::new(n.clone(), c.length)).collect();
    outputs.push(tables::bins::write(&bpath, &bmeta, &renamed, &all_weights, o.force)?);
    let outputs = outputs.commit(o.force)?;
    crate::log::info(&format!("wrote {pixels} pixels to {}", cpath.display()));
    Ok(ImportSummary { chromosomes: chroms.len(), pixels, null_values, trans_pixels, outputs })
}

/// Writes the trans table: every pair of selected chromosomes once, in the output's order (the
/// earlier chromosome as chrom1). The source serves pairs in its own file order; a pair the
/// selection lists the other way round is transposed.
fn write_trans(
    src: &mut dyn formats::ContactSource,
    path: &Path,
    meta: &Meta,
    chosen: &[usize],
    names: &[String],
    weights: &[Option<Vec<f64>>],
    force: bool,
) -> Result<(crate::output::AtomicFile, u64)> {
    let mut w = TransWriter::create(path, meta, force)?;
    let mut progress = crate::log::Progress::new(chosen.len() as u64, "chromosomes (trans)");
    for a in 0..chosen.len() {
        let before = w.rows;
        // The pairs after `a` in the selection, in its order: runs of those the source serves
        // with `a` first are streamed in one call (one pass over a .cool's rows); a pair the
        // source holds the other way round is read alone and transposed (one pair in memory).
        let later: Vec<usize> = (a + 1..chosen.len()).collect();
        for run in later.chunk_by(|&x, &y| (chosen[x] > chosen[a]) == (chosen[y] > chosen[a])) {
            if chosen[run[0]] > chosen[a] {
                let partners: Vec<usize> = run.iter().map(|&b| chosen[b]).collect();
                src.trans(chosen[a], &partners, &mut |k, px| w.write(&names[a], &names[run[k]], px, weights[a].as_deref(), weights[run[k]].as_deref()))?;
                continue;
            }
            for &b in run {
                let mut px = Vec::new();
                src.trans(chosen[b], &[chosen[a]], &mut |_, chunk| {
                    px.extend(chunk.iter().map(|p| formats::Pixel { i: p.j, j: p.i, count: p.count }));
                    Ok(())
                })?;
                formats::sort_and_merge(&mut px);
                w.write(&names[a], &names[b], &px, weights[a].as_deref(), weights[b].as_deref())?;
            }
        }
        progress.step(&format!("{} ({} pixels)", names[a], w.rows - before));
    }
    progress.finish();
    if w.null_values > 0 {
        crate::log::warn(&format!("{} of {} trans pixels have no normalized value (a bin without weight); their value is null", w.null_values, w.rows));
    }
    if w.rows == 0 {
        crate::log::warn(&format!("{}: no inter-chromosomal pixels between the selected chromosomes; the trans table is empty", src.path().display()));
    }
    crate::log::info(&format!("wrote {} trans pixels to {}", w.rows, path.display()));
    let n = w.rows;
    Ok((w.finish()?, n))
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
        "trans": o.trans,
    })
    .to_string()
}

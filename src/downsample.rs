//! `hiclstm-downsample`: a contacts table at a lower read depth, for the paper's read-depth
//! experiment (Fig. 3e-f): exactly `n` of its intra-chromosomal contacts, drawn uniformly without
//! replacement, seeded.
//!
//! Each contact of the table is one ball in an urn; drawing `n` without replacement gives every
//! pixel a multivariate hypergeometric count. The draw is selection sampling (Knuth's Algorithm
//! S) over the contacts in table order: a contact, with `R` contacts not yet considered of which
//! `d` are still to be drawn, is kept with probability exactly `d / R` (an integer draw below
//! `R`), so every subset of `n` contacts is equally likely and exactly `n` are kept. One integer
//! draw per contact (a few seconds per billion; libraries' hypergeometric samplers fail on
//! genome-sized urns). Two streaming passes (the total, then the draws): memory holds a batch of
//! the table, whatever its size.
//!
//! `--complement PREFIX` also writes the contacts not drawn (each pixel's count minus its drawn
//! count): with `--fraction 0.5`, two pseudo-replicates of the map from disjoint halves of its
//! reads, for checking that a model predicts reads it was not trained on, not only the noise of
//! those it was.
//!
//! Normalization weights no longer hold for the thinned counts: the output's `value` is its
//! `count` (normalization `NONE`), and the bins table beside it keeps the chromosome sizes without
//! weights. Balance the result again (e.g. `cooler balance`) if a normalization is wanted.

use crate::error::{Error, Location, Result};
use crate::formats::Pixel;
use crate::output::OutputSet;
use crate::tables::{self, contacts::ContactsWriter, Meta, TableKind};
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};

/// How many contacts to keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Depth {
    /// Exactly this many intra-chromosomal contacts.
    Total(u64),
    /// This fraction of the table's contacts, rounded to the nearest whole contact.
    Fraction(f64),
}

/// Inputs, settings and output of `hiclstm-downsample`.
pub struct DownsampleOptions {
    /// Contacts table to thin (raw integer counts).
    pub input: PathBuf,
    /// Output prefix: PREFIX.contacts.parquet and PREFIX.bins.parquet.
    pub output: PathBuf,
    /// Prefix of the contacts not drawn (the same two tables), if wanted.
    pub complement: Option<PathBuf>,
    /// Contacts to keep.
    pub depth: Depth,
    /// Seed of the draws.
    pub seed: u64,
    /// Overwrite existing outputs.
    pub force: bool,
}

/// What a run did.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Contacts of the input table.
    pub contacts_in: u64,
    /// Contacts kept (the target).
    pub contacts_out: u64,
    /// Pixels of the input.
    pub pixels_in: u64,
    /// Pixels with at least one contact kept.
    pub pixels_out: u64,
}

/// The sum of the table's counts and its pixels, with its metadata; every count must be a whole
/// number (raw read pairs).
fn total(path: &Path) -> Result<(u64, u64, Meta)> {
    let (mut sum, mut pixels) = (0u64, 0u64);
    let meta = tables::contacts::stream(path, |run| {
        for (k, &c) in run.count.iter().enumerate() {
            if c.fract() != 0.0 || !(0.0..9.0e15).contains(&c) {
                return Err(Error::format(
                    path,
                    Location::Object(format!("count, row {}", pixels + k as u64 + 1)),
                    format!(
                        "{} pixel ({}, {}): count {c} is not a whole number of contacts; only raw integer counts can be sampled",
                        run.chrom, run.i[k], run.j[k]
                    ),
                ));
            }
            sum += c as u64;
        }
        pixels += run.count.len() as u64;
        Ok(())
    })?;
    Ok((sum, pixels, meta))
}

/// Writes PREFIX.contacts.parquet (and the bins table) holding the chosen number of contacts.
pub fn run(o: &DownsampleOptions) -> Result<Summary> {
    let cpath = crate::cli::output_path(&o.output, crate::outputs::CONTACTS);
    let bpath = crate::cli::output_path(&o.output, crate::outputs::BINS);
    let rest_paths = o.complement.as_ref().map(|p| (crate::cli::output_path(p, crate::outputs::CONTACTS), crate::cli::output_path(p, crate::outputs::BINS)));
    for p in [&cpath, &bpath].into_iter().chain(rest_paths.iter().flat_map(|(c, b)| [c, b])) {
        crate::output::check_writable(p, o.force)?;
    }
    if rest_paths.as_ref().is_some_and(|(c, _)| *c == cpath) {
        return Err(Error::InvalidArgument("--complement: the same prefix as --output".into()));
    }
    if let Depth::Fraction(f) = o.depth {
        if !(f > 0.0 && f <= 1.0) {
            return Err(Error::InvalidArgument(format!("--fraction {f}: must be in (0, 1]")));
        }
    }
    let (contacts_in, pixels_in, input_meta) = total(&o.input)?;
    let target = match o.depth {
        Depth::Total(n) => n,
        Depth::Fraction(f) => (f * contacts_in as f64).round() as u64,
    };
    if target > contacts_in {
        return Err(Error::InvalidArgument(format!("--total {target}: {} holds only {contacts_in} contacts", o.input.display())));
    }
    if target == 0 {
        return Err(Error::InvalidArgument(format!("{}: the target keeps no contact", o.input.display())));
    }
    crate::log::info(&format!("{}: {contacts_in} contacts in {pixels_in} pixels; keeping {target}", o.input.display()));

    let mut meta = Meta::new(TableKind::Contacts.schema());
    for key in ["assembly", "resolution", "source"] {
        if let Some(v) = input_meta.get(key) {
            meta.set(key, v);
        }
    }
    meta.set("normalization", "NONE").set(
        "params",
        serde_json::json!({"input": o.input, "contacts_in": contacts_in, "contacts_out": target, "seed": o.seed, "method": "uniform without replacement (multivariate hypergeometric)"})
            .to_string(),
    );
    let mut w = ContactsWriter::create(&cpath, &meta, o.force)?;
    // The complement's tables: its metadata and its writer, built only when asked for.
    let mut rest = rest_paths
        .as_ref()
        .map(|(c, b)| {
            let mut m = meta.clone();
            m.set(
                "params",
                serde_json::json!({"input": o.input, "contacts_in": contacts_in, "contacts_out": contacts_in - target, "seed": o.seed, "method": "the contacts not drawn (complement of a uniform draw without replacement)"})
                    .to_string(),
            );
            ContactsWriter::create(c, &m, o.force).map(|w| (w, m, b))
        })
        .transpose()?;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(o.seed);
    let (mut remaining, mut to_draw) = (contacts_in, target);
    let mut chroms: Vec<(String, u32)> = Vec::new();
    tables::contacts::stream(&o.input, |run| {
        let mut kept = Vec::with_capacity(run.i.len());
        let mut undrawn = Vec::new();
        for k in 0..run.i.len() {
            let c = run.count[k] as u64;
            let (mut x, mut seen) = (0u64, 0u64);
            while seen < c && to_draw > 0 {
                if rng.random_range(0..remaining) < to_draw {
                    x += 1;
                    to_draw -= 1;
                }
                remaining -= 1;
                seen += 1;
            }
            // Once nothing is left to draw, the rest of the contacts are passed over.
            remaining -= c - seen;
            if x > 0 {
                kept.push(Pixel { i: run.i[k], j: run.j[k], count: x as f64 });
            }
            if rest.is_some() && c > x {
                undrawn.push(Pixel { i: run.i[k], j: run.j[k], count: (c - x) as f64 });
            }
        }
        match chroms.last_mut() {
            Some(l) if l.0 == run.chrom => l.1 = l.1.max(run.j.iter().copied().max().unwrap_or(0)),
            _ => {
                crate::log::info(&format!("{}: sampling ({} contacts still to draw)", run.chrom, to_draw));
                chroms.push((run.chrom.clone(), run.j.iter().copied().max().unwrap_or(0)))
            }
        }
        if let Some((rw, _, _)) = rest.as_mut() {
            rw.write(&run.chrom, &undrawn, None)?;
        }
        w.write(&run.chrom, &kept, None)
    })?;
    if to_draw != 0 || remaining != 0 {
        return Err(Error::Internal(format!("{} contacts left to draw after the last pixel", to_draw)));
    }
    let pixels_out = w.rows;
    let resolution = meta.resolution().ok_or_else(|| Error::schema(&o.input, "no hiclstm.resolution in the metadata"))?;
    // Chromosome sizes from the bins table beside the input (else the last observed bin);
    // the weights are dropped.
    let last: Vec<(&str, u32)> = chroms.iter().map(|(c, j)| (c.as_str(), *j)).collect();
    let bins = tables::bins::of_last_bins(&o.input, &last, resolution)?;
    let sizes: Vec<crate::genome::Chrom> = bins.chroms.iter().map(|c| crate::genome::Chrom::new(&c.name, c.length)).collect();
    let mut outs = OutputSet::default();
    outs.push(w.finish()?);
    outs.push(tables::bins::write(&bpath, &meta.for_schema(TableKind::Bins.schema()), &sizes, &[], o.force)?);
    if let Some((rw, rm, rb)) = rest {
        outs.push(rw.finish()?);
        outs.push(tables::bins::write(rb, &rm.for_schema(TableKind::Bins.schema()), &sizes, &[], o.force)?);
    }
    outs.commit(o.force)?;
    Ok(Summary { contacts_in, contacts_out: target, pixels_in, pixels_out })
}

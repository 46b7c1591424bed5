//! Baseline representation methods, written as representations tables so that every later step
//! (decoders, classification) can compare them with Hi-C-LSTM.

pub mod linalg;
pub mod line;
pub mod pca;
pub mod trans_oe;

use crate::error::{Error, Result};
use crate::tables::{self, contacts::ChromContacts, representations::ChromRepresentations, Meta};
use std::path::Path;

/// The scaffolding every baseline shares: read a contacts table (and the bins table beside it for
/// chromosome ends), compute each chromosome's `n x k` values and observed flags with `method`,
/// and write one representations table atomically.
pub fn per_chromosome(
    contacts: &Path,
    output: &Path,
    force: bool,
    k: usize,
    name: &str,
    params: serde_json::Value,
    mut method: impl FnMut(&ChromContacts, usize, u32) -> Result<(Vec<f32>, Vec<bool>)>,
) -> Result<()> {
    genome_wide(contacts, output, force, k, name, params, |chroms, n_bins, res| chroms.iter().zip(n_bins).map(|(c, &n)| method(c, n, res)).collect())
}

/// [`per_chromosome`] for a method that sees every chromosome at once (`method` gets the
/// chromosomes, their bins and the resolution, and returns each chromosome's values and
/// observed flags in the same order).
pub fn genome_wide(
    contacts: &Path,
    output: &Path,
    force: bool,
    k: usize,
    name: &str,
    params: serde_json::Value,
    method: impl FnOnce(&[ChromContacts], &[usize], u32) -> Result<Vec<(Vec<f32>, Vec<bool>)>>,
) -> Result<()> {
    crate::output::check_writable(output, force)?;
    if k == 0 {
        return Err(Error::InvalidArgument("--k must be at least 1".into()));
    }
    let (meta, chroms) = tables::contacts::read_all(contacts)?;
    let res = meta.resolution().ok_or_else(|| Error::schema(contacts, "no hiclstm.resolution metadata"))?;
    let bins = tables::bins::of_contacts(contacts, &chroms, res)?;
    // Contact counts and normalized values are never negative (training refuses them too).
    for c in &chroms {
        if let Some(t) = (0..c.i.len()).find(|&t| c.count[t] < 0.0 || c.value[t] < 0.0) {
            return Err(Error::schema(
                contacts,
                format!("chromosome {}: pixel ({}, {}) has a negative count or value ({}, {})", c.chrom, c.i[t], c.j[t], c.count[t], c.value[t]),
            ));
        }
    }
    let n_bins: Vec<usize> = bins.chroms.iter().map(|cb| cb.n_bins).collect();
    let computed = method(&chroms, &n_bins, res)?;
    let mut reps = Vec::new();
    for ((c, cb), (values, observed)) in chroms.iter().zip(&bins.chroms).zip(computed) {
        let (length, n) = (cb.length, cb.n_bins);
        reps.push(ChromRepresentations {
            chrom: c.chrom.clone(),
            start: (0..n as i64).map(|b| b * res as i64).collect(),
            end: (0..n as i64).map(|b| ((b + 1) * res as i64).min(length as i64)).collect(),
            observed,
            values,
        });
    }
    let mut m = Meta::new(tables::TableKind::Representations.schema());
    m.set("assembly", meta.get("assembly").unwrap_or("unknown")).set("resolution", res).set("method", name).set("params", params.to_string());
    tables::representations::write(output, &m, k, &reps, force)?.commit(force)?;
    Ok(())
}

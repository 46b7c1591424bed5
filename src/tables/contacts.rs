//! The contacts table: upper-triangle pixels of intra-chromosomal maps.

use super::{column, BatchWriter, Meta, TableKind, TableReader};
use crate::error::{Error, Result};
use crate::formats::Pixel;
use crate::output::AtomicFile;
use arrow::array::{Array, Float64Array, Float64Builder, Int64Array, StringArray, UInt32Array};
use arrow::record_batch::RecordBatch;
use std::path::Path;

/// Streams pixels into a contacts Parquet file, one chromosome chunk at a time.
pub struct ContactsWriter {
    table: BatchWriter,
    resolution: u32,
    /// Pixels written so far.
    pub rows: u64,
    /// Pixels written with a null `value` (a bin without a finite weight).
    pub null_values: u64,
}

impl ContactsWriter {
    /// A writer of a contacts table at `path`; `meta` must hold `hiclstm.resolution` (the bp starts
    /// are computed from it).
    pub fn create(path: &Path, meta: &Meta, force: bool) -> Result<Self> {
        let resolution = meta.resolution().ok_or_else(|| Error::Internal("contacts metadata without resolution".into()))?;
        Ok(ContactsWriter { table: BatchWriter::create(path, TableKind::Contacts, 0, meta, force)?, resolution, rows: 0, null_values: 0 })
    }

    /// Appends pixels of `chrom`; `weights` (per bin) turn counts into values.
    pub fn write(&mut self, chrom: &str, pixels: &[Pixel], weights: Option<&[f64]>) -> Result<()> {
        if pixels.is_empty() {
            return Ok(());
        }
        let n = pixels.len();
        let res = self.resolution as i64;
        let (value, nulls) = normalized_values(pixels, weights, weights);
        self.null_values += nulls;
        self.table.write(vec![
            column("chrom", StringArray::from_iter_values(std::iter::repeat_n(chrom, n))),
            column("i", UInt32Array::from_iter_values(pixels.iter().map(|p| p.i))),
            column("j", UInt32Array::from_iter_values(pixels.iter().map(|p| p.j))),
            column("start_i", Int64Array::from_iter_values(pixels.iter().map(|p| p.i as i64 * res))),
            column("start_j", Int64Array::from_iter_values(pixels.iter().map(|p| p.j as i64 * res))),
            column("count", Float64Array::from_iter_values(pixels.iter().map(|p| p.count))),
            column("value", value),
        ])?;
        self.rows += n as u64;
        Ok(())
    }

    /// Finishes the Parquet file; the caller commits it (with the step's other outputs).
    pub fn finish(self) -> Result<AtomicFile> {
        self.table.finish()
    }
}

/// The `value` column of `pixels`: count * w_i * w_j with `wi` per bin of i and `wj` per bin of
/// j (raw counts where a side has no weights), null where that is not finite (a bin without a
/// weight); returns the column and its number of nulls.
pub fn normalized_values(pixels: &[Pixel], wi: Option<&[f64]>, wj: Option<&[f64]>) -> (Float64Array, u64) {
    let weight = |w: Option<&[f64]>, b: u32| w.map_or(1.0, |w| w.get(b as usize).copied().unwrap_or(f64::NAN));
    let mut value = Float64Builder::with_capacity(pixels.len());
    let mut nulls = 0;
    for p in pixels {
        let v = p.count * weight(wi, p.i) * weight(wj, p.j);
        if v.is_finite() {
            value.append_value(v);
        } else {
            value.append_null();
            nulls += 1;
        }
    }
    (value.finish(), nulls)
}

/// A chromosome's contacts read back from a table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChromContacts {
    /// Chromosome name.
    pub chrom: String,
    /// 0-based bin of the first locus, per pixel.
    pub i: Vec<u32>,
    /// 0-based bin of the second locus, per pixel; `j >= i`.
    pub j: Vec<u32>,
    /// Raw contact count, per pixel.
    pub count: Vec<f64>,
    /// NaN where the table holds null.
    pub value: Vec<f64>,
}

/// Reads a whole contacts table, grouped by chromosome in file order; checks that rows are sorted
/// by (chromosome, i, j) with i <= j and that bp starts agree with bins. Row groups are decoded
/// in parallel and joined in file order.
pub fn read_all(path: &Path) -> Result<(Meta, Vec<ChromContacts>)> {
    use rayon::prelude::*;
    let head = TableReader::open(path, TableKind::Contacts.schema())?;
    let meta = head.meta.clone();
    drop(head);
    let res = meta.resolution().map(|x| x as i64);
    let offsets = super::row_group_offsets(path)?;
    let parts: Vec<Result<Vec<ChromContacts>>> = (0..offsets.len())
        .into_par_iter()
        .map(|g| {
            let mut r = TableReader::open_row_groups(path, TableKind::Contacts.schema(), Some(vec![g]))?;
            let mut runs: Vec<ChromContacts> = Vec::new();
            let mut order = RunOrder::default();
            let mut row = offsets[g];
            while let Some(b) = r.next_batch()? {
                read_batch(path, &b, res, row, &mut runs, &mut order)?;
                row += b.num_rows() as u64;
            }
            Ok(runs)
        })
        .collect();
    let mut out: Vec<ChromContacts> = Vec::new();
    for (g, part) in parts.into_iter().enumerate() {
        for run in part? {
            match out.last_mut() {
                Some(last) if last.chrom == run.chrom => {
                    if let (Some(&pi), Some(&pj), Some(&a), Some(&b)) = (last.i.last(), last.j.last(), run.i.first(), run.j.first()) {
                        if (pi, pj) >= (a, b) {
                            return Err(Error::schema(
                                path,
                                format!("row {}: pixel ({a}, {b}) after ({pi}, {pj}): table not sorted by (i, j) or has duplicates", offsets[g]),
                            ));
                        }
                    }
                    last.i.extend(run.i);
                    last.j.extend(run.j);
                    last.count.extend(run.count);
                    last.value.extend(run.value);
                }
                _ => {
                    if out.iter().any(|o| o.chrom == run.chrom) {
                        return Err(Error::schema(
                            path,
                            format!("row group {g}: chromosome '{}' appears in two separate runs: table not sorted by chromosome", run.chrom),
                        ));
                    }
                    out.push(run);
                }
            }
        }
    }
    Ok((meta, out))
}

/// Streams a contacts table in file order, one batch at a time: `f` gets runs of one chromosome
/// (a chromosome's pixels may arrive in several consecutive runs), checked as [`read_all`] checks
/// them, so memory holds one batch whatever the table's size. Returns the table's metadata.
pub fn stream(path: &Path, mut f: impl FnMut(ChromContacts) -> Result<()>) -> Result<Meta> {
    let mut r = TableReader::open(path, TableKind::Contacts.schema())?;
    let res = r.meta.resolution().map(|x| x as i64);
    let mut order = RunOrder::default();
    let mut row = 0u64;
    while let Some(b) = r.next_batch()? {
        let mut runs = Vec::new();
        read_batch(path, &b, res, row, &mut runs, &mut order)?;
        row += b.num_rows() as u64;
        for run in runs {
            f(run)?;
        }
    }
    Ok(r.meta)
}

/// What the order checks carry from one batch to the next: the chromosomes seen (the current one
/// last) and the current chromosome's last pixel.
#[derive(Default)]
struct RunOrder {
    seen: Vec<String>,
    last: Option<(u32, u32)>,
}

/// Appends one batch to `out` (runs of chromosomes), checking order within the batch and against
/// what `order` carries from earlier batches.
fn read_batch(path: &Path, b: &RecordBatch, res: Option<i64>, row: u64, out: &mut Vec<ChromContacts>, order: &mut RunOrder) -> Result<()> {
    let chrom = crate::col!(b, "chrom", StringArray);
    let (i, j) = (crate::col!(b, "i", UInt32Array).values(), crate::col!(b, "j", UInt32Array).values());
    let si = crate::col!(b, "start_i", Int64Array).values();
    let count = crate::col!(b, "count", Float64Array).values();
    let value = crate::col!(b, "value", Float64Array);
    let n = b.num_rows();
    // Runs of one chromosome are copied slice by slice; the checks run over plain slices.
    let mut k = 0;
    while k < n {
        let c = chrom.value(k);
        let mut e = k + 1;
        while e < n && chrom.value(e) == c {
            e += 1;
        }
        if order.seen.last().is_none_or(|l| l != c) {
            if order.seen.iter().any(|o| o == c) {
                return Err(Error::schema(
                    path,
                    format!("row {}: chromosome '{c}' appears in two separate runs: table not sorted by chromosome", row + k as u64),
                ));
            }
            order.seen.push(c.to_string());
            order.last = None;
        }
        if out.last().is_none_or(|l| l.chrom != c) {
            out.push(ChromContacts { chrom: c.to_string(), ..Default::default() });
        }
        let cur = out.last_mut().expect("pushed");
        let mut prev = order.last;
        for t in k..e {
            let (a, bb) = (i[t], j[t]);
            if a > bb {
                return Err(Error::schema(path, format!("row {}: i = {a} > j = {bb}: contacts must be upper-triangle", row + t as u64)));
            }
            if let Some((pi, pj)) = prev {
                if (pi, pj) >= (a, bb) {
                    return Err(Error::schema(
                        path,
                        format!("row {}: pixel ({a}, {bb}) after ({pi}, {pj}): table not sorted by (i, j) or has duplicates", row + t as u64),
                    ));
                }
            }
            prev = Some((a, bb));
            if let Some(res) = res {
                if si[t] != a as i64 * res {
                    return Err(Error::schema(path, format!("row {}: start_i = {} but i * resolution = {}", row + t as u64, si[t], a as i64 * res)));
                }
            }
        }
        order.last = prev;
        cur.i.extend_from_slice(&i[k..e]);
        cur.j.extend_from_slice(&j[k..e]);
        cur.count.extend_from_slice(&count[k..e]);
        if value.null_count() == 0 {
            cur.value.extend_from_slice(&value.values()[k..e]);
        } else {
            cur.value.extend((k..e).map(|t| if value.is_null(t) { f64::NAN } else { value.value(t) }));
        }
        k = e;
    }
    Ok(())
}

//! The contacts table: upper-triangle pixels of intra-chromosomal maps.

use super::{new_writer, schema, Meta, TableReader};
use crate::error::{Error, Result};
use crate::formats::Pixel;
use crate::output::AtomicFile;
use arrow::array::{Array, ArrayRef, Float64Array, Float64Builder, Int64Array, StringArray, UInt32Array};
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use std::path::Path;
use std::sync::Arc;

/// Streams pixels into a contacts Parquet file, one chromosome chunk at a time.
pub struct ContactsWriter {
    out: AtomicFile,
    writer: ArrowWriter<std::fs::File>,
    schema: arrow::datatypes::SchemaRef,
    resolution: u32,
    pub rows: u64,
    pub null_values: u64,
}

impl ContactsWriter {
    pub fn create(path: &Path, meta: &Meta, force: bool) -> Result<Self> {
        let out = AtomicFile::create(path, force)?;
        let schema = schema("contacts").arrow(0);
        let resolution = meta.resolution().ok_or_else(|| Error::Internal("contacts metadata without resolution".into()))?;
        let writer = new_writer(out.file()?, path, schema.clone(), meta)?;
        Ok(ContactsWriter { out, writer, schema, resolution, rows: 0, null_values: 0 })
    }

    /// Appends pixels of `chrom`; `weights` (per bin) turn counts into values.
    pub fn write(&mut self, chrom: &str, pixels: &[Pixel], weights: Option<&[f64]>) -> Result<()> {
        if pixels.is_empty() {
            return Ok(());
        }
        let n = pixels.len();
        let res = self.resolution as i64;
        let mut value = Float64Builder::with_capacity(n);
        for p in pixels {
            let v = match weights {
                None => p.count,
                Some(w) => {
                    let (a, b) = (w.get(p.i as usize).copied().unwrap_or(f64::NAN), w.get(p.j as usize).copied().unwrap_or(f64::NAN));
                    p.count * a * b
                }
            };
            if v.is_finite() {
                value.append_value(v);
            } else {
                value.append_null();
                self.null_values += 1;
            }
        }
        let cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from_iter_values(std::iter::repeat_n(chrom, n))),
            Arc::new(UInt32Array::from_iter_values(pixels.iter().map(|p| p.i))),
            Arc::new(UInt32Array::from_iter_values(pixels.iter().map(|p| p.j))),
            Arc::new(Int64Array::from_iter_values(pixels.iter().map(|p| p.i as i64 * res))),
            Arc::new(Int64Array::from_iter_values(pixels.iter().map(|p| p.j as i64 * res))),
            Arc::new(Float64Array::from_iter_values(pixels.iter().map(|p| p.count))),
            Arc::new(value.finish()),
        ];
        let batch = RecordBatch::try_new(self.schema.clone(), cols).map_err(|e| Error::Internal(e.to_string()))?;
        self.writer.write(&batch).map_err(|e| Error::output_io(self.out.path(), std::io::Error::other(e)))?;
        self.rows += n as u64;
        Ok(())
    }

    /// Finishes the Parquet file; the caller commits it (with the step's other outputs).
    pub fn finish(self) -> Result<AtomicFile> {
        self.writer.close().map_err(|e| Error::output_io(self.out.path(), std::io::Error::other(e)))?;
        Ok(self.out)
    }
}

/// A chromosome's contacts read back from a table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChromContacts {
    pub chrom: String,
    pub i: Vec<u32>,
    pub j: Vec<u32>,
    pub count: Vec<f64>,
    /// NaN where the table holds null.
    pub value: Vec<f64>,
}

/// Reads a whole contacts table, grouped by chromosome in file order; checks that rows are sorted
/// by (chromosome, i, j) with i <= j and that bp starts agree with bins.
pub fn read_all(path: &Path) -> Result<(Meta, Vec<ChromContacts>)> {
    let mut r = TableReader::open(path, schema("contacts"))?;
    let res = r.meta.resolution();
    let mut out: Vec<ChromContacts> = Vec::new();
    let mut row = 0u64;
    while let Some(b) = r.next_batch()? {
        let chrom = crate::col!(b, "chrom", StringArray);
        let i = crate::col!(b, "i", UInt32Array);
        let j = crate::col!(b, "j", UInt32Array);
        let si = crate::col!(b, "start_i", Int64Array);
        let count = crate::col!(b, "count", Float64Array);
        let value = crate::col!(b, "value", Float64Array);
        for k in 0..b.num_rows() {
            let c = chrom.value(k);
            if out.last().is_none_or(|l| l.chrom != c) {
                if out.iter().any(|o| o.chrom == c) {
                    return Err(Error::schema(path, format!("row {row}: chromosome '{c}' appears in two separate runs: table not sorted by chromosome")));
                }
                out.push(ChromContacts { chrom: c.to_string(), ..Default::default() });
            }
            let cur = out.last_mut().expect("pushed");
            let (a, bb) = (i.value(k), j.value(k));
            if a > bb {
                return Err(Error::schema(path, format!("row {row}: i = {a} > j = {bb}: contacts must be upper-triangle")));
            }
            if let (Some(&pi), Some(&pj)) = (cur.i.last(), cur.j.last()) {
                if (pi, pj) >= (a, bb) {
                    return Err(Error::schema(path, format!("row {row}: pixel ({a}, {bb}) after ({pi}, {pj}): table not sorted by (i, j) or has duplicates")));
                }
            }
            if let Some(res) = res {
                if si.value(k) != a as i64 * res as i64 {
                    return Err(Error::schema(path, format!("row {row}: start_i = {} but i * resolution = {}", si.value(k), a as i64 * res as i64)));
                }
            }
            cur.i.push(a);
            cur.j.push(bb);
            cur.count.push(count.value(k));
            cur.value.push(if value.is_null(k) { f64::NAN } else { value.value(k) });
            row += 1;
        }
    }
    Ok((r.meta, out))
}

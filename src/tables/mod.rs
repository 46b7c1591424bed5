//! The tables the toolkit exchanges, as Parquet files. Each table's columns are defined once, in
//! `schemas/<name>.schema.json` (embedded here at build time), and every table read is checked
//! against its schema before use. Every file carries `hiclstm.*` key-value metadata: schema name
//! and version, assembly, resolution, normalization, source, producer and parameters.

pub mod attributions;
pub mod bins;
pub mod contacts;
pub mod loop_aggregate;
pub mod metrics;
pub mod perturbations;
pub mod predictions;
pub mod representations;
pub mod site_effects;
pub mod tad_aggregate;
pub mod training_log;
pub mod trans;

use crate::error::{Error, Result};
use arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// One fixed column of a table definition (`columns` in `schemas/<name>.schema.json`).
#[derive(Debug, Clone, Deserialize)]
pub struct Column {
    /// Column name in the Parquet file.
    pub name: String,
    /// Type as the schema spells it: `utf8`, `uint32`, `int64`, `float32`, `float64` or `bool`.
    #[serde(rename = "type")]
    pub ty: String,
    /// Whether the column may hold nulls; a null in a non-nullable column is a schema error on reading.
    pub nullable: bool,
    /// Meaning and unit, quoted in error messages about the column.
    pub description: String,
}

/// A run of numbered columns `<prefix>0`, `<prefix>1`, ... (`repeated` in the schema file; the `r0`
/// ... `r{K-1}` of representations).
#[derive(Debug, Clone, Deserialize)]
pub struct Repeated {
    /// Name prefix; the columns are `<prefix>0` to `<prefix>{k-1}`, never nullable.
    pub prefix: String,
    /// Type of every repeated column, spelled as in [`Column::ty`].
    #[serde(rename = "type")]
    pub ty: String,
    /// Fewest repeated columns a valid table has.
    pub min: usize,
    /// Meaning of the repeated columns, quoted in error messages.
    pub description: String,
}

/// A table definition from `schemas/`.
#[derive(Debug, Clone, Deserialize)]
pub struct Schema {
    /// Table name: the `<name>` of the schema file and the `hiclstm.schema` metadata value.
    pub name: String,
    /// Schema version, written as `hiclstm.schema_version`; a file of another version is refused.
    pub version: u32,
    /// What one row of the table is.
    pub description: String,
    /// The fixed columns, in file order.
    pub columns: Vec<Column>,
    /// The numbered columns after the fixed ones, if the table has any.
    #[serde(default)]
    pub repeated: Option<Repeated>,
    /// The `hiclstm.*` key-value metadata keys every file of this table carries.
    pub metadata: Vec<String>,
}

/// The tables of `schemas/`, one variant each: a table is named by its variant, so a misspelt
/// name is a compile error rather than a run-time panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableKind {
    /// Observed pixels of intra-chromosomal maps, upper triangle (`contacts`).
    Contacts,
    /// Every bin with its bp span and normalization weight (`bins`).
    Bins,
    /// Observed pixels between two different chromosomes (`trans`).
    Trans,
    /// K representation values per bin (`representations`).
    Representations,
    /// Predicted (and observed) contact probabilities per pixel (`predictions`).
    Predictions,
    /// One row per training epoch (`training_log`).
    TrainingLog,
    /// Evaluation and classification metrics in long format (`metrics`).
    Metrics,
    /// Integrated Gradients attribution per bin (`attributions`).
    Attributions,
    /// Wild-type and edited-genome predictions of a window (`perturbations`).
    Perturbations,
    /// Per-site edits summarised by distance (`site_effects`).
    SiteEffects,
    /// The TAD-scaled 2-D aggregate of a window edit (`tad_aggregate`).
    TadAggregate,
    /// The mean change around the loop pixels of per-loop CTCF swaps (`loop_aggregate`).
    LoopAggregate,
}

impl TableKind {
    /// Every table kind, in the order of `schemas/README.md`.
    pub const ALL: [TableKind; 12] = [
        TableKind::Contacts,
        TableKind::Bins,
        TableKind::Trans,
        TableKind::Representations,
        TableKind::Predictions,
        TableKind::TrainingLog,
        TableKind::Metrics,
        TableKind::Attributions,
        TableKind::Perturbations,
        TableKind::SiteEffects,
        TableKind::TadAggregate,
        TableKind::LoopAggregate,
    ];

    /// The schema's name, as in `schemas/<name>.schema.json` and the `hiclstm.schema` metadata.
    pub fn name(self) -> &'static str {
        match self {
            TableKind::Contacts => "contacts",
            TableKind::Bins => "bins",
            TableKind::Trans => "trans",
            TableKind::Representations => "representations",
            TableKind::Predictions => "predictions",
            TableKind::TrainingLog => "training_log",
            TableKind::Metrics => "metrics",
            TableKind::Attributions => "attributions",
            TableKind::Perturbations => "perturbations",
            TableKind::SiteEffects => "site_effects",
            TableKind::TadAggregate => "tad_aggregate",
            TableKind::LoopAggregate => "loop_aggregate",
        }
    }

    fn json(self) -> &'static str {
        match self {
            TableKind::Contacts => include_str!("../../schemas/contacts.schema.json"),
            TableKind::Bins => include_str!("../../schemas/bins.schema.json"),
            TableKind::Trans => include_str!("../../schemas/trans.schema.json"),
            TableKind::Representations => include_str!("../../schemas/representations.schema.json"),
            TableKind::Predictions => include_str!("../../schemas/predictions.schema.json"),
            TableKind::TrainingLog => include_str!("../../schemas/training_log.schema.json"),
            TableKind::Metrics => include_str!("../../schemas/metrics.schema.json"),
            TableKind::Attributions => include_str!("../../schemas/attributions.schema.json"),
            TableKind::Perturbations => include_str!("../../schemas/perturbations.schema.json"),
            TableKind::SiteEffects => include_str!("../../schemas/site_effects.schema.json"),
            TableKind::TadAggregate => include_str!("../../schemas/tad_aggregate.schema.json"),
            TableKind::LoopAggregate => include_str!("../../schemas/loop_aggregate.schema.json"),
        }
    }

    /// This table's schema (see [`schema`]).
    pub fn schema(self) -> &'static Schema {
        schema(self)
    }
}

/// The schema of a table (embedded at build time; a test parses every one).
pub fn schema(kind: TableKind) -> &'static Schema {
    static ALL: OnceLock<Vec<Schema>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        TableKind::ALL
            .iter()
            .map(|k| {
                let s: Schema = serde_json::from_str(k.json()).unwrap_or_else(|e| panic!("schemas/{}.schema.json is invalid: {e}", k.name()));
                assert_eq!(s.name, k.name(), "schema file name and name field differ");
                s
            })
            .collect()
    });
    &all[TableKind::ALL.iter().position(|k| *k == kind).expect("every kind is listed in ALL")]
}

fn data_type(ty: &str) -> DataType {
    match ty {
        "utf8" => DataType::Utf8,
        "uint32" => DataType::UInt32,
        "int64" => DataType::Int64,
        "float64" => DataType::Float64,
        "float32" => DataType::Float32,
        "bool" => DataType::Boolean,
        other => panic!("schema type {other} has no Arrow type"),
    }
}

/// Whether a file's column type can be read as the schema's type without losing meaning.
fn compatible(found: &DataType, want: &DataType) -> bool {
    use DataType::*;
    if found == want {
        return true;
    }
    match want {
        Utf8 => matches!(found, LargeUtf8 | Utf8View) || matches!(found, Dictionary(_, v) if matches!(**v, Utf8 | LargeUtf8)),
        UInt32 | Int64 => matches!(found, Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64),
        Float64 | Float32 => matches!(found, Float16 | Float32 | Float64),
        _ => false,
    }
}

impl Schema {
    /// The Arrow schema of this table; `k` is the number of repeated columns (representations).
    pub fn arrow(&self, k: usize) -> SchemaRef {
        let mut fields: Vec<Field> = self.columns.iter().map(|c| Field::new(&c.name, data_type(&c.ty), c.nullable)).collect();
        if let Some(r) = &self.repeated {
            for n in 0..k {
                fields.push(Field::new(format!("{}{n}", r.prefix), data_type(&r.ty), false));
            }
        }
        Arc::new(ArrowSchema::new(fields))
    }

    /// Checks a file's Arrow schema; returns the number of repeated columns found.
    pub fn validate(&self, path: &Path, found: &ArrowSchema) -> Result<usize> {
        for c in &self.columns {
            let want = data_type(&c.ty);
            match found.field_with_name(&c.name) {
                Err(_) => {
                    return Err(Error::schema(
                        path,
                        format!("not a valid {} table: missing column '{}' (expected {}: {})", self.name, c.name, c.ty, c.description),
                    ))
                }
                Ok(f) if !compatible(f.data_type(), &want) => {
                    return Err(Error::schema(
                        path,
                        format!("not a valid {} table: column '{}' has type {}, expected {}", self.name, c.name, f.data_type(), c.ty),
                    ))
                }
                Ok(_) => {}
            }
        }
        let mut k = 0;
        if let Some(r) = &self.repeated {
            while let Ok(f) = found.field_with_name(&format!("{}{k}", r.prefix)) {
                if !compatible(f.data_type(), &data_type(&r.ty)) {
                    return Err(Error::schema(
                        path,
                        format!("not a valid {} table: column '{}{k}' has type {}, expected {}", self.name, r.prefix, f.data_type(), r.ty),
                    ));
                }
                k += 1;
            }
            if k < r.min {
                return Err(Error::schema(path, format!("not a valid {} table: no '{}0' column ({})", self.name, r.prefix, r.description)));
            }
        }
        Ok(k)
    }
}

/// `hiclstm.*` key-value metadata of a table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta(pub BTreeMap<String, String>);

impl Meta {
    /// Metadata for a new table of `schema`, produced by the running binary.
    pub fn new(schema: &Schema) -> Self {
        let mut m = BTreeMap::new();
        m.insert("hiclstm.schema".into(), schema.name.clone());
        m.insert("hiclstm.schema_version".into(), schema.version.to_string());
        m.insert("hiclstm.producer".into(), producer());
        Meta(m)
    }
    /// The same provenance for a table of another schema (bins beside contacts, say).
    pub fn for_schema(&self, schema: &Schema) -> Self {
        let mut m = self.clone();
        m.0.insert("hiclstm.schema".into(), schema.name.clone());
        m.0.insert("hiclstm.schema_version".into(), schema.version.to_string());
        m
    }
    /// Sets `hiclstm.<key>` to `value`.
    pub fn set(&mut self, key: &str, value: impl ToString) -> &mut Self {
        self.0.insert(format!("hiclstm.{key}"), value.to_string());
        self
    }
    /// The value of `hiclstm.<key>`, if present.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(&format!("hiclstm.{key}")).map(String::as_str)
    }
    /// `hiclstm.resolution`, the bin size in bp; None when absent or not a number.
    pub fn resolution(&self) -> Option<u32> {
        self.get("resolution").and_then(|r| r.parse().ok())
    }
}

/// `binary version`, e.g. `hiclstm-import 0.1.0`.
pub fn producer() -> String {
    let bin = std::env::args().next().and_then(|a| Path::new(&a).file_name().map(|f| f.to_string_lossy().into_owned())).unwrap_or_else(|| "hiclstm".into());
    format!("{bin} {}", env!("CARGO_PKG_VERSION"))
}

/// Parquet writer settings of every table: ZSTD level 1, row groups of 128 Ki rows, and `meta` as
/// key-value metadata.
pub fn writer_properties(meta: &Meta) -> WriterProperties {
    let kv = meta.0.iter().map(|(k, v)| parquet::file::metadata::KeyValue::new(k.clone(), v.clone())).collect();
    WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(parquet::basic::ZstdLevel::try_new(1).expect("valid level")))
        // Row groups of 128 Ki rows: the unit of parallel decoding on reading.
        .set_max_row_group_row_count(Some(1 << 17))
        .set_key_value_metadata(Some(kv))
        .build()
}

/// An Arrow Parquet writer of `schema` on `file` with [`writer_properties`]; `path` names the file in
/// errors.
pub fn new_writer(file: std::fs::File, path: &Path, schema: SchemaRef, meta: &Meta) -> Result<ArrowWriter<std::fs::File>> {
    ArrowWriter::try_new(file, schema, Some(writer_properties(meta))).map_err(|e| Error::output_io(path, std::io::Error::other(e)))
}

/// The one way tables are written: batches of named columns, streamed to a temporary file that
/// the caller commits with the step's other outputs. Columns are matched to the schema by name
/// (any order; a missing, extra or mistyped column is an internal error), so a writer cannot
/// silently put a column under another's name.
pub struct BatchWriter {
    out: crate::output::AtomicFile,
    writer: ArrowWriter<std::fs::File>,
    schema: SchemaRef,
    /// Rows written so far.
    pub rows: u64,
}

/// One named column of a batch.
pub type NamedColumn = (String, arrow::array::ArrayRef);

/// A column named by a string literal or a computed name (`r0`, `r1`, ...).
pub fn column(name: impl Into<String>, array: impl arrow::array::Array + 'static) -> NamedColumn {
    (name.into(), Arc::new(array))
}

/// The `wt`, `mutant`, `difference` and `percent` columns of an edit's effect (site_effects,
/// tad_aggregate, loop_aggregate): percent is 100 * difference / wt, null where wt is 0.
pub fn change_columns(pairs: impl Iterator<Item = (f64, f64)> + Clone) -> Vec<NamedColumn> {
    use arrow::array::Float64Array;
    vec![
        column("wt", Float64Array::from_iter_values(pairs.clone().map(|p| p.0))),
        column("mutant", Float64Array::from_iter_values(pairs.clone().map(|p| p.1))),
        column("difference", Float64Array::from_iter_values(pairs.clone().map(|(w, m)| m - w))),
        column("percent", Float64Array::from_iter(pairs.map(|(w, m)| (w > 0.0).then(|| 100.0 * (m - w) / w)))),
    ]
}

impl BatchWriter {
    /// A writer of a `kind` table with `k` repeated columns (K of representations; 0 otherwise).
    pub fn create(path: &Path, kind: TableKind, k: usize, meta: &Meta, force: bool) -> Result<Self> {
        let out = crate::output::AtomicFile::create(path, force)?;
        let schema = kind.schema().arrow(k);
        let writer = new_writer(out.file()?, path, schema.clone(), meta)?;
        Ok(BatchWriter { out, writer, schema, rows: 0 })
    }

    /// Writes one batch; every column of the schema must be given exactly once, by name, with its
    /// schema type (else an internal error).
    pub fn write(&mut self, mut cols: Vec<NamedColumn>) -> Result<()> {
        if cols.len() != self.schema.fields().len() {
            let names: Vec<&str> = cols.iter().map(|c| c.0.as_str()).collect();
            return Err(Error::Internal(format!("{}: columns {names:?} do not match the schema's {:?}", self.out.path().display(), self.schema.fields())));
        }
        let mut ordered = Vec::with_capacity(cols.len());
        for f in self.schema.fields() {
            let at = cols
                .iter()
                .position(|c| &c.0 == f.name())
                .ok_or_else(|| Error::Internal(format!("{}: no column '{}' written", self.out.path().display(), f.name())))?;
            ordered.push(cols.swap_remove(at).1);
        }
        let batch = arrow::record_batch::RecordBatch::try_new(self.schema.clone(), ordered).map_err(|e| Error::Internal(e.to_string()))?;
        self.writer.write(&batch).map_err(|e| Error::output_io(self.out.path(), std::io::Error::other(e)))?;
        self.rows += batch.num_rows() as u64;
        Ok(())
    }

    /// Closes the Parquet file (writes its footer) and returns it, still to be committed.
    pub fn finish(self) -> Result<crate::output::AtomicFile> {
        self.writer.close().map_err(|e| Error::output_io(self.out.path(), std::io::Error::other(e)))?;
        Ok(self.out)
    }
}

/// A table written in one batch (the small tables: metrics, training log, attributions...).
pub fn write_table(path: &Path, kind: TableKind, k: usize, meta: &Meta, cols: Vec<NamedColumn>, force: bool) -> Result<crate::output::AtomicFile> {
    let mut w = BatchWriter::create(path, kind, k, meta, force)?;
    w.write(cols)?;
    w.finish()
}

/// The order every pixel table (contacts, predictions) keeps: rows in runs of one chromosome,
/// each chromosome in one run, pixels of a run sorted by (i, j) with i <= j, each pixel once.
/// Row groups read in parallel get one checker each, joined in file order with [`PixelOrder::then`].
#[derive(Debug, Clone, Default)]
pub struct PixelOrder {
    /// Chromosomes in the order their runs started.
    runs: Vec<String>,
    /// The first pixel seen (chromosome, i, j) and the row it was on.
    first: Option<(String, u32, u32, u64)>,
    /// The last pixel seen.
    last: Option<(String, u32, u32)>,
}

impl PixelOrder {
    /// Checks the pixel on 0-based row `row` of `path`.
    pub fn check(&mut self, path: &Path, row: u64, chrom: &str, i: u32, j: u32) -> Result<()> {
        if i > j {
            return Err(Error::schema(path, format!("row {row}: i = {i} > j = {j}: pixels must be upper-triangle (i <= j)")));
        }
        match &mut self.last {
            Some((c, pi, pj)) if c == chrom => {
                if (*pi, *pj) >= (i, j) {
                    return Err(Error::schema(path, format!("row {row}: pixel ({i}, {j}) after ({pi}, {pj}): table not sorted by (i, j) or has duplicates")));
                }
                (*pi, *pj) = (i, j);
            }
            _ => {
                if self.runs.iter().any(|r| r == chrom) {
                    return Err(Error::schema(path, format!("row {row}: chromosome '{chrom}' appears in two separate runs: table not sorted by chromosome")));
                }
                self.runs.push(chrom.to_string());
                if self.first.is_none() {
                    self.first = Some((chrom.to_string(), i, j, row));
                }
                self.last = Some((chrom.to_string(), i, j));
            }
        }
        Ok(())
    }

    /// The checker of the rows before joined with the one of the rows right after them.
    pub fn then(mut self, path: &Path, next: PixelOrder) -> Result<PixelOrder> {
        let Some((c, i, j, row)) = next.first.clone() else { return Ok(self) };
        // Re-checking the next part's first pixel against this part's last one covers the seam;
        // its other chromosomes must not have had a run here either.
        self.check(path, row, &c, i, j)?;
        for r in next.runs.iter().skip(1) {
            if self.runs.contains(r) {
                return Err(Error::schema(path, format!("chromosome '{r}' appears in two separate runs: table not sorted by chromosome")));
            }
            self.runs.push(r.clone());
        }
        if next.last.is_some() {
            self.last = next.last;
        }
        Ok(self)
    }
}

/// Opens a Parquet file's footer: a file that cannot be opened is exit 3, one that is not
/// Parquet (empty, truncated, another format) exit 4; a decoder panic on a damaged footer is
/// caught and reported the same way.
fn builder(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<std::fs::File>> {
    let file = crate::error::open_input(path)?;
    guarded(
        path,
        || "footer".into(),
        || ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| Error::format(path, crate::error::Location::None, format!("not a Parquet file: {e}"))),
    )
}

thread_local! {
    /// Set while a Parquet decoder runs under [`guarded`]: its panics are reported as errors,
    /// so the panic hook stays quiet for them.
    static GUARDED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` (a call into the Parquet decoder) and turns a panic inside it into a format error
/// (exit 4) naming the file and `what` part of it: a damaged file must never abort a step.
fn guarded<T>(path: &Path, what: impl FnOnce() -> String, f: impl FnOnce() -> Result<T>) -> Result<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !GUARDED.with(|g| g.get()) {
                previous(info)
            }
        }));
    });
    let was = GUARDED.with(|g| g.replace(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    GUARDED.with(|g| g.set(was));
    r.unwrap_or_else(|p| {
        let msg = p.downcast_ref::<String>().map(String::as_str).or_else(|| p.downcast_ref::<&str>().copied()).unwrap_or("no message");
        Err(Error::format(path, crate::error::Location::Object(what()), format!("corrupted Parquet data (the decoder failed: {msg})")))
    })
}

/// First row of every row group of a Parquet file.
pub fn row_group_offsets(path: &Path) -> Result<Vec<u64>> {
    let b = builder(path)?;
    let mut at = 0u64;
    Ok(b.metadata()
        .row_groups()
        .iter()
        .map(|g| {
            let start = at;
            at += g.num_rows().max(0) as u64;
            start
        })
        .collect())
}

/// A table opened for reading: validated against its schema, batches cast to the schema's types.
pub struct TableReader {
    /// The file's `hiclstm.*` key-value metadata.
    pub meta: Meta,
    /// Number of repeated columns (K for representations).
    pub k: usize,
    /// Number of rows in the whole file (all row groups, whatever was opened).
    pub rows: u64,
    reader: ParquetRecordBatchReader,
    target: SchemaRef,
    path: std::path::PathBuf,
    /// The row groups opened (None: all), for messages.
    groups: Option<Vec<usize>>,
}

impl TableReader {
    /// Opens a table and checks it against `schema`: its `hiclstm.schema` name and version, when
    /// present, and every column's name and type.
    pub fn open(path: &Path, schema: &Schema) -> Result<Self> {
        Self::open_row_groups(path, schema, None)
    }

    /// Number of Parquet row groups of a file (units of parallel reading).
    pub fn row_groups(path: &Path) -> Result<usize> {
        let b = builder(path)?;
        Ok(b.metadata().num_row_groups())
    }

    /// Opens only the given row groups (all when `None`).
    pub fn open_row_groups(path: &Path, schema: &Schema, groups: Option<Vec<usize>>) -> Result<Self> {
        let builder = builder(path)?;
        let mut meta = Meta::default();
        if let Some(kv) = builder.metadata().file_metadata().key_value_metadata() {
            for e in kv {
                if e.key.starts_with("hiclstm.") {
                    meta.0.insert(e.key.clone(), e.value.clone().unwrap_or_default());
                }
            }
        }
        if let Some(name) = meta.get("schema") {
            if name != schema.name {
                return Err(Error::schema(path, format!("this is a '{name}' table, expected a '{}' table", schema.name)));
            }
        }
        if let Some(v) = meta.get("schema_version") {
            if v.parse::<u32>().ok() != Some(schema.version) {
                return Err(Error::schema(path, format!("{} table has schema version {v}; this build reads version {}", schema.name, schema.version)));
            }
        }
        let k = schema.validate(path, builder.schema())?;
        let target = schema.arrow(k);
        let rows = builder.metadata().file_metadata().num_rows().max(0) as u64;
        let names: Vec<&str> = target.fields().iter().map(|f| f.name().as_str()).collect();
        let mask_idx: Vec<usize> = names.iter().map(|n| builder.schema().index_of(n).expect("validated")).collect();
        let mask = parquet::arrow::ProjectionMask::roots(builder.parquet_schema(), mask_idx);
        let builder = match &groups {
            Some(g) => builder.with_row_groups(g.clone()),
            None => builder,
        };
        let reader = builder
            .with_projection(mask)
            .with_batch_size(1 << 16)
            .build()
            .map_err(|e| Error::format(path, crate::error::Location::None, format!("corrupted Parquet data: {e}")))?;
        Ok(TableReader { meta, k, rows, reader, target, path: path.to_path_buf(), groups })
    }

    /// Reads every remaining batch, cast to the schema's column types and order.
    pub fn next_batch(&mut self) -> Result<Option<arrow::record_batch::RecordBatch>> {
        let (path, groups) = (&self.path, &self.groups);
        let reader = &mut self.reader;
        let what = || match groups {
            Some(g) => format!("row group {}", g.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")),
            None => "row data".into(),
        };
        let Some(batch) = guarded(path, what, || Ok(reader.next()))? else { return Ok(None) };
        let batch = batch.map_err(|e| Error::format(&self.path, crate::error::Location::None, format!("corrupted Parquet data: {e}")))?;
        let mut cols = Vec::with_capacity(self.target.fields().len());
        for f in self.target.fields() {
            let c = batch.column_by_name(f.name()).expect("projected");
            if !f.is_nullable() && c.null_count() > 0 {
                return Err(Error::schema(&self.path, format!("column '{}' has null values but may not", f.name())));
            }
            let c = if c.data_type() == f.data_type() {
                c.clone()
            } else {
                let opts = arrow::compute::CastOptions { safe: false, ..Default::default() };
                arrow::compute::cast_with_options(c, f.data_type(), &opts)
                    .map_err(|e| Error::schema(&self.path, format!("column '{}': cannot read as {}: {e}", f.name(), f.data_type())))?
            };
            cols.push(c);
        }
        arrow::record_batch::RecordBatch::try_new(self.target.clone(), cols).map(Some).map_err(|e| Error::Internal(e.to_string()))
    }
}

/// Downcasts a column of a batch produced by [`TableReader`] (types are guaranteed there).
#[macro_export]
macro_rules! col {
    ($batch:expr, $name:expr, $ty:ty) => {
        $batch.column_by_name($name).and_then(|c| c.as_any().downcast_ref::<$ty>()).expect(concat!("validated column ", $name))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_order_across_rows_and_row_groups() {
        let p = Path::new("t.parquet");
        let mut o = PixelOrder::default();
        for (row, (c, i, j)) in [("chr1", 0, 0), ("chr1", 0, 3), ("chr1", 2, 2), ("chr2", 0, 1)].into_iter().enumerate() {
            o.check(p, row as u64, c, i, j).unwrap();
        }
        let err = |r: Result<()>| r.unwrap_err().to_string();
        assert!(err(o.clone().check(p, 4, "chr2", 0, 1)).contains("row 4: pixel (0, 1) after (0, 1)"), "duplicates");
        assert!(err(o.clone().check(p, 4, "chr2", 3, 2)).contains("row 4: i = 3 > j = 2"), "lower triangle");
        assert!(err(o.clone().check(p, 4, "chr1", 5, 5)).contains("two separate runs"));
        // Two parts joined at a seam: fine in order, refused when the seam goes back.
        let (mut a, mut b) = (PixelOrder::default(), PixelOrder::default());
        a.check(p, 0, "chr1", 0, 5).unwrap();
        b.check(p, 1, "chr1", 1, 1).unwrap();
        b.check(p, 2, "chr2", 0, 0).unwrap();
        let joined = a.clone().then(p, b.clone()).unwrap();
        assert!(err(joined.clone().check(p, 3, "chr1", 9, 9)).contains("two separate runs"));
        assert!(b.then(p, a).unwrap_err().to_string().contains("two separate runs"));
        let mut c = PixelOrder::default();
        c.check(p, 3, "chr2", 0, 0).unwrap();
        assert!(joined.then(p, c).unwrap_err().to_string().contains("row 3: pixel (0, 0) after (0, 0)"));
    }

    #[test]
    fn every_table_kind_has_its_schema() {
        for k in TableKind::ALL {
            assert_eq!(schema(k).name, k.name());
        }
        let n_files = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/schemas"))
            .unwrap()
            .filter(|e| {
                let n = e.as_ref().unwrap().file_name().to_string_lossy().into_owned();
                n.ends_with(".schema.json") && n != "samplesheet.schema.json"
            })
            .count();
        assert_eq!(n_files, TableKind::ALL.len(), "a schemas/*.schema.json without a TableKind");
    }

    #[test]
    fn columns_are_placed_by_name_and_mismatches_refused() {
        use arrow::array::{Float64Array, Int64Array, StringArray, UInt32Array};
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.parquet");
        let meta = Meta::new(TableKind::TrainingLog.schema());
        let mut w = BatchWriter::create(&p, TableKind::TrainingLog, 0, &meta, false).unwrap();
        // Any order is fine: columns go where the schema puts them.
        w.write(vec![
            column("steps", UInt32Array::from(vec![5])),
            column("loss", Float64Array::from(vec![0.5])),
            column("epoch", UInt32Array::from(vec![1])),
            column("learning_rate", Float64Array::from(vec![0.01])),
            column("seconds", Float64Array::from(vec![2.0])),
            column("frames_per_second", Float64Array::from(vec![100.0])),
            column("trans_loss", Float64Array::from(vec![Some(0.9)])),
            column("cis_loss", Float64Array::from(vec![None::<f64>])),
        ])
        .unwrap();
        let missing = w.write(vec![column("epoch", UInt32Array::from(vec![1]))]).unwrap_err();
        assert!(matches!(missing, Error::Internal(_)), "{missing}");
        let misnamed = w
            .write(vec![
                column("steps", UInt32Array::from(vec![5])),
                column("los", Float64Array::from(vec![0.5])),
                column("epoch", UInt32Array::from(vec![1])),
                column("learning_rate", Float64Array::from(vec![0.01])),
                column("seconds", Float64Array::from(vec![2.0])),
                column("frames_per_second", Float64Array::from(vec![100.0])),
                column("trans_loss", Float64Array::from(vec![Some(0.9)])),
                column("cis_loss", Float64Array::from(vec![None::<f64>])),
            ])
            .unwrap_err();
        assert!(misnamed.to_string().contains("no column 'loss'"), "{misnamed}");
        let mistyped = w
            .write(vec![
                column("steps", UInt32Array::from(vec![5])),
                column("loss", StringArray::from(vec!["x"])),
                column("epoch", UInt32Array::from(vec![1])),
                column("learning_rate", Float64Array::from(vec![0.01])),
                column("seconds", Float64Array::from(vec![2.0])),
                column("frames_per_second", Int64Array::from(vec![100])),
                column("trans_loss", Float64Array::from(vec![Some(0.9)])),
                column("cis_loss", Float64Array::from(vec![None::<f64>])),
            ])
            .unwrap_err();
        assert!(matches!(mistyped, Error::Internal(_)), "{mistyped}");
        w.finish().unwrap().commit(false).unwrap();
        let back = training_log::read(&p).unwrap();
        assert_eq!((back.len(), back[0].epoch, back[0].loss, back[0].steps), (1, 1, 0.5, 5));
        assert_eq!((back[0].trans_loss, back[0].cis_loss), (Some(0.9), None), "nullable columns read back as written");
    }
}

//! bigWig tracks (UCSC's indexed, zoomable binary form of a bedGraph) for IGV, the UCSC browser
//! and HiGlass, written through the `bigtools` crate.

use super::bed::BedGraph;
use crate::error::{Error, Result};
use crate::output::AtomicFile;
use bigtools::beddata::BedParserStreamingIterator;
use bigtools::{BigWigWrite, Value};
use std::collections::HashMap;
use std::path::Path;

/// Writes `records` (grouped by chromosome, sorted by start within each, not overlapping) as a
/// bigWig with the chromosome sizes `chroms` (every chromosome of the genome, name and bp).
/// Values are stored as 32-bit floats, as the format holds them.
pub fn write_bigwig(path: &Path, chroms: &[(String, u64)], records: &[BedGraph], force: bool) -> Result<AtomicFile> {
    let mut sizes = HashMap::with_capacity(chroms.len());
    for (name, len) in chroms {
        let len = u32::try_from(*len).map_err(|_| Error::InvalidArgument(format!("{name}: {len} bp is beyond bigWig's 32-bit coordinates")))?;
        sizes.insert(name.clone(), len);
    }
    // The checks bigtools would otherwise report as a panic or a bare message.
    let mut last: Option<(&str, u64)> = None;
    let mut done: Vec<&str> = Vec::new();
    for r in records {
        let Some(&len) = sizes.get(&r.chrom) else {
            return Err(Error::Internal(format!("{}: chromosome '{}' has no size", path.display(), r.chrom)));
        };
        if r.start >= r.end || r.end > len as u64 {
            return Err(Error::Internal(format!("{}: interval {}:{}-{} outside the chromosome ({len} bp)", path.display(), r.chrom, r.start, r.end)));
        }
        match last {
            Some((c, end)) if c == r.chrom && r.start < end => {
                return Err(Error::Internal(format!("{}: intervals of {} overlap or are unsorted at {}", path.display(), r.chrom, r.start)));
            }
            Some((c, _)) if c != r.chrom => {
                if done.contains(&r.chrom.as_str()) {
                    return Err(Error::Internal(format!("{}: {} is not in one block", path.display(), r.chrom)));
                }
                done.push(c);
            }
            _ => {}
        }
        last = Some((r.chrom.as_str(), r.end));
    }
    let out = AtomicFile::create(path, force)?;
    let file = out.file()?;
    // One worker: the track is small (one value per bin) and the step's threads are busy elsewhere.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).build().map_err(|e| Error::output_io(path, e))?;
    let values = records.iter().map(|r| (r.chrom.as_str(), Value { start: r.start as u32, end: r.end as u32, value: r.value as f32 }));
    let data = BedParserStreamingIterator::wrap_infallible_iter(values, true);
    BigWigWrite::new(file, sizes).write(data, runtime).map_err(|e| Error::output_io(path, std::io::Error::other(format!("bigWig: {e}"))))?;
    Ok(out)
}

/// One track written twice: as bedGraph (text) and as bigWig (indexed), committed with the
/// step's other outputs.
pub fn write_with_bedgraph(bedgraph: &Path, bigwig: &Path, chroms: &[(String, u64)], records: &[BedGraph], force: bool) -> Result<[AtomicFile; 2]> {
    Ok([super::bed::write_bedgraph(bedgraph, records, force)?, write_bigwig(bigwig, chroms, records, force)?])
}

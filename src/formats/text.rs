//! Text inputs (pairs, validPairs, juicer text, BED, bedGraph, BEDPE): plain or gzip-compressed,
//! told apart by the gzip magic bytes rather than the file name, read through one buffered handle.
//! BGZF files (bgzip: the 4DN pairs standard) are decompressed by `noodles-bgzf`'s multithreaded
//! reader, blocks in parallel on the step's threads (BENCHMARKS.md, "Reading bgzipped pairs").

use crate::error::{Error, Result};
use flate2::read::MultiGzDecoder;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Opens a plain, gzip or BGZF text file for buffered reading.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let f = crate::error::open_input(path)?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    // The first fill of a 1 MiB buffer holds the header of any file that has one.
    let head = r.fill_buf().map_err(|e| Error::input_io(path, e))?;
    if is_bgzf(head) {
        let workers = std::num::NonZeroUsize::new(rayon::current_num_threads()).unwrap_or(std::num::NonZeroUsize::MIN);
        Ok(Box::new(BufReader::with_capacity(1 << 20, noodles_bgzf::io::MultithreadedReader::with_worker_count(workers, r))))
    } else if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(BufReader::with_capacity(1 << 20, MultiGzDecoder::new(r))))
    } else {
        Ok(Box::new(r))
    }
}

/// A BGZF header (SAM/BAM specification, section 4.1): a gzip member (deflate, FEXTRA set) whose
/// first extra subfield is `BC` of length 2.
fn is_bgzf(head: &[u8]) -> bool {
    head.len() >= 18 && head[..4] == [0x1f, 0x8b, 8, 4] && head[12..16] == [b'B', b'C', 2, 0]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn plain_and_gzip_read_the_same() {
        let d = tempfile::tempdir().unwrap();
        let text = "chr1\t0\t10\n".repeat(1000);
        std::fs::write(d.path().join("a.bed"), &text).unwrap();
        // A gzip file without a .gz name is still recognised.
        let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(d.path().join("b.bed")).unwrap(), flate2::Compression::fast());
        gz.write_all(text.as_bytes()).unwrap();
        gz.finish().unwrap();
        for f in ["a.bed", "b.bed"] {
            let mut s = String::new();
            open(&d.path().join(f)).unwrap().read_to_string(&mut s).unwrap();
            assert_eq!(s, text, "{f}");
        }
        // BGZF (bgzip), read in parallel blocks; several blocks so that order matters.
        let mut w = noodles_bgzf::io::Writer::new(std::fs::File::create(d.path().join("c.pairs.gz")).unwrap());
        let long = "chr1\t12345\tchr1\t67890\n".repeat(20_000);
        w.write_all(long.as_bytes()).unwrap();
        w.finish().unwrap();
        let head = std::fs::read(d.path().join("c.pairs.gz")).unwrap();
        assert!(is_bgzf(&head) && !is_bgzf(&std::fs::read(d.path().join("b.bed")).unwrap()), "BGZF told apart from plain gzip");
        let mut s = String::new();
        open(&d.path().join("c.pairs.gz")).unwrap().read_to_string(&mut s).unwrap();
        assert_eq!(s, long);
        std::fs::write(d.path().join("e"), b"").unwrap();
        assert_eq!(open(&d.path().join("e")).unwrap().lines().count(), 0);
        assert!(matches!(open(&d.path().join("missing")), Err(Error::InputIo { .. })));
    }
}

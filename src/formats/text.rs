//! Text inputs (pairs, validPairs, juicer text, BED, bedGraph, BEDPE): plain or gzip-compressed,
//! told apart by the gzip magic bytes rather than the file name, read through one buffered handle.

use crate::error::{Error, Result};
use flate2::read::MultiGzDecoder;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Opens a plain or gzip (also bgzip: multi-member) text file for buffered reading.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let f = std::fs::File::open(path).map_err(|e| Error::input_io(path, e))?;
    let mut r = BufReader::with_capacity(1 << 20, f);
    // The first fill of a 1 MiB buffer holds the two magic bytes of any file that has them.
    let gzip = r.fill_buf().map_err(|e| Error::input_io(path, e))?.starts_with(&[0x1f, 0x8b]);
    if gzip {
        Ok(Box::new(BufReader::with_capacity(1 << 20, MultiGzDecoder::new(r))))
    } else {
        Ok(Box::new(r))
    }
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
        std::fs::write(d.path().join("e"), b"").unwrap();
        assert_eq!(open(&d.path().join("e")).unwrap().lines().count(), 0);
        assert!(matches!(open(&d.path().join("missing")), Err(Error::InputIo { .. })));
    }
}

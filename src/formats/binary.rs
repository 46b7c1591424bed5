//! Little-endian reading with byte offsets in every error, shared by the binary formats.

use crate::error::{Error, Location, Result};
use std::io::Read;
use std::path::Path;

/// Reads little-endian values from any `Read`, keeping the absolute file offset so that an
/// error can say where the file went wrong.
pub struct LeReader<'p, R> {
    inner: R,
    pos: u64,
    path: &'p Path,
    what: &'static str,
}

impl<'p, R: Read> LeReader<'p, R> {
    /// `start` is the file offset of the first byte `inner` yields; `what` names the structure
    /// being read, for messages.
    pub fn new(inner: R, start: u64, path: &'p Path, what: &'static str) -> Self {
        LeReader { inner, pos: start, path, what }
    }

    /// The absolute file offset of the next byte to be read.
    pub fn pos(&self) -> u64 {
        self.pos
    }

    /// A format error at the current offset, prefixed with the structure's name.
    pub fn error(&self, message: impl Into<String>) -> Error {
        self.error_at(self.pos, message)
    }

    /// An error about what started at offset `at` (a field already read).
    pub fn error_at(&self, at: u64, message: impl Into<String>) -> Error {
        Error::format(self.path, Location::Offset(at), format!("{}: {}", self.what, message.into()))
    }

    /// The next `N` bytes; a truncated file is a format error.
    pub fn bytes<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut b = [0u8; N];
        self.fill(&mut b)?;
        Ok(b)
    }

    /// Fills `b` with the next bytes; a truncated file is a format error, any other read failure
    /// an input error.
    pub fn fill(&mut self, b: &mut [u8]) -> Result<()> {
        match self.inner.read_exact(b) {
            Ok(()) => {
                self.pos += b.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(self.error(format!("truncated: needed {} more bytes", b.len()))),
            Err(e) => Err(Error::input_io(self.path, e)),
        }
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.bytes::<1>()?[0])
    }
    /// A little-endian `i16`.
    pub fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_le_bytes(self.bytes()?))
    }
    /// A little-endian `i32`.
    pub fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_le_bytes(self.bytes()?))
    }
    /// A little-endian `i64`.
    pub fn i64(&mut self) -> Result<i64> {
        Ok(i64::from_le_bytes(self.bytes()?))
    }
    /// A little-endian `f32`.
    pub fn f32(&mut self) -> Result<f32> {
        Ok(f32::from_le_bytes(self.bytes()?))
    }
    /// A little-endian `f64`.
    pub fn f64(&mut self) -> Result<f64> {
        Ok(f64::from_le_bytes(self.bytes()?))
    }

    /// A count that must be non-negative and at most `max` (guards allocations against
    /// corrupted files).
    pub fn count32(&mut self, max: u64, name: &str) -> Result<usize> {
        let at = self.pos;
        let n = self.i32()?;
        if n < 0 || n as u64 > max {
            return Err(Error::format(self.path, Location::Offset(at), format!("{}: implausible {name} {n}", self.what)));
        }
        Ok(n as usize)
    }

    /// As [`LeReader::count32`], for a count stored as a little-endian `i64`.
    pub fn count64(&mut self, max: u64, name: &str) -> Result<usize> {
        let at = self.pos;
        let n = self.i64()?;
        if n < 0 || n as u64 > max {
            return Err(Error::format(self.path, Location::Offset(at), format!("{}: implausible {name} {n}", self.what)));
        }
        Ok(n as usize)
    }

    /// A NUL-terminated string of at most `max` bytes.
    pub fn cstr(&mut self, max: usize) -> Result<String> {
        let start = self.pos;
        let mut out = Vec::new();
        loop {
            let b = self.u8()?;
            if b == 0 {
                break;
            }
            if out.len() >= max {
                return Err(Error::format(self.path, Location::Offset(start), format!("{}: string longer than {max} bytes (corrupted file?)", self.what)));
            }
            out.push(b);
        }
        String::from_utf8(out).map_err(|_| Error::format(self.path, Location::Offset(start), format!("{}: string is not UTF-8", self.what)))
    }

    /// Skips `n` bytes; fewer left in the file is a format error.
    pub fn skip(&mut self, n: u64) -> Result<()> {
        let copied = std::io::copy(&mut (&mut self.inner).take(n), &mut std::io::sink()).map_err(|e| Error::input_io(self.path, e))?;
        self.pos += copied;
        if copied < n {
            return Err(self.error(format!("truncated: needed {} more bytes", n - copied)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod field_tests {
    use super::*;

    #[test]
    fn errors_carry_the_offset_of_the_field() {
        let path = Path::new("f.hic");
        let mut r = LeReader::new(&[1u8, 0, 0, 0, 7][..], 100, path, "header");
        assert_eq!(r.i32().unwrap(), 1);
        assert_eq!(r.pos(), 104);
        let e = r.i32().unwrap_err().to_string();
        assert!(e.contains("f.hic") && e.contains("byte offset 104"), "{e}");
        assert!(r.error_at(100, "bad").to_string().contains("byte offset 100: header: bad"));
    }
}

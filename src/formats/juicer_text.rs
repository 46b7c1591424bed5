//! juicer `dump` text, the input of the original Hi-C-LSTM: `start_i start_j value` per line,
//! whitespace-separated, one chromosome per file, bp coordinates aligned to the resolution.

use super::spill::BinnedCounts;
use super::{BinnedSource, OpenOptions};
use crate::error::{Error, Location, Result};
use crate::genome::Chrom;
use std::io::BufRead;
use std::path::Path;

/// Reads a juicer dump file (bp positions, multiples of `resolution`) as one chromosome,
/// `opts.chrom` (required); its length comes from `opts.chrom_sizes`, else it ends with the highest
/// bin seen. Pixels are folded into the upper triangle and duplicates summed, in bounded memory
/// (the original's dumps of GM12878 at 10 kb: 68 M lines for chr2).
pub fn read(path: &Path, resolution: u32, opts: &OpenOptions) -> Result<BinnedSource> {
    let chrom = opts
        .chrom
        .clone()
        .ok_or_else(|| Error::InvalidArgument(format!("{}: juicer text holds one chromosome without naming it; pass --chrom NAME", path.display())))?;
    let sizes = match &opts.chrom_sizes {
        Some(p) => Some(super::read_chrom_sizes(p)?),
        None => None,
    };
    let length = match &sizes {
        Some(s) => Some(
            s[crate::genome::find(s, &chrom).ok_or_else(|| {
                Error::not_in_input(opts.chrom_sizes.as_ref().expect("sizes given"), format!("chromosome '{chrom}'"), crate::genome::names(s))
            })?]
            .length,
        ),
        None => None,
    };
    let reader = super::text::open(path)?;
    let res = resolution as u64;
    // Bands of 256 rows up to the length, or up to the most bins a chromosome may have when the
    // length is not given (empty bands cost a few bytes each).
    let mut counts = BinnedCounts::new(&opts.spill, false);
    let rows = length.map_or(crate::genome::MAX_BINS, |l| l.div_ceil(res)) as usize;
    let group = counts.add_banded_group(256, rows);
    let mut n_px = 0u64;
    let mut max_bin = 0u64;
    for (n, line) in reader.lines().enumerate() {
        let lineno = n as u64 + 1;
        let line = line.map_err(|e| Error::format(path, Location::Line { line: lineno, column: None }, format!("unreadable line: {e}")))?;
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() != 3 {
            return Err(Error::format(
                path,
                Location::Line { line: lineno, column: None },
                format!("expected 3 fields 'start_i start_j value', found {}", f.len()),
            ));
        }
        let pos = |k: usize| -> Result<u64> {
            let v: u64 = f[k].parse().map_err(|_| {
                Error::format(path, Location::Line { line: lineno, column: Some(k as u64 + 1) }, format!("'{}' is not a non-negative integer position", f[k]))
            })?;
            if v % res != 0 {
                return Err(Error::format(
                    path,
                    Location::Line { line: lineno, column: Some(k as u64 + 1) },
                    format!("position {v} is not a multiple of the resolution {resolution}"),
                ));
            }
            if let Some(len) = length {
                if v >= len {
                    return Err(Error::format(
                        path,
                        Location::Line { line: lineno, column: Some(k as u64 + 1) },
                        format!("position {v} beyond the end of {chrom} ({len} bp)"),
                    ));
                }
            }
            Ok(v / res)
        };
        let (a, b) = (pos(0)?, pos(1)?);
        let v: f64 = f[2].parse().map_err(|_| Error::format(path, Location::Line { line: lineno, column: Some(3) }, format!("'{}' is not a number", f[2])))?;
        if !v.is_finite() || v < 0.0 {
            return Err(Error::format(path, Location::Line { line: lineno, column: Some(3) }, format!("value '{}' is not a finite count >= 0", f[2])));
        }
        // One far position would otherwise size the chromosome (and every table of it) by itself.
        if a.max(b) >= crate::genome::MAX_BINS {
            return Err(Error::format(
                path,
                Location::Line { line: lineno, column: None },
                format!("position {} is beyond {} bins of {resolution} bp: not a chromosome", a.max(b) * res, crate::genome::MAX_BINS),
            ));
        }
        let (i, j) = if a <= b { (a, b) } else { (b, a) };
        max_bin = max_bin.max(j);
        counts.add(group, i as u32, j as u32, v)?;
        n_px += 1;
    }
    if n_px == 0 {
        return Err(Error::format(path, Location::None, "no contacts in the file"));
    }
    let length = length.unwrap_or((max_bin + 1) * res);
    Ok(BinnedSource { path: path.to_path_buf(), chroms: vec![Chrom::new(chrom, length)], resolution, assembly: None, counts, cis: vec![group], trans: None })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str, sizes: Option<&str>) -> Result<BinnedSource> {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("c.txt");
        std::fs::write(&p, text).unwrap();
        let chrom_sizes = sizes.map(|s| {
            let q = d.path().join("sizes");
            std::fs::write(&q, s).unwrap();
            q
        });
        read(&p, 10, &OpenOptions { chrom: Some("chr1".into()), chrom_sizes, ..Default::default() })
    }

    #[test]
    fn fields_are_checked_where_they_are() {
        assert!(read_text("0 10 2.5\n10 10 1\n", None).is_ok());
        for (text, sizes, needle) in [
            ("0 10\n", None, "line 1: expected 3 fields"),
            ("0 -10 1\n", None, "line 1, column 2: '-10' is not a non-negative integer position"),
            ("# c\n0 15 1\n", None, "line 2, column 2: position 15 is not a multiple of the resolution 10"),
            ("0 100 1\n", Some("chr1\t100\n"), "line 1, column 2: position 100 beyond the end of chr1"),
        ] {
            let e = read_text(text, sizes).err().unwrap().to_string();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
        let e = read(Path::new("x.txt"), 10, &OpenOptions::default()).err().unwrap().to_string();
        assert!(e.contains("--chrom"), "{e}");
    }
}

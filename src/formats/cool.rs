//! cooler `.cool` files and single resolutions of `.mcool` files (HDF5), read through libhdf5.
//!
//! Pixels are stored sorted by (bin1, bin2) in the upper triangle, so a chromosome is streamed
//! in slices of the pixel table without holding it in memory.

use super::{ContactSource, Pixel};
use crate::error::{Error, Location, Result};
use crate::genome::Chrom;
use std::path::{Path, PathBuf};

const SLICE: usize = 1 << 20;

/// A cooler file (or one resolution group of an `.mcool`) opened at one normalization; pixels are
/// streamed from the HDF5 datasets.
pub struct CoolSource {
    path: PathBuf,
    group: hdf5::Group,
    group_name: String,
    chroms: Vec<Chrom>,
    chrom_offset: Vec<u64>,
    resolution: u32,
    norm: String,
    assembly: Option<String>,
}

fn h5err(path: &Path, object: &str, e: hdf5::Error) -> Error {
    Error::format(path, Location::Object(object.to_string()), format!("cannot read ({e}); is this a cooler file?"))
}

/// Splits `file.mcool::/resolutions/N` into the file and the group inside it.
pub fn split_uri(uri: &str) -> (&str, Option<&str>) {
    match uri.split_once("::") {
        Some((f, g)) => (f, Some(g.trim_start_matches('/')).filter(|g| !g.is_empty())),
        None => (uri, None),
    }
}

impl CoolSource {
    /// Opens `uri` (`file.cool`, `file.mcool` or `file.mcool::/resolutions/N`); `resolution` (bp)
    /// selects or checks the group, and `norm` is `NONE`, `balanced` (the `weight` column) or any other
    /// `bins/` column.
    pub fn open(uri: &str, resolution: Option<u32>, norm: &str) -> Result<Self> {
        let (file, group_path) = split_uri(uri);
        let path = Path::new(file);
        drop(crate::error::open_input(path)?);
        let f = hdf5::File::open(path).map_err(|e| Error::format(path, Location::None, format!("not an HDF5 (cooler) file: {e}")))?;
        let root = f.group("/").map_err(|e| h5err(path, "/", e))?;
        let group_name = match group_path {
            Some(g) => g.to_string(),
            None if root.link_exists("resolutions") => {
                let res = root.group("resolutions").map_err(|e| h5err(path, "resolutions", e))?;
                let mut available: Vec<u32> = res.member_names().map_err(|e| h5err(path, "resolutions", e))?.iter().filter_map(|n| n.parse().ok()).collect();
                available.sort_unstable();
                let list = available.iter().map(|r| r.to_string()).collect::<Vec<_>>().join(", ");
                match resolution {
                    Some(r) if available.contains(&r) => format!("resolutions/{r}"),
                    Some(r) => return Err(Error::not_in_input(path, format!("resolution {r}"), list)),
                    None if available.len() == 1 => format!("resolutions/{}", available[0]),
                    None => {
                        return Err(Error::InvalidArgument(format!(
                            "{file}: multi-resolution file ({list}); choose one with --resolution or {file}::/resolutions/N"
                        )))
                    }
                }
            }
            None => String::new(),
        };
        let group = if group_name.is_empty() {
            root
        } else {
            if !root.link_exists(&group_name) {
                return Err(Error::not_in_input(path, format!("group /{group_name}"), "see `h5ls -r`"));
            }
            root.group(&group_name).map_err(|e| h5err(path, &group_name, e))?
        };
        let ctx = |o: &str| format!("/{group_name}/{o}").replace("//", "/");
        for needed in ["chroms/name", "chroms/length", "pixels/bin1_id", "pixels/bin2_id", "pixels/count", "indexes/chrom_offset", "indexes/bin1_offset"] {
            if !group.link_exists(needed) {
                return Err(Error::format(path, Location::Object(ctx(needed)), "missing dataset: not a cooler file"));
            }
        }
        let bin_size: i64 = group.attr("bin-size").and_then(|a| a.read_scalar::<i64>()).map_err(|_| {
            Error::format(path, Location::Object(ctx("@bin-size")), "missing or non-integer bin-size attribute (variable-size bins are not supported)")
        })?;
        if bin_size <= 0 {
            return Err(Error::format(path, Location::Object(ctx("@bin-size")), format!("bin-size {bin_size} is not positive")));
        }
        if let Some(r) = resolution {
            if r as i64 != bin_size {
                return Err(Error::not_in_input(path, format!("resolution {r} in /{group_name}"), format!("{bin_size}")));
            }
        }
        let names = read_strings(&group, "chroms/name").map_err(|e| h5err(path, &ctx("chroms/name"), e))?;
        let lengths: Vec<i64> = group.dataset("chroms/length").and_then(|d| d.read_raw::<i64>()).map_err(|e| h5err(path, &ctx("chroms/length"), e))?;
        if names.len() != lengths.len() {
            return Err(Error::format(path, Location::Object(ctx("chroms")), "chroms/name and chroms/length differ in length"));
        }
        let chroms: Vec<Chrom> = names.into_iter().zip(lengths).map(|(n, l)| Chrom::new(n, l.max(0) as u64)).collect();
        let chrom_offset: Vec<u64> = read_u64(&group, "indexes/chrom_offset").map_err(|e| h5err(path, &ctx("indexes/chrom_offset"), e))?;
        if chrom_offset.len() != chroms.len() + 1 || chrom_offset.windows(2).any(|w| w[0] > w[1]) {
            return Err(Error::format(path, Location::Object(ctx("indexes/chrom_offset")), "inconsistent with chroms table"));
        }
        let assembly = group.attr("genome-assembly").ok().and_then(|a| read_attr_string(&a));
        let norm = match norm.to_ascii_lowercase().as_str() {
            "none" => "NONE".to_string(),
            "balanced" | "weight" => "weight".to_string(),
            _ => norm.to_string(),
        };
        if norm != "NONE" && !group.link_exists(&format!("bins/{norm}")) {
            let mut cols: Vec<String> = group.group("bins").and_then(|g| g.member_names()).unwrap_or_default();
            cols.retain(|c| !matches!(c.as_str(), "chrom" | "start" | "end"));
            cols.insert(0, "NONE".into());
            return Err(Error::not_in_input(
                path,
                format!("balancing weights 'bins/{norm}' (balanced values need a balanced file: run `cooler balance`)"),
                cols.join(", "),
            ));
        }
        Ok(CoolSource { path: path.to_path_buf(), group, group_name, chroms, chrom_offset, resolution: bin_size as u32, norm, assembly })
    }

    fn ctx(&self, o: &str) -> String {
        format!("/{}/{o}", self.group_name).replace("//", "/")
    }
}

fn read_strings(g: &hdf5::Group, name: &str) -> hdf5::Result<Vec<String>> {
    let ds = g.dataset(name)?;
    if let Ok(v) = ds.read_raw::<hdf5::types::VarLenUnicode>() {
        return Ok(v.iter().map(|s| s.as_str().to_string()).collect());
    }
    if let Ok(v) = ds.read_raw::<hdf5::types::VarLenAscii>() {
        return Ok(v.iter().map(|s| s.as_str().to_string()).collect());
    }
    let v = ds.read_raw::<hdf5::types::FixedAscii<256>>()?;
    Ok(v.iter().map(|s| s.as_str().to_string()).collect())
}

fn read_attr_string(a: &hdf5::Attribute) -> Option<String> {
    if let Ok(s) = a.read_scalar::<hdf5::types::VarLenUnicode>() {
        return Some(s.as_str().to_string());
    }
    if let Ok(s) = a.read_scalar::<hdf5::types::VarLenAscii>() {
        return Some(s.as_str().to_string());
    }
    a.read_scalar::<hdf5::types::FixedAscii<256>>().ok().map(|s| s.as_str().to_string())
}

fn read_u64(g: &hdf5::Group, name: &str) -> hdf5::Result<Vec<u64>> {
    Ok(g.dataset(name)?.read_raw::<i64>()?.into_iter().map(|x| x.max(0) as u64).collect())
}

impl ContactSource for CoolSource {
    fn path(&self) -> &Path {
        &self.path
    }
    fn chroms(&self) -> &[Chrom] {
        &self.chroms
    }
    fn resolution(&self) -> u32 {
        self.resolution
    }
    fn assembly(&self) -> Option<String> {
        self.assembly.clone().filter(|a| !a.is_empty() && a != "unknown")
    }
    fn normalization(&self) -> &str {
        if self.norm == "weight" {
            "balanced"
        } else {
            &self.norm
        }
    }
    fn weights(&mut self, chrom: usize) -> Result<Option<Vec<f64>>> {
        if self.norm == "NONE" {
            return Ok(None);
        }
        let (lo, hi) = (self.chrom_offset[chrom] as usize, self.chrom_offset[chrom + 1] as usize);
        let name = format!("bins/{}", self.norm);
        let ds = self.group.dataset(&name).map_err(|e| h5err(&self.path, &self.ctx(&name), e))?;
        let w: Vec<f64> = ds.read_slice_1d::<f64, _>(lo..hi).map_err(|e| h5err(&self.path, &self.ctx(&name), e))?.to_vec();
        let divisive = ds.attr("divisive_weights").ok().and_then(|a| a.read_scalar::<bool>().ok()).unwrap_or(false);
        Ok(Some(if divisive { w.into_iter().map(|x| 1.0 / x).collect() } else { w }))
    }
    fn for_each_chunk(&mut self, chrom: usize, f: &mut dyn FnMut(&[Pixel]) -> Result<()>) -> Result<()> {
        let (lo, hi) = (self.chrom_offset[chrom], self.chrom_offset[chrom + 1]);
        let idx = self.group.dataset("indexes/bin1_offset").map_err(|e| h5err(&self.path, &self.ctx("indexes/bin1_offset"), e))?;
        let n_idx = idx.size() as u64;
        if hi >= n_idx {
            return Err(Error::format(&self.path, Location::Object(self.ctx("indexes/bin1_offset")), "shorter than the bins table"));
        }
        let bounds: Vec<i64> =
            idx.read_slice_1d::<i64, _>(lo as usize..hi as usize + 1).map_err(|e| h5err(&self.path, &self.ctx("indexes/bin1_offset"), e))?.to_vec();
        let (p0, p1) = (bounds[0].max(0) as usize, bounds[bounds.len() - 1].max(0) as usize);
        let b1 = self.group.dataset("pixels/bin1_id").map_err(|e| h5err(&self.path, &self.ctx("pixels/bin1_id"), e))?;
        let b2 = self.group.dataset("pixels/bin2_id").map_err(|e| h5err(&self.path, &self.ctx("pixels/bin2_id"), e))?;
        let cnt = self.group.dataset("pixels/count").map_err(|e| h5err(&self.path, &self.ctx("pixels/count"), e))?;
        if p1 > b1.size() || p1 > b2.size() || p1 > cnt.size() || p0 > p1 {
            return Err(Error::format(&self.path, Location::Object(self.ctx("pixels")), "pixel table shorter than its index: truncated?"));
        }
        let mut buf = Vec::with_capacity(SLICE.min(p1 - p0));
        let mut start = p0;
        let mut last = None;
        while start < p1 {
            let end = (start + SLICE).min(p1);
            let x = b1.read_slice_1d::<i64, _>(start..end).map_err(|e| h5err(&self.path, &self.ctx("pixels/bin1_id"), e))?;
            let y = b2.read_slice_1d::<i64, _>(start..end).map_err(|e| h5err(&self.path, &self.ctx("pixels/bin2_id"), e))?;
            let c = cnt.read_slice_1d::<f64, _>(start..end).map_err(|e| h5err(&self.path, &self.ctx("pixels/count"), e))?;
            buf.clear();
            for k in 0..x.len() {
                let (bx, by) = (x[k], y[k]);
                if by < lo as i64 || by >= hi as i64 {
                    continue; // inter-chromosomal
                }
                if bx < lo as i64 || bx > by {
                    return Err(Error::format(
                        &self.path,
                        Location::Object(format!("{} row {}", self.ctx("pixels"), start + k)),
                        "pixel not in the upper triangle of its chromosome: not a symmetric-upper cooler",
                    ));
                }
                let key = (bx, by);
                if last.is_some_and(|l| l >= key) {
                    return Err(Error::format(
                        &self.path,
                        Location::Object(format!("{} row {}", self.ctx("pixels"), start + k)),
                        "pixels are not sorted by (bin1_id, bin2_id)",
                    ));
                }
                last = Some(key);
                buf.push(Pixel { i: (bx - lo as i64) as u32, j: (by - lo as i64) as u32, count: c[k] });
            }
            f(&buf)?;
            start = end;
        }
        Ok(())
    }
}

//! From contacts to the model's training frames, and the value <-> probability transform.
//!
//! Hi-C-LSTM reads a chromosome row by row: for row i, the observed entries (i, j), j >= i, in
//! order of j, are cut into frames of L steps; the last, short frame of a row is padded and the
//! padding is masked (out of the loss and out of every output). Building frames is one linear
//! pass over the sorted contacts table.

use crate::error::{Error, Result};
use crate::tables::contacts::ChromContacts;

/// Contact value <-> probability: p = exp(-a / (v + d)); v = a / -ln(p) - d.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Transform {
    /// Scale `a` of the transform (default 8): the value at which p = 1/e, ignoring `d`.
    pub a: f64,
    /// Small offset `d` added to the value (default 1e-10) so that a zero value maps to p = 0
    /// without dividing by zero.
    pub d: f64,
}

impl Default for Transform {
    fn default() -> Self {
        Transform { a: 8.0, d: 1e-10 }
    }
}

impl Transform {
    /// The probability p = exp(-a / (v + d)) of contact value `v`; 0 maps to 0, larger values
    /// towards 1.
    pub fn to_prob(&self, v: f64) -> f64 {
        (-self.a / (v + self.d)).exp()
    }
    /// Inverse of [`Transform::to_prob`]; p = 0 maps to 0 and p = 1 to +inf.
    pub fn to_value(&self, p: f64) -> f64 {
        if p <= 0.0 {
            return 0.0;
        }
        (self.a / -p.ln() - self.d).max(0.0)
    }
}

/// Which column of the contacts table the model learns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ValueColumn {
    /// `value` (normalized; equal to count for NONE).
    #[default]
    Value,
    /// `count` (raw).
    Count,
}

/// Frames of length `len`, flattened row-major (`n * len` entries for per-step arrays).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frames {
    /// Frame length L in steps (at least 1).
    pub len: usize,
    /// Per frame: chromosome index (into the list given to [`build`]) and row bin i.
    pub chrom: Vec<u32>,
    /// Per frame: row bin i (0-based, chromosome-local).
    pub row: Vec<u32>,
    /// Per step: column bin j (the row bin on padding).
    pub col: Vec<u32>,
    /// Per step: target probability (0 on padding).
    pub target: Vec<f32>,
    /// Per step: 1 for an observed entry, 0 for padding.
    pub mask: Vec<f32>,
}

/// What was left out while building frames.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrameStats {
    /// Pixels that entered a frame (observed steps).
    pub pixels: u64,
    /// Pixels skipped for a null (NaN) value: a bin without a normalization weight.
    pub skipped_null: u64,
    /// Pixels skipped for lying more than `max_distance` bins off the diagonal.
    pub skipped_distance: u64,
}

impl Frames {
    /// Number of frames.
    pub fn n(&self) -> usize {
        self.chrom.len()
    }
    /// Number of observed (unmasked) steps over all frames.
    pub fn observed(&self) -> usize {
        self.mask.iter().filter(|&&m| m > 0.0).count()
    }
}

/// Builds frames from contacts. `max_distance` (in bins) drops entries further from the
/// diagonal. Null values (bins without a normalization weight) are skipped and counted;
/// negative or infinite values are an error naming `source`.
pub fn build(
    chroms: &[ChromContacts],
    len: usize,
    column: ValueColumn,
    t: &Transform,
    max_distance: Option<u32>,
    source: &std::path::Path,
) -> Result<(Frames, FrameStats)> {
    if len == 0 {
        return Err(Error::InvalidArgument("frame length must be at least 1".into()));
    }
    let mut f = Frames { len, ..Default::default() };
    let mut stats = FrameStats::default();
    for (c, cc) in chroms.iter().enumerate() {
        let vals = match column {
            ValueColumn::Value => &cc.value,
            ValueColumn::Count => &cc.count,
        };
        let mut k = 0;
        while k < cc.i.len() {
            let row = cc.i[k];
            let mut step = 0;
            while k < cc.i.len() && cc.i[k] == row {
                let (j, v) = (cc.j[k], vals[k]);
                k += 1;
                if v.is_nan() {
                    stats.skipped_null += 1;
                    continue;
                }
                if v.is_nan() || v < 0.0 || v.is_infinite() {
                    return Err(Error::format(
                        source,
                        crate::error::Location::None,
                        format!("{}: pixel ({row}, {j}) has value {v}; values must be finite and non-negative", cc.chrom),
                    ));
                }
                if max_distance.is_some_and(|m| j - row > m) {
                    stats.skipped_distance += 1;
                    continue;
                }
                if step == 0 {
                    f.chrom.push(c as u32);
                    f.row.push(row);
                }
                f.col.push(j);
                f.target.push(t.to_prob(v) as f32);
                f.mask.push(1.0);
                stats.pixels += 1;
                step = (step + 1) % len;
            }
            if step != 0 {
                for _ in step..len {
                    f.col.push(row);
                    f.target.push(0.0);
                    f.mask.push(0.0);
                }
            }
        }
    }
    Ok((f, stats))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cc(px: &[(u32, u32, f64)]) -> ChromContacts {
        ChromContacts {
            chrom: "c".into(),
            i: px.iter().map(|p| p.0).collect(),
            j: px.iter().map(|p| p.1).collect(),
            count: px.iter().map(|p| p.2).collect(),
            value: px.iter().map(|p| p.2).collect(),
        }
    }

    #[test]
    fn transform_and_inverse() {
        let t = Transform::default();
        for v in [0.5, 1.0, 8.0, 100.0, 12345.0] {
            let p = t.to_prob(v);
            assert!(p > 0.0 && p < 1.0);
            assert!((t.to_value(p) - v).abs() / v < 1e-9, "{v}");
        }
        assert_eq!(t.to_prob(0.0), 0.0);
        assert_eq!(t.to_value(0.0), 0.0);
        assert!((t.to_prob(8.0) - (-1.0f64).exp()).abs() < 1e-9);
    }

    #[test]
    fn rows_are_cut_into_padded_masked_frames() {
        // Row 0 has 5 entries -> frames of 3: [0..3) and [3..5) + 1 pad; row 2 has 1 entry.
        let c = cc(&[(0, 0, 1.0), (0, 1, 2.0), (0, 2, 3.0), (0, 4, 4.0), (0, 7, 5.0), (2, 3, 6.0)]);
        let (f, s) = build(&[c], 3, ValueColumn::Value, &Transform::default(), None, std::path::Path::new("t")).unwrap();
        assert_eq!(f.n(), 3);
        assert_eq!(f.row, vec![0, 0, 2]);
        assert_eq!(f.col, vec![0, 1, 2, 4, 7, 0, 3, 2, 2]);
        assert_eq!(f.mask, vec![1., 1., 1., 1., 1., 0., 1., 0., 0.]);
        assert_eq!(f.target[5], 0.0);
        assert_eq!(s.pixels, 6);
        assert_eq!(f.observed(), 6);
    }

    #[test]
    fn nulls_are_skipped_negative_values_refused_and_distance_capped() {
        let mut c = cc(&[(0, 0, 1.0), (0, 1, 2.0), (0, 9, 3.0)]);
        c.value[1] = f64::NAN;
        let (f, s) = build(std::slice::from_ref(&c), 4, ValueColumn::Value, &Transform::default(), Some(5), std::path::Path::new("t")).unwrap();
        assert_eq!((s.pixels, s.skipped_null, s.skipped_distance), (1, 1, 1));
        assert_eq!(f.col, vec![0, 0, 0, 0]);
        let (_, s) = build(std::slice::from_ref(&c), 4, ValueColumn::Count, &Transform::default(), None, std::path::Path::new("t")).unwrap();
        assert_eq!(s.pixels, 3, "raw counts have no nulls");
        c.value[0] = -1.0;
        let e = build(&[c], 4, ValueColumn::Value, &Transform::default(), None, std::path::Path::new("t.parquet")).unwrap_err();
        assert!(e.to_string().contains("t.parquet") && e.to_string().contains("non-negative"), "{e}");
    }
}

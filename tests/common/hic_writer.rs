//! A minimal `.hic` writer (versions 8 and 9, one BP resolution, optional normalization
//! vectors), so that the reader can be tested and fuzzed without outside files.

use std::io::Write;

pub struct HicSpec {
    pub version: i32,
    pub genome: String,
    /// Chromosomes after the implicit `All` at index 0.
    pub chroms: Vec<(String, i64)>,
    pub resolution: i32,
    /// Per chromosome (same order as `chroms`): (bin_x, bin_y, count), x <= y.
    pub pixels: Vec<Vec<(i32, i32, f32)>>,
    /// Per normalization name, per chromosome: the vector (divisors).
    pub norms: Vec<(String, Vec<Vec<f64>>)>,
    /// Pixels per block (several blocks per matrix exercise the index).
    pub block_size: usize,
    /// Store counts as floats (else shorts).
    pub float_counts: bool,
}

fn cstr(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(s.as_bytes());
    b.push(0);
}

fn block(version: i32, px: &[(i32, i32, f32)], float_counts: bool) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend((px.len() as i32).to_le_bytes());
    let x0 = px.iter().map(|p| p.0).min().unwrap_or(0);
    let y0 = px.iter().map(|p| p.1).min().unwrap_or(0);
    b.extend(x0.to_le_bytes());
    b.extend(y0.to_le_bytes());
    b.push(if float_counts { 1 } else { 0 });
    if version >= 9 {
        // Use 32-bit bin offsets for x, 16-bit for y: both code paths of the reader.
        b.push(1);
        b.push(0);
    }
    b.push(1); // list of rows
    let mut rows: std::collections::BTreeMap<i32, Vec<(i32, f32)>> = Default::default();
    for &(x, y, c) in px {
        rows.entry(y).or_default().push((x, c));
    }
    let (short_x, short_y) = (version < 9, true);
    let put = |b: &mut Vec<u8>, v: i32, short: bool| {
        if short {
            b.extend((v as i16).to_le_bytes())
        } else {
            b.extend(v.to_le_bytes())
        }
    };
    put(&mut b, rows.len() as i32, short_y);
    for (y, cols) in rows {
        put(&mut b, y - y0, short_y);
        put(&mut b, cols.len() as i32, short_x);
        for (x, c) in cols {
            put(&mut b, x - x0, short_x);
            if float_counts {
                b.extend(c.to_le_bytes())
            } else {
                b.extend((c as i16).to_le_bytes())
            }
        }
    }
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(&b).unwrap();
    z.finish().unwrap()
}

pub fn write(spec: &HicSpec) -> Vec<u8> {
    let v9 = spec.version >= 9;
    let mut f = Vec::new();
    f.extend_from_slice(b"HIC\0");
    f.extend(spec.version.to_le_bytes());
    let footer_slot = f.len();
    f.extend(0i64.to_le_bytes());
    cstr(&mut f, &spec.genome);
    let nvi_slot = f.len();
    if v9 {
        f.extend(0i64.to_le_bytes());
        f.extend(0i64.to_le_bytes());
    }
    f.extend(1i32.to_le_bytes());
    cstr(&mut f, "software");
    cstr(&mut f, "hiclstm test writer");
    let all: Vec<(String, i64)> = std::iter::once(("All".to_string(), 1)).chain(spec.chroms.iter().cloned()).collect();
    f.extend((all.len() as i32).to_le_bytes());
    for (n, l) in &all {
        cstr(&mut f, n);
        if v9 {
            f.extend(l.to_le_bytes())
        } else {
            f.extend((*l as i32).to_le_bytes())
        }
    }
    f.extend(1i32.to_le_bytes());
    f.extend(spec.resolution.to_le_bytes());
    f.extend(0i32.to_le_bytes());

    // Matrices: blocks first, then each matrix header with its block index.
    let mut master = Vec::new();
    for (k, px) in spec.pixels.iter().enumerate() {
        let c = k as i32 + 1;
        let mut blocks = Vec::new();
        for (n, chunk) in px.chunks(spec.block_size.max(1)).enumerate() {
            let data = block(spec.version, chunk, spec.float_counts);
            blocks.push((n as i32, f.len() as i64, data.len() as i32));
            f.extend(data);
        }
        let pos = f.len() as i64;
        f.extend(c.to_le_bytes());
        f.extend(c.to_le_bytes());
        f.extend(1i32.to_le_bytes());
        cstr(&mut f, "BP");
        f.extend(0i32.to_le_bytes());
        for _ in 0..4 {
            f.extend(0f32.to_le_bytes());
        }
        f.extend(spec.resolution.to_le_bytes());
        f.extend(1000i32.to_le_bytes());
        f.extend(1i32.to_le_bytes());
        f.extend((blocks.len() as i32).to_le_bytes());
        for (n, p, s) in blocks {
            f.extend(n.to_le_bytes());
            f.extend(p.to_le_bytes());
            f.extend(s.to_le_bytes());
        }
        master.push((format!("{c}_{c}"), pos, (f.len() as i64 - pos) as i32));
    }
    // Normalization vectors.
    let mut norm_index = Vec::new();
    for (name, per_chrom) in &spec.norms {
        for (k, v) in per_chrom.iter().enumerate() {
            let pos = f.len() as i64;
            if v9 {
                f.extend((v.len() as i64).to_le_bytes());
                for x in v {
                    f.extend((*x as f32).to_le_bytes());
                }
            } else {
                f.extend((v.len() as i32).to_le_bytes());
                for x in v {
                    f.extend(x.to_le_bytes());
                }
            }
            norm_index.push((name.clone(), k as i32 + 1, pos, f.len() as i64 - pos));
        }
    }
    let footer = f.len() as i64;
    f[footer_slot..footer_slot + 8].copy_from_slice(&footer.to_le_bytes());
    let mut body = Vec::new();
    body.extend((master.len() as i32).to_le_bytes());
    for (key, pos, size) in &master {
        cstr(&mut body, key);
        body.extend(pos.to_le_bytes());
        body.extend(size.to_le_bytes());
    }
    body.extend(0i32.to_le_bytes()); // expected value vectors
    body.extend(0i32.to_le_bytes()); // normalized expected value vectors
    let nvi_offset = body.len();
    body.extend((norm_index.len() as i32).to_le_bytes());
    for (name, c, pos, size) in &norm_index {
        cstr(&mut body, name);
        body.extend(c.to_le_bytes());
        cstr(&mut body, "BP");
        body.extend(spec.resolution.to_le_bytes());
        body.extend(pos.to_le_bytes());
        if v9 {
            body.extend(size.to_le_bytes())
        } else {
            body.extend((*size as i32).to_le_bytes())
        }
    }
    let nvi_len = body.len() - nvi_offset;
    if v9 {
        f.extend((body.len() as i64).to_le_bytes());
        let nvi_pos = f.len() as i64 + nvi_offset as i64;
        f[nvi_slot..nvi_slot + 8].copy_from_slice(&nvi_pos.to_le_bytes());
        f[nvi_slot + 8..nvi_slot + 16].copy_from_slice(&(nvi_len as i64).to_le_bytes());
    } else {
        f.extend((body.len() as i32).to_le_bytes());
    }
    f.extend(body);
    f
}

/// A small two-chromosome map with a KR-like vector, deterministic.
pub fn sample(version: i32) -> HicSpec {
    let res = 1000;
    let chroms = vec![("chr1".to_string(), 20_500i64), ("chr2".to_string(), 9_000)];
    let mut pixels = Vec::new();
    let mut norms = Vec::new();
    for (_, len) in &chroms {
        let n = ((len + res as i64 - 1) / res as i64) as i32;
        let mut px = Vec::new();
        for i in 0..n {
            for j in i..n.min(i + 6) {
                if (i * 7 + j * 3) % 5 != 0 {
                    px.push((i, j, (1 + (i * 31 + j * 17) % 50) as f32));
                }
            }
        }
        pixels.push(px);
        norms.push((0..n).map(|b| if b == 3 { f64::NAN } else { 0.5 + (b % 4) as f64 * 0.25 }).collect::<Vec<f64>>());
    }
    HicSpec { version, genome: "testgenome".into(), chroms, resolution: res, pixels, norms: vec![("KR".into(), norms)], block_size: 17, float_counts: false }
}

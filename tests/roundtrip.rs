//! Simulated data through every text format and back: the imported contacts equal the simulated
//! ones; the simulator is deterministic; tables survive a write/read round trip and are checked
//! against their schemas.

use crate::common;
use hiclstm::genome::Strand;

use common::tmpdir;
use hiclstm::formats::OpenOptions;
use hiclstm::genome::{Chrom, NameStyle, Selection};
use hiclstm::import::{contacts_path, run, ImportOptions};
use hiclstm::simulate::{simulate, write_outputs, SimParams, WriteOptions};
use hiclstm::tables::{self, contacts::read_all, representations, Meta};
use std::path::Path;

fn small() -> SimParams {
    let mut p = SimParams::preset(hiclstm::presets::SimulatePreset::Toy);
    p.chroms = vec![Chrom::new("chr1", 4_000_000), Chrom::new("chr2", 3_000_000)];
    p.depth = 40.0;
    p
}

fn import(input: &Path, extra: impl FnOnce(&mut ImportOptions)) -> Vec<tables::contacts::ChromContacts> {
    let out = input.with_extension("imported");
    let mut o = ImportOptions {
        input: input.to_str().unwrap().into(),
        format: None,
        open: OpenOptions { resolution: Some(50_000), ..Default::default() },
        chromosomes: Selection::AutosomesX,
        names: NameStyle::Asis,
        assembly: None,
        output: out.clone(),
        force: true,
        trans: false,
    };
    extra(&mut o);
    run(&o).unwrap();
    read_all(&contacts_path(&out)).unwrap().1
}

/// Every pixel of a trans table as (chrom1, i, chrom2, j, count), in file order.
fn trans_rows(path: &Path) -> Vec<(String, u32, String, u32, f64)> {
    let mut rows = Vec::new();
    tables::trans::stream(path, |r| {
        rows.extend((0..r.i.len()).map(|k| (r.chrom1.clone(), r.i[k], r.chrom2.clone(), r.j[k], r.count[k])));
        Ok(())
    })
    .unwrap();
    rows
}

#[test]
fn pairs_and_juicer_text_round_trip_to_the_simulated_contacts() {
    let dir = tmpdir();
    let prefix = dir.path().join("sim");
    write_outputs(&small(), &WriteOptions { prefix: prefix.clone(), force: false, pairs: true, juicer_text: true }).unwrap();
    let (meta, truth) = read_all(&dir.path().join("sim.contacts.parquet")).unwrap();
    assert_eq!(meta.get("schema"), Some("contacts"));
    assert_eq!(meta.get("assembly"), Some("simulated"));
    assert!(meta.get("params").unwrap().contains("\"seed\":1"));
    assert_eq!(truth.len(), 2);
    assert!(truth.iter().all(|c| c.i.len() > 1000));

    let from_pairs = import(&dir.path().join("sim.pairs.gz"), |_| {});
    assert_eq!(from_pairs, truth, "pairs -> import reproduces the simulated pixels");

    let txt = import(&dir.path().join("sim.chr2.txt"), |o| {
        o.open.chrom = Some("chr2".into());
        o.open.chrom_sizes = Some(dir.path().join("sim.chrom.sizes"));
    });
    assert_eq!(txt[0], truth[1], "juicer text -> import reproduces chr2");
    let txt = import(&dir.path().join("sim.chr2.txt"), |o| {
        o.open.chrom = Some("chr2".into());
        o.open.spill.pixels = 50;
    });
    assert_eq!(txt[0], truth[1], "juicer text of unknown length, spilled every 50 distinct pixels");

    // The inter-chromosomal read pairs too: import --trans gives back the simulated trans table.
    import(&dir.path().join("sim.pairs.gz"), |o| o.trans = true);
    let simulated = trans_rows(&dir.path().join("sim.trans.parquet"));
    assert!(simulated.len() > 100, "{} trans pixels", simulated.len());
    assert_eq!(trans_rows(&hiclstm::import::trans_path(&dir.path().join("sim.pairs.imported"))), simulated);
    // Binned in bounded memory (a 10 kb pairs file has hundreds of millions of distinct pixels):
    // the sums spilled every 50 distinct pixels give the same contacts and trans tables.
    let spilled = import(&dir.path().join("sim.pairs.gz"), |o| {
        o.trans = true;
        o.open.spill.pixels = 50;
    });
    assert_eq!(spilled, truth, "pairs binned through the temporary file");
    assert_eq!(trans_rows(&hiclstm::import::trans_path(&dir.path().join("sim.pairs.imported"))), simulated);

    let renamed = import(&dir.path().join("sim.pairs.gz"), |o| {
        o.names = NameStyle::Ensembl;
        o.chromosomes = "2".parse().unwrap();
    });
    assert_eq!(renamed.len(), 1);
    assert_eq!(renamed[0].chrom, "2");
    assert_eq!(renamed[0].i, truth[1].i);
}

#[test]
fn single_cell_pairs_are_summed_and_filtered_by_barcode() {
    let dir = tmpdir();
    let d = dir.path();
    std::fs::write(d.join("sizes"), "chr1\t1000\n").unwrap();
    let lines = "r1\tchr1\t10\t+\tchr1\t20\t-\t0\tcellA\nr2\tchr1\t15\t+\tchr1\t25\t-\t0\tcellB\nr3\tchr1\t150\t+\tchr1\t20\t-\t0\tcellA\nr4\tchr1\t15\t+\tchr2\t25\t-\t0\tcellA\n";
    std::fs::write(d.join("sc.validPairs"), lines).unwrap();
    std::fs::write(d.join("keep.txt"), "cellA\n").unwrap();
    let all = import(&d.join("sc.validPairs"), |o| {
        o.open.resolution = Some(100);
        o.open.chrom_sizes = Some(d.join("sizes"));
        o.open.pairs.cell_column = Some("9".into());
    });
    assert_eq!((all[0].i.clone(), all[0].j.clone(), all[0].count.clone()), (vec![0, 0], vec![0, 1], vec![2.0, 1.0]));
    let a = import(&d.join("sc.validPairs"), |o| {
        o.open.resolution = Some(100);
        o.open.chrom_sizes = Some(d.join("sizes"));
        o.open.pairs.cell_column = Some("9".into());
        o.open.pairs.cells = Some(d.join("keep.txt"));
    });
    assert_eq!((a[0].i.clone(), a[0].j.clone(), a[0].count.clone()), (vec![0, 0], vec![0, 1], vec![1.0, 1.0]));
}

#[test]
fn simulation_is_deterministic_and_seed_dependent() {
    let p = small();
    let a = simulate(&p).unwrap();
    let b = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| simulate(&p).unwrap());
    assert_eq!(a.iter().map(|s| s.pixels.clone()).collect::<Vec<_>>(), b.iter().map(|s| s.pixels.clone()).collect::<Vec<_>>());
    let mut q = p.clone();
    q.seed = 2;
    let c = simulate(&q).unwrap();
    assert_ne!(a[0].pixels, c[0].pixels);
}

#[test]
fn simulated_maps_have_the_advertised_structure() {
    let mut p = small();
    p.chroms = vec![Chrom::new("chr1", 30_000_000)];
    p.depth = 200.0;
    let s = &simulate(&p).unwrap()[0];
    let n = s.compartments.len();
    let mut m = vec![0.0; n * n];
    for px in &s.pixels {
        m[px.i as usize * n + px.j as usize] = px.count;
    }
    // Distance decay: mean count falls with distance, roughly as a power law (slope near -alpha).
    let mean_at = |d: usize| (0..n - d).map(|i| m[i * n + i + d]).sum::<f64>() / (n - d) as f64;
    let slope = (mean_at(40).ln() - mean_at(4).ln()) / ((41f64).ln() - (5f64).ln());
    assert!(slope < -0.6 && slope > -1.6, "decay slope {slope}");
    // Inside TADs contacts are denser than across TAD edges at the same distance.
    let (mut inside, mut across) = ((0.0, 0), (0.0, 0));
    let tad_of = |b: usize| s.tads.iter().position(|&(a, e)| (a as usize) <= b && b < e as usize).unwrap();
    for i in 0..n - 3 {
        let v = m[i * n + i + 3];
        if tad_of(i) == tad_of(i + 3) {
            inside.0 += v;
            inside.1 += 1
        } else {
            across.0 += v;
            across.1 += 1
        }
    }
    assert!(inside.0 / inside.1 as f64 > 1.5 * across.0 / across.1 as f64);
    // Same-compartment contacts at long range exceed opposite-compartment ones.
    let (mut same, mut diff) = ((0.0, 0), (0.0, 0));
    for i in 0..n - 60 {
        let v = m[i * n + i + 60];
        if s.compartments[i] == s.compartments[i + 60] {
            same.0 += v;
            same.1 += 1
        } else {
            diff.0 += v;
            diff.1 += 1
        }
    }
    assert!(same.0 / same.1 as f64 > 1.3 * diff.0 / diff.1 as f64);
    // Every loop joins a forward motif (left) to a reverse motif (right).
    for &(a, b) in &s.loops {
        assert!(s.ctcf.contains(&(a, Strand::Forward)) && s.ctcf.contains(&(b, Strand::Reverse)));
    }
}

#[test]
fn representations_round_trip_and_k_is_checked() {
    let dir = tmpdir();
    let path = dir.path().join("r.parquet");
    let k = 3;
    let c = representations::ChromRepresentations {
        chrom: "chr1".into(),
        start: vec![0, 100, 200],
        end: vec![100, 200, 250],
        observed: vec![true, false, true],
        values: (0..9).map(|x| x as f32 * 0.5).collect(),
    };
    let mut meta = Meta::new(tables::TableKind::Representations.schema());
    meta.set("resolution", 100).set("method", "test");
    representations::write(&path, &meta, k, std::slice::from_ref(&c), false).unwrap().commit(false).unwrap();
    let (m, kk, back) = representations::read(&path).unwrap();
    assert_eq!(kk, 3);
    assert_eq!(m.get("method"), Some("test"));
    assert_eq!(back, vec![c]);
}

#[test]
fn a_table_of_the_wrong_kind_or_shape_is_refused_with_file_and_column() {
    let dir = tmpdir();
    write_outputs(&small(), &WriteOptions { prefix: dir.path().join("sim"), force: false, pairs: false, juicer_text: false }).unwrap();
    let bins = dir.path().join("sim.bins.parquet");
    let e = read_all(&bins).unwrap_err();
    assert!(e.to_string().contains("sim.bins.parquet") && e.to_string().contains("'bins' table, expected a 'contacts' table"), "{e}");
    assert_eq!(e.exit_code(), hiclstm::error::exit::SCHEMA);

    // A foreign Parquet file (no hiclstm metadata) with a missing and a mistyped column.
    use arrow::array::{ArrayRef, StringArray, UInt32Array};
    use std::sync::Arc;
    let write_foreign = |path: &Path, cols: Vec<(&str, ArrayRef)>| {
        let batch = arrow::record_batch::RecordBatch::try_from_iter(cols).unwrap();
        let f = std::fs::File::create(path).unwrap();
        let mut w = parquet::arrow::ArrowWriter::try_new(f, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
    };
    let p = dir.path().join("foreign.parquet");
    write_foreign(&p, vec![("chrom", Arc::new(StringArray::from(vec!["chr1"])) as ArrayRef), ("i", Arc::new(UInt32Array::from(vec![0])))]);
    let e = read_all(&p).unwrap_err();
    assert!(e.to_string().contains("foreign.parquet") && e.to_string().contains("missing column 'j'"), "{e}");
    let p2 = dir.path().join("foreign2.parquet");
    write_foreign(
        &p2,
        vec![
            ("chrom", Arc::new(StringArray::from(vec!["chr1"])) as ArrayRef),
            ("i", Arc::new(UInt32Array::from(vec![0]))),
            ("j", Arc::new(StringArray::from(vec!["zero"]))),
        ],
    );
    let e = read_all(&p2).unwrap_err();
    assert!(e.to_string().contains("column 'j' has type Utf8, expected uint32"), "{e}");
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 200, ..Default::default() })]
    /// Arbitrary text fed to the pairs parser: Ok or a typed error, never a panic.
    #[test]
    fn fuzz_pairs_parser_never_panics(lines in proptest::collection::vec("[#a-z0-9:\\t .!-]{0,40}", 0..20), valid in proptest::bool::ANY, trans in proptest::bool::ANY) {
        let dir = tmpdir();
        let path = dir.path().join("f.pairs");
        std::fs::write(&path, format!("#chromsize: chr1 1000\n#chromsize: chr2 500\n{}", lines.join("\n"))).unwrap();
        use hiclstm::formats::ContactSource;
        // A budget of 2 pixels: whatever is binned also goes through the temporary file.
        let spill = hiclstm::formats::spill::Spill { pixels: 2, dir: None };
        let opts = OpenOptions { resolution: Some(100), trans, spill, ..Default::default() };
        let read_all = |src: &mut dyn ContactSource| {
            for c in 0..src.chroms().len() {
                let _ = src.for_each_chunk(c, &mut |_| Ok(()));
                let partners: Vec<usize> = (c + 1..src.chroms().len()).collect();
                let _ = src.trans(c, &partners, &mut |_, _| Ok(()));
            }
        };
        if let Ok(mut s) = hiclstm::formats::pairs::read(&path, valid, 100, &opts) {
            read_all(&mut s);
        }
        if let Ok(mut s) = hiclstm::formats::juicer_text::read(&path, 100, &OpenOptions { chrom: Some("chr1".into()), ..opts }) {
            read_all(&mut s);
        }
    }
}

/// A contacts table of a few row groups' worth of pixels, as bytes (written once per test run).
fn contacts_table_bytes() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        use hiclstm::formats::Pixel;
        use hiclstm::tables::{contacts::ContactsWriter, Meta, TableKind};
        let dir = tmpdir();
        let p = dir.path().join("c.contacts.parquet");
        let mut meta = Meta::new(TableKind::Contacts.schema());
        meta.set("resolution", 1000);
        let mut w = ContactsWriter::create(&p, &meta, false).unwrap();
        let px: Vec<Pixel> = (0..120).flat_map(|i| (i..120).map(move |j| Pixel { i, j, count: ((i * 31 + j * 7) % 13) as f64 })).collect();
        w.write("chr1", &px, None).unwrap();
        w.finish().unwrap().commit(false).unwrap();
        std::fs::read(&p).unwrap()
    })
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]
    /// Bit flips and truncations anywhere in a Parquet table: every reader gives the table or a
    /// typed error (exit 4 or 7), never a panic and never an abort.
    #[test]
    fn fuzz_parquet_tables_never_panic(
        flips in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), 0u8..8), 1..6),
        cut in proptest::option::of(proptest::prelude::any::<proptest::sample::Index>()),
    ) {
        let mut bytes = contacts_table_bytes().to_vec();
        for (at, bit) in flips {
            let k = at.index(bytes.len());
            bytes[k] ^= 1 << bit;
        }
        if let Some(c) = cut {
            bytes.truncate(c.index(bytes.len()));
        }
        let dir = tmpdir();
        let p = dir.path().join("f.contacts.parquet");
        std::fs::write(&p, &bytes).unwrap();
        if let Err(e) = read_all(&p) {
            proptest::prop_assert!(matches!(e.exit_code(), 4 | 7), "{e}");
        }
        if let Err(e) = hiclstm::evaluate::scan(&p, None) {
            proptest::prop_assert!(matches!(e.exit_code(), 4 | 7), "{e}");
        }
    }
}

/// An empty or truncated table is a malformed input (exit 4), a directory an unreadable one (3).
#[test]
fn empty_and_directory_tables_have_their_exit_codes() {
    let dir = tmpdir();
    let p = dir.path().join("empty.parquet");
    std::fs::write(&p, b"").unwrap();
    assert_eq!(read_all(&p).unwrap_err().exit_code(), 4);
    std::fs::write(&p, &contacts_table_bytes()[..100]).unwrap();
    assert_eq!(read_all(&p).unwrap_err().exit_code(), 4);
    let e = read_all(dir.path()).unwrap_err();
    assert_eq!(e.exit_code(), 3, "{e}");
    assert!(e.to_string().contains("is a directory"), "{e}");
}

/// Tables whose rows are not in (chromosome, i, j) order are refused, by the whole-table reader
/// and by the streaming reader (training and prediction read that way) alike, with the row where
/// the order breaks, also where it breaks across the streaming reader's batches of 65,536 rows.
#[test]
fn contacts_out_of_order_are_refused_with_the_row_by_both_readers() {
    use hiclstm::formats::Pixel;
    use hiclstm::tables::contacts::{stream, ContactsWriter};
    let dir = tmpdir();
    let mut meta = Meta::new(tables::TableKind::Contacts.schema());
    meta.set("resolution", 10_000);
    // A row of 70,000 columns: the seam at row 70,000 lies in the streaming reader's second batch.
    let row: Vec<Pixel> = (0..70_000).map(|j| Pixel { i: 0, j, count: 1.0 }).collect();
    let px = |i: u32, j: u32| Pixel { i, j, count: 1.0 };
    // Per case: name, the table's parts (chromosome, pixels) in file order, the expected message.
    type Parts<'a> = Vec<(&'a str, Vec<Pixel>)>;
    let cases: Vec<(&str, Parts, &str)> = vec![
        ("j-back", vec![("chr1", row.clone()), ("chr1", vec![px(0, 5)])], "row 70000: pixel (0, 5) after (0, 69999)"),
        ("duplicate", vec![("chr1", row.clone()), ("chr1", vec![px(0, 69_999)])], "row 70000: pixel (0, 69999) after (0, 69999)"),
        ("lower", vec![("chr1", row.clone()), ("chr1", vec![px(2, 1)])], "row 70000: i = 2 > j = 1"),
        (
            "split-chrom",
            vec![("chr1", row.clone()), ("chr2", vec![px(0, 0)]), ("chr1", vec![px(1, 1)])],
            "row 70001: chromosome 'chr1' appears in two separate runs",
        ),
    ];
    for (name, parts, want) in cases {
        let p = dir.path().join(format!("{name}.contacts.parquet"));
        let mut w = ContactsWriter::create(&p, &meta, false).unwrap();
        for (chrom, pixels) in &parts {
            w.write(chrom, pixels, None).unwrap();
        }
        w.finish().unwrap().commit(false).unwrap();
        for (reader, e) in [("read_all", read_all(&p).map(|_| ()).unwrap_err()), ("stream", stream(&p, |_| Ok(())).map(|_| ()).unwrap_err())] {
            let msg = e.to_string();
            assert!(msg.contains(&format!("{name}.contacts.parquet")) && msg.contains(want), "{name}, {reader}: {msg}");
            assert_eq!(e.exit_code(), hiclstm::error::exit::SCHEMA, "{name}, {reader}");
        }
    }
}

/// Simulated inter-chromosomal contacts carry the compartments (A-A enriched over A-B, more than
/// B-B), miss the unmappable and deleted bins, do not depend on the number of threads, and are
/// absent with `trans_depth` 0.
#[test]
fn simulated_trans_contacts_follow_the_compartments() {
    use hiclstm::simulate::simulate_trans;
    let p = small();
    let sims = simulate(&p).unwrap();
    let t = simulate_trans(&p, &sims);
    assert_eq!(t.iter().map(|x| (x.a, x.b)).collect::<Vec<_>>(), vec![(0, 1)]);
    // Mean count per cell by the two bins' compartments (A-A, A-B, B-B), over mappable cells.
    let (x, y) = (&sims[0], &sims[1]);
    let kind = |i: usize, j: usize| ((x.compartments[i] < 0) as usize) + ((y.compartments[j] < 0) as usize);
    let (mut sum, mut cells) = ([0.0f64; 3], [0.0f64; 3]);
    for i in (0..x.bias.len()).filter(|&i| x.bias[i] > 0.0) {
        for j in (0..y.bias.len()).filter(|&j| y.bias[j] > 0.0) {
            cells[kind(i, j)] += 1.0;
        }
    }
    for px in &t[0].pixels {
        assert!(x.bias[px.i as usize] > 0.0 && y.bias[px.j as usize] > 0.0, "a pixel on an unmappable bin");
        sum[kind(px.i as usize, px.j as usize)] += px.count;
    }
    let mean: Vec<f64> = (0..3).map(|k| sum[k] / cells[k]).collect();
    assert!(mean[0] > 1.8 * mean[1] && mean[2] > 1.2 * mean[1] && mean[0] > mean[2], "A-A, A-B, B-B per cell: {mean:?}");
    let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| simulate_trans(&p, &sims));
    assert_eq!(one[0].pixels, t[0].pixels);
    // A deletion leaves its bins without trans contacts.
    let mut m = small();
    m.deletion = Some(hiclstm::simulate::Deletion { chrom: "chr1".into(), start: 1_000_000, end: 1_500_000 });
    let mt = simulate_trans(&m, &simulate(&m).unwrap());
    assert!(!mt[0].pixels.is_empty() && mt[0].pixels.iter().all(|px| !(20..30).contains(&px.i)));
    // No trans depth: no trans table.
    let dir = tmpdir();
    let mut z = small();
    z.trans_depth = 0.0;
    write_outputs(&z, &WriteOptions { prefix: dir.path().join("z"), force: false, pairs: false, juicer_text: false }).unwrap();
    assert!(dir.path().join("z.contacts.parquet").exists() && !dir.path().join("z.trans.parquet").exists());
    z.trans_depth = f64::NAN;
    let e = write_outputs(&z, &WriteOptions { prefix: dir.path().join("n"), force: false, pairs: false, juicer_text: false }).unwrap_err();
    assert!(e.to_string().contains("--trans-depth"), "{e}");
}

/// A simulated deletion is the same genome with the region removed: same structure, no pixel on
/// a deleted bin, and the pixels spanning the deletion are as dense as pixels at their shorter
/// mutant distance (far denser than the wild type's at the same reference distance).
#[test]
fn a_simulated_deletion_shortens_distances_across_it_and_nothing_else() {
    let mut p = small();
    p.chroms = vec![Chrom::new("chr1", 30_000_000)];
    p.depth = 200.0;
    let wt = &simulate(&p).unwrap()[0];
    p.deletion = Some(hiclstm::simulate::Deletion { chrom: "chr1".into(), start: 10_000_000, end: 12_500_000 });
    let mt = &simulate(&p).unwrap()[0];
    assert_eq!((&wt.tads, &wt.ctcf, &wt.compartments), (&mt.tads, &mt.ctcf, &mt.compartments), "the truth is the wild type's");
    let (a, b) = (200u32, 250u32); // 50 kb bins
    assert!(mt.pixels.iter().all(|x| !(a..b).contains(&x.i) && !(a..b).contains(&x.j)), "deleted bins are empty");
    // Pixels within 10 bins either side of the deletion: reference distance 51-69, mutant 1-19.
    let mean = |px: &[hiclstm::formats::Pixel], f: &dyn Fn(u32, u32) -> bool| {
        let v: Vec<f64> = px.iter().filter(|x| f(x.i, x.j)).map(|x| x.count).collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };
    let spanning = |i: u32, j: u32| i + 10 >= a && i < a && j >= b && j < b + 10;
    let (w, m) = (mean(&wt.pixels, &spanning), mean(&mt.pixels, &spanning));
    assert!(m > 3.0 * w, "spanning pixels: mutant {m:.2} vs wild type {w:.2}");
    // Far upstream, nothing changed but the noise: the same expected counts.
    let upstream = |i: u32, j: u32| j < 150 && j - i < 20;
    let (wu, mu) = (mean(&wt.pixels, &upstream), mean(&mt.pixels, &upstream));
    assert!((wu - mu).abs() < 0.05 * wu, "upstream: {wu:.3} vs {mu:.3}");
    // A deletion outside the chromosome is refused.
    p.deletion = Some(hiclstm::simulate::Deletion { chrom: "chr1".into(), start: 29_000_000, end: 31_000_000 });
    assert!(simulate(&p).is_err());
}

#[test]
fn trans_pairs_are_binned_once_per_chromosome_pair_in_the_selections_order() {
    let dir = tmpdir();
    let d = dir.path();
    let pairs = "## pairs format v1.0\n#chromsize: chr1 1000\n#chromsize: chr2 500\n#chromsize: chr3 300\n#columns: readID chrom1 pos1 chrom2 pos2\n\
r1\tchr1\t10\tchr1\t20\nr2\tchr1\t150\tchr2\t420\nr3\tchr2\t430\tchr1\t199\nr4\tchr3\t50\tchr1\t905\nr5\tchr2\t5\tchr3\t250\nr6\tchr1\t1\tchr2\t1\nr7\tchrUn\t5\tchr1\t5\nr8\tchr2\t10\tchr2\t30\n";
    std::fs::write(d.join("t.pairs"), pairs).unwrap();
    let read = |sel: &str| {
        let prefix = d.join(format!("t_{}", sel.replace(',', "_")));
        let o = ImportOptions {
            input: d.join("t.pairs").to_str().unwrap().into(),
            format: None,
            open: OpenOptions { resolution: Some(100), ..Default::default() },
            chromosomes: sel.parse().unwrap(),
            names: NameStyle::Asis,
            assembly: None,
            output: prefix.clone(),
            force: false,
            trans: true,
        };
        let s = run(&o).unwrap();
        let rows = trans_rows(&hiclstm::import::trans_path(&prefix));
        assert_eq!(s.trans_pixels, rows.len() as u64);
        rows
    };
    let r = |a: &str, i: u32, b: &str, j: u32, c: f64| (a.to_string(), i, b.to_string(), j, c);
    // r2 and r3 are the same pixel seen from either side; r4 is stored with chr1 first (header
    // order); chrUn has no size and is skipped.
    assert_eq!(read("all"), vec![r("chr1", 0, "chr2", 0, 1.0), r("chr1", 1, "chr2", 4, 2.0), r("chr1", 9, "chr3", 0, 1.0), r("chr2", 0, "chr3", 2, 1.0)]);
    // A selection in another order puts its first chromosome first, the pixels transposed.
    assert_eq!(read("chr3,chr1"), vec![r("chr3", 0, "chr1", 9, 1.0)]);
    // One chromosome: no pairs, an empty but valid table.
    assert_eq!(read("chr2"), vec![]);
    // Juicer text holds one chromosome: --trans is refused before anything is written.
    std::fs::write(d.join("one.txt"), "0\t100\t3\n").unwrap();
    let o = ImportOptions {
        input: d.join("one.txt").to_str().unwrap().into(),
        format: None,
        open: OpenOptions { resolution: Some(100), chrom: Some("chr1".into()), chrom_sizes: Some(d.join("sizes")), ..Default::default() },
        chromosomes: Selection::All,
        names: NameStyle::Asis,
        assembly: None,
        output: d.join("one"),
        force: false,
        trans: true,
    };
    std::fs::write(d.join("sizes"), "chr1\t1000\n").unwrap();
    let e = run(&o).unwrap_err();
    assert!(e.to_string().contains("no inter-chromosomal contacts"), "{e}");
    assert_eq!(e.exit_code(), 8);
    assert!(!d.join("one.contacts.parquet").exists() && !d.join("one.trans.parquet").exists());
}

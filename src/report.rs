//! `hiclstm-report`: one self-contained HTML file for a results directory (the layout that
//! `hiclstm-pipeline` and the Nextflow workflow publish): per sample, reconstruction metrics
//! beside the baseline with their plots, classification, attribution and each edit's plots and
//! files, then the parameters, versions and step timings. Images are embedded (base64 PNG) and
//! nothing is fetched, so the file reads the same offline, mailed, or archived.
//!
//! The report reads only what is there: a section whose files are absent is left out, so it
//! serves a partial run, a run without attribution, or a hand-made directory alike.

use crate::error::{Error, Result};
use crate::outputs;
use crate::tables::metrics::MetricRow;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Inputs, settings and output of `hiclstm-report`.
pub struct ReportOptions {
    /// Results directory (`import/`, `train/`, `predict/`, `evaluate/`, `classify/`,
    /// `attribute/`, `perturb/`, `pipeline_info/`).
    pub results: PathBuf,
    /// The HTML file to write.
    pub output: PathBuf,
    /// Overwrite an existing report.
    pub force: bool,
}

/// What a report holds, for the log and the tests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReportSummary {
    /// Samples reported.
    pub samples: Vec<String>,
    /// Section ids, in document order.
    pub sections: Vec<String>,
    /// Images embedded.
    pub images: usize,
}

/// The files of one step directory, by name.
fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map(|r| r.flatten().filter(|e| e.path().is_file()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for k in 0..4 {
            if k <= c.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A number as a person reads it in a table: 4 significant digits, integers as integers.
fn num(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(x) if !x.is_finite() => "–".into(),
        Some(x) if x == x.round() && x.abs() >= 2.0 && x.abs() < 1e9 => format!("{x:.0}"),
        Some(x) if x.abs() >= 1e-3 && x.abs() < 1e5 => {
            let d = (3 - x.abs().log10().floor() as i32).clamp(0, 6) as usize;
            format!("{x:.d$}")
        }
        Some(x) => format!("{x:.3e}"),
    }
}

/// The summary rows of a metrics table (all chromosomes, no distance band, averaged over folds)
/// as a table: a row per (task, method), a column per metric in order of appearance; confusion
/// counts are left to their plots.
fn metrics_table(rows: &[MetricRow], first_col: &str) -> String {
    let keep = |r: &&MetricRow| r.chrom == "all" && r.distance_lo.is_none() && r.distance_hi.is_none() && r.fold.is_none() && !r.metric.contains(':');
    let mut metrics: Vec<&str> = Vec::new();
    let mut keys: Vec<(String, String)> = Vec::new();
    let mut cells: BTreeMap<(String, String, String), Option<f64>> = BTreeMap::new();
    for r in rows.iter().filter(keep) {
        if !metrics.contains(&r.metric.as_str()) {
            metrics.push(&r.metric);
        }
        let key = (r.task.clone().unwrap_or_default(), r.method.clone());
        if !keys.contains(&key) {
            keys.push(key.clone());
        }
        cells.insert((key.0, key.1, r.metric.clone()), r.value);
    }
    let with_task = keys.iter().any(|k| !k.0.is_empty()) && keys.iter().any(|k| k.0 != keys[0].0);
    let mut h = String::from("<div class=\"scroll\"><table><thead><tr>");
    if with_task {
        h.push_str("<th>task</th>");
    }
    let _ = write!(h, "<th>{}</th>", esc(first_col));
    for m in &metrics {
        let _ = write!(h, "<th>{}</th>", esc(m));
    }
    h.push_str("</tr></thead><tbody>");
    for (task, method) in &keys {
        h.push_str("<tr>");
        if with_task {
            let _ = write!(h, "<td>{}</td>", esc(task));
        }
        let _ = write!(h, "<td>{}</td>", esc(method));
        for m in &metrics {
            let v = cells.get(&(task.clone(), method.clone(), m.to_string())).copied().flatten();
            let _ = write!(h, "<td class=\"num\">{}</td>", num(v));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
    h
}

/// The document being built: sections, with a table of contents.
struct Doc {
    /// How links reach the results directory from the report's directory (`../` from
    /// `pipeline_info/`).
    link_base: String,
    body: String,
    toc: Vec<(String, String, usize)>,
    images: usize,
}

impl Doc {
    fn section(&mut self, id: &str, title: &str, level: usize) {
        let _ = write!(self.body, "<h{} id=\"{}\">{}</h{0}>", level + 1, esc(id), esc(title));
        self.toc.push((id.to_string(), title.to_string(), level));
    }

    fn image(&mut self, path: &Path, caption: &str) -> Result<()> {
        let data = std::fs::read(path).map_err(|e| Error::input_io(path, e))?;
        if !data.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(Error::format(path, crate::error::Location::Offset(0), "not a PNG image"));
        }
        let _ =
            write!(self.body, "<figure><img alt=\"{0}\" src=\"data:image/png;base64,{1}\"><figcaption>{0}</figcaption></figure>", esc(caption), base64(&data));
        self.images += 1;
        Ok(())
    }

    fn pre(&mut self, text: &str) {
        let _ = write!(self.body, "<pre>{}</pre>", esc(text.trim_end()));
    }

    fn para(&mut self, html: &str) {
        let _ = write!(self.body, "<p>{html}</p>");
    }

    /// Files a person opens elsewhere (maps, tracks), as relative links with what opens them.
    fn file_list(&mut self, results: &Path, dir: &str, names: &[String]) {
        if names.is_empty() {
            return;
        }
        self.body.push_str("<ul class=\"files\">");
        for n in names {
            let opener = if n.ends_with(".mcool") || n.ends_with(".cool") {
                "HiGlass, cooler, cooltools, hictk"
            } else if n.ends_with(".bw") || n.ends_with(".bedGraph") {
                "IGV, UCSC browser, HiGlass"
            } else {
                "pyarrow, polars, duckdb"
            };
            let rel = format!("{dir}/{n}");
            let _ = write!(
                self.body,
                "<li><a href=\"{3}{0}\"><code>{0}</code></a> <span class=\"note\">({1}{2})</span></li>",
                esc(&rel),
                opener,
                if results.join(&rel).exists() { "" } else { "; missing" },
                esc(&self.link_base)
            );
        }
        self.body.push_str("</ul>");
    }
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1d2327;background:#fafafa}\
header{background:#1f3b57;color:#fff;padding:14px 28px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.85}\
nav{position:fixed;top:70px;left:0;width:230px;bottom:0;overflow:auto;padding:10px 14px;font-size:14px;border-right:1px solid #ddd;background:#fff}\
nav a{display:block;color:#1f3b57;text-decoration:none;padding:2px 0}nav a.l2{padding-left:12px}nav a.l3{padding-left:24px;font-size:13px}\
main{margin-left:260px;padding:10px 28px 60px;max-width:1100px}h2{border-bottom:2px solid #1f3b57;padding-bottom:4px;margin-top:34px}\
h3{margin-top:26px}h4{margin:18px 0 6px}table{border-collapse:collapse;margin:8px 0;font-size:14px;background:#fff}\
th,td{border:1px solid #d0d7de;padding:4px 9px;text-align:left}th{background:#eef2f6}td.num{text-align:right;font-variant-numeric:tabular-nums}\
figure{display:inline-block;margin:8px 14px 8px 0;vertical-align:top}img{max-width:520px;border:1px solid #ddd;background:#fff}\
figcaption{font-size:13px;color:#555}pre{background:#fff;border:1px solid #ddd;padding:8px;font-size:13px;overflow:auto;max-height:420px}\
.note{color:#666;font-size:13px}ul.files{font-size:14px}div.scroll{overflow-x:auto}";

/// Images of `names` (in this order) that exist in `dir`, with captions.
fn images(doc: &mut Doc, dir: &Path, prefix: &str, names: &[(&str, &str)]) -> Result<()> {
    for (n, caption) in names {
        let p = dir.join(format!("{prefix}.{n}"));
        if p.is_file() {
            doc.image(&p, caption)?;
        }
    }
    Ok(())
}

/// Sample ids: the prefixes of the per-sample outputs of each step directory.
fn samples(results: &Path) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    let mut add = |id: &str| {
        if !id.is_empty() && !ids.iter().any(|x| x == id) {
            ids.push(id.to_string());
        }
    };
    for (dir, suffix) in [
        ("evaluate", outputs::METRICS),
        ("predict", outputs::PREDICTIONS),
        ("classify", outputs::METRICS),
        ("attribute", outputs::ATTRIBUTIONS),
        ("import", outputs::CONTACTS),
    ] {
        for f in files(&results.join(dir)) {
            if let Some(id) = f.strip_suffix(&format!(".{suffix}")) {
                add(id);
            }
        }
    }
    if let Ok(rd) = std::fs::read_dir(results.join("train")) {
        let mut dirs: Vec<String> = rd.flatten().filter(|e| e.path().is_dir()).map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        dirs.sort();
        for d in dirs {
            add(&d);
        }
    }
    ids.sort();
    ids
}

/// The edits of sample `id`: `perturb/ID.EDIT.*`, from their edit.yaml or any output.
fn edits(results: &Path, id: &str) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for f in files(&results.join("perturb")) {
        let Some(rest) = f.strip_prefix(&format!("{id}.")) else { continue };
        let Some(edit) = rest.split('.').next() else { continue };
        if rest.len() > edit.len() && !v.iter().any(|e| e == edit) {
            v.push(edit.to_string());
        }
    }
    v
}

fn sample_section(doc: &mut Doc, results: &Path, id: &str) -> Result<()> {
    doc.section(&format!("sample-{id}"), &format!("Sample {id}"), 1);
    let ev = results.join("evaluate");
    let ev_table = ev.join(format!("{id}.{}", outputs::METRICS));
    if ev_table.is_file() {
        doc.section(&format!("{id}-reconstruction"), "Reconstruction", 2);
        doc.para("Overall metrics in probability space, beside the distance-mean baseline (for each distance, the mean observed value).");
        let rows = crate::tables::metrics::read(&ev_table)?;
        doc.body.push_str(&metrics_table(&rows, "method"));
        images(
            doc,
            &ev,
            id,
            &[
                (outputs::R2_BY_DISTANCE_PNG, "R² by distance"),
                (outputs::LOSS_PNG, "Training loss"),
                (outputs::HEATMAP_PNG, "Observed (above) and predicted (below)"),
            ],
        )?;
    }
    let pr = results.join("predict");
    let maps: Vec<String> = files(&pr).into_iter().filter(|f| f.starts_with(&format!("{id}.")) && (f.ends_with(".mcool") || f.ends_with(".cool"))).collect();
    if !maps.is_empty() {
        doc.para("Maps to open in a viewer:");
        doc.file_list(results, "predict", &maps);
    }
    let cl = results.join("classify");
    let cl_table = cl.join(format!("{id}.{}", outputs::METRICS));
    if cl_table.is_file() {
        doc.section(&format!("{id}-classification"), "Classification", 2);
        doc.para("Mean over the cross-validation folds; one row per task and representation/classifier.");
        let rows = crate::tables::metrics::read(&cl_table)?;
        doc.body.push_str(&metrics_table(&rows, "method"));
        images(doc, &cl, id, &[(outputs::PR_CURVES_PNG, "Precision-recall curves")])?;
        for f in files(&cl) {
            if let Some(task) = f.strip_prefix(&format!("{id}.confusion.")).and_then(|t| t.strip_suffix(".png")) {
                doc.image(&cl.join(&f), &format!("Confusion matrices: {task}"))?;
            }
        }
    }
    let at = results.join("attribute");
    if at.join(format!("{id}.{}", outputs::ATTRIBUTIONS)).is_file() {
        doc.section(&format!("{id}-attribution"), "Attribution", 2);
        let summary = at.join(format!("{id}.{}", outputs::ATTRIBUTION_SUMMARY));
        if summary.is_file() {
            let rows = crate::tables::metrics::read(&summary)?;
            doc.body.push_str(&metrics_table(&rows, "element set"));
        }
        images(doc, &at, id, &[(outputs::ELEMENTS_PNG, "Attribution by element set"), (outputs::TAD_PROFILE_PNG, "Attribution across TADs")])?;
        let tracks: Vec<String> =
            [outputs::ATTRIBUTIONS_BEDGRAPH, outputs::ATTRIBUTIONS_Z_BEDGRAPH, outputs::ATTRIBUTIONS_BIGWIG, outputs::ATTRIBUTIONS_Z_BIGWIG]
                .iter()
                .map(|n| format!("{id}.{n}"))
                .filter(|n| at.join(n).is_file())
                .collect();
        doc.file_list(results, "attribute", &tracks);
    }
    let pe = results.join("perturb");
    let edit_ids = edits(results, id);
    if !edit_ids.is_empty() {
        doc.section(&format!("{id}-edits"), "In-silico edits", 2);
        for e in edit_ids {
            doc.section(&format!("{id}-edit-{e}"), &format!("Edit {e}"), 3);
            let prefix = format!("{id}.{e}");
            if let Ok(spec) = std::fs::read_to_string(pe.join(format!("{prefix}.edit.yaml"))) {
                doc.pre(&spec);
            }
            images(
                doc,
                &pe,
                &prefix,
                &[
                    (outputs::PERTURBATION_PNG, "Wild type (above) and edited (below)"),
                    (outputs::DIFFERENCE_PNG, "Edited minus wild type"),
                    (outputs::TAD_PROFILE_PNG, "Mean change across TADs"),
                    (outputs::SITE_PROFILE_PNG, "Mean change by distance from the site"),
                    (outputs::LOOP_SWAP_PNG, "Loop pixels before and after the swap"),
                    (outputs::LOOP_AGGREGATE_PNG, "Mean change around the loop pixels"),
                ],
            )?;
            let listed: Vec<String> =
                files(&pe).into_iter().filter(|f| f.starts_with(&format!("{prefix}.")) && !f.ends_with(".png") && !f.ends_with(".yaml")).collect();
            doc.file_list(results, "perturb", &listed);
        }
    }
    Ok(())
}

/// The results directory as seen from the report's directory: `../` (and so on) when the
/// report lies inside it, else its absolute path.
fn link_base(results: &Path, report: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (r, d) = (abs(results), abs(report.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))));
    match d.strip_prefix(&r) {
        Ok(rel) => "../".repeat(rel.components().count()),
        Err(_) => format!("{}/", r.display()),
    }
}

/// The overall row of `metric` for `method` in a metrics table (all chromosomes, no band, no
/// fold, `task` if given).
fn overall<'a>(rows: &'a [MetricRow], method: &str, metric: &str, task: Option<&str>) -> Option<&'a MetricRow> {
    rows.iter()
        .find(|r| r.method == method && r.metric == metric && r.chrom == "all" && r.distance_lo.is_none() && r.fold.is_none() && r.task.as_deref() == task)
}

/// A line chart as inline SVG (no image file, no script): `series` of (x, y) points, x in
/// [0, 1], with a legend.
fn svg_chart(title: &str, x_label: &str, y_label: &str, series: &[(String, Vec<(f64, f64)>)]) -> String {
    const COLORS: [&str; 8] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
    let (w, h, l, r, t, b) = (700.0, 340.0, 60.0, 250.0, 30.0, 45.0);
    let ys: Vec<f64> = series.iter().flat_map(|s| s.1.iter().map(|p| p.1)).filter(|y| y.is_finite()).collect();
    let y0 = ys.iter().copied().fold(0.0_f64, f64::min).min(0.0);
    let y1 = ys.iter().copied().fold(1.0_f64, f64::max);
    let px = |x: f64| l + x * (w - l - r);
    let py = |y: f64| t + (y1 - y) / (y1 - y0) * (h - t - b);
    let mut g = format!("<svg width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\">");
    let _ = write!(g, "<text x=\"{}\" y=\"18\" text-anchor=\"middle\" font-size=\"14\">{}</text>", (l + w - r) / 2.0, esc(title));
    for k in 0..=10 {
        let x = k as f64 / 10.0;
        let _ = write!(g, "<line x1=\"{0}\" x2=\"{0}\" y1=\"{1}\" y2=\"{2}\" stroke=\"#e5e5e5\"/>", px(x), t, h - b);
        if k % 2 == 0 {
            let _ = write!(g, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{x:.1}</text>", px(x), h - b + 16.0);
        }
    }
    let steps = 5;
    for k in 0..=steps {
        let y = y0 + (y1 - y0) * k as f64 / steps as f64;
        let _ = write!(g, "<line x1=\"{l}\" x2=\"{}\" y1=\"{1}\" y2=\"{1}\" stroke=\"#e5e5e5\"/>", w - r, py(y));
        let _ = write!(g, "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{y:.2}</text>", l - 6.0, py(y) + 4.0);
    }
    let _ = write!(g, "<rect x=\"{l}\" y=\"{t}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#555\"/>", w - l - r, h - t - b);
    let _ = write!(g, "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{}</text>", (l + w - r) / 2.0, h - 8.0, esc(x_label));
    let _ = write!(g, "<text transform=\"translate(16,{}) rotate(-90)\" text-anchor=\"middle\">{}</text>", (t + h - b) / 2.0, esc(y_label));
    for (k, (name, pts)) in series.iter().enumerate() {
        let c = COLORS[k % COLORS.len()];
        let pts: Vec<&(f64, f64)> = pts.iter().filter(|p| p.1.is_finite()).collect();
        let line: Vec<String> = pts.iter().map(|p| format!("{:.1},{:.1}", px(p.0), py(p.1))).collect();
        let _ = write!(g, "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>", line.join(" "));
        for p in &pts {
            let _ = write!(g, "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{c}\"/>", px(p.0), py(p.1));
        }
        let ly = t + 14.0 + 18.0 * k as f64;
        let _ = write!(g, "<line x1=\"{0}\" x2=\"{1}\" y1=\"{ly}\" y2=\"{ly}\" stroke=\"{c}\" stroke-width=\"2\"/>", w - r + 10.0, w - r + 30.0);
        let _ = write!(g, "<text x=\"{}\" y=\"{}\">{}</text>", w - r + 35.0, ly + 4.0, esc(name));
    }
    g.push_str("</svg>");
    g
}

/// The read-depth experiment of sample `id`: its downsampled samples `ID_depthF` beside it, with
/// reconstruction R² and the classification AuROCs of the Hi-C-LSTM representations (linear
/// classifier) by the fraction of contacts kept.
fn depth_section(doc: &mut Doc, results: &Path, id: &str, all: &[String]) -> Result<()> {
    let mut depths: Vec<(f64, String)> =
        all.iter().filter_map(|d| d.strip_prefix(&format!("{id}_depth")).and_then(|f| f.parse().ok()).map(|f| (f, d.clone()))).collect();
    if depths.is_empty() {
        return Ok(());
    }
    depths.push((1.0, id.to_string()));
    depths.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut r2 = Vec::new();
    let mut pixels = Vec::new();
    let mut tasks: Vec<String> = Vec::new();
    let mut auroc: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for (f, sid) in &depths {
        let ev = results.join("evaluate").join(format!("{sid}.{}", outputs::METRICS));
        let rows = if ev.is_file() { crate::tables::metrics::read(&ev)? } else { vec![] };
        let row = overall(&rows, "hiclstm", "r2", None);
        r2.push((*f, row.and_then(|r| r.value).unwrap_or(f64::NAN)));
        pixels.push(row.map(|r| r.n as f64));
        let cl = results.join("classify").join(format!("{sid}.{}", outputs::METRICS));
        if cl.is_file() {
            for r in crate::tables::metrics::read(&cl)? {
                if r.method == "hiclstm/linear" && r.metric == "auroc" && r.chrom == "all" && r.fold.is_none() {
                    let task = r.task.clone().unwrap_or_default();
                    if !tasks.contains(&task) {
                        tasks.push(task.clone());
                    }
                    auroc.entry(task).or_default().push((*f, r.value.unwrap_or(f64::NAN)));
                }
            }
        }
    }
    doc.section(&format!("{id}-read-depth"), "Read depth", 2);
    doc.para("The sample's contacts downsampled without replacement (hiclstm-downsample), each depth trained and evaluated as a sample of its own: reconstruction R² and the AuROC of each classification task (Hi-C-LSTM representations, linear classifier). R² is computed on each depth's own observed pixels: a sparser map loses its faintest pixels, so the pixel sets differ (see the pixel counts) and R² is not a like-for-like comparison across depths.");
    let mut h = String::from("<div class=\"scroll\"><table><thead><tr><th>fraction of contacts</th><th>sample</th><th>pixels evaluated</th><th>R²</th>");
    for t in &tasks {
        let _ = write!(h, "<th>AuROC {}</th>", esc(t));
    }
    h.push_str("</tr></thead><tbody>");
    for (k, (f, sid)) in depths.iter().enumerate() {
        let _ = write!(
            h,
            "<tr><td class=\"num\">{f}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            esc(sid),
            num(pixels[k]),
            num(Some(r2[k].1))
        );
        for t in &tasks {
            let v = auroc.get(t).and_then(|v| v.iter().find(|p| p.0 == *f)).map(|p| p.1);
            let _ = write!(h, "<td class=\"num\">{}</td>", num(v));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
    doc.body.push_str(&h);
    let mut series = vec![("R²".to_string(), r2)];
    series.extend(tasks.iter().map(|t| (format!("AuROC {t}"), auroc.remove(t).unwrap_or_default())));
    doc.body.push_str(&format!(
        "<figure>{}<figcaption>R² and AuROC by read depth</figcaption></figure>",
        svg_chart("Read depth", "fraction of contacts kept", "R² / AuROC", &series)
    ));
    Ok(())
}

/// Writes the report; all or nothing.
pub fn run(o: &ReportOptions) -> Result<ReportSummary> {
    crate::output::check_writable(&o.output, o.force)?;
    if !o.results.is_dir() {
        return Err(Error::input_io(&o.results, std::io::Error::new(std::io::ErrorKind::NotFound, "results directory not found")));
    }
    let ids = samples(&o.results);
    if ids.is_empty() {
        return Err(Error::not_in_input(
            &o.results,
            "any sample's results",
            "none of import/, predict/, evaluate/, classify/, attribute/, train/ holds a sample",
        ));
    }
    let mut doc = Doc { link_base: link_base(&o.results, &o.output), body: String::new(), toc: Vec::new(), images: 0 };
    for id in &ids {
        sample_section(&mut doc, &o.results, id)?;
        depth_section(&mut doc, &o.results, id, &ids)?;
    }
    let info = o.results.join("pipeline_info");
    doc.section("run", "Run", 1);
    if let Ok(p) = std::fs::read_to_string(info.join("params.yaml")) {
        doc.section("parameters", "Parameters", 2);
        doc.pre(&p);
    }
    if let Ok(v) = std::fs::read_to_string(info.join("versions.yml")) {
        doc.section("versions", "Versions", 2);
        doc.pre(&v);
    }
    if let Ok(t) = std::fs::read_to_string(info.join(EXECUTION_TRACE)) {
        doc.section("timings", "Step timings", 2);
        let mut h = String::from("<table>");
        for (k, line) in t.lines().enumerate() {
            let tag = if k == 0 { "th" } else { "td" };
            h.push_str("<tr>");
            for cell in line.split('\t') {
                let class = if k > 0 && cell.parse::<f64>().is_ok() { " class=\"num\"" } else { "" };
                let _ = write!(h, "<{tag}{class}>{}</{tag}>", esc(cell));
            }
            h.push_str("</tr>");
        }
        h.push_str("</table>");
        doc.body.push_str(&h);
    }
    let mut nav = String::new();
    for (id, title, level) in &doc.toc {
        let _ = write!(nav, "<a class=\"l{level}\" href=\"#{}\">{}</a>", esc(id), esc(title));
    }
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>hiclstm report</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{STYLE}</style></head>\
         <body data-images=\"0/{n}\"><header><h1>hiclstm report</h1><p>{samples} sample(s): {names} &middot; {producer} &middot; results: <code>{dir}</code></p></header>\
         <nav>{nav}</nav><main>{body}</main>\
         <script>window.addEventListener('load',function(){{var im=document.images,ok=0;for(var i=0;i<im.length;i++){{if(im[i].complete&&im[i].naturalWidth>0)ok++;}}\
         document.body.setAttribute('data-images',ok+'/'+im.length);}});</script></body></html>\n",
        n = doc.images,
        samples = ids.len(),
        names = esc(&ids.join(", ")),
        producer = esc(&crate::tables::producer()),
        dir = esc(&o.results.display().to_string()),
        body = doc.body,
    );
    let mut f = crate::output::AtomicFile::create(&o.output, o.force)?;
    std::io::Write::write_all(&mut f, html.as_bytes()).map_err(|e| Error::output_io(&o.output, e))?;
    f.commit(o.force)?;
    Ok(ReportSummary { samples: ids, sections: doc.toc.into_iter().map(|t| t.0).collect(), images: doc.images })
}

/// The pipeline's step timings in `pipeline_info/` (tab-separated: step, status, seconds).
pub const EXECUTION_TRACE: &str = "execution_trace.tsv";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_and_numbers() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(
            (num(Some(0.914137)), num(Some(118519.0)), num(Some(0.0000123)), num(None)),
            ("0.9141".into(), "118519".into(), "1.230e-5".into(), "–".into())
        );
        assert_eq!(esc("<a&\">"), "&lt;a&amp;&quot;&gt;");
    }
}

//! PNG plots for people: line charts (R^2 by distance, loss curves) and contact-map heatmaps
//! (observed above the diagonal, predicted below). Text uses DejaVu Sans, embedded in the binary
//! (`assets/fonts/`, Bitstream Vera licence), so plots need nothing from the system.
//!
//! Every plot is returned as an uncommitted [`AtomicFile`]: the step commits it together with
//! its tables ([`crate::output::OutputSet`]), so a step that fails leaves no plot and no table.

use crate::error::{Error, Result};
use crate::output::AtomicFile;
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");

/// Registers the embedded font once; plots need it for every label.
fn font() {
    static DONE: Once = Once::new();
    DONE.call_once(|| {
        // The font is part of the binary and checked by the tests: failing here is a bug.
        if plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_err() {
            panic!("the embedded DejaVu Sans font is not a usable TrueType font");
        }
    });
}

fn draw_err(path: &Path) -> impl Fn(Box<dyn std::error::Error>) -> Error + '_ {
    move |e| Error::output_io(path, std::io::Error::other(e.to_string()))
}

/// Draws into memory and encodes a PNG into a temporary file beside `path`; the caller commits
/// it with the step's other outputs.
fn render(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>) -> std::result::Result<(), Box<dyn std::error::Error>>,
) -> Result<AtomicFile> {
    use image::ImageEncoder;
    font();
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_err(path)(Box::new(e)))?;
        draw(&root).map_err(draw_err(path))?;
        root.present().map_err(|e| draw_err(path)(Box::new(e)))?;
    }
    // Existence without --force is checked when the step commits its outputs.
    let out = AtomicFile::create(path, true)?;
    let w = std::io::BufWriter::new(out.file()?);
    image::codecs::png::PngEncoder::new(w)
        .write_image(&rgb, size.0, size.1, image::ColorType::Rgb8)
        .map_err(|e| Error::output_io(path, std::io::Error::other(e.to_string())))?;
    Ok(out)
}

/// One named line of a chart.
pub struct Series {
    /// Legend label.
    pub name: String,
    /// (x, y) points in drawing order; non-finite points (and non-positive ones on a log axis) are
    /// left out.
    pub points: Vec<(f64, f64)>,
    /// Draw the line dashed and thinner (e.g. for a baseline).
    pub dashed: bool,
}

/// Axes and labels of a line chart.
#[derive(Clone, Copy)]
pub struct LineChart<'a> {
    /// Chart title (the panel title in [`panels`]).
    pub title: &'a str,
    /// x-axis description.
    pub x_label: &'a str,
    /// y-axis description.
    pub y_label: &'a str,
    /// Log10 x axis, labelled with the original values; x <= 0 is left out.
    pub log_x: bool,
    /// Log10 y axis, labelled with the original values; y <= 0 is left out.
    pub log_y: bool,
    /// Fixed y range, or from the data; points outside are drawn at the nearest bound.
    pub y_range: Option<(f64, f64)>,
    /// Label the x axis with whole numbers (epochs, say).
    pub x_integer: bool,
}

fn palette(k: usize) -> RGBColor {
    const C: [RGBColor; 8] = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(255, 127, 14),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
    ];
    C[k % C.len()]
}

/// One line chart of `series` (legend lower left) as a 1000 x 650 PNG; an error when no series
/// has a finite point.
pub fn line_chart(path: &Path, c: &LineChart, series: &[Series]) -> Result<AtomicFile> {
    if !series.iter().any(|s| s.points.iter().any(|p| p.0.is_finite() && p.1.is_finite())) {
        return Err(Error::InvalidArgument(format!("{}: nothing to plot", path.display())));
    }
    render(path, (1000, 650), |root| draw_lines(root, c, series, 28))
}

/// A scatter plot of point groups (one colour each, legend upper left) with the diagonal y = x
/// dashed where the axes overlap, as a 900 x 800 PNG; an error when no point is finite.
pub fn scatter(path: &Path, title: &str, x_label: &str, y_label: &str, groups: &[(String, Vec<(f64, f64)>)]) -> Result<AtomicFile> {
    let pts = || groups.iter().flat_map(|g| g.1.iter()).filter(|p| p.0.is_finite() && p.1.is_finite());
    if pts().next().is_none() {
        return Err(Error::InvalidArgument(format!("{}: nothing to plot", path.display())));
    }
    // Each axis spans its own values (a small predicted change stays readable beside a noisy
    // observed one); the diagonal is drawn where the two ranges overlap.
    let range = |f: &dyn Fn(&(f64, f64)) -> f64| {
        let (lo, hi) = pts().fold((f64::MAX, f64::MIN), |m, p| (m.0.min(f(p)), m.1.max(f(p))));
        let pad = ((hi - lo) * 0.05).max(1e-9);
        (lo - pad, hi + pad)
    };
    let ((x0, x1), (y0, y1)) = (range(&|p| p.0), range(&|p| p.1));
    let (dx, dy) = (tick_decimals(x1 - x0), tick_decimals(y1 - y0));
    let (lo, hi) = (x0.max(y0), x1.min(y1));
    render(path, (900, 800), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 24))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .x_label_formatter(&|v| format!("{v:.dx$}"))
            .y_label_formatter(&|v| format!("{v:.dy$}"))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()?;
        if lo < hi {
            chart.draw_series(DashedLineSeries::new(vec![(lo, lo), (hi, hi)], 8, 5, ShapeStyle::from(&RGBColor(120, 120, 120)).stroke_width(1)))?;
        }
        for (k, (name, points)) in groups.iter().enumerate() {
            let style = ShapeStyle::from(&palette(k).mix(0.6)).filled();
            let c = palette(k);
            chart
                .draw_series(points.iter().filter(|p| p.0.is_finite() && p.1.is_finite()).map(|&p| Circle::new(p, 3, style)))?
                .label(name.clone())
                .legend(move |(x, y)| Circle::new((x + 10, y), 5, c.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 16))
            .draw()?;
        Ok(())
    })
}

/// Several line charts in a grid (at most three per row), one per (title, series).
pub fn panels(path: &Path, title: &str, panels: &[(String, Vec<Series>)], c: &LineChart) -> Result<AtomicFile> {
    if panels.is_empty() {
        return Err(Error::InvalidArgument(format!("{}: nothing to plot", path.display())));
    }
    let cols = panels.len().min(3);
    let rows = panels.len().div_ceil(cols);
    render(path, (560 * cols as u32, 480 * rows as u32 + 50), |root| {
        let body = root.titled(title, ("sans-serif", 28))?;
        for (area, (name, series)) in body.split_evenly((rows, cols)).iter().zip(panels) {
            draw_lines(area, &LineChart { title: name, ..*c }, series, 22)?;
        }
        Ok(())
    })
}

fn draw_lines(
    root: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    c: &LineChart,
    series: &[Series],
    title_size: u32,
) -> std::result::Result<(), Box<dyn std::error::Error>> {
    // Log axes are drawn as linear axes over log10 values, labelled with the original values:
    // every decade then gets readable ticks.
    let tx = |x: f64| {
        if c.log_x {
            if x > 0.0 {
                x.log10()
            } else {
                f64::NAN
            }
        } else {
            x
        }
    };
    let ty = |y: f64| {
        if c.log_y {
            if y > 0.0 {
                y.log10()
            } else {
                f64::NAN
            }
        } else {
            y
        }
    };
    let data: Vec<Vec<(f64, f64)>> =
        series.iter().map(|s| s.points.iter().map(|p| (tx(p.0), ty(p.1))).filter(|p| p.0.is_finite() && p.1.is_finite()).collect()).collect();
    let all = || data.iter().flatten();
    let (x0, mut x1) = all().fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.0), a.1.max(p.0)));
    if x0 > x1 {
        return Ok(());
    }
    let (mut y0, mut y1) = match c.y_range {
        Some((a, b)) => (ty(a), ty(b)),
        None => all().fold((f64::MAX, f64::MIN), |a, p| (a.0.min(p.1), a.1.max(p.1))),
    };
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    if y1 <= y0 {
        y1 = y0 + 0.5;
        y0 -= 0.5;
    }
    let pad = (y1 - y0) * 0.04;
    let (y0, y1) = (y0 - pad, y1 + pad);
    let (xd, yd) = (tick_decimals(x1 - x0), tick_decimals(y1 - y0));
    let fmt = |v: f64, log: bool, integer: bool, digits: usize| {
        if log {
            // Two significant digits: 10^0.5 reads 3.2, not 3.162.
            let x = 10f64.powf(v);
            let digits = (1 - x.log10().floor() as i32).max(0) as usize;
            if (1e-3..1e4).contains(&x) {
                format!("{x:.digits$}")
            } else {
                format!("{x:.1e}")
            }
        } else if integer {
            format!("{v:.0}")
        } else {
            format!("{:.digits$}", if v.abs() < 1e-12 { 0.0 } else { v })
        }
    };
    {
        let mut chart = ChartBuilder::on(root)
            .caption(c.title, ("sans-serif", title_size))
            .margin(20)
            .x_label_area_size(55)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        chart
            .configure_mesh()
            .x_desc(c.x_label)
            .y_desc(c.y_label)
            .x_label_formatter(&|v| fmt(*v, c.log_x, c.x_integer, xd))
            .y_label_formatter(&|v| fmt(*v, c.log_y, false, yd))
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 20))
            .draw()?;
        for (k, (s, pts)) in series.iter().zip(&data).enumerate() {
            let style = ShapeStyle::from(&palette(k)).stroke_width(if s.dashed { 2 } else { 3 });
            let pts: Vec<(f64, f64)> = pts.iter().map(|p| (p.0, p.1.clamp(y0, y1))).collect();
            let legend = move |(x, y): (i32, i32)| PathElement::new(vec![(x, y), (x + 25, y)], style);
            if s.dashed {
                chart.draw_series(DashedLineSeries::new(pts, 8, 5, style))?.label(s.name.clone()).legend(legend);
            } else {
                chart.draw_series(LineSeries::new(pts, style))?.label(s.name.clone()).legend(legend);
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 16))
            .draw()?;
        Ok(())
    }
}

/// A square map of `n` bins starting at `start_bp`: `upper[i * n + j]` is drawn above the
/// diagonal (j > i), `lower[i * n + j]` below; NaN cells stay grey. Values are on one colour
/// scale `[vmin, vmax]`, shown by a colour bar.
pub struct Heatmap<'a> {
    /// Plot title.
    pub title: &'a str,
    /// Side of the map in bins.
    pub n: usize,
    /// Genomic position (bp) of the map's first bin; the axes are labelled in Mb.
    pub start_bp: u64,
    /// Bin size (bp).
    pub resolution: u32,
    /// Row-major `n x n` values drawn on and above the diagonal (j >= i).
    pub upper: &'a [f64],
    /// Row-major `n x n` values drawn below the diagonal (j < i).
    pub lower: &'a [f64],
    /// What the upper triangle shows, named in the x-axis description (e.g. observed).
    pub upper_name: &'a str,
    /// What the lower triangle shows, named in the y-axis description (e.g. predicted).
    pub lower_name: &'a str,
    /// Label of the colour bar.
    pub value_name: &'a str,
    /// Bottom of the colour scale; smaller values get its colour.
    pub vmin: f64,
    /// Top of the colour scale; larger values get its colour.
    pub vmax: f64,
    /// Cells (i, j) to outline, e.g. the first pixel of every frame.
    pub marks: &'a [(usize, usize)],
    /// Legend label of the outlined cells (shown only when `marks` is not empty).
    pub mark_name: &'a str,
    /// A blue-white-red scale centred on the middle of [vmin, vmax] (for differences).
    pub diverging: bool,
    /// Axes in cells instead of Mb: (axis label, the cell shown as 0), for aggregates.
    pub cells: Option<(&'a str, f64)>,
    /// One matrix over the whole square (`upper` and `lower` then hold the same values): no
    /// diagonal line, and the axis descriptions name `upper_name` for columns and `lower_name`
    /// for rows.
    pub square: bool,
}

fn colormap(t: f64) -> RGBColor {
    // A perceptually ordered ramp (white -> yellow -> red -> dark red), as used for Hi-C maps.
    let t = t.clamp(0.0, 1.0);
    let stops = [(0.0, (255.0, 255.0, 255.0)), (0.35, (255.0, 220.0, 120.0)), (0.7, (220.0, 50.0, 30.0)), (1.0, (90.0, 0.0, 20.0))];
    for w in stops.windows(2) {
        let ((a, ca), (b, cb)) = (w[0], w[1]);
        if t <= b {
            let f = (t - a) / (b - a);
            return RGBColor((ca.0 + f * (cb.0 - ca.0)) as u8, (ca.1 + f * (cb.1 - ca.1)) as u8, (ca.2 + f * (cb.2 - ca.2)) as u8);
        }
    }
    RGBColor(90, 0, 20)
}

/// Blue (0) - white (0.5) - red (1).
fn diverging(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    if t < 0.5 {
        let f = t / 0.5;
        RGBColor((40.0 + f * 215.0) as u8, (90.0 + f * 165.0) as u8, 255)
    } else {
        let f = (t - 0.5) / 0.5;
        RGBColor(255, (255.0 - f * 200.0) as u8, (255.0 - f * 215.0) as u8)
    }
}

/// Draws `h` as a 1050 x 900 PNG with a colour bar; `upper` and `lower` must have `n * n` entries.
pub fn heatmap(path: &Path, h: &Heatmap) -> Result<AtomicFile> {
    let n = h.n;
    if n == 0 || h.upper.len() != n * n || h.lower.len() != n * n {
        return Err(Error::Internal("heatmap: inconsistent sizes".into()));
    }
    // Axis positions: Mb along the genome, or cells from an origin (aggregates).
    let mb = |b: f64| match h.cells {
        Some((_, origin)) => b - origin,
        None => (h.start_bp as f64 + b * h.resolution as f64) / 1e6,
    };
    let unit = h.cells.map_or("position (Mb)", |c| c.0);
    let span = (h.vmax - h.vmin).max(1e-12);
    render(path, (1050, 900), |root| {
        let (main, bar) = root.split_horizontally(900);
        let mut chart = ChartBuilder::on(&main)
            .caption(h.title, ("sans-serif", 26))
            .margin(15)
            .x_label_area_size(55)
            .y_label_area_size(75)
            .build_cartesian_2d(mb(0.0)..mb(n as f64), mb(n as f64)..mb(0.0))?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(if h.square { format!("{unit}, {}", h.upper_name) } else { format!("{unit}; above the diagonal: {}", h.upper_name) })
            .y_desc(if h.square { format!("{unit}, {}", h.lower_name) } else { format!("{unit}; below: {}", h.lower_name) })
            .label_style(("sans-serif", 16))
            .axis_desc_style(("sans-serif", 18))
            .draw()?;
        let cells = (0..n).flat_map(|i| (0..n).map(move |j| (i, j))).map(|(i, j)| {
            let v = if j >= i { h.upper[i * n + j] } else { h.lower[i * n + j] };
            let col = if !v.is_finite() {
                RGBColor(200, 200, 200)
            } else if h.diverging {
                diverging((v - h.vmin) / span)
            } else {
                colormap((v - h.vmin) / span)
            };
            // Row i runs down, column j across.
            Rectangle::new([(mb(j as f64), mb(i as f64)), (mb(j as f64 + 1.0), mb(i as f64 + 1.0))], col.filled())
        });
        chart.draw_series(cells)?;
        if !h.square {
            chart.draw_series(std::iter::once(PathElement::new(vec![(mb(0.0), mb(0.0)), (mb(n as f64), mb(n as f64))], BLACK.stroke_width(1))))?;
        }
        if !h.marks.is_empty() {
            chart
                .draw_series(h.marks.iter().map(|&(i, j)| {
                    Rectangle::new([(mb(j as f64), mb(i as f64)), (mb(j as f64 + 1.0), mb(i as f64 + 1.0))], RGBColor(0, 90, 200).stroke_width(2))
                }))?
                .label(h.mark_name)
                .legend(|(x, y)| Rectangle::new([(x, y - 6), (x + 12, y + 6)], RGBColor(0, 90, 200).stroke_width(2)));
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::LowerLeft)
                .background_style(WHITE.mix(0.9))
                .border_style(BLACK)
                .label_font(("sans-serif", 16))
                .draw()?;
        }
        // Colour bar.
        let mut cb =
            ChartBuilder::on(&bar).margin_top(60).margin_bottom(70).margin_right(10).y_label_area_size(70).build_cartesian_2d(0.0..1.0, h.vmin..h.vmax)?;
        cb.configure_mesh().disable_mesh().disable_x_axis().y_desc(h.value_name).label_style(("sans-serif", 14)).axis_desc_style(("sans-serif", 16)).draw()?;
        let steps = 100;
        cb.draw_series((0..steps).map(|k| {
            let a = h.vmin + span * k as f64 / steps as f64;
            let b = h.vmin + span * (k + 1) as f64 / steps as f64;
            let t = k as f64 / steps as f64;
            Rectangle::new([(0.0, a), (1.0, b)], if h.diverging { diverging(t) } else { colormap(t) }.filled())
        }))?;
        Ok(())
    })
}

/// Confusion matrices side by side, one panel per (name, class names, row-major counts); cells
/// are shaded by the row fraction and labelled with the count.
pub fn confusion(path: &Path, title: &str, panels: &[(String, Vec<String>, Vec<f64>)]) -> Result<AtomicFile> {
    if panels.is_empty() {
        return Err(Error::InvalidArgument(format!("{}: nothing to plot", path.display())));
    }
    let cols = panels.len().min(3);
    let rows = panels.len().div_ceil(cols);
    render(path, (480 * cols as u32, 470 * rows as u32 + 50), |root| {
        let body = root.titled(title, ("sans-serif", 24))?;
        for (area, (name, classes, counts)) in body.split_evenly((rows, cols)).iter().zip(panels) {
            let nc = classes.len();
            let mut chart = ChartBuilder::on(area)
                .caption(name, ("sans-serif", 20))
                .margin(12)
                .x_label_area_size(45)
                .y_label_area_size(70)
                .build_cartesian_2d(0.0..nc as f64, nc as f64..0.0)?;
            let label = |v: &f64| {
                let k = v.floor() as usize;
                if (*v - k as f64 - 0.5).abs() < 0.01 && k < nc {
                    classes[k].clone()
                } else {
                    String::new()
                }
            };
            chart
                .configure_mesh()
                .disable_mesh()
                .x_labels(2 * nc + 1)
                .y_labels(2 * nc + 1)
                .x_label_formatter(&label)
                .y_label_formatter(&label)
                .x_desc("called class")
                .y_desc("true class")
                .label_style(("sans-serif", 14))
                .draw()?;
            for t in 0..nc {
                let total: f64 = counts[t * nc..(t + 1) * nc].iter().sum();
                for c in 0..nc {
                    let v = counts[t * nc + c];
                    let frac = if total > 0.0 { v / total } else { 0.0 };
                    let shade = (255.0 * (1.0 - 0.85 * frac)) as u8;
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(c as f64, t as f64), (c as f64 + 1.0, t as f64 + 1.0)],
                        RGBColor(shade, shade, 255).filled(),
                    )))?;
                    let colour = if frac > 0.6 { WHITE } else { BLACK };
                    chart.draw_series(std::iter::once(Text::new(
                        format!("{}", v as u64),
                        (c as f64 + 0.4, t as f64 + 0.55),
                        ("sans-serif", 16).into_font().color(&colour),
                    )))?;
                }
            }
        }
        Ok(())
    })
}

/// One box of a box plot: quartiles, whiskers at the most extreme values within 1.5 IQR of the
/// box, and the mean (a diamond).
#[derive(Debug, Clone, PartialEq)]
pub struct BoxStat {
    /// Label under the box.
    pub name: String,
    /// Number of finite values in the sample.
    pub n: usize,
    /// Lower whisker: the smallest value at or above q1 - 1.5 IQR.
    pub lo: f64,
    /// First quartile (linear interpolation).
    pub q1: f64,
    /// Median (linear interpolation).
    pub median: f64,
    /// Third quartile (linear interpolation).
    pub q3: f64,
    /// Upper whisker: the largest value at or below q3 + 1.5 IQR.
    pub hi: f64,
    /// Mean of the finite values (drawn as a diamond).
    pub mean: f64,
}

impl BoxStat {
    /// None for an empty or non-finite sample.
    pub fn of(name: &str, values: &[f64]) -> Option<BoxStat> {
        let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let q = |p: f64| {
            let pos = p * (v.len() - 1) as f64;
            let (a, b) = (pos.floor() as usize, pos.ceil() as usize);
            v[a] + (v[b] - v[a]) * (pos - a as f64)
        };
        let (q1, median, q3) = (q(0.25), q(0.5), q(0.75));
        let iqr = q3 - q1;
        let lo = *v.iter().find(|&&x| x >= q1 - 1.5 * iqr).unwrap_or(&v[0]);
        let hi = *v.iter().rev().find(|&&x| x <= q3 + 1.5 * iqr).unwrap_or(&v[v.len() - 1]);
        Some(BoxStat { name: name.to_string(), n: v.len(), lo, q1, median, q3, hi, mean: v.iter().sum::<f64>() / v.len() as f64 })
    }
}

/// Decimals of linear tick labels: as many as the axis span needs to tell neighbours apart (a span
/// of 0.06 reads -0.015, -0.010, not -0.01 twice).
fn tick_decimals(span: f64) -> usize {
    (-(span / 10.0).log10()).ceil().clamp(0.0, 6.0) as usize
}

/// Box plots in groups: each group (an element set, say) is a row of boxes side by side, the
/// first coloured and the others grey (its background). Box names go under the x axis with n.
pub fn boxes(path: &Path, title: &str, y_label: &str, groups: &[Vec<BoxStat>]) -> Result<AtomicFile> {
    let all: Vec<&BoxStat> = groups.iter().flatten().collect();
    if all.is_empty() {
        return Err(Error::InvalidArgument(format!("{}: nothing to plot", path.display())));
    }
    let (mut y0, mut y1) = all.iter().fold((f64::MAX, f64::MIN), |a, b| (a.0.min(b.lo).min(b.mean), a.1.max(b.hi).max(b.mean)));
    if y1 <= y0 {
        y0 -= 0.5;
        y1 += 0.5;
    }
    let pad = (y1 - y0) * 0.06;
    // At least two decimals, more where the range is narrow (probabilities near 0 all read "0.00").
    let decimals = tick_decimals(y1 - y0).max(2);
    // Slots: the boxes of a group side by side at whole numbers, one empty slot between groups,
    // so that the axis ticks (one per whole number) fall on the box centres and each label is
    // drawn once (ticks between centres used to repeat a label).
    let mut slots: Vec<(f64, &BoxStat, usize)> = vec![];
    let mut x = 1.0;
    for (g, group) in groups.iter().enumerate() {
        for b in group {
            slots.push((x, b, g));
            x += 1.0;
        }
        x += 1.0;
    }
    let x_end = x - 1.0;
    // About 190 px per slot: room for a label such as "random, p=0.06 (n=58)".
    let width = (100 + 190 * x_end as u32).clamp(760, 2400);
    render(path, (width, 620), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(45)
            .y_label_area_size(80 + 9 * decimals.saturating_sub(2) as u32)
            .build_cartesian_2d(0.0..x_end, (y0 - pad)..(y1 + pad))?;
        let names: Vec<(f64, String)> = slots.iter().map(|(c, b, _)| (*c, format!("{} (n={})", b.name, b.n))).collect();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .x_labels(x_end as usize + 1)
            .x_label_formatter(&|v| names.iter().find(|(c, _)| (c - v).abs() < 0.01).map(|(_, n)| n.clone()).unwrap_or_default())
            .y_label_formatter(&|v| format!("{:.*}", decimals, if v.abs() < 1e-12 { 0.0 } else { *v }))
            .y_desc(y_label)
            .label_style(("sans-serif", 15))
            .axis_desc_style(("sans-serif", 18))
            .draw()?;
        for (c, b, g) in &slots {
            let first = groups[*g].first().is_some_and(|f| std::ptr::eq(f, *b));
            let colour = if first { palette(*g) } else { RGBColor(160, 160, 160) };
            let (l, r) = (c - 0.32, c + 0.32);
            chart.draw_series(std::iter::once(Rectangle::new([(l, b.q1), (r, b.q3)], colour.mix(0.35).filled())))?;
            chart.draw_series(std::iter::once(Rectangle::new([(l, b.q1), (r, b.q3)], colour.stroke_width(2))))?;
            chart.draw_series(std::iter::once(PathElement::new(vec![(l, b.median), (r, b.median)], BLACK.stroke_width(3))))?;
            for (from, to) in [(b.q3, b.hi), (b.q1, b.lo)] {
                chart.draw_series(std::iter::once(PathElement::new(vec![(*c, from), (*c, to)], colour.stroke_width(2))))?;
                chart.draw_series(std::iter::once(PathElement::new(vec![(c - 0.15, to), (c + 0.15, to)], colour.stroke_width(2))))?;
            }
            chart.draw_series(std::iter::once(Polygon::new(
                vec![(*c, b.mean + pad * 0.25), (c + 0.08, b.mean), (*c, b.mean - pad * 0.25), (c - 0.08, b.mean)],
                BLACK.filled(),
            )))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_statistics_by_hand() {
        // 1..=10 and an outlier: quartiles 3.5, 6, 8.5 (linear interpolation); IQR 5, so the
        // upper whisker stops at 10 and 100 is beyond it.
        let mut v: Vec<f64> = (1..=10).map(f64::from).collect();
        v.push(100.0);
        let b = BoxStat::of("x", &v).unwrap();
        assert_eq!((b.q1, b.median, b.q3, b.lo, b.hi, b.n), (3.5, 6.0, 8.5, 1.0, 10.0, 11));
        assert!((b.mean - 155.0 / 11.0).abs() < 1e-12);
        assert!(BoxStat::of("e", &[f64::NAN]).is_none());
    }
}

//! The charts: each a function from a [`Study`] to an SVG document drawn with `plotters`'
//! SVG backend (text is emitted as SVG `<text>` elements, so no font files or graphics
//! libraries are needed).
//!
//! Every chart has a title, a subtitle saying which runs it covers, axis labels with units and
//! a legend where there is more than one series. Blocs keep their colour
//! ([`crate::palette::bloc_colour`]) and outcomes theirs in every chart. Inputs are checked
//! before drawing (non-finite values dropped, empty or zero-width ranges widened), so no
//! study's numbers can make a chart panic.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::PlotError;
use crate::folder::{Counts, FanPoint, Kind, OUTCOMES, Prob, Study, TICKS_PER_YEAR, quantile};
use crate::palette as pal;

/// Width of every chart, pixels.
pub const WIDTH: u32 = 960;
/// Height of every chart, pixels.
pub const HEIGHT: u32 = 560;

/// One rendered chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Chart {
    /// File name in `plots/` (e.g. `outcomes.svg`).
    pub file: String,
    /// Title (also the SVG's `<title>`).
    pub title: String,
    /// How to read it, for the report's figure caption.
    pub caption: String,
    /// The SVG document.
    pub svg: String,
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult<T = ()> = Result<T, DrawingAreaErrorKind<std::io::Error>>;

fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font()).color(&pal::INK)
}

fn title_font() -> TextStyle<'static> {
    TextStyle::from(FontDesc::new(FontFamily::SansSerif, 30.0, FontStyle::Bold)).color(&pal::INK)
}

fn subtitle_font() -> TextStyle<'static> {
    TextStyle::from(("sans-serif", 20.0).into_font()).color(&pal::GREY)
}

fn axis_font() -> TextStyle<'static> {
    font(22.0)
}

fn tick_font() -> TextStyle<'static> {
    font(19.0)
}

fn legend_font() -> TextStyle<'static> {
    font(19.0)
}

/// Draws a chart into a fresh SVG document: title and subtitle on top, `draw` in the middle,
/// the legend `keys` in rows below.
fn render(
    file: &str,
    title: &str,
    subtitle: &str,
    caption: String,
    keys: &[Key],
    draw: impl FnOnce(&Area) -> DrawResult,
) -> Result<Chart, PlotError> {
    let (_, rows) = legend_layout(keys);
    let legend_height = if rows == 0 { 0 } else { rows * LEGEND_ROW + 12 };
    let height = HEIGHT + legend_height as u32;
    let mut buf = String::new();
    let result = (|| -> DrawResult {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE)?;
        root.draw(&Text::new(title.to_string(), (24, 14), title_font()))?;
        root.draw(&Text::new(subtitle.to_string(), (24, 52), subtitle_font()))?;
        let (_, rest) = root.split_vertically(84);
        let (body, legend) = rest.split_vertically(HEIGHT as i32 - 84);
        draw(&body)?;
        draw_keys(&legend, keys)?;
        root.present()?;
        Ok(())
    })();
    result.map_err(|e| PlotError::Draw {
        name: file.to_string(),
        message: e.to_string(),
    })?;
    Ok(Chart {
        file: file.to_string(),
        title: title.to_string(),
        caption,
        svg: with_title(&buf, title),
    })
}

/// Inserts `<title>` (the accessible name) right after the `<svg …>` opening tag.
fn with_title(svg: &str, title: &str) -> String {
    match svg.find('>') {
        Some(end) => format!(
            "{}>\n<title>{}</title>{}",
            &svg[..end],
            xml_escape(title),
            &svg[end + 1..]
        ),
        None => svg.to_string(),
    }
}

/// Escapes text for XML and HTML.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A range `lo..hi` made safe to draw: finite, and at least `min_width` wide.
fn safe_range(lo: f64, hi: f64, min_width: f64) -> std::ops::Range<f64> {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if hi - lo < min_width {
        let mid = (lo + hi) / 2.0;
        lo = mid - min_width / 2.0;
        hi = mid + min_width / 2.0;
    }
    lo..hi
}

/// The smallest and largest of `values` (ignoring non-finite ones).
fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|x| x.is_finite())
        .fold(None, |acc, x| match acc {
            None => Some((x, x)),
            Some((lo, hi)) => Some((lo.min(x), hi.max(x))),
        })
}

/// `0.532` → `53.2%`.
pub fn percent(p: f64) -> String {
    format!("{:.1}%", p * 100.0)
}

/// A year for a label: `2029.08` → `2029.1`.
fn year_label(y: f64) -> String {
    format!("{y:.1}")
}

/// A large count in words a reader parses at a glance: `1.5k`, `20M`, `3B`.
pub fn human(x: f64) -> String {
    let (v, suffix) = if x >= 1e9 {
        (x / 1e9, "B")
    } else if x >= 1e6 {
        (x / 1e6, "M")
    } else if x >= 1e3 {
        (x / 1e3, "k")
    } else {
        (x, "")
    };
    let digits = if v >= 100.0 || v == v.round() {
        0
    } else if v >= 10.0 {
        1
    } else {
        2
    };
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}{suffix}")
}

/// The mark drawn next to a legend entry.
#[derive(Clone, Copy, Debug)]
enum Mark {
    /// A filled box (bars, bands).
    Fill(RGBAColor),
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A dotted line.
    Dotted(RGBColor),
    /// A dot.
    Dot(RGBColor),
}

/// One legend entry: a mark and its text. Legends are drawn in rows below the plot, so they
/// never cover data.
#[derive(Clone, Debug)]
struct Key {
    mark: Mark,
    label: String,
}

fn key(mark: Mark, label: impl Into<String>) -> Key {
    Key {
        mark,
        label: label.into(),
    }
}

/// Left edge of legend rows (aligned with the plot area), pixels.
const LEGEND_LEFT: i32 = 108;
/// Height of one legend row, pixels.
const LEGEND_ROW: i32 = 30;

/// The estimated width of a legend entry, pixels (mark, gap, text at ~8.6 px per character).
fn key_width(k: &Key) -> i32 {
    34 + (k.label.chars().count() as f64 * 8.6).ceil() as i32 + 30
}

/// Each key's (row, x) position, and the number of rows.
fn legend_layout(keys: &[Key]) -> (Vec<(i32, i32)>, i32) {
    let right = WIDTH as i32 - 24;
    let mut at = Vec::new();
    let (mut row, mut x) = (0, LEGEND_LEFT);
    for k in keys {
        let w = key_width(k);
        if x > LEGEND_LEFT && x + w > right {
            row += 1;
            x = LEGEND_LEFT;
        }
        at.push((row, x));
        x += w;
    }
    let rows = if keys.is_empty() { 0 } else { row + 1 };
    (at, rows)
}

fn draw_keys(area: &Area, keys: &[Key]) -> DrawResult {
    let (at, _) = legend_layout(keys);
    for (k, &(row, x)) in keys.iter().zip(&at) {
        let y = row * LEGEND_ROW + LEGEND_ROW / 2 + 4;
        match k.mark {
            Mark::Fill(c) => {
                area.draw(&Rectangle::new([(x, y - 8), (x + 24, y + 8)], c.filled()))?;
            }
            Mark::Line(c) => {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + 24, y)],
                    c.stroke_width(4),
                ))?;
            }
            Mark::Dashed(c) => {
                for x0 in [x, x + 10, x + 20] {
                    area.draw(&PathElement::new(
                        vec![(x0, y), (x0 + 6, y)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Mark::Dotted(c) => {
                for x0 in [x, x + 7, x + 14, x + 21] {
                    area.draw(&PathElement::new(
                        vec![(x0, y), (x0 + 3, y)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Mark::Dot(c) => {
                area.draw(&Circle::new((x + 12, y), 6, c.filled()))?;
            }
        }
        area.draw(&Text::new(
            k.label.clone(),
            (x + 34, y),
            legend_font().pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// A vertical error bar from `lo` to `hi` at `x`, caps `cap` wide (data units).
fn error_bar(x: f64, lo: f64, hi: f64, cap: f64, colour: RGBColor) -> Vec<PathElement<(f64, f64)>> {
    let style = colour.stroke_width(2);
    vec![
        PathElement::new(vec![(x, lo), (x, hi)], style),
        PathElement::new(vec![(x - cap, lo), (x + cap, lo)], style),
        PathElement::new(vec![(x - cap, hi), (x + cap, hi)], style),
    ]
}

/// A label formatter for category `k` at integer x positions.
fn category_label(labels: &[String], x: f64) -> String {
    let k = x.round();
    if (x - k).abs() > 1e-6 || k < 0.0 {
        return String::new();
    }
    labels.get(k as usize).cloned().unwrap_or_default()
}

/// Shortens a label to `max` characters.
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn subtitle(study: &Study, what: &str) -> String {
    format!("{} · seed {} · {}", study.name, study.seed, what)
}

// ---------------------------------------------------------------------------------------------
// Outcome probabilities
// ---------------------------------------------------------------------------------------------

/// The outcome probabilities with 95% error bars: bars per outcome for a run, groups per arm
/// for a sweep, the pooled design for a batch.
pub fn outcomes(study: &Study) -> Result<Chart, PlotError> {
    let groups: Vec<(String, [Prob; 4])> = if study.kind == Kind::Run || study.arms.len() == 1 {
        let single = study
            .arms
            .first()
            .map_or([Prob::of_count(0, 0); 4], |a| a.outcomes);
        vec![(String::new(), single)]
    } else if study.kind == Kind::Batch {
        let runs: u64 = study.arms.iter().map(|a| a.runs).sum();
        let mut pooled = [Prob::of_count(0, 0); 4];
        for (k, slot) in pooled.iter_mut().enumerate() {
            let count: u64 = study
                .arms
                .iter()
                .map(|a| (a.outcomes[k].p * a.runs as f64).round() as u64)
                .sum();
            *slot = Prob::of_count(count, runs);
        }
        vec![(String::new(), pooled)]
    } else {
        study
            .arms
            .iter()
            .map(|a| (short(&study.arm_label(a.index), 18), a.outcomes))
            .collect()
    };
    let what = match study.kind {
        Kind::Run => format!("{} runs", study.runs),
        Kind::Sweep => format!("{} arms × {} runs", study.arms.len(), study.runs),
        Kind::Batch => format!(
            "{} design points × {} runs, pooled",
            study.arms.len(),
            study.runs
        ),
    };
    let top = groups
        .iter()
        .flat_map(|(_, o)| o.iter().map(|p| p.hi))
        .fold(0.0, f64::max);
    let y_max = (top + 0.12).clamp(0.15, 1.08);
    let caption = "Share of runs ending in each outcome — none: no bloc reached the threshold; \
                   unipolar: the first bloc to cross had the decisive window to itself; \
                   bipolar: exactly one rival crossed inside the window; multipolar: two or \
                   more did. Black bars are 95% confidence intervals (Wilson)."
        .to_string();
    let keys: Vec<Key> = if groups.len() == 1 {
        Vec::new()
    } else {
        OUTCOMES
            .iter()
            .enumerate()
            .map(|(k, o)| key(Mark::Fill(pal::outcome_colour(k).to_rgba()), *o))
            .collect()
    };
    render(
        "outcomes.svg",
        "Outcome probabilities",
        &subtitle(study, &what),
        caption,
        &keys,
        |area| {
            if groups.len() == 1 {
                let o = groups[0].1;
                let labels: Vec<String> = OUTCOMES.iter().map(|s| s.to_string()).collect();
                let mut chart = ChartBuilder::on(area)
                    .margin_left(16)
                    .margin_right(28)
                    .margin_bottom(10)
                    .x_label_area_size(56)
                    .y_label_area_size(92)
                    .build_cartesian_2d(-0.6f64..3.6, 0f64..y_max)?;
                chart
                    .configure_mesh()
                    .disable_x_mesh()
                    .light_line_style(TRANSPARENT)
                    .bold_line_style(pal::LIGHT_GREY)
                    .x_labels(6)
                    .y_labels(8)
                    .x_label_formatter(&|x| category_label(&labels, *x))
                    .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
                    .x_desc("Outcome")
                    .y_desc("Probability (% of runs)")
                    .axis_desc_style(axis_font())
                    .label_style(tick_font())
                    .draw()?;
                for (k, p) in o.iter().enumerate() {
                    let x = k as f64;
                    chart.draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.34, 0.0), (x + 0.34, p.p)],
                        pal::outcome_colour(k).filled(),
                    )))?;
                    chart.draw_series(error_bar(x, p.lo, p.hi, 0.08, pal::INK))?;
                    chart.draw_series(std::iter::once(Text::new(
                        percent(p.p),
                        (x, p.hi + 0.012 * y_max),
                        font(20.0).pos(Pos::new(HPos::Center, VPos::Bottom)),
                    )))?;
                }
                return Ok(());
            }
            let labels: Vec<String> = groups.iter().map(|(l, _)| l.clone()).collect();
            let n = groups.len() as f64;
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(28)
                .margin_bottom(10)
                .x_label_area_size(56)
                .y_label_area_size(92)
                .build_cartesian_2d(-0.6f64..n - 0.4, 0f64..y_max)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(pal::LIGHT_GREY)
                .x_labels(groups.len() + 2)
                .y_labels(8)
                .x_label_formatter(&|x| category_label(&labels, *x))
                .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
                .x_desc("Arm")
                .y_desc("Probability (% of runs)")
                .axis_desc_style(axis_font())
                .label_style(tick_font())
                .draw()?;
            let width = 0.8 / 4.0;
            for (k, name) in OUTCOMES.iter().enumerate() {
                let colour = pal::outcome_colour(k);
                let offset = (k as f64 - 1.5) * width;
                let _ = name;
                chart.draw_series(groups.iter().enumerate().map(|(g, (_, o))| {
                    let x = g as f64 + offset;
                    Rectangle::new(
                        [(x - width * 0.45, 0.0), (x + width * 0.45, o[k].p)],
                        colour.filled(),
                    )
                }))?;
                for (g, (_, o)) in groups.iter().enumerate() {
                    let x = g as f64 + offset;
                    chart.draw_series(error_bar(x, o[k].lo, o[k].hi, width * 0.2, pal::INK))?;
                }
            }
            Ok(())
        },
    )
}

/// Per bloc: P(it crosses first) and P(it crosses first and alone: unipolar), with 95%
/// intervals; each bar is labelled under the axis, so there is no legend to cover them.
pub fn leaders(study: &Study) -> Result<Option<Chart>, PlotError> {
    let Some(s) = &study.reference else {
        return Ok(None);
    };
    type Shares = std::collections::BTreeMap<String, polarity_runner::summary::Proportion>;
    let get = |m: &Shares, b: &str| {
        m.get(b).map_or(Prob::of_count(0, 0), |x| Prob {
            p: x.probability,
            lo: x.ci95_lo,
            hi: x.ci95_hi,
        })
    };
    // Bars at x = 3b (leads) and 3b + 1 (alone); 3b + 2 is the gap between blocs.
    let mut bars: Vec<(f64, Prob, usize, bool)> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    for (b, id) in study.blocs.iter().enumerate() {
        let name = short(id, 12);
        bars.push(((3 * b) as f64, get(&s.leader, id), b, true));
        bars.push(((3 * b + 1) as f64, get(&s.unipolar_by_leader, id), b, false));
        labels.extend([
            format!("{name} leads"),
            format!("{name} alone"),
            String::new(),
        ]);
    }
    let top = bars.iter().map(|r| r.1.hi).fold(0.0, f64::max);
    let y_max = (top + 0.12).clamp(0.15, 1.08);
    let x_max = (3 * study.blocs.len()) as f64 - 1.4;
    let caption = "For each bloc, the share of runs in which it crossed the threshold first                    (\"leads\", solid bar) and the share in which it crossed first and no rival                    crossed within the decisive window (\"alone\": a unipolar world led by it,                    light bar), with 95% confidence intervals."
        .to_string();
    render(
        "leaders.svg",
        "Who leads",
        &subtitle(study, &study.charted_runs()),
        caption,
        &[],
        |area| {
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(28)
                .margin_bottom(10)
                .x_label_area_size(56)
                .y_label_area_size(92)
                .build_cartesian_2d(-0.6f64..x_max, 0f64..y_max)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(pal::LIGHT_GREY)
                .x_labels(labels.len() + 2)
                .y_labels(8)
                .x_label_formatter(&|x| category_label(&labels, *x))
                .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
                .x_desc("Bloc")
                .y_desc("Probability (% of runs)")
                .axis_desc_style(axis_font())
                .label_style(tick_font())
                .draw()?;
            for &(x, p, b, solid) in &bars {
                let colour = pal::bloc_colour(b);
                let fill = if solid {
                    colour.filled()
                } else {
                    colour.mix(0.35).filled()
                };
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.36, 0.0), (x + 0.36, p.p)],
                    fill,
                )))?;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - 0.36, 0.0), (x + 0.36, p.p)],
                    colour.stroke_width(2),
                )))?;
                chart.draw_series(error_bar(x, p.lo, p.hi, 0.08, pal::INK))?;
                chart.draw_series(std::iter::once(Text::new(
                    percent(p.p),
                    (x, p.hi + 0.012 * y_max),
                    font(19.0).pos(Pos::new(HPos::Center, VPos::Bottom)),
                )))?;
            }
            Ok(())
        },
    )
    .map(Some)
}

// ---------------------------------------------------------------------------------------------
// Crossing years and lags
// ---------------------------------------------------------------------------------------------

/// The year range the crossing charts span: the scenario's start to horizon, widened to
/// every crossing.
fn crossing_years(study: &Study) -> std::ops::Range<f64> {
    let data = extent(
        study
            .runs_data
            .crossing
            .iter()
            .flat_map(|c| c.keys().map(|&t| t as f64 / TICKS_PER_YEAR)),
    );
    let (mut lo, mut hi) = match (&study.scenario, data) {
        (Some(s), Some((a, b))) => (s.start_year.min(a), s.horizon_year.max(b)),
        (Some(s), None) => (s.start_year, s.horizon_year),
        (None, Some((a, b))) => (a, b),
        (None, None) => (0.0, 1.0),
    };
    lo = lo.floor();
    hi = (hi + 0.25).ceil();
    safe_range(lo, hi, 1.0)
}

/// One bloc's legend text: how often it crosses and its median crossing year.
fn bloc_crossing_label(study: &Study, b: usize) -> String {
    let counts = &study.runs_data.crossing[b];
    let n: u64 = counts.values().sum();
    let share = if study.runs_data.runs > 0 {
        n as f64 / study.runs_data.runs as f64
    } else {
        0.0
    };
    match quantile(counts, 1, 2) {
        Some(t) => format!(
            "{}: crosses in {} of runs, median {}",
            study.blocs[b],
            percent(share),
            year_label(t as f64 / TICKS_PER_YEAR)
        ),
        None => format!("{}: never crosses", study.blocs[b]),
    }
}

/// Each bloc's crossing-year distribution as a histogram of quarter-year bins (share of all
/// charted runs per quarter).
pub fn crossing_histogram(study: &Study) -> Result<Chart, PlotError> {
    let runs = study.runs_data.runs.max(1) as f64;
    let x = crossing_years(study);
    // Per bloc: (bin start year, share of runs).
    let bins: Vec<Vec<(f64, f64)>> = study
        .runs_data
        .crossing
        .iter()
        .map(|counts| {
            let mut per_bin: Counts = Counts::new();
            for (&tick, &c) in counts {
                *per_bin.entry(tick.div_euclid(12)).or_insert(0) += c;
            }
            per_bin
                .into_iter()
                .map(|(q, c)| (q as f64 / 4.0, c as f64 / runs))
                .collect()
        })
        .collect();
    let top = bins
        .iter()
        .flat_map(|b| b.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    let y_max = (top * 1.25).max(0.01);
    let caption = format!(
        "When each bloc first reaches the capability threshold: the share of {} in which it \
         crosses in each quarter-year. Runs in which a bloc never crosses are not drawn; the \
         legend gives the share of runs in which it crosses at all and its median crossing \
         year.",
        study.charted_runs()
    );
    let keys: Vec<Key> = (0..study.blocs.len())
        .map(|b| {
            key(
                Mark::Line(pal::bloc_colour(b)),
                bloc_crossing_label(study, b),
            )
        })
        .collect();
    render(
        "crossing-years.svg",
        "When each bloc crosses the threshold",
        &subtitle(study, &study.charted_runs()),
        caption,
        &keys,
        |area| {
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(28)
                .margin_bottom(10)
                .x_label_area_size(56)
                .y_label_area_size(92)
                .build_cartesian_2d(x.clone(), 0f64..y_max)?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(pal::LIGHT_GREY)
                .x_labels(14)
                .y_labels(8)
                .x_label_formatter(&|v| format!("{v:.0}"))
                .y_label_formatter(&|y| format!("{:.1}%", y * 100.0))
                .x_desc("Year the bloc crosses the threshold")
                .y_desc("Share of runs per quarter-year")
                .axis_desc_style(axis_font())
                .label_style(tick_font())
                .draw()?;
            for (b, bins) in bins.iter().enumerate() {
                let colour = pal::bloc_colour(b);
                chart.draw_series(bins.iter().map(|&(y0, share)| {
                    Rectangle::new([(y0, 0.0), (y0 + 0.25, share)], colour.mix(0.22).filled())
                }))?;
                chart.draw_series(LineSeries::new(
                    step_outline(bins, 0.25),
                    colour.stroke_width(3),
                ))?;
            }
            Ok(())
        },
    )
}

/// The outline of a histogram of bins `width` wide: a step path down to 0 between gaps.
fn step_outline(bins: &[(f64, f64)], width: f64) -> Vec<(f64, f64)> {
    let mut path = Vec::new();
    let mut last_end: Option<f64> = None;
    for &(x0, h) in bins {
        match last_end {
            Some(end) if (x0 - end).abs() < 1e-9 => {}
            Some(end) => {
                path.push((end, 0.0));
                path.push((x0, 0.0));
            }
            None => path.push((x0, 0.0)),
        }
        path.push((x0, h));
        path.push((x0 + width, h));
        last_end = Some(x0 + width);
    }
    if let Some(end) = last_end {
        path.push((end, 0.0));
    }
    path
}

/// Each bloc's cumulative share of runs in which it has crossed by each year.
pub fn crossing_cdf(study: &Study) -> Result<Chart, PlotError> {
    let runs = study.runs_data.runs.max(1) as f64;
    let x = crossing_years(study);
    let curves: Vec<Vec<(f64, f64)>> = study
        .runs_data
        .crossing
        .iter()
        .map(|counts| {
            let mut cum = 0u64;
            let mut pts = vec![(x.start, 0.0)];
            for (&tick, &c) in counts {
                let year = tick as f64 / TICKS_PER_YEAR;
                let before = cum as f64 / runs;
                cum += c;
                pts.push((year, before));
                pts.push((year, cum as f64 / runs));
            }
            pts.push((x.end, cum as f64 / runs));
            pts
        })
        .collect();
    let caption = format!(
        "The share of {} in which each bloc has crossed the threshold by a given year. A \
         curve ends at the share of runs in which that bloc crosses at all; where two \
         curves are close, the blocs cross at about the same time.",
        study.charted_runs()
    );
    let keys: Vec<Key> = (0..study.blocs.len())
        .map(|b| {
            key(
                Mark::Line(pal::bloc_colour(b)),
                bloc_crossing_label(study, b),
            )
        })
        .collect();
    render(
        "crossing-cdf.svg",
        "Share of runs in which each bloc has crossed, by year",
        &subtitle(study, &study.charted_runs()),
        caption,
        &keys,
        |area| {
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(28)
                .margin_bottom(10)
                .x_label_area_size(56)
                .y_label_area_size(92)
                .build_cartesian_2d(x.clone(), 0f64..1.0)?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(pal::LIGHT_GREY)
                .x_labels(14)
                .y_labels(11)
                .x_label_formatter(&|v| format!("{v:.0}"))
                .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
                .x_desc("Year")
                .y_desc("Runs in which the bloc has crossed (%)")
                .axis_desc_style(axis_font())
                .label_style(tick_font())
                .draw()?;
            for (b, pts) in curves.iter().enumerate() {
                let colour = pal::bloc_colour(b);
                chart.draw_series(LineSeries::new(pts.clone(), colour.stroke_width(3)))?;
            }
            Ok(())
        },
    )
}

/// The distribution of the time from the first to the second crossing.
pub fn lag(study: &Study) -> Result<Chart, PlotError> {
    let lag = &study.runs_data.lag;
    let with_second: u64 = lag.values().sum();
    let runs = study.runs_data.runs;
    let max_years = lag
        .keys()
        .next_back()
        .map_or(1.0, |&t| t as f64 / TICKS_PER_YEAR);
    // The finest bin (in ticks) that gives at most 40 bins.
    let bin = [1i64, 4, 12, 24, 48, 96, 240]
        .into_iter()
        .find(|&b| max_years * TICKS_PER_YEAR / b as f64 <= 40.0)
        .unwrap_or(480);
    let width = bin as f64 / TICKS_PER_YEAR;
    let mut per_bin = Counts::new();
    for (&t, &c) in lag {
        *per_bin.entry(t.div_euclid(bin)).or_insert(0) += c;
    }
    let denominator = with_second.max(1) as f64;
    let bars: Vec<(f64, f64)> = per_bin
        .iter()
        .map(|(&k, &c)| (k as f64 * width, c as f64 / denominator))
        .collect();
    let top = bars.iter().map(|b| b.1).fold(0.0, f64::max);
    let y_max = (top * 1.2).max(0.01);
    let x_max = ((max_years + width) * 1.05).max(width * 4.0);
    let median = quantile(lag, 1, 2).map(|t| t as f64 / TICKS_PER_YEAR);
    let share = if runs > 0 {
        with_second as f64 / runs as f64
    } else {
        0.0
    };
    let what = format!(
        "{} of {} runs ({}) had a second crossing",
        with_second,
        runs,
        percent(share)
    );
    let caption = format!(
        "How long the first bloc to cross kept the field to itself: the time until a second \
         bloc crossed, over the {with_second} of {} with a second crossing (bins of {} \
         year). The dashed line is the median. Runs without a second crossing are not drawn.",
        study.charted_runs(),
        human(width)
    );
    let mut keys = vec![key(Mark::Fill(pal::GREY.mix(0.75)), "first-to-second lag")];
    if let Some(m) = median {
        keys.push(key(Mark::Dashed(pal::INK), format!("median {m:.2} years")));
    }
    render(
        "lag.svg",
        "Time from the first to the second crossing",
        &subtitle(study, &what),
        caption,
        &keys,
        |area| {
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(28)
                .margin_bottom(10)
                .x_label_area_size(56)
                .y_label_area_size(92)
                .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(pal::LIGHT_GREY)
                .x_labels(12)
                .y_labels(8)
                .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
                .x_desc("Lag, years")
                .y_desc("Share of runs with a second crossing (%)")
                .axis_desc_style(axis_font())
                .label_style(tick_font())
                .draw()?;
            chart.draw_series(bars.iter().map(|&(x0, h)| {
                Rectangle::new([(x0, 0.0), (x0 + width, h)], pal::GREY.mix(0.75).filled())
            }))?;
            if let Some(m) = median {
                chart.draw_series(DashedLineSeries::new(
                    vec![(m, 0.0), (m, y_max)],
                    10,
                    6,
                    pal::INK.stroke_width(2),
                ))?;
            }
            Ok(())
        },
    )
}

// ---------------------------------------------------------------------------------------------
// Fan charts
// ---------------------------------------------------------------------------------------------

/// The polygon of a band between quantiles `lo` and `hi` (indices into [`FanPoint::q`]),
/// with missing values at `floor`.
fn band(points: &[FanPoint], lo: usize, hi: usize, floor: f64) -> Vec<(f64, f64)> {
    let mut poly: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (p.year, p.q[lo].unwrap_or(floor).max(floor)))
        .collect();
    poly.extend(
        points
            .iter()
            .rev()
            .map(|p| (p.year, p.q[hi].unwrap_or(floor).max(floor))),
    );
    poly
}

/// The file-name-safe form of an id.
pub fn file_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// The threshold marks: a fixed value, or the 5%, 50% and 95% quantiles of its sampled
/// values.
struct Marks {
    threshold: Option<(f64, Option<(f64, f64)>)>,
    decisive: Option<f64>,
}

fn marks(study: &Study) -> Marks {
    let sampled = |c: &Counts| {
        Some((
            quantile(c, 1, 2)? as f64 / 100.0,
            Some((
                quantile(c, 5, 100)? as f64 / 100.0,
                quantile(c, 95, 100)? as f64 / 100.0,
            )),
        ))
    };
    let threshold = study
        .scenario
        .as_ref()
        .and_then(|s| s.threshold)
        .map(|t| (t, None))
        .or_else(|| sampled(&study.runs_data.threshold));
    let decisive = match (&study.scenario, threshold) {
        (Some(s), Some((t, None))) if s.decisive_window => s.above_threshold.map(|a| t + a),
        _ => None,
    };
    Marks {
        threshold,
        decisive,
    }
}

/// A fan chart of one bloc's capability over time: median, 50% and 90% bands, threshold and
/// decisive level.
pub fn capability_fan(study: &Study, b: usize, file: &str) -> Result<Option<Chart>, PlotError> {
    let Some(points) = study.fan.as_ref().and_then(|f| f.capability.get(b)) else {
        return Ok(None);
    };
    let points: Vec<FanPoint> = points
        .iter()
        .filter(|p| p.year.is_finite())
        .cloned()
        .collect();
    if points.is_empty() {
        return Ok(None);
    }
    let bloc = &study.blocs[b];
    let colour = pal::bloc_colour(b);
    let m = marks(study);
    let mut ys: Vec<f64> = points
        .iter()
        .flat_map(|p| p.q.iter().flatten().copied())
        .collect();
    if let Some((t, range)) = m.threshold {
        ys.push(t);
        if let Some((lo, hi)) = range {
            ys.extend([lo, hi]);
        }
    }
    ys.extend(m.decisive);
    let (lo, hi) = extent(ys).unwrap_or((0.0, 1.0));
    let pad = ((hi - lo) * 0.06).max(0.5);
    let y = safe_range(lo - pad, hi + pad, 1.0);
    let x = safe_range(
        points.first().map_or(0.0, |p| p.year),
        points.last().map_or(1.0, |p| p.year),
        1.0,
    );
    let threshold_text = match m.threshold {
        Some((t, None)) => format!("The dashed line is the threshold ({t})"),
        Some((t, Some((a, b)))) => format!(
            "The threshold varies between runs: the dashed line is its median ({t}) and the \
             grey band holds 90% of the sampled thresholds ({a} to {b})"
        ),
        None => "The threshold is not marked (scenario.ron was not found)".to_string(),
    };
    let decisive_text = match m.decisive {
        Some(d) => format!("; the dotted line is the decisive level ({d})."),
        None => match &study.scenario {
            Some(s) if s.decisive_window => {
                "; the decisive level (threshold plus a margin) varies between runs, so it is \
                 not drawn."
                    .to_string()
            }
            _ => ".".to_string(),
        },
    };
    let caption = format!(
        "The frontier capability of {bloc} (the best of its labs, in capability points: log10 \
         of effective training compute) across {}: the line is the median run, the dark band \
         holds the middle 50% of runs and the light band 90%. {threshold_text}{decisive_text}",
        study.fan_runs()
    );
    let floor = y.start;
    let mut keys = vec![
        key(Mark::Line(colour), format!("{bloc}: median")),
        key(Mark::Fill(colour.mix(0.38)), "50% of runs"),
        key(Mark::Fill(colour.mix(0.18)), "90% of runs"),
    ];
    match m.threshold {
        Some((t, None)) => keys.push(key(Mark::Dashed(pal::INK), format!("threshold {t}"))),
        Some((t, Some(_))) => {
            keys.push(key(
                Mark::Dashed(pal::INK),
                format!("threshold, median {t}"),
            ));
            keys.push(key(
                Mark::Fill(pal::GREY.mix(0.25)),
                "threshold, 90% of runs",
            ));
        }
        None => {}
    }
    if let Some(d) = m.decisive {
        keys.push(key(Mark::Dotted(pal::INK), format!("decisive level {d}")));
    }
    render(
        file,
        &format!("Capability of {bloc} over time"),
        &subtitle(
            study,
            &format!("{}: median, 50% and 90% of runs", study.fan_runs()),
        ),
        caption,
        &keys,
        |area| {
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(28)
                .margin_bottom(10)
                .x_label_area_size(56)
                .y_label_area_size(92)
                .build_cartesian_2d(x.clone(), y.clone())?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(pal::LIGHT_GREY)
                .x_labels(14)
                .y_labels(10)
                .x_label_formatter(&|v| format!("{v:.0}"))
                .y_label_formatter(&|v| format!("{v:.0}"))
                .x_desc("Year")
                .y_desc("Capability (points: log10 effective FLOP)")
                .axis_desc_style(axis_font())
                .label_style(tick_font())
                .draw()?;
            if let Some((_, Some((a, b)))) = m.threshold {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x.start, a), (x.end, b)],
                    pal::GREY.mix(0.14).filled(),
                )))?;
            }
            chart.draw_series(std::iter::once(Polygon::new(
                band(&points, 0, 4, floor),
                colour.mix(0.18).filled(),
            )))?;
            chart.draw_series(std::iter::once(Polygon::new(
                band(&points, 1, 3, floor),
                colour.mix(0.38).filled(),
            )))?;
            chart.draw_series(LineSeries::new(
                points
                    .iter()
                    .filter_map(|p| p.q[2].map(|v| (p.year, v.max(floor)))),
                colour.stroke_width(3),
            ))?;
            if let Some((t, _)) = m.threshold {
                chart.draw_series(DashedLineSeries::new(
                    vec![(x.start, t), (x.end, t)],
                    12,
                    7,
                    pal::INK.stroke_width(2),
                ))?;
            }
            if let Some(d) = m.decisive {
                chart.draw_series(DashedLineSeries::new(
                    vec![(x.start, d), (x.end, d)],
                    3,
                    5,
                    pal::INK.stroke_width(2),
                ))?;
            }
            Ok(())
        },
    )
    .map(Some)
}

/// Every bloc's chip stock over time on a log scale: median line and 50% and 90% bands.
pub fn chip_stock(study: &Study) -> Result<Option<Chart>, PlotError> {
    let Some(fan) = &study.fan else {
        return Ok(None);
    };
    let series: Vec<Vec<FanPoint>> = fan
        .chip_stock
        .iter()
        .map(|s| s.iter().filter(|p| p.year.is_finite()).cloned().collect())
        .collect();
    let positive = series
        .iter()
        .flat_map(|s| s.iter().flat_map(|p| p.q.iter().flatten().copied()))
        .filter(|&v| v > 0.0);
    let Some((lo, hi)) = extent(positive) else {
        return Ok(None);
    };
    let y_lo = 10f64.powf((lo * 0.7).log10().floor());
    let y_hi = 10f64.powf((hi * 1.4).log10().ceil()).max(y_lo * 10.0);
    let years = extent(series.iter().flat_map(|s| s.iter().map(|p| p.year)));
    let (x0, x1) = years.unwrap_or((0.0, 1.0));
    let x = safe_range(x0, x1, 1.0);
    let caption = format!(
        "Each bloc's stock of AI chips, in H100-equivalents (H100e: one Nvidia H100's \
         training throughput), on a logarithmic scale, across {}: lines are the median run, \
         dark bands the middle 50% of runs and light bands 90%.",
        study.fan_runs()
    );
    let mut keys: Vec<Key> = (0..study.blocs.len())
        .map(|b| {
            key(
                Mark::Line(pal::bloc_colour(b)),
                format!("{}: median", study.blocs[b]),
            )
        })
        .collect();
    keys.push(key(Mark::Fill(pal::GREY.mix(0.4)), "50% of runs"));
    keys.push(key(Mark::Fill(pal::GREY.mix(0.15)), "90% of runs"));
    render(
        "chip-stock.svg",
        "Chip stock per bloc over time",
        &subtitle(
            study,
            &format!("{}: median, 50% and 90% of runs", study.fan_runs()),
        ),
        caption,
        &keys,
        |area| {
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(28)
                .margin_bottom(10)
                .x_label_area_size(56)
                .y_label_area_size(92)
                .build_cartesian_2d(x.clone(), (y_lo..y_hi).log_scale())?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(pal::LIGHT_GREY)
                .x_labels(14)
                .y_labels(10)
                .x_label_formatter(&|v| format!("{v:.0}"))
                .y_label_formatter(&|v| human(*v))
                .x_desc("Year")
                .y_desc("Chip stock (H100e, log scale)")
                .axis_desc_style(axis_font())
                .label_style(tick_font())
                .draw()?;
            for (b, points) in series.iter().enumerate() {
                let colour = pal::bloc_colour(b);
                chart.draw_series(std::iter::once(Polygon::new(
                    band(points, 0, 4, y_lo),
                    colour.mix(0.12).filled(),
                )))?;
                chart.draw_series(std::iter::once(Polygon::new(
                    band(points, 1, 3, y_lo),
                    colour.mix(0.3).filled(),
                )))?;
            }
            for (b, points) in series.iter().enumerate() {
                let colour = pal::bloc_colour(b);
                chart.draw_series(LineSeries::new(
                    points
                        .iter()
                        .filter_map(|p| p.q[2].map(|v| (p.year, v.max(y_lo)))),
                    colour.stroke_width(3),
                ))?;
            }
            Ok(())
        },
    )
    .map(Some)
}

// ---------------------------------------------------------------------------------------------
// Sweeps and batches
// ---------------------------------------------------------------------------------------------

/// The x positions of a sweep's arms: the swept value when there is one numeric setting,
/// else the arm number (with labels).
fn sweep_axis(study: &Study) -> (Vec<f64>, Option<Vec<String>>, String) {
    if study.setting_columns.len() == 1 {
        let values: Option<Vec<f64>> = study
            .arms
            .iter()
            .map(|a| {
                a.settings
                    .first()
                    .and_then(|s| s.trim().parse::<f64>().ok())
            })
            .map(|v| v.filter(|x| x.is_finite()))
            .collect();
        if let Some(values) = values {
            return (values, None, study.setting_columns[0].clone());
        }
    }
    let labels = (0..study.arms.len())
        .map(|k| short(&study.arm_label(k), 16))
        .collect();
    (
        (0..study.arms.len()).map(|k| k as f64).collect(),
        Some(labels),
        "Arm".to_string(),
    )
}

/// A sweep's outcome probabilities against the swept value, one line per outcome with its
/// 95% band.
pub fn sweep_outcomes(study: &Study) -> Result<Chart, PlotError> {
    let (xs, labels, x_desc) = sweep_axis(study);
    let mut order: Vec<usize> = (0..xs.len()).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let (x0, x1) = extent(xs.iter().copied()).unwrap_or((0.0, 1.0));
    let pad = ((x1 - x0) * 0.05).max(if labels.is_some() { 0.4 } else { 1e-9 });
    let x = safe_range(x0 - pad, x1 + pad, 1e-6);
    let caption = format!(
        "Each outcome's probability in each arm of the sweep, against {}. Shaded bands are \
         95% confidence intervals (Wilson); every arm ran on the same {} run seeds (common \
         random numbers), so differences between arms are mostly the policy's effect — see \
         the paired contrasts for their intervals.",
        if labels.is_some() {
            "the arm".to_string()
        } else {
            format!("the swept value of {x_desc}")
        },
        study.runs
    );
    let empty = Vec::new();
    let labels_ref = labels.as_ref().unwrap_or(&empty);
    let keys: Vec<Key> = OUTCOMES
        .iter()
        .enumerate()
        .map(|(k, o)| key(Mark::Line(pal::outcome_colour(k)), *o))
        .chain(std::iter::once(key(
            Mark::Fill(pal::GREY.mix(0.2)),
            "95% confidence band",
        )))
        .collect();
    render(
        "sweep-outcomes.svg",
        "Outcome probabilities across the sweep",
        &subtitle(
            study,
            &format!("{} arms × {} runs", study.arms.len(), study.runs),
        ),
        caption,
        &keys,
        |area| {
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(28)
                .margin_bottom(10)
                .x_label_area_size(56)
                .y_label_area_size(92)
                .build_cartesian_2d(x.clone(), 0f64..1.0)?;
            let mut mesh = chart.configure_mesh();
            mesh.light_line_style(TRANSPARENT)
                .bold_line_style(pal::LIGHT_GREY)
                .y_labels(11)
                .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
                .x_desc(short(&x_desc, 60))
                .y_desc("Probability (% of runs)")
                .axis_desc_style(axis_font())
                .label_style(tick_font());
            let formatter = |v: &f64| category_label(labels_ref, *v);
            if labels.is_some() {
                mesh.x_labels(xs.len() + 2).x_label_formatter(&formatter);
            } else {
                mesh.x_labels(10);
            }
            mesh.draw()?;
            for k in 0..OUTCOMES.len() {
                let colour = pal::outcome_colour(k);
                let mut poly: Vec<(f64, f64)> = order
                    .iter()
                    .map(|&i| (xs[i], study.arms[i].outcomes[k].lo))
                    .collect();
                poly.extend(
                    order
                        .iter()
                        .rev()
                        .map(|&i| (xs[i], study.arms[i].outcomes[k].hi)),
                );
                chart.draw_series(std::iter::once(Polygon::new(
                    poly,
                    colour.mix(0.2).filled(),
                )))?;
                let line: Vec<(f64, f64)> = order
                    .iter()
                    .map(|&i| (xs[i], study.arms[i].outcomes[k].p))
                    .collect();
                chart.draw_series(LineSeries::new(line.clone(), colour.stroke_width(3)))?;
                chart.draw_series(line.iter().map(|&p| Circle::new(p, 5, colour.filled())))?;
            }
            Ok(())
        },
    )
}

/// The colour of a contrast's event: its outcome's, or the leading bloc's.
fn event_colour(study: &Study, event: &str) -> RGBColor {
    if let Some(k) = OUTCOMES.iter().position(|o| *o == event) {
        return pal::outcome_colour(k);
    }
    if let Some(bloc) = event.strip_prefix("unipolar_led_by_")
        && let Some(b) = study.blocs.iter().position(|x| x == bloc)
    {
        return pal::bloc_colour(b);
    }
    pal::GREY
}

/// A sweep's paired contrasts: each arm's difference from the reference arm per event, with
/// 95% intervals for paired proportions.
pub fn contrasts(study: &Study) -> Result<Chart, PlotError> {
    let mut events: Vec<String> = Vec::new();
    for c in &study.contrasts {
        if !events.contains(&c.event) {
            events.push(c.event.clone());
        }
    }
    let arms: Vec<usize> = {
        let mut a: Vec<usize> = study.contrasts.iter().map(|c| c.arm).collect();
        a.sort_unstable();
        a.dedup();
        a
    };
    let labels: Vec<String> = (0..study.arms.len().max(arms.last().map_or(0, |a| a + 1)))
        .map(|k| short(&study.arm_label(k), 16))
        .collect();
    let (lo, hi) = extent(
        study
            .contrasts
            .iter()
            .filter_map(|c| c.difference)
            .flat_map(|d| [d.lo, d.hi]),
    )
    .unwrap_or((-0.05, 0.05));
    let span = (hi.max(0.0) - lo.min(0.0)).max(0.02);
    let y = safe_range(lo.min(0.0) - span * 0.08, hi.max(0.0) + span * 0.08, 0.01);
    let x0 = arms.first().copied().unwrap_or(1) as f64;
    let x1 = arms.last().copied().unwrap_or(1) as f64;
    let x = x0 - 0.6..x1 + 0.6;
    let width = 0.8 / events.len().max(1) as f64;
    let caption = "The difference each arm makes against the reference arm (arm 0), in \
                   percentage points of probability, for each outcome and for \"unipolar, led \
                   by this bloc\". Bars are 95% confidence intervals for paired proportions \
                   (Newcombe's method): both arms ran on the same run seeds, so these are \
                   narrower than for independent samples. An interval that does not cross the \
                   zero line is a difference the runs resolve."
        .to_string();
    let keys: Vec<Key> = events
        .iter()
        .map(|e| key(Mark::Dot(event_colour(study, e)), e.replace('_', " ")))
        .collect();
    render(
        "contrasts.svg",
        "Paired contrasts against the reference arm",
        &subtitle(study, &format!("{} runs per arm", study.runs)),
        caption,
        &keys,
        |area| {
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(28)
                .margin_bottom(10)
                .x_label_area_size(56)
                .y_label_area_size(92)
                .build_cartesian_2d(x.clone(), y.clone())?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(pal::LIGHT_GREY)
                .x_labels(arms.len() + 2)
                .y_labels(10)
                .x_label_formatter(&|v| category_label(&labels, *v))
                .y_label_formatter(&|v| {
                    if span > 0.1 {
                        format!("{:+.0}", v * 100.0)
                    } else {
                        format!("{:+.1}", v * 100.0)
                    }
                })
                .x_desc("Arm (compared with arm 0)")
                .y_desc("Difference (percentage points)")
                .axis_desc_style(axis_font())
                .label_style(tick_font())
                .draw()?;
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x.start, 0.0), (x.end, 0.0)],
                pal::INK.stroke_width(1),
            )))?;
            for (e, event) in events.iter().enumerate() {
                let colour = event_colour(study, event);
                let offset = (e as f64 - (events.len() as f64 - 1.0) / 2.0) * width;
                let rows: Vec<(f64, Prob)> = study
                    .contrasts
                    .iter()
                    .filter(|c| &c.event == event)
                    .filter_map(|c| c.difference.map(|d| (c.arm as f64 + offset, d)))
                    .collect();
                for (px, d) in &rows {
                    chart.draw_series(error_bar(*px, d.lo, d.hi, width * 0.25, colour))?;
                }
                chart.draw_series(
                    rows.iter()
                        .map(|(px, d)| Circle::new((*px, d.p), 6, colour.filled())),
                )?;
            }
            Ok(())
        },
    )
}

/// A batch's outcome probabilities against one design column (`column` is its index), or
/// `None` when its values are not all numbers.
pub fn batch_parameter(
    study: &Study,
    column: usize,
    file: &str,
) -> Result<Option<Chart>, PlotError> {
    let Some(name) = study.setting_columns.get(column) else {
        return Ok(None);
    };
    let xs: Option<Vec<f64>> = study
        .arms
        .iter()
        .map(|a| {
            a.settings
                .get(column)
                .and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|x| x.is_finite())
        })
        .collect();
    let Some(xs) = xs else {
        return Ok(None);
    };
    let (x0, x1) = extent(xs.iter().copied()).unwrap_or((0.0, 1.0));
    let pad = ((x1 - x0) * 0.05).max((x0.abs() * 0.05).max(1e-6));
    let x = safe_range(x0 - pad, x1 + pad, 1e-6);
    let bars = study.arms.len() <= 40;
    let caption = format!(
        "Each design point's outcome probabilities against its value of {name} ({} points \
         of {} runs each; the other design columns vary too, so the spread at one value \
         shows their effect){}.",
        study.arms.len(),
        study.runs,
        if bars {
            "; bars are 95% confidence intervals (Wilson)"
        } else {
            ""
        }
    );
    let keys: Vec<Key> = OUTCOMES
        .iter()
        .enumerate()
        .map(|(k, o)| key(Mark::Dot(pal::outcome_colour(k)), *o))
        .collect();
    render(
        file,
        &format!("Outcomes against {}", short(name, 48)),
        &subtitle(
            study,
            &format!("{} design points × {} runs", study.arms.len(), study.runs),
        ),
        caption,
        &keys,
        |area| {
            let mut chart = ChartBuilder::on(area)
                .margin_left(16)
                .margin_right(28)
                .margin_bottom(10)
                .x_label_area_size(56)
                .y_label_area_size(92)
                .build_cartesian_2d(x.clone(), 0f64..1.0)?;
            chart
                .configure_mesh()
                .light_line_style(TRANSPARENT)
                .bold_line_style(pal::LIGHT_GREY)
                .x_labels(10)
                .y_labels(11)
                .y_label_formatter(&|y| format!("{:.0}%", y * 100.0))
                .x_desc(short(name, 60))
                .y_desc("Probability (% of runs)")
                .axis_desc_style(axis_font())
                .label_style(tick_font())
                .draw()?;
            let cap = (x.end - x.start) * 0.004;
            for k in 0..OUTCOMES.len() {
                let colour = pal::outcome_colour(k);
                if bars {
                    for (a, &px) in study.arms.iter().zip(&xs) {
                        let p = a.outcomes[k];
                        chart.draw_series(error_bar(px, p.lo, p.hi, cap, colour))?;
                    }
                }
                chart.draw_series(study.arms.iter().zip(&xs).map(|(a, &px)| {
                    Circle::new((px, a.outcomes[k].p), 5, colour.mix(0.85).filled())
                }))?;
            }
            Ok(())
        },
    )
    .map(Some)
}

/// Every chart of a study, in report order, with the notes on what was left out.
pub fn all(study: &Study) -> Result<(Vec<Chart>, Vec<String>), PlotError> {
    let mut charts = Vec::new();
    let mut notes = Vec::new();
    charts.push(outcomes(study)?);
    match study.kind {
        Kind::Sweep => {
            charts.push(sweep_outcomes(study)?);
            if study.contrasts.is_empty() {
                notes.push("contrasts.csv has no rows (a sweep of one arm), so there is no contrasts chart.".into());
            } else {
                charts.push(contrasts(study)?);
            }
        }
        Kind::Batch => {
            let mut used = Vec::new();
            for (k, name) in study.setting_columns.iter().enumerate() {
                let file = unique(&format!("batch-{}.svg", file_safe(name)), &mut used);
                match batch_parameter(study, k, &file)? {
                    Some(c) => charts.push(c),
                    None => notes.push(format!(
                        "The design column {name} does not hold plain numbers, so it has no chart."
                    )),
                }
            }
        }
        Kind::Run => {}
    }
    charts.extend(leaders(study)?);
    charts.push(crossing_histogram(study)?);
    charts.push(crossing_cdf(study)?);
    charts.push(lag(study)?);
    let mut used = Vec::new();
    for b in 0..study.blocs.len() {
        let file = unique(
            &format!("capability-{}.svg", file_safe(&study.blocs[b])),
            &mut used,
        );
        charts.extend(capability_fan(study, b, &file)?);
    }
    charts.extend(chip_stock(study)?);
    Ok((charts, notes))
}

/// `name`, or `name` with `-2`, `-3`, … before the extension when it is taken.
fn unique(name: &str, used: &mut Vec<String>) -> String {
    let mut candidate = name.to_string();
    let mut k = 2;
    while used.contains(&candidate) {
        candidate = match name.strip_suffix(".svg") {
            Some(stem) => format!("{stem}-{k}.svg"),
            None => format!("{name}-{k}"),
        };
        k += 1;
    }
    used.push(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_numbers_read_well() {
        assert_eq!(human(1000.0), "1k");
        assert_eq!(human(1_500_000.0), "1.5M");
        assert_eq!(human(20e6), "20M");
        assert_eq!(human(3e9), "3B");
        assert_eq!(human(0.25), "0.25");
        assert_eq!(human(123_456.0), "123k");
    }

    #[test]
    fn ranges_are_always_drawable() {
        assert_eq!(safe_range(f64::NAN, 1.0, 1.0), 0.0..1.0);
        assert_eq!(safe_range(2.0, 2.0, 1.0), 1.5..2.5);
        assert_eq!(safe_range(3.0, 1.0, 1.0), 0.0..1.0);
    }

    #[test]
    fn step_outlines_close_gaps() {
        let path = step_outline(&[(0.0, 1.0), (0.25, 2.0), (1.0, 1.0)], 0.25);
        assert_eq!(path.first(), Some(&(0.0, 0.0)));
        assert_eq!(path.last(), Some(&(1.25, 0.0)));
        assert!(path.contains(&(0.5, 0.0)) && path.contains(&(1.0, 0.0)));
    }

    #[test]
    fn names_are_made_unique_and_safe() {
        let mut used = Vec::new();
        assert_eq!(unique("a.svg", &mut used), "a.svg");
        assert_eq!(unique("a.svg", &mut used), "a-2.svg");
        assert_eq!(file_safe("firms[cn-lab-a].fleet"), "firms_cn-lab-a_.fleet");
        assert_eq!(category_label(&["x".into(), "y".into()], 1.0), "y");
        assert_eq!(category_label(&["x".into()], 0.5), "");
        assert_eq!(category_label(&["x".into()], -1.0), "");
    }
}

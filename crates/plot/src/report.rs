//! `report.html`: one self-contained page a reader can open, print or mail — the study's
//! identity, what the runs say in plain words, the summary tables, every chart (inline SVG),
//! the contrasts of a sweep, how to read it all, and the exact command that reproduces it.
//!
//! The page loads nothing: no scripts, no stylesheets, fonts or images from elsewhere (the
//! charts are inline `<svg>` elements and the style sheet is in the page). Every section has
//! a stable `id` (`study`, `findings`, `summary`, `arms`/`points`, `contrasts`, `charts`,
//! `terms`, `reproduce`) so scripts and tests can find it.

use std::fmt::Write as _;

use polarity_runner::summary::{Distribution, Proportion, Summary};

use crate::charts::{Chart, human, percent, xml_escape as esc};
use crate::folder::{Kind, OUTCOMES, Prob, Study};
use crate::palette as pal;

/// The ids of the sections every report has, in page order.
pub const SECTIONS: [&str; 6] = [
    "study",
    "findings",
    "summary",
    "charts",
    "terms",
    "reproduce",
];

const STYLE: &str = r#"
:root { color-scheme: light; }
body { margin: 0; background: #f6f6f4; color: #222; font: 17px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 28px 48px; background: #fff; }
h1 { font-size: 2rem; margin: 0.4em 0 0.2em; }
h2 { font-size: 1.45rem; margin: 1.8em 0 0.5em; padding-bottom: 0.2em; border-bottom: 2px solid #e3e3e3; }
h3 { font-size: 1.15rem; margin: 1.4em 0 0.4em; }
p.lede { font-size: 1.08rem; color: #444; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 1em 0; }
dl.facts dt { font-weight: 600; color: #555; }
dl.facts dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 0.6em 0 1.2em; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 12px; text-align: right; border-bottom: 1px solid #e3e3e3; }
th { background: #f0f0ee; font-weight: 600; }
th:first-child, td:first-child { text-align: left; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fafaf8; }
.swatch { display: inline-block; width: 0.85em; height: 0.85em; border-radius: 2px; margin-right: 0.4em; vertical-align: -0.05em; }
figure { margin: 1.6em 0; padding: 12px; border: 1px solid #e3e3e3; border-radius: 6px; }
figure svg { display: block; width: 100%; height: auto; }
figcaption { margin-top: 0.6em; color: #444; font-size: 0.97rem; }
pre { background: #f3f3f1; padding: 12px 14px; border-radius: 6px; overflow-x: auto; font-size: 0.93rem; white-space: pre-wrap; overflow-wrap: anywhere; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.note { color: #555; font-size: 0.95rem; }
.wide { overflow-x: auto; }
footer { margin-top: 3em; color: #777; font-size: 0.9rem; }
@media print { body { background: #fff; } main { padding: 0; } figure { break-inside: avoid; } }
"#;

/// The whole page.
pub fn html(study: &Study, charts: &[Chart], notes: &[String]) -> String {
    let mut out = String::new();
    let title = format!("Polarity {}: {}", study.kind.name(), study.name);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(&title)
    );
    header(&mut out, study);
    findings(&mut out, study);
    summary(&mut out, study);
    match study.kind {
        Kind::Sweep => {
            arms_table(&mut out, study);
            contrasts_table(&mut out, study);
        }
        Kind::Batch => points_table(&mut out, study),
        Kind::Run => {}
    }
    charts_section(&mut out, charts, study, notes);
    terms(&mut out, study);
    reproduce(&mut out, study);
    let _ = write!(
        out,
        "<footer>Made by polarity {} from the files in <code>{}</code>. This page loads \
         nothing from the network and runs no scripts.</footer>\n</main>\n</body>\n</html>\n",
        esc(&study.provenance.version),
        esc(&study.dir.display().to_string())
    );
    out
}

fn swatch(colour: plotters::style::RGBColor) -> String {
    format!(
        "<span class=\"swatch\" style=\"background:{}\"></span>",
        pal::hex(colour)
    )
}

fn ci(p: &Prob) -> String {
    format!("{} – {}", percent(p.lo), percent(p.hi))
}

fn prop(p: &Proportion) -> Prob {
    Prob {
        p: p.probability,
        lo: p.ci95_lo,
        hi: p.ci95_hi,
    }
}

fn header(out: &mut String, study: &Study) {
    let p = &study.provenance;
    let heading = match study.kind {
        Kind::Run => format!("Polarity study: {}", study.name),
        Kind::Sweep => format!("Polarity sweep: {}", study.name),
        Kind::Batch => format!("Polarity batch: {}", study.name),
    };
    let _ = write!(out, "<section id=\"study\">\n<h1>{}</h1>\n", esc(&heading));
    let lede = match (&study.scenario, study.kind) {
        (Some(s), Kind::Run) if !s.description.is_empty() => esc(&s.description),
        (_, Kind::Sweep) => format!(
            "A policy experiment: {} arms, each run on the same {} run seeds (common random \
             numbers), compared with arm 0.",
            study.arms.len(),
            study.runs
        ),
        (_, Kind::Batch) => format!(
            "A design-file batch: {} design points of {} runs each, varying {}.",
            study.arms.len(),
            study.runs,
            esc(&study.setting_columns.join(", "))
        ),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "<p class=\"lede\">A Monte Carlo simulation of the race to superhuman AI under chip \
         export controls: each run simulates nations, AI labs and chip fabs until blocs cross a \
         capability threshold, and classifies the world that results. {lede}</p>"
    );
    out.push_str("<dl class=\"facts\">\n");
    let mut fact = |k: &str, v: String| {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), v);
    };
    fact(
        if study.kind == Kind::Run {
            "Scenario"
        } else {
            "Study"
        },
        format!(
            "{} <span class=\"note\">(hash {})</span>",
            esc(&study.name),
            esc(&study.hash)
        ),
    );
    fact("Kind", study.kind.name().to_string());
    fact("Seed", study.seed.to_string());
    fact(
        "Runs",
        match study.kind {
            Kind::Run => study.runs.to_string(),
            Kind::Sweep => format!("{} per arm, {} arms", study.runs, study.arms.len()),
            Kind::Batch => format!("{} per point, {} points", study.runs, study.arms.len()),
        },
    );
    fact(
        "Blocs",
        study
            .blocs
            .iter()
            .enumerate()
            .map(|(b, id)| format!("{}{}", swatch(pal::bloc_colour(b)), esc(id)))
            .collect::<Vec<_>>()
            .join(" &nbsp; "),
    );
    fact(
        "Version",
        format!(
            "polarity {} <span class=\"note\">({})</span>",
            esc(&p.version),
            esc(&p.build)
        ),
    );
    if let Some(shard) = &p.shard {
        fact("Shard", esc(shard));
    }
    fact(
        "Ran",
        format!(
            "{} to {} ({:.1} s on {} threads)",
            esc(&p.started),
            esc(&p.finished),
            p.elapsed_seconds,
            p.threads
        ),
    );
    out.push_str("</dl>\n</section>\n");
}

fn dist_text(d: &Distribution, unit: &str) -> Option<String> {
    Some(format!(
        "{:.2}{unit} (middle half {:.2} to {:.2})",
        d.q50?, d.q25?, d.q75?
    ))
}

fn findings(out: &mut String, study: &Study) {
    out.push_str("<section id=\"findings\">\n<h2>What the runs say</h2>\n");
    match study.kind {
        Kind::Run => {
            if let (Some(s), Some(arm)) = (&study.reference, study.arms.first()) {
                run_findings(out, study, s, arm.outcomes);
            }
        }
        Kind::Sweep => {
            let _ = writeln!(
                out,
                "<p>Arm 0 ({}) is the reference. Against it, with 95% confidence intervals \
                 for paired proportions:</p>\n<ul>",
                esc(&study.arm_label(0))
            );
            for c in study.contrasts.iter().filter(|c| c.event == "unipolar") {
                if let Some(d) = c.difference {
                    let _ = writeln!(
                        out,
                        "<li>arm {} ({}) changes P(unipolar) by <strong>{:+.1} percentage \
                         points</strong> ({:+.1} to {:+.1}){}.</li>",
                        c.arm,
                        esc(&study.arm_label(c.arm)),
                        d.p * 100.0,
                        d.lo * 100.0,
                        d.hi * 100.0,
                        if d.lo > 0.0 || d.hi < 0.0 {
                            ""
                        } else {
                            "; the runs cannot tell this from no change"
                        }
                    );
                }
            }
            out.push_str("</ul>\n");
            if let (Some(s), Some(arm)) = (&study.reference, study.arms.first()) {
                out.push_str("<h3>The reference arm</h3>\n");
                run_findings(out, study, s, arm.outcomes);
            }
        }
        Kind::Batch => {
            for (k, name) in OUTCOMES.iter().enumerate() {
                let ps: Vec<f64> = study.arms.iter().map(|a| a.outcomes[k].p).collect();
                let lo = ps.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = ps.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if lo.is_finite() && hi.is_finite() {
                    let _ = writeln!(
                        out,
                        "<p>P({name}) ranges from <strong>{}</strong> to <strong>{}</strong> \
                         across the {} design points.</p>",
                        percent(lo),
                        percent(hi),
                        study.arms.len()
                    );
                }
            }
        }
    }
    out.push_str("</section>\n");
}

fn run_findings(out: &mut String, study: &Study, s: &Summary, o: [Prob; 4]) {
    let top_leader = s
        .unipolar_by_leader
        .iter()
        .max_by(|a, b| a.1.count.cmp(&b.1.count));
    let led = match top_leader {
        Some((bloc, p)) if p.count > 0 => format!(
            ", most often led by <strong>{}</strong> ({} of all runs)",
            esc(bloc),
            percent(p.probability)
        ),
        _ => String::new(),
    };
    let _ = writeln!(
        out,
        "<p>In <strong>{}</strong> of the {} runs (95% CI {}) one bloc crossed the threshold \
         and no rival followed within the decisive window — a <em>unipolar</em> world{led}. \
         <strong>{}</strong> ended <em>bipolar</em> (one rival crossed in time), {} \
         <em>multipolar</em>, and in <strong>{}</strong> no bloc crossed at all.</p>",
        percent(o[1].p),
        s.runs,
        ci(&o[1]),
        percent(o[2].p),
        percent(o[3].p),
        percent(o[0].p),
    );
    let mut bits = Vec::new();
    if let Some(t) = dist_text(&s.first_crossing_year, "") {
        bits.push(format!("The first crossing comes in {t}"));
    }
    if let Some(t) = dist_text(&s.lag_years, " years") {
        bits.push(format!("when a second bloc crosses, it follows after {t}"));
    }
    if !bits.is_empty() {
        let _ = writeln!(out, "<p>{}.</p>", bits.join("; "));
    }
    let _ = study;
}

fn summary(out: &mut String, study: &Study) {
    out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
    if let Some(arm) = study.arms.first().filter(|_| study.kind != Kind::Batch) {
        let _ = writeln!(
            out,
            "<h3>Outcomes{}</h3>",
            if study.kind == Kind::Sweep {
                " in the reference arm (arm 0)"
            } else {
                ""
            }
        );
        out.push_str(
            "<table>\n<thead><tr><th>outcome</th><th>probability</th><th>95% CI</th>\
             <th>runs</th></tr></thead>\n<tbody>\n",
        );
        for (k, name) in OUTCOMES.iter().enumerate() {
            let p = arm.outcomes[k];
            let _ = writeln!(
                out,
                "<tr><td>{}{name}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                swatch(pal::outcome_colour(k)),
                percent(p.p),
                ci(&p),
                (p.p * arm.runs as f64).round() as u64
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    if let Some(s) = &study.reference {
        out.push_str(
            "<h3>Blocs</h3>\n<div class=\"wide\"><table>\n<thead><tr><th>bloc</th>\
             <th>leads (crosses first)</th><th>unipolar, led by it</th><th>95% CI</th>\
             <th>crosses at all</th><th>median crossing year</th><th>middle half</th>\
             </tr></thead>\n<tbody>\n",
        );
        for (b, id) in s.blocs.iter().enumerate() {
            let lead = s.leader.get(id).map(prop);
            let uni = s.unipolar_by_leader.get(id).map(prop);
            let cross = s.crossing.get(id);
            let year = cross
                .and_then(|c| c.year.q50)
                .map_or("–".into(), |y| format!("{y:.2}"));
            let middle = cross
                .and_then(|c| Some(format!("{:.2} – {:.2}", c.year.q25?, c.year.q75?)))
                .unwrap_or_else(|| "–".into());
            let _ = writeln!(
                out,
                "<tr><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td></tr>",
                swatch(pal::bloc_colour(b)),
                esc(id),
                lead.map_or("–".into(), |p| percent(p.p)),
                uni.map_or("–".into(), |p| percent(p.p)),
                uni.map_or("–".into(), |p| ci(&p)),
                cross.map_or("–".into(), |c| percent(c.crossed.probability)),
                year,
                middle
            );
        }
        out.push_str(
            "</tbody>\n</table></div>\n<h3>Timing</h3>\n<table>\n<thead><tr>\
                      <th>quantity</th><th>runs</th><th>median</th><th>middle half</th>\
                      <th>90% of runs</th></tr></thead>\n<tbody>\n",
        );
        for (name, d, unit) in [
            ("year of the first crossing", &s.first_crossing_year, ""),
            ("first-to-second lag, years", &s.lag_years, ""),
            (
                "follower's capability lag at the first crossing, months",
                &s.follower_lag_months,
                "",
            ),
        ] {
            let f = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.2}{unit}"));
            let _ = writeln!(
                out,
                "<tr><td>{name}</td><td>{}</td><td>{}</td><td>{} – {}</td><td>{} – {}</td></tr>",
                d.count,
                f(d.q50),
                f(d.q25),
                f(d.q75),
                f(d.q05),
                f(d.q95)
            );
        }
        out.push_str("</tbody>\n</table>\n");
        if let Some(p) = &s.precision {
            let _ = writeln!(
                out,
                "<p class=\"note\">The run count was chosen by <code>--precision {}</code>: \
                 a pilot of {} runs asked for {}; {} were run, and the widest 95% half-width \
                 of an outcome probability is {:.4}.</p>",
                p.target_half_width, p.pilot_runs, p.runs_needed, p.runs, p.achieved_half_width
            );
        }
    }
    out.push_str("</section>\n");
}

fn arms_table(out: &mut String, study: &Study) {
    out.push_str("<section id=\"arms\">\n<h2>Arms</h2>\n<div class=\"wide\"><table>\n<thead><tr><th>arm</th>");
    if study.setting_columns.is_empty() {
        out.push_str("<th>scenario</th>");
    }
    for c in &study.setting_columns {
        let _ = write!(out, "<th>{}</th>", esc(c));
    }
    for (k, o) in OUTCOMES.iter().enumerate() {
        let _ = write!(
            out,
            "<th>{}P({o}) [95% CI]</th>",
            swatch(pal::outcome_colour(k))
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for a in &study.arms {
        let _ = write!(out, "<tr><td>{}</td>", a.index);
        if study.setting_columns.is_empty() {
            let _ = write!(out, "<td>{}</td>", esc(&a.scenario));
        }
        for s in &a.settings {
            let _ = write!(out, "<td>{}</td>", esc(s));
        }
        for p in &a.outcomes {
            let _ = write!(out, "<td>{} [{}]</td>", percent(p.p), ci(p));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn contrasts_table(out: &mut String, study: &Study) {
    out.push_str(
        "<section id=\"contrasts\">\n<h2>Paired contrasts against arm 0</h2>\n<p>Each row \
         compares one event in an arm with the same event in the reference arm (arm 0), run \
         by run. The difference is in percentage points; its 95% interval is Newcombe's for \
         paired proportions. <em>Variance reduction</em> is how much narrower pairing made the \
         interval's variance than independent samples would have (empty when undefined).</p>\n\
         <div class=\"wide\"><table>\n<thead><tr><th>arm</th><th>event</th><th>P(arm 0)</th>\
         <th>P(arm)</th><th>difference</th><th>95% CI (paired)</th><th>unpaired CI width</th>\
         <th>variance reduction</th></tr></thead>\n<tbody>\n",
    );
    let pp = |x: Option<f64>| x.map_or("–".to_string(), percent);
    for c in &study.contrasts {
        let (d, range) = match c.difference {
            Some(d) => (
                format!("{:+.2}", d.p * 100.0),
                format!("{:+.2} to {:+.2}", d.lo * 100.0, d.hi * 100.0),
            ),
            None => ("–".into(), "–".into()),
        };
        let _ = writeln!(
            out,
            "<tr><td>{} ({})</td><td>{}</td><td>{}</td><td>{}</td><td>{d}</td><td>{range}</td>\
             <td>{}</td><td>{}</td></tr>",
            c.arm,
            esc(&study.arm_label(c.arm)),
            esc(&c.event.replace('_', " ")),
            pp(c.p_reference),
            pp(c.p_arm),
            c.unpaired_width
                .map_or("–".to_string(), |w| format!("{:.2}", w * 100.0)),
            c.variance_reduction
                .map_or("–".to_string(), |v| format!("{:.0}%", v * 100.0)),
        );
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

/// Most design points listed in the report's table.
const MAX_POINT_ROWS: usize = 200;

fn points_table(out: &mut String, study: &Study) {
    out.push_str("<section id=\"points\">\n<h2>Design points</h2>\n");
    if study.arms.len() > MAX_POINT_ROWS {
        let _ = writeln!(
            out,
            "<p class=\"note\">The first {MAX_POINT_ROWS} of {} points; points.csv has them all.</p>",
            study.arms.len()
        );
    }
    out.push_str("<div class=\"wide\"><table>\n<thead><tr><th>point</th>");
    for c in &study.setting_columns {
        let _ = write!(out, "<th>{}</th>", esc(c));
    }
    for (k, o) in OUTCOMES.iter().enumerate() {
        let _ = write!(out, "<th>{}P({o})</th>", swatch(pal::outcome_colour(k)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for a in study.arms.iter().take(MAX_POINT_ROWS) {
        let _ = write!(out, "<tr><td>{}</td>", a.index);
        for s in &a.settings {
            let _ = write!(out, "<td>{}</td>", esc(s));
        }
        for p in &a.outcomes {
            let _ = write!(out, "<td>{}</td>", percent(p.p));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table></div>\n</section>\n");
}

fn charts_section(out: &mut String, charts: &[Chart], study: &Study, notes: &[String]) {
    out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"note\">Each bloc has one colour in every chart. The charts are also in \
         <code>plots/</code> as SVG files; distributions cover {}.</p>",
        esc(&study.charted_runs())
    );
    for c in charts {
        let id = c.file.trim_end_matches(".svg");
        let _ = writeln!(
            out,
            "<figure id=\"chart-{}\">\n{}\n<figcaption><strong>{}</strong> — {} \
             <span class=\"note\">(plots/{})</span></figcaption>\n</figure>",
            esc(id),
            inline_svg(&c.svg, &c.title),
            esc(&c.title),
            esc(&c.caption),
            esc(&c.file)
        );
    }
    let all_notes: Vec<&String> = study.notes.iter().chain(notes).collect();
    if !all_notes.is_empty() {
        out.push_str("<h3>Not charted</h3>\n<ul class=\"note\">\n");
        for n in all_notes {
            let _ = writeln!(out, "<li>{}</li>", esc(n));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

/// The SVG for inline use: the accessible name on the root element.
fn inline_svg(svg: &str, title: &str) -> String {
    match svg.strip_prefix("<svg ") {
        Some(rest) => format!("<svg role=\"img\" aria-label=\"{}\" {rest}", esc(title)),
        None => svg.to_string(),
    }
}

fn terms(out: &mut String, study: &Study) {
    out.push_str(
        "<section id=\"terms\">\n<h2>How to read this report</h2>\n<dl class=\"facts\">\n",
    );
    let threshold = match study.scenario.as_ref().and_then(|s| s.threshold) {
        Some(t) => format!(" (here {t} points)"),
        None => " (in this scenario it varies between runs; the fan charts show its range)".into(),
    };
    let window = match &study.scenario {
        Some(s) if s.decisive_window => format!(
            "It closes when the leader reaches the decisive level (a margin above the \
             threshold){}.",
            s.max_window_years
                .map(|y| format!(" or after {y} years, whichever comes first"))
                .unwrap_or_default()
        ),
        Some(s) => s
            .fixed_window_years
            .map(|y| format!("It lasts {y} years."))
            .unwrap_or_default(),
        None => String::new(),
    };
    let rows = [
        (
            "Run".to_string(),
            "One simulated future: a world of nations, AI labs and chip fabs drawn from the \
             scenario's uncertain parameters and played forward in steps."
                .to_string(),
        ),
        (
            "Capability".into(),
            "A lab's frontier capability in points: the log10 of the effective compute of \
             its best training run (physical compute times algorithmic efficiency). A bloc's \
             capability is its best lab's."
                .into(),
        ),
        (
            "Threshold".into(),
            format!(
                "The capability that counts as generally superhuman AI{threshold}. A bloc \"crosses\" when its capability first reaches it."
            ),
        ),
        (
            "Decisive window".into(),
            format!(
                "The time after the first crossing in which a rival can still catch up. {window}"
            ),
        ),
        (
            "Outcomes".into(),
            "<em>none</em>: no bloc crossed by the end of the run; <em>unipolar</em>: the \
             leader had the window to itself; <em>bipolar</em>: exactly one rival crossed \
             inside the window; <em>multipolar</em>: two or more did."
                .into(),
        ),
        (
            "95% CI".into(),
            "A 95% confidence interval: the range of probabilities consistent with the runs \
             (Wilson's interval for one probability, Newcombe's for a paired difference). \
             More runs make it narrower."
                .into(),
        ),
        (
            "H100e".into(),
            format!(
                "Chips counted in H100-equivalents: one Nvidia H100's training throughput. \
                 The axis labels use k (thousand), M (million) and B (billion), e.g. {}.",
                human(2.5e6)
            ),
        ),
        (
            "Fan chart".into(),
            "Over all runs, the median (line), the middle 50% of runs (dark band) and 90% of \
             runs (light band) at each step of time."
                .into(),
        ),
    ];
    for (term, text) in rows {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(&term), text);
    }
    out.push_str("</dl>\n</section>\n");
}

/// Quotes one argument for a POSIX shell (only when it needs it).
pub fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// The command line as a shell command, the program named `polarity`.
pub fn command(args: &[String]) -> String {
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            if i == 0 {
                let name = std::path::Path::new(a)
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or("");
                if name == "polarity" {
                    return "polarity".to_string();
                }
            }
            shell_quote(a)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn reproduce(out: &mut String, study: &Study) {
    out.push_str("<section id=\"reproduce\">\n<h2>Reproduce</h2>\n");
    let p = &study.provenance;
    if p.command_line.is_empty() {
        out.push_str("<p>manifest.json does not record the command line.</p>\n");
    } else {
        let _ = writeln!(
            out,
            "<p>This study was made by the command below. With the same version of polarity \
             ({}), it writes byte-identical summary.json, runs.csv and result files on any \
             machine and with any number of threads (give another <code>--out</code> folder, \
             or add <code>--force</code> to replace this one):</p>\n<pre><code>{}</code></pre>",
            esc(&p.version),
            esc(&command(&p.command_line))
        );
    }
    let _ = writeln!(
        out,
        "<p>To redraw these charts and this page from the folder:</p>\n\
         <pre><code>polarity plot {}</code></pre>",
        esc(&shell_quote(&study.dir.display().to_string()))
    );
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_quoted_for_a_shell() {
        let args: Vec<String> = [
            "/x/target/release/polarity",
            "run",
            "baseline",
            "--set",
            "policy.rules[oct-2023].enforcement=0.9",
            "--out",
            "my dir",
            "it's",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            command(&args),
            "polarity run baseline --set 'policy.rules[oct-2023].enforcement=0.9' --out \
             'my dir' 'it'\\''s'"
        );
        assert_eq!(shell_quote(""), "''");
    }
}

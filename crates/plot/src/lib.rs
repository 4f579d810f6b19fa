//! Polarity's charts and report: reads a study's output folder and renders SVG charts into
//! `DIR/plots/` and one self-contained `DIR/report.html`.
//!
//! * [`folder`]: reads the folder (`manifest.json`, `summary.json`, `runs.csv`, `fan.csv`,
//!   `scenario.ron`, and `arms.csv`/`contrasts.csv` or `points.csv`) into a [`folder::Study`].
//! * [`charts`]: one function per chart, drawn with `plotters`' SVG backend.
//! * [`report`]: the HTML page, charts inline.
//! * [`palette`]: the colour-blind-safe Okabe-Ito colours, fixed per bloc and per outcome.
//!
//! **Architecture invariant:** this crate only reads a finished output folder and writes
//! `plots/` and `report.html` into it — never any other file of the folder — and it needs no
//! system fonts or graphics libraries: the SVG backend writes text as `<text>` elements that
//! the viewer lays out. Charts are a pure function of the folder's files; every file is
//! written to `NAME.partial` and renamed into place, so a chart or report under its final
//! name is complete. Bad input is an error naming the file, never a panic.

#![warn(missing_docs)]

pub mod charts;
pub mod error;
pub mod folder;
pub mod palette;
pub mod report;

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub use error::PlotError;

/// The folder the charts are written to, inside the output folder.
pub const PLOTS_DIR: &str = "plots";

/// The report's file name, inside the output folder.
pub const REPORT_FILE: &str = "report.html";

/// What a rendering wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The SVG files, in report order.
    pub charts: Vec<PathBuf>,
    /// `report.html`.
    pub report: PathBuf,
    /// What was left out and why (also listed in the report).
    pub notes: Vec<String>,
}

/// Reads the output folder `dir` and writes its charts into `dir/plots/` and its report to
/// `dir/report.html`.
pub fn render(dir: &Path) -> Result<Rendered, PlotError> {
    let study = folder::read(dir)?;
    let (charts, mut notes) = charts::all(&study)?;
    let plots = dir.join(PLOTS_DIR);
    fs::create_dir_all(&plots).map_err(|error| PlotError::Write {
        action: "create",
        path: plots.clone(),
        error,
    })?;
    let mut written = Vec::new();
    for chart in &charts {
        let path = plots.join(&chart.file);
        write_file(&path, chart.svg.as_bytes())?;
        written.push(path);
    }
    let report = dir.join(REPORT_FILE);
    write_file(&report, report::html(&study, &charts, &notes).as_bytes())?;
    let mut all_notes = study.notes;
    all_notes.append(&mut notes);
    Ok(Rendered {
        charts: written,
        report,
        notes: all_notes,
    })
}

/// Writes `path` through `path.partial`, flushed, then renamed into place.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), PlotError> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let err = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |error| PlotError::Write {
            action,
            path: p,
            error,
        }
    };
    let mut file = fs::File::create(&partial).map_err(err("create", &partial))?;
    file.write_all(bytes).map_err(err("write", &partial))?;
    file.sync_all().map_err(err("write", &partial))?;
    drop(file);
    fs::rename(&partial, path).map_err(err("rename", &partial))
}

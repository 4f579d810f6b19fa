//! Reading an output folder: what kind of study it holds and the numbers the charts need.
//!
//! `manifest.json`, `summary.json` and `runs.csv` are needed for every study, plus `arms.csv`
//! and `contrasts.csv` for a sweep and `points.csv` for a batch; a missing or corrupt one is
//! an error that names the file (and the line, for CSV files). `scenario.ron` (the threshold
//! and decisive level) and `fan.csv` (fan charts) are optional: without them those marks or
//! charts are left out and the report says why. `runs.csv` is streamed and reduced to
//! histograms as it is read, so memory does not grow with the number of runs.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use polarity_model::params::Window;
use polarity_runner::Summary;
use polarity_runner::stats::wilson;
use serde::Deserialize;
use serde_json::Value;

use crate::error::PlotError;

/// The outcomes in report order.
pub const OUTCOMES: [&str; 4] = ["none", "unipolar", "bipolar", "multipolar"];

/// Crossing-time grid points per year (the model's 1/48-year grid).
pub const TICKS_PER_YEAR: f64 = 48.0;

/// Which command wrote the folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `polarity run`: one scenario.
    Run,
    /// `polarity sweep`: arms compared with the first.
    Sweep,
    /// `polarity batch`: one arm per design point.
    Batch,
}

impl Kind {
    /// The command's name.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Sweep => "sweep",
            Kind::Batch => "batch",
        }
    }
}

/// A probability with its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Prob {
    /// Point estimate.
    pub p: f64,
    /// Lower end of the 95% interval.
    pub lo: f64,
    /// Upper end of the 95% interval.
    pub hi: f64,
}

impl Prob {
    /// The Wilson interval of `count` out of `runs`.
    pub fn of_count(count: u64, runs: u64) -> Self {
        match wilson(count, runs) {
            Some(ci) => Prob {
                p: count as f64 / runs as f64,
                lo: ci.lo,
                hi: ci.hi,
            },
            None => Prob {
                p: 0.0,
                lo: 0.0,
                hi: 0.0,
            },
        }
    }
}

/// One arm of a study (the single scenario of a run, an arm of a sweep, a point of a batch).
#[derive(Clone, Debug, PartialEq)]
pub struct Arm {
    /// Arm number, from 0.
    pub index: usize,
    /// The scenario as named on the command line (sweeps), or empty.
    pub scenario: String,
    /// The arm's value of each setting column, as written.
    pub settings: Vec<String>,
    /// Runs.
    pub runs: u64,
    /// The four outcome probabilities, in [`OUTCOMES`] order.
    pub outcomes: [Prob; 4],
}

/// One row of `contrasts.csv` that the charts use.
#[derive(Clone, Debug, PartialEq)]
pub struct Contrast {
    /// The arm compared with arm 0.
    pub arm: usize,
    /// The event (an outcome, or `unipolar_led_by_<bloc>`).
    pub event: String,
    /// Probability in the reference arm.
    pub p_reference: Option<f64>,
    /// Probability in this arm.
    pub p_arm: Option<f64>,
    /// Paired difference `p_arm − p_reference` and its 95% interval.
    pub difference: Option<Prob>,
    /// Width of the interval had the arms been independent.
    pub unpaired_width: Option<f64>,
    /// Variance reduction pairing achieved.
    pub variance_reduction: Option<f64>,
}

/// Counts on a grid of integer keys (crossing ticks, lag ticks, 0.01-point thresholds).
pub type Counts = BTreeMap<i64, u64>;

/// What the charts need from `runs.csv`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunsData {
    /// Runs read (of the arms charted).
    pub runs: u64,
    /// Per bloc: crossing ticks (1/48 year) over the runs in which it crossed.
    pub crossing: Vec<Counts>,
    /// First-to-second lag in ticks, over runs with two crossings.
    pub lag: Counts,
    /// Sampled thresholds on a 0.01-point grid, when the threshold is uncertain.
    pub threshold: Counts,
    /// Sampled `above_threshold` (decisive level minus threshold) on a 0.01-point grid, when
    /// it is uncertain.
    pub above_threshold: Counts,
}

/// The parts of the scenario the charts mark.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioInfo {
    /// The scenario's description.
    pub description: String,
    /// Start year.
    pub start_year: f64,
    /// Horizon year.
    pub horizon_year: f64,
    /// The threshold when it is a fixed number.
    pub threshold: Option<f64>,
    /// The decisive level minus the threshold when the window is `Decisive` with a fixed
    /// `above_threshold`.
    pub above_threshold: Option<f64>,
    /// Whether the window closes at a decisive level (rather than after fixed years).
    pub decisive_window: bool,
    /// A fixed window's length in years.
    pub fixed_window_years: Option<f64>,
    /// The decisive window's longest length in years, when fixed.
    pub max_window_years: Option<f64>,
}

/// One point of a fan: a year and its quantiles (`None`: no value, e.g. no capability yet).
#[derive(Clone, Debug, PartialEq)]
pub struct FanPoint {
    /// Calendar year.
    pub year: f64,
    /// 5, 25, 50, 75 and 95% quantiles.
    pub q: [Option<f64>; 5],
}

/// `fan.csv` of the charted arm: per bloc, capability and chip stock over time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FanData {
    /// Per bloc (in bloc order): capability points.
    pub capability: Vec<Vec<FanPoint>>,
    /// Per bloc: chip stock (H100e) points.
    pub chip_stock: Vec<Vec<FanPoint>>,
}

/// Provenance from `manifest.json`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Provenance {
    /// Tool version.
    pub version: String,
    /// Build id.
    pub build: String,
    /// The command line, one element per argument.
    pub command_line: Vec<String>,
    /// Worker threads.
    pub threads: u64,
    /// The shard, when the folder is one.
    pub shard: Option<String>,
    /// Start time.
    pub started: String,
    /// End time.
    pub finished: String,
    /// Wall-clock seconds.
    pub elapsed_seconds: f64,
}

/// Everything read from an output folder.
#[derive(Clone, Debug)]
pub struct Study {
    /// The folder.
    pub dir: PathBuf,
    /// The command that wrote it.
    pub kind: Kind,
    /// Scenario (run) or study (sweep, batch) name.
    pub name: String,
    /// Scenario or combined hash.
    pub hash: String,
    /// Study seed.
    pub seed: u64,
    /// Runs (per arm).
    pub runs: u64,
    /// Bloc ids, sorted.
    pub blocs: Vec<String>,
    /// Setting columns (swept paths or design columns); empty for a run.
    pub setting_columns: Vec<String>,
    /// The arms, in order.
    pub arms: Vec<Arm>,
    /// The statistics of the charted arm (a run's summary, a sweep's reference arm), when
    /// available.
    pub reference: Option<Summary>,
    /// Contrasts (sweeps).
    pub contrasts: Vec<Contrast>,
    /// Provenance.
    pub provenance: Provenance,
    /// The scenario's marks, when `scenario.ron` (or a sweep's `arms/0.ron`) was found.
    pub scenario: Option<ScenarioInfo>,
    /// Crossings and lags of the charted runs.
    pub runs_data: RunsData,
    /// Fan-chart data of the charted arm, when `fan.csv` was found.
    pub fan: Option<FanData>,
    /// What the charts leave out and why, for the report.
    pub notes: Vec<String>,
}

impl Study {
    /// A short description of the runs the distribution charts cover.
    pub fn charted_runs(&self) -> String {
        match self.kind {
            Kind::Run => format!("all {} runs", self.runs),
            Kind::Sweep => format!("the {} runs of the reference arm (arm 0)", self.runs),
            Kind::Batch => format!(
                "all {} runs of the {} design points, pooled",
                self.runs_data.runs,
                self.arms.len()
            ),
        }
    }

    /// A short description of the runs the fan charts cover (`fan.csv` of arm or point 0).
    pub fn fan_runs(&self) -> String {
        match self.kind {
            Kind::Batch => format!("the {} runs of design point 0", self.runs),
            _ => self.charted_runs(),
        }
    }

    /// A short label for arm `k`: its setting if there is one, its scenario if the arms'
    /// scenarios differ, else `arm k`.
    pub fn arm_label(&self, k: usize) -> String {
        let Some(arm) = self.arms.get(k) else {
            return format!("arm {k}");
        };
        let scenarios_differ = self.arms.iter().any(|a| a.scenario != arm.scenario);
        let setting = arm.settings.join(", ");
        if !setting.is_empty() {
            setting
        } else if scenarios_differ && !arm.scenario.is_empty() {
            arm.scenario.clone()
        } else {
            format!("arm {k}")
        }
    }
}

/// Reads a whole file, naming it in the error.
fn read_text(path: &Path) -> Result<String, PlotError> {
    fs::read_to_string(path).map_err(|error| PlotError::Read {
        path: path.to_path_buf(),
        error,
    })
}

/// The path of a file that must exist.
fn required(dir: &Path, file: &str, hint: &str) -> Result<PathBuf, PlotError> {
    let path = dir.join(file);
    if path.is_file() {
        Ok(path)
    } else {
        Err(PlotError::Missing {
            path,
            hint: hint.to_string(),
        })
    }
}

const STUDY_HINT: &str = "every study's --out folder has it; give the folder of a finished study \
                          (one with manifest.json), or re-run the study";

/// Reads the output folder `dir`.
pub fn read(dir: &Path) -> Result<Study, PlotError> {
    if !dir.is_dir() {
        return Err(PlotError::NotAFolder(dir.to_path_buf()));
    }
    let manifest_path = required(dir, "manifest.json", STUDY_HINT)?;
    let provenance: Provenance = serde_json::from_str(&read_text(&manifest_path)?)
        .map_err(|e| PlotError::corrupt(&manifest_path, Some(e.line() as u64), e.to_string()))?;

    let summary_path = required(dir, "summary.json", STUDY_HINT)?;
    let summary: Value = serde_json::from_str(&read_text(&summary_path)?)
        .map_err(|e| PlotError::corrupt(&summary_path, Some(e.line() as u64), e.to_string()))?;
    let kind = match summary.get("kind").and_then(Value::as_str) {
        None => Kind::Run,
        Some("run") => Kind::Run,
        Some("sweep") => Kind::Sweep,
        Some("batch") => Kind::Batch,
        Some(other) => {
            return Err(PlotError::corrupt(
                &summary_path,
                None,
                format!("unknown study kind `{other}` (expected run, sweep or batch)"),
            ));
        }
    };
    let mut study = match kind {
        Kind::Run => run_study(dir, &summary_path, summary)?,
        Kind::Sweep => sweep_study(dir, &summary_path, &summary)?,
        Kind::Batch => batch_study(dir, &summary_path, &summary)?,
    };
    study.provenance = provenance;
    study.scenario = read_scenario(dir, kind, &mut study.notes)?;
    if kind == Kind::Batch
        && let Some(info) = &mut study.scenario
    {
        // A batch's scenario.ron is the base scenario; point 0's design values override it.
        let point0 = |column: &str| {
            let k = study.setting_columns.iter().position(|c| c == column)?;
            study
                .arms
                .first()?
                .settings
                .get(k)?
                .trim()
                .parse::<f64>()
                .ok()
        };
        if let Some(t) = point0("outcome.threshold") {
            info.threshold = Some(t);
        }
        if let Some(a) = point0("outcome.window.above_threshold") {
            info.above_threshold = Some(a);
        }
    }
    study.runs_data = read_runs(dir, kind, &study.blocs)?;
    study.fan = read_fan(dir, &study.blocs, study.runs, &mut study.notes)?;
    Ok(study)
}

fn empty_study(dir: &Path, kind: Kind) -> Study {
    Study {
        dir: dir.to_path_buf(),
        kind,
        name: String::new(),
        hash: String::new(),
        seed: 0,
        runs: 0,
        blocs: Vec::new(),
        setting_columns: Vec::new(),
        arms: Vec::new(),
        reference: None,
        contrasts: Vec::new(),
        provenance: Provenance::default(),
        scenario: None,
        runs_data: RunsData::default(),
        fan: None,
        notes: Vec::new(),
    }
}

fn outcomes_of(s: &Summary) -> [Prob; 4] {
    let p = |x: &polarity_runner::summary::Proportion| Prob {
        p: x.probability,
        lo: x.ci95_lo,
        hi: x.ci95_hi,
    };
    [
        p(&s.outcomes.none),
        p(&s.outcomes.unipolar),
        p(&s.outcomes.bipolar),
        p(&s.outcomes.multipolar),
    ]
}

fn parse_summary(path: &Path, v: Value, what: &str) -> Result<Summary, PlotError> {
    serde_json::from_value(v)
        .map_err(|e| PlotError::corrupt(path, None, format!("{what} is not a study summary ({e})")))
}

fn run_study(dir: &Path, path: &Path, summary: Value) -> Result<Study, PlotError> {
    let s = parse_summary(path, summary, "the file")?;
    let mut study = empty_study(dir, Kind::Run);
    study.name = s.scenario.name.clone();
    study.hash = s.scenario.hash.clone();
    study.seed = s.seed;
    study.runs = s.runs;
    study.blocs = s.blocs.clone();
    study.arms = vec![Arm {
        index: 0,
        scenario: s.scenario.name.clone(),
        settings: Vec::new(),
        runs: s.runs,
        outcomes: outcomes_of(&s),
    }];
    study.reference = Some(s);
    Ok(study)
}

/// Reads the name, hash, seed and runs of a sweep's or batch's `summary.json`.
fn header_fields(path: &Path, v: &Value, study: &mut Study) -> Result<(), PlotError> {
    let field = |name: &str| {
        v.get(name)
            .ok_or_else(|| PlotError::corrupt(path, None, format!("it has no `{name}` field")))
    };
    let identity = field("study")?;
    study.name = identity
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    study.hash = identity
        .get("hash")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    study.seed = field("seed")?
        .as_u64()
        .ok_or_else(|| PlotError::corrupt(path, None, "`seed` is not a whole number"))?;
    study.runs = field("runs")?
        .as_u64()
        .ok_or_else(|| PlotError::corrupt(path, None, "`runs` is not a whole number"))?;
    Ok(())
}

fn sweep_study(dir: &Path, path: &Path, v: &Value) -> Result<Study, PlotError> {
    let mut study = empty_study(dir, Kind::Sweep);
    header_fields(path, v, &mut study)?;
    let first = v
        .get("arms")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|a| a.get("summary"))
        .ok_or_else(|| PlotError::corrupt(path, None, "it lists no arms"))?;
    let reference = parse_summary(path, first.clone(), "arm 0's `summary`")?;
    study.blocs = reference.blocs.clone();
    study.reference = Some(reference);
    let arms_path = required(
        dir,
        "arms.csv",
        "a sweep's folder has it; re-run the sweep (or `polarity merge` its shards)",
    )?;
    let (columns, arms) = read_arms_csv(&arms_path)?;
    study.setting_columns = columns;
    study.arms = arms;
    let contrasts_path = required(
        dir,
        "contrasts.csv",
        "a sweep's folder has it; re-run the sweep (or `polarity merge` its shards)",
    )?;
    study.contrasts = read_contrasts_csv(&contrasts_path)?;
    Ok(study)
}

fn batch_study(dir: &Path, path: &Path, v: &Value) -> Result<Study, PlotError> {
    let mut study = empty_study(dir, Kind::Batch);
    header_fields(path, v, &mut study)?;
    if let Some(first) = v
        .get("points")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|a| a.get("summary"))
    {
        let s = parse_summary(path, first.clone(), "point 0's `summary`")?;
        study.blocs = s.blocs.clone();
    }
    let points_path = required(
        dir,
        "points.csv",
        "a batch's folder has it; re-run the batch (or `polarity merge` its shards)",
    )?;
    let (columns, arms) = read_points_csv(&points_path)?;
    study.setting_columns = columns;
    study.arms = arms;
    if study.blocs.is_empty() {
        return Err(PlotError::corrupt(path, None, "it lists no design points"));
    }
    Ok(study)
}

/// A CSV file being read, with its header and helpers that name the file and line.
struct Table {
    path: PathBuf,
    header: Vec<String>,
    reader: csv::Reader<fs::File>,
}

impl Table {
    fn open(path: &Path) -> Result<Self, PlotError> {
        let file = fs::File::open(path).map_err(|error| PlotError::Read {
            path: path.to_path_buf(),
            error,
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(false)
            .from_reader(file);
        let header = reader
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        if header.iter().all(|h| h.is_empty()) {
            return Err(PlotError::corrupt(path, Some(1), "it has no header line"));
        }
        Ok(Table {
            path: path.to_path_buf(),
            header,
            reader,
        })
    }

    fn column(&self, name: &str) -> Result<usize, PlotError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            PlotError::corrupt(&self.path, Some(1), format!("it has no `{name}` column"))
        })
    }

    /// Every record with its line number.
    fn records(
        &mut self,
    ) -> impl Iterator<Item = Result<(u64, csv::StringRecord), PlotError>> + '_ {
        let path = self.path.clone();
        self.reader.records().map(move |r| match r {
            Ok(rec) => {
                let line = rec.position().map_or(0, |p| p.line());
                Ok((line, rec))
            }
            Err(e) => Err(csv_error(&path, &e)),
        })
    }
}

fn csv_error(path: &Path, e: &csv::Error) -> PlotError {
    if let csv::ErrorKind::Io(io) = e.kind() {
        return PlotError::Read {
            path: path.to_path_buf(),
            error: io::Error::new(io.kind(), io.to_string()),
        };
    }
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("a row has {len} cells where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "it is not UTF-8 text".to_string(),
        _ => e.to_string(),
    };
    PlotError::corrupt(path, line, message)
}

/// Parses an optional number cell (empty: `None`).
fn opt_number(path: &Path, line: u64, column: &str, cell: &str) -> Result<Option<f64>, PlotError> {
    if cell.is_empty() {
        return Ok(None);
    }
    match cell.parse::<f64>() {
        Ok(x) if x.is_finite() => Ok(Some(x)),
        _ => Err(PlotError::corrupt(
            path,
            Some(line),
            format!("`{column}` is `{cell}`, not a number"),
        )),
    }
}

fn number(path: &Path, line: u64, column: &str, cell: &str) -> Result<f64, PlotError> {
    opt_number(path, line, column, cell)?
        .ok_or_else(|| PlotError::corrupt(path, Some(line), format!("`{column}` is empty")))
}

fn whole(path: &Path, line: u64, column: &str, cell: &str) -> Result<u64, PlotError> {
    cell.parse::<u64>().map_err(|_| {
        PlotError::corrupt(
            path,
            Some(line),
            format!("`{column}` is `{cell}`, not a whole number"),
        )
    })
}

/// `arms.csv`: `arm`, `scenario`, `scenario_hash`, setting columns, `runs`, then `p_E`,
/// `p_E_ci95_lo`, `p_E_ci95_hi` per event, then means.
fn read_arms_csv(path: &Path) -> Result<(Vec<String>, Vec<Arm>), PlotError> {
    let mut t = Table::open(path)?;
    let arm_col = t.column("arm")?;
    let scenario_col = t.column("scenario")?;
    let hash_col = t.column("scenario_hash")?;
    let runs_col = t.column("runs")?;
    if runs_col <= hash_col {
        return Err(PlotError::corrupt(
            path,
            Some(1),
            "the `runs` column must come after the setting columns",
        ));
    }
    let settings: Vec<usize> = (hash_col + 1..runs_col).collect();
    let columns = settings.iter().map(|&i| t.header[i].clone()).collect();
    let mut outcome_cols = Vec::new();
    for o in OUTCOMES {
        outcome_cols.push([
            t.column(&format!("p_{o}"))?,
            t.column(&format!("p_{o}_ci95_lo"))?,
            t.column(&format!("p_{o}_ci95_hi"))?,
        ]);
    }
    let header = t.header.clone();
    let mut arms = Vec::new();
    for row in t.records() {
        let (line, rec) = row?;
        let cell = |i: usize| rec.get(i).unwrap_or("");
        let index = whole(path, line, "arm", cell(arm_col))? as usize;
        if index != arms.len() {
            return Err(PlotError::corrupt(
                path,
                Some(line),
                format!("arm {index} where arm {} was expected", arms.len()),
            ));
        }
        let mut outcomes = [Prob {
            p: 0.0,
            lo: 0.0,
            hi: 0.0,
        }; 4];
        for (slot, cols) in outcomes.iter_mut().zip(&outcome_cols) {
            *slot = Prob {
                p: number(path, line, &header[cols[0]], cell(cols[0]))?,
                lo: number(path, line, &header[cols[1]], cell(cols[1]))?,
                hi: number(path, line, &header[cols[2]], cell(cols[2]))?,
            };
        }
        arms.push(Arm {
            index,
            scenario: cell(scenario_col).to_string(),
            settings: settings.iter().map(|&i| cell(i).to_string()).collect(),
            runs: whole(path, line, "runs", cell(runs_col))?,
            outcomes,
        });
    }
    if arms.is_empty() {
        return Err(PlotError::corrupt(path, None, "it has no arms"));
    }
    Ok((columns, arms))
}

/// `contrasts.csv`.
fn read_contrasts_csv(path: &Path) -> Result<Vec<Contrast>, PlotError> {
    let mut t = Table::open(path)?;
    let c = [
        "arm",
        "event",
        "p_reference",
        "p_arm",
        "difference",
        "ci95_lo",
        "ci95_hi",
        "unpaired_ci95_width",
        "variance_reduction",
    ]
    .map(|name| t.column(name));
    let [arm, event, p_ref, p_arm, diff, lo, hi, unpaired, vr] = c;
    let (arm, event, p_ref, p_arm, diff, lo, hi, unpaired, vr) = (
        arm?, event?, p_ref?, p_arm?, diff?, lo?, hi?, unpaired?, vr?,
    );
    let mut out = Vec::new();
    for row in t.records() {
        let (line, rec) = row?;
        let cell = |i: usize| rec.get(i).unwrap_or("");
        let num = |i: usize, name: &str| opt_number(path, line, name, cell(i));
        let difference = match (
            num(diff, "difference")?,
            num(lo, "ci95_lo")?,
            num(hi, "ci95_hi")?,
        ) {
            (Some(p), Some(lo), Some(hi)) => Some(Prob { p, lo, hi }),
            _ => None,
        };
        out.push(Contrast {
            arm: whole(path, line, "arm", cell(arm))? as usize,
            event: cell(event).to_string(),
            p_reference: num(p_ref, "p_reference")?,
            p_arm: num(p_arm, "p_arm")?,
            difference,
            unpaired_width: num(unpaired, "unpaired_ci95_width")?,
            variance_reduction: num(vr, "variance_reduction")?,
        });
    }
    Ok(out)
}

/// `points.csv`: `point`, design columns, `runs`, `p_none`, … (intervals are Wilson's,
/// recomputed from the probability and the run count).
fn read_points_csv(path: &Path) -> Result<(Vec<String>, Vec<Arm>), PlotError> {
    let mut t = Table::open(path)?;
    let point_col = t.column("point")?;
    let runs_col = t.column("runs")?;
    if runs_col <= point_col {
        return Err(PlotError::corrupt(
            path,
            Some(1),
            "the `runs` column must come after the design columns",
        ));
    }
    let settings: Vec<usize> = (point_col + 1..runs_col).collect();
    let columns = settings.iter().map(|&i| t.header[i].clone()).collect();
    let mut p_cols = Vec::new();
    for o in OUTCOMES {
        p_cols.push(t.column(&format!("p_{o}"))?);
    }
    let header = t.header.clone();
    let mut arms = Vec::new();
    for row in t.records() {
        let (line, rec) = row?;
        let cell = |i: usize| rec.get(i).unwrap_or("");
        let index = whole(path, line, "point", cell(point_col))? as usize;
        if index != arms.len() {
            return Err(PlotError::corrupt(
                path,
                Some(line),
                format!("point {index} where point {} was expected", arms.len()),
            ));
        }
        let runs = whole(path, line, "runs", cell(runs_col))?;
        let mut outcomes = [Prob::of_count(0, 0); 4];
        for (slot, &col) in outcomes.iter_mut().zip(&p_cols) {
            let p = number(path, line, &header[col], cell(col))?;
            if !(0.0..=1.0).contains(&p) {
                return Err(PlotError::corrupt(
                    path,
                    Some(line),
                    format!("`{}` is {p}, not a probability", header[col]),
                ));
            }
            *slot = Prob::of_count((p * runs as f64).round() as u64, runs);
        }
        arms.push(Arm {
            index,
            scenario: String::new(),
            settings: settings.iter().map(|&i| cell(i).to_string()).collect(),
            runs,
            outcomes,
        });
    }
    if arms.is_empty() {
        return Err(PlotError::corrupt(path, None, "it has no design points"));
    }
    Ok((columns, arms))
}

/// The scenario's marks from `scenario.ron` (or, for a sweep, the reference arm's
/// `arms/0.ron`); `None` with a note when neither exists.
fn read_scenario(
    dir: &Path,
    kind: Kind,
    notes: &mut Vec<String>,
) -> Result<Option<ScenarioInfo>, PlotError> {
    let mut candidates = vec![dir.join("scenario.ron")];
    if kind == Kind::Sweep {
        candidates.insert(0, dir.join("arms").join("0.ron"));
    }
    let Some(path) = candidates.into_iter().find(|p| p.is_file()) else {
        notes.push(
            "scenario.ron was not found, so the charts do not mark the threshold and the \
             decisive level."
                .into(),
        );
        return Ok(None);
    };
    let source = read_text(&path)?;
    let s = polarity_scenario::parse(&source, &path.display().to_string())
        .map_err(|e| PlotError::corrupt(&path, None, e.to_string()))?;
    let (decisive_window, above_threshold, fixed_window_years, max_window_years) =
        match &s.outcome.window {
            Window::Decisive {
                above_threshold,
                max_years,
            } => (
                true,
                above_threshold.fixed_value(),
                None,
                max_years.fixed_value(),
            ),
            Window::Fixed { years } => (false, None, years.fixed_value(), None),
        };
    Ok(Some(ScenarioInfo {
        description: s.description.clone(),
        start_year: s.study.start_year,
        horizon_year: s.study.horizon_year,
        threshold: s.outcome.threshold.fixed_value(),
        above_threshold,
        decisive_window,
        fixed_window_years,
        max_window_years,
    }))
}

/// The grid key of a value on a 0.01 grid.
fn centi(x: f64) -> i64 {
    (x.clamp(-1e12, 1e12) * 100.0).round() as i64
}

/// Streams `runs.csv` into [`RunsData`]: for a sweep only the reference arm's rows, for a
/// batch every point's.
fn read_runs(dir: &Path, kind: Kind, blocs: &[String]) -> Result<RunsData, PlotError> {
    let path = required(
        dir,
        "runs.csv",
        "every study's --out folder has it; re-run the study",
    )?;
    let mut t = Table::open(&path)?;
    let arm_col = match kind {
        Kind::Sweep => Some(t.column("arm")?),
        _ => None,
    };
    t.column("run")?;
    t.column("outcome")?;
    let lag_col = t.column("lag_years")?;
    let cross_cols = blocs
        .iter()
        .map(|b| t.column(&format!("cross_year_{b}")))
        .collect::<Result<Vec<_>, _>>()?;
    let threshold_col = t.header.iter().position(|h| h == "outcome.threshold");
    let above_col = t
        .header
        .iter()
        .position(|h| h == "outcome.window.above_threshold");
    let header = t.header.clone();
    let mut data = RunsData {
        crossing: vec![Counts::new(); blocs.len()],
        ..RunsData::default()
    };
    for row in t.records() {
        let (line, rec) = row?;
        let cell = |i: usize| rec.get(i).unwrap_or("");
        if let Some(c) = arm_col
            && whole(&path, line, "arm", cell(c))? != 0
        {
            continue;
        }
        data.runs += 1;
        for (hist, &c) in data.crossing.iter_mut().zip(&cross_cols) {
            if let Some(year) = opt_number(&path, line, &header[c], cell(c))? {
                *hist
                    .entry((year * TICKS_PER_YEAR).round() as i64)
                    .or_insert(0) += 1;
            }
        }
        if let Some(lag) = opt_number(&path, line, "lag_years", cell(lag_col))? {
            *data
                .lag
                .entry((lag * TICKS_PER_YEAR).round() as i64)
                .or_insert(0) += 1;
        }
        for (col, counts) in [
            (threshold_col, &mut data.threshold),
            (above_col, &mut data.above_threshold),
        ] {
            if let Some(c) = col
                && let Some(x) = opt_number(&path, line, &header[c], cell(c))?
            {
                *counts.entry(centi(x)).or_insert(0) += 1;
            }
        }
    }
    Ok(data)
}

/// Reads `fan.csv` (the rows of arm or point 0); `None` with a note when it is missing.
fn read_fan(
    dir: &Path,
    blocs: &[String],
    runs: u64,
    notes: &mut Vec<String>,
) -> Result<Option<FanData>, PlotError> {
    let path = dir.join("fan.csv");
    if !path.is_file() {
        notes.push(
            "fan.csv was not found (the study collected no per-step distributions, e.g. a \
             batch of more than 64 points, or an older version wrote it), so there are no \
             fan charts of capability and chip stock."
                .into(),
        );
        return Ok(None);
    }
    let mut t = Table::open(&path)?;
    let prefix = match t.header.first().map(String::as_str) {
        Some("arm") | Some("point") => Some(0),
        _ => None,
    };
    let year = t.column("year")?;
    let count = t.column("count")?;
    let bloc = t.column("bloc")?;
    let quantity = t.column("quantity")?;
    let q = ["q05", "q25", "q50", "q75", "q95"].map(|n| t.column(n));
    let [a, b, c, d, e] = q;
    let q = [a?, b?, c?, d?, e?];
    let header = t.header.clone();
    let mut fan = FanData {
        capability: vec![Vec::new(); blocs.len()],
        chip_stock: vec![Vec::new(); blocs.len()],
    };
    for row in t.records() {
        let (line, rec) = row?;
        let cell = |i: usize| rec.get(i).unwrap_or("");
        if let Some(c) = prefix
            && whole(&path, line, &header[c], cell(c))? != 0
        {
            continue;
        }
        let Some(b) = blocs.iter().position(|x| x == cell(bloc)) else {
            return Err(PlotError::corrupt(
                &path,
                Some(line),
                format!(
                    "bloc `{}` is not one of the study's blocs ({})",
                    cell(bloc),
                    blocs.join(", ")
                ),
            ));
        };
        let series = match cell(quantity) {
            "capability" => &mut fan.capability[b],
            "chip_stock_h100e" => &mut fan.chip_stock[b],
            other => {
                return Err(PlotError::corrupt(
                    &path,
                    Some(line),
                    format!("quantity `{other}` is neither `capability` nor `chip_stock_h100e`"),
                ));
            }
        };
        let n = whole(&path, line, "count", cell(count))?;
        if n != runs {
            notes.push(format!(
                "fan.csv counts {n} runs where the study has {runs} (it is left over from \
                 another study), so there are no fan charts; re-run the study to rewrite it."
            ));
            return Ok(None);
        }
        let mut qs = [None; 5];
        for (slot, &col) in qs.iter_mut().zip(&q) {
            *slot = opt_number(&path, line, &header[col], cell(col))?;
        }
        series.push(FanPoint {
            year: number(&path, line, "year", cell(year))?,
            q: qs,
        });
    }
    Ok(Some(fan))
}

/// The type-1 quantile `num/den` of grid counts (the smallest key with at least
/// `ceil(num · n / den)` observations at or below it).
pub fn quantile(counts: &Counts, num: u64, den: u64) -> Option<i64> {
    let n: u64 = counts.values().sum();
    if n == 0 || num == 0 || den == 0 || num > den {
        return None;
    }
    let k = (u128::from(num) * u128::from(n)).div_ceil(u128::from(den));
    let mut cumulative = 0u128;
    for (&key, &c) in counts {
        cumulative += u128::from(c);
        if cumulative >= k {
            return Some(key);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_are_type_1() {
        let counts: Counts = [(1, 1), (2, 1), (3, 2)].into_iter().collect();
        assert_eq!(quantile(&counts, 1, 4), Some(1));
        assert_eq!(quantile(&counts, 1, 2), Some(2));
        assert_eq!(quantile(&counts, 3, 4), Some(3));
        assert_eq!(quantile(&Counts::new(), 1, 2), None);
    }
}

//! Experiments: what a study's arms are (a plain run, the arms of a sweep, the points of a
//! batch), the exact accumulators of all arms together, and the result files computed from
//! them: `summary.json`, `arms.csv`, `contrasts.csv`, `points.csv` and `points.txt`.
//!
//! A [`StudyPlan`] names the study (kind, identity, seed, runs, blocs, arm labels); a
//! [`StudyTally`] holds one [`Tally`] per arm and, for sweeps, one [`ArmPairs`] per arm after
//! the first: paired 2×2 tables of every event in the reference arm and in that arm, counted
//! run by run. Both are plain data that serialize exactly (shards ship them in `tally.json`),
//! and every result file is a pure function of the two ([`write_results`]), so a merged
//! study writes exactly the bytes of an unsharded one.
//!
//! **Events** of a contrast are the four outcomes (`none`, `unipolar`, `bipolar`,
//! `multipolar`) and, per bloc in sorted id order, `unipolar_led_by_<bloc>`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use polarity_model::prepared::TICKS_PER_YEAR;
use polarity_model::{Polarity, RunResult};
use serde::{Deserialize, Serialize};

use crate::error::RunnerError;
use crate::output::OutputDir;
use crate::rows::{push_float, push_opt_float, push_text};
use crate::stats::{
    Interval, PairedTable, newcombe_paired_diff, pairing_variance_reduction, unpaired_diff_ci,
};
use crate::study::{RunRecord, TraceSelection};
use crate::summary::{PrecisionReport, Proportion, ScenarioIdentity, Summary};
use crate::tally::{LAG_GRID_PER_MONTH, Tally};

/// `arms.csv`.
pub const ARMS_FILE: &str = "arms.csv";
/// `contrasts.csv`.
pub const CONTRASTS_FILE: &str = "contrasts.csv";
/// `points.csv`.
pub const POINTS_FILE: &str = "points.csv";
/// `points.txt`.
pub const POINTS_TXT_FILE: &str = "points.txt";

/// Which command a study comes from; decides its result files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StudyKind {
    /// `polarity run`: one arm; `summary.json`.
    Run,
    /// `polarity sweep`: arms compared with the first; `summary.json`, `arms.csv`,
    /// `contrasts.csv`.
    Sweep,
    /// `polarity batch`: one arm per design point; `summary.json`, `points.csv`,
    /// `points.txt`.
    Batch,
}

impl StudyKind {
    /// The command's name (`run`, `sweep`, `batch`).
    pub fn name(self) -> &'static str {
        match self {
            StudyKind::Run => "run",
            StudyKind::Sweep => "sweep",
            StudyKind::Batch => "batch",
        }
    }

    /// The column that numbers the arms in `runs.csv` and `trajectories.csv` (`arm` for a
    /// sweep, `point` for a batch, none for a run).
    pub fn row_column(self) -> Option<&'static str> {
        match self {
            StudyKind::Run => None,
            StudyKind::Sweep => Some("arm"),
            StudyKind::Batch => Some("point"),
        }
    }
}

/// What identifies one arm (a sweep arm or a batch point) in the result files.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmLabel {
    /// The scenario as named on the command line (an embedded name or a path).
    pub scenario: String,
    /// The arm's scenario as run (after its settings).
    pub identity: ScenarioIdentity,
    /// The arm's value of each of the plan's setting columns, as written by the user.
    pub settings: Vec<String>,
}

/// Everything that identifies a study and labels its arms; two shards merge only when their
/// plans are equal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyPlan {
    /// The command.
    pub kind: StudyKind,
    /// The study as a whole: for `run` the scenario as run; for sweeps and batches a name and
    /// a hash of every arm's hash and settings ([`StudyPlan::combined_identity`]).
    pub identity: ScenarioIdentity,
    /// Study seed.
    pub seed: u64,
    /// Runs of the whole study (per arm).
    pub runs: u64,
    /// Bloc ids, sorted (shared by every arm).
    pub blocs: Vec<String>,
    /// Traced runs.
    pub trace: TraceSelection,
    /// Names of the setting columns: swept paths, or a design's columns.
    pub setting_columns: Vec<String>,
    /// The arms, in order (one for `run`).
    pub arms: Vec<ArmLabel>,
}

impl StudyPlan {
    /// The identity of a sweep or batch: `name`, and the hash (16 hex digits, FNV-1a) of the
    /// kind, the setting columns and every arm's scenario hash and settings.
    pub fn combined_identity(
        kind: StudyKind,
        name: &str,
        setting_columns: &[String],
        arms: &[ArmLabel],
    ) -> ScenarioIdentity {
        let mut text = format!("{}\n{}\n", kind.name(), setting_columns.join("\t"));
        for a in arms {
            let _ = writeln!(text, "{}\t{}", a.identity.hash, a.settings.join("\t"));
        }
        ScenarioIdentity {
            name: name.to_string(),
            hash: format!("{:016x}", polarity_model::rng::id_hash(&text)),
        }
    }
}

/// The events of a contrast or a point, in file order: the four outcomes, then
/// `unipolar_led_by_<bloc>` per bloc.
pub fn event_names(blocs: &[String]) -> Vec<String> {
    Polarity::ALL
        .iter()
        .map(|o| o.name().to_string())
        .chain(blocs.iter().map(|b| format!("unipolar_led_by_{b}")))
        .collect()
}

/// Paired tables of one arm against the reference arm (arm 0), event by event. In each
/// [`PairedTable`], arm `a` is the reference and arm `b` this arm.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArmPairs {
    /// One table per outcome, in report order (none, unipolar, bipolar, multipolar).
    pub outcomes: [PairedTable; 4],
    /// One table per bloc: unipolar and led by that bloc.
    pub unipolar_by_leader: Vec<PairedTable>,
}

impl ArmPairs {
    /// Empty tables for a world with `blocs` blocs.
    pub fn new(blocs: usize) -> Self {
        ArmPairs {
            outcomes: [PairedTable::default(); 4],
            unipolar_by_leader: vec![PairedTable::default(); blocs],
        }
    }

    /// Records one run index: the reference arm's result and this arm's.
    pub fn add(&mut self, reference: &RunResult, arm: &RunResult) {
        for (table, o) in self.outcomes.iter_mut().zip(Polarity::ALL) {
            table.add(reference.polarity == o, arm.polarity == o);
        }
        let led = |r: &RunResult, b: usize| r.polarity == Polarity::Unipolar && r.leader == Some(b);
        for (b, table) in self.unipolar_by_leader.iter_mut().enumerate() {
            table.add(led(reference, b), led(arm, b));
        }
    }

    /// Adds the counts of `other` (disjoint runs).
    pub fn merge(&mut self, other: &ArmPairs) -> Result<(), RunnerError> {
        if self.unipolar_by_leader.len() != other.unipolar_by_leader.len() {
            return Err(RunnerError::Mismatch(
                "the paired tables are for different numbers of blocs".into(),
            ));
        }
        for (a, b) in self.outcomes.iter_mut().zip(&other.outcomes) {
            a.merge(b);
        }
        for (a, b) in self
            .unipolar_by_leader
            .iter_mut()
            .zip(&other.unipolar_by_leader)
        {
            a.merge(b);
        }
        Ok(())
    }

    /// The tables in event order ([`event_names`]).
    pub fn tables(&self) -> impl Iterator<Item = &PairedTable> {
        self.outcomes.iter().chain(&self.unipolar_by_leader)
    }
}

/// The exact accumulators of a whole study: one tally per arm and, when the study is paired
/// (a sweep), one [`ArmPairs`] per arm after the first. Mergeable and serializable, so shards
/// and checkpoints carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StudyTally {
    /// One tally per arm, in arm order.
    pub arms: Vec<Tally>,
    /// Arm `k + 1` against arm 0, for `k` in `0..arms - 1`; empty when not paired.
    pub pairs: Vec<ArmPairs>,
}

impl StudyTally {
    /// Empty accumulators for arms with these (sorted) bloc ids; `paired` adds the tables
    /// of every arm against the first.
    pub fn new(arm_blocs: Vec<Vec<String>>, paired: bool) -> Self {
        let pairs = if paired && arm_blocs.len() > 1 {
            let n = arm_blocs.first().map_or(0, Vec::len);
            vec![ArmPairs::new(n); arm_blocs.len() - 1]
        } else {
            Vec::new()
        };
        StudyTally {
            arms: arm_blocs.into_iter().map(Tally::new).collect(),
            pairs,
        }
    }

    /// Records every arm's result for one run index.
    pub fn add(&mut self, record: &RunRecord) {
        for (tally, arm) in self.arms.iter_mut().zip(&record.arms) {
            tally.add(&arm.result);
        }
        if let Some((reference, others)) = record.arms.split_first() {
            for (pairs, arm) in self.pairs.iter_mut().zip(others) {
                pairs.add(&reference.result, &arm.result);
            }
        }
    }

    /// Adds the counts of `other` (a disjoint set of runs of the same study).
    pub fn merge(&mut self, other: &StudyTally) -> Result<(), RunnerError> {
        if self.arms.len() != other.arms.len() || self.pairs.len() != other.pairs.len() {
            return Err(RunnerError::Mismatch(format!(
                "the results are for {} and {} arms",
                self.arms.len(),
                other.arms.len()
            )));
        }
        for (a, b) in self.arms.iter_mut().zip(&other.arms) {
            a.merge(b)?;
        }
        for (a, b) in self.pairs.iter_mut().zip(&other.pairs) {
            a.merge(b)?;
        }
        Ok(())
    }

    /// Runs recorded (per arm).
    pub fn runs(&self) -> u64 {
        self.arms.first().map_or(0, |t| t.runs)
    }
}

// ---------------------------------------------------------------------------------------------
// Per-arm numbers
// ---------------------------------------------------------------------------------------------

/// The numbers `points.csv` (and `arms.csv`) report for one arm.
#[derive(Clone, Debug, PartialEq)]
pub struct ArmMetrics {
    /// Runs.
    pub runs: u64,
    /// Each event's proportion, in [`event_names`] order.
    pub events: Vec<Proportion>,
    /// Mean year of the first crossing (the leader's), over runs with a crossing.
    pub mean_first_crossing_year: Option<f64>,
    /// Mean first-to-second crossing lag, years, over runs with two or more crossings.
    pub mean_lag_years: Option<f64>,
    /// Mean follower capability lag at the first crossing, months (quarter-month grid).
    pub mean_follower_lag_months: Option<f64>,
}

impl ArmMetrics {
    /// The metrics of one arm's tally (the same numbers as its `summary.json`).
    pub fn of(t: &Tally) -> Self {
        let events = t
            .outcomes
            .in_order()
            .into_iter()
            .chain(t.unipolar_by_leader.iter().copied())
            .map(|c| Proportion::new(c, t.runs))
            .collect();
        ArmMetrics {
            runs: t.runs,
            events,
            mean_first_crossing_year: t.first_crossing.mean().map(|m| m / TICKS_PER_YEAR),
            mean_lag_years: t.lag.mean().map(|m| m / TICKS_PER_YEAR),
            mean_follower_lag_months: t.follower_lag.mean().map(|m| m / LAG_GRID_PER_MONTH),
        }
    }

    /// The values of the metric columns of `points.csv` / `points.txt`, in
    /// [`point_metric_columns`] order (`None`: undefined).
    pub fn point_values(&self) -> Vec<Option<f64>> {
        let p = |i: usize| self.events.get(i).map(|e| e.probability);
        let mut v = vec![
            p(0),
            p(1),
            p(2),
            p(3),
            self.mean_first_crossing_year,
            self.mean_lag_years,
            self.mean_follower_lag_months,
        ];
        v.extend(self.events.iter().skip(4).map(|e| Some(e.probability)));
        v
    }
}

/// The metric columns of `points.csv`, which are also the columns of `points.txt` in the same
/// order: `p_none`, `p_unipolar`, `p_bipolar`, `p_multipolar`, `mean_first_crossing_year`,
/// `mean_lag_years`, `mean_follower_lag_months`, then `p_unipolar_led_by_<bloc>` per bloc.
pub fn point_metric_columns(blocs: &[String]) -> Vec<String> {
    let mut c: Vec<String> = [
        "p_none",
        "p_unipolar",
        "p_bipolar",
        "p_multipolar",
        "mean_first_crossing_year",
        "mean_lag_years",
        "mean_follower_lag_months",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    c.extend(blocs.iter().map(|b| format!("p_unipolar_led_by_{b}")));
    c
}

/// One row of `contrasts.csv`: an event in one arm against the reference arm.
#[derive(Clone, Debug, PartialEq)]
pub struct Contrast {
    /// The arm (1, 2, …; the reference is arm 0).
    pub arm: usize,
    /// The event ([`event_names`]).
    pub event: String,
    /// The paired table (a = reference, b = this arm).
    pub table: PairedTable,
    /// `p_arm − p_reference` and its 95% Newcombe interval for paired data; `None` without
    /// runs.
    pub paired: Option<(f64, Interval)>,
    /// The 95% interval of the same difference computed as if the arms were independent.
    pub unpaired: Option<Interval>,
    /// `1 − Var_paired / Var_independent`; `None` when undefined.
    pub variance_reduction: Option<f64>,
}

/// Every contrast of a sweep: arm by arm (from arm 1), event by event.
pub fn contrasts(plan: &StudyPlan, acc: &StudyTally) -> Vec<Contrast> {
    let events = event_names(&plan.blocs);
    let mut out = Vec::new();
    for (k, pairs) in acc.pairs.iter().enumerate() {
        for (table, event) in pairs.tables().zip(&events) {
            let n = table.n();
            let xa = table.both + table.only_a;
            let xb = table.both + table.only_b;
            out.push(Contrast {
                arm: k + 1,
                event: event.clone(),
                table: *table,
                paired: newcombe_paired_diff(table),
                unpaired: unpaired_diff_ci(xa, n, xb, n).map(|(_, i)| i),
                variance_reduction: pairing_variance_reduction(table),
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// summary.json of sweeps and batches
// ---------------------------------------------------------------------------------------------

/// One arm in a sweep's `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepArmSummary {
    /// Arm number, from 0 (the reference).
    pub arm: usize,
    /// The scenario as named on the command line.
    pub scenario: String,
    /// The arm's settings: swept path → value as given.
    pub settings: BTreeMap<String, String>,
    /// The arm's statistics.
    pub summary: Summary,
}

/// A sweep's `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SweepSummary {
    /// Always `sweep`.
    pub kind: StudyKind,
    /// The study's name and combined hash.
    pub study: ScenarioIdentity,
    /// Study seed.
    pub seed: u64,
    /// Runs per arm.
    pub runs: u64,
    /// The swept paths, in `--set` order.
    pub setting_columns: Vec<String>,
    /// The arms.
    pub arms: Vec<SweepArmSummary>,
}

/// One point in a batch's `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchPointSummary {
    /// Point number: the design row, from 0.
    pub point: usize,
    /// The design row: path → value as written.
    pub values: BTreeMap<String, String>,
    /// The point's statistics.
    pub summary: Summary,
}

/// A batch's `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BatchSummary {
    /// Always `batch`.
    pub kind: StudyKind,
    /// The study's name and combined hash.
    pub study: ScenarioIdentity,
    /// Study seed.
    pub seed: u64,
    /// Runs per point.
    pub runs: u64,
    /// The design's columns (parameter paths), in file order.
    pub columns: Vec<String>,
    /// The points, in design row order.
    pub points: Vec<BatchPointSummary>,
}

fn settings_map(plan: &StudyPlan, arm: &ArmLabel) -> BTreeMap<String, String> {
    plan.setting_columns
        .iter()
        .cloned()
        .zip(arm.settings.iter().cloned())
        .collect()
}

fn pretty_json<T: Serialize>(value: &T) -> String {
    // Plain structs, string-keyed maps and finite numbers cannot fail to serialize.
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The bytes of `summary.json`: for `run` the [`Summary`] (with `precision` when given), for
/// sweeps a [`SweepSummary`], for batches a [`BatchSummary`].
pub fn summary_json(
    plan: &StudyPlan,
    acc: &StudyTally,
    precision: Option<PrecisionReport>,
) -> String {
    let arm_summary = |k: usize, t: &Tally| {
        let identity = plan
            .arms
            .get(k)
            .map_or_else(|| plan.identity.clone(), |a| a.identity.clone());
        Summary::new(identity, plan.seed, t)
    };
    match plan.kind {
        StudyKind::Run => {
            let empty = Tally::new(plan.blocs.clone());
            let mut s = arm_summary(0, acc.arms.first().unwrap_or(&empty));
            s.precision = precision;
            s.to_json()
        }
        StudyKind::Sweep => pretty_json(&SweepSummary {
            kind: plan.kind,
            study: plan.identity.clone(),
            seed: plan.seed,
            runs: acc.runs(),
            setting_columns: plan.setting_columns.clone(),
            arms: plan
                .arms
                .iter()
                .zip(&acc.arms)
                .enumerate()
                .map(|(k, (a, t))| SweepArmSummary {
                    arm: k,
                    scenario: a.scenario.clone(),
                    settings: settings_map(plan, a),
                    summary: arm_summary(k, t),
                })
                .collect(),
        }),
        StudyKind::Batch => pretty_json(&BatchSummary {
            kind: plan.kind,
            study: plan.identity.clone(),
            seed: plan.seed,
            runs: acc.runs(),
            columns: plan.setting_columns.clone(),
            points: plan
                .arms
                .iter()
                .zip(&acc.arms)
                .enumerate()
                .map(|(k, (a, t))| BatchPointSummary {
                    point: k,
                    values: settings_map(plan, a),
                    summary: arm_summary(k, t),
                })
                .collect(),
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// CSV files
// ---------------------------------------------------------------------------------------------

fn push_header(out: &mut String, cells: &[String]) {
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_text(out, c);
    }
    out.push('\n');
}

/// The bytes of `arms.csv`: `arm`, `scenario`, `scenario_hash`, one column per swept path,
/// `runs`, then per event `p_E`, `p_E_ci95_lo`, `p_E_ci95_hi`, then
/// `mean_first_crossing_year`, `mean_lag_years`, `mean_follower_lag_months`.
pub fn arms_csv(plan: &StudyPlan, acc: &StudyTally) -> String {
    let events = event_names(&plan.blocs);
    let mut header: Vec<String> = vec!["arm".into(), "scenario".into(), "scenario_hash".into()];
    header.extend(plan.setting_columns.iter().cloned());
    header.push("runs".into());
    for e in &events {
        header.extend([
            format!("p_{e}"),
            format!("p_{e}_ci95_lo"),
            format!("p_{e}_ci95_hi"),
        ]);
    }
    header.extend(
        [
            "mean_first_crossing_year",
            "mean_lag_years",
            "mean_follower_lag_months",
        ]
        .map(String::from),
    );
    let mut out = String::new();
    push_header(&mut out, &header);
    for (k, (label, tally)) in plan.arms.iter().zip(&acc.arms).enumerate() {
        let m = ArmMetrics::of(tally);
        let _ = write!(out, "{k},");
        push_text(&mut out, &label.scenario);
        out.push(',');
        push_text(&mut out, &label.identity.hash);
        for s in &label.settings {
            out.push(',');
            push_text(&mut out, s);
        }
        let _ = write!(out, ",{}", m.runs);
        for p in &m.events {
            for x in [p.probability, p.ci95_lo, p.ci95_hi] {
                out.push(',');
                push_float(&mut out, x);
            }
        }
        for x in [
            m.mean_first_crossing_year,
            m.mean_lag_years,
            m.mean_follower_lag_months,
        ] {
            out.push(',');
            push_opt_float(&mut out, x);
        }
        out.push('\n');
    }
    out
}

/// The columns of `contrasts.csv`.
pub const CONTRAST_COLUMNS: [&str; 17] = [
    "arm",
    "event",
    "runs",
    "reference_count",
    "arm_count",
    "only_reference",
    "only_arm",
    "p_reference",
    "p_arm",
    "difference",
    "ci95_lo",
    "ci95_hi",
    "ci95_width",
    "unpaired_ci95_lo",
    "unpaired_ci95_hi",
    "unpaired_ci95_width",
    "variance_reduction",
];

/// The bytes of `contrasts.csv`: one row per arm after the first and event, in
/// [`CONTRAST_COLUMNS`] order; cells that are undefined are empty.
pub fn contrasts_csv(plan: &StudyPlan, acc: &StudyTally) -> String {
    let mut out = CONTRAST_COLUMNS.join(",");
    out.push('\n');
    for c in contrasts(plan, acc) {
        let t = &c.table;
        let n = t.n();
        let xa = t.both + t.only_a;
        let xb = t.both + t.only_b;
        let _ = write!(out, "{},", c.arm);
        push_text(&mut out, &c.event);
        let _ = write!(out, ",{n},{xa},{xb},{},{},", t.only_a, t.only_b);
        let p = |x: u64| (n > 0).then(|| x as f64 / n as f64);
        push_opt_float(&mut out, p(xa));
        out.push(',');
        push_opt_float(&mut out, p(xb));
        for x in [
            c.paired.map(|(d, _)| d),
            c.paired.map(|(_, i)| i.lo),
            c.paired.map(|(_, i)| i.hi),
            c.paired.map(|(_, i)| i.width()),
            c.unpaired.map(|i| i.lo),
            c.unpaired.map(|i| i.hi),
            c.unpaired.map(|i| i.width()),
            c.variance_reduction,
        ] {
            out.push(',');
            push_opt_float(&mut out, x);
        }
        out.push('\n');
    }
    out
}

/// The bytes of `points.csv`: `point`, one column per design column (the values as written),
/// `runs`, then the [`point_metric_columns`]; undefined means are empty cells.
pub fn points_csv(plan: &StudyPlan, acc: &StudyTally) -> String {
    let mut header: Vec<String> = vec!["point".into()];
    header.extend(plan.setting_columns.iter().cloned());
    header.push("runs".into());
    header.extend(point_metric_columns(&plan.blocs));
    let mut out = String::new();
    push_header(&mut out, &header);
    for (k, (label, tally)) in plan.arms.iter().zip(&acc.arms).enumerate() {
        let m = ArmMetrics::of(tally);
        let _ = write!(out, "{k}");
        for s in &label.settings {
            out.push(',');
            push_text(&mut out, s);
        }
        let _ = write!(out, ",{}", m.runs);
        for v in m.point_values() {
            out.push(',');
            push_opt_float(&mut out, v);
        }
        out.push('\n');
    }
    out
}

/// The bytes of `points.txt`: the metric columns of `points.csv` ([`point_metric_columns`]),
/// headerless, separated by single spaces, one line per point in design order, `nan` where
/// `points.csv` has an empty cell — the file `salib analyze -Y` reads.
pub fn points_txt(plan: &StudyPlan, acc: &StudyTally) -> String {
    let mut out = String::new();
    for tally in acc.arms.iter().take(plan.arms.len()) {
        for (i, v) in ArmMetrics::of(tally).point_values().into_iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            match v.filter(|x| x.is_finite()) {
                Some(x) => push_float(&mut out, x),
                None => out.push_str("nan"),
            }
        }
        out.push('\n');
    }
    out
}

/// Writes the result files of `plan`'s kind into `dir`: `summary.json`, and `arms.csv` +
/// `contrasts.csv` for a sweep or `points.csv` + `points.txt` for a batch, and `fan.csv`
/// when the arms' fans collected ([`crate::fan::fan_csv`]).
pub fn write_results(
    dir: &OutputDir,
    plan: &StudyPlan,
    acc: &StudyTally,
    precision: Option<PrecisionReport>,
) -> Result<(), RunnerError> {
    match plan.kind {
        StudyKind::Run => {}
        StudyKind::Sweep => {
            dir.write(ARMS_FILE, arms_csv(plan, acc).as_bytes())?;
            dir.write(CONTRASTS_FILE, contrasts_csv(plan, acc).as_bytes())?;
        }
        StudyKind::Batch => {
            dir.write(POINTS_FILE, points_csv(plan, acc).as_bytes())?;
            dir.write(POINTS_TXT_FILE, points_txt(plan, acc).as_bytes())?;
        }
    }
    if let Some(fan) = crate::fan::fan_csv(plan.kind.row_column(), &acc.arms) {
        dir.write(crate::fan::FAN_FILE, fan.as_bytes())?;
    }
    dir.write(
        crate::output::SUMMARY_FILE,
        summary_json(plan, acc, precision).as_bytes(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use polarity_model::RunKey;

    fn result(polarity: Polarity, leader: Option<usize>, first: Option<u32>) -> RunResult {
        RunResult {
            key: RunKey {
                study_seed: 1,
                run: 0,
            },
            seed: 0,
            polarity,
            leader,
            crossings: vec![first, None],
            first_tick: first,
            second_tick: None,
            window_ticks: None,
            decisive_tick: None,
            follower_lag_months: None,
            steps: 1,
            trace: Vec::new(),
            bloc_capability: Vec::new(),
            bloc_chip_stock: Vec::new(),
        }
    }

    fn plan(kind: StudyKind, arms: usize) -> StudyPlan {
        StudyPlan {
            kind,
            identity: ScenarioIdentity {
                name: "t".into(),
                hash: "h".into(),
            },
            seed: 1,
            runs: 4,
            blocs: vec!["a".into(), "b".into()],
            trace: TraceSelection::default(),
            setting_columns: vec!["x.y".into()],
            arms: (0..arms)
                .map(|k| ArmLabel {
                    scenario: "t".into(),
                    identity: ScenarioIdentity {
                        name: "t".into(),
                        hash: format!("h{k}"),
                    },
                    settings: vec![format!("{k}")],
                })
                .collect(),
        }
    }

    #[test]
    fn pairs_count_each_event_in_both_arms() {
        let mut p = ArmPairs::new(2);
        let uni_a = result(Polarity::Unipolar, Some(0), Some(100));
        let uni_b = result(Polarity::Unipolar, Some(1), Some(90));
        let none = result(Polarity::None, None, None);
        p.add(&uni_a, &uni_a);
        p.add(&uni_a, &uni_b);
        p.add(&none, &uni_a);
        let t = |i: usize| p.tables().nth(i).copied().unwrap();
        // unipolar: both, both, only b.
        assert_eq!((t(1).both, t(1).only_a, t(1).only_b), (2, 0, 1));
        // none: only a once.
        assert_eq!((t(0).only_a, t(0).neither), (1, 2));
        // led by a: both, only a, only b; led by b: only b.
        assert_eq!((t(4).both, t(4).only_a, t(4).only_b), (1, 1, 1));
        assert_eq!((t(5).only_b, t(5).neither), (1, 2));
    }

    #[test]
    fn identical_arms_have_exact_zero_contrasts() {
        let mut acc = StudyTally::new(vec![vec!["a".into(), "b".into()]; 2], true);
        for (k, o) in [Polarity::Unipolar, Polarity::None, Polarity::Bipolar]
            .into_iter()
            .enumerate()
        {
            let r = result(o, (o != Polarity::None).then_some(0), Some(96 + k as u32));
            acc.arms[0].add(&r);
            acc.arms[1].add(&r);
            acc.pairs[0].add(&r, &r);
        }
        let p = plan(StudyKind::Sweep, 2);
        let cs = contrasts(&p, &acc);
        assert_eq!(cs.len(), 6);
        for c in &cs {
            let (d, i) = c.paired.unwrap();
            assert_eq!(d, 0.0, "{}", c.event);
            assert_eq!(i.lo, -i.hi);
        }
        let csv = contrasts_csv(&p, &acc);
        assert_eq!(csv.lines().count(), 7);
        assert!(csv.starts_with("arm,event,runs,"));
        // multipolar never happens in either arm: the variance reduction is undefined.
        let multi = csv
            .lines()
            .find(|l| l.starts_with("1,multipolar,"))
            .unwrap();
        assert!(multi.ends_with(','), "{multi}");
        assert!(multi.contains(",0,0,0,0,0,0,"), "{multi}");
    }

    #[test]
    fn points_txt_mirrors_points_csv() {
        let mut acc = StudyTally::new(vec![vec!["a".into(), "b".into()]; 2], false);
        acc.arms[0].add(&result(Polarity::Unipolar, Some(1), Some(97_000)));
        acc.arms[0].add(&result(Polarity::None, None, None));
        acc.arms[1].add(&result(Polarity::None, None, None));
        let p = plan(StudyKind::Batch, 2);
        let csv = points_csv(&p, &acc);
        let txt = points_txt(&p, &acc);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "point,x.y,runs,p_none,p_unipolar,p_bipolar,p_multipolar,mean_first_crossing_year,\
             mean_lag_years,mean_follower_lag_months,p_unipolar_led_by_a,p_unipolar_led_by_b"
        );
        assert_eq!(
            lines.next().unwrap(),
            "0,0,2,0.5,0.5,0,0,2020.8333333333333,,,0,0.5"
        );
        assert_eq!(lines.next().unwrap(), "1,1,1,1,0,0,0,,,,0,0");
        assert_eq!(
            txt,
            "0.5 0.5 0 0 2020.8333333333333 nan nan 0 0.5\n1 0 0 0 nan nan nan 0 0\n"
        );
    }

    #[test]
    fn study_tallies_merge_exactly_and_serialize() {
        let mk = || StudyTally::new(vec![vec!["a".into(), "b".into()]; 3], true);
        let mut a = mk();
        a.pairs[1].outcomes[1].add(true, false);
        a.arms[2].add(&result(Polarity::Unipolar, Some(0), Some(5)));
        let mut b = mk();
        b.pairs[1].outcomes[1].add(false, false);
        b.merge(&a).unwrap();
        assert_eq!(b.pairs[1].outcomes[1].n(), 2);
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<StudyTally>(&json).unwrap(), b);
        let other = StudyTally::new(vec![vec!["a".into(), "b".into()]; 2], true);
        assert!(b.merge(&other).unwrap_err().is_input());
    }

    #[test]
    fn combined_identity_depends_on_every_arm() {
        let p = plan(StudyKind::Sweep, 3);
        let a = StudyPlan::combined_identity(p.kind, "t", &p.setting_columns, &p.arms);
        let mut arms = p.arms.clone();
        arms[2].settings[0] = "other".into();
        let b = StudyPlan::combined_identity(p.kind, "t", &p.setting_columns, &arms);
        assert_ne!(a.hash, b.hash);
        assert_eq!(a.hash.len(), 16);
        let c = StudyPlan::combined_identity(StudyKind::Batch, "t", &p.setting_columns, &p.arms);
        assert_ne!(a.hash, c.hash);
    }
}

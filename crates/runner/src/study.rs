//! A study and its engine: run indices spread over a local rayon pool, reduced in run order.
//!
//! The unit of reduction is one **run index**: every [`Arm`] of the study (one for
//! `polarity run`; one per arm of a sweep or per design point of a batch) is sampled and
//! simulated for that index in the same batch, and the arms' results for the index reach the
//! accumulators together as one [`RunRecord`], so paired comparisons need no second pass.
//! Runs are processed in ordered batches of at most [`BATCH_RUNS`] simulations: the (run,
//! arm) pairs of a batch are computed in parallel (so a batch of many design points keeps
//! every core busy even with one run per point), collected in (run, arm) order, then folded
//! into the [`StudyTally`] and handed to a [`RecordSink`] (which writes `runs.csv` and
//! `trajectories.csv`) one run index after another. After each batch the sink is told
//! ([`RecordSink::batch_done`]) — the point at which a checkpoint of (runs done, tallies,
//! file lengths) is consistent. Each worker thread keeps one [`Simulation`] (one `World`
//! and one `Schedule`) for the whole study, and a run depends only on (study seed, run index,
//! arm), so every result is byte-identical for any thread count and any batch size. Memory is
//! bounded by one batch of records plus the tallies.
//!
//! A study may be one [`Shard`] of a larger one: it then runs only the shard's contiguous
//! block of run indices ([`Shard::range`]).
//!
//! `--precision` is a pilot followed by exactly the number of runs the pilot asks for
//! ([`run_study`]); the pilot's runs are the study's first runs, so the result equals a plain
//! study of that many runs. It never looks at the running estimate after the pilot.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::Mutex;

use polarity_model::prepared::Prepared;
use polarity_model::state::AgentKind;
use polarity_model::{RunKey, RunOptions, RunResult, Scenario, Simulation};
use polarity_scenario::ScenarioFile;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::checkpoint::ResumeState;
use crate::error::RunnerError;
use crate::experiment::{ArmPairs, StudyTally};
use crate::rows::{push_run_line, push_trace_lines};
use crate::shard::Shard;
use crate::stats::{runs_needed, wilson};
use crate::summary::PrecisionReport;
use crate::tally::Tally;

/// Simulations (runs × arms) per batch: computed in parallel, then reduced in order. A batch
/// always holds at least one run index with all its arms. Results do not depend on it.
pub const BATCH_RUNS: u64 = 1024;

/// Traced simulations (traced runs × arms) per batch at most, and at least one traced run
/// index (their trajectories are held in memory until written).
pub const TRACED_RUNS_PER_BATCH: u64 = 16;

/// Runs in the `--precision` pilot (fewer when the study has fewer runs).
pub const PILOT_RUNS: u64 = 1000;

/// Most worker threads a study may ask for.
pub const MAX_THREADS: usize = 1024;

/// Most runs a study may ask for (`--runs`), the scenario's own limit on `study.runs`.
pub const MAX_RUNS: u64 = polarity_scenario::limits::MAX_RUNS;

/// Most `trajectories.csv` rows one traced simulation may produce (steps × agents): about
/// 0.7 GB of memory while its batch is written.
pub const MAX_TRACE_ROWS_PER_RUN: u64 = 2_000_000;

/// Most `trajectories.csv` rows a study may write (about 20 GB of text).
pub const MAX_TRACE_ROWS: u64 = 100_000_000;

/// Trajectory rows held in memory per batch at most (the traced simulations of a batch are
/// cut to fit, down to one).
pub const TRACE_ROWS_PER_BATCH: u64 = 2_000_000;

/// Values of the per-step bloc series (capability and chip stock, for fan charts) held in
/// memory per batch at most: a batch of worlds with many blocs and steps holds fewer runs.
pub const SERIES_VALUES_PER_BATCH: u64 = 16_000_000;

/// Where a run's parameters come from.
pub trait Sampler: Send + Sync {
    /// Paths of the uncertain parameters, in the order [`Sampler::sample`] writes them.
    fn parameters(&self) -> &[String];

    /// The world of run `run` of a study with seed `study_seed`; the sampled value of every
    /// uncertain parameter is written to `values` (cleared first).
    fn sample(&self, study_seed: u64, run: u64, values: &mut Vec<f64>) -> Scenario<f64>;
}

/// Samples a scenario file's distributions with [`polarity_scenario::sample`].
pub struct ScenarioSampler {
    file: ScenarioFile,
    parameters: Vec<String>,
}

impl ScenarioSampler {
    /// A sampler of `file` (overrides already applied).
    pub fn new(file: ScenarioFile) -> Self {
        let parameters = polarity_scenario::uncertain_parameters(&file)
            .into_iter()
            .map(|u| u.path)
            .collect();
        ScenarioSampler { file, parameters }
    }

    /// The scenario file.
    pub fn file(&self) -> &ScenarioFile {
        &self.file
    }
}

impl Sampler for ScenarioSampler {
    fn parameters(&self) -> &[String] {
        &self.parameters
    }

    fn sample(&self, study_seed: u64, run: u64, values: &mut Vec<f64>) -> Scenario<f64> {
        values.clear();
        polarity_scenario::sample(&self.file, study_seed, run, values)
    }
}

/// A fixed world (no uncertain parameters), e.g. the model's test world.
impl Sampler for Scenario<f64> {
    fn parameters(&self) -> &[String] {
        &[]
    }

    fn sample(&self, _study_seed: u64, _run: u64, values: &mut Vec<f64>) -> Scenario<f64> {
        values.clear();
        self.clone()
    }
}

/// The names of a world's agents, by kind and index (ids sorted, as in [`Prepared`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgentNames {
    /// Bloc ids.
    pub blocs: Vec<String>,
    /// Nation ids.
    pub nations: Vec<String>,
    /// Firm ids.
    pub firms: Vec<String>,
    /// Fab ids.
    pub fabs: Vec<String>,
}

impl AgentNames {
    /// The names of a prepared world.
    pub fn of(p: &Prepared) -> Self {
        AgentNames {
            blocs: p.bloc_ids.clone(),
            nations: p.nations.iter().map(|n| n.id.clone()).collect(),
            firms: p.firms.iter().map(|f| f.id.clone()).collect(),
            fabs: p.fabs.iter().map(|f| f.id.clone()).collect(),
        }
    }

    /// The id of agent `index` of `kind` (empty when out of range).
    pub fn name(&self, kind: AgentKind, index: usize) -> &str {
        let list = match kind {
            AgentKind::Bloc => &self.blocs,
            AgentKind::Nation => &self.nations,
            AgentKind::Firm => &self.firms,
            AgentKind::Fab => &self.fabs,
        };
        list.get(index).map_or("", String::as_str)
    }

    /// The id of bloc `index` (empty when out of range).
    pub fn bloc(&self, index: usize) -> &str {
        self.name(AgentKind::Bloc, index)
    }
}

/// One arm of a study (the single scenario of `polarity run`, an arm of a sweep, a point of
/// a batch): a source of worlds plus what identifies its rows.
pub struct Arm {
    sampler: Box<dyn Sampler>,
    names: AgentNames,
    row_prefix: String,
    /// Trajectory rows of one traced run (steps × agents, from run 0's world).
    trace_rows: u64,
    /// Values of one run's per-step bloc series (blocs × (horizon + 1) × 2).
    series_values: u64,
}

impl Arm {
    /// An arm sampling from `sampler`, with no prefix columns.
    pub fn new(sampler: Box<dyn Sampler>) -> Self {
        // Agent lists do not vary between runs: learn the names from any one sample.
        let prepared = Prepared::new(&sampler.sample(0, 0, &mut Vec::new()));
        let names = AgentNames::of(&prepared);
        let agents =
            (names.blocs.len() + names.nations.len() + names.firms.len() + names.fabs.len()) as u64;
        let blocs = names.blocs.len() as u64;
        Arm {
            sampler,
            names,
            row_prefix: String::new(),
            trace_rows: u64::from(prepared.max_steps).saturating_mul(agents),
            series_values: (u64::from(prepared.horizon_steps) + 1).saturating_mul(blocs * 2),
        }
    }

    /// Sets the cells written before each of this arm's `runs.csv` and `trajectories.csv`
    /// rows (already formatted, each followed by a comma, e.g. `"2,"` for arm 2 of a sweep).
    pub fn with_row_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.row_prefix = prefix.into();
        self
    }

    /// Agent names.
    pub fn names(&self) -> &AgentNames {
        &self.names
    }

    /// Uncertain parameter paths (the last columns of `runs.csv`).
    pub fn parameters(&self) -> &[String] {
        self.sampler.parameters()
    }
}

/// Which runs record trajectories: the first `first` runs and the listed ones.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceSelection {
    /// Trace runs `0..first` (`--trace K`).
    pub first: u64,
    /// Trace these runs too (`--trace-runs`).
    pub runs: BTreeSet<u64>,
}

impl TraceSelection {
    /// Whether run `run` is traced.
    pub fn contains(&self, run: u64) -> bool {
        run < self.first || self.runs.contains(&run)
    }

    /// Whether no run is traced.
    pub fn is_empty(&self) -> bool {
        self.first == 0 && self.runs.is_empty()
    }
}

/// A Monte Carlo study: its arms, seed, run count, threads and what to trace.
pub struct Study {
    /// The arms; every run index is run on each of them.
    pub arms: Vec<Arm>,
    /// Study seed.
    pub seed: u64,
    /// Number of runs (the cap when `precision` is set).
    pub runs: u64,
    /// Worker threads.
    pub threads: usize,
    /// Runs whose trajectories are recorded.
    pub trace: TraceSelection,
    /// `--precision`: the largest acceptable 95% half-width of an outcome probability.
    pub precision: Option<f64>,
    /// `--shard`: run only this shard's block of run indices.
    pub shard: Option<Shard>,
    /// Count paired tables of every arm against the first (a sweep's contrasts).
    pub paired: bool,
}

impl Study {
    /// Checks the settings, with messages that name the flag to change.
    pub fn check(&self) -> Result<(), RunnerError> {
        let bad = |m: String| Err(RunnerError::Settings(m));
        if self.arms.is_empty() {
            return bad("a study needs at least one scenario".into());
        }
        if self.runs == 0 {
            return bad("--runs must be at least 1".into());
        }
        if self.runs > MAX_RUNS {
            return bad(format!(
                "--runs {} is more than the limit of {MAX_RUNS} runs; split the study into \
                 shards (--shard) or studies with other seeds",
                self.runs
            ));
        }
        if self.threads == 0 || self.threads > MAX_THREADS {
            return bad(format!(
                "--threads must be between 1 and {MAX_THREADS}, not {}",
                self.threads
            ));
        }
        if let Some(eps) = self.precision
            && !(eps > 0.0 && eps < 0.5)
        {
            return bad(format!(
                "--precision must be a half-width between 0 and 0.5 (e.g. 0.01), not {eps}"
            ));
        }
        if let Some(&last) = self.trace.runs.last()
            && last >= self.runs
        {
            return bad(format!(
                "--trace-runs names run {last}, but the study has runs 0 to {}; run indices \
                 start at 0",
                self.runs - 1
            ));
        }
        self.check_trace_size()?;
        if let (Some(_), Some(shard)) = (self.precision, self.shard) {
            return bad(format!(
                "--precision cannot be combined with --shard {shard}: its pilot needs the \
                 study's first runs and sees the whole study, while a shard sees only its own \
                 block; choose the run count with --runs instead"
            ));
        }
        let blocs = &self.arms[0].names.blocs;
        if let Some((k, arm)) = self
            .arms
            .iter()
            .enumerate()
            .find(|(_, a)| &a.names.blocs != blocs)
        {
            return bad(format!(
                "arm {k} has the blocs {}, but arm 0 has {}: the arms of a study must have \
                 the same bloc ids to be compared",
                arm.names.blocs.join(","),
                blocs.join(",")
            ));
        }
        Ok(())
    }

    /// The number of traced run indices in the study's run range.
    pub fn traced_runs(&self) -> u64 {
        let range = self.run_range();
        let first = self.trace.first.clamp(range.start, range.end) - range.start;
        let listed = self
            .trace
            .runs
            .range(range.start.max(self.trace.first)..range.end)
            .count() as u64;
        first + listed
    }

    /// Refuses tracing that would not fit in memory or on a disk, before any run: one traced
    /// run of more than [`MAX_TRACE_ROWS_PER_RUN`] rows, or more than [`MAX_TRACE_ROWS`] in
    /// all (estimated from run 0's world: steps to the horizon plus the longest window, times
    /// agents).
    fn check_trace_size(&self) -> Result<(), RunnerError> {
        if self.trace.is_empty() {
            return Ok(());
        }
        let per_run = self.arms.iter().map(|a| a.trace_rows).max().unwrap_or(0);
        if per_run > MAX_TRACE_ROWS_PER_RUN {
            return Err(RunnerError::Settings(format!(
                "one traced run of this scenario writes about {per_run} rows of \
                 trajectories.csv (steps × agents), more than the limit of \
                 {MAX_TRACE_ROWS_PER_RUN}; trace a scenario with fewer steps or agents, or \
                 do not trace (--trace, --trace-runs)"
            )));
        }
        let per_index: u64 = self.arms.iter().map(|a| a.trace_rows).sum();
        let traced = self.traced_runs();
        let total = traced.saturating_mul(per_index);
        if total > MAX_TRACE_ROWS {
            return Err(RunnerError::Settings(format!(
                "tracing {traced} runs writes about {total} rows of trajectories.csv, more \
                 than the limit of {MAX_TRACE_ROWS} (about 20 GB); trace fewer runs \
                 (--trace, --trace-runs)"
            )));
        }
        Ok(())
    }

    /// The run indices this study runs: its shard's block, or all of them.
    pub fn run_range(&self) -> Range<u64> {
        match self.shard {
            Some(shard) => shard.range(self.runs),
            None => 0..self.runs,
        }
    }

    /// The uncertain-parameter columns of `runs.csv`: every arm's parameter paths, in the
    /// order they first appear going through the arms in order (an arm without one of them
    /// leaves its cell empty).
    pub fn parameter_columns(&self) -> Vec<String> {
        let mut columns: Vec<String> = Vec::new();
        for arm in &self.arms {
            for p in arm.parameters() {
                if !columns.contains(p) {
                    columns.push(p.clone());
                }
            }
        }
        columns
    }
}

/// One arm's result for one run index.
#[derive(Clone, Debug)]
pub struct ArmRecord {
    /// The run's result (its trace moved to `trace_lines`).
    pub result: RunResult,
    /// The run's `runs.csv` line (empty when the sink wants no rows).
    pub runs_line: String,
    /// The run's `trajectories.csv` lines (empty unless traced and rows are wanted).
    pub trace_lines: String,
}

/// Every arm's result for one run index.
#[derive(Clone, Debug)]
pub struct RunRecord {
    /// The run index.
    pub run: u64,
    /// One record per arm, in arm order.
    pub arms: Vec<ArmRecord>,
}

/// Receives run records in run order (e.g. to write `runs.csv`).
pub trait RecordSink {
    /// Whether records should carry formatted CSV lines.
    fn wants_rows(&self) -> bool;

    /// Takes the next record; records arrive in strictly increasing run order.
    fn record(&mut self, record: &RunRecord) -> Result<(), RunnerError>;

    /// Called after each batch, once every record of runs `..next_run` was taken and added
    /// to `tallies`: a consistent point to checkpoint (runs done, tallies, file lengths).
    /// Does nothing by default.
    fn batch_done(&mut self, next_run: u64, tallies: &StudyTally) -> Result<(), RunnerError> {
        let _ = (next_run, tallies);
        Ok(())
    }

    /// Called once a `--precision` pilot has chosen the run count: the pilot asked for
    /// `needed` runs, the study makes `total`. Does nothing by default.
    fn precision_planned(&mut self, needed: u64, total: u64) -> Result<(), RunnerError> {
        let _ = (needed, total);
        Ok(())
    }
}

/// A sink that keeps nothing (a study without `--out`).
pub struct DiscardRows;

impl RecordSink for DiscardRows {
    fn wants_rows(&self) -> bool {
        false
    }

    fn record(&mut self, _record: &RunRecord) -> Result<(), RunnerError> {
        Ok(())
    }
}

/// Progress reports, counted in simulations (runs × arms); called from worker threads.
pub trait Progress: Sync {
    /// The study will make `total` simulations in all (may be called again, e.g. after a
    /// pilot).
    fn planned(&self, total: u64);

    /// `runs` more simulations are done.
    fn advance(&self, runs: u64);
}

/// No progress reporting.
impl Progress for () {
    fn planned(&self, _total: u64) {}

    fn advance(&self, _runs: u64) {}
}

/// What a study produced besides its streamed rows.
#[derive(Clone, Debug, PartialEq)]
pub struct StudyResult {
    /// One tally per arm.
    pub tallies: Vec<Tally>,
    /// With [`Study::paired`]: each arm after the first against the first.
    pub pairs: Vec<ArmPairs>,
    /// Runs of the study (with `--precision`, the number it chose; with a shard, the whole
    /// study's, of which `range` was run).
    pub runs: u64,
    /// The run indices run.
    pub range: Range<u64>,
    /// How `--precision` chose the run count, when it did.
    pub precision: Option<PrecisionReport>,
}

impl StudyResult {
    /// The accumulators, as [`crate::experiment::write_results`] takes them.
    pub fn study_tally(&self) -> StudyTally {
        StudyTally {
            arms: self.tallies.clone(),
            pairs: self.pairs.clone(),
        }
    }
}

struct Worker {
    sim: Simulation,
    values: Vec<f64>,
    columns: Vec<f64>,
}

/// The engine: a local thread pool and one [`Simulation`] per worker thread.
pub struct Runner<'a> {
    study: &'a Study,
    pool: rayon::ThreadPool,
    workers: Vec<Mutex<Option<Worker>>>,
    /// Per arm: where each of its parameters goes among [`Study::parameter_columns`], or
    /// `None` when its parameters are exactly those columns.
    column_maps: Vec<Option<Vec<usize>>>,
    /// The number of parameter columns.
    width: usize,
}

impl<'a> Runner<'a> {
    /// An engine for `study` with its own pool of `study.threads` threads (never the global
    /// rayon pool).
    pub fn new(study: &'a Study) -> Result<Self, RunnerError> {
        let threads = study.threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("polarity-worker-{i}"))
            .build()
            .map_err(|e| RunnerError::Threads {
                threads,
                message: e.to_string(),
            })?;
        let columns = study.parameter_columns();
        let column_maps = study
            .arms
            .iter()
            .map(|arm| {
                (arm.parameters() != columns.as_slice()).then(|| {
                    arm.parameters()
                        .iter()
                        .map(|p| columns.iter().position(|c| c == p).unwrap_or(0))
                        .collect()
                })
            })
            .collect();
        Ok(Runner {
            study,
            pool,
            workers: (0..threads).map(|_| Mutex::new(None)).collect(),
            column_maps,
            width: columns.len(),
        })
    }

    /// Fresh accumulators: one tally per arm, and the paired tables when the study is
    /// paired; each tally's fan collects when the study has at most
    /// [`crate::fan::MAX_FAN_ARMS`] arms.
    pub fn empty_tallies(&self) -> StudyTally {
        let mut acc = StudyTally::new(
            self.study
                .arms
                .iter()
                .map(|a| a.names.blocs.clone())
                .collect(),
            self.study.paired,
        );
        crate::fan::start_fans(&mut acc.arms, &self.study.arms, |arm| {
            Prepared::new(&arm.sampler.sample(0, 0, &mut Vec::new()))
        });
        acc
    }

    /// Runs the indices `range` in ordered batches, adding each run index's results to
    /// `tallies` and handing them to `sink` in run order; after each batch calls
    /// [`RecordSink::batch_done`].
    pub fn run_range(
        &self,
        range: Range<u64>,
        tallies: &mut StudyTally,
        sink: &mut dyn RecordSink,
        progress: &dyn Progress,
    ) -> Result<(), RunnerError> {
        let rows = sink.wants_rows();
        let arms = self.study.arms.len().max(1);
        let mut start = range.start;
        while start < range.end {
            let end = self.batch_end(start, range.end);
            // (run, arm) units in run-major order; `collect` keeps that order.
            let units = (end - start) as usize * arms;
            let results: Vec<ArmRecord> = self.pool.install(|| {
                (0..units)
                    .into_par_iter()
                    .map(|u| {
                        let run = start + (u / arms) as u64;
                        let record = self.run_unit(run, u % arms, rows);
                        progress.advance(1);
                        record
                    })
                    .collect()
            });
            let mut results = results.into_iter();
            for run in start..end {
                let record = RunRecord {
                    run,
                    arms: results.by_ref().take(arms).collect(),
                };
                tallies.add(&record);
                sink.record(&record)?;
            }
            sink.batch_done(end, tallies)?;
            start = end;
        }
        Ok(())
    }

    /// The end of the batch starting at `start`: at most [`BATCH_RUNS`] simulations and at
    /// most [`TRACED_RUNS_PER_BATCH`] traced simulations, but always at least one run index.
    fn batch_end(&self, start: u64, limit: u64) -> u64 {
        let arms = self.study.arms.len().max(1) as u64;
        // Bloc series held per run index (all arms): a batch holds at most
        // SERIES_VALUES_PER_BATCH of them, and at least one run index.
        let series: u64 = self.study.arms.iter().map(|a| a.series_values).sum();
        let by_memory = (SERIES_VALUES_PER_BATCH / series.max(1)).max(1);
        let end = start
            .saturating_add((BATCH_RUNS / arms).max(1).min(by_memory))
            .min(limit);
        let trace = &self.study.trace;
        if trace.is_empty() {
            return end;
        }
        let rows: u64 = self.study.arms.iter().map(|a| a.trace_rows).sum();
        let most_traced = (TRACED_RUNS_PER_BATCH / arms)
            .max(1)
            .min((TRACE_ROWS_PER_BATCH / rows.max(1)).max(1));
        let mut traced = 0;
        for run in start..end {
            if trace.contains(run) {
                traced += 1;
                if traced == most_traced {
                    return run + 1;
                }
            }
        }
        end
    }

    /// Runs arm `arm` for run index `run` on the calling worker's simulation.
    fn run_unit(&self, run: u64, arm_index: usize, rows: bool) -> ArmRecord {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.workers.len();
        // A poisoned lock means a previous run panicked, which already aborts the study.
        let mut guard = self.workers[slot]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let worker = guard.get_or_insert_with(|| Worker {
            sim: Simulation::new(),
            values: Vec::new(),
            columns: Vec::new(),
        });
        let study = self.study;
        let arm = &study.arms[arm_index];
        let key = RunKey {
            study_seed: study.seed,
            run,
        };
        let traced = study.trace.contains(run);
        let world = arm.sampler.sample(study.seed, run, &mut worker.values);
        let mut result = worker.sim.run(&world, key, RunOptions { trace: traced });
        let trace = std::mem::take(&mut result.trace);
        let mut runs_line = String::new();
        let mut trace_lines = String::new();
        if rows {
            let values = match self.column_maps.get(arm_index).and_then(Option::as_ref) {
                None => &worker.values,
                Some(map) => {
                    // NaN is written as an empty cell: a parameter this arm does not have.
                    worker.columns.clear();
                    worker.columns.resize(self.width, f64::NAN);
                    for (&column, &v) in map.iter().zip(&worker.values) {
                        worker.columns[column] = v;
                    }
                    &worker.columns
                }
            };
            push_run_line(
                &mut runs_line,
                &arm.row_prefix,
                &result,
                &arm.names.blocs,
                values,
            );
            push_trace_lines(&mut trace_lines, &arm.row_prefix, run, &trace, &arm.names);
        }
        ArmRecord {
            result,
            runs_line,
            trace_lines,
        }
    }
}

/// Runs a whole study: all of `study.runs`, or with `study.precision` a pilot of
/// `min(PILOT_RUNS, runs)` runs, then up to the number of runs the pilot says every outcome
/// probability needs for a 95% half-width of at most the target ([`runs_needed`], the
/// largest over arms and outcomes), never fewer than the pilot and never more than
/// `study.runs`. The pilot runs are runs `0..pilot` of the study, so the result is exactly
/// that of a plain study of the chosen size.
pub fn run_study(
    study: &Study,
    sink: &mut dyn RecordSink,
    progress: &dyn Progress,
) -> Result<StudyResult, RunnerError> {
    run_study_from(study, sink, progress, None)
}

/// As [`run_study`], continuing from a checkpoint when `from` is given: its accumulators,
/// from its next run index (and, with `--precision`, with the run count its pilot chose).
/// The result, and the rows handed to `sink`, are those of the uninterrupted study from that
/// run on.
pub fn run_study_from(
    study: &Study,
    sink: &mut dyn RecordSink,
    progress: &dyn Progress,
    from: Option<ResumeState>,
) -> Result<StudyResult, RunnerError> {
    study.check()?;
    let runner = Runner::new(study)?;
    let (mut acc, next, plan) = match from {
        Some(r) => (r.tallies, Some(r.next_run), r.precision_plan),
        None => (runner.empty_tallies(), None, None),
    };
    let arms = study.arms.len() as u64;
    // Progress counts every simulation of the study, those already done included.
    let resume_at = |range: &Range<u64>| {
        let at = next.unwrap_or(range.start).clamp(range.start, range.end);
        progress.advance((at - range.start).saturating_mul(arms));
        at..range.end
    };
    let Some(eps) = study.precision else {
        let range = study.run_range();
        progress.planned((range.end - range.start).saturating_mul(arms));
        runner.run_range(resume_at(&range), &mut acc, sink, progress)?;
        return Ok(StudyResult {
            tallies: acc.arms,
            pairs: acc.pairs,
            runs: study.runs,
            range,
            precision: None,
        });
    };
    let pilot = PILOT_RUNS.min(study.runs);
    let (needed, total) = match plan {
        Some(plan) => {
            progress.planned(plan.1.saturating_mul(arms));
            progress.advance(next.unwrap_or(0).min(plan.1).saturating_mul(arms));
            plan
        }
        None => {
            progress.planned(pilot.saturating_mul(arms));
            runner.run_range(resume_at(&(0..pilot)), &mut acc, sink, progress)?;
            let needed = acc
                .arms
                .iter()
                .map(|t| runs_needed(&t.outcomes.in_order(), t.runs, eps))
                .max()
                .unwrap_or(0);
            let total = needed.clamp(pilot, study.runs);
            sink.precision_planned(needed, total)?;
            progress.planned(total.saturating_mul(arms));
            (needed, total)
        }
    };
    let from = next.unwrap_or(pilot).clamp(pilot, total);
    runner.run_range(from..total, &mut acc, sink, progress)?;
    let achieved = acc
        .arms
        .iter()
        .flat_map(|t| {
            t.outcomes
                .in_order()
                .map(|x| wilson(x, t.runs).map_or(0.0, |ci| ci.width() / 2.0))
        })
        .fold(0.0, f64::max);
    Ok(StudyResult {
        tallies: acc.arms,
        pairs: acc.pairs,
        runs: total,
        range: 0..total,
        precision: Some(PrecisionReport {
            target_half_width: eps,
            pilot_runs: pilot,
            runs_needed: needed,
            runs_cap: study.runs,
            runs: total,
            achieved_half_width: achieved,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use polarity_model::testworld::test_world;

    struct Collect(Vec<(u64, String, String)>);

    impl RecordSink for Collect {
        fn wants_rows(&self) -> bool {
            true
        }
        fn record(&mut self, r: &RunRecord) -> Result<(), RunnerError> {
            let a = &r.arms[0];
            self.0
                .push((r.run, a.runs_line.clone(), a.trace_lines.clone()));
            Ok(())
        }
    }

    fn study(threads: usize, runs: u64) -> Study {
        Study {
            arms: vec![Arm::new(Box::new(test_world()))],
            seed: 5,
            runs,
            threads,
            trace: TraceSelection {
                first: 2,
                runs: [7].into(),
            },
            precision: None,
            shard: None,
            paired: false,
        }
    }

    #[test]
    fn results_do_not_depend_on_threads() {
        let mut one = Collect(Vec::new());
        let mut two = Collect(Vec::new());
        let a = run_study(&study(1, 40), &mut one, &()).unwrap();
        let b = run_study(&study(2, 40), &mut two, &()).unwrap();
        assert_eq!(a, b);
        assert_eq!(one.0, two.0);
        assert_eq!(
            one.0.iter().map(|r| r.0).collect::<Vec<_>>(),
            (0..40).collect::<Vec<_>>()
        );
        let traced: Vec<u64> = one
            .0
            .iter()
            .filter(|r| !r.2.is_empty())
            .map(|r| r.0)
            .collect();
        assert_eq!(traced, [0, 1, 7]);
    }

    #[test]
    fn batches_hold_a_bounded_number_of_traced_runs() {
        let mut s = study(1, 5000);
        s.trace = TraceSelection {
            first: 40,
            runs: [1500].into(),
        };
        let runner = Runner::new(&s).unwrap();
        assert_eq!(runner.batch_end(0, 5000), TRACED_RUNS_PER_BATCH);
        assert_eq!(runner.batch_end(32, 5000), 40 + BATCH_RUNS - 8);
        assert_eq!(runner.batch_end(40, 5000), 40 + BATCH_RUNS);
        assert_eq!(runner.batch_end(4500, 5000), 5000);
    }

    #[test]
    fn settings_are_checked() {
        let mut s = study(1, 10);
        s.trace.runs = [10].into();
        assert!(s.check().unwrap_err().to_string().contains("run 10"));
        let mut s = study(1, 0);
        s.trace = TraceSelection::default();
        assert!(s.check().unwrap_err().is_input());
        let mut s = study(1, 10);
        s.precision = Some(0.0);
        assert!(s.check().is_err());
    }

    #[test]
    fn precision_equals_a_plain_study_of_the_chosen_size() {
        let mut s = study(2, 3000);
        s.trace = TraceSelection::default();
        s.precision = Some(0.2);
        let p = run_study(&s, &mut DiscardRows, &()).unwrap();
        let report = p.precision.unwrap();
        // A half-width of 0.2 needs at most 24 runs, so the pilot of 1000 runs is all.
        assert_eq!(report.pilot_runs, 1000);
        assert!(report.runs_needed <= 24);
        assert_eq!(p.runs, 1000);
        let mut plain = study(1, 1000);
        plain.trace = TraceSelection::default();
        let q = run_study(&plain, &mut DiscardRows, &()).unwrap();
        assert_eq!(p.tallies, q.tallies);
    }

    /// Collects every arm's rows.
    struct CollectAll(Vec<String>, Vec<u64>);

    impl RecordSink for CollectAll {
        fn wants_rows(&self) -> bool {
            true
        }
        fn record(&mut self, r: &RunRecord) -> Result<(), RunnerError> {
            for a in &r.arms {
                self.0.push(a.runs_line.clone());
            }
            Ok(())
        }
        fn batch_done(&mut self, next_run: u64, t: &StudyTally) -> Result<(), RunnerError> {
            assert_eq!(t.runs(), next_run - self.1.first().copied().unwrap_or(0));
            self.1.push(next_run);
            Ok(())
        }
    }

    fn arms_study(threads: usize, runs: u64, arms: usize) -> Study {
        Study {
            arms: (0..arms)
                .map(|k| Arm::new(Box::new(test_world())).with_row_prefix(format!("{k},")))
                .collect(),
            paired: true,
            trace: TraceSelection::default(),
            ..study(threads, runs)
        }
    }

    #[test]
    fn arms_of_one_run_index_arrive_together_whatever_the_threads() {
        let mut one = CollectAll(Vec::new(), vec![0]);
        let mut two = CollectAll(Vec::new(), vec![0]);
        let a = run_study(&arms_study(1, 30, 3), &mut one, &()).unwrap();
        let b = run_study(&arms_study(2, 30, 3), &mut two, &()).unwrap();
        assert_eq!(a, b);
        assert_eq!(one.0, two.0);
        assert_eq!(one.0.len(), 90);
        // Run-major order: run 0 of arms 0, 1, 2, then run 1, ...
        for (i, line) in one.0.iter().enumerate() {
            let prefix = format!("{},{},", i % 3, i / 3);
            assert!(line.starts_with(&prefix), "{line}");
        }
        // Identical arms: every paired table is concordant.
        assert_eq!(a.pairs.len(), 2);
        for pairs in &a.pairs {
            for t in pairs.tables() {
                assert_eq!((t.only_a, t.only_b, t.n()), (0, 0, 30));
            }
        }
        // Batches of at most BATCH_RUNS simulations: 1024 / 3 = 341 run indices; 30 fit in one.
        assert_eq!(one.1, [0, 30]);
    }

    #[test]
    fn many_arms_batch_by_simulations() {
        let s = arms_study(1, 10_000, 300);
        let runner = Runner::new(&s).unwrap();
        assert_eq!(runner.batch_end(0, 10_000), 3);
        let s = arms_study(1, 10, 5000);
        let runner = Runner::new(&s).unwrap();
        assert_eq!(runner.batch_end(4, 10), 5, "always at least one run index");
    }

    #[test]
    fn shards_run_their_block_and_merge_to_the_whole() {
        let whole = run_study(&arms_study(2, 50, 2), &mut DiscardRows, &()).unwrap();
        let mut merged = StudyTally::new(vec![whole.tallies[0].blocs.clone(); 2], true);
        let mut lines = Vec::new();
        for index in 1..=3 {
            let mut s = arms_study(1, 50, 2);
            s.shard = Some(Shard { index, count: 3 });
            let mut sink = CollectAll(Vec::new(), vec![s.run_range().start]);
            let part = run_study(&s, &mut sink, &()).unwrap();
            assert_eq!(part.range, Shard { index, count: 3 }.range(50));
            assert_eq!(part.runs, 50);
            merged.merge(&part.study_tally()).unwrap();
            lines.extend(sink.0);
        }
        assert_eq!(merged, whole.study_tally());
        let mut all = CollectAll(Vec::new(), vec![0]);
        run_study(&arms_study(1, 50, 2), &mut all, &()).unwrap();
        assert_eq!(lines, all.0);
    }

    #[test]
    fn precision_is_refused_with_a_shard() {
        let mut s = study(1, 10);
        s.precision = Some(0.1);
        s.shard = Some(Shard { index: 1, count: 2 });
        let e = s.check().unwrap_err();
        assert!(e.is_input() && e.to_string().contains("--shard 1/2"), "{e}");
    }
}

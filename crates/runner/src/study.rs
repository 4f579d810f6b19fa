//! A study and its engine: run indices spread over a local rayon pool, reduced in run order.
//!
//! The unit of work is one **run index**: every [`Arm`] of the study (one for `polarity run`;
//! one per arm of a sweep or per design point of a batch) is sampled and simulated for that
//! index on the same worker, so paired comparisons need no second pass. Runs are processed in
//! ordered batches: a batch is computed in parallel, collected in run order, then folded into
//! the [`Tally`]s and handed to a [`RecordSink`] (which writes `runs.csv` and
//! `trajectories.csv`) one run after another. Each worker thread keeps one [`Simulation`]
//! (one `World` and one `Schedule`) for the whole study, and a run depends only on (study
//! seed, run index), so every result is byte-identical for any thread count and any batch
//! size. Memory is bounded by one batch of records plus the tallies.
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

use crate::error::RunnerError;
use crate::rows::{push_run_line, push_trace_lines};
use crate::stats::{runs_needed, wilson};
use crate::summary::PrecisionReport;
use crate::tally::Tally;

/// Runs per batch: computed in parallel, then reduced in order. Results do not depend on it.
pub const BATCH_RUNS: u64 = 1024;

/// Traced runs per batch at most (their trajectories are held in memory until written).
pub const TRACED_RUNS_PER_BATCH: u64 = 16;

/// Runs in the `--precision` pilot (fewer when the study has fewer runs).
pub const PILOT_RUNS: u64 = 1000;

/// Most worker threads a study may ask for.
pub const MAX_THREADS: usize = 1024;

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

/// One arm of a study: a source of worlds plus what identifies its rows.
pub struct Arm {
    sampler: Box<dyn Sampler>,
    names: AgentNames,
    row_prefix: String,
}

impl Arm {
    /// An arm sampling from `sampler`, with no prefix columns.
    pub fn new(sampler: Box<dyn Sampler>) -> Self {
        // Agent lists do not vary between runs: learn the names from any one sample.
        let names = AgentNames::of(&Prepared::new(&sampler.sample(0, 0, &mut Vec::new())));
        Arm {
            sampler,
            names,
            row_prefix: String::new(),
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
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
        Ok(())
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

/// Progress reports; called from worker threads.
pub trait Progress: Sync {
    /// The study will make `total` runs in all (may be called again, e.g. after a pilot).
    fn planned(&self, total: u64);

    /// `runs` more runs are done.
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
    /// Runs made.
    pub runs: u64,
    /// How `--precision` chose the run count, when it did.
    pub precision: Option<PrecisionReport>,
}

struct Worker {
    sim: Simulation,
    values: Vec<f64>,
}

/// The engine: a local thread pool and one [`Simulation`] per worker thread.
pub struct Runner<'a> {
    study: &'a Study,
    pool: rayon::ThreadPool,
    workers: Vec<Mutex<Option<Worker>>>,
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
        Ok(Runner {
            study,
            pool,
            workers: (0..threads).map(|_| Mutex::new(None)).collect(),
        })
    }

    /// Fresh tallies, one per arm.
    pub fn empty_tallies(&self) -> Vec<Tally> {
        self.study
            .arms
            .iter()
            .map(|a| Tally::new(a.names.blocs.clone()))
            .collect()
    }

    /// Runs the indices `range` in ordered batches, adding each run to `tallies` (one per
    /// arm) and handing it to `sink` in run order.
    pub fn run_range(
        &self,
        range: Range<u64>,
        tallies: &mut [Tally],
        sink: &mut dyn RecordSink,
        progress: &dyn Progress,
    ) -> Result<(), RunnerError> {
        let rows = sink.wants_rows();
        let mut start = range.start;
        while start < range.end {
            let end = self.batch_end(start, range.end);
            let records: Vec<RunRecord> = self.pool.install(|| {
                (start..end)
                    .into_par_iter()
                    .map(|run| {
                        let record = self.run_index(run, rows);
                        progress.advance(1);
                        record
                    })
                    .collect()
            });
            for record in &records {
                for (tally, arm) in tallies.iter_mut().zip(&record.arms) {
                    tally.add(&arm.result);
                }
                sink.record(record)?;
            }
            start = end;
        }
        Ok(())
    }

    /// The end of the batch starting at `start`: at most [`BATCH_RUNS`] runs and at most
    /// [`TRACED_RUNS_PER_BATCH`] traced runs.
    fn batch_end(&self, start: u64, limit: u64) -> u64 {
        let end = start.saturating_add(BATCH_RUNS).min(limit);
        let trace = &self.study.trace;
        if trace.is_empty() {
            return end;
        }
        let mut traced = 0;
        for run in start..end {
            if trace.contains(run) {
                traced += 1;
                if traced == TRACED_RUNS_PER_BATCH {
                    return run + 1;
                }
            }
        }
        end
    }

    /// Runs every arm for run index `run` on the calling worker's simulation.
    fn run_index(&self, run: u64, rows: bool) -> RunRecord {
        let slot = rayon::current_thread_index().unwrap_or(0) % self.workers.len();
        // A poisoned lock means a previous run panicked, which already aborts the study.
        let mut guard = self.workers[slot]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let worker = guard.get_or_insert_with(|| Worker {
            sim: Simulation::new(),
            values: Vec::new(),
        });
        let study = self.study;
        let key = RunKey {
            study_seed: study.seed,
            run,
        };
        let traced = study.trace.contains(run);
        let arms = study
            .arms
            .iter()
            .map(|arm| {
                let world = arm.sampler.sample(study.seed, run, &mut worker.values);
                let mut result = worker.sim.run(&world, key, RunOptions { trace: traced });
                let trace = std::mem::take(&mut result.trace);
                let mut runs_line = String::new();
                let mut trace_lines = String::new();
                if rows {
                    push_run_line(
                        &mut runs_line,
                        &arm.row_prefix,
                        &result,
                        &arm.names.blocs,
                        &worker.values,
                    );
                    push_trace_lines(&mut trace_lines, &arm.row_prefix, run, &trace, &arm.names);
                }
                ArmRecord {
                    result,
                    runs_line,
                    trace_lines,
                }
            })
            .collect();
        RunRecord { run, arms }
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
    study.check()?;
    let runner = Runner::new(study)?;
    let mut tallies = runner.empty_tallies();
    let Some(eps) = study.precision else {
        progress.planned(study.runs);
        runner.run_range(0..study.runs, &mut tallies, sink, progress)?;
        return Ok(StudyResult {
            tallies,
            runs: study.runs,
            precision: None,
        });
    };
    let pilot = PILOT_RUNS.min(study.runs);
    progress.planned(pilot);
    runner.run_range(0..pilot, &mut tallies, sink, progress)?;
    let needed = tallies
        .iter()
        .map(|t| runs_needed(&t.outcomes.in_order(), t.runs, eps))
        .max()
        .unwrap_or(0);
    let total = needed.clamp(pilot, study.runs);
    progress.planned(total);
    runner.run_range(pilot..total, &mut tallies, sink, progress)?;
    let achieved = tallies
        .iter()
        .flat_map(|t| {
            t.outcomes
                .in_order()
                .map(|x| wilson(x, t.runs).map_or(0.0, |ci| ci.width() / 2.0))
        })
        .fold(0.0, f64::max);
    Ok(StudyResult {
        tallies,
        runs: total,
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
}

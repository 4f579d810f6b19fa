//! Running a prepared study — `run`, `sweep` or `batch` — and writing its output folder.
//!
//! The commands differ only in how they build their arms ([`Prepared`]); from there the path
//! is shared: check the settings, prepare the folder, write the scenario file(s), stream
//! `runs.csv`/`trajectories.csv`, write the result files from the exact tallies
//! (`polarity_runner::experiment::write_results`, the same code `merge` uses), `tally.json`
//! for a shard, and `manifest.json` last; then print the human tables (or `--json`).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use clap::Args;
use polarity_runner::experiment::{StudyKind, StudyPlan, StudyTally, summary_json, write_results};
use polarity_runner::merge::ShardRecord;
use polarity_runner::output::{BUILD, MANIFEST_FILE, TALLY_FILE, VERSION, utc_iso8601};
use polarity_runner::summary::PrecisionReport;
use polarity_runner::{
    DiscardRows, Manifest, OutputDir, RunFiles, Shard, Study, TraceSelection, run_study,
};

use crate::report;
use crate::{Failure, progress::ProgressBar};

/// Flags shared by `sweep` and `batch` (`run` has the same ones, plus `--precision`).
#[derive(Debug, Args)]
pub struct StudyFlags {
    /// Runs per arm [default: the (first) scenario's study.runs].
    #[arg(long, value_name = "N")]
    pub runs: Option<u64>,
    /// Study seed [default: the (first) scenario's study.seed]. Every arm uses the same run
    /// seeds.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Write the study's files into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the study files in an existing, non-empty --out folder.
    #[arg(long)]
    pub force: bool,
    /// Record trajectories of the first K runs of every arm (needs --out).
    #[arg(long, value_name = "K")]
    pub trace: Option<u64>,
    /// Record trajectories of these runs of every arm (0-based, comma-separated; needs --out).
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub trace_runs: Vec<u64>,
    /// Run only shard I of N (contiguous blocks of run indices, I from 1), or `slurm` to
    /// take it from SLURM_ARRAY_TASK_ID/COUNT; merge the shard folders with `polarity merge`.
    #[arg(long, value_name = "I/N|slurm")]
    pub shard: Option<String>,
    /// Print nothing but errors (and the JSON summary with --json); no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print summary.json to stdout instead of the tables.
    #[arg(long)]
    pub json: bool,
    /// After the study, draw its charts into DIR/plots/ and write DIR/report.html (needs
    /// --out DIR; not with --shard).
    #[arg(long)]
    pub plot: bool,
}

/// Common settings of a study, whatever the command.
pub struct Settings<'a> {
    /// `--runs` (else the scenario's).
    pub runs: Option<u64>,
    /// `--seed` (else the scenario's).
    pub seed: Option<u64>,
    /// `--threads`.
    pub threads: Option<usize>,
    /// `--out`.
    pub out: Option<&'a PathBuf>,
    /// `--force`.
    pub force: bool,
    /// `--trace` and `--trace-runs`.
    pub trace: TraceSelection,
    /// `--shard`, as written.
    pub shard: Option<&'a str>,
    /// `--precision`.
    pub precision: Option<f64>,
    /// `--quiet`.
    pub quiet: bool,
    /// `--json`.
    pub json: bool,
}

impl<'a> Settings<'a> {
    /// The settings of `sweep` and `batch`.
    pub fn of(flags: &'a StudyFlags) -> Self {
        Settings {
            runs: flags.runs,
            seed: flags.seed,
            threads: flags.threads,
            out: flags.out.as_ref(),
            force: flags.force,
            trace: TraceSelection {
                first: flags.trace.unwrap_or(0),
                runs: flags.trace_runs.iter().copied().collect(),
            },
            shard: flags.shard.as_deref(),
            precision: None,
            quiet: flags.quiet,
            json: flags.json,
        }
    }
}

/// A study ready to run: its plan, its arms and the scenario files to write.
pub struct Prepared {
    /// Labels and identity (its `seed`, `runs` and `trace` are filled in by [`execute`]).
    pub plan: StudyPlan,
    /// The arms (the other fields are filled in by [`execute`]).
    pub arms: Vec<polarity_runner::Arm>,
    /// The scenario's own seed and run count (defaults for `--seed` and `--runs`).
    pub default_seed: u64,
    /// The default run count.
    pub default_runs: u64,
    /// Files to write before running, (name, content): `scenario.ron` or `arms/K.ron`.
    pub scenario_files: Vec<(String, String)>,
}

/// The shard named by `--shard` (`I/N` or `slurm`), if any.
pub fn parse_shard(arg: Option<&str>) -> Result<Option<Shard>, Failure> {
    match arg.map(str::trim) {
        None => Ok(None),
        Some("slurm") => Ok(Some(Shard::from_slurm(|k| std::env::var(k).ok())?)),
        Some(text) => Ok(Some(Shard::parse(text)?)),
    }
}

/// All cores.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The `manifest.json` of a study or merge that started at `started`.
pub fn manifest(
    plan: &StudyPlan,
    runs: u64,
    shard: Option<Shard>,
    threads: usize,
    started: SystemTime,
    elapsed: f64,
) -> Manifest {
    Manifest {
        tool: "polarity".into(),
        version: VERSION.into(),
        build: BUILD.into(),
        scenario: plan.identity.clone(),
        command_line: std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        seed: plan.seed,
        runs,
        kind: Some(plan.kind),
        shard: shard.map(|s| s.to_string()),
        run_range: shard.map(|s| {
            let r = s.range(runs);
            [r.start, r.end]
        }),
        merged_from: None,
        threads,
        started: utc_iso8601(started),
        finished: utc_iso8601(SystemTime::now()),
        elapsed_seconds: elapsed,
    }
}

/// Prints a study's results: `summary.json` with `--json`, otherwise the tables of its kind.
pub fn print_results(
    out: &mut dyn Write,
    plan: &StudyPlan,
    acc: &StudyTally,
    precision: Option<PrecisionReport>,
    json: bool,
    elapsed: f64,
    folder: Option<&std::path::Path>,
) -> Result<(), Failure> {
    if json {
        out.write_all(summary_json(plan, acc, precision).as_bytes())?;
        return Ok(());
    }
    match plan.kind {
        StudyKind::Run => {
            let empty = polarity_runner::Tally::new(plan.blocs.clone());
            let tally = acc.arms.first().unwrap_or(&empty);
            let mut summary =
                polarity_runner::Summary::new(plan.identity.clone(), plan.seed, tally);
            summary.precision = precision;
            report::print_summary(out, &summary, elapsed, folder)?;
        }
        StudyKind::Sweep => report::print_sweep(out, plan, acc, elapsed, folder)?,
        StudyKind::Batch => report::print_batch(out, plan, acc, elapsed, folder)?,
    }
    Ok(())
}

/// Runs `prepared` with `settings` and writes its folder; prints the results to `out`.
pub fn execute(
    prepared: Prepared,
    settings: &Settings,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let Prepared {
        mut plan,
        arms,
        default_seed,
        default_runs,
        scenario_files,
    } = prepared;
    let shard = parse_shard(settings.shard)?;
    if !settings.trace.is_empty() && settings.out.is_none() {
        return Err(Failure::input(
            "--trace and --trace-runs write trajectories.csv, so they need --out DIR",
        ));
    }
    if let (Some(s), None) = (shard, settings.out) {
        return Err(Failure::input(format!(
            "--shard {s} writes a shard folder for `polarity merge`, so it needs --out DIR"
        )));
    }
    let study = Study {
        seed: settings.seed.unwrap_or(default_seed),
        runs: settings.runs.unwrap_or(default_runs),
        threads: settings.threads.unwrap_or_else(default_threads),
        trace: settings.trace.clone(),
        precision: settings.precision,
        shard,
        paired: plan.kind == StudyKind::Sweep,
        arms,
    };
    study.check()?;
    plan.seed = study.seed;
    plan.runs = study.runs;
    plan.trace = study.trace.clone();

    let folder = match settings.out {
        Some(path) => Some(OutputDir::prepare(path, settings.force)?),
        None => None,
    };
    if let Some(dir) = &folder {
        for (name, content) in &scenario_files {
            dir.write(name, content.as_bytes())?;
        }
    }

    let bar = ProgressBar::new(!settings.quiet && std::io::stderr().is_terminal());
    let result = match &folder {
        Some(dir) => {
            let mut files = RunFiles::start_for(dir, &study, plan.kind)?;
            let result = run_study(&study, &mut files, &bar)?;
            files.finish()?;
            result
        }
        None => run_study(&study, &mut DiscardRows, &bar)?,
    };
    bar.finish();
    // With --precision the study may stop early: the plan records the runs made.
    plan.runs = result.runs;
    let acc = result.study_tally();
    let elapsed = clock.elapsed().as_secs_f64();
    if let Some(dir) = &folder {
        write_results(dir, &plan, &acc, result.precision)?;
        if let Some(s) = shard {
            dir.write(
                TALLY_FILE,
                ShardRecord::new(plan.clone(), s, acc.clone())
                    .to_json()
                    .as_bytes(),
            )?;
        }
        let m = manifest(&plan, result.runs, shard, study.threads, started, elapsed);
        dir.write(MANIFEST_FILE, m.to_json().as_bytes())?;
    }
    if settings.quiet && !settings.json {
        return Ok(());
    }
    if let (Some(s), false) = (shard, settings.json) {
        writeln!(
            out,
            "shard {s}: runs {} to {} of {} (the tables below cover this shard only; \
             `polarity merge` combines the shard folders)\n",
            result.range.start,
            result.range.end.saturating_sub(1).max(result.range.start),
            result.runs
        )?;
    }
    print_results(
        out,
        &plan,
        &acc,
        result.precision,
        settings.json,
        elapsed,
        folder.as_ref().map(|d| d.path()),
    )
}

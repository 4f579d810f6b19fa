//! Running a prepared study — `run`, `sweep` or `batch` — and writing its output folder.
//!
//! The commands differ only in how they build their arms ([`Prepared`]); from there the path
//! is shared: check the settings, prepare the folder, write the scenario file(s), stream
//! `runs.csv`/`trajectories.csv`, write the result files from the exact tallies
//! (`polarity_runner::experiment::write_results`, the same code `merge` uses), `tally.json`
//! for a shard, and `manifest.json` last; then print the human tables (or `--json`).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use clap::Args;
use polarity_runner::checkpoint::{Checkpoint, CheckpointSink, ResumeState, StudyIdentity};
use polarity_runner::experiment::{StudyKind, StudyPlan, StudyTally, summary_json, write_results};
use polarity_runner::merge::ShardRecord;
use polarity_runner::output::{BUILD, MANIFEST_FILE, TALLY_FILE, VERSION, utc_iso8601};
use polarity_runner::summary::PrecisionReport;
use polarity_runner::{
    DiscardRows, Manifest, OutputDir, RunFiles, Shard, Study, TraceSelection, run_study,
    run_study_from,
};

use crate::report;
use crate::{Failure, progress::ProgressBar};

/// Flags shared by `run`, `sweep` and `batch` (`run` adds `--set` and `--precision`).
#[derive(Debug, Args)]
pub struct StudyFlags {
    /// Runs (of every arm of a sweep or batch) [default: the (first) scenario's study.runs];
    /// with `run --precision`, the most runs it may use.
    #[arg(long, value_name = "N")]
    pub runs: Option<u64>,
    /// Study seed [default: the (first) scenario's study.seed]. Every arm uses the same run
    /// seeds.
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "T")]
    pub threads: Option<usize>,
    /// Write the study's files (summary.json, runs.csv, scenario.ron, manifest.json, and
    /// trajectories.csv when tracing) into this folder.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace the study files in an existing, non-empty --out folder.
    #[arg(long)]
    pub force: bool,
    /// Continue the study in --out from its last checkpoint (after a kill, a crash or a full
    /// disk); starts it when there is none, does nothing when it finished. Refused when the
    /// checkpoint is of another study (scenario, seed, runs, arguments or version).
    #[arg(long)]
    pub resume: bool,
    /// Seconds between two checkpoints of a study with --out (written at batch boundaries;
    /// 0: after every batch). Shorter loses less work to a kill, longer syncs the disk less.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.5)]
    pub checkpoint_interval: f64,
    /// Record trajectories of the first K runs (of every arm) in trajectories.csv (needs
    /// --out).
    #[arg(long, value_name = "K")]
    pub trace: Option<u64>,
    /// Record trajectories of these runs (of every arm; 0-based run indices, comma-separated;
    /// needs --out).
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
    /// `--resume`.
    pub resume: bool,
    /// `--checkpoint-interval`, in seconds.
    pub checkpoint_interval: f64,
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
            resume: flags.resume,
            checkpoint_interval: flags.checkpoint_interval,
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
        study_id: None,
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

/// `--checkpoint-interval SECONDS`, checked: finite, 0 to one day.
fn checkpoint_interval(seconds: f64) -> Result<std::time::Duration, Failure> {
    if !(0.0..=86_400.0).contains(&seconds) {
        return Err(Failure::input(format!(
            "--checkpoint-interval must be between 0 and 86400 seconds, not {seconds}"
        )));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// What `--resume` found in the output folder.
enum ResumePoint {
    /// No checkpoint: start the study.
    Start,
    /// An unfinished study of the same identity: continue it.
    Continue(Box<Checkpoint>),
    /// The same study, finished: nothing to do.
    Finished,
}

/// Reads the checkpoint (or, for a finished study, the manifest) in `path` for `--resume` and
/// compares it with this study's identity.
fn resume_point(path: &Path, identity: &StudyIdentity) -> Result<ResumePoint, Failure> {
    if !path.is_dir() {
        return Ok(ResumePoint::Start);
    }
    let other = |what: &str, diff: String| {
        Failure::input(format!(
            "--resume: the {what} in {} is of another study: {diff}; resume it with the command \
             that started it, or pass --force instead of --resume to start this study over",
            path.display()
        ))
    };
    let manifest_path = path.join(MANIFEST_FILE);
    if manifest_path.is_file() {
        // Finished (the manifest is written last): this study, or another one?
        let text = std::fs::read_to_string(&manifest_path).unwrap_or_default();
        let manifest: Option<Manifest> = serde_json::from_str(&text).ok();
        return match manifest {
            Some(m) if m.study_id.as_deref() == Some(identity.fingerprint().as_str()) => {
                Ok(ResumePoint::Finished)
            }
            Some(m) if m.study_id.is_some() => Err(other(
                "finished study",
                StudyIdentity::differences_from_manifest(&m, identity),
            )),
            _ => Err(Failure::input(format!(
                "--resume: {} holds a finished study that does not record its identity (an \
                 older version's, or a merge), so it cannot tell whether it is this study; pass \
                 --force instead of --resume to run it again, or choose another --out",
                path.display()
            ))),
        };
    }
    match Checkpoint::read(path)? {
        None => Ok(ResumePoint::Start),
        Some(ck) => match ck.identity.differences(identity) {
            Some(diff) => Err(other("checkpoint", diff)),
            None => Ok(ResumePoint::Continue(Box::new(ck))),
        },
    }
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

    let interval = checkpoint_interval(settings.checkpoint_interval)?;
    let identity = StudyIdentity::new(&plan, &study, &scenario_files);
    let study_id = identity.fingerprint();
    let resume = match settings.out {
        Some(path) if settings.resume => {
            if settings.force {
                return Err(Failure::input(
                    "--resume continues the study in the --out folder and --force replaces \
                     it: pass one or the other",
                ));
            }
            resume_point(path, &identity)?
        }
        None if settings.resume => {
            return Err(Failure::input(
                "--resume continues a study from the checkpoint in its output folder, so it \
                 needs --out DIR",
            ));
        }
        _ => ResumePoint::Start,
    };
    if let (ResumePoint::Finished, Some(path)) = (&resume, settings.out) {
        if settings.json {
            // What the finished study printed: its summary.json.
            let summary = path.join(polarity_runner::output::SUMMARY_FILE);
            let bytes = std::fs::read(&summary).map_err(|e| {
                Failure::Runtime(anyhow::anyhow!("cannot read {}: {e}", summary.display()))
            })?;
            out.write_all(&bytes)?;
        } else if !settings.quiet {
            let _ = writeln!(
                std::io::stderr().lock(),
                "note: the study in {} already finished; nothing to do",
                path.display()
            );
        }
        return Ok(());
    }

    let folder = match (settings.out, &resume) {
        (Some(path), ResumePoint::Continue(_)) => Some(OutputDir::open(path)?),
        // With --resume and no checkpoint, the folder's study files (an attempt killed
        // before its first checkpoint) are replaced.
        (Some(path), _) => Some(OutputDir::prepare(path, settings.force || settings.resume)?),
        (None, _) => None,
    };
    if let Some(dir) = &folder {
        for (name, content) in &scenario_files {
            dir.write(name, content.as_bytes())?;
        }
    }

    let bar = ProgressBar::new(!settings.quiet && std::io::stderr().is_terminal());
    let result = match &folder {
        Some(dir) => {
            let (files, from) = match resume {
                ResumePoint::Continue(ck) => (
                    RunFiles::resume(dir, &ck.files, !study.trace.is_empty())?,
                    Some(ResumeState::from(&*ck)),
                ),
                _ => (RunFiles::start_for(dir, &study, plan.kind)?, None),
            };
            let plan_so_far = from.as_ref().and_then(|f| f.precision_plan);
            let start = study.run_range().start;
            let mut sink = CheckpointSink::new(files, dir.path(), identity, start, plan_so_far)
                .every(interval);
            let result = run_study_from(&study, &mut sink, &bar, from)?;
            sink.finish()?;
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
        let mut m = manifest(&plan, result.runs, shard, study.threads, started, elapsed);
        m.study_id = Some(study_id);
        dir.write(MANIFEST_FILE, m.to_json().as_bytes())?;
        // Complete: the manifest now records the study's fingerprint for --resume.
        polarity_runner::checkpoint::remove(dir.path())?;
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

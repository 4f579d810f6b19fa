//! `polarity run`: load the scenario, apply `--set` overrides, run the study, write the
//! output folder and print the summary.
//!
//! Everything that can be checked before work starts is checked first (the scenario and its
//! overrides, the study settings, the output folder), so bad input fails fast with exit
//! code 2. The output files are written by `polarity_runner`; this module only decides what
//! to write and reports on the terminal.

use std::io::{IsTerminal, Write};
use std::time::{Instant, SystemTime};

use polarity_runner::output::{
    BUILD, MANIFEST_FILE, SCENARIO_FILE, SUMMARY_FILE, VERSION, utc_iso8601,
};
use polarity_runner::{
    Arm, DiscardRows, Manifest, OutputDir, RunFiles, ScenarioIdentity, ScenarioSampler, Study,
    Summary, TraceSelection, run_study,
};

use crate::catalog::{print_warnings, scenario_failure};
use crate::progress::ProgressBar;
use crate::report;
use crate::{Failure, RunArgs};

/// Runs `polarity run` with `args`, printing to `out`.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let started = SystemTime::now();
    let clock = Instant::now();

    let loaded = polarity_scenario::load(&args.scenario).map_err(|e| scenario_failure(&e))?;
    if !args.quiet {
        print_warnings(&loaded.warnings);
    }
    let mut file = loaded.scenario;
    polarity_scenario::apply_overrides(&mut file, &args.set).map_err(|e| scenario_failure(&e))?;
    let trace = TraceSelection {
        first: args.trace.unwrap_or(0),
        runs: args.trace_runs.iter().copied().collect(),
    };
    if !trace.is_empty() && args.out.is_none() {
        return Err(Failure::input(
            "--trace and --trace-runs write trajectories.csv, so they need --out DIR",
        ));
    }
    let identity = ScenarioIdentity {
        name: file.name.clone(),
        hash: polarity_scenario::hash(&file),
    };
    let scenario_ron = polarity_scenario::to_ron(&file);
    let seed = args.seed.unwrap_or(file.study.seed);
    let study = Study {
        seed,
        runs: args.runs.unwrap_or(file.study.runs),
        threads: args.threads.unwrap_or_else(default_threads),
        trace,
        precision: args.precision,
        arms: vec![Arm::new(Box::new(ScenarioSampler::new(file)))],
    };
    study.check()?;

    let folder = match &args.out {
        Some(path) => Some(OutputDir::prepare(path, args.force)?),
        None => None,
    };
    if let Some(dir) = &folder {
        dir.write(SCENARIO_FILE, scenario_ron.as_bytes())?;
    }

    let bar = ProgressBar::new(!args.quiet && std::io::stderr().is_terminal());
    let result = match &folder {
        Some(dir) => {
            let mut files = RunFiles::start(dir, &study)?;
            let result = run_study(&study, &mut files, &bar)?;
            files.finish()?;
            result
        }
        None => run_study(&study, &mut DiscardRows, &bar)?,
    };
    bar.finish();

    let tally = result
        .tallies
        .first()
        .ok_or_else(|| Failure::Runtime(anyhow::anyhow!("the study produced no results")))?;
    let mut summary = Summary::new(identity.clone(), seed, tally);
    summary.precision = result.precision;
    let json = summary.to_json();
    let elapsed = clock.elapsed().as_secs_f64();
    if let Some(dir) = &folder {
        dir.write(SUMMARY_FILE, json.as_bytes())?;
        let manifest = Manifest {
            tool: "polarity".into(),
            version: VERSION.into(),
            build: BUILD.into(),
            scenario: identity,
            command_line: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            seed,
            runs: result.runs,
            shard: None,
            threads: study.threads,
            started: utc_iso8601(started),
            finished: utc_iso8601(SystemTime::now()),
            elapsed_seconds: elapsed,
        };
        dir.write(MANIFEST_FILE, manifest.to_json().as_bytes())?;
    }

    if args.json {
        out.write_all(json.as_bytes())?;
    } else if !args.quiet {
        report::print_summary(out, &summary, elapsed, folder.as_ref().map(|d| d.path()))?;
    }
    Ok(())
}

/// All cores.
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

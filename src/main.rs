//! `polarity`: the command line of the Polarity Monte Carlo simulation.
//!
//! This file defines the commands and flags (with `clap`), dispatches to the command modules,
//! and owns the process's exit code and error reporting: results go to stdout, errors to
//! stderr as one readable paragraph starting with `error:`, and the exit code is 0 on success
//! (also, quietly, when stdout is closed early, e.g. piped into `head`), 1 when running
//! failed (I/O, threads) and 2 when the input was bad (arguments, scenario, `--set`, an
//! existing `--out`). It never shows a panic or a debug dump: a bug that panics is reported
//! as an internal error with exit code 1. The exit codes are listed in `docs/cli.md`.

mod batch;
mod catalog;
mod merge;
mod plot;
mod progress;
mod report;
mod run;
mod salib;
mod study;
mod sweep;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Monte Carlo simulation of the race to superhuman AI under chip export controls.
///
/// Each run simulates nations, AI labs and chip fabs racing to a capability threshold, and
/// classifies the world that results as none, unipolar, bipolar or multipolar. See
/// docs/cli.md and docs/output-files.md.
#[derive(Debug, Parser)]
#[command(
    name = "polarity",
    version,
    propagate_version = true,
    max_term_width = 100
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one Monte Carlo study and print its outcome probabilities.
    Run(RunArgs),
    /// Compare policies: one arm per combination of --set values (or per --scenarios), all on
    /// the same run seeds, with paired differences against the first arm.
    Sweep(sweep::SweepArgs),
    /// Run one study per row of a design file (CSV with a header of parameter paths, or a
    /// SALib sample matrix with --names-from), on common run seeds.
    Batch(batch::BatchArgs),
    /// Print a SALib problem file (name lower upper) for the scenario's uncertain parameters.
    SalibProblem(salib::SalibProblemArgs),
    /// Merge shard folders (--shard I/N) into exactly the files of the unsharded study.
    Merge(merge::MergeArgs),
    /// Check scenario files, printing every problem found.
    Validate {
        /// Scenario files (or embedded scenario names) to check.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<String>,
    },
    /// List the scenarios embedded in the binary.
    Scenarios,
    /// Print an embedded scenario (or a scenario file) as RON, a starting point for your own.
    Show {
        /// Embedded scenario name (see `polarity scenarios`) or path to a .ron file.
        name: String,
    },
    /// Draw a study's charts (SVG) into DIR/plots/ and a self-contained DIR/report.html.
    Plot(plot::PlotArgs),
}

/// Flags of `polarity run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Scenario: a path to a .ron file or the name of an embedded scenario.
    #[arg(value_name = "SCENARIO", default_value = "baseline")]
    pub scenario: String,
    /// The flags every study command has.
    #[command(flatten)]
    pub study: study::StudyFlags,
    /// Override a scenario field, e.g. --set 'policy.rules[oct-2023].enforcement=0.9' or
    /// --set 'technology.algo_progress_per_year=LogNormal(2.8, 0.3)'. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Choose the number of runs: a pilot, then as many runs as bring every outcome
    /// probability's 95% CI half-width to at most EPS (at most --runs).
    #[arg(long, value_name = "EPS")]
    pub precision: Option<f64>,
}

/// Why a command stopped early; decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: arguments, scenario, `--set`, output folder (exit 2).
    Input(anyhow::Error),
    /// Running failed: I/O, threads (exit 1).
    Runtime(anyhow::Error),
    /// Stdout was closed by the reader (exit 0, silently).
    ClosedStdout,
}

impl Failure {
    /// Bad input with this message.
    pub fn input(message: impl std::fmt::Display) -> Self {
        Failure::Input(anyhow::anyhow!("{message}"))
    }
}

impl From<polarity_runner::RunnerError> for Failure {
    fn from(e: polarity_runner::RunnerError) -> Self {
        if e.is_input() {
            Failure::Input(e.into())
        } else {
            Failure::Runtime(e.into())
        }
    }
}

impl From<io::Error> for Failure {
    /// An error writing to stdout.
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::ClosedStdout
        } else {
            Failure::Runtime(anyhow::anyhow!("cannot write to standard output: {e}"))
        }
    }
}

fn main() -> ExitCode {
    // A panic is a bug: report it as one paragraph, without a backtrace dump.
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown cause".into());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            io::stderr().lock(),
            "error: internal error ({message}{place}); this is a bug in polarity, please report it"
        );
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version go to stdout with exit 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let outcome = std::panic::catch_unwind(|| {
        let stdout = io::stdout();
        let mut out = stdout.lock();
        let result = match cli.command {
            Command::Run(args) => run::run(&args, &mut out),
            Command::Sweep(args) => sweep::sweep(&args, &mut out),
            Command::Batch(args) => batch::batch(&args, &mut out),
            Command::SalibProblem(args) => salib::salib_problem(&args, &mut out),
            Command::Merge(args) => merge::merge(&args, &mut out),
            Command::Validate { files } => catalog::validate(&files, &mut out),
            Command::Scenarios => catalog::scenarios(&mut out),
            Command::Show { name } => catalog::show(&name, &mut out),
            Command::Plot(args) => plot::plot(&args, &mut out),
        };
        result.and_then(|()| out.flush().map_err(Failure::from))
    });
    match outcome {
        Ok(Ok(())) | Ok(Err(Failure::ClosedStdout)) => ExitCode::SUCCESS,
        Ok(Err(Failure::Input(e))) => report_error(&e, 2),
        Ok(Err(Failure::Runtime(e))) => report_error(&e, 1),
        // The panic hook has already reported it.
        Err(_) => ExitCode::from(1),
    }
}

/// Prints `error: …` (the whole chain of causes) to stderr and returns the exit code.
fn report_error(e: &anyhow::Error, code: u8) -> ExitCode {
    let _ = writeln!(io::stderr().lock(), "error: {e:#}");
    ExitCode::from(code)
}

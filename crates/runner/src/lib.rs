//! Polarity's Monte Carlo runner: runs a study's worlds in parallel, reduces their results in
//! run order into exact counts, and writes the output files.
//!
//! * [`study`]: the [`Study`] (arms, seed, runs, threads, trace selection, precision) and the
//!   engine that spreads run indices over a local rayon pool ([`run_study`]).
//! * [`tally`]: the exact, mergeable accumulator ([`Tally`]) that shards and checkpoints reuse.
//! * [`summary`]: `summary.json`, computed from a tally alone.
//! * [`rows`]: the stable byte format of `runs.csv` and `trajectories.csv`.
//! * [`output`]: the output folder, `.partial` files renamed into place, `manifest.json`.
//! * [`stats`]: Wilson and Newcombe intervals, exact quantiles, run counts for a precision.
//!
//! **Architecture invariant:** every file this crate writes except `manifest.json` is a pure
//! function of the scenario as run, the seed, the run count and the tool version — never of
//! the thread count, the batch size, the clock or the machine. The model crate does no I/O;
//! this crate does file I/O but prints nothing (the binary owns the terminal).

#![warn(missing_docs)]

pub mod error;
pub mod output;
pub mod rows;
pub mod stats;
pub mod study;
pub mod summary;
pub mod tally;

pub use error::RunnerError;
pub use output::{Manifest, OutputDir, RunFiles};
pub use study::{
    Arm, DiscardRows, Progress, RecordSink, RunRecord, Runner, ScenarioSampler, Study, StudyResult,
    TraceSelection, run_study,
};
pub use summary::{ScenarioIdentity, Summary};
pub use tally::Tally;

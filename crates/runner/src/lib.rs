//! Polarity's Monte Carlo runner: runs a study's worlds in parallel, reduces their results in
//! run order into exact counts, and writes the output files.
//!
//! * [`study`]: the [`Study`] (arms, seed, runs, threads, trace selection, precision, shard)
//!   and the engine that spreads run indices over a local rayon pool ([`run_study`]).
//! * [`tally`]: the exact, mergeable accumulator ([`Tally`]) that shards and checkpoints reuse.
//! * [`experiment`]: the arms of a sweep or batch ([`StudyPlan`]), the accumulators of all
//!   arms with their paired tables ([`StudyTally`]), and the result files computed from them
//!   (`summary.json`, `arms.csv`, `contrasts.csv`, `points.csv`, `points.txt`).
//! * [`design`]: design files for `polarity batch` and SALib problem files.
//! * [`shard`] and [`merge`]: contiguous blocks of run indices, `tally.json`, and merging
//!   shard folders into exactly the unsharded study's files.
//! * [`fan`]: per-step capability and chip-stock distributions over all runs ([`fan::Fan`],
//!   inside each [`Tally`]) and `fan.csv`, for fan charts.
//! * [`summary`]: `summary.json`, computed from a tally alone.
//! * [`rows`]: the stable byte format of `runs.csv` and `trajectories.csv`.
//! * [`output`]: the output folder, `.partial` files renamed into place, `manifest.json`.
//! * [`checkpoint`]: `checkpoint.json` at batch boundaries, and `--resume` from it.
//! * [`stats`]: Wilson and Newcombe intervals, exact quantiles, run counts for a precision.
//!
//! **Architecture invariant:** every file this crate writes except `manifest.json` is a pure
//! function of the scenario as run, the seed, the run count and the tool version — never of
//! the thread count, the batch size, the clock or the machine. The model crate does no I/O;
//! this crate does file I/O but prints nothing (the binary owns the terminal).

#![warn(missing_docs)]

pub mod checkpoint;
pub mod design;
pub mod error;
pub mod experiment;
pub mod fan;
pub mod merge;
pub mod output;
pub mod rows;
pub mod shard;
pub mod stats;
pub mod study;
pub mod summary;
pub mod tally;

pub use error::RunnerError;
pub use experiment::{ArmLabel, StudyKind, StudyPlan, StudyTally};
pub use output::{Manifest, OutputDir, RunFiles};
pub use shard::Shard;
pub use study::{
    Arm, DiscardRows, Progress, RecordSink, RunRecord, Runner, ScenarioSampler, Study, StudyResult,
    TraceSelection, run_study, run_study_from,
};
pub use summary::{ScenarioIdentity, Summary};
pub use tally::Tally;

//! The runner's error type: what can go wrong while setting up, running and writing a study.
//!
//! Every variant says whether it is the user's input that is wrong ([`RunnerError::is_input`],
//! exit code 2) or the run that failed (I/O, threads; exit code 1), so the binary can map
//! errors to the exit codes of `docs/cli.md` without inspecting messages.

use std::io;
use std::path::PathBuf;

/// Anything that can stop a study.
#[derive(Debug, thiserror::Error)]
pub enum RunnerError {
    /// Reading or writing a file or folder failed.
    #[error("cannot {action} {}: {error}", path.display())]
    Io {
        /// What was being done (`write`, `create`, `rename`, …).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error (part of the message, so not also a `source()`).
        error: io::Error,
    },
    /// The output folder exists and holds files, and `--force` was not given.
    #[error(
        "the output folder {} already exists and is not empty; pass --force to replace the \
         study files in it, or choose another --out",
        .0.display()
    )]
    OutputExists(PathBuf),
    /// The output path exists but is not a folder.
    #[error("the output path {} exists and is not a folder; choose another --out", .0.display())]
    OutputNotFolder(PathBuf),
    /// A study setting is invalid (a run count of zero, a traced run past the end, …).
    #[error("{0}")]
    Settings(String),
    /// The worker thread pool could not be started.
    #[error("cannot start {threads} worker threads: {message}")]
    Threads {
        /// Threads requested.
        threads: usize,
        /// The reason given by the system.
        message: String,
    },
    /// Two accumulators that do not describe the same study were merged.
    #[error("cannot combine results: {0}")]
    Mismatch(String),
    /// Shard folders that cannot be merged: missing, duplicated, foreign, unfinished or
    /// damaged (the message names the folder).
    #[error("{0}")]
    Shard(String),
    /// A design file (`polarity batch --design`) or SALib problem file cannot be used; the
    /// message names the file, row and column of every problem.
    #[error("{0}")]
    Design(String),
    /// `--resume` cannot continue from the folder's checkpoint: it is another study's, or
    /// damaged, or the partial files no longer match it (the message says which and why).
    #[error("{0}")]
    Resume(String),
}

impl RunnerError {
    /// Whether the error is the user's input (exit code 2) rather than a failure while
    /// running (exit code 1).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            RunnerError::OutputExists(_)
                | RunnerError::OutputNotFolder(_)
                | RunnerError::Settings(_)
                | RunnerError::Mismatch(_)
                | RunnerError::Shard(_)
                | RunnerError::Design(_)
                | RunnerError::Resume(_)
        )
    }

    /// An I/O error with the file it concerns.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, error: io::Error) -> Self {
        RunnerError::Io {
            action,
            path: path.into(),
            error,
        }
    }
}

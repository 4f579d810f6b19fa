//! The plot crate's error type: a missing or unreadable input file, a corrupt one (named with
//! its line where there is one), or a chart or report that could not be written.
//!
//! [`PlotError::is_input`] tells the binary whether the folder was bad (exit code 2) or
//! writing failed (exit code 1), without inspecting messages.

use std::io;
use std::path::PathBuf;

/// Anything that can stop a rendering.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The folder does not exist or is not a folder.
    #[error(
        "{} is not an output folder (it does not exist or is not a folder); give the --out \
         folder of a study",
        .0.display()
    )]
    NotAFolder(PathBuf),
    /// A file the charts need is missing.
    #[error("{} is missing: {hint}", path.display())]
    Missing {
        /// The missing file.
        path: PathBuf,
        /// Why it is needed and how to get it.
        hint: String,
    },
    /// A file could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        error: io::Error,
    },
    /// A file is not what the study writes (bad JSON, a CSV without an expected column, …).
    #[error("{} is corrupt{}: {message}; re-run the study or restore the file", path.display(), line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The 1-based line, when known.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// A chart could not be drawn.
    #[error("cannot draw the chart {name}: {message}")]
    Draw {
        /// The chart's file name.
        name: String,
        /// The drawing library's message.
        message: String,
    },
    /// A chart or the report could not be written.
    #[error("cannot {action} {}: {error}", path.display())]
    Write {
        /// What was being done (`create`, `write`, `rename`).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        error: io::Error,
    },
}

impl PlotError {
    /// Whether the error is the input folder's (exit code 2) rather than a failure to draw or
    /// write (exit code 1).
    pub fn is_input(&self) -> bool {
        matches!(
            self,
            PlotError::NotAFolder(_)
                | PlotError::Missing { .. }
                | PlotError::Read { .. }
                | PlotError::Corrupt { .. }
        )
    }

    /// A corrupt-file error.
    pub(crate) fn corrupt(
        path: impl Into<PathBuf>,
        line: Option<u64>,
        message: impl Into<String>,
    ) -> Self {
        PlotError::Corrupt {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

//! The output folder: refusing to clobber, writing through `NAME.partial`, `manifest.json`.
//!
//! Every file is written to `NAME.partial` in the output folder and renamed to `NAME` only
//! once it is complete and flushed to disk, so a file under its final name is never
//! half-written; an interrupted study leaves only `.partial` files behind. An existing folder
//! that holds anything is refused unless the caller forces it, in which case only the study
//! files this tool writes (and their `.partial` forms) are removed first — other files are
//! left alone. [`Manifest`] holds everything that may differ between identical studies
//! (times, threads, command line, build), so that the other files can be byte-identical.
//! A sweep also writes each arm's scenario as `arms/K.ron`; `--force` removes those too.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::checkpoint::{CHECKPOINT_FILE, FileState, Fnv, reopen};
use crate::error::RunnerError;
use crate::experiment::StudyKind;
use crate::rows::{runs_header, trajectories_header};
use crate::study::{RecordSink, RunRecord, Study};
use crate::summary::ScenarioIdentity;

/// `summary.json`.
pub const SUMMARY_FILE: &str = "summary.json";
/// `runs.csv`.
pub const RUNS_FILE: &str = "runs.csv";
/// `trajectories.csv`.
pub const TRAJECTORIES_FILE: &str = "trajectories.csv";
/// `scenario.ron`.
pub const SCENARIO_FILE: &str = "scenario.ron";
/// `manifest.json`.
pub const MANIFEST_FILE: &str = "manifest.json";
/// `tally.json`: a shard's exact accumulators, for `polarity merge`.
pub const TALLY_FILE: &str = "tally.json";
/// The folder of a sweep's per-arm scenarios (`arms/0.ron`, `arms/1.ron`, …).
pub const ARMS_DIR: &str = "arms";

/// Every file a study may write into its output folder (`--force` removes these first, and
/// the `.ron` files in [`ARMS_DIR`]).
pub const STUDY_FILES: [&str; 13] = [
    SUMMARY_FILE,
    RUNS_FILE,
    TRAJECTORIES_FILE,
    SCENARIO_FILE,
    MANIFEST_FILE,
    TALLY_FILE,
    "arms.csv",
    "contrasts.csv",
    "points.csv",
    "points.txt",
    crate::fan::FAN_FILE,
    "report.html",
    CHECKPOINT_FILE,
];

/// The file name of arm `k`'s scenario inside [`ARMS_DIR`].
pub fn arm_scenario_file(k: usize) -> String {
    format!("{ARMS_DIR}/{k}.ron")
}

/// Suffix of a file being written.
pub const PARTIAL_SUFFIX: &str = ".partial";

/// This tool's version (the crate version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The build id: `git describe` of the source tree (or `unknown`), target triple and profile.
pub const BUILD: &str = env!("POLARITY_BUILD");

/// An output folder ready to receive a study's files.
#[derive(Clone, Debug)]
pub struct OutputDir {
    path: PathBuf,
}

impl OutputDir {
    /// Creates `path` (and its parents) if needed. An existing folder that is not empty is
    /// refused unless `force`, in which case the study files listed in [`STUDY_FILES`] and
    /// their `.partial` forms are removed from it.
    pub fn prepare(path: &Path, force: bool) -> Result<Self, RunnerError> {
        match fs::metadata(path) {
            Ok(meta) if !meta.is_dir() => {
                return Err(RunnerError::OutputNotFolder(path.to_path_buf()));
            }
            Ok(_) => {
                let mut entries =
                    fs::read_dir(path).map_err(|e| RunnerError::io("read", path, e))?;
                if entries.next().is_some() {
                    if !force {
                        return Err(RunnerError::OutputExists(path.to_path_buf()));
                    }
                    for name in STUDY_FILES {
                        for file in [name.to_string(), format!("{name}{PARTIAL_SUFFIX}")] {
                            let p = path.join(file);
                            if p.is_file() {
                                fs::remove_file(&p).map_err(|e| RunnerError::io("remove", p, e))?;
                            }
                        }
                    }
                    remove_arm_scenarios(&path.join(ARMS_DIR))?;
                }
            }
            Err(_) => {
                fs::create_dir_all(path).map_err(|e| RunnerError::io("create", path, e))?;
            }
        }
        Ok(OutputDir {
            path: path.to_path_buf(),
        })
    }

    /// An existing folder, as it is (to continue a study in it with `--resume`).
    pub fn open(path: &Path) -> Result<Self, RunnerError> {
        if !path.is_dir() {
            return Err(RunnerError::OutputNotFolder(path.to_path_buf()));
        }
        Ok(OutputDir {
            path: path.to_path_buf(),
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts writing `name` (as `name.partial` until [`PartialFile::commit`]). `name` may
    /// be inside a subfolder (`arms/0.ron`), which is created when missing.
    pub fn create(&self, name: &str) -> Result<PartialFile, RunnerError> {
        let partial = self.path.join(format!("{name}{PARTIAL_SUFFIX}"));
        if let Some(parent) = partial.parent()
            && parent != self.path
        {
            fs::create_dir_all(parent).map_err(|e| RunnerError::io("create", parent, e))?;
        }
        let file = File::create(&partial).map_err(|e| RunnerError::io("create", &partial, e))?;
        Ok(PartialFile {
            writer: BufWriter::with_capacity(1 << 16, file),
            partial,
            target: self.path.join(name),
            written: 0,
            hash: Fnv::default(),
        })
    }

    /// Continues writing `name` from a checkpoint: `name.partial` (or `name`, when it was
    /// already renamed) must begin with the checkpointed bytes; it is cut to them and
    /// appended to ([`crate::checkpoint::reopen`]).
    pub fn resume(&self, state: &FileState) -> Result<PartialFile, RunnerError> {
        let file = reopen(&self.path, state)?;
        let mut hash = Fnv::default();
        hash.set(&state.hash);
        Ok(PartialFile {
            writer: BufWriter::with_capacity(1 << 16, file),
            partial: self.path.join(format!("{}{PARTIAL_SUFFIX}", state.name)),
            target: self.path.join(&state.name),
            written: state.len,
            hash,
        })
    }

    /// Writes the whole file `name` (through `name.partial`).
    pub fn write(&self, name: &str, contents: &[u8]) -> Result<(), RunnerError> {
        let mut f = self.create(name)?;
        f.write_all(contents)?;
        f.commit()
    }
}

/// Removes the `.ron` files (and their `.partial` forms) of a sweep's arms folder, then the
/// folder itself when that leaves it empty.
fn remove_arm_scenarios(dir: &Path) -> Result<(), RunnerError> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let p = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if p.is_file() && (name.ends_with(".ron") || name.ends_with(".ron.partial")) {
            fs::remove_file(&p).map_err(|e| RunnerError::io("remove", &p, e))?;
        }
    }
    // Fails, harmlessly, when the user kept other files there.
    let _ = fs::remove_dir(dir);
    Ok(())
}

/// A file being written under `NAME.partial`.
pub struct PartialFile {
    writer: BufWriter<File>,
    partial: PathBuf,
    target: PathBuf,
    written: u64,
    /// FNV-1a of the bytes written, for checkpoints.
    hash: Fnv,
}

impl PartialFile {
    /// Appends bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), RunnerError> {
        self.written += bytes.len() as u64;
        self.hash.update(bytes);
        self.writer
            .write_all(bytes)
            .map_err(|e| RunnerError::io("write", &self.partial, e))
    }

    /// Bytes written so far (the file's length once flushed).
    pub fn len(&self) -> u64 {
        self.written
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    /// Flushes buffered bytes to the operating system (not necessarily to disk).
    pub fn flush(&mut self) -> Result<(), RunnerError> {
        self.writer
            .flush()
            .map_err(|e| RunnerError::io("write", &self.partial, e))
    }

    /// Flushes buffered bytes to disk and returns the file's state (final name, length,
    /// hash), for a checkpoint.
    pub fn sync(&mut self) -> Result<FileState, RunnerError> {
        self.flush()?;
        self.writer
            .get_ref()
            .sync_data()
            .map_err(|e| RunnerError::io("write", &self.partial, e))?;
        let name = self
            .target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(FileState {
            name,
            len: self.written,
            hash: self.hash.hex(),
        })
    }

    /// Flushes the file to disk and renames it to its final name.
    pub fn commit(self) -> Result<(), RunnerError> {
        let PartialFile {
            writer,
            partial,
            target,
            ..
        } = self;
        let file = writer
            .into_inner()
            .map_err(|e| RunnerError::io("write", &partial, e.into_error()))?;
        file.sync_all()
            .map_err(|e| RunnerError::io("write", &partial, e))?;
        drop(file);
        fs::rename(&partial, &target).map_err(|e| RunnerError::io("rename", &partial, e))
    }
}

/// Streams `runs.csv` (and `trajectories.csv` when runs are traced) as run records arrive.
pub struct RunFiles {
    runs: PartialFile,
    trajectories: Option<PartialFile>,
}

impl RunFiles {
    /// Starts the files of a single-arm study (`polarity run`) in `dir`, headers written.
    pub fn start(dir: &OutputDir, study: &Study) -> Result<Self, RunnerError> {
        Self::start_for(dir, study, StudyKind::Run)
    }

    /// Starts the files of a study of `kind` in `dir`, headers written: the kind's arm
    /// column (`arm`, `point`) first, then the fixed columns and
    /// [`Study::parameter_columns`].
    pub fn start_for(dir: &OutputDir, study: &Study, kind: StudyKind) -> Result<Self, RunnerError> {
        let arm = study
            .arms
            .first()
            .ok_or_else(|| RunnerError::Settings("a study needs a scenario".into()))?;
        let prefix: Vec<&str> = kind.row_column().into_iter().collect();
        let runs_header = runs_header(&prefix, &arm.names().blocs, &study.parameter_columns());
        let traj_header = (!study.trace.is_empty()).then(|| trajectories_header(&prefix));
        Self::start_with_headers(dir, &runs_header, traj_header.as_deref())
    }

    /// The bytes written so far to `runs.csv` and `trajectories.csv` (for checkpoints).
    pub fn lengths(&self) -> (u64, Option<u64>) {
        (
            self.runs.len(),
            self.trajectories.as_ref().map(PartialFile::len),
        )
    }

    /// Flushes both files' buffers to the operating system.
    pub fn flush(&mut self) -> Result<(), RunnerError> {
        self.runs.flush()?;
        if let Some(t) = &mut self.trajectories {
            t.flush()?;
        }
        Ok(())
    }

    /// Flushes both files to disk and returns their states, for a checkpoint.
    pub fn sync(&mut self) -> Result<Vec<FileState>, RunnerError> {
        let mut states = vec![self.runs.sync()?];
        if let Some(t) = &mut self.trajectories {
            states.push(t.sync()?);
        }
        Ok(states)
    }

    /// Continues the files of a study from a checkpoint's `states` (each file cut to its
    /// checkpointed length). The study must trace runs exactly when a `trajectories.csv`
    /// state is present.
    pub fn resume(
        dir: &OutputDir,
        states: &[FileState],
        traced: bool,
    ) -> Result<Self, RunnerError> {
        let state = |name: &str| states.iter().find(|s| s.name == name);
        let missing = |name: &str| {
            RunnerError::Resume(format!(
                "the checkpoint in {} does not record {name}; pass --force instead of --resume \
                 to start the study over",
                dir.path().display()
            ))
        };
        let runs = dir.resume(state(RUNS_FILE).ok_or_else(|| missing(RUNS_FILE))?)?;
        let trajectories = match (traced, state(TRAJECTORIES_FILE)) {
            (true, Some(t)) => Some(dir.resume(t)?),
            (true, None) => return Err(missing(TRAJECTORIES_FILE)),
            (false, _) => None,
        };
        Ok(RunFiles { runs, trajectories })
    }

    /// Starts the files with the given header lines (`None`: no `trajectories.csv`).
    pub fn start_with_headers(
        dir: &OutputDir,
        runs_header: &str,
        trajectories_header: Option<&str>,
    ) -> Result<Self, RunnerError> {
        let mut runs = dir.create(RUNS_FILE)?;
        runs.write_all(runs_header.as_bytes())?;
        let trajectories = match trajectories_header {
            Some(h) => {
                let mut f = dir.create(TRAJECTORIES_FILE)?;
                f.write_all(h.as_bytes())?;
                Some(f)
            }
            None => None,
        };
        Ok(RunFiles { runs, trajectories })
    }

    /// Completes the files and renames them into place.
    pub fn finish(self) -> Result<(), RunnerError> {
        self.runs.commit()?;
        if let Some(t) = self.trajectories {
            t.commit()?;
        }
        Ok(())
    }
}

impl RecordSink for RunFiles {
    fn wants_rows(&self) -> bool {
        true
    }

    fn record(&mut self, record: &RunRecord) -> Result<(), RunnerError> {
        for arm in &record.arms {
            self.runs.write_all(arm.runs_line.as_bytes())?;
            if let Some(t) = &mut self.trajectories {
                t.write_all(arm.trace_lines.as_bytes())?;
            }
        }
        Ok(())
    }
}

/// The content of `manifest.json`: provenance, and everything that may vary between
/// identical studies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always `polarity`.
    pub tool: String,
    /// Tool version.
    pub version: String,
    /// Build id ([`BUILD`]).
    pub build: String,
    /// The scenario as run.
    pub scenario: ScenarioIdentity,
    /// The command line, one element per argument.
    pub command_line: Vec<String>,
    /// Study seed.
    pub seed: u64,
    /// Runs made.
    pub runs: u64,
    /// The command: `run`, `sweep`, `batch` (a merge records the merged study's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<StudyKind>,
    /// The shard (`I/N`) this folder holds, `null` for a whole study.
    pub shard: Option<String>,
    /// For a shard: the run indices it ran, `[start, end)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_range: Option<[u64; 2]>,
    /// For a merge: the shard folders merged, in shard order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<Vec<String>>,
    /// The fingerprint of the study's identity (what `--resume` compares, see
    /// [`crate::checkpoint::StudyIdentity::fingerprint`]), for a study run with `--out`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub study_id: Option<String>,
    /// Worker threads.
    pub threads: usize,
    /// Start time, UTC, ISO 8601.
    pub started: String,
    /// End time, UTC, ISO 8601.
    pub finished: String,
    /// Wall-clock seconds.
    pub elapsed_seconds: f64,
}

impl Manifest {
    /// The bytes of `manifest.json`.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }
}

/// `time` as UTC ISO 8601 with milliseconds, e.g. `2025-11-30T11:40:05.123Z` (times before
/// 1970 are written as the epoch).
pub fn utc_iso8601(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date of `days` since 1970-01-01 (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_dates_are_right() {
        let at = |s: u64, ms: u64| {
            utc_iso8601(UNIX_EPOCH + Duration::from_secs(s) + Duration::from_millis(ms))
        };
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(at(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(at(1_764_502_805, 123), "2025-11-30T11:40:05.123Z");
        assert_eq!(at(4_107_542_399, 999), "2100-02-28T23:59:59.999Z");
    }

    #[test]
    fn partial_files_appear_only_when_complete() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = OutputDir::prepare(&tmp.path().join("out"), false).unwrap();
        let mut f = dir.create("a.txt").unwrap();
        f.write_all(b"hello").unwrap();
        assert!(dir.path().join("a.txt.partial").exists());
        assert!(!dir.path().join("a.txt").exists());
        f.commit().unwrap();
        assert_eq!(fs::read(dir.path().join("a.txt")).unwrap(), b"hello");
        assert!(!dir.path().join("a.txt.partial").exists());
    }

    #[test]
    fn non_empty_folders_need_force() {
        let tmp = tempfile::tempdir().unwrap();
        fs::write(tmp.path().join(SUMMARY_FILE), "{}").unwrap();
        fs::write(tmp.path().join("notes.txt"), "mine").unwrap();
        let err = OutputDir::prepare(tmp.path(), false).unwrap_err();
        assert!(err.is_input(), "{err}");
        OutputDir::prepare(tmp.path(), true).unwrap();
        assert!(!tmp.path().join(SUMMARY_FILE).exists());
        assert!(
            tmp.path().join("notes.txt").exists(),
            "other files are kept"
        );
        // An empty existing folder is fine without --force.
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        OutputDir::prepare(&empty, false).unwrap();
        // A file is not a folder.
        let err = OutputDir::prepare(&tmp.path().join("notes.txt"), true).unwrap_err();
        assert!(err.is_input());
    }
}

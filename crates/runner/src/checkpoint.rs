//! Crash-safe, resumable studies: a checkpoint at batch boundaries.
//!
//! While a study with an output folder runs, `checkpoint.json` in the folder records, at a
//! batch boundary (at most every [`CHECKPOINT_INTERVAL`], and after the first batch):
//!
//! * the study's **identity** ([`StudyIdentity`]): tool version and build, kind, scenario
//!   name and hash, seed, run count, shard, trace selection, `--precision`, and a hash of
//!   every input that shapes the output files (the plan and the scenario files);
//! * its **progress**: the run indices done (`start_run..next_run`) and, with `--precision`,
//!   the run count the pilot chose;
//! * the exact **accumulators** ([`StudyTally`]: outcome counts, histograms, paired tables,
//!   fans — integers, so a resumed study continues them without rounding);
//! * the **byte length and FNV-1a hash** of each streamed `.partial` file (`runs.csv`,
//!   `trajectories.csv`) at that point, flushed to disk first.
//!
//! The file is written atomically: to `checkpoint.json.partial`, flushed to disk, renamed
//! over `checkpoint.json`, and the folder flushed; a crash or an I/O error at any moment
//! leaves either the previous checkpoint or the new one, never a mix. Its first line holds a
//! magic word, a format number and the FNV-1a hash of the rest, so a damaged or edited
//! checkpoint is refused rather than trusted.
//!
//! `--resume` ([`ResumeState`]) compares the identity with the command's, verifies each
//! partial file's length and hash, truncates the files to the checkpointed lengths and
//! continues from `next_run`; because every run depends only on (seed, run index) and rows
//! are written in run order, the finished files are byte-identical to an uninterrupted study.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::RunnerError;
use crate::experiment::{StudyKind, StudyTally};
use crate::output::PARTIAL_SUFFIX;
use crate::summary::ScenarioIdentity;

/// `checkpoint.json`.
pub const CHECKPOINT_FILE: &str = "checkpoint.json";

/// The shortest time between two checkpoints of a running study (the first is written after
/// the first batch whatever the time).
pub const CHECKPOINT_INTERVAL: Duration = Duration::from_millis(500);

/// The first word of a checkpoint file.
const MAGIC: &str = "polarity-checkpoint";

/// The checkpoint format this version writes and reads.
const FORMAT: u32 = 1;

/// 64-bit FNV-1a, streamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The hash so far, as 16 hex digits.
    pub fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }

    /// The hash of `bytes`, as 16 hex digits.
    pub fn of(bytes: &[u8]) -> String {
        let mut h = Fnv::default();
        h.update(bytes);
        h.hex()
    }
}

/// What makes two studies the same study: everything that shapes the output files.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StudyIdentity {
    /// Tool version.
    pub version: String,
    /// Build id (`git describe`, target, profile).
    pub build: String,
    /// `run`, `sweep` or `batch`.
    pub kind: StudyKind,
    /// The (first) scenario's name and hash.
    pub scenario: ScenarioIdentity,
    /// Study seed.
    pub seed: u64,
    /// Runs (the cap with `--precision`).
    pub runs: u64,
    /// `--shard I/N`, if any.
    pub shard: Option<String>,
    /// `--trace K`.
    pub trace_first: u64,
    /// `--trace-runs`.
    pub trace_runs: Vec<u64>,
    /// `--precision`.
    pub precision: Option<f64>,
    /// FNV-1a of every input that shapes the files (the study plan: arms, settings, design
    /// points; and the scenario files as written), 16 hex digits.
    pub inputs: String,
}

impl StudyIdentity {
    /// How `self` (the checkpoint's) differs from `now` (this command's), one clause per
    /// difference, or `None` when they are the same study.
    pub fn differences(&self, now: &StudyIdentity) -> Option<String> {
        let mut diffs = Vec::new();
        let mut field = |name: &str, then: String, now: String| {
            if then != now {
                diffs.push(format!("{name} {then} (now {now})"));
            }
        };
        field(
            "tool version",
            self.version.clone(),
            now.version.clone(),
        );
        field("build", self.build.clone(), now.build.clone());
        field(
            "command",
            format!("{:?}", self.kind).to_lowercase(),
            format!("{:?}", now.kind).to_lowercase(),
        );
        field(
            "scenario",
            format!("{} (hash {})", self.scenario.name, self.scenario.hash),
            format!("{} (hash {})", now.scenario.name, now.scenario.hash),
        );
        field("seed", self.seed.to_string(), now.seed.to_string());
        field("runs", self.runs.to_string(), now.runs.to_string());
        let shard = |s: &Option<String>| s.clone().unwrap_or_else(|| "none".into());
        field("shard", shard(&self.shard), shard(&now.shard));
        field(
            "--trace",
            self.trace_first.to_string(),
            now.trace_first.to_string(),
        );
        field(
            "--trace-runs",
            format!("{:?}", self.trace_runs),
            format!("{:?}", now.trace_runs),
        );
        let eps = |p: Option<f64>| p.map_or_else(|| "none".into(), |e| e.to_string());
        field("--precision", eps(self.precision), eps(now.precision));
        if diffs.is_empty() && self.inputs != now.inputs {
            diffs.push(
                "other inputs (the arms, --set values, design points or scenario files) differ"
                    .into(),
            );
        }
        (!diffs.is_empty()).then(|| diffs.join(", "))
    }
}

/// A streamed output file at a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    /// Its final name (`runs.csv`); it is being written as `NAME.partial`.
    pub name: String,
    /// Bytes written and flushed.
    pub len: u64,
    /// FNV-1a of those bytes, 16 hex digits.
    pub hash: String,
}

/// Everything needed to continue a study.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Which study.
    pub identity: StudyIdentity,
    /// The first run index of the study (its shard's start).
    pub start_run: u64,
    /// Runs `start_run..next_run` are done and counted.
    pub next_run: u64,
    /// With `--precision`, once the pilot is done: (runs the pilot asked for, runs to make).
    pub precision_plan: Option<(u64, u64)>,
    /// The accumulators after run `next_run - 1`.
    pub tallies: StudyTally,
    /// The streamed files at that point.
    pub files: Vec<FileState>,
    /// Whether the study finished (its `manifest.json` is written).
    pub finished: bool,
}

impl Checkpoint {
    /// The file's bytes: a header line with the checksum, then the JSON body.
    pub fn to_bytes(&self) -> Vec<u8> {
        let body = serde_json::to_string(self).unwrap_or_default();
        let mut out = format!("{MAGIC} {FORMAT} {}\n", Fnv::of(body.as_bytes())).into_bytes();
        out.extend_from_slice(body.as_bytes());
        out.push(b'\n');
        out
    }

    /// Reads a checkpoint from its bytes, refusing a damaged or foreign one. `origin` names
    /// the file in messages.
    pub fn from_bytes(bytes: &[u8], origin: &Path) -> Result<Self, RunnerError> {
        let bad = |why: String| {
            RunnerError::Resume(format!(
                "the checkpoint {} cannot be used: {why}; delete it (or pass --force instead \
                 of --resume) to start the study over",
                origin.display()
            ))
        };
        let text = std::str::from_utf8(bytes).map_err(|_| bad("it is not text".into()))?;
        let (header, body) = text
            .split_once('\n')
            .ok_or_else(|| bad("it is cut short".into()))?;
        let mut words = header.split(' ');
        if words.next() != Some(MAGIC) {
            return Err(bad("it is not a polarity checkpoint".into()));
        }
        let format = words.next().unwrap_or("");
        if format != FORMAT.to_string() {
            return Err(bad(format!(
                "it has format {format}, this version reads format {FORMAT}"
            )));
        }
        let sum = words.next().unwrap_or("");
        let body = body.strip_suffix('\n').unwrap_or(body);
        if Fnv::of(body.as_bytes()) != sum {
            return Err(bad("its checksum does not match (it is damaged or was edited)".into()));
        }
        serde_json::from_str(body).map_err(|e| bad(format!("its content is unreadable ({e})")))
    }

    /// Reads `dir/checkpoint.json`; `None` when there is none.
    pub fn read(dir: &Path) -> Result<Option<Self>, RunnerError> {
        let path = dir.join(CHECKPOINT_FILE);
        match fs::read(&path) {
            Ok(bytes) => Self::from_bytes(&bytes, &path).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(RunnerError::io("read", path, e)),
        }
    }

    /// Writes `dir/checkpoint.json` atomically: through `checkpoint.json.partial`, flushed to
    /// disk, renamed into place, and the folder flushed. On any error the previous
    /// checkpoint is left as it was.
    pub fn write(&self, dir: &Path) -> Result<(), RunnerError> {
        let target = dir.join(CHECKPOINT_FILE);
        let partial = dir.join(format!("{CHECKPOINT_FILE}{PARTIAL_SUFFIX}"));
        let io = |action, e| RunnerError::io(action, &partial, e);
        let file = File::create(&partial).map_err(|e| io("create", e))?;
        let mut w = BufWriter::new(file);
        w.write_all(&self.to_bytes()).map_err(|e| io("write", e))?;
        let file = w.into_inner().map_err(|e| io("write", e.into_error()))?;
        file.sync_all().map_err(|e| io("write", e))?;
        drop(file);
        fs::rename(&partial, &target).map_err(|e| io("rename", e))?;
        sync_dir(dir);
        Ok(())
    }
}

/// Flushes a folder's entries (a rename) to disk; best effort (not every system allows it).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Where a resumed study continues from.
#[derive(Clone, Debug, PartialEq)]
pub struct ResumeState {
    /// The next run index to make.
    pub next_run: u64,
    /// The accumulators so far.
    pub tallies: StudyTally,
    /// With `--precision`, once the pilot is done: (runs the pilot asked for, runs to make).
    pub precision_plan: Option<(u64, u64)>,
}

impl From<&Checkpoint> for ResumeState {
    fn from(c: &Checkpoint) -> Self {
        ResumeState {
            next_run: c.next_run,
            tallies: c.tallies.clone(),
            precision_plan: c.precision_plan,
        }
    }
}

/// Reopens `dir/NAME.partial` to continue writing at a checkpoint: checks that its first
/// `state.len` bytes hash to `state.hash`, truncates it to that length and returns it
/// positioned at the end. A study killed after the file was renamed to its final name but
/// before it finished gets the file back as `NAME.partial` first.
pub fn reopen(dir: &Path, state: &FileState) -> Result<File, RunnerError> {
    let partial = dir.join(format!("{}{PARTIAL_SUFFIX}", state.name));
    let done = dir.join(&state.name);
    if !partial.exists() && done.is_file() {
        fs::rename(&done, &partial).map_err(|e| RunnerError::io("rename", &done, e))?;
    }
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&partial)
        .map_err(|e| RunnerError::io("open", &partial, e))?;
    let len = file
        .metadata()
        .map_err(|e| RunnerError::io("read", &partial, e))?
        .len();
    let mismatch = |why: &str| {
        RunnerError::Resume(format!(
            "{} does not match the checkpoint ({why}); the folder was changed since; pass \
             --force instead of --resume to start the study over",
            partial.display()
        ))
    };
    if len < state.len {
        return Err(mismatch(&format!(
            "it has {len} bytes, the checkpoint counted {}",
            state.len
        )));
    }
    let mut hash = Fnv::default();
    let mut left = state.len;
    let mut buf = vec![0u8; 1 << 16];
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let chunk = buf.get_mut(..want).unwrap_or_default();
        file.read_exact(chunk)
            .map_err(|e| RunnerError::io("read", &partial, e))?;
        hash.update(chunk);
        left -= want as u64;
    }
    if hash.hex() != state.hash {
        return Err(mismatch("its content differs"));
    }
    file.set_len(state.len)
        .map_err(|e| RunnerError::io("truncate", &partial, e))?;
    file.seek(SeekFrom::Start(state.len))
        .map_err(|e| RunnerError::io("seek", &partial, e))?;
    Ok(file)
}

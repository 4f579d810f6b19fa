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
//! When the study finishes, its `manifest.json` records the identity's fingerprint
//! ([`StudyIdentity::fingerprint`], `study_id`) and the checkpoint is removed ([`remove`]):
//! `--resume` on a finished folder compares the fingerprint and does nothing.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::RunnerError;
use crate::experiment::{StudyKind, StudyPlan, StudyTally};
use crate::output::{BUILD, Manifest, PARTIAL_SUFFIX, RunFiles, VERSION};
use crate::study::{RecordSink, RunRecord, Study};
use crate::summary::ScenarioIdentity;

/// `checkpoint.json`.
pub const CHECKPOINT_FILE: &str = "checkpoint.json";

/// The default shortest time between two checkpoints of a running study (the first is
/// written after the first batch whatever the time; `--checkpoint-interval` sets another).
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

    /// Continues from a hash given as 16 hex digits (as [`Fnv::hex`] wrote it); other text
    /// leaves the hash unchanged.
    pub fn set(&mut self, hex: &str) {
        if let Ok(h) = u64::from_str_radix(hex, 16) {
            self.0 = h;
        }
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
    /// The identity of `study`, described by `plan` (its seed, runs and trace already set),
    /// whose scenario files (name, content) are `scenario_files`.
    pub fn new(plan: &StudyPlan, study: &Study, scenario_files: &[(String, String)]) -> Self {
        let mut inputs = Fnv::default();
        inputs.update(serde_json::to_string(plan).unwrap_or_default().as_bytes());
        for (name, content) in scenario_files {
            for part in [name.as_bytes(), b"\0", content.as_bytes(), b"\0"] {
                inputs.update(part);
            }
        }
        StudyIdentity {
            version: VERSION.into(),
            build: BUILD.into(),
            kind: plan.kind,
            scenario: plan.identity.clone(),
            seed: study.seed,
            runs: study.runs,
            shard: study.shard.map(|s| s.to_string()),
            trace_first: study.trace.first,
            trace_runs: study.trace.runs.iter().copied().collect(),
            precision: study.precision,
            inputs: inputs.hex(),
        }
    }

    /// A short fingerprint of the whole identity (16 hex digits), recorded in
    /// `manifest.json` as `study_id` so that `--resume` recognises a finished study.
    pub fn fingerprint(&self) -> String {
        Fnv::of(serde_json::to_string(self).unwrap_or_default().as_bytes())
    }

    /// How the finished study described by `manifest` differs from `now`, one clause per
    /// difference the manifest records (or a general clause).
    pub fn differences_from_manifest(manifest: &Manifest, now: &StudyIdentity) -> String {
        let mut then = now.clone();
        then.version.clone_from(&manifest.version);
        then.build.clone_from(&manifest.build);
        then.kind = manifest.kind.unwrap_or(now.kind);
        then.scenario = manifest.scenario.clone();
        then.seed = manifest.seed;
        // With --precision the manifest records the runs made, not the cap.
        if now.precision.is_none() {
            then.runs = manifest.runs;
        }
        then.shard.clone_from(&manifest.shard);
        then.inputs = String::new();
        then.differences(now).unwrap_or_default()
    }

    /// How `self` (the checkpoint's) differs from `now` (this command's), one clause per
    /// difference, or `None` when they are the same study.
    pub fn differences(&self, now: &StudyIdentity) -> Option<String> {
        let mut diffs = Vec::new();
        let mut field = |name: &str, then: String, now: String| {
            if then != now {
                diffs.push(format!("{name} {then} (now {now})"));
            }
        };
        field("tool version", self.version.clone(), now.version.clone());
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
                "other inputs differ (--trace, --trace-runs, --precision, the arms, --set \
                 values, design points or scenario files)"
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
        let (header, body) = text.split_once('\n').unwrap_or((text, ""));
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
            return Err(bad(
                "its checksum does not match (it is damaged or was edited)".into(),
            ));
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

/// Streams a study's `runs.csv` and `trajectories.csv` and checkpoints it: after the first
/// batch, then at most every [`CHECKPOINT_INTERVAL`], the files are flushed to disk and
/// `checkpoint.json` is replaced atomically.
pub struct CheckpointSink {
    files: RunFiles,
    dir: PathBuf,
    identity: StudyIdentity,
    start_run: u64,
    precision_plan: Option<(u64, u64)>,
    last: Option<Instant>,
    interval: Duration,
}

impl CheckpointSink {
    /// A sink writing `files` in the folder `dir` for the study `identity`, whose runs start
    /// at `start_run`; `precision_plan` is a resumed study's (`None` for a new one).
    pub fn new(
        files: RunFiles,
        dir: &Path,
        identity: StudyIdentity,
        start_run: u64,
        precision_plan: Option<(u64, u64)>,
    ) -> Self {
        CheckpointSink {
            files,
            dir: dir.to_path_buf(),
            identity,
            start_run,
            precision_plan,
            last: None,
            interval: CHECKPOINT_INTERVAL,
        }
    }

    /// Checkpoints at most every `interval` (default [`CHECKPOINT_INTERVAL`]; zero: after
    /// every batch).
    pub fn every(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Writes a checkpoint now: runs `..next_run` done, with `tallies`.
    pub fn checkpoint(&mut self, next_run: u64, tallies: &StudyTally) -> Result<(), RunnerError> {
        let files = self.files.sync()?;
        Checkpoint {
            identity: self.identity.clone(),
            start_run: self.start_run,
            next_run,
            precision_plan: self.precision_plan,
            tallies: tallies.clone(),
            files,
        }
        .write(&self.dir)?;
        self.last = Some(Instant::now());
        Ok(())
    }

    /// Completes the streamed files (renamed into place). The checkpoint stays until the
    /// study's last file is written; then [`remove`] it.
    pub fn finish(self) -> Result<(), RunnerError> {
        self.files.finish()
    }
}

impl RecordSink for CheckpointSink {
    fn wants_rows(&self) -> bool {
        true
    }

    fn record(&mut self, record: &RunRecord) -> Result<(), RunnerError> {
        self.files.record(record)
    }

    fn batch_done(&mut self, next_run: u64, tallies: &StudyTally) -> Result<(), RunnerError> {
        if self.last.is_none_or(|t| t.elapsed() >= self.interval) {
            self.checkpoint(next_run, tallies)?;
        }
        Ok(())
    }

    fn precision_planned(&mut self, needed: u64, total: u64) -> Result<(), RunnerError> {
        self.precision_plan = Some((needed, total));
        Ok(())
    }
}

/// Removes the checkpoint of a study that finished (its `manifest.json` is written, and holds
/// the study's fingerprint for `--resume`).
pub fn remove(dir: &Path) -> Result<(), RunnerError> {
    for name in [
        CHECKPOINT_FILE.to_string(),
        format!("{CHECKPOINT_FILE}{PARTIAL_SUFFIX}"),
    ] {
        let path = dir.join(name);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(RunnerError::io("remove", path, e)),
        }
    }
    sync_dir(dir);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::{ArmLabel, StudyPlan};
    use crate::output::OutputDir;
    use crate::study::{Arm, RunRecord, TraceSelection, run_study, run_study_from};
    use polarity_model::testworld::test_world;

    fn study(runs: u64, precision: Option<f64>) -> Study {
        Study {
            arms: vec![Arm::new(Box::new(test_world()))],
            seed: 3,
            runs,
            threads: 2,
            trace: TraceSelection {
                first: 2,
                runs: Default::default(),
            },
            precision,
            shard: None,
            paired: false,
        }
    }

    fn plan(s: &Study) -> StudyPlan {
        let identity = ScenarioIdentity {
            name: "test-world".into(),
            hash: "0123456789abcdef".into(),
        };
        StudyPlan {
            kind: StudyKind::Run,
            identity: identity.clone(),
            seed: s.seed,
            runs: s.runs,
            blocs: s.arms[0].names().blocs.clone(),
            trace: s.trace.clone(),
            setting_columns: Vec::new(),
            arms: vec![ArmLabel {
                scenario: "test-world".into(),
                identity,
                settings: Vec::new(),
            }],
        }
    }

    fn identity(s: &Study) -> StudyIdentity {
        StudyIdentity::new(&plan(s), s, &[("scenario.ron".into(), "(...)".into())])
    }

    /// Collects the rows a study hands its sink, stopping (as a kill would) after `stop`
    /// batches; checkpoints into `dir` after every batch.
    struct Stopping {
        inner: CheckpointSink,
        batches: usize,
        stop: usize,
    }

    impl RecordSink for Stopping {
        fn wants_rows(&self) -> bool {
            true
        }
        fn record(&mut self, r: &RunRecord) -> Result<(), RunnerError> {
            self.inner.record(r)
        }
        fn batch_done(&mut self, next: u64, t: &StudyTally) -> Result<(), RunnerError> {
            self.inner.checkpoint(next, t)?;
            self.batches += 1;
            if self.batches == self.stop {
                return Err(RunnerError::Settings("killed".into()));
            }
            Ok(())
        }
        fn precision_planned(&mut self, needed: u64, total: u64) -> Result<(), RunnerError> {
            self.inner.precision_planned(needed, total)
        }
    }

    /// Runs `s` whole into one folder, and stopped after `stop` batches then resumed into
    /// another; the tallies and the bytes of runs.csv and trajectories.csv are the same.
    fn stop_and_resume(s: &Study, stop: usize) {
        let tmp = tempfile::tempdir().unwrap();
        let whole = OutputDir::prepare(&tmp.path().join("whole"), false).unwrap();
        let mut files = RunFiles::start(&whole, s).unwrap();
        let expected = run_study(s, &mut files, &()).unwrap();
        files.finish().unwrap();

        let dir = OutputDir::prepare(&tmp.path().join("resumed"), false).unwrap();
        let files = RunFiles::start(&dir, s).unwrap();
        let mut sink = Stopping {
            inner: CheckpointSink::new(files, dir.path(), identity(s), 0, None),
            batches: 0,
            stop,
        };
        assert!(run_study(s, &mut sink, &()).is_err(), "stopped");
        drop(sink);
        let ck = Checkpoint::read(dir.path()).unwrap().expect("a checkpoint");
        assert!(ck.identity.differences(&identity(s)).is_none());
        let files = RunFiles::resume(&dir, &ck.files, true).unwrap();
        let from = ResumeState::from(&ck);
        let mut sink = CheckpointSink::new(files, dir.path(), identity(s), 0, from.precision_plan);
        let got = run_study_from(s, &mut sink, &(), Some(from)).unwrap();
        sink.finish().unwrap();
        remove(dir.path()).unwrap();
        assert_eq!(got, expected);
        for name in ["runs.csv", "trajectories.csv"] {
            assert_eq!(
                fs::read(whole.path().join(name)).unwrap(),
                fs::read(dir.path().join(name)).unwrap(),
                "{name} after a stop at batch {stop}"
            );
        }
        assert_eq!(Checkpoint::read(dir.path()).unwrap(), None);
    }

    #[test]
    fn a_stopped_study_resumes_to_the_same_results_and_bytes() {
        for stop in [1, 2, 3] {
            stop_and_resume(&study(2100, None), stop);
        }
        // --precision: stopped in the pilot's batch and after it.
        for stop in [1, 2] {
            stop_and_resume(&study(20_000, Some(0.02)), stop);
        }
    }

    #[test]
    fn the_file_format_is_checked() {
        let s = study(10, None);
        let ck = Checkpoint {
            identity: identity(&s),
            start_run: 0,
            next_run: 5,
            precision_plan: Some((7, 9)),
            tallies: StudyTally::default(),
            files: vec![FileState {
                name: "runs.csv".into(),
                len: 12,
                hash: Fnv::of(b"hello world\n"),
            }],
        };
        let bytes = ck.to_bytes();
        let here = Path::new("x/checkpoint.json");
        assert_eq!(Checkpoint::from_bytes(&bytes, here).unwrap(), ck);
        // Any damage is refused, with a message naming the file.
        for i in [0, 25, bytes.len() / 2, bytes.len() - 2] {
            let mut bad = bytes.clone();
            bad[i] ^= 0x20;
            let e = Checkpoint::from_bytes(&bad, here).unwrap_err();
            assert!(e.is_input(), "{e}");
            assert!(e.to_string().contains("x/checkpoint.json"), "{e}");
        }
        for cut in [0, 10, bytes.len() - 10] {
            assert!(Checkpoint::from_bytes(&bytes[..cut], here).is_err());
        }
        let future = String::from_utf8(bytes.clone())
            .unwrap()
            .replacen(" 1 ", " 2 ", 1);
        let e = Checkpoint::from_bytes(future.as_bytes(), here).unwrap_err();
        assert!(e.to_string().contains("format 2"), "{e}");
    }

    #[test]
    fn identities_name_their_differences() {
        let a = identity(&study(10, None));
        assert_eq!(a.differences(&a), None);
        let mut b = a.clone();
        b.seed = 4;
        b.runs = 11;
        b.version = "9.9.9".into();
        let d = a.differences(&b).unwrap();
        assert!(d.contains("seed 3 (now 4)"), "{d}");
        assert!(d.contains("runs 10 (now 11)"), "{d}");
        assert!(d.contains("tool version"), "{d}");
        let mut c = a.clone();
        c.inputs = "ffffffffffffffff".into();
        assert!(a.differences(&c).unwrap().contains("other inputs"));
    }

    #[test]
    fn a_failed_write_leaves_the_previous_checkpoint() {
        let tmp = tempfile::tempdir().unwrap();
        let s = study(10, None);
        let ck = Checkpoint {
            identity: identity(&s),
            start_run: 0,
            next_run: 5,
            precision_plan: None,
            tallies: StudyTally::default(),
            files: Vec::new(),
        };
        ck.write(tmp.path()).unwrap();
        // The temporary file cannot be created (a folder is in its way): the write fails,
        // the checkpoint in place is untouched.
        fs::create_dir(tmp.path().join("checkpoint.json.partial")).unwrap();
        let mut next = ck.clone();
        next.next_run = 9;
        assert!(next.write(tmp.path()).is_err());
        assert_eq!(Checkpoint::read(tmp.path()).unwrap(), Some(ck));
    }

    #[test]
    fn reopening_checks_and_cuts_the_partial_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("runs.csv.partial");
        fs::write(&p, b"header\nrow 1\nrow 2 (after the checkpoint)\n").unwrap();
        let state = FileState {
            name: "runs.csv".into(),
            len: 13,
            hash: Fnv::of(b"header\nrow 1\n"),
        };
        let mut f = reopen(tmp.path(), &state).unwrap();
        f.write_all(b"row 2\n").unwrap();
        drop(f);
        assert_eq!(fs::read(&p).unwrap(), b"header\nrow 1\nrow 2\n");
        // Content that differs, or a file that is too short, is refused.
        fs::write(&p, b"HEADER\nrow 1\n").unwrap();
        assert!(reopen(tmp.path(), &state).unwrap_err().is_input());
        fs::write(&p, b"head").unwrap();
        assert!(reopen(tmp.path(), &state).unwrap_err().is_input());
        // A file already renamed to its final name is taken back.
        fs::remove_file(&p).unwrap();
        fs::write(tmp.path().join("runs.csv"), b"header\nrow 1\n").unwrap();
        reopen(tmp.path(), &state).unwrap();
        assert!(p.exists() && !tmp.path().join("runs.csv").exists());
    }
}

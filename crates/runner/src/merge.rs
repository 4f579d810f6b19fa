//! Shard records (`tally.json`) and `polarity merge`: shard folders back into one study.
//!
//! A shard folder holds the shard's own `runs.csv` (and `trajectories.csv`), its scenario
//! file(s), `manifest.json` (written last) and `tally.json`, a [`ShardRecord`]: the study's
//! [`StudyPlan`], the tool version and build, which shard it is, the run indices it ran and
//! its exact accumulators. [`check_shards`] reads a set of shard folders and refuses, naming
//! the folder, anything that would not give the bytes of the unsharded study: an unfinished
//! shard, a shard of another study (plan, version or build differ), the same shard twice, a
//! missing shard, a damaged record. [`write_merged`] then writes the study: the result files
//! from the merged accumulators (the same code an unsharded study uses, so the same bytes),
//! `runs.csv` and `trajectories.csv` as the shards' bodies concatenated in shard order, and
//! the scenario file(s) copied. Merging never reruns anything and holds no more than one
//! buffer of rows in memory.

use std::fs::{self, File};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::RunnerError;
use crate::experiment::{StudyKind, StudyPlan, StudyTally, write_results};
use crate::output::{
    BUILD, MANIFEST_FILE, OutputDir, PartialFile, RUNS_FILE, SCENARIO_FILE, TALLY_FILE,
    TRAJECTORIES_FILE, VERSION, arm_scenario_file,
};
use crate::shard::Shard;

/// The `format` of a `tally.json` this version writes and reads.
pub const SHARD_FORMAT: &str = "polarity-shard/1";

/// The content of a shard's `tally.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShardRecord {
    /// Always [`SHARD_FORMAT`].
    pub format: String,
    /// Tool version that wrote it.
    pub version: String,
    /// Build id that wrote it.
    pub build: String,
    /// The whole study.
    pub plan: StudyPlan,
    /// Which shard this is.
    pub shard: Shard,
    /// The run indices it ran, `[start, end)`.
    pub run_range: [u64; 2],
    /// Its exact accumulators.
    pub tallies: StudyTally,
}

impl ShardRecord {
    /// The record of shard `shard` of the study `plan` by this build.
    pub fn new(plan: StudyPlan, shard: Shard, tallies: StudyTally) -> Self {
        let range = shard.range(plan.runs);
        ShardRecord {
            format: SHARD_FORMAT.into(),
            version: VERSION.into(),
            build: BUILD.into(),
            plan,
            shard,
            run_range: [range.start, range.end],
            tallies,
        }
    }

    /// The bytes of `tally.json` (compact JSON and a final newline).
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }
}

/// Shards checked to form one whole study, ready to write.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The study.
    pub plan: StudyPlan,
    /// The merged accumulators (equal to the unsharded study's).
    pub tallies: StudyTally,
    /// The shard folders, in shard order.
    pub shards: Vec<PathBuf>,
}

fn shard_error(message: String) -> RunnerError {
    RunnerError::Shard(message)
}

/// Reads one shard folder's record, checking that the folder is a finished shard.
fn read_record(dir: &Path) -> Result<ShardRecord, RunnerError> {
    let d = dir.display();
    if !dir.is_dir() {
        return Err(shard_error(format!(
            "cannot merge {d}: there is no such folder"
        )));
    }
    let tally = dir.join(TALLY_FILE);
    if !tally.is_file() {
        return Err(shard_error(format!(
            "{d} is not a shard folder: it has no {TALLY_FILE}; shard folders are written by \
             `polarity run|sweep|batch … --shard I/N --out DIR`"
        )));
    }
    if !dir.join(MANIFEST_FILE).is_file() {
        return Err(shard_error(format!(
            "{d} is an unfinished shard: it has no {MANIFEST_FILE}, which a shard writes \
             last; run that shard again"
        )));
    }
    let text = fs::read_to_string(&tally).map_err(|e| RunnerError::io("read", &tally, e))?;
    serde_json::from_str::<ShardRecord>(&text).map_err(|e| {
        shard_error(format!(
            "{} is not a shard record this version of polarity can read (line {}, column {}: \
             {e}); was it written by another version?",
            tally.display(),
            e.line(),
            e.column()
        ))
    })
}

/// What differs between two plans, in words (`None` when they are equal).
fn plan_difference(a: &StudyPlan, b: &StudyPlan) -> Option<String> {
    if a.kind != b.kind {
        return Some(format!(
            "it is a `{}` study, not a `{}` study",
            b.kind.name(),
            a.kind.name()
        ));
    }
    if a.identity.hash != b.identity.hash {
        return Some(format!(
            "its scenario hash is {} ({}), not {} ({})",
            b.identity.hash, b.identity.name, a.identity.hash, a.identity.name
        ));
    }
    if a.seed != b.seed {
        return Some(format!("its seed is {}, not {}", b.seed, a.seed));
    }
    if a.runs != b.runs {
        return Some(format!("it is a study of {} runs, not {}", b.runs, a.runs));
    }
    if a.arms.len() != b.arms.len() {
        return Some(format!(
            "it has {} arms or points, not {}",
            b.arms.len(),
            a.arms.len()
        ));
    }
    if a.trace != b.trace {
        return Some("it traces other runs (--trace / --trace-runs differ)".into());
    }
    (a != b).then(|| "its arms or points are labelled differently".to_string())
}

/// Reads the shard folders `dirs` and checks that they are the finished shards of one study,
/// each exactly once; returns the merged accumulators. Every refusal names the folder.
pub fn check_shards(dirs: &[PathBuf]) -> Result<Merged, RunnerError> {
    let Some(first_dir) = dirs.first() else {
        return Err(shard_error(
            "give the shard folders to merge, e.g. `polarity merge out/shard-* --out out/all`"
                .into(),
        ));
    };
    let mut records: Vec<(PathBuf, ShardRecord)> = Vec::with_capacity(dirs.len());
    for dir in dirs {
        records.push((dir.clone(), read_record(dir)?));
    }
    let first = &records[0].1;
    if first.format != SHARD_FORMAT {
        return Err(shard_error(format!(
            "{} holds a shard record of format `{}`; this version reads `{SHARD_FORMAT}`",
            first_dir.display(),
            first.format
        )));
    }
    let count = first.shard.count;
    for (dir, r) in &records[1..] {
        let foreign = |why: String| {
            shard_error(format!(
                "{} is a shard of another study than {}: {why}; merge only the shards of one \
                 study",
                dir.display(),
                first_dir.display()
            ))
        };
        if r.version != first.version || r.build != first.build {
            return Err(foreign(format!(
                "it was written by polarity {} (build {}), not {} (build {}) — shards must \
                 come from the same build",
                r.version, r.build, first.version, first.build
            )));
        }
        if let Some(why) = plan_difference(&first.plan, &r.plan) {
            return Err(foreign(why));
        }
        if r.shard.count != count {
            return Err(foreign(format!(
                "it is shard {} (of {}), not one of {count}",
                r.shard, r.shard.count
            )));
        }
    }
    // Each record must be intact: its range is its shard's, its tallies count its runs.
    for (dir, r) in &records {
        let want = r.shard.range(r.plan.runs);
        let runs = r.run_range[1].saturating_sub(r.run_range[0]);
        let arms_ok = r.tallies.arms.len() == r.plan.arms.len()
            && r.tallies
                .arms
                .iter()
                .all(|t| t.runs == runs && t.blocs == r.plan.blocs);
        if r.run_range != [want.start, want.end] || !arms_ok {
            return Err(shard_error(format!(
                "{} is damaged: its {TALLY_FILE} (shard {}, runs {} to {}) does not add up; \
                 run that shard again",
                dir.display(),
                r.shard,
                r.run_range[0],
                r.run_range[1]
            )));
        }
    }
    // Every shard exactly once.
    let mut slots: Vec<Option<&PathBuf>> = vec![None; count as usize];
    for (dir, r) in &records {
        let slot = &mut slots[(r.shard.index - 1) as usize];
        if let Some(other) = slot {
            return Err(shard_error(format!(
                "{} and {} are both shard {}: give each shard once",
                other.display(),
                dir.display(),
                r.shard
            )));
        }
        *slot = Some(dir);
    }
    let missing: Vec<u32> = (1..=count)
        .filter(|&i| slots[(i - 1) as usize].is_none())
        .collect();
    if let Some(&m) = missing.first() {
        let range = Shard { index: m, count }.range(first.plan.runs);
        let list = missing
            .iter()
            .map(|i| format!("{i}/{count}"))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(shard_error(format!(
            "shard {m}/{count} (runs {} to {}) is missing{}: the study is merged from all its \
             {count} shards; give every shard folder (missing: {list})",
            range.start,
            range.end.saturating_sub(1).max(range.start),
            if range.is_empty() {
                ", although empty,"
            } else {
                ""
            },
        )));
    }
    records.sort_by_key(|(_, r)| r.shard.index);
    // Every runs.csv whole, with the same header, before anything is written.
    let mut header = Vec::new();
    for (dir, r) in &records {
        let src = dir.join(RUNS_FILE);
        let lines = count_body(&src, &mut header)?;
        let runs = r.run_range[1] - r.run_range[0];
        let arms = r.plan.arms.len() as u64;
        if lines != runs * arms {
            return Err(truncated(&src, lines, r.shard, runs, arms));
        }
    }
    let mut tallies = records[0].1.tallies.clone();
    for (_, r) in &records[1..] {
        tallies.merge(&r.tallies)?;
    }
    let plan = records[0].1.plan.clone();
    Ok(Merged {
        plan,
        tallies,
        shards: records.into_iter().map(|(d, _)| d).collect(),
    })
}

fn truncated(src: &Path, lines: u64, shard: Shard, runs: u64, arms: u64) -> RunnerError {
    shard_error(format!(
        "{} has {lines} rows, but shard {shard} ran {runs} runs × {arms} arms = {}: the file \
         was cut short or edited; run that shard again",
        src.display(),
        runs * arms
    ))
}

/// Opens a shard's CSV file and reads its header line, which must equal `header` (the first
/// file's, taken when `header` is empty).
fn open_csv(src: &Path, header: &mut Vec<u8>) -> Result<(BufReader<File>, Vec<u8>), RunnerError> {
    let file = File::open(src).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            shard_error(format!(
                "{} is missing: the shard folder is incomplete; run that shard again",
                src.display()
            ))
        } else {
            RunnerError::io("read", src, e)
        }
    })?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut first = Vec::new();
    reader
        .read_until(b'\n', &mut first)
        .map_err(|e| RunnerError::io("read", src, e))?;
    if header.is_empty() {
        header.clone_from(&first);
    } else if *header != first {
        return Err(shard_error(format!(
            "{} has another header than the first shard's: the shards were not written by \
             the same study",
            src.display()
        )));
    }
    Ok((reader, first))
}

/// Streams the body of a shard's CSV file (after its header) into `sink`, returning the
/// number of lines.
fn stream_body(
    src: &Path,
    mut reader: BufReader<File>,
    mut sink: impl FnMut(&[u8]) -> Result<(), RunnerError>,
) -> Result<u64, RunnerError> {
    let mut lines = 0;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| RunnerError::io("read", src, e))?;
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count() as u64;
        sink(&buf[..n])?;
    }
    Ok(lines)
}

/// Counts the lines of a shard's CSV file after its header (checked against `header`).
fn count_body(src: &Path, header: &mut Vec<u8>) -> Result<u64, RunnerError> {
    let (reader, _) = open_csv(src, header)?;
    stream_body(src, reader, |_| Ok(()))
}

/// Appends the body of `src` (everything after its header line) to `out`; the header must
/// equal `header` (the first file's, taken when `header` is empty). Returns the number of
/// lines copied.
fn append_body(
    src: &Path,
    header: &mut Vec<u8>,
    out: &mut PartialFile,
) -> Result<u64, RunnerError> {
    let first_file = header.is_empty();
    let (reader, first) = open_csv(src, header)?;
    if first_file {
        out.write_all(&first)?;
    }
    stream_body(src, reader, |bytes| out.write_all(bytes))
}

/// Writes the merged study into `dir`: the result files, `runs.csv` and `trajectories.csv`
/// (the shards' bodies in shard order, each `runs.csv` checked to hold its shard's rows) and
/// the scenario file(s). `manifest.json` is left to the caller.
pub fn write_merged(dir: &OutputDir, merged: &Merged) -> Result<(), RunnerError> {
    let plan = &merged.plan;
    let first = merged
        .shards
        .first()
        .ok_or_else(|| shard_error("no shards to merge".into()))?;
    let scenario_files: Vec<String> = match plan.kind {
        StudyKind::Sweep => (0..plan.arms.len()).map(arm_scenario_file).collect(),
        StudyKind::Run | StudyKind::Batch => vec![SCENARIO_FILE.to_string()],
    };
    for name in &scenario_files {
        let src = first.join(name);
        let bytes = fs::read(&src).map_err(|e| RunnerError::io("read", &src, e))?;
        dir.write(name, &bytes)?;
    }
    let arms = plan.arms.len() as u64;
    let mut runs = dir.create(RUNS_FILE)?;
    let mut header = Vec::new();
    for (k, shard_dir) in merged.shards.iter().enumerate() {
        let shard = Shard {
            index: k as u32 + 1,
            count: merged.shards.len() as u32,
        };
        let range = shard.range(plan.runs);
        let src = shard_dir.join(RUNS_FILE);
        let lines = append_body(&src, &mut header, &mut runs)?;
        let shard_runs = range.end - range.start;
        if lines != shard_runs * arms {
            return Err(truncated(&src, lines, shard, shard_runs, arms));
        }
    }
    runs.commit()?;
    if !plan.trace.is_empty() {
        let mut traj = dir.create(TRAJECTORIES_FILE)?;
        let mut header = Vec::new();
        for shard_dir in &merged.shards {
            append_body(&shard_dir.join(TRAJECTORIES_FILE), &mut header, &mut traj)?;
        }
        traj.commit()?;
    }
    write_results(dir, plan, &merged.tallies, None)
}

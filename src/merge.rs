//! `polarity merge`: shard folders into exactly the folder the unsharded study would have
//! written.
//!
//! The shards are read and checked first ([`polarity_runner::merge::check_shards`]): a
//! missing, duplicated, unfinished, damaged or foreign shard (another scenario, seed, run
//! count, shard count, tool version or build) is refused with exit code 2, naming the
//! folder. Only then is `--out` prepared and written; its `manifest.json` lists the shards.

use std::io::Write;
use std::path::PathBuf;
use std::time::{Instant, SystemTime};

use clap::Args;
use polarity_runner::OutputDir;
use polarity_runner::merge::{check_shards, write_merged};
use polarity_runner::output::MANIFEST_FILE;

use crate::Failure;
use crate::study::{manifest, print_results};

/// Flags of `polarity merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The shard folders (written with --shard I/N --out DIR), in any order.
    #[arg(value_name = "DIR", required = true)]
    pub dirs: Vec<PathBuf>,
    /// Write the merged study into this folder.
    #[arg(long, value_name = "DIR", required = true)]
    pub out: PathBuf,
    /// Replace the study files in an existing, non-empty --out folder.
    #[arg(long)]
    pub force: bool,
    /// Print nothing but errors (and the JSON summary with --json).
    #[arg(long, short)]
    pub quiet: bool,
    /// Print summary.json to stdout instead of the tables.
    #[arg(long)]
    pub json: bool,
}

/// Runs `polarity merge` with `args`, printing to `out`.
pub fn merge(args: &MergeArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let merged = check_shards(&args.dirs)?;
    let target = std::fs::canonicalize(&args.out).ok();
    if let Some(dir) = args
        .dirs
        .iter()
        .find(|d| target.is_some() && std::fs::canonicalize(d).ok() == target)
    {
        return Err(Failure::input(format!(
            "--out {} is one of the shard folders ({}); merge into a new folder",
            args.out.display(),
            dir.display()
        )));
    }
    let dir = OutputDir::prepare(&args.out, args.force)?;
    write_merged(&dir, &merged)?;
    let elapsed = clock.elapsed().as_secs_f64();
    let mut m = manifest(&merged.plan, merged.plan.runs, None, 1, started, elapsed);
    m.merged_from = Some(
        merged
            .shards
            .iter()
            .map(|d| d.display().to_string())
            .collect(),
    );
    dir.write(MANIFEST_FILE, m.to_json().as_bytes())?;
    if args.quiet && !args.json {
        return Ok(());
    }
    if !args.json {
        writeln!(
            out,
            "merged {} shards of a {} study ({} runs)\n",
            merged.shards.len(),
            merged.plan.kind.name(),
            merged.plan.runs
        )?;
    }
    print_results(
        out,
        &merged.plan,
        &merged.tallies,
        None,
        args.json,
        elapsed,
        Some(dir.path()),
    )
}

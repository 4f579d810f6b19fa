//! Integration tests of the `polarity` binary: each test runs the real executable in its own
//! temporary folder and checks what a user or a script would see — exit codes, stdout,
//! stderr and the bytes of the output files.
//!
//! * `support`: running the binary, temporary folders, reading output files.
//! * `reproducible`: identical bytes across thread counts and invocations; precision.
//! * `files`: the content of summary.json, runs.csv, trajectories.csv, manifest.json.
//! * `errors`: exit codes and messages for bad input and failures; a closed stdout.
//! * `resume`: studies killed (SIGKILL) at many points and resumed give identical bytes;
//!   `--resume` refuses another study's or a damaged checkpoint.
//! * `robustness`: unwritable folders, full disks, closed and full stdout, every class of bad
//!   argument, resource limits checked before work starts.
//! * `scenarios`: `validate`, `scenarios`, `show`, `--help`.
//! * `sweep`: arms on common random numbers, paired contrasts, `arms.csv`, `contrasts.csv`.
//! * `batch`: design files, SALib matrices and problem files, `points.csv`, `points.txt`.
//! * `shards`: `--shard I/N`, `--shard slurm` and `merge`: identical bytes, wrong shards.

#[path = "cli/batch.rs"]
mod batch;
#[path = "cli/errors.rs"]
mod errors;
#[path = "cli/files.rs"]
mod files;
#[path = "cli/reproducible.rs"]
mod reproducible;
#[path = "cli/resume.rs"]
mod resume;
#[path = "cli/robustness.rs"]
mod robustness;
#[path = "cli/scenarios.rs"]
mod scenarios;
#[path = "cli/shards.rs"]
mod shards;
#[path = "cli/support.rs"]
mod support;
#[path = "cli/sweep.rs"]
mod sweep;

//! Integration tests of the `polarity` binary: each test runs the real executable in its own
//! temporary folder and checks what a user or a script would see — exit codes, stdout,
//! stderr and the bytes of the output files.
//!
//! * `support`: running the binary, temporary folders, reading output files.
//! * `reproducible`: identical bytes across thread counts and invocations; precision.
//! * `files`: the content of summary.json, runs.csv, trajectories.csv, manifest.json.
//! * `errors`: exit codes and messages for bad input and failures; a closed stdout.
//! * `scenarios`: `validate`, `scenarios`, `show`, `--help`.

#[path = "cli/errors.rs"]
mod errors;
#[path = "cli/files.rs"]
mod files;
#[path = "cli/reproducible.rs"]
mod reproducible;
#[path = "cli/scenarios.rs"]
mod scenarios;
#[path = "cli/support.rs"]
mod support;

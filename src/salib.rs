//! `polarity salib-problem`: a SALib problem file for a scenario's uncertain parameters.
//!
//! The file has one line `name lower upper` per parameter, separated by single spaces — what
//! `salib sample … -p FILE` and `salib analyze … -p FILE` read. Names are the parameters'
//! scenario paths, so `polarity batch --names-from FILE` maps the sampled matrix's columns
//! back onto the scenario. Bounds are documented in [`polarity_runner::design::problem_file`].

use std::io::Write;

use clap::Args;
use polarity_runner::design::problem_file;

use crate::Failure;
use crate::catalog::{print_warnings, scenario_failure};

/// Flags of `polarity salib-problem`.
#[derive(Debug, Args)]
pub struct SalibProblemArgs {
    /// Scenario: a path to a .ron file or the name of an embedded scenario.
    #[arg(value_name = "SCENARIO", default_value = "baseline")]
    pub scenario: String,
    /// Only these uncertain parameters, in this order [default: all, in schema order].
    #[arg(value_name = "PATH")]
    pub paths: Vec<String>,
    /// Override a scenario field first, e.g. to make a field uncertain:
    /// --set 'technology.utilization=Uniform(0.3, 0.5)'. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// Prints the problem file of `args` to `out`.
pub fn salib_problem(args: &SalibProblemArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let loaded = polarity_scenario::load(&args.scenario).map_err(|e| {
        let looks_like_path =
            args.scenario.contains(['.', '[']) && !args.scenario.ends_with(".ron");
        let f = scenario_failure(&e);
        match (looks_like_path, f) {
            (true, Failure::Input(err)) => Failure::Input(anyhow::anyhow!(
                "{err:#}\n  hint: the first argument is the scenario; write \
                 `polarity salib-problem baseline {}`",
                args.scenario
            )),
            (_, f) => f,
        }
    })?;
    print_warnings(&loaded.warnings);
    let mut file = loaded.scenario;
    polarity_scenario::apply_overrides(&mut file, &args.set).map_err(|e| scenario_failure(&e))?;
    let text = problem_file(&file, &args.paths, &args.scenario)?;
    out.write_all(text.as_bytes())?;
    Ok(())
}

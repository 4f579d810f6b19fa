//! `polarity run`: load the scenario, apply `--set` overrides, run the study, write the
//! output folder and print the summary.
//!
//! Everything that can be checked before work starts is checked first (the scenario and its
//! overrides, the study settings, the output folder), so bad input fails fast with exit
//! code 2. The study itself runs through [`crate::study::execute`], shared with `sweep` and
//! `batch`; this module only builds its single arm.

use std::io::Write;

use polarity_runner::experiment::{ArmLabel, StudyKind, StudyPlan};
use polarity_runner::output::SCENARIO_FILE;
use polarity_runner::{Arm, ScenarioIdentity, ScenarioSampler, TraceSelection};

use crate::catalog::{print_warnings, scenario_failure};
use crate::study::{Prepared, Settings, execute};
use crate::{Failure, RunArgs};

/// Runs `polarity run` with `args`, printing to `out`.
pub fn run(args: &RunArgs, out: &mut dyn Write) -> Result<(), Failure> {
    crate::plot::check_flag(args.plot, args.out.as_deref(), args.shard.as_deref())?;
    let loaded = polarity_scenario::load(&args.scenario).map_err(|e| scenario_failure(&e))?;
    if !args.quiet {
        print_warnings(&loaded.warnings);
    }
    let mut file = loaded.scenario;
    polarity_scenario::apply_overrides(&mut file, &args.set).map_err(|e| scenario_failure(&e))?;
    let identity = ScenarioIdentity {
        name: file.name.clone(),
        hash: polarity_scenario::hash(&file),
    };
    let scenario_ron = polarity_scenario::to_ron(&file);
    let (default_seed, default_runs) = (file.study.seed, file.study.runs);
    let arm = Arm::new(Box::new(ScenarioSampler::new(file)));
    let plan = StudyPlan {
        kind: StudyKind::Run,
        identity: identity.clone(),
        seed: default_seed,
        runs: default_runs,
        blocs: arm.names().blocs.clone(),
        trace: TraceSelection::default(),
        setting_columns: Vec::new(),
        arms: vec![ArmLabel {
            scenario: args.scenario.clone(),
            identity,
            settings: Vec::new(),
        }],
    };
    let prepared = Prepared {
        plan,
        arms: vec![arm],
        default_seed,
        default_runs,
        scenario_files: vec![(SCENARIO_FILE.to_string(), scenario_ron)],
    };
    let settings = Settings {
        runs: args.runs,
        seed: args.seed,
        threads: args.threads,
        out: args.out.as_ref(),
        force: args.force,
        resume: args.resume,
        checkpoint_interval: args.checkpoint_interval,
        trace: TraceSelection {
            first: args.trace.unwrap_or(0),
            runs: args.trace_runs.iter().copied().collect(),
        },
        shard: args.shard.as_deref(),
        precision: args.precision,
        quiet: args.quiet,
        json: args.json,
    };
    execute(prepared, &settings, out)?;
    crate::plot::after_study(args.plot, args.out.as_deref(), args.quiet || args.json, out)
}

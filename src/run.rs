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
    let flags = &args.study;
    crate::plot::check_flag(flags.plot, flags.out.as_deref(), flags.shard.as_deref())?;
    let loaded = polarity_scenario::load(&args.scenario).map_err(|e| scenario_failure(&e))?;
    if !flags.quiet {
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
        precision: args.precision,
        ..Settings::of(&args.study)
    };
    execute(prepared, &settings, out)?;
    let flags = &args.study;
    crate::plot::after_study(
        flags.plot,
        flags.out.as_deref(),
        flags.quiet || flags.json,
        out,
    )
}

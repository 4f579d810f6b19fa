//! `polarity batch`: one study per row of a design file, on common run seeds.
//!
//! The design is read and every row applied to the scenario and validated before any run
//! starts ([`polarity_runner::design`]), so a bad value is reported by file, line, column and
//! point with exit code 2. Each design point is an arm numbered from 0 in file order; the
//! results are `points.csv` and `points.txt` (for `salib analyze -Y`).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;
use polarity_runner::design::{Design, problem_names};
use polarity_runner::experiment::{ArmLabel, StudyKind, StudyPlan};
use polarity_runner::output::SCENARIO_FILE;
use polarity_runner::{Arm, ScenarioIdentity, ScenarioSampler, TraceSelection};

use crate::Failure;
use crate::catalog::{print_warnings, scenario_failure};
use crate::study::{Prepared, Settings, StudyFlags, execute};

/// Flags of `polarity batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// Scenario the design rows are applied to: a path to a .ron file or an embedded name.
    #[arg(value_name = "SCENARIO", default_value = "baseline")]
    pub scenario: String,
    /// The design: a CSV file whose header names parameter paths, or the headerless matrix
    /// `salib sample` writes (with --names-from).
    #[arg(long, value_name = "FILE")]
    pub design: PathBuf,
    /// Take the column names of a headerless design from this SALib problem file (lines
    /// `name lower upper`, as `polarity salib-problem` writes).
    #[arg(long, value_name = "PROBLEM")]
    pub names_from: Option<PathBuf>,
    /// Override a scenario field for every point before the design is applied. Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Runs, seed, threads, output and sharding.
    #[command(flatten)]
    pub flags: StudyFlags,
}

fn read_text(path: &PathBuf, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::input(format!("cannot read the {what} {}: {e}", path.display())))
}

/// Runs `polarity batch` with `args`, printing to `out`.
pub fn batch(args: &BatchArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let flags = &args.flags;
    crate::plot::check_flag(flags.plot, flags.out.as_deref(), flags.shard.as_deref())?;
    let loaded = polarity_scenario::load(&args.scenario).map_err(|e| scenario_failure(&e))?;
    if !flags.quiet {
        print_warnings(&loaded.warnings);
    }
    let mut base = loaded.scenario;
    polarity_scenario::apply_overrides(&mut base, &args.set).map_err(|e| scenario_failure(&e))?;

    let names = match &args.names_from {
        Some(p) => Some(problem_names(
            &read_text(p, "SALib problem file")?,
            &p.display().to_string(),
        )?),
        None => None,
    };
    let design = Design::parse(
        &read_text(&args.design, "design file")?,
        &args.design.display().to_string(),
        names.as_deref(),
    )?;
    let worlds = design.apply(&base)?;

    let mut labels = Vec::with_capacity(worlds.len());
    let mut arms = Vec::with_capacity(worlds.len());
    for (k, (world, row)) in worlds.into_iter().zip(&design.rows).enumerate() {
        labels.push(ArmLabel {
            scenario: args.scenario.clone(),
            identity: ScenarioIdentity {
                name: world.name.clone(),
                hash: polarity_scenario::hash(&world),
            },
            settings: row.cells.clone(),
        });
        arms.push(Arm::new(Box::new(ScenarioSampler::new(world))).with_row_prefix(format!("{k},")));
    }
    let identity =
        StudyPlan::combined_identity(StudyKind::Batch, &base.name, &design.columns, &labels);
    let plan = StudyPlan {
        kind: StudyKind::Batch,
        identity,
        seed: 0,
        runs: 0,
        blocs: arms[0].names().blocs.clone(),
        trace: TraceSelection::default(),
        setting_columns: design.columns.clone(),
        arms: labels,
    };
    let prepared = Prepared {
        plan,
        arms,
        default_seed: base.study.seed,
        default_runs: base.study.runs,
        scenario_files: vec![(SCENARIO_FILE.to_string(), polarity_scenario::to_ron(&base))],
    };
    execute(prepared, &Settings::of(flags), out)?;
    crate::plot::after_study(
        flags.plot,
        flags.out.as_deref(),
        flags.quiet || flags.json,
        out,
    )
}

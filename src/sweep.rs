//! `polarity sweep`: a policy experiment on common random numbers.
//!
//! The arms are the cartesian product of the scenarios (`SCENARIO`, or `--scenarios A,B,…`)
//! and the values of every `--set PATH=V1,V2,…`, in this order: the scenario varies slowest,
//! then the `--set` flags in the order given, the last one fastest (like nested loops, or
//! Python's `itertools.product`). Arm 0 — the first scenario with the first value of every
//! `--set` — is the reference every other arm is compared with. Values are split at
//! top-level commas only, so `--set 'p=Uniform(1, 2),3'` is two arms. All arms run on the
//! same run seeds; the scenarios must share their bloc ids.

use std::io::Write;

use clap::Args;
use polarity_runner::experiment::{ArmLabel, StudyKind, StudyPlan};
use polarity_runner::output::arm_scenario_file;
use polarity_runner::{Arm, ScenarioIdentity, ScenarioSampler, TraceSelection};
use polarity_scenario::dist::split_top_level;

use crate::Failure;
use crate::catalog::{describe_problems, print_warnings, scenario_failure};
use crate::study::{Prepared, Settings, StudyFlags, execute};

/// Most arms a sweep may have (use `polarity batch` for larger designs).
pub const MAX_ARMS: usize = 10_000;

/// Flags of `polarity sweep`.
#[derive(Debug, Args)]
pub struct SweepArgs {
    /// Scenario the --set values are applied to: a path to a .ron file or an embedded name
    /// [default: baseline, unless --scenarios is given].
    #[arg(value_name = "SCENARIO")]
    pub scenario: Option<String>,
    /// Whole scenarios as arms, comma-separated (paths or embedded names), e.g.
    /// strict,leaky,no-controls; they must have the same bloc ids.
    #[arg(long, value_name = "A,B,…", value_delimiter = ',')]
    pub scenarios: Vec<String>,
    /// Sweep a field over values, e.g. --set 'policy.rules[oct-2023].compliant_variants=true,false'.
    /// Repeatable: the arms are all combinations. Values are RON, split at top-level commas.
    #[arg(long = "set", value_name = "PATH=V1,V2,…")]
    pub set: Vec<String>,
    /// Runs, seed, threads, output and sharding.
    #[command(flatten)]
    pub flags: StudyFlags,
}

/// One `--set`: a path and its values.
struct Axis {
    path: String,
    values: Vec<String>,
}

fn parse_axis(text: &str) -> Result<Axis, Failure> {
    let Some((path, rhs)) = text.split_once('=') else {
        return Err(Failure::input(format!(
            "--set `{text}` is not of the form PATH=V1,V2,… (e.g. --set \
             'policy.rules[oct-2023].compliant_variants=true,false')"
        )));
    };
    let path = path.trim().to_string();
    let values: Vec<String> = split_top_level(rhs).into_iter().map(String::from).collect();
    if values.is_empty() {
        return Err(Failure::input(format!(
            "--set {path}= has no values; give one or more, separated by commas"
        )));
    }
    if let Some(k) = values.iter().position(String::is_empty) {
        return Err(Failure::input(format!(
            "--set {path}=…: value {} of {} is empty (two commas in a row?)",
            k + 1,
            values.len()
        )));
    }
    Ok(Axis { path, values })
}

/// Runs `polarity sweep` with `args`, printing to `out`.
pub fn sweep(args: &SweepArgs, out: &mut dyn Write) -> Result<(), Failure> {
    let flags = &args.flags;
    crate::plot::check_flag(flags.plot, flags.out.as_deref(), flags.shard.as_deref())?;
    let names: Vec<String> = match (&args.scenario, args.scenarios.is_empty()) {
        (Some(_), false) => {
            return Err(Failure::input(
                "give either a SCENARIO to sweep --set values over, or --scenarios A,B,… — \
                 not both (to sweep values over several scenarios, list them all in \
                 --scenarios)",
            ));
        }
        (Some(s), true) => vec![s.clone()],
        (None, true) => vec!["baseline".to_string()],
        (None, false) => args
            .scenarios
            .iter()
            .map(|s| s.trim().to_string())
            .collect(),
    };
    if let Some(empty) = names.iter().position(String::is_empty) {
        return Err(Failure::input(format!(
            "--scenarios: name {} of {} is empty",
            empty + 1,
            names.len()
        )));
    }
    let axes = args
        .set
        .iter()
        .map(|s| parse_axis(s))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, a) in axes.iter().enumerate() {
        if axes[..i].iter().any(|b| b.path == a.path) {
            return Err(Failure::input(format!(
                "--set {} is given twice; list all its values in one --set",
                a.path
            )));
        }
    }
    let count = axes
        .iter()
        .try_fold(names.len(), |n, a| n.checked_mul(a.values.len()))
        .filter(|&n| n <= MAX_ARMS)
        .ok_or_else(|| {
            Failure::input(format!(
                "the sweep has more than {MAX_ARMS} arms; for designs this large write a \
                 design file and use `polarity batch`"
            ))
        })?;
    if count < 2 {
        return Err(Failure::input(
            "a sweep compares two or more arms: give a --set with several values (--set \
             'PATH=V1,V2') or several --scenarios A,B",
        ));
    }

    let mut loaded = Vec::with_capacity(names.len());
    for name in &names {
        let l = polarity_scenario::load(name).map_err(|e| scenario_failure(&e))?;
        if !flags.quiet {
            print_warnings(&l.warnings);
        }
        loaded.push(l.scenario);
    }

    let mut labels = Vec::with_capacity(count);
    let mut arms = Vec::with_capacity(count);
    let mut files = Vec::with_capacity(count);
    let mut choice = vec![0usize; axes.len()];
    for (name, base) in names.iter().zip(&loaded) {
        loop {
            let k = arms.len();
            let settings: Vec<String> = axes
                .iter()
                .zip(&choice)
                .map(|(a, &c)| a.values[c].clone())
                .collect();
            let assignments: Vec<String> = axes
                .iter()
                .zip(&settings)
                .map(|(a, v)| format!("{}={v}", a.path))
                .collect();
            let mut file = base.clone();
            polarity_scenario::apply_overrides(&mut file, &assignments).map_err(|e| {
                Failure::input(format!(
                    "arm {k} ({name}{}{}): {}",
                    if assignments.is_empty() { "" } else { ", " },
                    assignments.join(", "),
                    describe_problems(&e)
                ))
            })?;
            let identity = ScenarioIdentity {
                name: file.name.clone(),
                hash: polarity_scenario::hash(&file),
            };
            files.push((arm_scenario_file(k), polarity_scenario::to_ron(&file)));
            let arm =
                Arm::new(Box::new(ScenarioSampler::new(file))).with_row_prefix(format!("{k},"));
            if let Some(first) = arms.first().map(|a: &Arm| a.names().blocs.clone())
                && arm.names().blocs != first
            {
                return Err(Failure::input(format!(
                    "the arms of a sweep must have the same blocs to be compared: `{name}` has \
                     the blocs {}, but `{}` has {}",
                    arm.names().blocs.join(","),
                    names[0],
                    first.join(",")
                )));
            }
            arms.push(arm);
            labels.push(ArmLabel {
                scenario: name.clone(),
                identity,
                settings,
            });
            // Next combination: the last axis fastest.
            let mut i = axes.len();
            loop {
                if i == 0 {
                    break;
                }
                i -= 1;
                choice[i] += 1;
                if choice[i] < axes[i].values.len() {
                    break;
                }
                choice[i] = 0;
            }
            if choice.iter().all(|&c| c == 0) {
                break;
            }
        }
    }
    let setting_columns: Vec<String> = axes.iter().map(|a| a.path.clone()).collect();
    let mut study_names: Vec<String> = loaded.iter().map(|f| f.name.clone()).collect();
    study_names.dedup();
    let identity = StudyPlan::combined_identity(
        StudyKind::Sweep,
        &study_names.join(","),
        &setting_columns,
        &labels,
    );
    let plan = StudyPlan {
        kind: StudyKind::Sweep,
        identity,
        seed: 0,
        runs: 0,
        blocs: arms[0].names().blocs.clone(),
        trace: TraceSelection::default(),
        setting_columns,
        arms: labels,
    };
    let prepared = Prepared {
        plan,
        arms,
        default_seed: loaded[0].study.seed,
        default_runs: loaded[0].study.runs,
        scenario_files: files,
    };
    execute(prepared, &Settings::of(flags), out)?;
    crate::plot::after_study(
        flags.plot,
        flags.out.as_deref(),
        flags.quiet || flags.json,
        out,
    )
}

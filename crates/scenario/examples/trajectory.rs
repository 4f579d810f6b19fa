//! Prints one run's yearly trajectory of four firms (calibration helper):
//! `cargo run --release -p polarity-scenario --example trajectory -- SCENARIO [RUN] [PATH=VALUE]...`
use polarity_model::state::AgentKind;
use polarity_model::{RunKey, RunOptions, run_once};
use polarity_scenario::{apply_overrides, load, sample};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map_or("baseline", String::as_str);
    let run: u64 = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(0);
    let Ok(l) = load(name) else { return };
    let mut s = l.scenario;
    let sets: Vec<&String> = args.iter().skip(2).collect();
    if let Err(e) = apply_overrides(&mut s, &sets) {
        eprintln!("{e}");
        return;
    }
    let mut v = Vec::new();
    let x = sample(&s, s.study.seed, run, &mut v);
    let mut firms: Vec<String> = x.firms.iter().map(|f| f.id.clone()).collect();
    firms.sort();
    let r = run_once(
        &x,
        RunKey {
            study_seed: s.study.seed,
            run,
        },
        RunOptions { trace: true },
    );
    println!(
        "outcome {:?} first {:?}",
        r.polarity,
        r.first_tick.map(polarity_model::mechanisms::tick_year)
    );
    for id in ["us-lab-a", "us-lab-b", "cn-lab-a", "cn-lab-e"] {
        let Some(fi) = firms.iter().position(|f| f == id) else {
            continue;
        };
        println!("{id}: year cap log10eff log10train fleet spend budget algo paradigm price");
        for row in r
            .trace
            .iter()
            .filter(|t| t.kind == Some(AgentKind::Firm) && t.index == fi && (t.year.fract() < 1e-6))
        {
            println!(
                "  {:.0} {:.2} {:.2} {:.2} {:.0} {:.2e} {:.2e} {:.2} {:.2} {:.0}",
                row.year,
                row.capability.unwrap_or(0.0),
                row.effective_compute.map_or(0.0, f64::log10),
                row.training_compute.map_or(0.0, f64::log10),
                row.chip_stock_h100e.unwrap_or(0.0),
                row.spend_usd.unwrap_or(0.0),
                row.budget_usd.unwrap_or(0.0),
                row.algo_efficiency_log10.unwrap_or(0.0),
                row.paradigm_gain_log10.unwrap_or(0.0),
                row.chip_price_usd.unwrap_or(0.0),
            );
        }
    }
}

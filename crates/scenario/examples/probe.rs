//! Calibration probe: runs a scenario and prints outcome shares and back-test figures.
//!
//! `cargo run --release -p polarity-scenario --example probe -- SCENARIO [RUNS] [PATH=VALUE]...`
//! prints P(none/unipolar/bipolar/multipolar), P(unipolar led by each bloc), crossing years,
//! and, from traced runs, the 2024-2025 back-test figures of calibration.md: bloc chip stocks,
//! China's compliant and smuggled volumes in 2024, and the restricted bloc's capability lag in
//! 2025. A helper for whoever re-calibrates the shipped scenarios; not part of the library.

use polarity_model::mechanisms::Polarity;
use polarity_model::state::AgentKind;
use polarity_model::{RunKey, RunOptions, run_once};
use polarity_scenario::{apply_overrides, load, sample};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let name = args.first().map_or("baseline", String::as_str);
    let runs: u64 = args.get(1).and_then(|r| r.parse().ok()).unwrap_or(200);
    let mut s = match load(name) {
        Ok(l) => l.scenario,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    let sets: Vec<&String> = args.iter().skip(2).collect();
    if let Err(e) = apply_overrides(&mut s, &sets) {
        eprintln!("{e}");
        std::process::exit(2);
    }
    let mut counts = [0u64; 4];
    let mut led = std::collections::BTreeMap::<usize, u64>::new();
    let mut first_years = Vec::new();
    let mut lags = Vec::new();
    let (mut stock_us, mut stock_cn, mut compliant, mut smuggled, mut cap_lag) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut values = Vec::new();
    let mut blocs: Vec<String> = s.blocs.iter().map(|b| b.id.clone()).collect();
    blocs.sort();
    for run in 0..runs {
        let x = sample(&s, s.study.seed, run, &mut values);
        let trace = run < 50;
        let r = run_once(
            &x,
            RunKey {
                study_seed: s.study.seed,
                run,
            },
            RunOptions { trace },
        );
        let k = match r.polarity {
            Polarity::None => 0,
            Polarity::Unipolar => 1,
            Polarity::Bipolar => 2,
            Polarity::Multipolar => 3,
        };
        counts[k] += 1;
        if r.polarity == Polarity::Unipolar
            && let Some(l) = r.leader
        {
            *led.entry(l).or_default() += 1;
        }
        if let Some(t) = r.first_tick {
            first_years.push(polarity_model::mechanisms::tick_year(t));
        }
        if let Some(l) = r.lag_years() {
            lags.push(l * 12.0);
        }
        if trace {
            let bloc_rows = |year: f64, b: &str| {
                let bi = blocs.iter().position(|x| x == b);
                r.trace.iter().find(|row| {
                    row.kind == Some(AgentKind::Bloc)
                        && Some(row.index) == bi
                        && (row.year - year).abs() < 1e-6
                })
            };
            if let (Some(u), Some(c)) = (bloc_rows(2025.0, "us"), bloc_rows(2025.0, "cn")) {
                stock_us.push(u.chip_stock_h100e.unwrap_or(0.0));
                stock_cn.push(c.chip_stock_h100e.unwrap_or(0.0));
            }
            // 2024 flows into cn: mean of per-year rates over the four quarters.
            let mut comp = 0.0;
            let mut smug = 0.0;
            for q in 1..=4 {
                if let Some(c) = bloc_rows(2024.0 + q as f64 * 0.25, "cn") {
                    comp += c.compliant_chips.unwrap_or(0.0) / 4.0;
                    smug += c.smuggled_chips.unwrap_or(0.0) / 4.0;
                }
            }
            compliant.push(comp);
            smuggled.push(smug);
            // Capability lag of cn behind us at mid-2025, months.
            let cap = |b: &str, y: f64| bloc_rows(y, b).and_then(|r| r.capability);
            if let Some(cn) = cap("cn", 2025.5) {
                let mut lag = None;
                for k in 0..=40 {
                    let y = 2025.5 - k as f64 * 0.25;
                    if let Some(us) = cap("us", y)
                        && us <= cn
                    {
                        lag = Some(k as f64 * 3.0);
                        break;
                    }
                }
                cap_lag.push(lag.unwrap_or(120.0));
            }
        }
    }
    let n = runs as f64;
    println!("scenario {name}, {runs} runs");
    println!(
        "P(none) {:.3}  P(unipolar) {:.3}  P(bipolar) {:.3}  P(multipolar) {:.3}",
        counts[0] as f64 / n,
        counts[1] as f64 / n,
        counts[2] as f64 / n,
        counts[3] as f64 / n
    );
    for (b, c) in &led {
        println!(
            "  P(unipolar led by {}) {:.3}",
            blocs.get(*b).map_or("?", String::as_str),
            *c as f64 / n
        );
    }
    let q = |v: &mut Vec<f64>| -> String {
        if v.is_empty() {
            return "-".into();
        }
        v.sort_by(f64::total_cmp);
        let at = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        format!("{:.3} [{:.3} .. {:.3}]", at(0.5), at(0.1), at(0.9))
    };
    println!("first crossing year: {}", q(&mut first_years));
    println!("first-to-second lag, months: {}", q(&mut lags));
    println!(
        "chip stock 1 Jan 2025, H100e: us {}  cn {}",
        q(&mut stock_us),
        q(&mut stock_cn)
    );
    println!(
        "2024 into cn, chips/yr: compliant {}  smuggled {}",
        q(&mut compliant),
        q(&mut smuggled)
    );
    println!("cn capability lag mid-2025, months: {}", q(&mut cap_lag));
}

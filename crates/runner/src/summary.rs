//! `summary.json`: the study's statistics, computed from a [`Tally`] alone.
//!
//! Because the summary is a pure function of exact integer counts and the study's identity
//! (scenario name and hash, seed, run count), identical studies give byte-identical summaries
//! whatever the thread count, sharding or resumption. Nothing that varies between identical
//! studies (times, thread counts, paths) belongs here; that is `manifest.json`'s job.
//! Probabilities carry 95% Wilson intervals ([`crate::stats::wilson`]); quantiles are the
//! inverse empirical CDF (R's `type = 1`) read exactly from the fine-grid histograms.

use std::collections::BTreeMap;

use polarity_model::Polarity;
use polarity_model::prepared::TICKS_PER_YEAR;
use serde::{Deserialize, Serialize};

use crate::stats::{TickHistogram, wilson};
use crate::tally::{LAG_GRID_PER_MONTH, Tally};

/// A count out of the study's runs, as a probability with its 95% Wilson interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Runs in which the event happened.
    pub count: u64,
    /// `count / runs`.
    pub probability: f64,
    /// Lower bound of the 95% Wilson score interval.
    pub ci95_lo: f64,
    /// Upper bound of the 95% Wilson score interval.
    pub ci95_hi: f64,
}

impl Proportion {
    /// `count` out of `runs` (`runs > 0`); an empty study gives zeros.
    pub fn new(count: u64, runs: u64) -> Self {
        match wilson(count, runs) {
            Some(ci) => Proportion {
                count,
                probability: count as f64 / runs as f64,
                ci95_lo: ci.lo,
                ci95_hi: ci.hi,
            },
            None => Proportion {
                count,
                probability: 0.0,
                ci95_lo: 0.0,
                ci95_hi: 0.0,
            },
        }
    }

    /// Half the width of the interval.
    pub fn half_width(&self) -> f64 {
        (self.ci95_hi - self.ci95_lo) / 2.0
    }
}

/// The four outcome probabilities.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Outcomes {
    /// No bloc crossed the threshold.
    pub none: Proportion,
    /// A leader without a peer.
    pub unipolar: Proportion,
    /// A leader with exactly one peer.
    pub bipolar: Proportion,
    /// A leader with two or more peers.
    pub multipolar: Proportion,
}

impl Outcomes {
    /// The probability of one outcome.
    pub fn get(&self, outcome: Polarity) -> &Proportion {
        match outcome {
            Polarity::None => &self.none,
            Polarity::Unipolar => &self.unipolar,
            Polarity::Bipolar => &self.bipolar,
            Polarity::Multipolar => &self.multipolar,
        }
    }
}

/// Count, mean and quantiles of a quantity over the runs in which it is defined; `None`
/// (JSON `null`) when it is defined in no run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Distribution {
    /// Runs in which the quantity is defined.
    pub count: u64,
    /// Mean.
    pub mean: Option<f64>,
    /// 5% quantile.
    pub q05: Option<f64>,
    /// 25% quantile.
    pub q25: Option<f64>,
    /// Median.
    pub q50: Option<f64>,
    /// 75% quantile.
    pub q75: Option<f64>,
    /// 95% quantile.
    pub q95: Option<f64>,
}

impl Distribution {
    /// The distribution of `hist`'s grid points divided by `per_unit` (ticks per year, or
    /// grid points per month).
    pub fn from_histogram(hist: &TickHistogram, per_unit: f64) -> Self {
        let q = |num: u64| {
            hist.quantile_ratio(num, 100)
                .map(|t| f64::from(t) / per_unit)
        };
        Distribution {
            count: hist.count(),
            mean: hist.mean().map(|m| m / per_unit),
            q05: q(5),
            q25: q(25),
            q50: q(50),
            q75: q(75),
            q95: q(95),
        }
    }
}

/// One bloc's threshold crossings.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlocCrossing {
    /// The share of runs in which the bloc crossed.
    pub crossed: Proportion,
    /// Its crossing year over the runs in which it crossed.
    pub year: Distribution,
}

/// The scenario a study ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioIdentity {
    /// The scenario's `name` field.
    pub name: String,
    /// Hash of `scenario.ron` (the scenario as run, after overrides).
    pub hash: String,
}

/// How `--precision` chose the number of runs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrecisionReport {
    /// The requested largest 95% half-width of every outcome probability.
    pub target_half_width: f64,
    /// Runs in the pilot (the first runs of the study).
    pub pilot_runs: u64,
    /// Runs the pilot said are needed.
    pub runs_needed: u64,
    /// The `--runs` cap.
    pub runs_cap: u64,
    /// Runs made: `runs_needed` raised to the pilot size and capped by `runs_cap`.
    pub runs: u64,
    /// The largest half-width of an outcome probability's interval actually achieved.
    pub achieved_half_width: f64,
}

/// The content of `summary.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The scenario run.
    pub scenario: ScenarioIdentity,
    /// Study seed.
    pub seed: u64,
    /// Runs made.
    pub runs: u64,
    /// Bloc ids, sorted (the order of every per-bloc column and map).
    pub blocs: Vec<String>,
    /// Outcome probabilities.
    pub outcomes: Outcomes,
    /// P(unipolar and led by the bloc), per bloc.
    pub unipolar_by_leader: BTreeMap<String, Proportion>,
    /// P(the bloc is the leader, i.e. crosses first), per bloc.
    pub leader: BTreeMap<String, Proportion>,
    /// Crossings per bloc.
    pub crossing: BTreeMap<String, BlocCrossing>,
    /// Year of the first crossing (any bloc), over runs with a crossing.
    pub first_crossing_year: Distribution,
    /// First-to-second crossing lag, years, over runs with two or more crossings.
    pub lag_years: Distribution,
    /// The follower's capability lag at the first crossing, months (on a quarter-month grid).
    pub follower_lag_months: Distribution,
    /// Present when the run count was chosen by `--precision`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionReport>,
}

impl Summary {
    /// The summary of `tally` for a study of `scenario` with seed `seed`.
    pub fn new(scenario: ScenarioIdentity, seed: u64, tally: &Tally) -> Self {
        let n = tally.runs;
        let per_bloc = |counts: &[u64]| -> BTreeMap<String, Proportion> {
            tally
                .blocs
                .iter()
                .zip(counts)
                .map(|(b, &c)| (b.clone(), Proportion::new(c, n)))
                .collect()
        };
        let o = &tally.outcomes;
        Summary {
            scenario,
            seed,
            runs: n,
            blocs: tally.blocs.clone(),
            outcomes: Outcomes {
                none: Proportion::new(o.none, n),
                unipolar: Proportion::new(o.unipolar, n),
                bipolar: Proportion::new(o.bipolar, n),
                multipolar: Proportion::new(o.multipolar, n),
            },
            unipolar_by_leader: per_bloc(&tally.unipolar_by_leader),
            leader: per_bloc(&tally.leader),
            crossing: tally
                .blocs
                .iter()
                .zip(&tally.crossing)
                .map(|(b, h)| {
                    (
                        b.clone(),
                        BlocCrossing {
                            crossed: Proportion::new(h.count(), n),
                            year: Distribution::from_histogram(h, TICKS_PER_YEAR),
                        },
                    )
                })
                .collect(),
            first_crossing_year: Distribution::from_histogram(
                &tally.first_crossing,
                TICKS_PER_YEAR,
            ),
            lag_years: Distribution::from_histogram(&tally.lag, TICKS_PER_YEAR),
            follower_lag_months: Distribution::from_histogram(
                &tally.follower_lag,
                LAG_GRID_PER_MONTH,
            ),
            precision: None,
        }
    }

    /// The largest 95% half-width among the four outcome probabilities.
    pub fn max_outcome_half_width(&self) -> f64 {
        Polarity::ALL
            .iter()
            .map(|&o| self.outcomes.get(o).half_width())
            .fold(0.0, f64::max)
    }

    /// The bytes of `summary.json`: pretty-printed JSON and a final newline. Floats are
    /// written in the shortest form that reads back to the same number.
    pub fn to_json(&self) -> String {
        // A tree of plain structs, maps with string keys and finite numbers cannot fail to
        // serialize; fall back to an empty object rather than panic.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".into());
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distribution_reads_exact_grid_quantiles() {
        let mut h = TickHistogram::new();
        // Years 2030, 2030.25, ..., 2054.75 on the 1/48-year grid.
        for k in 0..100u32 {
            h.add(2030 * 48 + 12 * k);
        }
        let d = Distribution::from_histogram(&h, TICKS_PER_YEAR);
        assert_eq!(d.count, 100);
        assert_eq!(d.q05, Some(2031.0)); // 5th smallest: k = 4
        assert_eq!(d.q50, Some(2042.25)); // 50th smallest: k = 49
        assert_eq!(d.q95, Some(2053.5)); // 95th smallest: k = 94
        assert_eq!(d.mean, Some(2042.375));
        let empty = Distribution::from_histogram(&TickHistogram::new(), TICKS_PER_YEAR);
        assert_eq!((empty.count, empty.mean, empty.q50), (0, None, None));
    }

    /// R 4.3: `prop.test(x, n, correct = FALSE)$conf.int` for (81, 263), (0, 20), (20, 20).
    #[test]
    fn proportions_carry_r_prop_test_intervals() {
        let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-13, "{a} vs {b}");
        let p = Proportion::new(81, 263);
        assert_eq!(p.probability, 81.0 / 263.0);
        close(p.ci95_lo, 0.2552885198782742);
        close(p.ci95_hi, 0.3662095769828001);
        let zero = Proportion::new(0, 20);
        assert_eq!((zero.probability, zero.ci95_lo), (0.0, 0.0));
        close(zero.ci95_hi, 0.1611251580528194);
        let all = Proportion::new(20, 20);
        assert_eq!((all.probability, all.ci95_hi), (1.0, 1.0));
        close(all.ci95_lo, 1.0 - 0.1611251580528194);
    }

    #[test]
    fn summary_of_an_empty_tally_has_no_nan() {
        let s = Summary::new(
            ScenarioIdentity {
                name: "x".into(),
                hash: "h".into(),
            },
            1,
            &Tally::new(vec!["a".into()]),
        );
        let json = s.to_json();
        assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
        let back: Summary = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }
}

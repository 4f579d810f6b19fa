//! The exact, mergeable accumulator of a study's results.
//!
//! A [`Tally`] holds only integer counts — outcome counts, leader counts, and histograms of
//! crossing times and lags on the model's fine time grid (1/48 year, which is also exactly
//! 1/4 month) — so its size does not grow with the number of runs, and two tallies of
//! disjoint run ranges merge exactly ([`Tally::merge`]): the order of merging never changes a
//! count. Shards, checkpoints and the reduction of parallel batches all rely on this. It is
//! serde-serializable so it can be checkpointed or shipped between machines. Every statistic
//! in `summary.json` is computed from a tally alone (see [`crate::summary`]).

use polarity_model::{Polarity, RunResult};
use serde::{Deserialize, Serialize};

use crate::error::RunnerError;
use crate::fan::Fan;
use crate::stats::TickHistogram;

/// Grid points per month of the follower-lag histogram (1/4 month = one model tick).
pub const LAG_GRID_PER_MONTH: f64 = 4.0;

/// Counts of the four outcomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCounts {
    /// Runs in which no bloc crossed the threshold.
    pub none: u64,
    /// Runs with a leader and no peer.
    pub unipolar: u64,
    /// Runs with a leader and exactly one peer.
    pub bipolar: u64,
    /// Runs with a leader and two or more peers.
    pub multipolar: u64,
}

impl OutcomeCounts {
    /// The count of one outcome.
    pub fn get(&self, outcome: Polarity) -> u64 {
        match outcome {
            Polarity::None => self.none,
            Polarity::Unipolar => self.unipolar,
            Polarity::Bipolar => self.bipolar,
            Polarity::Multipolar => self.multipolar,
        }
    }

    fn slot(&mut self, outcome: Polarity) -> &mut u64 {
        match outcome {
            Polarity::None => &mut self.none,
            Polarity::Unipolar => &mut self.unipolar,
            Polarity::Bipolar => &mut self.bipolar,
            Polarity::Multipolar => &mut self.multipolar,
        }
    }

    /// The counts in report order (none, unipolar, bipolar, multipolar).
    pub fn in_order(&self) -> [u64; 4] {
        Polarity::ALL.map(|o| self.get(o))
    }
}

/// Everything `summary.json` needs from a set of runs, as exact integer counts.
///
/// Per-bloc vectors are indexed like [`Tally::blocs`] (bloc ids sorted, as in the model).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Bloc ids, sorted.
    pub blocs: Vec<String>,
    /// Runs recorded.
    pub runs: u64,
    /// Outcome counts.
    pub outcomes: OutcomeCounts,
    /// Runs led by each bloc (any outcome but none).
    pub leader: Vec<u64>,
    /// Unipolar runs led by each bloc.
    pub unipolar_by_leader: Vec<u64>,
    /// Each bloc's crossing tick (1/48 year since year 0), over the runs in which it crossed;
    /// its count is the number of such runs.
    pub crossing: Vec<TickHistogram>,
    /// The first crossing's tick, over runs with a crossing.
    pub first_crossing: TickHistogram,
    /// First-to-second crossing lag in ticks, over runs with at least two crossings.
    pub lag: TickHistogram,
    /// The follower's capability lag at the first crossing, in quarter months (rounded to the
    /// nearest), over runs where it is defined.
    pub follower_lag: TickHistogram,
    /// Per-step capability and chip-stock distributions per bloc, for fan charts
    /// ([`crate::fan`]); collects only when the runner made it collecting.
    #[serde(default)]
    pub fan: Fan,
}

impl Tally {
    /// An empty tally for a world with these (sorted) bloc ids.
    pub fn new(blocs: Vec<String>) -> Self {
        let n = blocs.len();
        Tally {
            blocs,
            runs: 0,
            outcomes: OutcomeCounts::default(),
            leader: vec![0; n],
            unipolar_by_leader: vec![0; n],
            crossing: vec![TickHistogram::new(); n],
            first_crossing: TickHistogram::new(),
            lag: TickHistogram::new(),
            follower_lag: TickHistogram::new(),
            fan: Fan::new(n),
        }
    }

    /// Records one run. Bloc indices beyond the tally's blocs are ignored (they cannot occur
    /// for runs of the scenario the tally was made for).
    pub fn add(&mut self, r: &RunResult) {
        self.runs += 1;
        *self.outcomes.slot(r.polarity) += 1;
        if let Some(lead) = r.leader.filter(|&b| b < self.blocs.len()) {
            self.leader[lead] += 1;
            if r.polarity == Polarity::Unipolar {
                self.unipolar_by_leader[lead] += 1;
            }
        }
        for (hist, tick) in self.crossing.iter_mut().zip(&r.crossings) {
            if let Some(tick) = tick {
                hist.add(*tick);
            }
        }
        if let Some(first) = r.first_tick {
            self.first_crossing.add(first);
            if let Some(second) = r.second_tick {
                self.lag.add(second.saturating_sub(first));
            }
        }
        if let Some(bucket) = r.follower_lag_months.and_then(lag_bucket) {
            self.follower_lag.add(bucket);
        }
        self.fan.add(r);
    }

    /// Adds the counts of `other` (a disjoint set of runs of the same study) into `self`.
    /// Exact and order-independent; refuses tallies of worlds with different blocs.
    pub fn merge(&mut self, other: &Tally) -> Result<(), RunnerError> {
        if self.blocs != other.blocs {
            return Err(RunnerError::Mismatch(format!(
                "the results are for different blocs ({} vs {})",
                self.blocs.join(","),
                other.blocs.join(",")
            )));
        }
        // First, so that a fan that does not fit leaves `self` unchanged.
        self.fan.merge(&other.fan)?;
        self.runs += other.runs;
        for o in Polarity::ALL {
            *self.outcomes.slot(o) += other.outcomes.get(o);
        }
        for (a, b) in self.leader.iter_mut().zip(&other.leader) {
            *a += b;
        }
        for (a, b) in self
            .unipolar_by_leader
            .iter_mut()
            .zip(&other.unipolar_by_leader)
        {
            *a += b;
        }
        for (a, b) in self.crossing.iter_mut().zip(&other.crossing) {
            a.merge(b);
        }
        self.first_crossing.merge(&other.first_crossing);
        self.lag.merge(&other.lag);
        self.follower_lag.merge(&other.follower_lag);
        Ok(())
    }
}

/// The follower-lag grid point of a lag in months: the nearest quarter month, `None` when the
/// lag is not a finite number. Negative lags (which the model does not produce) count as 0.
pub fn lag_bucket(months: f64) -> Option<u32> {
    if !months.is_finite() {
        return None;
    }
    let q = (months * LAG_GRID_PER_MONTH).round();
    Some(if q <= 0.0 {
        0
    } else if q >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        q as u32
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use polarity_model::{RunKey, RunOptions, Simulation, testworld::test_world};

    fn results(n: u64) -> Vec<RunResult> {
        let world = test_world();
        let mut sim = Simulation::new();
        (0..n)
            .map(|run| sim.run(&world, RunKey { study_seed: 9, run }, RunOptions::default()))
            .collect()
    }

    fn blocs() -> Vec<String> {
        polarity_model::prepared::Prepared::new(&test_world()).bloc_ids
    }

    #[test]
    fn merge_of_two_halves_equals_the_whole() {
        let runs = results(60);
        let mut whole = Tally::new(blocs());
        runs.iter().for_each(|r| whole.add(r));
        for cut in [0, 1, 23, 59, 60] {
            let mut left = Tally::new(blocs());
            let mut right = Tally::new(blocs());
            runs[..cut].iter().for_each(|r| left.add(r));
            runs[cut..].iter().for_each(|r| right.add(r));
            let mut a = left.clone();
            a.merge(&right).unwrap();
            assert_eq!(a, whole, "cut {cut}");
            // Merging in the other order gives the same counts.
            let mut b = right.clone();
            b.merge(&left).unwrap();
            assert_eq!(b, whole, "cut {cut}, reversed");
        }
        assert_eq!(whole.runs, 60);
        assert_eq!(whole.outcomes.in_order().iter().sum::<u64>(), 60);
        assert_eq!(
            whole.leader.iter().sum::<u64>(),
            60 - whole.outcomes.none,
            "every run with a crossing has a leader"
        );
    }

    #[test]
    fn serde_round_trip_is_exact() {
        let mut t = Tally::new(blocs());
        results(20).iter().for_each(|r| t.add(r));
        let json = serde_json::to_string(&t).unwrap();
        let back: Tally = serde_json::from_str(&json).unwrap();
        assert_eq!(back, t);
    }

    #[test]
    fn merge_refuses_other_blocs() {
        let mut a = Tally::new(vec!["a".into(), "b".into()]);
        let b = Tally::new(vec!["a".into(), "c".into()]);
        let err = a.merge(&b).unwrap_err();
        assert!(err.is_input());
        assert!(err.to_string().contains("a,b vs a,c"), "{err}");
    }

    #[test]
    fn counts_are_recorded_where_they_belong() {
        let mut t = Tally::new(vec!["a".into(), "b".into(), "c".into()]);
        let run = RunResult {
            key: RunKey {
                study_seed: 1,
                run: 0,
            },
            seed: 0,
            polarity: Polarity::Unipolar,
            leader: Some(1),
            crossings: vec![None, Some(97_000), Some(97_100)],
            first_tick: Some(97_000),
            second_tick: Some(97_100),
            window_ticks: Some(24),
            decisive_tick: None,
            follower_lag_months: Some(7.1),
            steps: 10,
            trace: Vec::new(),
            bloc_capability: Vec::new(),
            bloc_chip_stock: Vec::new(),
        };
        t.add(&run);
        assert_eq!(t.outcomes.unipolar, 1);
        assert_eq!(t.leader, [0, 1, 0]);
        assert_eq!(t.unipolar_by_leader, [0, 1, 0]);
        assert_eq!(t.crossing[0].count(), 0);
        assert_eq!(t.crossing[2].quantile(0.5), Some(97_100));
        assert_eq!(t.lag.quantile(0.5), Some(100));
        // 7.1 months = 28.4 quarter months, rounded to 28.
        assert_eq!(t.follower_lag.quantile(0.5), Some(28));
    }

    #[test]
    fn lag_bucket_rounds_and_guards() {
        assert_eq!(lag_bucket(0.0), Some(0));
        assert_eq!(lag_bucket(0.124), Some(0));
        assert_eq!(lag_bucket(0.126), Some(1));
        assert_eq!(lag_bucket(-3.0), Some(0));
        assert_eq!(lag_bucket(f64::NAN), None);
        assert_eq!(lag_bucket(f64::INFINITY), None);
        assert_eq!(lag_bucket(1e300), Some(u32::MAX));
    }
}

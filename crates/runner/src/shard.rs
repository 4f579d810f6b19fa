//! Shards: one of `N` contiguous blocks of a study's run indices, so a study can be spread
//! over the machines of a cluster and merged back exactly.
//!
//! Shard `I` of `N` (numbered from 1, written `I/N`) runs the indices
//! `floor((I-1)·R/N) .. floor(I·R/N)` of a study of `R` runs: contiguous, in order, and of
//! sizes that differ by at most one, so every shard streams its rows in run order and the
//! shards' `runs.csv` bodies, concatenated in shard order, are the unsharded file.
//! [`Shard::from_slurm`] reads the position in a Slurm job array from the environment.

use std::fmt;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::error::RunnerError;

/// Shard `index` of `count` (1-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// Which shard, from 1 to `count`.
    pub index: u32,
    /// How many shards the study is split into.
    pub count: u32,
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// A shard, checked: `1 <= index <= count`.
    pub fn new(index: u32, count: u32) -> Result<Self, RunnerError> {
        if count == 0 || index == 0 || index > count {
            return Err(RunnerError::Settings(format!(
                "--shard {index}/{count} is not a shard: shards are numbered from 1, so shard \
                 I of N is written I/N with 1 <= I <= N (e.g. --shard 1/4 … --shard 4/4)"
            )));
        }
        Ok(Shard { index, count })
    }

    /// Parses `I/N` (e.g. `3/8`).
    pub fn parse(text: &str) -> Result<Self, RunnerError> {
        let bad = || {
            RunnerError::Settings(format!(
                "--shard `{text}` is not of the form I/N (e.g. --shard 3/8 for the third of \
                 eight shards) or `slurm`"
            ))
        };
        let (i, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index = i.trim().parse::<u32>().map_err(|_| bad())?;
        let count = n.trim().parse::<u32>().map_err(|_| bad())?;
        Shard::new(index, count)
    }

    /// The shard of a Slurm job array task, from `SLURM_ARRAY_TASK_ID`,
    /// `SLURM_ARRAY_TASK_MIN` (default 0), `SLURM_ARRAY_TASK_STEP` (default 1) and
    /// `SLURM_ARRAY_TASK_COUNT` (or, when it is not set, `SLURM_ARRAY_TASK_MAX`): task
    /// `MIN + k·STEP` is shard `k + 1` of `COUNT`. `env` looks a variable up (e.g.
    /// `|k| std::env::var(k).ok()`).
    pub fn from_slurm(env: impl Fn(&str) -> Option<String>) -> Result<Self, RunnerError> {
        let read = |name: &str| -> Result<Option<u64>, RunnerError> {
            match env(name) {
                None => Ok(None),
                Some(v) => v.trim().parse::<u64>().map(Some).map_err(|_| {
                    RunnerError::Settings(format!(
                        "--shard slurm: {name}={v:?} is not a whole number"
                    ))
                }),
            }
        };
        let Some(id) = read("SLURM_ARRAY_TASK_ID")? else {
            return Err(RunnerError::Settings(
                "--shard slurm reads SLURM_ARRAY_TASK_ID, which is not set: run it as a task \
                 of a Slurm job array (sbatch --array=0-3 …), or give the shard as \
                 --shard I/N"
                    .into(),
            ));
        };
        let min = read("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let step = read("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let count = match (
            read("SLURM_ARRAY_TASK_COUNT")?,
            read("SLURM_ARRAY_TASK_MAX")?,
        ) {
            (Some(c), _) => c,
            (None, Some(max)) if max >= min => (max - min) / step + 1,
            _ => {
                return Err(RunnerError::Settings(
                    "--shard slurm needs SLURM_ARRAY_TASK_COUNT or SLURM_ARRAY_TASK_MAX to \
                     know how many shards there are; run it as a task of a Slurm job array"
                        .into(),
                ));
            }
        };
        if id < min || !(id - min).is_multiple_of(step) {
            return Err(RunnerError::Settings(format!(
                "--shard slurm: task id {id} is not in the array (first task {min}, step {step})"
            )));
        }
        let index = (id - min) / step + 1;
        let too_big = |x: u64| u32::try_from(x).ok();
        match (too_big(index), too_big(count)) {
            (Some(i), Some(n)) => Shard::new(i, n),
            _ => Err(RunnerError::Settings(format!(
                "--shard slurm: task {index} of {count} is more shards than supported \
                 ({} at most)",
                u32::MAX
            ))),
        }
    }

    /// The run indices of this shard in a study of `runs` runs:
    /// `floor((index-1)·runs/count) .. floor(index·runs/count)`.
    pub fn range(&self, runs: u64) -> Range<u64> {
        let at = |k: u32| -> u64 {
            // At most u64::MAX · u32::MAX: fits in u128, and the quotient fits in u64.
            (u128::from(runs) * u128::from(k) / u128::from(self.count.max(1))) as u64
        };
        at(self.index - 1)..at(self.index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn shards_tile_the_runs_in_order() {
        for runs in [0u64, 1, 7, 100, 1001] {
            for count in 1..=9u32 {
                let mut next = 0;
                for index in 1..=count {
                    let r = Shard { index, count }.range(runs);
                    assert_eq!(r.start, next, "runs {runs}, shard {index}/{count}");
                    // Sizes differ by at most one.
                    let size = r.end - r.start;
                    assert!(size == runs / u64::from(count) || size == runs / u64::from(count) + 1);
                    next = r.end;
                }
                assert_eq!(next, runs);
            }
        }
        assert_eq!(Shard { index: 2, count: 4 }.range(1000), 250..500);
        let last = Shard { index: 3, count: 3 }.range(u64::MAX);
        assert_eq!(last.end, u64::MAX);
    }

    #[test]
    fn parse_accepts_i_of_n_only() {
        assert_eq!(Shard::parse("3/8").unwrap(), Shard { index: 3, count: 8 });
        assert_eq!(Shard::parse(" 1 / 1 ").unwrap().to_string(), "1/1");
        for bad in ["0/4", "5/4", "1/0", "x/4", "3", "", "1/2/3", "-1/4"] {
            let e = Shard::parse(bad).unwrap_err();
            assert!(e.is_input(), "{bad}: {e}");
        }
        assert!(
            Shard::parse("0/4")
                .unwrap_err()
                .to_string()
                .contains("numbered from 1")
        );
    }

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn slurm_array_positions_become_shards() {
        let s = Shard::from_slurm(env(&[
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "3"),
        ]))
        .unwrap();
        assert_eq!(s, Shard { index: 1, count: 4 });
        // --array=1-8: task 8 is shard 8/8, the count derived from MIN and MAX.
        let s = Shard::from_slurm(env(&[
            ("SLURM_ARRAY_TASK_ID", "8"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "8"),
        ]))
        .unwrap();
        assert_eq!(s, Shard { index: 8, count: 8 });
        // --array=0-6:2 is four tasks: 0, 2, 4, 6.
        let s = Shard::from_slurm(env(&[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "6"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
        ]))
        .unwrap();
        assert_eq!(s, Shard { index: 3, count: 4 });
        for bad in [
            env(&[]),
            env(&[("SLURM_ARRAY_TASK_ID", "2")]),
            env(&[
                ("SLURM_ARRAY_TASK_ID", "two"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ]),
            env(&[
                ("SLURM_ARRAY_TASK_ID", "4"),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ]),
        ] {
            assert!(Shard::from_slurm(bad).unwrap_err().is_input());
        }
    }
}

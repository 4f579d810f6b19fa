//! Fan-chart data over all runs: per-step, per-bloc distributions of capability and chip stock,
//! accumulated as exact integer counts in bounded memory, and written as `fan.csv`.
//!
//! A [`Fan`] holds, for every bloc and every recorded step, a [`FineHistogram`] of the bloc's
//! frontier capability on a 0.01-point grid and one of the base-10 logarithm of its chip stock
//! (H100e) on a 0.01-decade grid, filled from [`RunResult::bloc_capability`] and
//! [`RunResult::bloc_chip_stock`]. Its size does not grow with the number of runs (at most
//! [`MAX_FAN_POINTS`] steps are recorded, and each histogram spans a fixed range), two fans of
//! disjoint run ranges merge exactly ([`Fan::merge`]), and it is serde-serializable, so it
//! lives inside the [`crate::Tally`] and is checkpointed, sharded and merged with it. Quantiles
//! are exact order statistics of the grid values (R's `quantile(type = 1)`), so `fan.csv` is a
//! pure function of the counts: byte-identical for any thread count, sharding or resumption.
//! Grid values are converted with `polarity_model::math` (pure-Rust `libm`), never the
//! platform's maths library, so every machine writes the same bytes.

use polarity_model::RunResult;
use polarity_model::math::{exp10, log10};
use polarity_model::params::Study;
use polarity_model::prepared::Prepared;
use serde::{Deserialize, Serialize};

use crate::error::RunnerError;
use crate::rows::{push_float, push_text};
use crate::tally::Tally;

/// `fan.csv`.
pub const FAN_FILE: &str = "fan.csv";

/// Grid points per capability point (a 0.01-point grid).
pub const CAPABILITY_GRID: f64 = 100.0;

/// Grid points per decade of chip stock (a 0.01-decade grid, about 2.3% apart).
pub const CHIP_STOCK_GRID: f64 = 100.0;

/// The capability range the grid covers; values outside are counted at the nearest end.
pub const CAPABILITY_RANGE: (f64, f64) = (-100.0, 300.0);

/// The range of log10 chip stock (H100e) the grid covers (0.001 to 1e18 H100e); values outside
/// are counted at the nearest end.
pub const LOG10_CHIP_STOCK_RANGE: (f64, f64) = (-3.0, 18.0);

/// Most steps recorded per bloc: longer studies record every `stride`-th step.
pub const MAX_FAN_POINTS: usize = 241;

/// Most arms a study may have for the runner to collect fans (one per arm): a large batch
/// collects none, which keeps its memory small.
pub const MAX_FAN_ARMS: usize = 64;

/// The quantiles written to `fan.csv`, in percent.
pub const FAN_QUANTILES: [u64; 5] = [5, 25, 50, 75, 95];

/// Exact counts of values on a fixed fine grid, plus the observations that have no value.
///
/// Stored densely between the lowest and highest grid index seen (`counts` is empty or starts
/// and ends with a non-zero count), so adding is a single increment and equal contents always
/// compare and serialize equal. The grid range is fixed by the caller, which bounds the size.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawFineHistogram")]
pub struct FineHistogram {
    /// Observations without a value (a capability of −∞ before a bloc has any firm, a chip
    /// stock of zero); they sort below every value.
    absent: u64,
    /// The grid index of `counts[0]`.
    first: i32,
    /// Counts per grid index from `first` on.
    counts: Vec<u64>,
}

/// The serialized form of a [`FineHistogram`], checked and trimmed on the way in.
#[derive(Deserialize)]
struct RawFineHistogram {
    absent: u64,
    first: i32,
    counts: Vec<u64>,
}

impl TryFrom<RawFineHistogram> for FineHistogram {
    type Error = String;

    fn try_from(raw: RawFineHistogram) -> Result<Self, String> {
        let len = i64::try_from(raw.counts.len()).map_err(|_| "too many counts".to_string())?;
        if i64::from(raw.first) + len > i64::from(i32::MAX) {
            return Err(format!(
                "grid indices from {} with {len} counts overflow",
                raw.first
            ));
        }
        let mut h = FineHistogram {
            absent: raw.absent,
            first: raw.first,
            counts: raw.counts,
        };
        h.trim();
        Ok(h)
    }
}

/// One quantile of a [`FineHistogram`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FineQuantile {
    /// The quantile falls among the observations without a value.
    Absent,
    /// The quantile is this grid index.
    Grid(i32),
}

impl FineHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one observation at grid index `index`.
    pub fn add(&mut self, index: i32) {
        if self.counts.is_empty() {
            self.first = index;
            self.counts.push(1);
            return;
        }
        self.cover(index, index);
        // `cover` made `index` a valid offset.
        let at = (i64::from(index) - i64::from(self.first)) as usize;
        self.counts[at] += 1;
    }

    /// Records one observation without a value.
    pub fn add_absent(&mut self) {
        self.absent += 1;
    }

    /// Grows the dense range to include `lo..=hi`.
    fn cover(&mut self, lo: i32, hi: i32) {
        let last = self.first + (self.counts.len() as i32 - 1);
        if lo < self.first {
            let grow = (i64::from(self.first) - i64::from(lo)) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.first = lo;
        }
        if hi > last {
            let grow = (i64::from(hi) - i64::from(last)) as usize;
            self.counts.extend(std::iter::repeat_n(0, grow));
        }
    }

    /// Drops zero counts at both ends (restores the canonical form).
    fn trim(&mut self) {
        let Some(start) = self.counts.iter().position(|&c| c > 0) else {
            self.counts.clear();
            self.first = 0;
            return;
        };
        let end = self.counts.iter().rposition(|&c| c > 0).unwrap_or(start);
        self.counts.truncate(end + 1);
        self.counts.drain(..start);
        self.first += start as i32;
    }

    /// Adds every count of `other` into `self`.
    pub fn merge(&mut self, other: &FineHistogram) {
        self.absent += other.absent;
        if other.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            self.first = other.first;
            self.counts = other.counts.clone();
            return;
        }
        let other_last = other.first + (other.counts.len() as i32 - 1);
        self.cover(other.first, other_last);
        let offset = (i64::from(other.first) - i64::from(self.first)) as usize;
        for (a, b) in self.counts[offset..].iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    /// The number of observations, with and without a value.
    pub fn count(&self) -> u64 {
        self.counts
            .iter()
            .fold(self.absent, |acc, &c| acc.saturating_add(c))
    }

    /// Observations without a value.
    pub fn absent(&self) -> u64 {
        self.absent
    }

    /// `(grid index, count)` pairs with a non-zero count, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = (i32, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(i, &c)| (self.first + i as i32, c))
    }

    /// The `num/den` quantile, exactly: the inverse empirical CDF (R's `quantile(type = 1)`),
    /// i.e. the smallest value whose cumulative count is at least `ceil(num · count / den)`,
    /// with the observations without a value sorted first. `None` when the histogram is empty
    /// or the probability is not in `(0, 1]`.
    pub fn quantile_ratio(&self, num: u64, den: u64) -> Option<FineQuantile> {
        if num == 0 || den == 0 || num > den {
            return None;
        }
        let n = self.count();
        if n == 0 {
            return None;
        }
        let k = (u128::from(num) * u128::from(n)).div_ceil(u128::from(den));
        let mut cumulative = u128::from(self.absent);
        if cumulative >= k {
            return Some(FineQuantile::Absent);
        }
        for (index, c) in self.iter() {
            cumulative += u128::from(c);
            if cumulative >= k {
                return Some(FineQuantile::Grid(index));
            }
        }
        None
    }
}

/// The grid index of `x` on a grid of `per_unit` points per unit over `range` (clamped to the
/// range; `x` must be finite).
fn grid_index(x: f64, per_unit: f64, range: (f64, f64)) -> i32 {
    let scaled = (x.clamp(range.0, range.1) * per_unit).round();
    // The clamp keeps the value far inside i32.
    scaled as i32
}

/// The capability grid index of `x`, `None` for −∞ (no capability yet) or NaN.
pub fn capability_index(x: f64) -> Option<i32> {
    if x.is_nan() || x == f64::NEG_INFINITY {
        return None;
    }
    Some(grid_index(x, CAPABILITY_GRID, CAPABILITY_RANGE))
}

/// The log10 chip-stock grid index of a stock of `h100e`, `None` for a stock of zero or less
/// (or NaN).
pub fn chip_stock_index(h100e: f64) -> Option<i32> {
    if h100e.is_nan() || h100e <= 0.0 {
        return None;
    }
    if h100e == f64::INFINITY {
        return Some(grid_index(
            LOG10_CHIP_STOCK_RANGE.1,
            CHIP_STOCK_GRID,
            LOG10_CHIP_STOCK_RANGE,
        ));
    }
    Some(grid_index(
        log10(h100e),
        CHIP_STOCK_GRID,
        LOG10_CHIP_STOCK_RANGE,
    ))
}

/// The capability at grid index `index`.
pub fn capability_value(index: i32) -> f64 {
    f64::from(index) / CAPABILITY_GRID
}

/// The chip stock (H100e) at log10 grid index `index`.
pub fn chip_stock_value(index: i32) -> f64 {
    exp10(f64::from(index) / CHIP_STOCK_GRID)
}

/// Per-bloc, per-step distributions of capability and chip stock over all runs.
///
/// Vectors are indexed `[bloc][point]`, blocs as in [`crate::Tally::blocs`]; point `p` is model
/// step `p · stride` (step 0 is the start), at year [`FanAxis::year`]`(p · stride)`. A fan
/// made by [`Fan::new`] collects nothing (its `axis` is `None`); the runner gives each arm's
/// tally a collecting fan ([`Fan::collecting`]) when the study has at most [`MAX_FAN_ARMS`]
/// arms, which bounds the memory of large batches.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fan {
    /// The calendar of the steps; `None` when the fan does not collect.
    pub axis: Option<FanAxis>,
    /// Steps between recorded points; 0 until the first run is added.
    pub stride: u32,
    /// Capability on the 0.01-point grid.
    pub capability: Vec<Vec<FineHistogram>>,
    /// log10 chip stock (H100e) on the 0.01-decade grid.
    pub chip_stock: Vec<Vec<FineHistogram>>,
}

impl Fan {
    /// An empty fan for `blocs` blocs that collects nothing (see [`Fan::collecting`]).
    pub fn new(blocs: usize) -> Self {
        Fan {
            axis: None,
            stride: 0,
            capability: vec![Vec::new(); blocs],
            chip_stock: vec![Vec::new(); blocs],
        }
    }

    /// An empty fan for `blocs` blocs that collects runs of a world with this calendar.
    pub fn collecting(blocs: usize, axis: FanAxis) -> Self {
        Fan {
            axis: Some(axis),
            ..Fan::new(blocs)
        }
    }

    /// Whether the fan collects runs.
    pub fn is_collecting(&self) -> bool {
        self.axis.is_some()
    }

    /// The stride for series of `len` steps: the smallest that records at most
    /// [`MAX_FAN_POINTS`] points.
    pub fn stride_for(len: usize) -> u32 {
        let steps = len.saturating_sub(1);
        let stride = steps.div_ceil(MAX_FAN_POINTS - 1).max(1);
        u32::try_from(stride).unwrap_or(u32::MAX)
    }

    /// Records one run's series. Blocs beyond the fan's are ignored.
    pub fn add(&mut self, r: &RunResult) {
        if self.axis.is_none() {
            return;
        }
        if self.stride == 0 {
            let len = r.bloc_capability.iter().map(Vec::len).max().unwrap_or(0);
            if len == 0 {
                return;
            }
            self.stride = Self::stride_for(len);
        }
        let stride = self.stride as usize;
        record(
            &mut self.capability,
            &r.bloc_capability,
            stride,
            capability_index,
        );
        record(
            &mut self.chip_stock,
            &r.bloc_chip_stock,
            stride,
            chip_stock_index,
        );
    }

    /// Adds the counts of `other` (a disjoint set of runs of the same study) into `self`.
    /// Exact and order-independent; refuses fans with other blocs, another calendar or another
    /// stride. A fan that collects nothing takes on the other's calendar.
    pub fn merge(&mut self, other: &Fan) -> Result<(), RunnerError> {
        match (self.axis, other.axis) {
            (Some(a), Some(b)) if a != b => {
                return Err(RunnerError::Mismatch(format!(
                    "the fan charts start in {} with {} steps per year and in {} with {}",
                    a.start_year, a.steps_per_year, b.start_year, b.steps_per_year
                )));
            }
            _ => {}
        }
        if self.capability.len() != other.capability.len()
            || self.chip_stock.len() != other.chip_stock.len()
        {
            return Err(RunnerError::Mismatch(format!(
                "the fan charts are for {} and {} blocs",
                self.capability.len(),
                other.capability.len()
            )));
        }
        if self.stride != 0 && other.stride != 0 && self.stride != other.stride {
            return Err(RunnerError::Mismatch(format!(
                "the fan charts record every {} and every {} steps",
                self.stride, other.stride
            )));
        }
        if self.stride == 0 {
            self.stride = other.stride;
        }
        if self.axis.is_none() {
            self.axis = other.axis;
        }
        for (mine, theirs) in [
            (&mut self.capability, &other.capability),
            (&mut self.chip_stock, &other.chip_stock),
        ] {
            for (a, b) in mine.iter_mut().zip(theirs) {
                if a.len() < b.len() {
                    a.resize(b.len(), FineHistogram::new());
                }
                for (x, y) in a.iter_mut().zip(b) {
                    x.merge(y);
                }
            }
        }
        Ok(())
    }

    /// Recorded points per bloc (the longest series).
    pub fn points(&self) -> usize {
        self.capability
            .iter()
            .chain(&self.chip_stock)
            .map(Vec::len)
            .max()
            .unwrap_or(0)
    }
}

/// Makes the fan of each of `tallies` (one per arm, in order) collect, with the calendar of
/// the world `prepare` gives for its arm, when there are at most [`MAX_FAN_ARMS`] arms;
/// otherwise leaves them idle.
pub fn start_fans<A>(tallies: &mut [Tally], arms: &[A], prepare: impl Fn(&A) -> Prepared) {
    if arms.len() > MAX_FAN_ARMS {
        return;
    }
    for (tally, arm) in tallies.iter_mut().zip(arms) {
        tally.fan = Fan::collecting(tally.blocs.len(), FanAxis::of_prepared(&prepare(arm)));
    }
}

/// Adds every `stride`-th value of each bloc's `series` to its histograms.
fn record(
    hists: &mut [Vec<FineHistogram>],
    series: &[Vec<f64>],
    stride: usize,
    index: fn(f64) -> Option<i32>,
) {
    for (bloc, values) in hists.iter_mut().zip(series) {
        for (point, &x) in values.iter().step_by(stride).enumerate() {
            if bloc.len() <= point {
                bloc.resize(point + 1, FineHistogram::new());
            }
            match index(x) {
                Some(i) => bloc[point].add(i),
                None => bloc[point].add_absent(),
            }
        }
    }
}

/// The calendar of a study's steps: step `k` is at `start_year + k / steps_per_year`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct FanAxis {
    /// Calendar year of step 0.
    pub start_year: f64,
    /// Steps per year (at least 1).
    pub steps_per_year: u32,
}

/// A start year read from a validated scenario is a finite number, so equality is reflexive.
impl Eq for FanAxis {}

impl FanAxis {
    /// The axis of a scenario's `study` section.
    pub fn of(study: &Study) -> Self {
        FanAxis {
            start_year: study.start_year,
            steps_per_year: study.steps_per_year.max(1),
        }
    }

    /// The axis of a prepared world.
    pub fn of_prepared(p: &Prepared) -> Self {
        FanAxis {
            start_year: p.start_year,
            steps_per_year: p.steps_per_year.max(1),
        }
    }

    /// The calendar year of model step `step`.
    pub fn year(&self, step: u64) -> f64 {
        self.start_year + step as f64 / f64::from(self.steps_per_year.max(1))
    }
}

/// The columns of `fan.csv` after any prefix columns (`arm` for a sweep, `point` for a batch).
pub const FAN_COLUMNS: [&str; 9] = [
    "year", "bloc", "quantity", "count", "q05", "q25", "q50", "q75", "q95",
];

/// The header line of `fan.csv` with `prefix` columns first.
pub fn fan_header(prefix: &[&str]) -> String {
    let mut cells: Vec<&str> = prefix.to_vec();
    cells.extend(FAN_COLUMNS);
    let mut out = cells.join(",");
    out.push('\n');
    out
}

/// One quantity's rows of `fan.csv`: its name, histograms, grid-to-value conversion, and
/// whether a quantile among the observations without a value is written as 0 (chip stock)
/// or left empty (capability).
struct Quantity<'a> {
    name: &'static str,
    hists: Option<&'a Vec<FineHistogram>>,
    value: fn(i32) -> f64,
    absent_is_zero: bool,
}

/// Appends the rows of one fan: per bloc (in order), `capability` then `chip_stock_h100e`,
/// one row per recorded step in time order, each starting with `row_prefix` (already
/// formatted, each cell followed by a comma, e.g. `"2,"`; empty for a plain study). A fan
/// that collects nothing has no rows.
pub fn push_fan_rows(out: &mut String, row_prefix: &str, fan: &Fan, blocs: &[String]) {
    let Some(axis) = fan.axis else { return };
    let stride = u64::from(fan.stride.max(1));
    for (b, name) in blocs.iter().enumerate() {
        let quantities = [
            Quantity {
                name: "capability",
                hists: fan.capability.get(b),
                value: capability_value,
                absent_is_zero: false,
            },
            Quantity {
                name: "chip_stock_h100e",
                hists: fan.chip_stock.get(b),
                value: chip_stock_value,
                absent_is_zero: true,
            },
        ];
        for Quantity {
            name: quantity,
            hists,
            value,
            absent_is_zero,
        } in quantities
        {
            let Some(hists) = hists else { continue };
            for (point, h) in hists.iter().enumerate() {
                out.push_str(row_prefix);
                push_float(out, axis.year(point as u64 * stride));
                out.push(',');
                push_text(out, name);
                out.push(',');
                out.push_str(quantity);
                out.push(',');
                out.push_str(&h.count().to_string());
                for q in FAN_QUANTILES {
                    out.push(',');
                    match h.quantile_ratio(q, 100) {
                        Some(FineQuantile::Grid(i)) => push_float(out, value(i)),
                        Some(FineQuantile::Absent) if absent_is_zero => out.push('0'),
                        Some(FineQuantile::Absent) | None => {}
                    }
                }
                out.push('\n');
            }
        }
    }
}

/// The whole `fan.csv` of a study with these tallies (one per arm), or `None` when no arm's
/// fan collected anything (then no `fan.csv` is written). With `row_column` (`arm` for a
/// sweep, `point` for a batch) every row starts with the arm's number, as in `runs.csv`.
pub fn fan_csv(row_column: Option<&str>, tallies: &[Tally]) -> Option<String> {
    if !tallies.iter().any(|t| t.fan.is_collecting()) {
        return None;
    }
    let mut out = fan_header(row_column.as_slice());
    for (k, t) in tallies.iter().enumerate() {
        let prefix = match row_column {
            Some(_) => format!("{k},"),
            None => String::new(),
        };
        push_fan_rows(&mut out, &prefix, &t.fan, &t.blocs);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polarity_model::{RunKey, RunOptions, Simulation, testworld::test_world};

    fn results(n: u64) -> Vec<RunResult> {
        let world = test_world();
        let mut sim = Simulation::new();
        (0..n)
            .map(|run| sim.run(&world, RunKey { study_seed: 3, run }, RunOptions::default()))
            .collect()
    }

    fn blocs() -> usize {
        polarity_model::prepared::Prepared::new(&test_world())
            .bloc_ids
            .len()
    }

    const AXIS: FanAxis = FanAxis {
        start_year: 2023.0,
        steps_per_year: 4,
    };

    fn fan(blocs: usize) -> Fan {
        Fan::collecting(blocs, AXIS)
    }

    #[test]
    fn merge_of_two_halves_equals_the_whole() {
        let runs = results(50);
        let mut whole = fan(blocs());
        runs.iter().for_each(|r| whole.add(r));
        assert!(whole.points() > 1);
        for cut in [0, 1, 17, 49, 50] {
            let mut left = fan(blocs());
            let mut right = fan(blocs());
            runs[..cut].iter().for_each(|r| left.add(r));
            runs[cut..].iter().for_each(|r| right.add(r));
            let mut a = left.clone();
            a.merge(&right).unwrap();
            assert_eq!(a, whole, "cut {cut}");
            let mut b = right.clone();
            b.merge(&left).unwrap();
            assert_eq!(b, whole, "cut {cut}, reversed");
        }
    }

    /// The type-1 quantile of `values` (sorted, absent first) by brute force.
    fn brute(mut values: Vec<Option<i32>>, num: u64) -> Option<FineQuantile> {
        values.sort();
        let n = values.len() as u64;
        if n == 0 {
            return None;
        }
        let k = (num * n).div_ceil(100) as usize;
        Some(match values[k - 1] {
            None => FineQuantile::Absent,
            Some(i) => FineQuantile::Grid(i),
        })
    }

    #[test]
    fn quantiles_match_a_brute_force_sort() {
        let runs = results(40);
        let mut fan = fan(blocs());
        runs.iter().for_each(|r| fan.add(r));
        let stride = fan.stride as usize;
        for b in 0..blocs() {
            for point in 0..fan.points() {
                let caps: Vec<Option<i32>> = runs
                    .iter()
                    .filter_map(|r| r.bloc_capability[b].get(point * stride))
                    .map(|&x| capability_index(x))
                    .collect();
                let chips: Vec<Option<i32>> = runs
                    .iter()
                    .filter_map(|r| r.bloc_chip_stock[b].get(point * stride))
                    .map(|&x| chip_stock_index(x))
                    .collect();
                for q in [1, 5, 25, 50, 75, 95, 100] {
                    assert_eq!(
                        fan.capability[b][point].quantile_ratio(q, 100),
                        brute(caps.clone(), q),
                        "capability bloc {b} point {point} q{q}"
                    );
                    assert_eq!(
                        fan.chip_stock[b][point].quantile_ratio(q, 100),
                        brute(chips.clone(), q),
                        "chips bloc {b} point {point} q{q}"
                    );
                }
            }
        }
    }

    #[test]
    fn histograms_stay_canonical() {
        let mut a = FineHistogram::new();
        for i in [5, -3, 12, 5] {
            a.add(i);
        }
        a.add_absent();
        assert_eq!(a.count(), 5);
        assert_eq!(a.iter().collect::<Vec<_>>(), [(-3, 1), (5, 2), (12, 1)]);
        assert_eq!(a.quantile_ratio(20, 100), Some(FineQuantile::Absent));
        assert_eq!(a.quantile_ratio(40, 100), Some(FineQuantile::Grid(-3)));
        assert_eq!(a.quantile_ratio(100, 100), Some(FineQuantile::Grid(12)));
        assert_eq!(a.quantile_ratio(0, 100), None);
        assert_eq!(FineHistogram::new().quantile_ratio(50, 100), None);
        // The same counts built another way compare and serialize equal.
        let mut b = FineHistogram::new();
        b.add(12);
        let mut c = FineHistogram::new();
        c.add(-3);
        c.add(5);
        c.add(5);
        c.add_absent();
        b.merge(&c);
        assert_eq!(a, b);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(json, serde_json::to_string(&b).unwrap());
        let back: FineHistogram = serde_json::from_str(&json).unwrap();
        assert_eq!(back, a);
        // Untrimmed input is trimmed on the way in.
        let padded: FineHistogram = serde_json::from_str(
            r#"{"absent":1,"first":-5,"counts":[0,0,1,0,0,0,0,0,0,0,2,0,0,0,0,0,0,1,0]}"#,
        )
        .unwrap();
        assert_eq!(padded, a);
        assert!(
            serde_json::from_str::<FineHistogram>(
                r#"{"absent":0,"first":2147483647,"counts":[1,1]}"#
            )
            .is_err()
        );
    }

    #[test]
    fn grid_indices_guard_every_value() {
        assert_eq!(capability_index(30.126), Some(3013));
        assert_eq!(capability_index(f64::NEG_INFINITY), None);
        assert_eq!(capability_index(f64::NAN), None);
        assert_eq!(capability_index(f64::INFINITY), Some(30_000));
        assert_eq!(capability_index(-1e300), Some(-10_000));
        assert_eq!(chip_stock_index(0.0), None);
        assert_eq!(chip_stock_index(-5.0), None);
        assert_eq!(chip_stock_index(1e6), Some(600));
        assert_eq!(chip_stock_index(f64::INFINITY), Some(1800));
        assert_eq!(capability_value(3013), 30.13);
        assert_eq!(chip_stock_value(600), 1e6);
    }

    #[test]
    fn long_series_are_strided() {
        assert_eq!(Fan::stride_for(0), 1);
        assert_eq!(Fan::stride_for(53), 1);
        assert_eq!(Fan::stride_for(MAX_FAN_POINTS), 1);
        assert_eq!(Fan::stride_for(MAX_FAN_POINTS + 1), 2);
        let r = RunResult {
            bloc_capability: vec![(0..1000).map(f64::from).collect()],
            bloc_chip_stock: vec![vec![1.0; 1000]],
            ..results(1).remove(0)
        };
        let mut fan = fan(1);
        fan.add(&r);
        assert!(fan.points() <= MAX_FAN_POINTS);
        assert_eq!(fan.stride, 5);
        assert_eq!(
            fan.capability[0][2].quantile_ratio(50, 100),
            Some(FineQuantile::Grid(1000))
        );
        let mut other = Fan::collecting(1, AXIS);
        other.stride = 3;
        assert!(fan.merge(&other).unwrap_err().is_input());
        assert!(fan.merge(&Fan::collecting(2, AXIS)).is_err());
        let elsewhen = Fan::collecting(
            1,
            FanAxis {
                start_year: 2024.0,
                steps_per_year: 4,
            },
        );
        assert!(fan.merge(&elsewhen).is_err());
    }

    #[test]
    fn a_fan_made_by_new_collects_nothing() {
        let mut idle = Fan::new(2);
        results(3).iter().for_each(|r| idle.add(r));
        assert_eq!(idle, Fan::new(2));
        let mut collecting = fan(2);
        results(3).iter().for_each(|r| collecting.add(r));
        // Merging into an idle fan takes on the other's calendar and counts.
        idle.merge(&collecting).unwrap();
        assert_eq!(idle, collecting);
        let tally = Tally::new(vec!["a".into(), "b".into()]);
        assert_eq!(fan_csv(None, &[tally]), None);
    }

    #[test]
    fn csv_rows_follow_the_documented_layout() {
        let r = RunResult {
            bloc_capability: vec![vec![f64::NEG_INFINITY, 1.5], vec![20.0, 21.25]],
            bloc_chip_stock: vec![vec![0.0, 100.0], vec![1e3, 1e4]],
            ..results(1).remove(0)
        };
        let mut tally = Tally::new(vec!["a".into(), "b".into()]);
        tally.fan = fan(2);
        tally.fan.add(&r);
        let csv = fan_csv(None, std::slice::from_ref(&tally)).unwrap();
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "year,bloc,quantity,count,q05,q25,q50,q75,q95");
        assert_eq!(lines[1], "2023,a,capability,1,,,,,");
        assert_eq!(lines[2], "2023.25,a,capability,1,1.5,1.5,1.5,1.5,1.5");
        assert_eq!(lines[3], "2023,a,chip_stock_h100e,1,0,0,0,0,0");
        assert_eq!(lines[4], "2023.25,a,chip_stock_h100e,1,100,100,100,100,100");
        assert_eq!(
            lines[6],
            "2023.25,b,capability,1,21.25,21.25,21.25,21.25,21.25"
        );
        assert_eq!(lines.len(), 9);
        let swept = fan_csv(Some("arm"), &[tally.clone(), tally]).unwrap();
        let lines: Vec<&str> = swept.lines().collect();
        assert_eq!(lines[0], "arm,year,bloc,quantity,count,q05,q25,q50,q75,q95");
        assert_eq!(lines[1], "0,2023,a,capability,1,,,,,");
        assert_eq!(lines[9], "1,2023,a,capability,1,,,,,");
    }
}

//! Interval estimates and exact accumulators for Monte Carlo outcome counts.
//!
//! Everything here is a pure function or plain data. Counts are exact
//! integers (`u64`), so accumulators ([`PairedTable`], [`TickHistogram`]) can
//! be checkpointed and merged without any loss, and the order in which worker
//! results are merged never changes a result. The only floating-point
//! operations used are `+ - * /` and `sqrt`, all of which IEEE 754 rounds
//! correctly, so results are bit-for-bit reproducible across platforms.
//!
//! All intervals are two-sided 95% intervals built on [`Z95`].
//!
//! * [`wilson`]: Wilson score interval for one proportion.
//! * [`newcombe_paired_diff`]: difference of two proportions measured on the
//!   same runs (common random numbers), Newcombe's (1998) method 10.
//! * [`unpaired_diff_ci`]: the same difference as if the arms were
//!   independent (Newcombe's hybrid score interval), to show what pairing
//!   saved; [`pairing_variance_reduction`] says the same thing as a single
//!   number.
//! * [`TickHistogram`]: exact quantiles and mean of integer grid ticks.
//! * [`runs_needed`]: number of runs for a target interval half-width.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The 97.5% quantile of the standard normal distribution, the `z` of every
/// 95% interval in this module.
///
/// This is the `f64` nearest to the true value 1.959963984540054235…; R's
/// `qnorm(0.975)` returns a value two ulps lower (1.9599639845400536), which
/// moves results by about 1e-16.
pub const Z95: f64 = 1.959963984540054;

/// `Z95` squared.
const Z2: f64 = Z95 * Z95;

/// A closed interval `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

impl Interval {
    /// The width `hi - lo`.
    pub fn width(&self) -> f64 {
        self.hi - self.lo
    }
}

/// The Wilson score lower bound for `x` successes out of `n > 0`, `x <= n`.
///
/// Written as `x² / (n (x + z²/2 + z √(x(n-x)/n + z²/4)))`, which is
/// algebraically the usual `(centre - half-width)` but has no cancellation,
/// so it is accurate to a few ulps relative and exactly 0 when `x = 0`.
fn wilson_lower(x: u64, n: u64) -> f64 {
    if x == 0 {
        return 0.0;
    }
    let xf = x as f64;
    let nf = n as f64;
    let root = Z95 * (xf * ((n - x) as f64) / nf + Z2 / 4.0).sqrt();
    (xf / nf) * (xf / (xf + Z2 / 2.0 + root))
}

/// Wilson score interval (without continuity correction) for `successes`
/// out of `n` trials at 95% confidence.
///
/// This is the interval R reports as
/// `prop.test(successes, n, correct = FALSE)$conf.int`:
///
/// `(x + z²/2 ± z √(x(n-x)/n + z²/4)) / (n + z²)`.
///
/// The bounds are evaluated in cancellation-free forms, the upper bound as
/// the mirror image `1 - lower(n - x)` when `x > n/2`, so `lo` is exactly 0
/// when `successes == 0` and `hi` is exactly 1 when `successes == n`.
///
/// Returns `None` when `n == 0` or `successes > n`.
pub fn wilson(successes: u64, n: u64) -> Option<Interval> {
    if n == 0 || successes > n {
        return None;
    }
    let lo = wilson_lower(successes, n);
    let failures = n - successes;
    let hi = if successes <= failures {
        let xf = successes as f64;
        let nf = n as f64;
        let root = Z95 * (xf * (failures as f64) / nf + Z2 / 4.0).sqrt();
        (xf + Z2 / 2.0 + root) / (nf + Z2)
    } else {
        1.0 - wilson_lower(failures, n)
    };
    Some(Interval {
        lo: lo.clamp(0.0, 1.0),
        hi: hi.clamp(0.0, 1.0),
    })
}

/// A paired 2×2 table: each run is simulated under both arms with the same
/// random numbers, and records whether the event happened in each arm.
///
/// Arm `a` is the reference arm, arm `b` the other. In Newcombe's (1998)
/// notation `e = both`, `f = only_a`, `g = only_b`, `h = neither`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PairedTable {
    /// Runs with the event in both arms.
    pub both: u64,
    /// Runs with the event in arm `a` but not in arm `b`.
    pub only_a: u64,
    /// Runs with the event in arm `b` but not in arm `a`.
    pub only_b: u64,
    /// Runs with the event in neither arm.
    pub neither: u64,
}

impl PairedTable {
    /// Records one run: `a` is whether the event happened in arm `a`, `b`
    /// whether it happened in arm `b`.
    pub fn add(&mut self, a: bool, b: bool) {
        let cell = match (a, b) {
            (true, true) => &mut self.both,
            (true, false) => &mut self.only_a,
            (false, true) => &mut self.only_b,
            (false, false) => &mut self.neither,
        };
        *cell += 1;
    }

    /// Adds the counts of `other` into `self` (exact, order-independent).
    pub fn merge(&mut self, other: &PairedTable) {
        self.both += other.both;
        self.only_a += other.only_a;
        self.only_b += other.only_b;
        self.neither += other.neither;
    }

    /// The number of runs recorded.
    ///
    /// # Panics
    ///
    /// Panics if the total does not fit in a `u64`.
    pub fn n(&self) -> u64 {
        self.both
            .checked_add(self.only_a)
            .and_then(|s| s.checked_add(self.only_b))
            .and_then(|s| s.checked_add(self.neither))
            .expect("PairedTable total overflows u64")
    }
}

/// `b - a` for counts, as `f64`, exact whenever the difference is below 2^53.
fn count_diff(b: u64, a: u64) -> f64 {
    if b >= a {
        (b - a) as f64
    } else {
        -((a - b) as f64)
    }
}

/// `√(x² + y² - 2 φ x y)`, symmetric in `x` and `y` bit for bit.
fn square_and_add(x: f64, y: f64, phi: f64) -> f64 {
    (x * x + y * y - 2.0 * phi * (x * y)).max(0.0).sqrt()
}

/// Newcombe's correlation estimate for method 10: the phi coefficient of
/// the table with its numerator `B = eh - fg` corrected towards zero,
/// `C = B - n/2` if `B > n/2`, `0` if `0 <= B <= n/2`, `B` if `B < 0`,
/// and `φ̂ = C / √((e+f)(g+h)(e+g)(f+h))`; `φ̂ = 0` when any of those four
/// marginals is zero.
fn newcombe_phi(t: &PairedTable, n: u64) -> f64 {
    let xa = t.both + t.only_a;
    let xb = t.both + t.only_b;
    if xa == 0 || xa == n || xb == 0 || xb == n {
        return 0.0;
    }
    let eh = u128::from(t.both) * u128::from(t.neither);
    let fg = u128::from(t.only_a) * u128::from(t.only_b);
    let c = if eh >= fg {
        let b = eh - fg;
        // For integers, 2b > n  <=>  b > floor(n / 2).
        if b > u128::from(n / 2) {
            b as f64 - n as f64 / 2.0
        } else {
            0.0
        }
    } else {
        -((fg - eh) as f64)
    };
    let a = (xa as f64 * (n - xa) as f64) * (xb as f64 * (n - xb) as f64);
    c / a.sqrt()
}

/// Difference `p_b - p_a` between two proportions measured on the same runs,
/// with its 95% confidence interval by Newcombe's (1998) method 10.
///
/// `p_a = (both + only_a) / n` and `p_b = (both + only_b) / n`; the
/// difference is computed as `(only_b - only_a) / n` from the exact integer
/// numerator, so it is exactly 0 when `only_a == only_b`.
///
/// Method 10 (R. G. Newcombe, "Improved confidence intervals for the
/// difference between binomial proportions based on paired data",
/// Statistics in Medicine 17:2635–2650, 1998) combines the Wilson
/// intervals `[l_a, u_a]`, `[l_b, u_b]` of the two marginal proportions:
///
/// ```text
/// lo = d - √((p_b - l_b)² - 2 φ̂ (p_b - l_b)(u_a - p_a) + (u_a - p_a)²)
/// hi = d + √((u_b - p_b)² - 2 φ̂ (u_b - p_b)(p_a - l_a) + (p_a - l_a)²)
/// ```
///
/// where `φ̂` is Newcombe's corrected phi coefficient: with `e, f, g, h =
/// both, only_a, only_b, neither`, `B = eh - fg`, `C = B - n/2` if
/// `B > n/2`, `0` if `0 <= B <= n/2`, `B` if `B < 0`, and
/// `φ̂ = C / √((e+f)(g+h)(e+g)(f+h))`, set to 0 when any of these marginals
/// is zero.
///
/// Sign convention: Newcombe (and R's `contingencytables`, `ratesci`,
/// `MKinfer`) report `θ = p_1 - p_2` with the first arm first; here the
/// reference arm `a` is subtracted, so the result is `-θ` and the interval
/// is the mirror image `[-hi_θ, -lo_θ]`. φ̂ does not depend on which arm is
/// which, so the two conventions give exactly mirrored intervals.
///
/// Returns `None` when the table is empty.
pub fn newcombe_paired_diff(t: &PairedTable) -> Option<(f64, Interval)> {
    let n = t.n();
    let xa = t.both + t.only_a;
    let xb = t.both + t.only_b;
    let wa = wilson(xa, n)?;
    let wb = wilson(xb, n)?;
    let nf = n as f64;
    let pa = xa as f64 / nf;
    let pb = xb as f64 / nf;
    let d = count_diff(t.only_b, t.only_a) / nf;
    let phi = newcombe_phi(t, n);
    let lo = d - square_and_add(pb - wb.lo, wa.hi - pa, phi);
    let hi = d + square_and_add(wb.hi - pb, pa - wa.lo, phi);
    Some((
        d,
        Interval {
            lo: lo.max(-1.0),
            hi: hi.min(1.0),
        },
    ))
}

/// Difference `p_b - p_a = x_b/n_b - x_a/n_a` between two independent
/// proportions, with its 95% confidence interval by Newcombe's method 10
/// for independent samples (the hybrid score, or square-and-add Wilson,
/// interval: R. G. Newcombe, "Interval estimation for the difference between
/// independent proportions: comparison of eleven methods", Statistics in
/// Medicine 17:873–890, 1998):
///
/// ```text
/// lo = d - √((p_b - l_b)² + (u_a - p_a)²)
/// hi = d + √((u_b - p_b)² + (p_a - l_a)²)
/// ```
///
/// Applied to the marginals of a [`PairedTable`] (`x_a = both + only_a`,
/// `x_b = both + only_b`, `n_a = n_b = n`) it is the interval one would get
/// by ignoring the pairing, so comparing its width with that of
/// [`newcombe_paired_diff`] shows what common random numbers saved.
///
/// The same sign convention as [`newcombe_paired_diff`]: arm `a` is
/// subtracted. Newcombe reports `p_1 - p_2`, so his interval for samples
/// `x_1/n_1` and `x_2/n_2` is `unpaired_diff_ci(x_2, n_2, x_1, n_1)`.
///
/// Returns `None` when either sample is empty or has more successes than
/// trials.
pub fn unpaired_diff_ci(x_a: u64, n_a: u64, x_b: u64, n_b: u64) -> Option<(f64, Interval)> {
    let wa = wilson(x_a, n_a)?;
    let wb = wilson(x_b, n_b)?;
    let pa = x_a as f64 / n_a as f64;
    let pb = x_b as f64 / n_b as f64;
    let d = pb - pa;
    let lo = d - square_and_add(pb - wb.lo, wa.hi - pa, 0.0);
    let hi = d + square_and_add(wb.hi - pb, pa - wa.lo, 0.0);
    Some((
        d,
        Interval {
            lo: lo.max(-1.0),
            hi: hi.min(1.0),
        },
    ))
}

/// The share of the variance of the estimated difference `p_b - p_a` that
/// pairing removed: `1 - Var_paired / Var_independent`, where
///
/// ```text
/// Var_paired      = (p10 + p01 - (p10 - p01)²) / n
/// Var_independent = (p_a (1 - p_a) + p_b (1 - p_b)) / n
/// ```
///
/// with `p10 = only_a / n`, `p01 = only_b / n`, `p_a = (both + only_a) / n`,
/// `p_b = (both + only_b) / n` (plug-in estimates). Since
/// `Var_paired = Var_independent - 2 Cov(p̂_a, p̂_b)`, the reduction is
/// `2 Cov / Var_independent`: 0 for uncorrelated arms, close to 1 when
/// common random numbers make the arms nearly identical, and negative if
/// the arms are negatively correlated.
///
/// Computed exactly in integers as
/// `1 - (n (f + g) - (g - f)²) / (x_a (n - x_a) + x_b (n - x_b))`
/// (both sides multiplied by `n³`), with a single final division.
///
/// Returns `None` when `Var_independent` is 0 (an empty table, or both arms
/// constant: every run had, or every run lacked, the event in each arm),
/// where the ratio is undefined.
pub fn pairing_variance_reduction(t: &PairedTable) -> Option<f64> {
    let n = u128::from(t.n());
    let f = u128::from(t.only_a);
    let g = u128::from(t.only_b);
    let xa = u128::from(t.both) + f;
    let xb = u128::from(t.both) + g;
    let independent = xa * (n - xa) + xb * (n - xb);
    if independent == 0 {
        return None;
    }
    let gap = f.abs_diff(g);
    let paired = n * (f + g) - gap * gap;
    Some(1.0 - paired as f64 / independent as f64)
}

/// The denominator that [`TickHistogram::quantile`] reads probabilities in.
const P_SCALE: u64 = 1_000_000_000_000;

/// Exact counts of integer grid ticks (for example times on a 1/48-year
/// grid), for exact quantiles and mean.
///
/// Stored sparsely as tick → count; serde-serializable so it can be
/// checkpointed, and [`merge`](Self::merge) is exact and order-independent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TickHistogram {
    counts: BTreeMap<u32, u64>,
}

impl TickHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one observation at `tick`.
    pub fn add(&mut self, tick: u32) {
        *self.counts.entry(tick).or_insert(0) += 1;
    }

    /// Adds every count of `other` into `self`.
    pub fn merge(&mut self, other: &TickHistogram) {
        for (&tick, &count) in &other.counts {
            if count > 0 {
                *self.counts.entry(tick).or_insert(0) += count;
            }
        }
    }

    /// The number of observations.
    ///
    /// # Panics
    ///
    /// Panics if the total does not fit in a `u64`.
    pub fn count(&self) -> u64 {
        self.counts
            .values()
            .try_fold(0u64, |acc, &c| acc.checked_add(c))
            .expect("TickHistogram total overflows u64")
    }

    /// `(tick, count)` pairs in increasing tick order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u64)> + '_ {
        self.counts.iter().map(|(&t, &c)| (t, c))
    }

    /// The `num/den` quantile, exactly: the inverse empirical CDF (R's
    /// `quantile(type = 1)`), i.e. the smallest tick `t` whose cumulative
    /// count is at least `k = ceil(num · count / den)`, computed in integer
    /// arithmetic.
    ///
    /// Returns `None` when the histogram is empty or the probability is not
    /// in `(0, 1]` (`num == 0`, `den == 0` or `num > den`).
    pub fn quantile_ratio(&self, num: u64, den: u64) -> Option<u32> {
        if num == 0 || den == 0 || num > den {
            return None;
        }
        let n = self.count();
        if n == 0 {
            return None;
        }
        let den = u128::from(den);
        // 1 <= k <= n because 0 < num/den <= 1.
        let k = (u128::from(num) * u128::from(n)).div_ceil(den);
        let mut cumulative: u128 = 0;
        for (&tick, &c) in &self.counts {
            cumulative += u128::from(c);
            if cumulative >= k {
                return Some(tick);
            }
        }
        None
    }

    /// The `p` quantile: the inverse empirical CDF (R's
    /// `quantile(type = 1)`), the smallest tick `t` with cumulative count
    /// `>= ceil(p · count)`, for `p` in `(0, 1]`.
    ///
    /// `p` is first read as the decimal fraction `round(p · 10¹²) / 10¹²`
    /// (at least `1 / 10¹²`), and the rest is exact integer arithmetic (see
    /// [`quantile_ratio`](Self::quantile_ratio)). Reading `p` as a decimal
    /// matters: the `f64` nearest 0.05 is slightly above 0.05, so with 100
    /// observations an exact binary reading would give `ceil(5.000…03) = 6`
    /// instead of the intended 5.
    ///
    /// Returns `None` when the histogram is empty or `p` is not in `(0, 1]`
    /// (including NaN).
    pub fn quantile(&self, p: f64) -> Option<u32> {
        if p.is_nan() || p <= 0.0 || p > 1.0 {
            return None;
        }
        // p * 1e12 is in (0, 1e12]; round() is exact.
        let num = ((p * P_SCALE as f64).round() as u64).clamp(1, P_SCALE);
        self.quantile_ratio(num, P_SCALE)
    }

    /// The mean tick: the exact sum of ticks (as `u128`) divided once by the
    /// count. The result is the correctly rounded quotient whenever the sum
    /// is below 2^53. Returns `None` when the histogram is empty.
    pub fn mean(&self) -> Option<f64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let sum: u128 = self
            .counts
            .iter()
            .map(|(&t, &c)| u128::from(t) * u128::from(c))
            .sum();
        Some(sum as f64 / n as f64)
    }
}

/// Half-width of the 95% Wilson interval at proportion `p` with `n` runs:
/// `z √(p(1-p)/n + z²/(4n²)) / (1 + z²/n)`.
fn wilson_half_width(p: f64, n: u64) -> f64 {
    let nf = n as f64;
    Z95 * (p * (1.0 - p) / nf + Z2 / (4.0 * nf * nf)).sqrt() / (1.0 + Z2 / nf)
}

/// The smallest `n >= 1` with `wilson_half_width(p, n) <= eps`, or
/// `u64::MAX` if none fits in a `u64`. The half-width strictly decreases in
/// `n` for every `p` (its derivative has the sign of
/// `p(1-p)(z² - n) - z²/2`, which is negative since `p(1-p) <= 1/4`), so an
/// exponential then binary search finds the boundary.
fn runs_for_half_width(p: f64, eps: f64) -> u64 {
    let fits = |n: u64| wilson_half_width(p, n) <= eps;
    let mut hi: u64 = 1;
    while !fits(hi) {
        if hi > u64::MAX / 2 {
            return u64::MAX;
        }
        hi *= 2;
    }
    // Invariant: fits(hi), and !fits(n) for all n < lo.
    let mut lo = hi / 2 + 1;
    if hi == 1 {
        lo = 1;
    }
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if fits(mid) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    hi
}

/// The number of main runs needed so that every outcome's 95% Wilson
/// interval has half-width at most `eps` (the `--precision EPS` option).
///
/// `pilot[i]` is how many of the `pilot_n` pilot runs produced outcome `i`.
/// The plan is conservative: for each outcome the planning value `p*` is the
/// point of its pilot 95% Wilson interval closest to 0.5 (the half-width
/// grows towards 0.5), so an outcome never seen in the pilot still gets the
/// positive planning value of its Wilson upper bound. Then the smallest `n`
/// whose Wilson half-width at `p*`,
/// `z √(p*(1-p*)/n + z²/(4n²)) / (1 + z²/n)`, is `<= eps` is found by an
/// exact monotone integer search, and the maximum over outcomes is returned.
/// With `pilot_n == 0` every planning value is 0.5 (for p = 0.5 this is
/// about `z² / (4 eps²)`: 9 600 runs for `eps = 0.01`).
///
/// This never peeks: the number of main runs is a function of the pilot
/// alone and is fixed before any main run is simulated, so the stopping
/// point cannot depend on the main runs' results and their intervals keep
/// their nominal coverage (which optional stopping, "run until the interval
/// is narrow enough", would not guarantee). The main runs should use seeds
/// disjoint from the pilot's.
///
/// Returns 0 for an empty `pilot` and `u64::MAX` when `eps` is not
/// positive (including NaN) or no `u64` count reaches it.
pub fn runs_needed(pilot: &[u64], pilot_n: u64, eps: f64) -> u64 {
    if eps.is_nan() || eps <= 0.0 {
        return u64::MAX;
    }
    pilot
        .iter()
        .map(|&x| {
            let p_star = match wilson(x, pilot_n) {
                Some(i) if 0.5 < i.lo => i.lo,
                Some(i) if 0.5 > i.hi => i.hi,
                _ => 0.5,
            };
            runs_for_half_width(p_star, eps)
        })
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Asserts `|got - want| <= tol`.
    #[track_caller]
    fn close(got: f64, want: f64, tol: f64) {
        assert!(
            (got - want).abs() <= tol,
            "got {got:.17}, want {want:.17} (tol {tol:e})"
        );
    }

    #[track_caller]
    fn close_interval(got: Interval, lo: f64, hi: f64, tol: f64) {
        close(got.lo, lo, tol);
        close(got.hi, hi, tol);
    }

    /// Rounds to 4 decimals, for comparison with values published to 4 dp.
    fn dp4(x: f64) -> f64 {
        (x * 1e4).round() / 1e4
    }

    fn table(both: u64, only_a: u64, only_b: u64, neither: u64) -> PairedTable {
        PairedTable {
            both,
            only_a,
            only_b,
            neither,
        }
    }

    // ---------------------------------------------------------------- Wilson

    /// Reference values: the closed form evaluated in 60-digit decimal
    /// arithmetic (Python `decimal`, z = 1.959963984540054), and
    /// independently R 4.2.2 `prop.test(x, n, correct = FALSE)$conf.int`
    /// printed with `%.17g`; the two agree to within 2e-16 on every row.
    #[test]
    fn wilson_matches_closed_form_and_r_prop_test() {
        let rows: [(u64, u64, f64, f64); 11] = [
            (0, 10, 0.0, 0.2775327998628892),
            (10, 10, 0.7224672001371109, 1.0),
            (5, 10, 0.236593090512564, 0.763406909487436),
            (81, 263, 0.2552885198782742, 0.3662095769828001),
            (15, 148, 0.06238639953073628, 0.160487241723308),
            (0, 20, 0.0, 0.1611251580528194),
            (1, 29, 0.006113214292762662, 0.1717552187932029),
            (1, 1, 0.2065493143772374, 1.0),
            (0, 1, 0.0, 0.7934506856227626),
            (3, 7, 0.1582198552514697, 0.7495416354723428),
            (999, 1000, 0.9943574414020421, 0.9998234536293739),
        ];
        for (x, n, lo, hi) in rows {
            close_interval(wilson(x, n).unwrap(), lo, hi, 1e-14);
        }
    }

    /// Newcombe, "Two-sided confidence intervals for the single proportion:
    /// comparison of seven methods", Statistics in Medicine 17:857–872
    /// (1998), Table I, method 3, to 4 dp (as transcribed in the test suite
    /// of the R package `ratesci`, tests/testthat/test3.R, and widely
    /// elsewhere); plus the brief's R values for 0/10, 10/10 and 5/10.
    #[test]
    fn wilson_matches_published_values() {
        let rows: [(u64, u64, f64, f64); 7] = [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
            (0, 10, 0.0, 0.2775),
            (10, 10, 0.7225, 1.0),
            (5, 10, 0.2366, 0.7634),
        ];
        for (x, n, lo, hi) in rows {
            let i = wilson(x, n).unwrap();
            assert_eq!((dp4(i.lo), dp4(i.hi)), (lo, hi), "{x}/{n}");
        }
    }

    #[test]
    fn wilson_edges_are_exact() {
        assert_eq!(wilson(0, 0), None);
        assert_eq!(wilson(4, 3), None);
        for n in [1u64, 2, 3, 7, 10, 1000, 123_456_789, 1 << 40] {
            assert_eq!(wilson(0, n).unwrap().lo, 0.0);
            assert_eq!(wilson(n, n).unwrap().hi, 1.0);
            assert!(wilson(0, n).unwrap().hi > 0.0);
            assert!(wilson(n, n).unwrap().lo < 1.0);
        }
        // x = 0: hi = z² / (n + z²) in closed form.
        close(wilson(0, 10).unwrap().hi, Z2 / (10.0 + Z2), 1e-16);
    }

    #[test]
    fn wilson_is_mirror_symmetric_and_contains_the_estimate() {
        for n in 1..=60u64 {
            for x in 0..=n {
                let i = wilson(x, n).unwrap();
                let m = wilson(n - x, n).unwrap();
                close(i.lo, 1.0 - m.hi, 4e-16);
                close(i.hi, 1.0 - m.lo, 4e-16);
                let p = x as f64 / n as f64;
                assert!(0.0 <= i.lo && i.lo <= p && p <= i.hi && i.hi <= 1.0);
            }
        }
    }

    // ------------------------------------------------------- paired / unpaired

    #[test]
    fn paired_table_add_merge_n() {
        let mut t = PairedTable::default();
        t.add(true, true);
        t.add(true, false);
        t.add(true, false);
        t.add(false, true);
        t.add(false, false);
        assert_eq!(t, table(1, 2, 1, 1));
        let mut u = table(10, 20, 30, 40);
        u.merge(&t);
        assert_eq!(u, table(11, 22, 31, 41));
        assert_eq!(u.n(), 105);
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(serde_json::from_str::<PairedTable>(&json).unwrap(), u);
    }

    /// Published method-10 intervals. Tables are given in the source's
    /// (a, b, c, d) = (both, first only, second only, neither) with the
    /// source reporting p_first - p_second; our arm `a` is the source's first
    /// arm, so we report the negated difference and the mirrored interval.
    ///
    /// * (20, 12, 2, 16): Newcombe (1998, Stat Med 17:2635) worked example,
    ///   method 10 = 0.0562 to 0.3292 for θ = +0.2. We could not read the
    ///   paper itself; the numbers are those the R package `ratesci`
    ///   (tests/testthat/test3.R) asserts as "Newcombe's method 10 result".
    /// * (1, 1, 7, 12): Bentur et al. (2009) data from Fagerland, Lydersen &
    ///   Laake (2014, Stat Med 33:2850), Newcombe square-and-add -0.507 to
    ///   -0.026 (as asserted in `ratesci`'s tests).
    /// * (59, 6, 16, 80): Cavo et al. (2012) data from Fagerland, Lydersen &
    ///   Laake's book and R package `contingencytables`, whose test suite
    ///   asserts -0.0621 (-0.1186 to -0.0046).
    /// * (8, 3, 1, 2) -> -0.1574 to 0.4136 and (7, 25, 2, 68) -> 0.133 to
    ///   0.318: further examples in `ratesci`'s tests (Tang et al. 2010;
    ///   Chang et al. 2024), both with Newcombe's corrected phi.
    #[test]
    fn paired_matches_published_examples() {
        // (both, only_a, only_b, neither, published lo and hi for p_a - p_b
        // in units of 10^-dp, dp).
        let rows: [(u64, u64, u64, u64, i64, i64, i32); 5] = [
            (20, 12, 2, 16, 562, 3292, 4),
            (1, 1, 7, 12, -507, -26, 3),
            (59, 6, 16, 80, -1186, -46, 4),
            (8, 3, 1, 2, -1574, 4136, 4),
            (7, 25, 2, 68, 133, 318, 3),
        ];
        for (e, f, g, h, lo, hi, dp) in rows {
            let (d, i) = newcombe_paired_diff(&table(e, f, g, h)).unwrap();
            let units = |x: f64| (x * 10f64.powi(dp)).round() as i64;
            // Ours is p_b - p_a = -(p_a - p_b): mirror the published interval.
            assert_eq!(
                (units(i.lo), units(i.hi)),
                (-hi, -lo),
                "table {e} {f} {g} {h}"
            );
            assert_eq!(d, (g as f64 - f as f64) / (e + f + g + h) as f64);
        }
    }

    /// Reference values to 17 digits: the method-10 formula (with Newcombe's
    /// corrected phi and the zero-marginal rule) evaluated in 60-digit
    /// decimal arithmetic by an independent Python script; the rows above
    /// that were published agree with these to the published precision.
    #[test]
    fn paired_matches_high_precision_reference() {
        // (both, only_a, only_b, neither, lo, hi) for p_b - p_a.
        let rows: [(u64, u64, u64, u64, f64, f64); 9] = [
            (20, 2, 12, 16, 0.0561564248417483, 0.3292069954001405),
            (1, 1, 7, 12, 0.02555912416485983, 0.5069202266861409),
            (59, 16, 6, 80, -0.1186211956387099, -0.004625113933050062),
            (8, 1, 3, 2, -0.1574372495400933, 0.4136394170855624),
            (7, 2, 25, 68, 0.1329487072582856, 0.318475149665526),
            // Zero marginal (arm a always has the event): phi = 0.
            (3, 2, 0, 0, -0.769275718723987, 0.1181824382869723),
            // Negative B = -12: phi = -12 / sqrt(3*9*4*8) = -0.408248...
            (0, 3, 4, 5, -0.3201532539874534, 0.4554102669427984),
            // B = 25 > n/2 = 5: C = 20, phi = 20 / 25 = 0.8.
            (5, 0, 0, 5, -0.1665931570812226, 0.1665931570812226),
            // Constant identical arms: both marginals are zero-variance.
            (10, 0, 0, 0, -0.2775327998628892, 0.2775327998628892),
        ];
        for (e, f, g, h, lo, hi) in rows {
            let (d, i) = newcombe_paired_diff(&table(e, f, g, h)).unwrap();
            assert_eq!(d, (g as f64 - f as f64) / (e + f + g + h) as f64);
            close_interval(i, lo, hi, 1e-14);
        }
    }

    #[test]
    fn paired_newcombe_phi_cases() {
        // 0 <= B <= n/2 gives phi = 0: Bentur, B = 12 - 7 = 5 <= 10.5.
        assert_eq!(newcombe_phi(&table(1, 1, 7, 12), 21), 0.0);
        // B = 25, n/2 = 5: C = 20, A = 5^4.
        assert_eq!(newcombe_phi(&table(5, 0, 0, 5), 10), 0.8);
        // B = n/2 exactly (B = 4 - 1 = 3, n = 6): still 0.
        assert_eq!(newcombe_phi(&table(2, 1, 1, 2), 6), 0.0);
        // Odd n = 7: B = 3 < 3.5 gives 0; B = 4 > 3.5 gives C = 0.5.
        assert_eq!(newcombe_phi(&table(1, 1, 1, 4), 7), 0.0);
        close(
            newcombe_phi(&table(1, 0, 2, 4), 7),
            0.5 / (1.0f64 * 6.0 * 3.0 * 4.0).sqrt(),
            1e-16,
        );
        // B < 0 is not shrunk.
        close(
            newcombe_phi(&table(0, 3, 4, 5), 12),
            -12.0 / (3.0f64 * 9.0 * 4.0 * 8.0).sqrt(),
            1e-16,
        );
        // Any zero marginal gives 0.
        assert_eq!(newcombe_phi(&table(0, 0, 5, 5), 10), 0.0);
        assert_eq!(newcombe_phi(&table(5, 5, 0, 0), 10), 0.0);
    }

    #[test]
    fn paired_identical_arms_give_exact_zero_and_symmetric_interval() {
        for t in [
            table(3, 0, 0, 7),
            table(0, 0, 0, 9),
            table(9, 0, 0, 0),
            table(123, 4, 4, 869),
            table(1, 17, 17, 2),
        ] {
            let (d, i) = newcombe_paired_diff(&t).unwrap();
            assert_eq!(d, 0.0);
            assert_eq!(i.lo, -i.hi);
            assert!(i.hi > 0.0);
        }
        assert_eq!(newcombe_paired_diff(&PairedTable::default()), None);
    }

    #[test]
    fn paired_swapping_arms_mirrors_the_interval() {
        for (e, f, g, h) in [(20, 12, 2, 16), (0, 3, 4, 5), (3, 2, 0, 0), (7, 25, 2, 68)] {
            let (d1, i1) = newcombe_paired_diff(&table(e, f, g, h)).unwrap();
            let (d2, i2) = newcombe_paired_diff(&table(e, g, f, h)).unwrap();
            assert_eq!(d1, -d2);
            assert_eq!((i1.lo, i1.hi), (-i2.hi, -i2.lo));
        }
    }

    #[test]
    fn paired_interval_is_valid_on_all_small_tables() {
        for n in 1..=12u64 {
            for e in 0..=n {
                for f in 0..=n - e {
                    for g in 0..=n - e - f {
                        let t = table(e, f, g, n - e - f - g);
                        let (d, i) = newcombe_paired_diff(&t).unwrap();
                        assert!(
                            -1.0 <= i.lo && i.lo <= d && d <= i.hi && i.hi <= 1.0,
                            "{t:?}"
                        );
                        assert!(i.lo < i.hi, "{t:?}");
                    }
                }
            }
        }
    }

    /// Newcombe, "Interval estimation for the difference between independent
    /// proportions: comparison of eleven methods", Statistics in Medicine
    /// 17:873–890 (1998), Table II, method 10, to 4 dp: p_1 - p_2 for
    /// x_1/n_1 vs x_2/n_2. Row (d) is asserted by `ratesci`'s tests
    /// (test3.R, `moverci(5, 0, 56, 29, type = "wilson")`), the others as
    /// transcribed in several public test suites; all eight agree with our
    /// 60-digit evaluation of the formula. Newcombe's p_1 - p_2 is our
    /// `unpaired_diff_ci(x_2, n_2, x_1, n_1)`.
    #[test]
    fn unpaired_matches_newcombe_table_ii() {
        let rows: [(u64, u64, u64, u64, f64, f64); 8] = [
            (56, 70, 48, 80, 0.0524, 0.3339),
            (9, 10, 3, 10, 0.1705, 0.8090),
            (6, 7, 2, 7, 0.0582, 0.8062),
            (5, 56, 0, 29, -0.0381, 0.1926),
            (0, 10, 0, 20, -0.1611, 0.2775),
            (0, 10, 0, 10, -0.2775, 0.2775),
            (10, 10, 0, 20, 0.6791, 1.0),
            (10, 10, 0, 10, 0.6075, 1.0),
        ];
        for (x1, n1, x2, n2, lo, hi) in rows {
            let (d, i) = unpaired_diff_ci(x2, n2, x1, n1).unwrap();
            assert_eq!((dp4(i.lo), dp4(i.hi)), (lo, hi), "{x1}/{n1} - {x2}/{n2}");
            close(d, x1 as f64 / n1 as f64 - x2 as f64 / n2 as f64, 1e-16);
        }
    }

    /// 60-digit decimal evaluation of the same formula (see above).
    #[test]
    fn unpaired_matches_high_precision_reference() {
        let (_, i) = unpaired_diff_ci(48, 80, 56, 70).unwrap();
        close_interval(i, 0.0524314724023649, 0.33387265403690597, 1e-14);
        let (_, i) = unpaired_diff_ci(0, 29, 5, 56).unwrap();
        close_interval(i, -0.03813714790353688, 0.1925600138551116, 1e-14);
        let (_, i) = unpaired_diff_ci(0, 20, 10, 10).unwrap();
        close_interval(i, 0.6790860371419147, 1.0, 1e-14);
        assert_eq!(i.hi, 1.0);
        assert_eq!(unpaired_diff_ci(0, 0, 1, 2), None);
        assert_eq!(unpaired_diff_ci(1, 2, 0, 0), None);
        assert_eq!(unpaired_diff_ci(3, 2, 0, 1), None);
        let (d, i) = unpaired_diff_ci(7, 20, 7, 20).unwrap();
        assert_eq!(d, 0.0);
        assert_eq!(i.lo, -i.hi);
    }

    #[test]
    fn pairing_narrows_a_positively_correlated_comparison() {
        // Strongly correlated arms: few discordant runs.
        let t = table(300, 10, 30, 660);
        let (d, paired) = newcombe_paired_diff(&t).unwrap();
        let (d_u, unpaired) =
            unpaired_diff_ci(t.both + t.only_a, t.n(), t.both + t.only_b, t.n()).unwrap();
        close(d, d_u, 1e-16);
        assert!(paired.width() < 0.5 * unpaired.width());
        let r = pairing_variance_reduction(&t).unwrap();
        assert!(r > 0.9, "{r}");
    }

    #[test]
    fn pairing_variance_reduction_values() {
        // (20, 12, 2, 16), n = 50: n³·Var_paired = 50·14 - 10² = 600,
        // n³·Var_independent = 32·18 + 22·28 = 1192.
        assert_eq!(
            pairing_variance_reduction(&table(20, 12, 2, 16)),
            Some(1.0 - 600.0 / 1192.0)
        );
        // Independent-looking table: p10 = p01 = 1/4, pa = pb = 1/2:
        // paired 4·2 - 0 = 8, independent 2·2 + 2·2 = 8 -> 0.
        assert_eq!(pairing_variance_reduction(&table(1, 1, 1, 1)), Some(0.0));
        // Perfectly concordant, non-constant arms: no discordant runs -> 1.
        assert_eq!(pairing_variance_reduction(&table(3, 0, 0, 7)), Some(1.0));
        // Perfectly anti-correlated: 0/2 concordant, a = not b:
        // paired 4·4 - 0 = 16, independent 2·2 + 2·2 = 8 -> -1.
        assert_eq!(pairing_variance_reduction(&table(0, 2, 2, 0)), Some(-1.0));
        // Undefined: empty, or both arms constant.
        assert_eq!(pairing_variance_reduction(&PairedTable::default()), None);
        assert_eq!(pairing_variance_reduction(&table(5, 0, 0, 0)), None);
        assert_eq!(pairing_variance_reduction(&table(0, 0, 0, 5)), None);
        assert_eq!(pairing_variance_reduction(&table(0, 5, 0, 0)), None);
    }

    #[test]
    fn pairing_variance_reduction_matches_float_formula() {
        for (e, f, g, h) in [
            (20, 12, 2, 16),
            (59, 6, 16, 80),
            (0, 3, 4, 5),
            (7, 25, 2, 68),
        ] {
            let t = table(e, f, g, h);
            let n = t.n() as f64;
            let (p10, p01) = (f as f64 / n, g as f64 / n);
            let (pa, pb) = ((e + f) as f64 / n, (e + g) as f64 / n);
            let vp = (p10 + p01 - (p10 - p01).powi(2)) / n;
            let vi = (pa * (1.0 - pa) + pb * (1.0 - pb)) / n;
            close(
                pairing_variance_reduction(&t).unwrap(),
                1.0 - vp / vi,
                1e-14,
            );
        }
    }

    // --------------------------------------------------------- TickHistogram

    /// A small deterministic generator for test data (xorshift64*).
    fn ticks(seed: u64, len: usize, range: u32) -> Vec<u32> {
        let mut s = seed | 1;
        (0..len)
            .map(|_| {
                s ^= s >> 12;
                s ^= s << 25;
                s ^= s >> 27;
                (s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as u32 % range
            })
            .collect()
    }

    #[test]
    fn quantiles_match_brute_force_sort() {
        // Probabilities as exact decimal ratios a/b; brute force takes the
        // ceil(a·n/b)-th smallest value of the sorted sample.
        let probs: [(u64, u64); 14] = [
            (1, 1000),
            (1, 100),
            (5, 100),
            (1, 10),
            (1, 4),
            (1, 3),
            (1, 2),
            (2, 3),
            (3, 4),
            (9, 10),
            (95, 100),
            (99, 100),
            (999, 1000),
            (1, 1),
        ];
        for (seed, len, range) in [
            (1, 1, 5),
            (2, 7, 3),
            (3, 100, 50),
            (4, 1000, 4800),
            (5, 2400, 7),
        ] {
            let data = ticks(seed, len, range);
            let mut h = TickHistogram::new();
            data.iter().for_each(|&t| h.add(t));
            let mut sorted = data.clone();
            sorted.sort_unstable();
            let n = sorted.len() as u64;
            assert_eq!(h.count(), n);
            for (a, b) in probs {
                let k = (a * n).div_ceil(b);
                let want = sorted[(k - 1) as usize];
                assert_eq!(h.quantile_ratio(a, b), Some(want), "seed {seed} p {a}/{b}");
                assert_eq!(
                    h.quantile(a as f64 / b as f64),
                    Some(want),
                    "seed {seed} p {a}/{b}"
                );
            }
            let sum: u128 = sorted.iter().map(|&t| u128::from(t)).sum();
            assert_eq!(h.mean(), Some(sum as f64 / n as f64));
        }
    }

    /// R 4.2.2: x <- c(3,1,4,1,5,9,2,6,5,3,5,8,9,7,9);
    /// quantile(x, c(.05,.1,.25,.5,.75,.9,.95,1), type = 1)
    /// gives 1 1 3 5 8 9 9 9.
    #[test]
    fn quantile_matches_r_type_1() {
        let mut h = TickHistogram::new();
        for t in [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9] {
            h.add(t);
        }
        let got: Vec<u32> = [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 1.0]
            .iter()
            .map(|&p| h.quantile(p).unwrap())
            .collect();
        assert_eq!(got, [1, 1, 3, 5, 8, 9, 9, 9]);
    }

    #[test]
    fn quantile_reads_p_as_a_decimal() {
        // 100 observations 0..100: the 5% quantile is the 5th smallest (4),
        // not the 6th that the binary value 0.05000000000000000277 gives.
        let mut h = TickHistogram::new();
        (0..100).for_each(|t| h.add(t));
        assert_eq!(h.quantile(0.05), Some(4));
        assert_eq!(h.quantile(0.95), Some(94));
        assert_eq!(h.quantile(0.1), Some(9));
        assert_eq!(h.quantile(0.9), Some(89));
        assert_eq!(h.quantile(1e-15), Some(0));
        assert_eq!(h.quantile(1.0), Some(99));
        for bad in [0.0, -0.1, 1.0000001, f64::NAN, f64::INFINITY] {
            assert_eq!(h.quantile(bad), None);
        }
        assert_eq!(h.quantile_ratio(0, 5), None);
        assert_eq!(h.quantile_ratio(6, 5), None);
        assert_eq!(h.quantile_ratio(1, 0), None);
        let empty = TickHistogram::new();
        assert_eq!(empty.quantile(0.5), None);
        assert_eq!(empty.mean(), None);
        assert_eq!(empty.count(), 0);
    }

    #[test]
    fn histogram_merge_and_serde_round_trip_are_exact() {
        let data = ticks(42, 500, 96);
        let mut whole = TickHistogram::new();
        data.iter().for_each(|&t| whole.add(t));
        let mut left = TickHistogram::new();
        let mut right = TickHistogram::new();
        data[..123].iter().for_each(|&t| left.add(t));
        data[123..].iter().for_each(|&t| right.add(t));
        let mut merged = right.clone();
        merged.merge(&left);
        assert_eq!(merged, whole);
        left.merge(&right);
        assert_eq!(left, whole);

        let json = serde_json::to_string(&whole).unwrap();
        let back: TickHistogram = serde_json::from_str(&json).unwrap();
        assert_eq!(back, whole);
        assert_eq!(back.quantile(0.5), whole.quantile(0.5));
        assert_eq!(back.iter().map(|(_, c)| c).sum::<u64>(), 500);
        assert!(back.iter().zip(back.iter().skip(1)).all(|(a, b)| a.0 < b.0));
    }

    #[test]
    fn mean_is_exact_for_large_ticks() {
        let mut h = TickHistogram::new();
        h.add(u32::MAX);
        h.add(u32::MAX);
        h.add(1);
        assert_eq!(h.mean(), Some((2.0 * u32::MAX as f64 + 1.0) / 3.0));
    }

    // ----------------------------------------------------------- runs_needed

    /// Reference counts: the smallest n with the Wilson half-width <= eps,
    /// found by a linear/binary search evaluated in 60-digit decimal
    /// arithmetic (Python `decimal`); at each answer the half-width at n-1
    /// exceeds eps by >= 4e-6 relative, so f64 rounding cannot move it.
    #[test]
    fn runs_needed_reference_values() {
        // p = 0.5 (Wald approximation z²/(4 eps²) = 9603.6 for eps = 0.01).
        assert_eq!(runs_needed(&[50], 100, 0.01), 9600);
        assert_eq!(runs_needed(&[50], 100, 0.05), 381);
        assert_eq!(runs_needed(&[50], 100, 0.001), 960_361);
        // 0 of 100 in the pilot: p* = Wilson upper bound 0.036993...
        assert_eq!(runs_needed(&[0], 100, 0.01), 1388);
        // 10/100: interval [0.0552, 0.1744], p* = 0.1744; 90/100 mirrors it.
        assert_eq!(runs_needed(&[10], 100, 0.01), 5530);
        assert_eq!(runs_needed(&[90], 100, 0.01), 5530);
        // 0/1000, eps = 0.02: p* = 0.0038268.
        assert_eq!(runs_needed(&[0], 1000, 0.02), 112);
        // The maximum over outcomes wins.
        assert_eq!(runs_needed(&[0, 10, 90], 100, 0.01), 5530);
        assert_eq!(runs_needed(&[5, 45, 50], 100, 0.01), 9600);
        // A wide eps needs a single run.
        assert_eq!(runs_needed(&[50], 100, 0.45), 1);
    }

    #[test]
    fn runs_needed_edges_and_monotonicity() {
        assert_eq!(runs_needed(&[], 100, 0.01), 0);
        // No pilot information: plan for p = 0.5.
        assert_eq!(runs_needed(&[0], 0, 0.01), 9600);
        for bad in [0.0, -1.0, f64::NAN] {
            assert_eq!(runs_needed(&[1], 10, bad), u64::MAX);
        }
        // The result is the boundary: half-width fits at n, not at n - 1.
        for (x, pn, eps) in [
            (3u64, 40u64, 0.02),
            (0, 10, 0.005),
            (17, 17, 0.03),
            (400, 1000, 0.001),
        ] {
            let n = runs_needed(&[x], pn, eps);
            let i = wilson(x, pn).unwrap();
            let p = 0.5f64.clamp(i.lo, i.hi);
            assert!(wilson_half_width(p, n) <= eps);
            assert!(wilson_half_width(p, n - 1) > eps);
            // Wilson's actual interval at p* with n runs is about that wide.
            let hw_at_p = wilson(((p * n as f64).round()) as u64, n).unwrap().width() / 2.0;
            close(hw_at_p, eps, 0.05 * eps);
        }
        // Smaller eps never needs fewer runs.
        let mut last = 0;
        for k in (1..=200).rev() {
            let n = runs_needed(&[7], 50, k as f64 / 1000.0);
            assert!(n >= last);
            last = n;
        }
        // The half-width decreases strictly in n.
        for p in [0.0, 0.01, 0.3, 0.5] {
            for n in 1..2000u64 {
                assert!(wilson_half_width(p, n + 1) < wilson_half_width(p, n));
            }
        }
    }
}

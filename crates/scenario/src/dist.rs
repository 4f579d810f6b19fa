//! Numeric uncertainty for scenario fields: a numeric field holds either a
//! plain number ([`Num::Value`]) or a probability distribution ([`Dist`]),
//! written in RON as `0.5`, `3`, `-2e9`, `Uniform(1, 2)`, `LogNormal(2.8, 0.3)`,
//! `Choice([1, 2, 4])` and so on. Every field has a valid [`Range`]; a
//! distribution whose support leaves that range is *truncated* to it (its
//! density is renormalised over the part inside the range), never clamped.
//! Samples are drawn by inverse CDF from a uniform number `u` in (0, 1)
//! supplied by the caller ([`Dist::quantile`]), so a sampler controls the
//! random stream (plain Monte Carlo, Latin hypercube, Sobol, ...). All the
//! mathematics uses `libm` and plain IEEE arithmetic so results are
//! bit-identical on every machine. [`Dist::check`] validates parameters and
//! the overlap with the valid range; [`Dist::support_warning`] explains a
//! partial truncation; [`split_top_level`] and [`parse_num`] serve
//! command-line overrides such as `--set path=Uniform(1,2)`.

// Comparisons such as `!(lo < hi)` are deliberate: they are also true when
// an operand is NaN, which is exactly the case these guards must catch.
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use thiserror::Error;

/// Inclusive valid range `[min, max]` of a numeric field; either bound may be
/// infinite (`f64::NEG_INFINITY` / `f64::INFINITY`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Range {
    /// Smallest allowed value (inclusive), or `f64::NEG_INFINITY`.
    pub min: f64,
    /// Largest allowed value (inclusive), or `f64::INFINITY`.
    pub max: f64,
}

impl Range {
    /// The whole real line, `[-inf, inf]`.
    pub const ALL: Range = Range {
        min: f64::NEG_INFINITY,
        max: f64::INFINITY,
    };
    /// The unit interval `[0, 1]` (probabilities, shares).
    pub const UNIT: Range = Range { min: 0.0, max: 1.0 };
    /// The non-negative half line `[0, inf]`.
    pub const NON_NEGATIVE: Range = Range {
        min: 0.0,
        max: f64::INFINITY,
    };

    /// Builds the range `[min, max]`.
    pub const fn new(min: f64, max: f64) -> Self {
        Range { min, max }
    }

    /// Whether `x` lies inside the range (inclusive); `false` for NaN.
    pub fn contains(&self, x: f64) -> bool {
        x >= self.min && x <= self.max
    }

    /// Whether the range is usable: no NaN bound and `min <= max`.
    pub fn is_valid(&self) -> bool {
        self.min <= self.max
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.min, self.max)
    }
}

/// A probability distribution for a numeric scenario field.
///
/// RON syntax is the variant name with positional parameters, e.g.
/// `Normal(0.5, 0.1)` or `Weighted([(1, 0.2), (2, 0.8)])`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Dist {
    /// `Fixed(value)`: always `value` (a constant written as a distribution).
    Fixed(f64),
    /// `Uniform(low, high)`: uniform on `[low, high]`, `low < high`.
    Uniform(f64, f64),
    /// `Normal(mean, sd)`: normal with standard deviation `sd > 0`.
    Normal(f64, f64),
    /// `LogNormal(median, sigma)`: `ln X ~ Normal(ln median, sigma)`,
    /// `median > 0`, `sigma > 0`.
    LogNormal(f64, f64),
    /// `Beta(alpha, beta)`: beta distribution on `[0, 1]`, both shapes `> 0`.
    Beta(f64, f64),
    /// `Triangular(low, mode, high)`: triangular on `[low, high]` peaking at
    /// `mode`, `low <= mode <= high`, `low < high`.
    Triangular(f64, f64, f64),
    /// `LogUniform(low, high)`: `ln X` uniform on `[ln low, ln high]`,
    /// `0 < low < high`.
    LogUniform(f64, f64),
    /// `Choice([v1, v2, ...])`: one of the listed values, equally likely
    /// (a value listed twice is twice as likely).
    Choice(Vec<f64>),
    /// `Weighted([(v1, w1), (v2, w2), ...])`: value `vi` with probability
    /// proportional to weight `wi >= 0` (not all zero).
    Weighted(Vec<(f64, f64)>),
}

/// RON names of the [`Dist`] variants, in declaration order.
pub const DIST_NAMES: &[&str] = &[
    "Fixed",
    "Uniform",
    "Normal",
    "LogNormal",
    "Beta",
    "Triangular",
    "LogUniform",
    "Choice",
    "Weighted",
];

/// Human-readable signature of every variant, used in error messages.
const DIST_SIGNATURES: &[&str] = &[
    "Fixed(value)",
    "Uniform(low, high)",
    "Normal(mean, sd)",
    "LogNormal(median, sigma)",
    "Beta(alpha, beta)",
    "Triangular(low, mode, high)",
    "LogUniform(low, high)",
    "Choice([v1, v2, ...])",
    "Weighted([(v1, w1), (v2, w2), ...])",
];

impl fmt::Display for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Dist::Fixed(v) => write!(f, "Fixed({v})"),
            Dist::Uniform(l, h) => write!(f, "Uniform({l}, {h})"),
            Dist::Normal(m, s) => write!(f, "Normal({m}, {s})"),
            Dist::LogNormal(m, s) => write!(f, "LogNormal({m}, {s})"),
            Dist::Beta(a, b) => write!(f, "Beta({a}, {b})"),
            Dist::Triangular(l, m, h) => write!(f, "Triangular({l}, {m}, {h})"),
            Dist::LogUniform(l, h) => write!(f, "LogUniform({l}, {h})"),
            Dist::Choice(vs) => {
                f.write_str("Choice([")?;
                for (i, v) in vs.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("])")
            }
            Dist::Weighted(ps) => {
                f.write_str("Weighted([")?;
                for (i, (v, w)) in ps.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "({v}, {w})")?;
                }
                f.write_str("])")
            }
        }
    }
}

/// Why a distribution, a plain value or a valid range was rejected.
///
/// Each message quotes the offending values and says how to fix them.
#[derive(Clone, Debug, PartialEq, Error)]
pub enum DistError {
    /// The field's valid range itself is unusable (NaN bound or `min > max`).
    #[error("valid range {range} is unusable: bounds must not be NaN and min must be <= max")]
    InvalidRange {
        /// The rejected range.
        range: Range,
    },
    /// A parameter or plain value is NaN or infinite.
    #[error("{what} is {value}; use a finite number (NaN and inf are not allowed)")]
    NotFinite {
        /// Which parameter, e.g. "parameter `sd` of Normal(0, inf)".
        what: String,
        /// The non-finite value.
        value: f64,
    },
    /// A parameter that must be strictly positive is not.
    #[error("{param} of {dist} must be > 0, got {value}; {hint}")]
    NotPositive {
        /// The distribution, rendered as RON.
        dist: String,
        /// Parameter name, e.g. "sd".
        param: &'static str,
        /// The rejected value.
        value: f64,
        /// How to fix it.
        hint: &'static str,
    },
    /// Lower bound not below the upper bound.
    #[error(
        "{dist} needs low < high, got low = {low}, high = {high}; swap the bounds, or write a plain number for a constant"
    )]
    EmptyInterval {
        /// The distribution, rendered as RON.
        dist: String,
        /// The `low` parameter.
        low: f64,
        /// The `high` parameter.
        high: f64,
    },
    /// Triangular mode outside `[low, high]`.
    #[error(
        "mode {mode} of {dist} lies outside [{low}, {high}]; the mode must satisfy low <= mode <= high"
    )]
    ModeOutside {
        /// The distribution, rendered as RON.
        dist: String,
        /// The `low` parameter.
        low: f64,
        /// The `mode` parameter.
        mode: f64,
        /// The `high` parameter.
        high: f64,
    },
    /// `Choice([])` or `Weighted([])`.
    #[error(
        "{dist} has no values; list at least one, e.g. Choice([1, 2]) or Weighted([(1, 0.3), (2, 0.7)])"
    )]
    EmptyChoice {
        /// The distribution, rendered as RON.
        dist: String,
    },
    /// A negative weight in `Weighted`.
    #[error("weight {weight} of value {value} in {dist} is negative; weights must be >= 0")]
    NegativeWeight {
        /// The distribution, rendered as RON.
        dist: String,
        /// The value carrying the weight.
        value: f64,
        /// The negative weight.
        weight: f64,
    },
    /// All weights of a `Weighted` are zero.
    #[error("all weights of {dist} are zero; give at least one value a positive weight")]
    ZeroWeights {
        /// The distribution, rendered as RON.
        dist: String,
    },
    /// A plain or fixed value outside the valid range.
    #[error("value {value} is outside the valid range {range}; use a value inside it")]
    OutOfRange {
        /// The rejected value.
        value: f64,
        /// The field's valid range.
        range: Range,
    },
    /// The support of a continuous distribution misses the valid range
    /// (or touches it in a single point), so truncation is impossible.
    #[error(
        "support [{low}, {high}] of {dist} does not overlap the valid range {range}, so it cannot be truncated to it; move the distribution inside {range}"
    )]
    NoOverlap {
        /// The distribution, rendered as RON.
        dist: String,
        /// Lower end of the support.
        low: f64,
        /// Upper end of the support.
        high: f64,
        /// The field's valid range.
        range: Range,
    },
    /// No value of a `Choice`/`Weighted` (with positive weight) is allowed.
    #[error("no value of {dist} lies inside the valid range {range}; use values inside it")]
    NoValueInRange {
        /// The distribution, rendered as RON.
        dist: String,
        /// The field's valid range.
        range: Range,
    },
    /// The probability inside the valid range underflows to zero.
    #[error(
        "{dist} puts (numerically) no probability inside the valid range {range}; move its bulk inside {range}"
    )]
    NoMass {
        /// The distribution, rendered as RON.
        dist: String,
        /// The field's valid range.
        range: Range,
    },
}

/// Rejects an unusable valid range.
fn check_range(valid: Range) -> Result<(), DistError> {
    if valid.is_valid() {
        Ok(())
    } else {
        Err(DistError::InvalidRange { range: valid })
    }
}

impl Dist {
    /// RON name of the variant, e.g. `"LogNormal"`.
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Fixed(_) => "Fixed",
            Dist::Uniform(..) => "Uniform",
            Dist::Normal(..) => "Normal",
            Dist::LogNormal(..) => "LogNormal",
            Dist::Beta(..) => "Beta",
            Dist::Triangular(..) => "Triangular",
            Dist::LogUniform(..) => "LogUniform",
            Dist::Choice(_) => "Choice",
            Dist::Weighted(_) => "Weighted",
        }
    }

    /// Smallest closed interval containing the support, before truncation:
    /// `(-inf, inf)` for `Normal`, `(0, inf)` for `LogNormal`, `(0, 1)` for
    /// `Beta`, the smallest and largest listed value (with positive weight)
    /// for `Choice`/`Weighted`. An empty choice gives the empty interval
    /// `(inf, -inf)`.
    pub fn support(&self) -> (f64, f64) {
        match self {
            Dist::Fixed(v) => (*v, *v),
            Dist::Uniform(l, h) | Dist::LogUniform(l, h) | Dist::Triangular(l, _, h) => (*l, *h),
            Dist::Normal(..) => (f64::NEG_INFINITY, f64::INFINITY),
            Dist::LogNormal(..) => (0.0, f64::INFINITY),
            Dist::Beta(..) => (0.0, 1.0),
            Dist::Choice(vs) => vs
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                }),
            Dist::Weighted(ps) => ps
                .iter()
                .filter(|(_, w)| *w > 0.0)
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(v, _)| {
                    (lo.min(v), hi.max(v))
                }),
        }
    }

    /// Whether this is `Choice` or `Weighted`.
    fn is_discrete(&self) -> bool {
        matches!(self, Dist::Choice(_) | Dist::Weighted(_))
    }

    /// `(value, weight)` pairs of a discrete distribution, weights scaled so
    /// the largest is 1 (avoids overflow when summing).
    fn discrete_items(&self) -> Vec<(f64, f64)> {
        let raw: Vec<(f64, f64)> = match self {
            Dist::Choice(vs) => vs.iter().map(|&v| (v, 1.0)).collect(),
            Dist::Weighted(ps) => ps.clone(),
            _ => Vec::new(),
        };
        let wmax = raw.iter().fold(0.0_f64, |m, &(_, w)| m.max(w));
        if wmax > 0.0 && wmax.is_finite() {
            raw.into_iter().map(|(v, w)| (v, w / wmax)).collect()
        } else {
            raw
        }
    }

    /// Values (with positive weight) that lie inside `valid`, sorted
    /// ascending, with their scaled weights.
    fn allowed_items(&self, valid: Range) -> Vec<(f64, f64)> {
        let mut items: Vec<(f64, f64)> = self
            .discrete_items()
            .into_iter()
            .filter(|&(v, w)| w > 0.0 && valid.contains(v))
            .collect();
        items.sort_by(|a, b| a.0.total_cmp(&b.0));
        items
    }

    /// Validates the parameters alone (no valid range): finiteness, positive
    /// scales and shapes, `low < high`, mode inside the bounds, `0 < low` for
    /// `LogUniform`, non-empty choices, non-negative weights not all zero.
    pub fn check_params(&self) -> Result<(), DistError> {
        let dist = || self.to_string();
        let finite = |param: &str, v: f64| -> Result<(), DistError> {
            if v.is_finite() {
                Ok(())
            } else {
                Err(DistError::NotFinite {
                    what: format!("parameter `{param}` of {}", self),
                    value: v,
                })
            }
        };
        let positive = |param: &'static str, v: f64, hint: &'static str| {
            if v > 0.0 {
                Ok(())
            } else {
                Err(DistError::NotPositive {
                    dist: dist(),
                    param,
                    value: v,
                    hint,
                })
            }
        };
        let ordered = |low: f64, high: f64| {
            if low < high {
                Ok(())
            } else {
                Err(DistError::EmptyInterval {
                    dist: dist(),
                    low,
                    high,
                })
            }
        };
        match *self {
            Dist::Fixed(v) => finite("value", v),
            Dist::Uniform(l, h) => {
                finite("low", l)?;
                finite("high", h)?;
                ordered(l, h)
            }
            Dist::Normal(m, s) => {
                finite("mean", m)?;
                finite("sd", s)?;
                positive(
                    "sd",
                    s,
                    "a normal needs a positive standard deviation; write a plain number for a constant",
                )
            }
            Dist::LogNormal(m, s) => {
                finite("median", m)?;
                finite("sigma", s)?;
                positive(
                    "median",
                    m,
                    "a log-normal is positive; use Normal for values that can be zero or negative",
                )?;
                positive(
                    "sigma",
                    s,
                    "sigma is the sd of ln X; write a plain number for a constant",
                )
            }
            Dist::Beta(a, b) => {
                finite("alpha", a)?;
                finite("beta", b)?;
                positive("alpha", a, "both beta shape parameters must be positive")?;
                positive("beta", b, "both beta shape parameters must be positive")
            }
            Dist::Triangular(l, m, h) => {
                finite("low", l)?;
                finite("mode", m)?;
                finite("high", h)?;
                ordered(l, h)?;
                if l <= m && m <= h {
                    Ok(())
                } else {
                    Err(DistError::ModeOutside {
                        dist: dist(),
                        low: l,
                        mode: m,
                        high: h,
                    })
                }
            }
            Dist::LogUniform(l, h) => {
                finite("low", l)?;
                finite("high", h)?;
                positive(
                    "low",
                    l,
                    "LogUniform needs 0 < low < high; use Uniform for ranges that reach 0 or below",
                )?;
                ordered(l, h)
            }
            Dist::Choice(ref vs) => {
                if vs.is_empty() {
                    return Err(DistError::EmptyChoice { dist: dist() });
                }
                vs.iter().try_for_each(|&v| finite("value", v))
            }
            Dist::Weighted(ref ps) => {
                if ps.is_empty() {
                    return Err(DistError::EmptyChoice { dist: dist() });
                }
                for &(v, w) in ps {
                    finite("value", v)?;
                    finite("weight", w)?;
                    if w < 0.0 {
                        return Err(DistError::NegativeWeight {
                            dist: dist(),
                            value: v,
                            weight: w,
                        });
                    }
                }
                if ps.iter().all(|&(_, w)| w == 0.0) {
                    return Err(DistError::ZeroWeights { dist: dist() });
                }
                Ok(())
            }
        }
    }

    /// Validates the parameters ([`Dist::check_params`]) and the fit with the
    /// field's valid range: a fixed value must lie inside it, a choice must
    /// have at least one allowed value, and a continuous support must overlap
    /// it in more than a single point (otherwise truncation is impossible).
    /// A support that only partly leaves the range is fine (it is truncated);
    /// see [`Dist::support_warning`] for the matching notice.
    pub fn check(&self, valid: Range) -> Result<(), DistError> {
        check_range(valid)?;
        self.check_params()?;
        match self {
            Dist::Fixed(v) => {
                if valid.contains(*v) {
                    Ok(())
                } else {
                    Err(DistError::OutOfRange {
                        value: *v,
                        range: valid,
                    })
                }
            }
            Dist::Choice(_) | Dist::Weighted(_) => {
                if self.allowed_items(valid).is_empty() {
                    Err(DistError::NoValueInRange {
                        dist: self.to_string(),
                        range: valid,
                    })
                } else {
                    Ok(())
                }
            }
            _ => {
                let (slo, shi) = self.support();
                let (lo, hi) = (slo.max(valid.min), shi.min(valid.max));
                if !(lo < hi) {
                    return Err(DistError::NoOverlap {
                        dist: self.to_string(),
                        low: slo,
                        high: shi,
                        range: valid,
                    });
                }
                // Normal tails far beyond underflow are sampled with an
                // asymptotic formula, so only the others need real mass.
                let has_tail_formula = matches!(self, Dist::Normal(..) | Dist::LogNormal(..));
                if !has_tail_formula && !(self.mass_in(valid) > 0.0) {
                    return Err(DistError::NoMass {
                        dist: self.to_string(),
                        range: valid,
                    });
                }
                Ok(())
            }
        }
    }

    /// A notice when the support partly leaves `valid` (values are then
    /// truncated, or for choices some values are never drawn), e.g.
    /// "support of Normal(0.5, 0.3) leaves [0, 1]; values are truncated to
    /// [0, 1] (keeps 90.4% of the probability)". `None` when the support lies
    /// inside the range, and also when [`Dist::check`] fails (that is an
    /// error, not a warning).
    pub fn support_warning(&self, valid: Range) -> Option<String> {
        if self.check(valid).is_err() {
            return None;
        }
        if self.is_discrete() {
            let outside: Vec<String> = self
                .discrete_items()
                .into_iter()
                .filter(|&(v, w)| w > 0.0 && !valid.contains(v))
                .map(|(v, _)| v.to_string())
                .collect();
            if outside.is_empty() {
                return None;
            }
            return Some(format!(
                "value(s) {} of {} lie outside {}; they are never drawn (keeps {} of the probability)",
                outside.join(", "),
                self,
                valid,
                percent(self.mass_in(valid)),
            ));
        }
        let (slo, shi) = self.support();
        if slo >= valid.min && shi <= valid.max {
            return None;
        }
        let (lo, hi) = (slo.max(valid.min), shi.min(valid.max));
        Some(format!(
            "support of {} leaves {}; values are truncated to [{}, {}] (keeps {} of the probability)",
            self,
            valid,
            lo,
            hi,
            percent(self.mass_in(valid)),
        ))
    }

    /// Fraction of the probability that lies inside `valid` (before
    /// truncation renormalises it), in `[0, 1]`.
    pub fn mass_in(&self, valid: Range) -> f64 {
        let (slo, shi) = self.support();
        let (lo, hi) = (slo.max(valid.min), shi.min(valid.max));
        let mass = match *self {
            Dist::Fixed(v) => {
                if valid.contains(v) {
                    1.0
                } else {
                    0.0
                }
            }
            Dist::Choice(_) | Dist::Weighted(_) => {
                let total: f64 = self.discrete_items().iter().map(|&(_, w)| w.max(0.0)).sum();
                let kept: f64 = self.allowed_items(valid).iter().map(|&(_, w)| w).sum();
                if total > 0.0 { kept / total } else { 0.0 }
            }
            _ if !(lo < hi) => 0.0,
            Dist::Uniform(l, h) => (hi * 0.5 - lo * 0.5) / (h * 0.5 - l * 0.5),
            Dist::LogUniform(l, h) => {
                (libm::log(hi) - libm::log(lo)) / (libm::log(h) - libm::log(l))
            }
            Dist::Normal(m, s) => {
                let (a, b) = ((lo - m) / s, (hi - m) / s);
                interval_mass(norm_cdf_sf(a), norm_cdf_sf(b))
            }
            Dist::LogNormal(med, s) => {
                let lm = libm::log(med);
                let (a, b) = ((libm::log(lo) - lm) / s, (libm::log(hi) - lm) / s);
                interval_mass(norm_cdf_sf(a), norm_cdf_sf(b))
            }
            Dist::Beta(a, b) => interval_mass(beta_cdf_sf(a, b, lo), beta_cdf_sf(a, b, hi)),
            Dist::Triangular(l, m, h) => {
                interval_mass(tri_cdf_sf(l, m, h, lo), tri_cdf_sf(l, m, h, hi))
            }
        };
        if mass.is_nan() {
            0.0
        } else {
            mass.clamp(0.0, 1.0)
        }
    }

    /// Inverse CDF of the distribution truncated to `valid`.
    ///
    /// `u` is a uniform draw in (0, 1) supplied by the caller; it is mapped
    /// into `[F(lo), F(hi)]`, where `[lo, hi]` is the part of the support
    /// inside `valid`, and inverted, so the result follows the truncated
    /// distribution, is non-decreasing in `u` and always lies in `[lo, hi]`
    /// (and is finite). Tails are handled through the survival function so
    /// truncations deep in the upper tail stay accurate. `Choice`/`Weighted`
    /// draw among the allowed values only (sorted ascending, so the result is
    /// monotone in `u` too). `u` outside `[0, 1]` is clamped and NaN is read
    /// as 0.5. Parameters are expected to pass [`Dist::check`]; otherwise the
    /// result is some finite value near the range, never NaN and no panic.
    pub fn quantile(&self, u: f64, valid: Range) -> f64 {
        let u = if u.is_nan() { 0.5 } else { u.clamp(0.0, 1.0) };
        let (slo, shi) = self.support();
        let (lo, hi) = (slo.max(valid.min), shi.min(valid.max));
        if self.is_discrete() {
            let x = discrete_quantile(&self.allowed_items(valid), u).unwrap_or(lo);
            return clamp_finite(x, valid.min, valid.max);
        }
        if !(lo <= hi) {
            // No overlap (rejected by `check`): the nearest valid bound.
            let x = if shi < valid.min {
                valid.min
            } else {
                valid.max
            };
            return clamp_finite(x, valid.min, valid.max);
        }
        let x = match *self {
            Dist::Fixed(v) => v,
            Dist::Uniform(..) => lerp(lo, hi, u),
            Dist::LogUniform(..) => libm::exp(lerp(libm::log(lo), libm::log(hi), u)),
            Dist::Normal(m, s) => m + s * std_normal_trunc(u, (lo - m) / s, (hi - m) / s),
            Dist::LogNormal(med, s) => {
                let lm = libm::log(med);
                let (a, b) = ((libm::log(lo) - lm) / s, (libm::log(hi) - lm) / s);
                libm::exp(lm + s * std_normal_trunc(u, a, b))
            }
            Dist::Beta(a, b) => trunc_generic(
                u,
                lo,
                hi,
                |x| beta_cdf_sf(a, b, x),
                |p| beta_inv_cdf(a, b, p),
                |q| beta_inv_sf(a, b, q),
            ),
            Dist::Triangular(l, m, h) => trunc_generic(
                u,
                lo,
                hi,
                |x| tri_cdf_sf(l, m, h, x),
                |p| tri_inv_cdf(l, m, h, p),
                |q| tri_inv_sf(l, m, h, q),
            ),
            Dist::Choice(_) | Dist::Weighted(_) => lo,
        };
        clamp_finite(x, lo, hi)
    }

    /// Bounds for a sensitivity-analysis problem file: the support truncated
    /// to `valid` when both its ends are finite; otherwise (e.g. `Normal`, or
    /// `LogNormal` with no upper bound) the 1% and 99% quantiles of the
    /// truncated distribution. A fixed value gives `(v, v)`; `Choice` and
    /// `Weighted` give the smallest and largest allowed value.
    pub fn central_range(&self, valid: Range) -> (f64, f64) {
        let (slo, shi) = self.support();
        let (lo, hi) = (slo.max(valid.min), shi.min(valid.max));
        match self {
            Dist::Fixed(v) => (*v, *v),
            Dist::Choice(_) | Dist::Weighted(_) => {
                let items = self.allowed_items(valid);
                match (items.first(), items.last()) {
                    (Some(a), Some(b)) => (a.0, b.0),
                    _ => (lo, hi),
                }
            }
            _ if lo.is_finite() && hi.is_finite() => (lo, hi),
            _ => (self.quantile(0.01, valid), self.quantile(0.99, valid)),
        }
    }
}

/// Formats a probability as a short percentage (`90.4%`, `0.0032%`,
/// `1.234e-7%`, or `less than 1e-300%` when it underflows).
fn percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct >= 1.0 {
        format!("{pct:.1}%")
    } else if pct >= 1e-3 {
        format!("{pct:.4}%")
    } else if pct > 0.0 {
        format!("{pct:.3e}%")
    } else {
        "less than 1e-300%".to_string()
    }
}

/// Clamps `x` into `[lo, hi]` intersected with the finite doubles; NaN maps
/// to the middle. Never panics, never returns NaN.
fn clamp_finite(x: f64, lo: f64, hi: f64) -> f64 {
    let lo = lo.max(-f64::MAX);
    let hi = hi.min(f64::MAX);
    if x.is_nan() {
        lo * 0.5 + hi * 0.5
    } else if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

/// `a + u (b - a)`, monotone in `u`, overflow-safe for huge spans.
fn lerp(a: f64, b: f64, u: f64) -> f64 {
    let d = b - a;
    if d.is_finite() {
        a + u * d
    } else {
        a * (1.0 - u) + b * u
    }
}

/// Probability between two points given `(cdf, sf)` at each, computed from
/// the tail with the better relative precision.
fn interval_mass(lo: (f64, f64), hi: (f64, f64)) -> f64 {
    if lo.0 <= 0.5 {
        hi.0 - lo.0
    } else {
        lo.1 - hi.1
    }
}

/// Draws among sorted `(value, weight)` items by cumulative weight.
fn discrete_quantile(items: &[(f64, f64)], u: f64) -> Option<f64> {
    let total: f64 = items.iter().map(|&(_, w)| w).sum();
    let target = u * total;
    let mut cum = 0.0;
    for &(v, w) in items {
        cum += w;
        if target < cum {
            return Some(v);
        }
    }
    items.last().map(|&(v, _)| v)
}

/// Inverts a continuous CDF truncated to `[lo, hi]`: works with the CDF when
/// `F(lo) <= 1/2`, otherwise with the survival function so that upper-tail
/// truncations keep their precision.
fn trunc_generic(
    u: f64,
    lo: f64,
    hi: f64,
    cdf_sf: impl Fn(f64) -> (f64, f64),
    inv_cdf: impl Fn(f64) -> f64,
    inv_sf: impl Fn(f64) -> f64,
) -> f64 {
    let (flo, slo) = cdf_sf(lo);
    let (fhi, shi) = cdf_sf(hi);
    if flo <= 0.5 {
        let m = fhi - flo;
        if !(m > 0.0) {
            return lerp(lo, hi, u);
        }
        inv_cdf(flo + u * m)
    } else {
        let m = slo - shi;
        if !(m > 0.0) {
            return lerp(lo, hi, u);
        }
        inv_sf(slo - u * m)
    }
}

// ---------------------------------------------------------------------------
// Normal distribution
// ---------------------------------------------------------------------------

/// `(Phi(z), 1 - Phi(z))` of the standard normal, each accurate in its tail.
fn norm_cdf_sf(z: f64) -> (f64, f64) {
    let t = z * std::f64::consts::FRAC_1_SQRT_2;
    (0.5 * libm::erfc(-t), 0.5 * libm::erfc(t))
}

/// Standard normal CDF `Phi(z)`, via `libm::erfc`.
pub fn norm_cdf(z: f64) -> f64 {
    norm_cdf_sf(z).0
}

/// Inverse standard normal CDF (Wichura 1988, algorithm AS 241 `PPND16`,
/// relative accuracy about 1e-16). `p <= 0` gives `-inf`, `p >= 1` gives
/// `inf`, NaN gives NaN.
#[allow(clippy::excessive_precision)] // coefficients quoted verbatim from AS 241
pub fn norm_inv(p: f64) -> f64 {
    if p.is_nan() {
        return f64::NAN;
    }
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        let num = ((((((r * 2509.0809287301226727 + 33430.575583588128105) * r
            + 67265.770927008700853)
            * r
            + 45921.953931549871457)
            * r
            + 13731.693765509461125)
            * r
            + 1971.5909503065514427)
            * r
            + 133.14166789178437745)
            * r
            + 3.387132872796366608;
        let den = ((((((r * 5226.495278852545925 + 28729.085735721942674) * r
            + 39307.89580009271061)
            * r
            + 21213.794301586595867)
            * r
            + 5394.1960214247511077)
            * r
            + 687.1870074920579083)
            * r
            + 42.313330701600911252)
            * r
            + 1.0;
        return q * num / den;
    }
    let r0 = if q < 0.0 { p } else { 1.0 - p };
    let mut r = libm::sqrt(-libm::log(r0));
    let val = if r <= 5.0 {
        r -= 1.6;
        let num = ((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r
            + 0.24178072517745061177)
            * r
            + 1.27045825245236838258)
            * r
            + 3.64784832476320460504)
            * r
            + 5.7694972214606914055)
            * r
            + 4.6303378461565452959)
            * r
            + 1.42343711074968357734;
        let den = ((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r
            + 0.0151986665636164571966)
            * r
            + 0.14810397642748007459)
            * r
            + 0.68976733498510000455)
            * r
            + 1.6763848301838038494)
            * r
            + 2.05319162663775882187)
            * r
            + 1.0;
        num / den
    } else {
        r -= 5.0;
        let num = ((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r
            + 0.0012426609473880784386)
            * r
            + 0.026532189526576123093)
            * r
            + 0.29656057182850489123)
            * r
            + 1.7848265399172913358)
            * r
            + 5.4637849111641143699)
            * r
            + 6.6579046435011037772;
        let den = ((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r
            + 1.8463183175100546818e-5)
            * r
            + 7.868691311456132591e-4)
            * r
            + 0.0148753612908506148525)
            * r
            + 0.13692988092273580531)
            * r
            + 0.59983220655588793769)
            * r
            + 1.0;
        num / den
    };
    if q < 0.0 { -val } else { val }
}

/// Quantile `u` of the standard normal truncated to `[a, b]` (in z units).
///
/// Below about 1e-300 of probability in the interval (deeper than ~37 sd),
/// the normal tail is replaced by its exponential asymptote
/// `phi(a + t) ~ phi(a) exp(-a t)`, which is exact to O(1/a^2) there.
fn std_normal_trunc(u: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    if !(a < b) {
        return a;
    }
    if a > 0.0 {
        let (_, sa) = norm_cdf_sf(a);
        let (_, sb) = norm_cdf_sf(b);
        if !(sa > TINY) || !(sa - sb > 0.0) {
            // Exponential approximation of the far upper tail.
            return a - libm::log1p(u * libm::expm1(-a * (b - a))) / a;
        }
        -norm_inv(sa - u * (sa - sb))
    } else {
        let (fa, _) = norm_cdf_sf(a);
        let (fb, _) = norm_cdf_sf(b);
        if !(fb > TINY) || !(fb - fa > 0.0) {
            if b < -1.0 {
                // Far lower tail, mirrored: the mass piles up near `b`.
                return b + libm::log1p((1.0 - u) * libm::expm1(b * (b - a))) / -b;
            }
            return lerp(a, b, u);
        }
        norm_inv(fa + u * (fb - fa))
    }
}

// ---------------------------------------------------------------------------
// Beta distribution
// ---------------------------------------------------------------------------

/// Iteration cap of the incomplete-beta continued fraction; enough for shape
/// parameters up to ~1e8.
const BETACF_MAX_ITER: usize = 20_000;

/// Continued fraction of the incomplete beta (modified Lentz).
fn betacf(a: f64, b: f64, x: f64) -> f64 {
    const FPMIN: f64 = 1e-300;
    const EPS: f64 = 4.0 * f64::EPSILON;
    let qab = a + b;
    let qap = a + 1.0;
    let qam = a - 1.0;
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < FPMIN {
        d = FPMIN;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=BETACF_MAX_ITER {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < FPMIN {
            d = FPMIN;
        }
        c = 1.0 + aa / c;
        if c.abs() < FPMIN {
            c = FPMIN;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if !((del - 1.0).abs() > EPS) {
            break;
        }
    }
    h
}

/// `ln B(a, b)` via `libm::lgamma`.
fn ln_beta(a: f64, b: f64) -> f64 {
    libm::lgamma(a) + libm::lgamma(b) - libm::lgamma(a + b)
}

/// `(I_x(a, b), 1 - I_x(a, b))`, the regularized incomplete beta and its
/// complement, each accurate in its own tail.
fn beta_cdf_sf(a: f64, b: f64, x: f64) -> (f64, f64) {
    if !(x > 0.0) {
        return (0.0, 1.0);
    }
    if !(x < 1.0) {
        return (1.0, 0.0);
    }
    let front = libm::exp(a * libm::log(x) + b * libm::log1p(-x) - ln_beta(a, b));
    let (c, s) = if x < (a + 1.0) / (a + b + 2.0) {
        let c = front * betacf(a, b, x) / a;
        (c, 1.0 - c)
    } else {
        let s = front * betacf(b, a, 1.0 - x) / b;
        (1.0 - s, s)
    };
    let unit = |v: f64| if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) };
    (unit(c), unit(s))
}

/// Initial guess for `I_x(a, b) = p` (Numerical Recipes, `invbetai`).
fn beta_guess(p: f64, a: f64, b: f64) -> f64 {
    if a >= 1.0 && b >= 1.0 {
        let pp = if p < 0.5 { p } else { 1.0 - p };
        let t = libm::sqrt(-2.0 * libm::log(pp));
        let mut x = (2.30753 + t * 0.27061) / (1.0 + t * (0.99229 + t * 0.04481)) - t;
        if p < 0.5 {
            x = -x;
        }
        let al = (x * x - 3.0) / 6.0;
        let h = 2.0 / (1.0 / (2.0 * a - 1.0) + 1.0 / (2.0 * b - 1.0));
        let w = x * libm::sqrt(al + h) / h
            - (1.0 / (2.0 * b - 1.0) - 1.0 / (2.0 * a - 1.0)) * (al + 5.0 / 6.0 - 2.0 / (3.0 * h));
        a / (a + b * libm::exp(2.0 * w))
    } else {
        let lna = libm::log(a / (a + b));
        let lnb = libm::log(b / (a + b));
        let t = libm::exp(a * lna) / a;
        let u = libm::exp(b * lnb) / b;
        let w = t + u;
        if p < t / w {
            libm::pow(a * w * p, 1.0 / a)
        } else {
            1.0 - libm::pow(b * w * (1.0 - p), 1.0 / b)
        }
    }
}

/// Solves `I_x(a, b) = p` for `x` in `[0, 1]`: Halley steps from the NR
/// guess, safeguarded by a bracket with (geometric) bisection. Relative
/// accuracy is limited by the incomplete beta, about 1e-14 for moderate
/// shapes. Best used with `p <= 1/2` (use the mirrored problem otherwise).
fn beta_solve(p: f64, a: f64, b: f64) -> f64 {
    if !(p > 0.0) {
        return 0.0;
    }
    if !(p < 1.0) {
        return 1.0;
    }
    let lbeta = ln_beta(a, b);
    let mut x = beta_guess(p, a, b);
    if x <= 0.0 {
        // The guess underflowed: the root is tiny; start at the bottom.
        x = f64::MIN_POSITIVE;
    } else if !(x < 1.0) {
        x = 0.5;
    }
    // Bracket [xl, xh] with F(xl) <= p <= F(xh); fh = F(xh).
    let (mut xl, mut xh, mut fh) = (0.0_f64, 1.0_f64, 1.0_f64);
    for _ in 0..200 {
        let f = beta_cdf_sf(a, b, x).0;
        let err = f - p;
        if err < 0.0 {
            xl = x;
        } else if err > 0.0 {
            xh = x;
            fh = f;
            if xh <= f64::MIN_POSITIVE {
                return 0.0; // the root is below the smallest normal double
            }
        } else {
            return x; // exact hit (or NaN: give up with the current point)
        }
        let dens = libm::exp((a - 1.0) * libm::log(x) + (b - 1.0) * libm::log1p(-x) - lbeta);
        let mut next = f64::NAN;
        if dens > 0.0 && dens.is_finite() {
            let t = err / dens;
            let curv = (a - 1.0) / x - (b - 1.0) / (1.0 - x);
            next = x - t / (1.0 - 0.5 * (t * curv).min(1.0));
            if (next - x).abs() <= 4.0 * f64::EPSILON * x {
                return clamp_finite(next, xl, xh); // converged
            }
        }
        if !(next > xl && next < xh) {
            next = if xl <= 0.0 {
                // Lower tail: F(x) ~ F(xh) (x / xh)^a near 0.
                let g = xh * libm::pow(p / fh, 1.0 / a);
                if g > 0.0 && g < xh { g } else { 0.5 * xh }
            } else if xh > 8.0 * xl {
                libm::sqrt(xl) * libm::sqrt(xh)
            } else {
                0.5 * (xl + xh)
            };
        }
        if xh - xl <= 4.0 * f64::EPSILON * xh {
            return next;
        }
        x = next;
    }
    x
}

/// Beta quantile from a lower-tail probability `p`.
fn beta_inv_cdf(a: f64, b: f64, p: f64) -> f64 {
    if p <= 0.5 {
        beta_solve(p, a, b)
    } else {
        1.0 - beta_solve(1.0 - p, b, a)
    }
}

/// Beta quantile from an upper-tail probability `q = 1 - p`.
fn beta_inv_sf(a: f64, b: f64, q: f64) -> f64 {
    if q <= 0.5 {
        1.0 - beta_solve(q, b, a)
    } else {
        beta_solve(1.0 - q, a, b)
    }
}

// ---------------------------------------------------------------------------
// Triangular distribution
// ---------------------------------------------------------------------------

/// `(F(x), 1 - F(x))` of `Triangular(l, m, h)`.
fn tri_cdf_sf(l: f64, m: f64, h: f64, x: f64) -> (f64, f64) {
    if !(x > l) {
        return (0.0, 1.0);
    }
    if !(x < h) {
        return (1.0, 0.0);
    }
    if x <= m {
        let c = ((x - l) / (h - l)) * ((x - l) / (m - l));
        (c, 1.0 - c)
    } else {
        let s = ((h - x) / (h - l)) * ((h - x) / (h - m));
        (1.0 - s, s)
    }
}

/// Triangular quantile from a lower-tail probability `p`.
fn tri_inv_cdf(l: f64, m: f64, h: f64, p: f64) -> f64 {
    let fc = (m - l) / (h - l);
    if p <= fc {
        l + libm::sqrt(p * (h - l)) * libm::sqrt(m - l)
    } else {
        h - libm::sqrt((1.0 - p) * (h - l)) * libm::sqrt(h - m)
    }
}

/// Triangular quantile from an upper-tail probability `q`.
fn tri_inv_sf(l: f64, m: f64, h: f64, q: f64) -> f64 {
    let sc = (h - m) / (h - l);
    if q <= sc {
        h - libm::sqrt(q * (h - l)) * libm::sqrt(h - m)
    } else {
        l + libm::sqrt((1.0 - q) * (h - l)) * libm::sqrt(m - l)
    }
}

// ---------------------------------------------------------------------------
// Num: a plain number or a distribution
// ---------------------------------------------------------------------------

/// A numeric scenario field: a plain number or a distribution.
///
/// In RON it is written either as a bare number (`0.5`, `3`, `-2e9`) or as a
/// [`Dist`] (`Uniform(1, 2)`, `LogNormal(2.8, 0.3)`); it serializes the same
/// way, so files round-trip.
#[derive(Clone, Debug, PartialEq)]
pub enum Num {
    /// A plain, certain number.
    Value(f64),
    /// An uncertain number drawn from a distribution.
    Dist(Dist),
}

impl From<f64> for Num {
    fn from(v: f64) -> Self {
        Num::Value(v)
    }
}

impl From<Dist> for Num {
    fn from(d: Dist) -> Self {
        Num::Dist(d)
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Value(v) => write!(f, "{v}"),
            Num::Dist(d) => write!(f, "{d}"),
        }
    }
}

impl Num {
    /// The value when it is certain: `Some` for a plain number and for
    /// `Fixed(v)`, `None` for a real distribution.
    pub fn fixed_value(&self) -> Option<f64> {
        match self {
            Num::Value(v) | Num::Dist(Dist::Fixed(v)) => Some(*v),
            Num::Dist(_) => None,
        }
    }

    /// Whether the field is drawn at random (any distribution but `Fixed`).
    pub fn is_uncertain(&self) -> bool {
        self.fixed_value().is_none()
    }

    /// Draws the field from a uniform `u` in (0, 1): a plain number returns
    /// itself, a distribution returns [`Dist::quantile`] truncated to `valid`.
    pub fn sample(&self, u: f64, valid: Range) -> f64 {
        match self {
            Num::Value(v) => *v,
            Num::Dist(d) => d.quantile(u, valid),
        }
    }

    /// Validates against the field's valid range: a plain number must be
    /// finite and inside it; a distribution goes through [`Dist::check`].
    pub fn check(&self, valid: Range) -> Result<(), DistError> {
        match self {
            Num::Value(v) => {
                check_range(valid)?;
                if !v.is_finite() {
                    Err(DistError::NotFinite {
                        what: "value".to_string(),
                        value: *v,
                    })
                } else if !valid.contains(*v) {
                    Err(DistError::OutOfRange {
                        value: *v,
                        range: valid,
                    })
                } else {
                    Ok(())
                }
            }
            Num::Dist(d) => d.check(valid),
        }
    }

    /// [`Dist::support_warning`] for a distribution, `None` for a number.
    pub fn support_warning(&self, valid: Range) -> Option<String> {
        match self {
            Num::Value(_) => None,
            Num::Dist(d) => d.support_warning(valid),
        }
    }

    /// [`Dist::central_range`] for a distribution, `(v, v)` for a number.
    pub fn central_range(&self, valid: Range) -> (f64, f64) {
        match self {
            Num::Value(v) => (*v, *v),
            Num::Dist(d) => d.central_range(valid),
        }
    }
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Num::Value(v) => serializer.serialize_f64(*v),
            Num::Dist(d) => d.serialize(serializer),
        }
    }
}

// How deserializing works. RON's `deserialize_any` forgets the name of a
// tuple variant (`Uniform(1, 2)` arrives as the sequence `[1, 2]`), except
// when serde buffers the input into its private `Content` type, as it does
// for `#[serde(untagged)]` enums: then ron 0.12 hands over enums as a
// one-entry map `{"Uniform": [1, 2]}` (JSON's encoding too). So `Num` goes
// through a one-variant untagged enum whose payload, `Captured`, never fails
// (the untagged derive would replace any inner error by "data did not match
// any variant"); it carries our own error message out instead, which is then
// raised as a custom error, to which ron attaches line:column.

/// Payload of the buffering enum: the result, with errors as text.
struct Captured(Result<Num, String>);

#[derive(Deserialize)]
#[serde(untagged)]
/// One-variant untagged enum: makes serde buffer the input (see above).
enum Buffered {
    /// The only variant.
    Num(Captured),
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Buffered::Num(Captured(result)) = Buffered::deserialize(deserializer)?;
        result.map_err(de::Error::custom)
    }
}

/// A parsed value inside a distribution's parentheses.
#[derive(Debug)]
enum Raw {
    /// A number.
    Num(f64),
    /// A list or tuple.
    Seq(Vec<Raw>),
    /// Anything else, described for error messages.
    Other(String),
}

impl fmt::Display for Raw {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Raw::Num(v) => write!(f, "{v}"),
            Raw::Seq(items) => {
                f.write_str("[")?;
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{it}")?;
                }
                f.write_str("]")
            }
            Raw::Other(s) => f.write_str(s),
        }
    }
}

/// Drains a sequence so serde's buffered deserializer sees it consumed.
fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Drains a map so serde's buffered deserializer sees it consumed.
fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Describes a string or identifier found where a number was expected.
fn describe_str(s: &str) -> String {
    if s.trim().parse::<f64>().is_ok() {
        format!("the string \"{s}\" (write numbers without quotes)")
    } else {
        format!("`{s}`")
    }
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RawVisitor;
        impl<'de> Visitor<'de> for RawVisitor {
            type Value = Raw;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
                Ok(Raw::Other(format!("`{v}`")))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
                Ok(Raw::Num(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
                Ok(Raw::Num(v as f64))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
                Ok(Raw::Num(v as f64))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
                Ok(Raw::Num(v as f64))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
                Ok(Raw::Num(v))
            }
            fn visit_char<E>(self, v: char) -> Result<Raw, E> {
                Ok(Raw::Other(format!("the character '{v}'")))
            }
            fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
                Ok(Raw::Other(describe_str(v)))
            }
            fn visit_bytes<E>(self, _v: &[u8]) -> Result<Raw, E> {
                Ok(Raw::Other("a byte string".to_string()))
            }
            fn visit_unit<E>(self) -> Result<Raw, E> {
                Ok(Raw::Other("`()`".to_string()))
            }
            fn visit_none<E>(self) -> Result<Raw, E> {
                Ok(Raw::Other("`None`".to_string()))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                IgnoredAny::deserialize(d)?;
                Ok(Raw::Other("`Some(..)`".to_string()))
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
                Raw::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
                let mut items = Vec::new();
                while let Some(it) = seq.next_element::<Raw>()? {
                    items.push(it);
                }
                Ok(Raw::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Raw, A::Error> {
                drain_map(map)?;
                Ok(Raw::Other("a map or named fields".to_string()))
            }
        }
        deserializer.deserialize_any(RawVisitor)
    }
}

/// The message for a plain value that is neither a number nor a distribution.
fn not_a_num(found: &str) -> String {
    format!(
        "expected a number (e.g. 0.5) or a distribution (e.g. Uniform(1, 2)), found {found}; distributions are {}",
        DIST_SIGNATURES.join(", ")
    )
}

/// Levenshtein distance on lowercase ASCII, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The message for an unknown distribution name, with a suggestion.
fn unknown_variant(name: &str) -> String {
    let hint = DIST_NAMES
        .iter()
        .map(|n| (edit_distance(name, n), *n))
        .min()
        .filter(|(d, _)| *d <= 2)
        .map(|(_, n)| format!(" (did you mean `{n}`?)"))
        .unwrap_or_default();
    format!(
        "unknown distribution `{name}`{hint}; expected a plain number or one of {}",
        DIST_SIGNATURES.join(", ")
    )
}

/// Builds a [`Dist`] from its name and raw arguments, with precise errors.
fn build_dist(name: &str, arg: Raw) -> Result<Dist, String> {
    let Some(idx) = DIST_NAMES.iter().position(|n| *n == name) else {
        return Err(unknown_variant(name));
    };
    let sig = DIST_SIGNATURES[idx];
    // A single argument arrives unwrapped, several as a sequence.
    let args: Vec<Raw> = match arg {
        Raw::Seq(items) => items,
        other => vec![other],
    };
    let number = |r: &Raw| -> Result<f64, String> {
        match r {
            Raw::Num(v) => Ok(*v),
            other => Err(format!(
                "{name} expects numbers, written {sig}, but found {other}"
            )),
        }
    };
    let fixed = |n: usize| -> Result<Vec<f64>, String> {
        if args.len() != n {
            let given: Vec<String> = args.iter().map(ToString::to_string).collect();
            return Err(format!(
                "{name} takes {n} number{}, written {sig}, but got {}: {name}({})",
                if n == 1 { "" } else { "s" },
                args.len(),
                given.join(", ")
            ));
        }
        args.iter().map(number).collect()
    };
    Ok(match name {
        "Fixed" => Dist::Fixed(fixed(1)?[0]),
        "Uniform" => {
            let v = fixed(2)?;
            Dist::Uniform(v[0], v[1])
        }
        "Normal" => {
            let v = fixed(2)?;
            Dist::Normal(v[0], v[1])
        }
        "LogNormal" => {
            let v = fixed(2)?;
            Dist::LogNormal(v[0], v[1])
        }
        "Beta" => {
            let v = fixed(2)?;
            Dist::Beta(v[0], v[1])
        }
        "Triangular" => {
            let v = fixed(3)?;
            Dist::Triangular(v[0], v[1], v[2])
        }
        "LogUniform" => {
            let v = fixed(2)?;
            Dist::LogUniform(v[0], v[1])
        }
        "Choice" => Dist::Choice(args.iter().map(number).collect::<Result<_, _>>()?),
        _ => {
            // "Weighted": a list of (value, weight) pairs.
            let mut pairs = Vec::with_capacity(args.len());
            for a in &args {
                match a {
                    Raw::Seq(p) if p.len() == 2 => pairs.push((number(&p[0])?, number(&p[1])?)),
                    other => {
                        return Err(format!(
                            "Weighted expects (value, weight) pairs, written {sig}, but found {other}"
                        ));
                    }
                }
            }
            Dist::Weighted(pairs)
        }
    })
}

impl<'de> Deserialize<'de> for Captured {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct CapturedVisitor;
        impl<'de> Visitor<'de> for CapturedVisitor {
            type Value = Captured;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a distribution such as Uniform(1, 2)")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Captured, E> {
                Ok(Captured(Err(not_a_num(&format!("`{v}`")))))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Captured, E> {
                Ok(Captured(Ok(Num::Value(v as f64))))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Captured, E> {
                Ok(Captured(Ok(Num::Value(v as f64))))
            }
            fn visit_i128<E>(self, v: i128) -> Result<Captured, E> {
                Ok(Captured(Ok(Num::Value(v as f64))))
            }
            fn visit_u128<E>(self, v: u128) -> Result<Captured, E> {
                Ok(Captured(Ok(Num::Value(v as f64))))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Captured, E> {
                Ok(Captured(Ok(Num::Value(v))))
            }
            fn visit_char<E>(self, v: char) -> Result<Captured, E> {
                Ok(Captured(Err(not_a_num(&format!("the character '{v}'")))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Captured, E> {
                // A bare identifier (unit variant) arrives as a string.
                let msg = match DIST_NAMES.iter().position(|n| *n == v) {
                    Some(i) => format!(
                        "{v} needs its parameters in parentheses: write {}",
                        DIST_SIGNATURES[i]
                    ),
                    None if v.chars().all(|c| c.is_alphanumeric() || c == '_')
                        && v.chars().next().is_some_and(char::is_alphabetic) =>
                    {
                        unknown_variant(v)
                    }
                    None => not_a_num(&describe_str(v)),
                };
                Ok(Captured(Err(msg)))
            }
            fn visit_bytes<E>(self, _v: &[u8]) -> Result<Captured, E> {
                Ok(Captured(Err(not_a_num("a byte string"))))
            }
            fn visit_unit<E>(self) -> Result<Captured, E> {
                Ok(Captured(Err(not_a_num("`()`"))))
            }
            fn visit_none<E>(self) -> Result<Captured, E> {
                Ok(Captured(Err(not_a_num("`None`"))))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Captured, D::Error> {
                IgnoredAny::deserialize(d)?;
                Ok(Captured(Err(not_a_num("`Some(..)`"))))
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Captured, D::Error> {
                Captured::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Captured, A::Error> {
                drain_seq(seq)?;
                Ok(Captured(Err(not_a_num(
                    "a list or tuple (to pick among values write Choice([v1, v2, ...]))",
                ))))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Captured, A::Error> {
                // An enum variant, encoded by serde's buffer as {name: args}.
                let Some(name) = map.next_key::<String>()? else {
                    return Ok(Captured(Err(not_a_num("an empty map"))));
                };
                let arg = map.next_value::<Raw>()?;
                if map.next_key::<IgnoredAny>()?.is_some() {
                    map.next_value::<IgnoredAny>()?;
                    drain_map(map)?;
                    return Ok(Captured(Err(not_a_num("a map or named fields"))));
                }
                Ok(Captured(build_dist(&name, arg).map(Num::Dist)))
            }
        }
        deserializer.deserialize_any(CapturedVisitor)
    }
}

// ---------------------------------------------------------------------------
// Command-line helpers
// ---------------------------------------------------------------------------

/// Splits a comma-separated list of RON values at top-level commas only
/// (commas inside `()`, `[]`, `{}`, strings and chars are kept), trimming
/// whitespace around each item: `"Uniform(1,2), Fixed(3)"` gives
/// `["Uniform(1,2)", "Fixed(3)"]`, `"Choice([1,2]),4"` gives
/// `["Choice([1,2])", "4"]`. A blank input gives no items, a trailing comma
/// is ignored, and an empty item in the middle (`"1,,2"`) is kept as `""` so
/// the caller's parse reports it.
pub fn split_top_level(s: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut depth: usize = 0;
    let mut start = 0;
    let mut in_str = false;
    let mut in_char = false;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        if in_str || in_char {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if (in_str && c == '"') || (in_char && c == '\'') {
                in_str = false;
                in_char = false;
            }
            continue;
        }
        match c {
            '"' => in_str = true,
            '\'' => in_char = true,
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                items.push(s[start..i].trim());
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    let last = s[start..].trim();
    if !last.is_empty() {
        items.push(last);
    }
    items
}

/// Parses one numeric field value from text, e.g. the right-hand side of
/// `--set path=Uniform(1,2)`: a plain number or a distribution in RON syntax.
/// Errors carry ron's line:column span and message.
pub fn parse_num(s: &str) -> Result<Num, ron::error::SpannedError> {
    ron::from_str::<Num>(s.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn roundtrip(n: &Num) -> Num {
        let text = ron::to_string(n).expect("serialize");
        ron::from_str::<Num>(&text).unwrap_or_else(|e| panic!("reparse {text:?}: {e}"))
    }

    fn all_dists() -> Vec<Dist> {
        vec![
            Dist::Fixed(3.0),
            Dist::Uniform(1.0, 2.0),
            Dist::Normal(0.5, 0.3),
            Dist::LogNormal(2.8, 0.3),
            Dist::Beta(2.0, 5.0),
            Dist::Triangular(0.0, 1.0, 4.0),
            Dist::LogUniform(0.01, 100.0),
            Dist::Choice(vec![1.0, 2.5, -4.0]),
            Dist::Weighted(vec![(1.0, 0.25), (2.0, 0.75)]),
        ]
    }

    #[test]
    fn ron_round_trip_every_variant() {
        for d in all_dists() {
            let n = Num::Dist(d.clone());
            assert_eq!(roundtrip(&n), n);
            // Dist alone (derived impl) round-trips as well.
            let text = ron::to_string(&d).expect("serialize");
            assert_eq!(ron::from_str::<Dist>(&text).expect("parse"), d);
        }
        // Compact output has no spaces, pretty output has them.
        let d = Num::Dist(Dist::Uniform(1.0, 2.0));
        assert_eq!(ron::to_string(&d).expect("ser"), "Uniform(1.0,2.0)");
        let pretty = ron::ser::to_string_pretty(&d, ron::ser::PrettyConfig::default());
        assert_eq!(pretty.expect("ser"), "Uniform(1.0, 2.0)");
    }

    #[test]
    fn ron_plain_numbers() {
        for (text, v) in [
            ("0.5", 0.5),
            ("3", 3.0),
            ("-2e9", -2e9),
            ("-7", -7.0),
            ("0.1", 0.1),
            ("1e-300", 1e-300),
            ("18446744073709551615", 18446744073709551615.0),
            ("+4.25", 4.25),
        ] {
            let n: Num = ron::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(n, Num::Value(v), "{text}");
            assert_eq!(roundtrip(&n), n);
        }
        assert_eq!(ron::to_string(&Num::Value(3.0)).expect("ser"), "3.0");
        let n: Num = ron::from_str("inf").expect("inf parses");
        assert_eq!(n, Num::Value(f64::INFINITY));
    }

    #[test]
    fn ron_written_forms() {
        let cases: Vec<(&str, Dist)> = vec![
            ("Uniform(1, 2)", Dist::Uniform(1.0, 2.0)),
            ("LogNormal(2.8, 0.3)", Dist::LogNormal(2.8, 0.3)),
            ("Fixed(3)", Dist::Fixed(3.0)),
            ("Choice([1, 2])", Dist::Choice(vec![1.0, 2.0])),
            ("Choice([7])", Dist::Choice(vec![7.0])),
            (
                "Weighted([(1, 2), (3, 4)])",
                Dist::Weighted(vec![(1.0, 2.0), (3.0, 4.0)]),
            ),
            ("Weighted([(1, 2)])", Dist::Weighted(vec![(1.0, 2.0)])),
            (
                "Triangular( -1 , 0,\n 1e3 )",
                Dist::Triangular(-1.0, 0.0, 1000.0),
            ),
        ];
        for (text, d) in cases {
            let n: Num = ron::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(n, Num::Dist(d), "{text}");
        }
    }

    #[derive(Debug, Deserialize, Serialize, PartialEq)]
    struct Holder {
        a: Num,
        b: Vec<Num>,
        c: Option<Num>,
    }

    #[test]
    fn num_inside_structs() {
        let text = "(a: 3, b: [Uniform(1,2), 0.5, Choice([1, 2])], c: Some(Normal(0, 1)))";
        let h: Holder = ron::from_str(text).expect("parse");
        assert_eq!(h.a, Num::Value(3.0));
        assert_eq!(h.b[0], Num::Dist(Dist::Uniform(1.0, 2.0)));
        assert_eq!(h.b[1], Num::Value(0.5));
        assert_eq!(h.c, Some(Num::Dist(Dist::Normal(0.0, 1.0))));
        let again: Holder = ron::from_str(&ron::to_string(&h).expect("ser")).expect("reparse");
        assert_eq!(again, h);
    }

    fn holder_err(text: &str) -> ron::error::SpannedError {
        match ron::from_str::<Holder>(text) {
            Ok(h) => panic!("{text:?} should fail, got {h:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn errors_are_precise_and_located() {
        let e = holder_err("(\n  a: 1,\n  b: [Uniform(1)],\n  c: None,\n)");
        let msg = e.to_string();
        assert_eq!(e.span.start.line, 3, "{msg}");
        assert!(msg.contains("Uniform takes 2 numbers"), "{msg}");
        assert!(msg.contains("Uniform(low, high)"), "{msg}");
        assert!(msg.starts_with("3:"), "{msg}");

        let e = holder_err("(\n  a: Unifrom(1, 2),\n  b: [],\n  c: None,\n)");
        let msg = e.to_string();
        assert_eq!(e.span.start.line, 2, "{msg}");
        assert!(msg.contains("unknown distribution `Unifrom`"), "{msg}");
        assert!(msg.contains("did you mean `Uniform`"), "{msg}");
        for sig in DIST_SIGNATURES {
            assert!(msg.contains(sig), "{msg} lacks {sig}");
        }

        let e = holder_err("(a: Uniform(1, 2, 3), b: [], c: None)");
        assert!(e.to_string().contains("but got 3"), "{e}");
        let e = holder_err("(a: Uniform(1, x), b: [], c: None)");
        assert!(e.to_string().contains("expects numbers"), "{e}");
        let e = holder_err("(a: \"0.5\", b: [], c: None)");
        assert!(e.to_string().contains("without quotes"), "{e}");
        let e = holder_err("(a: Normal, b: [], c: None)");
        assert!(e.to_string().contains("Normal(mean, sd)"), "{e}");
        let e = holder_err("(a: [1, 2], b: [], c: None)");
        assert!(e.to_string().contains("Choice"), "{e}");
        let e = holder_err("(a: true, b: [], c: None)");
        assert!(e.to_string().contains("expected a number"), "{e}");
        let e = holder_err("(a: Weighted([1, 2]), b: [], c: None)");
        assert!(e.to_string().contains("(value, weight) pairs"), "{e}");
        // Syntax errors keep ron's own message and position.
        let e = holder_err("(a: Uniform(1, 2, b: [], c: None)");
        assert_eq!(e.span.start.line, 1);
    }

    #[test]
    fn parse_num_and_split() {
        assert_eq!(
            split_top_level("Uniform(1,2),Fixed(3)"),
            vec!["Uniform(1,2)", "Fixed(3)"]
        );
        assert_eq!(
            split_top_level("Choice([1,2]),4"),
            vec!["Choice([1,2])", "4"]
        );
        assert_eq!(
            split_top_level(" Weighted([(1, 2), (3, 4)]) , 5 ,"),
            vec!["Weighted([(1, 2), (3, 4)])", "5"]
        );
        assert_eq!(
            split_top_level("\"a,b\", 'c', ','"),
            vec!["\"a,b\"", "'c'", "','"]
        );
        assert_eq!(split_top_level("1,,2"), vec!["1", "", "2"]);
        assert!(split_top_level("   ").is_empty());
        assert_eq!(split_top_level("7"), vec!["7"]);

        assert_eq!(parse_num(" 0.25 ").expect("num"), Num::Value(0.25));
        assert_eq!(
            parse_num("LogNormal(2.8, 0.3)").expect("dist"),
            Num::Dist(Dist::LogNormal(2.8, 0.3))
        );
        assert!(parse_num("Uniform(1)").is_err());
        assert!(parse_num("").is_err());
        assert!(parse_num("1 2").is_err());
    }

    #[test]
    fn num_helpers() {
        assert_eq!(Num::from(2.0).fixed_value(), Some(2.0));
        assert_eq!(Num::Dist(Dist::Fixed(4.0)).fixed_value(), Some(4.0));
        assert_eq!(Num::Dist(Dist::Uniform(0.0, 1.0)).fixed_value(), None);
        assert!(!Num::from(2.0).is_uncertain());
        assert!(!Num::Dist(Dist::Fixed(4.0)).is_uncertain());
        assert!(Num::Dist(Dist::Normal(0.0, 1.0)).is_uncertain());
        assert_eq!(Num::Value(7.5).sample(0.3, Range::UNIT), 7.5);
        assert_eq!(
            Num::Dist(Dist::Uniform(0.0, 10.0)).sample(0.5, Range::ALL),
            5.0
        );
        assert!(Num::Value(f64::NAN).check(Range::ALL).is_err());
        assert!(matches!(
            Num::Value(2.0).check(Range::UNIT),
            Err(DistError::OutOfRange { .. })
        ));
        assert!(Num::Value(1.0).check(Range::UNIT).is_ok());
        assert_eq!(
            Num::Dist(Dist::Normal(0.5, 0.3)).to_string(),
            "Normal(0.5, 0.3)"
        );
    }

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * b.abs().max(1e-300)
    }

    #[test]
    fn normal_inverse_reference_values() {
        assert!((norm_inv(0.975) - 1.959963984540054).abs() < 1e-12);
        assert!((norm_inv(0.025) + 1.959963984540054).abs() < 1e-12);
        assert!(close(norm_inv(1e-10), -6.361340902404056, 1e-14));
        assert!(close(norm_inv(0.8413447460685429), 1.0, 1e-13));
        assert!(close(norm_inv(1e-300), -37.0470962993612, 1e-13));
        assert!(close(norm_inv(0.99), 2.326347874040841, 1e-15));
        assert_eq!(norm_inv(0.5), 0.0);
        // Round trip with the erfc-based CDF over many decades.
        for k in 1..=300 {
            let p = libm::pow(10.0, -(k as f64));
            let z = norm_inv(p);
            // A relative error e in z moves Phi by about z^2 e.
            assert!(
                close(norm_cdf(z), p, 2e-15 * (z * z).max(1.0)),
                "p={p} z={z}"
            );
        }
        for i in 1..1000 {
            let p = i as f64 / 1000.0;
            assert!(close(norm_cdf(norm_inv(p)), p, 1e-14), "p={p}");
        }
    }

    #[test]
    fn quantile_reference_values() {
        let all = Range::ALL;
        // Normal and log-normal.
        let q = Dist::Normal(10.0, 2.0).quantile(0.975, all);
        assert!((q - (10.0 + 2.0 * 1.959963984540054)).abs() < 1e-11);
        assert!(close(
            Dist::LogNormal(2.8, 0.3).quantile(0.5, all),
            2.8,
            1e-15
        ));
        let q = Dist::LogNormal(2.8, 0.3).quantile(0.975, all);
        assert!(close(q, 2.8 * libm::exp(0.3 * 1.959963984540054), 1e-13));
        // Uniform, log-uniform, triangular.
        assert_eq!(Dist::Uniform(1.0, 3.0).quantile(0.25, all), 1.5);
        assert!(close(
            Dist::LogUniform(1.0, 100.0).quantile(0.5, all),
            10.0,
            1e-14
        ));
        let tri = Dist::Triangular(0.0, 1.0, 2.0);
        assert!(close(tri.quantile(0.125, all), 0.5, 1e-15));
        assert!(close(tri.quantile(0.5, all), 1.0, 1e-15));
        assert!(close(tri.quantile(0.875, all), 1.5, 1e-15));
        let tri = Dist::Triangular(0.0, 0.0, 1.0); // mode at the lower end
        assert!(close(tri.quantile(0.75, all), 0.5, 1e-15));
        let tri = Dist::Triangular(0.0, 1.0, 1.0); // mode at the upper end
        assert!(close(tri.quantile(0.25, all), 0.5, 1e-15));
        // Discrete.
        let c = Dist::Choice(vec![3.0, 1.0, 2.0]);
        assert_eq!(c.quantile(0.1, all), 1.0);
        assert_eq!(c.quantile(0.5, all), 2.0);
        assert_eq!(c.quantile(0.9, all), 3.0);
        let w = Dist::Weighted(vec![(5.0, 1.0), (1.0, 3.0)]);
        assert_eq!(w.quantile(0.7, all), 1.0);
        assert_eq!(w.quantile(0.8, all), 5.0);
        assert_eq!(Dist::Fixed(4.0).quantile(0.3, all), 4.0);
    }

    #[test]
    fn beta_quantiles() {
        let unit = Range::UNIT;
        let median = Dist::Beta(2.0, 5.0).quantile(0.5, unit);
        assert!((median - 0.26444998329566).abs() < 1e-12, "{median}");
        // Reference values from mpmath (50 digits, bisection on betainc).
        for (a, b, p, want) in [
            (200.0, 300.0, 1e-12, 0.25577371542974665),
            (0.2, 900.0, 0.3, 1.7649947138057698e-6),
            (5.0, 50.0, 0.999, 0.24788655702738195),
            (10.0, 0.5, 1e-6, 0.29418788978547347),
            (0.05, 0.05, 0.5, 0.5),
        ] {
            let x = Dist::Beta(a, b).quantile(p, unit);
            assert!(close(x, want, 1e-10), "Beta({a},{b}) p={p}: {x} vs {want}");
        }
        // Closed forms: Beta(1/2, 1/2) is the arcsine law, x = sin^2(pi p / 2);
        // Beta(a, 1) has F = x^a; Beta(1, b) has F = 1 - (1 - x)^b.
        let ps = [
            1e-12,
            1e-6,
            0.001,
            0.1,
            0.3,
            0.5,
            0.7,
            0.9,
            0.999,
            1.0 - 1e-9,
        ];
        for &p in &ps {
            let s = libm::sin(std::f64::consts::FRAC_PI_2 * p);
            let x = Dist::Beta(0.5, 0.5).quantile(p, unit);
            assert!((x - s * s).abs() < 1e-12, "arcsine p={p}: {x} vs {}", s * s);
            for a in [0.05, 0.7, 3.0, 40.0] {
                let x = Dist::Beta(a, 1.0).quantile(p, unit);
                assert!(
                    close(x, libm::pow(p, 1.0 / a), 1e-10),
                    "Beta({a},1) p={p}: {x}"
                );
                let x = Dist::Beta(1.0, a).quantile(p, unit);
                let want = -libm::expm1(libm::log1p(-p) / a);
                assert!((x - want).abs() < 1e-12, "Beta(1,{a}) p={p}: {x} vs {want}");
            }
        }
        // Beta(2, 2): F = 3x^2 - 2x^3, so F(x) at the quantile must give p back.
        for &p in &ps {
            let x = Dist::Beta(2.0, 2.0).quantile(p, unit);
            let f = 3.0 * x * x - 2.0 * x * x * x;
            assert!(close(f, p, 1e-9), "Beta(2,2) p={p}: F(x)={f}");
        }
        // Large and unbalanced shapes still invert the incomplete beta.
        for (a, b) in [(200.0, 300.0), (0.01, 0.02), (1e4, 5.0), (0.2, 900.0)] {
            for &p in &ps {
                let x = Dist::Beta(a, b).quantile(p, unit);
                let f = beta_cdf_sf(a, b, x).0;
                // (roots closer to 0 or 1 than a double resolves come back as 0 or 1)
                let ok = close(f, p, 1e-8) || p > 0.99 || x == 0.0 || x == 1.0;
                assert!(ok, "Beta({a},{b}) p={p}: x={x} F={f}");
            }
        }
    }

    /// A fine grid of u including points very close to 0 and 1.
    fn u_grid() -> Vec<f64> {
        let mut us = vec![
            f64::MIN_POSITIVE,
            1e-300,
            1e-100,
            1e-17,
            1.0 - f64::EPSILON / 2.0,
        ];
        us.extend((1..16).map(|k| libm::pow(10.0, -(k as f64))));
        us.extend((1..16).map(|k| 1.0 - libm::pow(10.0, -(k as f64))));
        us.extend((1..2000).map(|i| i as f64 / 2000.0));
        us.sort_by(f64::total_cmp);
        us.dedup();
        us
    }

    fn assert_truncated(d: &Dist, valid: Range) {
        d.check(valid)
            .unwrap_or_else(|e| panic!("{d} on {valid}: {e}"));
        let mut prev = f64::NEG_INFINITY;
        for u in u_grid() {
            let x = d.quantile(u, valid);
            assert!(valid.contains(x), "{d} on {valid}: u={u} gave {x}");
            assert!(x.is_finite());
            assert!(
                x >= prev,
                "{d} on {valid}: not monotone at u={u}: {x} < {prev}"
            );
            prev = x;
        }
    }

    #[test]
    fn truncation_keeps_samples_inside_and_monotone() {
        let cases = [
            (Dist::Normal(0.5, 0.3), Range::UNIT),
            (Dist::Normal(0.0, 1.0), Range::new(2.0, 2.5)),
            (Dist::Normal(0.0, 1.0), Range::new(-9.0, -8.0)),
            (Dist::Normal(0.0, 1.0), Range::new(6.0, f64::INFINITY)),
            (Dist::Normal(0.0, 1.0), Range::new(50.0, 60.0)),
            (Dist::Normal(0.0, 1.0), Range::new(f64::NEG_INFINITY, -45.0)),
            (Dist::Normal(1e9, 3e8), Range::NON_NEGATIVE),
            (Dist::LogNormal(2.8, 0.3), Range::new(10.0, 20.0)),
            (Dist::LogNormal(1.0, 2.0), Range::new(0.0, 1e-3)),
            (Dist::LogNormal(1.0, 0.1), Range::new(5.0, f64::INFINITY)),
            (Dist::Beta(2.0, 5.0), Range::new(0.5, 1.0)),
            (Dist::Beta(0.3, 0.4), Range::new(0.0, 0.2)),
            (Dist::Beta(5.0, 50.0), Range::new(0.6, 0.7)),
            (Dist::Triangular(0.0, 3.0, 4.0), Range::new(3.5, 10.0)),
            (Dist::Triangular(0.0, 3.0, 4.0), Range::new(-1.0, 0.5)),
            (Dist::Uniform(-5.0, 5.0), Range::UNIT),
            (Dist::LogUniform(1e-3, 1e3), Range::new(2.0, 3.0)),
            (Dist::Choice(vec![-1.0, 0.5, 0.7, 2.0]), Range::UNIT),
            (
                Dist::Weighted(vec![(0.0, 1.0), (5.0, 2.0), (0.9, 0.0)]),
                Range::UNIT,
            ),
            (Dist::Fixed(0.3), Range::UNIT),
        ];
        for (d, valid) in &cases {
            assert_truncated(d, *valid);
            assert_truncated(d, Range::new(valid.min.max(-1e300), valid.max));
        }
        for d in all_dists() {
            assert_truncated(&d, Range::ALL);
        }
    }

    #[test]
    fn truncated_distributions_are_correct() {
        // Symmetric truncation keeps the median.
        let q = Dist::Normal(0.5, 0.3).quantile(0.5, Range::UNIT);
        assert!((q - 0.5).abs() < 1e-12, "{q}");
        // Half-normal: Phi^-1((1 + u) / 2).
        let q = Dist::Normal(0.0, 1.0).quantile(0.5, Range::NON_NEGATIVE);
        assert!((q - 0.6744897501960817).abs() < 1e-12, "{q}");
        // Upper tail through the survival function: Q(x) = Q(10) / 2.
        let x = Dist::Normal(0.0, 1.0).quantile(0.5, Range::new(10.0, f64::INFINITY));
        let (_, s10) = norm_cdf_sf(10.0);
        assert!(close(norm_cdf_sf(x).1, s10 / 2.0, 1e-12), "{x}");
        // Beyond underflow the exponential asymptote is used: ~ a + ln 2 / a.
        let x = Dist::Normal(0.0, 1.0).quantile(0.5, Range::new(50.0, f64::INFINITY));
        assert!(
            (x - (50.0 + std::f64::consts::LN_2 / 50.0)).abs() < 1e-5,
            "{x}"
        );
        let x = Dist::Normal(0.0, 1.0).quantile(0.5, Range::new(f64::NEG_INFINITY, -50.0));
        assert!(
            (x + (50.0 + std::f64::consts::LN_2 / 50.0)).abs() < 1e-5,
            "{x}"
        );
        // Uniform truncation is uniform on the overlap.
        assert_eq!(
            Dist::Uniform(0.0, 10.0).quantile(0.5, Range::new(2.0, 4.0)),
            3.0
        );
        // Beta(2, 2) on [0.5, 1]: F(x) = (F(0.5) + u (1 - F(0.5))) = 0.5 + u / 2.
        let x = Dist::Beta(2.0, 2.0).quantile(0.5, Range::new(0.5, 1.0));
        let f = 3.0 * x * x - 2.0 * x * x * x;
        assert!((f - 0.75).abs() < 1e-12, "{x}");
        // Discrete truncation draws only allowed values.
        let c = Dist::Choice(vec![-1.0, 0.25, 0.75, 2.0]);
        assert_eq!(c.quantile(0.01, Range::UNIT), 0.25);
        assert_eq!(c.quantile(0.99, Range::UNIT), 0.75);
    }

    #[test]
    fn validation_errors() {
        let unit = Range::UNIT;
        let all = Range::ALL;
        let err = |d: Dist, r: Range| match d.check(r) {
            Err(e) => e,
            Ok(()) => panic!("{d} on {r} should be rejected"),
        };
        let e = err(Dist::Normal(0.0, 0.0), all);
        assert!(
            matches!(e, DistError::NotPositive { param: "sd", .. }),
            "{e}"
        );
        assert!(e.to_string().contains("Normal(0, 0)"), "{e}");
        let e = err(Dist::Normal(0.0, -1.0), all);
        assert!(
            matches!(e, DistError::NotPositive { param: "sd", .. }),
            "{e}"
        );
        let e = err(Dist::LogNormal(1.0, 0.0), all);
        assert!(
            matches!(e, DistError::NotPositive { param: "sigma", .. }),
            "{e}"
        );
        let e = err(Dist::LogNormal(-1.0, 1.0), all);
        assert!(
            matches!(
                e,
                DistError::NotPositive {
                    param: "median",
                    ..
                }
            ),
            "{e}"
        );
        let e = err(Dist::Beta(0.0, 1.0), unit);
        assert!(
            matches!(e, DistError::NotPositive { param: "alpha", .. }),
            "{e}"
        );
        let e = err(Dist::Beta(1.0, -2.0), unit);
        assert!(
            matches!(e, DistError::NotPositive { param: "beta", .. }),
            "{e}"
        );
        let e = err(Dist::Uniform(2.0, 1.0), all);
        assert!(matches!(e, DistError::EmptyInterval { .. }), "{e}");
        assert!(e.to_string().contains("low = 2, high = 1"), "{e}");
        assert!(matches!(
            err(Dist::Uniform(1.0, 1.0), all),
            DistError::EmptyInterval { .. }
        ));
        assert!(matches!(
            err(Dist::Triangular(1.0, 1.0, 1.0), all),
            DistError::EmptyInterval { .. }
        ));
        let e = err(Dist::Triangular(0.0, 3.0, 2.0), all);
        assert!(matches!(e, DistError::ModeOutside { .. }), "{e}");
        let e = err(Dist::LogUniform(0.0, 1.0), all);
        assert!(
            matches!(e, DistError::NotPositive { param: "low", .. }),
            "{e}"
        );
        assert!(e.to_string().contains("use Uniform"), "{e}");
        let e = err(Dist::LogUniform(3.0, 2.0), all);
        assert!(matches!(e, DistError::EmptyInterval { .. }), "{e}");
        assert!(matches!(
            err(Dist::Choice(vec![]), all),
            DistError::EmptyChoice { .. }
        ));
        assert!(matches!(
            err(Dist::Weighted(vec![]), all),
            DistError::EmptyChoice { .. }
        ));
        let e = err(Dist::Weighted(vec![(1.0, -0.5), (2.0, 1.0)]), all);
        assert!(matches!(e, DistError::NegativeWeight { .. }), "{e}");
        let e = err(Dist::Weighted(vec![(1.0, 0.0), (2.0, 0.0)]), all);
        assert!(matches!(e, DistError::ZeroWeights { .. }), "{e}");
        for d in [
            Dist::Fixed(f64::NAN),
            Dist::Uniform(0.0, f64::INFINITY),
            Dist::Normal(f64::NAN, 1.0),
            Dist::Normal(0.0, f64::INFINITY),
            Dist::LogNormal(1.0, f64::NAN),
            Dist::Beta(f64::INFINITY, 1.0),
            Dist::Triangular(0.0, f64::NAN, 1.0),
            Dist::LogUniform(1.0, f64::INFINITY),
            Dist::Choice(vec![1.0, f64::NAN]),
            Dist::Weighted(vec![(1.0, f64::INFINITY)]),
        ] {
            let e = err(d, all);
            assert!(matches!(e, DistError::NotFinite { .. }), "{e}");
        }
        // Range problems.
        let e = err(Dist::Fixed(2.0), unit);
        assert!(matches!(e, DistError::OutOfRange { .. }), "{e}");
        let e = err(Dist::Uniform(2.0, 3.0), unit);
        assert!(matches!(e, DistError::NoOverlap { .. }), "{e}");
        assert!(
            e.to_string().contains("[2, 3]") && e.to_string().contains("[0, 1]"),
            "{e}"
        );
        let e = err(Dist::Uniform(1.0, 3.0), unit); // touches at a single point
        assert!(matches!(e, DistError::NoOverlap { .. }), "{e}");
        let e = err(Dist::LogNormal(1.0, 1.0), Range::new(-2.0, -1.0));
        assert!(matches!(e, DistError::NoOverlap { .. }), "{e}");
        let e = err(Dist::Choice(vec![2.0, 3.0]), unit);
        assert!(matches!(e, DistError::NoValueInRange { .. }), "{e}");
        let e = err(Dist::Beta(2000.0, 1.0), Range::new(0.0, 0.1));
        assert!(matches!(e, DistError::NoMass { .. }), "{e}");
        let e = err(Dist::Uniform(0.0, 1.0), Range::new(1.0, 0.0));
        assert!(matches!(e, DistError::InvalidRange { .. }), "{e}");
        // Far normal tails are fine (sampled asymptotically).
        assert!(Dist::Normal(0.0, 1.0).check(Range::new(60.0, 70.0)).is_ok());
    }

    #[test]
    fn warnings_and_ranges() {
        let unit = Range::UNIT;
        let w = Dist::Normal(0.5, 0.3)
            .support_warning(unit)
            .expect("warning");
        assert!(
            w.contains("support of Normal(0.5, 0.3) leaves [0, 1]"),
            "{w}"
        );
        assert!(w.contains("truncated"), "{w}");
        assert!(w.contains("90.4"), "{w}");
        assert!(Dist::Beta(2.0, 3.0).support_warning(unit).is_none());
        assert!(Dist::Uniform(0.2, 0.4).support_warning(unit).is_none());
        assert!(
            Dist::LogNormal(1.0, 1.0)
                .support_warning(Range::NON_NEGATIVE)
                .is_none()
        );
        assert!(Dist::Uniform(5.0, 6.0).support_warning(unit).is_none()); // an error instead
        let w = Dist::Choice(vec![0.5, 3.0])
            .support_warning(unit)
            .expect("warning");
        assert!(w.contains("value(s) 3") && w.contains("never drawn"), "{w}");
        let w = Dist::Normal(0.0, 1.0)
            .support_warning(Range::new(60.0, 70.0))
            .expect("w");
        assert!(w.contains("less than 1e-300%"), "{w}");
        let w = Dist::Normal(0.0, 1.0)
            .support_warning(Range::new(6.0, 7.0))
            .expect("w");
        assert!(w.contains("9.853e-8%"), "{w}");

        assert_eq!(Dist::Uniform(-1.0, 0.5).central_range(unit), (0.0, 0.5));
        assert_eq!(Dist::Beta(2.0, 2.0).central_range(unit), (0.0, 1.0));
        let (lo, hi) = Dist::Normal(0.0, 1.0).central_range(Range::ALL);
        assert!((lo + 2.3263478740408408).abs() < 1e-12 && (hi - 2.3263478740408408).abs() < 1e-12);
        let (lo, hi) = Dist::LogNormal(1.0, 1.0).central_range(Range::NON_NEGATIVE);
        assert!(close(lo, libm::exp(-2.3263478740408408), 1e-12), "{lo}");
        assert!(close(hi, libm::exp(2.3263478740408408), 1e-12), "{hi}");
        assert_eq!(
            Dist::Choice(vec![3.0, -1.0, 0.2, 0.9]).central_range(unit),
            (0.2, 0.9)
        );
        assert_eq!(Dist::Fixed(0.4).central_range(unit), (0.4, 0.4));
        assert!(close(
            Dist::Normal(0.0, 1.0).mass_in(Range::NON_NEGATIVE),
            0.5,
            1e-15
        ));
        assert_eq!(
            Dist::Weighted(vec![(0.0, 1.0), (2.0, 3.0)]).mass_in(unit),
            0.25
        );
    }

    const PINNED: [&str; 6] = [
        "0x3fff5c0331eeff82",
        "0x3fd6f902f70713aa",
        "0x4010736d2b87fc1a",
        "0x3fc745560dce9cd1",
        "0x4000d2317649c934",
        "0x3fb9999999999998",
    ];

    #[test]
    fn pinned_bits() {
        // Pins exact results so a switch to platform math (or any change of
        // the algorithms) shows up; the values are the same on every machine.
        let cases = [
            Dist::Normal(0.0, 1.0).quantile(0.975, Range::ALL),
            Dist::Normal(0.5, 0.3).quantile(0.3, Range::UNIT),
            Dist::LogNormal(2.8, 0.3).quantile(0.9, Range::ALL),
            Dist::Beta(2.0, 5.0).quantile(0.3, Range::UNIT),
            Dist::Triangular(0.0, 1.0, 4.0).quantile(0.7, Range::ALL),
            Dist::LogUniform(0.01, 100.0).quantile(0.25, Range::ALL),
        ];
        let bits: Vec<String> = cases
            .iter()
            .map(|x| format!("{:#018x}", x.to_bits()))
            .collect();
        assert_eq!(bits, PINNED);
    }

    fn moderate() -> BoxedStrategy<f64> {
        prop_oneof![-1e6..1e6f64, 1e-6..1e6f64, -10.0..10.0f64].boxed()
    }

    fn any_finite() -> BoxedStrategy<f64> {
        prop_oneof![
            moderate(),
            prop::num::f64::NORMAL | prop::num::f64::ZERO | prop::num::f64::SUBNORMAL
        ]
        .boxed()
    }

    fn dist_strategy(p: impl Strategy<Value = f64> + Clone + 'static) -> BoxedStrategy<Dist> {
        let pos = p.clone().prop_map(f64::abs);
        prop_oneof![
            p.clone().prop_map(Dist::Fixed),
            (p.clone(), pos.clone()).prop_map(|(a, w)| Dist::Uniform(a, a + w)),
            (p.clone(), p.clone()).prop_map(|(a, b)| Dist::Uniform(a.min(b), a.max(b))),
            (p.clone(), pos.clone()).prop_map(|(m, s)| Dist::Normal(m, s)),
            (pos.clone(), pos.clone()).prop_map(|(m, s)| Dist::LogNormal(m, s)),
            (pos.clone(), pos.clone()).prop_map(|(a, b)| Dist::Beta(a, b)),
            (0.01..100.0f64, 0.01..100.0f64).prop_map(|(a, b)| Dist::Beta(a, b)),
            (p.clone(), p.clone(), p.clone()).prop_map(|(a, b, c)| {
                let mut v = [a, b, c];
                v.sort_by(f64::total_cmp);
                Dist::Triangular(v[0], v[1], v[2])
            }),
            (pos.clone(), pos.clone()).prop_map(|(a, b)| Dist::LogUniform(a.min(b), a.max(b))),
            prop::collection::vec(p.clone(), 1..5).prop_map(Dist::Choice),
            prop::collection::vec((p.clone(), pos.clone()), 1..5).prop_map(Dist::Weighted),
        ]
        .boxed()
    }

    fn range_strategy() -> impl Strategy<Value = Range> {
        prop_oneof![
            Just(Range::ALL),
            Just(Range::UNIT),
            Just(Range::NON_NEGATIVE),
            (moderate(), moderate()).prop_map(|(a, b)| Range::new(a.min(b), a.max(b))),
            moderate().prop_map(|a| Range::new(a, f64::INFINITY)),
            moderate().prop_map(|a| Range::new(f64::NEG_INFINITY, a)),
        ]
    }

    fn unit_open() -> impl Strategy<Value = f64> {
        prop_oneof![
            (0.0..1.0f64).prop_filter("open", |u| *u > 0.0),
            (1..300i32).prop_map(|k| libm::pow(10.0, -(k as f64))),
            (1..16i32).prop_map(|k| 1.0 - libm::pow(10.0, -(k as f64))),
        ]
    }

    fn check_quantile(d: &Dist, valid: Range, u: f64) -> Result<(), TestCaseError> {
        prop_assume!(d.check(valid).is_ok());
        let x = d.quantile(u, valid);
        prop_assert!(!x.is_nan(), "{} on {}: u={} gave NaN", d, valid, u);
        prop_assert!(valid.contains(x), "{} on {}: u={} gave {}", d, valid, u, x);
        let _ = d.central_range(valid);
        let _ = d.support_warning(valid);
        Ok(())
    }

    proptest! {
        // No regression files: failures print the shrunk input instead.
        #![proptest_config(ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            // About a quarter of random (distribution, range) pairs fail
            // `check` (no overlap) and are skipped.
            max_global_rejects: 100_000,
            ..ProptestConfig::default()
        })]

        #[test]
        fn quantile_never_nan_moderate(d in dist_strategy(moderate()), valid in range_strategy(), u in unit_open()) {
            check_quantile(&d, valid, u)?;
        }

        #[test]
        fn quantile_never_nan_extreme(d in dist_strategy(any_finite()), valid in range_strategy(), u in unit_open()) {
            check_quantile(&d, valid, u)?;
        }

        #[test]
        fn quantile_monotone(d in dist_strategy(moderate()), valid in range_strategy(), u in 0.001..0.998f64) {
            prop_assume!(d.check(valid).is_ok());
            let a = d.quantile(u, valid);
            let b = d.quantile(u + 0.001, valid);
            let tol = 1e-12 * a.abs().max(b.abs());
            prop_assert!(a <= b + tol, "{} on {}: q({})={} > {}", d, valid, u, a, b);
        }

        #[test]
        fn num_ron_round_trip(d in dist_strategy(any_finite()), v in any_finite()) {
            let n = Num::Dist(d);
            prop_assert_eq!(roundtrip(&n), n);
            let n = Num::Value(v);
            prop_assert_eq!(roundtrip(&n), n);
        }
    }
}

//! A sampled scenario turned into what one run needs: agents sorted by id with their indices
//! resolved, and per-step constants computed once (so the hot loop needs few `exp`/`ln` calls).
//!
//! Sorting every agent list by id here is what makes results independent of the order of
//! agents in a scenario file. Preparing never fails: references that do not resolve (which the
//! scenario validator rejects) fall back to index 0, and numbers are clamped to safe ranges.

use crate::math::{ln, log10, pow};
use crate::params::{Access, Scenario, Window};
use crate::rng::id_hash;

/// Resolution of the crossing-time grid: ticks per year (1/48 year ≈ 7.6 days).
pub const TICKS_PER_YEAR: f64 = 48.0;

/// Clamp a number into `[lo, hi]`, mapping NaN to `lo`.
pub(crate) fn clamp(x: f64, lo: f64, hi: f64) -> f64 {
    if x.is_nan() { lo } else { x.clamp(lo, hi) }
}

/// A nation, resolved.
#[derive(Clone, Debug)]
pub struct NationC {
    /// Scenario id.
    pub id: String,
    /// Index of its bloc.
    pub bloc: usize,
    /// Destination tier (1-3).
    pub tier: u8,
    /// Whether its fabs' chips fall under the export rules.
    pub controller: bool,
    /// GDP, USD per year.
    pub gdp_usd: f64,
    /// Industrial-policy subsidy share.
    pub subsidy: f64,
    /// Whether its fabs keep equipment access under equipment controls.
    pub equipment_access: bool,
}

/// A firm, resolved.
#[derive(Clone, Debug)]
pub struct FirmC {
    /// Scenario id.
    pub id: String,
    /// Stable hash of the id (random-stream key).
    pub hash: u64,
    /// Index of its nation.
    pub nation: usize,
    /// Index of its bloc.
    pub bloc: usize,
    /// Parameters as sampled.
    pub p: crate::params::Firm<f64>,
}

/// A fab, resolved.
#[derive(Clone, Debug)]
pub struct FabC {
    /// Scenario id.
    pub id: String,
    /// Index of its nation.
    pub nation: usize,
    /// Index of its bloc.
    pub bloc: usize,
    /// Parameters as sampled.
    pub p: crate::params::Fab<f64>,
    /// Log of capacity growth per step (industrial policy included).
    pub ln_capacity_growth_step: f64,
    /// Log of performance growth per step.
    pub ln_perf_growth_step: f64,
}

/// Destination access to controlled chips under the rule in force.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AccessNow {
    /// Unrestricted.
    Open,
    /// At most this many H100e per step per nation.
    Capped(f64),
    /// Only compliant variants, smuggling or cloud.
    Barred,
}

impl AccessNow {
    /// A rank of openness: 2 open, 1 capped, 0 barred.
    pub fn rank(self) -> u8 {
        match self {
            AccessNow::Open => 2,
            AccessNow::Capped(_) => 1,
            AccessNow::Barred => 0,
        }
    }
}

/// A rule, resolved.
#[derive(Clone, Debug)]
pub struct RuleC {
    /// Scenario id.
    pub id: String,
    /// Start year.
    pub start: f64,
    /// End year (infinity when open-ended).
    pub end: f64,
    /// Announcement year (start minus lead).
    pub announced: f64,
    /// Threshold, H100e per chip.
    pub threshold: f64,
    /// Access per tier (index 0 = tier 1), caps per step.
    pub access: [AccessNow; 3],
    /// Compliant variants allowed.
    pub compliant: bool,
    /// Compliant chip training value, H100e per chip.
    pub compliant_h100e: f64,
    /// Compliant price relative to a full chip.
    pub compliant_price_ratio: f64,
    /// Enforcement 0..1.
    pub enforcement: f64,
    /// Smuggling markup.
    pub smuggling_markup: f64,
    /// Smuggling detection scale, chips per year.
    pub smuggling_scale: f64,
    /// Cloud share of budget.
    pub cloud_share: f64,
    /// Cloud markup.
    pub cloud_markup: f64,
    /// Equipment controls.
    pub equipment_controls: bool,
}

/// The outcome window rule, resolved.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum WindowC {
    /// Close at the decisive level (capability) or after `max_ticks`.
    Decisive {
        /// Decisive capability level D.
        level: f64,
        /// Maximum window, ticks.
        max_ticks: u32,
    },
    /// Fixed window, ticks.
    Fixed {
        /// Window, ticks.
        ticks: u32,
    },
}

/// One run's constants.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// Start year.
    pub start_year: f64,
    /// Step length, years.
    pub dt: f64,
    /// Steps per year.
    pub steps_per_year: u32,
    /// Steps from start to horizon.
    pub horizon_steps: u32,
    /// Hard cap on steps (horizon plus the longest window).
    pub max_steps: u32,
    /// Bloc ids, sorted.
    pub bloc_ids: Vec<String>,
    /// Nations, sorted by id.
    pub nations: Vec<NationC>,
    /// Firms, sorted by id.
    pub firms: Vec<FirmC>,
    /// Fabs, sorted by id.
    pub fabs: Vec<FabC>,
    /// Rules, sorted by (start, id).
    pub rules: Vec<RuleC>,
    /// GDP per bloc, USD per year.
    pub bloc_gdp: Vec<f64>,
    /// Technology parameters as sampled.
    pub tech: crate::params::Technology<f64>,
    /// Economics parameters as sampled.
    pub econ: crate::params::Economics<f64>,
    /// Base algorithmic drift, log10 per step (total progress minus expected jumps).
    pub algo_drift_step: f64,
    /// Per multiplier class: (expected number of jumps in the world per step, log10 factor).
    pub jumps: Vec<(f64, f64)>,
    /// Fleet kept per step after retirement.
    pub fleet_keep_step: f64,
    /// Diffusion lag inside a bloc, steps (fractional: histories are interpolated).
    pub lag_in_steps: f64,
    /// Diffusion lag across blocs, steps (fractional: histories are interpolated).
    pub lag_cross_steps: f64,
    /// log10 of the catch-up cost decline per year.
    pub catchup_log10_per_year: f64,
    /// FLOP delivered by one H100e over a training run.
    pub flop_per_h100e_run: f64,
    /// Threshold T.
    pub threshold: f64,
    /// Window rule.
    pub window: WindowC,
    /// Paradigm, if any: (arrival year, discoverer firm index or None).
    pub paradigm: Option<ParadigmC>,
}

/// A paradigm shift, resolved.
#[derive(Clone, Debug)]
pub struct ParadigmC {
    /// Arrival year.
    pub arrival: f64,
    /// Discoverer firm index (None: drawn per run).
    pub discoverer: Option<usize>,
    /// Lag in the discoverer's bloc, years.
    pub lag_in: f64,
    /// Lag in other blocs, years.
    pub lag_cross: f64,
    /// Gain per decade of compute on the new axis.
    pub gain_per_decade: f64,
    /// Maximum gain, decades.
    pub max_gain: f64,
    /// log10 of the compute where the axis starts paying.
    pub log10_base: f64,
    /// log10 of the useful compute at arrival.
    pub log10_useful: f64,
    /// log10 growth of useful compute per year.
    pub log10_useful_growth: f64,
}

fn years_to_ticks(years: f64) -> u32 {
    let t = (clamp(years, 0.0, 1.0e6) * TICKS_PER_YEAR).round();
    t as u32
}

fn index_of<T>(list: &[T], id: &str, key: impl Fn(&T) -> &str) -> usize {
    list.binary_search_by(|x| key(x).cmp(id)).unwrap_or(0)
}

impl Prepared {
    /// Resolves a sampled scenario. Never fails and never panics.
    pub fn new(s: &Scenario<f64>) -> Self {
        let spy = s.study.steps_per_year.clamp(1, 365);
        let dt = 1.0 / f64::from(spy);
        let horizon_steps = s.horizon_steps();

        let mut bloc_ids: Vec<String> = s.blocs.iter().map(|b| b.id.clone()).collect();
        bloc_ids.sort();
        bloc_ids.dedup();
        if bloc_ids.is_empty() {
            bloc_ids.push("none".into());
        }

        let mut nations: Vec<NationC> = s
            .nations
            .iter()
            .map(|n| NationC {
                id: n.id.clone(),
                bloc: index_of(&bloc_ids, &n.bloc, |b| b.as_str()),
                tier: n.tier.clamp(1, 3),
                controller: n.controller,
                gdp_usd: clamp(n.gdp_usd, 0.0, 1e18),
                subsidy: clamp(n.industrial_policy, 0.0, 10.0),
                equipment_access: n.equipment_access,
            })
            .collect();
        nations.sort_by(|a, b| a.id.cmp(&b.id));
        if nations.is_empty() {
            nations.push(NationC {
                id: "none".into(),
                bloc: 0,
                tier: 1,
                controller: false,
                gdp_usd: 0.0,
                subsidy: 0.0,
                equipment_access: true,
            });
        }
        let mut bloc_gdp = vec![0.0; bloc_ids.len()];
        for n in &nations {
            bloc_gdp[n.bloc] += n.gdp_usd;
        }

        let mut firms: Vec<FirmC> = s
            .firms
            .iter()
            .map(|f| {
                let nation = index_of(&nations, &f.nation, |n| n.id.as_str());
                FirmC {
                    id: f.id.clone(),
                    hash: id_hash(&f.id),
                    nation,
                    bloc: nations[nation].bloc,
                    p: f.clone(),
                }
            })
            .collect();
        firms.sort_by(|a, b| a.id.cmp(&b.id));

        let mut fabs: Vec<FabC> = s
            .fabs
            .iter()
            .map(|f| {
                let nation = index_of(&nations, &f.nation, |n| n.id.as_str());
                let subsidy = nations[nation].subsidy;
                FabC {
                    id: f.id.clone(),
                    nation,
                    bloc: nations[nation].bloc,
                    ln_capacity_growth_step: ln(
                        clamp(f.capacity_growth_per_year, 1e-3, 1e3) * (1.0 + subsidy)
                    ) * dt,
                    ln_perf_growth_step: ln(clamp(f.perf_growth_per_year, 1e-3, 1e3)) * dt,
                    p: f.clone(),
                }
            })
            .collect();
        fabs.sort_by(|a, b| a.id.cmp(&b.id));

        let access = |a: &Access<f64>| match a {
            Access::Open => AccessNow::Open,
            Access::Capped(cap) => AccessNow::Capped(clamp(*cap, 0.0, 1e15) * dt),
            Access::Barred => AccessNow::Barred,
        };
        let mut rules: Vec<RuleC> = s
            .policy
            .rules
            .iter()
            .map(|r| RuleC {
                id: r.id.clone(),
                start: r.start_year,
                end: r.end_year.unwrap_or(f64::INFINITY),
                announced: r.start_year - clamp(r.announcement_lead_years, 0.0, 100.0),
                threshold: clamp(r.threshold_h100e_per_chip, 0.0, 1e6),
                access: [access(&r.tier1), access(&r.tier2), access(&r.tier3)],
                compliant: r.compliant_variants,
                compliant_h100e: clamp(r.compliant_h100e_per_chip, 0.0, 1e6),
                compliant_price_ratio: clamp(r.compliant_price_ratio, 1e-6, 1e6),
                enforcement: clamp(r.enforcement, 0.0, 1.0),
                smuggling_markup: clamp(r.smuggling_markup, 0.0, 1e6),
                smuggling_scale: clamp(r.smuggling_scale_chips_per_year, 1.0, 1e15),
                cloud_share: clamp(r.cloud_access_share, 0.0, 1.0),
                cloud_markup: clamp(r.cloud_markup, 0.0, 1e6),
                equipment_controls: r.equipment_controls,
            })
            .collect();
        rules.sort_by(|a, b| a.start.total_cmp(&b.start).then_with(|| a.id.cmp(&b.id)));

        let t = &s.technology;
        let jumps: Vec<(f64, f64)> = t
            .multipliers
            .iter()
            .map(|m| {
                let rate = clamp(m.rate_per_year, 0.0, 1e3);
                (rate * dt, log10(clamp(m.factor, 1.0, 1e6)))
            })
            .collect();
        let expected_jumps: f64 = jumps.iter().map(|(p, l)| p * l).sum();
        let algo_drift_step =
            (log10(clamp(t.algo_progress_per_year, 1e-3, 1e6)) * dt - expected_jumps).max(0.0);

        let threshold = clamp(s.outcome.threshold, -1e6, 1e6);
        let (window, window_years) = match &s.outcome.window {
            Window::Decisive {
                above_threshold,
                max_years,
            } => (
                WindowC::Decisive {
                    level: threshold + clamp(*above_threshold, 0.0, 1e6),
                    max_ticks: years_to_ticks(*max_years),
                },
                clamp(*max_years, 0.0, 1e3),
            ),
            Window::Fixed { years } => (
                WindowC::Fixed {
                    ticks: years_to_ticks(*years),
                },
                clamp(*years, 0.0, 1e3),
            ),
        };
        let extra_steps = (window_years * f64::from(spy)).ceil() as u32 + 1;

        let paradigm = t.paradigm.as_ref().map(|p| ParadigmC {
            arrival: p.arrival_year,
            discoverer: p
                .discoverer
                .as_ref()
                .and_then(|d| firms.binary_search_by(|f| f.id.as_str().cmp(d)).ok()),
            lag_in: clamp(p.adoption_lag_in_bloc_years, 0.0, 1e3),
            lag_cross: clamp(p.adoption_lag_cross_bloc_years, 0.0, 1e3),
            gain_per_decade: clamp(p.gain_per_decade, 0.0, 1e3),
            max_gain: clamp(p.max_gain_decades, 0.0, 1e3),
            log10_base: log10(clamp(p.base_compute_flop, 1.0, 1e60)),
            log10_useful: log10(clamp(p.useful_compute_flop, 1.0, 1e60)),
            log10_useful_growth: log10(clamp(p.useful_compute_growth_per_year, 1.0, 1e6)),
        });

        let run_years = clamp(t.run_length_years, 1e-3, 100.0);
        Prepared {
            start_year: s.study.start_year,
            dt,
            steps_per_year: spy,
            horizon_steps,
            max_steps: horizon_steps.saturating_add(extra_steps),
            bloc_ids,
            nations,
            firms,
            fabs,
            rules,
            bloc_gdp,
            algo_drift_step,
            jumps,
            fleet_keep_step: pow(1.0 - clamp(t.fleet_retirement_per_year, 0.0, 0.999), dt),
            lag_in_steps: clamp(t.diffusion_lag_in_bloc_years, 0.0, 1e3) * f64::from(spy),
            lag_cross_steps: clamp(t.diffusion_lag_cross_bloc_years, 0.0, 1e3) * f64::from(spy),
            catchup_log10_per_year: log10(clamp(t.catchup_cost_decline_per_year, 1.0, 1e9)),
            flop_per_h100e_run: clamp(t.flop_per_h100e_second, 0.0, 1e30)
                * clamp(t.utilization, 0.0, 1.0)
                * run_years
                * 365.25
                * 86_400.0,
            threshold,
            window,
            paradigm,
            tech: t.clone(),
            econ: s.economics.clone(),
        }
    }

    /// Calendar year at the start of step `step` (the state after step `k` is at year(k+1)).
    pub fn year(&self, step: u32) -> f64 {
        self.start_year + f64::from(step) * self.dt
    }

    /// The rule in force at `year`: the active rule with the latest start.
    pub fn rule_in_force(&self, year: f64) -> Option<usize> {
        self.rules
            .iter()
            .rposition(|r| r.start <= year && year < r.end)
    }

    /// The next rule announced but not yet in force at `year`.
    pub fn rule_announced(&self, year: f64) -> Option<usize> {
        self.rules
            .iter()
            .position(|r| r.announced <= year && year < r.start && year < r.end)
    }
}

//! The parameters of a world: every number the model takes, with its unit.
//!
//! The structs are generic over the number type `N`. The scenario crate reads them with
//! `N = Num` (a plain number or a distribution) and samples one `Scenario<f64>` per run; the
//! model itself only ever sees `Scenario<f64>` (the default). Keeping one set of structs for
//! both avoids a second, drifting copy of the schema. Field names carry their units
//! (`_usd`, `_h100e`, `_per_year`, `_years`); "multiplier per year" fields are growth factors
//! (2.5 means ×2.5 each year). Valid ranges are enforced by the scenario validator; the model
//! clamps defensively so that no parameter value can make it panic or produce NaN.

use serde::{Deserialize, Serialize};

/// A whole world description: study defaults, agents, policy, technology, economics and the
/// outcome rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario<N = f64> {
    /// Short identifier of the scenario (e.g. `baseline`).
    pub name: String,
    /// One-paragraph description shown by `polarity scenarios`.
    pub description: String,
    /// Study defaults: time axis, seed and run count.
    pub study: Study,
    /// The blocs (coalitions) whose race is classified. Allies share a bloc.
    pub blocs: Vec<Bloc>,
    /// Nations: bloc membership, export-control tier, economy.
    pub nations: Vec<Nation<N>>,
    /// AI labs.
    pub firms: Vec<Firm<N>>,
    /// Chip makers (foundry plus designer).
    pub fabs: Vec<Fab<N>>,
    /// The export-control policy timeline.
    pub policy: Policy<N>,
    /// Algorithmic progress, hardware progress, diffusion, training, paradigm shifts.
    pub technology: Technology<N>,
    /// Revenue, budgets, ceilings and the chip market's price response.
    pub economics: Economics<N>,
    /// Threshold, decisive level / window: how a run is classified.
    pub outcome: OutcomeRule<N>,
}

/// Study defaults: the time axis and the default seed and run count.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    /// Calendar year at which the simulation starts (e.g. `2023.0` = 1 Jan 2023).
    pub start_year: f64,
    /// Calendar year at which the simulation stops if no window is open.
    pub horizon_year: f64,
    /// Steps per simulated year (4 = quarterly).
    pub steps_per_year: u32,
    /// Default study seed (overridden by `--seed`).
    pub seed: u64,
    /// Default number of Monte Carlo runs (overridden by `--runs`).
    pub runs: u64,
}

/// A bloc: a coalition that counts as one pole. Allies in one bloc never make the world
/// bipolar among themselves.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bloc {
    /// Identifier, e.g. `us` or `cn`.
    pub id: String,
}

/// A nation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nation<N = f64> {
    /// Identifier, e.g. `us`.
    pub id: String,
    /// The bloc it belongs to.
    pub bloc: String,
    /// Export-control tier it is treated as when it is a destination (1, 2 or 3).
    pub tier: u8,
    /// Whether chips made in this nation's fabs are subject to the export rules (a
    /// controlling nation, or one applying its rules, e.g. through the foreign direct product rule).
    pub controller: bool,
    /// Size of the economy behind this nation's labs, USD per year (GDP).
    pub gdp_usd: N,
    /// Industrial policy: state subsidy as a share of its firms' budgets and added to its fabs'
    /// capacity growth (0 = none, 0.2 = +20%).
    pub industrial_policy: N,
    /// Whether its fabs can obtain controlled fab equipment even while equipment controls are in
    /// force against its tier (e.g. controllers and their allies, or a nation with its own tools).
    pub equipment_access: bool,
}

/// An AI lab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Firm<N = f64> {
    /// Identifier, e.g. `us-lab-a`.
    pub id: String,
    /// The nation it is based in.
    pub nation: String,
    /// External funding (investors, parent company, state) available per year at the start, USD.
    pub funding_usd_per_year: N,
    /// Growth of external funding, multiplier per year, before the bloc's ceiling.
    pub funding_growth_per_year: N,
    /// Revenue per year at the start, USD.
    pub revenue_usd_per_year: N,
    /// Compute fleet at the start, H100-equivalents.
    pub fleet_h100e: N,
    /// Share of the budget spent on compute (chips); the rest is staff, inference, etc. Efficiency
    /// gains do not reduce this share: savings are reinvested, not banked.
    pub reinvest_share: N,
    /// Algorithmic efficiency at the start relative to the world's best practice (1 = frontier).
    pub algo_efficiency: N,
    /// Share of the fleet used for the frontier training run at the start.
    pub training_share: N,
    /// Cash reserve at the start, USD, that the firm may spend to stockpile chips during a rule's
    /// announcement lead.
    pub cash_usd: N,
}

/// A chip maker (foundry with its chip designer).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fab<N = f64> {
    /// Identifier, e.g. `us-fab-a`.
    pub id: String,
    /// The nation it produces in.
    pub nation: String,
    /// AI-chip capacity at the start, chips per year at 100% yield.
    pub capacity_chips_per_year: N,
    /// Capacity growth from investment, multiplier per year (before industrial policy).
    pub capacity_growth_per_year: N,
    /// Training performance per chip at the start, H100e per chip.
    pub h100e_per_chip: N,
    /// Growth of performance per chip as generations advance, multiplier per year.
    pub perf_growth_per_year: N,
    /// Yield at the start (share of good chips).
    pub yield_share: N,
    /// Yield the process matures toward.
    pub yield_max: N,
    /// Share of the remaining gap to `yield_max` closed per year.
    pub yield_learning_per_year: N,
    /// Production cost per H100e at the start, USD.
    pub cost_per_h100e_usd: N,
}

/// The export-control policy: a timeline of rules. At any time the rule in force is the
/// active rule (start ≤ t < end) with the latest start; a later rule replaces an earlier one.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy<N = f64> {
    /// Rules, in any order.
    pub rules: Vec<Rule<N>>,
}

/// What a destination tier may buy of controlled chips under a rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Access<N = f64> {
    /// No restriction.
    Open,
    /// At most this many H100e per year per destination nation.
    Capped(N),
    /// No controlled chips (compliant variants only, if the rule allows them).
    Barred,
}

/// One export-control rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule<N = f64> {
    /// Identifier, e.g. `oct-2023`.
    pub id: String,
    /// Year the rule takes effect.
    pub start_year: f64,
    /// Year the rule lapses or is rescinded (`None`: never).
    pub end_year: Option<f64>,
    /// How long before `start_year` the rule is announced, years: firms that will lose access
    /// stockpile in between.
    pub announcement_lead_years: N,
    /// Chips whose performance is at or above this many H100e per chip are controlled
    /// (TPP-like threshold relative to an H100; the Oct 2023 rule's TPP 4800 ≈ 0.30).
    pub threshold_h100e_per_chip: N,
    /// Access of tier-1 destinations.
    pub tier1: Access<N>,
    /// Access of tier-2 destinations.
    pub tier2: Access<N>,
    /// Access of tier-3 destinations.
    pub tier3: Access<N>,
    /// Whether compliant variants (chips downgraded to just under the threshold) may be sold to
    /// capped or barred destinations.
    pub compliant_variants: bool,
    /// Training value of one compliant chip, H100e per chip (H20 ≈ 0.15).
    pub compliant_h100e_per_chip: N,
    /// Price of a compliant chip relative to the price of a full chip.
    pub compliant_price_ratio: N,
    /// Enforcement strength (0 = none, 1 = full): scales the chance that smuggled chips are seized.
    pub enforcement: N,
    /// Smuggling markup over the market price (0.5 = +50%).
    pub smuggling_markup: N,
    /// Smuggled volume, chips per year into one bloc, at which detection becomes likely (the
    /// detection hazard is `enforcement × volume / scale`).
    pub smuggling_scale_chips_per_year: N,
    /// Share of a restricted firm's chip budget that can buy remote (cloud) access to controlled
    /// chips abroad.
    pub cloud_access_share: N,
    /// Markup of cloud access over owning the chips (0.5 = +50%).
    pub cloud_markup: N,
    /// Whether controlled fab equipment is denied to barred destinations.
    pub equipment_controls: bool,
}

/// A class of compute multipliers (innovations): jumps of `factor` arriving at `rate_per_year`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Multiplier<N = f64> {
    /// Efficiency gain of one innovation (1.2 = +20%).
    pub factor: N,
    /// Expected number per firm per year.
    pub rate_per_year: N,
}

/// A paradigm shift: a new axis of scaling.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paradigm<N = f64> {
    /// Year the new paradigm is discovered.
    pub arrival_year: N,
    /// The discovering firm, or `None` for a firm drawn at random (equal chances, any bloc).
    pub discoverer: Option<String>,
    /// Adoption lag for firms in the discoverer's bloc, years.
    pub adoption_lag_in_bloc_years: N,
    /// Adoption lag for firms in other blocs, years.
    pub adoption_lag_cross_bloc_years: N,
    /// Gain in log10 effective compute per decade of training compute put on the new axis.
    pub gain_per_decade: N,
    /// Total gain the new axis can give, in decades (log10) of effective compute.
    pub max_gain_decades: N,
    /// Training compute (FLOP) at which the new axis starts to pay.
    pub base_compute_flop: N,
    /// Useful compute on the new axis at its arrival, FLOP: spend beyond it brings nothing yet.
    pub useful_compute_flop: N,
    /// Growth of the useful compute on the new axis, multiplier per year.
    pub useful_compute_growth_per_year: N,
}

/// Technology: algorithmic and hardware progress, diffusion, training.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Technology<N = f64> {
    /// Average algorithmic progress, multiplier per year on effective compute, jumps included
    /// (Ho et al. 2024: halving every ~8 months ≈ 2.8x/yr).
    pub algo_progress_per_year: N,
    /// Stochastic compute multipliers; they are part of `algo_progress_per_year`, not on top.
    pub multipliers: Vec<Multiplier<N>>,
    /// Lag after which a discovery reaches other firms of the same bloc, years.
    pub diffusion_lag_in_bloc_years: N,
    /// Lag after which a discovery reaches firms of other blocs, years.
    pub diffusion_lag_cross_bloc_years: N,
    /// How fast reproducing an already-shown capability gets cheaper, multiplier per year since
    /// it was shown (known recipes, distillation; Scher 2025: 16-70x, contested).
    pub catchup_cost_decline_per_year: N,
    /// Share of gains from AI-accelerated research (after a bloc crosses the threshold) that
    /// diffuses to rivals, in log terms (0 = none, 1 = like ordinary discoveries).
    pub ai_gain_diffusion_share: N,
    /// Speed-up of algorithmic progress of a bloc once it has crossed the threshold.
    pub ai_rnd_multiplier: N,
    /// Training FLOP per second of one H100e (dense BF16, ~989e12).
    pub flop_per_h100e_second: N,
    /// Average utilisation of chips during a training run.
    pub utilization: N,
    /// Length of a frontier training run, years (runs of one step use `min(run, step)`).
    pub run_length_years: N,
    /// Share of fleet used for training grows toward this.
    pub training_share_max: N,
    /// Share of the remaining gap to `training_share_max` closed per year.
    pub training_share_growth_per_year: N,
    /// Capability index points per decade of effective compute (capability is
    /// `capability_per_decade × log10(effective FLOP)`).
    pub capability_per_decade: N,
    /// Share of the fleet retired (worn out or obsolete) per year.
    pub fleet_retirement_per_year: N,
    /// Share of hardware progress (performance per chip, cost decline) retained by a fab under
    /// equipment controls, in log terms (0.5 = half the progress).
    pub equipment_control_progress_share: N,
    /// Yield ceiling multiplier for a fab under equipment controls.
    pub equipment_control_yield_factor: N,
    /// Decline of production cost per H100e, multiplier per year (FLOP per dollar growth,
    /// Hobbhahn & Besiroglu: ≈1.4x).
    pub cost_decline_per_year: N,
    /// An optional paradigm shift.
    pub paradigm: Option<Paradigm<N>>,
}

/// Economics: revenue, budgets and the chip market.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Economics<N = f64> {
    /// Growth of AI revenue at the frontier, multiplier per year.
    pub revenue_growth_per_year: N,
    /// Revenue falls by `exp(-elasticity × gap)` for a firm `gap` capability points behind the
    /// world frontier.
    pub revenue_capability_elasticity: N,
    /// Share of revenue that flows back into the budget.
    pub revenue_reinvested_share: N,
    /// A bloc's labs together cannot spend more than this share of the bloc's GDP per year.
    pub budget_ceiling_gdp_share: N,
    /// Price markup over production cost when supply meets demand (0.6 = +60%).
    pub price_margin: N,
    /// Price response to scarcity: price × (demand/supply)^elasticity when demand exceeds supply.
    pub price_scarcity_elasticity: N,
    /// How sharply firms prefer the source giving the most training value per dollar
    /// (0 = split evenly; large = all on the best).
    pub source_preference_sharpness: N,
}

/// The outcome definition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRule<N = f64> {
    /// Capability threshold T for generally superhuman AI (capability index points).
    pub threshold: N,
    /// How the decisive window is set.
    pub window: Window<N>,
}

/// How long rivals have after the leader crosses the threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Window<N = f64> {
    /// The window closes when the leader reaches the decisive level `threshold + above_threshold`
    /// or after `max_years`, whichever is first.
    Decisive {
        /// Decisive level D minus threshold T, capability points.
        above_threshold: N,
        /// Maximum window length, years.
        max_years: N,
    },
    /// A fixed calendar window of `years` after the first crossing.
    Fixed {
        /// Window length, years.
        years: N,
    },
}

impl Scenario<f64> {
    /// Number of simulation steps from start to horizon (at least 1).
    pub fn horizon_steps(&self) -> u32 {
        let years = (self.study.horizon_year - self.study.start_year).max(0.0);
        let steps = (years * f64::from(self.study.steps_per_year.max(1))).round();
        if steps.is_finite() {
            (steps as u32).max(1)
        } else {
            1
        }
    }
}

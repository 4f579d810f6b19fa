//! The ECS data: components of nations, firms and fabs, and the shared resources (clock,
//! rules, market, frontier, outcome tracker, trace).
//!
//! Every component carries the agent's index in its id-sorted list; systems write per-agent
//! values into resource arrays by that index and reduce over the arrays in index order, so no
//! result depends on query iteration order.

use bevy_ecs::prelude::*;

use crate::mechanisms::{Crossing, FabState, Pool, Request, RuleView};
use crate::prepared::Prepared;
use crate::rng::KeyedStream;

/// Words drawn per firm per step from its innovation stream: one uniform decides whether the
/// firm makes a discovery this step and of which class (classes are mutually exclusive within a
/// step, which is exact for the expectation as long as their probabilities sum to at most 1).
pub const INNOVATION_WORDS: usize = 1;

/// Most multiplier classes a scenario may define.
pub const MAX_MULTIPLIER_CLASSES: usize = 8;

/// Marker of every agent entity of a run (so a reused World can be reset).
#[derive(Component, Clone, Copy, Debug)]
pub struct Agent;

/// A nation entity.
#[derive(Component, Clone, Copy, Debug)]
pub struct NationAgent {
    /// Index in the id-sorted nation list.
    pub idx: usize,
}

/// A fab entity's changing state.
#[derive(Component, Clone, Debug)]
pub struct FabAgent {
    /// Index in the id-sorted fab list.
    pub idx: usize,
    /// Production state.
    pub state: FabState,
}

/// A firm entity's changing state.
#[derive(Component, Clone, Debug)]
pub struct FirmAgent {
    /// Index in the id-sorted firm list.
    pub idx: usize,
    /// Index of its bloc.
    pub bloc: usize,
    /// Index of its nation.
    pub nation: usize,
    /// External funding, USD per year.
    pub funding: f64,
    /// Funding growth per step.
    pub funding_step: f64,
    /// Revenue at the frontier (before the capability-gap discount), USD per year.
    pub revenue_frontier: f64,
    /// Revenue growth per step.
    pub revenue_step: f64,
    /// Revenue this step, USD per year.
    pub revenue: f64,
    /// Budget this step after the bloc ceiling, USD per year.
    pub budget: f64,
    /// Cash reserve, USD.
    pub cash: f64,
    /// Spent on chips this step, USD.
    pub spend: f64,
    /// Of which stockpiling from the cash reserve, USD.
    pub stockpile_spend: f64,
    /// Fleet, H100e of training value.
    pub fleet_h100e: f64,
    /// Share of the fleet on the frontier run.
    pub training_share: f64,
    /// Own algorithmic efficiency, log10.
    pub own_eff: f64,
    /// Efficiency from AI-accelerated research, log10.
    pub ai_eff: f64,
    /// Own-efficiency gain of the last step (what the AI-R&D multiplier scales).
    pub last_gain: f64,
    /// Initial algorithmic efficiency, log10.
    pub base_eff: f64,
    /// Cumulative log10 gain of the firm's own discoveries.
    pub discovered: f64,
    /// Year from which it uses the new paradigm (infinity: never).
    pub adopted_at: f64,
    /// Paradigm gain, log10 effective compute.
    pub paradigm_gain: f64,
    /// log10 of the compute useful on the new axis for this firm (`-inf` before it adopts).
    pub paradigm_useful: f64,
    /// Training compute of this step's run, FLOP.
    pub training_flop: f64,
    /// log10 effective compute of this step's run.
    pub log10_effective: f64,
    /// Best capability so far.
    pub capability: f64,
    /// Best capability so far on the old axes (without paradigm gains).
    pub base_capability: f64,
    /// Bought legally this step (open or capped), H100e.
    pub bought_h100e: f64,
    /// Compliant variants this step, H100e of training value.
    pub compliant_h100e: f64,
    /// Compliant variants this step, chips.
    pub compliant_chips: f64,
    /// Smuggled chips that got through this step, H100e.
    pub smuggled_h100e: f64,
    /// Smuggled chips that got through this step, chips.
    pub smuggled_chips: f64,
    /// Smuggled chips seized this step, H100e.
    pub seized_h100e: f64,
    /// Cloud access this step, H100e.
    pub cloud_h100e: f64,
    /// Average price paid per H100e this step, USD (0 when nothing bought).
    pub price_paid: f64,
    /// Innovation stream.
    pub stream: KeyedStream<INNOVATION_WORDS>,
}

/// The run's constants and keys.
#[derive(Resource, Clone, Debug)]
pub struct RunParams {
    /// The resolved scenario.
    pub prepared: Prepared,
    /// Seed of this run.
    pub run_seed: u64,
}

/// The simulation clock.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct Clock {
    /// Current step (0-based); the step covers `[year, year + dt)`.
    pub step: u32,
}

/// The rules as they stand this step.
#[derive(Resource, Clone, Debug, Default)]
pub struct Rules(pub RuleView);

/// The chip market.
#[derive(Resource, Clone, Debug, Default)]
pub struct ChipMarket {
    /// Supply pools, `bloc * 2 + controlled`.
    pub pools: Vec<Pool>,
    /// Each fab's output this step: (pool, chips, H100e, cost per H100e).
    pub fab_supply: Vec<(usize, f64, f64, f64)>,
    /// Each firm's requests this step, by firm index.
    pub requests: Vec<Vec<Request>>,
    /// Nation of each firm, by firm index.
    pub nation_of: Vec<usize>,
    /// Whether each nation has firms (only those get a purchase plan).
    pub nation_has_firms: Vec<bool>,
    /// Purchase plans for one dollar this step, by `bloc * 3 + access rank`.
    pub plans: Vec<Vec<Request>>,
    /// Whether each plan has been computed this step.
    pub plan_ready: Vec<bool>,
    /// Which plan each nation uses this step.
    pub plan_of_nation: Vec<usize>,
    /// Scratch: capped demand per nation.
    pub capped_demand: Vec<f64>,
    /// Expected seized share of smuggled chips, per destination bloc.
    pub expected_seizure: Vec<f64>,
    /// Bloc of each firm, by firm index.
    pub bloc_of: Vec<usize>,
    /// Smuggling capacity this step, chips, per destination bloc.
    pub smuggling_capacity: Vec<f64>,
    /// Share of smuggling orders filled this step, per destination bloc.
    pub smuggling_fill: Vec<f64>,
    /// Expected share of smuggling orders filled (smoothed), per destination bloc.
    pub expected_smuggling_fill: Vec<f64>,
    /// Smuggling attempted this step, chips, per destination bloc.
    pub smuggle_attempt_chips: Vec<f64>,
    /// Share of smuggled chips that got through this step, per destination bloc.
    pub through_share: Vec<f64>,
    /// Detection-noise streams, per destination bloc.
    pub smuggling_streams: Vec<KeyedStream<1>>,
}

/// Budgets: raw totals and ceiling factors per bloc.
#[derive(Resource, Clone, Debug, Default)]
pub struct Budgets {
    /// Raw budget of each firm, by firm index.
    pub raw: Vec<f64>,
    /// Factor applied to each bloc's budgets.
    pub factor: Vec<f64>,
    /// World total of budgets after ceilings, USD per year (shares out discoveries).
    pub world_total: f64,
}

/// Bloc frontiers and their histories (index `k` = state at `year(k)`).
#[derive(Resource, Clone, Debug, Default)]
pub struct Frontier {
    /// Capability per bloc per step.
    pub capability: Vec<Vec<f64>>,
    /// Own efficiency frontier per bloc per step (log10).
    pub own_eff: Vec<Vec<f64>>,
    /// AI-research efficiency frontier per bloc per step (log10).
    pub ai_eff: Vec<Vec<f64>>,
    /// World capability frontier per step.
    pub world_capability: Vec<f64>,
    /// World own-efficiency frontier per step.
    pub world_own_eff: Vec<f64>,
    /// World AI-efficiency frontier per step.
    pub world_ai_eff: Vec<f64>,
    /// Whether each bloc has crossed the threshold (its research is AI-accelerated).
    pub crossed: Vec<bool>,
    /// Cumulative discoveries (log10) made by each bloc's firms, per step.
    pub bloc_discoveries: Vec<Vec<f64>>,
    /// Cumulative discoveries (log10) made in the world, per step.
    pub world_discoveries: Vec<f64>,
    /// Each firm's cumulative discoveries per step, flat: `firm * history_len + step`.
    pub firm_discoveries: Vec<f64>,
    /// Scratch: each firm's discovery this step, by firm index.
    pub disc_scratch: Vec<f64>,
    /// Chip stock per bloc per step, H100e.
    pub chip_stock: Vec<Vec<f64>>,
    /// Capability on the old axes (without paradigm gains) per bloc per step: what catch-up
    /// reproduces.
    pub base_capability: Vec<Vec<f64>>,
    /// World capability on the old axes per step.
    pub world_base_capability: Vec<f64>,
    /// Scratch: per-firm values (capability, own eff, ai eff, fleet, base capability).
    pub scratch: Vec<(f64, f64, f64, f64, f64)>,
}

/// Crossings and the decisive window.
#[derive(Resource, Clone, Debug, Default)]
pub struct OutcomeTracker {
    /// Each bloc's threshold crossing.
    pub crossings: Vec<Option<Crossing>>,
    /// The leader once known.
    pub leader: Option<usize>,
    /// The leader's crossing of the decisive level, tick.
    pub decisive_tick: Option<u32>,
    /// Window length in ticks once known.
    pub window_ticks: Option<u32>,
    /// Follower's capability lag at the leader's crossing, years.
    pub follower_lag_years: Option<f64>,
    /// Whether the run is over.
    pub done: bool,
}

/// Per-step trajectory of every agent, when requested.
#[derive(Resource, Clone, Debug, Default)]
pub struct Trace {
    /// Whether to record.
    pub enabled: bool,
    /// Recorded rows.
    pub rows: Vec<TraceRow>,
}

/// Kinds of agent in a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AgentKind {
    /// A bloc (aggregate of its nations).
    Bloc,
    /// A nation (aggregate of its firms and fabs).
    Nation,
    /// A firm.
    Firm,
    /// A fab.
    Fab,
}

impl AgentKind {
    /// Name used in `trajectories.csv`.
    pub fn name(self) -> &'static str {
        match self {
            AgentKind::Bloc => "bloc",
            AgentKind::Nation => "nation",
            AgentKind::Firm => "firm",
            AgentKind::Fab => "fab",
        }
    }
}

/// One agent at one step. Flows are per-year rates over the step; `None` where a column does
/// not apply to the kind.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TraceRow {
    /// Year at the end of the step (the state's time).
    pub year: f64,
    /// Step index (0 = initial state).
    pub step: u32,
    /// Kind of agent.
    pub kind: Option<AgentKind>,
    /// Index in the kind's id-sorted list.
    pub index: usize,
    /// Bloc index.
    pub bloc: usize,
    /// Capability index.
    pub capability: Option<f64>,
    /// Effective compute of the step's run, FLOP (start-year efficiency).
    pub effective_compute: Option<f64>,
    /// Physical training compute of the step's run, FLOP.
    pub training_compute: Option<f64>,
    /// Chip stock, H100e.
    pub chip_stock_h100e: Option<f64>,
    /// Spending on chips, USD per year.
    pub spend_usd: Option<f64>,
    /// Revenue, USD per year.
    pub revenue_usd: Option<f64>,
    /// Chip production, H100e per year.
    pub production_h100e: Option<f64>,
    /// Compliant chips received, H100e of training value per year.
    pub compliant_h100e: Option<f64>,
    /// Compliant chips received, chips per year.
    pub compliant_chips: Option<f64>,
    /// Smuggled chips that got through, H100e per year.
    pub smuggled_h100e: Option<f64>,
    /// Smuggled chips that got through, chips per year.
    pub smuggled_chips: Option<f64>,
    /// Smuggled chips seized, H100e per year.
    pub seized_h100e: Option<f64>,
    /// Chip price, USD per H100e (fab: its pool's price; firm: average paid).
    pub chip_price_usd: Option<f64>,
    /// Budget, USD per year.
    pub budget_usd: Option<f64>,
    /// Algorithmic efficiency, log10 (own + AI-accelerated).
    pub algo_efficiency_log10: Option<f64>,
    /// Paradigm gain, log10 effective compute.
    pub paradigm_gain_log10: Option<f64>,
}

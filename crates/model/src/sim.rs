//! A single run as a library call: parameters and seed in, outcome (and optionally a
//! trajectory) out.
//!
//! [`Simulation`] owns one `World` and one `Schedule` and is meant to be reused run after run
//! by a worker: building a schedule costs more than a short run. Between runs every agent
//! entity is despawned and every resource replaced, so nothing leaks from one run into the
//! next (a test checks that a reused simulation gives the same bytes as a fresh one).

use bevy_ecs::prelude::*;

use crate::mechanisms::{self as m, Crossing, FabState, Polarity};
use crate::params::Scenario;
use crate::prepared::Prepared;
use crate::rng::{KeyedStream, Purpose, id_hash, run_seed};
use crate::state::*;
use crate::systems::build_schedule;

/// Which run of which study.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RunKey {
    /// The study seed.
    pub study_seed: u64,
    /// The run index within the study.
    pub run: u64,
}

impl RunKey {
    /// The run's own seed, derived only from (study seed, run index).
    pub fn seed(self) -> u64 {
        run_seed(self.study_seed, self.run)
    }
}

/// What a run reports.
#[derive(Clone, Debug, PartialEq)]
pub struct RunResult {
    /// The run's key.
    pub key: RunKey,
    /// The run's seed.
    pub seed: u64,
    /// Outcome.
    pub polarity: Polarity,
    /// Leader bloc index (into the sorted bloc ids).
    pub leader: Option<usize>,
    /// Each bloc's threshold crossing, grid tick (1/48 year).
    pub crossings: Vec<Option<u32>>,
    /// First crossing, tick.
    pub first_tick: Option<u32>,
    /// Second crossing (any time before the run ended), tick.
    pub second_tick: Option<u32>,
    /// Decisive window length, ticks (when there is a leader).
    pub window_ticks: Option<u32>,
    /// The leader's crossing of the decisive level, tick.
    pub decisive_tick: Option<u32>,
    /// Follower's capability lag at the first crossing, months.
    pub follower_lag_months: Option<f64>,
    /// Steps simulated.
    pub steps: u32,
    /// Trajectory rows, when requested.
    pub trace: Vec<TraceRow>,
    /// Each bloc's frontier capability at every step up to the horizon (index 0 = start), for
    /// fan charts over all runs. Values before a bloc has any firm are `-inf`.
    pub bloc_capability: Vec<Vec<f64>>,
    /// Each bloc's chip stock (H100e) at every step up to the horizon (index 0 = start).
    pub bloc_chip_stock: Vec<Vec<f64>>,
}

impl RunResult {
    /// First-to-second lag, years.
    pub fn lag_years(&self) -> Option<f64> {
        Some(m::tick_year(self.second_tick? - self.first_tick?))
    }
}

/// Options of one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Record a per-step trajectory of every agent.
    pub trace: bool,
}

/// A reusable simulation: one World and one Schedule.
pub struct Simulation {
    world: World,
    schedule: Schedule,
}

impl Default for Simulation {
    fn default() -> Self {
        Self::new()
    }
}

impl Simulation {
    /// A new simulation with its schedule built and initialised.
    pub fn new() -> Self {
        let mut world = World::new();
        let mut schedule = build_schedule();
        reset(
            &mut world,
            Prepared::new(&crate::testworld::test_world()),
            0,
            false,
        );
        // Build the schedule once up front (it panics only on a malformed schedule, which is
        // a bug in this crate, not a property of any input).
        let _ = schedule.initialize(&mut world);
        Simulation { world, schedule }
    }

    /// Runs one world to its outcome.
    pub fn run(&mut self, scenario: &Scenario<f64>, key: RunKey, opts: RunOptions) -> RunResult {
        self.run_prepared(Prepared::new(scenario), key, opts)
    }

    /// Runs one world from an already resolved scenario.
    pub fn run_prepared(&mut self, prepared: Prepared, key: RunKey, opts: RunOptions) -> RunResult {
        let seed = key.seed();
        let max_steps = prepared.max_steps;
        reset(&mut self.world, prepared, seed, opts.trace);
        let mut steps = 0;
        while steps < max_steps {
            self.schedule.run(&mut self.world);
            steps += 1;
            if self.world.resource::<OutcomeTracker>().done {
                break;
            }
        }
        let tracker = self.world.resource::<OutcomeTracker>().clone();
        let trace = std::mem::take(&mut self.world.resource_mut::<Trace>().rows);
        let mut result = summarize(key, seed, &tracker, steps, trace);
        let horizon = self.world.resource::<RunParams>().prepared.horizon_steps;
        series(&mut result, self.world.resource::<Frontier>(), horizon);
        result
    }

    /// The World (for tests that inspect agents).
    pub fn world(&self) -> &World {
        &self.world
    }
}

/// Runs one world with a fresh simulation (convenient; a worker should reuse a [`Simulation`]).
pub fn run_once(scenario: &Scenario<f64>, key: RunKey, opts: RunOptions) -> RunResult {
    Simulation::new().run(scenario, key, opts)
}

/// Copies the bloc series up to the horizon (or the last simulated step) into the result.
pub(crate) fn series(result: &mut RunResult, fr: &Frontier, horizon_steps: u32) {
    let upto = (horizon_steps.min(result.steps) as usize) + 1;
    result.bloc_capability = fr
        .capability
        .iter()
        .map(|h| h[..upto.min(h.len())].to_vec())
        .collect();
    result.bloc_chip_stock = fr
        .chip_stock
        .iter()
        .map(|h| h[..upto.min(h.len())].to_vec())
        .collect();
}

pub(crate) fn summarize(
    key: RunKey,
    seed: u64,
    t: &OutcomeTracker,
    steps: u32,
    trace: Vec<TraceRow>,
) -> RunResult {
    let window = t.window_ticks.unwrap_or(0);
    let (polarity, leader) = m::classify(&t.crossings, window);
    let mut order: Vec<Crossing> = t.crossings.iter().flatten().copied().collect();
    order.sort_by(|a, b| {
        a.tick
            .cmp(&b.tick)
            .then(b.capability.total_cmp(&a.capability))
    });
    RunResult {
        key,
        seed,
        polarity,
        leader,
        crossings: t.crossings.iter().map(|c| c.map(|c| c.tick)).collect(),
        first_tick: order.first().map(|c| c.tick),
        second_tick: order.get(1).map(|c| c.tick),
        window_ticks: t.window_ticks.filter(|_| leader.is_some()),
        decisive_tick: t.decisive_tick,
        follower_lag_months: t.follower_lag_years.map(|y| y * 12.0),
        steps,
        trace,
        bloc_capability: Vec::new(),
        bloc_chip_stock: Vec::new(),
    }
}

/// Everything a run starts from: the agents' components and the resources, as plain data.
/// The ECS driver spawns and inserts them; the reference driver uses them directly.
pub struct InitialState {
    /// The run's constants.
    pub run: RunParams,
    /// Nations, in id order.
    pub nations: Vec<NationAgent>,
    /// Fabs, in id order.
    pub fabs: Vec<FabAgent>,
    /// Firms, in id order.
    pub firms: Vec<FirmAgent>,
    /// The chip market.
    pub market: ChipMarket,
    /// Budgets.
    pub budgets: Budgets,
    /// Frontier histories (index 0 filled).
    pub frontier: Frontier,
    /// Outcome tracker.
    pub tracker: OutcomeTracker,
    /// Trace.
    pub trace: Trace,
}

/// Despawns the previous run's agents, replaces every resource and spawns this run's agents.
fn reset(world: &mut World, p: Prepared, seed: u64, trace: bool) {
    let old: Vec<Entity> = world
        .query_filtered::<Entity, With<Agent>>()
        .iter(world)
        .collect();
    for e in old {
        world.despawn(e);
    }
    // Despawns are recorded for removal detection; clear them or a reused World grows by a few
    // hundred bytes a run.
    world.clear_trackers();
    let st = initial_state(p, seed, trace);
    for n in st.nations {
        world.spawn((Agent, n));
    }
    for f in st.fabs {
        world.spawn((Agent, f));
    }
    for f in st.firms {
        world.spawn((Agent, f));
    }
    world.insert_resource(st.market);
    world.insert_resource(st.budgets);
    world.insert_resource(st.frontier);
    world.insert_resource(st.tracker);
    world.insert_resource(st.trace);
    world.insert_resource(Clock::default());
    world.insert_resource(Rules::default());
    world.insert_resource(st.run);
}

/// The initial state of a run (never fails, never panics).
pub fn initial_state(p: Prepared, seed: u64, trace: bool) -> InitialState {
    let nb = p.bloc_ids.len();
    let nf = p.firms.len();
    let hist = p.max_steps as usize + 1;

    // Paradigm: discoverer and adoption years.
    let adoption: Vec<f64> = match &p.paradigm {
        None => vec![f64::INFINITY; nf],
        Some(pc) if nf > 0 => {
            let disc = pc.discoverer.unwrap_or_else(|| {
                let u = KeyedStream::<1>::from_hash(
                    seed,
                    Purpose::ParadigmDiscovery,
                    id_hash("paradigm"),
                )
                .uniforms(0)[0];
                ((u * nf as f64) as usize).min(nf - 1)
            });
            let disc_bloc = p.firms[disc].bloc;
            (0..nf)
                .map(|i| {
                    if i == disc {
                        pc.arrival
                    } else if p.firms[i].bloc == disc_bloc {
                        pc.arrival + pc.lag_in
                    } else {
                        pc.arrival + pc.lag_cross
                    }
                })
                .collect()
        }
        Some(_) => Vec::new(),
    };

    let nations: Vec<NationAgent> = (0..p.nations.len())
        .map(|idx| NationAgent { idx })
        .collect();
    let fabs: Vec<FabAgent> = p
        .fabs
        .iter()
        .enumerate()
        .map(|(idx, c)| FabAgent {
            idx,
            state: FabState::new(c),
        })
        .collect();
    let mut firms = Vec::with_capacity(nf);
    let mut frontier = Frontier {
        capability: vec![vec![f64::NEG_INFINITY; hist]; nb],
        own_eff: vec![vec![f64::NEG_INFINITY; hist]; nb],
        ai_eff: vec![vec![0.0; hist]; nb],
        world_capability: vec![f64::NEG_INFINITY; hist],
        world_own_eff: vec![f64::NEG_INFINITY; hist],
        world_ai_eff: vec![0.0; hist],
        crossed: vec![false; nb],
        scratch: vec![
            (
                f64::NEG_INFINITY,
                f64::NEG_INFINITY,
                0.0,
                0.0,
                f64::NEG_INFINITY
            );
            nf
        ],
        base_capability: vec![vec![f64::NEG_INFINITY; hist]; nb],
        world_base_capability: vec![f64::NEG_INFINITY; hist],
        chip_stock: vec![vec![0.0; hist]; nb],
        bloc_discoveries: vec![vec![0.0; hist]; nb],
        world_discoveries: vec![0.0; hist],
        firm_discoveries: vec![0.0; hist * nf],
        disc_scratch: vec![0.0; nf],
    };
    let cpd = p.tech.capability_per_decade;
    for (idx, c) in p.firms.iter().enumerate() {
        let own_eff = crate::math::log10(c.p.algo_efficiency.clamp(1e-12, 1e12));
        let training_share = c.p.training_share.clamp(0.0, 1.0);
        // `max` before `min` (not `clamp`): a NaN becomes 0.
        #[expect(clippy::manual_clamp, reason = "maps NaN to 0, which clamp would keep")]
        let fleet = c.p.fleet_h100e.max(0.0).min(m::MAX_QUANTITY);
        let training_flop = m::training_flop(fleet, training_share, p.flop_per_h100e_run);
        let log10_effective = m::log10_or_zero(training_flop) + own_eff;
        let capability = m::capability(log10_effective, cpd);
        frontier.scratch[idx] = (capability, own_eff, 0.0, fleet, capability);
        firms.push(FirmAgent {
            idx,
            bloc: c.bloc,
            nation: c.nation,
            funding: c.p.funding_usd_per_year.max(0.0),
            funding_step: m::per_step(c.p.funding_growth_per_year, p.dt),
            revenue_frontier: c.p.revenue_usd_per_year.max(0.0),
            revenue_step: m::per_step(p.econ.revenue_growth_per_year, p.dt),
            revenue: 0.0,
            budget: 0.0,
            cash: c.p.cash_usd.max(0.0),
            spend: 0.0,
            stockpile_spend: 0.0,
            fleet_h100e: fleet,
            training_share,
            own_eff,
            ai_eff: 0.0,
            last_gain: 0.0,
            base_eff: own_eff,
            discovered: 0.0,
            adopted_at: adoption.get(idx).copied().unwrap_or(f64::INFINITY),
            paradigm_gain: 0.0,
            paradigm_useful: f64::NEG_INFINITY,
            training_flop,
            log10_effective,
            capability,
            base_capability: capability,
            bought_h100e: 0.0,
            compliant_h100e: 0.0,
            compliant_chips: 0.0,
            smuggled_h100e: 0.0,
            smuggled_chips: 0.0,
            seized_h100e: 0.0,
            cloud_h100e: 0.0,
            price_paid: 0.0,
            stream: KeyedStream::from_hash(seed, Purpose::Innovation, c.hash),
        });
    }
    crate::kernels::push_frontier(&mut frontier, &p, 0);

    let market = ChipMarket {
        pools: vec![m::Pool::default(); nb * 2]
            .into_iter()
            .map(|mut pool| {
                pool.last_scarcity = 1.0;
                pool
            })
            .collect(),
        fab_supply: vec![(0, 0.0, 0.0, 0.0); p.fabs.len()],
        requests: vec![Vec::new(); nf],
        nation_of: p.firms.iter().map(|f| f.nation).collect(),
        nation_has_firms: {
            let mut has = vec![false; p.nations.len()];
            for f in &p.firms {
                has[f.nation] = true;
            }
            has
        },
        plans: vec![Vec::new(); nb * 3],
        plan_ready: vec![false; nb * 3],
        plan_of_nation: vec![0; p.nations.len()],
        capped_demand: vec![0.0; p.nations.len()],
        expected_seizure: vec![0.0; nb],
        bloc_of: p.firms.iter().map(|f| f.bloc).collect(),
        smuggling_capacity: vec![f64::INFINITY; nb],
        smuggling_fill: vec![1.0; nb],
        expected_smuggling_fill: vec![1.0; nb],
        smuggle_attempt_chips: vec![0.0; nb],
        through_share: vec![1.0; nb],
        smuggling_streams: p
            .bloc_ids
            .iter()
            .map(|b| KeyedStream::new(seed, Purpose::Smuggling, b))
            .collect(),
    };
    InitialState {
        budgets: Budgets {
            raw: vec![0.0; nf],
            factor: vec![1.0; nb],
            world_total: 0.0,
        },
        tracker: OutcomeTracker {
            crossings: vec![None; nb],
            ..OutcomeTracker::default()
        },
        trace: Trace {
            enabled: trace,
            rows: Vec::new(),
        },
        run: RunParams {
            prepared: p,
            run_seed: seed,
        },
        nations,
        fabs,
        firms,
        market,
        frontier,
    }
}

//! One `bevy_ecs` system per mechanism, in named phases run in an explicit order.
//!
//! Systems are thin: they borrow their resources and queries and call the matching function of
//! [`crate::kernels`], which calls the plain arithmetic of [`crate::mechanisms`].

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::SingleThreadedExecutor;

use crate::kernels as k;
use crate::state::*;

/// The phases of one step, run in this order.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Mechanism 2: which export rules are in force or announced.
    Policy,
    /// Mechanism 1: fabs produce chips.
    Production,
    /// Mechanism 4: revenue and budgets, with the bloc ceiling.
    Budgets,
    /// Mechanism 5 and 3: reinvestment into chips, and the market.
    Market,
    /// Mechanisms 6, 9 and 7: algorithmic progress, diffusion, AI acceleration, paradigms.
    Progress,
    /// Mechanism 8: training runs and capability.
    Training,
    /// Bloc frontiers and their histories.
    Frontier,
    /// Mechanism 10: crossings and the outcome.
    Outcome,
    /// Trajectory recording and the clock.
    Record,
}

/// Builds the schedule of one step (single-threaded executor: worlds are small and the
/// parallelism is across runs).
pub fn build_schedule() -> Schedule {
    let mut schedule = Schedule::default();
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.configure_sets(
        (
            Phase::Policy,
            Phase::Production,
            Phase::Budgets,
            Phase::Market,
            Phase::Progress,
            Phase::Training,
            Phase::Frontier,
            Phase::Outcome,
            Phase::Record,
        )
            .chain(),
    );
    schedule.add_systems(export_rules.in_set(Phase::Policy));
    schedule.add_systems(chip_production.in_set(Phase::Production));
    schedule.add_systems(
        (revenue_and_budgets, budget_ceiling)
            .chain()
            .in_set(Phase::Budgets),
    );
    schedule.add_systems(
        (
            market_supply,
            reinvestment,
            market_clearing,
            smuggling,
            chip_delivery,
        )
            .chain()
            .in_set(Phase::Market),
    );
    schedule.add_systems(
        (
            algorithmic_progress,
            diffusion,
            post_threshold_acceleration,
            paradigm_adoption,
        )
            .chain()
            .in_set(Phase::Progress),
    );
    schedule.add_systems(training.in_set(Phase::Training));
    schedule.add_systems(frontier.in_set(Phase::Frontier));
    schedule.add_systems(thresholds_and_outcome.in_set(Phase::Outcome));
    schedule.add_systems((record_trace, advance_clock).chain().in_set(Phase::Record));
    schedule
}

/// Mechanism 2: export-control rules.
pub fn export_rules(run: Res<RunParams>, clock: Res<Clock>, mut rules: ResMut<Rules>) {
    k::export_rules(&run.prepared, clock.step, &mut rules);
}

/// Mechanism 1: chip production.
pub fn chip_production(
    run: Res<RunParams>,
    rules: Res<Rules>,
    mut market: ResMut<ChipMarket>,
    mut fabs: Query<&mut FabAgent>,
) {
    k::chip_production(&run.prepared, &rules, &mut market, fabs.iter_mut());
}

/// Mechanism 4: revenue and raw budgets.
pub fn revenue_and_budgets(
    run: Res<RunParams>,
    frontier: Res<Frontier>,
    clock: Res<Clock>,
    mut budgets: ResMut<Budgets>,
    mut firms: Query<&mut FirmAgent>,
) {
    k::revenue_and_budgets(
        &run.prepared,
        clock.step,
        &frontier,
        &mut budgets,
        firms.iter_mut(),
    );
}

/// Mechanism 4: the bloc ceiling on budgets (a share of the bloc's GDP).
pub fn budget_ceiling(
    run: Res<RunParams>,
    mut budgets: ResMut<Budgets>,
    mut firms: Query<&mut FirmAgent>,
) {
    k::budget_ceiling(&run.prepared, &mut budgets, firms.iter_mut());
}

/// Mechanism 3: each fab's output into its pool, and base prices.
pub fn market_supply(run: Res<RunParams>, mut market: ResMut<ChipMarket>) {
    k::market_supply(&run.prepared, &mut market);
}

/// Mechanism 5: reinvestment — each firm's chip budget, split over the channels open to it.
pub fn reinvestment(
    run: Res<RunParams>,
    clock: Res<Clock>,
    rules: Res<Rules>,
    mut market: ResMut<ChipMarket>,
    mut firms: Query<&mut FirmAgent>,
) {
    k::reinvestment(
        &run.prepared,
        clock.step,
        &rules,
        &mut market,
        firms.iter_mut(),
    );
}

/// Mechanism 3: the market clears (caps, smuggling capacity, scarcity price, pro-rata shares).
pub fn market_clearing(run: Res<RunParams>, rules: Res<Rules>, mut market: ResMut<ChipMarket>) {
    k::market_clearing(&run.prepared, &rules, &mut market);
}

/// Mechanism 3: smuggling — detection rises with the volume smuggled into each bloc.
pub fn smuggling(
    run: Res<RunParams>,
    clock: Res<Clock>,
    rules: Res<Rules>,
    mut market: ResMut<ChipMarket>,
) {
    k::smuggling(&run.prepared, clock.step, &rules, &mut market);
}

/// Mechanism 3: delivery of what each firm obtained into its fleet.
pub fn chip_delivery(
    run: Res<RunParams>,
    market: Res<ChipMarket>,
    mut firms: Query<&mut FirmAgent>,
) {
    k::chip_delivery(&run.prepared, &market, firms.iter_mut());
}

/// Mechanism 6: each firm's own algorithmic progress (drift plus compute-multiplier jumps).
pub fn algorithmic_progress(
    run: Res<RunParams>,
    clock: Res<Clock>,
    budgets: Res<Budgets>,
    mut frontier: ResMut<Frontier>,
    mut firms: Query<&mut FirmAgent>,
) {
    k::algorithmic_progress(
        &run.prepared,
        clock.step,
        &budgets,
        &mut frontier,
        firms.iter_mut(),
    );
}

/// Mechanism 9: post-threshold acceleration by the AI-R&D multiplier.
pub fn post_threshold_acceleration(
    run: Res<RunParams>,
    frontier: Res<Frontier>,
    mut firms: Query<&mut FirmAgent>,
) {
    k::post_threshold_acceleration(&run.prepared, &frontier, firms.iter_mut());
}

/// Mechanism 6: diffusion through lagged bloc and world frontiers.
pub fn diffusion(
    run: Res<RunParams>,
    clock: Res<Clock>,
    frontier: Res<Frontier>,
    mut firms: Query<&mut FirmAgent>,
) {
    k::diffusion(&run.prepared, clock.step, &frontier, firms.iter_mut());
}

/// Mechanism 7: paradigm adoption.
pub fn paradigm_adoption(run: Res<RunParams>, clock: Res<Clock>, mut firms: Query<&mut FirmAgent>) {
    k::paradigm_adoption(&run.prepared, clock.step, firms.iter_mut());
}

/// Mechanism 8: training runs turn fleet and efficiency into capability, with catch-up.
pub fn training(
    run: Res<RunParams>,
    clock: Res<Clock>,
    frontier: Res<Frontier>,
    mut firms: Query<&mut FirmAgent>,
) {
    k::training(&run.prepared, clock.step, &frontier, firms.iter_mut());
}

/// Bloc frontiers: each bloc's best capability and efficiencies, pushed to the histories.
pub fn frontier(
    run: Res<RunParams>,
    clock: Res<Clock>,
    mut frontier: ResMut<Frontier>,
    firms: Query<&FirmAgent>,
) {
    k::frontier(&run.prepared, clock.step, &mut frontier, firms.iter());
}

/// Mechanism 10: threshold crossings, the leader, the decisive window and the end of the run.
pub fn thresholds_and_outcome(
    run: Res<RunParams>,
    clock: Res<Clock>,
    mut frontier: ResMut<Frontier>,
    mut tracker: ResMut<OutcomeTracker>,
) {
    k::thresholds_and_outcome(&run.prepared, clock.step, &mut frontier, &mut tracker);
}

/// Records one row per bloc, nation, firm and fab when tracing.
pub fn record_trace(
    run: Res<RunParams>,
    clock: Res<Clock>,
    market: Res<ChipMarket>,
    frontier: Res<Frontier>,
    mut trace: ResMut<Trace>,
    firms: Query<&FirmAgent>,
    fabs: Query<&FabAgent>,
) {
    if !trace.enabled {
        return;
    }
    k::record_trace(
        &run.prepared,
        clock.step,
        &market,
        &frontier,
        &mut trace,
        firms.iter(),
        fabs.iter(),
    );
}

/// Advances the clock.
pub fn advance_clock(mut clock: ResMut<Clock>) {
    k::advance_clock(&mut clock);
}

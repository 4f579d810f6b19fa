//! The body of every system, as functions over plain references and agent iterators.
//!
//! The ECS systems in [`crate::systems`] pass their resources and query iterators here; the
//! plain-`Vec` reference driver in [`crate::reference`] passes plain fields and `iter_mut()` of
//! vectors. One copy of the model logic serves both, which is what lets the benchmarks measure
//! the ECS machinery's overhead honestly. Per-agent values are scattered into resource arrays by
//! the agent's id-sorted index and reduced in index order, so iteration order never matters.

use std::ops::DerefMut;

use crate::math::exp10;
use crate::mechanisms::{self as m, Channel, Crossing, PlanInput};
use crate::prepared::{Prepared, WindowC};
use crate::state::*;

/// Mechanism 2: export-control rules.
pub fn export_rules(p: &Prepared, step: u32, rules: &mut Rules) {
    m::evaluate_rules(p, p.year(step), &mut rules.0);
}

/// Mechanism 1: chip production.
pub fn chip_production<F: DerefMut<Target = FabAgent>>(
    p: &Prepared,
    rules: &Rules,
    market: &mut ChipMarket,
    fabs: impl Iterator<Item = F>,
) {
    let rule = rules.0.in_force.map(|r| &p.rules[r]);
    for mut fab in fabs {
        let idx = fab.idx;
        let c = &p.fabs[idx];
        let constrained = rules.0.equipment_constrained[c.nation];
        m::produce(&mut fab.state, c, constrained, p);
        let controlled = m::is_controlled(p, rule, c.nation, fab.state.perf);
        let pool = c.bloc * 2 + usize::from(controlled);
        market.fab_supply[idx] = (
            pool,
            fab.state.out_chips,
            fab.state.out_h100e,
            fab.state.cost,
        );
    }
}

/// Mechanism 4: revenue and raw budgets.
pub fn revenue_and_budgets<F: DerefMut<Target = FirmAgent>>(
    p: &Prepared,
    step: u32,
    frontier: &Frontier,
    budgets: &mut Budgets,
    firms: impl Iterator<Item = F>,
) {
    let k = step as usize;
    let world = frontier.world_capability[k];
    for mut f in firms {
        f.funding *= f.funding_step;
        f.revenue_frontier *= f.revenue_step;
        let gap = world - f.capability;
        let subsidy = p.nations[f.nation].subsidy;
        let (raw, revenue) = m::raw_budget(f.funding, f.revenue_frontier, gap, subsidy, &p.econ);
        f.revenue = revenue;
        budgets.raw[f.idx] = raw;
    }
}

/// Mechanism 4: the bloc ceiling on budgets (a share of the bloc's GDP).
pub fn budget_ceiling<F: DerefMut<Target = FirmAgent>>(
    p: &Prepared,
    budgets: &mut Budgets,
    firms: impl Iterator<Item = F>,
) {
    let nb = p.bloc_ids.len();
    let mut totals = [0.0f64; 16];
    let mut big = Vec::new();
    let totals: &mut [f64] = if nb <= 16 {
        &mut totals[..nb]
    } else {
        big.resize(nb, 0.0);
        &mut big
    };
    for (i, raw) in budgets.raw.iter().enumerate() {
        totals[p.firms[i].bloc] += raw;
    }
    let share = p.econ.budget_ceiling_gdp_share.max(0.0);
    for (b, total) in totals.iter().enumerate() {
        budgets.factor[b] = m::ceiling_factor(*total, share * p.bloc_gdp[b]);
    }
    budgets.world_total = totals
        .iter()
        .zip(&budgets.factor)
        .map(|(total, factor)| total * factor)
        .sum();
    for mut f in firms {
        f.budget = budgets.raw[f.idx] * budgets.factor[f.bloc];
    }
}

/// Mechanism 3: each fab's output into its pool, and base prices.
pub fn market_supply(p: &Prepared, market: &mut ChipMarket) {
    let market = &mut *market;
    for pool in &mut market.pools {
        pool.supply_h100e = 0.0;
        pool.supply_chips = 0.0;
        pool.cost_weighted = 0.0;
    }
    for &(pool, chips, h100e, cost) in &market.fab_supply {
        let pool = &mut market.pools[pool];
        pool.supply_chips += chips;
        pool.supply_h100e += h100e;
        pool.cost_weighted += cost * h100e;
    }
    m::price_pools(&mut market.pools, p.econ.price_margin);
}

/// Mechanism 5: reinvestment — each firm's chip budget, split over the channels open to it.
pub fn reinvestment<F: DerefMut<Target = FirmAgent>>(
    p: &Prepared,
    step: u32,
    rules: &Rules,
    market: &mut ChipMarket,
    firms: impl Iterator<Item = F>,
) {
    let year = p.year(step);
    let rule = rules.0.in_force.map(|r| &p.rules[r]);
    let market = &mut *market;
    // Planning is linear in the budget and depends on the firm only through its bloc and its
    // nation's kind of access, so plan once per (bloc, access) in use for one dollar, then scale
    // each firm's plan by its budget: linear cost in firms and nations.
    market.plan_ready.iter_mut().for_each(|r| *r = false);
    for (n, nation) in p.nations.iter().enumerate() {
        if !market.nation_has_firms[n] {
            continue;
        }
        let access = rules.0.access[n];
        let key = nation.bloc * 3 + usize::from(access.rank());
        market.plan_of_nation[n] = key;
        if market.plan_ready[key] {
            continue;
        }
        let input = PlanInput {
            access,
            rule,
            budget: 1.0,
            expected_seizure: market.expected_seizure[nation.bloc],
            expected_smuggling_fill: market.expected_smuggling_fill[nation.bloc],
            sharpness: p.econ.source_preference_sharpness,
        };
        m::plan_purchases(&input, &market.pools, &mut market.plans[key]);
        market.plan_ready[key] = true;
    }
    for mut f in firms {
        let stockpile_left = if rules.0.will_lose_access[f.nation] {
            rules.0.announced.map(|r| p.rules[r].start - year)
        } else {
            None
        };
        let c = &p.firms[f.idx];
        let (spend, extra) =
            m::chip_spend(f.budget, c.p.reinvest_share, p.dt, f.cash, stockpile_left);
        f.cash -= extra;
        f.stockpile_spend = extra;
        let requests = &mut market.requests[f.idx];
        requests.clear();
        if spend > 0.0 {
            let plan = &market.plans[market.plan_of_nation[f.nation]];
            requests.extend(plan.iter().map(|r| m::Request {
                spend: r.spend * spend,
                ..*r
            }));
        }
    }
}

/// Mechanism 3: the market clears (caps, smuggling capacity, scarcity price, pro-rata shares).
pub fn market_clearing(p: &Prepared, rules: &Rules, market: &mut ChipMarket) {
    let market = &mut *market;
    let capacity = rules.0.in_force.map_or(f64::INFINITY, |r| {
        let rule = &p.rules[r];
        m::smuggling_capacity(rule.enforcement, rule.smuggling_scale) * p.dt
    });
    market
        .smuggling_capacity
        .iter_mut()
        .for_each(|c| *c = capacity);
    let limits = m::ClearingLimits {
        nation_of: &market.nation_of,
        bloc_of: &market.bloc_of,
        caps: &rules.0.access,
        smuggling_capacity: &market.smuggling_capacity,
    };
    m::clear_market(
        &mut market.pools,
        &mut market.requests,
        &limits,
        &mut market.capped_demand,
        &mut market.smuggling_fill,
        p.econ.price_scarcity_elasticity,
    );
}

/// Mechanism 3: smuggling — detection rises with the volume smuggled into each bloc.
pub fn smuggling(p: &Prepared, step: u32, rules: &Rules, market: &mut ChipMarket) {
    let market = &mut *market;
    market
        .smuggle_attempt_chips
        .iter_mut()
        .for_each(|x| *x = 0.0);
    for (f, reqs) in market.requests.iter().enumerate() {
        for r in reqs.iter().filter(|r| r.channel == Channel::Smuggled) {
            let pool = &market.pools[r.pool];
            let h100e = r.spend * r.fill * r.supply_per_usd / pool.price.max(1e-9);
            market.smuggle_attempt_chips[p.firms[f].bloc] += h100e / pool.perf().max(1e-9);
        }
    }
    let Some(rule) = rules.0.in_force.map(|r| &p.rules[r]) else {
        market.through_share.iter_mut().for_each(|x| *x = 1.0);
        return;
    };
    for b in 0..p.bloc_ids.len() {
        let u = market.smuggling_streams[b].uniforms(step)[0];
        let noise = m::lognormal_noise(u, 0.3);
        let through = m::smuggling_through_share(
            market.smuggle_attempt_chips[b] / p.dt,
            rule.enforcement,
            rule.smuggling_scale,
            noise,
        );
        market.through_share[b] = through;
        // Firms expect next step's seizure rate from what they have seen (smoothed).
        if market.smuggle_attempt_chips[b] > 0.0 {
            market.expected_seizure[b] = 0.5 * market.expected_seizure[b] + 0.5 * (1.0 - through);
            market.expected_smuggling_fill[b] =
                0.5 * market.expected_smuggling_fill[b] + 0.5 * market.smuggling_fill[b];
        }
    }
}

/// Mechanism 3: delivery of what each firm obtained into its fleet.
pub fn chip_delivery<F: DerefMut<Target = FirmAgent>>(
    p: &Prepared,
    market: &ChipMarket,
    firms: impl Iterator<Item = F>,
) {
    for mut f in firms {
        let f = &mut *f;
        let (mut bought, mut compliant, mut compliant_chips) = (0.0, 0.0, 0.0);
        let (mut smuggled, mut smuggled_chips, mut seized, mut cloud) = (0.0, 0.0, 0.0, 0.0);
        let mut spent = 0.0;
        for r in &market.requests[f.idx] {
            let pool = &market.pools[r.pool];
            let supply = r.spend * r.fill * r.supply_per_usd / pool.price.max(1e-9);
            let value = supply * r.value_per_supply;
            spent += r.spend * r.fill;
            match r.channel {
                Channel::Buy | Channel::Capped => bought += value,
                Channel::Compliant => {
                    compliant += value;
                    compliant_chips += supply / pool.perf().max(1e-9);
                }
                Channel::Smuggled => {
                    let through = market.through_share[f.bloc];
                    smuggled += supply * through;
                    smuggled_chips += supply / pool.perf().max(1e-9) * through;
                    seized += supply * (1.0 - through);
                }
                Channel::Cloud => cloud += value,
            }
        }
        let planned: f64 = market.requests[f.idx].iter().map(|r| r.spend).sum();
        // What could not be bought stays in the firm's cash reserve.
        f.cash += (planned - spent).max(0.0);
        f.spend = spent;
        f.price_paid = if bought + compliant + smuggled + seized + cloud > 0.0 {
            spent / (bought + compliant + smuggled + seized + cloud)
        } else {
            0.0
        };
        f.bought_h100e = bought;
        f.compliant_h100e = compliant;
        f.compliant_chips = compliant_chips;
        f.smuggled_h100e = smuggled;
        f.smuggled_chips = smuggled_chips;
        f.seized_h100e = seized;
        f.cloud_h100e = cloud;
        f.fleet_h100e = (f.fleet_h100e * p.fleet_keep_step + bought + compliant + smuggled + cloud)
            .min(m::MAX_QUANTITY);
    }
}

/// Mechanism 6: each firm's own algorithmic progress (drift plus compute-multiplier jumps).
pub fn algorithmic_progress<F: DerefMut<Target = FirmAgent>>(
    p: &Prepared,
    step: u32,
    budgets: &Budgets,
    frontier: &mut Frontier,
    firms: impl Iterator<Item = F>,
) {
    let k1 = step as usize + 1;
    let hist = frontier.world_discoveries.len();
    for mut f in firms {
        let u = f.stream.uniforms(step);
        let share = if budgets.world_total > 0.0 {
            f.budget / budgets.world_total
        } else {
            1.0 / p.firms.len().max(1) as f64
        };
        let found = m::discover(p, &u, share);
        f.discovered += found;
        f.last_gain = p.algo_drift_step + found;
        frontier.disc_scratch[f.idx] = found;
        frontier.firm_discoveries[f.idx * hist + k1] = f.discovered;
    }
    // Cumulative discoveries per bloc and in the world, reduced in firm-id order.
    let nb = p.bloc_ids.len();
    for b in 0..nb {
        frontier.bloc_discoveries[b][k1] = frontier.bloc_discoveries[b][k1 - 1];
    }
    for (i, found) in frontier.disc_scratch.iter().enumerate() {
        let b = p.firms[i].bloc;
        frontier.bloc_discoveries[b][k1] += found;
    }
    frontier.world_discoveries[k1] = (0..nb).map(|b| frontier.bloc_discoveries[b][k1]).sum();
}

/// Mechanism 9: once a bloc has crossed the threshold its research is AI-accelerated: its
/// firms gain `(multiplier - 1)` times their ordinary progress on top, kept apart so that it
/// diffuses to rivals at its own, lower rate.
pub fn post_threshold_acceleration<F: DerefMut<Target = FirmAgent>>(
    p: &Prepared,
    frontier: &Frontier,
    firms: impl Iterator<Item = F>,
) {
    let extra = (p.tech.ai_rnd_multiplier - 1.0).max(0.0);
    for mut f in firms {
        if frontier.crossed[f.bloc] {
            f.ai_eff += extra * f.last_gain;
        }
    }
}

/// Blocs whose lagged frontiers [`diffusion`] reads once per step rather than once per firm
/// (a fixed-size array on the stack; worlds with more blocs read the rest per firm).
const DIFFUSION_CACHED_BLOCS: usize = 16;

/// Mechanism 6: diffusion through lagged bloc and world frontiers.
pub fn diffusion<F: DerefMut<Target = FirmAgent>>(
    p: &Prepared,
    step: u32,
    frontier: &Frontier,
    firms: impl Iterator<Item = F>,
) {
    let k = step as usize;
    let k1 = k + 1;
    let hist = frontier.world_discoveries.len();
    let lag_in = (k as f64 - p.lag_in_steps).max(0.0);
    let lag_cross = (k as f64 - p.lag_cross_steps).max(0.0);
    let known_in = (k1 as f64 - p.lag_in_steps).max(0.0);
    let known_cross = (k1 as f64 - p.lag_cross_steps).max(0.0);
    let drift_so_far = p.algo_drift_step * k1 as f64;
    let share = p.tech.ai_gain_diffusion_share.clamp(0.0, 1.0);
    let world_known = m::at(&frontier.world_discoveries, known_cross);
    let world_own = m::at(&frontier.world_own_eff, lag_cross);
    let world_ai = m::at(&frontier.world_ai_eff, lag_cross);
    // The lagged bloc frontiers are the same for every firm of a bloc: read them once per
    // bloc (for the first DIFFUSION_CACHED_BLOCS blocs; others per firm), not once per firm.
    let bloc_values = |b: usize| {
        [
            m::at(&frontier.bloc_discoveries[b], known_in),
            m::at(&frontier.bloc_discoveries[b], known_cross),
            m::at(&frontier.own_eff[b], lag_in),
            m::at(&frontier.ai_eff[b], lag_in),
        ]
    };
    let mut cached = [[0.0; 4]; DIFFUSION_CACHED_BLOCS];
    let n_cached = p.bloc_ids.len().min(DIFFUSION_CACHED_BLOCS);
    for (b, values) in cached.iter_mut().enumerate().take(n_cached) {
        *values = bloc_values(b);
    }
    for mut f in firms {
        let b = f.bloc;
        let [bloc_known_in, bloc_known_cross, bloc_own, bloc_ai] = if b < n_cached {
            cached[b]
        } else {
            bloc_values(b)
        };
        let own = &frontier.firm_discoveries[f.idx * hist..(f.idx + 1) * hist];
        let known = m::known_efficiency(
            f.base_eff,
            drift_so_far,
            bloc_known_in,
            world_known,
            bloc_known_cross,
            own[k1],
            m::at(own, known_in),
        );
        // Initial differences close through the lagged frontiers.
        f.own_eff = m::diffuse(known, bloc_own, world_own);
        f.ai_eff = m::diffuse(f.ai_eff, bloc_ai, share * world_ai);
    }
}

/// Mechanism 7: paradigm adoption (the gain itself depends on the run's compute, in training).
pub fn paradigm_adoption<F: DerefMut<Target = FirmAgent>>(
    p: &Prepared,
    step: u32,
    firms: impl Iterator<Item = F>,
) {
    let Some(pc) = &p.paradigm else { return };
    let year = p.year(step + 1);
    let useful = m::paradigm_useful_log10(pc, year);
    for mut f in firms {
        f.paradigm_useful = if year >= f.adopted_at {
            useful
        } else {
            f64::NEG_INFINITY
        };
    }
}

/// Mechanism 8: training runs turn fleet and efficiency into capability, with catch-up.
pub fn training<F: DerefMut<Target = FirmAgent>>(
    p: &Prepared,
    step: u32,
    frontier: &Frontier,
    firms: impl Iterator<Item = F>,
) {
    let k = step as usize;
    let now = p.year(step + 1);
    let cpd = p.tech.capability_per_decade;
    let ts_max = p.tech.training_share_max.clamp(0.0, 1.0);
    let ts_rate = (p.tech.training_share_growth_per_year.max(0.0) * p.dt).min(1.0);
    let known_in = (k as f64 - p.lag_in_steps).max(0.0);
    let known_cross = (k as f64 - p.lag_cross_steps).max(0.0);
    for mut f in firms {
        f.training_share += (ts_max - f.training_share) * ts_rate;
        f.training_flop = m::training_flop(f.fleet_h100e, f.training_share, p.flop_per_h100e_run);
        let log_flop = m::log10_or_zero(f.training_flop);
        // Paradigm gain at the new compute level.
        if let Some(pc) = &p.paradigm {
            f.paradigm_gain = m::paradigm_gain_at(pc, f.paradigm_useful, log_flop);
        }
        // Catch-up reproduces capabilities on the old axes; a paradigm's gain adds on top (a
        // compute-poor lab that adopts the new axis gains as much as it would from its own run).
        let base_log10 = log_flop + f.own_eff + f.ai_eff;
        f.log10_effective = base_log10 + f.paradigm_gain;
        let own = m::capability(base_log10, cpd);
        let cu_bloc = m::catch_up(
            &frontier.base_capability[f.bloc],
            known_in,
            p.start_year,
            p.dt,
            now,
            base_log10,
            cpd,
            p.catchup_log10_per_year,
            f.base_capability,
        );
        let cu_world = m::catch_up(
            &frontier.world_base_capability,
            known_cross,
            p.start_year,
            p.dt,
            now,
            base_log10,
            cpd,
            p.catchup_log10_per_year,
            f.base_capability,
        );
        f.base_capability = f.base_capability.max(own).max(cu_bloc).max(cu_world);
        f.capability = f
            .capability
            .max(f.base_capability + m::capability(f.paradigm_gain, cpd));
    }
}

/// Bloc frontiers: each bloc's best capability and efficiencies, pushed to the histories.
pub fn frontier<'a>(
    p: &Prepared,
    step: u32,
    frontier: &mut Frontier,
    firms: impl Iterator<Item = &'a FirmAgent>,
) {
    let k = step as usize + 1;
    let fr = frontier;
    for f in firms {
        fr.scratch[f.idx] = (
            f.capability,
            f.own_eff,
            f.ai_eff,
            f.fleet_h100e,
            f.base_capability,
        );
    }
    push_frontier(fr, p, k);
}

/// Reduces the per-firm scratch values into bloc and world frontiers at history index `k`.
pub fn push_frontier(fr: &mut Frontier, p: &Prepared, k: usize) {
    let nb = p.bloc_ids.len();
    for b in 0..nb {
        fr.capability[b][k] = f64::NEG_INFINITY;
        fr.own_eff[b][k] = f64::NEG_INFINITY;
        fr.ai_eff[b][k] = 0.0;
        fr.chip_stock[b][k] = 0.0;
        fr.base_capability[b][k] = f64::NEG_INFINITY;
    }
    for (i, (cap, own, ai, fleet, base)) in fr.scratch.iter().enumerate() {
        let b = p.firms[i].bloc;
        fr.base_capability[b][k] = fr.base_capability[b][k].max(*base);
        fr.chip_stock[b][k] += fleet;
        fr.capability[b][k] = fr.capability[b][k].max(*cap);
        fr.own_eff[b][k] = fr.own_eff[b][k].max(*own);
        fr.ai_eff[b][k] = fr.ai_eff[b][k].max(*ai);
    }
    let (mut wc, mut wo, mut wa) = (f64::NEG_INFINITY, f64::NEG_INFINITY, 0.0f64);
    let mut wb = f64::NEG_INFINITY;
    for b in 0..nb {
        // Histories never decrease (capability is best-so-far; keep efficiency monotone too).
        if k > 0 {
            fr.capability[b][k] = fr.capability[b][k].max(fr.capability[b][k - 1]);
            fr.base_capability[b][k] = fr.base_capability[b][k].max(fr.base_capability[b][k - 1]);
            fr.own_eff[b][k] = fr.own_eff[b][k].max(fr.own_eff[b][k - 1]);
            fr.ai_eff[b][k] = fr.ai_eff[b][k].max(fr.ai_eff[b][k - 1]);
        }
        wc = wc.max(fr.capability[b][k]);
        wb = wb.max(fr.base_capability[b][k]);
        wo = wo.max(fr.own_eff[b][k]);
        wa = wa.max(fr.ai_eff[b][k]);
    }
    fr.world_capability[k] = wc;
    fr.world_base_capability[k] = wb;
    fr.world_own_eff[k] = wo;
    fr.world_ai_eff[k] = wa;
}

/// Mechanism 10: threshold crossings, the leader, the decisive window and the end of the run.
pub fn thresholds_and_outcome(
    p: &Prepared,
    step: u32,
    frontier: &mut Frontier,
    tracker: &mut OutcomeTracker,
) {
    let k = step as usize + 1;
    let year0 = p.year(step);
    let t = tracker;
    for b in 0..p.bloc_ids.len() {
        let (before, after) = (frontier.capability[b][k - 1], frontier.capability[b][k]);
        if t.crossings[b].is_none() && after >= p.threshold {
            let year = m::interpolate_crossing(before, after, p.threshold, year0, p.dt);
            t.crossings[b] = Some(Crossing {
                tick: m::to_tick(year),
                capability: after,
            });
            frontier.crossed[b] = true;
        }
    }
    if t.leader.is_none()
        && let Some(lead) = m::leader(&t.crossings)
    {
        t.leader = Some(lead);
        let t1 = t.crossings[lead].map_or(0, |c| c.tick);
        t.follower_lag_years = follower_lag(frontier, p, lead, t1, k);
    }
    let now_tick = m::to_tick(p.year(step + 1));
    if let Some(lead) = t.leader {
        let t1 = t.crossings[lead].map_or(0, |c| c.tick);
        match p.window {
            WindowC::Fixed { ticks } => t.window_ticks = Some(ticks),
            WindowC::Decisive { level, max_ticks } => {
                let (before, after) = (
                    frontier.capability[lead][k - 1],
                    frontier.capability[lead][k],
                );
                if t.decisive_tick.is_none() && after >= level {
                    let year = m::interpolate_crossing(before, after, level, year0, p.dt);
                    t.decisive_tick = Some(m::to_tick(year).max(t1));
                }
                let by_level = t.decisive_tick.map(|d| d - t1);
                t.window_ticks = Some(by_level.map_or(max_ticks, |w| w.min(max_ticks)));
            }
        }
    }
    let past_horizon = step + 1 >= p.horizon_steps;
    let window_closed = match (t.leader, t.window_ticks) {
        (None, _) => true,
        (Some(lead), Some(w)) => {
            let t1 = t.crossings[lead].map_or(0, |c| c.tick);
            let decided_by_level =
                matches!(p.window, WindowC::Decisive { .. }) && t.decisive_tick.is_some();
            decided_by_level || now_tick >= t1.saturating_add(w)
        }
        (Some(_), None) => false,
    };
    if (past_horizon && window_closed) || step + 1 >= p.max_steps {
        t.done = true;
    }
}

/// The follower's capability lag at the leader's crossing: how long before `t1` the leader had
/// the capability the best other bloc has at `t1`.
fn follower_lag(fr: &Frontier, p: &Prepared, lead: usize, t1: u32, k: usize) -> Option<f64> {
    let t1_year = m::tick_year(t1);
    let frac = ((t1_year - p.year(k as u32 - 1)) / p.dt).clamp(0.0, 1.0);
    let at_t1 =
        |b: usize| fr.capability[b][k - 1] + frac * (fr.capability[b][k] - fr.capability[b][k - 1]);
    let follower = (0..p.bloc_ids.len())
        .filter(|&b| b != lead)
        .max_by(|&a, &b| at_t1(a).total_cmp(&at_t1(b)).then(b.cmp(&a)))?;
    let level = at_t1(follower);
    if !level.is_finite() {
        return None;
    }
    m::time_since_reached(&fr.capability[lead], k, p.start_year, p.dt, level, t1_year)
}

/// Records one row per bloc, nation, firm and fab when tracing.
pub fn record_trace<'a, 'b>(
    p: &Prepared,
    step: u32,
    market: &ChipMarket,
    frontier: &Frontier,
    trace: &mut Trace,
    firms: impl Iterator<Item = &'a FirmAgent>,
    fabs: impl Iterator<Item = &'b FabAgent>,
) {
    if !trace.enabled {
        return;
    }
    let step = step + 1;
    let mut firm_rows: Vec<TraceRow> = vec![TraceRow::default(); p.firms.len()];
    for f in firms {
        firm_rows[f.idx] = firm_row(p, step, f);
    }
    let mut fab_rows: Vec<TraceRow> = vec![TraceRow::default(); p.fabs.len()];
    for fab in fabs {
        let c = &p.fabs[fab.idx];
        let pool = &market.pools[market.fab_supply[fab.idx].0];
        fab_rows[fab.idx] = TraceRow {
            year: p.year(step),
            step,
            kind: Some(AgentKind::Fab),
            index: fab.idx,
            bloc: c.bloc,
            production_h100e: Some(fab.state.out_h100e / p.dt),
            chip_price_usd: Some(pool.price),
            ..TraceRow::default()
        };
    }
    let rows = aggregate_rows(p, step, &firm_rows, &fab_rows, frontier);
    trace.rows.extend(rows);
    trace.rows.extend(firm_rows);
    trace.rows.extend(fab_rows);
}

/// A firm's trace row.
pub fn firm_row(p: &Prepared, step: u32, f: &FirmAgent) -> TraceRow {
    let dt = p.dt;
    TraceRow {
        year: p.year(step),
        step,
        kind: Some(AgentKind::Firm),
        index: f.idx,
        bloc: f.bloc,
        capability: Some(f.capability),
        effective_compute: Some(exp10(f.log10_effective.min(300.0))),
        training_compute: Some(f.training_flop),
        chip_stock_h100e: Some(f.fleet_h100e),
        spend_usd: Some(f.spend / dt),
        revenue_usd: Some(f.revenue),
        production_h100e: None,
        compliant_h100e: Some(f.compliant_h100e / dt),
        compliant_chips: Some(f.compliant_chips / dt),
        smuggled_h100e: Some(f.smuggled_h100e / dt),
        smuggled_chips: Some(f.smuggled_chips / dt),
        seized_h100e: Some(f.seized_h100e / dt),
        chip_price_usd: (f.price_paid > 0.0).then_some(f.price_paid),
        budget_usd: Some(f.budget),
        algo_efficiency_log10: Some(f.own_eff + f.ai_eff),
        paradigm_gain_log10: Some(f.paradigm_gain),
    }
}

fn add(a: &mut Option<f64>, b: Option<f64>) {
    if let Some(b) = b {
        *a = Some(a.unwrap_or(0.0) + b);
    }
}

fn max(a: &mut Option<f64>, b: Option<f64>) {
    if let Some(b) = b {
        *a = Some(a.map_or(b, |a| a.max(b)));
    }
}

/// Bloc and nation rows, aggregated in index order from firm and fab rows.
pub fn aggregate_rows(
    p: &Prepared,
    step: u32,
    firm_rows: &[TraceRow],
    fab_rows: &[TraceRow],
    frontier: &Frontier,
) -> Vec<TraceRow> {
    let year = p.year(step);
    let mut blocs: Vec<TraceRow> = (0..p.bloc_ids.len())
        .map(|b| TraceRow {
            year,
            step,
            kind: Some(AgentKind::Bloc),
            index: b,
            bloc: b,
            capability: Some(frontier.capability[b][step as usize]).filter(|c| c.is_finite()),
            ..TraceRow::default()
        })
        .collect();
    let mut nations: Vec<TraceRow> = p
        .nations
        .iter()
        .enumerate()
        .map(|(n, c)| TraceRow {
            year,
            step,
            kind: Some(AgentKind::Nation),
            index: n,
            bloc: c.bloc,
            ..TraceRow::default()
        })
        .collect();
    for (i, r) in firm_rows.iter().enumerate() {
        let n = p.firms[i].nation;
        for target in [&mut nations[n], &mut blocs[r.bloc]] {
            if target.kind == Some(AgentKind::Nation) {
                max(&mut target.capability, r.capability);
            }
            max(&mut target.effective_compute, r.effective_compute);
            max(&mut target.training_compute, r.training_compute);
            add(&mut target.chip_stock_h100e, r.chip_stock_h100e);
            add(&mut target.spend_usd, r.spend_usd);
            add(&mut target.revenue_usd, r.revenue_usd);
            add(&mut target.compliant_h100e, r.compliant_h100e);
            add(&mut target.compliant_chips, r.compliant_chips);
            add(&mut target.smuggled_h100e, r.smuggled_h100e);
            add(&mut target.smuggled_chips, r.smuggled_chips);
            add(&mut target.seized_h100e, r.seized_h100e);
            add(&mut target.budget_usd, r.budget_usd);
        }
    }
    for (i, r) in fab_rows.iter().enumerate() {
        let n = p.fabs[i].nation;
        add(&mut nations[n].production_h100e, r.production_h100e);
        add(&mut blocs[r.bloc].production_h100e, r.production_h100e);
    }
    blocs.extend(nations);
    blocs
}

/// Advances the clock.
pub fn advance_clock(clock: &mut Clock) {
    clock.step += 1;
}

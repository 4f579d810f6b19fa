//! The arithmetic of every mechanism, as plain functions over plain data.
//!
//! The ECS systems in [`crate::systems`] call these functions, and so does the plain-`Vec`
//! reference driver used to measure the ECS overhead: there is one copy of the model logic.
//! Nothing here allocates in the per-step path except the reused request buffers, and nothing
//! panics on any parameter value (inputs are clamped in [`crate::prepared`]).

use crate::math::{exp, log10, pow};
use crate::prepared::{AccessNow, FabC, FirmC, ParadigmC, Prepared, RuleC, TICKS_PER_YEAR};

/// Saturation bound of stocks, flows and prices (chips, USD, FLOP): far beyond any real value,
/// and small enough that products of two and sums over every agent stay finite, so that an
/// enormous but valid input (the validator accepts any finite amount) never overflows into an
/// infinity, or a NaN (`inf × 0`), downstream.
pub const MAX_QUANTITY: f64 = 1e100;

/// Largest scarcity factor (price over base price) of a chip pool.
pub const MAX_SCARCITY: f64 = 1e12;

/// `x` limited to `[0, MAX_QUANTITY]`; NaN (from `inf × 0`) becomes 0.
pub fn saturate(x: f64) -> f64 {
    if x > 0.0 { x.min(MAX_QUANTITY) } else { 0.0 }
}

// ---------------------------------------------------------------------------------------------
// 1. Chip production
// ---------------------------------------------------------------------------------------------

/// The changing state of a fab.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FabState {
    /// Capacity, chips per year at full yield.
    pub capacity: f64,
    /// Performance per chip, H100e.
    pub perf: f64,
    /// Current yield.
    pub yield_share: f64,
    /// Production cost per H100e, USD.
    pub cost: f64,
    /// Chips produced this step.
    pub out_chips: f64,
    /// H100e produced this step.
    pub out_h100e: f64,
    /// Whether equipment controls applied this step.
    pub constrained: bool,
}

impl FabState {
    /// The state at the start of a run.
    pub fn new(c: &FabC) -> Self {
        FabState {
            capacity: saturate(c.p.capacity_chips_per_year),
            perf: saturate(c.p.h100e_per_chip),
            yield_share: c.p.yield_share.clamp(0.0, 1.0),
            cost: saturate(c.p.cost_per_h100e_usd).max(1e-9),
            ..FabState::default()
        }
    }
}

/// Mechanism 1: one step of chip production. Under equipment controls a fab keeps only a share
/// of hardware progress (performance per chip, cost decline, capacity growth) and its yield
/// matures toward a lower ceiling.
pub fn produce(s: &mut FabState, c: &FabC, constrained: bool, p: &Prepared) {
    let share = if constrained {
        p.tech.equipment_control_progress_share.clamp(0.0, 1.0)
    } else {
        1.0
    };
    let yield_cap = if constrained {
        c.p.yield_max * p.tech.equipment_control_yield_factor.clamp(0.0, 1.0)
    } else {
        c.p.yield_max
    }
    .clamp(0.0, 1.0);
    // Output of this step uses the state at its start.
    s.out_chips = s.capacity * s.yield_share * p.dt;
    s.out_h100e = s.out_chips * s.perf;
    s.constrained = constrained;
    // Then the fab improves.
    let capacity_growth = share_growth(c.ln_capacity_growth_step, share);
    s.capacity = (s.capacity * exp(c.ln_capacity_growth_step * capacity_growth)).min(MAX_QUANTITY);
    s.perf = (s.perf * exp(c.ln_perf_growth_step * share_growth(c.ln_perf_growth_step, share)))
        .min(MAX_QUANTITY);
    let decline = crate::math::ln(p.tech.cost_decline_per_year.clamp(1e-3, 1e3)) * p.dt;
    s.cost = saturate(s.cost * exp(-decline * share_growth(decline, share))).max(1e-9);
    let learn = (c.p.yield_learning_per_year.clamp(0.0, 100.0) * p.dt).min(1.0);
    s.yield_share += (yield_cap - s.yield_share) * learn;
}

/// Growth is slowed by controls; decline (negative log growth) is not sped up by them.
fn share_growth(log_growth: f64, share: f64) -> f64 {
    if log_growth > 0.0 { share } else { 1.0 }
}

// ---------------------------------------------------------------------------------------------
// 2. Export-control rules
// ---------------------------------------------------------------------------------------------

/// What the rules say at one step, per destination nation.
#[derive(Clone, Debug, Default)]
pub struct RuleView {
    /// Index of the rule in force.
    pub in_force: Option<usize>,
    /// Index of a rule announced but not yet in force.
    pub announced: Option<usize>,
    /// Access of each nation to controlled chips of other blocs.
    pub access: Vec<AccessNow>,
    /// Whether each nation will lose access when the announced rule bites.
    pub will_lose_access: Vec<bool>,
    /// Whether each nation's fabs are under equipment controls.
    pub equipment_constrained: Vec<bool>,
}

/// Mechanism 2: evaluate the policy timeline at `year` into `view` (buffers reused).
pub fn evaluate_rules(p: &Prepared, year: f64, view: &mut RuleView) {
    view.in_force = p.rule_in_force(year);
    view.announced = p.rule_announced(year);
    let n = p.nations.len();
    view.access.clear();
    view.will_lose_access.clear();
    view.equipment_constrained.clear();
    for nation in &p.nations {
        let tier = usize::from(nation.tier.clamp(1, 3)) - 1;
        let now = view
            .in_force
            .map_or(AccessNow::Open, |r| p.rules[r].access[tier]);
        let next = view.announced.map(|r| p.rules[r].access[tier]);
        view.access.push(now);
        view.will_lose_access
            .push(next.is_some_and(|next| next.rank() < now.rank()));
        let constrained = view.in_force.is_some_and(|r| {
            let rule = &p.rules[r];
            rule.equipment_controls && rule.access[tier] == AccessNow::Barred
        }) && !nation.equipment_access;
        view.equipment_constrained.push(constrained);
    }
    debug_assert_eq!(view.access.len(), n);
}

/// Whether a chip of `perf` H100e made in a fab of `fab_nation` falls under `rule`.
pub fn is_controlled(p: &Prepared, rule: Option<&RuleC>, fab_nation: usize, perf: f64) -> bool {
    match rule {
        Some(r) => p.nations[fab_nation].controller && perf >= r.threshold,
        None => false,
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Chip market
// ---------------------------------------------------------------------------------------------

/// A supply pool: one bloc's fabs, split into chips free of controls (`controlled = false`)
/// and chips under them. Pool index = `bloc * 2 + controlled`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pool {
    /// Supply this step, H100e.
    pub supply_h100e: f64,
    /// Supply this step, chips.
    pub supply_chips: f64,
    /// Sum of cost × H100e (for the output-weighted cost).
    pub cost_weighted: f64,
    /// Price per H100e before scarcity, USD.
    pub base_price: f64,
    /// Cleared price per H100e, USD.
    pub price: f64,
    /// Scarcity factor (price / base price) of the last step, the firms' expectation.
    pub last_scarcity: f64,
    /// Demanded supply at the cleared price, H100e.
    pub demand_h100e: f64,
    /// Share of demand filled.
    pub fill: f64,
}

impl Pool {
    /// Average performance per chip in the pool, H100e per chip.
    pub fn perf(&self) -> f64 {
        if self.supply_chips > 0.0 {
            self.supply_h100e / self.supply_chips
        } else {
            1.0
        }
    }
}

/// Sets each pool's base price from its production cost and the margin.
pub fn price_pools(pools: &mut [Pool], margin: f64) {
    for pool in pools {
        pool.base_price = if pool.supply_h100e > 0.0 {
            pool.cost_weighted / pool.supply_h100e * (1.0 + margin.max(0.0))
        } else {
            0.0
        };
    }
}

/// How a firm obtains chips from a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    /// Bought legally (open access).
    Buy,
    /// Bought legally under a quantity cap on the destination nation.
    Capped,
    /// A compliant (downgraded) variant.
    Compliant,
    /// Smuggled controlled chips.
    Smuggled,
    /// Remote access to controlled chips abroad.
    Cloud,
}

/// One planned purchase of a firm in one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request {
    /// Pool index.
    pub pool: usize,
    /// Channel.
    pub channel: Channel,
    /// Planned spend, USD.
    pub spend: f64,
    /// Pool supply consumed per USD at a price of 1 USD per H100e.
    pub supply_per_usd: f64,
    /// Training value delivered per H100e of pool supply consumed.
    pub value_per_supply: f64,
    /// Filled share (set by clearing).
    pub fill: f64,
}

/// Inputs of a firm's purchase plan.
pub struct PlanInput<'a> {
    /// Access of the firm's nation to controlled chips of other blocs.
    pub access: AccessNow,
    /// Rule in force.
    pub rule: Option<&'a RuleC>,
    /// Chip budget this step, USD.
    pub budget: f64,
    /// Expected seized share of smuggled chips into the firm's bloc.
    pub expected_seizure: f64,
    /// Expected share of smuggling orders the networks can take (capacity over demand).
    pub expected_smuggling_fill: f64,
    /// Source-preference sharpness.
    pub sharpness: f64,
}

/// Mechanism 3a: a firm splits its chip budget over the channels open to it, with weights
/// rising with training value per dollar (`(value per $)^sharpness`). Cost is linear in pools.
pub fn plan_purchases(input: &PlanInput<'_>, pools: &[Pool], out: &mut Vec<Request>) {
    out.clear();
    if input.budget <= 0.0 {
        return;
    }
    let mut push = |pool: usize, channel: Channel, supply_per_usd: f64, value_per_supply: f64| {
        out.push(Request {
            pool,
            channel,
            spend: 0.0,
            supply_per_usd,
            value_per_supply,
            fill: 0.0,
        });
    };
    for (i, pool) in pools.iter().enumerate() {
        if pool.supply_h100e <= 0.0 || pool.base_price <= 0.0 {
            continue;
        }
        // Controlled chips follow the destination's tier wherever the buyer sits (allies are
        // tier 1 and open); uncontrolled chips are sold freely.
        let controlled = i % 2 == 1;
        if !controlled {
            push(i, Channel::Buy, 1.0, 1.0);
            continue;
        }
        match (input.access, input.rule) {
            (AccessNow::Open, _) | (_, None) => push(i, Channel::Buy, 1.0, 1.0),
            (AccessNow::Capped(_), Some(_)) => push(i, Channel::Capped, 1.0, 1.0),
            (AccessNow::Barred, Some(rule)) => {
                if rule.compliant && rule.compliant_h100e > 0.0 {
                    let perf = pool.perf().max(1e-9);
                    push(
                        i,
                        Channel::Compliant,
                        1.0 / rule.compliant_price_ratio,
                        (rule.compliant_h100e / perf).min(1.0),
                    );
                }
                push(
                    i,
                    Channel::Smuggled,
                    1.0 / (1.0 + rule.smuggling_markup),
                    (1.0 - input.expected_seizure.clamp(0.0, 1.0))
                        * input.expected_smuggling_fill.clamp(0.0, 1.0),
                );
                if rule.cloud_share > 0.0 {
                    push(i, Channel::Cloud, 1.0 / (1.0 + rule.cloud_markup), 1.0);
                }
            }
        }
    }
    if out.is_empty() {
        return;
    }
    // Training value per dollar at the expected price, and the weights.
    let mut total = 0.0;
    for r in out.iter_mut() {
        let price = pools[r.pool].base_price * pools[r.pool].last_scarcity.max(1.0);
        let value_per_usd = r.supply_per_usd * r.value_per_supply / price;
        let w = pow(value_per_usd.max(0.0) * 1e4, input.sharpness.max(0.0));
        r.spend = if w.is_finite() { w } else { 0.0 };
        total += r.spend;
    }
    if total <= 0.0 {
        return;
    }
    // Cloud access is limited to a share of the budget; the excess goes back to the others.
    let cloud_cap = input.rule.map_or(0.0, |r| r.cloud_share) * input.budget;
    let mut cloud_total = 0.0;
    let mut other_total = 0.0;
    for r in out.iter() {
        if r.channel == Channel::Cloud {
            cloud_total += r.spend / total * input.budget;
        } else {
            other_total += r.spend;
        }
    }
    let cloud_scale = if cloud_total > cloud_cap && cloud_total > 0.0 {
        cloud_cap / cloud_total
    } else {
        1.0
    };
    let cloud_spent = cloud_total * cloud_scale;
    for r in out.iter_mut() {
        if r.channel == Channel::Cloud {
            r.spend = r.spend / total * input.budget * cloud_scale;
        } else if other_total > 0.0 {
            r.spend = r.spend / other_total * (input.budget - cloud_spent);
        } else {
            r.spend = 0.0;
        }
    }
}

/// Limits that apply before a pool clears.
pub struct ClearingLimits<'a> {
    /// Nation of each firm, by firm index.
    pub nation_of: &'a [usize],
    /// Bloc of each firm, by firm index.
    pub bloc_of: &'a [usize],
    /// Access (and so the cap, per step) of each nation.
    pub caps: &'a [AccessNow],
    /// Smuggling capacity into each bloc this step, chips.
    pub smuggling_capacity: &'a [f64],
}

/// Mechanism 3b: clears every pool. Caps on destination nations and the smuggling capacity into
/// each bloc are applied first (pro rata inside each nation or bloc), then the price rises with
/// scarcity and scarce supply is shared pro rata to demand — never first-come. `requests[f]`
/// are firm `f`'s requests, in firm-id order. Writes the filled share of smuggling demand per
/// bloc into `smuggling_fill`.
pub fn clear_market(
    pools: &mut [Pool],
    requests: &mut [Vec<Request>],
    limits: &ClearingLimits<'_>,
    scratch_nation: &mut [f64],
    smuggling_fill: &mut [f64],
    elasticity: f64,
) {
    let capped_demand = scratch_nation;
    // Capped demand per nation, H100e at base price.
    capped_demand.iter_mut().for_each(|x| *x = 0.0);
    smuggling_fill.iter_mut().for_each(|x| *x = 0.0);
    for (f, reqs) in requests.iter().enumerate() {
        for r in reqs {
            let pool = &pools[r.pool];
            let supply = r.spend * r.supply_per_usd / pool.base_price;
            match r.channel {
                Channel::Capped => capped_demand[limits.nation_of[f]] += supply,
                // Chips wanted through smuggling, per destination bloc (reuses the fill slot).
                Channel::Smuggled => {
                    smuggling_fill[limits.bloc_of[f]] += supply / pool.perf().max(1e-9)
                }
                _ => {}
            }
        }
    }
    for (b, fill) in smuggling_fill.iter_mut().enumerate() {
        let want = *fill;
        let cap = limits.smuggling_capacity.get(b).copied().unwrap_or(0.0);
        *fill = if want > cap {
            (cap / want).max(0.0)
        } else {
            1.0
        };
    }
    for (f, reqs) in requests.iter_mut().enumerate() {
        let n = limits.nation_of[f];
        let keep_capped = match limits.caps[n] {
            AccessNow::Capped(cap) if capped_demand[n] > cap => cap / capped_demand[n],
            _ => 1.0,
        };
        let keep_smuggled = smuggling_fill[limits.bloc_of[f]];
        for r in reqs.iter_mut() {
            match r.channel {
                Channel::Capped => r.spend *= keep_capped,
                Channel::Smuggled => r.spend *= keep_smuggled,
                _ => {}
            }
        }
    }
    // Demand at base price.
    for pool in pools.iter_mut() {
        pool.demand_h100e = 0.0;
    }
    for reqs in requests.iter() {
        for r in reqs {
            let pool = &mut pools[r.pool];
            pool.demand_h100e += r.spend * r.supply_per_usd / pool.base_price;
        }
    }
    for pool in pools.iter_mut() {
        if pool.supply_h100e <= 0.0 || pool.base_price <= 0.0 {
            pool.price = pool.base_price;
            pool.fill = 0.0;
            pool.last_scarcity = 1.0;
            continue;
        }
        let ratio = pool.demand_h100e / pool.supply_h100e;
        let scarcity = if ratio > 1.0 {
            pow(ratio, elasticity.max(0.0)).min(MAX_SCARCITY)
        } else {
            1.0
        };
        pool.price = pool.base_price * scarcity;
        // Budget-limited demand shrinks as the price rises.
        pool.demand_h100e /= scarcity;
        pool.fill = if pool.demand_h100e > pool.supply_h100e {
            pool.supply_h100e / pool.demand_h100e
        } else {
            1.0
        };
        pool.last_scarcity = scarcity;
    }
    for reqs in requests.iter_mut() {
        for r in reqs.iter_mut() {
            r.fill = pools[r.pool].fill;
        }
    }
}

/// Smuggling capacity into one bloc, chips per year: smuggling networks take orders up to the
/// volume that gets the most chips through (`scale / enforcement`, the maximum of
/// `volume × exp(-enforcement × volume / scale)`); beyond it more orders only get more seized.
pub fn smuggling_capacity(enforcement: f64, scale_chips_per_year: f64) -> f64 {
    let e = enforcement.clamp(0.0, 1.0);
    if e <= 0.0 {
        f64::INFINITY
    } else {
        scale_chips_per_year.max(1.0) / e
    }
}

/// Mechanism 3c: smuggling detection. Chips smuggled into one bloc face a detection hazard
/// `enforcement × annual volume / scale × noise`; the share that gets through is
/// `exp(-hazard)`. A few tens of thousands of chips hide easily, millions cannot, so the volume
/// that gets through saturates as the incentive grows. Returns the share that gets through.
pub fn smuggling_through_share(
    attempted_chips_per_year: f64,
    enforcement: f64,
    scale_chips_per_year: f64,
    noise: f64,
) -> f64 {
    let hazard = enforcement.clamp(0.0, 1.0) * attempted_chips_per_year.max(0.0)
        / scale_chips_per_year.max(1.0)
        * noise.max(0.0);
    exp(-hazard)
}

/// A log-normal noise factor with median 1 and log-sd `sigma` from a uniform `u`.
pub fn lognormal_noise(u: f64, sigma: f64) -> f64 {
    exp(sigma * inverse_normal(u))
}

/// Inverse of the standard normal CDF (Acklam's rational approximation with one Halley
/// refinement step; relative error below 1e-9, ample for noise).
pub fn inverse_normal(u: f64) -> f64 {
    let p = u.clamp(1e-300, 1.0 - 1e-16);
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let x = if p < 0.02425 {
        let q = crate::math::sqrt(-2.0 * crate::math::ln(p));
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    } else if p <= 1.0 - 0.02425 {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        let q = crate::math::sqrt(-2.0 * crate::math::ln(1.0 - p));
        -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    // One Halley step against the exact CDF.
    let e = 0.5 * libm::erfc(-x / std::f64::consts::SQRT_2) - p;
    let u2 = e * crate::math::sqrt(2.0 * std::f64::consts::PI) * exp(x * x / 2.0);
    x - u2 / (1.0 + x * u2 / 2.0)
}

// ---------------------------------------------------------------------------------------------
// 4-5. Revenue, budgets, reinvestment
// ---------------------------------------------------------------------------------------------

/// Mechanism 4a: a firm's budget before the bloc ceiling, USD per year: external funding plus
/// reinvested revenue, the revenue falling with the firm's capability gap to the world frontier,
/// plus the nation's industrial-policy subsidy.
pub fn raw_budget(
    funding: f64,
    revenue_at_frontier: f64,
    capability_gap: f64,
    subsidy: f64,
    econ: &crate::params::Economics<f64>,
) -> (f64, f64) {
    let revenue = revenue_at_frontier
        * exp(-econ.revenue_capability_elasticity.max(0.0) * capability_gap.max(0.0));
    let budget = (funding + econ.revenue_reinvested_share.clamp(0.0, 1.0) * revenue)
        * (1.0 + subsidy.max(0.0));
    (saturate(budget), saturate(revenue))
}

/// Mechanism 4b: the bloc ceiling. Total raw budgets `total` of a bloc saturate smoothly at
/// `ceiling` (`total / sqrt(1 + (total/ceiling)²)`); returns the factor applied to each firm.
pub fn ceiling_factor(total: f64, ceiling: f64) -> f64 {
    if total <= 0.0 {
        return 1.0;
    }
    if ceiling <= 0.0 {
        return 0.0;
    }
    let r = total / ceiling;
    1.0 / crate::math::sqrt(1.0 + r * r)
}

/// Mechanism 5: reinvestment. The chip budget of one step is a fixed share of the budget —
/// efficiency gains are spent on bigger runs, not banked. During an announcement lead a firm
/// that will lose access also spends its cash reserve, spread over the remaining lead.
pub fn chip_spend(
    budget: f64,
    reinvest_share: f64,
    dt: f64,
    cash: f64,
    stockpile_years_left: Option<f64>,
) -> (f64, f64) {
    let regular = budget * reinvest_share.clamp(0.0, 1.0) * dt;
    let extra = match stockpile_years_left {
        Some(left) if cash > 0.0 => cash * (dt / left.max(dt)).min(1.0),
        _ => 0.0,
    };
    let extra = saturate(extra);
    (saturate(regular + extra), extra)
}

// ---------------------------------------------------------------------------------------------
// 6. Algorithmic progress and diffusion
// ---------------------------------------------------------------------------------------------

/// Mechanism 6a: one step of a firm's own algorithmic progress, in log10 efficiency: the base
/// drift plus at most one jump per step. Discoveries are shared out among firms by their share
/// of the world's research spending (`share`, budgets): a firm makes a jump of class `i` with
/// probability `λ_i·dt·share`, so the world as a whole makes `λ_i` of them a year however many
/// firms there are, and the frontier's average progress (drift plus
/// expected jumps) is the scenario's rate — the jumps are part of it, not on top.
pub fn innovate(p: &Prepared, uniforms: &[f64], share: f64) -> f64 {
    p.algo_drift_step + discover(p, uniforms, share)
}

/// The discovery part of [`innovate`]: the log10 gain of the compute multiplier a firm finds
/// this step (0 when it finds none). One uniform picks at most one class: class `i` if the
/// uniform falls in its slice `λ_i·dt·share` of [0, 1).
pub fn discover(p: &Prepared, uniforms: &[f64], share: f64) -> f64 {
    let share = share.clamp(0.0, 1.0);
    let Some(&u) = uniforms.first() else {
        return 0.0;
    };
    let total: f64 = p.jumps.iter().map(|(per_step, _)| per_step * share).sum();
    let scale = if total > 1.0 { 1.0 / total } else { 1.0 };
    let mut upper = 0.0;
    for (per_step, log_factor) in &p.jumps {
        upper += per_step * share * scale;
        if u < upper {
            return *log_factor;
        }
    }
    0.0
}

/// Mechanism 6b: what a firm knows. Knowledge is additive: the common drift, plus every
/// discovery — its own at once, its bloc's after the in-bloc lag, other blocs' after the
/// cross-bloc lag — so the world's best practice advances at exactly the scenario's rate.
/// Arguments are cumulative log10 discoveries: its bloc's at the in-bloc and cross-bloc lags,
/// the world's at the cross-bloc lag, and its own now and at the in-bloc lag.
pub fn known_efficiency(
    base: f64,
    drift_so_far: f64,
    bloc_at_lag_in: f64,
    world_at_lag_cross: f64,
    bloc_at_lag_cross: f64,
    own_now: f64,
    own_at_lag_in: f64,
) -> f64 {
    base + drift_so_far
        + bloc_at_lag_in
        + (world_at_lag_cross - bloc_at_lag_cross).max(0.0)
        + (own_now - own_at_lag_in).max(0.0)
}

/// Mechanism 6c: diffusion of initial differences. Efficiency rises to the best that the firm's own bloc had
/// `lag_in` steps ago and the world had `lag_cross` steps ago (lagged bloc frontiers, so cost
/// is linear in firms).
pub fn diffuse(own: f64, bloc_lagged: f64, world_lagged: f64) -> f64 {
    own.max(bloc_lagged).max(world_lagged)
}

// ---------------------------------------------------------------------------------------------
// 7. Paradigm shifts
// ---------------------------------------------------------------------------------------------

/// Mechanism 7: gain (log10 effective compute) from the new scaling axis for a firm that
/// adopted it, at `year`, with `log10_flop` of training compute. Early on only a little compute
/// is useful on the new axis, so compute-poor firms gain as much as rich ones; the useful
/// compute grows each year until compute matters again, and the gain saturates at the axis'
/// total headroom.
pub fn paradigm_gain(pc: &ParadigmC, year: f64, adopted_at: f64, log10_flop: f64) -> f64 {
    if year < adopted_at {
        return 0.0;
    }
    paradigm_gain_at(pc, paradigm_useful_log10(pc, year), log10_flop)
}

/// log10 of the compute that is useful on the new axis at `year`.
pub fn paradigm_useful_log10(pc: &ParadigmC, year: f64) -> f64 {
    pc.log10_useful + pc.log10_useful_growth * (year - pc.arrival).max(0.0)
}

/// The gain for a firm whose useful compute on the new axis is `useful_log10` (`-inf` before it
/// adopts) and whose run has `log10_flop`.
pub fn paradigm_gain_at(pc: &ParadigmC, useful_log10: f64, log10_flop: f64) -> f64 {
    let x = log10_flop.min(useful_log10);
    if x == f64::NEG_INFINITY {
        return 0.0;
    }
    (pc.gain_per_decade * (x - pc.log10_base)).clamp(0.0, pc.max_gain)
}

// ---------------------------------------------------------------------------------------------
// 8. Training and catch-up
// ---------------------------------------------------------------------------------------------

/// Mechanism 8a: capability from log10 effective compute (log-linear).
pub fn capability(log10_effective: f64, per_decade: f64) -> f64 {
    per_decade * log10_effective
}

/// The value of a per-step history at a fractional position (linear between steps; the
/// earlier value where a neighbour is not finite). Positions are clamped to the history.
pub fn at(hist: &[f64], pos: f64) -> f64 {
    let Some(last) = hist.len().checked_sub(1) else {
        return f64::NEG_INFINITY;
    };
    let pos = if pos.is_nan() {
        0.0
    } else {
        pos.clamp(0.0, last as f64)
    };
    // `pos` is clamped to [0, last]: truncation is floor, without a libm call (x86-64's
    // baseline has no rounding instruction, so `floor` is a function call in the hot path).
    let i = (pos as usize).min(last);
    let frac = pos - i as f64;
    if frac <= 0.0 || i == last {
        return hist[i];
    }
    let (a, b) = (hist[i], hist[i + 1]);
    if a.is_finite() && b.is_finite() {
        a + (b - a) * frac
    } else {
        a
    }
}

/// Mechanism 8b: catch-up is cheaper than the frontier. `hist[j]` is a non-decreasing series
/// of capabilities shown at `year_of(j)`, known up to the fractional position `upto` (lags need
/// not be whole steps). Reproducing level `c` shown at year `τ` costs `catchup^(now - τ)` times
/// less compute than it first did, so a firm with log10 effective compute `own` can reach
/// `min(c(τ), per_decade·(own + rate·(now - τ)))`, the frontier being linear between steps.
/// Returns the best such level: a binary search for the segment where the rising frontier meets
/// the falling reach, then the exact meeting point (linear total cost, no step artefacts).
/// `already` is the level the firm has reached before; when it covers everything known, the
/// search is skipped.
#[expect(
    clippy::too_many_arguments,
    reason = "plain scalars keep the hot path free of structs"
)]
pub fn catch_up(
    hist: &[f64],
    upto: f64,
    start_year: f64,
    dt: f64,
    now: f64,
    own_log10_effective: f64,
    per_decade: f64,
    catchup_log10_per_year: f64,
    already: f64,
) -> f64 {
    let Some(last) = hist.len().checked_sub(1) else {
        return f64::NEG_INFINITY;
    };
    let upto = if upto.is_nan() {
        0.0
    } else {
        upto.clamp(0.0, last as f64)
    };
    let top = at(hist, upto);
    // Nothing shown yet, or the firm's own run already matches what it knows was shown.
    if !top.is_finite() || per_decade * own_log10_effective >= top {
        return f64::NEG_INFINITY;
    }
    if already >= top {
        // It reproduced everything it knows of in an earlier step: nothing more to gain.
        return already;
    }
    let reach = |x: f64| {
        let shown = start_year + x * dt;
        per_decade * (own_log10_effective + catchup_log10_per_year * (now - shown).max(0.0))
    };
    if !hist[0].is_finite() || hist[0] > reach(0.0) {
        return reach(0.0).min(hist[0]);
    }
    // Largest whole step j <= upto with hist[j] <= reach(j) (the predicate holds on a prefix).
    // `upto` is clamped to [0, last]: truncation is floor.
    let (mut lo, mut hi) = (0usize, (upto as usize).min(last));
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if hist[mid] <= reach(mid as f64) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let (x0, x1) = (lo as f64, ((lo + 1) as f64).min(upto));
    if x1 <= x0 {
        return hist[lo];
    }
    let (c0, c1) = (hist[lo], at(hist, x1));
    let (r0, r1) = (reach(x0), reach(x1));
    if c1 <= r1 {
        return c1;
    }
    let denom = (c1 - c0) - (r1 - r0);
    let s = if denom > 0.0 {
        ((r0 - c0) / denom).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (c0 + (c1 - c0) * s).max(c0)
}

/// FLOP of a firm's training run this step.
pub fn training_flop(fleet_h100e: f64, training_share: f64, flop_per_h100e_run: f64) -> f64 {
    saturate(fleet_h100e * training_share * flop_per_h100e_run)
}

/// log10 of a positive quantity, with 0 (or less) mapped to 0 (one FLOP).
pub fn log10_or_zero(x: f64) -> f64 {
    if x > 1.0 { log10(x) } else { 0.0 }
}

// ---------------------------------------------------------------------------------------------
// 10. Thresholds and outcome
// ---------------------------------------------------------------------------------------------

/// The year at which a series going from `before` (at `year0`) to `after` (at `year0 + dt`)
/// passes `level`, by linear interpolation inside the step.
pub fn interpolate_crossing(before: f64, after: f64, level: f64, year0: f64, dt: f64) -> f64 {
    let span = after - before;
    let frac = if span > 0.0 {
        ((level - before) / span).clamp(0.0, 1.0)
    } else {
        1.0
    };
    year0 + frac * dt
}

/// A year on the fine grid (ticks of 1/48 year since year 0).
pub fn to_tick(year: f64) -> u32 {
    let t = (year * TICKS_PER_YEAR).round();
    if t.is_finite() && t > 0.0 {
        if t >= f64::from(u32::MAX) {
            u32::MAX
        } else {
            t as u32
        }
    } else {
        0
    }
}

/// A tick back to a year.
pub fn tick_year(tick: u32) -> f64 {
    f64::from(tick) / TICKS_PER_YEAR
}

/// A bloc's crossing of the threshold: its grid tick and its capability at the end of the step
/// (which breaks exact ties).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Crossing {
    /// Crossing time on the grid.
    pub tick: u32,
    /// Capability at the end of the step in which it crossed.
    pub capability: f64,
}

/// The classification of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Polarity {
    /// No bloc crossed the threshold.
    None,
    /// The leader had no peer.
    Unipolar,
    /// Exactly one peer.
    Bipolar,
    /// Two or more peers.
    Multipolar,
}

impl Polarity {
    /// All outcomes, in report order.
    pub const ALL: [Polarity; 4] = [
        Polarity::None,
        Polarity::Unipolar,
        Polarity::Bipolar,
        Polarity::Multipolar,
    ];

    /// Lower-case name used in output files.
    pub fn name(self) -> &'static str {
        match self {
            Polarity::None => "none",
            Polarity::Unipolar => "unipolar",
            Polarity::Bipolar => "bipolar",
            Polarity::Multipolar => "multipolar",
        }
    }
}

/// The leader among blocs' crossings: earliest tick; an exact tie goes to the larger
/// capability, then to the lower bloc index (ids are sorted, so the lower id).
pub fn leader(crossings: &[Option<Crossing>]) -> Option<usize> {
    let mut best: Option<(usize, Crossing)> = None;
    for (b, c) in crossings.iter().enumerate() {
        let Some(c) = c else { continue };
        best = match best {
            None => Some((b, *c)),
            Some((bb, bc)) => {
                if c.tick < bc.tick || (c.tick == bc.tick && c.capability > bc.capability) {
                    Some((b, *c))
                } else {
                    Some((bb, bc))
                }
            }
        };
    }
    best.map(|(b, _)| b)
}

/// Classifies a run from the blocs' crossings and the window length in ticks: a bloc is a
/// peer when it crosses no later than `t1 + window` (the end is inclusive).
pub fn classify(crossings: &[Option<Crossing>], window_ticks: u32) -> (Polarity, Option<usize>) {
    let Some(lead) = leader(crossings) else {
        return (Polarity::None, None);
    };
    let t1 = crossings[lead].map_or(0, |c| c.tick);
    let end = t1.saturating_add(window_ticks);
    let peers = crossings
        .iter()
        .enumerate()
        .filter(|(b, c)| *b != lead && c.is_some_and(|c| c.tick <= end))
        .count();
    let polarity = match peers {
        0 => Polarity::Unipolar,
        1 => Polarity::Bipolar,
        _ => Polarity::Multipolar,
    };
    (polarity, Some(lead))
}

/// How long before `at_year` the series `hist` (values at `start + j·dt`) first reached
/// `level`, in years; `None` when it never had a value that low within the history.
pub fn time_since_reached(
    hist: &[f64],
    upto: usize,
    start_year: f64,
    dt: f64,
    level: f64,
    at_year: f64,
) -> Option<f64> {
    let upto = upto.min(hist.len().checked_sub(1)?);
    if hist[0] >= level {
        return if hist[0] == level {
            Some(at_year - start_year)
        } else {
            None
        };
    }
    let j = (1..=upto).find(|&j| hist[j] >= level)?;
    let year = interpolate_crossing(
        hist[j - 1],
        hist[j],
        level,
        start_year + (j - 1) as f64 * dt,
        dt,
    );
    Some((at_year - year).max(0.0))
}

/// A firm's static data needed by several mechanisms (kept small for the hot loop).
pub fn firm_accelerated(bloc_crossed: &[bool], firm: &FirmC) -> bool {
    bloc_crossed.get(firm.bloc).copied().unwrap_or(false)
}

/// Growth factor per step of a per-year multiplier.
pub fn per_step(multiplier_per_year: f64, dt: f64) -> f64 {
    pow(multiplier_per_year.clamp(1e-6, 1e6), dt)
}

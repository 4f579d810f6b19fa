//! A small built-in world (three blocs, four nations, four firms, two fabs) that exercises
//! every mechanism, so the model can be tested without scenario files. Its numbers are rough
//! 2023 figures from `calibration.md` (the shipped `baseline` scenario is the calibrated one).

use crate::params::*;

/// The built-in test world.
pub fn test_world() -> Scenario<f64> {
    let nation =
        |id: &str, bloc: &str, tier: u8, controller: bool, gdp: f64, sub: f64, eq: bool| Nation {
            id: id.into(),
            bloc: bloc.into(),
            tier,
            controller,
            gdp_usd: gdp,
            industrial_policy: sub,
            equipment_access: eq,
        };
    let firm = |id: &str, nation: &str, funding: f64, growth: f64, fleet: f64, eff: f64| Firm {
        id: id.into(),
        nation: nation.into(),
        funding_usd_per_year: funding,
        funding_growth_per_year: growth,
        revenue_usd_per_year: funding * 0.2,
        fleet_h100e: fleet,
        reinvest_share: 0.7,
        algo_efficiency: eff,
        training_share: 0.2,
        cash_usd: funding * 0.5,
    };
    Scenario {
        name: "test-world".into(),
        description: "Built-in three-bloc test world.".into(),
        study: Study {
            start_year: 2023.0,
            horizon_year: 2035.0,
            steps_per_year: 4,
            seed: 1,
            runs: 1000,
        },
        blocs: vec![
            Bloc { id: "us".into() },
            Bloc { id: "cn".into() },
            Bloc { id: "rest".into() },
        ],
        nations: vec![
            nation("us", "us", 1, true, 27e12, 0.0, true),
            nation("tw", "us", 1, true, 0.8e12, 0.0, true),
            nation("cn", "cn", 3, false, 18e12, 0.2, false),
            nation("sg", "rest", 2, false, 0.5e12, 0.0, false),
        ],
        firms: vec![
            firm("us-lab-a", "us", 6e9, 2.4, 120_000.0, 1.0),
            firm("us-lab-b", "us", 4e9, 2.4, 80_000.0, 0.9),
            firm("cn-lab-a", "cn", 1.5e9, 2.0, 40_000.0, 0.7),
            firm("sg-lab-a", "sg", 0.2e9, 1.8, 5_000.0, 0.6),
        ],
        fabs: vec![
            Fab {
                id: "tw-fab-a".into(),
                nation: "tw".into(),
                capacity_chips_per_year: 2.0e6,
                capacity_growth_per_year: 1.6,
                h100e_per_chip: 1.0,
                perf_growth_per_year: 1.35,
                yield_share: 0.9,
                yield_max: 0.95,
                yield_learning_per_year: 0.5,
                cost_per_h100e_usd: 15_000.0,
            },
            Fab {
                id: "cn-fab-a".into(),
                nation: "cn".into(),
                capacity_chips_per_year: 0.6e6,
                capacity_growth_per_year: 1.5,
                h100e_per_chip: 0.6,
                perf_growth_per_year: 1.3,
                yield_share: 0.3,
                yield_max: 0.6,
                yield_learning_per_year: 0.5,
                cost_per_h100e_usd: 30_000.0,
            },
        ],
        policy: Policy {
            rules: vec![Rule {
                id: "oct-2023".into(),
                start_year: 2023.875,
                end_year: None,
                announcement_lead_years: 0.125,
                threshold_h100e_per_chip: 0.3,
                tier1: Access::Open,
                tier2: Access::Capped(50_000.0),
                tier3: Access::Barred,
                compliant_variants: true,
                compliant_h100e_per_chip: 0.15,
                compliant_price_ratio: 0.45,
                enforcement: 0.8,
                smuggling_markup: 0.5,
                smuggling_scale_chips_per_year: 400_000.0,
                cloud_access_share: 0.05,
                cloud_markup: 0.5,
                equipment_controls: true,
            }],
        },
        technology: Technology {
            algo_progress_per_year: 2.8,
            multipliers: vec![
                Multiplier {
                    factor: 1.2,
                    rate_per_year: 2.0,
                },
                Multiplier {
                    factor: 2.0,
                    rate_per_year: 0.3,
                },
                Multiplier {
                    factor: 10.0,
                    rate_per_year: 0.02,
                },
            ],
            diffusion_lag_in_bloc_years: 0.25,
            diffusion_lag_cross_bloc_years: 0.5,
            catchup_cost_decline_per_year: 20.0,
            ai_gain_diffusion_share: 0.2,
            ai_rnd_multiplier: 4.0,
            flop_per_h100e_second: 989e12,
            utilization: 0.4,
            run_length_years: 0.25,
            training_share_max: 0.5,
            training_share_growth_per_year: 0.3,
            capability_per_decade: 1.0,
            fleet_retirement_per_year: 0.2,
            equipment_control_progress_share: 0.5,
            equipment_control_yield_factor: 0.7,
            cost_decline_per_year: 1.4,
            paradigm: Some(Paradigm {
                arrival_year: 2026.0,
                discoverer: None,
                adoption_lag_in_bloc_years: 0.25,
                adoption_lag_cross_bloc_years: 0.5,
                gain_per_decade: 0.5,
                max_gain_decades: 1.0,
                base_compute_flop: 1e22,
                useful_compute_flop: 1e24,
                useful_compute_growth_per_year: 10.0,
            }),
        },
        economics: Economics {
            revenue_growth_per_year: 2.5,
            revenue_capability_elasticity: 1.0,
            revenue_reinvested_share: 0.5,
            budget_ceiling_gdp_share: 0.02,
            price_margin: 1.0,
            price_scarcity_elasticity: 0.5,
            source_preference_sharpness: 3.0,
        },
        outcome: OutcomeRule {
            threshold: 30.0,
            window: Window::Decisive {
                above_threshold: 1.0,
                max_years: 2.0,
            },
        },
    }
}

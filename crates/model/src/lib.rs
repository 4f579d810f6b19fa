//! The Polarity model: an ECS world of nations, firms and fabs racing to a capability
//! threshold under chip export controls.
//!
//! A run is a pure function of a sampled [`Scenario`] and a [`RunKey`] (study seed, run index):
//! [`Simulation::run`] returns its [`RunResult`] — the outcome (none, unipolar, bipolar,
//! multipolar), the leader, each bloc's crossing time and, optionally, a per-step trajectory.
//!
//! **Architecture invariant:** this crate does no I/O, prints nothing, reads no clock or
//! environment and never panics on parameter values: every number is clamped to a safe range
//! when the scenario is prepared, and the scenario crate rejects invalid files before they get
//! here. Randomness comes only from keyed ChaCha streams ([`rng`]); transcendental functions
//! come from `libm` ([`math`]) so every machine computes the same bits.

pub mod kernels;
pub mod math;
pub mod mechanisms;
pub mod params;
pub mod prepared;
pub mod reference;
pub mod rng;
pub mod sim;
pub mod state;
pub mod systems;
pub mod testworld;

pub use mechanisms::Polarity;
pub use params::Scenario;
pub use sim::{RunKey, RunOptions, RunResult, Simulation, run_once};

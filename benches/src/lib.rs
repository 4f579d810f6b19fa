//! Fixtures shared by the benchmarks: worlds of a given size built outside measured routines.

use polarity_model::Scenario;
use polarity_model::testworld::test_world;

/// The built-in test world with its firms and fabs replicated `factor` times (ids suffixed),
/// for agent-scaling benchmarks. Nations and blocs stay the same.
pub fn scaled_world(factor: usize) -> Scenario<f64> {
    let mut s = test_world();
    let firms = s.firms.clone();
    let fabs = s.fabs.clone();
    for copy in 1..factor {
        s.firms.extend(firms.iter().cloned().map(|mut f| {
            f.id = format!("{}-{copy}", f.id);
            f
        }));
        s.fabs.extend(fabs.iter().cloned().map(|mut f| {
            f.id = format!("{}-{copy}", f.id);
            f
        }));
    }
    s
}

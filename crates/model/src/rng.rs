//! Keyed randomness: every draw is a pure function of what it is for.
//!
//! A draw is keyed by (run seed, purpose, agent id, step), where the run seed is derived only
//! from (study seed, run index). Each (run, purpose, agent) pair owns a ChaCha8 stream whose key
//! is those values; step `s` reads the fixed word window `[s·W, (s+1)·W)` of that stream, so a
//! draw never depends on how many draws other agents, purposes or steps made. Adding a firm or
//! an extra draw in one mechanism therefore changes no other draw, and reordering agents
//! changes nothing. Parameter draws are keyed by (study seed, run index, parameter path).
//! Never uses OS entropy or thread-local generators.

use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// What a stream is used for; part of every key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u64)]
pub enum Purpose {
    /// Sampling uncertain scenario parameters.
    Parameter = 1,
    /// Compute-multiplier innovations of a firm.
    Innovation = 2,
    /// The per-step detection noise of smuggling into a bloc.
    Smuggling = 3,
    /// Which firm discovers a paradigm shift.
    ParadigmDiscovery = 4,
    /// Per-step funding noise of a firm.
    Funding = 5,
}

/// 64-bit FNV-1a hash of an id: stable across platforms, releases and runs.
pub fn id_hash(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// SplitMix64 finaliser: a bijective mixer of 64-bit words.
pub fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seed of run `run` of a study with seed `study_seed` (reported in `runs.csv`).
pub fn run_seed(study_seed: u64, run: u64) -> u64 {
    mix64(study_seed ^ mix64(run.wrapping_add(0x5eed)))
}

fn key(words: [u64; 4]) -> ChaCha8Rng {
    let mut seed = [0u8; 32];
    for (i, w) in words.iter().enumerate() {
        seed[i * 8..(i + 1) * 8].copy_from_slice(&w.to_le_bytes());
    }
    ChaCha8Rng::from_seed(seed)
}

/// Converts 64 random bits to a uniform in the open interval (0, 1).
pub fn unit_open(bits: u64) -> f64 {
    ((bits >> 12) as f64 + 0.5) * (1.0 / 4_503_599_627_370_496.0)
}

/// The uniform draw for an uncertain parameter at `path` in run `run` of a study. Depends on
/// nothing else, so adding or changing one parameter never shifts another's draw, and arms of
/// a sweep that give the same path different distributions stay coupled through this uniform.
pub fn parameter_uniform(study_seed: u64, run: u64, path: &str) -> f64 {
    let mut rng = key([study_seed, run, Purpose::Parameter as u64, id_hash(path)]);
    unit_open(rng.next_u64())
}

/// A per-(run, purpose, agent) stream read in fixed windows of `W` words per step.
#[derive(Clone, Debug)]
pub struct KeyedStream<const W: usize> {
    rng: ChaCha8Rng,
    next_step: u64,
}

impl<const W: usize> KeyedStream<W> {
    /// The stream for `purpose` and agent `agent_id` in the run with seed `run_seed`.
    pub fn new(run_seed: u64, purpose: Purpose, agent_id: &str) -> Self {
        Self::from_hash(run_seed, purpose, id_hash(agent_id))
    }

    /// As [`KeyedStream::new`], from a precomputed [`id_hash`].
    pub fn from_hash(run_seed: u64, purpose: Purpose, agent_hash: u64) -> Self {
        Self {
            rng: key([run_seed, purpose as u64, agent_hash, W as u64]),
            next_step: 0,
        }
    }

    /// The `W` uniforms in (0, 1) of step `step`. Sequential reads cost one ChaCha block
    /// per 8 words; reading steps out of order seeks, with the same result.
    pub fn uniforms(&mut self, step: u32) -> [f64; W] {
        let step = u64::from(step);
        if step != self.next_step {
            // Words are 32-bit: each u64 draw takes two.
            self.rng.set_word_pos(u128::from(step) * (W as u128) * 2);
        }
        self.next_step = step + 1;
        let mut out = [0.0; W];
        for x in &mut out {
            *x = unit_open(self.rng.next_u64());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniforms_are_keyed_by_step_not_by_history() {
        let mut a = KeyedStream::<3>::new(7, Purpose::Innovation, "us-lab-a");
        let seq: Vec<[f64; 3]> = (0..10).map(|s| a.uniforms(s)).collect();
        // Reading only step 7 (seeking) gives the same numbers as reading 0..=7 in order.
        let mut b = KeyedStream::<3>::new(7, Purpose::Innovation, "us-lab-a");
        assert_eq!(b.uniforms(7), seq[7]);
        assert_eq!(b.uniforms(8), seq[8]);
        assert_eq!(b.uniforms(2), seq[2]);
    }

    #[test]
    fn streams_differ_by_every_key_part() {
        let base = KeyedStream::<1>::new(7, Purpose::Innovation, "a").uniforms(0);
        assert_ne!(
            base,
            KeyedStream::<1>::new(8, Purpose::Innovation, "a").uniforms(0)
        );
        assert_ne!(
            base,
            KeyedStream::<1>::new(7, Purpose::Smuggling, "a").uniforms(0)
        );
        assert_ne!(
            base,
            KeyedStream::<1>::new(7, Purpose::Innovation, "b").uniforms(0)
        );
        assert_ne!(
            base,
            KeyedStream::<1>::new(7, Purpose::Innovation, "a").uniforms(1)
        );
    }

    #[test]
    fn parameter_uniform_depends_only_on_seed_run_path() {
        let u = parameter_uniform(1, 2, "firms[a].reinvest_share");
        assert_eq!(u, parameter_uniform(1, 2, "firms[a].reinvest_share"));
        assert_ne!(u, parameter_uniform(1, 3, "firms[a].reinvest_share"));
        assert_ne!(u, parameter_uniform(1, 2, "firms[b].reinvest_share"));
        assert!(u > 0.0 && u < 1.0);
    }

    #[test]
    fn unit_open_never_hits_the_ends() {
        assert!(unit_open(0) > 0.0);
        assert!(unit_open(u64::MAX) < 1.0);
    }

    #[test]
    fn uniform_mean_is_half() {
        // 40,000 draws: the sd of the mean is 0.289/200 ≈ 0.0014, so ±0.01 is > 7 sd.
        let mut s = KeyedStream::<4>::new(3, Purpose::Funding, "x");
        let mut sum = 0.0;
        for step in 0..10_000 {
            sum += s.uniforms(step).iter().sum::<f64>();
        }
        assert!((sum / 40_000.0 - 0.5).abs() < 0.01);
    }
}

//! Transcendental functions from the pure-Rust `libm` crate, never the platform's C library,
//! so that every machine computes bit-identical results (a sharded study merges to the same
//! bytes as a whole one).

/// e^x.
#[inline]
pub fn exp(x: f64) -> f64 {
    libm::exp(x)
}

/// Natural logarithm.
#[inline]
pub fn ln(x: f64) -> f64 {
    libm::log(x)
}

/// Base-10 logarithm.
#[inline]
pub fn log10(x: f64) -> f64 {
    libm::log10(x)
}

/// x^y.
#[inline]
pub fn pow(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// 10^x.
#[inline]
pub fn exp10(x: f64) -> f64 {
    libm::exp10(x)
}

/// Square root (IEEE-exact everywhere, so the hardware instruction is fine).
#[inline]
pub fn sqrt(x: f64) -> f64 {
    x.sqrt()
}

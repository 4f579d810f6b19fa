//! placeholder
pub mod dist;

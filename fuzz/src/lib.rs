//! Fuzz harnesses for kaitsu. See docs/fuzzing.md.

pub mod glyphs;
pub mod harness;
pub mod structured;
pub mod synth;

//! Audio: everything between clips and the MP3 — decoding and resampling jingles, the
//! rundown (timeline), rendering it as a stream, loudness and limiting, and MP3 encoding.
//!
//! Audio runs at one episode rate ([`EPISODE_RATE`]), mono, as `f32` in −1..1. Rendering
//! streams item by item, so memory holds one clip at a time, never the whole episode.

pub mod decode;
pub mod encode;
pub mod jingle;
pub mod loudness;
pub mod master;
pub mod mix;
pub mod resample;

/// Sample rate of the rendered episode and the MP3.
pub const EPISODE_RATE: u32 = 44_100;

/// Milliseconds to samples at the episode rate.
pub fn ms_to_samples(ms: u64) -> u64 {
    ms * EPISODE_RATE as u64 / 1000
}

/// Samples at the episode rate to milliseconds (rounded down).
pub fn samples_to_ms(samples: u64) -> u64 {
    samples * 1000 / EPISODE_RATE as u64
}

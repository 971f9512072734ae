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

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use crate::settings::EPISODE_RATE;

/// Position of a named SSML mark in a clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkTime {
    pub name: String,
    pub sample: u64,
}

/// A clip as the synth stage leaves it in the cache and the mixer reads it.
#[derive(Debug, Clone)]
pub struct ClipFile {
    /// Index of the segment in the script.
    pub segment: usize,
    /// WAV file, mono 16-bit.
    pub path: PathBuf,
    pub sample_rate: u32,
    pub samples: u64,
    pub marks: Vec<MarkTime>,
    /// Integrated loudness of the clip, LUFS (the mixer levels clips with it).
    pub loudness_lufs: f64,
    /// Samples of silence (under −50 dBFS) the engine put before the speech and after it;
    /// the mixer drops them so that pauses between clips are exactly the rundown's.
    pub lead_silence: u64,
    pub tail_silence: u64,
}

/// Milliseconds to samples at the episode rate.
pub fn ms_to_samples(ms: u64) -> u64 {
    ms * EPISODE_RATE as u64 / 1000
}

/// Samples at the episode rate to milliseconds (rounded down).
pub fn samples_to_ms(samples: u64) -> u64 {
    samples * 1000 / EPISODE_RATE as u64
}

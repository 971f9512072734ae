//! Sample-rate conversion with rubato's FFT resampler.
//!
//! The FFT resampler suits fixed integer-ratio conversions such as 22,050 → 44,100 Hz: it is
//! fast and has a flat pass band. Output length is exactly `ceil(len × to / from)`, with the
//! resampler's delay removed, so timelines computed from clip lengths stay exact.

use rubato::{FftFixedIn, Resampler};

use crate::error::{Error, Result};

/// Frames per processing block.
const CHUNK: usize = 1024;

/// Number of output samples for `len` input samples.
pub fn output_len(len: u64, from: u32, to: u32) -> u64 {
    (len * to as u64).div_ceil(from as u64)
}

/// Converts mono `input` from `from` Hz to `to` Hz.
pub fn resample(input: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    if from == to || input.is_empty() {
        return Ok(input.to_vec());
    }
    let err = |e: &dyn std::fmt::Display| Error::Audio(format!("resampling {from} → {to} Hz: {e}"));
    let mut resampler =
        FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 2, 1).map_err(|e| err(&e))?;
    let delay = resampler.output_delay();
    let expected = output_len(input.len() as u64, from, to) as usize;
    let mut out = Vec::with_capacity(expected + delay + 2 * CHUNK);
    let mut pos = 0;
    while pos + resampler.input_frames_next() <= input.len() {
        let n = resampler.input_frames_next();
        let block = resampler
            .process(&[&input[pos..pos + n]], None)
            .map_err(|e| err(&e))?;
        out.extend_from_slice(&block[0]);
        pos += n;
    }
    if pos < input.len() {
        let block = resampler
            .process_partial(Some(&[&input[pos..]]), None)
            .map_err(|e| err(&e))?;
        out.extend_from_slice(&block[0]);
    }
    while out.len() < expected + delay {
        let block = resampler
            .process_partial::<&[f32]>(None, None)
            .map_err(|e| err(&e))?;
        out.extend_from_slice(&block[0]);
    }
    out.drain(..delay);
    out.truncate(expected);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubling_the_rate_keeps_length_and_pitch() {
        let from = 22_050;
        let tone: Vec<f32> = (0..from)
            .map(|i| (2.0 * std::f32::consts::PI * 440.0 * i as f32 / from as f32).sin() * 0.5)
            .collect();
        let out = resample(&tone, from, 44_100).unwrap();
        assert_eq!(out.len(), 44_100);
        // Zero crossings per second stay at 2 × 440 (the pitch is unchanged).
        let crossings = out[1000..44_100 - 1000]
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        let expected = 440.0 * (42_100.0 / 44_100.0);
        assert!((crossings as f32 - expected).abs() <= 2.0, "{crossings}");
    }
}

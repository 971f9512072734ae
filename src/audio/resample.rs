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

/// Converts a mono stream from `from` Hz to `to` Hz block by block: `input` yields blocks
/// of any size, `sink` receives exactly `output_len(total input, from, to)` samples in
/// blocks. Memory stays at a few blocks whatever the length.
pub fn resample_stream(
    input: &mut dyn Iterator<Item = Result<Vec<f32>>>,
    from: u32,
    to: u32,
    sink: &mut dyn FnMut(&[f32]) -> Result<()>,
) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| Error::Audio(format!("resampling {from} → {to} Hz: {e}"));
    let mut resampler = (from != to)
        .then(|| FftFixedIn::<f32>::new(from as usize, to as usize, CHUNK, 2, 1))
        .transpose()
        .map_err(|e| err(&e))?;
    let mut to_skip = resampler.as_ref().map_or(0, |r| r.output_delay());
    let (mut consumed, mut produced) = (0u64, 0u64);
    let mut pending: Vec<f32> = Vec::with_capacity(2 * CHUNK);
    // Emits resampled output, dropping the resampler's delay at the start.
    let mut emit = |block: &[f32], produced: &mut u64, limit: Option<u64>| -> Result<()> {
        let skip = to_skip.min(block.len());
        to_skip -= skip;
        let mut block = &block[skip..];
        if let Some(limit) = limit {
            block = &block[..block.len().min(limit.saturating_sub(*produced) as usize)];
        }
        *produced += block.len() as u64;
        if block.is_empty() {
            Ok(())
        } else {
            sink(block)
        }
    };
    for block in input {
        let block = block?;
        consumed += block.len() as u64;
        let Some(resampler) = resampler.as_mut() else {
            emit(&block, &mut produced, None)?;
            continue;
        };
        pending.extend_from_slice(&block);
        let mut start = 0;
        while pending.len() - start >= resampler.input_frames_next() {
            let n = resampler.input_frames_next();
            let out = resampler
                .process(&[&pending[start..start + n]], None)
                .map_err(|e| err(&e))?;
            emit(&out[0], &mut produced, None)?;
            start += n;
        }
        pending.drain(..start);
    }
    let expected = output_len(consumed, from, to);
    if let Some(resampler) = resampler.as_mut() {
        if !pending.is_empty() {
            let out = resampler
                .process_partial(Some(&[&pending[..]]), None)
                .map_err(|e| err(&e))?;
            emit(&out[0], &mut produced, Some(expected))?;
        }
        while produced < expected {
            let out = resampler
                .process_partial::<&[f32]>(None, None)
                .map_err(|e| err(&e))?;
            emit(&out[0], &mut produced, Some(expected))?;
        }
    }
    Ok(())
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

    #[test]
    fn streaming_gives_the_same_samples_as_whole_buffers() {
        let input: Vec<f32> = (0..30_001)
            .map(|i| ((i as f32) * 0.013).sin() * 0.4)
            .collect();
        let whole = resample(&input, 22_050, 44_100).unwrap();
        let mut streamed = Vec::new();
        let mut blocks = input.chunks(777).map(|c| Ok(c.to_vec()));
        resample_stream(&mut blocks, 22_050, 44_100, &mut |b| {
            streamed.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert_eq!(streamed.len(), whole.len());
        let worst = streamed
            .iter()
            .zip(&whole)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "{worst}");
    }
}

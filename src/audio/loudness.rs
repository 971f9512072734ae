//! Loudness: EBU R128 metering (the `ebur128` crate), gain, and a look-ahead peak limiter.
//!
//! The limiter keeps sample peaks under a ceiling set below the true-peak target: the
//! episode's content is band-limited well under Nyquist (speech synthesised at 22 kHz or 24
//! kHz and resampled), so inter-sample peaks stay within a fraction of a decibel of sample
//! peaks, and the margin also covers the overshoot of MP3 coding.

use std::collections::VecDeque;

use ebur128::{EbuR128, Mode};

use super::EPISODE_RATE;
use crate::error::{Error, Result};

/// Loudness each speech clip is levelled to before the episode's overall gain.
pub const SPEECH_LUFS: f64 = -20.0;
/// Episode loudness target (integrated), as podcast platforms recommend.
pub const TARGET_LUFS: f64 = -16.0;
/// Maximum true peak of the episode.
pub const TRUE_PEAK_LIMIT_DBTP: f64 = -1.0;
/// Sample-peak ceiling of the limiter (margin under the true-peak limit).
pub const LIMITER_CEILING_DBFS: f64 = -2.0;

/// Loudness figures of a signal.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LoudnessReport {
    /// Integrated loudness, LUFS.
    pub integrated_lufs: f64,
    /// Maximum true peak, dBTP.
    pub true_peak_dbtp: f64,
}

/// An EBU R128 meter fed in blocks.
pub struct Meter {
    inner: EbuR128,
}

impl Meter {
    /// A meter of integrated loudness, plus true peak when `true_peak` is set (slower).
    pub fn new(true_peak: bool) -> Result<Meter> {
        let mode = if true_peak {
            Mode::I | Mode::TRUE_PEAK
        } else {
            Mode::I
        };
        let inner = EbuR128::new(1, EPISODE_RATE, mode).map_err(|e| Error::Audio(e.to_string()))?;
        Ok(Meter { inner })
    }

    pub fn add(&mut self, samples: &[f32]) -> Result<()> {
        self.inner
            .add_frames_f32(samples)
            .map_err(|e| Error::Audio(e.to_string()))
    }

    /// Integrated loudness so far (−70 LUFS for silence).
    pub fn integrated(&self) -> f64 {
        let l = self.inner.loudness_global().unwrap_or(f64::NEG_INFINITY);
        if l.is_finite() {
            l
        } else {
            -70.0
        }
    }

    /// Integrated loudness of several meters' signals taken together.
    pub fn integrated_of_many(meters: &[Meter]) -> f64 {
        EbuR128::loudness_global_multiple(meters.iter().map(|m| &m.inner))
            .ok()
            .filter(|l| l.is_finite())
            .unwrap_or(-70.0)
    }

    /// Loudness and true peak (true peak only if the meter measures it).
    pub fn report(&self) -> LoudnessReport {
        let peak = self.inner.true_peak(0).unwrap_or(0.0);
        LoudnessReport {
            integrated_lufs: self.integrated(),
            true_peak_dbtp: if peak > 0.0 {
                20.0 * peak.log10()
            } else {
                -120.0
            },
        }
    }
}

/// Integrated loudness of a whole clip at `rate` (−70 LUFS for silence or a meter error).
pub fn integrated_of(samples: &[f32], rate: u32) -> f64 {
    measure_whole(rate, |meter| meter.add_frames_f32(samples))
}

/// Integrated loudness of a whole 16-bit clip at `rate`, without converting it first.
pub fn integrated_of_pcm16(samples: &[i16], rate: u32) -> f64 {
    measure_whole(rate, |meter| meter.add_frames_i16(samples))
}

fn measure_whole(rate: u32, feed: impl FnOnce(&mut EbuR128) -> Result<(), ebur128::Error>) -> f64 {
    let Ok(mut meter) = EbuR128::new(1, rate, Mode::I) else {
        return -70.0;
    };
    if feed(&mut meter).is_err() {
        return -70.0;
    }
    meter
        .loudness_global()
        .ok()
        .filter(|l| l.is_finite())
        .unwrap_or(-70.0)
}

/// Scales a clip so that its integrated loudness is `target` LUFS (silence is left alone).
pub fn level_to(samples: &mut [f32], target: f64) {
    let measured = integrated_of(samples, EPISODE_RATE);
    if measured > -70.0 {
        let gain = db_to_gain(target - measured);
        samples.iter_mut().for_each(|s| *s *= gain);
    }
}

pub fn db_to_gain(db: f64) -> f32 {
    10f64.powf(db / 20.0) as f32
}

/// Look-ahead peak limiter: gain falls before a peak arrives (no overshoot) and recovers
/// with an exponential release. Output lags input by the look-ahead until [`Limiter::flush`].
///
/// The gain is the running minimum of the per-sample required gain over the look-ahead
/// window, with the release applied, then smoothed by a moving average of the same length;
/// since every average covers the peak's window, the limited signal never exceeds the ceiling.
pub struct Limiter {
    ceiling: f32,
    window: usize,
    release: f32,
    /// Input samples waiting for the look-ahead.
    delay: VecDeque<f32>,
    /// Monotonic queue of (index, required gain) for the running minimum.
    minimum: VecDeque<(u64, f32)>,
    /// Last `window` gains after release, for the moving average.
    smooth: VecDeque<f32>,
    smooth_sum: f64,
    released: f32,
    index: u64,
}

impl Limiter {
    /// A limiter with a ceiling in dBFS, a 5 ms look-ahead and an 80 ms release.
    pub fn new(ceiling_dbfs: f64) -> Limiter {
        let window = (EPISODE_RATE as usize * 5) / 1000;
        let release_samples = EPISODE_RATE as f32 * 0.080;
        Limiter {
            ceiling: db_to_gain(ceiling_dbfs),
            window,
            release: 1.0 - (-1.0 / release_samples).exp(),
            delay: VecDeque::with_capacity(window + 1),
            minimum: VecDeque::new(),
            smooth: VecDeque::with_capacity(window + 1),
            smooth_sum: 0.0,
            released: 1.0,
            index: 0,
        }
    }

    /// Limits a block, appending the delayed, limited samples to `out`.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        for &x in input {
            self.push(x, out);
        }
    }

    /// Drains the look-ahead at the end of the stream.
    pub fn flush(&mut self, out: &mut Vec<f32>) {
        for _ in 0..self.window {
            self.push(0.0, out);
        }
    }

    fn push(&mut self, x: f32, out: &mut Vec<f32>) {
        let required = if x.abs() > self.ceiling {
            self.ceiling / x.abs()
        } else {
            1.0
        };
        while self.minimum.back().is_some_and(|&(_, g)| g >= required) {
            self.minimum.pop_back();
        }
        self.minimum.push_back((self.index, required));
        let oldest = self.index.saturating_sub(self.window as u64);
        while self.minimum.front().is_some_and(|&(i, _)| i < oldest) {
            self.minimum.pop_front();
        }
        self.delay.push_back(x);
        self.index += 1;
        if self.delay.len() <= self.window {
            return;
        }
        // Minimum over the window that ends at the newest sample, i.e. looking ahead of
        // the delayed sample that comes out now.
        let target = self.minimum.front().map_or(1.0, |&(_, g)| g);
        self.released = target.min(self.released + (1.0 - self.released) * self.release);
        self.smooth.push_back(self.released);
        self.smooth_sum += self.released as f64;
        if self.smooth.len() > self.window + 1 {
            self.smooth_sum -= self.smooth.pop_front().unwrap_or(0.0) as f64;
        }
        let gain = (self.smooth_sum / self.smooth.len() as f64) as f32;
        let delayed = self.delay.pop_front().unwrap_or(0.0);
        out.push(delayed * gain.min(1.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_keeps_peaks_under_the_ceiling_and_passes_quiet_audio() {
        let mut input: Vec<f32> = (0..44_100).map(|i| 0.1 * (i as f32 * 0.05).sin()).collect();
        for i in (5_000..40_000).step_by(3_000) {
            input[i] = 1.5;
            input[i + 1] = -1.4;
        }
        let mut limiter = Limiter::new(-2.0);
        let mut out = Vec::new();
        limiter.process(&input, &mut out);
        limiter.flush(&mut out);
        assert_eq!(out.len(), input.len());
        let ceiling = db_to_gain(-2.0) + 1e-6;
        assert!(out.iter().all(|s| s.abs() <= ceiling));
        // Output sample k is input sample k (the look-ahead is latency, not an offset), and
        // far from the spikes it is untouched.
        assert!((out[1_000] - input[1_000]).abs() < 1e-6);
        assert!((out[4_000] - input[4_000]).abs() < 1e-6);
    }
}

//! Loudness: EBU R128 metering (the `ebur128` crate), the show's loudness target, gain, and
//! a look-ahead true-peak limiter.
//!
//! The limiter detects peaks on a 4× oversampled signal (the ITU-R BS.1770-4 interpolation
//! filter), so peaks between samples are caught as a true-peak meter sees them; its ceiling
//! sits [`MP3_HEADROOM_DB`] under the true-peak limit to cover the overshoot of MP3 coding.

use std::collections::VecDeque;

use ebur128::{EbuR128, Mode};

use super::EPISODE_RATE;
use crate::error::{Error, Result};
pub use crate::settings::{LoudnessTarget, MP3_HEADROOM_DB};

/// Loudness each speech clip is levelled to before the episode's overall gain.
pub const SPEECH_LUFS: f64 = -20.0;
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
    /// A meter of integrated loudness of the mono mix, plus true peak when `true_peak` is
    /// set (slower).
    pub fn new(true_peak: bool) -> Result<Meter> {
        Meter::with_format(1, EPISODE_RATE, true_peak)
    }

    /// A meter for interleaved audio of `channels` channels at `rate`.
    pub fn with_format(channels: u32, rate: u32, true_peak: bool) -> Result<Meter> {
        let mode = if true_peak {
            Mode::I | Mode::TRUE_PEAK
        } else {
            Mode::I
        };
        let inner =
            EbuR128::new(channels.max(1), rate, mode).map_err(|e| Error::Audio(e.to_string()))?;
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
    pub fn integrated_of_many(meters: &[&Meter]) -> f64 {
        EbuR128::loudness_global_multiple(meters.iter().map(|m| &m.inner))
            .ok()
            .filter(|l| l.is_finite())
            .unwrap_or(-70.0)
    }

    /// Loudness and true peak (true peak only if the meter measures it; the loudest channel).
    pub fn report(&self) -> LoudnessReport {
        let peak = (0..self.inner.channels())
            .filter_map(|c| self.inner.true_peak(c).ok())
            .fold(0.0f64, f64::max);
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

/// Taps per phase of the BS.1770-4 4× interpolation filter.
const TP_TAPS: usize = 12;
/// Samples by which true-peak detection lags the input (the filter's centre).
const TP_DELAY: usize = 6;
/// ITU-R BS.1770-4 Annex 2: the 48-tap, 4-phase interpolation filter of the true-peak meter,
/// stored tap by tap (`TP_TAPS_BY_PHASE[j][k]` is tap `j` of phase `k`) so that the four
/// phases are computed side by side.
#[rustfmt::skip]
const TP_TAPS_BY_PHASE: [[f32; 4]; TP_TAPS] = [
    [0.001_708_984_4, -0.029_174_805, -0.018_920_898, -0.008_300_781],
    [0.010_986_328, 0.029_296_875, 0.033_081_055, 0.014_892_578],
    [-0.019_653_32, -0.051_757_812, -0.058_227_54, -0.026_611_328],
    [0.033_203_125, 0.089_111_33, 0.101_562_5, 0.047_607_42],
    [-0.059_448_242, -0.166_503_9, -0.200_317_38, -0.102_294_92],
    [0.137_329_1, 0.465_087_9, 0.779_785_16, 0.972_167_97],
    [0.972_167_97, 0.779_785_16, 0.465_087_9, 0.137_329_1],
    [-0.102_294_92, -0.200_317_38, -0.166_503_9, -0.059_448_242],
    [0.047_607_42, 0.101_562_5, 0.089_111_33, 0.033_203_125],
    [-0.026_611_328, -0.058_227_54, -0.051_757_812, -0.019_653_32],
    [0.014_892_578, 0.033_081_055, 0.029_296_875, 0.010_986_328],
    [-0.008_300_781, -0.018_920_898, -0.029_174_805, 0.001_708_984_4],
];
/// No interpolated value exceeds the largest input in the filter's reach times this (the
/// largest sum of absolute taps of a phase), so quieter stretches skip the filter.
const TP_MAX_GAIN: f32 = 2.03;

/// Streaming true-peak detector: for each input sample, the peak (sample and the values
/// between it and the next, 4× oversampled) of the sample [`TP_DELAY`] samples earlier.
struct TruePeak {
    /// The last taps, twice over so that a window is always one slice.
    history: [f32; 2 * TP_TAPS],
    position: usize,
    /// Below this, a neighbourhood cannot interpolate above the ceiling.
    quiet: f32,
    /// How many of the last taps are not quiet.
    loud: usize,
}

impl TruePeak {
    fn new(ceiling: f32) -> TruePeak {
        TruePeak {
            history: [0.0; 2 * TP_TAPS],
            position: 0,
            quiet: ceiling / TP_MAX_GAIN,
            loud: 0,
        }
    }

    fn push(&mut self, x: f32) -> f32 {
        self.position = (self.position + TP_TAPS - 1) % TP_TAPS;
        // The slot taken now held the oldest tap, which leaves the window.
        if self.history[self.position].abs() >= self.quiet {
            self.loud -= 1;
        }
        if x.abs() >= self.quiet {
            self.loud += 1;
        }
        self.history[self.position] = x;
        self.history[self.position + TP_TAPS] = x;
        // window[j] is x[n − j].
        let window = &self.history[self.position..self.position + TP_TAPS];
        let centre = window[TP_DELAY].abs();
        if self.loud == 0 {
            return centre;
        }
        let mut phases = [0.0f32; 4];
        for (taps, v) in TP_TAPS_BY_PHASE.iter().zip(window) {
            for (acc, h) in phases.iter_mut().zip(taps) {
                *acc += h * v;
            }
        }
        phases.iter().fold(centre, |peak, p| peak.max(p.abs()))
    }
}

/// Look-ahead true-peak limiter: gain falls before a peak arrives (no overshoot) and
/// recovers with an exponential release. Output lags input by the look-ahead until
/// [`Limiter::flush`].
///
/// The gain is the running minimum of the per-sample required gain (from the oversampled
/// peak) over the look-ahead window, with the release applied, then smoothed by a moving
/// average of the same length; since every average covers the peak's window, the limited
/// signal never exceeds the ceiling.
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
    /// Entries of `smooth` under 1 (none: the limiter is idle).
    smooth_below: usize,
    released: f32,
    index: u64,
    detector: TruePeak,
}

impl Limiter {
    /// A limiter with a true-peak ceiling in dBTP, a 5 ms look-ahead and an 80 ms release.
    pub fn new(ceiling_dbtp: f64) -> Limiter {
        let window = (EPISODE_RATE as usize * 5) / 1000;
        let release_samples = EPISODE_RATE as f32 * 0.080;
        let ceiling = db_to_gain(ceiling_dbtp);
        Limiter {
            ceiling,
            detector: TruePeak::new(ceiling),
            window,
            release: 1.0 - (-1.0 / release_samples).exp(),
            delay: VecDeque::with_capacity(window + 1),
            minimum: VecDeque::new(),
            smooth: VecDeque::with_capacity(window + 1),
            smooth_sum: 0.0,
            smooth_below: 0,
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
        for _ in 0..self.window + TP_DELAY {
            self.push(0.0, out);
        }
    }

    fn push(&mut self, x: f32, out: &mut Vec<f32>) {
        // The required gain is for the sample TP_DELAY back, whose true peak is now known.
        let peak = self.detector.push(x);
        let required = if peak > self.ceiling {
            self.ceiling / peak
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
        if self.delay.len() <= self.window + TP_DELAY {
            return;
        }
        let delayed = self.delay.pop_front().unwrap_or(0.0);
        // Minimum over the window that ends at the newest sample, i.e. looking ahead of
        // the delayed sample that comes out now.
        let target = self.minimum.front().map_or(1.0, |&(_, g)| g);
        let idle = target >= 1.0 && self.released >= 1.0 && self.smooth_below == 0;
        if idle && self.smooth.len() > self.window {
            // Nothing to limit in reach and every recent gain is 1: the average stays 1.
            out.push(delayed);
            return;
        }
        self.released = target.min(self.released + (1.0 - self.released) * self.release);
        self.push_smooth(self.released);
        let gain = (self.smooth_sum / self.smooth.len() as f64) as f32;
        out.push(delayed * gain.min(1.0));
    }

    /// Adds a gain to the moving average of the last `window + 1` gains.
    fn push_smooth(&mut self, gain: f32) {
        self.smooth.push_back(gain);
        self.smooth_sum += gain as f64;
        self.smooth_below += usize::from(gain < 1.0);
        if self.smooth.len() > self.window + 1 {
            let old = self.smooth.pop_front().unwrap_or(1.0);
            self.smooth_sum -= old as f64;
            self.smooth_below -= usize::from(old < 1.0);
        }
        if self.smooth_below == 0 {
            // All ones: drop the rounding the running sum has gathered.
            self.smooth_sum = self.smooth.len() as f64;
        }
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

    #[test]
    fn limiter_catches_peaks_between_samples() {
        // A quarter-rate sine sampled 45° off its crests: samples at −3 dBFS, true peak
        // 0 dBTP. A sample-peak limiter at −2 would let it through untouched.
        let input: Vec<f32> = (0..44_100)
            .map(|n| (std::f32::consts::FRAC_PI_2 * n as f32 + std::f32::consts::FRAC_PI_4).sin())
            .collect();
        let true_peak = |samples: &[f32]| {
            let mut meter = Meter::new(true).unwrap();
            meter.add(samples).unwrap();
            meter.report().true_peak_dbtp
        };
        assert!(
            true_peak(&input) > -0.5,
            "the test signal peaks between samples"
        );
        let mut limiter = Limiter::new(-2.0);
        let mut out = Vec::new();
        limiter.process(&input, &mut out);
        limiter.flush(&mut out);
        assert_eq!(out.len(), input.len());
        let measured = true_peak(&out);
        assert!(
            measured <= -1.9,
            "true peak after limiting: {measured:.2} dBTP"
        );
        assert!(
            measured > -2.5,
            "limited no more than needed: {measured:.2} dBTP"
        );
    }
}

//! Mastering: brings the rendered timeline to the loudness target and encodes it.
//!
//! Streaming passes over the timeline, none holding more than one item (and what overlaps
//! it) in memory:
//! 1. render once and measure, side by side, the integrated loudness of the mix with two
//!    candidate gains through the limiter (the limiter takes a little loudness off the
//!    peaks, more as the gain rises, so loudness is not linear in gain); the gain that
//!    reaches the target is interpolated between them — on speech levelled as the mixer
//!    levels it, this lands within a few hundredths of a LU;
//! 2. only if the target lies outside the candidates: a secant search from them, one pass
//!    per step;
//! 3. apply the gain, limit, and encode — the encoder runs on its own thread, fed through a
//!    bounded channel, and a third thread decodes the MP3 frames as they come out and
//!    measures them: the figures reported are those of the file listeners get;
//! 4. if the codec moved the loudness or the true peak out of bounds (CBR at low bitrates
//!    takes some loudness off speech), the gain or the ceiling is corrected and the episode
//!    encoded again.

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex};

use super::decode;
use super::encode::{EncoderSettings, EpisodeTags, Mp3Writer};
use super::jingle::JingleSet;
use super::loudness::{self, Limiter, LoudnessReport, LoudnessTarget, Meter};
use super::mix::{self, Item, Timeline};
use crate::error::{Error, Result};

/// Measuring passes allowed to correct the limiter's loudness loss.
const MAX_CORRECTIONS: usize = 5;
/// Loudness gained per decibel of gain assumed before two measurements give the real slope.
const FIRST_SLOPE: f64 = 0.6;
/// How close to the target the measuring passes aim, LU.
const TOLERANCE_LU: f64 = 0.1;

/// The encoded episode: a temporary MP3 in the destination folder and what was measured.
pub struct Mastered {
    pub file: tempfile::NamedTempFile,
    pub bytes: u64,
    pub loudness: LoudnessReport,
}

/// How the episode is mastered: the loudness target and the encoder settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct MasterSettings {
    pub loudness: LoudnessTarget,
    pub encoder: EncoderSettings,
}

/// How far the encoded episode may measure from the target before it is encoded again, LU.
const ENCODED_TOLERANCE_LU: f64 = 0.2;
/// Encodes at most this many times.
const MAX_ENCODES: usize = 3;
/// Two identical channels measure this much louder than the mono mix (BS.1770 sums them).
const DUAL_MONO_DB: f64 = 3.0103;

/// Renders, levels and encodes the episode into a temporary MP3 in `dir`. `done` counts the
/// samples rendered, every pass together (a measuring pass and an encoding pass, usually:
/// twice the episode), for a progress bar to read from another thread.
pub fn master(
    timeline: &Timeline,
    jingles: &JingleSet,
    dir: &Path,
    tags: &EpisodeTags,
    settings: &MasterSettings,
    done: &AtomicU64,
) -> Result<Mastered> {
    let target = settings.loudness.integrated_lufs;
    let channels = if settings.encoder.channels == 2 {
        DUAL_MONO_DB
    } else {
        0.0
    };
    let mut ceiling = settings.loudness.limiter_ceiling();
    let (mut gain, slope) = find_gain(target - channels, ceiling, |probes| {
        measure(timeline, jingles, probes, done)
    })?;
    let mut encodes = 0;
    loop {
        let mastered = encode(
            timeline,
            jingles,
            dir,
            tags,
            &settings.encoder,
            (gain, ceiling),
            done,
        )?;
        encodes += 1;
        let off = mastered.loudness.integrated_lufs - target;
        let over = mastered.loudness.true_peak_dbtp - settings.loudness.true_peak_dbtp;
        if (off.abs() <= ENCODED_TOLERANCE_LU && over <= 0.0) || encodes == MAX_ENCODES {
            return Ok(mastered);
        }
        gain -= off / slope;
        if over > 0.0 {
            ceiling -= over + 0.1;
        }
    }
}

/// Renders the mix with `gain` (dB) through the limiter (ceiling in dBTP) into the encoder,
/// measuring the MP3 as it is written.
fn encode(
    timeline: &Timeline,
    jingles: &JingleSet,
    dir: &Path,
    tags: &EpisodeTags,
    settings: &EncoderSettings,
    (gain, ceiling): (f64, f64),
    done: &AtomicU64,
) -> Result<Mastered> {
    let writer = Mp3Writer::create(dir, tags, settings)?;
    let (tap, frames) = mpsc::sync_channel::<Vec<u8>>(64);
    let listener = std::thread::spawn(move || decode::mp3_loudness(FrameReader::new(frames)));
    let writer = writer.with_tap(tap);
    let (sender, receiver) = mpsc::sync_channel::<Vec<f32>>(8);
    let encoder = std::thread::spawn(move || -> Result<Mp3Writer> {
        let mut writer = writer;
        for block in receiver {
            writer.write(&block)?;
        }
        Ok(writer)
    });

    let mut limiter = Limiter::new(ceiling);
    let linear = loudness::db_to_gain(gain);
    let send = |block: Vec<f32>| -> Result<()> {
        sender
            .send(block)
            .map_err(|_| Error::Audio("the MP3 encoder stopped".to_string()))
    };
    let rendered = mix::render(timeline, jingles, &mut |block| {
        done.fetch_add(block.len() as u64, Ordering::Relaxed);
        let gained: Vec<f32> = block.iter().map(|s| s * linear).collect();
        let mut out = Vec::with_capacity(block.len());
        limiter.process(&gained, &mut out);
        send(out)
    });
    let mut tail = Vec::new();
    limiter.flush(&mut tail);
    let flushed = rendered.and_then(|_| send(tail));
    drop(sender);
    let finished = encoder
        .join()
        .map_err(|_| Error::Audio("the MP3 encoder thread panicked".to_string()))
        .and_then(|written| written)
        .and_then(|writer| {
            flushed?;
            writer.finish()
        });
    let measured = listener
        .join()
        .map_err(|_| Error::Audio("the MP3 measuring thread panicked".to_string()))?;
    let (file, bytes) = finished?;
    Ok(Mastered {
        file,
        bytes,
        loudness: measured?,
    })
}

/// Reads the MP3 frames sent by the encoder, in order, until it closes the channel.
struct FrameReader {
    frames: Mutex<mpsc::Receiver<Vec<u8>>>,
    current: Vec<u8>,
    position: usize,
}

impl FrameReader {
    fn new(frames: mpsc::Receiver<Vec<u8>>) -> FrameReader {
        FrameReader {
            frames: Mutex::new(frames),
            current: Vec::new(),
            position: 0,
        }
    }
}

impl Read for FrameReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.position == self.current.len() {
            let next = match self.frames.get_mut() {
                Ok(frames) => frames.recv(),
                Err(_) => return Ok(0),
            };
            match next {
                Ok(bytes) => {
                    self.current = bytes;
                    self.position = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.current.len() - self.position);
        out[..n].copy_from_slice(&self.current[self.position..self.position + n]);
        self.position += n;
        Ok(n)
    }
}

/// Finds the gain at which the limited mix measures the target loudness. `measure` renders
/// the mix once and returns the loudness for each probe: `None` raw, `Some((gain, ceiling))`
/// through the limiter.
/// Also returns the loudness gained per decibel of gain around it.
fn find_gain(
    target: f64,
    ceiling: f64,
    measure: impl Fn(&[Option<(f64, f64)>]) -> Result<Vec<f64>>,
) -> Result<(f64, f64)> {
    // Clips are levelled to SPEECH_LUFS, so the raw mix measures about that.
    let guess = target - loudness::SPEECH_LUFS;
    let gains: Vec<f64> = PROBE_STEPS_DB.iter().map(|step| guess + step).collect();
    let probes: Vec<Option<(f64, f64)>> = gains.iter().map(|&g| Some((g, ceiling))).collect();
    let measured = measure(&probes)?;
    let points: Vec<(f64, f64)> = gains.into_iter().zip(measured).collect();
    let ((g0, l0), (g1, l1)) = (points[0], points[1]);
    let slope = ((l1 - l0) / (g1 - g0)).clamp(0.1, 1.0);
    if let Some(gain) = interpolate(&points, target) {
        return Ok((gain, slope));
    }
    // Outside the candidates (a mix far from the usual levels): step there by secant.
    let gain = solve_gain(target, &points, |gain| {
        Ok(measure(&[Some((gain, ceiling))])?[0])
    })?;
    Ok((gain, slope))
}

/// Candidate gains tried in the first pass, relative to the linear guess: espeak-ng and
/// neural voices levelled to SPEECH_LUFS need 1.5 to 2.5 dB more once limited.
const PROBE_STEPS_DB: [f64; 2] = [1.0, 3.0];

/// The gain between two neighbouring measured points `(gain, loudness)` that gives
/// `target`, by linear interpolation.
fn interpolate(points: &[(f64, f64)], target: f64) -> Option<f64> {
    points.windows(2).find_map(|pair| {
        let ((g0, l0), (g1, l1)) = (pair[0], pair[1]);
        let inside = (l0 <= target && target <= l1) && l1 > l0;
        inside.then(|| g0 + (target - l0) * (g1 - g0) / (l1 - l0))
    })
}

/// Finds the gain at which the limited mix measures the target loudness, from measured
/// `(gain, loudness)` points (the last two are used).
///
/// The limiter takes more loudness off as the gain rises, so the loudness grows slower than
/// the gain: a secant search on `measured(gain) − target`.
fn solve_gain(
    target: f64,
    points: &[(f64, f64)],
    measured: impl Fn(f64) -> Result<f64>,
) -> Result<f64> {
    let (mut gain, mut error, mut previous) = match points {
        [.., (g0, l0), (g1, l1)] => (*g1, target - l1, Some((*g0, target - l0))),
        [(g, l)] => (*g, target - l, None),
        [] => (
            target - loudness::SPEECH_LUFS,
            target - measured(target - loudness::SPEECH_LUFS)?,
            None,
        ),
    };
    for _ in 0..MAX_CORRECTIONS {
        if error.abs() < TOLERANCE_LU {
            break;
        }
        // Loudness gained per decibel of gain, from the last two measurements; at first a
        // typical value for speech pushed into the limiter.
        let slope = previous
            .map(|(g, e)| (e - error) / (gain - g))
            .filter(|s| s.is_finite())
            .unwrap_or(FIRST_SLOPE)
            .clamp(0.1, 1.0);
        previous = Some((gain, error));
        gain += error / slope;
        error = target - measured(gain)?;
    }
    Ok(gain)
}

/// Integrated loudness of the mix for each probe: raw (`None`) or with a gain (dB) and the
/// limiter (ceiling in dBTP) applied; the mix is rendered once for all of them.
///
/// Items are separated by pauses longer than the limiter's look-ahead and release, so the
/// timeline is cut into one run of items per core, each limited and metered on its own
/// thread; the meters are then combined (silence between runs is below the gate anyway).
fn measure(
    timeline: &Timeline,
    jingles: &JingleSet,
    probes: &[Option<(f64, f64)>],
    done: &AtomicU64,
) -> Result<Vec<f64>> {
    let runs = split_runs(
        &timeline.items,
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    );
    let meters: Vec<Vec<Meter>> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|run| scope.spawn(move || measure_run(run, jingles, probes, done)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| Error::Audio("a loudness thread panicked".to_string()))?
            })
            .collect::<Result<Vec<_>>>()
    })?;
    Ok((0..probes.len())
        .map(|p| {
            let of_probe: Vec<&Meter> = meters.iter().map(|run| &run[p]).collect();
            Meter::integrated_of_many(&of_probe)
        })
        .collect())
}

/// One meter per probe for a run of items.
fn measure_run(
    run: &[Item],
    jingles: &JingleSet,
    probes: &[Option<(f64, f64)>],
    done: &AtomicU64,
) -> Result<Vec<Meter>> {
    let mut meters = probes
        .iter()
        .map(|_| Meter::new(false))
        .collect::<Result<Vec<_>>>()?;
    let mut limiters: Vec<Option<(f32, Limiter)>> = probes
        .iter()
        .map(|p| p.map(|(db, ceiling)| (loudness::db_to_gain(db), Limiter::new(ceiling))))
        .collect();
    let from = run.first().map_or(0, |i| i.start);
    let (mut gained, mut out) = (Vec::new(), Vec::new());
    mix::render_items(run, jingles, from, &mut |block| {
        done.fetch_add(block.len() as u64, Ordering::Relaxed);
        for (meter, limiter) in meters.iter_mut().zip(limiters.iter_mut()) {
            match limiter {
                None => meter.add(block)?,
                Some((linear, limiter)) => {
                    gained.clear();
                    gained.extend(block.iter().map(|s| s * *linear));
                    out.clear();
                    limiter.process(&gained, &mut out);
                    meter.add(&out)?;
                }
            }
        }
        Ok(())
    })?;
    for (meter, limiter) in meters.iter_mut().zip(limiters.iter_mut()) {
        if let Some((_, limiter)) = limiter {
            out.clear();
            limiter.flush(&mut out);
            meter.add(&out)?;
        }
    }
    Ok(meters)
}

/// Cuts items into at most `n` consecutive runs of similar length, never between items
/// that overlap (a crossfade, the music bed).
fn split_runs(items: &[Item], n: usize) -> Vec<&[Item]> {
    let total: u64 = items.iter().map(|i| i.len).sum();
    let share = total.div_ceil(n.max(1) as u64).max(1);
    let mut runs = Vec::new();
    let (mut start, mut acc, mut reach) = (0, 0, 0);
    for (i, item) in items.iter().enumerate() {
        acc += item.len;
        reach = reach.max(item.end());
        let clear = items.get(i + 1).is_some_and(|next| next.start >= reach);
        if acc >= share && clear && runs.len() + 1 < n {
            runs.push(&items[start..=i]);
            start = i + 1;
            acc = 0;
        }
    }
    if start < items.len() {
        runs.push(&items[start..]);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Loudness of a limited mix: linear at first, flattening as the limiter works harder.
    fn limited(gain: f64) -> f64 {
        -20.0 + 0.7 * gain - 0.01 * gain.powi(2)
    }

    #[test]
    fn the_gain_is_interpolated_from_one_pass_when_the_probes_bracket_it() {
        let passes = std::cell::Cell::new(0);
        let (gain, _) = find_gain(-16.0, -1.6, |probes| {
            passes.set(passes.get() + 1);
            Ok(probes.iter().map(|p| limited(p.unwrap().0)).collect())
        })
        .unwrap();
        assert_eq!(passes.get(), 1);
        assert!((limited(gain) + 16.0).abs() < 0.05, "{gain}");
    }

    #[test]
    fn a_target_outside_the_probes_is_reached_by_secant_steps() {
        let passes = std::cell::Cell::new(0);
        let (gain, _) = find_gain(-12.0, -1.0, |probes| {
            passes.set(passes.get() + 1);
            Ok(probes.iter().map(|p| limited(p.unwrap().0)).collect())
        })
        .unwrap();
        assert!(passes.get() > 1);
        assert!((limited(gain) + 12.0).abs() < TOLERANCE_LU, "{gain}");
    }
}

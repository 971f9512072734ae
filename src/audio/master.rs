//! Mastering: brings the rendered timeline to the loudness target and encodes it.
//!
//! Three streaming passes over the timeline, none holding more than one item in memory:
//! 1. measure the integrated loudness of the raw mix;
//! 2. apply the gain that would reach the target, limit, and measure again (the limiter
//!    takes a little loudness off the peaks), correcting the gain until it is on target;
//! 3. apply the corrected gain, limit, measure loudness and true peak, and encode — the
//!    encoder runs on its own thread, fed through a bounded channel.

use std::path::Path;
use std::sync::mpsc;

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

/// Renders, levels and encodes the episode into a temporary MP3 in `dir`.
pub fn master(
    timeline: &Timeline,
    jingles: &JingleSet,
    dir: &Path,
    tags: &EpisodeTags,
    settings: &MasterSettings,
) -> Result<Mastered> {
    let target = settings.loudness.integrated_lufs;
    let ceiling = settings.loudness.limiter_ceiling();
    let raw = measure(timeline, jingles, None)?;
    let gain = solve_gain(target, target - raw, |gain| {
        measure(timeline, jingles, Some((gain, ceiling)))
    })?;

    let writer = Mp3Writer::create(dir, tags, &settings.encoder)?;
    let (sender, receiver) = mpsc::sync_channel::<Vec<f32>>(8);
    let encoder = std::thread::spawn(move || -> Result<Mp3Writer> {
        let mut writer = writer;
        for block in receiver {
            writer.write(&block)?;
        }
        Ok(writer)
    });

    let mut meter = Meter::new(true)?;
    let mut limiter = Limiter::new(ceiling);
    let linear = loudness::db_to_gain(gain);
    let send = |block: Vec<f32>, meter: &mut Meter| -> Result<()> {
        meter.add(&block)?;
        sender
            .send(block)
            .map_err(|_| Error::Audio("the MP3 encoder stopped".to_string()))
    };
    let rendered = mix::render(timeline, jingles, &mut |block| {
        let gained: Vec<f32> = block.iter().map(|s| s * linear).collect();
        let mut out = Vec::with_capacity(block.len());
        limiter.process(&gained, &mut out);
        send(out, &mut meter)
    });
    let mut tail = Vec::new();
    limiter.flush(&mut tail);
    let flushed = rendered.and_then(|_| send(tail, &mut meter));
    drop(sender);
    let writer = encoder
        .join()
        .map_err(|_| Error::Audio("the MP3 encoder thread panicked".to_string()))??;
    flushed?;
    let (file, bytes) = writer.finish()?;
    Ok(Mastered {
        file,
        bytes,
        loudness: meter.report(),
    })
}

/// Finds the gain at which the limited mix measures the target loudness.
///
/// The limiter takes more loudness off as the gain rises, so the loudness grows slower than
/// the gain: a secant search on `measured(gain) − target`, starting from the linear guess.
fn solve_gain(target: f64, first_guess: f64, measured: impl Fn(f64) -> Result<f64>) -> Result<f64> {
    let mut gain = first_guess;
    let mut error = target - measured(gain)?;
    let mut previous: Option<(f64, f64)> = None;
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

/// Integrated loudness of the mix, raw or with a gain (dB) and the limiter (ceiling in
/// dBTP) applied.
///
/// Items are separated by pauses longer than the limiter's look-ahead and release, so the
/// timeline is cut into one run of items per core, each limited and metered on its own
/// thread; the meters are then combined (silence between runs is below the gate anyway).
fn measure(timeline: &Timeline, jingles: &JingleSet, gain_db: Option<(f64, f64)>) -> Result<f64> {
    let runs = split_runs(
        &timeline.items,
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    );
    let meters: Vec<Meter> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .iter()
            .map(|run| scope.spawn(move || measure_run(run, jingles, gain_db)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .map_err(|_| Error::Audio("a loudness thread panicked".to_string()))?
            })
            .collect::<Result<Vec<_>>>()
    })?;
    Ok(Meter::integrated_of_many(&meters))
}

fn measure_run(run: &[Item], jingles: &JingleSet, gain_db: Option<(f64, f64)>) -> Result<Meter> {
    let mut meter = Meter::new(false)?;
    let from = run.first().map_or(0, |i| i.start);
    match gain_db {
        None => {
            mix::render_items(run, jingles, from, &mut |block| meter.add(block))?;
        }
        Some((db, ceiling)) => {
            let linear = loudness::db_to_gain(db);
            let mut limiter = Limiter::new(ceiling);
            let mut out = Vec::new();
            mix::render_items(run, jingles, from, &mut |block| {
                let gained: Vec<f32> = block.iter().map(|s| s * linear).collect();
                out.clear();
                limiter.process(&gained, &mut out);
                meter.add(&out)
            })?;
            out.clear();
            limiter.flush(&mut out);
            meter.add(&out)?;
        }
    }
    Ok(meter)
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

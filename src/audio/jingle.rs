//! Jingles: the show's own files when it has them, otherwise chimes generated in code.
//!
//! The generated chimes are glockenspiel-like notes (a bar's inharmonic partials with
//! exponential decays) on a major arpeggio: rising for the intro, a two-note call for
//! transitions, a quick three-note figure as the section sting before the briefs, falling
//! for the outro. A music bed under the opening only plays when the show supplies one.
//! Every jingle is levelled to [`JINGLE_LUFS`] so that it sits just under the voice whatever
//! file the producer supplies.

use std::f32::consts::PI;

use super::{decode, loudness, EPISODE_RATE};
use crate::error::Result;
use crate::settings::Jingles;

/// Loudness of jingles before the episode's overall gain (speech clips are levelled to
/// [`loudness::SPEECH_LUFS`]; jingles sit 3 LU under them).
pub const JINGLE_LUFS: f64 = loudness::SPEECH_LUFS - 3.0;

/// The jingles of a rundown, mono `f32` at the episode rate.
#[derive(Debug, Clone)]
pub struct JingleSet {
    pub intro: Vec<f32>,
    /// Stinger between stories.
    pub transition: Vec<f32>,
    /// Section sting before the briefs.
    pub sting: Vec<f32>,
    pub outro: Vec<f32>,
    /// Music bed under the opening (ducked under the voice), if the show has one.
    pub bed: Option<Vec<f32>>,
}

/// Which jingle a timeline item plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JingleKind {
    Intro,
    Transition,
    Sting,
    Outro,
    Bed,
}

impl JingleSet {
    /// Loads the show's jingle files, generating the ones it does not name.
    pub fn load(jingles: &Jingles) -> Result<JingleSet> {
        let load =
            |file: &Option<std::path::PathBuf>, make: fn() -> Vec<f32>| -> Result<Vec<f32>> {
                let mut samples = match file {
                    Some(path) => trim_silence(decode::decode_file(path)?),
                    None => make(),
                };
                loudness::level_to(&mut samples, JINGLE_LUFS);
                Ok(samples)
            };
        let bed = match &jingles.bed {
            Some(path) => {
                let mut samples = trim_silence(decode::decode_file(path)?);
                loudness::level_to(&mut samples, JINGLE_LUFS);
                Some(samples)
            }
            None => None,
        };
        Ok(JingleSet {
            intro: load(&jingles.intro, intro_chime)?,
            transition: load(&jingles.transition, transition_chime)?,
            sting: load(&jingles.sting, section_sting)?,
            outro: load(&jingles.outro, outro_chime)?,
            bed,
        })
    }

    /// The samples of one jingle.
    pub fn get(&self, kind: JingleKind) -> &[f32] {
        match kind {
            JingleKind::Intro => &self.intro,
            JingleKind::Transition => &self.transition,
            JingleKind::Sting => &self.sting,
            JingleKind::Outro => &self.outro,
            JingleKind::Bed => self.bed.as_deref().unwrap_or(&[]),
        }
    }
}

/// Level under which the start and end of a jingle file count as silence (−60 dBFS).
const JINGLE_SILENCE: f32 = 0.001;

/// Drops the silence a jingle file starts and ends with, so pauses around it are exactly
/// the rundown's.
fn trim_silence(mut samples: Vec<f32>) -> Vec<f32> {
    let loud = |s: &f32| s.abs() > JINGLE_SILENCE;
    let end = samples.iter().rposition(loud).map_or(0, |i| i + 1);
    samples.truncate(end);
    let start = samples.iter().position(loud).unwrap_or(0);
    samples.drain(..start);
    samples
}

const C5: f32 = 523.25;
const E5: f32 = 659.26;
const G5: f32 = 783.99;
const C6: f32 = 1046.50;

/// Rising C-major arpeggio, 2.4 s.
pub fn intro_chime() -> Vec<f32> {
    chime(&[(0.0, C5), (0.16, E5), (0.32, G5), (0.48, C6)], 2.4)
}

/// Two-note call, 1.2 s.
pub fn transition_chime() -> Vec<f32> {
    chime(&[(0.0, G5), (0.14, C6)], 1.2)
}

/// Quick rising figure ending an octave up, 1.6 s: a new section starts.
pub fn section_sting() -> Vec<f32> {
    chime(&[(0.0, E5), (0.09, G5), (0.18, C6), (0.27, 2.0 * E5)], 1.6)
}

/// Falling arpeggio, 2.6 s.
pub fn outro_chime() -> Vec<f32> {
    chime(&[(0.0, C6), (0.16, G5), (0.32, E5), (0.48, C5)], 2.6)
}

/// Sums bell notes `(start seconds, frequency)` into a clip of `seconds`.
fn chime(notes: &[(f32, f32)], seconds: f32) -> Vec<f32> {
    // Partials of a free bar (ratio, level, decay time constant in seconds).
    const PARTIALS: [(f32, f32, f32); 3] =
        [(1.0, 1.0, 0.55), (2.756, 0.35, 0.18), (5.404, 0.12, 0.07)];
    let rate = EPISODE_RATE as f32;
    let len = (seconds * rate) as usize;
    let mut out = vec![0.0f32; len];
    for &(start, freq) in notes {
        let first = (start * rate) as usize;
        for (i, sample) in out.iter_mut().enumerate().skip(first) {
            let t = (i - first) as f32 / rate;
            let attack = (t / 0.004).min(1.0);
            let tone: f32 = PARTIALS
                .iter()
                .map(|&(ratio, level, decay)| {
                    level * (-t / decay).exp() * (2.0 * PI * freq * ratio * t).sin()
                })
                .sum();
            *sample += 0.25 * attack * tone;
        }
    }
    // A short fade to true silence at the end.
    let fade = (0.05 * rate) as usize;
    for (k, sample) in out.iter_mut().rev().take(fade).enumerate() {
        *sample *= k as f32 / fade as f32;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_chimes_are_musical_not_beeps() {
        for chime in [
            intro_chime(),
            transition_chime(),
            section_sting(),
            outro_chime(),
        ] {
            let peak = chime.iter().fold(0.0f32, |m, s| m.max(s.abs()));
            assert!(peak > 0.05 && peak < 1.0, "peak {peak}");
            // Decays: the last tenth is much quieter than the first tenth.
            let tenth = chime.len() / 10;
            let energy = |s: &[f32]| s.iter().map(|x| x * x).sum::<f32>();
            assert!(energy(&chime[chime.len() - tenth..]) < energy(&chime[..tenth]) / 20.0);
            assert_eq!(*chime.last().unwrap(), 0.0);
        }
    }
}

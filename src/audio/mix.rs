//! Mix: lays clips and jingles out on a timeline (the rundown) and renders it as a stream.
//!
//! The rundown is: intro jingle, opening, quote, each story after the transition jingle,
//! the transition jingle and the briefs, closing, outro jingle, with pauses between. Every
//! item fades in and out over a few milliseconds and pauses are true silence, so no join
//! can click. Chapters and transcript cues come from the same timeline, so they are exact.

use std::path::PathBuf;

use super::jingle::{JingleKind, JingleSet};
use super::{loudness, ms_to_samples, resample, samples_to_ms, EPISODE_RATE};
use crate::error::{Error, Result};
use crate::ingest::StoryKind;
use crate::script::Script;
use crate::synth::ClipFile;

/// Pauses and fades of the rundown, in milliseconds (`[rundown]` in `show.toml`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RundownTimes {
    /// Silence after each jingle.
    pub pause_after_jingle_ms: u64,
    /// Silence between stories.
    pub pause_between_stories_ms: u64,
    /// Silence between the parts of a story cut for an engine's request limit.
    pub pause_within_story_ms: u64,
    /// Silence at the very end.
    pub tail_ms: u64,
    /// Fade in and out of every speech clip.
    pub speech_fade_ms: u64,
    pub jingle_fade_in_ms: u64,
    pub jingle_fade_out_ms: u64,
}

impl Default for RundownTimes {
    fn default() -> Self {
        RundownTimes {
            pause_after_jingle_ms: 350,
            pause_between_stories_ms: 700,
            pause_within_story_ms: 150,
            tail_ms: 300,
            speech_fade_ms: 8,
            jingle_fade_in_ms: 3,
            jingle_fade_out_ms: 20,
        }
    }
}

/// What a timeline item plays.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A speech clip (WAV) with the gain that levels it, played from sample `skip` (at the
    /// clip's rate) for `take` samples: the engine's leading and trailing silence is cut.
    Clip {
        path: PathBuf,
        rate: u32,
        gain: f32,
        skip: u64,
        take: u64,
    },
    Jingle(JingleKind),
}

/// One sound on the timeline; items never overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub source: Source,
    /// First sample, at the episode rate.
    pub start: u64,
    /// Length in samples at the episode rate.
    pub len: u64,
    pub fade_in: u64,
    pub fade_out: u64,
}

/// A chapter: one per segment of the script.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Chapter {
    pub title: String,
    pub start_ms: u64,
    pub end_ms: u64,
}

/// A transcript cue.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
}

/// The rundown of an episode.
#[derive(Debug, Clone)]
pub struct Timeline {
    pub items: Vec<Item>,
    pub chapters: Vec<Chapter>,
    pub cues: Vec<Cue>,
    /// Length of the episode in samples.
    pub total: u64,
}

/// Lays out an episode from its script, clips (one per segment, in order) and jingles.
pub fn rundown(
    script: &Script,
    clips: &[ClipFile],
    jingles: &JingleSet,
    times: &RundownTimes,
) -> Timeline {
    let mut t = 0u64;
    let mut items = Vec::new();
    let mut chapters = Vec::new();
    let mut cues = Vec::new();
    let place_jingle = |kind: JingleKind, t: &mut u64, items: &mut Vec<Item>| {
        let len = jingles.get(kind).len() as u64;
        items.push(Item {
            source: Source::Jingle(kind),
            start: *t,
            len,
            fade_in: ms_to_samples(times.jingle_fade_in_ms),
            fade_out: ms_to_samples(times.jingle_fade_out_ms),
        });
        *t += len + ms_to_samples(times.pause_after_jingle_ms);
    };

    place_jingle(JingleKind::Intro, &mut t, &mut items);
    let mut previous_story = None;
    for (segment, clip) in script.segments.iter().zip(clips) {
        // A story cut in several segments for an engine's request limit is one chapter, read
        // on with a short pause.
        let first_of_story = previous_story != Some(segment.story);
        previous_story = Some(segment.story);
        if !first_of_story {
            t -= ms_to_samples(times.pause_between_stories_ms);
            t += ms_to_samples(times.pause_within_story_ms);
        }
        let chapter_start = if segment.index == 0 { 0 } else { t };
        if first_of_story && matches!(segment.kind, StoryKind::Story | StoryKind::Briefs) {
            place_jingle(JingleKind::Transition, &mut t, &mut items);
        }
        let take = clip
            .samples
            .saturating_sub(clip.lead_silence + clip.tail_silence)
            .max(1);
        let len = resample::output_len(take, clip.sample_rate, EPISODE_RATE);
        let clip_start = t;
        items.push(Item {
            source: Source::Clip {
                path: clip.path.clone(),
                rate: clip.sample_rate,
                gain: loudness::db_to_gain(loudness::SPEECH_LUFS - clip.loudness_lufs),
                skip: clip.lead_silence,
                take,
            },
            start: clip_start,
            len,
            fade_in: ms_to_samples(times.speech_fade_ms),
            fade_out: ms_to_samples(times.speech_fade_ms),
        });
        t += len + ms_to_samples(times.pause_between_stories_ms);
        cues.extend(segment_cues(segment, clip, clip_start, clip_start + len));
        if first_of_story {
            chapters.push(Chapter {
                title: segment.title.clone(),
                start_ms: samples_to_ms(chapter_start),
                end_ms: 0,
            });
        }
    }
    place_jingle(JingleKind::Outro, &mut t, &mut items);
    let total = items.last().map_or(0, |i| i.start + i.len) + ms_to_samples(times.tail_ms);
    let total_ms = samples_to_ms(total);
    for i in 0..chapters.len() {
        chapters[i].end_ms = chapters.get(i + 1).map_or(total_ms, |next| next.start_ms);
    }
    Timeline {
        items,
        chapters,
        cues,
        total,
    }
}

/// Cues of one segment: one per mark, split into sentences with times shared out by length.
fn segment_cues(
    segment: &crate::script::Segment,
    clip: &ClipFile,
    start: u64,
    end: u64,
) -> Vec<Cue> {
    let at = |sample: u64| {
        let spoken = sample.saturating_sub(clip.lead_silence);
        (start + resample::output_len(spoken, clip.sample_rate, EPISODE_RATE)).min(end)
    };
    let mut cues = Vec::new();
    for (n, cue) in segment.cues.iter().enumerate() {
        let Some(mark) = clip.marks.iter().find(|m| m.name == cue.mark) else {
            continue;
        };
        let cue_start = at(mark.sample);
        let cue_end = segment.cues[n + 1..]
            .iter()
            .find_map(|next| clip.marks.iter().find(|m| m.name == next.mark))
            .map_or(end, |m| at(m.sample));
        let sentences = crate::script::split_sentences(&cue.text);
        let total_chars: usize = sentences
            .iter()
            .map(|s| s.chars().count())
            .sum::<usize>()
            .max(1);
        let mut s_start = cue_start;
        for (k, sentence) in sentences.iter().enumerate() {
            let share =
                (cue_end - cue_start) * sentence.chars().count() as u64 / total_chars as u64;
            let s_end = if k + 1 == sentences.len() {
                cue_end
            } else {
                s_start + share
            };
            cues.push(Cue {
                start_ms: samples_to_ms(s_start),
                end_ms: samples_to_ms(s_end),
                text: sentence.clone(),
            });
            s_start = s_end;
        }
    }
    cues
}

/// Block size handed to the sink.
const BLOCK: usize = 16_384;

/// Renders the timeline in order, handing blocks of samples to `sink`; holds one item in
/// memory at a time.
pub fn render(
    timeline: &Timeline,
    jingles: &JingleSet,
    sink: &mut dyn FnMut(&[f32]) -> Result<()>,
) -> Result<()> {
    let end = render_items(&timeline.items, jingles, 0, sink)?;
    emit_silence(timeline.total.saturating_sub(end), sink)
}

/// Renders `items` (consecutive items of a timeline) from sample `from` on, with the silence
/// before and between them; returns the sample where it stopped.
pub fn render_items(
    items: &[Item],
    jingles: &JingleSet,
    from: u64,
    sink: &mut dyn FnMut(&[f32]) -> Result<()>,
) -> Result<u64> {
    let mut t = from;
    for item in items {
        emit_silence(item.start.saturating_sub(t), sink)?;
        let mut samples = match &item.source {
            Source::Jingle(kind) => jingles.get(*kind).to_vec(),
            Source::Clip {
                path,
                rate,
                gain,
                skip,
                take,
            } => {
                let wav = read_wav(path)?;
                let start = (*skip as usize).min(wav.len());
                let end = (start + *take as usize).min(wav.len());
                let mut speech =
                    resample::resample(&remove_dc(&wav[start..end]), *rate, EPISODE_RATE)?;
                speech.iter_mut().for_each(|s| *s *= gain);
                speech
            }
        };
        samples.resize(item.len as usize, 0.0);
        fade(&mut samples, item.fade_in as usize, item.fade_out as usize);
        for block in samples.chunks(BLOCK) {
            sink(block)?;
        }
        t = item.start + item.len;
    }
    Ok(t)
}

fn emit_silence(mut n: u64, sink: &mut dyn FnMut(&[f32]) -> Result<()>) -> Result<()> {
    let zeros = vec![0.0f32; BLOCK];
    while n > 0 {
        let take = n.min(BLOCK as u64) as usize;
        sink(&zeros[..take])?;
        n -= take as u64;
    }
    Ok(())
}

/// Removes any DC offset: a first-order high-pass at about 10 Hz, inaudible on speech.
fn remove_dc(samples: &[f32]) -> Vec<f32> {
    const POLE: f32 = 0.9986;
    let (mut previous_in, mut previous_out) = (samples.first().copied().unwrap_or(0.0), 0.0f32);
    samples
        .iter()
        .map(|&x| {
            let y = x - previous_in + POLE * previous_out;
            previous_in = x;
            previous_out = y;
            y
        })
        .collect()
}

/// Raised-cosine fade in and out.
fn fade(samples: &mut [f32], fade_in: usize, fade_out: usize) {
    let len = samples.len();
    let curve = |k: usize, n: usize| 0.5 - 0.5 * (std::f32::consts::PI * k as f32 / n as f32).cos();
    for (k, sample) in samples.iter_mut().take(fade_in.min(len)).enumerate() {
        *sample *= curve(k, fade_in);
    }
    for (k, sample) in samples.iter_mut().rev().take(fade_out.min(len)).enumerate() {
        *sample *= curve(k, fade_out);
    }
}

/// Reads a mono 16-bit WAV clip as `f32`.
pub fn read_wav(path: &std::path::Path) -> Result<Vec<f32>> {
    let reader = hound::WavReader::open(path)
        .map_err(|e| Error::Audio(format!("{}: {e}", path.display())))?;
    reader
        .into_samples::<i16>()
        .map(|s| s.map(|v| v as f32 / 32_768.0))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Error::Audio(format!("{}: {e}", path.display())))
}

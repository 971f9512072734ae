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
        let mut shaper = Shaper::new(item);
        let mut out = |block: &[f32]| shaper.process(block, sink);
        match &item.source {
            Source::Jingle(kind) => {
                for block in jingles.get(*kind).chunks(BLOCK) {
                    out(block)?;
                }
            }
            Source::Clip {
                path,
                rate,
                skip,
                take,
                ..
            } => {
                let mut blocks = ClipBlocks::open(path, *skip, *take)?;
                resample::resample_stream(&mut blocks, *rate, EPISODE_RATE, &mut out)?;
            }
        }
        shaper.finish(sink)?;
        t = item.start + item.len;
    }
    Ok(t)
}

/// Applies an item's gain and fades to its samples as they stream, and holds it to its
/// exact length (padding with silence or cutting).
struct Shaper {
    gain: f32,
    len: u64,
    fade_in: u64,
    fade_out: u64,
    position: u64,
    buffer: Vec<f32>,
}

impl Shaper {
    fn new(item: &Item) -> Shaper {
        let gain = match item.source {
            Source::Clip { gain, .. } => gain,
            Source::Jingle(_) => 1.0,
        };
        Shaper {
            gain,
            len: item.len,
            fade_in: item.fade_in,
            fade_out: item.fade_out,
            position: 0,
            buffer: Vec::with_capacity(BLOCK),
        }
    }

    fn process(&mut self, block: &[f32], sink: &mut dyn FnMut(&[f32]) -> Result<()>) -> Result<()> {
        let room = self.len.saturating_sub(self.position) as usize;
        self.buffer.clear();
        for (k, &x) in block.iter().take(room).enumerate() {
            let at = self.position + k as u64;
            self.buffer.push(x * self.gain * self.envelope(at));
        }
        self.position += self.buffer.len() as u64;
        if self.buffer.is_empty() {
            Ok(())
        } else {
            sink(&self.buffer)
        }
    }

    /// Pads with silence up to the item's length.
    fn finish(&mut self, sink: &mut dyn FnMut(&[f32]) -> Result<()>) -> Result<()> {
        emit_silence(self.len.saturating_sub(self.position), sink)?;
        self.position = self.len;
        Ok(())
    }

    /// Raised-cosine fade in and out.
    fn envelope(&self, at: u64) -> f32 {
        let curve = |k: u64, n: u64| 0.5 - 0.5 * (std::f32::consts::PI * k as f32 / n as f32).cos();
        let from_end = self.len - 1 - at.min(self.len - 1);
        let mut level = 1.0;
        if at < self.fade_in {
            level *= curve(at, self.fade_in);
        }
        if from_end < self.fade_out {
            level *= curve(from_end, self.fade_out);
        }
        level
    }
}

/// A clip's samples from `skip` for `take` samples, read in blocks, DC offset removed
/// (a first-order high-pass at about 10 Hz, inaudible on speech).
struct ClipBlocks {
    samples: hound::WavIntoSamples<std::io::BufReader<std::fs::File>, i16>,
    left: u64,
    previous_in: Option<f32>,
    previous_out: f32,
    path: PathBuf,
}

impl ClipBlocks {
    fn open(path: &std::path::Path, skip: u64, take: u64) -> Result<ClipBlocks> {
        let mut reader = hound::WavReader::open(path)
            .map_err(|e| Error::Audio(format!("{}: {e}", path.display())))?;
        reader
            .seek(skip.min(reader.duration() as u64) as u32)
            .map_err(|e| Error::io(path, e))?;
        Ok(ClipBlocks {
            samples: reader.into_samples(),
            left: take,
            previous_in: None,
            previous_out: 0.0,
            path: path.to_path_buf(),
        })
    }
}

impl Iterator for ClipBlocks {
    type Item = Result<Vec<f32>>;

    fn next(&mut self) -> Option<Self::Item> {
        const POLE: f32 = 0.9986;
        let n = self.left.min(BLOCK as u64) as usize;
        let mut block = Vec::with_capacity(n);
        for sample in self.samples.by_ref().take(n) {
            let x = match sample {
                Ok(v) => v as f32 / 32_768.0,
                Err(e) => return Some(Err(Error::Audio(format!("{}: {e}", self.path.display())))),
            };
            let previous = self.previous_in.unwrap_or(x);
            let y = x - previous + POLE * self.previous_out;
            self.previous_in = Some(x);
            self.previous_out = y;
            block.push(y);
        }
        self.left -= block.len() as u64;
        (!block.is_empty()).then_some(Ok(block))
    }
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

//! Mix: lays clips and jingles out on a timeline (the rundown) and renders it as a stream.
//!
//! The rundown is: intro jingle, opening (over the music bed, when the show has one),
//! quote, each story after the stinger, the section sting and the briefs, closing, outro
//! jingle, with pauses between — or, with a crossfade set, the voice coming in over the end
//! of the jingle before it. Every item fades in and out over a few milliseconds and pauses
//! are true silence, so no join can click. The bed is ducked under the voice by an envelope
//! drawn from the timeline itself (where the opening is spoken is known to the sample).
//! Chapters and transcript cues come from the same timeline, so they are exact.
//!
//! Items may overlap (crossfades, the bed): rendering adds them into a short bus that is
//! handed on as soon as no later item can reach it, so memory holds the overlap, not the
//! episode.

use std::collections::VecDeque;
use std::path::PathBuf;

use super::jingle::{JingleKind, JingleSet};
use super::ClipFile;
use super::{loudness, ms_to_samples, resample, samples_to_ms, EPISODE_RATE};
use crate::error::{Error, Result};
use crate::ingest::StoryKind;
use crate::script::Script;
pub use crate::settings::RundownTimes;

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

/// One sound on the timeline; items are in order of their start and may overlap.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub source: Source,
    /// First sample, at the episode rate.
    pub start: u64,
    /// Length in samples at the episode rate.
    pub len: u64,
    pub fade_in: u64,
    pub fade_out: u64,
    /// Ducking under the voice (the music bed).
    pub duck: Option<Duck>,
}

impl Item {
    /// The sample after its last.
    pub fn end(&self) -> u64 {
        self.start + self.len
    }
}

/// Where an item is ducked: `spans` (samples from the item's start) are at `gain`, reached
/// and left over `ramp` samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Duck {
    pub gain: f32,
    pub ramp: u64,
    pub spans: Vec<(u64, u64)>,
}

impl Duck {
    /// The gain at sample `at` of the item.
    fn level(&self, at: u64) -> f32 {
        // How far into the duck (0 = full level, 1 = ducked), the deepest of the spans.
        let depth = self
            .spans
            .iter()
            .map(|&(from, to)| {
                let distance = from.saturating_sub(at).max(at.saturating_sub(to));
                if distance >= self.ramp {
                    0.0
                } else {
                    1.0 - distance as f32 / self.ramp.max(1) as f32
                }
            })
            .fold(0.0f32, f32::max);
        1.0 + (self.gain - 1.0) * depth
    }
}

/// A chapter: one per segment of the script.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Chapter {
    pub title: String,
    pub start_ms: u64,
    pub end_ms: u64,
    /// The story's own page (JSON chapters `url`, ID3 `WXXX` in the CHAP frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The voices heard in the chapter, when the show has several (ID3 `TIT3`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub voices: Vec<String>,
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
    let mut layout = Layout {
        jingles,
        times,
        t: 0,
        items: Vec::new(),
        bed: None,
    };
    let mut chapters = Vec::new();
    let mut cues = Vec::new();

    layout.jingle(JingleKind::Intro);
    let mut previous_story = None;
    for (segment, clip) in script.segments.iter().zip(clips) {
        // A story cut in several segments for an engine's request limit is one chapter, read
        // on with a short pause.
        let first_of_story = previous_story != Some(segment.story);
        previous_story = Some(segment.story);
        if first_of_story {
            layout.end_bed();
        } else {
            layout.t -= ms_to_samples(times.pause_between_stories_ms);
            layout.t += ms_to_samples(times.pause_within_story_ms);
        }
        let chapter_start = if segment.index == 0 { 0 } else { layout.t };
        if first_of_story {
            match segment.kind {
                StoryKind::Story => layout.jingle(JingleKind::Transition),
                StoryKind::Briefs => layout.jingle(JingleKind::Sting),
                StoryKind::Opening => layout.start_bed(),
                _ => {}
            }
        }
        let (clip_start, clip_end) = layout.speech(clip);
        cues.extend(segment_cues(segment, clip, clip_start, clip_end));
        if first_of_story {
            chapters.push(Chapter {
                title: segment.title.clone(),
                start_ms: samples_to_ms(chapter_start),
                end_ms: 0,
                url: segment.link.clone(),
                voices: Vec::new(),
            });
        }
    }
    layout.end_bed();
    layout.jingle(JingleKind::Outro);
    let mut items = layout.items;
    items.sort_by_key(|i| i.start);
    let last_end = items.iter().map(Item::end).max().unwrap_or(0);
    let total = last_end + ms_to_samples(times.tail_ms);
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

/// The rundown being laid out: `t` is where the next item goes.
struct Layout<'a> {
    jingles: &'a JingleSet,
    times: &'a RundownTimes,
    t: u64,
    items: Vec<Item>,
    /// The music bed under the opening: where it starts and the voice spans over it.
    bed: Option<(u64, Vec<(u64, u64)>)>,
}

impl Layout<'_> {
    /// Places a jingle; what follows starts after a pause, or over its end with a crossfade.
    fn jingle(&mut self, kind: JingleKind) {
        let len = self.jingles.get(kind).len() as u64;
        let overlap = ms_to_samples(self.times.crossfade_ms).min(len / 2);
        self.items.push(Item {
            source: Source::Jingle(kind),
            start: self.t,
            len,
            fade_in: ms_to_samples(self.times.jingle_fade_in_ms),
            fade_out: ms_to_samples(self.times.jingle_fade_out_ms).max(overlap),
            duck: None,
        });
        self.t += if overlap > 0 {
            len - overlap
        } else {
            len + ms_to_samples(self.times.pause_after_jingle_ms)
        };
    }

    /// Places a speech clip and the pause after it; returns where the voice starts and ends.
    ///
    /// The engine's leading and trailing silence is dropped but for the length of the fades,
    /// which play over that silence: the voice itself starts exactly at `t` and is never
    /// faded, and the pause after it is exactly the rundown's.
    fn speech(&mut self, clip: &ClipFile) -> (u64, u64) {
        let rate = clip.sample_rate;
        let spoken = clip
            .samples
            .saturating_sub(clip.lead_silence + clip.tail_silence)
            .max(1);
        let fade = self.times.speech_fade_ms * rate as u64 / 1000;
        let (margin_in, margin_out) = (clip.lead_silence.min(fade), clip.tail_silence.min(fade));
        let take = spoken + margin_in + margin_out;
        let voice = resample::output_len(spoken, rate, EPISODE_RATE);
        let before = resample::output_len(margin_in, rate, EPISODE_RATE);
        let len = resample::output_len(take, rate, EPISODE_RATE);
        let (voice_start, start) = (self.t, self.t.saturating_sub(before));
        self.items.push(Item {
            source: Source::Clip {
                path: clip.path.clone(),
                rate: clip.sample_rate,
                gain: loudness::db_to_gain(loudness::SPEECH_LUFS - clip.loudness_lufs),
                skip: clip.lead_silence - margin_in,
                take,
            },
            start,
            len,
            fade_in: ms_to_samples(self.times.speech_fade_ms),
            fade_out: ms_to_samples(self.times.speech_fade_ms),
            duck: None,
        });
        let voice_end = voice_start + voice;
        if let Some((_, spans)) = &mut self.bed {
            spans.push((voice_start, voice_end));
        }
        self.t = voice_end + ms_to_samples(self.times.pause_between_stories_ms);
        (voice_start, voice_end)
    }

    /// Starts the show's music bed, if it has one: it plays alone for a moment, then the
    /// voice comes in over it.
    fn start_bed(&mut self) {
        if self.jingles.bed.as_ref().is_some_and(|b| !b.is_empty()) {
            self.bed = Some((self.t, Vec::new()));
            self.t += ms_to_samples(self.times.bed_lead_ms);
        }
    }

    /// Ends the music bed after the last voice over it: it rises back, fades out, and the
    /// next item follows after the usual pause between stories.
    fn end_bed(&mut self) {
        let Some((start, spans)) = self.bed.take() else {
            return;
        };
        let voice_end = spans.last().map_or(self.t, |&(_, end)| end);
        let wanted = voice_end + ms_to_samples(self.times.bed_tail_ms) - start;
        let len = wanted.min(self.jingles.get(JingleKind::Bed).len() as u64);
        let tail = ms_to_samples(self.times.bed_tail_ms);
        self.items.push(Item {
            source: Source::Jingle(JingleKind::Bed),
            start,
            len,
            fade_in: ms_to_samples(self.times.jingle_fade_in_ms),
            fade_out: (tail / 2).max(ms_to_samples(self.times.jingle_fade_out_ms)),
            duck: Some(Duck {
                gain: loudness::db_to_gain(self.times.bed_duck_db as f64),
                ramp: ms_to_samples(self.times.duck_ms),
                spans: spans
                    .iter()
                    .map(|&(from, to)| (from - start, to - start))
                    .collect(),
            }),
        });
        self.t = self
            .t
            .max(start + len + ms_to_samples(self.times.pause_between_stories_ms));
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

/// Renders the timeline in order, handing blocks of samples to `sink`; holds one item (and
/// what overlaps it) in memory at a time.
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
    let mut bus = Bus::new(from);
    for (i, item) in items.iter().enumerate() {
        // Nothing still to come starts before this item: what lies before it is final.
        bus.flush_until(item.start, sink)?;
        let next_start = items.get(i + 1).map_or(u64::MAX, |next| next.start);
        let mut at = item.start;
        let mut shaper = Shaper::new(item);
        let mut mix = |shaped: &[f32]| -> Result<()> {
            bus.add(at, shaped);
            at += shaped.len() as u64;
            bus.flush_until(at.min(next_start), sink)
        };
        let mut out = |block: &[f32]| shaper.process(block, &mut mix);
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
        shaper.finish(&mut mix)?;
    }
    let end = items.iter().map(Item::end).max().unwrap_or(from).max(from);
    bus.flush_until(end, sink)?;
    Ok(end)
}

/// Where overlapping items are added together: samples from `start` on that may still
/// receive more, handed on once final.
struct Bus {
    start: u64,
    samples: VecDeque<f32>,
}

impl Bus {
    fn new(start: u64) -> Bus {
        Bus {
            start,
            samples: VecDeque::new(),
        }
    }

    /// Adds `block` from sample `at` (never before what was already handed on).
    fn add(&mut self, at: u64, block: &[f32]) {
        let offset = at.saturating_sub(self.start) as usize;
        let skip = self.start.saturating_sub(at) as usize;
        let block = &block[skip.min(block.len())..];
        if self.samples.len() < offset + block.len() {
            self.samples.resize(offset + block.len(), 0.0);
        }
        for (slot, &x) in self.samples.range_mut(offset..).zip(block) {
            *slot += x;
        }
    }

    /// Hands on every sample before `until` (silence where nothing played).
    fn flush_until(
        &mut self,
        until: u64,
        sink: &mut dyn FnMut(&[f32]) -> Result<()>,
    ) -> Result<()> {
        let n = until.saturating_sub(self.start);
        let held = (self.samples.len() as u64).min(n) as usize;
        let (a, b) = self.samples.as_slices();
        let from_a = held.min(a.len());
        if from_a > 0 {
            sink(&a[..from_a])?;
        }
        if held > from_a {
            sink(&b[..held - from_a])?;
        }
        self.samples.drain(..held);
        emit_silence(n - held as u64, sink)?;
        self.start = self.start.max(until);
        Ok(())
    }
}

/// Applies an item's gain and fades to its samples as they stream, and holds it to its
/// exact length (padding with silence or cutting).
struct Shaper {
    gain: f32,
    duck: Option<Duck>,
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
            duck: item.duck.clone(),
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
        if let Some(duck) = &self.duck {
            level *= duck.level(at);
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

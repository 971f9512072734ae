//! Synth: speaks each segment's SSML with a text-to-speech engine and caches the clips.
//!
//! One [`Engine`] trait, one file per engine, chosen by name from the voice profile
//! ([`engine_for`]). Segments are synthesised concurrently up to the engine's limit; each clip
//! is stored in the content-addressed [`ClipCache`] as soon as it arrives, so a segment whose
//! SSML and voice did not change is never synthesised (nor paid for) twice. When a segment
//! finally fails, no new request starts, the ones in flight finish and are cached, and the
//! build stops naming the story.

mod azure;
mod cache;
pub mod choice;
pub mod cost;
mod elevenlabs;
mod espeak;
mod google;
mod http;
mod kokoro;
mod onnx;
mod openai;
pub mod pico;
mod piper;
mod polly;
mod response;
pub mod spoken;

use std::sync::Arc;

use serde::Serialize;

pub use cache::{Cached, ClipCache, PruneRule, Pruned};

pub use crate::audio::{ClipFile, MarkTime};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::script::{Script, Segment};
use crate::settings::{Role, VoiceProfile};

/// Audio of one segment as an engine returns it: mono 16-bit PCM.
#[derive(Debug, Clone)]
pub struct Clip {
    pub samples: Vec<i16>,
    pub sample_rate: u32,
    /// Where each SSML `<mark>` fell, in samples from the start of the clip.
    pub marks: Vec<MarkTime>,
}

impl Clip {
    /// A clip with nothing in it yet, at `sample_rate`.
    pub fn empty(sample_rate: u32) -> Clip {
        Clip {
            samples: Vec::new(),
            sample_rate,
            marks: Vec::new(),
        }
    }

    /// Places a mark where the clip ends now (engines that speak between marks).
    pub fn mark(&mut self, name: String) {
        let sample = self.samples.len() as u64;
        self.marks.push(MarkTime { name, sample });
    }

    /// Appends `ms` of silence.
    pub fn pause(&mut self, ms: u32) {
        let n = (self.sample_rate as u64 * ms as u64 / 1000) as usize;
        self.samples.resize(self.samples.len() + n, 0);
    }
}

/// A text-to-speech engine.
#[async_trait::async_trait]
pub trait Engine: Send + Sync {
    /// Short name (`espeak`, `openai`), used in messages.
    fn name(&self) -> &str;
    /// Everything besides the SSML that changes the audio: engine version, voice, model,
    /// rate, output format. Part of the cache key; never holds a secret.
    fn identity(&self) -> String;
    /// How many requests may run at once.
    fn concurrency(&self) -> usize;
    /// Whether the engine can be asked now (its key is set…); checked only when a build
    /// has something to synthesise, so a cached rebuild or a dry run needs no key.
    fn ready(&self) -> Result<()> {
        Ok(())
    }
    /// Characters the vendor bills for a segment.
    fn billed_chars(&self, segment: &Segment) -> usize {
        segment.chars
    }
    /// Speaks one SSML document, telling `notes` about retries and waits.
    async fn synthesize(&self, ssml: &str, notes: &Notes) -> Result<Clip>;
}

/// Where an engine reports what the producer should see while it works (a retry and how
/// long it waits); the build shows it above the progress bar.
#[derive(Debug, Clone, Default)]
pub struct Notes {
    sender: Option<tokio::sync::mpsc::UnboundedSender<String>>,
    /// Which story the notes are about.
    about: String,
}

impl Notes {
    /// Notes nobody reads.
    pub fn none() -> Notes {
        Notes::default()
    }

    /// Sends a note, prefixed with what it is about.
    pub fn say(&self, message: &str) {
        if let Some(sender) = &self.sender {
            let _ = sender.send(format!("{}{message}", self.about));
        }
    }
}

/// The engines Audition knows, with what each one is.
pub const ENGINES: [(&str, &str); 9] = [
    (
        "pico",
        "SVOX Pico, embedded in Audition: fr-FR, en-US, en-GB, de-DE, es-ES, it-IT",
    ),
    (
        "espeak",
        "espeak-ng, local, every other language (and MBROLA voices when installed)",
    ),
    ("piper", "Piper neural voices, local, run with ONNX Runtime"),
    (
        "kokoro",
        "Kokoro-82M, local, run with ONNX Runtime (voices as style vectors)",
    ),
    (
        "openai",
        "OpenAI /v1/audio/speech, or any compatible server (Kokoro, Piper servers)",
    ),
    ("elevenlabs", "ElevenLabs text-to-speech"),
    ("google", "Google Cloud Text-to-Speech"),
    ("azure", "Microsoft Azure Speech"),
    ("polly", "Amazon Polly"),
];

/// The engine a voice profile names.
pub fn engine_for(voice: &VoiceProfile) -> Result<Arc<dyn Engine>> {
    Ok(match voice.engine.as_str() {
        "pico" => Arc::new(pico::Pico::new(voice)?),
        "espeak" | "espeak-ng" => Arc::new(espeak::Espeak::new(voice)?),
        "piper" => Arc::new(piper::Piper::new(voice)?),
        "kokoro" => Arc::new(kokoro::Kokoro::new(voice)?),
        "openai" => Arc::new(openai::OpenAi::new(voice)?),
        "elevenlabs" => Arc::new(elevenlabs::ElevenLabs::new(voice)?),
        "google" => Arc::new(google::Google::new(voice)?),
        "azure" => Arc::new(azure::Azure::new(voice)?),
        "polly" => Arc::new(polly::Polly::new(voice)?),
        choice::AUTO => {
            return Err(Error::config(
                &voice.path,
                "voice = \"auto\" is picked with synth::choice::resolve before an engine is made",
            ))
        }
        other => {
            let known: Vec<&str> = ENGINES.iter().map(|(name, _)| *name).collect();
            return Err(Error::config(
                &voice.path,
                format!(
                    "unknown engine {other:?}; known engines: {}",
                    known.join(", ")
                ),
            ));
        }
    })
}

/// Whether an engine can run here: `Ok(what was found)` or `Err(what is missing)`.
pub fn readiness(
    engine: &str,
    voice: Option<&VoiceProfile>,
) -> std::result::Result<String, String> {
    match engine {
        "pico" => pico::readiness(),
        "espeak" | "espeak-ng" => espeak::readiness(),
        "piper" => piper::readiness(voice),
        "kokoro" => kokoro::readiness(voice),
        "openai" => openai::readiness(voice),
        "elevenlabs" => elevenlabs::readiness(),
        "google" => google::readiness(),
        "azure" => azure::readiness(),
        "polly" => polly::readiness(),
        other => Err(format!("unknown engine {other:?}")),
    }
}

/// The IPA phonemes an espeak-ng-based engine (espeak-ng itself, and the phonemiser of
/// Piper and Kokoro) makes of `text`; `None` for engines that have none to show (Pico, the
/// cloud voices), or when espeak-ng cannot say.
pub async fn phonemes_of(profile: &VoiceProfile, text: &str) -> Option<String> {
    let voice = match profile.engine.as_str() {
        "espeak" | "espeak-ng" => profile.voice.clone(),
        "piper" | "kokoro" => profile
            .options
            .phonemizer
            .clone()
            .unwrap_or_else(|| profile.language.to_lowercase()),
        _ => return None,
    };
    espeak::phonemize(&voice, text).await.ok()
}

/// How many clips a run synthesised and how many it found in the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SynthCounts {
    pub synthesised: usize,
    pub cached: usize,
}

/// The engines of a show's voices, in the order given (`Show::voices`, which a segment's
/// `voice` indexes).
pub fn engines_for(voices: &[(Role, &VoiceProfile)]) -> Result<Vec<Arc<dyn Engine>>> {
    voices.iter().map(|(_, v)| engine_for(v)).collect()
}

/// The engine that speaks a segment: `engines` are in the order of `Show::voices`, which a
/// segment's `voice` indexes.
fn engine_of<'a>(engines: &'a [Arc<dyn Engine>], segment: &Segment) -> &'a Arc<dyn Engine> {
    &engines[segment.voice]
}

/// Speaks every segment of a script, each with its voice's engine, reusing cached clips;
/// returns them in segment order. Each engine runs up to its own concurrency limit.
pub async fn synthesize_script(
    script: &Script,
    engines: &[Arc<dyn Engine>],
    cache: &ClipCache,
    progress: &dyn Progress,
) -> Result<(Vec<ClipFile>, SynthCounts)> {
    progress.stage("Speaking", script.segments.len() as u64);
    let limits: Vec<Arc<tokio::sync::Semaphore>> = engines
        .iter()
        .map(|e| Arc::new(tokio::sync::Semaphore::new(e.concurrency().max(1))))
        .collect();
    let mut clips: Vec<Option<ClipFile>> = vec![None; script.segments.len()];
    let mut counts = SynthCounts::default();
    let mut jobs = tokio::task::JoinSet::new();
    let (notes_sender, mut notes) = tokio::sync::mpsc::unbounded_channel::<String>();
    let mut asked = vec![false; engines.len()];

    for segment in &script.segments {
        let engine = engine_of(engines, segment);
        let key = cache.key(engine.as_ref(), &segment.ssml);
        if let Some(clip) = cache.get(&key, segment.index)? {
            clips[segment.index] = Some(clip);
            counts.cached += 1;
            progress.advance(1);
            continue;
        }
        // Each engine's key is checked once, and only when something has to be asked.
        let voice = segment.voice;
        if !std::mem::replace(&mut asked[voice], true) {
            if let Err(e) = engine.ready() {
                limits.iter().for_each(|l| l.close());
                while jobs.join_next().await.is_some() {}
                progress.finish_stage();
                return Err(e);
            }
        }
        let (engine, limit, cache) = (engine.clone(), limits[voice].clone(), cache.clone());
        let (ssml, index, title) = (segment.ssml.clone(), segment.index, segment.title.clone());
        let story = segment.story;
        let story_notes = Notes {
            sender: Some(notes_sender.clone()),
            about: format!("story {} « {title} »: ", story + 1),
        };
        jobs.spawn(async move {
            // A closed semaphore means another segment failed: this one is not started.
            let Ok(_permit) = limit.acquire_owned().await else {
                return Ok(None);
            };
            let clip = engine
                .synthesize(&ssml, &story_notes)
                .await
                .map_err(|e| match e {
                    Error::Engine { engine, message } => Error::Engine {
                        engine,
                        message: format!("story {} « {title} »: {message}", story + 1),
                    },
                    other => other,
                })?;
            let stored = cache.put(&key, index, &clip)?;
            cache.share(&key).await?;
            Ok(Some(stored))
        });
    }
    drop(notes_sender);
    let mut failure: Option<Error> = None;
    loop {
        let joined = tokio::select! {
            Some(note) = notes.recv() => {
                progress.note(&note);
                continue;
            }
            joined = jobs.join_next() => match joined {
                Some(joined) => joined,
                None => break,
            },
        };
        let outcome = joined.unwrap_or_else(|e| {
            Err(Error::Engine {
                engine: "synthesis".to_string(),
                message: format!("task failed: {e}"),
            })
        });
        match outcome {
            Ok(Some(clip)) => {
                counts.synthesised += 1;
                progress.advance(1);
                let index = clip.segment;
                clips[index] = Some(clip);
            }
            Ok(None) => {}
            Err(e) => {
                // Stop starting requests; those in flight finish and are cached.
                limits.iter().for_each(|l| l.close());
                failure.get_or_insert(e);
            }
        }
    }
    progress.finish_stage();
    if let Some(error) = failure {
        return Err(with_kept_clips(error, &clips, counts.synthesised));
    }
    let clips = clips.into_iter().flatten().collect::<Vec<_>>();
    Ok((clips, counts))
}

/// Adds to a synthesis failure how many clips were kept for the next run.
fn with_kept_clips(error: Error, clips: &[Option<ClipFile>], received: usize) -> Error {
    let missing = clips.iter().filter(|c| c.is_none()).count();
    match error {
        Error::Engine { engine, message } => Error::Engine {
            engine,
            message: format!(
                "{message} — {received} clip(s) received this run are cached; a rerun asks only for the {missing} missing"
            ),
        },
        other => other,
    }
}

/// A clip from an engine that does not report mark timings: each mark is placed by the
/// share of the text's characters before it, then moved to the onset after the nearest
/// pause (where a sentence starts).
fn clip_with_estimated_marks(samples: Vec<i16>, sample_rate: u32, ssml: &str) -> Clip {
    let (text, marks) = spoken::interpret(ssml)
        .map(|pieces| spoken::plain_text(&pieces))
        .unwrap_or_default();
    let (lead, tail) = cache::silences(&samples);
    let mut marks = spoken::estimate_marks(
        &marks,
        text.chars().count(),
        samples.len() as u64,
        lead,
        tail,
    );
    spoken::snap_to_pauses(&mut marks, &samples, sample_rate);
    Clip {
        samples,
        sample_rate,
        marks,
    }
}

/// The text an engine that reads text is sent, or why the SSML cannot be read.
fn text_of(ssml: &str, engine: &str) -> Result<String> {
    let pieces = spoken::interpret(ssml).map_err(|message| Error::Engine {
        engine: engine.to_string(),
        message,
    })?;
    Ok(spoken::plain_text(&pieces).0)
}

/// The cache keys of a script's clips, without synthesising anything.
pub fn clip_keys(script: &Script, engines: &[Arc<dyn Engine>], cache: &ClipCache) -> Vec<String> {
    script
        .segments
        .iter()
        .map(|s| cache.key(engine_of(engines, s).as_ref(), &s.ssml))
        .collect()
}

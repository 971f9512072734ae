//! Synth: speaks each segment's SSML with a text-to-speech engine and caches the clips.
//!
//! One [`Engine`] trait, one file per engine, chosen by name from the voice profile
//! ([`engine_for`]). Segments are synthesised concurrently up to a limit; each clip is stored
//! in the content-addressed [`ClipCache`], so a segment whose SSML and voice did not change is
//! never synthesised again.

mod cache;
mod espeak;

use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use cache::ClipCache;

use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::script::Script;
use crate::show::VoiceProfile;

/// Audio of one segment as an engine returns it: mono 16-bit PCM.
#[derive(Debug, Clone)]
pub struct Clip {
    pub samples: Vec<i16>,
    pub sample_rate: u32,
    /// Where each SSML `<mark>` fell, in samples from the start of the clip.
    pub marks: Vec<MarkTime>,
}

/// Position of a named SSML mark in a clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkTime {
    pub name: String,
    pub sample: u64,
}

/// A clip stored in the cache, as the mixer reads it.
#[derive(Debug, Clone)]
pub struct ClipFile {
    /// Index of the segment in the script.
    pub segment: usize,
    /// WAV file, mono 16-bit.
    pub path: PathBuf,
    pub sample_rate: u32,
    pub samples: u64,
    pub marks: Vec<MarkTime>,
    /// Integrated loudness of the clip, LUFS (the mixer levels clips with it).
    pub loudness_lufs: f64,
    /// Samples of silence (under −50 dBFS) the engine put before the speech and after it;
    /// the mixer drops them so that pauses between clips are exactly the rundown's.
    pub lead_silence: u64,
    pub tail_silence: u64,
}

/// A text-to-speech engine.
#[async_trait::async_trait]
pub trait Engine: Send + Sync {
    /// Short name (`espeak`), used in messages.
    fn name(&self) -> &str;
    /// Everything besides the SSML that changes the audio: engine version, voice, rate,
    /// pitch, output format. Part of the cache key.
    fn identity(&self) -> String;
    /// How many requests may run at once.
    fn concurrency(&self) -> usize;
    /// Speaks one SSML document.
    async fn synthesize(&self, ssml: &str) -> Result<Clip>;
}

/// The engine a voice profile names.
pub fn engine_for(voice: &VoiceProfile) -> Result<Arc<dyn Engine>> {
    match voice.engine.as_str() {
        "espeak" | "espeak-ng" => Ok(Arc::new(espeak::Espeak::new(voice)?)),
        other => Err(Error::Engine {
            engine: other.to_string(),
            message: "unknown engine; available: espeak".to_string(),
        }),
    }
}

/// How many clips a run synthesised and how many it found in the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SynthCounts {
    pub synthesised: usize,
    pub cached: usize,
}

/// Speaks every segment of a script, reusing cached clips; returns them in segment order.
pub async fn synthesize_script(
    script: &Script,
    engine: Arc<dyn Engine>,
    cache: &ClipCache,
    progress: &dyn Progress,
) -> Result<(Vec<ClipFile>, SynthCounts)> {
    progress.stage("Speaking", script.segments.len() as u64);
    let limit = Arc::new(tokio::sync::Semaphore::new(engine.concurrency().max(1)));
    let mut clips: Vec<Option<ClipFile>> = vec![None; script.segments.len()];
    let mut counts = SynthCounts::default();
    let mut jobs = tokio::task::JoinSet::new();

    for segment in &script.segments {
        let key = cache.key(engine.as_ref(), &segment.ssml);
        if let Some(clip) = cache.get(&key, segment.index)? {
            clips[segment.index] = Some(clip);
            counts.cached += 1;
            progress.advance(1);
            continue;
        }
        let (engine, limit, cache) = (engine.clone(), limit.clone(), cache.clone());
        let (ssml, index, title) = (segment.ssml.clone(), segment.index, segment.title.clone());
        jobs.spawn(async move {
            let _permit = limit.acquire_owned().await.map_err(|_| Error::Engine {
                engine: engine.name().to_string(),
                message: "synthesis was cancelled".to_string(),
            })?;
            let clip = engine.synthesize(&ssml).await.map_err(|e| match e {
                Error::Engine { engine, message } => Error::Engine {
                    engine,
                    message: format!("story {} « {title} »: {message}", index + 1),
                },
                other => other,
            })?;
            cache.put(&key, index, &clip)
        });
    }
    while let Some(joined) = jobs.join_next().await {
        let clip = joined.map_err(|e| Error::Engine {
            engine: engine.name().to_string(),
            message: format!("synthesis task failed: {e}"),
        })??;
        counts.synthesised += 1;
        progress.advance(1);
        let index = clip.segment;
        clips[index] = Some(clip);
    }
    progress.finish_stage();
    let clips = clips.into_iter().flatten().collect::<Vec<_>>();
    Ok((clips, counts))
}

/// The cache keys of a script's clips, without synthesising anything.
pub fn clip_keys(script: &Script, engine: &dyn Engine, cache: &ClipCache) -> Vec<String> {
    script
        .segments
        .iter()
        .map(|s| cache.key(engine, &s.ssml))
        .collect()
}

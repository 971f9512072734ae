//! `audition say`: one phrase, or one story of an issue, spoken with the show's voice,
//! lexicon and normalisation, into a WAV or MP3 file — the loop for fixing a pronunciation in
//! seconds instead of a rebuild. What the engine was given (the SSML) is returned to be shown.
//! Clips go through the show's clip cache like a build's, so saying it again is instant.

use std::path::Path;

use crate::audio::encode::{EpisodeTags, Mp3Writer};
use crate::audio::{resample, EPISODE_RATE};
use crate::error::{Error, Result};
use crate::ingest::Issue;
use crate::progress::Progress;
use crate::script::{self, Script};
use crate::settings::EncoderSettings;
use crate::show::Show;
use crate::synth::{self, ClipCache, SynthCounts};

/// What to say.
pub enum Said<'a> {
    Text(&'a str),
    /// Story `n` (1-based, as `audition script` numbers them) of an issue.
    Story(&'a Issue, usize),
}

/// What was said.
#[derive(Debug, Clone)]
pub struct SayReport {
    /// Each document the engine was given, with the engine's name.
    pub ssml: Vec<(String, String)>,
    /// The phonemes of each document, for engines that make them (espeak-ng, Piper, Kokoro).
    pub phonemes: Vec<String>,
    pub clips: SynthCounts,
    pub duration_ms: u64,
}

/// Speaks `what` with `show`'s voices into `out` (`.wav`, or `.mp3`).
pub async fn say(
    show: &Show,
    what: Said<'_>,
    out: &Path,
    cache: &ClipCache,
    progress: &dyn Progress,
) -> Result<SayReport> {
    let mp3 = match out.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("wav") => false,
        Some(e) if e.eq_ignore_ascii_case("mp3") => true,
        _ => return Err(Error::input(out, "say writes a .wav or an .mp3 file")),
    };
    let script = script_of(show, what)?;
    let engines = synth::engines_for(&show.voices())?;
    let keys = synth::clip_keys(&script, &engines, cache);
    cache.fetch(&keys).await?;
    let (clips, counts) = synth::synthesize_script(&script, &engines, cache, progress).await?;
    let mut samples: Vec<f32> = Vec::new();
    for clip in &clips {
        let read = hound::WavReader::open(&clip.path)
            .map_err(|e| Error::Audio(format!("{}: {e}", clip.path.display())))?;
        let pcm: Vec<f32> = read
            .into_samples::<i16>()
            .map(|s| s.map(|v| f32::from(v) / 32768.0))
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| Error::Audio(format!("{}: {e}", clip.path.display())))?;
        if !samples.is_empty() {
            samples.extend(std::iter::repeat_n(0.0, EPISODE_RATE as usize / 4));
        }
        samples.extend(resample::resample(&pcm, clip.sample_rate, EPISODE_RATE)?);
    }
    if mp3 {
        write_mp3(show, &samples, out)?;
    } else {
        write_wav(&samples, out)?;
    }
    let voices = show.voices();
    let ssml = script
        .segments
        .iter()
        .map(|s| (voices[s.voice].1.engine.clone(), s.ssml.clone()))
        .collect();
    let mut phonemes = Vec::new();
    for segment in &script.segments {
        let spoken = spoken_text(&segment.ssml);
        phonemes.extend(synth::phonemes_of(voices[segment.voice].1, &spoken).await);
    }
    Ok(SayReport {
        ssml,
        phonemes,
        clips: counts,
        duration_ms: samples.len() as u64 * 1000 / u64::from(EPISODE_RATE),
    })
}

/// The segments to say: the text alone, or the story's.
fn script_of(show: &Show, what: Said<'_>) -> Result<Script> {
    let settings = show.script_settings();
    match what {
        Said::Text(text) => {
            if text.trim().is_empty() {
                return Err(Error::input(
                    Path::new("say"),
                    "nothing to say: the text is empty",
                ));
            }
            Ok(script::build_text(text, &settings, None))
        }
        Said::Story(issue, n) => {
            let count = issue.stories.len();
            if n == 0 || n > count {
                return Err(Error::input(
                    Path::new("say"),
                    format!(
                        "no story {n}: the issue has {count} (1 to {count}; see audition script)"
                    ),
                ));
            }
            let mut script = script::build(issue, &settings);
            // Story 0 of the script is the opening; the issue's stories follow from 1.
            script.segments.retain(|s| s.story == n);
            for (index, segment) in script.segments.iter_mut().enumerate() {
                segment.index = index;
            }
            Ok(script)
        }
    }
}

/// What the SSML has the voice say: aliases in place of what they stand for, tags dropped.
fn spoken_text(ssml: &str) -> String {
    let alias = regex::Regex::new(r#"<sub alias="([^"]*)">[^<]*</sub>"#).expect("a fixed pattern");
    let tags = regex::Regex::new(r"<[^>]*>").expect("a fixed pattern");
    let text = alias.replace_all(ssml, "$1");
    let text = tags.replace_all(&text, " ");
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn write_wav(samples: &[f32], out: &Path) -> Result<()> {
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| Error::io(dir, e))?;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: EPISODE_RATE,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let fail = |e: hound::Error| Error::Audio(format!("{}: {e}", out.display()));
    {
        let file = tmp.as_file().try_clone().map_err(|e| Error::io(out, e))?;
        let mut writer =
            hound::WavWriter::new(std::io::BufWriter::new(file), spec).map_err(fail)?;
        for &s in samples {
            writer
                .write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)
                .map_err(fail)?;
        }
        writer.finalize().map_err(fail)?;
    }
    crate::atomic::persist(tmp, out)
}

fn write_mp3(show: &Show, samples: &[f32], out: &Path) -> Result<()> {
    let dir = out
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tags = EpisodeTags {
        title: "audition say".into(),
        show: show.title.clone(),
        author: show.author.clone(),
        date: chrono::Local::now()
            .date_naive()
            .format("%Y-%m-%d")
            .to_string(),
        language: show.language.clone(),
        comment: String::new(),
        cover: None,
        chapters: Vec::new(),
    };
    let mut writer = Mp3Writer::create(dir, &tags, &EncoderSettings::default())?;
    writer.write(samples)?;
    let (tmp, _) = writer.finish()?;
    crate::atomic::persist(tmp, out)
}

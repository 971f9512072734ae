//! SVOX Pico, the embedded voice: the Pico engine built from the C sources that the
//! `ttspico-sys` crate vendors, and its lingware (Apache-2.0) compiled into this binary, so it
//! speaks French, US and British English, German, Spanish and Italian with no download and no
//! system package. Pico reads files only, so a language's two resources are written once to
//! the user's cache folder (and checked byte for byte before each use).
//!
//! The script's SSML is interpreted, never spoken (as for Piper): each sentence is spoken on
//! its own, so every `<mark>` falls exactly where its sentence starts; `<break>` becomes
//! silence; `<prosody rate>` and the profile's rate and pitch become Pico's own `<speed>` and
//! `<pitch>` markup. Pico ends every utterance with ~0.6 s of silence and starts it with a few
//! tens of milliseconds: both are cut to the profile's sentence silence. Output: 16 kHz mono.

use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;

use super::spoken::{interpret, Piece};
use super::{Clip, Engine, MarkTime, Notes};
use crate::error::{Error, Result};
use crate::show::VoiceProfile;

/// Pico's output rate.
const SAMPLE_RATE: u32 = 16_000;
/// Memory given to one Pico system (it holds the two resources, ~1.5 MB for a language).
const SYSTEM_MEMORY: usize = 6 * 1024 * 1024;
/// Samples quieter than this (of 32,768) count as silence when an utterance is trimmed.
const SILENCE: i16 = 64;
/// Silence kept before a sentence and after its last sound, ms: the onset and the decay.
const KEEP_LEAD_MS: u32 = 10;
const KEEP_TAIL_MS: u32 = 40;

/// One language of the embedded lingware: text analysis (`_ta`) and signal generation (`_sg`).
pub struct Lingware {
    /// BCP 47 tag, as Pico names it.
    pub tag: &'static str,
    /// The speaker's code in the signal-generation file name (`nk0` in `fr-FR_nk0_sg.bin`).
    pub speaker: &'static str,
    ta: &'static [u8],
    sg: &'static [u8],
}

macro_rules! lingware {
    ($tag:literal, $speaker:literal) => {
        Lingware {
            tag: $tag,
            speaker: $speaker,
            ta: include_bytes!(concat!(env!("AUDITION_PICO_LANG"), "/", $tag, "_ta.bin")),
            sg: include_bytes!(concat!(
                env!("AUDITION_PICO_LANG"),
                "/",
                $tag,
                "_",
                $speaker,
                "_sg.bin"
            )),
        }
    };
}

/// Every language Pico speaks, in the order a bare language subtag picks them (`en` → US).
pub static LANGUAGES: [Lingware; 6] = [
    lingware!("fr-FR", "nk0"),
    lingware!("en-US", "lh0"),
    lingware!("en-GB", "kh0"),
    lingware!("de-DE", "gl0"),
    lingware!("es-ES", "zl0"),
    lingware!("it-IT", "cm0"),
];

/// The languages, as `fr-FR, en-US, …`.
fn tags() -> String {
    LANGUAGES.iter().map(|l| l.tag).collect::<Vec<_>>().join(", ")
}

/// The lingware for a language tag: the exact tag (any case, `_` or `-`), else the first of
/// its primary language.
pub fn lingware_for(tag: &str) -> Option<&'static Lingware> {
    let wanted = tag.replace('_', "-").to_ascii_lowercase();
    let primary = crate::show::primary_language(&wanted).to_string();
    LANGUAGES
        .iter()
        .find(|l| l.tag.to_ascii_lowercase() == wanted)
        .or_else(|| {
            LANGUAGES
                .iter()
                .find(|l| crate::show::primary_language(l.tag).eq_ignore_ascii_case(&primary))
        })
}

/// The embedded Pico voice of one language.
pub struct Pico {
    lingware: &'static Lingware,
    rate: f32,
    pitch: f32,
    sentence_silence_ms: u32,
}

impl Pico {
    /// The profile's `voice` (`fr-FR`) or, failing that, its language picks the lingware.
    pub fn new(profile: &VoiceProfile) -> Result<Pico> {
        let lingware = lingware_for(&profile.voice)
            .or_else(|| lingware_for(&profile.language))
            .ok_or_else(|| {
                Error::config(
                    &profile.path,
                    format!(
                        "Pico has no voice {:?}; it speaks {}",
                        profile.voice,
                        tags()
                    ),
                )
            })?;
        Ok(Pico {
            lingware,
            rate: profile.rate,
            pitch: profile.pitch,
            sentence_silence_ms: profile.options.sentence_silence_ms.unwrap_or(250),
        })
    }
}

/// Always usable: the engine and its lingware are in the binary.
pub fn readiness() -> std::result::Result<String, String> {
    Ok(format!(
        "embedded (SVOX Pico, {})",
        tags()
    ))
}

fn engine_error(message: &str) -> Error {
    Error::Engine {
        engine: "pico".to_string(),
        message: message.to_string(),
    }
}

/// The folder holding a language's two resource files, written on first use.
fn resource_files(lingware: &'static Lingware) -> Result<(PathBuf, PathBuf)> {
    static DIR: OnceLock<std::result::Result<PathBuf, String>> = OnceLock::new();
    let dir = DIR
        .get_or_init(|| {
            let dir = super::ClipCache::default_dir().join("pico");
            std::fs::create_dir_all(&dir)
                .map(|_| dir.clone())
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))
        })
        .as_ref()
        .map_err(|m| engine_error(m))?;
    let ta = dir.join(format!("{}_ta.bin", lingware.tag));
    let sg = dir.join(format!("{}_{}_sg.bin", lingware.tag, lingware.speaker));
    write_if_changed(&ta, lingware.ta)?;
    write_if_changed(&sg, lingware.sg)?;
    Ok((ta, sg))
}

/// Writes `bytes` to `path` atomically unless the file already holds exactly them.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<()> {
    if std::fs::read(path).is_ok_and(|held| held == bytes) {
        return Ok(());
    }
    crate::publish::atomic::write_atomic(path, bytes)
}

/// What Pico is given for one sentence: its own markup for speed and pitch around the text,
/// with the characters that would open markup taken out.
fn pico_text(sentence: &str, rate: f32, pitch: f32) -> String {
    let text: String = sentence
        .chars()
        .map(|c| if matches!(c, '<' | '>') { ' ' } else { c })
        .collect();
    // Pico's speed runs 20–500 (100 = normal), its pitch 50–200 (100 = normal).
    let speed = (rate * 100.0).round().clamp(20.0, 500.0) as u32;
    let level = (100.0 * 2f32.powf(pitch / 12.0)).round().clamp(50.0, 200.0) as u32;
    format!("<speed level=\"{speed}\"><pitch level=\"{level}\">{text}</pitch></speed>")
}

/// `samples` without its leading and trailing silence beyond what is kept of each.
fn trim(samples: &[i16]) -> &[i16] {
    let keep_lead = (SAMPLE_RATE * KEEP_LEAD_MS / 1000) as usize;
    let keep_tail = (SAMPLE_RATE * KEEP_TAIL_MS / 1000) as usize;
    let Some(first) = samples.iter().position(|s| s.unsigned_abs() > SILENCE as u16) else {
        return &[];
    };
    let last = samples
        .iter()
        .rposition(|s| s.unsigned_abs() > SILENCE as u16)
        .unwrap_or(first);
    &samples[first.saturating_sub(keep_lead)..(last + 1 + keep_tail).min(samples.len())]
}

/// A Pico engine, living on the thread that made it (Pico's objects are not shareable).
struct Voice {
    engine: ttspico::Engine,
}

impl Voice {
    fn open(ta: &Path, sg: &Path) -> std::result::Result<Voice, String> {
        let text = |p: &Path| p.to_str().map(str::to_string).ok_or("non-UTF-8 cache path");
        let fail = |what: &str, e: ttspico::PicoError| format!("{what}: {e}");
        let system = ttspico::System::new(SYSTEM_MEMORY).map_err(|e| fail("cannot start", e))?;
        let ta = ttspico::System::load_resource(Rc::clone(&system), text(ta)?)
            .map_err(|e| fail("cannot load its text analysis", e))?;
        let sg = ttspico::System::load_resource(Rc::clone(&system), text(sg)?)
            .map_err(|e| fail("cannot load its voice", e))?;
        let voice = ttspico::System::create_voice(system, "audition")
            .map_err(|e| fail("cannot define the voice", e))?;
        voice
            .borrow_mut()
            .add_resource(ta)
            .map_err(|e| fail("cannot add its text analysis", e))?;
        voice
            .borrow_mut()
            .add_resource(sg)
            .map_err(|e| fail("cannot add its voice", e))?;
        // SAFETY: both resources a Pico engine needs were added to the voice just above.
        let engine = unsafe { ttspico::Voice::create_engine(voice) }
            .map_err(|e| fail("cannot create the engine", e))?;
        Ok(Voice { engine })
    }

    /// Speaks one utterance to its end.
    fn speak(&mut self, text: &str) -> std::result::Result<Vec<i16>, String> {
        let mut bytes = text.as_bytes().to_vec();
        // The terminating NUL tells Pico the text is complete and to speak it.
        bytes.push(0);
        let mut rest: &[u8] = &bytes;
        let mut audio = Vec::new();
        let mut buffer = [0i16; 2048];
        while !rest.is_empty() {
            let taken = self
                .engine
                .put_text(rest)
                .map_err(|e| format!("refused the text: {e}"))?;
            rest = &rest[taken..];
            // Drain what is ready so that Pico's input buffer frees up for long sentences.
            loop {
                let (n, status) = self
                    .engine
                    .get_data(&mut buffer[..])
                    .map_err(|e| format!("failed while speaking: {e}"))?;
                audio.extend_from_slice(&buffer[..n]);
                if status == ttspico::EngineStatus::Idle || (n == 0 && !rest.is_empty()) {
                    break;
                }
            }
        }
        Ok(audio)
    }
}

/// Speaks interpreted SSML on the current thread.
fn speak_pieces(
    pieces: Vec<Piece>,
    files: &(PathBuf, PathBuf),
    rate: f32,
    pitch: f32,
    sentence_silence_ms: u32,
) -> std::result::Result<Clip, String> {
    let mut voice = Voice::open(&files.0, &files.1)?;
    let silence = |ms: u32| (SAMPLE_RATE as u64 * ms as u64 / 1000) as usize;
    let mut clip = Clip {
        samples: Vec::new(),
        sample_rate: SAMPLE_RATE,
        marks: Vec::new(),
    };
    for piece in pieces {
        match piece {
            Piece::Mark(name) => clip.marks.push(MarkTime {
                name,
                sample: clip.samples.len() as u64,
            }),
            Piece::Pause(ms) => {
                let n = clip.samples.len() + silence(ms);
                clip.samples.resize(n, 0);
            }
            Piece::Sentence { text, rate: local } => {
                let audio = voice.speak(&pico_text(&text, rate * local, pitch))?;
                clip.samples.extend_from_slice(trim(&audio));
                let n = clip.samples.len() + silence(sentence_silence_ms);
                clip.samples.resize(n, 0);
            }
        }
    }
    Ok(clip)
}

#[async_trait::async_trait]
impl Engine for Pico {
    fn name(&self) -> &str {
        "pico"
    }

    fn identity(&self) -> String {
        format!(
            "pico ttspico-0.1.5 lingware={}_{} rate={} pitch={} silence={} pcm/16000/mono",
            self.lingware.tag, self.lingware.speaker, self.rate, self.pitch, self.sentence_silence_ms
        )
    }

    fn concurrency(&self) -> usize {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    }

    async fn synthesize(&self, ssml: &str, _notes: &Notes) -> Result<Clip> {
        let pieces = interpret(ssml).map_err(|m| engine_error(&m))?;
        let files = resource_files(self.lingware)?;
        let (rate, pitch, gap) = (self.rate, self.pitch, self.sentence_silence_ms);
        tokio::task::spawn_blocking(move || speak_pieces(pieces, &files, rate, pitch, gap))
            .await
            .map_err(|e| engine_error(&format!("synthesis task failed: {e}")))?
            .map_err(|m| engine_error(&format!("Pico {m}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_found_by_tag_or_primary_subtag() {
        assert_eq!(lingware_for("fr-FR").unwrap().tag, "fr-FR");
        assert_eq!(lingware_for("fr_ca").unwrap().tag, "fr-FR");
        assert_eq!(lingware_for("en").unwrap().tag, "en-US");
        assert_eq!(lingware_for("en-gb").unwrap().tag, "en-GB");
        assert!(lingware_for("nl-NL").is_none());
    }

    #[test]
    fn markup_characters_never_reach_pico() {
        let text = pico_text("3 < 5 <speed level=\"500\">", 1.0, 0.0);
        assert_eq!(
            text,
            "<speed level=\"100\"><pitch level=\"100\">3   5  speed level=\"500\" </pitch></speed>"
        );
        assert!(pico_text("x", 1.5, 12.0).starts_with("<speed level=\"150\"><pitch level=\"200\">"));
    }

    #[test]
    fn silence_is_trimmed_to_the_kept_onset_and_decay() {
        let mut samples = vec![0i16; 16_000];
        samples[8_000..8_100].fill(1_000);
        let trimmed = trim(&samples);
        assert_eq!(trimmed.len(), 160 + 100 + 640);
        assert!(trim(&[0i16; 100]).is_empty());
    }

    #[tokio::test]
    async fn pico_speaks_french_with_exact_marks() {
        let profile = VoiceProfile {
            name: "t".into(),
            path: "t.toml".into(),
            engine: "pico".into(),
            voice: "fr-FR".into(),
            language: "fr-FR".into(),
            rate: 1.0,
            pitch: 0.0,
            credit: None,
            options: Default::default(),
        };
        let pico = Pico::new(&profile).unwrap();
        let ssml = r#"<speak xml:lang="fr-FR"><mark name="c0"/><p><s>Bonjour à tous.</s></p><break time="500ms"/><mark name="c1"/><p><s>Voici les nouvelles.</s></p></speak>"#;
        let clip = pico.synthesize(ssml, &Notes::none()).await.unwrap();
        assert_eq!(clip.sample_rate, 16_000);
        assert_eq!(clip.marks[0].sample, 0);
        let second = clip.marks[1].sample as usize;
        // The second mark is after the first sentence, its silence and the break…
        assert!(second > 16_000 * 3 / 4, "{second}");
        // …and speech starts within 15 ms of it.
        let onset = clip.samples[second..]
            .iter()
            .position(|s| s.unsigned_abs() > SILENCE as u16)
            .unwrap();
        assert!(onset <= 240, "{onset}");
        let loud = clip.samples.iter().filter(|s| s.unsigned_abs() > 1000).count();
        assert!(loud > 8_000, "{loud}");
    }
}

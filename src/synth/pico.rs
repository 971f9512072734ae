//! SVOX Pico, the embedded voice: the Pico engine built from the C sources that the
//! `ttspico-sys` crate vendors, and its lingware (Apache-2.0) compiled into this binary, so it
//! speaks French, US and British English, German, Spanish and Italian with no download and no
//! system package (`ttspico-sys` is called directly; see [`Voice`] for why). Pico reads
//! files only, so a language's two resources are written once to the user's cache folder
//! (and checked byte for byte before each use).
//!
//! The script's SSML is interpreted, never spoken (as for Piper): each sentence is spoken on
//! its own, so every `<mark>` falls exactly where its sentence starts; `<break>` becomes
//! silence; `<prosody rate>` and the profile's rate and pitch become Pico's own `<speed>` and
//! `<pitch>` markup, at a volume where no sample saturates. Pico ends every utterance with ~0.6 s of silence and starts it with a few
//! tens of milliseconds: both are cut to the profile's sentence silence. Output: 16 kHz mono.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use super::spoken::{interpret, Piece};
use super::{Clip, Engine, Notes};
use crate::error::{Error, Result};
use crate::settings::VoiceProfile;

/// Pico's output rate.
const SAMPLE_RATE: u32 = 16_000;
/// Memory given to one Pico system (it holds the two resources, ~1.5 MB for a language).
const SYSTEM_MEMORY: usize = 6 * 1024 * 1024;
/// Samples quieter than this (of 32,768) count as silence when an utterance is trimmed.
const SILENCE: i16 = 64;
/// Pico's volume (100 = its own): low enough that no sample saturates.
const VOLUME: u32 = 70;
/// Silence kept before a sentence and after its last sound, ms: the onset and the decay.
const KEEP_LEAD_MS: u32 = 10;
const KEEP_TAIL_MS: u32 = 30;

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
    LANGUAGES
        .iter()
        .map(|l| l.tag)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The lingware for a language tag: the exact tag (any case, `_` or `-`), else the first of
/// its primary language.
pub fn lingware_for(tag: &str) -> Option<&'static Lingware> {
    let wanted = tag.replace('_', "-").to_ascii_lowercase();
    let primary = crate::settings::primary_language(&wanted).to_string();
    LANGUAGES
        .iter()
        .find(|l| l.tag.to_ascii_lowercase() == wanted)
        .or_else(|| {
            LANGUAGES
                .iter()
                .find(|l| crate::settings::primary_language(l.tag).eq_ignore_ascii_case(&primary))
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
    Ok(format!("embedded (SVOX Pico, {})", tags()))
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
    crate::atomic::write_atomic(path, bytes)
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
    // At its own volume Pico saturates the loudest vowels; the mixer levels every clip anyway.
    format!(
        "<volume level=\"{VOLUME}\"><speed level=\"{speed}\"><pitch level=\"{level}\">{text}</pitch></speed></volume>"
    )
}

/// `samples` without its leading and trailing silence beyond what is kept of each, the kept
/// onset faded in and the kept decay faded out. Silence is relative to the utterance's peak
/// (30 dB under it, or [`SILENCE`] if that is louder): Pico's last phoneme decays slowly,
/// and an absolute threshold left up to 200 ms of murmur that lengthened every pause.
fn trim(samples: &[i16]) -> Vec<i16> {
    let keep_lead = (SAMPLE_RATE * KEEP_LEAD_MS / 1000) as usize;
    let keep_tail = (SAMPLE_RATE * KEEP_TAIL_MS / 1000) as usize;
    let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap_or(0);
    let threshold = (peak / 32).max(SILENCE as u16);
    let Some(first) = samples.iter().position(|s| s.unsigned_abs() > threshold) else {
        return Vec::new();
    };
    let last = samples
        .iter()
        .rposition(|s| s.unsigned_abs() > threshold)
        .unwrap_or(first);
    let start = first.saturating_sub(keep_lead);
    let end = (last + 1 + keep_tail).min(samples.len());
    let mut out = samples[start..end].to_vec();
    let (lead, tail) = (first - start, end - (last + 1));
    for (i, s) in out.iter_mut().take(lead).enumerate() {
        *s = (*s as f32 * i as f32 / lead as f32) as i16;
    }
    let len = out.len();
    for (i, s) in out.iter_mut().skip(len - tail).enumerate() {
        *s = (*s as f32 * (tail - i) as f32 / tail as f32) as i16;
    }
    out
}

/// A Pico system with one voice and its engine, living on the thread that made it.
///
/// Made over `ttspico-sys` directly: Pico reads memory it never wrote, so the same text spoke
/// differently from one run to the next when its working memory came from a recycled heap
/// block (the `ttspico` wrapper allocates it uninitialised). Here the memory is zeroed, and
/// a fresh system speaks each segment: a clip depends on its SSML alone, as the cache assumes.
struct Voice {
    /// Pico's working memory (16-byte aligned); it must outlive `system`.
    memory: Vec<u128>,
    system: sys::pico_System,
    resources: Vec<sys::pico_Resource>,
    engine: sys::pico_Engine,
}

use ttspico_sys as sys;

const VOICE_NAME: &[u8] = b"audition\0";

impl Voice {
    fn open(ta: &Path, sg: &Path) -> std::result::Result<Voice, String> {
        let mut voice = Voice {
            memory: vec![0u128; SYSTEM_MEMORY / 16],
            system: std::ptr::null_mut(),
            resources: Vec::new(),
            engine: std::ptr::null_mut(),
        };
        // SAFETY: the memory is a live, writable buffer of the size given; Pico keeps using
        // it until `pico_terminate`, and `voice` holds it (its heap block never moves) until
        // after that.
        let status = unsafe {
            sys::pico_initialize(
                voice.memory.as_mut_ptr().cast(),
                (voice.memory.len() * 16) as sys::pico_Uint32,
                &mut voice.system,
            )
        };
        voice.check(status, "cannot start")?;
        for (path, what) in [(ta, "its text analysis"), (sg, "its voice")] {
            let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes())
                .map_err(|_| format!("cannot load {what}: a NUL in the path"))?;
            let mut resource = std::ptr::null_mut();
            // SAFETY: the system is initialised and `name` is NUL-terminated.
            let status = unsafe {
                sys::pico_loadResource(voice.system, name.as_ptr().cast(), &mut resource)
            };
            voice.check(status, &format!("cannot load {what}"))?;
            voice.resources.push(resource);
        }
        // SAFETY: the voice name is NUL-terminated; resource names come from Pico itself.
        unsafe {
            let status = sys::pico_createVoiceDefinition(voice.system, VOICE_NAME.as_ptr());
            voice.check(status, "cannot define the voice")?;
            for n in 0..voice.resources.len() {
                let mut name = [0 as std::os::raw::c_char; sys::PICO_MAX_RESOURCE_NAME_SIZE];
                let status =
                    sys::pico_getResourceName(voice.system, voice.resources[n], name.as_mut_ptr());
                voice.check(status, "cannot name a resource")?;
                let status = sys::pico_addResourceToVoiceDefinition(
                    voice.system,
                    VOICE_NAME.as_ptr(),
                    name.as_ptr().cast(),
                );
                voice.check(status, "cannot add a resource to the voice")?;
            }
            // Both resources an engine needs are in the voice: creating it is safe.
            let status = sys::pico_newEngine(voice.system, VOICE_NAME.as_ptr(), &mut voice.engine);
            voice.check(status, "cannot create the engine")?;
        }
        Ok(voice)
    }

    /// `Ok` for `PICO_OK`, else Pico's own message.
    fn check(&self, status: sys::pico_Status, what: &str) -> std::result::Result<(), String> {
        if status == sys::PICO_OK {
            return Ok(());
        }
        let mut message = [0 as std::os::raw::c_char; sys::PICO_RETSTRINGSIZE];
        if !self.system.is_null() {
            // SAFETY: the buffer has the size Pico writes its messages into.
            unsafe { sys::pico_getSystemStatusMessage(self.system, status, message.as_mut_ptr()) };
        }
        // SAFETY: the buffer is zeroed and Pico writes a NUL-terminated string within it.
        let text = unsafe { std::ffi::CStr::from_ptr(message.as_ptr()) }.to_string_lossy();
        Err(format!("{what}: {} (error {status})", text.trim()))
    }

    /// Speaks one utterance to its end.
    fn speak(&mut self, text: &str) -> std::result::Result<Vec<i16>, String> {
        let mut bytes = text.as_bytes().to_vec();
        // The terminating NUL tells Pico the text is complete and to speak it.
        bytes.push(0);
        let mut rest: &[u8] = &bytes;
        let mut audio = Vec::new();
        let mut buffer = [0i16; 1024];
        loop {
            if !rest.is_empty() {
                let size = rest.len().min(i16::MAX as usize) as sys::pico_Int16;
                let mut put: sys::pico_Int16 = 0;
                // SAFETY: `rest` holds at least `size` readable bytes.
                let status =
                    unsafe { sys::pico_putTextUtf8(self.engine, rest.as_ptr(), size, &mut put) };
                self.check(status, "refused the text")?;
                rest = &rest[put.max(0) as usize..];
            }
            let (mut received, mut kind): (sys::pico_Int16, sys::pico_Int16) = (0, 0);
            // SAFETY: the buffer holds `2 * len` writable bytes, as told.
            let status = unsafe {
                sys::pico_getData(
                    self.engine,
                    buffer.as_mut_ptr().cast(),
                    (buffer.len() * 2) as sys::pico_Int16,
                    &mut received,
                    &mut kind,
                )
            };
            let samples = (received.max(0) as usize / 2).min(buffer.len());
            audio.extend_from_slice(&buffer[..samples]);
            match status {
                sys::PICO_STEP_BUSY => {}
                sys::PICO_STEP_IDLE if rest.is_empty() => return Ok(audio),
                sys::PICO_STEP_IDLE => {}
                other => return self.check(other, "failed while speaking").map(|_| audio),
            }
        }
    }
}

impl Drop for Voice {
    fn drop(&mut self) {
        // SAFETY: each handle is released once, engine first, and only if it was made.
        unsafe {
            if self.system.is_null() {
                return;
            }
            if !self.engine.is_null() {
                sys::pico_disposeEngine(self.system, &mut self.engine);
            }
            sys::pico_releaseVoiceDefinition(self.system, VOICE_NAME.as_ptr());
            for resource in self.resources.iter_mut().rev() {
                sys::pico_unloadResource(self.system, resource);
            }
            sys::pico_terminate(&mut self.system);
        }
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
    let mut clip = Clip::empty(SAMPLE_RATE);
    for piece in pieces {
        match piece {
            Piece::Mark(name) => clip.mark(name),
            Piece::Pause(ms) => clip.pause(ms),
            Piece::Sentence { text, rate: local } => {
                let audio = voice.speak(&pico_text(&text, rate * local, pitch))?;
                clip.samples.extend(trim(&audio));
                clip.pause(sentence_silence_ms);
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
            self.lingware.tag,
            self.lingware.speaker,
            self.rate,
            self.pitch,
            self.sentence_silence_ms
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
            "<volume level=\"70\"><speed level=\"100\"><pitch level=\"100\">3   5  speed level=\"500\" </pitch></speed></volume>"
        );
        assert!(pico_text("x", 1.5, 12.0)
            .starts_with("<volume level=\"70\"><speed level=\"150\"><pitch level=\"200\">"));
    }

    #[test]
    fn silence_is_trimmed_to_the_kept_onset_and_decay_relative_to_the_peak() {
        let mut samples = vec![0i16; 16_000];
        samples[8_000..8_100].fill(20_000);
        // A murmur 46 dB under the peak after the speech: silence, though above −54 dBFS.
        samples[8_100..11_000].fill(100);
        let trimmed = trim(&samples);
        assert_eq!(trimmed.len(), 160 + 100 + 480);
        assert_eq!(trimmed[0], 0);
        assert_eq!(trimmed[160], 20_000);
        assert!(trimmed.last().unwrap().unsigned_abs() <= 1);
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
        let loud = clip
            .samples
            .iter()
            .filter(|s| s.unsigned_abs() > 1000)
            .count();
        assert!(loud > 8_000, "{loud}");
        // Pico reads memory it never wrote: with a dirty heap, the same SSML must still give
        // the same audio (it did not before the working memory was zeroed).
        for round in 0..3u8 {
            let mut dirty = vec![0u8; SYSTEM_MEMORY];
            dirty
                .iter_mut()
                .enumerate()
                .for_each(|(i, b)| *b = (i as u8).wrapping_mul(7) ^ round);
            std::hint::black_box(&dirty);
            drop(dirty);
            let again = pico.synthesize(ssml, &Notes::none()).await.unwrap();
            assert_eq!(again.samples, clip.samples, "round {round}");
        }
    }
}

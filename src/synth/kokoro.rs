//! Kokoro-82M, run locally under ONNX Runtime (as Piper): the ONNX export (`model`), the
//! voices' style vectors Kokoro publishes (`styles`: an `.npz` of 510×256 float32 arrays, one
//! per voice, such as kokoro-onnx's `voices-v1.0.bin`; or one voice's raw float32 `.bin`, as
//! in onnx-community/Kokoro-82M-v1.0-ONNX) and the phoneme vocabulary (`vocab`: a JSON
//! object mapping each phoneme to its id, alone or under `"vocab"` as in Kokoro's
//! config.json). Text is phonemised by espeak-ng (IPA), as kokoro-onnx does for every
//! language; the model reads `tokens` (0, ids…, 0), `style` (the voice's row for that many
//! tokens) and `speed`, and returns 24 kHz audio.
//!
//! The script's SSML is interpreted as for Piper: sentences are spoken one by one (marks
//! exact), `<break>` is silence, rates scale `speed`; each sentence's silence is trimmed to
//! the profile's `sentence_silence_ms`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ort::session::Session;
use ort::value::Tensor;

use super::spoken::{interpret, Piece};
use super::{Clip, Engine, Notes};
use crate::error::{Error, Result};
use crate::settings::{relative_to, VoiceProfile};

const SAMPLE_RATE: u32 = 24_000;
/// The model's context: 512 tokens, two of them the pads around the phonemes.
const MAX_TOKENS: usize = 510;
/// Width of a style vector.
const STYLE: usize = 256;

/// A Kokoro voice.
pub struct Kokoro {
    identity: String,
    model: Arc<Model>,
    phonemizer: String,
    rate: f32,
    sentence_silence_ms: u32,
}

struct Model {
    session: Mutex<Session>,
    vocab: HashMap<char, i64>,
    /// The voice's style rows, one per phoneme count (row n for n + 1 tokens).
    styles: Vec<[f32; STYLE]>,
}

fn engine_error(message: &str) -> Error {
    Error::Engine {
        engine: "kokoro".to_string(),
        message: message.to_string(),
    }
}

/// A file the profile names, relative to it, that must exist.
fn profile_file(profile: &VoiceProfile, value: Option<&str>, what: &str) -> Result<PathBuf> {
    let value = value
        .ok_or_else(|| Error::config(&profile.path, format!("kokoro needs {what} = \"path\"")))?;
    let path = relative_to(&profile.path, Path::new(value));
    if !path.is_file() {
        return Err(Error::config(
            &profile.path,
            format!("kokoro {what} file {} does not exist", path.display()),
        ));
    }
    Ok(path)
}

impl Kokoro {
    pub fn new(profile: &VoiceProfile) -> Result<Kokoro> {
        let options = &profile.options;
        let model_path = profile_file(profile, options.model.as_deref(), "model")?;
        let styles_path = profile_file(profile, options.styles.as_deref(), "styles")?;
        let vocab_path = profile_file(profile, options.vocab.as_deref(), "vocab")?;
        let styles = read_styles(&styles_path, &profile.voice)
            .map_err(|m| Error::config(&styles_path, m))?;
        let vocab = read_vocab(&vocab_path).map_err(|m| Error::config(&vocab_path, m))?;
        super::espeak::readiness().map_err(|m| engine_error(&m))?;
        let session = super::onnx::load_session(&model_path, options.onnxruntime.as_deref())
            .map_err(|m| engine_error(&m))?;
        let phonemizer = options
            .phonemizer
            .clone()
            .unwrap_or_else(|| default_phonemizer(&profile.language));
        let bytes = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        let sentence_silence_ms = options.sentence_silence_ms.unwrap_or(250);
        Ok(Kokoro {
            identity: format!(
                "kokoro model={} bytes={} styles={} bytes={} voice={} phonemizer={phonemizer} rate={} silence={sentence_silence_ms}",
                model_path.display(),
                bytes(&model_path),
                styles_path.display(),
                bytes(&styles_path),
                profile.voice,
                profile.rate,
            ),
            model: Arc::new(Model {
                session: Mutex::new(session),
                vocab,
                styles,
            }),
            phonemizer,
            rate: profile.rate,
            sentence_silence_ms,
        })
    }
}

/// espeak-ng's voice for a language, as kokoro-onnx names them (`en-us`, `fr-fr`).
fn default_phonemizer(language: &str) -> String {
    let tag = language.replace('_', "-").to_ascii_lowercase();
    match tag.as_str() {
        "en" => "en-us".to_string(),
        "fr" => "fr-fr".to_string(),
        _ => tag,
    }
}

/// The style rows of `voice`: from an `.npz` (its `<voice>.npy`), or a raw float32 file.
fn read_styles(path: &Path, voice: &str) -> std::result::Result<Vec<[f32; STYLE]>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    let values: Vec<f32> = if bytes.starts_with(b"PK\x03\x04") {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes))
            .map_err(|e| format!("not a readable .npz: {e}"))?;
        let names: Vec<String> = archive
            .file_names()
            .flatten()
            .map(|n| n.trim_end_matches(".npy").to_string())
            .collect();
        let entry = archive
            .by_name(&format!("{voice}.npy"))
            .map_err(|_| format!("has no voice {voice:?}; its voices: {}", names.join(", ")))?;
        npyz::NpyFile::new(entry)
            .and_then(|npy| npy.into_vec::<f32>())
            .map_err(|e| format!("voice {voice:?} is not a float32 array: {e}"))?
    } else {
        if !bytes.len().is_multiple_of(4 * STYLE) || bytes.is_empty() {
            return Err(format!(
                "neither an .npz nor a raw float32 style file ({} bytes is not a multiple of {})",
                bytes.len(),
                4 * STYLE
            ));
        }
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    };
    if !values.len().is_multiple_of(STYLE) || values.is_empty() {
        return Err(format!(
            "voice {voice:?} has {} values, not rows of {STYLE}",
            values.len()
        ));
    }
    Ok(values
        .chunks_exact(STYLE)
        .map(|row| row.try_into().unwrap_or([0.0; STYLE]))
        .collect())
}

/// The phoneme → id map: a JSON object, or one under `"vocab"`.
fn read_vocab(path: &Path) -> std::result::Result<HashMap<char, i64>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read: {e}"))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("not JSON: {e}"))?;
    let map = json
        .get("vocab")
        .unwrap_or(&json)
        .as_object()
        .ok_or("holds no phoneme vocabulary")?;
    let vocab: HashMap<char, i64> = map
        .iter()
        .filter_map(|(k, v)| {
            let mut chars = k.chars();
            match (chars.next(), chars.next(), v.as_i64()) {
                (Some(c), None, Some(id)) => Some((c, id)),
                _ => None,
            }
        })
        .collect();
    if vocab.is_empty() {
        return Err("holds no phoneme vocabulary".to_string());
    }
    Ok(vocab)
}

/// Usable when espeak-ng and ONNX Runtime are found (and the profile's files, if given).
pub fn readiness(profile: Option<&VoiceProfile>) -> std::result::Result<String, String> {
    super::espeak::readiness()?;
    let configured = profile.and_then(|p| p.options.onnxruntime.as_deref());
    let library =
        super::onnx::runtime_library(configured).ok_or(super::onnx::RUNTIME_HINT.to_string())?;
    if let Some(profile) = profile {
        let options = &profile.options;
        for (value, what) in [
            (&options.model, "model"),
            (&options.styles, "styles"),
            (&options.vocab, "vocab"),
        ] {
            profile_file(profile, value.as_deref(), what).map_err(|e| e.to_string())?;
        }
    }
    Ok(format!("ONNX Runtime at {}", library.display()))
}

/// Token ids of a phoneme string, in chunks the model accepts, cut after clause punctuation
/// where possible; phonemes the vocabulary lacks are left out.
fn chunk_ids(vocab: &HashMap<char, i64>, phonemes: &str) -> Vec<Vec<i64>> {
    let ids: Vec<(char, i64)> = phonemes
        .chars()
        .filter_map(|c| vocab.get(&c).map(|id| (c, *id)))
        .collect();
    let mut chunks = Vec::new();
    let mut rest = &ids[..];
    while rest.len() > MAX_TOKENS {
        let cut = rest[..MAX_TOKENS]
            .iter()
            .rposition(|(c, _)| ",;:.!?".contains(*c))
            .map_or(MAX_TOKENS, |i| i + 1);
        chunks.push(rest[..cut].iter().map(|(_, id)| *id).collect());
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        chunks.push(rest.iter().map(|(_, id)| *id).collect());
    }
    chunks
}

impl Model {
    /// Speaks one chunk of token ids at `speed`.
    fn infer(&self, ids: Vec<i64>, speed: f32) -> Result<Vec<i16>> {
        let fail = |e: ort::Error| engine_error(&format!("the model failed: {e}"));
        let row = self.styles[(ids.len().max(1) - 1).min(self.styles.len() - 1)];
        let mut tokens = Vec::with_capacity(ids.len() + 2);
        tokens.push(0);
        tokens.extend(ids);
        tokens.push(0);
        let tokens = Tensor::from_array(([1usize, tokens.len()], tokens)).map_err(fail)?;
        let style = Tensor::from_array(([1usize, STYLE], row.to_vec())).map_err(fail)?;
        let speed = Tensor::from_array(([1usize], vec![speed.max(0.1)])).map_err(fail)?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| engine_error("the model is unusable after an earlier failure"))?;
        let outputs = session
            .run(ort::inputs!["tokens" => tokens, "style" => style, "speed" => speed])
            .map_err(fail)?;
        let (_, audio) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        Ok(audio
            .iter()
            .map(|&s| (s * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
            .collect())
    }
}

/// `samples` without silence (below 1 % of full scale) beyond 30 ms at either end, as
/// kokoro-onnx trims each sentence.
fn trim(samples: &[i16]) -> &[i16] {
    let pad = (SAMPLE_RATE as usize) * 30 / 1000;
    let loud = |s: &i16| s.unsigned_abs() > 327;
    let (Some(first), Some(last)) = (
        samples.iter().position(loud),
        samples.iter().rposition(loud),
    ) else {
        return &[];
    };
    &samples[first.saturating_sub(pad)..(last + pad).min(samples.len())]
}

#[async_trait::async_trait]
impl Engine for Kokoro {
    fn name(&self) -> &str {
        "kokoro"
    }

    fn identity(&self) -> String {
        self.identity.clone()
    }

    /// One model on every core: requests run one at a time.
    fn concurrency(&self) -> usize {
        1
    }

    async fn synthesize(&self, ssml: &str, _notes: &Notes) -> Result<Clip> {
        let pieces = interpret(ssml).map_err(|m| engine_error(&m))?;
        let mut clip = Clip::empty(SAMPLE_RATE);
        for piece in pieces {
            match piece {
                Piece::Mark(name) => clip.mark(name),
                Piece::Pause(ms) => clip.pause(ms),
                Piece::Sentence { text, rate } => {
                    let phonemes = super::espeak::phonemize(&self.phonemizer, &text)
                        .await
                        .map_err(|m| engine_error(&m))?;
                    let model = self.model.clone();
                    let speed = self.rate * rate;
                    let audio = tokio::task::spawn_blocking(move || {
                        let mut audio = Vec::new();
                        for chunk in chunk_ids(&model.vocab, &phonemes) {
                            audio.extend_from_slice(trim(&model.infer(chunk, speed)?));
                        }
                        Ok::<_, Error>(audio)
                    })
                    .await
                    .map_err(|e| engine_error(&format!("inference task failed: {e}")))??;
                    clip.samples.extend(audio);
                    clip.pause(self.sentence_silence_ms);
                }
            }
        }
        Ok(clip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_style_files_are_rows_of_256_floats_and_npz_voices_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let raw = dir.path().join("v.bin");
        let values: Vec<u8> = (0..2 * STYLE)
            .flat_map(|i| (i as f32).to_le_bytes())
            .collect();
        std::fs::write(&raw, &values).unwrap();
        let rows = read_styles(&raw, "any").unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][0], STYLE as f32);
        std::fs::write(&raw, &values[..100]).unwrap();
        assert!(read_styles(&raw, "any")
            .unwrap_err()
            .contains("multiple of 1024"));
    }

    #[test]
    fn vocabularies_are_read_alone_or_under_vocab() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vocab.json");
        std::fs::write(&path, r#"{"vocab": {"a": 43, "ˈ": 156, "ab": 1}}"#).unwrap();
        let vocab = read_vocab(&path).unwrap();
        assert_eq!(vocab.get(&'ˈ'), Some(&156));
        assert_eq!(vocab.len(), 2);
        std::fs::write(&path, r#"{"a": 43}"#).unwrap();
        assert_eq!(read_vocab(&path).unwrap().get(&'a'), Some(&43));
        std::fs::write(&path, r#"[1, 2]"#).unwrap();
        assert!(read_vocab(&path).is_err());
    }

    #[test]
    fn long_phoneme_strings_are_cut_after_punctuation() {
        let vocab: HashMap<char, i64> = [('a', 1), (',', 2), (' ', 3)].into_iter().collect();
        let text = format!("{}, {}x", "a".repeat(400), "a".repeat(300));
        let chunks = chunk_ids(&vocab, &text);
        assert_eq!(chunks.iter().map(Vec::len).collect::<Vec<_>>(), [401, 301]);
        assert_eq!(chunks[0].last(), Some(&2));
        let unbroken = chunk_ids(&vocab, &"a".repeat(1_200));
        assert_eq!(
            unbroken.iter().map(Vec::len).collect::<Vec<_>>(),
            [510, 510, 180]
        );
    }
}

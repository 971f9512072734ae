//! Piper neural voices, run locally: a voice is an `.onnx` model with its `.onnx.json`
//! config. Text is phonemised with espeak-ng as Piper does (IPA, clause punctuation kept),
//! mapped to ids through the config's `phoneme_id_map`, and spoken by the model under ONNX
//! Runtime, loaded at run time from `libonnxruntime.so` (the `onnxruntime` wheel on PyPI has
//! it): the profile's `onnxruntime`, else `ORT_DYLIB_PATH`, else the wheel Python can import.
//!
//! The script's SSML is interpreted, never spoken: sentences are synthesised one by one,
//! `<break>` becomes silence, `<mark>` positions are exact, `<prosody rate>` and the
//! profile's rate scale the phoneme length.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ort::session::Session;
use ort::value::Tensor;
use serde::Deserialize;

use super::spoken::{interpret, Piece};
use super::{Clip, Engine, Notes};
use crate::error::{Error, Result};
use crate::settings::VoiceProfile;

/// A Piper voice.
pub struct Piper {
    model_path: PathBuf,
    /// Size of the model file: part of the cache key, so a replaced model speaks anew.
    model_bytes: u64,
    model: Arc<Model>,
    espeak_voice: String,
    rate: f32,
    sentence_silence_ms: u32,
}

/// The loaded model and what it is run with (shared with the blocking inference task).
struct Model {
    session: Mutex<Session>,
    config: VoiceConfig,
    speaker: Option<i64>,
    scales: [f32; 3],
}

/// The parts of `<model>.onnx.json` the engine reads.
#[derive(Debug, Deserialize)]
struct VoiceConfig {
    audio: AudioConfig,
    espeak: EspeakConfig,
    #[serde(default)]
    inference: InferenceConfig,
    #[serde(default = "one")]
    num_speakers: i64,
    phoneme_id_map: HashMap<String, Vec<i64>>,
}

#[derive(Debug, Deserialize)]
struct AudioConfig {
    sample_rate: u32,
}

#[derive(Debug, Deserialize)]
struct EspeakConfig {
    voice: String,
}

#[derive(Debug, Deserialize)]
struct InferenceConfig {
    noise_scale: f32,
    length_scale: f32,
    noise_w: f32,
}

impl Default for InferenceConfig {
    fn default() -> Self {
        InferenceConfig {
            noise_scale: 0.667,
            length_scale: 1.0,
            noise_w: 0.8,
        }
    }
}

fn one() -> i64 {
    1
}

impl Piper {
    pub fn new(profile: &VoiceProfile) -> Result<Piper> {
        let options = &profile.options;
        let model = options.model.as_deref().ok_or_else(|| {
            Error::config(&profile.path, "piper needs model = \"path/to/voice.onnx\"")
        })?;
        let model_path = crate::settings::relative_to(&profile.path, Path::new(model));
        let config_path = PathBuf::from(format!("{}.json", model_path.display()));
        for path in [&model_path, &config_path] {
            if !path.is_file() {
                return Err(Error::config(
                    &profile.path,
                    format!("piper voice file {} does not exist", path.display()),
                ));
            }
        }
        let text = std::fs::read_to_string(&config_path).map_err(|e| Error::io(&config_path, e))?;
        let config: VoiceConfig = serde_json::from_str(&text)
            .map_err(|e| Error::config(&config_path, format!("not a Piper voice config: {e}")))?;
        let speaker = options.speaker;
        if let Some(id) = speaker {
            if !(0..config.num_speakers).contains(&id) {
                return Err(Error::config(
                    &profile.path,
                    format!(
                        "speaker {id} is out of range: the model has {} speaker(s)",
                        config.num_speakers
                    ),
                ));
            }
        }
        super::espeak::readiness().map_err(|m| engine_error(&m))?;
        let session = super::onnx::load_session(&model_path, options.onnxruntime.as_deref())
            .map_err(|m| engine_error(&m))?;
        let inference = &config.inference;
        let scales = [
            options.noise_scale.unwrap_or(inference.noise_scale),
            options.length_scale.unwrap_or(inference.length_scale),
            options.noise_w.unwrap_or(inference.noise_w),
        ];
        Ok(Piper {
            model_bytes: std::fs::metadata(&model_path).map_or(0, |m| m.len()),
            espeak_voice: config.espeak.voice.clone(),
            model_path,
            model: Arc::new(Model {
                session: Mutex::new(session),
                config,
                speaker,
                scales,
            }),
            rate: profile.rate,
            sentence_silence_ms: options.sentence_silence_ms.unwrap_or(200),
        })
    }
}

impl Model {
    /// Phoneme ids of one sentence, as Piper builds them: `^`, then each phoneme followed by
    /// the pad `_`, then `$`.
    fn ids(&self, phonemes: &str) -> Vec<i64> {
        let map = &self.config.phoneme_id_map;
        let id = |c: &str| map.get(c).cloned().unwrap_or_default();
        let pad = id("_");
        let mut ids = id("^");
        ids.extend(&pad);
        for c in phonemes.chars() {
            let found = id(c.encode_utf8(&mut [0; 4]));
            if !found.is_empty() {
                ids.extend(found);
                ids.extend(&pad);
            }
        }
        ids.extend(id("$"));
        ids
    }

    /// Speaks one sentence's phoneme ids, at `rate` times the voice's speed.
    fn infer(&self, ids: Vec<i64>, rate: f32) -> Result<Vec<i16>> {
        let fail = |e: ort::Error| engine_error(&format!("the model failed: {e}"));
        let length = ids.len() as i64;
        let [noise, length_scale, noise_w] = self.scales;
        let scales = vec![noise, length_scale / rate.max(0.1), noise_w];
        let input = Tensor::from_array(([1usize, ids.len()], ids)).map_err(fail)?;
        let lengths = Tensor::from_array(([1usize], vec![length])).map_err(fail)?;
        let scales = Tensor::from_array(([3usize], scales)).map_err(fail)?;
        let mut session = self
            .session
            .lock()
            .map_err(|_| engine_error("the model is unusable after an earlier failure"))?;
        let outputs = match self.speaker {
            Some(sid) if self.config.num_speakers > 1 => {
                let sid = Tensor::from_array(([1usize], vec![sid])).map_err(fail)?;
                session.run(ort::inputs!["input" => input, "input_lengths" => lengths, "scales" => scales, "sid" => sid])
            }
            _ => session.run(ort::inputs!["input" => input, "input_lengths" => lengths, "scales" => scales]),
        }
        .map_err(fail)?;
        let (_, audio) = outputs[0].try_extract_tensor::<f32>().map_err(fail)?;
        Ok(audio
            .iter()
            .map(|&s| (s * 32767.0).round().clamp(-32768.0, 32767.0) as i16)
            .collect())
    }
}

/// Usable when espeak-ng and ONNX Runtime are found (and the profile's model, if given).
pub fn readiness(profile: Option<&VoiceProfile>) -> std::result::Result<String, String> {
    super::espeak::readiness()?;
    let configured = profile.and_then(|p| p.options.onnxruntime.as_deref());
    let library =
        super::onnx::runtime_library(configured).ok_or(super::onnx::RUNTIME_HINT.to_string())?;
    if let Some(model) = profile.and_then(|p| {
        p.options
            .model
            .as_deref()
            .map(|m| crate::settings::relative_to(&p.path, Path::new(m)))
    }) {
        if !model.is_file() {
            return Err(format!("voice model {} not found", model.display()));
        }
    }
    Ok(format!("ONNX Runtime at {}", library.display()))
}

fn engine_error(message: &str) -> Error {
    Error::Engine {
        engine: "piper".to_string(),
        message: message.to_string(),
    }
}

#[async_trait::async_trait]
impl Engine for Piper {
    fn name(&self) -> &str {
        "piper"
    }

    fn identity(&self) -> String {
        format!(
            "piper model={} bytes={} speaker={:?} scales={:?} rate={} silence={}",
            self.model_path.display(),
            self.model_bytes,
            self.model.speaker,
            self.model.scales,
            self.rate,
            self.sentence_silence_ms
        )
    }

    /// One model on every core: requests run one at a time.
    fn concurrency(&self) -> usize {
        1
    }

    async fn synthesize(&self, ssml: &str, _notes: &Notes) -> Result<Clip> {
        let pieces = interpret(ssml).map_err(|m| engine_error(&m))?;
        let mut clip = Clip::empty(self.model.config.audio.sample_rate);
        for piece in pieces {
            match piece {
                Piece::Mark(name) => clip.mark(name),
                Piece::Pause(ms) => clip.pause(ms),
                Piece::Sentence { text, rate } => {
                    let phonemes = super::espeak::phonemize(&self.espeak_voice, &text)
                        .await
                        .map_err(|m| engine_error(&m))?;
                    let model = self.model.clone();
                    let speed = self.rate * rate;
                    let audio = tokio::task::spawn_blocking(move || {
                        let ids = model.ids(&phonemes);
                        model.infer(ids, speed)
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

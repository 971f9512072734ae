//! ElevenLabs, `POST {base_url}/v1/text-to-speech/{voice_id}?output_format=…`: JSON
//! `{text, model_id, voice_settings}` with the `xi-api-key` header (`ELEVENLABS_API_KEY`),
//! raw audio in the reply (`pcm_<rate>`: 16-bit little-endian mono; `wav_<rate>`, streamed
//! with RIFF and data sizes 0x7FFFFFFF; or `mp3_44100_128`).
//!
//! ElevenLabs reads text: the script's SSML is interpreted into plain text and mark times are
//! estimated by character share.

use super::http::{audio, env_key, json_error_message, Http};
use super::response::BodyFormat;
use super::{clip_with_estimated_marks, text_of, Clip, Engine, Notes};
use crate::error::{Error, Result};
use crate::script::Segment;
use crate::settings::VoiceProfile;

const DEFAULT_BASE_URL: &str = "https://api.elevenlabs.io";
const DEFAULT_MODEL: &str = "eleven_multilingual_v2";
const KEY_VARIABLE: &str = "ELEVENLABS_API_KEY";
/// The `pcm_*` and `wav_*` rates of `output_format` (elevenlabs-python's output format type).
const PCM_RATES: [u32; 7] = [8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];

/// An ElevenLabs voice.
pub struct ElevenLabs {
    http: Http,
    url: String,
    key: Option<String>,
    model: String,
    format: BodyFormat,
    speed: f32,
    concurrency: usize,
}

impl ElevenLabs {
    pub fn new(profile: &VoiceProfile) -> Result<ElevenLabs> {
        let options = &profile.options;
        let key = env_key(&[KEY_VARIABLE]);
        let rate = options.sample_rate.unwrap_or(22_050);
        let (format, output_format) = match options.format.as_deref().unwrap_or("pcm") {
            "pcm" | "wav" if !PCM_RATES.contains(&rate) => {
                return Err(Error::config(
                    &profile.path,
                    format!("elevenlabs: sample_rate {rate} is not one of {PCM_RATES:?}"),
                ))
            }
            "pcm" => (BodyFormat::Pcm(rate), format!("pcm_{rate}")),
            "wav" => (BodyFormat::Wav, format!("wav_{rate}")),
            "mp3" => (BodyFormat::Mp3, "mp3_44100_128".to_string()),
            other => {
                return Err(Error::config(
                    &profile.path,
                    format!("elevenlabs: format {other:?} is not one of pcm, wav, mp3"),
                ))
            }
        };
        let base = options.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        Ok(ElevenLabs {
            http: Http::new("elevenlabs", options, key.iter().cloned().collect())?,
            url: format!(
                "{base}/v1/text-to-speech/{}?output_format={output_format}",
                profile.voice
            ),
            key,
            model: options.model.clone().unwrap_or(DEFAULT_MODEL.to_string()),
            format,
            speed: profile.rate,
            concurrency: options.concurrency.unwrap_or(2),
        })
    }
}

pub fn readiness() -> std::result::Result<String, String> {
    env_key(&[KEY_VARIABLE])
        .map(|_| format!("{KEY_VARIABLE} is set"))
        .ok_or_else(|| format!("set {KEY_VARIABLE}"))
}

#[async_trait::async_trait]
impl Engine for ElevenLabs {
    fn name(&self) -> &str {
        "elevenlabs"
    }

    fn identity(&self) -> String {
        format!(
            "elevenlabs url={} model={} speed={}",
            self.url, self.model, self.speed
        )
    }

    /// Billed: the characters of the text sent, exactly.
    fn billed_chars(&self, segment: &Segment) -> usize {
        text_of(&segment.ssml, "elevenlabs").map_or(segment.chars, |t| t.chars().count())
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    fn ready(&self) -> Result<()> {
        self.http.require(self.key.as_deref(), KEY_VARIABLE)
    }

    async fn synthesize(&self, ssml: &str, notes: &Notes) -> Result<Clip> {
        let mut body = serde_json::json!({
            "text": text_of(ssml, "elevenlabs")?,
            "model_id": self.model,
        });
        if (self.speed - 1.0).abs() > f32::EPSILON {
            body["voice_settings"] = serde_json::json!({ "speed": self.speed });
        }
        let (samples, rate) = self
            .http
            .send(
                notes,
                || {
                    Ok(self
                        .http
                        .client()
                        .post(&self.url)
                        .header("xi-api-key", self.key.as_deref().unwrap_or_default())
                        .json(&body))
                },
                json_error_message,
                |reply| audio(&reply, self.format),
            )
            .await?;
        Ok(clip_with_estimated_marks(samples, rate, ssml))
    }
}

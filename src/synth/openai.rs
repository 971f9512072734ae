//! OpenAI's speech endpoint, `POST {base_url}/audio/speech`, and every server that copies it
//! (Kokoro-FastAPI, Piper and other self-hosted servers): JSON `{model, input, voice,
//! response_format, speed}` with a bearer key, audio in the reply body.
//!
//! The endpoint reads text, not SSML: the script's SSML is interpreted into plain text and
//! mark times are estimated by character share. A key (`OPENAI_API_KEY`) is required by
//! OpenAI's own service only; self-hosted servers are called without one when none is set.

use super::http::{audio, env_key, json_error_message, Http};
use super::response::BodyFormat;
use super::{clip_with_estimated_marks, text_of, Clip, Engine, Notes};
use crate::error::{Error, Result};
use crate::script::Segment;
use crate::settings::VoiceProfile;

const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
const DEFAULT_MODEL: &str = "gpt-4o-mini-tts";
const KEY_VARIABLE: &str = "OPENAI_API_KEY";
/// OpenAI's `pcm` format: 24 kHz, 16-bit little-endian, mono.
const PCM_RATE: u32 = 24_000;

/// A voice of an OpenAI-compatible speech server.
pub struct OpenAi {
    http: Http,
    url: String,
    key: Option<String>,
    model: String,
    voice: String,
    format: BodyFormat,
    wire_format: &'static str,
    speed: f32,
    concurrency: usize,
}

impl OpenAi {
    pub fn new(profile: &VoiceProfile) -> Result<OpenAi> {
        let options = &profile.options;
        let base = options.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        let key = env_key(&[KEY_VARIABLE]);
        let (format, wire_format) = match options.format.as_deref().unwrap_or("wav") {
            "wav" => (BodyFormat::Wav, "wav"),
            "pcm" => (
                BodyFormat::Pcm(options.sample_rate.unwrap_or(PCM_RATE)),
                "pcm",
            ),
            "mp3" => (BodyFormat::Mp3, "mp3"),
            other => {
                return Err(Error::config(
                    &profile.path,
                    format!("openai: format {other:?} is not one of wav, pcm, mp3"),
                ))
            }
        };
        Ok(OpenAi {
            http: Http::new("openai", options, key.iter().cloned().collect())?,
            url: format!("{base}/audio/speech"),
            key,
            model: options.model.clone().unwrap_or(DEFAULT_MODEL.to_string()),
            voice: profile.voice.clone(),
            format,
            wire_format,
            speed: profile.rate,
            concurrency: options.concurrency.unwrap_or(4),
        })
    }
}

/// Usable when a key is set, or a profile points at another server.
pub fn readiness(profile: Option<&VoiceProfile>) -> std::result::Result<String, String> {
    let self_hosted = profile.and_then(|p| p.options.base_url.as_deref());
    match (env_key(&[KEY_VARIABLE]), self_hosted) {
        (Some(_), _) => Ok(format!("{KEY_VARIABLE} is set")),
        (None, Some(url)) => Ok(format!("self-hosted server at {url}")),
        (None, None) => Err(format!(
            "set {KEY_VARIABLE} (or base_url for a self-hosted server)"
        )),
    }
}

#[async_trait::async_trait]
impl Engine for OpenAi {
    fn name(&self) -> &str {
        "openai"
    }

    fn identity(&self) -> String {
        format!(
            "openai url={} model={} voice={} format={} speed={}",
            self.url, self.model, self.voice, self.wire_format, self.speed
        )
    }

    /// Billed: the characters of the text sent, exactly.
    fn billed_chars(&self, segment: &Segment) -> usize {
        text_of(&segment.ssml, "openai").map_or(segment.chars, |t| t.chars().count())
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// OpenAI's own service needs a key; a self-hosted server may not.
    fn ready(&self) -> Result<()> {
        if self.key.is_none() && self.url.starts_with(DEFAULT_BASE_URL) {
            return Err(self.http.missing(&format!(
                "{KEY_VARIABLE} (or base_url of a self-hosted server)"
            )));
        }
        Ok(())
    }

    async fn synthesize(&self, ssml: &str, notes: &Notes) -> Result<Clip> {
        let body = serde_json::json!({
            "model": self.model,
            "input": text_of(ssml, "openai")?,
            "voice": self.voice,
            "response_format": self.wire_format,
            "speed": self.speed,
        });
        let (samples, rate) = self
            .http
            .send(
                notes,
                || {
                    let request = self.http.client().post(&self.url).json(&body);
                    Ok(match &self.key {
                        Some(key) => request.bearer_auth(key),
                        None => request,
                    })
                },
                json_error_message,
                |reply| audio(&reply, self.format),
            )
            .await?;
        Ok(clip_with_estimated_marks(samples, rate, ssml))
    }
}

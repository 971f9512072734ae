//! Google Cloud Text-to-Speech, `POST {base_url}/v1beta1/text:synthesize`: JSON
//! `{input: {ssml}, voice: {languageCode, name}, audioConfig: {audioEncoding, sampleRateHertz,
//! speakingRate, pitch}, enableTimePointing: ["SSML_MARK"]}`; the reply carries the audio in
//! base64 (`LINEAR16` is a WAV file) and the time of every `<mark>`, which this engine uses
//! instead of estimating. Authenticated with `GOOGLE_API_KEY` (header `X-Goog-Api-Key`) or an
//! OAuth access token in `GOOGLE_OAUTH_TOKEN` (bearer, billed to `GOOGLE_CLOUD_PROJECT`).

use base64::Engine as _;
use serde::Deserialize;

use super::http::{env_key, json_error_message, Failure, Http};
use super::response::{decode, BodyFormat};
use super::{Clip, Engine, MarkTime, Notes};
use crate::error::{Error, Result};
use crate::script::Segment;
use crate::settings::VoiceProfile;

const DEFAULT_BASE_URL: &str = "https://texttospeech.googleapis.com";
const KEY_VARIABLE: &str = "GOOGLE_API_KEY";
const TOKEN_VARIABLE: &str = "GOOGLE_OAUTH_TOKEN";
const PROJECT_VARIABLE: &str = "GOOGLE_CLOUD_PROJECT";

enum Auth {
    Key(String),
    Token {
        token: String,
        project: Option<String>,
    },
    Missing,
}

/// A Google Cloud voice.
pub struct Google {
    http: Http,
    url: String,
    auth: Auth,
    language: String,
    voice: String,
    encoding: &'static str,
    sample_rate: u32,
    speaking_rate: f32,
    pitch: f32,
    concurrency: usize,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reply {
    audio_content: String,
    #[serde(default)]
    timepoints: Vec<Timepoint>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Timepoint {
    mark_name: String,
    time_seconds: f64,
}

impl Google {
    pub fn new(profile: &VoiceProfile) -> Result<Google> {
        let options = &profile.options;
        let auth = match (env_key(&[KEY_VARIABLE]), env_key(&[TOKEN_VARIABLE])) {
            (Some(key), _) => Auth::Key(key),
            (None, Some(token)) => Auth::Token {
                token,
                project: env_key(&[PROJECT_VARIABLE]),
            },
            (None, None) => Auth::Missing,
        };
        let secrets = match &auth {
            Auth::Key(k) => vec![k.clone()],
            Auth::Token { token, .. } => vec![token.clone()],
            Auth::Missing => Vec::new(),
        };
        let encoding = match options.format.as_deref().unwrap_or("wav") {
            "wav" | "pcm" | "linear16" | "LINEAR16" => "LINEAR16",
            "mp3" | "MP3" => "MP3",
            other => {
                return Err(Error::config(
                    &profile.path,
                    format!("google: format {other:?} is not one of wav (LINEAR16), mp3"),
                ))
            }
        };
        let base = options.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
        Ok(Google {
            http: Http::new("google", options, secrets)?,
            url: format!("{base}/v1beta1/text:synthesize"),
            auth,
            language: profile.language.clone(),
            voice: profile.voice.clone(),
            encoding,
            sample_rate: options.sample_rate.unwrap_or(24_000),
            speaking_rate: profile.rate,
            pitch: profile.pitch,
            concurrency: options.concurrency.unwrap_or(8),
        })
    }

    fn request(&self, body: &serde_json::Value) -> reqwest::RequestBuilder {
        let request = self.http.client().post(&self.url).json(body);
        match &self.auth {
            Auth::Key(key) => request.header("X-Goog-Api-Key", key),
            Auth::Token { token, project } => {
                let request = request.bearer_auth(token);
                match project {
                    Some(p) => request.header("x-goog-user-project", p),
                    None => request,
                }
            }
            Auth::Missing => request,
        }
    }

    fn accept(&self, body: &[u8]) -> std::result::Result<Clip, Failure> {
        let transient = Failure::retry;
        let reply: Reply = serde_json::from_slice(body)
            .map_err(|e| transient(format!("the reply is not the documented JSON: {e}")))?;
        let audio = base64::engine::general_purpose::STANDARD
            .decode(reply.audio_content.trim())
            .map_err(|e| transient(format!("audioContent is not valid base64: {e}")))?;
        let format = match self.encoding {
            "MP3" => BodyFormat::Mp3,
            _ => BodyFormat::Wav,
        };
        let (samples, sample_rate) = decode(&audio, format).map_err(transient)?;
        let marks = reply
            .timepoints
            .into_iter()
            .map(|t| MarkTime {
                name: t.mark_name,
                sample: ((t.time_seconds.max(0.0) * sample_rate as f64).round() as u64)
                    .min(samples.len() as u64),
            })
            .collect();
        Ok(Clip {
            samples,
            sample_rate,
            marks,
        })
    }
}

pub fn readiness() -> std::result::Result<String, String> {
    if env_key(&[KEY_VARIABLE]).is_some() {
        Ok(format!("{KEY_VARIABLE} is set"))
    } else if env_key(&[TOKEN_VARIABLE]).is_some() {
        Ok(format!("{TOKEN_VARIABLE} is set"))
    } else {
        Err(format!("set {KEY_VARIABLE} or {TOKEN_VARIABLE}"))
    }
}

#[async_trait::async_trait]
impl Engine for Google {
    fn name(&self) -> &str {
        "google"
    }

    fn identity(&self) -> String {
        format!(
            "google url={} voice={} language={} encoding={} rate={} speed={} pitch={}",
            self.url,
            self.voice,
            self.language,
            self.encoding,
            self.sample_rate,
            self.speaking_rate,
            self.pitch
        )
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    fn ready(&self) -> Result<()> {
        match self.auth {
            Auth::Missing => Err(self.http.missing(&format!(
                "{KEY_VARIABLE} (or an access token in {TOKEN_VARIABLE}, from `gcloud auth print-access-token`)"
            ))),
            _ => Ok(()),
        }
    }

    /// Google bills every character of the SSML, tags included, except `<mark>`s.
    fn billed_chars(&self, segment: &Segment) -> usize {
        let marks: usize = segment
            .cues
            .iter()
            .map(|c| format!("<mark name=\"{}\"/>", c.mark).chars().count())
            .sum();
        segment.ssml.chars().count().saturating_sub(marks)
    }

    async fn synthesize(&self, ssml: &str, notes: &Notes) -> Result<Clip> {
        let body = serde_json::json!({
            "input": { "ssml": ssml },
            "voice": { "languageCode": self.language, "name": self.voice },
            "audioConfig": {
                "audioEncoding": self.encoding,
                "sampleRateHertz": self.sample_rate,
                "speakingRate": self.speaking_rate,
                "pitch": self.pitch,
            },
            "enableTimePointing": ["SSML_MARK"],
        });
        self.http
            .send(
                notes,
                || Ok(self.request(&body)),
                json_error_message,
                |reply| self.accept(&reply.body),
            )
            .await
    }
}

//! Amazon Polly's `SynthesizeSpeech`, `POST https://polly.{region}.amazonaws.com/v1/speech`:
//! JSON `{Engine, LanguageCode, OutputFormat, SampleRate, Text, TextType: "ssml", VoiceId}`,
//! signed with AWS Signature Version 4 (the `aws-sigv4` crate) from the standard variables
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`. The
//! reply body is the audio stream (`pcm`: 16-bit little-endian mono). Mark times would need
//! a second, billed request for speech marks: they are estimated by character share instead.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use super::http::{audio, env_key, json_error_message, Http};
use super::response::BodyFormat;
use super::spoken::{prosody_attributes, wrap_children};
use super::{clip_with_estimated_marks, Clip, Engine, Notes};
use crate::error::{Error, Result};
use crate::settings::VoiceProfile;

const DEFAULT_REGION: &str = "us-east-1";
const DEFAULT_ENGINE: &str = "neural";

/// An Amazon Polly voice.
pub struct Polly {
    http: Http,
    url: String,
    region: String,
    identity: Identity,
    has_credentials: bool,
    engine: String,
    language: String,
    voice: String,
    output_format: &'static str,
    sample_rate: u32,
    format: BodyFormat,
    prosody: Option<String>,
    concurrency: usize,
}

impl Polly {
    pub fn new(profile: &VoiceProfile) -> Result<Polly> {
        let options = &profile.options;
        let access_key = env_key(&["AWS_ACCESS_KEY_ID"]);
        let secret_key = env_key(&["AWS_SECRET_ACCESS_KEY"]);
        let has_credentials = access_key.is_some() && secret_key.is_some();
        let (access_key, secret_key) = (
            access_key.unwrap_or_default(),
            secret_key.unwrap_or_default(),
        );
        let token = env_key(&["AWS_SESSION_TOKEN"]);
        let region = options
            .region
            .clone()
            .or_else(|| env_key(&["AWS_REGION", "AWS_DEFAULT_REGION"]))
            .unwrap_or(DEFAULT_REGION.to_string());
        let (output_format, format, sample_rate) = match options.format.as_deref().unwrap_or("pcm")
        {
            "pcm" => {
                let rate = options.sample_rate.unwrap_or(16_000);
                if ![8_000, 16_000].contains(&rate) {
                    return Err(Error::config(
                        &profile.path,
                        format!("polly: pcm sample_rate must be 8000 or 16000, got {rate}"),
                    ));
                }
                ("pcm", BodyFormat::Pcm(rate), rate)
            }
            "mp3" => (
                "mp3",
                BodyFormat::Mp3,
                options.sample_rate.unwrap_or(24_000),
            ),
            other => {
                return Err(Error::config(
                    &profile.path,
                    format!("polly: format {other:?} is not one of pcm, mp3"),
                ))
            }
        };
        let base = options
            .base_url
            .clone()
            .unwrap_or_else(|| format!("https://polly.{region}.amazonaws.com"));
        let mut secrets = vec![secret_key.clone()];
        secrets.extend(token.clone());
        Ok(Polly {
            http: Http::new("polly", options, secrets)?,
            url: format!("{base}/v1/speech"),
            identity: Credentials::new(access_key, secret_key, token, None, "environment").into(),
            region,
            has_credentials,
            engine: options.model.clone().unwrap_or(DEFAULT_ENGINE.to_string()),
            language: profile.language.clone(),
            voice: profile.voice.clone(),
            output_format,
            sample_rate,
            format,
            prosody: prosody_attributes(profile.rate, 0.0),
            concurrency: options.concurrency.unwrap_or(8),
        })
    }

    /// The request with its SigV4 headers, signed now.
    fn signed(&self, body: &[u8]) -> Result<reqwest::RequestBuilder> {
        let fail =
            |e: &dyn std::fmt::Display| self.http.error(format!("cannot sign the request: {e}"));
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name("polly")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| fail(&e))?
            .into();
        let headers = [("content-type", "application/json")];
        let signable = SignableRequest::new(
            "POST",
            &self.url,
            headers.into_iter(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| fail(&e))?;
        let (instructions, _signature) =
            sign(signable, &params).map_err(|e| fail(&e))?.into_parts();
        let mut request = self
            .http
            .client()
            .post(&self.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_vec());
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        Ok(request)
    }
}

pub fn readiness() -> std::result::Result<String, String> {
    match (
        env_key(&["AWS_ACCESS_KEY_ID"]),
        env_key(&["AWS_SECRET_ACCESS_KEY"]),
    ) {
        (Some(_), Some(_)) => Ok("AWS credentials are set".to_string()),
        _ => Err("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_REGION)".to_string()),
    }
}

#[async_trait::async_trait]
impl Engine for Polly {
    fn name(&self) -> &str {
        "polly"
    }

    fn identity(&self) -> String {
        format!(
            "polly url={} engine={} voice={} language={} format={} rate={} prosody={:?}",
            self.url,
            self.engine,
            self.voice,
            self.language,
            self.output_format,
            self.sample_rate,
            self.prosody
        )
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    fn ready(&self) -> Result<()> {
        if self.has_credentials {
            return Ok(());
        }
        Err(self.http.missing("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (an IAM user allowed polly:SynthesizeSpeech)"))
    }

    async fn synthesize(&self, ssml: &str, notes: &Notes) -> Result<Clip> {
        let text = match &self.prosody {
            Some(attributes) => wrap_children(ssml, "speak", attributes),
            None => ssml.to_string(),
        };
        let body = serde_json::to_vec(&serde_json::json!({
            "Engine": self.engine,
            "LanguageCode": self.language,
            "OutputFormat": self.output_format,
            "SampleRate": self.sample_rate.to_string(),
            "Text": text,
            "TextType": "ssml",
            "VoiceId": self.voice,
        }))
        .map_err(|e| self.http.error(e.to_string()))?;
        let (samples, rate) = self
            .http
            .send(
                notes,
                || self.signed(&body),
                json_error_message,
                |reply| audio(&reply, self.format),
            )
            .await?;
        Ok(clip_with_estimated_marks(samples, rate, ssml))
    }
}

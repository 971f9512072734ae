//! Microsoft Azure Speech over REST, `POST https://{region}.tts.speech.microsoft.com/cognitiveservices/v1`:
//! the SSML document as the body (`Content-Type: application/ssml+xml`, the voice named in
//! `<voice>`), the audio format in `X-Microsoft-OutputFormat`, the key in
//! `Ocp-Apim-Subscription-Key` (`AZURE_SPEECH_KEY`; region from the profile or
//! `AZURE_SPEECH_REGION`). The REST API does not report mark times: they are estimated by
//! character share.

use super::http::{audio, env_key, Failure, Http};
use super::response::BodyFormat;
use super::spoken::{prosody_attributes, wrap_children};
use super::{clip_with_estimated_marks, Clip, Engine, Notes};
use crate::error::{Error, Result};
use crate::settings::VoiceProfile;

const KEY_VARIABLE: &str = "AZURE_SPEECH_KEY";
const REGION_VARIABLE: &str = "AZURE_SPEECH_REGION";
const SSML_NAMESPACE: &str = "http://www.w3.org/2001/10/synthesis";
const RATES: [u32; 5] = [8_000, 16_000, 22_050, 24_000, 48_000];

/// Azure stops synthesising at 10 minutes and answers 200 with what it has
/// (`speech-services-quotas-and-limits.md`): audio that long was cut, never kept.
const LONGEST_AUDIO_S: f64 = 600.0;

/// A clip of `samples` at `rate` that reaches Azure's 10-minute cut is refused: the story
/// would end mid-sentence.
fn whole_under_the_cut(samples: usize, rate: u32) -> std::result::Result<(), Failure> {
    let seconds = samples as f64 / rate.max(1) as f64;
    if seconds >= LONGEST_AUDIO_S - 0.5 {
        return Err(Failure::Fatal(format!(
            "the audio stops at {seconds:.0} s, where Azure cuts every reply (10 minutes): this part of the story is too long for one request"
        )));
    }
    Ok(())
}

/// An Azure neural voice.
pub struct Azure {
    http: Http,
    url: String,
    key: Option<String>,
    output_format: String,
    format: BodyFormat,
    prosody: Option<String>,
    concurrency: usize,
}

impl Azure {
    pub fn new(profile: &VoiceProfile) -> Result<Azure> {
        let options = &profile.options;
        let key = env_key(&[KEY_VARIABLE]);
        let url = match (&options.base_url, options.region.clone().or_else(|| env_key(&[REGION_VARIABLE]))) {
            (Some(base), _) => format!("{base}/cognitiveservices/v1"),
            (None, Some(region)) => {
                format!("https://{region}.tts.speech.microsoft.com/cognitiveservices/v1")
            }
            (None, None) => {
                return Err(Error::config(
                    &profile.path,
                    format!("azure needs the Speech resource's region: set region = \"westeurope\" (for example) or {REGION_VARIABLE}"),
                ))
            }
        };
        let rate = options.sample_rate.unwrap_or(24_000);
        if !RATES.contains(&rate) {
            return Err(Error::config(
                &profile.path,
                format!("azure: sample_rate {rate} is not one of {RATES:?}"),
            ));
        }
        let khz = if rate == 22_050 {
            "22050hz".to_string()
        } else {
            format!("{}khz", rate / 1000)
        };
        let (format, output_format) = match options.format.as_deref().unwrap_or("wav") {
            "wav" => (BodyFormat::Wav, format!("riff-{khz}-16bit-mono-pcm")),
            "pcm" => (BodyFormat::Pcm(rate), format!("raw-{khz}-16bit-mono-pcm")),
            "mp3" => (
                BodyFormat::Mp3,
                "audio-24khz-96kbitrate-mono-mp3".to_string(),
            ),
            other => {
                return Err(Error::config(
                    &profile.path,
                    format!("azure: format {other:?} is not one of wav, pcm, mp3"),
                ))
            }
        };
        Ok(Azure {
            http: Http::new("azure", options, key.iter().cloned().collect())?,
            url,
            key,
            output_format,
            format,
            prosody: prosody_attributes(profile.rate, profile.pitch),
            concurrency: options.concurrency.unwrap_or(8),
        })
    }

    /// The document as Azure wants it: SSML 1.0 namespace and version on `<speak>`, the
    /// profile's rate and pitch inside `<voice>`.
    fn document(&self, ssml: &str) -> String {
        let mut doc = ssml.to_string();
        if !doc.contains("xmlns=") {
            doc = doc.replacen(
                "<speak",
                &format!("<speak version=\"1.0\" xmlns=\"{SSML_NAMESPACE}\""),
                1,
            );
        }
        match &self.prosody {
            Some(attributes) => wrap_children(&doc, "voice", attributes),
            None => doc,
        }
    }
}

pub fn readiness() -> std::result::Result<String, String> {
    match (env_key(&[KEY_VARIABLE]), env_key(&[REGION_VARIABLE])) {
        (Some(_), Some(region)) => Ok(format!("{KEY_VARIABLE} is set, region {region}")),
        (Some(_), None) => Ok(format!("{KEY_VARIABLE} is set (region from the profile)")),
        (None, _) => Err(format!("set {KEY_VARIABLE} and {REGION_VARIABLE}")),
    }
}

#[async_trait::async_trait]
impl Engine for Azure {
    fn name(&self) -> &str {
        "azure"
    }

    fn identity(&self) -> String {
        format!(
            "azure url={} format={} prosody={:?}",
            self.url, self.output_format, self.prosody
        )
    }

    fn concurrency(&self) -> usize {
        self.concurrency
    }

    fn ready(&self) -> Result<()> {
        self.http.require(self.key.as_deref(), KEY_VARIABLE)
    }

    async fn synthesize(&self, ssml: &str, notes: &Notes) -> Result<Clip> {
        let document = self.document(ssml);
        let (samples, rate) = self
            .http
            .send(
                notes,
                || {
                    Ok(self
                        .http
                        .client()
                        .post(&self.url)
                        .header(
                            "Ocp-Apim-Subscription-Key",
                            self.key.as_deref().unwrap_or_default(),
                        )
                        .header(reqwest::header::CONTENT_TYPE, "application/ssml+xml")
                        .header("X-Microsoft-OutputFormat", &self.output_format)
                        .body(document.clone()))
                },
                |body| {
                    let text = String::from_utf8_lossy(body).trim().to_string();
                    (!text.is_empty()).then(|| text.chars().take(300).collect())
                },
                |reply| {
                    let (samples, rate) = audio(&reply, self.format)?;
                    whole_under_the_cut(samples.len(), rate)?;
                    Ok((samples, rate))
                },
            )
            .await?;
        Ok(clip_with_estimated_marks(samples, rate, ssml))
    }
}

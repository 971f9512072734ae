//! Stand-ins for the cloud text-to-speech services, served over real HTTP on 127.0.0.1.
//!
//! Each checks a request the way the vendor documents it (path, method, headers, auth or
//! SigV4 signature, body shape, SSML) and answers with the bytes and the transfer the vendor
//! is documented to send (`../shared/VENDORS.md`, whose sources are cited beside each reply
//! below): audio in its format, or its error body. A [`Shape`] replays the other documented
//! replies of the services and of the self-hosted servers that copy them (placeholder WAV
//! sizes, chunks before `data`, odd chunk sizes, MP3 by default, a rate in the content type,
//! Azure's 10-minute cut). A list of faults (429 with Retry-After, 500, a stalled answer, a
//! body cut off mid-transfer, a refusal, a vendor's own error body) is played in order on the
//! first requests; a phrase can make every request containing it fail. Every request is
//! recorded for the tests to count.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::Response;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The services.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Service {
    OpenAi,
    ElevenLabs,
    Google,
    Azure,
    Polly,
}

/// What the server does with a request instead of answering normally.
#[derive(Debug, Clone)]
pub enum Fault {
    /// 429 with `Retry-After: seconds`.
    RateLimited(u64),
    /// 500 with the vendor's error body.
    ServerError,
    /// Answers only after this long.
    Stall(Duration),
    /// Sends the headers and half the audio, then drops the connection.
    Truncate,
    /// 200 with something that is not audio (a proxy's busy page; JSON without audio).
    NotAudio,
    /// An error status with this message in the vendor's error body.
    Reject(u16, String),
    /// An error status with exactly this body (a vendor's documented error JSON).
    Body(u16, &'static str),
    /// Polly's throttling: HTTP 400 with `x-amzn-ErrorType: ThrottlingException`
    /// (docs.aws.amazon.com/polly, CommonErrors).
    Throttled400,
}

/// How a successful answer is shaped.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// What the vendor documents (see `audio_reply`).
    Documented,
    /// A streamed WAV whose RIFF and data sizes are this placeholder: 0xFFFFFFFF (OpenAI,
    /// speaches), 0x7FFFFFFF (ElevenLabs `wav_*`), 0 (an Azure reply), or a size larger
    /// than the body.
    WavSizes(u32),
    /// A WAV from an ffmpeg pipe: LIST/INFO (ffmpeg's `wavenc.c` writes ISFT), JUNK and fact
    /// chunks before `data`, placeholder sizes (openedai-speech).
    ChunksBeforeData,
    /// The documented body, sent chunked in pieces of 1, 7, 13, 4093… bytes.
    OddChunks,
    /// MP3 whatever format was asked (`response_format` ignored: OpenAI's default is mp3).
    Mp3,
    /// Raw PCM at this rate announced as `audio/pcm;rate=N` (openedai-speech `speech.py`).
    PcmAnnounced(u32),
    /// 200 with audio of this many seconds whatever the text (Azure cuts at 10 minutes and
    /// answers 200, `speech-services-quotas-and-limits.md`).
    Seconds(u32),
}

/// A request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub at: Instant,
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The text or SSML the request asks to be spoken.
    pub spoken: String,
    /// Whether it got audio back.
    pub answered: bool,
    /// Why the server refused it as malformed, if it did.
    pub invalid: Option<String>,
}

pub const KEY: &str = "sk-test-0123456789abcdef-secret";
pub const AWS_ACCESS_KEY: &str = "AKIDEXAMPLETEST";
pub const AWS_SECRET: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";
pub const AWS_REGION: &str = "eu-west-3";

struct State {
    service: Service,
    shape: Mutex<Shape>,
    faults: Mutex<Vec<Fault>>,
    failing_phrase: Mutex<Option<(String, Fault)>>,
    requests: Mutex<Vec<Recorded>>,
    /// Milliseconds every answer takes (for the concurrency benchmark).
    latency_ms: u64,
}

/// A running stand-in.
#[derive(Clone)]
pub struct Vendor {
    state: Arc<State>,
    pub base_url: String,
}

impl Vendor {
    /// Starts a server for `service` on a free port of 127.0.0.1.
    pub async fn start(service: Service, faults: Vec<Fault>) -> Vendor {
        Vendor::start_with_latency(service, faults, 0).await
    }

    pub async fn start_with_latency(
        service: Service,
        faults: Vec<Fault>,
        latency_ms: u64,
    ) -> Vendor {
        let state = Arc::new(State {
            service,
            shape: Mutex::new(Shape::Documented),
            faults: Mutex::new(faults.into_iter().rev().collect()),
            failing_phrase: Mutex::new(None),
            requests: Mutex::new(Vec::new()),
            latency_ms,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        let base_url = match service {
            Service::OpenAi => format!("http://{addr}/v1"),
            _ => format!("http://{addr}"),
        };
        Vendor { state, base_url }
    }

    /// Every request containing `phrase` gets `fault` (until [`Vendor::heal`]).
    pub fn fail_when(&self, phrase: &str, fault: Fault) {
        *self.state.failing_phrase.lock().unwrap() = Some((phrase.to_string(), fault));
    }

    /// Every later successful answer takes `shape`.
    pub fn answer_as(&self, shape: Shape) {
        *self.state.shape.lock().unwrap() = shape;
    }

    pub fn heal(&self) {
        *self.state.failing_phrase.lock().unwrap() = None;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    pub fn clear(&self) {
        self.state.requests.lock().unwrap().clear();
    }
}

async fn handle(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    request: axum::extract::Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 16 << 20)
        .await
        .unwrap_or_default();
    let mut recorded = Recorded {
        at: Instant::now(),
        method: parts.method.clone(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or("").to_string(),
        headers: parts.headers.clone(),
        body: body.to_vec(),
        spoken: String::new(),
        answered: false,
        invalid: None,
    };
    let checked = check(state.service, &mut recorded);
    let fault = match &checked {
        Err(_) => None,
        Ok(()) => {
            let phrase = state.failing_phrase.lock().unwrap().clone();
            match phrase {
                Some((p, fault)) if recorded.spoken.contains(&p) => Some(fault),
                _ => state.faults.lock().unwrap().pop(),
            }
        }
    };
    if let Err((_, message)) = &checked {
        recorded.invalid = Some(message.clone());
    }
    let answered = checked.is_ok() && fault.is_none();
    // Recorded on arrival: a request whose client gave up is still counted.
    let index = {
        let mut requests = state.requests.lock().unwrap();
        requests.push(recorded.clone());
        requests.len() - 1
    };
    if state.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(state.latency_ms)).await;
    }
    let shape = *state.shape.lock().unwrap();
    let audio_reply = |service: Service, r: &Recorded| audio_reply(service, r, shape);
    let response = match (checked, fault) {
        (Err((status, message)), _) => error_reply(state.service, status, &message),
        (Ok(()), Some(Fault::RateLimited(seconds))) => {
            let mut r = error_reply(state.service, 429, "Too many requests, slow down");
            r.headers_mut()
                .insert("retry-after", seconds.to_string().parse().unwrap());
            r
        }
        (Ok(()), Some(Fault::ServerError)) => {
            error_reply(state.service, 500, "Internal error, please retry")
        }
        (Ok(()), Some(Fault::Reject(status, message))) => {
            error_reply(state.service, status, &message)
        }
        (Ok(()), Some(Fault::Stall(wait))) => {
            tokio::time::sleep(wait).await;
            audio_reply(state.service, &recorded)
        }
        (Ok(()), Some(Fault::NotAudio)) => not_audio(state.service),
        (Ok(()), Some(Fault::Body(status, body))) => Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Body::from(body))
            .unwrap(),
        (Ok(()), Some(Fault::Throttled400)) => {
            let mut r = error_reply(state.service, 400, "Rate exceeded");
            r.headers_mut().insert(
                "x-amzn-ErrorType",
                "ThrottlingException:http://internal.amazon.com/coral/com.amazonaws.services.polly/"
                    .parse()
                    .unwrap(),
            );
            r
        }
        (Ok(()), Some(Fault::Truncate)) => truncated(audio_reply(state.service, &recorded)).await,
        (Ok(()), None) => audio_reply(state.service, &recorded),
    };
    if answered {
        state.requests.lock().unwrap()[index].answered = true;
    }
    response
}

type Refusal = (u16, String);

/// Checks a request as the vendor documents it; fills `spoken`.
fn check(service: Service, r: &mut Recorded) -> Result<(), Refusal> {
    if r.method != Method::POST {
        return Err((405, format!("method {} not allowed", r.method)));
    }
    let header = |name: &str| {
        r.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    match service {
        Service::OpenAi => {
            expect(r.path == "/v1/audio/speech", 404, "unknown path")?;
            expect(
                header("authorization") == format!("Bearer {KEY}"),
                401,
                "Incorrect API key provided",
            )?;
            expect(
                header("content-type").starts_with("application/json"),
                400,
                "expected JSON",
            )?;
            let body = json(&r.body)?;
            for field in ["model", "input", "voice", "response_format"] {
                expect(
                    body[field].is_string(),
                    400,
                    &format!("'{field}' is a required string"),
                )?;
            }
            let speed = body["speed"].as_f64().unwrap_or(1.0);
            expect(
                (0.25..=4.0).contains(&speed),
                400,
                "speed must be between 0.25 and 4.0",
            )?;
            expect(
                ["mp3", "opus", "aac", "flac", "wav", "pcm"]
                    .contains(&body["response_format"].as_str().unwrap_or("")),
                400,
                "response_format must be one of mp3, opus, aac, flac, wav, pcm",
            )?;
            r.spoken = body["input"].as_str().unwrap_or("").to_string();
            expect(
                r.spoken.chars().count() <= 4096,
                400,
                "input is longer than 4096 characters",
            )?;
            expect(!r.spoken.contains('<'), 400, "markup would be read aloud")?;
        }
        Service::ElevenLabs => {
            expect(
                r.path == "/v1/text-to-speech/JBFqnCBsd6RMkjVDRZzb",
                404,
                "voice not found",
            )?;
            expect(
                output_format(&r.query).is_some(),
                422,
                "output_format is not one of the documented formats",
            )?;
            expect(header("xi-api-key") == KEY, 401, "Invalid API key")?;
            let body = json(&r.body)?;
            expect(body["text"].is_string(), 400, "field required: text")?;
            expect(
                body["model_id"].is_string(),
                400,
                "model_id must be a string",
            )?;
            r.spoken = body["text"].as_str().unwrap_or("").to_string();
            expect(!r.spoken.contains('<'), 400, "markup would be read aloud")?;
        }
        Service::Google => {
            expect(r.path == "/v1beta1/text:synthesize", 404, "unknown method")?;
            let authorised = header("x-goog-api-key") == KEY
                || (header("authorization") == format!("Bearer {KEY}")
                    && !header("x-goog-user-project").is_empty());
            expect(
                authorised,
                403,
                "API key not valid. Please pass a valid API key.",
            )?;
            let body = json(&r.body)?;
            let ssml = body["input"]["ssml"].as_str().unwrap_or("");
            expect(
                ssml.len() <= 5000,
                400,
                "input.ssml is longer than 5000 bytes",
            )?;
            well_formed_speak(ssml)?;
            expect(
                body["voice"]["languageCode"] == "en-US",
                400,
                "voice.languageCode is required",
            )?;
            expect(
                body["voice"]["name"] == "en-US-Neural2-C",
                400,
                "voice.name",
            )?;
            expect(
                body["audioConfig"]["audioEncoding"] == "LINEAR16",
                400,
                "audioConfig.audioEncoding",
            )?;
            expect(
                body["audioConfig"]["sampleRateHertz"] == 24000,
                400,
                "audioConfig.sampleRateHertz",
            )?;
            expect(
                body["enableTimePointing"][0] == "SSML_MARK",
                400,
                "enableTimePointing",
            )?;
            r.spoken = ssml.to_string();
        }
        Service::Azure => {
            expect(r.path == "/cognitiveservices/v1", 404, "")?;
            expect(header("ocp-apim-subscription-key") == KEY, 401, "")?;
            expect(header("content-type") == "application/ssml+xml", 415, "")?;
            expect(
                header("x-microsoft-outputformat") == "riff-24khz-16bit-mono-pcm",
                400,
                "unsupported output format",
            )?;
            expect(
                !header("user-agent").is_empty(),
                400,
                "User-Agent is required",
            )?;
            let ssml = String::from_utf8(r.body.clone()).map_err(|_| (400, String::new()))?;
            well_formed_speak(&ssml)?;
            expect(
                ssml.contains("version=\"1.0\"")
                    && ssml.contains("xmlns=\"http://www.w3.org/2001/10/synthesis\""),
                400,
                "",
            )?;
            expect(
                ssml.contains("<voice name=\"en-US-AvaMultilingualNeural\">"),
                400,
                "",
            )?;
            r.spoken = ssml;
        }
        Service::Polly => {
            expect(r.path == "/v1/speech", 404, "Unknown operation")?;
            verify_sigv4(r)?;
            let body = json(&r.body)?;
            expect(body["OutputFormat"] == "pcm", 400, "OutputFormat")?;
            expect(
                body["SampleRate"] == "16000",
                400,
                "SampleRate must be a string: 8000 or 16000",
            )?;
            expect(body["TextType"] == "ssml", 400, "TextType")?;
            expect(body["VoiceId"] == "Joanna", 400, "VoiceId")?;
            expect(body["Engine"] == "neural", 400, "Engine")?;
            let text = body["Text"].as_str().unwrap_or("");
            expect(
                text.chars().count() <= 6000,
                400,
                "TextLengthExceededException",
            )?;
            well_formed_speak(text)?;
            r.spoken = text.to_string();
        }
    }
    Ok(())
}

fn expect(condition: bool, status: u16, message: &str) -> Result<(), Refusal> {
    if condition {
        Ok(())
    } else {
        Err((status, message.to_string()))
    }
}

fn json(body: &[u8]) -> Result<serde_json::Value, Refusal> {
    serde_json::from_slice(body).map_err(|e| (400, format!("invalid JSON: {e}")))
}

/// A complete `<speak>` document that an XML parser reads to the end.
fn well_formed_speak(ssml: &str) -> Result<(), Refusal> {
    expect(
        ssml.trim_start().starts_with("<speak"),
        400,
        "SSML must start with <speak>",
    )?;
    let mut reader = quick_xml::Reader::from_str(ssml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => return Err((400, format!("Invalid SSML: {e}"))),
        }
    }
}

/// Recomputes the AWS Signature Version 4 of a request from what arrived, independently of
/// the signer the engine uses, as AWS documents it.
fn verify_sigv4(r: &Recorded) -> Result<(), Refusal> {
    let deny = |m: &str| (403, m.to_string());
    let header = |name: &str| {
        r.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let authorization = header("authorization");
    let rest = authorization
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or_else(|| deny("Missing Authentication Token"))?;
    let field = |name: &str| {
        rest.split(", ")
            .find_map(|p| p.strip_prefix(&format!("{name}=")))
            .unwrap_or("")
            .to_string()
    };
    let credential = field("Credential");
    let signed_headers = field("SignedHeaders");
    let signature = field("Signature");
    let scope: Vec<&str> = credential.split('/').collect();
    if scope.len() != 5 || scope[0] != AWS_ACCESS_KEY {
        return Err(deny(
            "The security token included in the request is invalid.",
        ));
    }
    if scope[2] != AWS_REGION || scope[3] != "polly" || scope[4] != "aws4_request" {
        return Err(deny(
            "Credential should be scoped to a valid region and service.",
        ));
    }
    let amz_date = header("x-amz-date");
    if !amz_date.starts_with(scope[1]) {
        return Err(deny("Date in Credential scope does not match X-Amz-Date"));
    }
    for required in ["host", "x-amz-date", "content-type"] {
        if !signed_headers.split(';').any(|h| h == required) {
            return Err(deny(&format!("{required} is not signed")));
        }
    }
    let canonical_headers: String = signed_headers
        .split(';')
        .map(|h| format!("{h}:{}\n", header(h).trim()))
        .collect();
    let canonical_request = format!(
        "POST\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        r.path,
        r.query,
        hex::encode(Sha256::digest(&r.body))
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{}/{}/polly/aws4_request\n{}",
        scope[1],
        scope[2],
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let hmac = |key: &[u8], data: &str| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(data.as_bytes());
        mac.finalize().into_bytes().to_vec()
    };
    let key = hmac(format!("AWS4{AWS_SECRET}").as_bytes(), scope[1]);
    let key = hmac(&key, scope[2]);
    let key = hmac(&key, "polly");
    let key = hmac(&key, "aws4_request");
    if hex::encode(hmac(&key, &string_to_sign)) != signature {
        return Err(deny(
            "The request signature we calculated does not match the signature you provided.",
        ));
    }
    Ok(())
}

/// Speech-like audio for a text: 30 ms per spoken character of a voiced, syllable-rate
/// modulated tone, 16-bit mono.
pub fn speech_like(text: &str, rate: u32) -> Vec<i16> {
    let chars = strip_tags(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .count()
        .max(1);
    let n = (chars as u64 * rate as u64 * 30 / 1000) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate as f64;
            let syllables = (0.5 - 0.5 * (2.0 * std::f64::consts::PI * 4.0 * t).cos()).powi(2);
            let voice = (2.0 * std::f64::consts::PI * 140.0 * t).sin()
                + 0.5 * (2.0 * std::f64::consts::PI * 280.0 * t).sin()
                + 0.25 * (2.0 * std::f64::consts::PI * 560.0 * t).sin();
            (voice * syllables * 9000.0) as i16
        })
        .collect()
}

fn strip_tags(text: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in text.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            _ if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// A WAV file with exact sizes.
pub fn wav_bytes(samples: &[i16], rate: u32) -> Vec<u8> {
    let data = (samples.len() * 2) as u32;
    let mut out = wav_header(rate, 36 + data, data, &[]);
    out.extend(pcm_bytes(samples));
    out
}

fn pcm_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// `output_format` of an ElevenLabs query: `pcm_<rate>`, `wav_<rate>` or `mp3_<rate>_<kbps>`
/// with a documented rate (elevenlabs-python's output format type); mp3 is the default.
fn output_format(query: &str) -> Option<(&'static str, u32)> {
    let value = query
        .split('&')
        .find_map(|p| p.strip_prefix("output_format="))
        .unwrap_or("mp3_44100_128");
    let (kind, rest) = value.split_once('_')?;
    let rate: u32 = rest.split('_').next()?.parse().ok()?;
    let rates = [8_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];
    let kind = match kind {
        "pcm" => "pcm",
        "wav" => "wav",
        "mp3" => "mp3",
        _ => return None,
    };
    rates.contains(&rate).then_some((kind, rate))
}

/// A WAV header of 16-bit mono PCM with these RIFF and data sizes, and `extra` chunks
/// between `fmt ` and `data`.
fn wav_header(rate: u32, riff_size: u32, data_size: u32, extra: &[u8]) -> Vec<u8> {
    let mut out = b"RIFF".to_vec();
    out.extend(riff_size.to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(rate.to_le_bytes());
    out.extend((rate * 2).to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(16u16.to_le_bytes());
    out.extend(extra);
    out.extend(b"data");
    out.extend(data_size.to_le_bytes());
    out
}

/// A streamed WAV: both sizes set to `placeholder`.
fn streamed_wav(samples: &[i16], rate: u32, placeholder: u32) -> Vec<u8> {
    let mut out = wav_header(rate, placeholder, placeholder, &[]);
    out.extend(pcm_bytes(samples));
    out
}

/// What an ffmpeg pipe writes (`libavformat/wavenc.c`): an INFO list naming the encoder,
/// then a JUNK pad and a fact chunk, sizes left as placeholders since the pipe cannot seek.
fn ffmpeg_wav(samples: &[i16], rate: u32) -> Vec<u8> {
    let mut extra = b"LIST".to_vec();
    let software = b"Lavf60.16.100\0";
    extra.extend((4 + 8 + software.len() as u32).to_le_bytes());
    extra.extend(b"INFOISFT");
    extra.extend((software.len() as u32).to_le_bytes());
    extra.extend(software);
    extra.extend(b"JUNK");
    extra.extend(28u32.to_le_bytes());
    extra.extend([0u8; 28]);
    extra.extend(b"fact");
    extra.extend(4u32.to_le_bytes());
    extra.extend((samples.len() as u32).to_le_bytes());
    let mut out = wav_header(rate, u32::MAX, u32::MAX, &extra);
    out.extend(pcm_bytes(samples));
    out
}

/// An MP3 (LAME, 64 kbps mono) of the samples.
fn mp3_bytes(samples: &[i16], rate: u32) -> Vec<u8> {
    use mp3lame_encoder::{Bitrate, Builder, FlushNoGap, MonoPcm};
    let mut builder = Builder::new().unwrap();
    builder.set_num_channels(1).unwrap();
    builder.set_sample_rate(rate).unwrap();
    builder.set_brate(Bitrate::Kbps64).unwrap();
    let mut encoder = builder.build().unwrap();
    let mut out = Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(samples.len()));
    encoder.encode_to_vec(MonoPcm(samples), &mut out).unwrap();
    out.reserve(7200);
    encoder.flush_to_vec::<FlushNoGap>(&mut out).unwrap();
    out
}

/// A 200 with `body`, with a Content-Length, or chunked in pieces of `chunks` bytes
/// (cycled) as streaming services send it.
fn transfer(content_type: &str, body: Vec<u8>, chunks: Option<&[usize]>) -> Response {
    let builder = Response::builder()
        .status(200)
        .header("content-type", content_type);
    let Some(sizes) = chunks else {
        return builder
            .header("content-length", body.len())
            .body(Body::from(body))
            .unwrap();
    };
    let mut pieces = Vec::new();
    let mut at = 0;
    for size in sizes.iter().cycle() {
        if at >= body.len() {
            break;
        }
        let end = (at + size).min(body.len());
        pieces.push(Ok::<Bytes, std::io::Error>(Bytes::copy_from_slice(
            &body[at..end],
        )));
        at = end;
    }
    builder
        .body(Body::from_stream(futures_util::stream::iter(pieces)))
        .unwrap()
}

/// Chunk sizes of a streaming service's reply.
const STREAMED: &[usize] = &[4096];
/// Chunk sizes that test a client's reassembly: a one-byte first chunk, then odd sizes.
const ODD: &[usize] = &[1, 7, 13, 4093, 3, 65_521];

/// The vendor's successful answer, shaped as `shape` says.
fn audio_reply(service: Service, r: &Recorded, shape: Shape) -> Response {
    let rate = match service {
        Service::Polly => 16_000,
        Service::ElevenLabs => output_format(&r.query).map_or(22_050, |f| f.1),
        _ => 24_000,
    };
    let samples = match shape {
        Shape::Seconds(seconds) => speech_like_seconds(seconds, rate),
        _ => speech_like(&r.spoken, rate),
    };
    let (content_type, body, chunks) = match shape {
        Shape::WavSizes(size) => (
            "audio/wav".to_string(),
            streamed_wav(&samples, rate, size),
            Some(STREAMED),
        ),
        Shape::ChunksBeforeData => (
            "audio/wav".to_string(),
            ffmpeg_wav(&samples, rate),
            Some(STREAMED),
        ),
        Shape::Mp3 => (
            "audio/mpeg".to_string(),
            mp3_bytes(&samples, rate),
            Some(STREAMED),
        ),
        Shape::PcmAnnounced(announced) => (
            format!("audio/pcm;rate={announced}"),
            pcm_bytes(&speech_like(&r.spoken, announced)),
            Some(STREAMED),
        ),
        Shape::Documented | Shape::OddChunks | Shape::Seconds(_) => {
            let (content_type, body, chunks) = documented(service, r, &samples, rate);
            (content_type.to_string(), body, chunks)
        }
    };
    let chunks = match shape {
        Shape::OddChunks => Some(ODD),
        _ => chunks,
    };
    if service == Service::Google
        && matches!(
            shape,
            Shape::WavSizes(_) | Shape::ChunksBeforeData | Shape::Mp3 | Shape::PcmAnnounced(_)
        )
    {
        // Google sends audio inside JSON: the shape applies to the audioContent.
        return transfer(
            "application/json",
            google_json(&r.spoken, &body, samples.len(), rate),
            None,
        );
    }
    transfer(&content_type, body, chunks)
}

/// What each vendor documents sending for the formats the engines ask for.
fn documented(
    service: Service,
    r: &Recorded,
    samples: &[i16],
    rate: u32,
) -> (&'static str, Vec<u8>, Option<&'static [usize]>) {
    match service {
        // `wav` streamed chunked with RIFF and data sizes 0xFFFFFFFF (speaches-ai/speaches#493,
        // a hexdump of the real API); `pcm` raw 24 kHz s16le (OpenAI TTS guide).
        Service::OpenAi => match json(&r.body)
            .ok()
            .and_then(|b| b["response_format"].as_str().map(str::to_string))
            .as_deref()
        {
            Some("pcm") => ("audio/pcm", pcm_bytes(samples), Some(STREAMED)),
            Some("mp3") => ("audio/mpeg", mp3_bytes(samples, rate), Some(STREAMED)),
            _ => (
                "audio/wav",
                streamed_wav(samples, rate, u32::MAX),
                Some(STREAMED),
            ),
        },
        // `pcm_*` raw s16le; `wav_*` streamed with sizes 0x7FFFFFFF, never patched
        // (pollinations/pollinations PR #11457); mp3 by default.
        Service::ElevenLabs => match output_format(&r.query) {
            Some(("pcm", _)) => ("audio/pcm", pcm_bytes(samples), Some(STREAMED)),
            Some(("wav", _)) => (
                "audio/wav",
                streamed_wav(samples, rate, 0x7FFF_FFFF),
                Some(STREAMED),
            ),
            _ => ("audio/mpeg", mp3_bytes(samples, rate), Some(STREAMED)),
        },
        // `riff-*`: a RIFF header; one observed reply had RIFF size 0 and a real data size
        // (microsoft/cognitive-services-speech-sdk-js#513).
        Service::Azure => {
            let mut body = wav_header(rate, 0, (samples.len() * 2) as u32, &[]);
            body.extend(pcm_bytes(samples));
            ("audio/x-wav", body, Some(STREAMED))
        }
        // The audio stream itself, `audio/pcm` s16le at 16 kHz (botocore polly service-2.json).
        Service::Polly => ("audio/pcm", pcm_bytes(samples), Some(STREAMED)),
        // JSON with base64 LINEAR16 audio, which includes a WAV header (cloud_tts.proto).
        Service::Google => (
            "application/json",
            google_json(&r.spoken, &wav_bytes(samples, rate), samples.len(), rate),
            None,
        ),
    }
}

/// Google's reply: `audioContent` in base64, `timepoints` for the marks, `audioConfig`.
fn google_json(ssml: &str, audio: &[u8], samples: usize, rate: u32) -> Vec<u8> {
    let seconds = samples as f64 / rate as f64;
    let marks = mark_names(ssml);
    let timepoints: Vec<serde_json::Value> = marks
        .iter()
        .enumerate()
        .map(|(i, name)| {
            serde_json::json!({
                "markName": name,
                "timeSeconds": seconds * i as f64 / marks.len() as f64,
            })
        })
        .collect();
    let json = serde_json::json!({
        "audioContent": base64::engine::general_purpose::STANDARD.encode(audio),
        "timepoints": timepoints,
        "audioConfig": { "audioEncoding": "LINEAR16", "sampleRateHertz": rate },
    });
    serde_json::to_vec(&json).unwrap()
}

/// `seconds` of speech-like audio.
fn speech_like_seconds(seconds: u32, rate: u32) -> Vec<i16> {
    let chars = (seconds as u64 * 1000 / 30) as usize;
    speech_like(&"a".repeat(chars), rate)
}

fn mark_names(ssml: &str) -> Vec<String> {
    ssml.split("<mark name=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next().map(str::to_string))
        .collect()
}

/// A 200 whose body is not audio: an HTML page, or for Google JSON without `audioContent`.
fn not_audio(service: Service) -> Response {
    let (content_type, body) = match service {
        Service::Google => ("application/json", r#"{"timepoints": []}"#),
        _ => ("audio/wav", "<html><body>Service busy</body></html>"),
    };
    Response::builder()
        .status(200)
        .header("content-type", content_type)
        .body(Body::from(body))
        .unwrap()
}

/// The vendor's error answer.
fn error_reply(service: Service, status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    let (content_type, body, extra) = match service {
        Service::OpenAi => (
            "application/json",
            serde_json::json!({"error": {"message": message, "type": "invalid_request_error", "param": null, "code": null}}).to_string(),
            None,
        ),
        Service::ElevenLabs => (
            "application/json",
            serde_json::json!({"detail": {"status": "error", "message": message}}).to_string(),
            None,
        ),
        Service::Google => (
            "application/json",
            serde_json::json!({"error": {"code": status.as_u16(), "message": message, "status": google_status(status)}}).to_string(),
            None,
        ),
        // Azure answers errors with an empty body, or a short text.
        Service::Azure => ("text/plain", message.to_string(), None),
        Service::Polly => (
            "application/json",
            serde_json::json!({"message": message}).to_string(),
            Some(if status.as_u16() == 429 { "ThrottlingException" } else if status.as_u16() >= 500 { "ServiceFailureException" } else { "InvalidSsmlException" }),
        ),
    };
    let mut builder = Response::builder()
        .status(status)
        .header("content-type", content_type);
    if let Some(kind) = extra {
        builder = builder.header("x-amzn-ErrorType", format!("{kind}:"));
    }
    builder.body(Body::from(body)).unwrap()
}

fn google_status(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        403 => "PERMISSION_DENIED",
        429 => "RESOURCE_EXHAUSTED",
        500 => "INTERNAL",
        503 => "UNAVAILABLE",
        _ => "UNKNOWN",
    }
}

/// The same answer, but the connection drops after half of the body.
async fn truncated(response: Response) -> Response {
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20).await.unwrap();
    let half = Bytes::copy_from_slice(&bytes[..bytes.len() / 2]);
    // The first half goes out with the headers; a moment later the connection breaks.
    let chunks = vec![
        Ok::<Bytes, std::io::Error>(half),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "cut",
        )),
    ];
    let stream = futures_util::StreamExt::then(futures_util::stream::iter(chunks), |chunk| async {
        if chunk.is_err() {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        chunk
    });
    Response::from_parts(parts, Body::from_stream(stream))
}

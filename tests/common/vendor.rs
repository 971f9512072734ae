//! Stand-ins for the cloud text-to-speech services, served over real HTTP on 127.0.0.1.
//!
//! Each checks a request the way the vendor documents it (path, method, headers, auth or
//! SigV4 signature, body shape, SSML) and answers like the vendor: audio in its format, or
//! its error body. A list of faults (429 with Retry-After, 500, a stalled answer, a body cut
//! off mid-transfer, a refusal) is played in order on the first requests; a phrase can make
//! every request containing it fail. Every request is recorded for the tests to count.
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
                body["response_format"] == "wav",
                400,
                "this test server answers wav",
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
                r.query == "output_format=pcm_22050",
                400,
                "unexpected output_format",
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

pub fn wav_bytes(samples: &[i16], rate: u32) -> Vec<u8> {
    let data: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut out = b"RIFF".to_vec();
    out.extend((36 + data.len() as u32).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(rate.to_le_bytes());
    out.extend((rate * 2).to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(16u16.to_le_bytes());
    out.extend(b"data");
    out.extend((data.len() as u32).to_le_bytes());
    out.extend(data);
    out
}

fn pcm_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

/// The vendor's successful answer.
fn audio_reply(service: Service, r: &Recorded) -> Response {
    let (content_type, body) = match service {
        Service::OpenAi => (
            "audio/wav",
            wav_bytes(&speech_like(&r.spoken, 24_000), 24_000),
        ),
        Service::ElevenLabs => ("audio/pcm", pcm_bytes(&speech_like(&r.spoken, 22_050))),
        Service::Azure => (
            "audio/x-wav",
            wav_bytes(&speech_like(&r.spoken, 24_000), 24_000),
        ),
        Service::Polly => ("audio/pcm", pcm_bytes(&speech_like(&r.spoken, 16_000))),
        Service::Google => {
            let samples = speech_like(&r.spoken, 24_000);
            let seconds = samples.len() as f64 / 24_000.0;
            let marks = mark_names(&r.spoken);
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
                "audioContent": base64::engine::general_purpose::STANDARD.encode(wav_bytes(&samples, 24_000)),
                "timepoints": timepoints,
                "audioConfig": { "audioEncoding": "LINEAR16", "sampleRateHertz": 24000 },
            });
            ("application/json", serde_json::to_vec(&json).unwrap())
        }
    };
    Response::builder()
        .status(200)
        .header("content-type", content_type)
        .header("content-length", body.len())
        .body(Body::from(body))
        .unwrap()
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

//! What every cloud engine shares: one reqwest client, a timeout per request, retries with
//! exponential backoff and jitter on 429, 5xx, timeouts, connection errors and incomplete
//! audio (honouring `Retry-After`), and error messages with every secret redacted.
//!
//! An engine builds its request (again for each try, so that signatures stay fresh) and
//! turns a successful reply into a clip; this file decides what to retry and for how long.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::StatusCode;

use super::response::{decode_reply, BodyFormat};
use super::Notes;
use crate::error::{Error, Result};
use crate::settings::EngineOptions;

/// Defaults of [`EngineOptions`] for HTTP engines.
const DEFAULT_TIMEOUT_S: f64 = 60.0;
const DEFAULT_RETRIES: u32 = 4;
/// First backoff delay and its ceiling.
const BACKOFF_BASE: Duration = Duration::from_millis(500);
const BACKOFF_CAP: Duration = Duration::from_secs(30);
/// A `Retry-After` longer than this fails the request instead of stalling the build.
const LONGEST_WAIT: Duration = Duration::from_secs(300);

/// A successful reply, read to the end of its transfer (Content-Length reached, or the
/// last chunk of a chunked body received: anything short of that is a transport error).
pub struct Reply {
    pub body: Vec<u8>,
    /// The `Content-Type` header, which may carry the rate of raw PCM (`audio/pcm;rate=22050`).
    pub content_type: Option<String>,
}

/// Why a try failed, and whether another try may succeed.
#[derive(Debug)]
pub enum Failure {
    /// Worth trying again, after `after` if the service said so.
    Transient {
        reason: String,
        after: Option<Duration>,
    },
    /// Trying again cannot help (bad key, bad SSML, unknown voice).
    Fatal(String),
}

impl Failure {
    /// A failure worth another try as soon as the backoff allows.
    pub fn retry(reason: String) -> Failure {
        Failure::Transient {
            reason,
            after: None,
        }
    }
}

/// The samples of a successful reply, or a failure worth another try when the body is not
/// complete audio of the format asked for (a cut transfer, an error page sent with 200).
pub fn audio(reply: &Reply, format: BodyFormat) -> Result<(Vec<i16>, u32), Failure> {
    decode_reply(&reply.body, format, reply.content_type.as_deref()).map_err(Failure::retry)
}

/// A client for one engine.
pub struct Http {
    engine: &'static str,
    client: reqwest::Client,
    retries: u32,
    /// Keys and tokens, blanked out of every message.
    secrets: Vec<String>,
}

impl Http {
    /// A client with the profile's timeout and retry count.
    pub fn new(
        engine: &'static str,
        options: &EngineOptions,
        secrets: Vec<String>,
    ) -> Result<Http> {
        let timeout = options.timeout_s.unwrap_or(DEFAULT_TIMEOUT_S);
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs_f64(timeout))
            .connect_timeout(Duration::from_secs_f64(timeout.min(10.0)))
            .user_agent(concat!("audition/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Engine {
                engine: engine.to_string(),
                message: format!("cannot make an HTTP client: {e}"),
            })?;
        Ok(Http {
            engine,
            client,
            retries: options.retries.unwrap_or(DEFAULT_RETRIES),
            secrets: secrets.into_iter().filter(|s| !s.is_empty()).collect(),
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// `Ok` when `key` is set, else the error naming what to set.
    pub fn require(&self, key: Option<&str>, what: &str) -> Result<()> {
        match key {
            Some(_) => Ok(()),
            None => Err(self.missing(what)),
        }
    }

    /// The error for a missing key or token: `what` says which variable to set.
    pub fn missing(&self, what: &str) -> Error {
        Error::Engine {
            engine: self.engine.to_string(),
            message: format!(
                "{what} is not set; export it (keys are read from the environment only)"
            ),
        }
    }

    /// Sends the request `build` makes until `accept` takes a reply, retrying transient
    /// failures; `explain` turns an error reply's body into the vendor's message.
    pub async fn send<T>(
        &self,
        notes: &Notes,
        build: impl Fn() -> Result<reqwest::RequestBuilder>,
        explain: impl Fn(&[u8]) -> Option<String>,
        accept: impl Fn(Reply) -> Result<T, Failure>,
    ) -> Result<T> {
        let mut attempt = 0;
        loop {
            let failure = match self.try_once(build()?, &explain).await {
                Ok(reply) => match accept(reply) {
                    Ok(value) => return Ok(value),
                    Err(failure) => failure,
                },
                Err(failure) => failure,
            };
            match failure {
                Failure::Fatal(reason) => return Err(self.error(reason)),
                Failure::Transient { reason, after } => {
                    if attempt >= self.retries {
                        let tries = attempt + 1;
                        return Err(self.error(format!(
                            "{reason} (gave up after {tries} tr{})",
                            if tries == 1 { "y" } else { "ies" }
                        )));
                    }
                    let wait = match after {
                        Some(wait) if wait > LONGEST_WAIT => {
                            return Err(self.error(format!(
                                "{reason}; the service asks to wait {} s before trying again",
                                wait.as_secs()
                            )))
                        }
                        Some(wait) => wait,
                        None => backoff(attempt),
                    };
                    notes.say(&self.redact(&format!(
                        "{}: {reason}; trying again in {:.1} s (try {} of {})",
                        self.engine,
                        wait.as_secs_f64(),
                        attempt + 2,
                        self.retries + 1
                    )));
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
            }
        }
    }

    async fn try_once(
        &self,
        request: reqwest::RequestBuilder,
        explain: &impl Fn(&[u8]) -> Option<String>,
    ) -> Result<Reply, Failure> {
        let response = request.send().await.map_err(|e| self.transport(e))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.bytes().await;
        if status.is_success() {
            let body = body.map_err(|e| {
                let reason = if e.is_timeout() {
                    "incomplete audio: the transfer stalled past the timeout".to_string()
                } else {
                    format!("incomplete audio: {}", chain(&e.without_url()))
                };
                Failure::retry(self.redact(&reason))
            })?;
            return Ok(Reply {
                body: body.to_vec(),
                content_type: headers
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string),
            });
        }
        let detail = body
            .ok()
            .and_then(|b| explain(&b))
            .map(|m| format!(": {}", self.redact(&m)))
            .unwrap_or_default();
        let reason = format!("HTTP {}{detail}", status.as_u16());
        Err(if retryable(status, &headers) {
            Failure::Transient {
                reason,
                after: retry_after(&headers),
            }
        } else {
            Failure::Fatal(reason)
        })
    }

    fn transport(&self, e: reqwest::Error) -> Failure {
        let e = e.without_url();
        let reason = if e.is_timeout() {
            "no answer within the timeout".to_string()
        } else if e.is_connect() {
            format!("cannot connect: {}", chain(&e))
        } else {
            format!(
                "connection lost before the reply was complete: {}",
                chain(&e)
            )
        };
        Failure::Transient {
            reason: self.redact(&reason),
            after: None,
        }
    }

    /// An engine error naming this engine, with secrets removed.
    pub fn error(&self, message: String) -> Error {
        Error::Engine {
            engine: self.engine.to_string(),
            message: self.redact(&message),
        }
    }

    /// `message` with every secret replaced.
    pub fn redact(&self, message: &str) -> String {
        self.secrets.iter().fold(message.to_string(), |m, s| {
            m.replace(s.as_str(), "[redacted]")
        })
    }
}

/// 408, 429 and 5xx are worth another try; other errors are the request's fault.
/// AWS services (Polly) may also signal throttling with a 400 whose `x-amzn-ErrorType` says so.
fn retryable(status: StatusCode, headers: &HeaderMap) -> bool {
    let throttled = headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|kind| {
            kind.starts_with("ThrottlingException") || kind.starts_with("Throttling:")
        });
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
        || throttled
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = date.timestamp() - chrono::Utc::now().timestamp();
    Some(Duration::from_secs(wait.max(0) as u64))
}

/// Exponential backoff with jitter: between half and all of `base · 2^attempt`, capped.
fn backoff(attempt: u32) -> Duration {
    let full = BACKOFF_BASE
        .saturating_mul(1 << attempt.min(16))
        .min(BACKOFF_CAP);
    full.mul_f64(0.5 + fastrand::f64() * 0.5)
}

/// An error with its causes, on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message = format!("{message}: {text}");
        }
        source = cause.source();
    }
    message
}

/// The `message` of a JSON error body shaped `{"error": {"message": …}}`, `{"message": …}`,
/// `{"detail": {"message": …}}` or `{"detail": "…"}`, as the vendors send them.
pub fn json_error_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let candidates = [
        value.pointer("/error/message"),
        value.pointer("/detail/message"),
        value.pointer("/message"),
        value.pointer("/Message"),
        value.pointer("/detail"),
        value.pointer("/error"),
    ];
    let found = candidates.into_iter().flatten().find_map(|v| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Array(items) => items
            .first()
            .and_then(|i| i.get("msg").or(i.get("message")))
            .and_then(|m| m.as_str())
            .map(str::to_string),
        _ => None,
    });
    found
}

/// An API key from the first of `names` set in the environment.
pub fn env_key(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok())
        .map(|k| k.trim().to_string())
        .filter(|k| !k.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        let later = chrono::Utc::now() + chrono::Duration::seconds(30);
        headers.insert(RETRY_AFTER, later.to_rfc2822().parse().unwrap());
        let wait = retry_after(&headers).unwrap().as_secs();
        assert!((28..=30).contains(&wait), "{wait}");
    }

    #[test]
    fn throttling_and_server_errors_are_retried_refusals_are_not() {
        let none = HeaderMap::new();
        assert!(retryable(StatusCode::TOO_MANY_REQUESTS, &none));
        assert!(retryable(StatusCode::BAD_GATEWAY, &none));
        assert!(!retryable(StatusCode::BAD_REQUEST, &none));
        assert!(!retryable(StatusCode::UNAUTHORIZED, &none));
        let mut aws = HeaderMap::new();
        aws.insert("x-amzn-ErrorType", "ThrottlingException:".parse().unwrap());
        assert!(retryable(StatusCode::BAD_REQUEST, &aws));
        aws.insert("x-amzn-ErrorType", "InvalidSsmlException:".parse().unwrap());
        assert!(!retryable(StatusCode::BAD_REQUEST, &aws));
    }

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        for attempt in 0..20 {
            let d = backoff(attempt);
            let full = BACKOFF_BASE
                .saturating_mul(1 << attempt.min(16))
                .min(BACKOFF_CAP);
            assert!(d >= full / 2 && d <= full, "{attempt}: {d:?}");
        }
        assert!(backoff(30) <= BACKOFF_CAP);
    }

    #[test]
    fn vendor_error_bodies_give_their_message() {
        let cases: [(&[u8], &str); 4] = [
            (
                br#"{"error":{"message":"Invalid voice","code":400}}"#,
                "Invalid voice",
            ),
            (
                br#"{"detail":{"status":"quota_exceeded","message":"Quota"}}"#,
                "Quota",
            ),
            (br#"{"message":"Throttled"}"#, "Throttled"),
            (
                br#"{"detail":[{"loc":["body"],"msg":"field required"}]}"#,
                "field required",
            ),
        ];
        for (body, message) in cases {
            assert_eq!(json_error_message(body).as_deref(), Some(message));
        }
        assert_eq!(json_error_message(b"<html>"), None);
    }
}

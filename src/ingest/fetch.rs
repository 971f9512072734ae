//! Fetches an issue given as an `http(s)://` URL with reqwest: redirects followed (at most
//! ten), a timeout, a size cap, and the content type kept for format detection.

use std::time::Duration;

use futures_util::StreamExt;

use super::MAX_ISSUE_BYTES;

/// What the server sent.
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub content_type: Option<String>,
    /// The final URL, after redirects.
    pub url: String,
}

/// How long a whole fetch may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Downloads `url`, refusing bodies over [`MAX_ISSUE_BYTES`].
pub async fn fetch(url: &str) -> Result<Fetched, String> {
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::limited(10))
        .user_agent(concat!("Audition/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| format!("cannot start an HTTP client: {e}"))?;
    let response = client.get(url).send().await.map_err(describe)?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the server answered {status}"));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let final_url = response.url().to_string();
    if response
        .content_length()
        .is_some_and(|l| l > MAX_ISSUE_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(describe)?;
        if bytes.len() + chunk.len() > MAX_ISSUE_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Fetched {
        bytes,
        content_type,
        url: final_url,
    })
}

fn too_large() -> String {
    format!(
        "the issue is larger than the {} MB limit",
        MAX_ISSUE_BYTES / 1_048_576
    )
}

fn describe(error: reqwest::Error) -> String {
    if error.is_timeout() {
        format!("no complete answer within {} s", TIMEOUT.as_secs())
    } else if error.is_redirect() {
        "too many redirects".to_string()
    } else if error.is_connect() {
        "cannot connect to the server".to_string()
    } else {
        format!("download failed: {error}")
    }
}

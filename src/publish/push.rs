//! Push on publish: tells WebSub hubs and Podping-style services that the feed changed, so
//! that podcast apps fetch it at once instead of at their next poll.
//!
//! WebSub (W3C Recommendation, and the PubSubHubbub 0.4 publish ping that hubs such as
//! pubsubhubbub.appspot.com and websub.rocks accept): a form POST of `hub.mode=publish` and
//! `hub.url=<feed URL>` to each hub named in the feed's `<atom:link rel="hub">`; a hub
//! answers 2xx (204 No Content, usually). Podping (podping.cloud's HTTP front): a GET of
//! `?url=<feed URL>&reason=update`, with `Authorization: <token>` when
//! `AUDITION_PODPING_TOKEN` is set. A failed ping is a warning: the feed is published, and
//! apps still find it at their next poll.

use std::time::Duration;

use crate::settings::PushSettings;

/// How long one ping may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Pings every hub and hook of `settings` about `feed_url`; returns one warning per failure.
pub async fn announce(settings: &PushSettings, feed_url: &str) -> Vec<String> {
    if settings.websub.is_empty() && settings.notify.is_empty() {
        return Vec::new();
    }
    let client = match reqwest::Client::builder()
        .timeout(TIMEOUT)
        .user_agent(concat!("Audition/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(client) => client,
        Err(e) => return vec![format!("cannot ping the hubs: {e}")],
    };
    let mut warnings = Vec::new();
    for hub in &settings.websub {
        let ping = client
            .post(hub)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .body(format!("hub.mode=publish&hub.url={}", encode(feed_url)))
            .send()
            .await;
        if let Some(problem) = problem(ping) {
            warnings.push(format!("WebSub hub {hub}: {problem}"));
        }
    }
    let token = std::env::var("AUDITION_PODPING_TOKEN").ok();
    for hook in &settings.notify {
        let mut request = if hook.contains("{url}") {
            client.get(hook.replace("{url}", &encode(feed_url)))
        } else {
            let separator = if hook.contains('?') { '&' } else { '?' };
            client.get(format!(
                "{hook}{separator}url={}&reason=update",
                encode(feed_url)
            ))
        };
        if let Some(token) = &token {
            request = request.header(reqwest::header::AUTHORIZATION, token);
        }
        if let Some(problem) = problem(request.send().await) {
            warnings.push(format!("notification {hook}: {problem}"));
        }
    }
    warnings
}

fn problem(answer: reqwest::Result<reqwest::Response>) -> Option<String> {
    match answer {
        Ok(response) if response.status().is_success() => None,
        Ok(response) => Some(format!("answered {}", response.status())),
        Err(e) if e.is_timeout() => Some(format!("no answer within {} s", TIMEOUT.as_secs())),
        Err(_) => Some("cannot connect".to_string()),
    }
}

/// Percent-encodes a URL for a query value.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

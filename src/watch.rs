//! `audition watch`: follows the sources a show names in `[watch]` — the newsletter's RSS or
//! Atom feed, a drop folder — and builds (or, with a queue, enqueues) each new issue once.
//!
//! What is done is read from the published manifests, which keep each issue's source (a
//! feed item's guid, a dropped file's name), so a rerun, a restart or a second watcher never
//! publishes an issue twice; with a queue, a job per source is queued at most once. The
//! little state a watcher keeps between runs lives beside the feed in the published store
//! (`.audition/watch.json`): the feed's ETag and Last-Modified for conditional requests, and
//! the issues the first run chose not to build (`backfill` builds only the newest).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::publish::manifest::Manifest;
use crate::queue::{JobSpec, Queue};
use crate::settings::WatchSettings;
use crate::store::Store;
use crate::worker::build_spec;

/// Where a watcher's issues go.
pub struct Target<'a> {
    /// The show file the builds (or the workers) load.
    pub show_file: PathBuf,
    /// The published store and the clip cache.
    pub out: String,
    pub cache: String,
    /// Enqueue instead of building here.
    pub queue: Option<&'a Queue>,
}

/// An issue found in a source.
#[derive(Debug, Clone)]
struct Found {
    /// `feed:<guid>` or `file:<name>`: what the manifest keeps.
    source: String,
    /// Shown to the producer.
    label: String,
    /// The bytes and the name they are read under (its extension names the format); a
    /// feed's items share the one copy of the feed.
    file_name: String,
    bytes: Arc<[u8]>,
    /// For a feed, the item's guid.
    item: Option<String>,
}

/// What one look did.
#[derive(Debug, Clone, Default)]
pub struct WatchReport {
    /// Episodes built (their ids), or jobs queued (their ids).
    pub built: Vec<String>,
    pub queued: Vec<i64>,
    /// Issues left unbuilt by the first run's backfill.
    pub skipped: usize,
    /// Sources that answered "not modified".
    pub unchanged: usize,
    /// Issues that failed to build: label and error.
    pub failed: Vec<(String, String)>,
}

/// The watcher's memory between runs.
#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    /// Whether a first run happened (backfill applies only to it).
    started: bool,
    feed_etag: Option<String>,
    feed_last_modified: Option<String>,
    /// Sources the first run chose not to build.
    skipped: Vec<String>,
}

const STATE: &str = ".audition/watch.json";

/// Looks at every source once and builds (or enqueues) what is new.
pub async fn watch_once(settings: &WatchSettings, target: &Target<'_>) -> Result<WatchReport> {
    let out = Store::open(&target.out)?;
    let mut state: State = match out.get(STATE).await? {
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        None => State::default(),
    };
    let mut report = WatchReport::default();
    let mut found = Vec::new();
    let mut feed_validators = None;
    if let Some(url) = &settings.feed {
        match fetch_feed(url, &state).await? {
            FeedAnswer::NotModified => report.unchanged += 1,
            FeedAnswer::Items(items, validators) => {
                found.extend(items);
                feed_validators = Some(validators);
            }
        }
    }
    if let Some(folder) = &settings.folder {
        found.extend(read_folder(folder)?);
    }
    if settings.imap.is_some() {
        return Err(Error::Input {
            path: target.show_file.clone(),
            message: "[watch] imap: mailboxes are not followed by this version yet; use a feed or a drop folder".into(),
        });
    }

    let done: Vec<String> = Manifest::read_all(&out)
        .await?
        .into_iter()
        .filter_map(|m| m.source)
        .collect();
    if !state.started {
        // The first run considers only the newest issues of each source, built or not.
        found = backfill(found, settings.backfill(), &done, &mut state, &mut report);
    }
    let mut new: Vec<Found> = found
        .into_iter()
        .filter(|f| !done.contains(&f.source) && !state.skipped.contains(&f.source))
        .collect();
    // Oldest first, so that the feed grows in order.
    new.reverse();
    for issue in &new {
        match take(issue, target).await {
            Ok(Taken::Built(id)) => report.built.push(id),
            Ok(Taken::Queued(id)) => report.queued.push(id),
            Ok(Taken::AlreadyQueued) => {}
            Err(e) => report.failed.push((issue.label.clone(), e.to_string())),
        }
    }
    state.started = true;
    // The feed's validators are kept only when all its new items were taken, so that a
    // failed one is seen again next time.
    if let Some((etag, last_modified)) = feed_validators.filter(|_| report.failed.is_empty()) {
        state.feed_etag = etag;
        state.feed_last_modified = last_modified;
    }
    let json = serde_json::to_vec_pretty(&state).map_err(|e| Error::Audio(e.to_string()))?;
    out.put(STATE, json).await?;
    Ok(report)
}

/// Keeps the newest `count` issues of each source (feed, folder); the others, if not built
/// already, are remembered as left out.
fn backfill(
    found: Vec<Found>,
    count: usize,
    done: &[String],
    state: &mut State,
    report: &mut WatchReport,
) -> Vec<Found> {
    let mut kept = Vec::new();
    let mut seen: Vec<(String, usize)> = Vec::new();
    for issue in found {
        let kind = issue
            .source
            .split(':')
            .next()
            .unwrap_or_default()
            .to_string();
        let index = match seen.iter().position(|(k, _)| *k == kind) {
            Some(i) => i,
            None => {
                seen.push((kind, 0));
                seen.len() - 1
            }
        };
        seen[index].1 += 1;
        if seen[index].1 <= count {
            kept.push(issue);
        } else if !done.contains(&issue.source) {
            state.skipped.push(issue.source);
            report.skipped += 1;
        }
    }
    kept
}

enum Taken {
    Built(String),
    Queued(i64),
    AlreadyQueued,
}

/// Builds one found issue here, or queues it.
async fn take(issue: &Found, target: &Target<'_>) -> Result<Taken> {
    let spec = JobSpec {
        show: target.show_file.display().to_string(),
        issue: issue.label.clone(),
        issue_file: Some((issue.file_name.clone(), issue.bytes.to_vec())),
        item: issue.item.clone(),
        out: target.out.clone(),
        cache: target.cache.clone(),
        source: Some(issue.source.clone()),
        max_attempts: 3,
        ..JobSpec::default()
    };
    if let Some(queue) = target.queue {
        return Ok(match queue.enqueue(&spec).await? {
            Some(id) => Taken::Queued(id),
            None => Taken::AlreadyQueued,
        });
    }
    let report = build_spec(&spec, None).await?;
    Ok(Taken::Built(report.episode_id))
}

enum FeedAnswer {
    NotModified,
    /// The items, newest first, and the answer's ETag and Last-Modified.
    Items(Vec<Found>, (Option<String>, Option<String>)),
}

/// Fetches the feed, conditionally on what the last look saw.
async fn fetch_feed(url: &str, state: &State) -> Result<FeedAnswer> {
    let fail = |message: String| Error::Input {
        path: PathBuf::from(url),
        message,
    };
    let client = reqwest::Client::builder()
        .timeout(crate::ingest::fetch::TIMEOUT)
        .user_agent(concat!("Audition/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| fail(format!("cannot start an HTTP client: {e}")))?;
    let mut request = client.get(url);
    if let Some(etag) = &state.feed_etag {
        request = request.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    if let Some(date) = &state.feed_last_modified {
        request = request.header(reqwest::header::IF_MODIFIED_SINCE, date);
    }
    let response = request
        .send()
        .await
        .map_err(|e| fail(format!("cannot fetch the feed: {e}")))?;
    if response.status() == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(FeedAnswer::NotModified);
    }
    if !response.status().is_success() {
        return Err(fail(format!(
            "the feed's server answered {}",
            response.status()
        )));
    }
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
            .map(str::to_string)
    };
    let validators = (
        header(reqwest::header::ETAG),
        header(reqwest::header::LAST_MODIFIED),
    );
    let bytes = response
        .bytes()
        .await
        .map_err(|e| fail(format!("cannot read the feed: {e}")))?;
    if bytes.len() > crate::ingest::MAX_ISSUE_BYTES {
        return Err(fail("the feed is larger than an issue may be".into()));
    }
    let items = crate::ingest::feed::entries(&bytes).map_err(fail)?;
    let bytes: Arc<[u8]> = bytes.to_vec().into();
    let found = items
        .into_iter()
        .map(|(guid, title)| Found {
            source: format!("feed:{guid}"),
            label: format!("{url} « {title} »"),
            file_name: "feed.xml".into(),
            bytes: bytes.clone(),
            item: Some(guid),
        })
        .collect();
    Ok(FeedAnswer::Items(found, validators))
}

/// The issue files of a drop folder, newest first (by modification time).
fn read_folder(folder: &Path) -> Result<Vec<Found>> {
    let entries = std::fs::read_dir(folder).map_err(|e| Error::io(folder, e))?;
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(folder, e))?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let wanted = ["eml", "md", "markdown", "html", "htm", "txt"]
            .iter()
            .any(|ext| name.to_lowercase().ends_with(&format!(".{ext}")));
        if wanted && !name.starts_with('.') && path.is_file() {
            let modified = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .map_err(|e| Error::io(&path, e))?;
            files.push((modified, path));
        }
    }
    files.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
    files
        .into_iter()
        .map(|(_, path)| {
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            Ok(Found {
                source: format!("file:{name}"),
                label: path.display().to_string(),
                file_name: name,
                bytes: bytes.into(),
                item: None,
            })
        })
        .collect()
}

/// How long to wait between two looks.
pub fn interval(settings: &WatchSettings) -> Duration {
    Duration::from_secs_f64(settings.interval_minutes() * 60.0)
}

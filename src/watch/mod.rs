//! `audition watch`: follows the sources a show names in `[watch]` — the newsletter's RSS or
//! Atom feed, an IMAP mailbox, a drop folder — and builds (or, with a queue, enqueues) each
//! new issue once.
//!
//! What is done is read from the published manifests, which keep each issue's source (a
//! feed item's guid, an e-mail's Message-ID, a dropped file's name), so a rerun, a restart or
//! a second watcher never publishes an issue twice; with a queue, a job per source is queued
//! at most once. The little state a watcher keeps between runs lives beside the feed in the
//! published store (`.audition/watch.json`): the feed's ETag and Last-Modified for
//! conditional requests, the mailbox's UIDVALIDITY and last UID, and the issues a source's
//! first look chose not to build (`backfill` builds only the newest).

mod imap;

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
    /// `feed:<guid>`, `mail:<Message-ID>` or `file:<name>`: what the manifest keeps.
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
    /// Whether a first run happened, in the first version of this file, which knew only
    /// feeds and folders.
    #[serde(default)]
    started: bool,
    /// The kinds of source (`feed`, `mail`, `file`) already looked at once: backfill
    /// applies to a source's first look only.
    #[serde(default)]
    begun: Vec<String>,
    #[serde(default)]
    feed_etag: Option<String>,
    #[serde(default)]
    feed_last_modified: Option<String>,
    /// Where the last look at the mailbox stopped.
    #[serde(default)]
    mail: Option<MailState>,
    /// Sources a first look chose not to build.
    #[serde(default)]
    skipped: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct MailState {
    /// The mailbox (its URL, no password), so that another one starts afresh.
    mailbox: String,
    uid_validity: u32,
    last_uid: u32,
}

impl State {
    fn has_begun(&self, kind: &str) -> bool {
        self.begun.iter().any(|k| k == kind) || (self.started && kind != "mail")
    }
}

/// The kind of a source: what comes before the colon of `feed:…`, `mail:…`, `file:…`.
fn kind_of(source: &str) -> &str {
    source.split(':').next().unwrap_or_default()
}

const STATE: &str = ".audition/watch.json";

/// Looks at every source once and builds (or enqueues) what is new.
pub async fn watch_once(settings: &WatchSettings, target: &Target<'_>) -> Result<WatchReport> {
    let out = Store::open(&target.out)?;
    let mut state: State = match out.get(STATE).await? {
        Some(bytes) => serde_json::from_slice(&bytes).unwrap_or_default(),
        None => State::default(),
    };
    let mailbox = match &settings.imap {
        Some(url) => Some(open_mailbox(url, &target.show_file)?),
        None => None,
    };
    let mut report = WatchReport::default();
    let mut found = Vec::new();
    let mut feed_validators = None;
    let mut mail_seen = None;
    if let Some(url) = &settings.feed {
        match fetch_feed(url, &state).await? {
            FeedAnswer::NotModified => report.unchanged += 1,
            FeedAnswer::Items(items, validators) => {
                found.extend(items);
                feed_validators = Some(validators);
            }
        }
    }
    if let Some((mailbox, password)) = &mailbox {
        let since = state
            .mail
            .as_ref()
            .filter(|m| m.mailbox == mailbox.label())
            .map(|m| imap::Seen {
                validity: m.uid_validity,
                last_uid: m.last_uid,
            });
        let look = imap::look(mailbox, password, settings.from.as_deref(), since).await?;
        found.extend(look.found);
        mail_seen = Some(MailState {
            mailbox: mailbox.label(),
            uid_validity: look.seen.validity,
            last_uid: look.seen.last_uid,
        });
    }
    if let Some(folder) = &settings.folder {
        found.extend(read_folder(folder)?);
    }

    let done: Vec<String> = Manifest::read_all(&out)
        .await?
        .into_iter()
        .filter_map(|m| m.source)
        .collect();
    // A source's first look considers only its newest issues, built or not.
    let (first, mut found): (Vec<Found>, Vec<Found>) = found
        .into_iter()
        .partition(|f| !state.has_begun(kind_of(&f.source)));
    found.extend(backfill(
        first,
        settings.backfill(),
        &done,
        &mut state,
        &mut report,
    ));
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
    for (kind, given) in [
        ("feed", settings.feed.is_some()),
        ("mail", settings.imap.is_some()),
        ("file", settings.folder.is_some()),
    ] {
        if given && !state.has_begun(kind) {
            state.begun.push(kind.to_string());
        }
    }
    // Where the feed and the mailbox stopped is kept only when all their new issues were
    // taken, so that a failed one is seen again next time.
    if report.failed.is_empty() {
        if let Some((etag, last_modified)) = feed_validators {
            state.feed_etag = etag;
            state.feed_last_modified = last_modified;
        }
        if let Some(seen) = mail_seen {
            state.mail = Some(seen);
        }
    }
    let json = serde_json::to_vec_pretty(&state).map_err(|e| Error::Audio(e.to_string()))?;
    out.put(STATE, json).await?;
    Ok(report)
}

/// Keeps the newest `count` issues of each source (feed, mailbox, folder); the others, if not
/// built already, are remembered as left out.
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
        let kind = kind_of(&issue.source).to_string();
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

/// The mailbox `[watch] imap` names and its password, or what is wrong with them.
fn open_mailbox(url: &str, show_file: &Path) -> Result<(imap::Mailbox, String)> {
    let mailbox = imap::Mailbox::parse(url)
        .map_err(|m| Error::config(show_file, format!("[watch] imap: {m}")))?;
    let password = std::env::var(imap::PASSWORD_VARIABLE)
        .ok()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| {
            Error::config(
                show_file,
                format!(
                    "[watch] imap: set {} to the password of {}",
                    imap::PASSWORD_VARIABLE,
                    mailbox.label()
                ),
            )
        })?;
    Ok((mailbox, password))
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

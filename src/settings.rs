//! Plain settings of the stages that run around a build, as a show file gives them: where
//! new issues come from (`[watch]`) and whom to tell when the feed changes (`[push]`).
//! This module imports nothing of the crate: `show` reads these from the file and hands
//! each stage only its own.

use std::path::PathBuf;

use serde::Deserialize;

/// `[watch]`: the sources `audition watch` follows for new issues.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WatchSettings {
    /// The newsletter's own RSS or Atom feed.
    pub feed: Option<String>,
    /// A mailbox: `imaps://user@host:993/INBOX` (password from `AUDITION_IMAP_PASSWORD`).
    pub imap: Option<String>,
    /// Only e-mails from this sender: an address, or `@example.com` for any address of that
    /// domain or its subdomains.
    pub from: Option<String>,
    /// A drop folder of `.eml`, `.md`, `.html` and `.txt` files.
    pub folder: Option<PathBuf>,
    /// Minutes between two looks when not run `--once` [default: 60].
    pub interval_minutes: Option<f64>,
    /// How many of the newest issues already there the first run builds [default: 1].
    pub backfill: Option<usize>,
}

impl WatchSettings {
    /// Minutes between two looks.
    pub fn interval_minutes(&self) -> f64 {
        self.interval_minutes.unwrap_or(60.0)
    }

    /// Issues the first run builds.
    pub fn backfill(&self) -> usize {
        self.backfill.unwrap_or(1)
    }

    /// What is wrong with these settings, if anything.
    pub fn problem(&self) -> Option<String> {
        if self.feed.is_none() && self.imap.is_none() && self.folder.is_none() {
            return Some("[watch] names no source: give feed, imap or folder".into());
        }
        if let Some(feed) = &self.feed {
            if !(feed.starts_with("http://") || feed.starts_with("https://")) {
                return Some(format!("[watch] feed = {feed:?} is not an http(s) URL"));
            }
        }
        if let Some(imap) = &self.imap {
            if !(imap.starts_with("imaps://") || imap.starts_with("imap://")) {
                return Some(format!("[watch] imap = {imap:?} is not an imaps:// URL"));
            }
        }
        match self.interval_minutes {
            Some(m) if !(m.is_finite() && m > 0.0) => Some(format!(
                "[watch] interval_minutes = {m} must be a positive number"
            )),
            _ => None,
        }
    }
}

/// `[push]`: who is told when the feed changes, so that apps fetch it at once.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushSettings {
    /// WebSub hubs: each is named in the feed (`<atom:link rel="hub">`) and pinged with
    /// `hub.mode=publish` after every change.
    #[serde(default)]
    pub websub: Vec<String>,
    /// Podping-style hooks: each gets a GET with `?url=<feed URL>&reason=update` (the
    /// podping.cloud interface); a `{url}` in the address is replaced instead.
    #[serde(default)]
    pub notify: Vec<String>,
}

impl PushSettings {
    /// What is wrong with these settings, if anything.
    pub fn problem(&self) -> Option<String> {
        self.websub
            .iter()
            .chain(&self.notify)
            .find(|u| !(u.starts_with("http://") || u.starts_with("https://")))
            .map(|u| format!("[push] {u:?} is not an http(s) URL"))
    }
}

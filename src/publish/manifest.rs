//! The episode manifest (`episodes/<id>.json`): everything the feed needs about one episode.
//!
//! The feed is rebuilt from all manifests in the folder, so an episode is added, replaced or
//! removed by writing or removing its manifest; the id (the issue date) keeps one item per
//! issue.

use std::path::PathBuf;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use crate::audio::loudness::LoudnessReport;
use crate::audio::mix::Chapter;
use crate::error::{Error, Result};
use crate::store::Store;

/// Format version of manifests written by this build.
pub const MANIFEST_VERSION: u32 = 4;

/// One published episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    /// Episode id: the issue date, `YYYY-MM-DD`.
    pub id: String,
    /// The item guid; stays the same when the episode is rebuilt.
    pub guid: String,
    pub title: String,
    pub description: String,
    /// Issue date, `YYYY-MM-DD`.
    pub date: String,
    pub language: String,
    /// MP3 path relative to the published folder.
    pub audio_file: String,
    pub audio_bytes: u64,
    pub duration_ms: u64,
    /// Changes whenever the audio does; appended to the enclosure URL so that apps that
    /// never revalidate a media URL fetch the new audio.
    pub audio_version: String,
    pub chapters_file: String,
    /// WebVTT transcript.
    pub transcript_file: String,
    /// SubRip transcript, for apps that read SRT.
    #[serde(default)]
    pub srt_file: Option<String>,
    /// Show notes (HTML): the stories and briefs of the issue.
    #[serde(default)]
    pub show_notes: String,
    pub chapters: Vec<Chapter>,
    /// The voice's credit (`podcast:person`, role narrator), when one voice reads all.
    #[serde(default)]
    pub narrator: Option<String>,
    /// Every voice heard, with its role, when the show has a cast (`podcast:person` each).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cast: Vec<Credit>,
    pub loudness: LoudnessReport,
    /// Where the issue came from: a feed item's guid, an e-mail's Message-ID, a dropped
    /// file's name. A watcher reads it to build each issue once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Hash of every input of the build; equal fingerprints mean nothing changed.
    pub fingerprint: String,
    /// The cache keys of the clips the episode is made of (`audition cache prune` keeps
    /// them); empty in manifests written before they were recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub clips: Vec<String>,
}

/// A voice heard in an episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    /// Its role in the Podcasting 2.0 taxonomy (`host`, `narrator`, `voice actor`).
    pub role: String,
}

impl Manifest {
    /// The manifest's key in the published store.
    pub fn key(id: &str) -> String {
        format!("episodes/{id}.json")
    }

    /// Reads a manifest; `None` if there is none.
    pub async fn read(store: &Store, key: &str) -> Result<Option<Manifest>> {
        match store.get(key).await? {
            Some(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| Error::Config {
                    path: PathBuf::from(store.describe(key)),
                    message: format!("not a valid episode manifest: {e}"),
                }),
            None => Ok(None),
        }
    }

    /// All manifests of a published store, newest first.
    pub async fn read_all(store: &Store) -> Result<Vec<Manifest>> {
        let keys: Vec<String> = store
            .list("episodes")
            .await?
            .into_iter()
            .map(|l| l.key)
            .filter(|key| is_manifest(key))
            .collect();
        let reads = keys
            .into_iter()
            .map(|key| async move { Manifest::read(store, &key).await });
        let read = futures_util::stream::iter(reads)
            .buffered(16)
            .collect::<Vec<_>>()
            .await;
        let mut manifests = Vec::new();
        for manifest in read {
            manifests.extend(manifest?);
        }
        manifests.sort_by(|a, b| b.date.cmp(&a.date).then(b.id.cmp(&a.id)));
        Ok(manifests)
    }

    /// The files this manifest names besides itself.
    pub fn files(&self) -> Vec<&str> {
        [
            Some(&self.audio_file),
            Some(&self.chapters_file),
            Some(&self.transcript_file),
            self.srt_file.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect()
    }

    /// Removes the episode's files, the manifest last (missing files are not an error).
    pub async fn remove_files(&self, store: &Store) -> Result<()> {
        for file in self.files() {
            store.delete(file).await?;
        }
        store.delete(&Manifest::key(&self.id)).await?;
        Ok(())
    }

    /// Whether the files this manifest names are all present with the recorded MP3 size.
    pub async fn files_present(&self, store: &Store) -> Result<bool> {
        if store.size(&self.audio_file).await? != Some(self.audio_bytes) {
            return Ok(false);
        }
        for file in [&self.chapters_file, &self.transcript_file] {
            if store.size(file).await?.is_none() {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Whether a key under `episodes/` is an episode manifest (not chapters, not a temporary file).
fn is_manifest(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or_default();
    key.starts_with("episodes/")
        && !key["episodes/".len()..].contains('/')
        && name.ends_with(".json")
        && !name.ends_with(".chapters.json")
        && !name.starts_with('.')
}

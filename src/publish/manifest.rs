//! The episode manifest (`episodes/<id>.json`): everything the feed needs about one episode.
//!
//! The feed is rebuilt from all manifests in the folder, so an episode is added, replaced or
//! removed by writing or removing its manifest; the id (the issue date) keeps one item per
//! issue.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::audio::loudness::LoudnessReport;
use crate::audio::mix::Chapter;
use crate::error::{Error, Result};

/// Format version of manifests written by this build.
pub const MANIFEST_VERSION: u32 = 3;

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
    /// Hash of every input of the build; equal fingerprints mean nothing changed.
    pub fingerprint: String,
}

/// A voice heard in an episode.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    /// Its role in the Podcasting 2.0 taxonomy (`host`, `narrator`, `voice actor`).
    pub role: String,
}

impl Manifest {
    /// Reads a manifest; `None` if the file does not exist.
    pub fn read(path: &Path) -> Result<Option<Manifest>> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| Error::Config {
                    path: path.to_path_buf(),
                    message: format!("not a valid episode manifest: {e}"),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(path, e)),
        }
    }

    /// All manifests of a published folder, newest first.
    pub fn read_all(dir: &Path) -> Result<Vec<Manifest>> {
        let episodes = dir.join("episodes");
        let entries = match std::fs::read_dir(&episodes) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&episodes, e)),
        };
        let mut manifests = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&episodes, e))?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if name.ends_with(".json")
                && !name.ends_with(".chapters.json")
                && !name.starts_with('.')
            {
                if let Some(m) = Manifest::read(&path)? {
                    manifests.push(m);
                }
            }
        }
        manifests.sort_by(|a, b| b.date.cmp(&a.date).then(b.id.cmp(&a.id)));
        Ok(manifests)
    }

    /// Removes the episode's files, the manifest last (missing files are not an error).
    pub fn remove_files(&self, dir: &Path) -> Result<()> {
        let files = [
            Some(&self.audio_file),
            Some(&self.chapters_file),
            Some(&self.transcript_file),
            self.srt_file.as_ref(),
        ];
        let manifest = format!("episodes/{}.json", self.id);
        for file in files
            .into_iter()
            .flatten()
            .chain(std::iter::once(&manifest))
        {
            let path = dir.join(file);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(&path, e)),
            }
        }
        Ok(())
    }

    /// Whether the files this manifest names are all present with the recorded MP3 size.
    pub fn files_present(&self, dir: &Path) -> bool {
        let size = std::fs::metadata(dir.join(&self.audio_file))
            .map(|m| m.len())
            .ok();
        size == Some(self.audio_bytes)
            && dir.join(&self.chapters_file).is_file()
            && dir.join(&self.transcript_file).is_file()
    }
}

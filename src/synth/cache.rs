//! Content-addressed clip cache: `<dir>/clips/<key>.wav` plus `<key>.json` (the marks).
//!
//! The key is a SHA-256 of the engine identity and the SSML, so any change to the text, the
//! voice or the engine makes a new clip, and an unchanged segment is found again. Entries are
//! written atomically; a half-written clip is never visible.
//!
//! A cache may also live in a bucket (`s3://bucket/prefix`), shared by every worker: the
//! clips a build needs are fetched from it into a local mirror before synthesis
//! ([`ClipCache::fetch`]), and each clip synthesised is shared as soon as it is stored
//! ([`ClipCache::share`]), create-only, since a key names one content.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::{Clip, ClipFile, Engine, MarkTime};
use crate::atomic::{persist, write_atomic};
use crate::error::{Error, Result};
use crate::store::Store;

/// Where clips are kept between builds.
#[derive(Debug, Clone)]
pub struct ClipCache {
    dir: PathBuf,
    /// The shared bucket the local folder mirrors, if any.
    remote: Option<Store>,
}

/// Clips fetched from or shared to a bucket at once.
const TRANSFERS: usize = 8;

#[derive(Serialize, Deserialize)]
struct Entry {
    sample_rate: u32,
    samples: u64,
    marks: Vec<MarkTime>,
    loudness_lufs: f64,
    lead_silence: u64,
    tail_silence: u64,
}

impl ClipCache {
    /// A cache rooted at `dir` (created when first written).
    pub fn new(dir: &Path) -> ClipCache {
        ClipCache {
            dir: dir.join("clips"),
            remote: None,
        }
    }

    /// A cache at `location`: a folder, or `s3://bucket/prefix` mirrored in a local folder
    /// of the user's cache named after the location.
    pub fn open(location: &str) -> Result<ClipCache> {
        if !location.starts_with("s3://") {
            return Ok(ClipCache::new(Path::new(location)));
        }
        let remote = Store::open(location)?.child("clips")?;
        let name = hex::encode(&Sha256::digest(location.as_bytes())[..8]);
        let mirror = Self::default_dir().join("mirror").join(name);
        Ok(ClipCache {
            remote: Some(remote),
            ..ClipCache::new(&mirror)
        })
    }

    /// Copies into the local mirror the clips among `keys` that the shared bucket holds and
    /// the mirror lacks; returns how many were fetched. Nothing to do for a local cache.
    pub async fn fetch(&self, keys: &[String]) -> Result<usize> {
        let Some(remote) = &self.remote else {
            return Ok(0);
        };
        let missing: Vec<String> = keys.iter().filter(|k| !self.contains(k)).cloned().collect();
        let fetched = futures_util::stream::iter(missing.into_iter().map(|key| async move {
            let key = key.as_str();
            let (wav, meta) = (format!("{key}.wav"), format!("{key}.json"));
            // The metadata is written after the audio, so with it the audio is whole.
            let Some(json) = remote.get(&meta).await? else {
                return Ok(false);
            };
            let Some(audio) = remote.get(&wav).await? else {
                return Ok(false);
            };
            let (wav_path, meta_path) = self.paths(key);
            write_atomic(&wav_path, &audio)?;
            write_atomic(&meta_path, &json)?;
            Ok::<bool, Error>(true)
        }))
        .buffer_unordered(TRANSFERS)
        .collect::<Vec<_>>()
        .await;
        let mut count = 0;
        for outcome in fetched {
            count += usize::from(outcome?);
        }
        Ok(count)
    }

    /// Puts a stored clip in the shared bucket, if the cache has one (create-only: a clip
    /// already there is the same clip).
    pub async fn share(&self, key: &str) -> Result<()> {
        let Some(remote) = &self.remote else {
            return Ok(());
        };
        let (wav, meta) = self.paths(key);
        let read = |path: &Path| std::fs::read(path).map_err(|e| Error::io(path, e));
        remote.put_new(&format!("{key}.wav"), read(&wav)?).await?;
        remote.put_new(&format!("{key}.json"), read(&meta)?).await?;
        Ok(())
    }

    /// The user's cache folder: `$XDG_CACHE_HOME/audition` or its platform equivalent.
    pub fn default_dir() -> PathBuf {
        dirs::cache_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("audition")
    }

    /// The key of a clip: engine identity and SSML.
    pub fn key(&self, engine: &dyn Engine, ssml: &str) -> String {
        let mut hash = Sha256::new();
        hash.update(b"audition-clip-v3\n");
        hash.update(engine.identity().as_bytes());
        hash.update(b"\n");
        hash.update(ssml.as_bytes());
        hex::encode(hash.finalize())
    }

    fn paths(&self, key: &str) -> (PathBuf, PathBuf) {
        (
            self.dir.join(format!("{key}.wav")),
            self.dir.join(format!("{key}.json")),
        )
    }

    /// Whether a clip for `key` is stored.
    pub fn contains(&self, key: &str) -> bool {
        let (wav, meta) = self.paths(key);
        wav.is_file() && meta.is_file()
    }

    /// The cached clip for `key`, if present and readable; a hit makes the clip recently
    /// used (its file time is set to now), so pruning removes the least used first.
    pub fn get(&self, key: &str, segment: usize) -> Result<Option<ClipFile>> {
        let (wav, meta) = self.paths(key);
        if !wav.is_file() {
            return Ok(None);
        }
        if let Ok(file) = std::fs::File::open(&wav) {
            let _ = file.set_modified(std::time::SystemTime::now());
        }
        let Ok(text) = std::fs::read_to_string(&meta) else {
            return Ok(None);
        };
        let Ok(entry) = serde_json::from_str::<Entry>(&text) else {
            return Ok(None);
        };
        Ok(Some(ClipFile {
            segment,
            path: wav,
            sample_rate: entry.sample_rate,
            samples: entry.samples,
            marks: entry.marks,
            loudness_lufs: entry.loudness_lufs,
            lead_silence: entry.lead_silence,
            tail_silence: entry.tail_silence,
        }))
    }

    /// Stores a clip (WAV first, then its metadata, each atomically).
    pub fn put(&self, key: &str, segment: usize, clip: &Clip) -> Result<ClipFile> {
        std::fs::create_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        let (wav, meta) = self.paths(key);
        // Written straight to a temporary file beside the entry, then renamed into place.
        let tmp =
            tempfile::NamedTempFile::new_in(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        {
            let spec = hound::WavSpec {
                channels: 1,
                sample_rate: clip.sample_rate,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            };
            let file = tmp.as_file().try_clone().map_err(|e| Error::io(&wav, e))?;
            let fail =
                |e: hound::Error| Error::Audio(format!("cannot write clip {}: {e}", wav.display()));
            let mut writer =
                hound::WavWriter::new(std::io::BufWriter::new(file), spec).map_err(fail)?;
            for &s in &clip.samples {
                writer.write_sample(s).map_err(fail)?;
            }
            writer.finalize().map_err(fail)?;
        }
        persist(tmp, &wav)?;
        let (lead_silence, tail_silence) = silences(&clip.samples);
        let entry = Entry {
            loudness_lufs: crate::audio::loudness::integrated_of_pcm16(
                &clip.samples,
                clip.sample_rate,
            ),
            lead_silence,
            tail_silence,
            sample_rate: clip.sample_rate,
            samples: clip.samples.len() as u64,
            marks: clip.marks.clone(),
        };
        let json = serde_json::to_vec(&entry).map_err(|e| Error::Audio(e.to_string()))?;
        write_atomic(&meta, &json)?;
        Ok(ClipFile {
            segment,
            path: wav,
            sample_rate: clip.sample_rate,
            samples: entry.samples,
            marks: entry.marks,
            loudness_lufs: entry.loudness_lufs,
            lead_silence,
            tail_silence,
        })
    }
}

/// A clip in the cache, as `audition cache` sees it.
#[derive(Debug, Clone)]
pub struct Cached {
    pub key: String,
    /// The WAV and its metadata together.
    pub bytes: u64,
    /// When it was made or last used.
    pub used: std::time::SystemTime,
}

/// What pruning should remove.
#[derive(Debug, Clone, Default)]
pub struct PruneRule {
    /// Clips not used for this long.
    pub older_than: Option<std::time::Duration>,
    /// Then the least recently used, until the cache is this small.
    pub max_bytes: Option<u64>,
}

/// What pruning did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pruned {
    pub removed: usize,
    pub freed_bytes: u64,
    pub kept: usize,
    pub kept_bytes: u64,
    /// Kept because a published episode is made of them.
    pub protected: usize,
}

impl ClipCache {
    /// The local folder the clips are in (a bucket cache's mirror).
    pub fn folder(&self) -> &Path {
        &self.dir
    }

    /// Every complete clip, least recently used first.
    pub fn clips(&self) -> Result<Vec<Cached>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&self.dir, e)),
        };
        let mut clips = Vec::new();
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&self.dir, e))?.path();
            let Some(key) = path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.strip_suffix(".wav"))
            else {
                continue;
            };
            let (wav, meta) = self.paths(key);
            let (Ok(audio), Ok(json)) = (std::fs::metadata(&wav), std::fs::metadata(&meta)) else {
                continue;
            };
            clips.push(Cached {
                key: key.to_string(),
                bytes: audio.len() + json.len(),
                used: audio.modified().map_err(|e| Error::io(&wav, e))?,
            });
        }
        clips.sort_by(|a, b| a.used.cmp(&b.used).then(a.key.cmp(&b.key)));
        Ok(clips)
    }

    /// Removes the clips `rule` names, least recently used first, never one in `keep`.
    pub fn prune(
        &self,
        rule: &PruneRule,
        keep: &std::collections::HashSet<String>,
    ) -> Result<Pruned> {
        let clips = self.clips()?;
        let mut total: u64 = clips.iter().map(|c| c.bytes).sum();
        let now = std::time::SystemTime::now();
        let mut pruned = Pruned::default();
        for clip in clips {
            let stale = rule
                .older_than
                .is_some_and(|age| now.duration_since(clip.used).unwrap_or_default() > age);
            let too_big = rule.max_bytes.is_some_and(|max| total > max);
            if keep.contains(&clip.key) {
                pruned.protected += usize::from(stale || too_big);
            } else if stale || too_big {
                let (wav, meta) = self.paths(&clip.key);
                // The metadata first: without it the audio is not a clip any more.
                std::fs::remove_file(&meta).map_err(|e| Error::io(&meta, e))?;
                std::fs::remove_file(&wav).map_err(|e| Error::io(&wav, e))?;
                total -= clip.bytes;
                pruned.removed += 1;
                pruned.freed_bytes += clip.bytes;
                continue;
            }
            pruned.kept += 1;
            pruned.kept_bytes += clip.bytes;
        }
        Ok(pruned)
    }
}

/// Level under which a sample counts as silence (−50 dBFS).
const SILENCE: i16 = 103;

/// Samples of silence at the start and at the end of a clip: up to the first sample over
/// [`SILENCE`] and after the last one.
pub(crate) fn silences(samples: &[i16]) -> (u64, u64) {
    let loud = |s: &i16| s.unsigned_abs() > SILENCE as u16;
    match (
        samples.iter().position(loud),
        samples.iter().rposition(loud),
    ) {
        (Some(first), Some(last)) => (first as u64, (samples.len() - 1 - last) as u64),
        _ => (0, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::silences;

    #[test]
    fn silence_around_speech_is_measured_with_a_margin() {
        let mut clip = vec![0i16; 1_000];
        clip.extend(std::iter::repeat_n(5_000i16, 500));
        clip.extend(vec![3i16; 2_000]);
        assert_eq!(silences(&clip), (1_000, 2_000));
        assert_eq!(silences(&[0i16; 100]), (0, 0));
    }
}

//! The pipeline wired end to end: issue → script → clips → mastered MP3 → published files
//! and feed. Each stage is called once, in order; this file only passes data between them,
//! decides when nothing needs doing, and publishes through the store (a folder or a bucket),
//! each file whole and the feed last.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audio::encode::EpisodeTags;
use crate::audio::jingle::JingleSet;
use crate::audio::loudness::LoudnessReport;
use crate::audio::{master, mix, samples_to_ms};
use crate::error::{Error, Result};
use crate::ingest::{IngestOptions, Issue, StoryKind};
use crate::progress::Progress;
use crate::publish::manifest::{Credit, Manifest, MANIFEST_VERSION};
use crate::publish::site::{page_keys, Pages, Site};
use crate::publish::{chapters, feed, push, transcript};
use crate::script::{self, Script};
use crate::show::{Show, VoiceProfile};
use crate::store::{Store, Swap};
use crate::synth::{self, cost, ClipCache, SynthCounts};

/// Where a build reads and writes.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// The published folder or bucket (`s3://bucket/prefix`): feed.xml, episodes/.
    pub out: String,
    /// The clip cache: a folder or a bucket shared by several machines.
    pub cache: String,
    /// Overrides the show's public URL in the feed's links.
    pub base_url: Option<String>,
    /// Refuse to synthesise anything when the estimated cost of the requests is higher.
    pub max_cost: Option<f64>,
    /// Where the issue came from (a feed item's guid, an e-mail's Message-ID, a file name),
    /// kept in the manifest so that a watcher never builds it twice.
    pub source: Option<String>,
}

impl BuildOptions {
    /// Options that publish into `out` with the clip cache at `cache`.
    pub fn new(out: impl Into<String>, cache: impl Into<String>) -> BuildOptions {
        BuildOptions {
            out: out.into(),
            cache: cache.into(),
            base_url: None,
            max_cost: None,
            source: None,
        }
    }
}

/// An issue to build and how to read it: the inputs of `audition build` and of a queued job.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// A file (text, Markdown, HTML, .eml, RSS/Atom) or an http(s) URL.
    pub issue: String,
    /// The show file; `None` for the built-in show in the issue's language.
    pub show: Option<PathBuf>,
    /// The issue's language instead of the detected one.
    pub language: Option<String>,
    /// For a feed: the item to read (`latest`, a guid or a link).
    pub item: Option<String>,
    /// One voice for the whole run (a profile name, a path or `auto`), replacing the cast.
    pub voice: Option<String>,
}

/// Reads the issue, then loads its show (or the built-in one in the issue's language) with
/// its voices resolved (`auto` picked, `--voice` applied).
pub async fn prepare(request: &Request) -> Result<(Issue, Show)> {
    let options = IngestOptions {
        language: request.language.clone(),
        item: request.item.clone(),
    };
    let issue = crate::ingest::load(&request.issue, &options).await?;
    let show = load_show(
        request.show.as_deref(),
        &issue.language,
        request.voice.as_deref(),
    )?;
    Ok((issue, show))
}

/// The show a run speaks with: the show file, or the built-in show in `language`; `voice`
/// (a profile name, a path or `auto`) in place of its cast; every `auto` voice picked.
pub fn load_show(show: Option<&Path>, language: &str, voice: Option<&str>) -> Result<Show> {
    let mut show = match show {
        Some(path) => Show::load(path)?,
        None => Show::default_for(language)?,
    };
    if let Some(voice) = voice {
        show.cast = Default::default();
        show.voice = match voice {
            crate::show::AUTO_VOICE => VoiceProfile::auto(&show.language, &show.path),
            name => VoiceProfile::find(name, Some(&show.voice.path))?,
        };
    }
    for voice in show.voices_mut() {
        *voice = synth::choice::resolve(voice.clone(), Path::new("voices"))?;
    }
    Ok(show)
}

/// Whose turn it is to write a store's feed, when several machines publish into it (the
/// job queue's per-store lock). A single `audition build` needs none.
#[async_trait::async_trait]
pub trait FeedTurn: Send + Sync {
    /// Waits until this process may write the feed of the store at `out`.
    async fn begin(&self, out: &str) -> Result<()>;
    /// Gives the turn back.
    async fn end(&self, out: &str) -> Result<()>;
}

/// What a build did.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub episode_id: String,
    pub title: String,
    pub duration_ms: u64,
    /// Full stories and briefs read.
    pub stories: usize,
    pub briefs: usize,
    pub clips: SynthCounts,
    /// True when nothing had changed and no audio was produced.
    pub up_to_date: bool,
    pub loudness: LoudnessReport,
    /// The published MP3: a path or an `s3://` URL.
    pub mp3: String,
    /// The published feed: a path or an `s3://` URL.
    pub feed: String,
    /// Wall time of each stage, seconds.
    pub timings: Vec<(String, f64)>,
    /// Problems worth fixing that did not stop the build (cover art, …).
    pub warnings: Vec<String>,
}

/// Builds the episode of one issue (read by [`crate::ingest::load`]) and republishes the
/// show's feed.
pub async fn build(
    show: &Show,
    issue: &Issue,
    options: &BuildOptions,
    progress: &dyn Progress,
) -> Result<BuildReport> {
    build_in_turn(show, issue, options, progress, None).await
}

/// [`build()`], the feed written only in this process's `turn` when one is given.
pub async fn build_in_turn(
    show: &Show,
    issue: &Issue,
    options: &BuildOptions,
    progress: &dyn Progress,
    turn: Option<&dyn FeedTurn>,
) -> Result<BuildReport> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &str, timings: &mut Vec<(String, f64)>| {
        timings.push((name.to_string(), clock.elapsed().as_secs_f64()));
        clock = Instant::now();
    };

    let engines = synth::engines_for(&show.voices())?;
    let script = script::build_with(issue, &show.script_settings(), None);
    let out = Store::open(&options.out)?;
    let cache = ClipCache::open(&options.cache)?;
    let base_url = options
        .base_url
        .as_deref()
        .unwrap_or(&show.base_url)
        .trim_end_matches('/')
        .to_string();
    let id = issue.date.iso();
    let manifest_key = Manifest::key(&id);
    let keys = synth::clip_keys(&script, &engines, &cache);
    let fingerprint = fingerprint(show, &script, &keys, &base_url)?;
    lap("script", &mut timings);

    let (stories, briefs) = count_stories(issue);
    let existing = Manifest::read(&out, &manifest_key).await?;
    if let Some(existing) = &existing {
        if existing.fingerprint == fingerprint && existing.files_present(&out).await? {
            if existing.clips.is_empty() {
                // Written before manifests named their clips: name them now, for the pruner.
                let named = Manifest {
                    clips: distinct(&keys),
                    ..existing.clone()
                };
                let json =
                    serde_json::to_vec_pretty(&named).map_err(|e| Error::Audio(e.to_string()))?;
                out.put(&manifest_key, json).await?;
            }
            let published = publish_in_turn(show, &base_url, &out, turn, Pages::New(None)).await?;
            lap("publish", &mut timings);
            let mut warnings = show.cover.problems()?;
            warnings.extend(published.warnings);
            return Ok(BuildReport {
                episode_id: id,
                title: existing.title.clone(),
                duration_ms: existing.duration_ms,
                stories,
                briefs,
                clips: SynthCounts {
                    synthesised: 0,
                    cached: keys.len(),
                },
                up_to_date: true,
                loudness: existing.loudness,
                mp3: out.describe(&existing.audio_file),
                feed: published.feed,
                timings,
                warnings,
            });
        }
    }

    cache.fetch(&keys).await?;
    if let Some(max) = options.max_cost {
        let estimate = cost::estimate(&script, &engines, &cache, &profiles(show));
        if estimate.cost > max {
            return Err(Error::Cost(format!(
                "estimated cost {:.2} {} for {} request(s), {} billed characters, is above --max-cost {max:.2}; nothing was requested",
                estimate.cost, estimate.currency, estimate.requests, estimate.billed_chars
            )));
        }
    }
    let (clips, counts) = synth::synthesize_script(&script, &engines, &cache, progress).await?;
    lap("synthesis", &mut timings);

    // The episode is made in a scratch folder, then published file by file.
    let scratch = tempfile::tempdir().map_err(|e| Error::io(&std::env::temp_dir(), e))?;
    let jingles = JingleSet::load(&show.jingles)?;
    let mut timeline = mix::rundown(&script, &clips, &jingles, &show.rundown);
    name_chapter_voices(show, &script, &mut timeline.chapters);
    let title = script::episode_title(issue, &show.language);
    let description = script::episode_description(issue, &show.language);
    let tags = EpisodeTags {
        title: title.clone(),
        show: show.title.clone(),
        author: show.author.clone(),
        date: id.clone(),
        language: show.language.clone(),
        comment: description.clone(),
        cover: Some((show.cover.bytes()?, show.cover.mime().to_string())),
        chapters: timeline.chapters.clone(),
    };
    let mastered = {
        let (timeline, dir) = (timeline.clone(), scratch.path().to_path_buf());
        let settings = master::MasterSettings {
            loudness: show.loudness,
            encoder: show.encoder,
        };
        // Usually one measuring pass and one encoding pass over the whole episode.
        let total = timeline.total * 2;
        progress.stage("Mixing and encoding", total);
        let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = done.clone();
        let task = tokio::task::spawn_blocking(move || {
            master::master(&timeline, &jingles, &dir, &tags, &settings, &counter)
        });
        let mastered = follow(task, &done, total, progress).await;
        progress.finish_stage();
        mastered.map_err(|e| Error::Audio(format!("mixing task failed: {e}")))??
    };
    lap("mix+encode", &mut timings);

    // Identity comes from the show's own URL, so serving elsewhere keeps every guid.
    let show_guid = feed::podcast_guid(&feed::feed_url(&show.base_url));
    let version = fingerprint[..12].to_string();
    let manifest = Manifest {
        version: MANIFEST_VERSION,
        id: id.clone(),
        guid: feed::episode_guid(&show_guid, &id),
        title: title.clone(),
        description,
        date: id.clone(),
        language: show.language.clone(),
        // A new name whenever the audio changes: apps and CDNs never revalidate media.
        audio_file: format!("episodes/{id}.{version}.mp3"),
        audio_bytes: mastered.bytes,
        duration_ms: samples_to_ms(timeline.total),
        audio_version: version,
        chapters_file: format!("episodes/{id}.chapters.json"),
        transcript_file: format!("episodes/{id}.vtt"),
        srt_file: Some(format!("episodes/{id}.srt")),
        show_notes: script::show_notes(issue, &show.language),
        chapters: timeline.chapters.clone(),
        narrator: Some(show.voice.credit()),
        cast: cast_credits(show, &script),
        loudness: mastered.loudness,
        source: options
            .source
            .clone()
            .or_else(|| existing.as_ref().and_then(|m| m.source.clone())),
        fingerprint,
        clips: distinct(&keys),
    };
    out.put(
        &manifest.chapters_file,
        chapters::chapters_json(&timeline.chapters),
    )
    .await?;
    out.put(
        &manifest.transcript_file,
        transcript::webvtt(&timeline.cues),
    )
    .await?;
    if let Some(srt) = &manifest.srt_file {
        out.put(srt, transcript::srt(&timeline.cues)).await?;
    }
    out.put_file(&manifest.audio_file, mastered.file.path())
        .await?;
    drop(mastered.file);
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Audio(e.to_string()))?;
    out.put(&manifest_key, json).await?;
    let published = publish_in_turn(show, &base_url, &out, turn, Pages::New(Some(&id))).await?;
    // The audio the feed named before is no longer named by it.
    if let Some(old) = existing.filter(|old| old.audio_file != manifest.audio_file) {
        out.delete(&old.audio_file).await?;
    }
    lap("publish", &mut timings);
    let mut warnings = show.cover.problems()?;
    warnings.extend(published.warnings);

    Ok(BuildReport {
        episode_id: id,
        title,
        duration_ms: manifest.duration_ms,
        stories,
        briefs,
        clips: counts,
        up_to_date: false,
        loudness: manifest.loudness,
        mp3: out.describe(&manifest.audio_file),
        feed: published.feed,
        timings,
        warnings,
    })
}

/// What building `issue` would ask of the show's engine: requests, billed characters and
/// estimated cost, counting only clips not already in the cache. Nothing is synthesised.
pub async fn estimate(show: &Show, issue: &Issue, cache: &str) -> Result<cost::Estimate> {
    let engines = synth::engines_for(&show.voices())?;
    let script = script::build_with(issue, &show.script_settings(), None);
    let cache = ClipCache::open(cache)?;
    cache
        .fetch(&synth::clip_keys(&script, &engines, &cache))
        .await?;
    Ok(cost::estimate(&script, &engines, &cache, &profiles(show)))
}

/// The show's voice profiles, in the order of `Show::voices`.
fn profiles(show: &Show) -> Vec<&VoiceProfile> {
    show.voices().into_iter().map(|(_, v)| v).collect()
}

/// Every voice heard in the script, once each, with its role; empty for a show of one voice
/// (its credit is the manifest's `narrator`).
fn cast_credits(show: &Show, script: &Script) -> Vec<Credit> {
    let voices = show.voices();
    if voices.len() == 1 {
        return Vec::new();
    }
    let mut credits: Vec<Credit> = Vec::new();
    for segment in &script.segments {
        let (role, voice) = voices[segment.voice];
        let credit = Credit {
            name: voice.credit(),
            role: role.podcast_role().to_string(),
        };
        if !credits.contains(&credit) {
            credits.push(credit);
        }
    }
    credits
}

/// Names in each chapter the voices heard in it, when the show has several.
fn name_chapter_voices(show: &Show, script: &Script, chapters: &mut [mix::Chapter]) {
    let voices = show.voices();
    if voices.len() == 1 {
        return;
    }
    let mut stories: Vec<usize> = script.segments.iter().map(|s| s.story).collect();
    stories.dedup();
    for (chapter, story) in chapters.iter_mut().zip(stories) {
        for segment in script.segments.iter().filter(|s| s.story == story) {
            let name = voices[segment.voice].1.credit();
            if !chapter.voices.contains(&name) {
                chapter.voices.push(name);
            }
        }
    }
}

/// What rewriting a feed did.
#[derive(Debug, Clone)]
pub struct Published {
    /// The feed: a path or an `s3://` URL.
    pub feed: String,
    /// Hubs or hooks that could not be told (they are told only when the feed changed).
    pub warnings: Vec<String>,
}

/// How many times a feed is rebuilt when other publishers keep writing it in between.
const FEED_SWAPS: usize = 20;

/// Rewrites `feed.xml` (and the cover it points at) from the store's manifests; files
/// whose content did not change are left untouched. With a retention of N, episodes past
/// the newest N leave the feed first, then their files are removed.
///
/// Concurrent publishers never lose an episode: the feed is read before the manifests are
/// listed and written only if it is still the version read (`If-Match`, or
/// `If-None-Match: *` for the first feed); otherwise it is rebuilt. A local folder cannot
/// compare versions, so its publishers take turns on a lock file instead. (A bucket that
/// ignores conditional writes relies on the job queue's per-show lock.)
pub async fn publish_feed(show: &Show, base_url: &str, out: &Store) -> Result<Published> {
    publish_feed_and_pages(show, base_url, out, Pages::New(None)).await
}

/// [`publish_feed`], every episode page rewritten: what `audition site` does after the
/// show's settings changed.
pub async fn publish_site(show: &Show, base_url: &str, out: &Store) -> Result<Published> {
    publish_feed_and_pages(show, base_url, out, Pages::All).await
}

/// Rebuilds the show's pages (`pages` says which episode pages) and then its feed.
async fn publish_feed_and_pages(
    show: &Show,
    base_url: &str,
    out: &Store,
    pages: Pages<'_>,
) -> Result<Published> {
    let _turn = FolderLock::take(out).await?;
    let cover_name = format!("cover.{}", show.cover.extension());
    out.put_if_changed(&cover_name, show.cover.bytes()?).await?;
    for _ in 0..FEED_SWAPS {
        let current = out.get_versioned(FEED).await?;
        let mut episodes = Manifest::read_all(out).await?;
        let keep = show.retention.unwrap_or(usize::MAX).min(episodes.len());
        let retired = episodes.split_off(keep);
        if show.site.enabled {
            let site = Site {
                show,
                base_url,
                cover_file: &cover_name,
            };
            crate::publish::site::publish(&site, out, &episodes, pages).await?;
        }
        let xml = feed::feed_xml(show, base_url, &cover_name, &episodes);
        let unchanged = current.as_ref().map(|c| &c.bytes[..]) == Some(xml.as_bytes());
        if unchanged || out.swap(FEED, xml, current.map(|c| c.version)).await? == Swap::Written {
            for old in retired {
                for page in page_keys(&old.id) {
                    out.delete(&page).await?;
                }
                old.remove_files(out).await?;
            }
            let warnings = if unchanged {
                Vec::new()
            } else {
                push::announce(&show.push, &feed::feed_url(base_url)).await
            };
            return Ok(Published {
                feed: out.describe(FEED),
                warnings,
            });
        }
    }
    Err(Error::Store(crate::store::StoreError {
        location: out.describe(FEED),
        message: format!(
            "other publishers changed the feed {FEED_SWAPS} times while it was rebuilt; try again"
        ),
    }))
}

/// [`publish_feed`] in this process's turn, if it has to take one.
async fn publish_in_turn(
    show: &Show,
    base_url: &str,
    out: &Store,
    turn: Option<&dyn FeedTurn>,
    pages: Pages<'_>,
) -> Result<Published> {
    let Some(turn) = turn else {
        let mut published = publish_feed_and_pages(show, base_url, out, pages).await?;
        published.warnings.extend(unguarded(out).await);
        return Ok(published);
    };
    turn.begin(out.location()).await?;
    let published = publish_feed_and_pages(show, base_url, out, pages).await;
    let ended = turn.end(out.location()).await;
    let feed = published?;
    ended?;
    Ok(feed)
}

/// A warning when a bucket is published to without a queue's turn and ignores conditional
/// writes (Garage 2.5 and s3s-fs 0.14 do): then nothing keeps two publishers at once from
/// losing an episode. Each bucket is probed once per process; a failed probe says nothing.
async fn unguarded(out: &Store) -> Option<String> {
    static PROBED: std::sync::Mutex<Vec<(String, bool)>> = std::sync::Mutex::new(Vec::new());
    if out.folder().is_some() {
        return None;
    }
    let known = PROBED
        .lock()
        .ok()?
        .iter()
        .find(|(l, _)| l == out.location())
        .map(|(_, c)| *c);
    let compares = match known {
        Some(c) => c,
        None => {
            let c = out.compares_versions().await.ok()?;
            PROBED.lock().ok()?.push((out.location().to_string(), c));
            c
        }
    };
    (!compares).then(|| {
        format!(
            "{} ignores conditional writes (If-Match): two publishers at once could lose an episode; publish to it through `audition enqueue` and `audition worker`, whose queue takes turns on the feed",
            out.location()
        )
    })
}

/// The feed's key in a published store.
const FEED: &str = "feed.xml";

/// An exclusive lock on `<folder>/.audition.lock`, held while a local folder's feed is
/// rebuilt; nothing for a bucket.
struct FolderLock(Option<std::fs::File>);

impl FolderLock {
    async fn take(out: &Store) -> Result<FolderLock> {
        let Some(dir) = out.folder() else {
            return Ok(FolderLock(None));
        };
        let path = dir.join(".audition.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(&path, e))?;
        let file = tokio::task::spawn_blocking(move || file.lock().map(|()| file))
            .await
            .map_err(|e| Error::io(&path, std::io::Error::other(e)))?
            .map_err(|e| Error::io(&path, e))?;
        Ok(FolderLock(Some(file)))
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        if let Some(file) = &self.0 {
            let _ = file.unlock();
        }
    }
}

/// Waits for the mixing task, moving the progress bar as its sample counter grows (never
/// past `total`, should the codec ask for another pass).
async fn follow<T>(
    mut task: tokio::task::JoinHandle<T>,
    done: &std::sync::atomic::AtomicU64,
    total: u64,
    progress: &dyn Progress,
) -> std::result::Result<T, tokio::task::JoinError> {
    let mut shown = 0;
    loop {
        let outcome = tokio::select! {
            outcome = &mut task => Some(outcome),
            () = tokio::time::sleep(std::time::Duration::from_millis(100)) => None,
        };
        let now = done.load(std::sync::atomic::Ordering::Relaxed).min(total);
        if now > shown {
            progress.advance(now - shown);
            shown = now;
        }
        if let Some(outcome) = outcome {
            return outcome;
        }
    }
}

/// The keys, each once, in order.
fn distinct(keys: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    keys.iter().filter(|k| seen.insert(*k)).cloned().collect()
}

fn count_stories(issue: &Issue) -> (usize, usize) {
    let stories = issue
        .stories
        .iter()
        .filter(|s| s.kind == StoryKind::Story)
        .count();
    let briefs = issue
        .stories
        .iter()
        .filter(|s| s.kind == StoryKind::Briefs)
        .map(|s| s.blocks.len())
        .sum();
    (stories, briefs)
}

/// Hash of every input that shapes the published episode.
fn fingerprint(
    show: &Show,
    script: &Script,
    clip_keys: &[String],
    base_url: &str,
) -> Result<String> {
    let mut hash = Sha256::new();
    let mut field = |label: &str, bytes: &[u8]| {
        hash.update(label.as_bytes());
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    field("audition", env!("CARGO_PKG_VERSION").as_bytes());
    // A new manifest format (new files, new feed tags) republishes every episode.
    field("manifest", &MANIFEST_VERSION.to_le_bytes());
    for key in clip_keys {
        field("clip", key.as_bytes());
    }
    for segment in &script.segments {
        field("segment", segment.title.as_bytes());
        for cue in &segment.cues {
            field("cue", cue.text.as_bytes());
        }
    }
    for text in [
        &show.title,
        &show.author,
        &show.description,
        &show.language,
        &show.owner_name,
        &show.owner_email,
    ] {
        field("show", text.as_bytes());
    }
    field("base_url", base_url.as_bytes());
    for (_, voice) in show.voices() {
        field("voice", voice.credit().as_bytes());
    }
    field("rundown", format!("{:?}", show.rundown).as_bytes());
    field("loudness", format!("{:?}", show.loudness).as_bytes());
    field("encoder", format!("{:?}", show.encoder).as_bytes());
    field("cover", &show.cover.bytes()?);
    let j = &show.jingles;
    for jingle in [&j.intro, &j.transition, &j.sting, &j.outro, &j.bed] {
        match jingle {
            Some(path) => field("jingle", &read(path)?),
            None => field("jingle", b"generated"),
        }
    }
    Ok(hex::encode(hash.finalize()))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

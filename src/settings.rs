//! The bottom floor: plain settings of every stage, as a show file and its voice profiles
//! give them — the voices (`VoiceProfile`, `EngineOptions`, `Role`, `Cast`), the rundown's
//! times and jingles, the loudness target, the MP3 encoder, where new issues come from
//! (`[watch]`) and whom to tell when the feed changes (`[push]`).
//!
//! This module imports nothing of the crate: `show` reads and checks these from the files,
//! and each stage imports only the types of its own settings from here, never `show`.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Sample rate of the rendered episode and the MP3.
pub const EPISODE_RATE: u32 = 44_100;

/// MP3's bitrates, kbps (MPEG-1 and MPEG-2 layer III together).
pub const MP3_BITRATES_KBPS: [u32; 16] = [
    8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320,
];

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

/// The voices of a show beside its host, as broadcast news does it.
#[derive(Debug, Clone, Default)]
pub struct Cast {
    /// Read the stories, in turn, story by story (the host reads them when there are none).
    pub readers: Vec<VoiceProfile>,
    /// Reads quotations.
    pub quotes: Option<VoiceProfile>,
}

/// What a voice does in an episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Host,
    Reader,
    Quotes,
}

impl Role {
    /// The role in the Podcasting 2.0 taxonomy (`podcast:person role`, group cast).
    pub fn podcast_role(self) -> &'static str {
        match self {
            Role::Host => "host",
            Role::Reader => "narrator",
            Role::Quotes => "voice actor",
        }
    }
}

/// A voice: which engine speaks and how.
#[derive(Debug, Clone, PartialEq)]
pub struct VoiceProfile {
    /// Profile name (the file stem).
    pub name: String,
    /// The profile file.
    pub path: PathBuf,
    /// Engine name, e.g. `espeak`.
    pub engine: String,
    /// Engine-specific voice identifier, e.g. `fr` for espeak-ng.
    pub voice: String,
    /// BCP 47 language tag of the voice.
    pub language: String,
    /// Speaking rate as a multiple of the engine's default (1.0 = default).
    pub rate: f32,
    /// Pitch shift in semitones (0 = the voice's own pitch).
    pub pitch: f32,
    /// How the voice is credited in the feed (`podcast:person`, role narrator).
    pub credit: Option<String>,
    /// Engine settings beyond the voice itself.
    pub options: EngineOptions,
}

/// Engine-specific settings of a voice profile; each engine reads those it knows and has a
/// default for every one the vendor has a default for.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngineOptions {
    /// Piper: the `.onnx` voice model (relative to the profile); HTTP engines: the vendor's
    /// model name.
    pub model: Option<String>,
    /// HTTP engines: the service's base URL (how tests point an engine at 127.0.0.1).
    pub base_url: Option<String>,
    /// Azure and Amazon Polly: the service region.
    pub region: Option<String>,
    /// The audio format asked of the engine (`pcm`, `wav`, `mp3`).
    pub format: Option<String>,
    /// The sample rate asked of the engine, Hz.
    pub sample_rate: Option<u32>,
    /// Piper: speaker id of a multi-speaker model.
    pub speaker: Option<i64>,
    /// Piper: phoneme length (above 1 is slower) and the two noise scales.
    pub length_scale: Option<f32>,
    pub noise_scale: Option<f32>,
    pub noise_w: Option<f32>,
    /// Piper: silence after each sentence, ms.
    pub sentence_silence_ms: Option<u32>,
    /// Piper and Kokoro: path to `libonnxruntime.so` (else `ORT_DYLIB_PATH`).
    pub onnxruntime: Option<PathBuf>,
    /// Kokoro: the voices' style vectors (`.npz` of 510×256 arrays, or one voice's raw
    /// float32 `.bin`), relative to the profile.
    pub styles: Option<String>,
    /// Kokoro: the model's phoneme vocabulary (`vocab.json`, or a config.json with `vocab`).
    pub vocab: Option<String>,
    /// Piper and Kokoro: the espeak-ng voice that phonemises the text (Piper: its config's).
    pub phonemizer: Option<String>,
    /// Requests (or local syntheses) at once.
    pub concurrency: Option<usize>,
    /// HTTP engines: seconds before a request is abandoned (and tried again).
    pub timeout_s: Option<f64>,
    /// HTTP engines: how many times a failed request is tried again.
    pub retries: Option<u32>,
    /// Price per million billed characters, overriding the price table.
    pub price_per_million_chars: Option<f64>,
}

impl VoiceProfile {
    /// The voice's credit: the profile's own, or the engine and voice it names.
    pub fn credit(&self) -> String {
        self.credit.clone().unwrap_or_else(|| {
            let engine = match self.engine.as_str() {
                "espeak" | "espeak-ng" if self.voice.starts_with("mb-") => "espeak-ng with MBROLA",
                "espeak" => "espeak-ng",
                "pico" => "SVOX Pico",
                "piper" => "Piper",
                "kokoro" => "Kokoro",
                other => other,
            };
            format!("{engine} synthetic voice ({})", self.voice)
        })
    }
}

/// Optional jingle files; a missing one is generated in code.
#[derive(Debug, Clone, Default)]
pub struct Jingles {
    pub intro: Option<PathBuf>,
    /// Stinger between stories.
    pub transition: Option<PathBuf>,
    /// Section sting before the briefs.
    pub sting: Option<PathBuf>,
    pub outro: Option<PathBuf>,
    /// Music bed under the opening, ducked under the voice (none by default).
    pub bed: Option<PathBuf>,
}

impl Jingles {
    /// Every file named, in a fixed order.
    pub fn files(&self) -> impl Iterator<Item = &PathBuf> {
        [
            &self.intro,
            &self.transition,
            &self.sting,
            &self.outro,
            &self.bed,
        ]
        .into_iter()
        .flatten()
    }
}

/// Pauses and fades of the rundown, in milliseconds (`[rundown]` in `show.toml`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RundownTimes {
    /// Silence after each jingle.
    pub pause_after_jingle_ms: u64,
    /// Silence between stories.
    pub pause_between_stories_ms: u64,
    /// Silence between the parts of a story cut for an engine's request limit.
    pub pause_within_story_ms: u64,
    /// Silence at the very end.
    pub tail_ms: u64,
    /// Fade in and out of every speech clip.
    pub speech_fade_ms: u64,
    pub jingle_fade_in_ms: u64,
    pub jingle_fade_out_ms: u64,
    /// How long the voice after a jingle overlaps the jingle's end (the jingle fading out
    /// under it); 0 puts `pause_after_jingle_ms` of silence between them instead.
    pub crossfade_ms: u64,
    /// Music bed alone before the opening voice comes in.
    pub bed_lead_ms: u64,
    /// Music bed after the opening voice ends, rising back and fading out.
    pub bed_tail_ms: u64,
    /// Level of the bed under the voice, dB relative to its own level.
    pub bed_duck_db: f32,
    /// How long the bed takes to duck before the voice and to rise after it.
    pub duck_ms: u64,
}

/// Longest pause, fade or overlap accepted, in milliseconds.
const MAX_RUNDOWN_MS: u64 = 30_000;

impl Default for RundownTimes {
    fn default() -> Self {
        RundownTimes {
            pause_after_jingle_ms: 350,
            pause_between_stories_ms: 700,
            pause_within_story_ms: 150,
            tail_ms: 300,
            speech_fade_ms: 8,
            jingle_fade_in_ms: 3,
            jingle_fade_out_ms: 20,
            crossfade_ms: 0,
            bed_lead_ms: 2_000,
            bed_tail_ms: 1_500,
            bed_duck_db: -15.0,
            duck_ms: 400,
        }
    }
}

impl RundownTimes {
    /// Why these times cannot be used, if they cannot.
    pub fn problem(&self) -> Option<String> {
        let times = [
            ("pause_after_jingle_ms", self.pause_after_jingle_ms),
            ("pause_between_stories_ms", self.pause_between_stories_ms),
            ("pause_within_story_ms", self.pause_within_story_ms),
            ("tail_ms", self.tail_ms),
            ("speech_fade_ms", self.speech_fade_ms),
            ("jingle_fade_in_ms", self.jingle_fade_in_ms),
            ("jingle_fade_out_ms", self.jingle_fade_out_ms),
            ("crossfade_ms", self.crossfade_ms),
            ("bed_lead_ms", self.bed_lead_ms),
            ("bed_tail_ms", self.bed_tail_ms),
            ("duck_ms", self.duck_ms),
        ];
        if let Some((name, ms)) = times.iter().find(|(_, ms)| *ms > MAX_RUNDOWN_MS) {
            return Some(format!(
                "rundown.{name} is {ms} ms; at most {MAX_RUNDOWN_MS} ms"
            ));
        }
        if !(-60.0..=0.0).contains(&self.bed_duck_db) {
            return Some(format!(
                "rundown.bed_duck_db must be between -60 and 0, got {}",
                self.bed_duck_db
            ));
        }
        None
    }
}

/// How far under the true-peak limit the limiter works: MP3 coding adds a little to peaks.
pub const MP3_HEADROOM_DB: f64 = 0.6;

/// The episode's loudness target (`[loudness]` in `show.toml`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoudnessTarget {
    /// Integrated loudness, LUFS (podcast platforms recommend −16 for stereo-or-mono speech).
    pub integrated_lufs: f64,
    /// Maximum true peak, dBTP.
    pub true_peak_dbtp: f64,
}

impl Default for LoudnessTarget {
    fn default() -> Self {
        LoudnessTarget {
            integrated_lufs: -16.0,
            true_peak_dbtp: -1.0,
        }
    }
}

impl LoudnessTarget {
    /// Why the target cannot be used, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if !(-36.0..=-9.0).contains(&self.integrated_lufs) {
            return Some(format!(
                "loudness.integrated_lufs must be between -36 and -9, got {}",
                self.integrated_lufs
            ));
        }
        if !(-9.0..=0.0).contains(&self.true_peak_dbtp) {
            return Some(format!(
                "loudness.true_peak_dbtp must be between -9 and 0, got {}",
                self.true_peak_dbtp
            ));
        }
        None
    }

    /// The limiter's true-peak ceiling, dBTP.
    pub fn limiter_ceiling(&self) -> f64 {
        self.true_peak_dbtp - MP3_HEADROOM_DB
    }
}

/// How the episode is encoded (`[encoder]` in `show.toml`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EncoderSettings {
    /// Variable (`vbr`, the default) or constant (`cbr`) bitrate.
    pub mode: BitrateMode,
    /// CBR bitrate in kbps (8 to 320, one of MP3's bitrates).
    pub bitrate_kbps: u32,
    /// VBR quality, LAME's `-V`: 0 (best, largest) to 9.
    pub vbr_quality: u8,
    /// 1 (mono) or 2 (stereo).
    pub channels: u8,
    /// Output sample rate in Hz: 32000, 44100 or 48000 (MPEG-1), 16000, 22050 or 24000.
    pub sample_rate: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BitrateMode {
    Vbr,
    Cbr,
}

impl Default for EncoderSettings {
    /// VBR `-V3` (about 100 kbps for mono speech, inside Apple's 96–128 kbps advice): unlike
    /// CBR at 96 kbps, which takes 0.5 LU off synthetic speech, it keeps the loudness that
    /// mastering set.
    fn default() -> Self {
        EncoderSettings {
            mode: BitrateMode::Vbr,
            bitrate_kbps: 96,
            vbr_quality: 3,
            channels: 1,
            sample_rate: EPISODE_RATE,
        }
    }
}

impl EncoderSettings {
    /// Why LAME could not use these settings, if it could not.
    pub fn problem(&self) -> Option<String> {
        if !MP3_BITRATES_KBPS.contains(&self.bitrate_kbps) {
            return Some(format!(
                "encoder.bitrate_kbps must be an MP3 bitrate (8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256 or 320), got {}",
                self.bitrate_kbps
            ));
        }
        if self.vbr_quality > 9 {
            return Some(format!(
                "encoder.vbr_quality must be 0 (best) to 9, got {}",
                self.vbr_quality
            ));
        }
        if !matches!(self.channels, 1 | 2) {
            return Some(format!(
                "encoder.channels must be 1 or 2, got {}",
                self.channels
            ));
        }
        if !matches!(
            self.sample_rate,
            16_000 | 22_050 | 24_000 | 32_000 | 44_100 | 48_000
        ) {
            return Some(format!(
                "encoder.sample_rate must be 16000, 22050, 24000, 32000, 44100 or 48000, got {}",
                self.sample_rate
            ));
        }
        None
    }
}

/// A path written in a profile, taken relative to the profile's folder.
pub fn relative_to(profile: &Path, path: &Path) -> PathBuf {
    match profile.parent() {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path.to_path_buf(),
    }
}

/// The primary language subtag of a BCP 47 tag, lower-cased by convention of the callers.
pub fn primary_language(tag: &str) -> &str {
    tag.split(['-', '_']).next().unwrap_or(tag)
}

/// `[site]`: the show's web pages, published with the feed (on by default).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SiteSettings {
    /// Publish `index.html` and one page per episode beside the feed.
    pub enabled: bool,
    /// The accent colour, `#rrggbb`; darkened or lightened as needed for contrast.
    pub color: Option<String>,
    /// The show's page on Apple Podcasts (else a `podcast://` link to the feed).
    pub apple_podcasts: Option<String>,
    /// The show's page on Spotify (no link without it).
    pub spotify: Option<String>,
    /// The show's page on Pocket Casts (else its subscribe link to the feed).
    pub pocket_casts: Option<String>,
    /// The show's page on YouTube Music, Deezer or any other platform: label and URL.
    #[serde(default)]
    pub links: Vec<SiteLink>,
}

/// A link to the show on a platform the site does not know by name.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteLink {
    pub label: String,
    pub url: String,
}

impl Default for SiteSettings {
    fn default() -> Self {
        SiteSettings {
            enabled: true,
            color: None,
            apple_podcasts: None,
            spotify: None,
            pocket_casts: None,
            links: Vec::new(),
        }
    }
}

impl SiteSettings {
    /// What is wrong with these settings, if anything.
    pub fn problem(&self) -> Option<String> {
        if let Some(color) = &self.color {
            let hex = color.strip_prefix('#').unwrap_or_default();
            if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
                return Some(format!("[site] color = {color:?} is not a #rrggbb colour"));
            }
        }
        let urls = [&self.apple_podcasts, &self.spotify, &self.pocket_casts];
        urls.into_iter()
            .flatten()
            .chain(self.links.iter().map(|l| &l.url))
            .find(|u| !(u.starts_with("https://") || u.starts_with("http://")))
            .map(|u| format!("[site] {u:?} is not an http(s) URL"))
    }
}

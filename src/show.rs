//! Show configuration (`feeds/<show>/show.toml`) and voice profiles (`voices/<name>.toml`).
//!
//! Only loading and validation live here; what the settings mean is up to the stages that
//! read them. Relative paths in a show file are resolved against the show file's folder.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::script::lexicon::Lexicon;
pub use crate::settings::{
    primary_language, relative_to, Cast, EngineOptions, Jingles, Role, VoiceProfile,
};
use crate::settings::{
    EncoderSettings, LoudnessTarget, PushSettings, RundownTimes, SiteSettings, WatchSettings,
};

/// A podcast show: the channel metadata of its feed and the settings of its episodes.
#[derive(Debug, Clone)]
pub struct Show {
    /// Short identifier, the name of the show's folder (`qant` for `feeds/qant/show.toml`).
    pub id: String,
    /// The show file this was loaded from.
    pub path: PathBuf,
    pub title: String,
    pub description: String,
    /// BCP 47 language tag, e.g. `fr-FR`.
    pub language: String,
    pub author: String,
    pub owner_name: String,
    pub owner_email: String,
    pub category: String,
    pub subcategory: Option<String>,
    pub explicit: bool,
    /// Cover art (JPEG or PNG).
    pub cover: Cover,
    /// Public URL under which the published folder is served, without trailing slash.
    pub base_url: String,
    /// Link to the show's web site, if any.
    pub link: Option<String>,
    /// The host: the opening, the closing and the links between stories; everything when
    /// the show has no readers.
    pub voice: VoiceProfile,
    /// Voices beside the host (`[voices]` in the show file).
    pub cast: Cast,
    pub jingles: Jingles,
    /// Pronunciations of the show's names (its lexicons, merged in order).
    pub lexicon: Lexicon,
    /// `podcast:locked`: whether other platforms may not import the feed.
    pub locked: bool,
    /// Keep only the newest N episodes in the feed and the published folder.
    pub retention: Option<usize>,
    /// Pauses and fades of the rundown.
    pub rundown: RundownTimes,
    /// Integrated loudness and true-peak limit of the episodes.
    pub loudness: LoudnessTarget,
    /// MP3 settings.
    pub encoder: EncoderSettings,
    /// Where `audition watch` looks for new issues (`[watch]`).
    pub watch: Option<WatchSettings>,
    /// Whom to tell when the feed changes (`[push]`).
    pub push: PushSettings,
    /// The show's web pages (`[site]`).
    pub site: SiteSettings,
}

impl Show {
    /// Every voice of the show with its role: the host first, then the readers, then the
    /// quotes voice. A segment's `voice` is an index into this list.
    pub fn voices(&self) -> Vec<(Role, &VoiceProfile)> {
        let mut voices = vec![(Role::Host, &self.voice)];
        voices.extend(self.cast.readers.iter().map(|v| (Role::Reader, v)));
        voices.extend(self.cast.quotes.iter().map(|v| (Role::Quotes, v)));
        voices
    }

    /// What the script stage is given: the title, the language, the lexicon and the voices.
    pub fn script_settings(&self) -> crate::script::ScriptSettings<'_> {
        crate::script::ScriptSettings {
            title: &self.title,
            language: &self.language,
            lexicon: &self.lexicon,
            voices: self.voices(),
        }
    }

    /// Every voice, mutably, in the order of [`Show::voices`].
    pub fn voices_mut(&mut self) -> Vec<&mut VoiceProfile> {
        let mut voices = vec![&mut self.voice];
        voices.extend(self.cast.readers.iter_mut());
        voices.extend(self.cast.quotes.iter_mut());
        voices
    }
}

/// A show's cover image.
#[derive(Debug, Clone, PartialEq)]
pub enum Cover {
    File(PathBuf),
    /// Compiled into the binary (the default show's), with its file extension.
    Embedded(&'static [u8], &'static str),
}

impl Cover {
    pub fn bytes(&self) -> Result<Vec<u8>> {
        match self {
            Cover::File(path) => std::fs::read(path).map_err(|e| Error::io(path, e)),
            Cover::Embedded(bytes, _) => Ok(bytes.to_vec()),
        }
    }

    /// Lower-case file extension (`jpg`, `png`).
    pub fn extension(&self) -> String {
        match self {
            Cover::File(path) => path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("jpg")
                .to_lowercase(),
            Cover::Embedded(_, ext) => ext.to_string(),
        }
    }

    /// What Apple Podcasts would reject or downscale: not JPEG/PNG, not RGB, not square,
    /// outside 1400–3000 px. Empty when the cover is fine.
    pub fn problems(&self) -> Result<Vec<String>> {
        let bytes = self.bytes()?;
        let mut problems = Vec::new();
        match imagesize::image_type(&bytes) {
            Ok(imagesize::ImageType::Jpeg) | Ok(imagesize::ImageType::Png) => {}
            _ => problems.push("cover art should be a JPEG or PNG image".to_string()),
        }
        match imagesize::blob_size(&bytes) {
            Ok(size) => {
                if size.width != size.height {
                    problems.push(format!(
                        "cover art is {}×{} px; podcast apps want a square image",
                        size.width, size.height
                    ));
                }
                if !(1400..=3000).contains(&size.width.max(size.height)) {
                    problems.push(format!(
                        "cover art is {}×{} px; Apple Podcasts wants 1400 to 3000 px",
                        size.width, size.height
                    ));
                }
            }
            Err(_) => problems.push("cover art: cannot read the image size".to_string()),
        }
        if let Some(model) = non_rgb_color_model(&bytes) {
            problems.push(format!(
                "cover art is {model}; Apple Podcasts wants an RGB image"
            ));
        }
        Ok(problems)
    }

    pub fn mime(&self) -> &'static str {
        if self.extension() == "png" {
            "image/png"
        } else {
            "image/jpeg"
        }
    }
}

/// The colour model of a JPEG or PNG when it is not RGB (`grayscale`, `CMYK`), read from
/// the JPEG frame header's component count or the PNG header's colour type.
fn non_rgb_color_model(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        // Signature, IHDR length and name, width, height, bit depth, then the colour type.
        return match bytes.get(25)? {
            0 | 4 => Some("grayscale"),
            _ => None,
        };
    }
    if !bytes.starts_with(&[0xff, 0xd8]) {
        return None;
    }
    let mut at = 2;
    while at + 9 < bytes.len() {
        if bytes[at] != 0xff {
            return None;
        }
        let marker = bytes[at + 1];
        let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        let frame_header = (0xc0..=0xcf).contains(&marker) && !matches!(marker, 0xc4 | 0xc8 | 0xcc);
        if frame_header {
            // Length, precision, height, width, then the number of components.
            return match bytes[at + 9] {
                1 => Some("grayscale"),
                4 => Some("CMYK"),
                _ => None,
            };
        }
        at += 2 + length;
    }
    None
}

/// The default show and voices, compiled in.
const DEFAULT_SHOW: &str = include_str!("../feeds/default/show.toml");
const DEFAULT_COVER: &[u8] = include_bytes!("../feeds/default/cover.jpg");
const FRENCH_VOICE: &str = include_str!("../voices/fr-espeak.toml");
const ENGLISH_VOICE: &str = include_str!("../voices/en-espeak.toml");
const FRENCH_LEXICON: &str = include_str!("../voices/lexicons/fr.pls");
const ENGLISH_LEXICON: &str = include_str!("../voices/lexicons/en.pls");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ShowFile {
    title: String,
    description: String,
    language: String,
    author: String,
    category: String,
    subcategory: Option<String>,
    #[serde(default)]
    explicit: bool,
    #[serde(default)]
    locked: bool,
    retention: Option<usize>,
    #[serde(default)]
    rundown: RundownTimes,
    #[serde(default)]
    loudness: LoudnessTarget,
    #[serde(default)]
    encoder: EncoderSettings,
    cover: PathBuf,
    base_url: String,
    link: Option<String>,
    /// A voice profile's path, or `auto` (the default): the best voice installed.
    #[serde(default)]
    voice: Option<String>,
    #[serde(default)]
    lexicons: Vec<PathBuf>,
    owner: OwnerFile,
    #[serde(default)]
    jingles: JinglesFile,
    #[serde(default)]
    voices: VoicesFile,
    watch: Option<WatchSettings>,
    #[serde(default)]
    push: PushSettings,
    #[serde(default)]
    site: SiteSettings,
}

/// `[voices]`: the host (else `voice`), readers taking stories in turn, a quotes voice.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct VoicesFile {
    host: Option<String>,
    #[serde(default)]
    readers: Vec<String>,
    quotes: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OwnerFile {
    name: String,
    email: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct JinglesFile {
    intro: Option<PathBuf>,
    transition: Option<PathBuf>,
    sting: Option<PathBuf>,
    outro: Option<PathBuf>,
    bed: Option<PathBuf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VoiceFile {
    engine: String,
    /// Optional for Piper, whose model file names the voice.
    voice: Option<String>,
    language: String,
    #[serde(default = "default_rate")]
    rate: f32,
    #[serde(default)]
    pitch: f32,
    credit: Option<String>,
    model: Option<String>,
    base_url: Option<String>,
    region: Option<String>,
    format: Option<String>,
    sample_rate: Option<u32>,
    speaker: Option<i64>,
    length_scale: Option<f32>,
    noise_scale: Option<f32>,
    noise_w: Option<f32>,
    sentence_silence_ms: Option<u32>,
    onnxruntime: Option<PathBuf>,
    styles: Option<String>,
    vocab: Option<String>,
    phonemizer: Option<String>,
    concurrency: Option<usize>,
    timeout_s: Option<f64>,
    retries: Option<u32>,
    price_per_million_chars: Option<f64>,
}

fn default_rate() -> f32 {
    1.0
}

impl Show {
    /// The built-in show for issues given without `--show`, speaking `language` (`fr`, `en`).
    pub fn default_for(language: &str) -> Result<Show> {
        let builtin = Path::new("(built-in default show)");
        let file: ShowFile = toml::from_str(DEFAULT_SHOW)
            .map_err(|e| Error::config(builtin, one_line(&e.to_string())))?;
        let (voice_text, tag, lexicon) = match language {
            "fr" => (FRENCH_VOICE, "fr-FR", FRENCH_LEXICON),
            _ => (ENGLISH_VOICE, "en-US", ENGLISH_LEXICON),
        };
        let lexicon = Lexicon::parse(lexicon)
            .map_err(|m| Error::config(Path::new("(built-in lexicon)"), m))?;
        let voice = match file.voice.as_deref() {
            None | Some(AUTO_VOICE) => VoiceProfile::auto(tag, builtin),
            Some(_) => {
                let voice_path = Path::new("(built-in voice)");
                let voice_file: VoiceFile = toml::from_str(voice_text)
                    .map_err(|e| Error::config(voice_path, one_line(&e.to_string())))?;
                VoiceProfile::from_file(voice_file, voice_path)?
            }
        };
        let file = ShowFile {
            language: tag.to_string(),
            ..file
        };
        let resources = Resources {
            cover: Cover::Embedded(DEFAULT_COVER, "jpg"),
            voice,
            cast: Cast::default(),
            jingles: Jingles::default(),
            lexicon,
        };
        Ok(file.into_show("default".to_string(), builtin, resources))
    }

    /// Loads and validates a show file, its voice profile and the files it names.
    pub fn load(path: &Path) -> Result<Show> {
        let file: ShowFile = read_toml(path)?;
        if let Some(problem) = file.settings_problem() {
            return Err(Error::config(path, problem));
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let id = show_id(path);
        let resolve = |p: &Path| dir.join(p);

        let cover = resolve(&file.cover);
        if !cover.is_file() {
            return Err(Error::config(
                path,
                format!("cover image {} does not exist", cover.display()),
            ));
        }
        let base_url = file.base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(Error::config(
                path,
                format!("base_url must start with http:// or https://, got {base_url:?}"),
            ));
        }
        if !file.owner.email.contains('@') {
            return Err(Error::config(path, "owner.email is not an e-mail address"));
        }
        let jingles = Jingles {
            intro: file.jingles.intro.as_deref().map(resolve),
            transition: file.jingles.transition.as_deref().map(resolve),
            sting: file.jingles.sting.as_deref().map(resolve),
            outro: file.jingles.outro.as_deref().map(resolve),
            bed: file.jingles.bed.as_deref().map(resolve),
        };
        for jingle in jingles.files() {
            if !jingle.is_file() {
                return Err(Error::config(
                    path,
                    format!("jingle {} does not exist", jingle.display()),
                ));
            }
        }
        let voice_of = |named: Option<&str>| match named.map(str::trim) {
            None | Some(AUTO_VOICE) => Ok(VoiceProfile::auto(&file.language, path)),
            Some(profile) => VoiceProfile::load(&resolve(Path::new(profile))),
        };
        let voice = voice_of(file.voices.host.as_deref().or(file.voice.as_deref()))?;
        let cast = Cast {
            readers: file
                .voices
                .readers
                .iter()
                .map(|r| voice_of(Some(r)))
                .collect::<Result<_>>()?,
            quotes: file
                .voices
                .quotes
                .as_deref()
                .map(|q| voice_of(Some(q)))
                .transpose()?,
        };
        let mut lexicon = Lexicon::default();
        for path in &file.lexicons {
            lexicon = lexicon.merged(Lexicon::load(&resolve(path))?);
        }
        // A drop folder is named relative to the show file, like its other files.
        let watch = file.watch.clone().map(|w| WatchSettings {
            folder: w.folder.as_deref().map(resolve),
            ..w
        });
        let file = ShowFile {
            base_url,
            watch,
            ..file
        };
        let resources = Resources {
            cover: Cover::File(cover),
            voice,
            cast,
            jingles,
            lexicon,
        };
        Ok(file.into_show(id, path, resources))
    }

    /// The primary language subtag (`fr` for `fr-FR`).
    pub fn lang(&self) -> &str {
        primary_language(&self.language)
    }
}

/// What a show file names, loaded.
struct Resources {
    cover: Cover,
    voice: VoiceProfile,
    cast: Cast,
    jingles: Jingles,
    lexicon: Lexicon,
}

impl ShowFile {
    /// Why the audio settings cannot be used, if they cannot.
    fn settings_problem(&self) -> Option<String> {
        self.loudness
            .problem()
            .or_else(|| self.encoder.problem())
            .or_else(|| self.rundown.problem())
            .or_else(|| self.watch.as_ref().and_then(WatchSettings::problem))
            .or_else(|| self.push.problem())
            .or_else(|| self.site.problem())
    }

    fn into_show(self, id: String, path: &Path, resources: Resources) -> Show {
        Show {
            id,
            path: path.to_path_buf(),
            title: self.title,
            description: self.description,
            language: self.language,
            author: self.author,
            owner_name: self.owner.name,
            owner_email: self.owner.email,
            category: self.category,
            subcategory: self.subcategory,
            explicit: self.explicit,
            cover: resources.cover,
            base_url: self.base_url,
            link: self.link,
            voice: resources.voice,
            cast: resources.cast,
            jingles: resources.jingles,
            lexicon: resources.lexicon,
            locked: self.locked,
            retention: self.retention,
            rundown: self.rundown,
            loudness: self.loudness,
            encoder: self.encoder,
            watch: self.watch,
            push: self.push,
            site: self.site,
        }
    }
}

/// The show's `voice` that asks for the best voice installed.
pub const AUTO_VOICE: &str = "auto";

impl VoiceProfile {
    /// The placeholder of `voice = "auto"` for a language, until the synth stage picks the
    /// voice (`synth::choice::resolve`); `path` is the file that asked for it.
    pub fn auto(language: &str, path: &Path) -> VoiceProfile {
        VoiceProfile {
            name: AUTO_VOICE.to_string(),
            path: path.to_path_buf(),
            engine: AUTO_VOICE.to_string(),
            voice: AUTO_VOICE.to_string(),
            language: language.to_string(),
            rate: 1.0,
            pitch: 0.0,
            credit: None,
            options: EngineOptions::default(),
        }
    }

    /// A profile given by name (`voices/<name>.toml` here, or beside `near`) or by path.
    pub fn find(name_or_path: &str, near: Option<&Path>) -> Result<VoiceProfile> {
        let given = Path::new(name_or_path);
        if name_or_path.ends_with(".toml") || name_or_path.contains(std::path::MAIN_SEPARATOR) {
            return VoiceProfile::load(given);
        }
        let file = format!("{name_or_path}.toml");
        let mut places = vec![Path::new("voices").join(&file)];
        if let Some(dir) = near.and_then(Path::parent) {
            places.push(dir.join(&file));
        }
        match places.iter().find(|p| p.is_file()) {
            Some(path) => VoiceProfile::load(path),
            None => Err(Error::config(
                given,
                format!(
                    "no voice profile named {name_or_path:?} (looked for {}); `audition voices` lists the profiles",
                    places.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" and ")
                ),
            )),
        }
    }

    /// Loads a voice profile from a TOML file.
    pub fn load(path: &Path) -> Result<VoiceProfile> {
        let table: toml::Table = read_toml(path)?;
        if let Some(field) = table.keys().find(|k| looks_secret(k)) {
            return Err(Error::config(
                path,
                format!("remove `{field}`: voice profiles never hold keys; export the engine's key in the environment (see `audition voices`)"),
            ));
        }
        let file: VoiceFile = table
            .try_into()
            .map_err(|e: toml::de::Error| Error::config(path, one_line(&e.to_string())))?;
        VoiceProfile::from_file(file, path)
    }

    fn from_file(file: VoiceFile, path: &Path) -> Result<VoiceProfile> {
        if !(0.25..=4.0).contains(&file.rate) {
            return Err(Error::config(path, "rate must be between 0.25 and 4.0"));
        }
        if file.concurrency == Some(0) {
            return Err(Error::config(path, "concurrency must be at least 1"));
        }
        if file.timeout_s.is_some_and(|t| !(t > 0.0 && t <= 3600.0)) {
            return Err(Error::config(
                path,
                "timeout_s must be between 0 and 3600 seconds",
            ));
        }
        if let Some(url) = &file.base_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(Error::config(
                    path,
                    format!("base_url must start with http:// or https://, got {url:?}"),
                ));
            }
        }
        if !(-12.0..=12.0).contains(&file.pitch) {
            return Err(Error::config(
                path,
                "pitch must be between -12 and 12 semitones",
            ));
        }
        let voice = voice_name(&file, path)?;
        Ok(VoiceProfile {
            name: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            path: path.to_path_buf(),
            engine: file.engine,
            voice,
            language: file.language,
            rate: file.rate,
            pitch: file.pitch,
            credit: file.credit,
            options: EngineOptions {
                model: file.model,
                base_url: file.base_url.map(|u| u.trim_end_matches('/').to_string()),
                region: file.region,
                format: file.format,
                sample_rate: file.sample_rate,
                speaker: file.speaker,
                length_scale: file.length_scale,
                noise_scale: file.noise_scale,
                noise_w: file.noise_w,
                sentence_silence_ms: file.sentence_silence_ms,
                onnxruntime: file.onnxruntime.map(|p| relative_to(path, &p)),
                styles: file.styles,
                vocab: file.vocab,
                phonemizer: file.phonemizer,
                concurrency: file.concurrency,
                timeout_s: file.timeout_s,
                retries: file.retries,
                price_per_million_chars: file.price_per_million_chars,
            },
        })
    }
}

/// The profile's `voice`; a Piper profile without one is named after its model file
/// (`piper/fr_FR-siwis-medium.onnx` speaks as `fr_FR-siwis-medium`).
fn voice_name(file: &VoiceFile, path: &Path) -> Result<String> {
    if let Some(voice) = file
        .voice
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        return Ok(voice.to_string());
    }
    if file.engine == "pico" {
        return Ok(file.language.clone());
    }
    let from_model = file
        .model
        .as_deref()
        .filter(|_| file.engine == "piper")
        .and_then(|m| Path::new(m).file_name())
        .map(|n| n.to_string_lossy())
        .map(|n| n.strip_suffix(".onnx").unwrap_or(&n).to_string())
        .filter(|n| !n.is_empty());
    from_model.ok_or_else(|| {
        Error::config(
            path,
            match file.engine.as_str() {
                "piper" => "missing field `voice` (or `model`, whose file name names the voice)",
                _ => "missing field `voice`",
            },
        )
    })
}

/// Field names that would hold a credential.
fn looks_secret(field: &str) -> bool {
    let field = field.to_ascii_lowercase();
    ["key", "token", "secret", "password"]
        .iter()
        .any(|w| field.contains(w))
}

fn show_id(path: &Path) -> String {
    path.canonicalize()
        .ok()
        .and_then(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "show".to_string())
}

fn read_toml<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::config(path, "file not found"),
        _ => Error::config(path, format!("cannot read: {e}")),
    })?;
    toml::from_str(&text).map_err(|e| Error::config(path, one_line(&e.to_string())))
}

/// Collapses a multi-line message (as TOML errors are) into one line.
pub(crate) fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.chars().all(|c| c == '|' || c == '^' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::{non_rgb_color_model, VoiceProfile};

    fn profile(text: &str) -> Result<VoiceProfile, String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v.toml");
        std::fs::write(&path, text).unwrap();
        VoiceProfile::load(&path).map_err(|e| e.to_string())
    }

    #[test]
    fn a_piper_voice_is_named_by_its_model_file_unless_the_profile_names_it() {
        let piper =
            "engine = \"piper\"\nlanguage = \"fr-FR\"\nmodel = \"piper/fr_FR-siwis-medium.onnx\"\n";
        assert_eq!(profile(piper).unwrap().voice, "fr_FR-siwis-medium");
        let named = format!("{piper}voice = \"siwis\"\n");
        assert_eq!(profile(&named).unwrap().voice, "siwis");
        let error = profile("engine = \"piper\"\nlanguage = \"fr-FR\"\n").unwrap_err();
        assert!(
            error.contains("missing field `voice` (or `model`"),
            "{error}"
        );
        let error = profile("engine = \"espeak\"\nlanguage = \"fr-FR\"\n").unwrap_err();
        assert!(error.contains("missing field `voice`"), "{error}");
    }

    /// A JPEG's start and frame header with `components` colour components.
    fn jpeg(components: u8) -> Vec<u8> {
        let mut bytes = vec![0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00];
        bytes.extend([
            0xff, 0xc0, 0x00, 0x11, 0x08, 0x05, 0x78, 0x05, 0x78, components,
        ]);
        bytes.extend([0u8; 16]);
        bytes
    }

    fn png(color_type: u8) -> Vec<u8> {
        let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
        bytes.extend([0, 0, 5, 0x78, 0, 0, 5, 0x78, 8, color_type, 0, 0, 0]);
        bytes
    }

    #[test]
    fn cmyk_and_grayscale_covers_are_told_apart_from_rgb() {
        assert_eq!(non_rgb_color_model(&jpeg(3)), None);
        assert_eq!(non_rgb_color_model(&jpeg(4)), Some("CMYK"));
        assert_eq!(non_rgb_color_model(&jpeg(1)), Some("grayscale"));
        assert_eq!(non_rgb_color_model(&png(2)), None);
        assert_eq!(non_rgb_color_model(&png(6)), None);
        assert_eq!(non_rgb_color_model(&png(0)), Some("grayscale"));
        let real = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/feeds/qant/cover.jpg"));
        assert_eq!(non_rgb_color_model(&real.unwrap()), None);
    }
}

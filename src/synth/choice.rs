//! `voice = "auto"`: the best voice installed here for a language, and why.
//!
//! In order: a neural model with a profile in `voices/` (Kokoro, then Piper) that can run
//! here, then the embedded SVOX Pico voice for its six languages, then espeak-ng with an
//! MBROLA voice when MBROLA and the voice's data are installed, then espeak-ng itself.
//! The order follows what an independent ear (Whisper base) understood best; see
//! `bench/intelligibility.sh`.

use std::path::{Path, PathBuf};

use super::pico;
use crate::error::{Error, Result};
use crate::settings::{primary_language, VoiceProfile};

/// The engine name a show's profile carries until its voice is picked.
pub const AUTO: &str = "auto";

/// One voice that could speak a language here.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub profile: VoiceProfile,
    /// What kind of voice it is (`neural model`, `embedded`, `MBROLA`, `formant`).
    pub kind: &'static str,
    /// Why it can or cannot run here.
    pub state: std::result::Result<String, String>,
}

/// The voices of one language, best first, and the one `auto` picks.
#[derive(Debug, Clone)]
pub struct Choice {
    pub language: String,
    pub candidates: Vec<Candidate>,
}

impl Choice {
    /// The first candidate that can run.
    pub fn picked(&self) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.state.is_ok())
    }
}

/// Every voice for `language` (a BCP 47 tag), from the given profiles (those of `voices/`,
/// see [`profiles`]) and what is installed.
pub fn candidates(language: &str, profiles: &[VoiceProfile]) -> Choice {
    let mut found = Vec::new();
    for engine in ["kokoro", "piper"] {
        for profile in profiles
            .iter()
            .filter(|p| p.engine == engine && same_language(&p.language, language))
        {
            let state = super::readiness(engine, Some(profile));
            found.push(Candidate {
                profile: profile.clone(),
                kind: "neural model",
                state,
            });
        }
    }
    if let Some(lingware) = pico::lingware_for(language) {
        found.push(Candidate {
            profile: builtin("pico", lingware.tag, language),
            kind: "embedded",
            state: Ok(format!("SVOX Pico {} (in the binary)", lingware.tag)),
        });
    }
    let espeak = super::readiness("espeak", None);
    if let Some(voice) = mbrola_voice(language) {
        let state = match (&espeak, mbrola_installed()) {
            (Err(missing), _) => Err(missing.clone()),
            (Ok(_), true) => Ok(format!("espeak-ng with MBROLA {voice}")),
            (Ok(_), false) => Err("the mbrola program is not installed".to_string()),
        };
        found.push(Candidate {
            profile: builtin("espeak", &voice, language),
            kind: "MBROLA",
            state,
        });
    }
    match espeak_voice(language) {
        Some(voice) => found.push(Candidate {
            profile: builtin("espeak", &voice, language),
            kind: "formant",
            state: espeak,
        }),
        None => found.push(Candidate {
            profile: builtin("espeak", primary_language(language), language),
            kind: "formant",
            state: espeak.and(Err(format!("espeak-ng has no voice for {language}"))),
        }),
    }
    Choice {
        language: language.to_string(),
        candidates: found,
    }
}

/// `profile` itself, or the voice `auto` picks when it is the show's `auto` placeholder.
pub fn resolve(profile: VoiceProfile, voices: &Path) -> Result<VoiceProfile> {
    if profile.engine != AUTO {
        return Ok(profile);
    }
    let choice = candidates(&profile.language, &profiles(voices));
    match choice.picked() {
        Some(candidate) => Ok(candidate.profile.clone()),
        None => Err(Error::config(
            &profile.path,
            format!(
                "voice = \"auto\": no voice can speak {} here ({}); install espeak-ng or name a profile",
                profile.language,
                choice
                    .candidates
                    .iter()
                    .filter_map(|c| c.state.as_ref().err().cloned())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )),
    }
}

/// A profile for a voice that needs no file of its own.
fn builtin(engine: &str, voice: &str, language: &str) -> VoiceProfile {
    VoiceProfile {
        name: format!("{engine}-{voice}"),
        path: PathBuf::from(format!("(auto: {engine} {voice})")),
        engine: engine.to_string(),
        voice: voice.to_string(),
        language: language.to_string(),
        rate: 1.0,
        pitch: 0.0,
        credit: None,
        options: Default::default(),
    }
}

fn same_language(a: &str, b: &str) -> bool {
    primary_language(a).eq_ignore_ascii_case(primary_language(b))
}

/// The profiles in a folder that load, in name order.
pub fn profiles(dir: &Path) -> Vec<VoiceProfile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .filter_map(|p| VoiceProfile::load(p).ok())
        .collect()
}

/// espeak-ng's voices for a language: `(language, file)` pairs from `--voices=<lang>`.
fn espeak_voices(selector: &str) -> Vec<(String, String)> {
    let Ok(output) = std::process::Command::new("espeak-ng")
        .arg(format!("--voices={selector}"))
        .output()
    else {
        return Vec::new();
    };
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            Some((fields.get(1)?.to_string(), fields.get(4)?.to_string()))
        })
        .collect()
}

/// espeak-ng's own voice for a language: the one for the exact tag, else for its primary
/// language (`en-US` → `en-us`, `fr-FR` → `fr`).
fn espeak_voice(language: &str) -> Option<String> {
    let tag = language.replace('_', "-").to_ascii_lowercase();
    let primary = primary_language(&tag).to_string();
    let voices: Vec<(String, String)> = espeak_voices(&primary)
        .into_iter()
        .filter(|(_, file)| !file.starts_with("mb/"))
        .collect();
    let identifier = |file: &str| file.rsplit('/').next().unwrap_or(file).to_ascii_lowercase();
    voices
        .iter()
        .find(|(lang, _)| *lang == tag)
        .or_else(|| voices.iter().find(|(lang, _)| *lang == primary))
        .or_else(|| voices.first())
        .map(|(_, file)| identifier(file))
}

/// The MBROLA voice espeak-ng knows for a language whose data is installed, exact region
/// first, lowest number first (`mb-fr1` before `mb-fr4`). Voices that speak another
/// language with an accent (`mb-fr1-en`) are not taken.
fn mbrola_voice(language: &str) -> Option<String> {
    let tag = language.replace('_', "-").to_ascii_lowercase();
    let primary = primary_language(&tag).to_string();
    let mut voices: Vec<(bool, String)> = espeak_voices("mb")
        .into_iter()
        .filter(|(lang, _)| primary_language(lang) == primary)
        .filter_map(|(lang, file)| {
            let name = file.strip_prefix("mb/")?.to_string();
            let id = name.strip_prefix("mb-")?;
            let plain = id.chars().all(|c| c.is_ascii_alphanumeric());
            (plain && mbrola_data(id)).then_some((lang != tag, name))
        })
        .collect();
    voices.sort();
    voices.into_iter().next().map(|(_, name)| name)
}

/// Whether an MBROLA voice's data (`/usr/share/mbrola/fr1/fr1`) is installed.
fn mbrola_data(id: &str) -> bool {
    ["/usr/share/mbrola", "/usr/local/share/mbrola"]
        .iter()
        .any(|root| {
            let dir = Path::new(root).join(id);
            dir.join(id).is_file() || dir.is_file()
        })
}

fn mbrola_installed() -> bool {
    std::process::Command::new("mbrola")
        .arg("-h")
        .output()
        .is_ok()
}

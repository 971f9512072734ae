//! `audition init <DIR>`: a new show folder that builds as it is — a commented `show.toml`, a
//! drawn cover (1400 px square RGB JPEG with the title on it), an empty W3C PLS lexicon and a
//! sample issue in the show's language.
//!
//! It writes only into a new or empty folder, each file created new (never over an existing
//! one, even if another process races it), and removes what it wrote if a later file fails.

mod cover;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::settings::primary_language;

/// What the producer gave `audition init`.
#[derive(Debug, Clone)]
pub struct NewShow {
    pub title: String,
    /// BCP 47 tag, `fr-FR`, `en-US`…
    pub language: String,
    /// A voice profile name or path, or `auto`.
    pub voice: String,
    /// Where the show will be published; a placeholder to replace otherwise.
    pub base_url: Option<String>,
}

/// The files made, in the order they were written.
pub fn create(dir: &Path, show: &NewShow) -> Result<Vec<PathBuf>> {
    check_folder(dir, show)?;
    std::fs::create_dir_all(dir.join("issues")).map_err(|e| Error::io(dir, e))?;
    let french = primary_language(&show.language).eq_ignore_ascii_case("fr");
    let hue = show
        .title
        .bytes()
        .fold(17u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)))
        % 360;
    let cover = cover::draw(&show.title, hue as f32).map_err(|m| Error::config(dir, m))?;
    let today = chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string();
    let files = [
        (
            PathBuf::from("show.toml"),
            show_toml(dir, show, french).into_bytes(),
        ),
        (PathBuf::from("cover.jpg"), cover),
        (
            PathBuf::from("lexicon.pls"),
            lexicon(&show.language).into_bytes(),
        ),
        (
            Path::new("issues").join(format!("{today}.md")),
            sample_issue(&show.title, &today, french).into_bytes(),
        ),
    ];
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = dir.join(name);
        if let Err(e) = create_new(&path, &bytes) {
            for done in &written {
                let _ = std::fs::remove_file(done);
            }
            return Err(e);
        }
        written.push(path);
    }
    Ok(written)
}

/// A new or empty folder, and settings that make a show.
fn check_folder(dir: &Path, show: &NewShow) -> Result<()> {
    if show.title.trim().is_empty() {
        return Err(Error::input(dir, "the show needs a title (--title)"));
    }
    let tag = &show.language;
    let well_formed = !tag.is_empty()
        && tag
            .split('-')
            .all(|p| !p.is_empty() && p.len() <= 8 && p.chars().all(|c| c.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(Error::input(
            dir,
            format!("--language {tag:?} is not a language tag such as fr-FR or en-US"),
        ));
    }
    match std::fs::read_dir(dir).map(|mut entries| entries.next().is_some()) {
        Ok(true) => Err(Error::input(
            dir,
            "the folder exists and is not empty; init writes only into a new or empty folder",
        )),
        Ok(false) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io(dir, e)),
    }
}

/// Writes a file that must not exist yet, synced to disk.
fn create_new(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                Error::input(path, "exists already; not overwritten")
            }
            _ => Error::io(path, e),
        })?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(path, e))
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn show_toml(dir: &Path, show: &NewShow, french: bool) -> String {
    let slug = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "show".into());
    let base_url = show
        .base_url
        .clone()
        .unwrap_or_else(|| format!("https://podcast.example.com/{slug}"));
    let description = if french {
        format!(
            "Chaque numéro de la lettre {}, lu à voix haute.",
            show.title
        )
    } else {
        format!("Every issue of the {} newsletter, read aloud.", show.title)
    };
    format!(
        r##"# {title} — made by `audition init`. Paths are relative to this file.
# Build the sample issue:   audition build {dir}/issues/<date>.md --show {dir}/show.toml
# The settings below are the required ones; every other table is optional (see README).

title = {title_q}
description = {description}
# BCP 47 tag: the language of the voice, the pages and the feed.
language = {language}
author = {title_q}
# An Apple Podcasts category (and, optionally, subcategory = "…").
category = "News"
explicit = false
cover = "cover.jpg"
# Where the published folder will be served: the feed's and the episodes' URLs start here.
base_url = {base_url}
# A voice profile (a name from voices/, or a path), or "auto": the best voice installed.
voice = {voice}
# Pronunciation lexicons (W3C PLS), applied in order: add the names your voice misreads.
lexicons = ["lexicon.pls"]

# Apple asks for an owner; the address is in the feed (itunes:owner).
[owner]
name = {title_q}
email = "podcast@example.com"

# Where new issues arrive, for `audition watch` (any of the three).
# [watch]
# feed = "https://newsletter.example.com/feed"
# imap = "imaps://user@mail.example.com/INBOX"   # password: AUDITION_IMAP_PASSWORD
# from = "@newsletter.example.com"
# folder = "inbox"

# The show's web pages (on by default).
# [site]
# color = "#1d4ed8"
# apple_podcasts = "https://podcasts.apple.com/…"
# spotify = "https://open.spotify.com/show/…"

# Jingles (WAV, MP3, Ogg, FLAC or M4A); without them Audition makes chimes.
# [jingles]
# intro = "jingles/intro.ogg"
# outro = "jingles/outro.ogg"

# Loudness of every episode (the defaults, as podcast platforms recommend).
# [loudness]
# integrated_lufs = -16.0
# true_peak_dbtp = -1.0
"##,
        title = show.title.replace('\n', " "),
        dir = dir.display(),
        title_q = quoted(&show.title),
        description = quoted(&description),
        language = quoted(&show.language),
        base_url = quoted(&base_url),
        voice = quoted(&show.voice),
    )
}

fn lexicon(language: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Pronunciation lexicon (W3C PLS 1.0). One lexeme per name the voice misreads, e.g.
     <lexeme><grapheme>Qant</grapheme><alias>Kante</alias></lexeme>
     An <alias> is what the voice says instead (every engine); a <phoneme> in IPA is used by
     the engines that read phonemes. -->
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="{language}">
</lexicon>
"#
    )
}

fn sample_issue(title: &str, date: &str, french: bool) -> String {
    let title = title.replace('\n', " ");
    if french {
        format!(
            "---\ntitle: \"{t}, premier numéro\"\ndate: {date}\n---\n\n# {title}, premier numéro\n\n\
             ## Une émission est née\n\nCe numéro d'exemple a été écrit par audition init. Remplacez-le par \
             une vraie lettre : un fichier Markdown, HTML, texte ou un courriel enregistré.\n\n\
             ## Ce que vous entendez\n\nChaque titre de niveau deux devient un chapitre de l'épisode, \
             avec sa transcription. Les noms mal prononcés se corrigent dans lexicon.pls.\n",
            t = title.replace('"', "'"),
        )
    } else {
        format!(
            "---\ntitle: \"{t}, first issue\"\ndate: {date}\n---\n\n# {title}, first issue\n\n\
             ## A show is born\n\nThis sample issue was written by audition init. Replace it with a \
             real newsletter: a Markdown, HTML or text file, or a saved e-mail.\n\n\
             ## What you hear\n\nEvery second-level heading becomes a chapter of the episode, with \
             its transcript. Names the voice gets wrong are fixed in lexicon.pls.\n",
            t = title.replace('"', "'"),
        )
    }
}

//! The show's web pages, published with the feed into the same folder or bucket:
//! `index.html` (cover, description, subscribe links, the episodes newest first) and, per
//! episode, `episodes/<id>.html` (player, chapters, transcript, the stories' links, download)
//! and `episodes/<id>.embed.html` (the player alone, for iframes), with one script and one
//! stylesheet of our own under `site/`.
//!
//! A page works without JavaScript — a plain `<audio controls>`, chapters and transcript as
//! links that reload at `?t=` — and `player.js` makes it follow the voice. Nothing is loaded
//! from another host. Pages speak the show's language (French or English). The HTML is
//! written with `maud`, which escapes every text it is given.

mod words;

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::audio::mix::{Chapter, Cue};
use crate::error::Result;
use crate::publish::feed::{enclosure_url, feed_url};
use crate::publish::manifest::Manifest;
use crate::publish::transcript::parse_webvtt;
use crate::settings::{primary_language, SiteSettings};
use crate::show::Show;
use crate::store::Store;
use words::Words;

/// The player's script and stylesheet, served from `site/`.
pub const SCRIPT: &str = include_str!("player.js");
pub const STYLE: &str = include_str!("player.css");

/// What every page of a show is made from.
pub struct Site<'a> {
    pub show: &'a Show,
    /// The public URL of the published folder, without a trailing slash.
    pub base_url: &'a str,
    /// The cover's name in the published folder (`cover.jpg`).
    pub cover_file: &'a str,
}

/// The keys of an episode's pages.
pub fn page_keys(id: &str) -> [String; 2] {
    [
        format!("episodes/{id}.html"),
        format!("episodes/{id}.embed.html"),
    ]
}

/// Which episode pages to write: all of them (`audition site`), or only the one just
/// built and any that is missing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pages<'a> {
    All,
    New(Option<&'a str>),
}

/// Writes the show's pages for `episodes` (newest first): the script and stylesheet, the
/// episode pages `pages` asks for, then the index. Unchanged files are not rewritten.
pub async fn publish(
    site: &Site<'_>,
    out: &Store,
    episodes: &[Manifest],
    pages: Pages<'_>,
) -> Result<()> {
    out.put_if_changed("site/player.js", SCRIPT.as_bytes().to_vec())
        .await?;
    out.put_if_changed("site/player.css", STYLE.as_bytes().to_vec())
        .await?;
    // One listing says which pages exist, rather than a request per episode.
    let existing: std::collections::HashSet<String> = match pages {
        Pages::All => Default::default(),
        Pages::New(_) => out
            .list("episodes")
            .await?
            .into_iter()
            .map(|l| l.key)
            .collect(),
    };
    for episode in episodes {
        let [page, embed] = page_keys(&episode.id);
        let wanted = match pages {
            Pages::All => true,
            Pages::New(fresh) => fresh == Some(&episode.id) || !existing.contains(&page),
        };
        if !wanted {
            continue;
        }
        let cues = match out.get(&episode.transcript_file).await? {
            Some(bytes) => parse_webvtt(&String::from_utf8_lossy(&bytes)),
            None => Vec::new(),
        };
        out.put_if_changed(&page, episode_page(site, episode, &cues).into_bytes())
            .await?;
        out.put_if_changed(&embed, embed_page(site, episode).into_bytes())
            .await?;
    }
    Ok(out
        .put_if_changed("index.html", index_page(site, episodes).into_bytes())
        .await?)
}

fn words(show: &Show) -> &'static Words {
    Words::for_language(primary_language(&show.language))
}

/// The show's page.
pub fn index_page(site: &Site, episodes: &[Manifest]) -> String {
    let show = site.show;
    let w = words(show);
    let feed = feed_url(site.base_url);
    let cover = format!("{}/{}", site.base_url, site.cover_file);
    let series = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "PodcastSeries",
        "name": show.title,
        "description": show.description,
        "url": format!("{}/", site.base_url),
        "webFeed": feed,
        "image": cover,
        "inLanguage": show.language,
        "author": { "@type": "Person", "name": show.author },
    });
    let head = head(
        site,
        &show.title,
        &show.description,
        &format!("{}/", site.base_url),
        "",
        html! {
            meta property="og:type" content="website";
            link rel="alternate" type="application/rss+xml" title=(show.title) href="feed.xml";
        },
        &series,
    );
    let page = html! {
        (DOCTYPE)
        html lang=(show.language) {
            (head)
            body {
                header class="show" {
                    img src=(site.cover_file) alt="" width="144" height="144";
                    div {
                        h1 { (show.title) }
                        p { (show.description) }
                        (subscribe(site, w))
                    }
                }
                main {
                    h2 { (w.episodes) }
                    @if episodes.is_empty() {
                        p class="muted" { (w.no_episode) }
                    }
                    ol class="episodes" {
                        @for episode in episodes {
                            li {
                                h3 { a href={ "episodes/" (episode.id) ".html" } { (episode.title) } }
                                (meta_line(w, episode))
                                p { (episode.description) }
                            }
                        }
                    }
                }
                script src="site/player.js" defer {}
            }
        }
    };
    page.into_string()
}

/// The subscribe links: the platforms the show names, the apps' own subscribe links to the
/// feed, the feed itself and a button that copies its address.
fn subscribe(site: &Site, w: &Words) -> Markup {
    let feed = feed_url(site.base_url);
    let bare = feed
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    let settings: &SiteSettings = &site.show.site;
    let encoded: String = url_encode(&feed);
    let mut links: Vec<(String, String)> = Vec::new();
    links.push((
        "Apple Podcasts".into(),
        settings
            .apple_podcasts
            .clone()
            .unwrap_or_else(|| format!("podcast://{bare}")),
    ));
    if let Some(spotify) = &settings.spotify {
        links.push(("Spotify".into(), spotify.clone()));
    }
    links.push((
        "Pocket Casts".into(),
        settings
            .pocket_casts
            .clone()
            .unwrap_or_else(|| format!("pktc://subscribe/{bare}")),
    ));
    // AntennaPod's and Overcast's documented subscribe links.
    links.push((
        "AntennaPod".into(),
        format!("https://antennapod.org/deeplink/subscribe?url={encoded}"),
    ));
    links.push((
        "Overcast".into(),
        format!("overcast://x-callback-url/add?url={encoded}"),
    ));
    links.extend(
        settings
            .links
            .iter()
            .map(|l| (l.label.clone(), l.url.clone())),
    );
    html! {
        nav class="subscribe" aria-label=(w.subscribe) {
            ul {
                @for (label, url) in &links {
                    li { a href=(url) { (label) } }
                }
                li { a href="feed.xml" type="application/rss+xml" { "RSS" } }
                li {
                    button type="button" hidden data-copy=(feed) data-copied=(w.copied) {
                        (w.copy_feed)
                    }
                }
            }
        }
    }
}

fn url_encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// An episode's page.
pub fn episode_page(site: &Site, episode: &Manifest, cues: &[Cue]) -> String {
    let show = site.show;
    let w = words(show);
    let url = format!("{}/episodes/{}.html", site.base_url, episode.id);
    let audio_name = audio_name(episode);
    let audio_url = format!("{}/{}", site.base_url, episode.audio_file);
    let embed_url = format!("{}/episodes/{}.embed.html", site.base_url, episode.id);
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": episode.title,
        "description": episode.description,
        "url": url,
        "datePublished": episode.date,
        "inLanguage": episode.language,
        "duration": iso_duration(episode.duration_ms),
        "associatedMedia": {
            "@type": "MediaObject",
            "contentUrl": audio_url,
            "encodingFormat": "audio/mpeg",
        },
        "partOfSeries": {
            "@type": "PodcastSeries",
            "name": show.title,
            "url": format!("{}/", site.base_url),
            "webFeed": feed_url(site.base_url),
        },
    });
    let extra = html! {
        meta property="og:type" content="article";
        meta property="og:audio" content=(audio_url);
        meta property="og:audio:type" content="audio/mpeg";
        meta name="twitter:player" content=(embed_url);
        meta name="twitter:player:width" content="480";
        meta name="twitter:player:height" content="200";
        link rel="alternate" type="application/rss+xml" title=(show.title) href="../feed.xml";
    };
    let head = head(
        site,
        &episode.title,
        &episode.description,
        &url,
        "../",
        extra,
        &ld,
    );
    let page = html! {
        (DOCTYPE)
        html lang=(episode.language) {
            (head)
            body {
                header { p { a href="../index.html" { "← " (show.title) } } }
                main {
                    article data-episode=(episode.id) {
                        div class="show" {
                            img src={ "../" (site.cover_file) } alt="" width="96" height="96";
                            div {
                                h1 { (episode.title) }
                                (meta_line(w, episode))
                            }
                        }
                        (player(w, &audio_name))
                        p {
                            a href=(audio_name) download { (w.download) }
                            " (MP3, " (w.megabytes(episode.audio_bytes)) ")"
                        }
                        (chapter_list(w, &episode.chapters))
                        @if !cues.is_empty() {
                            section {
                                h2 id="transcript" { (w.transcript) }
                                // Scrolls on its own: focusable, so keyboards can scroll it.
                                div class="transcript" tabindex="0" role="region" aria-labelledby="transcript" {
                                    @for (chapter, run) in by_chapter(&episode.chapters, cues) {
                                        @if let Some(chapter) = chapter {
                                            h3 { (chapter.title) }
                                        }
                                        p {
                                            @for cue in run {
                                                a href={ "?t=" (cue.start_ms / 1000) }
                                                    data-start=(seconds(cue.start_ms))
                                                    data-end=(seconds(cue.end_ms)) { (cue.text) }
                                                " "
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        @if !episode.show_notes.is_empty() {
                            // The script stage's show notes (their own heading), every text
                            // already escaped.
                            section class="notes" { (PreEscaped(&episode.show_notes)) }
                        }
                    }
                }
                script src="../site/player.js" defer {}
            }
        }
    };
    page.into_string()
}

/// The player alone, for an `<iframe>`.
pub fn embed_page(site: &Site, episode: &Manifest) -> String {
    let show = site.show;
    let w = words(show);
    let audio_name = audio_name(episode);
    let page = html! {
        (DOCTYPE)
        html lang=(episode.language) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (episode.title) " — " (show.title) }
                meta name="robots" content="noindex";
                link rel="icon" href={ "../" (site.cover_file) };
                (accent_style(&show.site))
                link rel="stylesheet" href="../site/player.css";
            }
            body class="embed" {
                main {
                    article data-episode=(episode.id) {
                        h1 {
                            a href={ (episode.id) ".html" } target="_blank" rel="noopener" {
                                (episode.title)
                            }
                        }
                        p class="meta" { (show.title) " · " (w.duration(episode.duration_ms)) }
                        (player(w, &audio_name))
                        (chapter_list(w, &episode.chapters))
                    }
                }
                script src="../site/player.js" defer {}
            }
        }
    };
    page.into_string()
}

/// The `<head>` every page shares: title, description, canonical URL, OpenGraph and
/// Twitter card, JSON-LD, the stylesheet (`root` leads from the page to the folder's root).
fn head(
    site: &Site,
    title: &str,
    description: &str,
    url: &str,
    root: &str,
    extra: Markup,
    ld: &serde_json::Value,
) -> Markup {
    let show = site.show;
    let cover = format!("{}/{}", site.base_url, site.cover_file);
    let full_title = if title == show.title {
        title.to_string()
    } else {
        format!("{title} — {}", show.title)
    };
    // `</` cannot close the script early once its slash is escaped.
    let ld = ld.to_string().replace("</", "<\\/");
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (full_title) }
            meta name="description" content=(description);
            link rel="canonical" href=(url);
            meta property="og:title" content=(title);
            meta property="og:description" content=(description);
            meta property="og:url" content=(url);
            meta property="og:site_name" content=(show.title);
            meta property="og:image" content=(cover);
            meta property="og:locale" content=(show.language.replace('-', "_"));
            meta name="twitter:card" content="player";
            meta name="twitter:title" content=(title);
            meta name="twitter:image" content=(cover);
            (extra)
            link rel="icon" href={ (root) (site.cover_file) };
            (accent_style(&show.site))
            link rel="stylesheet" href={ (root) "site/player.css" };
            script type="application/ld+json" { (PreEscaped(ld)) }
        }
    }
}

/// The date and length of an episode; the date only for machines when the title says it.
fn meta_line(w: &Words, episode: &Manifest) -> Markup {
    let date = w.date(&episode.date);
    let said = episode.title.starts_with(&date);
    html! {
        p class="meta" {
            @if said {
                time class="visually-hidden" datetime=(episode.date) { (date) }
                (w.duration(episode.duration_ms))
            } @else {
                time datetime=(episode.date) { (date) }
                " · " (w.duration(episode.duration_ms))
            }
        }
    }
}

/// The native player (enough without JavaScript) and the controls the script reveals.
fn player(w: &Words, audio_name: &str) -> Markup {
    html! {
        div class="player" {
            audio controls preload="metadata" src=(audio_name) {
                a href=(audio_name) { (w.download) }
            }
            div class="controls" role="group" aria-label=(w.player) hidden {
                button type="button" data-action="skip" data-skip="-15" { (w.back) }
                button type="button" data-action="play" data-play=(w.play) data-pause=(w.pause) { (w.play) }
                button type="button" data-action="skip" data-skip="30" { (w.forward) }
                label {
                    (w.speed)
                    select {
                        @for rate in ["0.8", "1", "1.25", "1.5", "1.75", "2"] {
                            option value=(rate) selected[rate == "1"] { (rate.replace('.', w.decimal)) "×" }
                        }
                    }
                }
                span class="clock" { "0:00" }
                p class="muted keys" { (w.keys) }
            }
        }
    }
}

fn chapter_list(w: &Words, chapters: &[Chapter]) -> Markup {
    html! {
        @if !chapters.is_empty() {
            section {
                h2 { (w.chapters) }
                ol class="chapters" {
                    @for chapter in chapters {
                        li {
                            a href={ "?t=" (chapter.start_ms / 1000) } data-start=(seconds(chapter.start_ms)) {
                                time datetime=(iso_duration(chapter.start_ms)) { (clock(chapter.start_ms)) }
                                span { (chapter.title) }
                            }
                            @if let Some(url) = &chapter.url {
                                " — " a href=(url) rel="noopener" { (w.read) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The cues under the chapter each starts in (cues before the first chapter under none).
fn by_chapter<'a>(
    chapters: &'a [Chapter],
    cues: &'a [Cue],
) -> Vec<(Option<&'a Chapter>, Vec<&'a Cue>)> {
    let mut groups: Vec<(Option<&Chapter>, Vec<&Cue>)> = Vec::new();
    for cue in cues {
        let chapter = chapters.iter().rev().find(|c| c.start_ms <= cue.start_ms);
        match groups.last_mut() {
            Some((c, run)) if c.map(|c| c.start_ms) == chapter.map(|c| c.start_ms) => run.push(cue),
            _ => groups.push((chapter, vec![cue])),
        }
    }
    groups
}

/// The MP3's address relative to the episode's page.
fn audio_name(episode: &Manifest) -> String {
    let name = episode
        .audio_file
        .strip_prefix("episodes/")
        .unwrap_or(&episode.audio_file);
    enclosure_url(name, episode)
}

/// The page's accent colour and its dark-mode twin, each with at least 4.5:1 contrast
/// against its background (WCAG 2.2 AA for text).
fn accent_style(settings: &SiteSettings) -> Markup {
    let Some(color) = settings.color.as_deref().and_then(parse_hex) else {
        return html! {};
    };
    let light = with_contrast(color, LIGHT_BG, [0.0, 0.0, 0.0]);
    let dark = with_contrast(color, DARK_BG, [1.0, 1.0, 1.0]);
    html! {
        style { (PreEscaped(format!(":root{{--accent:{};--accent-dark:{}}}", hex(light), hex(dark)))) }
    }
}

const LIGHT_BG: [f64; 3] = [1.0, 1.0, 1.0];
/// The stylesheet's dark background, #0d1117.
const DARK_BG: [f64; 3] = [13.0 / 255.0, 17.0 / 255.0, 23.0 / 255.0];

fn parse_hex(text: &str) -> Option<[f64; 3]> {
    let hex = text.strip_prefix('#')?;
    if hex.len() != 6 {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some([
        f64::from(channel(0)?) / 255.0,
        f64::from(channel(2)?) / 255.0,
        f64::from(channel(4)?) / 255.0,
    ])
}

fn hex(rgb: [f64; 3]) -> String {
    let byte = |v: f64| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    format!(
        "#{:02x}{:02x}{:02x}",
        byte(rgb[0]),
        byte(rgb[1]),
        byte(rgb[2])
    )
}

/// WCAG 2.2 relative luminance.
fn luminance(rgb: [f64; 3]) -> f64 {
    let linear = |c: f64| {
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// WCAG 2.2 contrast ratio of two colours.
pub fn contrast(a: [f64; 3], b: [f64; 3]) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// `color`, moved toward `toward` (black or white) until it reaches 4.5:1 against `bg`.
fn with_contrast(color: [f64; 3], bg: [f64; 3], toward: [f64; 3]) -> [f64; 3] {
    let mut c = color;
    for step in 1..=20 {
        if contrast(c, bg) >= 4.6 {
            break;
        }
        let t = f64::from(step) / 20.0;
        c = [0, 1, 2].map(|i| color[i] + (toward[i] - color[i]) * t);
    }
    c
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// `1:23` or `1:02:03`.
fn clock(ms: u64) -> String {
    let s = ms / 1000;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// ISO 8601 duration, `PT1M23S`.
fn iso_duration(ms: u64) -> String {
    let s = ms / 1000;
    format!("PT{}H{}M{}S", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_get_enough_contrast_in_both_modes() {
        for given in ["#ffd400", "#1d4ed8", "#00ff00", "#202020", "#ff0000"] {
            let color = parse_hex(given).unwrap();
            let light = with_contrast(color, LIGHT_BG, [0.0; 3]);
            let dark = with_contrast(color, DARK_BG, [1.0; 3]);
            assert!(contrast(light, LIGHT_BG) >= 4.5, "{given} → {}", hex(light));
            assert!(contrast(dark, DARK_BG) >= 4.5, "{given} → {}", hex(dark));
        }
        // A colour that already has the contrast is kept.
        let blue = parse_hex("#1d4ed8").unwrap();
        assert_eq!(hex(with_contrast(blue, LIGHT_BG, [0.0; 3])), "#1d4ed8");
    }

    #[test]
    fn times_are_written_for_people_and_machines() {
        assert_eq!(clock(83_400), "1:23");
        assert_eq!(clock(3_723_000), "1:02:03");
        assert_eq!(iso_duration(83_400), "PT0H1M23S");
        assert_eq!(seconds(83_004), "83.004");
    }
}

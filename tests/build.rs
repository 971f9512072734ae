//! End to end through the `audition` binary: an issue goes in, a published folder comes out,
//! and the MP3, the feed, the chapters and the transcript are checked by real decoders,
//! meters and podcast parsers.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{audition, stderr, stdout};

const SAMPLE: &str = "feeds/qant/issues/2026-11-02.txt";
const SECOND_SAMPLE: &str = "feeds/qant/issues/2026-11-09.txt";

struct Workspace {
    _dir: tempfile::TempDir,
    out: PathBuf,
    cache: PathBuf,
}

fn workspace() -> Workspace {
    let dir = tempfile::tempdir().unwrap();
    Workspace {
        out: dir.path().join("public"),
        cache: dir.path().join("cache"),
        _dir: dir,
    }
}

fn build(ws: &Workspace, issue: &Path, extra: &[&str]) -> std::process::Output {
    let show = common::qant_show();
    let mut args = vec![
        "build",
        issue.to_str().unwrap(),
        "--show",
        show.to_str().unwrap(),
        "--out",
        ws.out.to_str().unwrap(),
        "--cache",
        ws.cache.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    audition(&args)
}

fn build_ok(ws: &Workspace, issue: &Path, extra: &[&str]) -> String {
    let output = build(ws, issue, extra);
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    stdout(&output)
}

fn read_feed(out: &Path) -> rss::Channel {
    let bytes = std::fs::read(out.join("feed.xml")).expect("feed.xml exists");
    rss::Channel::read_from(&bytes[..]).expect("the rss crate parses the feed")
}

fn manifest(out: &Path, id: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join(format!("episodes/{id}.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn chapter_titles(out: &Path, id: &str) -> Vec<String> {
    let text = std::fs::read_to_string(out.join(format!("episodes/{id}.chapters.json"))).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["version"], "1.2.0");
    json["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["title"].as_str().unwrap().to_string())
        .collect()
}

/// Loudness, true peak, MP3 decoding, ID3 chapters and the transcript of one episode.
fn check_episode(out: &Path, id: &str) {
    let mp3 = common::episode_mp3(out, id);
    let (samples, rate) = common::decode(&mp3);
    assert_eq!(rate, 44_100);
    let decoded_seconds = samples.len() as f64 / rate as f64;
    let m = manifest(out, id);
    let manifest_seconds = m["duration_ms"].as_f64().unwrap() / 1000.0;
    assert!(
        (decoded_seconds - manifest_seconds).abs() < 0.05,
        "decoded {decoded_seconds} s, manifest {manifest_seconds} s"
    );

    let (integrated, true_peak) = common::loudness(&samples, rate);
    assert!(
        (integrated + 16.0).abs() <= 0.5,
        "integrated loudness {integrated:.2} LUFS"
    );
    assert!(true_peak <= -1.0, "true peak {true_peak:.2} dBTP");

    let tag = id3::Tag::read_from_path(&mp3).expect("the MP3 has an ID3 tag");
    use id3::TagLike;
    assert!(tag.title().is_some_and(|t| !t.is_empty()));
    assert_eq!(tag.album(), Some("Qant, l’audio"));
    assert_eq!(tag.pictures().count(), 1, "cover art");
    let chapters: Vec<String> = tag
        .chapters()
        .map(|c| {
            c.frames
                .iter()
                .find_map(|f| f.content().text())
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(
        chapters,
        chapter_titles(out, id),
        "ID3 CHAP frames match chapters.json"
    );
    let toc = tag.tables_of_contents().next().expect("a CTOC frame");
    assert!(toc.top_level && toc.ordered && toc.elements.len() == chapters.len());

    let vtt = std::fs::read_to_string(out.join(format!("episodes/{id}.vtt"))).unwrap();
    assert!(vtt.starts_with("WEBVTT\n"));
    let mut last_start = 0.0;
    for line in vtt.lines().filter(|l| l.contains(" --> ")) {
        let (start, end) = line.split_once(" --> ").unwrap();
        let (start, end) = (vtt_seconds(start), vtt_seconds(end));
        assert!(
            start >= last_start && end > start && end <= decoded_seconds,
            "cue {line}"
        );
        last_start = start;
    }
    for banned in [
        "Source :",
        "Midjourney",
        "En savoir plus",
        "avec Midjourney",
    ] {
        assert!(!vtt.contains(banned), "transcript contains « {banned} »");
    }
}

fn vtt_seconds(stamp: &str) -> f64 {
    let parts: Vec<f64> = stamp.split(':').map(|p| p.parse().unwrap()).collect();
    parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]
}

/// What the Podcast Index's parser (podcast-partytime, npm) reads from the feed.
fn partytime(feed: &Path) -> serde_json::Value {
    run_feed_check("node", "tests/feed_check.js", feed)
}

/// What gPodder's podcastparser and feedparser read from the feed.
fn python_parsers(feed: &Path) -> serde_json::Value {
    run_feed_check("python3", "tests/feed_check.py", feed)
}

/// Runs a feed-checking script and returns the JSON it prints.
fn run_feed_check(program: &str, script: &str, feed: &Path) -> serde_json::Value {
    let output = Command::new(program)
        .arg(common::root().join(script))
        .arg(feed)
        .output()
        .unwrap_or_else(|e| panic!("{program} runs (scripts/install-deps installs it): {e}"));
    assert!(output.status.success(), "{script}: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_sample_issue_becomes_an_episode_every_parser_accepts() {
    let ws = workspace();
    let summary = build_ok(&ws, &common::root().join(SAMPLE), &[]);
    assert!(summary.contains("Built episode 2026-11-02"), "{summary}");
    assert!(
        summary.contains("3 stories + 3 briefs")
            && summary.contains("7 clips synthesised, 0 cached"),
        "{summary}"
    );
    assert!(summary.contains("feed.xml"), "{summary}");
    check_episode(&ws.out, "2026-11-02");

    let mp3 = common::episode_mp3(&ws.out, "2026-11-02");
    let size = std::fs::metadata(&mp3).unwrap().len();
    let (samples, rate) = common::decode(&mp3);
    let seconds = samples.len() as f64 / rate as f64;

    let channel = read_feed(&ws.out);
    assert_eq!(channel.title, "Qant, l’audio");
    assert_eq!(channel.language.as_deref(), Some("fr-FR"));
    let itunes = channel.itunes_ext().expect("itunes channel tags");
    assert!(itunes
        .image
        .as_deref()
        .is_some_and(|i| i.ends_with("/cover.jpg")));
    assert_eq!(itunes.explicit.as_deref(), Some("false"));
    assert!(itunes
        .owner
        .as_ref()
        .and_then(|o| o.email.as_deref())
        .is_some());
    assert_eq!(itunes.categories[0].text, "Technology");
    assert!(channel.extensions()["podcast"].contains_key("guid"));
    assert_eq!(channel.items.len(), 1);
    let item = &channel.items[0];
    let enclosure = item.enclosure.as_ref().unwrap();
    assert_eq!(
        enclosure.length,
        size.to_string(),
        "enclosure length is the file size"
    );
    assert_eq!(enclosure.mime_type, "audio/mpeg");
    assert!(enclosure
        .url
        .starts_with("https://podcast.example.com/qant/episodes/2026-11-02."));
    assert!(enclosure.url.ends_with(".mp3"), "{}", enclosure.url);
    let duration: f64 = item
        .itunes_ext()
        .unwrap()
        .duration
        .as_deref()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (duration - seconds).abs() <= 1.0,
        "itunes:duration {duration} vs decoded {seconds}"
    );
    let podcast = &item.extensions()["podcast"];
    assert_eq!(
        podcast["chapters"][0].attrs["type"],
        "application/json+chapters"
    );
    assert_eq!(podcast["transcript"][0].attrs["type"], "text/vtt");
    assert_eq!(
        podcast["transcript"][1].attrs["type"],
        "application/x-subrip"
    );
    let narrator = &podcast["person"][0];
    assert_eq!(narrator.attrs["role"], "narrator");
    assert_eq!(
        narrator.value.as_deref(),
        Some("SVOX Pico synthetic voice (fr-FR)")
    );
    let srt = std::fs::read_to_string(ws.out.join("episodes/2026-11-02.srt")).unwrap();
    assert!(srt.starts_with("1\n00:00:") && srt.contains(" --> "));
    let notes = item.content.as_deref().expect("content:encoded show notes");
    assert!(
        notes.contains("<li>Les batteries sodium-ion sortent du laboratoire en Europe</li>"),
        "{notes}"
    );
    let locked = &channel.extensions()["podcast"]["locked"][0];
    assert_eq!(locked.value.as_deref(), Some("no"));
    assert_eq!(locked.attrs["owner"], "podcast@example.com");
    assert!(item
        .guid
        .as_ref()
        .is_some_and(|g| !g.permalink && !g.value.is_empty()));
    assert!(item
        .pub_date
        .as_deref()
        .is_some_and(|d| d.contains("02 Nov 2026")));

    let parsed = python_parsers(&ws.out.join("feed.xml"));
    let pp = &parsed["podcastparser"]["episodes"][0];
    assert_eq!(pp["enclosures"][0]["file_size"].as_u64(), Some(size));
    assert!((pp["total_time"].as_f64().unwrap() - seconds).abs() <= 1.0);
    assert_eq!(
        pp["guid"],
        serde_json::json!(item.guid.as_ref().unwrap().value)
    );
    let fp = &parsed["feedparser"];
    assert_eq!(fp["bozo"], false, "feedparser: {}", fp["bozo_exception"]);
    assert_eq!(fp["entries"].as_array().unwrap().len(), 1);
    assert_eq!(
        fp["entries"][0]["enclosures"][0]["length"],
        size.to_string()
    );
    let pi = partytime(&ws.out.join("feed.xml"));
    assert_eq!(
        pi["items"].as_array().unwrap().len(),
        1,
        "partytime drops items it finds invalid"
    );
    let pi_item = &pi["items"][0];
    assert_eq!(pi_item["enclosure"]["length"].as_u64(), Some(size));
    assert!((pi_item["duration"].as_f64().unwrap() - seconds).abs() <= 1.0);
    assert_eq!(pi_item["chapters"]["type"], "application/json+chapters");
    assert_eq!(pi_item["transcripts"].as_array().unwrap().len(), 2);
    // partytime maps the role onto the podcast taxonomy (it knows « narrator »).
    assert_eq!(pi_item["people"][0]["role"], "Narrator");
    assert!(pi["guid"].as_str().is_some_and(|g| g.len() == 36));
    let fp_duration: f64 = fp["entries"][0]["itunes_duration"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((fp_duration - seconds).abs() <= 1.0);
}

#[test]
fn rebuilding_synthesises_nothing_and_keeps_one_item_per_issue() {
    let ws = workspace();
    let first = common::root().join(SAMPLE);
    build_ok(&ws, &first, &[]);
    let guid = read_feed(&ws.out).items[0].guid.clone().unwrap().value;
    let mp3 = common::episode_mp3(&ws.out, "2026-11-02");
    let modified = std::fs::metadata(&mp3).unwrap().modified().unwrap();

    let again = build_ok(&ws, &first, &[]);
    assert!(again.starts_with("Nothing changed"), "{again}");
    assert_eq!(
        std::fs::metadata(&mp3).unwrap().modified().unwrap(),
        modified,
        "a no-op rewrites nothing"
    );

    let moved = build_ok(&ws, &first, &["--base-url", "http://127.0.0.1:8080"]);
    assert!(moved.contains("0 clips synthesised, 7 cached"), "{moved}");
    let channel = read_feed(&ws.out);
    assert_eq!(channel.items.len(), 1);
    assert!(channel.items[0]
        .enclosure
        .as_ref()
        .unwrap()
        .url
        .starts_with("http://127.0.0.1:8080/episodes/"));

    build_ok(
        &ws,
        &common::root().join(SECOND_SAMPLE),
        &["--base-url", "http://127.0.0.1:8080"],
    );
    build_ok(&ws, &first, &["--base-url", "http://127.0.0.1:8080"]);
    let channel = read_feed(&ws.out);
    let ids: Vec<String> = channel
        .items
        .iter()
        .map(|i| i.guid.clone().unwrap().value)
        .collect();
    assert_eq!(ids.len(), 2, "one item per issue");
    assert_ne!(ids[0], ids[1]);
    assert!(
        channel.items[0]
            .title
            .as_deref()
            .unwrap()
            .starts_with("9 novembre 2026"),
        "newest first"
    );
    let leftovers: Vec<_> = std::fs::read_dir(ws.out.join("episodes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    // The guid comes from the show's own feed URL: serving the folder elsewhere
    // (--base-url) does not make the episode look new to podcast apps.
    // `audition feed` rebuilds the same feed from the manifests alone.
    let feed_before = std::fs::read(ws.out.join("feed.xml")).unwrap();
    std::fs::remove_file(ws.out.join("feed.xml")).unwrap();
    let show = common::qant_show();
    let rebuilt_feed = audition(&[
        "feed",
        "--show",
        show.to_str().unwrap(),
        "--out",
        ws.out.to_str().unwrap(),
        "--base-url",
        "http://127.0.0.1:8080",
    ]);
    assert!(rebuilt_feed.status.success(), "{}", stderr(&rebuilt_feed));
    assert_eq!(std::fs::read(ws.out.join("feed.xml")).unwrap(), feed_before);
    let rebuilt = channel
        .items
        .iter()
        .find(|i| i.title.as_deref().unwrap().starts_with("2 novembre"))
        .unwrap();
    assert_eq!(rebuilt.guid.clone().unwrap().value, ids[1]);
    assert_eq!(
        rebuilt.guid.clone().unwrap().value,
        guid,
        "rebuilding keeps the episode's guid"
    );
}

#[test]
fn bad_input_is_refused_in_one_line_without_touching_the_feed() {
    let ws = workspace();
    build_ok(&ws, &common::root().join(SAMPLE), &[]);
    let feed_before = std::fs::read(ws.out.join("feed.xml")).unwrap();
    let files_before = list(&ws.out);

    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.txt", Vec::new(), "empty"),
        ("blank.txt", b"  \n\n \t\n".to_vec(), "empty"),
        (
            "binary.txt",
            vec![0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 3],
            "binary",
        ),
        (
            "announced.txt",
            "Un • Deux • Bienvenue dans Qant, lundi 2 novembre 2026.\nSeul paragraphe."
                .as_bytes()
                .to_vec(),
            "announces 2 stories",
        ),
        (
            "nothing.html",
            b"<html><body><script>x()</script><img src=p.gif></body></html>".to_vec(),
            "no text",
        ),
    ];
    for (name, bytes, reason) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let output = build(&ws, &path, &[]);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        let message = stderr(&output);
        assert_eq!(
            message.trim().lines().count(),
            1,
            "{name}: one line, got {message}"
        );
        assert!(
            message.contains(name) && message.contains(reason),
            "{name}: {message}"
        );
    }
    let missing = build(&ws, &dir.path().join("nope.txt"), &[]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("nope.txt: file not found"));

    assert_eq!(
        std::fs::read(ws.out.join("feed.xml")).unwrap(),
        feed_before,
        "the feed is untouched"
    );
    assert_eq!(list(&ws.out), files_before, "no file added or removed");
}

#[test]
fn a_broken_show_file_names_the_file_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let show = dir.path().join("show.toml");
    std::fs::write(&show, "title = \"X\"\n").unwrap();
    let output = audition(&["script", SAMPLE, "--show", show.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("show.toml") && message.contains("missing field"),
        "{message}"
    );
    assert_eq!(message.trim().lines().count(), 1);
}

#[test]
fn the_sample_show_needs_no_program_installed_its_voice_is_in_the_binary() {
    let ws = workspace();
    let output = Command::new(env!("CARGO_BIN_EXE_audition"))
        .args(["build", SAMPLE, "--show", "feeds/qant/show.toml", "--out"])
        .arg(&ws.out)
        .arg("--cache")
        .arg(&ws.cache)
        .current_dir(common::root())
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(ws.out.join("feed.xml").exists());
}

#[test]
fn without_espeak_the_error_says_how_to_install_it() {
    let ws = workspace();
    let output = Command::new(env!("CARGO_BIN_EXE_audition"))
        .args([
            "build",
            SAMPLE,
            "--show",
            "feeds/qant/show.toml",
            "--voice",
            "voices/fr-espeak.toml",
            "--out",
            ws.out.to_str().unwrap(),
            "--cache",
            ws.cache.to_str().unwrap(),
        ])
        .current_dir(common::root())
        .env("PATH", "")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("apt-get install espeak-ng"),
        "{}",
        stderr(&output)
    );
    assert!(!ws.out.join("feed.xml").exists());
}

#[test]
fn script_prints_every_story_as_json() {
    let output = Command::new(env!("CARGO_BIN_EXE_audition"))
        .args(["script", SAMPLE, "--show", "feeds/qant/show.toml", "--json"])
        .current_dir(common::root())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows.len(), 7);
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(row["index"], i);
        assert!(row["ssml"].as_str().unwrap().starts_with("<speak"));
        assert!(row["title"].is_string());
    }
    assert_eq!(rows[0]["kind"], "opening");
    assert_eq!(rows[2]["kind"], "story");
    assert_eq!(rows[5]["kind"], "briefs");
}

#[test]
fn the_seed_episode_has_its_chapters_in_order() {
    let ws = workspace();
    let summary = build_ok(&ws, &common::seed(), &[]);
    assert!(summary.contains("4 stories + 4 briefs"), "{summary}");
    check_episode(&ws.out, "2025-02-24");
    let titles = chapter_titles(&ws.out, "2025-02-24");
    assert_eq!(titles.len(), 8);
    assert_eq!(titles[0], "Sommaire");
    assert_eq!(titles[1], "La citation du jour");
    assert!(titles[2].contains("souveraineté européenne"));
    assert!(titles[3].starts_with("Microsoft et Figure AI"));
    assert!(titles[4].starts_with("Together AI"));
    assert!(titles[5].starts_with("La BCE"));
    assert_eq!(titles[6], "En bref");
    assert_eq!(titles[7], "Au revoir");

    // ffprobe reads the same chapters, at the same times, from the MP3.
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_chapters", "-of", "json"])
        .arg(common::episode_mp3(&ws.out, "2025-02-24"))
        .output()
        .expect("ffprobe runs (install ffmpeg)");
    let json: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let probed: Vec<(String, String)> = json["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let title = c["tags"]["title"].as_str().unwrap().to_string();
            (title, c["start_time"].as_str().unwrap().to_string())
        })
        .collect();
    let text = std::fs::read_to_string(ws.out.join("episodes/2025-02-24.chapters.json")).unwrap();
    let file: serde_json::Value = serde_json::from_str(&text).unwrap();
    let listed: Vec<(String, String)> = file["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let title = c["title"].as_str().unwrap().to_string();
            (title, format!("{:.6}", c["startTime"].as_f64().unwrap()))
        })
        .collect();
    assert_eq!(probed, listed);
}

#[test]
fn a_linked_headline_becomes_the_chapter_link_everywhere() {
    let ws = workspace();
    let issue = common::root().join("tests/fixtures/newsletter.md");
    let output = audition(&[
        "build",
        issue.to_str().unwrap(),
        "--out",
        ws.out.to_str().unwrap(),
        "--cache",
        ws.cache.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let link = "https://example.com/news/chipmakers";
    let text = std::fs::read_to_string(ws.out.join("episodes/2026-03-09.chapters.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let chapters = json["chapters"].as_array().unwrap();
    let linked: Vec<&serde_json::Value> = chapters.iter().filter(|c| c["url"] == link).collect();
    assert_eq!(linked.len(), 1, "{text}");
    assert_eq!(linked[0]["title"], "Chipmakers slow their spending");
    assert!(
        chapters.iter().filter(|c| c.get("url").is_some()).count() == 1,
        "only the linked story has a url"
    );

    let tag = id3::Tag::read_from_path(common::episode_mp3(&ws.out, "2026-03-09")).unwrap();
    let urls: Vec<String> = tag
        .chapters()
        .flat_map(|c| c.frames.clone())
        .filter_map(|f| f.content().extended_link().map(|l| l.link.clone()))
        .collect();
    assert_eq!(urls, [link], "one WXXX sub-frame, in the story's CHAP");

    let channel = read_feed(&ws.out);
    let notes = channel.items[0].content().unwrap_or_default();
    assert!(
        notes.contains(&format!(
            "<a href=\"{link}\">Chipmakers slow their spending</a>"
        )),
        "{notes}"
    );
}

fn list(dir: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for entry in walk(dir) {
        files.push(entry.strip_prefix(dir).unwrap().display().to_string());
    }
    files.sort();
    files
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_voice_espeak_does_not_have_is_a_configuration_error() {
    let dir = tempfile::tempdir().unwrap();
    let voice = dir.path().join("nobody.toml");
    std::fs::write(
        &voice,
        "engine = \"espeak\"\nvoice = \"zz\"\nlanguage = \"fr-FR\"\n",
    )
    .unwrap();
    let show_text = std::fs::read_to_string(common::qant_show())
        .unwrap()
        .replace(
            "../../voices/lexicons/",
            common::root().join("voices/lexicons/").to_str().unwrap(),
        )
        .replace("../../voices/fr-pico.toml", voice.to_str().unwrap())
        .replace(
            "cover.jpg",
            common::root()
                .join("feeds/qant/cover.jpg")
                .to_str()
                .unwrap(),
        );
    let show = dir.path().join("show.toml");
    std::fs::write(&show, show_text).unwrap();
    let out = dir.path().join("public");
    let output = audition(&[
        "build",
        SAMPLE,
        "--show",
        show.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(
        message.contains("nobody.toml") && message.contains("zz"),
        "{message}"
    );
    assert!(!out.exists(), "nothing is published");
}

#[test]
fn wrong_arguments_exit_with_code_one_and_help_with_zero() {
    let missing = audition(&["build"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("<ISSUE>"));
    let help = audition(&["--help"]);
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("build") && stdout(&help).contains("serve"));
}

#[test]
fn retention_keeps_the_newest_episodes_and_a_bad_cover_is_a_warning() {
    let ws = workspace();
    let dir = tempfile::tempdir().unwrap();
    let cover = dir.path().join("small.png");
    let made = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=navy:s=800x600",
            "-frames:v",
            "1",
        ])
        .arg(&cover)
        .status()
        .expect("ffmpeg runs (install ffmpeg)");
    assert!(made.success());
    let show_text = std::fs::read_to_string(common::qant_show())
        .unwrap()
        .replace(
            "../../voices/",
            common::root().join("voices/").to_str().unwrap(),
        )
        .replace("\"cover.jpg\"", &format!("{:?}", cover))
        .replace("locked = false", "locked = false\nretention = 1");
    let show = dir.path().join("show.toml");
    std::fs::write(&show, show_text).unwrap();
    let run = |issue: &str| {
        audition(&[
            "build",
            common::root().join(issue).to_str().unwrap(),
            "--show",
            show.to_str().unwrap(),
            "--out",
            ws.out.to_str().unwrap(),
            "--cache",
            ws.cache.to_str().unwrap(),
        ])
    };
    let first = run(SAMPLE);
    assert!(first.status.success(), "{}", stderr(&first));
    let warning = stderr(&first);
    assert!(
        warning.contains("warning: cover art is 800×600 px; podcast apps want a square image"),
        "{warning}"
    );
    assert!(warning.contains("1400 to 3000 px"), "{warning}");
    assert!(run(SECOND_SAMPLE).status.success());
    let channel = read_feed(&ws.out);
    assert_eq!(channel.items.len(), 1);
    assert!(channel.items[0]
        .title
        .as_deref()
        .unwrap()
        .starts_with("9 novembre"));
    assert!(common::episode_mp3(&ws.out, "2026-11-09").exists());
    let remains: Vec<String> = std::fs::read_dir(ws.out.join("episodes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("2026-11-02."))
        .collect();
    assert!(
        remains.is_empty(),
        "files of the old episode remain: {remains:?}"
    );
    assert!(ws.out.join("cover.png").exists());
}

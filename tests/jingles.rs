//! Jingle files in the formats producers have (WAV at 48 kHz stereo, MP3, Ogg Vorbis, FLAC,
//! AAC in M4A)
//! are decoded, downmixed and resampled to the episode rate, and a show that names them uses
//! them in place of the generated chimes.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

/// A 440 Hz tone of `seconds` as a 48 kHz stereo WAV.
fn tone_wav(path: &Path, seconds: f32) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(48_000.0 * seconds) as usize {
        let s = (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 48_000.0).sin() * 0.3;
        writer.write_sample((s * 32_767.0) as i16).unwrap();
        writer.write_sample((s * 32_767.0) as i16).unwrap();
    }
    writer.finalize().unwrap();
}

/// The same tone converted by ffmpeg to another format.
fn convert(wav: &Path, ext: &str) -> PathBuf {
    let out = wav.with_extension(ext);
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(wav)
        .arg(&out)
        .status()
        .expect("ffmpeg runs (install ffmpeg)");
    assert!(status.success());
    out
}

#[test]
fn jingles_decode_from_every_format_to_mono_at_the_episode_rate() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("tone.wav");
    tone_wav(&wav, 1.0);
    for path in [
        wav.clone(),
        convert(&wav, "mp3"),
        convert(&wav, "ogg"),
        convert(&wav, "flac"),
        convert(&wav, "m4a"),
    ] {
        let samples = audition::audio::decode::decode_file(&path).unwrap();
        let seconds = samples.len() as f64 / 44_100.0;
        // MP3, Vorbis and AAC add a few ms of priming; the tone itself lasts one second.
        assert!(
            (seconds - 1.0).abs() < 0.06,
            "{}: {seconds} s",
            path.display()
        );
        let middle = &samples[4_410..39_690];
        let crossings = middle
            .windows(2)
            .filter(|w| w[0] < 0.0 && w[1] >= 0.0)
            .count();
        assert!(
            (crossings as f64 - 352.0).abs() <= 3.0,
            "{}: pitch kept ({crossings})",
            path.display()
        );
        let peak = middle.iter().fold(0.0f32, |m, s| m.max(s.abs()));
        assert!(
            (peak - 0.3).abs() < 0.03,
            "{}: stereo downmixed to the same level ({peak})",
            path.display()
        );
    }
}

#[test]
fn a_show_with_jingle_files_plays_them_instead_of_the_chimes() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("intro.wav");
    tone_wav(&wav, 1.5);
    let ogg = convert(&wav, "ogg");
    let flac = convert(&wav, "flac");
    let show = common::qant_show_with(
        dir.path(),
        &format!(
            "[jingles]\nintro = {:?}\ntransition = {:?}\noutro = {:?}\n[rundown]\npause_after_jingle_ms = 500\n",
            wav, ogg, flac
        ),
    );
    let out = dir.path().join("public");
    let cache = dir.path().join("cache");
    let output = common::audition(&[
        "build",
        common::root()
            .join("feeds/qant/issues/2026-11-09.txt")
            .to_str()
            .unwrap(),
        "--show",
        show.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    // The first words follow the 1.5 s intro and the configured 500 ms pause (the chime
    // lasts 2.4 s), with espeak-ng's own leading silence cut (and the tone's first sample,
    // which is silent).
    let vtt = std::fs::read_to_string(out.join("episodes/2026-11-09.vtt")).unwrap();
    let first = vtt.lines().find(|l| l.contains(" --> ")).unwrap();
    let seconds: f64 = first[6..12].parse().unwrap();
    assert!(
        first.starts_with("00:00:0") && (seconds - 2.0).abs() <= 0.002,
        "{first}"
    );
    let (samples, rate) = common::decode(&common::episode_mp3(&out, "2026-11-09"));
    let (integrated, peak) = common::loudness(&samples, rate);
    assert!(
        (integrated + 16.0).abs() <= 0.5 && peak <= -1.0,
        "{integrated} LUFS, {peak} dBTP"
    );
}

//! Helpers shared by the end-to-end tests: running the CLI, decoding MP3 with symphonia,
//! measuring loudness with a real EBU R128 meter.
#![allow(dead_code)]

pub mod imap;
pub mod postgres;
pub mod s3;
pub mod vendor;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use symphonia::core::audio::SampleBuffer;
use symphonia::core::codecs::DecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The real seed issue shared with the project.
pub fn seed() -> PathBuf {
    root().join("../shared/seed/qant-2025-02-24.txt")
}

pub fn qant_show() -> PathBuf {
    root().join("feeds/qant/show.toml")
}

/// A copy of the Qant show in `dir`, its paths made absolute, with `extra` TOML appended
/// (tables such as `[rundown]`, `[jingles]`, `[encoder]`).
pub fn qant_show_with(dir: &Path, extra: &str) -> PathBuf {
    let text = std::fs::read_to_string(qant_show()).unwrap();
    let text = text
        .replace("../../voices/", root().join("voices/").to_str().unwrap())
        .replace(
            "\"cover.jpg\"",
            &format!("{:?}", root().join("feeds/qant/cover.jpg")),
        )
        + "\n"
        + extra;
    let show = dir.join("show.toml");
    std::fs::write(&show, text).unwrap();
    show
}

/// Runs the `audition` binary.
/// `issue` built with the Qant show into `out` with the clip cache `cache`; its summary.
pub fn build_qant(out: &Path, cache: &Path, issue: &str) -> String {
    let built = audition(&[
        "build",
        issue,
        "--show",
        qant_show().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(built.status.success(), "{}", stderr(&built));
    stdout(&built)
}

pub fn audition(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_audition"))
        .args(args)
        .output()
        .expect("the audition binary runs")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Decodes an MP3 with symphonia into mono samples and the sample rate.
pub fn decode(path: &Path) -> (Vec<f32>, u32) {
    let file = std::fs::File::open(path).expect("mp3 exists");
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    hint.with_extension("mp3");
    let probed = symphonia::default::get_probe()
        .format(
            &hint,
            stream,
            &FormatOptions {
                enable_gapless: true,
                ..Default::default()
            },
            &MetadataOptions::default(),
        )
        .expect("symphonia recognises the file");
    let mut format = probed.format;
    let track = format.default_track().expect("a track").clone();
    let rate = track.codec_params.sample_rate.expect("a sample rate");
    let mut decoder = symphonia::default::get_codecs()
        .make(&track.codec_params, &DecoderOptions::default())
        .expect("a decoder");
    let mut samples = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(p) => p,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(e) => panic!("decode error: {e}"),
        };
        let decoded = decoder.decode(&packet).expect("every frame decodes");
        let channels = decoded.spec().channels.count();
        let mut buffer = SampleBuffer::<f32>::new(decoded.capacity() as u64, *decoded.spec());
        buffer.copy_interleaved_ref(decoded);
        samples.extend(
            buffer
                .samples()
                .chunks(channels)
                .map(|f| f.iter().sum::<f32>() / channels as f32),
        );
    }
    (samples, rate)
}

/// Integrated loudness (LUFS) and true peak (dBTP) measured with `ebur128`.
pub fn loudness(samples: &[f32], rate: u32) -> (f64, f64) {
    let mut meter =
        ebur128::EbuR128::new(1, rate, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK).unwrap();
    meter.add_frames_f32(samples).unwrap();
    let peak = meter.true_peak(0).unwrap();
    (meter.loudness_global().unwrap(), 20.0 * peak.log10())
}

/// The published MP3 of episode `id` under `out`, as its manifest names it (the name changes
/// with the audio).
#[allow(dead_code)]
pub fn episode_mp3(out: &Path, id: &str) -> PathBuf {
    let manifest = std::fs::read_to_string(out.join(format!("episodes/{id}.json")))
        .unwrap_or_else(|e| panic!("no manifest for episode {id} under {}: {e}", out.display()));
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    out.join(manifest["audio_file"].as_str().unwrap())
}

/// A file published beside an episode's MP3 (`<date>.<version>.mp3` → `<date>.<extension>`).
pub fn beside(mp3: &Path, extension: &str) -> PathBuf {
    let name = mp3.file_name().unwrap().to_string_lossy();
    let date = name.split('.').next().unwrap();
    mp3.with_file_name(format!("{date}.{extension}"))
}

//! The produced MP3 measured as a listener's app decodes it (symphonia, gapless): pauses as
//! configured, no click at any join, the Xing header's duration, the music bed ducked under
//! the opening, crossfades, and the show's loudness and encoder settings honoured.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

const ISSUE: &str = "feeds/qant/issues/2026-11-09.txt";
const ID: &str = "2026-11-09";

/// A published episode of the sample issue built with a show variant.
struct Episode {
    _dir: tempfile::TempDir,
    out: PathBuf,
    samples: Vec<f32>,
    rate: u32,
}

impl Episode {
    fn build(extra_toml: &str, setup: impl FnOnce(&Path) -> String) -> Episode {
        let dir = tempfile::tempdir().unwrap();
        let more = setup(dir.path());
        let show = common::qant_show_with(dir.path(), &format!("{extra_toml}\n{more}"));
        let out = dir.path().join("public");
        let output = common::audition(&[
            "build",
            common::root().join(ISSUE).to_str().unwrap(),
            "--show",
            show.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--cache",
            dir.path().join("cache").to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", common::stderr(&output));
        let (samples, rate) = common::decode(&common::episode_mp3(&out, ID));
        Episode {
            _dir: dir,
            out,
            samples,
            rate,
        }
    }

    fn mp3(&self) -> PathBuf {
        common::episode_mp3(&self.out, ID)
    }

    fn json(&self, name: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.out.join(format!("episodes/{ID}.{name}"))).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    /// Chapter starts in seconds, from chapters.json.
    fn chapter_starts(&self) -> Vec<f64> {
        self.json("chapters.json")["chapters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["startTime"].as_f64().unwrap())
            .collect()
    }

    /// Start of each story's first transcript cue, in seconds.
    fn first_cue(&self) -> f64 {
        let vtt = std::fs::read_to_string(self.out.join(format!("episodes/{ID}.vtt"))).unwrap();
        let line = vtt.lines().find(|l| l.contains(" --> ")).unwrap();
        seconds(line.split_once(" --> ").unwrap().0)
    }

    fn at(&self, seconds: f64) -> usize {
        ((seconds * self.rate as f64) as usize).min(self.samples.len())
    }

    /// Stretches of silence at least `min_ms` long, in seconds.
    fn silences(&self, min_ms: f64) -> Vec<(f64, f64)> {
        let rate = self.rate as f64;
        let mut runs = Vec::new();
        let mut start = None;
        for (i, s) in self.samples.iter().enumerate() {
            match (s.abs() < QUIET, start) {
                (true, None) => start = Some(i),
                (false, Some(from)) => {
                    runs.push((from as f64 / rate, i as f64 / rate));
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(from) = start {
            runs.push((from as f64 / rate, self.samples.len() as f64 / rate));
        }
        runs.retain(|(a, b)| (b - a) * 1000.0 >= min_ms);
        runs
    }

    /// Power of a frequency (Goertzel) over a stretch, dB.
    fn tone_db(&self, from: f64, to: f64, freq: f64) -> f64 {
        let window = &self.samples[self.at(from)..self.at(to)];
        let w = 2.0 * std::f64::consts::PI * freq / self.rate as f64;
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &x in window {
            let s0 = x as f64 + 2.0 * w.cos() * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
        10.0 * (power / (window.len() as f64).powi(2)).max(1e-20).log10()
    }
}

/// Under −40 dBFS: silence as a listener hears it (the engine's quiet margins included).
const QUIET: f32 = 0.01;

fn seconds(stamp: &str) -> f64 {
    stamp
        .split(':')
        .map(|p| p.parse::<f64>().unwrap())
        .fold(0.0, |acc, p| acc * 60.0 + p)
}

/// A `seconds`-long tone at `freq` and `level` as a 48 kHz stereo WAV.
fn tone_wav(path: &Path, seconds: f32, freq: f32, level: f32) -> String {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..(48_000.0 * seconds) as usize {
        let s = (2.0 * std::f32::consts::PI * freq * i as f32 / 48_000.0).sin() * level;
        writer.write_sample((s * 32_767.0) as i16).unwrap();
        writer.write_sample((s * 32_767.0) as i16).unwrap();
    }
    writer.finalize().unwrap();
    format!("{:?}", path.to_str().unwrap())
}

/// Jingles that start and stop sharply, so that the pauses around them can be measured.
fn tone_jingles(dir: &Path) -> String {
    let intro = tone_wav(&dir.join("intro.wav"), 1.5, 660.0, 0.3);
    let transition = tone_wav(&dir.join("transition.wav"), 0.8, 880.0, 0.3);
    let sting = tone_wav(&dir.join("sting.wav"), 0.6, 990.0, 0.3);
    let outro = tone_wav(&dir.join("outro.wav"), 1.2, 440.0, 0.3);
    format!(
        "[jingles]\nintro = {intro}\ntransition = {transition}\nsting = {sting}\noutro = {outro}\n"
    )
}

const PAUSE_AFTER_JINGLE_MS: f64 = 800.0;
/// Lengths of the tone jingles: intro, stinger, section sting.
const JINGLE_SECONDS: [f64; 3] = [1.5, 0.8, 0.6];
const PAUSE_BETWEEN_STORIES_MS: f64 = 1_300.0;

#[test]
fn pauses_are_as_configured_and_no_join_clicks() {
    let episode = Episode::build(
        &format!(
            "[rundown]\npause_after_jingle_ms = {PAUSE_AFTER_JINGLE_MS}\npause_between_stories_ms = {PAUSE_BETWEEN_STORIES_MS}\n"
        ),
        tone_jingles,
    );
    let silences = episode.silences(250.0);
    let starts = episode.chapter_starts();
    assert!(starts.len() >= 5, "chapters: {starts:?}");
    // Before every chapter but the first: the pause between stories, ending where the
    // chapter (its stinger or its voice) starts.
    let mut measured = Vec::new();
    for &start in &starts[1..] {
        let (from, to) = silences
            .iter()
            .copied()
            .find(|&(_, to)| (to - start).abs() < 0.03)
            .unwrap_or_else(|| panic!("no pause ends at the chapter at {start} s: {silences:?}"));
        measured.push(((to - from) * 1000.0, PAUSE_BETWEEN_STORIES_MS));
    }
    // After every jingle: the pause after jingles. Jingles start at chapter starts (the
    // intro at 0 s) and the test's tones stop sharply after 1.5, 0.8 or 0.6 s.
    // A silence follows a jingle when it starts where one ends and the jingle's tone is what
    // sounds just before it (a pause between the voice's sentences can start there too).
    let tonal = |from: f64| {
        [660.0, 880.0, 990.0].iter().any(|f| {
            let at = |freq: f64| episode.tone_db(from - 0.1, from, freq);
            // A pure tone, not a voice's harmonic: nothing 35 Hz to either side.
            at(*f) > at(f - 35.0).max(at(f + 35.0)) + 15.0
        })
    };
    let jingle_pauses: Vec<(f64, f64)> = silences
        .iter()
        .copied()
        .filter(|(from, _)| {
            starts.iter().any(|c| {
                JINGLE_SECONDS
                    .iter()
                    .any(|len| (from - (c + len)).abs() < 0.03)
            }) && tonal(*from)
        })
        .collect();
    assert!(
        jingle_pauses.len() >= 4,
        "intro, stingers, sting: {silences:?}"
    );
    measured.extend(
        jingle_pauses
            .iter()
            .map(|(from, to)| ((to - from) * 1000.0, PAUSE_AFTER_JINGLE_MS)),
    );
    eprintln!("pauses measured (ms, configured): {measured:?}");
    for (ms, expected) in &measured {
        assert!(
            (ms - expected).abs() <= 20.0,
            "pause of {ms:.1} ms where {expected} ms is configured (all: {measured:?})"
        );
    }

    // Joins: the largest step between neighbouring samples around every edge of a pause is
    // no larger than steps the speech itself takes.
    let steps: Vec<f32> = episode
        .samples
        .windows(2)
        .filter(|w| w[0].abs() >= QUIET || w[1].abs() >= QUIET)
        .map(|w| (w[1] - w[0]).abs())
        .collect();
    let mut sorted = steps.clone();
    sorted.sort_by(f32::total_cmp);
    let speech_step = sorted[sorted.len() * 999 / 1000];
    let mut worst_join = 0.0f32;
    for &(from, to) in &silences {
        for edge in [from, to] {
            let a = episode.at(edge - 0.005).max(1);
            let b = episode.at(edge + 0.005);
            let join = episode.samples[a - 1..b]
                .windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0.0f32, f32::max);
            worst_join = worst_join.max(join);
            assert!(
                join <= speech_step,
                "step of {join} at {edge:.3} s; the speech's 99.9th percentile is {speech_step}"
            );
        }
    }
    eprintln!("largest step at a join {worst_join}, speech's 99.9th percentile {speech_step}");
}

/// Duration from the Xing/Info frame and LAME tag: frames × samples per frame − encoder
/// delay − padding, as gapless players compute it.
fn xing_duration(mp3: &Path) -> f64 {
    let bytes = std::fs::read(mp3).unwrap();
    let mut pos = 0;
    if bytes.starts_with(b"ID3") {
        let size = bytes[6..10]
            .iter()
            .fold(0usize, |acc, b| (acc << 7) | (*b as usize & 0x7f));
        pos = 10 + size;
    }
    let header = &bytes[pos..pos + 4];
    assert_eq!(header[0], 0xff, "an MP3 frame follows the ID3 tag");
    let mpeg1 = header[1] & 0x18 == 0x18;
    let rate = match (mpeg1, (header[2] >> 2) & 3) {
        (true, 0) => 44_100,
        (true, 1) => 48_000,
        (true, 2) => 32_000,
        (false, 0) => 22_050,
        (false, 1) => 24_000,
        (false, 2) => 16_000,
        other => panic!("sample rate index {other:?}"),
    };
    let mono = header[3] >> 6 == 3;
    let side_info = match (mpeg1, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    let xing = pos + 4 + side_info;
    let tag = &bytes[xing..xing + 4];
    assert!(tag == b"Xing" || tag == b"Info", "Xing/Info frame present");
    let be32 = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as u64;
    let flags = be32(xing + 4);
    assert_eq!(
        flags & 0xf,
        0xf,
        "frames, bytes, TOC and quality fields present"
    );
    let frames = be32(xing + 8);
    let lame = xing + 120;
    assert_eq!(&bytes[lame..lame + 4], b"LAME", "LAME tag present");
    let delay_padding = &bytes[lame + 21..lame + 24];
    let delay = ((delay_padding[0] as u64) << 4) | (delay_padding[1] as u64 >> 4);
    let padding = ((delay_padding[1] as u64 & 0xf) << 8) | delay_padding[2] as u64;
    let per_frame = if mpeg1 { 1152 } else { 576 };
    (frames * per_frame - delay - padding) as f64 / rate as f64
}

/// Integrated loudness and true peak as ffmpeg's `ebur128` filter measures the file.
fn ffmpeg_loudness(path: &Path) -> (f64, f64) {
    let output = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(path)
        .args(["-af", "ebur128=peak=true", "-f", "null", "-"])
        .output()
        .expect("ffmpeg runs (install ffmpeg)");
    let log = String::from_utf8_lossy(&output.stderr);
    let summary = log.rsplit("Summary:").next().unwrap();
    let value = |label: &str| -> f64 {
        summary
            .lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {label} in ffmpeg's summary: {summary}"))
    };
    (value("I:"), value("Peak:"))
}

fn ffprobe_stream(mp3: &Path) -> serde_json::Value {
    let output = Command::new("ffprobe")
        .args(["-v", "error", "-print_format", "json", "-show_streams"])
        .arg(mp3)
        .output()
        .expect("ffprobe runs (install ffmpeg)");
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    json["streams"][0].clone()
}

/// The Xing duration against the decoded length, and the feed's itunes:duration.
fn check_duration(episode: &Episode) {
    let decoded = episode.samples.len() as f64 / episode.rate as f64;
    let xing = xing_duration(&episode.mp3());
    assert!(
        (xing - decoded).abs() < 0.05,
        "Xing says {xing:.3} s, decoding gives {decoded:.3} s"
    );
    let feed = std::fs::read(episode.out.join("feed.xml")).unwrap();
    let channel = rss::Channel::read_from(&feed[..]).unwrap();
    let duration = channel.items[0]
        .itunes_ext()
        .and_then(|i| i.duration.clone())
        .expect("itunes:duration");
    assert_eq!(duration, format!("{}", decoded.round() as u64));
}

#[test]
fn the_xing_header_and_the_feed_give_the_decoded_duration() {
    let episode = Episode::build("", |_| String::new());
    check_duration(&episode);
    let (integrated, peak) = common::loudness(&episode.samples, episode.rate);
    assert!((integrated + 16.0).abs() <= 0.5, "{integrated:.2} LUFS");
    assert!(peak <= -1.0, "{peak:.2} dBTP");
    // ffmpeg's meter agrees, and so does the manifest.
    let (ffmpeg_integrated, ffmpeg_peak) = ffmpeg_loudness(&episode.mp3());
    assert!((ffmpeg_integrated - integrated).abs() <= 0.2);
    assert!(ffmpeg_peak <= -1.0, "{ffmpeg_peak:.2} dBTP by ffmpeg");
    let manifest = episode.json("json");
    let reported = manifest["loudness"]["integrated_lufs"].as_f64().unwrap();
    assert!(
        (reported - integrated).abs() <= 0.1,
        "manifest says {reported}"
    );
}

#[test]
fn the_music_bed_plays_under_the_opening_ducked_and_jingles_crossfade() {
    const BED_HZ: f64 = 5_000.0;
    let episode = Episode::build(
        "[rundown]\ncrossfade_ms = 300\nbed_duck_db = -15.0\n",
        |dir| {
            let bed = tone_wav(&dir.join("bed.wav"), 40.0, BED_HZ as f32, 0.2);
            format!("[jingles]\nbed = {bed}\n")
        },
    );
    let voice = episode.first_cue();
    let alone = episode.tone_db(voice - 1.5, voice - 0.6, BED_HZ);
    let under = episode.tone_db(voice + 0.5, voice + 2.5, BED_HZ);
    let ducked = under - alone;
    eprintln!("bed: {alone:.1} dB alone, {under:.1} dB under the voice");
    assert!(
        (-19.0..=-11.0).contains(&ducked),
        "bed {alone:.1} dB alone, {under:.1} dB under the voice ({ducked:.1} dB)"
    );
    // The bed ends with the opening: none of it under the next chapter.
    let starts = episode.chapter_starts();
    let later = episode.tone_db(starts[1] + 0.5, starts[1] + 2.0, BED_HZ);
    assert!(later < alone - 40.0, "bed still playing: {later:.1} dB");
    // With a crossfade, the voice comes in over the end of the stinger: no pause between.
    for &start in &starts[2..4] {
        let gap = episode
            .silences(60.0)
            .into_iter()
            .find(|&(from, _)| from > start + 0.05 && from < start + 1.2);
        assert!(
            gap.is_none(),
            "pause after the stinger at {start} s: {gap:?}"
        );
    }
    let (integrated, peak) = common::loudness(&episode.samples, episode.rate);
    assert!((integrated + 16.0).abs() <= 0.5, "{integrated:.2} LUFS");
    assert!(peak <= -1.0, "{peak:.2} dBTP");
}

#[test]
fn loudness_target_and_encoder_settings_come_from_the_show() {
    let episode = Episode::build(
        "[loudness]\nintegrated_lufs = -19.0\ntrue_peak_dbtp = -2.0\n[encoder]\nmode = \"cbr\"\nbitrate_kbps = 128\nchannels = 2\nsample_rate = 48000\n",
        |_| String::new(),
    );
    let stream = ffprobe_stream(&episode.mp3());
    assert_eq!(stream["sample_rate"], "48000");
    assert_eq!(stream["channels"], 2);
    assert_eq!(stream["bit_rate"], "128000");
    assert_eq!(episode.rate, 48_000);
    // Two channels: measured as a platform does, by ffmpeg's EBU R128 meter on both.
    let (integrated, peak) = ffmpeg_loudness(&episode.mp3());
    assert!((integrated + 19.0).abs() <= 0.5, "{integrated:.2} LUFS");
    assert!(peak <= -2.0, "{peak:.2} dBTP");
    // The manifest reports what the encoded file measures.
    let manifest = episode.json("json");
    let reported = manifest["loudness"]["integrated_lufs"].as_f64().unwrap();
    assert!(
        (reported - integrated).abs() <= 0.2,
        "manifest says {reported}"
    );
    let reported_peak = manifest["loudness"]["true_peak_dbtp"].as_f64().unwrap();
    assert!(
        (reported_peak - peak).abs() <= 0.3,
        "manifest says {reported_peak}"
    );
    check_duration(&episode);
}

#[test]
fn impossible_audio_settings_are_refused_naming_the_field() {
    for (extra, field) in [
        ("[encoder]\nbitrate_kbps = 100\n", "encoder.bitrate_kbps"),
        ("[encoder]\nsample_rate = 96000\n", "encoder.sample_rate"),
        (
            "[loudness]\nintegrated_lufs = 3.0\n",
            "loudness.integrated_lufs",
        ),
        ("[rundown]\nbed_duck_db = 6.0\n", "rundown.bed_duck_db"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let show = common::qant_show_with(dir.path(), extra);
        let output = common::audition(&[
            "build",
            common::root().join(ISSUE).to_str().unwrap(),
            "--show",
            show.to_str().unwrap(),
            "--out",
            dir.path().join("public").to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(1), "{extra}");
        let message = common::stderr(&output);
        assert!(message.contains(field), "{extra}: {message}");
        assert_eq!(message.trim().lines().count(), 1, "{message}");
        assert!(!dir.path().join("public").exists());
    }
}

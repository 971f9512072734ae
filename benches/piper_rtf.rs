//! Piper's real-time factor on this machine: the English sample issue spoken segment by
//! segment with the real `en_US-joe-medium` voice (scripts/install-deps links it), wall time
//! of synthesis divided by the duration of the audio produced. Also reports the model's
//! load time. Lower is faster; 1.0 is real time.
//!
//! Run: `cargo bench --bench piper_rtf`

use std::path::Path;
use std::time::Instant;

use audition::show::{Show, VoiceProfile};

#[tokio::main]
async fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let issue = audition::ingest::load(
        root.join("feeds/signal/issues/2026-11-16.txt")
            .to_str()
            .unwrap(),
        &Default::default(),
    )
    .await
    .unwrap();
    let mut show = Show::load(&root.join("feeds/signal/show.toml")).unwrap();
    show.voice = VoiceProfile::load(&root.join("voices/en-piper.toml")).unwrap();
    let loading = Instant::now();
    let engine = audition::synth::engine_for(&show.voice).unwrap();
    let load_s = loading.elapsed().as_secs_f64();
    let script = audition::script::build_with(&issue, &show.script_settings(), None);

    let mut audio_s = 0.0;
    let mut chars = 0;
    let started = Instant::now();
    for segment in &script.segments {
        let clip = engine
            .synthesize(&segment.ssml, &audition::synth::Notes::none())
            .await
            .unwrap();
        audio_s += clip.samples.len() as f64 / clip.sample_rate as f64;
        chars += segment.chars;
    }
    let wall_s = started.elapsed().as_secs_f64();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("Piper en_US-joe-medium on {cores} core(s): model loaded in {load_s:.2} s");
    println!(
        "{} segments, {chars} characters: {audio_s:.1} s of audio in {wall_s:.2} s",
        script.segments.len()
    );
    println!("real-time factor {:.3}", wall_s / audio_s);
}

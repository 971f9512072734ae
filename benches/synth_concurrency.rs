//! Synthesis time of a 40-segment issue against a local OpenAI-compatible server that takes
//! 300 ms per request: sequentially (concurrency 1) and with concurrency 8. The issue asks
//! the concurrent build to take at most a fifth of the sequential time; this benchmark
//! prints both, the ratio, the requests the server counted, and fails if the ratio is over.
//!
//! Run: `cargo bench --bench synth_concurrency`

#[path = "../tests/common/vendor.rs"]
mod vendor;

use std::path::Path;

use audition::progress::Silent;
use audition::show::{Show, VoiceProfile};
use vendor::{Service, Vendor};

const LATENCY_MS: u64 = 300;
const SEGMENTS: usize = 40;

/// A Markdown issue of 38 stories: with the opening and the closing, 40 segments.
fn issue(dir: &Path) -> String {
    let mut text = String::from("---\ntitle: Forty segments\ndate: 2026-11-23\n---\n\n");
    for n in 1..=SEGMENTS - 2 {
        text.push_str(&format!(
            "## Story number {n}\n\nThe {n}th story has one paragraph of two sentences. It is short on purpose.\n\n"
        ));
    }
    let path = dir.join("issue.md");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

async fn synthesis_seconds(server: &Vendor, dir: &Path, concurrency: usize) -> (f64, usize) {
    let voice = dir.join(format!("openai-{concurrency}.toml"));
    std::fs::write(
        &voice,
        format!(
            "engine = \"openai\"\nvoice = \"alloy\"\nlanguage = \"en-US\"\nbase_url = \"{}\"\nconcurrency = {concurrency}\n",
            server.base_url
        ),
    )
    .unwrap();
    let issue = audition::ingest::load(&issue(dir), &Default::default())
        .await
        .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut show = Show::load(&root.join("feeds/signal/show.toml")).unwrap();
    show.voice = VoiceProfile::load(&voice).unwrap();
    let options = audition::BuildOptions::new(
        dir.join(format!("public-{concurrency}"))
            .display()
            .to_string(),
        dir.join(format!("cache-{concurrency}"))
            .display()
            .to_string(),
    );
    server.clear();
    let report = audition::build(&show, &issue, &options, &Silent)
        .await
        .unwrap();
    assert_eq!(
        report.clips.synthesised, SEGMENTS,
        "the issue has {SEGMENTS} segments"
    );
    let seconds = report
        .timings
        .iter()
        .find(|(stage, _)| stage == "synthesis")
        .map(|(_, s)| *s)
        .unwrap();
    (seconds, server.requests().len())
}

#[tokio::main]
async fn main() {
    // The server knows the key the profile's environment gives.
    std::env::set_var("OPENAI_API_KEY", vendor::KEY);
    let dir = tempfile::tempdir().unwrap();
    let server = Vendor::start_with_latency(Service::OpenAi, vec![], LATENCY_MS).await;
    let (sequential, asked_1) = synthesis_seconds(&server, dir.path(), 1).await;
    let (concurrent, asked_8) = synthesis_seconds(&server, dir.path(), 8).await;
    let ratio = concurrent / sequential;
    println!("server latency {LATENCY_MS} ms per request, {SEGMENTS} segments");
    println!("concurrency 1: synthesis {sequential:.2} s ({asked_1} requests)");
    println!("concurrency 8: synthesis {concurrent:.2} s ({asked_8} requests)");
    println!("ratio {ratio:.3} (required: at most 0.200)");
    if ratio > 0.2 {
        eprintln!("FAIL: concurrency 8 is not five times faster");
        std::process::exit(1);
    }
}

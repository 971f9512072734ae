//! Issues per minute through the Postgres job queue with 1, 2, 4 and 8 workers, each build
//! speaking through a local OpenAI-compatible server that takes 300 ms a request, and the
//! peak memory (VmHWM) of each worker process.
//!
//! Needs the Postgres of `scripts/start-services` (or `AUDITION_TEST_POSTGRES`).
//! Run: `cargo bench --bench workers` (after `cargo build --release`).

#[path = "../tests/common/postgres.rs"]
mod postgres;
#[path = "../tests/common/vendor.rs"]
mod vendor;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vendor::{Service, Vendor, KEY};

const ISSUES: u32 = 16;

fn binary() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let release = root.join("target/release/audition");
    assert!(
        release.exists(),
        "build the release binary first: cargo build --release"
    );
    release
}

/// Issue `n`: two stories of its own (no clip is shared between issues).
fn issue(dir: &Path, n: u32) -> PathBuf {
    let date = format!("2026-{:02}-{:02}", 1 + (n - 1) / 4, 1 + 7 * ((n - 1) % 4));
    let path = dir.join(format!("{date}.md"));
    std::fs::write(
        &path,
        format!(
            "---\ntitle: Issue {n}\ndate: {date}\n---\n\n## Harbour news {n}\n\nThe harbour \
             counted {n}3 ships this week, a record.\n\n## Market news {n}\n\nThe covered \
             market opens again after {n} months of work.\n"
        ),
    )
    .unwrap();
    path
}

/// The peak resident memory of a process so far, in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

async fn run(workers: usize, vendor: &Vendor) -> (f64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let queue = postgres::fresh_database(&format!("bench_{workers}")).await;
    let voice = dir.path().join("cloud.toml");
    std::fs::write(
        &voice,
        format!("engine = \"openai\"\nvoice = \"alloy\"\nlanguage = \"en-US\"\nbase_url = \"{}\"\nconcurrency = 4\n", vendor.base_url),
    )
    .unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for n in 1..=ISSUES {
        let status = Command::new(binary())
            .current_dir(root)
            .arg("enqueue")
            .arg(issue(dir.path(), n))
            .args(["--show", "feeds/signal/show.toml", "--voice"])
            .arg(&voice)
            .arg("--out")
            .arg(dir.path().join("public"))
            .arg("--cache")
            .arg(dir.path().join("cache"))
            .args(["--queue", &queue])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
    }
    let start = Instant::now();
    let mut children: Vec<_> = (0..workers)
        .map(|i| {
            Command::new(binary())
                .current_dir(root)
                .args([
                    "worker",
                    "--queue",
                    &queue,
                    "--until-idle",
                    "--poll-seconds",
                    "0.1",
                ])
                .args(["--name", &format!("bench-{i}")])
                .env("OPENAI_API_KEY", KEY)
                .env("XDG_CACHE_HOME", dir.path().join(format!("home-{i}")))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut peak = 0;
    let mut running = children.len();
    while running > 0 {
        running = 0;
        for child in &mut children {
            if child.try_wait().unwrap().is_none() {
                running += 1;
                peak = peak.max(peak_kib(child.id()).unwrap_or(0));
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for child in &mut children {
        assert!(child.wait().unwrap().success(), "a worker failed");
    }
    let minutes = start.elapsed().as_secs_f64() / 60.0;
    (ISSUES as f64 / minutes, peak)
}

#[tokio::main]
async fn main() {
    let vendor = Vendor::start_with_latency(Service::OpenAi, vec![], 300).await;
    println!(
        "{ISSUES} issues, a cloud voice taking 300 ms a request, {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!(
        "{:>8} {:>16} {:>22}",
        "workers", "issues/minute", "peak memory/worker"
    );
    for workers in [1, 2, 4, 8] {
        vendor.clear();
        let (rate, peak) = run(workers, &vendor).await;
        println!(
            "{workers:>8} {rate:>16.1} {:>19.1} MiB",
            peak as f64 / 1024.0
        );
        assert_eq!(
            vendor.requests().len(),
            ISSUES as usize * 4,
            "each segment asked once"
        );
    }
}

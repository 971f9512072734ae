//! The job queue against a real Postgres (started by `.ci/run`; `AUDITION_TEST_POSTGRES`
//! names a server where the tests may create databases): six workers on three shows of
//! twelve issues each with a cloud voice that takes 300 ms a request, two of them killed
//! with SIGKILL mid-job. Every issue is published exactly once, every feed lists all its
//! episodes and is never torn, and every clip synthesised is reused.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::vendor::{Service, Vendor, KEY};

async fn client(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// A show of its own in `dir/<name>/show.toml`.
fn show(dir: &Path, name: &str) -> PathBuf {
    let folder = dir.join(name);
    std::fs::create_dir_all(&folder).unwrap();
    let path = common::qant_show_with(&folder, "");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace(
            "https://podcast.example.com/qant",
            &format!("https://podcast.example.com/{name}"),
        )
        .replace(
            "title = \"Qant, l’audio\"",
            &format!("title = \"Show {name}\""),
        );
    std::fs::write(&path, text).unwrap();
    path
}

/// Issue `n` of a show: its own story, and a paragraph every issue of the show repeats.
fn issue(dir: &Path, show: &str, n: u32) -> PathBuf {
    let date = format!("2026-{:02}-{:02}", 1 + (n - 1) / 4, 1 + 7 * ((n - 1) % 4));
    let path = dir.join(show).join(format!("{date}.md"));
    std::fs::write(
        &path,
        format!(
            "---\ntitle: {show} du {date}\ndate: {date}\n---\n\n# {show} du {date}\n\n\
             ## Le fait du jour numéro {n}\n\nLe port de {show} a reçu {n} cargos de plus que \
             la semaine dernière.\n\n## La rubrique fixe\n\nCette rubrique revient chaque \
             semaine sans changer.\n"
        ),
    )
    .unwrap();
    path
}

fn audition() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_audition"));
    command
        .current_dir(common::root())
        .env("OPENAI_API_KEY", KEY);
    command
}

fn worker(queue: &str, name: &str, home: &Path) -> Child {
    audition()
        .args(["worker", "--queue", queue, "--name", name, "--until-idle"])
        .args([
            "--lease-seconds",
            "4",
            "--poll-seconds",
            "0.2",
            "--retry-seconds",
            "0.5",
        ])
        .env("XDG_CACHE_HOME", home)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Every show's feed read again and again while the workers run: each version must parse
/// as RSS, and an episode once listed is never dropped.
fn watch_feeds(feeds: Vec<PathBuf>, done: Arc<AtomicBool>) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let mut seen = vec![0usize; feeds.len()];
        let mut reads = 0;
        while !done.load(Ordering::Relaxed) {
            for (i, feed) in feeds.iter().enumerate() {
                let Ok(bytes) = std::fs::read(feed) else {
                    continue;
                };
                let channel = rss::Channel::read_from(&bytes[..])
                    .unwrap_or_else(|e| panic!("{} torn: {e}", feed.display()));
                assert!(
                    channel.items.len() >= seen[i],
                    "{} lost an episode",
                    feed.display()
                );
                seen[i] = channel.items.len();
                reads += 1;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        reads
    })
}

async fn wait_for(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let start = Instant::now();
    while !check().await {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn six_workers_publish_every_issue_once_even_when_two_are_killed() {
    let queue = common::postgres::fresh_database("workers").await;
    let db = client(&queue).await;
    let vendor = Vendor::start_with_latency(Service::OpenAi, vec![], 300).await;
    let dir = tempfile::tempdir().unwrap();
    let voice = dir.path().join("cloud.toml");
    std::fs::write(
        &voice,
        format!("engine = \"openai\"\nvoice = \"alloy\"\nlanguage = \"fr-FR\"\nbase_url = \"{}\"\nconcurrency = 4\n", vendor.base_url),
    )
    .unwrap();
    let shows = ["north", "south", "east"];
    let cache = dir.path().join("cache");
    let out = |show: &str, round: u32| dir.path().join(format!("public-{round}/{show}"));
    let enqueue_all = |round: u32| {
        for n in 1..=12 {
            for name in shows {
                let show_file = show(dir.path(), name);
                let issue = issue(dir.path(), name, n);
                let output = audition()
                    .arg("enqueue")
                    .arg(&issue)
                    .arg("--show")
                    .arg(&show_file)
                    .arg("--voice")
                    .arg(&voice)
                    .arg("--out")
                    .arg(out(name, round))
                    .arg("--cache")
                    .arg(&cache)
                    .args(["--queue", &queue])
                    .output()
                    .unwrap();
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
        }
    };
    enqueue_all(1);

    let done = Arc::new(AtomicBool::new(false));
    let feeds: Vec<PathBuf> = shows.iter().map(|s| out(s, 1).join("feed.xml")).collect();
    let watcher = watch_feeds(feeds, done.clone());
    let mut workers: Vec<(String, Child)> = (1..=6)
        .map(|i| {
            let name = format!("w{i}");
            let child = worker(&queue, &name, &dir.path().join(format!("home-{i}")));
            (name, child)
        })
        .collect();

    // Two workers die mid-job: once each holds a job and has asked for speech.
    let mut killed = Vec::new();
    for victim in ["w1", "w2"] {
        wait_for(
            &format!("{victim} to hold a job"),
            Duration::from_secs(60),
            async || {
                let rows = db
                    .query(
                        "SELECT id FROM audition_jobs WHERE worker = $1 AND state = 'running'",
                        &[&victim],
                    )
                    .await
                    .unwrap();
                rows.len() == 1 && !vendor.requests().is_empty()
            },
        )
        .await;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let (_, child) = workers.iter_mut().find(|(n, _)| n == victim).unwrap();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let row = db
            .query_one(
                "SELECT id FROM audition_jobs WHERE worker = $1 AND state = 'running'",
                &[&victim],
            )
            .await
            .unwrap();
        killed.push(row.get::<_, i64>(0));
    }
    for (name, mut child) in workers {
        if name == "w1" || name == "w2" {
            continue;
        }
        let status = tokio::task::spawn_blocking(move || child.wait().unwrap())
            .await
            .unwrap();
        assert!(status.success(), "{name} exited with {status}");
    }
    done.store(true, Ordering::Relaxed);
    let reads = watcher
        .join()
        .expect("no feed was torn and none lost an episode");
    assert!(
        reads > 20,
        "the feeds were read {reads} times while being written"
    );

    let states = db
        .query(
            "SELECT id, state, attempts, coalesce(last_error, '') FROM audition_jobs ORDER BY id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(states.len(), 36);
    for row in &states {
        let (id, state, attempts, error): (i64, String, i32, String) =
            (row.get(0), row.get(1), row.get(2), row.get(3));
        assert_eq!(state, "done", "job {id}: {error}");
        let expected = if killed.contains(&id) { 2 } else { 1 };
        assert_eq!(attempts, expected, "job {id} was tried {attempts} times");
    }
    for name in shows {
        let folder = out(name, 1);
        let channel =
            rss::Channel::read_from(&std::fs::read(folder.join("feed.xml")).unwrap()[..]).unwrap();
        let mut guids: Vec<String> = channel
            .items
            .iter()
            .map(|i| i.guid.as_ref().unwrap().value.clone())
            .collect();
        guids.sort();
        guids.dedup();
        assert_eq!(guids.len(), 12, "{name}: every issue once in the feed");
        let mp3s = std::fs::read_dir(folder.join("episodes"))
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "mp3")
            })
            .count();
        assert_eq!(mp3s, 12, "{name}: one MP3 per issue");
    }

    // Every clip synthesised was kept: the same 36 issues built again elsewhere ask nothing.
    let asked = vendor.requests().len();
    enqueue_all(2);
    let mut again: Vec<Child> = (1..=3)
        .map(|i| {
            worker(
                &queue,
                &format!("r{i}"),
                &dir.path().join(format!("home-r{i}")),
            )
        })
        .collect();
    for child in &mut again {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(
        vendor.requests().len(),
        asked,
        "a clip was synthesised twice"
    );
    let published: usize = shows
        .iter()
        .map(|s| {
            std::fs::read_dir(out(s, 2).join("episodes"))
                .unwrap()
                .count()
        })
        .sum();
    assert!(
        published >= 36 * 5,
        "the second round published every episode"
    );
}

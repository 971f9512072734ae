//! `audition watch --once` on a newsletter feed served on 127.0.0.1 that gains items, and on
//! a drop folder through the job queue: each new issue is published once; rerun, nothing.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;

/// One item as Substack's RSS carries it (`guid isPermaLink="false"` holding the post URL,
/// CDATA title and description, `dc:creator`, `content:encoded`): the shape of
/// tests/fixtures/platforms/substack-feed.xml, itself written after Substack's own feeds.
fn item(n: u32, date: &str, day: &str) -> String {
    format!(
        r#"<item><title><![CDATA[La lettre n° {n}]]></title><description><![CDATA[Trois nouvelles de la semaine.]]></description><link>https://lettre.example.com/p/lettre-{n}</link><guid isPermaLink="false">https://lettre.example.com/p/lettre-{n}</guid><dc:creator><![CDATA[La rédaction]]></dc:creator><pubDate>{day}, {date} 07:00:00 GMT</pubDate><content:encoded><![CDATA[<h1>La lettre n° {n}</h1><p>Bonjour à toutes et à tous.</p><h2>Le port compte ses navires</h2><p>Les capteurs ont vu passer {n}2 navires cette semaine, un record pour la saison.</p><h2>Une ville sans voitures</h2><p>Le centre reste piéton le dimanche depuis {n} semaines, et les commerces s'en félicitent.</p>]]></content:encoded></item>"#
    )
}

fn feed(items: &[String]) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><rss xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" version="2.0"><channel><title><![CDATA[La lettre]]></title><description><![CDATA[Chaque semaine]]></description><link>https://lettre.example.com</link><generator>Substack</generator><lastBuildDate>Mon, 16 Nov 2026 07:00:00 GMT</lastBuildDate><atom:link href="https://lettre.example.com/feed" rel="self" type="application/rss+xml"/><language><![CDATA[fr]]></language>{}</channel></rss>"#,
        items.join("")
    )
}

#[derive(Default)]
struct Served {
    body: String,
    requests: usize,
    not_modified: usize,
}

/// The newsletter's feed on 127.0.0.1, with an ETag and `If-None-Match` honoured.
async fn serve(state: Arc<Mutex<Served>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = axum::Router::new().route(
        "/feed",
        axum::routing::get(move |headers: HeaderMap| {
            let state = state.clone();
            async move {
                let mut served = state.lock().unwrap();
                served.requests += 1;
                let etag = format!(
                    "\"{:x}\"",
                    served.body.len() * 31 + served.body.matches("<item>").count()
                );
                if headers
                    .get(header::IF_NONE_MATCH)
                    .and_then(|v| v.to_str().ok())
                    == Some(etag.as_str())
                {
                    served.not_modified += 1;
                    return StatusCode::NOT_MODIFIED.into_response();
                }
                (
                    [
                        (
                            header::CONTENT_TYPE,
                            "application/rss+xml; charset=utf-8".to_string(),
                        ),
                        (header::ETAG, etag),
                    ],
                    served.body.clone(),
                )
                    .into_response()
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/feed")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_audition"))
        .current_dir(common::root())
        .args(args)
        .output()
        .unwrap()
}

async fn watch(show: &Path, out: &Path, cache: &Path, extra: &[&str]) -> String {
    let mut args = vec!["watch", "--once", "--show", show.to_str().unwrap()];
    args.extend([
        "--out",
        out.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    args.extend(extra);
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let output = tokio::task::spawn_blocking(move || {
        run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn items_in_feed(out: &Path) -> Vec<String> {
    let channel =
        rss::Channel::read_from(&std::fs::read(out.join("feed.xml")).unwrap()[..]).unwrap();
    channel
        .items
        .iter()
        .map(|i| i.title.clone().unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_feed_that_gains_items_is_published_once_each() {
    let state = Arc::new(Mutex::new(Served {
        body: feed(&[item(2, "09 Nov 2026", "Mon"), item(1, "02 Nov 2026", "Mon")]),
        ..Served::default()
    }));
    let url = serve(state.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let show = common::qant_show_with(dir.path(), &format!("[watch]\nfeed = \"{url}\"\n"));
    let (out, cache) = (dir.path().join("public"), dir.path().join("cache"));

    let first = watch(&show, &out, &cache, &[]).await;
    assert_eq!(
        first,
        "Watch: built 2026-11-09; 1 older issue(s) left out (backfill)"
    );
    assert_eq!(items_in_feed(&out).len(), 1);
    assert_eq!(watch(&show, &out, &cache, &[]).await, "Nothing new");
    assert_eq!(
        state.lock().unwrap().not_modified,
        1,
        "the rerun asked conditionally"
    );

    state.lock().unwrap().body = feed(&[
        item(3, "16 Nov 2026", "Mon"),
        item(2, "09 Nov 2026", "Mon"),
        item(1, "02 Nov 2026", "Mon"),
    ]);
    assert_eq!(
        watch(&show, &out, &cache, &[]).await,
        "Watch: built 2026-11-16"
    );
    assert_eq!(watch(&show, &out, &cache, &[]).await, "Nothing new");
    let titles = items_in_feed(&out);
    assert_eq!(titles.len(), 2, "{titles:?}");
    // A second watcher, with no memory of its own, finds the same issues done.
    std::fs::remove_file(out.join(".audition/watch.json")).unwrap();
    let fresh = watch(&show, &out, &cache, &[]).await;
    assert_eq!(fresh, "Watch: 1 older issue(s) left out (backfill)");
    assert_eq!(items_in_feed(&out).len(), 2);
    let requests = state.lock().unwrap().requests;
    assert_eq!(requests, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drop_folder_through_the_queue_is_published_once_each() {
    let queue = common::postgres::fresh_database("watch").await;
    let dir = tempfile::tempdir().unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    for (n, date) in [(1, "2026-10-05"), (2, "2026-10-12")] {
        std::fs::write(
            inbox.join(format!("lettre-{n}.md")),
            format!("---\ntitle: La lettre n° {n}\ndate: {date}\n---\n\n# La lettre n° {n}\n\n## Le fait de la semaine\n\nLe marché couvert rouvre ses portes après {n} mois de travaux.\n"),
        )
        .unwrap();
    }
    let show = common::qant_show_with(
        dir.path(),
        &format!("[watch]\nfolder = {:?}\nbackfill = 5\n", inbox),
    );
    let (out, cache) = (dir.path().join("public"), dir.path().join("cache"));
    let queued = watch(&show, &out, &cache, &["--queue", &queue]).await;
    assert!(queued.starts_with("Watch: queued job(s) "), "{queued}");
    assert_eq!(queued.matches(',').count(), 1, "two jobs: {queued}");
    assert_eq!(
        watch(&show, &out, &cache, &["--queue", &queue]).await,
        "Nothing new"
    );
    let worker = run(&[
        "worker",
        "--queue",
        &queue,
        "--until-idle",
        "--poll-seconds",
        "0.2",
    ]);
    assert!(
        worker.status.success(),
        "{}",
        String::from_utf8_lossy(&worker.stderr)
    );
    assert!(String::from_utf8_lossy(&worker.stdout).contains("2 done"));
    assert_eq!(items_in_feed(&out).len(), 2);
    assert_eq!(watch(&show, &out, &cache, &[]).await, "Nothing new");
    assert_eq!(
        watch(&show, &out, &cache, &["--queue", &queue]).await,
        "Nothing new"
    );
}

//! `audition watch --once` on a newsletter feed served on 127.0.0.1 that gains items, on a
//! real IMAP mailbox (Dovecot) that gains mail, and on a drop folder through the job queue:
//! each new issue is published once; rerun, nothing.

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
    run_with(args, &[])
}

fn run_with(args: &[&str], env: &[(String, String)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_audition"))
        .current_dir(common::root())
        .args(args)
        .envs(env.iter().cloned())
        .output()
        .unwrap()
}

async fn watch(show: &Path, out: &Path, cache: &Path, extra: &[&str]) -> String {
    watch_with(show, out, cache, extra, &[]).await
}

async fn watch_with(
    show: &Path,
    out: &Path,
    cache: &Path,
    extra: &[&str],
    env: &[(String, String)],
) -> String {
    let output = watch_output(show, out, cache, extra, env).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

async fn watch_output(
    show: &Path,
    out: &Path,
    cache: &Path,
    extra: &[&str],
    env: &[(String, String)],
) -> Output {
    let mut args = vec!["watch", "--once", "--show", show.to_str().unwrap()];
    args.extend([
        "--out",
        out.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    args.extend(extra);
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let env = env.to_vec();
    tokio::task::spawn_blocking(move || {
        run_with(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env)
    })
    .await
    .unwrap()
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

/// One issue as a Ghost newsletter reaches a reader's mailbox through Mailgun: the delivery
/// headers the receiving server adds, Ghost's `List-Unsubscribe` and Mailgun's tag, an
/// encoded-word sender name, and the HTML part in Ghost's newsletter template (post-title,
/// post-content) — the shape of tests/fixtures/platforms/ghost-fr.eml. The stories are ours.
fn letter(n: u32, day: &str, from: &str) -> Vec<u8> {
    format!(
        "Return-Path: <bounce+{n}@mg.lettre.example.com>\r
Delivered-To: lettre@example.org\r
Received: from mg.lettre.example.com (mg.lettre.example.com [198.51.100.7])\r
\tby mail.example.org with ESMTPS id {n}A2B3C4D; {day} 2026 06:30:05 +0000\r
Content-Type: multipart/alternative; boundary=\"=_lettre{n}\"\r
Mime-Version: 1.0\r
Subject: =?UTF-8?Q?La_lettre_n=C2=B0_{n}?=\r
From: {from}\r
To: lettre@example.org\r
List-Unsubscribe: <https://lettre.example.com/unsubscribe/?uuid={n}>\r
X-Mailgun-Tag: bulk-email\r
Date: {day} 2026 07:30:00 +0100\r
Message-Id: <2026{n:04}.063000.{n}@lettre.example.com>\r
\r
--=_lettre{n}\r
Content-Type: text/html; charset=\"utf-8\"\r
Content-Transfer-Encoding: 8bit\r
\r
<!doctype html><html lang=\"fr\"><head><title>La lettre n° {n}</title></head><body>\r
<table role=\"presentation\" class=\"main\"><tr><td class=\"post-title\">La lettre n° {n}</td></tr>\r
<tr><td class=\"post-content\"><h2>Le marché couvert rouvre</h2>\r
<p>Après {n} mois de travaux, les halles accueillent de nouveau quarante étals le samedi.</p>\r
<h2>La ligne de bus de nuit</h2><p>Elle passera toutes les vingt minutes jusqu'à deux heures du matin.</p>\r
</td></tr></table></body></html>\r
--=_lettre{n}--\r
"
    )
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mailbox_that_gains_mail_is_published_once_each() {
    const PASSWORD: &str = "mot-de-passe-du-test-42";
    let dovecot = common::imap::Dovecot::start("lettre", PASSWORD);
    let sender = "=?UTF-8?Q?La_Lettre?= <bonjour@lettre.example.com>";
    let other = "Promotions <offres@ailleurs.example>";
    dovecot.deliver(&letter(1, "Mon, 02 Nov", sender));
    dovecot.deliver(&letter(2, "Mon, 09 Nov", sender));
    dovecot.deliver(&letter(90, "Tue, 10 Nov", other));
    let dir = tempfile::tempdir().unwrap();
    let imaps = format!("imaps://lettre@127.0.0.1:{}/INBOX", dovecot.imaps_port);
    let show = common::qant_show_with(
        dir.path(),
        &format!("[watch]\nimap = \"{imaps}\"\nfrom = \"@lettre.example.com\"\n"),
    );
    let (out, cache) = (dir.path().join("public"), dir.path().join("cache"));
    let cert = (
        "SSL_CERT_FILE".to_string(),
        dovecot.cert.display().to_string(),
    );
    let env = [
        cert.clone(),
        ("AUDITION_IMAP_PASSWORD".to_string(), PASSWORD.to_string()),
    ];

    let first = watch_with(&show, &out, &cache, &[], &env).await;
    assert_eq!(
        first,
        "Watch: built 2026-11-09; 1 older issue(s) left out (backfill)"
    );
    assert_eq!(
        items_in_feed(&out),
        ["9 novembre 2026 : Le marché couvert rouvre"]
    );
    assert_eq!(
        watch_with(&show, &out, &cache, &[], &env).await,
        "Nothing new"
    );

    dovecot.deliver(&letter(91, "Sun, 15 Nov", other));
    dovecot.deliver(&letter(3, "Mon, 16 Nov", sender));
    assert_eq!(
        watch_with(&show, &out, &cache, &[], &env).await,
        "Watch: built 2026-11-16"
    );
    assert_eq!(
        watch_with(&show, &out, &cache, &[], &env).await,
        "Nothing new"
    );
    // The same mailbox over STARTTLS is another mailbox to the watcher's memory: it reads
    // every e-mail again, and the manifests' Message-IDs say they are done.
    let starttls = format!("imap://lettre@127.0.0.1:{}/INBOX", dovecot.imap_port);
    assert_eq!(
        watch_with(&show, &out, &cache, &["--imap", &starttls], &env).await,
        "Nothing new"
    );
    // A second watcher, with no memory of its own, finds the same issues done.
    std::fs::remove_file(out.join(".audition/watch.json")).unwrap();
    assert_eq!(
        watch_with(&show, &out, &cache, &[], &env).await,
        "Watch: 1 older issue(s) left out (backfill)"
    );
    let dates: Vec<String> = items_in_feed(&out)
        .iter()
        .map(|t| t.split(" : ").next().unwrap().to_string())
        .collect();
    assert_eq!(dates, ["16 novembre 2026", "9 novembre 2026"]);
    assert_eq!(dovecot.unread(), 5, "the watcher marks nothing read");

    // A wrong password: one line naming the mailbox, exit 2, the password never echoed.
    let wrong = [
        cert.clone(),
        (
            "AUDITION_IMAP_PASSWORD".to_string(),
            "pas-le-bon".to_string(),
        ),
    ];
    let refused = watch_output(&show, &out, &cache, &[], &wrong).await;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(&imaps) && stderr.contains("refused the login"),
        "{stderr}"
    );
    assert!(!stderr.contains("pas-le-bon"), "{stderr}");
    // No password at all is the producer's to fix: exit 1, the variable named.
    let unset = watch_output(&show, &out, &cache, &[], std::slice::from_ref(&cert)).await;
    let stderr = String::from_utf8_lossy(&unset.stderr);
    assert_eq!(unset.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("AUDITION_IMAP_PASSWORD"), "{stderr}");
    // A certificate nobody vouches for is refused.
    let untrusted = watch_output(&show, &out, &cache, &[], &env[1..]).await;
    let stderr = String::from_utf8_lossy(&untrusted.stderr);
    assert_eq!(untrusted.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("TLS"), "{stderr}");
    assert_eq!(
        items_in_feed(&out).len(),
        2,
        "nothing published by the failures"
    );
}

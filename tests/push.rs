//! Push on publish: a WebSub hub and a Podping-style service stand in on 127.0.0.1 and are
//! told once per feed change; a hub that fails is a warning, not a failed build.
//!
//! The hub answers as pubsubhubbub.appspot.com does a publish ping (PubSubHubbub 0.4 §7:
//! a form POST of hub.mode=publish and hub.url, 204 No Content); the Podping stand-in as
//! podping.cloud's front (GET ?url=…&reason=…, an Authorization token, 200 "Success!").

mod common;

use std::process::Command;
use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode, Uri};

#[derive(Default)]
struct Heard {
    hub: Vec<(String, String)>,
    podping: Vec<(String, String)>,
    failing: bool,
}

async fn stand_ins(heard: Arc<Mutex<Heard>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (h1, h2) = (heard.clone(), heard.clone());
    let app = axum::Router::new()
        .route(
            "/hub",
            axum::routing::post(move |headers: HeaderMap, body: String| async move {
                let mut heard = h1.lock().unwrap();
                let kind = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                heard.hub.push((kind, body));
                if heard.failing {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            }),
        )
        .route(
            "/podping",
            axum::routing::get(move |headers: HeaderMap, uri: Uri| async move {
                let token = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                h2.lock()
                    .unwrap()
                    .podping
                    .push((uri.query().unwrap_or_default().to_string(), token));
                (StatusCode::OK, "Success!")
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn build(show: &std::path::Path, dir: &std::path::Path) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_audition"));
    command
        .current_dir(common::root())
        .args(["build", "feeds/qant/issues/2026-11-02.txt", "--show"])
        .arg(show)
        .arg("--out")
        .arg(dir.join("public"))
        .arg("--cache")
        .arg(dir.join("cache"))
        .env("AUDITION_PODPING_TOKEN", "podping-token-1234");
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubs_and_hooks_hear_of_each_change_once() {
    let heard = Arc::new(Mutex::new(Heard::default()));
    let base = stand_ins(heard.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let show = common::qant_show_with(
        dir.path(),
        &format!("[push]\nwebsub = [\"{base}/hub\"]\nnotify = [\"{base}/podping\"]\n"),
    );
    let first = build(&show, dir.path()).await;
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let feed = std::fs::read_to_string(dir.path().join("public/feed.xml")).unwrap();
    assert!(
        feed.contains(&format!("<atom:link href=\"{base}/hub\" rel=\"hub\"/>")),
        "{feed}"
    );
    let feed_url = "https%3A%2F%2Fpodcast.example.com%2Fqant%2Ffeed.xml";
    {
        let heard = heard.lock().unwrap();
        assert_eq!(
            heard.hub,
            vec![(
                "application/x-www-form-urlencoded".to_string(),
                format!("hub.mode=publish&hub.url={feed_url}")
            )]
        );
        assert_eq!(
            heard.podping,
            vec![(
                format!("url={feed_url}&reason=update"),
                "podping-token-1234".to_string()
            )]
        );
    }
    // Nothing changed: nobody is told again.
    assert!(build(&show, dir.path()).await.status.success());
    assert_eq!(heard.lock().unwrap().hub.len(), 1);

    // A failing hub leaves the episode published, with a warning.
    heard.lock().unwrap().failing = true;
    let other = common::qant_show_with(dir.path(), &format!("[push]\nwebsub = [\"{base}/hub\"]\n"));
    let text = std::fs::read_to_string(&other)
        .unwrap()
        .replace("Qant, l’audio", "Qant, l’autre");
    std::fs::write(&other, text).unwrap();
    let failed = build(&other, dir.path()).await;
    assert!(
        failed.status.success(),
        "{}",
        String::from_utf8_lossy(&failed.stderr)
    );
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains(&format!("warning: WebSub hub {base}/hub: answered 500")),
        "{stderr}"
    );
    assert_eq!(heard.lock().unwrap().hub.len(), 2);
}

//! `audition episodes list | remove | restore` through the CLI, on a folder and on a real S3
//! server (moto): a removed episode leaves the feed, the site and its public URLs; restored,
//! the feed is byte for byte what it was; refusals are one line and exit 1.

mod common;

use std::process::{Command, Output};

use audition::store::Store;
use common::s3::S3Server;

const FIRST: &str = "2026-11-02";

fn run(server: Option<&S3Server>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_audition"));
    if let Some(server) = server {
        server.apply(&mut command);
    }
    command
        .current_dir(common::root())
        .args(args)
        .output()
        .unwrap()
}

fn ok(output: &Output) -> String {
    assert!(output.status.success(), "{}", common::stderr(output));
    common::stdout(output)
}

fn refused(output: &Output, says: &str) {
    let stderr = common::stderr(output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(says), "{stderr}");
}

/// The store's objects outside `.audition/`, by key.
async fn objects(store: &Store) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut found = std::collections::BTreeMap::new();
    for listed in store.list("").await.unwrap() {
        if !listed.key.starts_with('.') {
            let bytes = store.get(&listed.key).await.unwrap().unwrap();
            found.insert(listed.key, bytes.to_vec());
        }
    }
    found
}

fn take_down_and_bring_back(server: Option<&S3Server>, out: &str, cache: &str) {
    let show = common::qant_show();
    let show = show.to_str().unwrap();
    for issue in [
        "feeds/qant/issues/2026-11-02.txt",
        "feeds/qant/issues/2026-11-09.txt",
    ] {
        ok(&run(
            server,
            &[
                "build", issue, "--show", show, "--out", out, "--cache", cache,
            ],
        ));
    }
    if let Some(server) = server {
        for (key, value) in server.env() {
            std::env::set_var(key, value);
        }
    }
    let store = Store::open(out).unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let before = runtime.block_on(objects(&store));
    let feed = String::from_utf8(before["feed.xml"].clone()).unwrap();
    let mp3 = before
        .keys()
        .find(|k| k.starts_with(&format!("episodes/{FIRST}.")) && k.ends_with(".mp3"))
        .unwrap()
        .clone();
    assert!(feed.contains(&mp3));

    let listed = ok(&run(server, &["episodes", "list", "--out", out]));
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(listed.lines().all(|l| l.contains("published")), "{listed}");

    let removed = ok(&run(
        server,
        &["episodes", "remove", FIRST, "--show", show, "--out", out],
    ));
    assert!(
        removed.starts_with(&format!("Removed {FIRST}")),
        "{removed}"
    );
    let after = runtime.block_on(objects(&store));
    let feed_after = String::from_utf8(after["feed.xml"].clone()).unwrap();
    assert!(!feed_after.contains(FIRST), "the feed still names {FIRST}");
    assert!(feed_after.contains("2026-11-09"));
    let index = String::from_utf8(after["index.html"].clone()).unwrap();
    assert!(!index.contains(&format!("episodes/{FIRST}.html")));
    let left: Vec<&String> = after.keys().filter(|k| k.contains(FIRST)).collect();
    assert!(left.is_empty(), "still published: {left:?}");
    let trash = runtime
        .block_on(store.list(&format!(".audition/trash/{FIRST}")))
        .unwrap();
    assert!(trash.iter().any(|l| l.key.ends_with(".mp3")), "{trash:?}");
    let listed = ok(&run(server, &["episodes", "list", "--out", out]));
    assert!(
        listed
            .lines()
            .any(|l| l.starts_with(FIRST) && l.contains("removed")),
        "{listed}"
    );

    // Refusals: one line, exit 1.
    refused(
        &run(
            server,
            &["episodes", "remove", FIRST, "--show", show, "--out", out],
        ),
        &format!("no episode \"{FIRST}\" published (there are 2026-11-09)"),
    );
    refused(
        &run(
            server,
            &[
                "episodes",
                "restore",
                "2026-10-01",
                "--show",
                show,
                "--out",
                out,
            ],
        ),
        &format!("no episode \"2026-10-01\" in the trash (there are {FIRST})"),
    );
    refused(
        &run(
            server,
            &[
                "episodes",
                "restore",
                "2026-11-09",
                "--show",
                show,
                "--out",
                out,
            ],
        ),
        "episode 2026-11-09 is published already",
    );
    refused(
        &run(server, &["episodes", "remove", "2026-11-09", "--out", out]),
        "give --show",
    );

    let restored = ok(&run(
        server,
        &["episodes", "restore", FIRST, "--show", show, "--out", out],
    ));
    assert!(
        restored.starts_with(&format!("Restored {FIRST}")),
        "{restored}"
    );
    let back = runtime.block_on(objects(&store));
    assert!(
        back["feed.xml"] == before["feed.xml"],
        "the feed is not as it was"
    );
    assert!(back[&mp3] == before[&mp3], "the audio is not as it was");
    assert_eq!(
        back.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    let trash = runtime.block_on(store.list(".audition/trash")).unwrap();
    assert!(trash.is_empty(), "{trash:?}");

    // --purge deletes for good: nothing left to restore.
    ok(&run(
        server,
        &[
            "episodes", "remove", FIRST, "--purge", "--show", show, "--out", out,
        ],
    ));
    let trash = runtime.block_on(store.list(".audition/trash")).unwrap();
    assert!(trash.is_empty(), "{trash:?}");
    refused(
        &run(
            server,
            &["episodes", "restore", FIRST, "--show", show, "--out", out],
        ),
        "in the trash (there is none)",
    );
}

#[test]
fn an_episode_taken_down_from_a_folder_comes_back_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("public");
    let cache = dir.path().join("cache");
    take_down_and_bring_back(None, out.to_str().unwrap(), cache.to_str().unwrap());
}

#[test]
fn an_episode_taken_down_from_a_bucket_comes_back_as_it_was() {
    let moto = S3Server::moto();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    take_down_and_bring_back(Some(&moto), "s3://pod/qant", cache.to_str().unwrap());
}

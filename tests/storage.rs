//! Publishing to object storage, against real S3 servers (moto and s3s-fs) and a folder:
//! the same files and bytes land in each, a bucket cache spares a second machine every
//! clip, refusals are one line, and concurrent publishers never lose an episode.

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Mutex;

use common::s3::S3Server;

const ISSUE: &str = "feeds/qant/issues/2026-11-02.txt";

/// Tests that set the AWS variables in this process (to read a bucket back) take turns.
static ENV: Mutex<()> = Mutex::new(());

/// `audition` with the S3 server's environment and its own user cache folder.
fn audition_s3(server: Option<&S3Server>, cache_home: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_audition"));
    command.args(args).env("XDG_CACHE_HOME", cache_home);
    for key in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT",
    ] {
        command.env_remove(key);
    }
    if let Some(server) = server {
        server.apply(&mut command);
    }
    command.current_dir(common::root()).output().unwrap()
}

fn build(
    server: Option<&S3Server>,
    cache_home: &Path,
    issue: &str,
    out: &str,
    cache: &str,
) -> Output {
    let show = common::qant_show();
    audition_s3(
        server,
        cache_home,
        &[
            "build",
            issue,
            "--show",
            show.to_str().unwrap(),
            "--out",
            out,
            "--cache",
            cache,
        ],
    )
}

/// Every file under `dir`, by path relative to it (s3s-fs's and the folder's own layout).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let key = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                if !key.starts_with('.') {
                    found.insert(key, std::fs::read(&path).unwrap());
                }
            }
        }
    }
    found
}

/// Points this process's AWS variables at `server`, until the guard is dropped.
fn server_env(server: &S3Server) -> std::sync::MutexGuard<'static, ()> {
    let turn = ENV.lock().unwrap_or_else(|e| e.into_inner());
    for (key, value) in server.env() {
        std::env::set_var(key, value);
    }
    turn
}

/// The sample issue built into `<dir>/public` with a folder cache; that folder.
fn build_in_folder(dir: &Path) -> std::path::PathBuf {
    let folder = dir.join("public");
    let built = build(
        None,
        &dir.join("home-a"),
        ISSUE,
        folder.to_str().unwrap(),
        dir.join("cache").to_str().unwrap(),
    );
    assert!(summary(&built).contains("7 clips synthesised"));
    folder
}

/// Every object under `prefix` of moto's bucket, read back with signed requests.
fn objects(server: &S3Server, prefix: &str) -> BTreeMap<String, Vec<u8>> {
    let _turn = server_env(server);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = audition::store::Store::open(&format!("s3://pod/{prefix}")).unwrap();
        let mut found = BTreeMap::new();
        for listed in store.list("").await.unwrap() {
            if listed.key.starts_with('.') {
                continue;
            }
            let bytes = store.get(&listed.key).await.unwrap().unwrap();
            found.insert(listed.key, bytes.to_vec());
        }
        found
    })
}

/// `stored` holds exactly the files of `expected`, byte for byte.
fn assert_same_files(
    expected: &BTreeMap<String, Vec<u8>>,
    stored: &BTreeMap<String, Vec<u8>>,
    server: &str,
) {
    assert_eq!(
        stored.keys().collect::<Vec<_>>(),
        expected.keys().collect::<Vec<_>>(),
        "{server} holds the folder's files"
    );
    for (key, bytes) in expected {
        assert!(
            stored[key] == *bytes,
            "{key} differs between the folder and {server}"
        );
    }
}

fn summary(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_bucket_holds_the_same_files_and_bytes_as_a_folder_and_shares_its_clips() {
    let dir = tempfile::tempdir().unwrap();
    let folder = build_in_folder(dir.path());
    let expected = files(&folder);
    let keys: Vec<&String> = expected.keys().collect();
    assert!(
        keys.iter().any(|k| k.ends_with(".mp3")) && keys.contains(&&"feed.xml".to_string()),
        "{keys:?}"
    );

    let s3s = S3Server::s3s_fs();
    let first = build(
        Some(&s3s),
        &dir.path().join("home-b"),
        ISSUE,
        "s3://pod/qant",
        "s3://pod/cache",
    );
    let said = summary(&first);
    assert!(
        said.contains("7 clips synthesised") && said.contains("s3://pod/qant/feed.xml"),
        "{said}"
    );
    assert_same_files(&expected, &files(&s3s.object_file("qant")), "s3s-fs");
    // s3s-fs 0.14.1 honours If-Match and If-None-Match (412 PreconditionFailed): no warning.
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert!(!stderr.contains("conditional writes"), "{stderr}");
    // s3s-fs keeps the headers an object was written with beside it.
    let metadata = |key: &str| {
        let b64 =
            |s: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, s);
        let name = format!(".bucket-{}.object-{}.metadata.json", b64("pod"), b64(key));
        std::fs::read_to_string(s3s.root.as_ref().unwrap().join(name)).unwrap()
    };
    let feed = metadata("qant/feed.xml");
    assert!(
        feed.contains("application/rss+xml") && feed.contains("max-age=300"),
        "{feed}"
    );
    let mp3 = keys.iter().find(|k| k.ends_with(".mp3")).unwrap();
    let audio = metadata(&format!("qant/{mp3}"));
    assert!(
        audio.contains("audio/mpeg") && audio.contains("immutable"),
        "{audio}"
    );

    // A second machine (its own local cache) finds every clip in the bucket.
    let second = build(
        Some(&s3s),
        &dir.path().join("home-c"),
        ISSUE,
        "s3://pod/other",
        "s3://pod/cache",
    );
    let said = summary(&second);
    assert!(said.contains("0 clips synthesised, 7 cached"), "{said}");
    // Rebuilt unchanged, nothing is redone.
    let again = build(
        Some(&s3s),
        &dir.path().join("home-c"),
        ISSUE,
        "s3://pod/qant",
        "s3://pod/cache",
    );
    assert!(summary(&again).contains("Nothing changed"));

    let moto = S3Server::moto();
    let built = build(
        Some(&moto),
        &dir.path().join("home-d"),
        ISSUE,
        "s3://pod/qant",
        "s3://pod/cache",
    );
    assert!(summary(&built).contains("7 clips synthesised"));
    assert!(
        !String::from_utf8_lossy(&built.stderr).contains("conditional writes"),
        "moto compares versions"
    );
    assert_same_files(&expected, &objects(&moto, "qant"), "moto");
}

#[test]
fn a_refused_bucket_is_one_line_and_no_secret_is_shown() {
    let dir = tempfile::tempdir().unwrap();
    let s3s = S3Server::s3s_fs();
    let mut command = Command::new(env!("CARGO_BIN_EXE_audition"));
    s3s.apply(&mut command);
    let wrong = "wrong-secret-never-printed";
    let show = common::qant_show();
    let output = command
        .env("AWS_SECRET_ACCESS_KEY", wrong)
        .env("XDG_CACHE_HOME", dir.path())
        .current_dir(common::root())
        .args([
            "build",
            ISSUE,
            "--show",
            show.to_str().unwrap(),
            "--out",
            "s3://pod/qant",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("access refused (SignatureDoesNotMatch"),
        "{stderr}"
    );
    assert!(!stderr.contains(wrong) && !stderr.contains(common::s3::SECRET_KEY));
    assert!(
        files(&s3s.object_file("")).is_empty(),
        "nothing was written"
    );

    // s3s-fs makes a bucket on first write; moto answers NoSuchBucket as AWS does.
    let moto = S3Server::moto();
    let missing = build(
        Some(&moto),
        dir.path(),
        ISSUE,
        "s3://nobucket/qant",
        dir.path().to_str().unwrap(),
    );
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("the bucket does not exist"), "{stderr}");

    let scheme = build(
        None,
        dir.path(),
        ISSUE,
        "gs://pod/qant",
        dir.path().to_str().unwrap(),
    );
    assert_ne!(scheme.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&scheme.stderr).contains("unknown storage scheme"));
}

/// Sixteen publishers within 40 ms, each adding its episode's manifest to `out` and rebuilding
/// the feed; returns the feed's final text.
async fn sixteen_publishers(out: &str, manifest: &serde_json::Value) -> String {
    let show = audition::show::Show::load(&common::qant_show()).unwrap();
    let store = audition::store::Store::open(out).unwrap();
    let publishers: Vec<_> = (1..=16)
        .map(|day| {
            let (show, store) = (show.clone(), store.clone());
            let mut manifest = manifest.clone();
            let id = format!("2026-10-{day:02}");
            manifest["id"] = id.clone().into();
            manifest["date"] = id.clone().into();
            manifest["guid"] = format!("guid-{id}").into();
            tokio::spawn(async move {
                // At random moments, so that some add their episode while others rebuild.
                let jitter = (day * 7919 + 13) % 40;
                tokio::time::sleep(std::time::Duration::from_millis(jitter)).await;
                let key = format!("episodes/{id}.json");
                store
                    .put(&key, manifest.to_string().into_bytes())
                    .await
                    .unwrap();
                audition::publish_feed(&show, "https://example.com/qant", &store)
                    .await
                    .unwrap();
            })
        })
        .collect();
    for publisher in publishers {
        publisher.await.unwrap();
    }
    String::from_utf8(store.get("feed.xml").await.unwrap().unwrap().to_vec()).unwrap()
}

#[test]
fn concurrent_publishers_never_lose_an_episode() {
    let dir = tempfile::tempdir().unwrap();
    let folder = build_in_folder(dir.path());
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("episodes/2026-11-02.json")).unwrap())
            .unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(8)
        .enable_all()
        .build()
        .unwrap();
    let moto = S3Server::moto();
    let _turn = server_env(&moto);
    for out in [
        dir.path().join("shared").display().to_string(),
        "s3://pod/qant".to_string(),
    ] {
        let feed = runtime.block_on(sixteen_publishers(&out, &manifest));
        for day in 1..=16 {
            assert!(
                feed.contains(&format!(
                    "<guid isPermaLink=\"false\">guid-2026-10-{day:02}</guid>"
                )),
                "{out}: the feed lost 2026-10-{day:02}"
            );
        }
    }
}

#[test]
fn a_write_on_a_stale_version_is_refused_where_the_store_compares() {
    let moto = S3Server::moto();
    let _turn = server_env(&moto);
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use audition::store::{Store, Swap};
        let store = Store::open("s3://pod/cas").unwrap();
        assert!(
            store.compares_versions().await.unwrap(),
            "moto honours If-Match and If-None-Match"
        );
        assert_eq!(
            store.swap("feed.xml", b"a".to_vec(), None).await.unwrap(),
            Swap::Written
        );
        assert_eq!(
            store.swap("feed.xml", b"b".to_vec(), None).await.unwrap(),
            Swap::Conflict
        );
        let read = store.get_versioned("feed.xml").await.unwrap().unwrap();
        // Two publishers read the same version; only the first to write wins.
        let first = store
            .swap("feed.xml", b"c".to_vec(), Some(read.version.clone()))
            .await;
        let second = store
            .swap("feed.xml", b"d".to_vec(), Some(read.version))
            .await;
        assert_eq!(
            (first.unwrap(), second.unwrap()),
            (Swap::Written, Swap::Conflict)
        );
        assert_eq!(store.get("feed.xml").await.unwrap().unwrap(), "c");
        let folder = tempfile::tempdir().unwrap();
        let local = Store::open(folder.path().to_str().unwrap()).unwrap();
        assert!(
            !local.compares_versions().await.unwrap(),
            "a folder relies on its lock file"
        );
    });
}

#[test]
fn a_bucket_that_ignores_conditional_writes_is_named_when_published_to() {
    let moto = S3Server::moto();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let careless = common::s3::ignoring_conditions(&runtime, &moto.endpoint);
    let dir = tempfile::tempdir().unwrap();
    let show = common::qant_show();
    let mut command = Command::new(env!("CARGO_BIN_EXE_audition"));
    moto.apply(&mut command);
    let output = command
        .env("AWS_ENDPOINT_URL", &careless)
        .env("XDG_CACHE_HOME", dir.path())
        .current_dir(common::root())
        .args(["build", ISSUE, "--show", show.to_str().unwrap()])
        .args([
            "--out",
            "s3://pod/careless",
            "--cache",
            dir.path().join("cache").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(summary(&output).contains("7 clips synthesised"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("s3://pod/careless ignores conditional writes")
            && stderr.contains("audition worker"),
        "{stderr}"
    );
    // Published all the same, and the probe left nothing behind.
    let keys = objects(&moto, "careless");
    assert!(keys.contains_key("feed.xml"), "{:?}", keys.keys());
    let store = {
        let _turn = server_env(&moto);
        audition::store::Store::open("s3://pod/careless").unwrap()
    };
    let probes = runtime.block_on(store.list(".audition")).unwrap();
    assert!(probes.is_empty(), "{probes:?}");
}

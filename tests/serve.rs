//! `audition serve` as podcast apps use it, over real HTTP on 127.0.0.1: HEAD, byte ranges,
//! conditional requests, content types, and no way out of the published folder — from a
//! folder, and from a bucket on a real S3 server (moto) with the same answers.

mod common;

use std::path::Path;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one raw HTTP/1.1 request (so paths are sent exactly as written).
async fn request(addr: std::net::SocketAddr, head: &str) -> Response {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("{head}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let mut response = Response {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    };
    if response.header("transfer-encoding") == Some("chunked") {
        response.body = dechunk(&response.body);
    }
    response
}

/// Decodes a chunked HTTP/1.1 body.
fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(line_end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(std::str::from_utf8(&raw[..line_end]).unwrap().trim(), 16)
            .unwrap();
        if size == 0 {
            break;
        }
        body.extend_from_slice(&raw[line_end + 2..line_end + 2 + size]);
        raw = &raw[line_end + 2 + size + 2..];
    }
    body
}

async fn start(dir: &Path) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let dir = dir.to_path_buf();
    tokio::spawn(async move { audition::publish::serve::serve_on(listener, &dir).await });
    addr
}

fn published() -> (tempfile::TempDir, Vec<u8>) {
    let root = tempfile::tempdir().unwrap();
    let public = root.path().join("public");
    std::fs::create_dir_all(public.join("episodes")).unwrap();
    let audio: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(public.join("episodes/e.mp3"), &audio).unwrap();
    std::fs::write(
        public.join("episodes/e.chapters.json"),
        b"{\"version\":\"1.2.0\",\"chapters\":[]}",
    )
    .unwrap();
    std::fs::write(public.join("episodes/e.vtt"), b"WEBVTT\n").unwrap();
    std::fs::write(public.join("feed.xml"), b"<rss version=\"2.0\"/>").unwrap();
    std::fs::write(root.path().join("secret.txt"), b"outside").unwrap();
    (root, audio)
}

#[tokio::test(flavor = "multi_thread")]
async fn ranges_head_and_content_types_work_as_podcast_apps_expect() {
    let (root, audio) = published();
    let addr = start(&root.path().join("public")).await;
    check_podcast_answers(addr, &audio).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bucket_is_served_with_the_same_answers_as_a_folder() {
    let moto = common::s3::S3Server::moto();
    let (root, audio) = published();
    for (key, value) in moto.env() {
        std::env::set_var(key, value);
    }
    let store = audition::store::Store::open("s3://pod/show").unwrap();
    let public = root.path().join("public");
    for key in [
        "feed.xml",
        "episodes/e.mp3",
        "episodes/e.chapters.json",
        "episodes/e.vtt",
    ] {
        store
            .put(key, std::fs::read(public.join(key)).unwrap())
            .await
            .unwrap();
    }
    store
        .put(".audition/watch.json", b"{}".to_vec())
        .await
        .unwrap();
    let port = common::s3::free_port();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_audition"));
    moto.apply(&mut command);
    let mut child = command
        .args([
            "serve",
            "s3://pod/show",
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let start = std::time::Instant::now();
    while tokio::net::TcpStream::connect(addr).await.is_err() {
        assert!(
            start.elapsed().as_secs() < 30,
            "audition serve did not listen"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    check_podcast_answers(addr, &audio).await;
    for hidden in [
        "/.audition/watch.json",
        "/../secret.txt",
        "/episodes/",
        "/missing.mp3",
    ] {
        let answer = request(addr, &format!("GET {hidden} HTTP/1.1")).await;
        assert_eq!(answer.status, 404, "{hidden}");
    }
    let post = request(addr, "POST /feed.xml HTTP/1.1\r\nContent-Length: 0").await;
    assert_eq!(post.status, 405);
    child.kill().unwrap();
    child.wait().unwrap();
}

/// What a podcast app asks of a published episode, and how it must be answered.
async fn check_podcast_answers(addr: std::net::SocketAddr, audio: &[u8]) {
    let full = request(addr, "GET /episodes/e.mp3 HTTP/1.1").await;
    assert_eq!(full.status, 200);
    assert_eq!(full.body, audio);
    assert_eq!(full.header("content-type"), Some("audio/mpeg"));
    assert_eq!(full.header("content-length"), Some("100000"));
    assert_eq!(full.header("accept-ranges"), Some("bytes"));
    let last_modified = full
        .header("last-modified")
        .expect("Last-Modified")
        .to_string();

    let head = request(addr, "HEAD /episodes/e.mp3 HTTP/1.1").await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("100000"));
    assert!(head.body.is_empty());

    let range = request(
        addr,
        "GET /episodes/e.mp3 HTTP/1.1\r\nRange: bytes=1000-1999",
    )
    .await;
    assert_eq!(range.status, 206);
    assert_eq!(
        range.header("content-range"),
        Some("bytes 1000-1999/100000")
    );
    assert_eq!(range.body, &audio[1000..2000]);

    let suffix = request(addr, "GET /episodes/e.mp3 HTTP/1.1\r\nRange: bytes=-100").await;
    assert_eq!(suffix.status, 206);
    assert_eq!(suffix.body, &audio[audio.len() - 100..]);

    let unsatisfiable = request(addr, "GET /episodes/e.mp3 HTTP/1.1\r\nRange: bytes=200000-").await;
    assert_eq!(unsatisfiable.status, 416);

    let conditional = request(
        addr,
        &format!("GET /episodes/e.mp3 HTTP/1.1\r\nIf-Modified-Since: {last_modified}"),
    )
    .await;
    assert_eq!(conditional.status, 304);
    let etag = full.header("etag").expect("ETag").to_string();
    let same = request(
        addr,
        &format!("GET /episodes/e.mp3 HTTP/1.1\r\nIf-None-Match: {etag}"),
    )
    .await;
    assert_eq!(same.status, 304);

    // The feed is gzipped for clients that ask; audio never is, even when asked.
    let gzipped = request(addr, "GET /feed.xml HTTP/1.1\r\nAccept-Encoding: gzip").await;
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert_eq!(&gzipped.body[..2], &[0x1f, 0x8b]);
    let audio = request(
        addr,
        "GET /episodes/e.mp3 HTTP/1.1\r\nAccept-Encoding: gzip\r\nRange: bytes=0-9",
    )
    .await;
    assert_eq!(audio.status, 206);
    assert_eq!(audio.header("content-encoding"), None);
    assert_eq!(audio.body, &full.body[..10]);

    let feed = request(addr, "GET /feed.xml HTTP/1.1").await;
    assert_eq!(
        feed.header("content-type"),
        Some("application/rss+xml; charset=utf-8")
    );
    let chapters = request(addr, "GET /episodes/e.chapters.json HTTP/1.1").await;
    assert_eq!(
        chapters.header("content-type"),
        Some("application/json+chapters")
    );
    let vtt = request(addr, "GET /episodes/e.vtt HTTP/1.1").await;
    assert_eq!(vtt.header("content-type"), Some("text/vtt; charset=utf-8"));
}

#[tokio::test(flavor = "multi_thread")]
async fn no_path_leads_out_of_the_published_folder() {
    let (root, _) = published();
    let addr = start(&root.path().join("public")).await;
    for path in [
        "/../secret.txt",
        "/episodes/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/episodes/%2e%2e%2f%2e%2e%2fsecret.txt",
    ] {
        let response = request(addr, &format!("GET {path} HTTP/1.1")).await;
        assert!(
            response.status >= 400,
            "{path} answered {}",
            response.status
        );
        assert!(
            !String::from_utf8_lossy(&response.body).contains("outside"),
            "{path} leaked the file"
        );
    }
    let missing = request(addr, "GET /nothing.mp3 HTTP/1.1").await;
    assert_eq!(missing.status, 404);
    // The publisher's own state (watcher memory, removed episodes) is not served.
    let state = root.path().join("public/.audition/trash/e");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("e.mp3"), b"taken down").unwrap();
    for hidden in ["/.audition/trash/e/e.mp3", "/%2eaudition/trash/e/e.mp3"] {
        let response = request(addr, &format!("GET {hidden} HTTP/1.1")).await;
        assert_eq!(response.status, 404, "{hidden}");
    }
    // The show's page is the folder's index.
    std::fs::write(
        root.path().join("public/index.html"),
        b"<!doctype html><title>t</title>",
    )
    .unwrap();
    assert_eq!(request(addr, "GET / HTTP/1.1").await.status, 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_concurrent_range_requests_all_get_their_bytes() {
    let (root, audio) = published();
    let addr = start(&root.path().join("public")).await;
    let audio = std::sync::Arc::new(audio);
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..200usize {
        let audio = audio.clone();
        tasks.spawn(async move {
            let from = (n * 487) % 90_000;
            let to = from + 1 + (n * 131) % 9_000;
            let response = request(
                addr,
                &format!("GET /episodes/e.mp3 HTTP/1.1\r\nRange: bytes={from}-{to}"),
            )
            .await;
            assert_eq!(response.status, 206, "request {n}");
            assert_eq!(response.body, &audio[from..=to], "request {n}");
        });
    }
    // While they run, the feed is still answered (a hung server would time out here).
    let feed = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        request(addr, "GET /feed.xml HTTP/1.1"),
    )
    .await
    .expect("the feed is answered during the range requests");
    assert_eq!(feed.status, 200);
    let mut done = 0;
    while let Some(result) = tasks.join_next().await {
        result.expect("every range request succeeds");
        done += 1;
    }
    assert_eq!(done, 200);
}

/// `audition serve DIR` as its own process on a free port of 127.0.0.1.
struct Server {
    child: std::process::Child,
    addr: std::net::SocketAddr,
}

impl Server {
    async fn start(dir: &Path) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: std::net::SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_audition"))
            .args(["serve", dir.to_str().unwrap(), "--addr", &addr.to_string()])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let server = Server { child, addr };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(addr).await.is_ok() {
                return server;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("audition serve did not start");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads until the server closes the connection; `None` if it is still open after `limit`.
async fn closed_within(
    mut stream: tokio::net::TcpStream,
    limit: std::time::Duration,
) -> Option<std::time::Instant> {
    let mut buffer = [0u8; 4096];
    tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return std::time::Instant::now(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok()
}

/// A slowloris crowd — 1,000 clients that send a request line and never finish their
/// headers — does not stop a podcast app from being answered at once, and the server closes
/// every one of them (and an idle kept-alive connection) within 30 s.
#[tokio::test(flavor = "multi_thread")]
async fn half_open_connections_are_cut_off_and_normal_requests_still_answered() {
    let (root, _) = published();
    let server = Server::start(&root.path().join("public")).await;
    let opened = std::time::Instant::now();
    let mut crowd = Vec::new();
    for i in 0..1_000 {
        let mut stream = tokio::net::TcpStream::connect(server.addr).await.unwrap();
        let line = format!("GET /episodes/e.mp3?client={i} HTTP/1.1\r\nHost: x\r\n");
        stream.write_all(line.as_bytes()).await.unwrap();
        crowd.push(stream);
    }
    // An idle keep-alive connection after one complete request.
    let mut idle = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(b"HEAD /feed.xml HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 512];
    let n = idle.read(&mut head).await.unwrap();
    assert!(String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"));

    let mut slowest = std::time::Duration::ZERO;
    for _ in 0..5 {
        let asked = std::time::Instant::now();
        let response = request(server.addr, "GET /feed.xml HTTP/1.1").await;
        slowest = slowest.max(asked.elapsed());
        assert_eq!(response.status, 200);
        assert_eq!(response.body, b"<rss version=\"2.0\"/>");
    }
    assert!(
        slowest < std::time::Duration::from_millis(100),
        "a normal request took {slowest:?} beside 1,000 half-open connections"
    );

    let limit = std::time::Duration::from_secs(30);
    let waits: Vec<_> = crowd
        .into_iter()
        .chain([idle])
        .map(|stream| tokio::spawn(closed_within(stream, limit)))
        .collect();
    let mut still_open = 0;
    let mut last_close = opened;
    for wait in waits {
        match wait.await.unwrap() {
            Some(at) => last_close = last_close.max(at),
            None => still_open += 1,
        }
    }
    assert_eq!(still_open, 0, "connections the server never closed");
    let took = last_close - opened;
    assert!(took < limit, "the last one was closed after {took:?}");
    eprintln!("1,001 idle connections closed by the server after {took:?}; slowest normal request {slowest:?}");
}

/// SIGTERM (what systemd and container runtimes send) stops the server cleanly: exit 0,
/// promptly, the port released.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_the_server_cleanly() {
    let (root, _) = published();
    let mut server = Server::start(&root.path().join("public")).await;
    assert_eq!(
        request(server.addr, "GET /feed.xml HTTP/1.1").await.status,
        200
    );
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let asked = std::time::Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            asked.elapsed() < std::time::Duration::from_secs(5),
            "still running 5 s after SIGTERM"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(status.code(), Some(0), "exit status after SIGTERM");
    assert!(tokio::net::TcpStream::connect(server.addr).await.is_err());
}

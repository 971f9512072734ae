//! `audition serve` as podcast apps use it, over real HTTP on 127.0.0.1: HEAD, byte ranges,
//! conditional requests, content types, and no way out of the published folder.

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

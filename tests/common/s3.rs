//! Real S3 servers started for a test: moto (AWS's conditional writes, no signature checks,
//! in memory) and s3s-fs (checks SigV4 signatures, keeps each object as a file under its
//! root). Both are installed by `scripts/install-deps`; a missing one fails the test.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The keys s3s-fs is started with (moto accepts any).
pub const ACCESS_KEY: &str = "AUDITIONTESTKEY";
pub const SECRET_KEY: &str = "audition-test-secret-0123456789";

/// A running S3 server with one bucket, `pod`; stopped when dropped.
pub struct S3Server {
    child: Child,
    pub endpoint: String,
    /// s3s-fs's root folder: objects are the files `<root>/<bucket>/<key>`.
    pub root: Option<PathBuf>,
    _dir: tempfile::TempDir,
}

impl S3Server {
    /// moto's S3, the bucket created with an unsigned request (moto takes any).
    pub fn moto() -> S3Server {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = Command::new("python3")
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let server = S3Server::started(child, port, None, dir);
        let status = Command::new("curl")
            .args(["-sf", "-X", "PUT", &format!("{}/pod", server.endpoint)])
            .status()
            .expect("curl runs");
        assert!(status.success(), "moto did not create the bucket");
        server
    }

    /// s3s-fs, with the bucket as a folder of its root.
    pub fn s3s_fs() -> S3Server {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("pod")).unwrap();
        let port = free_port();
        let child = Command::new(s3s_fs_binary())
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
            .arg(&root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("s3s-fs is installed (scripts/install-deps)");
        S3Server::started(child, port, Some(root), dir)
    }

    fn started(
        mut child: Child,
        port: u16,
        root: Option<PathBuf>,
        dir: tempfile::TempDir,
    ) -> S3Server {
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                panic!("the S3 server exited at start ({status}); run scripts/install-deps");
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "the S3 server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        S3Server {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            root,
            _dir: dir,
        }
    }

    /// The environment a producer sets for this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", ACCESS_KEY.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()),
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
        ]
    }

    /// Applies [`S3Server::env`] to a command.
    pub fn apply(&self, command: &mut Command) {
        for (key, value) in self.env() {
            command.env(key, value);
        }
    }

    /// The file s3s-fs keeps an object in.
    pub fn object_file(&self, key: &str) -> PathBuf {
        self.root
            .as_ref()
            .expect("an s3s-fs server")
            .join("pod")
            .join(key)
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn s3s_fs_binary() -> PathBuf {
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| dirs_home().join(".cargo"));
    let installed = cargo_home.join("bin/s3s-fs");
    if installed.exists() {
        installed
    } else {
        PathBuf::from("s3s-fs")
    }
}

fn dirs_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new("/root").to_path_buf())
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A store that ignores conditional writes, as issue 11 measured Garage 2.5 doing: moto
/// behind a proxy on 127.0.0.1 that drops `If-Match` and `If-None-Match` from every request
/// and passes everything else through unchanged. Its address.
pub fn ignoring_conditions(runtime: &tokio::runtime::Runtime, upstream: &str) -> String {
    use axum::http::header;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = upstream.to_string();
    let client = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let (client, upstream) = (client.clone(), upstream.clone());
        async move {
            let (parts, body) = request.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
            let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            let mut forwarded = client
                .request(parts.method.clone(), format!("{upstream}{target}"))
                .body(bytes);
            let dropped = [
                header::HOST,
                header::IF_MATCH,
                header::IF_NONE_MATCH,
                header::CONTENT_LENGTH,
                header::TRANSFER_ENCODING,
            ];
            for (name, value) in &parts.headers {
                if !dropped.contains(name) {
                    forwarded = forwarded.header(name, value);
                }
            }
            let answer = forwarded.send().await.unwrap();
            let status = answer.status();
            let mut headers = answer.headers().clone();
            headers.remove(header::TRANSFER_ENCODING);
            headers.remove(header::CONTENT_LENGTH);
            let mut response = axum::response::Response::new(axum::body::Body::from(
                answer.bytes().await.unwrap(),
            ));
            *response.status_mut() = status;
            response.headers_mut().extend(headers);
            response
        }
    });
    runtime.spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

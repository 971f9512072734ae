//! Serves a published folder over HTTP the way podcast apps need it: HEAD, single `Range`
//! requests (206 with Content-Range, 416 when unsatisfiable), ETag / If-None-Match and
//! Last-Modified / If-Modified-Since, correct content types, gzip for the feed, and no path
//! outside the folder.
//!
//! It holds up on the open internet: a client has [`HEADER_TIMEOUT`] to send a request's
//! headers, and a kept-alive connection that sends nothing for as long is closed (hyper's
//! header-read timer runs whenever a connection waits for a request); at most
//! [`MAX_CONNECTIONS`] are served at once (further ones wait in the listen queue); SIGTERM or
//! Ctrl-C stops accepting, lets requests in flight finish for up to [`DRAIN_TIMEOUT`], and
//! exits cleanly.
//!
//! The file handling is tower-http's `ServeDir`; this module only sets the podcast content
//! types that a generic MIME table does not know, and runs the connections.

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode, Version};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;

use crate::error::{Error, Result};

/// The router serving `dir`.
pub fn router(dir: &Path) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dir).append_index_html_on_directories(false))
        .layer(middleware::from_fn(podcast_content_types))
        .layer(CompressionLayer::new().gzip(true).compress_when(is_text))
}

/// Feeds, chapters and transcripts are gzipped for clients that accept it; audio never is
/// (it does not shrink, and byte ranges must stay byte ranges of the file).
fn is_text(_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions) -> bool {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    (content_type.starts_with("application/rss+xml")
        || content_type.starts_with("application/json")
        || content_type.starts_with("text/"))
        && !headers.contains_key(header::CONTENT_RANGE)
}

/// Serves `dir` on `addr` until the process is stopped.
pub async fn serve(dir: &Path, addr: SocketAddr) -> Result<()> {
    if !dir.is_dir() {
        return Err(Error::Input {
            path: dir.to_path_buf(),
            message: "not a folder; build an episode first or give the published folder".into(),
        });
    }
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        Error::io(
            dir,
            std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")),
        )
    })?;
    serve_on(listener, dir).await
}

/// How long a client has to send a request's headers, and how long a kept-alive connection
/// may wait for its next request (a slowloris client is cut off after this).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; more wait in the kernel's listen queue.
pub const MAX_CONNECTIONS: usize = 2048;
/// How long requests in flight may run after SIGTERM.
pub const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `dir` on an already bound listener (tests bind port 0) until SIGTERM or Ctrl-C.
pub async fn serve_on(listener: TcpListener, dir: &Path) -> Result<()> {
    serve_until(listener, dir, stop_signal()).await
}

/// Serves `dir` on `listener` until `stop` completes, then drains the connections.
pub async fn serve_until(
    listener: TcpListener,
    dir: &Path,
    stop: impl Future<Output = ()>,
) -> Result<()> {
    let service = TowerToHyperService::new(router(dir));
    let mut http = auto::Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    http.http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(HEADER_TIMEOUT)
        .keep_alive_timeout(HEADER_TIMEOUT);
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut stop => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let connection = http
            .serve_connection_with_upgrades(TokioIo::new(stream), service.clone())
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = connection.await;
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => {}
    }
    Ok(())
}

/// A failed `accept`: a connection that died before it was accepted is nothing; running out
/// of file descriptors is waited out rather than spun on.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind;
    if !matches!(
        e.kind(),
        ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset | ErrorKind::ConnectionRefused
    ) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// SIGTERM (service managers, containers) or Ctrl-C.
async fn stop_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}

async fn podcast_content_types(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    let mut response = next.run(request).await;
    let content_type = if path.ends_with(".chapters.json") {
        Some("application/json+chapters")
    } else if path.ends_with("/feed.xml") {
        Some("application/rss+xml; charset=utf-8")
    } else if path.ends_with(".vtt") {
        Some("text/vtt; charset=utf-8")
    } else if path.ends_with(".mp3") {
        Some("audio/mpeg")
    } else {
        None
    };
    if let (Some(value), true) = (content_type, response.status().is_success()) {
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
    }
    response
}

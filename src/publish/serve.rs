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
//! A folder's file handling is tower-http's `ServeDir`; this module sets the podcast content
//! types that a generic MIME table does not know, and runs the connections. A bucket
//! (`s3://bucket/prefix`) is answered object by object from the store with the same HEAD,
//! Range and conditional answers — for previewing what a CDN will serve; the watcher's state
//! under `.audition/` is never served.

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
use crate::store::{ObjectInfo, Store};

/// The router serving `dir`.
pub fn router(dir: &Path) -> Router {
    Router::new()
        .fallback_service(ServeDir::new(dir).append_index_html_on_directories(true))
        .layer(middleware::from_fn(no_dotted_paths))
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

/// The router serving a bucket prefix, object by object.
pub fn bucket_router(store: Store) -> Router {
    let store = Arc::new(store);
    Router::new()
        .fallback(move |request: Request| {
            let store = store.clone();
            let (parts, _) = request.into_parts();
            async move { answer(&store, &parts).await }
        })
        .layer(middleware::from_fn(podcast_content_types))
        .layer(CompressionLayer::new().gzip(true).compress_when(is_text))
}

/// Serves `location` — a published folder or `s3://bucket/prefix` — on `addr` until the
/// process is stopped.
pub async fn serve(location: &str, addr: SocketAddr) -> Result<()> {
    let router = if location.starts_with("s3://") {
        let store = Store::open(location)?;
        if store.info("feed.xml").await?.is_none() {
            return Err(Error::input(
                Path::new(location),
                "no feed.xml there; build an episode first or give the published bucket",
            ));
        }
        bucket_router(store)
    } else {
        let dir = Path::new(location);
        if !dir.is_dir() {
            return Err(Error::input(
                dir,
                "not a folder; build an episode first or give the published folder",
            ));
        }
        router(dir)
    };
    let listener = TcpListener::bind(addr).await.map_err(|e| {
        Error::io(
            Path::new(location),
            std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")),
        )
    })?;
    serve_router_until(listener, router, stop_signal()).await
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
    serve_router_until(listener, router(dir), stop).await
}

/// Serves `router` on `listener` until `stop` completes, then drains the connections.
async fn serve_router_until(
    listener: TcpListener,
    router: Router,
    stop: impl Future<Output = ()>,
) -> Result<()> {
    let service = TowerToHyperService::new(router);
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

/// Nothing under a dotted name is served: the publisher's own state (`.audition/`, the
/// trash of removed episodes, the lock file) stays private.
async fn no_dotted_paths(request: Request, next: Next) -> Response {
    let decoded = percent_encoding::percent_decode_str(request.uri().path()).decode_utf8_lossy();
    if decoded.split('/').any(|part| part.starts_with('.')) {
        return status(StatusCode::NOT_FOUND);
    }
    next.run(request).await
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

/// One request to a bucket: GET or HEAD of an object, whole or one byte range, or "not
/// modified" when the client's copy is current.
async fn answer(store: &Store, request: &axum::http::request::Parts) -> Response {
    let head = match request.method {
        axum::http::Method::GET => false,
        axum::http::Method::HEAD => true,
        _ => return status(StatusCode::METHOD_NOT_ALLOWED),
    };
    let Some(key) = object_key(request.uri.path()) else {
        return status(StatusCode::NOT_FOUND);
    };
    let info = match store.info(&key).await {
        Ok(Some(info)) => info,
        Ok(None) => return status(StatusCode::NOT_FOUND),
        Err(_) => return status(StatusCode::BAD_GATEWAY),
    };
    let headers = &request.headers;
    let mut response = axum::http::Response::builder()
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::LAST_MODIFIED, http_date(&info))
        .header(header::CACHE_CONTROL, crate::store::http_headers(&key).1);
    if let Some(tag) = &info.e_tag {
        response = response.header(header::ETAG, tag);
    }
    if not_modified(headers, &info) {
        return response
            .status(StatusCode::NOT_MODIFIED)
            .body(axum::body::Body::empty())
            .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR));
    }
    let range = match headers.get(header::RANGE).and_then(|v| v.to_str().ok()) {
        Some(asked) => match byte_range(asked, info.size) {
            Ranged::One(range) => Some(range),
            Ranged::Whole => None,
            Ranged::Unsatisfiable => {
                return response
                    .status(StatusCode::RANGE_NOT_SATISFIABLE)
                    .header(header::CONTENT_RANGE, format!("bytes */{}", info.size))
                    .body(axum::body::Body::empty())
                    .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR));
            }
        },
        None => None,
    };
    let span = range.clone().unwrap_or(0..info.size);
    response = response
        .header(header::CONTENT_TYPE, crate::store::http_headers(&key).0)
        .header(header::CONTENT_LENGTH, span.end - span.start);
    if let Some(range) = &range {
        response = response.status(StatusCode::PARTIAL_CONTENT).header(
            header::CONTENT_RANGE,
            format!("bytes {}-{}/{}", range.start, range.end - 1, info.size),
        );
    }
    let body = if head || span.is_empty() {
        axum::body::Body::empty()
    } else {
        match store.read_range(&key, span, &info).await {
            Ok(Some(stream)) => axum::body::Body::from_stream(stream),
            // Replaced or removed between the two requests: the client asks again.
            Ok(None) => return status(StatusCode::SERVICE_UNAVAILABLE),
            Err(_) => return status(StatusCode::BAD_GATEWAY),
        }
    };
    response
        .body(body)
        .unwrap_or_else(|_| status(StatusCode::INTERNAL_SERVER_ERROR))
}

fn status(code: StatusCode) -> Response {
    let mut response = Response::new(axum::body::Body::empty());
    *response.status_mut() = code;
    response
}

/// The key a request path names (a folder's `index.html` for a path ending in `/`), or
/// `None` for a way out (`..`) or the watcher's own state (any component starting with a
/// dot).
fn object_key(path: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    let mut key = decoded.trim_start_matches('/').to_string();
    if key.is_empty() || key.ends_with('/') {
        key.push_str("index.html");
    }
    let usable = !key.is_empty()
        && !key.ends_with('/')
        && !key.contains('\\')
        && key
            .split('/')
            .all(|part| !part.is_empty() && !part.starts_with('.'));
    usable.then_some(key)
}

/// Whether the client's copy is current: `If-None-Match` when given, else
/// `If-Modified-Since` (RFC 9110 §13.2.2).
fn not_modified(headers: &HeaderMap, info: &ObjectInfo) -> bool {
    if let Some(tags) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
        return info.e_tag.as_deref().is_some_and(|ours| {
            tags.split(',')
                .any(|t| t.trim() == "*" || bare(t) == bare(ours))
        });
    }
    headers
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|v| v.to_str().ok())
        .and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok())
        .is_some_and(|since| info.last_modified.timestamp() <= since.timestamp())
}

fn http_date(info: &ObjectInfo) -> String {
    info.last_modified
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

/// What a `Range` header asks of an object of `size` bytes.
#[derive(Debug, PartialEq)]
enum Ranged {
    One(std::ops::Range<u64>),
    /// Not a single byte range this server answers (several ranges, another unit): the
    /// whole object, as RFC 9110 §14.2 allows.
    Whole,
    Unsatisfiable,
}

fn byte_range(asked: &str, size: u64) -> Ranged {
    let Some(spec) = asked.trim().strip_prefix("bytes=") else {
        return Ranged::Whole;
    };
    if spec.contains(',') {
        return Ranged::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Ranged::Whole;
    };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    match (first.trim().is_empty(), number(first), number(last)) {
        // bytes=-N: the last N bytes.
        (true, _, Some(n)) if n > 0 && size > 0 => Ranged::One(size.saturating_sub(n)..size),
        (true, _, Some(_)) => Ranged::Unsatisfiable,
        (false, Some(start), _) if start >= size => Ranged::Unsatisfiable,
        (false, Some(start), None) if last.trim().is_empty() => Ranged::One(start..size),
        (false, Some(start), Some(end)) if end >= start => Ranged::One(start..(end + 1).min(size)),
        (false, Some(_), Some(_)) => Ranged::Unsatisfiable,
        _ => Ranged::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_byte_ranges() {
        assert_eq!(byte_range("bytes=0-99", 1000), Ranged::One(0..100));
        assert_eq!(byte_range("bytes=900-", 1000), Ranged::One(900..1000));
        assert_eq!(byte_range("bytes=-100", 1000), Ranged::One(900..1000));
        assert_eq!(byte_range("bytes=-5000", 1000), Ranged::One(0..1000));
        assert_eq!(byte_range("bytes=990-2000", 1000), Ranged::One(990..1000));
        assert_eq!(byte_range("bytes=1000-", 1000), Ranged::Unsatisfiable);
        assert_eq!(byte_range("bytes=-0", 1000), Ranged::Unsatisfiable);
        assert_eq!(byte_range("bytes=5-2", 1000), Ranged::Unsatisfiable);
        assert_eq!(byte_range("bytes=0-1,5-6", 1000), Ranged::Whole);
        assert_eq!(byte_range("items=0-1", 1000), Ranged::Whole);
    }

    #[test]
    fn serves_no_hidden_or_outside_key() {
        assert_eq!(
            object_key("/episodes/a.mp3").as_deref(),
            Some("episodes/a.mp3")
        );
        assert_eq!(object_key("/feed%2Exml").as_deref(), Some("feed.xml"));
        assert_eq!(object_key("/").as_deref(), Some("index.html"));
        assert_eq!(
            object_key("/episodes/").as_deref(),
            Some("episodes/index.html")
        );
        for refused in ["/../x", "/a/%2e%2e/b", "/.audition/watch.json", "/a//b"] {
            assert_eq!(object_key(refused), None, "{refused}");
        }
    }
}

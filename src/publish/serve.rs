//! Serves a published folder over HTTP the way podcast apps need it: HEAD, single `Range`
//! requests (206 with Content-Range, 416 when unsatisfiable), ETag / If-None-Match and
//! Last-Modified / If-Modified-Since, correct content types, gzip for the feed, and no path
//! outside the folder.
//!
//! The file handling is tower-http's `ServeDir`; this module only sets the podcast content
//! types that a generic MIME table does not know.

use std::net::SocketAddr;
use std::path::Path;

use axum::extract::Request;
use axum::http::{header, Extensions, HeaderMap, HeaderValue, StatusCode, Version};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
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
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        Error::io(
            dir,
            std::io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}")),
        )
    })?;
    serve_on(listener, dir).await
}

/// Serves `dir` on an already bound listener (tests bind port 0).
pub async fn serve_on(listener: tokio::net::TcpListener, dir: &Path) -> Result<()> {
    axum::serve(listener, router(dir))
        .await
        .map_err(|e| Error::io(dir, e))
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

//! Where published files and cached clips are kept: a local folder (the default) or an
//! S3-compatible bucket (`s3://bucket/prefix`: AWS, R2, B2, Scaleway, OVH, MinIO, Garage),
//! behind one [`object_store::ObjectStore`].
//!
//! This is the one seam through which Audition publishes. Keys are `/`-separated paths under
//! the location (`feed.xml`, `episodes/2026-11-02.json`). Every write is whole or absent:
//! a local folder writes a staged file, fsyncs and renames it; a bucket makes an object
//! visible only when its upload completes. Credentials, region and endpoint of a bucket come
//! from the standard AWS variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`, `AWS_REGION` or `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL` or
//! `AWS_ENDPOINT`, `AWS_ALLOW_HTTP=true` for a plain-HTTP server); they are never printed.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{
    Attribute, Attributes, GetOptions, ObjectStore, ObjectStoreExt, PutMode, PutMultipartOptions,
    PutOptions, PutPayload, UpdateVersion, WriteMultipart,
};
use tokio::io::AsyncReadExt;

/// What went wrong with a store, named by its location.
#[derive(Debug, thiserror::Error)]
#[error("{location}: {message}")]
pub struct StoreError {
    /// The folder, bucket URL or object the error concerns.
    pub location: String,
    pub message: String,
}

type Result<T> = std::result::Result<T, StoreError>;

/// A folder or bucket prefix to read and write objects under.
#[derive(Debug, Clone)]
pub struct Store {
    inner: Arc<dyn ObjectStore>,
    /// What the producer wrote: a path or `s3://bucket/prefix`.
    location: String,
    /// The prefix inside the bucket (empty for a folder, whose root is the folder itself).
    prefix: String,
    /// The folder, when the store is local.
    folder: Option<PathBuf>,
}

/// An object's content with the version it was read at.
#[derive(Debug, Clone)]
pub struct Versioned {
    pub bytes: Bytes,
    /// The ETag (and, on versioned buckets, the version id) to make a conditional write on.
    pub version: UpdateVersion,
}

/// The outcome of a compare-and-swap write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swap {
    /// The object was written.
    Written,
    /// Somebody else wrote it since it was read: read again and retry.
    Conflict,
}

/// An object listed under a prefix.
#[derive(Debug, Clone)]
pub struct Listed {
    /// Its key relative to the store (`episodes/2026-11-02.json`).
    pub key: String,
    pub size: u64,
}

/// What a reader is told of an object before reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectInfo {
    pub size: u64,
    /// The store's entity tag, quoted as HTTP has it.
    pub e_tag: Option<String>,
    pub last_modified: chrono::DateTime<chrono::Utc>,
}

/// An object's bytes as they arrive from the store.
pub type ByteStream =
    futures_util::stream::BoxStream<'static, std::result::Result<Bytes, object_store::Error>>;

/// Bytes per part of a multipart upload: S3's minimum part size (all parts but the last
/// must be at least 5 MiB).
const PART_SIZE: usize = 5 * 1024 * 1024;
/// Parts uploaded at once.
const PART_CONCURRENCY: usize = 4;

impl Store {
    /// Opens `location`: `s3://bucket[/prefix]` for a bucket, anything else a local folder
    /// (created if missing). Nothing is sent to a bucket until the first request.
    pub fn open(location: &str) -> Result<Store> {
        if let Some(rest) = location.strip_prefix("s3://") {
            return Self::open_s3(location, rest);
        }
        if location.contains("://") {
            return Err(StoreError {
                location: location.to_string(),
                message: "unknown storage scheme; give a folder or s3://bucket/prefix".into(),
            });
        }
        Self::open_folder(Path::new(location))
    }

    /// A local folder, created if missing.
    pub fn open_folder(dir: &Path) -> Result<Store> {
        let fail = |message: String| StoreError {
            location: dir.display().to_string(),
            message,
        };
        std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create the folder: {e}")))?;
        let local = LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| fail(e.to_string()))?
            .with_fsync(true);
        Ok(Store {
            inner: Arc::new(local),
            location: dir.display().to_string(),
            prefix: String::new(),
            folder: Some(dir.to_path_buf()),
        })
    }

    fn open_s3(location: &str, rest: &str) -> Result<Store> {
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let fail = |message: String| StoreError {
            location: location.to_string(),
            message,
        };
        if bucket.is_empty() {
            return Err(fail("no bucket named; write s3://bucket/prefix".into()));
        }
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        // AWS's tools default to us-east-1 when no region is set; so do S3-compatible servers.
        if std::env::var_os("AWS_REGION").is_none()
            && std::env::var_os("AWS_DEFAULT_REGION").is_none()
        {
            builder = builder.with_region("us-east-1");
        }
        let s3 = builder.build().map_err(|e| fail(e.to_string()))?;
        Ok(Store {
            inner: Arc::new(s3),
            location: location.trim_end_matches('/').to_string(),
            prefix: prefix.trim_matches('/').to_string(),
            folder: None,
        })
    }

    /// The local folder behind the store, if it is one.
    pub fn folder(&self) -> Option<&Path> {
        self.folder.as_deref()
    }

    /// How the producer named the store.
    pub fn location(&self) -> &str {
        &self.location
    }

    /// How an object is named in messages: a file path or an `s3://` URL.
    pub fn describe(&self, key: &str) -> String {
        match &self.folder {
            Some(dir) => dir.join(key).display().to_string(),
            None => format!("{}/{key}", self.location),
        }
    }

    /// A store for the objects under `sub` (`clips` inside a cache).
    pub fn child(&self, sub: &str) -> Result<Store> {
        match &self.folder {
            Some(dir) => Store::open_folder(&dir.join(sub)),
            None => Ok(Store {
                inner: self.inner.clone(),
                location: format!("{}/{sub}", self.location),
                prefix: join(&self.prefix, sub),
                folder: None,
            }),
        }
    }

    fn key(&self, key: &str) -> Result<Key> {
        Key::parse(join(&self.prefix, key)).map_err(|e| self.error(key, e))
    }

    fn error(&self, key: &str, e: impl std::fmt::Display) -> StoreError {
        StoreError {
            location: self.describe(key),
            message: summarise(&e.to_string()),
        }
    }

    /// A "not found" that is really a missing bucket is an error, not an absent object.
    fn absent(&self, key: &str, e: object_store::Error) -> Result<()> {
        if e.to_string().contains("<Code>NoSuchBucket</Code>") {
            return Err(self.error(key, e));
        }
        Ok(())
    }

    /// The object's bytes, or `None` if there is none.
    pub async fn get(&self, key: &str) -> Result<Option<Bytes>> {
        Ok(self.get_versioned(key).await?.map(|v| v.bytes))
    }

    /// The object's bytes and version, or `None` if there is none.
    pub async fn get_versioned(&self, key: &str) -> Result<Option<Versioned>> {
        let path = self.key(key)?;
        match self.inner.get_opts(&path, GetOptions::default()).await {
            Ok(result) => {
                let version = UpdateVersion {
                    e_tag: result.meta.e_tag.clone(),
                    version: result.meta.version.clone(),
                };
                let bytes = result.bytes().await.map_err(|e| self.error(key, e))?;
                Ok(Some(Versioned { bytes, version }))
            }
            Err(e @ object_store::Error::NotFound { .. }) => self.absent(key, e).map(|()| None),
            Err(e) => Err(self.error(key, e)),
        }
    }

    /// The object's size, tag and time, or `None` if there is none.
    pub async fn info(&self, key: &str) -> Result<Option<ObjectInfo>> {
        match self.inner.head(&self.key(key)?).await {
            Ok(meta) => Ok(Some(ObjectInfo {
                size: meta.size,
                e_tag: meta.e_tag.map(|t| {
                    if t.starts_with('"') || t.starts_with("W/") {
                        t
                    } else {
                        format!("\"{t}\"")
                    }
                }),
                last_modified: meta.last_modified,
            })),
            Err(e @ object_store::Error::NotFound { .. }) => self.absent(key, e).map(|()| None),
            Err(e) => Err(self.error(key, e)),
        }
    }

    /// Bytes `range` of the object, streamed; `None` if it is gone or no longer the version
    /// `info` described (its tag changed since).
    pub async fn read_range(
        &self,
        key: &str,
        range: std::ops::Range<u64>,
        info: &ObjectInfo,
    ) -> Result<Option<ByteStream>> {
        let options = GetOptions {
            range: Some(range.into()),
            if_match: info.e_tag.clone().filter(|_| self.folder.is_none()),
            ..Default::default()
        };
        match self.inner.get_opts(&self.key(key)?, options).await {
            Ok(result) => Ok(Some(result.into_stream())),
            Err(
                e @ (object_store::Error::NotFound { .. }
                | object_store::Error::Precondition { .. }),
            ) => self.absent(key, e).map(|()| None),
            Err(e) => Err(self.error(key, e)),
        }
    }

    /// The object's size, or `None` if there is none.
    pub async fn size(&self, key: &str) -> Result<Option<u64>> {
        match self.inner.head(&self.key(key)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(e @ object_store::Error::NotFound { .. }) => self.absent(key, e).map(|()| None),
            Err(e) => Err(self.error(key, e)),
        }
    }

    /// Writes the object whole, replacing any before it.
    pub async fn put(&self, key: &str, bytes: impl Into<Bytes>) -> Result<()> {
        let options = self.put_options(key, PutMode::Overwrite);
        self.inner
            .put_opts(&self.key(key)?, PutPayload::from(bytes.into()), options)
            .await
            .map_err(|e| self.error(key, e))?;
        Ok(())
    }

    /// Writes the object only if there is none yet; `false` when one was already there.
    /// Objects named by their content are written this way: one already there is the same.
    pub async fn put_new(&self, key: &str, bytes: impl Into<Bytes>) -> Result<bool> {
        let options = self.put_options(key, PutMode::Create);
        match self
            .inner
            .put_opts(&self.key(key)?, PutPayload::from(bytes.into()), options)
            .await
        {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(false),
            Err(e) => Err(self.error(key, e)),
        }
    }

    /// Writes the object only if it is still at `expected` (`None`: only if there is none).
    /// A store that cannot compare (a local folder) writes it unconditionally: the caller
    /// serialises its writers some other way.
    pub async fn swap(
        &self,
        key: &str,
        bytes: impl Into<Bytes>,
        expected: Option<UpdateVersion>,
    ) -> Result<Swap> {
        let mode = match expected {
            Some(v) if self.folder.is_none() => PutMode::Update(v),
            Some(_) => PutMode::Overwrite,
            None => PutMode::Create,
        };
        let options = self.put_options(key, mode);
        match self
            .inner
            .put_opts(&self.key(key)?, PutPayload::from(bytes.into()), options)
            .await
        {
            Ok(_) => Ok(Swap::Written),
            Err(object_store::Error::AlreadyExists { .. })
            | Err(object_store::Error::Precondition { .. }) => Ok(Swap::Conflict),
            Err(e) => Err(self.error(key, e)),
        }
    }

    /// Streams a local file up as the object (a multipart upload for a bucket: nothing is
    /// visible until the last part is in; a failed upload is aborted).
    pub async fn put_file(&self, key: &str, file: &Path) -> Result<()> {
        let fail = |e: std::io::Error| StoreError {
            location: file.display().to_string(),
            message: e.to_string(),
        };
        let mut source = tokio::fs::File::open(file).await.map_err(fail)?;
        let options = PutMultipartOptions {
            attributes: self.attributes(key),
            ..Default::default()
        };
        let upload = self
            .inner
            .put_multipart_opts(&self.key(key)?, options)
            .await
            .map_err(|e| self.error(key, e))?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = match source.read(&mut buffer).await {
                Ok(n) => n,
                Err(e) => {
                    let _ = writer.abort().await;
                    return Err(fail(e));
                }
            };
            if n == 0 {
                break;
            }
            if let Err(e) = writer.wait_for_capacity(PART_CONCURRENCY).await {
                let _ = writer.abort().await;
                return Err(self.error(key, e));
            }
            writer.write(&buffer[..n]);
        }
        writer.finish().await.map_err(|e| self.error(key, e))?;
        Ok(())
    }

    /// Every object under `dir` (recursively), with keys relative to the store.
    pub async fn list(&self, dir: &str) -> Result<Vec<Listed>> {
        let prefix = self.key(dir)?;
        let mut stream = self.inner.list(Some(&prefix));
        let base = if self.prefix.is_empty() {
            String::new()
        } else {
            format!("{}/", self.prefix)
        };
        let mut found = Vec::new();
        while let Some(item) = stream.next().await {
            match item {
                Ok(meta) => {
                    let full = meta.location.to_string();
                    let key = full.strip_prefix(&base).unwrap_or(&full).to_string();
                    found.push(Listed {
                        key,
                        size: meta.size,
                    });
                }
                Err(object_store::Error::NotFound { .. }) => break,
                Err(e) => return Err(self.error(dir, e)),
            }
        }
        Ok(found)
    }

    /// Removes the object; one that is not there is not an error.
    pub async fn delete(&self, key: &str) -> Result<()> {
        match self.inner.delete(&self.key(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(self.error(key, e)),
        }
    }

    /// Writes `bytes` unless the object already holds exactly them (a CDN keeps its copy,
    /// and a folder's file keeps its time).
    pub async fn put_if_changed(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        if self.get(key).await?.as_deref() == Some(&bytes[..]) {
            return Ok(());
        }
        self.put(key, bytes).await
    }

    /// Copies an object within the store (S3 CopyObject; a file copy in a folder).
    pub async fn copy(&self, from: &str, to: &str) -> Result<()> {
        self.inner
            .copy(&self.key(from)?, &self.key(to)?)
            .await
            .map_err(|e| self.error(from, e))
    }

    /// Whether the store refuses a write made on a stale version (`If-Match`) and a create
    /// over an existing object (`If-None-Match: *`). Checked by writing a probe object under
    /// `.audition/`; AWS, R2, MinIO, moto and s3s-fs 0.14.1 honour both; Garage 2.5 is
    /// reported to ignore them, and a local folder cannot compare versions.
    pub async fn compares_versions(&self) -> Result<bool> {
        if self.folder.is_some() {
            return Ok(false);
        }
        let key = format!(".audition/probe-{:016x}", fastrand::u64(..));
        let written = self.put_new(&key, Bytes::from_static(b"1")).await?;
        let again = self.put_new(&key, Bytes::from_static(b"2")).await?;
        let stale = UpdateVersion {
            e_tag: Some("\"00000000000000000000000000000000\"".into()),
            version: None,
        };
        let swapped = self.swap(&key, Bytes::from_static(b"3"), Some(stale)).await;
        self.delete(&key).await?;
        Ok(written && !again && swapped? == Swap::Conflict)
    }

    /// Content type and caching of what is published, for stores that keep them (a bucket
    /// behind a CDN); a local folder's server derives them from the name.
    fn attributes(&self, key: &str) -> Attributes {
        let mut attributes = Attributes::new();
        if self.folder.is_some() {
            return attributes;
        }
        let (content_type, cache) = http_headers(key);
        attributes.insert(Attribute::ContentType, content_type.into());
        attributes.insert(Attribute::CacheControl, cache.into());
        attributes
    }

    fn put_options(&self, key: &str, mode: PutMode) -> PutOptions {
        PutOptions {
            mode,
            attributes: self.attributes(key),
            ..Default::default()
        }
    }
}

/// The `Content-Type` and `Cache-Control` an object is served with. Audio is published
/// under a new name whenever it changes, so it is cached for good; the feed and the
/// manifests change in place and are revalidated within five minutes.
pub fn http_headers(key: &str) -> (&'static str, &'static str) {
    const IMMUTABLE: &str = "public, max-age=31536000, immutable";
    const FRESH: &str = "public, max-age=300";
    let extension = key.rsplit('.').next().unwrap_or_default();
    match extension {
        "xml" => ("application/rss+xml; charset=utf-8", FRESH),
        "mp3" => ("audio/mpeg", IMMUTABLE),
        "vtt" => ("text/vtt; charset=utf-8", FRESH),
        "srt" => ("application/x-subrip; charset=utf-8", FRESH),
        "json" if key.ends_with(".chapters.json") => ("application/json+chapters", FRESH),
        "json" => ("application/json", FRESH),
        "wav" => ("audio/wav", IMMUTABLE),
        "jpg" | "jpeg" => ("image/jpeg", FRESH),
        "png" => ("image/png", FRESH),
        "html" => ("text/html; charset=utf-8", FRESH),
        _ => ("application/octet-stream", FRESH),
    }
}

/// One line a producer can act on from an object store's error: the S3 error code and
/// message when the server sent them, the cause otherwise.
fn summarise(error: &str) -> String {
    let between = |open: &str, close: &str| {
        let start = error.find(open)? + open.len();
        let end = error[start..].find(close)? + start;
        Some(error[start..end].to_string())
    };
    let line = match (
        between("<Code>", "</Code>"),
        between("<Message>", "</Message>"),
    ) {
        (Some(code), _) if code == "NoSuchBucket" => {
            "the bucket does not exist (NoSuchBucket); create it first".to_string()
        }
        (Some(code), message)
            if matches!(
                code.as_str(),
                "AccessDenied" | "InvalidAccessKeyId" | "SignatureDoesNotMatch"
            ) =>
        {
            let detail = message
                .filter(|m| !m.trim().is_empty())
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            format!("access refused ({code}{detail}); check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
        }
        (Some(code), Some(message)) => format!("{message} ({code})"),
        _ if error.contains("169.254.169.254") => "no credentials: set AWS_ACCESS_KEY_ID and \
            AWS_SECRET_ACCESS_KEY (no instance role answered either)"
            .to_string(),
        _ => error
            .strip_prefix("Generic S3 error: ")
            .unwrap_or(error)
            .to_string(),
    };
    let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(400) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

fn join(prefix: &str, key: &str) -> String {
    match (prefix.is_empty(), key.is_empty()) {
        (true, _) => key.to_string(),
        (_, true) => prefix.to_string(),
        _ => format!("{prefix}/{key}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_folder_store_writes_whole_files_and_creates_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("pub").to_str().unwrap()).unwrap();
        store.put("episodes/a.json", b"{}".to_vec()).await.unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("pub/episodes/a.json")).unwrap(),
            b"{}"
        );
        assert!(store.put_new("clips/k.wav", b"x".to_vec()).await.unwrap());
        assert!(!store.put_new("clips/k.wav", b"y".to_vec()).await.unwrap());
        assert_eq!(store.get("clips/k.wav").await.unwrap().unwrap(), "x");
        assert_eq!(store.get("missing").await.unwrap(), None);
        let keys: Vec<String> = store
            .list("episodes")
            .await
            .unwrap()
            .into_iter()
            .map(|l| l.key)
            .collect();
        assert_eq!(keys, vec!["episodes/a.json".to_string()]);
        store.delete("episodes/a.json").await.unwrap();
        store.delete("episodes/a.json").await.unwrap();
        assert_eq!(store.size("episodes/a.json").await.unwrap(), None);
        assert!(!store.compares_versions().await.unwrap());
    }

    #[test]
    fn unknown_schemes_are_refused_by_name() {
        let e = Store::open("gs://bucket/x").unwrap_err();
        assert!(e.to_string().contains("unknown storage scheme"), "{e}");
        let e = Store::open("s3://").unwrap_err();
        assert!(e.to_string().contains("no bucket"), "{e}");
    }

    #[test]
    fn server_errors_become_one_line_naming_the_cause() {
        let body = "Error performing PUT http://x/b/k in 5ms - Server returned non-2xx status code: 404 Not Found: <?xml version=\"1.0\"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>";
        assert_eq!(
            summarise(body),
            "the bucket does not exist (NoSuchBucket); create it first"
        );
        let denied = "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>";
        assert!(summarise(denied).starts_with("access refused (SignatureDoesNotMatch"));
        assert!(!summarise("Generic S3 error: a\nb").contains('\n'));
    }

    #[test]
    fn published_files_carry_their_content_type() {
        assert_eq!(
            http_headers("feed.xml").0,
            "application/rss+xml; charset=utf-8"
        );
        assert_eq!(
            http_headers("episodes/x.1a2b.mp3").1,
            "public, max-age=31536000, immutable"
        );
        assert_eq!(
            http_headers("episodes/x.chapters.json").0,
            "application/json+chapters"
        );
    }
}

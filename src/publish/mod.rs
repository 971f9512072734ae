//! Publish: writes an episode's files, the show's web pages and its feed into the published
//! folder or bucket, and serves it over HTTP.
//!
//! Layout of a published folder: `feed.xml`, `index.html`, `site/` (the pages' script and
//! stylesheet), and under `episodes/`: `<id>.<version>.mp3`, `<id>.chapters.json`,
//! `<id>.vtt`, `<id>.srt`, `<id>.html`, `<id>.embed.html` and `<id>.json` (the manifest the
//! feed and the pages are rebuilt from). Every file is written atomically and the feed last,
//! so the feed never names a file that is not complete.

pub use crate::atomic;
pub mod chapters;
pub mod feed;
pub mod manifest;
pub mod push;
pub mod serve;
pub mod site;
pub mod transcript;

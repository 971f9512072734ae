//! Publish: writes an episode's files and the show's feed into the published folder, and
//! serves that folder over HTTP.
//!
//! Layout of a published folder: `feed.xml`, and under `episodes/`: `<id>.mp3`,
//! `<id>.chapters.json`, `<id>.vtt` and `<id>.json` (the manifest the feed is rebuilt from).
//! Every file is written atomically and the feed last, so the feed never names a file that
//! is not complete.

pub use crate::atomic;
pub mod chapters;
pub mod feed;
pub mod manifest;
pub mod push;
pub mod serve;
pub mod transcript;

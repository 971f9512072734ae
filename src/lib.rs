//! Audition turns a newsletter issue into a podcast episode and its feed.
//!
//! The pipeline runs in stages, one module each, with plain data between them:
//! [`ingest`] (issue file → [`ingest::Issue`]), [`script`] (→ SSML per story),
//! [`synth`] (→ cached speech clips), [`audio`] (→ timeline, loudness, MP3) and
//! [`publish`] (→ manifest, chapters, transcript, feed, HTTP serving), through a [`store`]
//! (a folder or an S3 bucket).
//! [`build()`] runs them all for one issue.
//!
//! ```no_run
//! # async fn run() -> audition::error::Result<()> {
//! use std::path::Path;
//! let show = audition::show::Show::load(Path::new("feeds/qant/show.toml"))?;
//! let issue = audition::ingest::load("feeds/qant/issues/2026-11-02.txt", &Default::default()).await?;
//! // A folder, or a bucket: "s3://my-bucket/qant".
//! let options = audition::BuildOptions::new("public/qant", "/var/cache/audition");
//! let report = audition::build(&show, &issue, &options, &audition::progress::Silent).await?;
//! println!("{} ({} ms)", report.title, report.duration_ms);
//! # Ok(()) }
//! ```

pub mod atomic;
pub mod audio;
mod build;
pub mod episodes;
pub mod error;
pub mod ingest;
pub mod init;
pub mod progress;
pub mod publish;
pub mod queue;
pub mod say;
pub mod script;
pub mod settings;
pub mod show;
pub mod store;
pub mod synth;
pub mod watch;
pub mod worker;

pub use build::{
    build, build_in_turn, estimate, load_show, prepare, publish_feed, publish_site, BuildOptions,
    BuildReport, FeedTurn, Published, Request,
};

//! The library's error type: one enum whose variants say which side is at fault.
//!
//! Input and configuration errors are the producer's to fix (exit code 1); engine, audio and
//! file-system errors are failures of the machine or a service (exit code 2). Every variant
//! names the file, story or engine it concerns so the CLI can print it on one line.

use std::path::{Path, PathBuf};

/// Errors returned by every stage of the pipeline.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The issue file cannot be used as it is.
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },

    /// A show or voice profile is missing a field or has a wrong value.
    #[error("{}: {message}", path.display())]
    Config { path: PathBuf, message: String },

    /// The build would cost more than the producer allowed.
    #[error("{0}")]
    Cost(String),

    /// A text-to-speech engine failed or is not installed.
    #[error("engine {engine}: {message}")]
    Engine { engine: String, message: String },

    /// Decoding, resampling or encoding audio failed.
    #[error("audio: {0}")]
    Audio(String),

    /// A published folder, bucket or clip cache could not be read or written.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),

    /// The job queue's database refused or could not be reached.
    #[error("job queue: {0}")]
    Queue(String),

    /// A watched mailbox could not be reached, refused the login or sent something unusable.
    #[error("mailbox {0}")]
    Mailbox(String),

    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The process exit code the CLI maps this error to: 1 for bad input or configuration,
    /// 2 for engine, audio or I/O failures.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Input { .. } | Error::Config { .. } | Error::Cost(_) => 1,
            Error::Engine { .. }
            | Error::Audio(_)
            | Error::Store(_)
            | Error::Queue(_)
            | Error::Mailbox(_)
            | Error::Io { .. } => 2,
        }
    }

    pub(crate) fn input(path: &Path, message: impl Into<String>) -> Self {
        Error::Input {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn config(path: &Path, message: impl Into<String>) -> Self {
        Error::Config {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Result alias used across the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

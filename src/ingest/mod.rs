//! Ingest: turns an issue file into an [`Issue`] — its date, headlines and stories in order.
//!
//! This stage reads and validates bytes and recognises the issue's shape; it does not decide
//! how anything is said (that is `script`). Bad input (empty, binary, not UTF-8, too large,
//! not in a known shape) is refused here with an error naming the file and the problem.

mod text;

use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};

/// Largest issue accepted, in bytes. Real issues are tens of kilobytes.
pub const MAX_ISSUE_BYTES: usize = 5 * 1024 * 1024;

/// One newsletter issue, ready to be scripted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Issue {
    /// The newsletter's name as the issue greets with it (`Qant`).
    pub newsletter: String,
    /// Publication date.
    pub date: IssueDate,
    /// Language of the text (`fr`, `en`).
    pub language: String,
    /// The headlines announced at the top, in order; the stories of kind `Story` carry them.
    pub headlines: Vec<String>,
    /// Stories in the order they are read.
    pub stories: Vec<Story>,
}

/// A calendar date with its weekday, as printed in the issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct IssueDate {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl IssueDate {
    /// `YYYY-MM-DD`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A unit of the episode: one chapter, one cached clip.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Story {
    pub title: String,
    pub kind: StoryKind,
    pub blocks: Vec<Block>,
}

/// What role a story plays in the episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StoryKind {
    /// Greeting and headlines (made by `script`).
    Opening,
    /// Quote of the day.
    Quote,
    /// A full story.
    Story,
    /// Short items read together.
    Briefs,
    /// Sign-off (made by `script`).
    Closing,
}

/// A piece of a story's text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Block {
    /// A paragraph, with its lead-in (« RAPPEL. », « À SURVEILLER : ») if it has one.
    Paragraph {
        kicker: Option<String>,
        text: String,
    },
    /// A quotation and who said it.
    Quote { text: String, author: String },
    /// A short item with its own title.
    Brief { title: String, text: String },
}

/// Reads an issue file and recognises its stories.
pub fn read_issue(path: &Path) -> Result<Issue> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::input(path, "file not found"),
        _ => Error::io(path, e),
    })?;
    let text = decode_text(&bytes).map_err(|m| Error::input(path, m))?;
    text::parse(&text).map_err(|m| Error::input(path, m))
}

/// Parses issue text already in memory (the same rules as [`read_issue`]).
pub fn parse_issue(text: &str) -> Result<Issue, String> {
    text::parse(text)
}

/// Checks that bytes are a text issue and returns them as a string without BOM, with `\n`
/// line ends and in Unicode NFC.
fn decode_text(bytes: &[u8]) -> Result<String, String> {
    use unicode_normalization::UnicodeNormalization;

    if bytes.len() > MAX_ISSUE_BYTES {
        return Err(format!(
            "the issue is {:.1} MB; the limit is {} MB",
            bytes.len() as f64 / 1_048_576.0,
            MAX_ISSUE_BYTES / 1_048_576
        ));
    }
    if bytes.contains(&0) {
        return Err("this is a binary file, not a text issue".to_string());
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "the issue is not UTF-8 text (invalid byte at offset {}); convert it to UTF-8",
            e.valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        return Err("the issue is empty".to_string());
    }
    Ok(text
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .nfc()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_and_non_utf8_bytes_are_refused_with_a_reason() {
        assert!(decode_text(b"abc\0def").unwrap_err().contains("binary"));
        assert!(decode_text(b"caf\xe9 cr\xe8me")
            .unwrap_err()
            .contains("not UTF-8"));
        assert!(decode_text(b"  \n\t ").unwrap_err().contains("empty"));
    }

    #[test]
    fn bom_and_crlf_are_normalised() {
        assert_eq!(decode_text(b"\xEF\xBB\xBFa\r\nb").unwrap(), "a\nb");
    }
}

//! Ingest: turns an issue — a file or an `http(s)://` URL, in plain text (the Qant shape or
//! generic paragraphs), Markdown, HTML, an `.eml` e-mail or a newsletter's RSS/Atom feed —
//! into an [`Issue`]: its date, headlines and stories in order.
//!
//! This stage reads, decodes and validates bytes and recognises the issue's shape; it does
//! not decide how anything is said (that is `script`). Bad input (empty, binary, unreadable
//! charset, too large, no text) is refused here with an error naming the source and the
//! problem.

mod boilerplate;
mod charset;
pub mod document;
mod email;
pub(crate) mod feed;
pub(crate) mod fetch;
mod html;
mod markdown;
mod nesting;
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
    /// Paragraphs before the first story (a greeting, an editorial), read in the opening.
    pub intro: Vec<Block>,
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
    /// Where the story starts in the source, in blocks (lines for plain text): stories are
    /// read in a rundown order (briefs last), this keeps the way back to the issue.
    pub order: usize,
    /// The story's own page, when the issue links its headline.
    pub link: Option<String>,
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

/// The formats Audition reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text in the Qant shape (headline line, quote, paragraphs, credits, briefs).
    Qant,
    /// Plain text in paragraphs.
    Text,
    Markdown,
    Html,
    Email,
    Feed,
}

/// Choices the producer can make about reading an issue.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Language (`fr`, `en`) instead of the detected one.
    pub language: Option<String>,
    /// For feeds: `latest` (the default) or the guid or link of the item to read.
    pub item: Option<String>,
}

/// Reads an issue from a file path or an `http(s)://` URL.
pub async fn load(source: &str, options: &IngestOptions) -> Result<Issue> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let fetched = fetch::fetch(source)
            .await
            .map_err(|m| Error::input(Path::new(source), m))?;
        let extension = extension_of(fetched.url.split(['?', '#']).next().unwrap_or_default());
        parse_bytes(
            &fetched.bytes,
            &extension,
            fetched.content_type.as_deref(),
            options,
        )
        .map_err(|m| Error::input(Path::new(source), m))
    } else {
        read_issue(Path::new(source), options)
    }
}

/// Reads an issue file.
pub fn read_issue(path: &Path, options: &IngestOptions) -> Result<Issue> {
    let bytes = std::fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::input(path, "file not found"),
        std::io::ErrorKind::IsADirectory => Error::input(path, "is a folder, not an issue file"),
        _ => Error::io(path, e),
    })?;
    let extension = extension_of(&path.to_string_lossy());
    parse_bytes(&bytes, &extension, None, options).map_err(|m| Error::input(path, m))
}

fn extension_of(name: &str) -> String {
    Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default()
}

/// Decodes, recognises and parses an issue's bytes.
pub fn parse_bytes(
    bytes: &[u8],
    extension: &str,
    content_type: Option<&str>,
    options: &IngestOptions,
) -> Result<Issue, String> {
    if bytes.len() > MAX_ISSUE_BYTES {
        return Err(format!(
            "the issue is {:.1} MB; the limit is {} MB",
            bytes.len() as f64 / 1_048_576.0,
            MAX_ISSUE_BYTES / 1_048_576
        ));
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err("the issue is empty".to_string());
    }
    let format = detect(bytes, extension, content_type);
    let document = match format {
        Format::Email => email::parse(bytes)?,
        Format::Feed => feed::parse(bytes, options.item.as_deref())?,
        _ => {
            let declared = charset::declared_charset(bytes, content_type);
            let text = normalise(&charset::decode(bytes, declared.as_deref())?);
            if text.trim().is_empty() {
                return Err("the issue is empty".to_string());
            }
            match format {
                Format::Qant => return text::parse(&text, options.language.as_deref()),
                Format::Markdown => markdown::parse(&text),
                Format::Html => html::parse(&text),
                _ => text::generic(&text),
            }
        }
    };
    let language = options
        .language
        .clone()
        .unwrap_or_else(|| detect_language(&document));
    document::to_issue(document, &language, today())
}

/// Recognises the format from the content first, then the extension and content type.
pub fn detect(bytes: &[u8], extension: &str, content_type: Option<&str>) -> Format {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let head = head.trim_start_matches('\u{feff}').trim_start();
    let lower = head.to_lowercase();
    let content_type = content_type.unwrap_or_default().to_lowercase();
    let looks_like_email = head
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| {
            let l = l.to_lowercase();
            [
                "from:",
                "subject:",
                "mime-version:",
                "content-type:",
                "date:",
                "to:",
                "received:",
                "return-path:",
            ]
            .iter()
            .any(|h| l.starts_with(h))
        })
        .count()
        >= 2;
    if extension == "eml" || content_type.starts_with("message/rfc822") || looks_like_email {
        Format::Email
    } else if lower.contains("<rss")
        || (lower.contains("<feed") && lower.contains("atom"))
        || content_type.contains("rss")
        || content_type.contains("atom")
    {
        Format::Feed
    } else if ["html", "htm", "xhtml"].contains(&extension)
        || content_type.starts_with("text/html")
        || lower.starts_with("<!doctype html")
        || lower.starts_with("<html")
        || (lower.starts_with('<')
            && ["<body", "<table", "<div", "<p>", "<p "]
                .iter()
                .any(|t| lower.contains(t)))
    {
        Format::Html
    } else if text::is_qant_shape(head) {
        Format::Qant
    } else if ["md", "markdown", "mdown"].contains(&extension)
        || content_type.starts_with("text/markdown")
        || looks_like_markdown(head)
    {
        Format::Markdown
    } else {
        Format::Text
    }
}

fn looks_like_markdown(head: &str) -> bool {
    head.starts_with("---\n")
        || head.lines().any(|l| {
            let l = l.trim_start();
            l.starts_with("# ") || l.starts_with("## ") || l.starts_with("### ")
        })
}

/// `\n` line ends and Unicode NFC.
fn normalise(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .nfc()
        .collect()
}

/// French or English, from the words of the text (English when unsure).
fn detect_language(document: &document::Document) -> String {
    let sample: String = document
        .blocks
        .iter()
        .map(|b| match b {
            document::DocBlock::Heading { text, .. }
            | document::DocBlock::Paragraph(text)
            | document::DocBlock::ListItem(text)
            | document::DocBlock::Quote(text) => text.as_str(),
        })
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(20_000)
        .collect();
    match whatlang::detect_lang(&sample) {
        Some(whatlang::Lang::Fra) => "fr".to_string(),
        _ => "en".to_string(),
    }
}

/// `YYYY-MM-DD` at the start of a string (ISO dates and date-times).
pub(crate) fn parse_iso_date(text: &str) -> Option<IssueDate> {
    let date = chrono::NaiveDate::parse_from_str(text.trim().get(..10)?, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
    Some(IssueDate {
        year: date.year(),
        month: date.month(),
        day: date.day(),
    })
}

/// Today's date (UTC), for issues that carry none.
fn today() -> IssueDate {
    use chrono::Datelike;
    let now = chrono::Utc::now().date_naive();
    IssueDate {
        year: now.year(),
        month: now.month(),
        day: now.day(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_recognised_from_content_before_extension() {
        assert_eq!(
            detect(b"From: a@b.c\nSubject: Hi\n\nBody", "txt", None),
            Format::Email
        );
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?><rss version=\"2.0\">", "xml", None),
            Format::Feed
        );
        assert_eq!(
            detect(b"<!DOCTYPE html><html><body>x</body></html>", "txt", None),
            Format::Html
        );
        assert_eq!(detect(b"# Title\n\nText", "txt", None), Format::Markdown);
        assert_eq!(
            detect(
                "A • B • Bienvenue dans Qant, lundi 2 mars 2026.\n".as_bytes(),
                "txt",
                None
            ),
            Format::Qant
        );
        assert_eq!(
            detect(b"Just words.\n\nMore words.", "txt", None),
            Format::Text
        );
        assert_eq!(detect(b"words", "md", None), Format::Markdown);
    }

    #[test]
    fn empty_binary_and_oversized_input_is_refused() {
        let options = IngestOptions::default();
        assert!(parse_bytes(b"  \n\t ", "txt", None, &options)
            .unwrap_err()
            .contains("empty"));
        assert!(parse_bytes(b"abc\0def", "txt", None, &options)
            .unwrap_err()
            .contains("binary"));
        let huge = vec![b'a'; MAX_ISSUE_BYTES + 1];
        assert!(parse_bytes(&huge, "txt", None, &options)
            .unwrap_err()
            .contains("limit is 5 MB"));
    }
}

//! `.eml` files: MIME multipart with quoted-printable or base64 parts in any charset, read
//! with `mail-parser`. The HTML part is preferred; the text part is the fallback.

use super::document::Document;
use super::{html, text, IssueDate};

/// Parses an e-mail; the subject is the title and the Date header the date.
pub fn parse(bytes: &[u8]) -> Result<Document, String> {
    let message = mail_parser::MessageParser::default()
        .parse(bytes)
        .ok_or("not a readable e-mail (MIME) file")?;
    let mut document = if let Some(body) = message.body_html(0) {
        html::parse(&body)
    } else if let Some(body) = message.body_text(0) {
        text::generic(&body)
    } else {
        return Err("the e-mail has no text or HTML part".to_string());
    };
    if let Some(subject) = message.subject() {
        document.title = Some(subject.to_string());
    }
    if let Some(date) = message.date() {
        document.date = Some(IssueDate {
            year: date.year as i32,
            month: date.month as u32,
            day: date.day as u32,
        });
    }
    Ok(document)
}

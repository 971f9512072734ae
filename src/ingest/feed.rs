//! A newsletter's own RSS or Atom feed (Substack, Ghost, Beehiiv publish one), read with
//! `feed-rs`: one item is picked (the latest, or the one whose guid or link is given) and its
//! full content (`content:encoded`) is preferred to its summary.

use chrono::Datelike;

use super::document::Document;
use super::{html, IssueDate};

/// Which item of a feed to read.
pub const LATEST: &str = "latest";

/// Every item of a feed with content, newest first: its guid (feed-rs's id: the guid, else
/// one derived from the link) and its title.
pub fn entries(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let feed = feed_rs::parser::parse(bytes)
        .map_err(|e| format!("not a readable RSS or Atom feed ({e})"))?;
    let mut entries: Vec<_> = feed
        .entries
        .iter()
        .filter(|e| e.content.is_some() || e.summary.is_some())
        .collect();
    entries.sort_by_key(|e| std::cmp::Reverse(e.published.or(e.updated)));
    Ok(entries
        .into_iter()
        .map(|e| {
            let title = e
                .title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default();
            (e.id.clone(), title)
        })
        .collect())
}

/// Parses a feed and reads the chosen item as an HTML document.
pub fn parse(bytes: &[u8], item: Option<&str>) -> Result<Document, String> {
    let feed = feed_rs::parser::parse(bytes)
        .map_err(|e| format!("not a readable RSS or Atom feed ({e})"))?;
    let wanted = item.unwrap_or(LATEST);
    let entry = if wanted == LATEST {
        feed.entries
            .iter()
            .max_by_key(|e| e.published.or(e.updated))
            .ok_or("the feed has no items")?
    } else {
        feed.entries
            .iter()
            .find(|e| e.id == wanted || e.links.iter().any(|l| l.href == wanted))
            .ok_or_else(|| format!("the feed has no item with guid or link {wanted:?}"))?
    };
    let body = entry
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .or_else(|| entry.summary.as_ref().map(|s| s.content.clone()))
        .ok_or("the feed item has no content")?;
    let mut document = html::parse(&body);
    document.title = entry
        .title
        .as_ref()
        .map(|t| t.content.clone())
        .or(document.title);
    if let Some(date) = entry.published.or(entry.updated) {
        document.date = Some(IssueDate {
            year: date.year(),
            month: date.month(),
            day: date.day(),
        });
    }
    Ok(document)
}

//! Podcasting 2.0 JSON chapters (`application/json+chapters`, version 1.2.0).

use serde::Serialize;

use crate::audio::mix::Chapter;

#[derive(Serialize)]
struct ChaptersFile<'a> {
    version: &'static str,
    chapters: Vec<JsonChapter<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonChapter<'a> {
    start_time: f64,
    end_time: f64,
    title: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
}

/// The chapters file's JSON text.
pub fn chapters_json(chapters: &[Chapter]) -> String {
    let file = ChaptersFile {
        version: "1.2.0",
        chapters: chapters
            .iter()
            .map(|c| JsonChapter {
                start_time: c.start_ms as f64 / 1000.0,
                end_time: c.end_ms as f64 / 1000.0,
                title: &c.title,
                url: c.url.as_deref(),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&file).unwrap_or_else(|_| "{}".to_string())
}

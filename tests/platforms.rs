//! The platform corpus: issues written by us in the exact shapes of the platforms
//! newsletters come from (Substack e-mail and RSS, beehiiv e-mail and RSS, Mailchimp classic
//! and new builder, Ghost e-mails through Mailgun, Buttondown, Kit, MailerLite, Brevo and a
//! French daily's own template), each read through the CLI as a producer would. For each,
//! `tests/fixtures/platforms/<name>.toml` names the chapters expected, readings that must be
//! heard (units, amounts, numbers spelled out) and boilerplate that must not be.

mod common;

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    language: String,
    chapters: Vec<String>,
    heard: Vec<String>,
    absent: Vec<String>,
}

/// The fixture files and their expectations, in name order.
fn corpus() -> Vec<(PathBuf, Expected)> {
    let dir = common::root().join("tests/fixtures/platforms");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "toml"))
        .collect();
    entries.sort();
    entries
        .into_iter()
        .map(|issue| {
            let expected = issue.with_extension("toml");
            let text = std::fs::read_to_string(&expected)
                .unwrap_or_else(|_| panic!("{} has no expectations", issue.display()));
            (issue, toml::from_str(&text).unwrap())
        })
        .collect()
}

/// What a listener hears: the SSML's text, tags removed and entities decoded.
fn spoken(ssml: &str) -> String {
    let mut text = String::new();
    let mut inside = false;
    for c in ssml.chars() {
        match c {
            '<' => inside = true,
            '>' => {
                inside = false;
                text.push(' ');
            }
            _ if !inside => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
        .replace('’', "'");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn contains_words(haystack: &str, phrase: &str) -> bool {
    let pattern = format!(
        r"(?i)(^|\W){}($|\W)",
        regex::escape(&phrase.replace('’', "'"))
    );
    regex::Regex::new(&pattern).unwrap().is_match(haystack)
}

/// What is wrong with one fixture, if anything.
fn problems(issue: &Path, expected: &Expected) -> Vec<String> {
    let output = common::audition(&["script", issue.to_str().unwrap(), "--json"]);
    if !output.status.success() {
        return vec![format!("script failed: {}", common::stderr(&output))];
    }
    let rows: Vec<serde_json::Value> = serde_json::from_str(&common::stdout(&output)).unwrap();
    let mut found = Vec::new();
    let chapters: Vec<String> = rows
        .iter()
        .filter(|r| matches!(r["kind"].as_str(), Some("story" | "briefs")))
        .map(|r| r["title"].as_str().unwrap_or_default().to_string())
        .collect();
    if chapters != expected.chapters {
        found.push(format!("chapters {chapters:?}"));
    }
    let heard: String = rows
        .iter()
        .map(|r| spoken(r["ssml"].as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join(" ");
    let lang = format!("xml:lang=\"{}", expected.language);
    if !rows
        .iter()
        .all(|r| r["ssml"].as_str().unwrap_or_default().contains(&lang))
    {
        found.push(format!("not read in {}", expected.language));
    }
    for phrase in &expected.heard {
        if !contains_words(&heard, phrase) {
            found.push(format!("not heard: {phrase:?}"));
        }
    }
    for phrase in &expected.absent {
        if contains_words(&heard, phrase) {
            found.push(format!("boilerplate heard: {phrase:?}"));
        }
    }
    if !found.is_empty() {
        found.push(format!("heard: {heard}"));
    }
    found
}

#[test]
fn every_platform_shape_reads_its_stories_and_none_of_its_boilerplate() {
    let corpus = corpus();
    let french = corpus.iter().filter(|(_, e)| e.language == "fr").count();
    assert!(
        corpus.len() >= 14 && french >= 5,
        "{} fixtures, {french} French",
        corpus.len()
    );
    let mut report = Vec::new();
    for (issue, expected) in &corpus {
        let found = problems(issue, expected);
        if !found.is_empty() {
            let name = issue.file_name().unwrap().to_string_lossy();
            report.push(format!("{name}:\n  {}", found.join("\n  ")));
        }
    }
    eprintln!(
        "{} of {} platform fixtures clean",
        corpus.len() - report.len(),
        corpus.len()
    );
    assert!(report.is_empty(), "{}", report.join("\n"));
}

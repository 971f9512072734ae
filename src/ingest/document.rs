//! The shape every format is read into — a title, a date and a flat list of blocks — and the
//! rules that turn blocks into stories: headings start stories, a list under « En bref » /
//! « In brief » becomes briefs, boilerplate (view in browser, unsubscribe, postal footers,
//! social links, credits, read-more links, reading times) is dropped.

use std::sync::LazyLock;

use regex::Regex;

use super::boilerplate;
use super::{Block, Issue, IssueDate, Story, StoryKind};

/// A newsletter read from any format, before it is cut into stories.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub title: Option<String>,
    pub date: Option<IssueDate>,
    pub blocks: Vec<DocBlock>,
}

/// A block of a document.
#[derive(Debug, Clone, PartialEq)]
pub enum DocBlock {
    Heading {
        level: u8,
        text: String,
        /// Where the heading links to (an `http(s)` URL), the story's own page.
        link: Option<String>,
    },
    Paragraph(String),
    /// A list item; a bold lead-in is separated from the rest by « • ».
    ListItem(String),
    Quote(String),
}

/// Section headings under which items are briefs.
const BRIEFS_HEADINGS: &[&str] = &[
    "en bref",
    "brèves",
    "breves",
    "en vrac",
    "quick hits",
    "in brief",
    "briefly",
    "in other news",
    "news in brief",
    "the rest",
    "also",
    "à suivre",
    "et aussi",
];

/// Turns a document into an issue in `language`, dated `fallback_date` if it has no date.
pub fn to_issue(
    document: Document,
    language: &str,
    fallback_date: IssueDate,
) -> Result<Issue, String> {
    let title = document
        .title
        .as_deref()
        .map(clean)
        .filter(|t| !t.is_empty());
    let blocks: Vec<DocBlock> = document
        .blocks
        .into_iter()
        .filter_map(clean_block)
        .collect();
    let page_title = page_title(&title, &blocks);

    let mut intro: Vec<Block> = Vec::new();
    let mut stories: Vec<Story> = Vec::new();
    // Inside a part that is not a story (a sponsor's), up to the next heading.
    let mut in_section = false;
    for (order, block) in blocks.into_iter().enumerate() {
        let opens_section = match &block {
            DocBlock::Heading { text, .. } | DocBlock::Paragraph(text) => {
                boilerplate::opens_section(text)
            }
            _ => false,
        };
        if opens_section {
            in_section = true;
            continue;
        }
        if matches!(block, DocBlock::Heading { .. }) {
            in_section = false;
        }
        if in_section || Some(order) == page_title {
            continue;
        }
        match block {
            DocBlock::Heading { text, link, .. } => {
                let kind = if is_briefs_heading(&text) {
                    StoryKind::Briefs
                } else {
                    StoryKind::Story
                };
                stories.push(Story {
                    title: text,
                    kind,
                    blocks: Vec::new(),
                    order,
                    link,
                });
            }
            DocBlock::Paragraph(text) | DocBlock::ListItem(text) => match stories.last_mut() {
                Some(story) if story.kind == StoryKind::Briefs => story.blocks.push(brief(&text)),
                Some(story) => story.blocks.push(paragraph(&text)),
                None => intro.push(paragraph(&text)),
            },
            DocBlock::Quote(text) => {
                let (text, author) = attribution(&text);
                let quote = Block::Quote { text, author };
                match stories.last_mut() {
                    Some(story) => story.blocks.push(quote),
                    None => intro.push(quote),
                }
            }
        }
    }
    stories.retain(|s| !s.blocks.is_empty());
    if stories.is_empty() {
        if intro.is_empty() {
            return Err("no text to read was found in the issue".to_string());
        }
        // No headings: the whole text is one story.
        stories.push(Story {
            title: title.clone().unwrap_or_else(|| first_sentence(&intro)),
            kind: StoryKind::Story,
            blocks: std::mem::take(&mut intro),
            order: 0,
            link: None,
        });
    }
    let headlines = stories
        .iter()
        .filter(|s| s.kind == StoryKind::Story)
        .map(|s| s.title.clone())
        .collect();
    Ok(Issue {
        newsletter: title.unwrap_or_default(),
        date: document.date.unwrap_or(fallback_date),
        language: language.to_string(),
        headlines,
        intro,
        stories,
    })
}

/// The position of the heading that only repeats the issue's title: the first heading
/// equal to the title when no other heading stands at its level or above (a story that
/// shares the issue's name stays a story), or, with no title, a lone top heading above
/// deeper ones.
fn page_title(title: &Option<String>, blocks: &[DocBlock]) -> Option<usize> {
    let headings: Vec<(usize, u8, &String)> = blocks
        .iter()
        .enumerate()
        .filter_map(|(i, b)| match b {
            DocBlock::Heading { level, text, .. } => Some((i, *level, text)),
            _ => None,
        })
        .collect();
    let alone_at_its_level = |at: usize, level: u8| {
        headings
            .iter()
            .all(|&(other, other_level, _)| other == at || other_level > level)
    };
    if let Some(title) = title {
        if let Some(&(at, level, _)) = headings.iter().find(|(_, _, t)| *t == title) {
            return alone_at_its_level(at, level).then_some(at);
        }
    }
    match headings.as_slice() {
        [(at, top, _), rest @ ..] if !rest.is_empty() && rest.iter().all(|(_, l, _)| l > top) => {
            Some(*at)
        }
        _ => None,
    }
}

fn clean_block(block: DocBlock) -> Option<DocBlock> {
    let keep = |text: &str| -> Option<String> {
        let text = strip_read_more(&clean(&boilerplate::without_fragments(text))).to_string();
        (!text.is_empty()
            && text.chars().any(char::is_alphanumeric)
            && !boilerplate::is_line(&text))
        .then_some(text)
    };
    match block {
        DocBlock::Heading { level, text, link } => keep(&text).map(|text| DocBlock::Heading {
            level,
            text: text.trim_end_matches([':', '.']).trim().to_string(),
            link: link.filter(|l| is_web_link(l)),
        }),
        DocBlock::Paragraph(text) => keep(&text).map(DocBlock::Paragraph),
        DocBlock::ListItem(text) => keep(&text).map(DocBlock::ListItem),
        DocBlock::Quote(text) => keep(&text).map(DocBlock::Quote),
    }
}

/// Only absolute `http(s)` links are kept: they are published in the feed and the MP3.
fn is_web_link(link: &str) -> bool {
    let lower = link.trim().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !link.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Collapses white space (including non-breaking spaces used for layout), drops emoji and
/// entity references that no parser could resolve (`&lol9;` from an undeclared entity is
/// never read aloud).
pub fn clean(text: &str) -> String {
    static UNRESOLVED_ENTITY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"&(#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9._-]{0,31});")
            .expect("static regex")
    });
    UNRESOLVED_ENTITY
        .replace_all(text, " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !is_emoji(*c))
        .collect::<String>()
        .trim()
        .to_string()
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F | 0x200D)
}

fn is_briefs_heading(text: &str) -> bool {
    let lower = text.to_lowercase();
    let bare = lower.trim_matches(|c: char| !c.is_alphanumeric());
    BRIEFS_HEADINGS.contains(&bare)
}

/// Removes a trailing « En savoir plus… » / « Read more → »; says whether there was one.
pub fn strip_read_more(text: &str) -> &str {
    let trimmed = text.trim_end();
    let stem = trimmed.trim_end_matches(['…', '.', ' ', '→', '›', '»', '>']);
    for marker in [
        "En savoir plus",
        "Lire la suite",
        "Read more",
        "Learn more",
        "Continue reading",
    ] {
        if let Some(rest) = stem.strip_suffix(marker) {
            return rest.trim_end();
        }
    }
    trimmed
}

/// A paragraph, with an upper-case kicker (« RAPPEL. », « À SURVEILLER : ») split off.
pub fn paragraph(text: &str) -> Block {
    static KICKER: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^([…\.]*\p{Lu}[\p{Lu}\d’'\- ,…]*\p{Lu})\s*([.:])\s+(\S.*)$")
            .expect("static regex")
    });
    match KICKER.captures(text) {
        Some(c) if c[1].chars().filter(|ch| ch.is_alphabetic()).count() >= 3 => Block::Paragraph {
            kicker: Some(c[1].trim_start_matches(['…', '.']).to_string()),
            text: c[3].to_string(),
        },
        _ => Block::Paragraph {
            kicker: None,
            text: text.to_string(),
        },
    }
}

/// A brief from a list item: « Title • text », « Title: text », « Title — text ».
fn brief(text: &str) -> Block {
    let split = text
        .split_once(" • ")
        .or_else(|| text.split_once(" — "))
        .or_else(|| text.split_once(" – "))
        .or_else(|| text.split_once(": "))
        .filter(|(title, rest)| title.chars().count() <= 100 && !rest.trim().is_empty());
    match split {
        Some((title, rest)) => Block::Brief {
            title: title.trim().trim_end_matches(['.', ':']).to_string(),
            text: rest.trim().to_string(),
        },
        None => Block::Brief {
            title: String::new(),
            text: text.to_string(),
        },
    }
}

/// « text » — Author, or text ending with « — Author ».
fn attribution(text: &str) -> (String, String) {
    for dash in [" — ", " – ", " - ", "— ", "― "] {
        if let Some((quote, author)) = text.rsplit_once(dash) {
            if author.chars().count() <= 60 && !author.contains('.') {
                return (trim_quotes(quote), author.trim().to_string());
            }
        }
    }
    (trim_quotes(text), String::new())
}

fn trim_quotes(text: &str) -> String {
    text.trim()
        .trim_matches(['«', '»', '“', '”', '"', ' ', '\u{a0}'])
        .trim()
        .to_string()
}

fn first_sentence(blocks: &[Block]) -> String {
    let text = match blocks.first() {
        Some(Block::Paragraph { text, .. })
        | Some(Block::Quote { text, .. })
        | Some(Block::Brief { text, .. }) => text,
        None => return String::new(),
    };
    let sentence = text.split(['.', '!', '?']).next().unwrap_or(text);
    sentence.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn briefs_split_title_from_text() {
        assert_eq!(
            brief("Chips • Nvidia ships a new GPU."),
            Block::Brief {
                title: "Chips".into(),
                text: "Nvidia ships a new GPU.".into()
            }
        );
        assert_eq!(
            brief("Rain: it will rain."),
            Block::Brief {
                title: "Rain".into(),
                text: "it will rain.".into()
            }
        );
    }

    #[test]
    fn quotes_keep_their_author() {
        assert_eq!(
            attribution("« Less is more. » — Mies van der Rohe"),
            ("Less is more.".into(), "Mies van der Rohe".into())
        );
    }
}

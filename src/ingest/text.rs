//! Plain text: the Qant shape — a headline line, a quote line, then paragraphs, image
//! credits and briefs, in the order the e-mail showed them — and generic paragraphs.
//!
//! Stories are not marked in this format, so they are recovered: paragraphs are assigned in
//! order to the announced headlines by a dynamic programme that scores word overlap with each
//! headline and prefers to start a story where the e-mail had a break (an image credit or a
//! run of briefs). Briefs are collected into one « En bref » section; credits, « En savoir
//! plus… » and a paragraph repeated at the end are dropped.

use std::collections::{HashMap, HashSet};

use regex::Regex;
use unicode_normalization::UnicodeNormalization;

use super::document::{paragraph, strip_read_more, DocBlock, Document};
use super::{Block, Issue, IssueDate, Story, StoryKind};

/// A body line after classification.
#[derive(Debug)]
enum Line {
    Paragraph(String),
    /// An image caption with its credit; never spoken, but its words hint at the story.
    Credit(String),
    Brief {
        title: String,
        text: String,
    },
}

/// Whether text starts with a Qant headline line.
pub fn is_qant_shape(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|first| first.contains('•') && parse_headline_line(first).is_ok())
}

/// Plain text in paragraphs separated by blank lines; a short line without final
/// punctuation standing alone before other paragraphs is a heading.
pub fn generic(text: &str) -> Document {
    let paragraphs: Vec<String> = text
        .split("\n\n")
        .map(|p| {
            p.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|p| !p.is_empty())
        .collect();
    let count = paragraphs.len();
    let blocks = paragraphs
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let heading = i + 1 < count
                && p.chars().count() <= 80
                && !p.ends_with(['.', '!', '?', '…', ':', ';', ','])
                && p.chars().next().is_some_and(|c| !c.is_lowercase());
            if heading {
                DocBlock::Heading {
                    level: 2,
                    text: p,
                    link: None,
                }
            } else if let Some(item) = p
                .strip_prefix("- ")
                .or_else(|| p.strip_prefix("• "))
                .or_else(|| p.strip_prefix("* "))
            {
                DocBlock::ListItem(item.to_string())
            } else {
                DocBlock::Paragraph(p)
            }
        })
        .collect();
    Document {
        title: None,
        date: None,
        blocks,
    }
}

/// Parses a Qant-shaped issue; `language` overrides the one its greeting shows.
pub fn parse(text: &str, language: Option<&str>) -> Result<Issue, String> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().ok_or("the issue is empty")?;
    let (headlines, newsletter, date, greeting_language) = parse_headline_line(first)?;
    let language = language.map_or(greeting_language, str::to_string);

    let mut body: Vec<&str> = lines.collect();
    let quote = match body.first().and_then(|l| parse_quote(l)) {
        Some(q) => {
            body.remove(0);
            Some(q)
        }
        None => None,
    };

    let classified: Vec<Line> = body.iter().filter_map(|l| classify(l)).collect();
    let classified = drop_repeats(classified);

    let mut stories = Vec::new();
    if let Some((text, author)) = quote {
        stories.push(Story {
            title: quote_title(&language).to_string(),
            kind: StoryKind::Quote,
            blocks: vec![Block::Quote { text, author }],
            order: 1,
            link: None,
        });
    }
    let first_body_line = if stories.is_empty() { 1 } else { 2 };
    stories.extend(segment(&headlines, &classified, first_body_line)?);
    let first_brief = classified
        .iter()
        .position(|l| matches!(l, Line::Brief { .. }));
    let briefs: Vec<Block> = classified
        .iter()
        .filter_map(|l| match l {
            Line::Brief { title, text } => Some(Block::Brief {
                title: title.clone(),
                text: text.clone(),
            }),
            _ => None,
        })
        .collect();
    if !briefs.is_empty() {
        stories.push(Story {
            title: briefs_title(&language).to_string(),
            kind: StoryKind::Briefs,
            blocks: briefs,
            order: first_body_line + first_brief.unwrap_or(0),
            link: None,
        });
    }
    Ok(Issue {
        newsletter,
        date,
        language,
        headlines,
        intro: Vec::new(),
        stories,
    })
}

fn quote_title(language: &str) -> &'static str {
    if language == "fr" {
        "La citation du jour"
    } else {
        "Quote of the day"
    }
}

fn briefs_title(language: &str) -> &'static str {
    if language == "fr" {
        "En bref"
    } else {
        "In brief"
    }
}

/// `H1 • H2 • … • Bienvenue dans Qant, lundi 24 février 2025.`
fn parse_headline_line(line: &str) -> Result<(Vec<String>, String, IssueDate, String), String> {
    const SHAPE: &str = "line 1 must list the headlines separated by « • » and end with the \
                         greeting and date, e.g. « Titre 1 • Titre 2 • Bienvenue dans Qant, \
                         lundi 24 février 2025. »";
    let parts: Vec<&str> = line.split('•').map(str::trim).collect();
    if parts.len() < 2 {
        return Err(SHAPE.to_string());
    }
    let greeting = parts[parts.len() - 1].trim_end_matches('.');
    let greeting_re =
        Regex::new(r"^(?i)(bienvenue dans|welcome to)\s+(.+?),\s*(.+)$").expect("static regex");
    let caps = greeting_re.captures(greeting).ok_or(SHAPE)?;
    let language = if caps[1].to_lowercase().starts_with("bienvenue") {
        "fr"
    } else {
        "en"
    };
    let date = parse_date(&caps[3])
        .ok_or_else(|| format!("line 1: cannot read the date in « {} »", &caps[3]))?;
    let headlines: Vec<String> = parts[..parts.len() - 1]
        .iter()
        .filter(|h| !h.is_empty())
        .map(|h| h.to_string())
        .collect();
    if headlines.is_empty() {
        return Err(SHAPE.to_string());
    }
    Ok((
        headlines,
        caps[2].trim().to_string(),
        date,
        language.to_string(),
    ))
}

/// Reads « lundi 24 février 2025 », « 1er mars 2025 » or « Monday, March 3, 2025 ».
fn parse_date(text: &str) -> Option<IssueDate> {
    const MONTHS: [(&str, u32); 24] = [
        ("janvier", 1),
        ("février", 2),
        ("mars", 3),
        ("avril", 4),
        ("mai", 5),
        ("juin", 6),
        ("juillet", 7),
        ("août", 8),
        ("septembre", 9),
        ("octobre", 10),
        ("novembre", 11),
        ("décembre", 12),
        ("january", 1),
        ("february", 2),
        ("march", 3),
        ("april", 4),
        ("may", 5),
        ("june", 6),
        ("july", 7),
        ("august", 8),
        ("september", 9),
        ("october", 10),
        ("november", 11),
        ("december", 12),
    ];
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let month_at = words
        .iter()
        .position(|w| MONTHS.iter().any(|(m, _)| m == w))?;
    let month = MONTHS.iter().find(|(m, _)| *m == words[month_at])?.1;
    let number = |w: &str| {
        w.trim_end_matches("er")
            .trim_end_matches("st")
            .parse::<u32>()
            .ok()
    };
    // French puts the day before the month, English after it.
    let (day, year) = match (
        month_at.checked_sub(1).and_then(|i| number(words[i])),
        words.get(month_at + 1),
    ) {
        (Some(day), Some(y)) => (day, y.parse::<i32>().ok()?),
        (None, Some(d)) => (number(d)?, words.get(month_at + 2)?.parse::<i32>().ok()?),
        _ => return None,
    };
    let valid = (1..=31).contains(&day) && (1900..=2200).contains(&year);
    valid.then_some(IssueDate { year, month, day })
}

/// `« text » Author` (or with straight or curly double quotes).
fn parse_quote(line: &str) -> Option<(String, String)> {
    let re = Regex::new(r#"^[«“"]\s*(.+?)\s*[»”"]\s*[—–-]?\s*(.+)$"#).expect("static regex");
    let caps = re.captures(line)?;
    let author = caps[2].trim().to_string();
    // An author is a name, not a sentence.
    (author.chars().count() <= 80).then(|| (caps[1].trim().to_string(), author))
}

/// Sorts a body line into paragraph, credit or brief; `None` for lines with nothing to say.
fn classify(line: &str) -> Option<Line> {
    if !line.chars().any(char::is_alphanumeric) {
        return None;
    }
    if let Some((left, right)) = line.split_once('•') {
        let (left, right) = (left.trim(), right.trim());
        if is_credit(right) {
            return Some(Line::Credit(left.to_string()));
        }
        let text = strip_read_more(right);
        let had_more = text.len() < right.len();
        if had_more || (left.chars().count() <= 120 && right.chars().count() >= 80) {
            return Some(Line::Brief {
                title: left.to_string(),
                text: text.to_string(),
            });
        }
    }
    Some(Line::Paragraph(strip_read_more(line).to_string()))
}

fn is_credit(right: &str) -> bool {
    let lower = right.to_lowercase();
    let starts = [
        "source",
        "crédit",
        "credit",
        "photo",
        "image",
        "illustration",
        "©",
    ];
    starts.iter().any(|s| lower.starts_with(s))
        || [
            "midjourney",
            "dall-e",
            "dall·e",
            "stable diffusion",
            "getty",
            "shutterstock",
        ]
        .iter()
        .any(|s| lower.contains(s))
}

/// Paragraphs a word triple may appear in before it stops counting towards a repeat.
const COMMON_SHINGLE: usize = 32;

/// Drops paragraphs and briefs that repeat an earlier one (the e-mail's footer often
/// repeats a paragraph, sometimes lightly edited). An index from word triples to the
/// paragraphs holding them keeps this linear in the length of the issue.
fn drop_repeats(lines: Vec<Line>) -> Vec<Line> {
    let mut index: HashMap<String, Vec<usize>> = HashMap::new();
    let mut sizes: Vec<usize> = Vec::new();
    let mut kept = Vec::new();
    for line in lines {
        let text = match &line {
            Line::Paragraph(t) | Line::Brief { text: t, .. } => t,
            Line::Credit(_) => {
                kept.push(line);
                continue;
            }
        };
        let shingles = shingles(text);
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for shingle in &shingles {
            // A triple found in many paragraphs is boilerplate, not the mark of a copy.
            let holders = index.get(shingle).map_or(&[][..], Vec::as_slice);
            if holders.len() > COMMON_SHINGLE {
                continue;
            }
            for &earlier in holders {
                *shared.entry(earlier).or_default() += 1;
            }
        }
        let repeats = shared.iter().any(|(&earlier, &count)| {
            let smaller = sizes[earlier].min(shingles.len());
            smaller >= 5 && count as f64 / smaller as f64 >= 0.6
        });
        if repeats {
            continue;
        }
        let id = sizes.len();
        sizes.push(shingles.len());
        for shingle in shingles {
            index.entry(shingle).or_default().push(id);
        }
        kept.push(line);
    }
    kept
}

fn shingles(text: &str) -> HashSet<String> {
    let words: Vec<String> = words(text).collect();
    words.windows(3).map(|w| w.join(" ")).collect()
}

/// Lower-cased, accent-free words with a crude plural strip: « Européennes » → `europeenne`.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let folded: String = w
                .nfd()
                .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
                .flat_map(char::to_lowercase)
                .collect();
            match folded.strip_suffix(['s', 'x']) {
                Some(stem) if stem.chars().count() >= 3 => stem.to_string(),
                _ => folded,
            }
        })
}

const STOPWORDS: &[&str] = &[
    "le", "la", "le", "de", "de", "du", "un", "une", "et", "en", "au", "aux", "pour", "par", "sur",
    "dan", "avec", "san", "sou", "ver", "apre", "avant", "que", "qui", "dont", "ou", "est", "sont",
    "ont", "il", "elle", "on", "nou", "vou", "se", "sa", "son", "ses", "leur", "ce", "cet",
    "cette", "ce", "plu", "moin", "tout", "toute", "tou", "deux", "troi", "comme", "mai", "the",
    "of", "to", "in", "on", "for", "and", "with", "by", "from", "at", "is", "are", "its", "an",
    "new", "two", "three", "all", "pa", "ne", "lui", "nouvelle", "nouveau",
];

fn content_words(text: &str) -> HashSet<String> {
    words(text)
        .filter(|w| w.chars().count() >= 3 && !STOPWORDS.contains(&w.as_str()))
        .collect()
}

/// Words of a headline with their weight: names (capitalised past the first word) count double.
fn headline_words(headline: &str) -> Vec<(String, f64)> {
    let names: HashSet<String> = headline
        .split_whitespace()
        .skip(1)
        .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
        .flat_map(|w| words(w).collect::<Vec<_>>())
        .collect();
    content_words(headline)
        .into_iter()
        .map(|w| {
            let weight = if names.contains(&w) { 2.0 } else { 1.0 };
            (w, weight)
        })
        .collect()
}

/// More headlines than any newsletter has means line 1 is not a headline line.
const MAX_HEADLINES: usize = 40;

/// Assigns paragraphs to headlines (see the module comment).
/// `first_line` is the source line of `lines[0]`, for the stories' `order`.
fn segment(headlines: &[String], lines: &[Line], first_line: usize) -> Result<Vec<Story>, String> {
    // Paragraphs with the break flag and the caption words that precede them.
    let mut paragraphs: Vec<(&str, bool, String)> = Vec::new();
    let mut positions: Vec<usize> = Vec::new();
    let mut pending_break = false;
    let mut caption = String::new();
    for (position, line) in lines.iter().enumerate() {
        match line {
            Line::Credit(c) => {
                pending_break = true;
                caption.push(' ');
                caption.push_str(c);
            }
            Line::Brief { .. } => pending_break = true,
            Line::Paragraph(p) => {
                paragraphs.push((p, pending_break, std::mem::take(&mut caption)));
                positions.push(first_line + position);
                pending_break = false;
            }
        }
    }
    let (n, p) = (headlines.len(), paragraphs.len());
    if n > MAX_HEADLINES {
        return Err(format!(
            "line 1 announces {n} stories; an issue may have at most {MAX_HEADLINES}"
        ));
    }
    if p < n {
        return Err(format!(
            "line 1 announces {n} stories but the issue has only {p} paragraphs"
        ));
    }

    let bags: Vec<HashSet<String>> = paragraphs
        .iter()
        .map(|(text, _, caption)| content_words(&format!("{text} {caption}")))
        .collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for bag in &bags {
        for w in bag {
            *df.entry(w).or_default() += 1;
        }
    }
    let headline_words: Vec<Vec<(String, f64)>> =
        headlines.iter().map(|h| headline_words(h)).collect();
    // Inverse document frequency: a word found in every paragraph says nothing.
    let score = |para: usize, story: usize| -> f64 {
        headline_words[story]
            .iter()
            .filter(|(w, _)| bags[para].contains(w))
            .map(|(w, weight)| weight * (p as f64 / df[w.as_str()] as f64).ln())
            .sum()
    };
    // Where the e-mail has enough breaks, stories start only at breaks.
    let breaks = paragraphs.iter().skip(1).filter(|(_, b, _)| *b).count();
    let off_break_cost = if breaks >= n - 1 { f64::INFINITY } else { 3.0 };
    let boundary_cost = |para: usize| {
        if paragraphs[para].1 {
            0.0
        } else {
            off_break_cost
        }
    };

    // best[i][s]: best score with paragraphs 0..=i assigned and paragraph i in story s.
    let mut best = vec![vec![f64::NEG_INFINITY; n]; p];
    let mut from_prev_story = vec![vec![false; n]; p];
    best[0][0] = score(0, 0);
    for i in 1..p {
        for s in 0..n {
            let stay = best[i - 1][s];
            let advance = if s > 0 {
                best[i - 1][s - 1] - boundary_cost(i)
            } else {
                f64::NEG_INFINITY
            };
            let (value, advanced) = if advance > stay {
                (advance, true)
            } else {
                (stay, false)
            };
            best[i][s] = value + score(i, s);
            from_prev_story[i][s] = advanced;
        }
    }

    let mut assignment = vec![0; p];
    let mut s = n - 1;
    for i in (0..p).rev() {
        assignment[i] = s;
        if i > 0 && from_prev_story[i][s] {
            s -= 1;
        }
    }

    let mut stories: Vec<Story> = headlines
        .iter()
        .map(|h| Story {
            title: h.clone(),
            kind: StoryKind::Story,
            blocks: Vec::new(),
            order: usize::MAX,
            link: None,
        })
        .collect();
    for (((text, _, _), story), position) in paragraphs.iter().zip(assignment).zip(positions) {
        stories[story].blocks.push(paragraph(text));
        stories[story].order = stories[story].order.min(position);
    }
    Ok(stories)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_and_english_dates_are_read() {
        let d = parse_date("lundi 24 février 2025").unwrap();
        assert_eq!(d.iso(), "2025-02-24");
        assert_eq!(parse_date("1er mars 2024").unwrap().iso(), "2024-03-01");
        assert_eq!(
            parse_date("Monday, March 3, 2025").unwrap().iso(),
            "2025-03-03"
        );
        assert!(parse_date("bientôt").is_none());
    }

    #[test]
    fn kickers_are_split_from_their_paragraph() {
        let kicked = |t: &str| match paragraph(t) {
            Block::Paragraph { kicker, text } => (kicker, text),
            _ => unreachable!(),
        };
        assert_eq!(kicked("RAPPEL. La semaine…").0.as_deref(), Some("RAPPEL"));
        assert_eq!(
            kicked("À SURVEILLER : Bruxelles.").0.as_deref(),
            Some("À SURVEILLER")
        );
        assert_eq!(
            kicked("…ET DEEPSEEK : Mieux encore").0.as_deref(),
            Some("ET DEEPSEEK")
        );
        assert_eq!(kicked("A un horizon plus long, mais").0, None);
        assert_eq!(kicked("La BCE avance.").0, None);
    }

    #[test]
    fn credits_briefs_and_paragraphs_are_told_apart() {
        assert!(matches!(
            classify("Un graphique • Source : Insee"),
            Some(Line::Credit(_))
        ));
        assert!(matches!(
            classify("Un robot • Qant, M. de R. avec Midjourney"),
            Some(Line::Credit(_))
        ));
        match classify("Titre court • Un texte qui dit quelque chose. En savoir plus…") {
            Some(Line::Brief { title, text }) => {
                assert_eq!(title, "Titre court");
                assert_eq!(text, "Un texte qui dit quelque chose.");
            }
            other => panic!("expected a brief, got {other:?}"),
        }
        assert!(classify("...").is_none());
        assert!(matches!(classify("Une phrase."), Some(Line::Paragraph(_))));
    }
}

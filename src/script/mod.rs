//! Script: turns an [`Issue`] into one SSML document per story, with the text each part
//! shows in the transcript.
//!
//! This stage decides what is said and how (normalisation, lead-ins, pauses); it does not
//! speak. SSML is the contract with `synth`: every document is built with the `ssml` crate,
//! so all text is escaped, and carries a `<mark>` before each part so that engines can report
//! where each transcript cue starts.

pub mod lexicon;
pub mod lexicon_file;
pub mod normalize;
mod ssml_doc;

use chrono::Datelike;
use serde::Serialize;

use crate::ingest::{Block, Issue, Story, StoryKind};
use crate::settings::{primary_language, Role, VoiceProfile};
use lexicon::Lexicon;

/// Everything the episode will say, story by story.
#[derive(Debug, Clone, Serialize)]
pub struct Script {
    /// BCP 47 language of the SSML (`fr-FR`).
    pub language: String,
    pub segments: Vec<Segment>,
}

/// One SSML document: the unit of synthesis and caching. A story is one segment, or
/// several in a row when it exceeds the engine's request limit.
#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    pub index: usize,
    /// The story this segment belongs to (one chapter per story).
    pub story: usize,
    pub title: String,
    pub kind: StoryKind,
    /// The story's own page, when the issue links it (chapter link, show notes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    pub ssml: String,
    /// Characters of spoken text (what cloud voices bill).
    pub chars: usize,
    /// Transcript text for each mark in the SSML, in order.
    pub cues: Vec<CueText>,
    /// Who speaks it: an index into [`ScriptSettings::voices`] (0, the host, unless the show has a
    /// cast).
    pub voice: usize,
}

/// The written text shown in the transcript from a `<mark>` on.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CueText {
    pub mark: String,
    pub text: String,
}

/// A piece of a segment before it becomes SSML: written text and how to say it.
#[derive(Debug, Clone)]
pub(crate) struct Part {
    /// Shown in the transcript.
    pub display: String,
    /// Optional lead-in said before the sentences (« À surveiller »).
    pub lead_in: Option<String>,
    /// Sentences as written; normalised when the SSML is built.
    pub sentences: Vec<String>,
    /// Pause after this part, in milliseconds.
    pub pause_ms: u32,
    /// Who says it.
    pub said_by: SaidBy,
}

/// Who says a part: the story's voice (a reader, or the host), the host, or the quotes voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SaidBy {
    Story,
    Host,
    Quotes,
}

/// The SSML dialect of the engine that will read the script, with its request limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Flavor {
    /// Plain SSML 1.1, no size limit (espeak-ng and other local engines).
    #[default]
    Generic,
    /// Google Cloud Text-to-Speech: 5,000 bytes of input per request.
    Google,
    /// Microsoft Azure Speech: text inside `<voice>`; 64 KiB per request, and 4,000 spoken
    /// characters, since the service cuts audio at 10 minutes and still answers 200.
    Azure,
    /// Amazon Polly: 6,000 characters per request, 3,000 of them billed (spoken).
    Polly,
    /// ElevenLabs reads text, not SSML: 5,000 characters per request.
    Elevenlabs,
    /// OpenAI-style `/v1/audio/speech` servers read text: 4,096 characters per request.
    Openai,
}

/// Spoken characters per Azure request: about 4½ minutes at a normal pace and 9 at half
/// speed, under the 10 minutes after which Azure cuts the audio
/// (`speech-services-quotas-and-limits.md`, see `../shared/VENDORS.md`).
const AZURE_SPOKEN_CHARS: usize = 4_000;

/// Request limits of a flavour.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    pub max_bytes: Option<usize>,
    pub max_chars: Option<usize>,
    pub max_billed_chars: Option<usize>,
}

impl Flavor {
    pub fn limits(self) -> Limits {
        match self {
            Flavor::Generic => Limits::default(),
            Flavor::Google => Limits {
                max_bytes: Some(5_000),
                ..Limits::default()
            },
            Flavor::Azure => Limits {
                max_bytes: Some(64 * 1024),
                max_billed_chars: Some(AZURE_SPOKEN_CHARS),
                ..Limits::default()
            },
            Flavor::Polly => Limits {
                max_chars: Some(6_000),
                max_billed_chars: Some(3_000),
                ..Limits::default()
            },
            // Text engines get the SSML interpreted into text: the limit is on what is said.
            Flavor::Elevenlabs => Limits {
                max_billed_chars: Some(5_000),
                ..Limits::default()
            },
            Flavor::Openai => Limits {
                max_billed_chars: Some(4_096),
                ..Limits::default()
            },
        }
    }

    /// The dialect an engine reads, known from its name alone.
    pub fn of_engine(engine: &str) -> Flavor {
        match engine {
            "google" => Flavor::Google,
            "azure" => Flavor::Azure,
            "polly" => Flavor::Polly,
            "elevenlabs" => Flavor::Elevenlabs,
            "openai" => Flavor::Openai,
            _ => Flavor::Generic,
        }
    }

    /// Whether the engine reads `<phoneme>` (otherwise lexicons use `<sub alias>`).
    pub fn reads_phonemes(self) -> bool {
        matches!(self, Flavor::Google | Flavor::Azure | Flavor::Polly)
    }

    fn ssml_flavor(self) -> ssml::Flavor {
        match self {
            Flavor::Generic | Flavor::Elevenlabs | Flavor::Openai => ssml::Flavor::Generic,
            Flavor::Google => ssml::Flavor::GoogleCloudTextToSpeech,
            Flavor::Azure => ssml::Flavor::MicrosoftAzureCognitiveSpeechServices,
            Flavor::Polly => ssml::Flavor::AmazonPolly,
        }
    }
}

/// What the script stage is given of a show (`Show::script_settings`).
#[derive(Debug, Clone)]
pub struct ScriptSettings<'a> {
    /// The show's name, said in the opening and the closing.
    pub title: &'a str,
    /// BCP 47 language tag of the show.
    pub language: &'a str,
    /// Pronunciations of the show's names.
    pub lexicon: &'a Lexicon,
    /// Every voice with its role, in the order a segment's `voice` indexes (host first).
    pub voices: Vec<(Role, &'a VoiceProfile)>,
}

/// Builds the script of an issue for a show: opening, the issue's stories, closing.
pub fn build(issue: &Issue, show: &ScriptSettings) -> Script {
    build_with(issue, show, None)
}

/// [`build`] in one SSML dialect for every voice, or (`None`) in each voice's own.
pub fn build_with(issue: &Issue, show: &ScriptSettings, flavor: Option<Flavor>) -> Script {
    let lang = primary_language(show.language).to_string();
    let words = Words::for_language(&lang);
    let date = spoken_date(issue, &lang);

    let mut stories: Vec<(String, StoryKind, Option<String>, Vec<Part>)> = Vec::new();
    stories.push((
        words.opening.to_string(),
        StoryKind::Opening,
        None,
        opening(issue, show, &date, &words),
    ));
    for story in &issue.stories {
        stories.push((
            story.title.clone(),
            story.kind,
            story.link.clone(),
            story_parts(story, &words),
        ));
    }
    stories.push((
        words.closing.to_string(),
        StoryKind::Closing,
        None,
        closing(show, &date, &words),
    ));

    let mut cast = Casting::of(show);
    let mut segments = Vec::new();
    for (story, (title, kind, link, parts)) in stories.into_iter().enumerate() {
        let story_voice = cast.story_voice(kind);
        for (voice, run) in runs_by_voice(&parts, story_voice, cast.quotes) {
            let profile = cast.profiles[voice];
            let style = ssml_doc::Style {
                language: show.language,
                lang: &lang,
                voice: &profile.voice,
                lexicon: show.lexicon,
                flavor: flavor.unwrap_or_else(|| Flavor::of_engine(&profile.engine)),
            };
            for draft in ssml_doc::story_documents(&run, &style) {
                segments.push(Segment {
                    index: segments.len(),
                    story,
                    title: title.clone(),
                    kind,
                    link: link.clone(),
                    ssml: draft.ssml,
                    chars: draft.chars,
                    cues: draft.cues,
                    voice,
                });
            }
        }
    }
    Script {
        language: show.language.to_string(),
        segments,
    }
}

/// The script of a text alone, read by the host with the show's normalisation and lexicon,
/// no opening or closing (`audition say`).
pub fn build_text(text: &str, show: &ScriptSettings, flavor: Option<Flavor>) -> Script {
    let lang = primary_language(show.language).to_string();
    let words = Words::for_language(&lang);
    let block = Block::Paragraph {
        kicker: None,
        text: text.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    let parts = block_parts(&block, words.quoting);
    let profile = show.voices[0].1;
    let style = ssml_doc::Style {
        language: show.language,
        lang: &lang,
        voice: &profile.voice,
        lexicon: show.lexicon,
        flavor: flavor.unwrap_or_else(|| Flavor::of_engine(&profile.engine)),
    };
    let title: String = text.chars().take(60).collect();
    let segments = ssml_doc::story_documents(&parts, &style)
        .into_iter()
        .enumerate()
        .map(|(index, draft)| Segment {
            index,
            story: 1,
            title: title.clone(),
            kind: StoryKind::Story,
            link: None,
            ssml: draft.ssml,
            chars: draft.chars,
            cues: draft.cues,
            voice: 0,
        })
        .collect();
    Script {
        language: show.language.to_string(),
        segments,
    }
}

/// Who reads what: the host the opening, the quote of the day and the closing; the readers
/// the stories and briefs in turn.
struct Casting<'a> {
    profiles: Vec<&'a VoiceProfile>,
    readers: Vec<usize>,
    quotes: Option<usize>,
    /// The next reader's turn.
    turn: usize,
}

impl<'a> Casting<'a> {
    fn of(show: &ScriptSettings<'a>) -> Casting<'a> {
        let voices = &show.voices;
        let with = |role: Role| {
            voices
                .iter()
                .enumerate()
                .filter(move |(_, (r, _))| *r == role)
                .map(|(i, _)| i)
        };
        Casting {
            readers: with(Role::Reader).collect(),
            quotes: with(Role::Quotes).next(),
            profiles: voices.iter().map(|(_, v)| *v).collect(),
            turn: 0,
        }
    }

    /// The voice of a story's own parts.
    fn story_voice(&mut self, kind: StoryKind) -> usize {
        if matches!(
            kind,
            StoryKind::Opening | StoryKind::Quote | StoryKind::Closing
        ) || self.readers.is_empty()
        {
            return 0;
        }
        self.turn += 1;
        self.readers[(self.turn - 1) % self.readers.len()]
    }
}

/// A story's parts in runs said by one voice, in order.
fn runs_by_voice(parts: &[Part], story: usize, quotes: Option<usize>) -> Vec<(usize, Vec<Part>)> {
    let mut runs: Vec<(usize, Vec<Part>)> = Vec::new();
    for part in parts {
        let voice = match part.said_by {
            SaidBy::Story => story,
            SaidBy::Host => 0,
            SaidBy::Quotes => quotes.unwrap_or(story),
        };
        match runs.last_mut() {
            Some((v, run)) if *v == voice => run.push(part.clone()),
            _ => runs.push((voice, vec![part.clone()])),
        }
    }
    runs
}

/// The episode's title: the issue date and the lead headline.
pub fn episode_title(issue: &Issue, language: &str) -> String {
    let lang = primary_language(language);
    let date = spoken_date(issue, lang);
    let date = date
        .split_once(' ')
        .map_or(date.as_str(), |(_, rest)| rest)
        .trim_start_matches(", ");
    let lead = issue
        .headlines
        .first()
        .map(String::as_str)
        .unwrap_or_default();
    let colon = if lang == "fr" { " :" } else { ":" };
    format!("{date}{colon} {lead}").chars().take(255).collect()
}

/// The episode's description: the headlines and the briefs' titles.
pub fn episode_description(issue: &Issue, language: &str) -> String {
    let fr = primary_language(language) == "fr";
    let mut text = format!(
        "{} {}.",
        if fr { "Au sommaire :" } else { "Headlines:" },
        issue.headlines.join(" ; ")
    );
    let briefs: Vec<&str> = issue
        .stories
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::Brief { title, .. } => Some(title.as_str()),
            _ => None,
        })
        .collect();
    if !briefs.is_empty() {
        text.push_str(&format!(
            " {} {}.",
            if fr { "En bref :" } else { "In brief:" },
            briefs.join(" ; ")
        ));
    }
    text
}

/// Show notes in HTML: the lead, the stories and the briefs, every text escaped.
pub fn show_notes(issue: &Issue, language: &str) -> String {
    let fr = primary_language(language) == "fr";
    let escape = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let mut html = format!(
        "<p>{}</p><ul>",
        if fr {
            "Au sommaire :"
        } else {
            "In this episode:"
        }
    );
    for story in &issue.stories {
        match story.kind {
            StoryKind::Story => match &story.link {
                Some(link) => html.push_str(&format!(
                    "<li><a href=\"{}\">{}</a></li>",
                    escape(link).replace('"', "&quot;"),
                    escape(&story.title)
                )),
                None => html.push_str(&format!("<li>{}</li>", escape(&story.title))),
            },
            StoryKind::Briefs => {
                let briefs: Vec<String> = story
                    .blocks
                    .iter()
                    .filter_map(|b| match b {
                        Block::Brief { title, .. } if !title.is_empty() => Some(escape(title)),
                        _ => None,
                    })
                    .collect();
                let colon = if fr { " : " } else { ": " };
                html.push_str(&format!(
                    "<li>{}{colon}{}</li>",
                    escape(&story.title),
                    briefs.join(" ; ")
                ));
            }
            _ => {}
        }
    }
    html.push_str("</ul>");
    html
}

/// Fixed phrases of the rundown in one language.
struct Words {
    opening: &'static str,
    closing: &'static str,
    welcome: &'static str,
    headlines: &'static str,
    and: &'static str,
    quote_by: &'static str,
    quoting: &'static str,
    goodbye: &'static str,
    thanks: &'static str,
    weekdays: [&'static str; 7],
    months: &'static [&'static str; 12],
}

impl Words {
    fn for_language(lang: &str) -> Words {
        match lang {
            "fr" => Words {
                opening: "Sommaire",
                closing: "Au revoir",
                welcome: "Bienvenue dans",
                headlines: "Au sommaire aujourd'hui :",
                and: "et",
                quote_by: "La citation du jour est de",
                quoting: "Citation de",
                goodbye: "C'était",
                thanks: "Merci de votre écoute, et à bientôt.",
                weekdays: [
                    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
                ],
                months: normalize::month_names("fr"),
            },
            _ => Words {
                opening: "Headlines",
                closing: "Goodbye",
                welcome: "Welcome to",
                headlines: "Today's headlines:",
                and: "and",
                quote_by: "Today's quote is from",
                quoting: "Quoting",
                goodbye: "That was",
                thanks: "Thanks for listening, see you soon.",
                weekdays: [
                    "Monday",
                    "Tuesday",
                    "Wednesday",
                    "Thursday",
                    "Friday",
                    "Saturday",
                    "Sunday",
                ],
                months: normalize::month_names("en"),
            },
        }
    }
}

/// « lundi 24 février 2025 » / « Monday, February 24, 2025 ».
fn spoken_date(issue: &Issue, lang: &str) -> String {
    let words = Words::for_language(lang);
    let d = issue.date;
    let weekday = chrono::NaiveDate::from_ymd_opt(d.year, d.month, d.day)
        .map(|date| words.weekdays[date.weekday().num_days_from_monday() as usize])
        .unwrap_or_default();
    let month = words.months[(d.month.clamp(1, 12) - 1) as usize];
    if lang == "fr" {
        let day = if d.day == 1 {
            "1er".to_string()
        } else {
            d.day.to_string()
        };
        format!("{weekday} {day} {month} {}", d.year)
    } else {
        format!("{weekday}, {month} {}, {}", d.day, d.year)
    }
}

fn opening(issue: &Issue, show: &ScriptSettings, date: &str, words: &Words) -> Vec<Part> {
    let mut headlines: Vec<String> = issue.headlines.iter().map(|h| ensure_period(h)).collect();
    if headlines.len() > 1 {
        if let Some(last) = headlines.last_mut() {
            *last = format!("{} {}", capitalise(words.and), lower_first(last));
        }
    }
    let mut parts = vec![Part::text(
        format!("{} {}, {}.", words.welcome, show.title, date),
        500,
    )];
    if !headlines.is_empty() {
        parts.push(Part {
            display: format!("{} {}", words.headlines, headlines.join(" ")),
            lead_in: Some(words.headlines.trim_end_matches([' ', ':']).to_string()),
            sentences: headlines,
            pause_ms: 500,
            said_by: SaidBy::Story,
        });
    }
    parts.extend(
        issue
            .intro
            .iter()
            .flat_map(|block| block_parts(block, words.quoting)),
    );
    parts
}

fn closing(show: &ScriptSettings, date: &str, words: &Words) -> Vec<Part> {
    vec![Part::text(
        format!(
            "{} {}, {}. {}",
            words.goodbye, show.title, date, words.thanks
        ),
        300,
    )]
}

fn story_parts(story: &Story, words: &Words) -> Vec<Part> {
    let mut parts = Vec::new();
    if story.kind == StoryKind::Story {
        parts.push(Part::text(ensure_period(&story.title), 700));
    }
    if story.kind == StoryKind::Briefs {
        // The host announces the briefs: the link between the stories and them.
        let mut heading = Part::text(ensure_period(&story.title), 600);
        heading.said_by = SaidBy::Host;
        parts.push(heading);
    }
    let attribution = if story.kind == StoryKind::Quote {
        words.quote_by
    } else {
        words.quoting
    };
    for block in &story.blocks {
        parts.extend(block_parts(block, attribution));
    }
    parts
}

/// The parts of one block; `attribution` introduces a quote's author.
fn block_parts(block: &Block, attribution: &str) -> Vec<Part> {
    match block {
        Block::Paragraph { kicker, text } => {
            let lead_in = kicker.as_deref().map(sentence_case);
            let display = match kicker {
                Some(k) => format!("{k} : {text}"),
                None => text.clone(),
            };
            vec![Part {
                display,
                lead_in,
                sentences: split_sentences(text),
                pause_ms: 400,
                said_by: SaidBy::Story,
            }]
        }
        Block::Quote { text, author } => {
            let mut parts = Vec::new();
            if !author.is_empty() {
                parts.push(Part::text(format!("{attribution} {author}."), 400));
            }
            parts.push(Part {
                display: format!("« {text} »"),
                lead_in: None,
                sentences: split_sentences(&ensure_period(text)),
                pause_ms: 400,
                said_by: SaidBy::Quotes,
            });
            parts
        }
        Block::Brief { title, text } => {
            let mut parts = Vec::new();
            if !title.is_empty() {
                parts.push(Part::text(ensure_period(title), 400));
            }
            parts.push(Part {
                display: text.clone(),
                lead_in: None,
                sentences: split_sentences(text),
                pause_ms: 700,
                said_by: SaidBy::Story,
            });
            parts
        }
    }
}

impl Part {
    fn text(text: String, pause_ms: u32) -> Part {
        Part {
            sentences: split_sentences(&text),
            display: text,
            lead_in: None,
            pause_ms,
            said_by: SaidBy::Story,
        }
    }
}

/// Splits after `.`, `!`, `?` or `…` followed by a space and a capital or an opening quote.
pub fn split_sentences(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut sentences = Vec::new();
    let mut start = 0;
    for i in 0..chars.len() {
        let ends = matches!(chars[i], '.' | '!' | '?' | '…');
        let next_is_space = chars.get(i + 1).is_some_and(|c| c.is_whitespace());
        let after = chars[i + 1..].iter().find(|c| !c.is_whitespace());
        let starts_new = after.is_some_and(|c| c.is_uppercase() || matches!(c, '«' | '“' | '"'));
        if ends && next_is_space && starts_new {
            sentences.push(
                chars[start..=i]
                    .iter()
                    .collect::<String>()
                    .trim()
                    .to_string(),
            );
            start = i + 1;
        }
    }
    let rest: String = chars[start..].iter().collect::<String>().trim().to_string();
    if !rest.is_empty() {
        sentences.push(rest);
    }
    sentences
}

fn ensure_period(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?', '…']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// « DEUX OMBRELLES » → « Deux ombrelles »; acronyms are kept: words of two or three
/// letters, and of four without a vowel (« SNCF », but « TEST » is a word).
fn sentence_case(kicker: &str) -> String {
    let lowered: Vec<String> = kicker
        .split(' ')
        .map(|w| {
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            let vowel = w.chars().any(|c| "AEIOUYÀÂÉÈÊËÎÏÔÛÙÜ".contains(c));
            let acronym = (2..=3).contains(&letters) || (letters == 4 && !vowel);
            if acronym && !is_common_word(w) {
                w.to_string()
            } else {
                w.to_lowercase()
            }
        })
        .collect();
    capitalise(&lowered.join(" "))
}

/// Short upper-case words of kickers that are words, not acronyms.
fn is_common_word(w: &str) -> bool {
    const WORDS: &[&str] = &[
        "ET", "DE", "DU", "LA", "LE", "LES", "DES", "UN", "UNE", "QU’UN", "QU'UN", "AND", "THE",
        "EN", "AU", "AUX", "DEUX", "SUR", "PAR", "POUR", "ÉTÉ",
    ];
    WORDS.contains(&w)
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match (chars.next(), chars.clone().next()) {
        // Keep « IA », « BCE »: only lower a capital followed by a lower-case letter.
        (Some(first), Some(second)) if second.is_lowercase() => {
            first.to_lowercase().chain(chars).collect()
        }
        (Some(first), _) => std::iter::once(first).chain(chars).collect(),
        (None, _) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_at_capitals_only() {
        assert_eq!(
            split_sentences("Il a 3,5 ans. Elle aussi! et puis… Non."),
            vec!["Il a 3,5 ans.", "Elle aussi! et puis…", "Non."]
        );
    }

    #[test]
    fn kickers_become_lead_ins() {
        assert_eq!(
            sentence_case("DEUX OMBRELLES PLUTÔT QU’UN PARAPLUIE"),
            "Deux ombrelles plutôt qu’un parapluie"
        );
        assert_eq!(sentence_case("À SURVEILLER"), "À surveiller");
        assert_eq!(sentence_case("ET DEEPSEEK"), "Et deepseek");
        assert_eq!(sentence_case("TEST"), "Test");
        assert_eq!(sentence_case("LA SNCF ET LA BCE"), "La SNCF et la BCE");
    }
}

//! Builds a story's SSML with the `ssml` crate, in the flavour of the engine that will read
//! it, split at paragraph and sentence boundaries when it exceeds that engine's request limit.
//!
//! Layout: `<speak xml:lang>` then, per part, `<mark name="cN"/>` and a `<p>` of `<s>`
//! sentences (each after the first behind its own `<mark name="cNsK"/>`), followed by a
//! `<break>`. Breaks are written as plain elements because the
//! crate's own break serialises as `time="+700ms"`, which espeak-ng ignores. Names in the
//! show's lexicon become `<sub alias>` (or `<phoneme>` where the flavour reads phonemes).

use ssml::{CustomElement, Element, Serialize, SerializeOptions};

use super::lexicon::Lexicon;
use super::normalize::normalize;
use super::{CueText, Flavor, Part};

/// One SSML document of a story.
pub(crate) struct Draft {
    pub ssml: String,
    pub chars: usize,
    pub cues: Vec<CueText>,
}

/// How a document is built and how large it may be.
pub(crate) struct Style<'a> {
    pub language: &'a str,
    pub lang: &'a str,
    /// The engine's voice name (Azure names it in the document).
    pub voice: &'a str,
    pub lexicon: &'a Lexicon,
    pub flavor: Flavor,
}

/// The documents of one story: one, or several when the flavour's limit requires it.
pub(crate) fn story_documents(parts: &[Part], style: &Style) -> Vec<Draft> {
    let whole = document(parts, 0, style);
    if fits(&whole, style.flavor) {
        return vec![whole];
    }
    // Greedy packing of parts; a part too large on its own is cut between sentences.
    let mut drafts = Vec::new();
    let mut group: Vec<Part> = Vec::new();
    let mut first_mark = 0;
    let pieces: Vec<Part> = parts.iter().flat_map(|p| cut(p, style)).collect();
    for piece in pieces {
        let mut candidate = group.clone();
        candidate.push(piece.clone());
        if group.is_empty() || fits(&document(&candidate, first_mark, style), style.flavor) {
            group = candidate;
        } else {
            drafts.push(document(&group, first_mark, style));
            first_mark += group.len();
            group = vec![piece];
        }
    }
    if !group.is_empty() {
        drafts.push(document(&group, first_mark, style));
    }
    drafts
}

/// A part split into pieces that each fit alone (a single sentence is never split).
fn cut(part: &Part, style: &Style) -> Vec<Part> {
    if fits(
        &document(std::slice::from_ref(part), 0, style),
        style.flavor,
    ) {
        return vec![part.clone()];
    }
    let mut pieces: Vec<Part> = Vec::new();
    for (i, sentence) in part.sentences.iter().enumerate() {
        let mut extended = pieces.last().cloned();
        if let Some(last) = extended.as_mut() {
            last.sentences.push(sentence.clone());
            last.display = format!("{} {sentence}", last.display);
        }
        match extended {
            Some(last)
                if fits(
                    &document(std::slice::from_ref(&last), 0, style),
                    style.flavor,
                ) =>
            {
                *pieces
                    .last_mut()
                    .unwrap_or_else(|| unreachable!("extended a piece that exists")) = last;
            }
            _ => pieces.push(Part {
                display: sentence.clone(),
                lead_in: if i == 0 { part.lead_in.clone() } else { None },
                sentences: vec![sentence.clone()],
                pause_ms: part.pause_ms,
                said_by: part.said_by,
            }),
        }
    }
    pieces
}

/// Whether a document is within the flavour's request limits.
fn fits(draft: &Draft, flavor: Flavor) -> bool {
    let limits = flavor.limits();
    limits.max_bytes.is_none_or(|max| draft.ssml.len() <= max)
        && limits
            .max_chars
            .is_none_or(|max| draft.ssml.chars().count() <= max)
        && limits.max_billed_chars.is_none_or(|max| draft.chars <= max)
}

/// The SSML document of `parts`, numbering marks from `first_mark`.
///
/// Each part opens with a mark `cN`; each further sentence of it gets its own mark `cNsK`
/// when the written text has as many sentences as the spoken one, so that every transcript
/// cue starts where its sentence is heard, not where a share of the paragraph's length puts it.
fn document(parts: &[Part], first_mark: usize, style: &Style) -> Draft {
    let mut elements: Vec<Element> = Vec::new();
    let mut cues = Vec::new();
    let mut chars = 0;
    for (n, part) in parts.iter().enumerate() {
        let mark = format!("c{}", first_mark + n);
        elements.push(ssml::mark(mark.clone()).into());
        let written = super::split_sentences(&part.display);
        let per_sentence = written.len() == part.sentences.len() && written.len() > 1;
        cues.push(CueText {
            mark: mark.clone(),
            text: if per_sentence {
                written[0].clone()
            } else {
                part.display.clone()
            },
        });
        let mut sentences: Vec<Element> = Vec::new();
        if let Some(lead_in) = &part.lead_in {
            let (children, spoken) = spoken_runs(&format!("{lead_in}."), style);
            chars += spoken;
            sentences.push(CustomElement::new("s").with_children(children).into());
            sentences.push(pause(250));
        }
        for (k, s) in part.sentences.iter().enumerate() {
            let (children, spoken) = spoken_runs(s, style);
            if per_sentence && k > 0 {
                if spoken == 0 {
                    // Nothing is said: the written sentence joins the cue before it.
                    if let Some(cue) = cues.last_mut() {
                        cue.text = format!("{} {}", cue.text, written[k]);
                    }
                    continue;
                }
                let sentence_mark = format!("{mark}s{k}");
                sentences.push(ssml::mark(sentence_mark.clone()).into());
                cues.push(CueText {
                    mark: sentence_mark,
                    text: written[k].clone(),
                });
            }
            if spoken > 0 {
                chars += spoken;
                sentences.push(CustomElement::new("s").with_children(children).into());
            }
        }
        elements.push(CustomElement::new("p").with_children(sentences).into());
        elements.push(pause(part.pause_ms));
    }
    // Azure wants the text inside a <voice>.
    let doc = if style.flavor == Flavor::Azure {
        ssml::speak(Some(style.language), [ssml::voice(style.voice, elements)])
    } else {
        ssml::speak(Some(style.language), elements)
    };
    let options = SerializeOptions::default().flavor(style.flavor.ssml_flavor());
    let ssml = doc
        .serialize_to_string(&options)
        .unwrap_or_else(|e| unreachable!("SSML built from escaped text always serialises: {e}"));
    Draft { ssml, chars, cues }
}

/// A sentence as SSML children: normalised text, with lexicon names as `<sub>`/`<phoneme>`;
/// and how many characters will be spoken.
fn spoken_runs(sentence: &str, style: &Style) -> (Vec<Element<'static>>, usize) {
    let mut children: Vec<Element<'static>> = Vec::new();
    let mut spoken = 0;
    let mut at = 0;
    let push_text = |text: &str, children: &mut Vec<Element<'static>>, spoken: &mut usize| {
        let said = normalize(text, style.lang);
        if said.chars().any(char::is_alphanumeric) {
            let lead = if text.starts_with(char::is_whitespace) {
                " "
            } else {
                ""
            };
            let trail = if text.ends_with(char::is_whitespace) {
                " "
            } else {
                ""
            };
            *spoken += said.chars().count();
            children.push(ssml::text(format!("{lead}{said}{trail}")).into());
        } else if text.chars().any(char::is_whitespace) {
            children.push(ssml::text(" ".to_string()).into());
        }
    };
    for (range, lexeme) in style.lexicon.find(sentence) {
        push_text(&sentence[at..range.start], &mut children, &mut spoken);
        let written = sentence[range.clone()].to_string();
        let element = match (&lexeme.phoneme, &lexeme.alias) {
            (Some(phoneme), _) if style.flavor.reads_phonemes() => CustomElement::new("phoneme")
                .with_attr("alphabet", lexeme.alphabet.clone())
                .with_attr("ph", phoneme.clone())
                .with_child(ssml::text(written.clone())),
            (_, Some(alias)) => CustomElement::new("sub")
                .with_attr("alias", alias.clone())
                .with_child(ssml::text(written.clone())),
            _ => CustomElement::new("sub")
                .with_attr("alias", written.clone())
                .with_child(ssml::text(written.clone())),
        };
        spoken += lexeme.alias.as_deref().unwrap_or(&written).chars().count();
        children.push(element.into());
        at = range.end;
    }
    push_text(&sentence[at..], &mut children, &mut spoken);
    (children, spoken)
}

fn pause(ms: u32) -> Element<'static> {
    CustomElement::new("break")
        .with_attr("time", format!("{ms}ms"))
        .into()
}

//! Builds a segment's SSML document with the `ssml` crate.
//!
//! Layout: `<speak xml:lang>` then, per part, `<mark name="cN"/>` and a `<p>` of `<s>`
//! sentences, followed by a `<break>`. Breaks are written as plain elements because the
//! crate's own break serialises as `time="+700ms"`, which espeak-ng ignores.

use ssml::{CustomElement, Element, Serialize, SerializeOptions};

use super::normalize::normalize;
use super::{CueText, Part, Segment};
use crate::ingest::StoryKind;

pub(crate) fn segment(
    index: usize,
    title: String,
    kind: StoryKind,
    parts: &[Part],
    language: &str,
    lang: &str,
) -> Segment {
    let mut elements: Vec<Element> = Vec::new();
    let mut cues = Vec::new();
    let mut chars = 0;
    for (n, part) in parts.iter().enumerate() {
        let mark = format!("c{n}");
        elements.push(ssml::mark(mark.clone()).into());
        cues.push(CueText {
            mark,
            text: part.display.clone(),
        });
        let mut sentences: Vec<Element> = Vec::new();
        if let Some(lead_in) = &part.lead_in {
            let spoken = normalize(lead_in, lang);
            chars += spoken.chars().count();
            sentences.push(sentence(format!("{spoken}.")));
            sentences.push(pause(250));
        }
        for s in &part.sentences {
            let spoken = normalize(s, lang);
            if spoken.chars().any(char::is_alphanumeric) {
                chars += spoken.chars().count();
                sentences.push(sentence(spoken));
            }
        }
        elements.push(CustomElement::new("p").with_children(sentences).into());
        elements.push(pause(part.pause_ms));
    }
    let doc = ssml::speak(Some(language), elements);
    let ssml = doc
        .serialize_to_string(&SerializeOptions::default())
        .unwrap_or_else(|e| unreachable!("SSML built from escaped text always serialises: {e}"));
    Segment {
        index,
        title,
        kind,
        ssml,
        chars,
        cues,
    }
}

fn sentence(text: String) -> Element<'static> {
    CustomElement::new("s").with_child(ssml::text(text)).into()
}

fn pause(ms: u32) -> Element<'static> {
    CustomElement::new("break")
        .with_attr("time", format!("{ms}ms"))
        .into()
}

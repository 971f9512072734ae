//! Pronunciation lexicons in W3C PLS 1.0 (`voices/lexicons/*.pls`, and any a show lists):
//! graphemes mapped to an alias (what to say instead) and/or a phoneme string. The script
//! applies them as SSML `<sub alias>` or, for engines that read phonemes, `<phoneme>`.

use std::ops::Range;
use std::path::Path;

use quick_xml::events::Event;
use regex::Regex;

use crate::error::{Error, Result};

/// One entry: the spellings it covers and how to say them.
#[derive(Debug, Clone, PartialEq)]
pub struct Lexeme {
    pub graphemes: Vec<String>,
    pub alias: Option<String>,
    pub phoneme: Option<String>,
    /// Phonetic alphabet of `phoneme` (`ipa`, `x-sampa`).
    pub alphabet: String,
}

/// The lexemes of one or more lexicons, with a matcher over all their graphemes.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    lexemes: Vec<Lexeme>,
    /// Every grapheme, longest first, with the lexeme it belongs to.
    graphemes: Vec<(String, usize)>,
    matcher: Option<Regex>,
}

impl Lexicon {
    /// Reads a PLS file.
    pub fn load(path: &Path) -> Result<Lexicon> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::config(path, format!("cannot read lexicon: {e}")))?;
        Lexicon::parse(&text).map_err(|m| Error::config(path, m))
    }

    /// Parses PLS text.
    pub fn parse(xml: &str) -> Result<Lexicon, String> {
        let mut reader = quick_xml::Reader::from_str(xml);
        reader.config_mut().trim_text(true);
        let mut lexemes = Vec::new();
        let mut alphabet = "ipa".to_string();
        let mut current: Option<Lexeme> = None;
        let mut field: Option<&'static str> = None;
        loop {
            match reader
                .read_event()
                .map_err(|e| format!("not a valid PLS lexicon: {e}"))?
            {
                Event::Eof => break,
                Event::Start(e) => match e.local_name().as_ref() {
                    b"lexicon" => {
                        if let Some(a) = e.try_get_attribute("alphabet").ok().flatten() {
                            alphabet = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
                        }
                    }
                    b"lexeme" => {
                        current = Some(Lexeme {
                            graphemes: Vec::new(),
                            alias: None,
                            phoneme: None,
                            alphabet: alphabet.clone(),
                        })
                    }
                    b"grapheme" => field = Some("grapheme"),
                    b"alias" => field = Some("alias"),
                    b"phoneme" => field = Some("phoneme"),
                    _ => {}
                },
                Event::Text(t) => {
                    let value = t.unescape().map_err(|e| e.to_string())?.trim().to_string();
                    if let (Some(lexeme), Some(name)) = (current.as_mut(), field) {
                        match name {
                            "grapheme" => lexeme.graphemes.push(value),
                            "alias" => lexeme.alias = Some(value),
                            _ => lexeme.phoneme = Some(value),
                        }
                    }
                }
                Event::End(e) => match e.local_name().as_ref() {
                    b"lexeme" => {
                        if let Some(lexeme) = current.take() {
                            if lexeme.graphemes.is_empty()
                                || (lexeme.alias.is_none() && lexeme.phoneme.is_none())
                            {
                                return Err("a lexeme needs a grapheme and an alias or a phoneme"
                                    .to_string());
                            }
                            lexemes.push(lexeme);
                        }
                    }
                    _ => field = None,
                },
                _ => {}
            }
        }
        Ok(Lexicon::from_lexemes(lexemes))
    }

    fn from_lexemes(lexemes: Vec<Lexeme>) -> Lexicon {
        let mut graphemes: Vec<(String, usize)> = lexemes
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.graphemes.iter().map(move |g| (g.clone(), i)))
            .collect();
        graphemes.sort_by_key(|(g, _)| std::cmp::Reverse(g.chars().count()));
        // A plain alternation of literals: the regex engine turns it into a fast multi-string
        // search; word boundaries are checked on each match.
        let matcher = (!graphemes.is_empty()).then(|| {
            let pattern = graphemes
                .iter()
                .map(|(g, _)| regex::escape(g))
                .collect::<Vec<_>>()
                .join("|");
            Regex::new(&pattern).expect("escaped literals")
        });
        Lexicon {
            lexemes,
            graphemes,
            matcher,
        }
    }

    /// This lexicon followed by `other` (earlier entries win when both define a grapheme).
    pub fn merged(mut self, other: Lexicon) -> Lexicon {
        let known: Vec<String> = self.graphemes.iter().map(|(g, _)| g.clone()).collect();
        self.lexemes.extend(
            other
                .lexemes
                .into_iter()
                .filter(|l| !l.graphemes.iter().any(|g| known.contains(g))),
        );
        Lexicon::from_lexemes(self.lexemes)
    }

    pub fn is_empty(&self) -> bool {
        self.lexemes.is_empty()
    }

    /// Whole-word occurrences of the lexicon's graphemes in `text`, in order.
    pub fn find<'a>(&'a self, text: &str) -> Vec<(Range<usize>, &'a Lexeme)> {
        let Some(matcher) = &self.matcher else {
            return Vec::new();
        };
        let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-');
        matcher
            .find_iter(text)
            .filter(|m| {
                !is_word(text[..m.start()].chars().next_back())
                    && !is_word(text[m.end()..].chars().next())
            })
            .filter_map(|m| {
                let index = self.graphemes.iter().find(|(g, _)| g == m.as_str())?.1;
                Some((m.range(), &self.lexemes[index]))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLS: &str = r#"<?xml version="1.0"?>
        <lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="fr-FR">
          <lexeme><grapheme>Qant</grapheme><phoneme>kɑ̃t</phoneme><alias>Kante</alias></lexeme>
          <lexeme><grapheme>Figure AI</grapheme><alias>Figueur É Aïe</alias></lexeme>
        </lexicon>"#;

    #[test]
    fn graphemes_are_found_as_whole_words_only() {
        let lexicon = Lexicon::parse(PLS).unwrap();
        let found: Vec<(String, Option<String>)> = lexicon
            .find("Qant et Figure AI, pas Qantique ni XQant.")
            .into_iter()
            .map(|(r, l)| (r.start.to_string(), l.alias.clone()))
            .collect();
        assert_eq!(
            found,
            [
                ("0".to_string(), Some("Kante".to_string())),
                ("8".to_string(), Some("Figueur É Aïe".to_string()))
            ]
        );
    }

    #[test]
    fn a_lexeme_without_pronunciation_is_an_error() {
        let bad = r#"<lexicon version="1.0" alphabet="ipa" xml:lang="fr"><lexeme><grapheme>X</grapheme></lexeme></lexicon>"#;
        assert!(Lexicon::parse(bad).is_err());
        assert!(
            Lexicon::parse("<lexicon><lexeme>").is_err()
                || Lexicon::parse("<lexicon><lexeme>").unwrap().is_empty()
        );
    }
}

//! A W3C PLS lexicon as a file the producer edits: `audition lexicon add` writes one back
//! (entries sorted, one per grapheme, the file's opening comments kept) and `audition lexicon
//! check` names each entry that is malformed, duplicated or unusable by an engine, with its
//! line. Building reads lexicons with [`super::lexicon::Lexicon`]; this is only for editing.

use quick_xml::escape::escape;
use quick_xml::events::Event;

use super::lexicon::Lexeme;

/// The PLS namespace.
const NAMESPACE: &str = "http://www.w3.org/2005/01/pronunciation-lexicon";

/// A lexicon file: what precedes `<lexicon>`, its language and alphabet, and its entries.
#[derive(Debug, Clone)]
pub struct LexiconFile {
    /// The XML declaration and comments before the root element, kept as written.
    prolog: String,
    pub language: String,
    pub alphabet: String,
    entries: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    lexeme: Lexeme,
    line: usize,
}

/// Something wrong with one entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub line: usize,
    pub message: String,
}

impl LexiconFile {
    /// Reads a PLS file; only a file that is not XML, or not a lexicon, is refused whole.
    pub fn parse(text: &str) -> Result<LexiconFile, String> {
        // The line of the first character at or after `offset` that is not white space.
        let line_of = |offset: u64| {
            let from = (offset as usize).min(text.len());
            let skipped = text[from..].len() - text[from..].trim_start().len();
            text[..from + skipped].matches('\n').count() + 1
        };
        let mut reader = quick_xml::Reader::from_str(text);
        reader.config_mut().trim_text(true);
        let mut file = LexiconFile {
            prolog: String::new(),
            language: String::new(),
            alphabet: "ipa".into(),
            entries: Vec::new(),
        };
        let (mut root, mut closed) = (false, false);
        let mut current: Option<Entry> = None;
        let mut field: Option<&'static str> = None;
        loop {
            let at = reader.buffer_position();
            let event = reader.read_event().map_err(|e| {
                format!(
                    "line {}: not well-formed XML: {e}",
                    line_of(reader.error_position())
                )
            })?;
            match event {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) if !root => {
                    if e.local_name().as_ref() != b"lexicon" {
                        return Err(format!(
                            "line {}: the root element is not <lexicon>",
                            line_of(at)
                        ));
                    }
                    root = true;
                    file.prolog = text[..at as usize].trim_end().to_string();
                    for attribute in e.attributes().flatten() {
                        let value = attribute
                            .unescape_value()
                            .map_err(|e| e.to_string())?
                            .into_owned();
                        match attribute.key.as_ref() {
                            b"xml:lang" => file.language = value,
                            b"alphabet" => file.alphabet = value,
                            _ => {}
                        }
                    }
                }
                Event::Start(e) => match e.local_name().as_ref() {
                    b"lexeme" => {
                        current = Some(Entry {
                            lexeme: Lexeme {
                                graphemes: Vec::new(),
                                alias: None,
                                phoneme: None,
                                alphabet: file.alphabet.clone(),
                            },
                            line: line_of(at),
                        })
                    }
                    b"grapheme" => field = Some("grapheme"),
                    b"alias" => field = Some("alias"),
                    b"phoneme" => field = Some("phoneme"),
                    _ => {}
                },
                Event::Text(t) => {
                    let value = t.unescape().map_err(|e| e.to_string())?.trim().to_string();
                    if let (Some(entry), Some(name)) = (current.as_mut(), field) {
                        match name {
                            "grapheme" => entry.lexeme.graphemes.push(value),
                            "alias" => entry.lexeme.alias = Some(value),
                            _ => entry.lexeme.phoneme = Some(value),
                        }
                    }
                }
                Event::End(e) => match e.local_name().as_ref() {
                    b"lexeme" => file.entries.extend(current.take()),
                    b"lexicon" => closed = true,
                    _ => field = None,
                },
                _ => {}
            }
        }
        if !root {
            return Err("no <lexicon> element: not a PLS lexicon".into());
        }
        if let Some(open) = current {
            return Err(format!(
                "line {}: not well-formed XML: <lexeme> is never closed",
                open.line
            ));
        }
        if !closed {
            return Err("not well-formed XML: <lexicon> is never closed".into());
        }
        Ok(file)
    }

    /// An empty lexicon in `language`.
    pub fn new(language: &str) -> LexiconFile {
        LexiconFile {
            prolog: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>".into(),
            language: language.into(),
            alphabet: "ipa".into(),
            entries: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// What is wrong with the entries, in file order; `reads_phonemes` tells whether the
    /// engine that will read them uses `<phoneme>` (else only aliases are heard).
    pub fn findings(&self, engine: &str, reads_phonemes: bool) -> Vec<Finding> {
        let mut found = Vec::new();
        let mut seen: Vec<(&str, usize)> = Vec::new();
        if !matches!(self.alphabet.as_str(), "ipa" | "x-sampa") {
            found.push(Finding {
                line: 1,
                message: format!("alphabet {:?}: no engine reads it (use ipa)", self.alphabet),
            });
        }
        for entry in &self.entries {
            let l = &entry.lexeme;
            let name = l.graphemes.first().map_or("(no grapheme)", String::as_str);
            let mut say = |message: String| {
                found.push(Finding {
                    line: entry.line,
                    message: format!("{name}: {message}"),
                })
            };
            if l.graphemes.is_empty() || l.graphemes.iter().any(|g| g.is_empty()) {
                say("a lexeme needs a non-empty <grapheme>".into());
            }
            let alias = l.alias.as_deref().filter(|a| !a.is_empty());
            let phoneme = l.phoneme.as_deref().filter(|p| !p.is_empty());
            match (alias, phoneme) {
                (None, None) => say("neither an <alias> nor a <phoneme>: nothing to say".into()),
                (None, Some(_)) if !reads_phonemes => say(format!(
                    "only a <phoneme>, which {engine} does not read: add an <alias>"
                )),
                _ => {}
            }
            for grapheme in &l.graphemes {
                match seen.iter().find(|(g, _)| g == grapheme) {
                    Some((_, line)) => say(format!("{grapheme:?} is also defined on line {line}")),
                    None => seen.push((grapheme, entry.line)),
                }
            }
        }
        found
    }

    /// Adds `word` with its alias or phoneme, replacing any entry that spells it.
    pub fn add(&mut self, word: &str, alias: Option<&str>, ipa: Option<&str>) {
        let mut replaced = None;
        for entry in &mut self.entries {
            if entry.lexeme.graphemes.iter().any(|g| g == word) {
                if replaced.is_none() {
                    if let Some(a) = alias {
                        entry.lexeme.alias = Some(a.to_string());
                    }
                    if let Some(p) = ipa {
                        entry.lexeme.phoneme = Some(p.to_string());
                    }
                    replaced = Some(());
                } else {
                    entry.lexeme.graphemes.retain(|g| g != word);
                }
            }
        }
        self.entries.retain(|e| !e.lexeme.graphemes.is_empty());
        if replaced.is_none() {
            self.entries.push(Entry {
                lexeme: Lexeme {
                    graphemes: vec![word.to_string()],
                    alias: alias.map(str::to_string),
                    phoneme: ipa.map(str::to_string),
                    alphabet: self.alphabet.clone(),
                },
                line: 0,
            });
        }
    }

    /// The lexicon as PLS 1.0: the prolog kept, entries sorted by their first grapheme
    /// (letter case aside), each grapheme in one entry only.
    pub fn to_xml(&self) -> String {
        let mut entries: Vec<&Lexeme> = self.entries.iter().map(|e| &e.lexeme).collect();
        entries.sort_by_key(|l| {
            l.graphemes
                .first()
                .map(|g| (g.to_lowercase(), g.clone()))
                .unwrap_or_default()
        });
        let mut taken: Vec<&str> = Vec::new();
        let mut out = String::new();
        if !self.prolog.is_empty() {
            out.push_str(&self.prolog);
            out.push('\n');
        }
        out.push_str(&format!(
            "<lexicon version=\"1.0\" xmlns=\"{NAMESPACE}\"\n         alphabet=\"{}\" xml:lang=\"{}\">\n",
            escape(&self.alphabet),
            escape(&self.language)
        ));
        for lexeme in entries {
            let graphemes: Vec<&String> = lexeme
                .graphemes
                .iter()
                .filter(|g| !taken.contains(&g.as_str()))
                .collect();
            if graphemes.is_empty() {
                continue;
            }
            taken.extend(graphemes.iter().map(|g| g.as_str()));
            out.push_str("  <lexeme>");
            for g in graphemes {
                out.push_str(&format!("<grapheme>{}</grapheme>", escape(g.as_str())));
            }
            if let Some(p) = &lexeme.phoneme {
                out.push_str(&format!("<phoneme>{}</phoneme>", escape(p.as_str())));
            }
            if let Some(a) = &lexeme.alias {
                out.push_str(&format!("<alias>{}</alias>", escape(a.as_str())));
            }
            out.push_str("</lexeme>\n");
        }
        out.push_str("</lexicon>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- Our names. -->
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon"
         alphabet="ipa" xml:lang="fr-FR">
  <lexeme><grapheme>Véloce</grapheme><alias>Vélosse</alias></lexeme>
  <lexeme><grapheme>Norrøn</grapheme><phoneme>nɔʁœn</phoneme></lexeme>
  <lexeme><grapheme>Véloce</grapheme><alias>Vé-loce</alias></lexeme>
  <lexeme><grapheme>Lisière</grapheme></lexeme>
</lexicon>
"#;

    #[test]
    fn findings_name_each_entry_and_its_line() {
        let file = LexiconFile::parse(PLS).unwrap();
        let found = file.findings("pico", false);
        let lines: Vec<(usize, &str)> =
            found.iter().map(|f| (f.line, f.message.as_str())).collect();
        assert_eq!(
            lines,
            [
                (
                    6,
                    "Norrøn: only a <phoneme>, which pico does not read: add an <alias>"
                ),
                (7, "Véloce: \"Véloce\" is also defined on line 5"),
                (
                    8,
                    "Lisière: neither an <alias> nor a <phoneme>: nothing to say"
                ),
            ]
        );
        assert_eq!(
            file.findings("google", true).len(),
            2,
            "Google reads phonemes"
        );
    }

    #[test]
    fn what_is_written_back_is_sorted_unique_and_reads_again() {
        let mut file = LexiconFile::parse(PLS).unwrap();
        file.add("Véloce", Some("Vélosse"), None);
        file.add("Audition", None, Some("odisjɔ̃"));
        let xml = file.to_xml();
        assert!(xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- Our names. -->\n<lexicon"
        ));
        let again = LexiconFile::parse(&xml).unwrap();
        let firsts: Vec<&str> = again
            .entries
            .iter()
            .map(|e| e.lexeme.graphemes[0].as_str())
            .collect();
        assert_eq!(firsts, ["Audition", "Lisière", "Norrøn", "Véloce"]);
        assert_eq!(
            again.findings("google", true).len(),
            1,
            "only Lisière is left to fix"
        );
        assert!(super::super::lexicon::Lexicon::parse(
            &xml.replace("  <lexeme><grapheme>Lisière</grapheme></lexeme>\n", "")
        )
        .is_ok());
    }

    #[test]
    fn what_is_not_a_lexicon_is_refused() {
        assert!(LexiconFile::parse("<lexicon><lexeme>")
            .unwrap_err()
            .contains("not well-formed"));
        assert!(LexiconFile::parse("<html/>")
            .unwrap_err()
            .contains("not <lexicon>"));
        assert!(LexiconFile::parse("").is_err());
    }
}

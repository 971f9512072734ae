//! Speech normalisation: rewrites written text the way a newsreader would say it
//! (« 16 Md€ » → « seize milliards d'euros »), one module per language.
//!
//! The output is plain text for SSML `Text` nodes: it never contains markup characters, so
//! input that looks like SSML or XML is dropped or spoken, never interpreted.

mod fr;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

/// Rewrites `text` for speech in `language` (a primary subtag such as `fr`).
pub fn normalize(text: &str, language: &str) -> String {
    let text = strip_markup(text);
    let spoken = match language {
        "fr" => fr::normalize(&text),
        _ => english_numbers(&text),
    };
    collapse_spaces(&spoken)
}

/// Drops anything shaped like a tag and the characters markup is made of.
fn strip_markup(text: &str) -> String {
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<[^<>]{0,200}>").expect("static regex"));
    static URL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)\bhttps?://([^/\s]+)\S*").expect("static regex"));
    let text = TAG.replace_all(text, " ");
    let text = URL.replace_all(&text, "$1");
    text.replace(['<', '>', '{', '}', '[', ']', '\u{feff}'], " ")
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Cardinal number in words, or the digits if the number is out of range.
///
/// `num2words` computes with big floats, slowly; results are kept per thread, since an
/// issue repeats its numbers (years, amounts) many times.
pub(crate) fn cardinal(n: u64, lang: num2words::Lang) -> String {
    thread_local! {
        static WORDS: RefCell<HashMap<(u64, bool), String>> = RefCell::new(HashMap::new());
    }
    let key = (n, matches!(lang, num2words::Lang::French));
    if let Some(words) = WORDS.with(|w| w.borrow().get(&key).cloned()) {
        return words;
    }
    let words = num2words::Num2Words::new(n as i64)
        .lang(lang)
        .to_words()
        .unwrap_or_else(|_| n.to_string());
    WORDS.with(|w| {
        let mut cache = w.borrow_mut();
        if cache.len() >= 100_000 {
            cache.clear();
        }
        cache.insert(key, words.clone());
    });
    words
}

/// Minimal English rules until the English module lands: numbers, percent, currency.
fn english_numbers(text: &str) -> String {
    let number = Regex::new(r"\d+(?:,\d{3})*(?:\.\d+)?").expect("static regex");
    let text = text.replace('%', " percent").replace('&', " and ");
    let text = Regex::new(r"\$(\d+(?:,\d{3})*(?:\.\d+)?)\s*(billion|million)?")
        .expect("static regex")
        .replace_all(&text, |c: &regex::Captures| {
            let scale = c
                .get(2)
                .map(|m| format!(" {}", m.as_str()))
                .unwrap_or_default();
            format!("{}{scale} dollars", &c[1])
        })
        .into_owned();
    number
        .replace_all(&text, |c: &regex::Captures| {
            let plain = c[0].replace(',', "");
            match plain.split_once('.') {
                Some((int, dec)) => format!(
                    "{} point {}",
                    int.parse()
                        .map(|n| cardinal(n, num2words::Lang::English))
                        .unwrap_or_default(),
                    dec.chars()
                        .filter_map(|d| d.to_digit(10))
                        .map(|d| cardinal(d as u64, num2words::Lang::English))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                None => plain
                    .parse()
                    .map(|n| cardinal(n, num2words::Lang::English))
                    .unwrap_or(plain),
            }
        })
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn markup_in_the_text_is_dropped_not_kept() {
        let out = normalize(r#"Avant <speak><break time="9999s"/> après & fin"#, "fr");
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        assert!(
            out.contains("Avant") && out.contains("après et fin"),
            "{out}"
        );
    }

    #[test]
    fn english_basics() {
        assert_eq!(
            normalize("It grew 12% to $3 billion", "en"),
            "It grew twelve percent to three billion dollars"
        );
    }
}

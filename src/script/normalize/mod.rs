//! Speech normalisation: rewrites written text the way a newsreader would say it
//! (« 16 Md€ » → « seize milliards d'euros », `$38.2 billion` → « thirty-eight point two
//! billion dollars »). One module per language holds its tables (currencies, units,
//! abbreviations, acronyms read as words) and its number rules; the steps shared by every
//! language live here.
//!
//! The output is plain text for SSML `Text` nodes: it never contains markup characters or a
//! raw `€ $ £ % & < >`, so input that looks like SSML or XML is dropped or spoken, never
//! interpreted.

pub(crate) mod en;
pub(crate) mod fr;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::LazyLock;

use regex::{Captures, Regex};

/// The words and rules of one language.
pub(crate) struct Locale {
    /// `@` between a user and a domain, and `.` in a domain.
    pub at: &'static str,
    pub dot: &'static str,
    /// Symbols read aloud when they stand alone.
    pub symbols: &'static [(&'static str, &'static str)],
    /// Abbreviations and what they stand for (matched as whole words).
    pub abbreviations: &'static [(&'static str, &'static str)],
    /// Upper-case words read as words, not spelled letter by letter.
    pub acronym_words: &'static [&'static str],
}

/// Rewrites `text` for speech in `language` (a primary subtag such as `fr`).
pub fn normalize(text: &str, language: &str) -> String {
    let locale = if language == "fr" {
        &fr::LOCALE
    } else {
        &en::LOCALE
    };
    let text = strip_markup(text);
    let text = emails_and_urls(&text, locale);
    let text = abbreviations(&text, locale);
    let text = identifiers(&text);
    let text = split_number_letters(&text);
    let text = match language {
        "fr" => fr::numbers(&text),
        _ => en::numbers(&text),
    };
    // Digits no rule claimed (« 3rd » in French text) are still read as a number.
    let text = replace(&text, rule!("[0-9]+"), |c| {
        let lang = if language == "fr" {
            num2words::Lang::French
        } else {
            num2words::Lang::English
        };
        format!(" {} ", cardinal(c[0].parse().unwrap_or(0), lang))
    });
    let text = acronyms(&text, locale);
    let text = symbols(&text, locale);
    collapse_spaces(&scrub(&text))
}

/// Month names in `language` (`fr`, otherwise English), January first.
pub(crate) fn month_names(language: &str) -> &'static [&'static str; 12] {
    if language == "fr" {
        &fr::MONTHS
    } else {
        &en::MONTHS
    }
}

/// Compiles a rule's pattern once, on first use. Patterns keep to ASCII digits and word
/// boundaries where they can: Unicode boundaries on accented text keep the regex engine off
/// its fast DFA.
macro_rules! rule {
    ($pattern:expr) => {{
        static RULE: std::sync::LazyLock<regex::Regex> =
            std::sync::LazyLock::new(|| regex::Regex::new($pattern).expect("static regex"));
        &*RULE
    }};
}
pub(crate) use rule;

/// A unit symbol and how it is read: singular, plural.
pub(crate) type Unit = (&'static str, &'static str, &'static str);

/// The regex alternation of a unit table, in one capture group: longest symbols first (the
/// regex takes the first alternative that matches), and a symbol that ends in a letter only
/// where a word ends (`5 W` is watts, `5 Watts` is not touched).
fn unit_pattern(units: &[Unit]) -> String {
    let mut symbols: Vec<&str> = units.iter().map(|u| u.0).collect();
    symbols.sort_by_key(|s| std::cmp::Reverse(s.chars().count()));
    let alternatives: Vec<String> = symbols
        .iter()
        .map(|s| {
            let ends_in_letter = s.chars().last().is_some_and(|c| c.is_ascii_alphabetic());
            let boundary = if ends_in_letter { r"(?-u:\b)" } else { "" };
            format!("{}{boundary}", regex::escape(s))
        })
        .collect();
    format!("({})", alternatives.join("|"))
}

/// How `symbol` of a unit table is read.
fn unit_words(units: &[Unit], symbol: &str, plural: bool) -> &'static str {
    units
        .iter()
        .find(|u| u.0 == symbol)
        .map_or("", |u| if plural { u.2 } else { u.1 })
}

/// How a locale reads units: its table, its words for « per » and « minus », and its
/// number rules.
pub(crate) struct UnitReading {
    pub units: &'static [Unit],
    pub per: &'static str,
    pub minus: &'static str,
    /// A number from its integer and decimal parts.
    pub number: fn(&str, Option<&str>) -> String,
    /// Whether a number takes the plural of its unit.
    pub plural: fn(&str, Option<&str>) -> bool,
}

/// The two rules of unit reading, for a locale's number pattern (integer part in one group,
/// decimals in the next): a number (maybe negative) and its unit, and « /unit » or
/// « per unit » after an amount or a unit.
pub(crate) fn unit_rules(number: &str, reading: &UnitReading) -> (Regex, Regex) {
    let units = unit_pattern(reading.units);
    let amount = format!(r"(?:(^|[\s(])([-−]))?(?-u:\b){number}\s*{units}");
    let per = format!(r"(?:/\s?|(?-u:\b){}\s+){units}", reading.per);
    (
        Regex::new(&amount).expect("static regex"),
        Regex::new(&per).expect("static regex"),
    )
}

/// Reads units with the locale's rules: « 5 kWh » → « five kilowatt-hours », « $45/kWh »'s
/// « /kWh » → « per kilowatt-hour ». Runs before « /… » time units, so km/h stays a unit.
pub(crate) fn read_units(text: &str, rules: &(Regex, Regex), reading: &UnitReading) -> String {
    let text = replace(text, &rules.0, |c| {
        let sign = group(c, 2).map_or(String::new(), |_| format!("{}{} ", &c[1], reading.minus));
        let plural = (reading.plural)(&c[3], group(c, 4));
        let words = unit_words(reading.units, &c[5], plural);
        format!("{sign}{} {words}", (reading.number)(&c[3], group(c, 4)))
    });
    replace(&text, &rules.1, |c| {
        format!(
            " {} {}",
            reading.per,
            unit_words(reading.units, &c[1], false)
        )
    })
}

/// Replaces every match of `rule` with `f(captures)`.
pub(crate) fn replace(text: &str, rule: &Regex, f: impl Fn(&Captures) -> String) -> String {
    rule.replace_all(text, |c: &Captures| f(c)).into_owned()
}

/// A capture group's text, if it matched.
pub(crate) fn group<'t>(c: &Captures<'t>, i: usize) -> Option<&'t str> {
    c.get(i).map(|m| m.as_str())
}

/// Drops anything shaped like a tag, emoji, control characters and the characters markup is
/// made of.
fn strip_markup(text: &str) -> String {
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<[^<>]{0,200}>").expect("static regex"));
    TAG.replace_all(text, " ")
        .chars()
        .map(|c| match c {
            '<' | '>' | '{' | '}' | '[' | ']' | '\u{feff}' | '|' | '*' | '_' | '#' | '`' | '~'
            | '^' => ' ',
            c if c.is_control() => ' ',
            c if is_emoji(c) => ' ',
            c => c,
        })
        .collect()
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F | 0x200D | 0x2B00..=0x2BFF)
}

/// `jane@example.com` → « jane at example dot com »; a URL is read as its bare domain.
fn emails_and_urls(text: &str, locale: &Locale) -> String {
    let domain = |d: &str| {
        d.trim_start_matches("www.")
            .trim_end_matches('.')
            .replace('.', &format!(" {} ", locale.dot))
    };
    let text = replace(
        text,
        rule!(r"(?i)(?-u:\b)[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}(?-u:\b)"),
        |c| {
            let (user, host) = c[0].split_once('@').unwrap_or((&c[0], ""));
            format!(
                "{} {} {}",
                user.replace(['.', '_'], " "),
                locale.at,
                domain(host)
            )
        },
    );
    let text = replace(
        &text,
        rule!(r"(?i)(?-u:\b)(?:https?://|www\.)([a-z0-9.-]+)[^\s]*"),
        |c| domain(&c[1]),
    );
    // Bare domains such as example.com (not decimals, not abbreviations).
    replace(
        &text,
        rule!(r"(?i)(?-u:\b)([a-z][a-z0-9-]*)\.(com|org|net|fr|io|ai|eu|dev|co|uk|de|app)(?-u:\b)"),
        |c| format!("{} {} {}", &c[1], locale.dot, &c[2]),
    )
}

/// Expands the locale's abbreviations.
fn abbreviations(text: &str, locale: &Locale) -> String {
    let mut out = text.to_string();
    for (short, long) in locale.abbreviations {
        if out.contains(short) {
            let pattern = format!(r"(^|[\s(«“]){}(\s|$|[,;:)])", regex::escape(short));
            let re = Regex::new(&pattern).expect("escaped abbreviation");
            // At the very end, the abbreviation's period also ends the sentence.
            let end = if short.ends_with('.') { "." } else { "" };
            out = re
                .replace_all(&out, |c: &Captures| {
                    let after = if c[2].is_empty() { end } else { &c[2] };
                    format!("{}{long}{after}", &c[1])
                })
                .into_owned();
        }
    }
    out
}

/// Letters and digits glued together are read apart: `GB200` → « G B 200 », `GPT-4o` →
/// « G P T 4 o », `CVE-2024-3094` → « C V E 2024 3094 » (short capitals are spelled here so
/// that no later rule takes them for a unit).
fn identifiers(text: &str) -> String {
    let text = replace(
        text,
        rule!(r"(?-u:\b)([A-Za-z]{1,20})-?([0-9]+)([a-z]{0,3})(?-u:\b)"),
        |c| {
            let suffix = group(c, 3)
                .filter(|s| !s.is_empty())
                .map(|s| format!(" {s}"))
                .unwrap_or_default();
            let letters = &c[1];
            let letters = if letters.len() <= 5 && letters.chars().all(|l| l.is_ascii_uppercase()) {
                letters
                    .chars()
                    .map(String::from)
                    .collect::<Vec<_>>()
                    .join(" ")
            } else {
                letters.to_string()
            };
            format!("{letters} {}{suffix}", &c[2])
        },
    );
    replace(&text, rule!(r"(?-u:\b)(C V E) ([0-9]{4})-([0-9]+)"), |c| {
        format!("{} {} {}", &c[1], &c[2], &c[3])
    })
}

/// A number glued to letters is read apart (`5km` → `5 km`, `3.5m` → `3.5 m`), except
/// ordinal endings, which the language rules read.
fn split_number_letters(text: &str) -> String {
    replace(
        text,
        rule!(r"(?-u:\b)([0-9][0-9.,]*)([A-Za-z]{1,3})(?-u:\b)"),
        |c| {
            let suffix = &c[2];
            let ordinal = ["st", "nd", "rd", "th", "er", "re", "e", "nde", "h"].contains(&suffix);
            if ordinal {
                c[0].to_string()
            } else {
                format!("{} {suffix}", &c[1])
            }
        },
    )
}

/// Upper-case words of two to five letters are spelled (« B C E »), unless the locale reads
/// them as words (« OTAN », « NASA »); longer ones are shouted words, read in lower case.
/// A plain scan rather than a regex: Unicode word boundaries would slow every sentence.
fn acronyms(text: &str, locale: &Locale) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_alphabetic() {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_alphabetic() {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        out.push_str(&read_capitals(&word, locale));
    }
    out
}

fn read_capitals(word: &str, locale: &Locale) -> String {
    let (stem, plural) = match word.strip_suffix('s') {
        Some(stem) if stem.chars().count() >= 2 && stem.chars().all(char::is_uppercase) => {
            (stem, true)
        }
        _ => (word, false),
    };
    if stem.chars().count() < 2 || !stem.chars().all(char::is_uppercase) {
        return word.to_string();
    }
    let plural = if plural { "s" } else { "" };
    if locale.acronym_words.contains(&stem) {
        format!("{}{plural}", capitalise_lower(stem))
    } else if stem.chars().count() <= 5 {
        let letters: Vec<String> = stem.chars().map(|l| l.to_string()).collect();
        format!("{}{plural}", letters.join(" "))
    } else {
        format!("{}{plural}", stem.to_lowercase())
    }
}

fn capitalise_lower(word: &str) -> String {
    let lower = word.to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|f| f.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Symbols that stand for words.
fn symbols(text: &str, locale: &Locale) -> String {
    let mut out = text.to_string();
    for (symbol, word) in locale.symbols {
        out = out.replace(symbol, &format!(" {word} "));
    }
    out
}

/// Whatever symbol is left has no reading: it is dropped rather than spelled.
fn scrub(text: &str) -> String {
    text.chars()
        .map(|c| {
            if matches!(
                c,
                '€' | '$' | '£' | '%' | '&' | '<' | '>' | '@' | '\\' | '=' | '+'
            ) {
                ' '
            } else {
                c
            }
        })
        .collect()
}

fn collapse_spaces(text: &str) -> String {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // No space before closing punctuation left by removed symbols.
    replace(&joined, rule!(r" ([,.;!?)])"), |c| c[1].to_string())
}

/// Cardinal number in words, or the digits if the number is out of range.
///
/// `num2words` computes with big floats, slowly; results are kept per thread, since an
/// issue repeats its numbers (years, amounts) many times.
pub(crate) fn cardinal(n: u64, lang: num2words::Lang) -> String {
    cached(n, &lang, 0, |n, lang| {
        num2words::Num2Words::new(n as i64).lang(lang).to_words()
    })
}

/// Ordinal in words (« vingt et unième », "twenty-first").
pub(crate) fn ordinal(n: u64, lang: num2words::Lang) -> String {
    cached(n, &lang, 1, |n, lang| {
        num2words::Num2Words::new(n as i64)
            .lang(lang)
            .ordinal()
            .to_words()
    })
}

/// A year as said in English ("twenty twenty-five").
pub(crate) fn year(n: u64, lang: num2words::Lang) -> String {
    cached(n, &lang, 2, |n, lang| {
        num2words::Num2Words::new(n as i64)
            .lang(lang)
            .year()
            .to_words()
    })
}

fn cached<E>(
    n: u64,
    lang: &num2words::Lang,
    form: u8,
    words: impl Fn(u64, num2words::Lang) -> Result<String, E>,
) -> String {
    thread_local! {
        static WORDS: RefCell<HashMap<(u64, bool, u8), String>> = RefCell::new(HashMap::new());
    }
    let french = matches!(lang, num2words::Lang::French);
    let key = (n, french, form);
    if let Some(found) = WORDS.with(|w| w.borrow().get(&key).cloned()) {
        return found;
    }
    let lang = if french {
        num2words::Lang::French
    } else {
        num2words::Lang::English
    };
    let said = if n > 999_999_999_999 {
        n.to_string()
    } else {
        words(n, lang).unwrap_or_else(|_| n.to_string())
    };
    WORDS.with(|w| {
        let mut cache = w.borrow_mut();
        if cache.len() >= 100_000 {
            cache.clear();
        }
        cache.insert(key, said.clone());
    });
    said
}

/// Digits read one by one ("zero five").
pub(crate) fn digits(d: &str, lang: num2words::Lang) -> String {
    let french = matches!(lang, num2words::Lang::French);
    d.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|n| {
            let lang = if french {
                num2words::Lang::French
            } else {
                num2words::Lang::English
            };
            cardinal(n as u64, lang)
        })
        .collect::<Vec<_>>()
        .join(" ")
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
}

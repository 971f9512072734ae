//! French speech normalisation: amounts with scale words and currencies, percentages,
//! decimals with a comma, space-separated thousands, ordinals, times and `n°`.

use std::sync::LazyLock;

use num2words::Lang;
use regex::{Captures, Regex};

use super::cardinal;

/// A number as written in French: `1 200`, `21,3`, `16` (integer part, then decimals).
/// Rules use ASCII digits and ASCII word boundaries: with Unicode boundaries the regex
/// engine cannot use its fast DFA on accented text, which made scripts four times slower.
macro_rules! number {
    () => {
        r"([0-9]{1,3}(?:[ \u{a0}\u{202f}][0-9]{3})+|[0-9]+)(?:,([0-9]+))?"
    };
}

/// Compiles a rule's pattern once, on first use.
macro_rules! rule {
    ($pattern:expr) => {{
        static RULE: LazyLock<Regex> =
            LazyLock::new(|| Regex::new($pattern).expect("static regex"));
        &*RULE
    }};
}

/// Rewrites French text for speech.
pub fn normalize(text: &str) -> String {
    let text = text.replace('&', " et ");
    let text = replace(&text, rule!(r"(?i)(?-u:\b)n°\s*([0-9]+)"), |c| {
        format!("numéro {}", &c[1])
    });
    let text = replace(
        &text,
        rule!(r"/\s?(mois|an|jour|heure|semaine)(?-u:\b)"),
        |c| format!(" par {}", &c[1]),
    );
    let text = replace(
        &text,
        rule!(concat!(number!(), r"\s*(Mds?|Md|M|k|K)?\s*(€|\$|£)")),
        |c| money(&c[1], group(c, 2), group(c, 3), &c[4]),
    );
    let text = replace(&text, rule!(concat!(number!(), r"\s*%")), |c| {
        format!("{} pour cent", number(&c[1], group(c, 2)))
    });
    let text = replace(
        &text,
        rule!(concat!(
            r"(?-u:\b)",
            number!(),
            r"\s*(MW|GW|kW|TWh|GWh|km|kg|Go|To|Mo)(?-u:\b)"
        )),
        |c| {
            format!(
                "{} {}",
                number(&c[1], group(c, 2)),
                unit(&c[3], is_plural(&c[1]))
            )
        },
    );
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([0-9]{1,2})\s?h\s?([0-9]{2})?(?-u:\b)"),
        |c| time(&c[1], group(c, 2)),
    );
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([0-9]+)(er|re|ère|e|ème|eme|nd|nde)(?-u:\b)"),
        |c| ordinal(&c[1], &c[2]),
    );
    replace(
        &text,
        rule!(concat!(r"(?-u:\b)", number!(), r"(?-u:\b)")),
        |c| number(&c[1], group(c, 2)),
    )
}

fn group<'t>(c: &Captures<'t>, i: usize) -> Option<&'t str> {
    c.get(i).map(|m| m.as_str())
}

fn replace(text: &str, rule: &Regex, f: impl Fn(&Captures) -> String) -> String {
    rule.replace_all(text, |c: &Captures| f(c)).into_owned()
}

/// Integer part with thousand separators removed, and optional decimals after the comma.
fn number(int: &str, decimals: Option<&str>) -> String {
    let digits: String = int.chars().filter(char::is_ascii_digit).collect();
    let whole = digits
        .parse::<u64>()
        .map(|n| cardinal(n, Lang::French))
        .unwrap_or(digits);
    match decimals {
        Some(d) => format!("{whole} virgule {}", decimal_digits(d)),
        None => whole,
    }
}

/// `05` → « zéro cinq », `25` → « vingt-cinq »: leading zeros are read one by one.
fn decimal_digits(d: &str) -> String {
    let zeros = d.chars().take_while(|c| *c == '0').count();
    let mut words: Vec<String> = vec!["zéro".to_string(); zeros];
    if zeros < d.len() {
        words.push(number(&d[zeros..], None));
    }
    words.join(" ")
}

/// French agreement: plural from two upwards (« 1,5 million », « 2 millions »).
fn is_plural(int: &str) -> bool {
    let digits: String = int.chars().filter(char::is_ascii_digit).collect();
    digits.parse::<u64>().unwrap_or(0) >= 2
}

fn money(int: &str, decimals: Option<&str>, scale: Option<&str>, currency: &str) -> String {
    let plural = is_plural(int);
    let amount = number(int, decimals);
    // After a scale word the currency is always plural: « un milliard d'euros ».
    let currency = match (currency, plural || scale.is_some()) {
        ("€", true) => "euros",
        ("€", false) => "euro",
        ("$", true) => "dollars",
        ("$", false) => "dollar",
        (_, true) => "livres",
        _ => "livre",
    };
    let scale_word = match scale {
        Some("Md") | Some("Mds") => Some(if plural { "milliards" } else { "milliard" }),
        Some("M") => Some(if plural { "millions" } else { "million" }),
        Some("k") | Some("K") => Some("mille"),
        _ => None,
    };
    match scale_word {
        // « milliards d'euros », « millions de dollars »; « mille » takes no « de ».
        Some("mille") => format!("{amount} mille {currency}"),
        Some(word) => {
            let of = if currency.starts_with('e') {
                "d'"
            } else {
                "de "
            };
            format!("{amount} {word} {of}{currency}")
        }
        None => format!("{amount} {currency}"),
    }
}

fn unit(symbol: &str, plural: bool) -> String {
    let word = match symbol {
        "MW" => "mégawatt",
        "GW" => "gigawatt",
        "kW" => "kilowatt",
        "TWh" => "térawattheure",
        "GWh" => "gigawattheure",
        "km" => "kilomètre",
        "kg" => "kilogramme",
        "Go" => "gigaoctet",
        "To" => "téraoctet",
        _ => "mégaoctet",
    };
    if plural {
        format!("{word}s")
    } else {
        word.to_string()
    }
}

fn time(hours: &str, minutes: Option<&str>) -> String {
    let h: u64 = hours.parse().unwrap_or(0);
    let hour_words = if h == 1 {
        "une heure".to_string()
    } else {
        format!("{} heures", cardinal(h, Lang::French))
    };
    match minutes.and_then(|m| m.parse::<u64>().ok()) {
        Some(m) if m > 0 => format!("{hour_words} {}", cardinal(m, Lang::French)),
        _ => hour_words,
    }
}

fn ordinal(n: &str, suffix: &str) -> String {
    let value: i64 = n.parse().unwrap_or(0);
    match (value, suffix) {
        (1, "er") => "premier".to_string(),
        (1, "re") | (1, "ère") => "première".to_string(),
        (2, "nd") => "second".to_string(),
        (2, "nde") => "seconde".to_string(),
        _ => num2words::Num2Words::new(value)
            .lang(Lang::French)
            .ordinal()
            .to_words()
            .unwrap_or_else(|_| format!("{n}{suffix}")),
    }
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn amounts_percentages_and_numbers_are_spelled() {
        let cases = [
            (
                "120 milliards de couronnes (16 Md€)",
                "cent vingt milliards de couronnes (seize milliards d'euros)",
            ),
            ("450 M€", "quatre cent cinquante millions d'euros"),
            ("21,3 Md$", "vingt et un virgule trois milliards de dollars"),
            ("1 Md€", "un milliard d'euros"),
            ("1,25 Md$", "un virgule vingt-cinq milliard de dollars"),
            ("3,2 % du PIB", "trois virgule deux pour cent du PIB"),
            ("0,5 %", "zéro virgule cinq pour cent"),
            ("1 200 signes", "mille deux cents signes"),
            ("36 000 GB200", "trente-six mille GB200"),
            ("le 1er mars", "le premier mars"),
            ("la 1re fois", "la première fois"),
            ("le 2e trimestre", "le deuxième trimestre"),
            ("à 18h00", "à dix-huit heures"),
            ("à 14h30", "à quatorze heures trente"),
            ("le n° 5", "le numéro cinq"),
            ("200 $/mois", "deux cents dollars par mois"),
            ("200 MW au total", "deux cents mégawatts au total"),
            ("en 2025", "en deux mille vingt-cinq"),
            ("71 ans", "soixante et onze ans"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input), expected, "input: {input}");
        }
    }
}

//! French: tables and number rules. Numbers are written `1 234,5` (space or narrow space for
//! thousands, comma for decimals); amounts take their currency after the number, often with
//! a scale word (`4,5 Md€`); ordinals are `1er`, `1re`, `2e`; times `18h00`.

use std::sync::LazyLock;

use num2words::Lang;
use regex::Regex;

use super::{
    cardinal, group, ordinal, read_units, replace, rule, unit_rules, Locale, Unit, UnitReading,
};

pub(crate) static LOCALE: Locale = Locale {
    at: "arobase",
    dot: "point",
    symbols: &[
        ("&", "et"),
        ("@", "arobase"),
        ("+", "plus"),
        ("→", ","),
        ("=", "égale"),
        ("€", "euros"),
        ("$", "dollars"),
        ("£", "livres"),
        ("%", "pour cent"),
        ("°", "degrés"),
        ("±", "plus ou moins"),
        ("×", "fois"),
    ],
    abbreviations: &[
        ("M.", "Monsieur"),
        ("MM.", "Messieurs"),
        ("Mme", "Madame"),
        ("Mmes", "Mesdames"),
        ("Mlle", "Mademoiselle"),
        ("Dr", "Docteur"),
        ("Pr", "Professeur"),
        ("etc.", "et cetera"),
        ("p. ex.", "par exemple"),
        ("c.-à-d.", "c'est-à-dire"),
        ("env.", "environ"),
        ("cf.", "voir"),
        ("vs", "contre"),
        ("vs.", "contre"),
        ("St", "Saint"),
        ("Ste", "Sainte"),
        ("av. J.-C.", "avant Jésus-Christ"),
        ("apr. J.-C.", "après Jésus-Christ"),
    ],
    acronym_words: &[
        "OTAN", "ONU", "NASA", "UNESCO", "OPEP", "SIDA", "COVID", "INSEE", "CERN", "ESA", "FIFA",
        "UEFA", "ARCEP", "CNIL", "OCDE", "UNICEF", "ASEAN", "MEDEF", "CAC", "RAM", "ROM", "LED",
        "OLED", "GAFAM", "ENA", "ONG", "PIB",
    ],
};

/// Month names, January first.
pub(crate) const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A number as written in French (integer part, then decimals).
macro_rules! number {
    () => {
        r"([0-9]{1,3}(?:[ \u{a0}\u{202f}][0-9]{3})+|[0-9]+)(?:,([0-9]+))?"
    };
}

/// Units read after a number, and after « par » or « / ».
const UNITS: &[Unit] = &[
    ("Wh", "wattheure", "wattheures"),
    ("kWh", "kilowattheure", "kilowattheures"),
    ("MWh", "mégawattheure", "mégawattheures"),
    ("GWh", "gigawattheure", "gigawattheures"),
    ("TWh", "térawattheure", "térawattheures"),
    ("W", "watt", "watts"),
    ("kW", "kilowatt", "kilowatts"),
    ("MW", "mégawatt", "mégawatts"),
    ("GW", "gigawatt", "gigawatts"),
    ("km/h", "kilomètre-heure", "kilomètres-heure"),
    ("mph", "mile par heure", "miles par heure"),
    ("km", "kilomètre", "kilomètres"),
    ("cm", "centimètre", "centimètres"),
    ("mm", "millimètre", "millimètres"),
    ("nm", "nanomètre", "nanomètres"),
    ("m²", "mètre carré", "mètres carrés"),
    ("km²", "kilomètre carré", "kilomètres carrés"),
    ("m³", "mètre cube", "mètres cubes"),
    ("kg", "kilogramme", "kilogrammes"),
    ("g", "gramme", "grammes"),
    ("Go", "gigaoctet", "gigaoctets"),
    ("To", "téraoctet", "téraoctets"),
    ("Mo", "mégaoctet", "mégaoctets"),
    ("GB", "gigaoctet", "gigaoctets"),
    ("TB", "téraoctet", "téraoctets"),
    ("MB", "mégaoctet", "mégaoctets"),
    ("Gb/s", "gigabit par seconde", "gigabits par seconde"),
    ("Mb/s", "mégabit par seconde", "mégabits par seconde"),
    ("kV", "kilovolt", "kilovolts"),
    ("min", "minute", "minutes"),
    ("ms", "milliseconde", "millisecondes"),
    ("µs", "microseconde", "microsecondes"),
    ("μs", "microseconde", "microsecondes"),
    ("°C", "degré Celsius", "degrés Celsius"),
    ("°F", "degré Fahrenheit", "degrés Fahrenheit"),
];

/// How units are read: the table above, « par », « moins », the number rules.
static UNIT_READING: UnitReading = UnitReading {
    units: UNITS,
    per: "par",
    minus: "moins",
    number,
    plural: |int, decimals| is_plural(int) || decimals.is_some(),
};

/// Rewrites numbers, amounts, dates, times and units in French.
pub(crate) fn numbers(text: &str) -> String {
    let text = replace(text, rule!(r"(?i)(?-u:\b)n°\s*([0-9]+)"), |c| {
        format!("numéro {}", &c[1])
    });
    // Units before « /… » so that km/h and Mb/s are read as units; then « /kWh » and
    // « par kWh » after an amount or a unit (45 $ par kWh, 60 €/MWh, 120 g/km).
    static RULES: LazyLock<(Regex, Regex)> = LazyLock::new(|| unit_rules(number!(), &UNIT_READING));
    let text = read_units(&text, &RULES, &UNIT_READING);
    let text = replace(
        &text,
        rule!(r"/\s?(mois|an|jour|heure|semaine|h|s)(?-u:\b)"),
        |c| {
            let unit = match &c[1] {
                "h" => "heure",
                "s" => "seconde",
                other => other,
            };
            format!(" par {unit}")
        },
    );
    // ISO dates: 2025-02-24 → 24 février 2025.
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([12][0-9]{3})-([01][0-9])-([0-3][0-9])(?-u:\b)"),
        |c| {
            let month: usize = c[2].parse().unwrap_or(0);
            match MONTHS.get(month.wrapping_sub(1)) {
                Some(name) => format!("{} {name} {}", day(&c[3]), &c[1]),
                None => c[0].to_string(),
            }
        },
    );
    // Currency before the number: € 5, $0.60, $3 billion.
    let text = replace(
        &text,
        rule!(
            r"([€$£])\s?([0-9]+(?:[.,][0-9]+)?)(?:\s*(milliards?|millions?|Mds?|Md|M|k|bn|billion|million))?(?-u:\b)"
        ),
        |c| {
            let (int, dec) = split_decimal(&c[2]);
            money(int, dec, group(c, 3), &c[1])
        },
    );
    let text = replace(
        &text,
        rule!(concat!(
            r"(?-u:\b)",
            number!(),
            r"\s*(milliards?|millions?|Mds?|Md|M|k|K)?\s*(€|\$|£|euros?|dollars?|livres?)(?-u:\b)?"
        )),
        |c| money(&c[1], group(c, 2), group(c, 3), &c[4]),
    );
    let text = replace(
        &text,
        rule!(concat!(r"(?-u:\b)", number!(), r"\s*%")),
        |c| format!("{} pour cent", number(&c[1], group(c, 2))),
    );
    // Ranges: 2024-2025, 10–12.
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([0-9]+(?:[.,][0-9]+)?)\s?[-–—]\s?([0-9]+(?:[.,][0-9]+)?)(?-u:\b)"),
        |c| format!("{} à {}", &c[1], &c[2]),
    );
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([0-9]{1,2})\s?[h:]\s?([0-9]{2})?(?-u:\b)"),
        |c| time(&c[1], group(c, 2)),
    );
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([0-9]+)(er|re|ère|e|ème|eme|nd|nde)(?-u:\b)"),
        |c| ordinal_word(&c[1], &c[2]),
    );
    // Dotted numbers are versions or foreign decimals: 2.0 → deux point zéro.
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([0-9]+(?:\.[0-9]+)+)(?-u:\b)"),
        |c| {
            c[1].split('.')
                .map(|part| number(part, None))
                .collect::<Vec<_>>()
                .join(" point ")
        },
    );
    let text = replace(&text, rule!(concat!(r"(^|[\s(])-", number!())), |c| {
        format!("{}moins {}", &c[1], number(&c[2], group(c, 3)))
    });
    replace(
        &text,
        rule!(concat!(r"(?-u:\b)", number!(), r"(?-u:\b)")),
        |c| number(&c[1], group(c, 2)),
    )
}

fn split_decimal(text: &str) -> (&str, Option<&str>) {
    match text.split_once(['.', ',']) {
        Some((int, dec)) => (int, Some(dec)),
        None => (text, None),
    }
}

/// « 1er » for the first day of a month, the cardinal otherwise.
fn day(text: &str) -> String {
    match text.trim_start_matches('0') {
        "1" => "1er".to_string(),
        other => other.to_string(),
    }
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
    let currency = currency_word(currency, plural || scale.is_some());
    let scale_word = match scale {
        Some("Md" | "Mds" | "milliard" | "milliards" | "bn" | "billion") => {
            Some(if plural { "milliards" } else { "milliard" })
        }
        Some("M" | "million" | "millions") => Some(if plural { "millions" } else { "million" }),
        Some("k" | "K") => Some("mille"),
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
        // « 2,50 € » is « deux euros cinquante », as prices are said.
        None => match decimals.filter(|d| d.len() == 2) {
            Some(cents) => {
                let cents: u64 = cents.parse().unwrap_or(0);
                let whole = number(int, None);
                match cents {
                    0 => format!("{whole} {currency}"),
                    c => format!("{whole} {currency} {}", cardinal(c, Lang::French)),
                }
            }
            None => format!("{amount} {currency}"),
        },
    }
}

fn currency_word(symbol: &str, plural: bool) -> &'static str {
    let base = symbol.trim_end_matches('s');
    match (base, plural) {
        ("€" | "euro", true) => "euros",
        ("€" | "euro", false) => "euro",
        ("$" | "dollar", true) => "dollars",
        ("$" | "dollar", false) => "dollar",
        (_, true) => "livres",
        _ => "livre",
    }
}

fn time(hours: &str, minutes: Option<&str>) -> String {
    let h: u64 = hours.parse().unwrap_or(0);
    let hour_words = match h {
        0 => "minuit".to_string(),
        1 => "une heure".to_string(),
        12 => "midi".to_string(),
        _ => format!("{} heures", cardinal(h, Lang::French)),
    };
    match minutes.and_then(|m| m.parse::<u64>().ok()) {
        Some(m) if m > 0 => format!("{hour_words} {}", cardinal(m, Lang::French)),
        _ => hour_words,
    }
}

fn ordinal_word(n: &str, suffix: &str) -> String {
    let value: u64 = n.parse().unwrap_or(0);
    match (value, suffix) {
        (1, "er") => "premier".to_string(),
        (1, "re" | "ère") => "première".to_string(),
        (2, "nd") => "second".to_string(),
        (2, "nde") => "seconde".to_string(),
        _ => ordinal(value, Lang::French),
    }
}

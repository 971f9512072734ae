//! English: tables and number rules. Numbers are written `1,234.5`; amounts put the currency
//! first (`$38.2 billion`, `£3m`, `$0.60`); ordinals are `1st`, `3rd`, `10th`; times `6 pm`,
//! `6:30 pm`, `18:00`; years are read in pairs ("twenty twenty-five").

use std::sync::LazyLock;

use num2words::Lang;
use regex::Regex;

use super::{
    cardinal, digits, group, ordinal, read_units, replace, rule, unit_rules, year, Locale, Unit,
    UnitReading,
};

pub(crate) static LOCALE: Locale = Locale {
    at: "at",
    dot: "dot",
    symbols: &[
        ("&", "and"),
        ("@", "at"),
        ("+", "plus"),
        ("→", ","),
        ("=", "equals"),
        ("€", "euros"),
        ("$", "dollars"),
        ("£", "pounds"),
        ("%", "percent"),
        ("°", "degrees"),
        ("±", "plus or minus"),
        ("×", "times"),
    ],
    abbreviations: &[
        ("Mr.", "Mister"),
        ("Mrs.", "Missus"),
        ("Ms.", "Miz"),
        ("Dr.", "Doctor"),
        ("Prof.", "Professor"),
        ("St.", "Saint"),
        ("vs.", "versus"),
        ("vs", "versus"),
        ("e.g.", "for example"),
        ("i.e.", "that is"),
        ("etc.", "et cetera"),
        ("approx.", "approximately"),
        ("Inc.", "Incorporated"),
        ("Ltd.", "Limited"),
        ("Corp.", "Corporation"),
        ("Jan.", "January"),
        ("Feb.", "February"),
        ("Aug.", "August"),
        ("Sept.", "September"),
        ("Oct.", "October"),
        ("Nov.", "November"),
        ("Dec.", "December"),
        ("No.", "number"),
    ],
    acronym_words: &[
        "NATO", "NASA", "UNESCO", "OPEC", "COVID", "FIFA", "UEFA", "CERN", "ESA", "NAFTA", "RAM",
        "ROM", "LAN", "GIF", "JPEG", "SIM", "PIN", "AIDS", "LASER", "RADAR", "UNICEF", "ASEAN",
        "OLED", "LED", "SWIFT", "ISIS",
    ],
};

/// Month names, January first.
pub(crate) const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A number as written in English (integer part, then decimals).
macro_rules! number {
    () => {
        r"([0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.([0-9]+))?"
    };
}

/// Units read after a number, and after « per » or « / ».
const UNITS: &[Unit] = &[
    ("Wh", "watt-hour", "watt-hours"),
    ("kWh", "kilowatt-hour", "kilowatt-hours"),
    ("MWh", "megawatt-hour", "megawatt-hours"),
    ("GWh", "gigawatt-hour", "gigawatt-hours"),
    ("TWh", "terawatt-hour", "terawatt-hours"),
    ("W", "watt", "watts"),
    ("kW", "kilowatt", "kilowatts"),
    ("MW", "megawatt", "megawatts"),
    ("GW", "gigawatt", "gigawatts"),
    ("km/h", "kilometer per hour", "kilometers per hour"),
    ("mph", "mile per hour", "miles per hour"),
    ("km", "kilometer", "kilometers"),
    ("cm", "centimeter", "centimeters"),
    ("mm", "millimeter", "millimeters"),
    ("nm", "nanometer", "nanometers"),
    ("m²", "square meter", "square meters"),
    ("km²", "square kilometer", "square kilometers"),
    ("m³", "cubic meter", "cubic meters"),
    ("kg", "kilogram", "kilograms"),
    ("g", "gram", "grams"),
    ("GB", "gigabyte", "gigabytes"),
    ("TB", "terabyte", "terabytes"),
    ("MB", "megabyte", "megabytes"),
    ("Gb/s", "gigabit per second", "gigabits per second"),
    ("Mb/s", "megabit per second", "megabits per second"),
    ("kV", "kilovolt", "kilovolts"),
    ("min", "minute", "minutes"),
    ("ms", "millisecond", "milliseconds"),
    ("µs", "microsecond", "microseconds"),
    ("μs", "microsecond", "microseconds"),
    ("°C", "degree Celsius", "degrees Celsius"),
    ("°F", "degree Fahrenheit", "degrees Fahrenheit"),
];

/// How units are read: the table above, « per », « minus », the number rules.
static UNIT_READING: UnitReading = UnitReading {
    units: UNITS,
    per: "per",
    minus: "minus",
    number,
    plural: |int, decimals| !(int == "1" && decimals.is_none()),
};

/// Rewrites numbers, amounts, dates, times and units in English.
pub(crate) fn numbers(text: &str) -> String {
    // ISO dates: 2025-02-24 → February 24th, 2025.
    let text = replace(
        text,
        rule!(r"(?-u:\b)([12][0-9]{3})-([01][0-9])-([0-3][0-9])(?-u:\b)"),
        |c| {
            let month: usize = c[2].parse().unwrap_or(0);
            match MONTHS.get(month.wrapping_sub(1)) {
                Some(name) => format!(
                    "{name} {}, {}",
                    ordinal(c[3].parse().unwrap_or(0), Lang::English),
                    year_words(&c[1])
                ),
                None => c[0].to_string(),
            }
        },
    );
    // Month day, year: March 3, 2025 → March third, twenty twenty-five.
    let text = replace(
        &text,
        rule!(
            r"(January|February|March|April|May|June|July|August|September|October|November|December) ([0-9]{1,2})(?:st|nd|rd|th)?(?:, ([12][0-9]{3}))?(?-u:\b)"
        ),
        |c| {
            let day = ordinal(c[2].parse().unwrap_or(0), Lang::English);
            match group(c, 3) {
                Some(y) => format!("{} {day}, {}", &c[1], year_words(y)),
                None => format!("{} {day}", &c[1]),
            }
        },
    );
    // Units before « /… » so that km/h and Mb/s are read as units; then « /kWh » and
    // « per kWh » after an amount or a unit ($45/kWh, 120 g/km).
    static RULES: LazyLock<(Regex, Regex)> = LazyLock::new(|| unit_rules(number!(), &UNIT_READING));
    let text = read_units(&text, &RULES, &UNIT_READING);
    let text = replace(
        &text,
        rule!(r"/\s?(month|year|day|hour|week|mo|yr|h|s)(?-u:\b)"),
        |c| {
            let unit = match &c[1] {
                "mo" => "month",
                "yr" => "year",
                "h" => "hour",
                "s" => "second",
                other => other,
            };
            format!(" per {unit}")
        },
    );
    // Currency first: $38.2 billion, £3m, $0.60.
    let text = replace(
        &text,
        rule!(concat!(
            r"([$€£])\s?",
            number!(),
            r"(?:\s*(billion|million|thousand|trillion|bn|m|k|b|tn))?(?-u:\b)"
        )),
        |c| money(&c[2], group(c, 3), group(c, 4), &c[1]),
    );
    let text = replace(
        &text,
        rule!(concat!(r"(?-u:\b)", number!(), r"\s*([$€£])")),
        |c| money(&c[1], group(c, 2), None, &c[3]),
    );
    let text = replace(
        &text,
        rule!(concat!(r"(?-u:\b)", number!(), r"\s*(?:%|percent(?-u:\b))")),
        |c| format!("{} percent", number(&c[1], group(c, 2))),
    );
    // Ranges: 2024-2025 (years read as years), 2.0–2.4.
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([0-9][0-9.,]*)\s?[-–—]\s?([0-9][0-9.,]*[0-9]|[0-9])(?-u:\b)"),
        |c| {
            let is_year =
                |s: &str| s.len() == 4 && (1100..2100).contains(&s.parse::<u32>().unwrap_or(0));
            if is_year(&c[1]) && is_year(&c[2]) {
                format!("{} to {}", year_words(&c[1]), year_words(&c[2]))
            } else {
                format!("{} to {}", &c[1], &c[2])
            }
        },
    );
    // Times: 6 pm, 6:30 pm, 18:00.
    let text = replace(
        &text,
        rule!(r"(?i)(?-u:\b)([0-9]{1,2})(?::([0-9]{2}))?\s?([ap])\.?m\.?(?-u:\b)"),
        |c| format!("{} {} m", clock(&c[1], group(c, 2)), c[3].to_lowercase()),
    );
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([0-9]{1,2}):([0-9]{2})(?-u:\b)"),
        |c| {
            if &c[2] == "00" {
                format!(
                    "{} hundred",
                    cardinal(c[1].parse().unwrap_or(0), Lang::English)
                )
            } else {
                clock(&c[1], Some(&c[2]))
            }
        },
    );
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([0-9]+)(st|nd|rd|th)(?-u:\b)"),
        |c| ordinal(c[1].parse().unwrap_or(0), Lang::English),
    );
    // Versions with several dots: 1.2.3 → one point two point three.
    let text = replace(
        &text,
        rule!(r"(?-u:\b)([0-9]+(?:\.[0-9]+){2,})(?-u:\b)"),
        |c| {
            c[1].split('.')
                .map(|p| number(p, None))
                .collect::<Vec<_>>()
                .join(" point ")
        },
    );
    let text = replace(&text, rule!(concat!(r"(^|[\s(])-", number!())), |c| {
        format!("{}minus {}", &c[1], number(&c[2], group(c, 3)))
    });
    // Years standing alone are read in pairs.
    let text = replace(
        &text,
        rule!(
            r"(in|since|by|until|from|of|to|before|after|In|Since|By) ((?:1[1-9]|20)[0-9]{2})(?-u:\b)"
        ),
        |c| format!("{} {}", &c[1], year_words(&c[2])),
    );
    replace(
        &text,
        rule!(concat!(r"(?-u:\b)", number!(), r"(?-u:\b)")),
        |c| number(&c[1], group(c, 2)),
    )
}

fn year_words(y: &str) -> String {
    year(y.parse().unwrap_or(0), Lang::English)
}

/// Integer part without commas, and decimals read digit by digit.
fn number(int: &str, decimals: Option<&str>) -> String {
    let plain: String = int.chars().filter(char::is_ascii_digit).collect();
    let whole = plain
        .parse::<u64>()
        .map(|n| cardinal(n, Lang::English))
        .unwrap_or(plain);
    match decimals {
        Some(d) => format!("{whole} point {}", digits(d, Lang::English)),
        None => whole,
    }
}

fn money(int: &str, decimals: Option<&str>, scale: Option<&str>, symbol: &str) -> String {
    let (one, many, cents) = match symbol {
        "$" => ("dollar", "dollars", "cents"),
        "€" => ("euro", "euros", "cents"),
        _ => ("pound", "pounds", "pence"),
    };
    let scale_word = match scale {
        Some("billion" | "bn" | "b") => Some("billion"),
        Some("million" | "m") => Some("million"),
        Some("thousand" | "k") => Some("thousand"),
        Some("trillion" | "tn") => Some("trillion"),
        _ => None,
    };
    if let Some(word) = scale_word {
        return format!("{} {word} {many}", number(int, decimals));
    }
    let whole: u64 = int.replace(',', "").parse().unwrap_or(0);
    let unit = if whole == 1 { one } else { many };
    match decimals {
        Some(d) if d.len() == 2 => {
            let c: u64 = d.parse().unwrap_or(0);
            match (whole, c) {
                (0, c) => format!("{} {cents}", cardinal(c, Lang::English)),
                (w, 0) => format!("{} {unit}", cardinal(w, Lang::English)),
                (w, c) => format!(
                    "{} {unit} and {} {cents}",
                    cardinal(w, Lang::English),
                    cardinal(c, Lang::English)
                ),
            }
        }
        _ => format!("{} {unit}", number(int, decimals)),
    }
}

/// 6 → "six", 6:05 → "six oh five", 6:30 → "six thirty".
fn clock(hours: &str, minutes: Option<&str>) -> String {
    let h = cardinal(hours.parse().unwrap_or(0), Lang::English);
    match minutes.and_then(|m| m.parse::<u64>().ok()) {
        None | Some(0) => h,
        Some(m) if m < 10 => format!("{h} oh {}", cardinal(m, Lang::English)),
        Some(m) => format!("{h} {}", cardinal(m, Lang::English)),
    }
}

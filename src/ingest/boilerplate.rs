//! Boilerplate: what newsletters carry that is not news, recognised by structure first
//! (the class or id of an HTML region, a sponsor heading) and by phrase second. The
//! platforms' class names and phrases, French and English, live in one data table,
//! `boilerplate.toml` beside this file, compiled in and read once.

use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    regions: Vec<String>,
    region_classes: Vec<String>,
    sections: Vec<String>,
    lines: Vec<String>,
    fragments: Vec<String>,
}

/// The table, its patterns compiled.
struct Rules {
    regions: Vec<String>,
    region_classes: Vec<String>,
    sections: Regex,
    lines: Regex,
    fragments: Regex,
}

static RULES: LazyLock<Rules> = LazyLock::new(|| {
    let table: Table = toml::from_str(include_str!("boilerplate.toml"))
        .expect("src/ingest/boilerplate.toml is valid");
    let any = |patterns: &[String]| {
        RegexBuilder::new(&format!("(?:{})", patterns.join(")|(?:")))
            .case_insensitive(true)
            .build()
            .expect("the patterns of boilerplate.toml compile")
    };
    Rules {
        regions: table.regions,
        region_classes: table.region_classes,
        sections: any(&table.sections),
        lines: any(&table.lines),
        fragments: any(&table.fragments),
    }
});

/// Longest block judged as a whole: longer ones are writing, whatever words they hold.
const LONGEST_LINE: usize = 400;

/// Whether an element whose `class` and `id` attributes are these is a region never read
/// (a footer, a share widget, a sponsor block, a poll…).
pub fn is_region(class: &str, id: &str) -> bool {
    let rules = &*RULES;
    let names = format!("{class} {id}").to_lowercase();
    rules.regions.iter().any(|r| names.contains(r.as_str()))
        || class.split_ascii_whitespace().any(|token| {
            rules
                .region_classes
                .iter()
                .any(|c| c.eq_ignore_ascii_case(token))
        })
}

/// Whether a heading, or a short label standing alone, opens a part that is not a story
/// (« Together with … », « En partenariat avec … », « Publicité »).
pub fn opens_section(text: &str) -> bool {
    text.chars().count() <= 80 && RULES.sections.is_match(text.trim())
}

/// Whether a block is boilerplate as a whole.
pub fn is_line(text: &str) -> bool {
    text.chars().count() <= LONGEST_LINE && RULES.lines.is_match(text.trim())
}

/// `text` without reading times and unfilled template variables.
pub fn without_fragments(text: &str) -> std::borrow::Cow<'_, str> {
    RULES.fragments.replace_all(text, " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_compiles_and_recognises_both_languages() {
        for line in [
            "View this email in your browser",
            "Voir la version en ligne",
            "Unsubscribe | Manage preferences",
            "Se désinscrire",
            "Vous recevez cet e-mail car vous êtes abonné",
            "Twitter | LinkedIn | Instagram",
            "© 2026 Qant. Tous droits réservés.",
            "4 min read",
            "Read more →",
            "Read more: https://example.com/a",
            "Source : ministère",
            "Crédit photo : Mairie",
            "Photo by Ana on Unsplash",
            "12 rue de la Paix, 75002 Paris, France",
            "Sponsored by Acme",
            "Thanks for reading The Letter! Subscribe for free to receive new posts.",
            "Cette newsletter vous a été transférée ? Inscrivez-vous pour la recevoir.",
            "Powered by beehiiv",
        ] {
            assert!(is_line(line), "{line}");
        }
        for line in [
            "La BCE avance vers l'euro numérique.",
            "Twitter's new CEO spoke on Monday.",
            "The photo lab reopened after the flood.",
        ] {
            assert!(!is_line(line), "{line}");
        }
        assert!(opens_section("TOGETHER WITH ACME"));
        assert!(opens_section("En partenariat avec la cave"));
        assert!(!opens_section("Partners in the valley agree on water"));
        assert!(is_region("subscription-widget show-subscribe", ""));
        assert!(is_region("pub", ""));
        assert!(!is_region("publication-body", ""));
        assert_eq!(
            without_fragments("Hi {{ subscriber.name }}, Nov 2 · 4 min read").trim(),
            "Hi  , Nov 2"
        );
    }
}

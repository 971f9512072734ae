//! The script stage on the real seed issue and on our sample issues: which stories, in which
//! order, with which titles, and what is never spoken.

mod common;

use audition::ingest::{self, StoryKind};
use audition::script::Script;
use audition::show::Show;

fn script_of(path: &std::path::Path) -> Script {
    let show = Show::load(&common::qant_show()).expect("the Qant show loads");
    let issue = ingest::read_issue(path, &Default::default()).expect("the issue reads");
    audition::script::build(&issue, &show.script_settings())
}

fn titles(script: &Script) -> Vec<(StoryKind, String)> {
    script
        .segments
        .iter()
        .map(|s| (s.kind, s.title.clone()))
        .collect()
}

#[test]
fn seed_reads_as_opening_quote_four_stories_briefs_and_closing() {
    let script = script_of(&common::seed());
    let expected = [
        (StoryKind::Opening, "Sommaire"),
        (StoryKind::Quote, "La citation du jour"),
        (StoryKind::Story, "La tech offre de nouvelles options pour une souveraineté européenne après les élections allemandes"),
        (StoryKind::Story, "Microsoft et Figure AI lancent toutes deux des modèles d’IA pour diriger des robots"),
        (StoryKind::Story, "Together AI bat les hyperscalers sur l’inférence"),
        (StoryKind::Story, "La BCE avance lentement vers une monnaie numérique interbancaire"),
        (StoryKind::Briefs, "En bref"),
        (StoryKind::Closing, "Au revoir"),
    ];
    let expected: Vec<(StoryKind, String)> =
        expected.iter().map(|(k, t)| (*k, t.to_string())).collect();
    assert_eq!(titles(&script), expected);
}

#[test]
fn seed_stories_hold_their_own_paragraphs() {
    let issue = ingest::read_issue(&common::seed(), &Default::default()).unwrap();
    assert_eq!(issue.date.iso(), "2025-02-24");
    let text_of = |i: usize| format!("{:?}", issue.stories[i].blocks);
    // Story 1 runs from « RAPPEL » to « …ET DEEPSEEK ».
    assert!(text_of(1).contains("RAPPEL") && text_of(1).contains("Perplexity AI"));
    // Story 2 holds Helix and Magma together.
    assert!(text_of(2).contains("Helix") && text_of(2).contains("Magma"));
    assert!(!text_of(2).contains("Together AI vient de lever"));
    // Story 3 is Together AI, story 4 the ECB, ending with the Eurosystem's rivalries.
    assert!(text_of(3).contains("Together AI vient de lever") && text_of(3).contains("oligopole"));
    assert!(text_of(4).contains("BCE") && text_of(4).contains("rivalités"));
    // Briefs are read last but keep their place in the issue: the first one stands
    // between the Together AI story and the ECB story.
    let order: Vec<usize> = issue.stories.iter().map(|s| s.order).collect();
    assert!(order[..5].windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(order[5] > order[3] && order[5] < order[4], "{order:?}");
    let briefs: Vec<String> = issue.stories[5]
        .blocks
        .iter()
        .map(|b| match b {
            ingest::Block::Brief { title, .. } => title.clone(),
            other => panic!("not a brief: {other:?}"),
        })
        .collect();
    assert_eq!(
        briefs,
        [
            "Nvidia apprend à reconnaître les signes",
            "L’agent Operator se déploie progressivement dans le monde",
            "L’IA pour soutenir les chercheurs",
            "La SEC dit oui aux stablecoins rémunérés",
        ]
    );
}

#[test]
fn credits_read_more_and_the_repeated_paragraph_are_never_spoken() {
    let script = script_of(&common::seed());
    let spoken: String = script.segments.iter().map(|s| s.ssml.clone()).collect();
    let shown: String = script
        .segments
        .iter()
        .flat_map(|s| s.cues.iter().map(|c| c.text.clone()))
        .collect();
    for text in [&spoken, &shown] {
        for banned in ["Source :", "Midjourney", "En savoir plus", "Jianwei Yang"] {
            assert!(!text.contains(banned), "« {banned} » must not be read");
        }
        assert_eq!(
            text.matches("leader des robots humanoïdes").count(),
            1,
            "the repeated paragraph is read once"
        );
    }
}

#[test]
fn opening_names_show_date_and_all_headlines() {
    let script = script_of(&common::seed());
    let opening = &script.segments[0].ssml;
    assert!(
        opening.contains(r#"Bienvenue dans <sub alias="Kante">Qant</sub>"#),
        "{opening}"
    );
    assert!(
        opening.contains("lundi vingt-quatre février deux mille vingt-cinq"),
        "{opening}"
    );
    assert!(opening.contains("Au sommaire"));
    for headline in [
        "Together AI</sub> bat les",
        "monnaie numérique interbancaire",
        "Figure AI</sub> lancent",
    ] {
        assert!(
            opening.contains(headline),
            "{headline} missing from {opening}"
        );
    }
}

#[test]
fn numbers_and_amounts_are_spoken_in_words() {
    let script = script_of(&common::seed());
    let spoken: String = script.segments.iter().map(|s| s.ssml.clone()).collect();
    assert!(spoken.contains("seize milliards d&apos;euros"));
    assert!(spoken.contains("zéro virgule cinq pour cent"));
    assert!(spoken.contains("trois virgule trois milliards de dollars"));
    assert!(spoken.contains("trente-six mille G B deux cents"));
    assert!(spoken.contains("la B C E"));
    assert!(!spoken.contains("Md€") && !spoken.contains('%') && !spoken.contains('€'));
}

#[test]
fn every_ssml_document_is_well_formed_with_one_mark_per_cue() {
    for path in [
        common::seed(),
        common::root().join("feeds/qant/issues/2026-11-02.txt"),
        common::root().join("feeds/qant/issues/2026-11-09.txt"),
    ] {
        for segment in script_of(&path).segments {
            let mut reader = quick_xml::Reader::from_str(&segment.ssml);
            let mut marks = 0;
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(quick_xml::events::Event::Empty(e)) if e.name().as_ref() == b"mark" => {
                        marks += 1
                    }
                    Ok(_) => {}
                    Err(e) => panic!(
                        "{}: segment {} is not XML: {e}",
                        path.display(),
                        segment.index
                    ),
                }
            }
            assert_eq!(marks, segment.cues.len());
            assert!(
                segment.ssml.starts_with("<speak") && segment.ssml.contains(r#"xml:lang="fr-FR""#)
            );
        }
    }
}

#[test]
fn hostile_text_is_escaped_never_interpreted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.txt");
    std::fs::write(
        &path,
        "Un titre <speak> • Deux & trois ]]> • Bienvenue dans Qant, mardi 3 mars 2026.\n\
         « Citation <break time=\"9999s\"/> » Quelqu'un\n\
         Un paragraphe avec <audio src=\"http://evil.example/x.mp3\"/> et des <b>balises</b> & un ]]> ici.\n\
         Autre image • Source : quelqu'un\n\
         Deuxième histoire avec <prosody rate=\"x-slow\">du texte</prosody> et 3 < 4 > 2.\n",
    )
    .unwrap();
    let script = script_of(&path);
    for segment in &script.segments {
        for element in [
            "<audio",
            "<break time=\"9999s\"",
            "<prosody",
            "<b>",
            "<speak> ",
        ] {
            assert!(
                !segment.ssml.contains(element),
                "injected {element} in {}",
                segment.ssml
            );
        }
        assert_eq!(segment.ssml.matches("<speak").count(), 1);
    }
    let all: String = script.segments.iter().map(|s| s.ssml.clone()).collect();
    assert!(
        all.contains("balises") && all.contains("du texte"),
        "the words themselves are kept"
    );
}

#[test]
fn sample_issues_have_their_stories_in_order() {
    let script = script_of(&common::root().join("feeds/qant/issues/2026-11-02.txt"));
    let stories: Vec<String> = script
        .segments
        .iter()
        .filter(|s| s.kind == StoryKind::Story)
        .map(|s| s.title.clone())
        .collect();
    assert_eq!(
        stories,
        [
            "Les batteries sodium-ion sortent du laboratoire en Europe",
            "Véloce publie un modèle de traduction qui tient dans un téléphone",
            "La banque Lisière teste le paiement instantané entre voisins",
        ]
    );
    let veloce = &script.segments[3];
    assert!(veloce.ssml.contains("licence libre") && veloce.ssml.contains("confidentialité"));
    let repeated: usize = script
        .segments
        .iter()
        .map(|s| s.ssml.matches("quarante-deux langues").count())
        .sum();
    assert_eq!(
        repeated, 1,
        "the paragraph repeated at the end is read once"
    );
}

#[test]
fn a_two_megabyte_issue_is_scripted_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.txt");
    let mut text =
        String::from("Premier sujet • Second sujet • Bienvenue dans Qant, mardi 3 mars 2026.\n");
    let mut n = 0;
    while text.len() < 2_000_000 {
        n += 1;
        let kicker = if n % 7 == 0 { "À SURVEILLER : " } else { "" };
        text.push_str(&format!(
            "{kicker}Le paragraphe {n} parle du premier sujet avec {n} Md€ et {} % de hausse, le {n}e jour.\n",
            n % 100
        ));
        if n == 10_000 {
            text.push_str("Une image • Source : nous\nLe second sujet commence ici, enfin.\n");
        }
    }
    std::fs::write(&path, &text).unwrap();
    let script = script_of(&path);
    let stories: Vec<&str> = script
        .segments
        .iter()
        .filter(|s| s.kind == StoryKind::Story)
        .map(|s| s.title.as_str())
        .collect();
    assert_eq!(stories, ["Premier sujet", "Second sujet"]);
    let cues: usize = script.segments.iter().map(|s| s.cues.len()).sum();
    assert!(
        cues > n,
        "every paragraph is kept ({cues} cues for {n} paragraphs)"
    );
    assert!(!script.segments.iter().any(|s| s.ssml.contains("Md€")));
}

#[test]
fn an_issue_over_the_size_limit_is_refused_with_the_limit_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("too-big.txt");
    std::fs::write(&path, "a".repeat(ingest::MAX_ISSUE_BYTES + 1)).unwrap();
    let message = ingest::read_issue(&path, &Default::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("too-big.txt") && message.contains("limit is 5 MB"),
        "{message}"
    );
}

fn script_with(path: &std::path::Path, flavor: audition::script::Flavor) -> Script {
    let show = Show::load(&common::qant_show()).unwrap();
    let issue = ingest::read_issue(path, &Default::default()).unwrap();
    audition::script::build_with(&issue, &show.script_settings(), Some(flavor))
}

#[test]
fn lexicon_names_become_sub_for_espeak_and_phoneme_for_cloud_voices() {
    use audition::script::Flavor;
    let generic = script_with(&common::seed(), Flavor::Generic);
    assert!(
        generic.segments[0]
            .ssml
            .contains(r#"<sub alias="Kante">Qant</sub>"#),
        "{}",
        generic.segments[0].ssml
    );
    assert!(generic
        .segments
        .iter()
        .any(|s| s.ssml.contains(r#"<sub alias="Dipe Sik">DeepSeek</sub>"#)));
    let google = script_with(&common::seed(), Flavor::Google);
    assert!(google.segments[0]
        .ssml
        .contains(r#"<phoneme alphabet="ipa" ph="kɑ̃t">Qant</phoneme>"#));
    // « Qantique » is not « Qant »: whole words only.
    let all: String = generic.segments.iter().map(|s| s.ssml.clone()).collect();
    assert!(!all.contains("Kante</sub>ique"));
}

#[test]
fn stories_over_a_vendor_limit_are_split_between_sentences_into_one_story() {
    use audition::script::Flavor;
    let generic = script_with(&common::seed(), Flavor::Generic);
    for flavor in [
        Flavor::Google,
        Flavor::Polly,
        Flavor::Azure,
        Flavor::Elevenlabs,
        Flavor::Openai,
    ] {
        let script = script_with(&common::seed(), flavor);
        let limits = flavor.limits();
        for segment in &script.segments {
            assert!(
                limits.max_bytes.is_none_or(|m| segment.ssml.len() <= m),
                "{flavor:?}: {} bytes",
                segment.ssml.len()
            );
            assert!(limits
                .max_chars
                .is_none_or(|m| segment.ssml.chars().count() <= m));
            assert!(
                limits.max_billed_chars.is_none_or(|m| segment.chars <= m),
                "{flavor:?}: {} billed",
                segment.chars
            );
        }
        // Same stories, same order, nothing lost: the cues of each story are the generic ones.
        let stories: Vec<usize> = script.segments.iter().map(|s| s.story).collect();
        assert!(stories.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1));
        assert_eq!(*stories.last().unwrap() + 1, generic.segments.len());
        for story in &generic.segments {
            let shown: String = script
                .segments
                .iter()
                .filter(|s| s.story == story.story)
                .flat_map(|s| s.cues.iter().map(|c| c.text.clone()))
                .collect::<Vec<_>>()
                .join(" ");
            let expected: String = story
                .cues
                .iter()
                .map(|c| c.text.clone())
                .collect::<Vec<_>>()
                .join(" ");
            assert_eq!(shown, expected, "{flavor:?}: story {}", story.story);
        }
    }
    assert!(
        script_with(&common::seed(), Flavor::Google).segments.len() > generic.segments.len(),
        "the longest story needs two Google requests"
    );
}

#[test]
fn one_huge_paragraph_is_cut_between_sentences() {
    use audition::script::Flavor;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.md");
    let sentence = "La phrase numéro un parle longuement du sujet du jour et de ses conséquences. ";
    std::fs::write(&path, format!("# Un sujet\n\n{}\n", sentence.repeat(200))).unwrap();
    let script = script_with(&path, Flavor::Polly);
    let story: Vec<_> = script
        .segments
        .iter()
        .filter(|s| s.kind == StoryKind::Story)
        .collect();
    assert!(story.len() >= 5, "{} segments", story.len());
    for segment in story {
        assert!(
            segment.chars <= 3_000,
            "{} billed characters",
            segment.chars
        );
        assert!(
            segment.ssml.contains("</s>")
                && !segment
                    .ssml
                    .contains("numéro un parle longuement du sujet du jour et de ses</s>")
        );
    }
}

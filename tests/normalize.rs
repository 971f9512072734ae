//! The speech normalisation corpus: written text in, what the newsreader says out, in French
//! and in English, plus properties that hold for any input.

use audition::script::normalize::normalize;

/// (input, expected speech) in French.
const FRENCH: &[(&str, &str)] = &[
    // Cardinals and decimals.
    ("0", "zéro"),
    ("1", "un"),
    ("16", "seize"),
    ("21", "vingt et un"),
    ("71", "soixante et onze"),
    ("80", "quatre-vingts"),
    ("99", "quatre-vingt-dix-neuf"),
    ("100", "cent"),
    ("200", "deux cents"),
    ("1 200", "mille deux cents"),
    ("1 234,5", "mille deux cent trente-quatre virgule cinq"),
    ("36 000", "trente-six mille"),
    ("1 000 000", "un million"),
    ("3,14", "trois virgule quatorze"),
    ("0,05", "zéro virgule zéro cinq"),
    ("2,50", "deux virgule cinquante"),
    ("-5 degrés", "moins cinq degrés"),
    ("en 2025", "en deux mille vingt-cinq"),
    ("en 1998", "en mille neuf cent quatre-vingt-dix-huit"),
    ("les 12 travaux", "les douze travaux"),
    // Ranges.
    (
        "2024-2025",
        "deux mille vingt-quatre à deux mille vingt-cinq",
    ),
    ("de 10 à 12", "de dix à douze"),
    ("10–12 ans", "dix à douze ans"),
    (
        "entre 2,0–2,4",
        "entre deux virgule zéro à deux virgule quatre",
    ),
    // Money.
    ("16 Md€", "seize milliards d'euros"),
    ("1 Md€", "un milliard d'euros"),
    ("4,5 Md€", "quatre virgule cinq milliards d'euros"),
    ("1,25 Md$", "un virgule vingt-cinq milliard de dollars"),
    ("450 M€", "quatre cent cinquante millions d'euros"),
    ("21,3 Md$", "vingt et un virgule trois milliards de dollars"),
    ("2,1 M€", "deux virgule un millions d'euros"),
    ("90 000 $", "quatre-vingt-dix mille dollars"),
    ("500 €", "cinq cents euros"),
    ("2,50 €", "deux euros cinquante"),
    ("1,05 €", "un euro cinq"),
    ("1 €", "un euro"),
    ("9 k€", "neuf mille euros"),
    ("200 $/mois", "deux cents dollars par mois"),
    ("3 £", "trois livres"),
    ("16 milliards €", "seize milliards d'euros"),
    (
        "750 milliards d'euros",
        "sept cent cinquante milliards d'euros",
    ),
    ("€ 5", "cinq euros"),
    ("$3 milliards", "trois milliards de dollars"),
    // Percentages.
    ("3,2 %", "trois virgule deux pour cent"),
    ("0,5 %", "zéro virgule cinq pour cent"),
    ("15 %", "quinze pour cent"),
    ("100%", "cent pour cent"),
    ("+8 %", "plus huit pour cent"),
    // Ordinals.
    ("le 1er mars", "le premier mars"),
    ("la 1re fois", "la première fois"),
    ("la 1ère fois", "la première fois"),
    ("le 2e trimestre", "le deuxième trimestre"),
    ("le 21e siècle", "le vingt et unième siècle"),
    ("le 3ème jour", "le troisième jour"),
    ("le 2nd tour", "le second tour"),
    ("la 2nde guerre", "la seconde guerre"),
    ("le 100e", "le centième"),
    // Dates.
    (
        "24 février 2025",
        "vingt-quatre février deux mille vingt-cinq",
    ),
    ("1er août 2024", "premier août deux mille vingt-quatre"),
    (
        "le 2025-02-24",
        "le vingt-quatre février deux mille vingt-cinq",
    ),
    ("le 2024-08-01", "le premier août deux mille vingt-quatre"),
    (
        "lundi 2 novembre 2026",
        "lundi deux novembre deux mille vingt-six",
    ),
    // Times.
    ("à 18h00", "à dix-huit heures"),
    ("à 14h30", "à quatorze heures trente"),
    ("à 9h05", "à neuf heures cinq"),
    ("à 1h", "à une heure"),
    ("à 12h", "à midi"),
    ("à 0h15", "à minuit quinze"),
    ("à 18:00", "à dix-huit heures"),
    ("8 h 30", "huit heures trente"),
    // Units.
    ("200 MW", "deux cents mégawatts"),
    ("1 GW", "un gigawatt"),
    ("2 GWh", "deux gigawattheures"),
    ("12 TWh", "douze térawattheures"),
    ("3 nm", "trois nanomètres"),
    ("5 km", "cinq kilomètres"),
    ("130 km/h", "cent trente kilomètres-heure"),
    ("70 kg", "soixante-dix kilogrammes"),
    ("64 Go", "soixante-quatre gigaoctets"),
    ("2 To", "deux téraoctets"),
    ("16 GB", "seize gigaoctets"),
    ("500 Mo", "cinq cents mégaoctets"),
    ("60 W", "soixante watts"),
    ("3 kW", "trois kilowatts"),
    ("800 Wh", "huit cents wattheures"),
    ("200 MWh", "deux cents mégawattheures"),
    ("10 000 m²", "dix mille mètres carrés"),
    ("1 m²", "un mètre carré"),
    ("45 km²", "quarante-cinq kilomètres carrés"),
    ("3 m³", "trois mètres cubes"),
    ("-4 °C", "moins quatre degrés Celsius"),
    ("70 °F", "soixante-dix degrés Fahrenheit"),
    ("120 g/km", "cent vingt grammes par kilomètre"),
    ("60 mph", "soixante miles par heure"),
    ("5 ms", "cinq millisecondes"),
    ("20 µs", "vingt microsecondes"),
    ("45 $ par kWh", "quarante-cinq dollars par kilowattheure"),
    ("60 €/MWh", "soixante euros par mégawattheure"),
    ("1,5 kW", "un virgule cinq kilowatts"),
    ("25 °C", "vingt-cinq degrés Celsius"),
    ("100 Mb/s", "cent mégabits par seconde"),
    // Abbreviations.
    ("le n° 5", "le numéro cinq"),
    ("N° 12", "numéro douze"),
    ("M. Dupont", "Monsieur Dupont"),
    ("Mme Curie", "Madame Curie"),
    ("MM. Martin et Durand", "Messieurs Martin et Durand"),
    ("pommes, poires, etc.", "pommes, poires, et cetera."),
    ("Paris vs Lyon", "Paris contre Lyon"),
    ("env. 30 personnes", "environ trente personnes"),
    ("le Dr Martin", "le Docteur Martin"),
    // Acronyms.
    ("la BCE", "la B C E"),
    ("la SEC", "la S E C"),
    ("les GPU", "les G P U"),
    ("le CEO", "le C E O"),
    ("l'IA", "l'I A"),
    ("l'UE", "l'U E"),
    ("l'OTAN", "l'Otan"),
    ("la NASA", "la Nasa"),
    ("l'ONU", "l'Onu"),
    ("le PIB", "le Pib"),
    ("la SNCF", "la S N C F"),
    ("ARTICLE 5", "article cinq"),
    ("la DSA", "la D S A"),
    // Symbols.
    ("Pierre & Marie", "Pierre et Marie"),
    ("A + B", "A plus B"),
    ("x = 3", "x égale trois"),
    ("avant → après", "avant, après"),
    ("3 × 4", "trois fois quatre"),
    // URLs and e-mails.
    (
        "voir https://www.qant.fr/articles/123?x=1",
        "voir qant point fr",
    ),
    ("sur www.example.com", "sur example point com"),
    (
        "écrire à redaction@qant.fr",
        "écrire à redaction arobase qant point fr",
    ),
    ("sur qant.fr", "sur qant point fr"),
    // Emoji.
    ("Bravo 🎉", "Bravo"),
    ("🚀 Lancement", "Lancement"),
    // Identifiers, versions and models.
    ("GB200", "G B deux cents"),
    ("H100", "H cent"),
    ("GPT-4o", "G P T quatre o"),
    ("Gemini 2.0", "Gemini deux point zéro"),
    ("la version 1.2.3", "la version un point deux point trois"),
    (
        "CVE-2024-3094",
        "C V E deux mille vingt-quatre trois mille quatre-vingt-quatorze",
    ),
    ("FlashAttention-3", "FlashAttention trois"),
    ("Prosperity7", "Prosperity sept"),
    ("la A380", "la A trois cent quatre-vingts"),
    // Sentences from newsletters.
    (
        "120 milliards de couronnes (16 Md€)",
        "cent vingt milliards de couronnes (seize milliards d'euros)",
    ),
    (
        "ChatGPT Pro (200 $/mois)",
        "ChatGPT Pro (deux cents dollars par mois)",
    ),
    (
        "un cluster de 36 000 GB200",
        "un cluster de trente-six mille G B deux cents",
    ),
    (
        "305 millions de dollars",
        "trois cent cinq millions de dollars",
    ),
    (
        "3,3 milliards de dollars",
        "trois virgule trois milliards de dollars",
    ),
    (
        "les 1,25 milliard de mars 2024",
        "les un virgule vingt-cinq milliard de mars deux mille vingt-quatre",
    ),
];

/// (input, expected speech) in English.
const ENGLISH: &[(&str, &str)] = &[
    // Cardinals and decimals.
    ("0", "zero"),
    ("7", "seven"),
    ("21", "twenty-one"),
    ("100", "one hundred"),
    ("1,234", "one thousand two hundred and thirty-four"),
    ("1,234.5", "one thousand two hundred and thirty-four point five"),
    ("3.14", "three point one four"),
    ("0.05", "zero point zero five"),
    ("1,000,000", "one million"),
    ("-5 degrees", "minus five degrees"),
    ("12 apostles", "twelve apostles"),
    ("2000 people", "two thousand people"),
    // Years.
    ("in 2025", "in twenty twenty-five"),
    ("since 1998", "since nineteen ninety-eight"),
    ("by 2030", "by twenty thirty"),
    // Ranges.
    ("2024-2025", "twenty twenty-four to twenty twenty-five"),
    ("10–12 years", "ten to twelve years"),
    ("2.0–2.4", "two point zero to two point four"),
    // Money.
    ("$38.2 billion", "thirty-eight point two billion dollars"),
    ("$0.60", "sixty cents"),
    ("$3.50", "three dollars and fifty cents"),
    ("$1", "one dollar"),
    ("$5", "five dollars"),
    ("£3m", "three million pounds"),
    ("€4.5bn", "four point five billion euros"),
    ("$90,000", "ninety thousand dollars"),
    ("$2 trillion", "two trillion dollars"),
    ("$10k", "ten thousand dollars"),
    ("£1.20", "one pound and twenty pence"),
    ("90,000 $", "ninety thousand dollars"),
    ("$20/month", "twenty dollars per month"),
    ("$305 million", "three hundred five million dollars"),
    // Percentages.
    ("12%", "twelve percent"),
    ("3.2%", "three point two percent"),
    ("100 percent", "one hundred percent"),
    ("0.5 %", "zero point five percent"),
    // Ordinals.
    ("1st", "first"),
    ("2nd", "second"),
    ("3rd", "third"),
    ("10th", "tenth"),
    ("21st", "twenty-first"),
    ("the 100th day", "the one hundredth day"),
    // Dates.
    ("March 3, 2025", "March third, twenty twenty-five"),
    ("on February 24", "on February twenty-fourth"),
    ("on 2025-02-24", "on February twenty-fourth, twenty twenty-five"),
    ("July 4th", "July fourth"),
    ("December 31, 1999", "December thirty-first, nineteen ninety-nine"),
    // Times.
    ("at 6 pm", "at six p m"),
    ("at 6:30 pm", "at six thirty p m"),
    ("at 9:05 am", "at nine oh five a m"),
    ("at 7 a.m.", "at seven a m."),
    ("at 18:00", "at eighteen hundred"),
    ("at 14:30", "at fourteen thirty"),
    // Units.
    ("200 MW", "two hundred megawatts"),
    ("1 GW", "one gigawatt"),
    ("5 TWh", "five terawatt-hours"),
    ("3 nm", "three nanometers"),
    ("10 km", "ten kilometers"),
    ("70 kg", "seventy kilograms"),
    ("64 GB", "sixty-four gigabytes"),
    ("2 TB", "two terabytes"),
    ("60 mph", "sixty miles per hour"),
    ("1.5 kWh", "one point five kilowatt-hours"),
    ("30 °C", "thirty degrees Celsius"),
    ("100 Mb/s", "one hundred megabits per second"),
    ("$45 per kWh", "forty-five dollars per kilowatt-hour"),
    ("$45/kWh", "forty-five dollars per kilowatt-hour"),
    ("200 MWh", "two hundred megawatt-hours"),
    ("40 GWh", "forty gigawatt-hours"),
    ("900 Wh", "nine hundred watt-hours"),
    ("60 W", "sixty watts"),
    ("5 kW", "five kilowatts"),
    ("130 km/h", "one hundred thirty kilometers per hour"),
    ("10,000 m²", "ten thousand square meters"),
    ("12 km²", "twelve square kilometers"),
    ("4 m³", "four cubic meters"),
    ("98 °F", "ninety-eight degrees Fahrenheit"),
    ("-10 °C", "minus ten degrees Celsius"),
    ("95 g/km", "ninety-five grams per kilometer"),
    ("512 MB", "five hundred twelve megabytes"),
    ("30 ms", "thirty milliseconds"),
    ("1 µs", "one microsecond"),
    ("€80/MWh", "eighty euros per megawatt-hour"),
    ("50 Watts", "fifty Watts"),
    // Abbreviations.
    ("Mr. Smith", "Mister Smith"),
    ("Mrs. Jones", "Missus Jones"),
    ("Dr. Who", "Doctor Who"),
    ("Apple vs. Google", "Apple versus Google"),
    ("fruit, e.g. apples", "fruit, for example apples"),
    ("that, i.e. this", "that, that is this"),
    ("apples, pears, etc.", "apples, pears, et cetera."),
    ("approx. 30", "approximately thirty"),
    ("Acme Inc.", "Acme Incorporated."),
    ("No. 5", "number five"),
    // Acronyms.
    ("the SEC", "the S E C"),
    ("the CEO", "the C E O"),
    ("GPUs", "G P Us"),
    ("AI models", "A I models"),
    ("NATO allies", "Nato allies"),
    ("NASA", "Nasa"),
    ("the EU", "the E U"),
    ("the FBI", "the F B I"),
    ("BREAKING news", "breaking news"),
    ("RAM prices", "Ram prices"),
    ("the UN", "the U N"),
    ("USA", "U S A"),
    // Symbols.
    ("R&D", "R and D"),
    ("Tom & Jerry", "Tom and Jerry"),
    ("C + D", "C plus D"),
    ("x = 2", "x equals two"),
    ("before → after", "before, after"),
    // URLs and e-mails.
    ("see https://example.com/a/b?c=d", "see example dot com"),
    ("visit www.example.org", "visit example dot org"),
    ("mail jane.doe@example.com", "mail jane doe at example dot com"),
    ("on openai.com", "on openai dot com"),
    // Emoji.
    ("Launch day 🚀", "Launch day"),
    ("👋 Hello", "Hello"),
    // Identifiers, versions and models.
    ("GB200", "G B two hundred"),
    ("H100 chips", "H one hundred chips"),
    ("GPT-4o", "G P T four o"),
    ("Llama 3.1", "Llama three point one"),
    ("version 1.2.3", "version one point two point three"),
    ("CVE-2024-3094", "C V E two thousand and twenty-four three thousand and ninety-four"),
    ("M4 Max", "M four Max"),
    ("Windows 11", "Windows eleven"),
    // Sentences from newsletters.
    ("Revenue rose 12% to $38.2 billion in 2025.", "Revenue rose twelve percent to thirty-eight point two billion dollars in twenty twenty-five."),
    ("Nvidia shipped 3.5m H100s.", "Nvidia shipped three point five m H one hundred s."),
    ("The deal closes on March 3, 2025 at 6 pm.", "The deal closes on March third, twenty twenty-five at six p m."),
];

#[test]
fn french_corpus() {
    check(FRENCH, "fr");
}

#[test]
fn english_corpus() {
    check(ENGLISH, "en");
}

fn check(cases: &[(&str, &str)], language: &str) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|(input, expected)| {
            let said = normalize(input, language);
            (said != *expected)
                .then(|| format!("{input:?}\n   expected {expected:?}\n   got      {said:?}"))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_corpus_has_two_hundred_cases() {
    assert!(
        FRENCH.len() + ENGLISH.len() >= 200,
        "{}",
        FRENCH.len() + ENGLISH.len()
    );
}

/// Deterministic pseudo-random text made of the pieces that trip normalisers.
fn generated_texts() -> Vec<String> {
    const PIECES: &[&str] = &[
        "€",
        "$",
        "£",
        "%",
        "&",
        "<",
        ">",
        "<speak>",
        "]]>",
        "&amp;",
        "16",
        "Md€",
        "3,2",
        "1.5",
        "1 200",
        "2024-2025",
        "18h00",
        "6 pm",
        "1er",
        "3rd",
        "GB200",
        "H100",
        "GPT-4o",
        "BCE",
        "NASA",
        "https://x.io/a",
        "a@b.co",
        "🎉",
        "n°",
        "M.",
        "etc.",
        "km",
        "MW",
        "TWh",
        "Go",
        "—",
        "→",
        "+",
        "=",
        "-",
        "(",
        ")",
        "«",
        "»",
        "’",
        "word",
        "Mot",
        "0,5",
        "$0.60",
        "£3m",
        "€4.5bn",
        "12%",
        "%%",
        "$$",
        "€€",
        "<<",
        ">>",
        "&&",
        "42",
        "x",
        "\u{a0}",
        "\u{202f}",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    (0..2_000)
        .map(|_| {
            let n = 1 + next() % 12;
            (0..n)
                .map(|_| {
                    let piece = PIECES[(next() % PIECES.len() as u64) as usize];
                    let glue = ["", " ", " ", "  "][(next() % 4) as usize];
                    format!("{piece}{glue}")
                })
                .collect()
        })
        .collect()
}

#[test]
fn spoken_text_never_contains_raw_symbols_or_number_unit_tokens() {
    let unit_token = regex::Regex::new(r"[0-9]").unwrap();
    for language in ["fr", "en"] {
        for text in generated_texts() {
            let said = normalize(&text, language);
            for symbol in ['€', '$', '£', '%', '&', '<', '>'] {
                assert!(
                    !said.contains(symbol),
                    "{language}: {text:?} → {said:?} still has {symbol}"
                );
            }
            assert!(
                !unit_token.is_match(&said),
                "{language}: {text:?} → {said:?} still has digits"
            );
        }
    }
}

#[test]
fn every_generated_text_makes_well_formed_ssml() {
    use audition::ingest::{Block, Issue, IssueDate, Story, StoryKind};
    let texts = generated_texts();
    for language in ["fr", "en"] {
        let issue = Issue {
            newsletter: "N".into(),
            date: IssueDate {
                year: 2026,
                month: 3,
                day: 2,
            },
            language: language.into(),
            headlines: vec![texts[0].clone()],
            intro: Vec::new(),
            stories: vec![Story {
                title: texts[0].clone(),
                kind: StoryKind::Story,
                order: 0,
                link: None,
                blocks: texts
                    .iter()
                    .take(500)
                    .map(|t| Block::Paragraph {
                        kicker: Some(t.clone()),
                        text: t.clone(),
                    })
                    .collect(),
            }],
        };
        let show = audition::show::Show::default_for(language).unwrap();
        for segment in audition::script::build(&issue, &show.script_settings()).segments {
            let mut reader = quick_xml::Reader::from_str(&segment.ssml);
            let mut depth = 0i32;
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(quick_xml::events::Event::Start(e)) => {
                        depth += 1;
                        let name = e.name();
                        assert!(
                            matches!(name.as_ref(), b"speak" | b"p" | b"s"),
                            "unexpected element"
                        );
                    }
                    Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                    Ok(quick_xml::events::Event::Empty(e)) => {
                        assert!(
                            matches!(e.name().as_ref(), b"break" | b"mark"),
                            "unexpected empty element"
                        );
                    }
                    Ok(_) => {}
                    Err(e) => panic!("{language}: not XML: {e}\n{}", segment.ssml),
                }
            }
            assert_eq!(depth, 0);
        }
    }
}

//! Every input format, from fixtures we wrote: the right stories with the right titles, in
//! order, and none of the boilerplate newsletters carry.

mod common;

use std::path::PathBuf;

use audition::ingest::{self, Block, IngestOptions, Issue, StoryKind};

fn fixture(name: &str) -> PathBuf {
    common::root().join("tests/fixtures").join(name)
}

fn read(name: &str) -> Issue {
    ingest::read_issue(&fixture(name), &IngestOptions::default()).expect("the fixture reads")
}

fn stories(issue: &Issue) -> Vec<(StoryKind, String)> {
    issue
        .stories
        .iter()
        .map(|s| (s.kind, s.title.clone()))
        .collect()
}

/// Everything that would be read aloud or shown in the transcript.
fn all_text(issue: &Issue) -> String {
    let mut text = String::new();
    let blocks = issue
        .intro
        .iter()
        .chain(issue.stories.iter().flat_map(|s| s.blocks.iter()));
    for story in &issue.stories {
        text.push_str(&story.title);
        text.push('\n');
    }
    for block in blocks {
        match block {
            Block::Paragraph { kicker, text: t } => {
                text.push_str(kicker.as_deref().unwrap_or_default());
                text.push_str(t);
            }
            Block::Quote { text: t, author } => {
                text.push_str(t);
                text.push_str(author);
            }
            Block::Brief { title, text: t } => {
                text.push_str(title);
                text.push_str(t);
            }
        }
        text.push('\n');
    }
    text
}

fn assert_no_boilerplate(text: &str) {
    for banned in [
        "View this email",
        "browser",
        "Voir la version",
        "nsubscribe",
        "désinscrire",
        "Manage preferences",
        "Follow us",
        "LinkedIn",
        "receiving this",
        "Vous recevez",
        "rue de la Paix",
        "Main Street",
        "©",
        "Photo:",
        "Crédit",
        "Read more",
        "Lire la suite",
        "min read",
        "Aperçu",
        "Subscribe now",
        "Share this",
        "wafer under inspection",
        "Short summary",
    ] {
        assert!(
            !text.contains(banned),
            "« {banned} » should not be read in:\n{text}"
        );
    }
}

#[test]
fn markdown_with_front_matter() {
    let issue = read("newsletter.md");
    assert_eq!(issue.date.iso(), "2026-03-09");
    assert_eq!(issue.language, "en");
    assert_eq!(issue.newsletter, "The Circuit — Weekly Notes");
    assert_eq!(
        stories(&issue),
        [
            (
                StoryKind::Story,
                "Chipmakers slow their spending".to_string()
            ),
            (StoryKind::Story, "Data centers as boilers".to_string()),
            (StoryKind::Briefs, "Quick hits".to_string()),
        ]
    );
    assert_eq!(
        issue.headlines,
        ["Chipmakers slow their spending", "Data centers as boilers"]
    );
    assert!(
        matches!(&issue.intro[..], [Block::Paragraph { text, .. }] if text.starts_with("Good morning!"))
    );
    let quote = issue.stories[0].blocks.iter().find_map(|b| match b {
        Block::Quote { text, author } => Some((text.clone(), author.clone())),
        _ => None,
    });
    assert_eq!(
        quote,
        Some((
            "We are building for the next cycle, not this one.".to_string(),
            "A chief financial officer".to_string()
        ))
    );
    let briefs: Vec<String> = issue.stories[2]
        .blocks
        .iter()
        .map(|b| match b {
            Block::Brief { title, .. } => title.clone(),
            other => panic!("not a brief: {other:?}"),
        })
        .collect();
    assert_eq!(briefs, ["Batteries", "Satellites", "Policy"]);
    assert_no_boilerplate(&all_text(&issue));
}

#[test]
fn html_email_with_table_layout_preheader_and_footer() {
    let issue = read("email.html");
    assert_eq!(issue.language, "fr");
    assert_eq!(
        stories(&issue),
        [
            (
                StoryKind::Story,
                "Le vélo électrique gagne les campagnes".to_string()
            ),
            (
                StoryKind::Story,
                "Les toits solaires des écoles".to_string()
            ),
            (StoryKind::Briefs, "En bref".to_string()),
        ]
    );
    let text = all_text(&issue);
    assert!(text.contains("2 300 €") && text.contains("45 M€"));
    assert!(text.contains("Chaque toit compte.") && text.contains("Une élue régionale"));
    assert!(text.contains("Trains") && text.contains("téléconsultation"));
    assert_no_boilerplate(&text);
}

#[test]
fn eml_prefers_the_html_part_and_takes_subject_and_date() {
    let issue = read("issue.eml");
    assert_eq!(
        issue.newsletter,
        "La Lettre du lundi : vélos, toits solaires et brèves"
    );
    assert_eq!(issue.date.iso(), "2026-03-16");
    assert_eq!(
        issue.stories.len(),
        3,
        "the HTML part (three sections), not the short text part"
    );
    assert_eq!(issue.stories[1].title, "Les toits solaires des écoles");
    assert_no_boilerplate(&all_text(&issue));
}

#[test]
fn latin1_text_is_decoded() {
    let issue = read("latin1.txt");
    assert_eq!(issue.language, "fr");
    assert_eq!(
        stories(&issue),
        [
            (
                StoryKind::Story,
                "Le marché des vélos d'occasion".to_string()
            ),
            (
                StoryKind::Story,
                "La pénurie de pièces détachées".to_string()
            ),
        ]
    );
    assert!(all_text(&issue).contains("réparateurs indépendants se réjouissent"));
}

#[test]
fn a_feed_file_reads_its_latest_item_or_the_one_asked_for() {
    let issue = read("feed.xml");
    assert_eq!(issue.newsletter, "Rivers are running higher this spring");
    assert_eq!(issue.date.iso(), "2026-03-16");
    assert_eq!(
        stories(&issue),
        [
            (StoryKind::Story, "Snowmelt arrives early".to_string()),
            (StoryKind::Story, "Trail repairs".to_string()),
        ]
    );
    assert_no_boilerplate(&all_text(&issue));

    let options = IngestOptions {
        item: Some("post-2001".to_string()),
        ..Default::default()
    };
    let older = ingest::read_issue(&fixture("feed.xml"), &options).unwrap();
    assert_eq!(older.stories[0].title, "Counting finches");
    let missing = IngestOptions {
        item: Some("post-9".to_string()),
        ..Default::default()
    };
    let error = ingest::read_issue(&fixture("feed.xml"), &missing)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("no item with guid or link \"post-9\""),
        "{error}"
    );
}

/// Serves the fixtures folder on 127.0.0.1 with Audition's own server.
async fn serve_fixtures() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let dir = common::root().join("tests/fixtures");
    tokio::spawn(async move { audition::publish::serve::serve_on(listener, &dir).await });
    addr
}

#[tokio::test(flavor = "multi_thread")]
async fn urls_are_fetched_with_their_content_type() {
    let addr = serve_fixtures().await;
    let feed = ingest::load(
        &format!("http://{addr}/feed.xml"),
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(feed.stories[0].title, "Snowmelt arrives early");
    let page = ingest::load(
        &format!("http://{addr}/email.html"),
        &IngestOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        page.stories[0].title,
        "Le vélo électrique gagne les campagnes"
    );
    let missing = ingest::load(
        &format!("http://{addr}/nope.html"),
        &IngestOptions::default(),
    )
    .await
    .unwrap_err();
    assert!(missing.to_string().contains("404"), "{missing}");
    let refused = ingest::load("http://127.0.0.1:9/issue.html", &IngestOptions::default())
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("cannot connect"), "{refused}");
}

#[test]
fn script_works_without_a_show_and_detects_the_language() {
    let output = common::audition(&[
        "script",
        fixture("newsletter.md").to_str().unwrap(),
        "--json",
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    let first = rows[0]["ssml"].as_str().unwrap();
    assert!(
        first.contains(r#"xml:lang="en-US""#) && first.contains("Welcome to Audition"),
        "{first}"
    );
    let titles: Vec<&str> = rows.iter().map(|r| r["title"].as_str().unwrap()).collect();
    assert_eq!(
        titles,
        [
            "Headlines",
            "Chipmakers slow their spending",
            "Data centers as boilers",
            "Quick hits",
            "Goodbye"
        ]
    );

    let forced = common::audition(&[
        "script",
        fixture("newsletter.md").to_str().unwrap(),
        "--json",
        "--lang",
        "fr",
    ]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&forced.stdout).unwrap();
    assert!(rows[0]["ssml"]
        .as_str()
        .unwrap()
        .contains(r#"xml:lang="fr-FR""#));
}

/// A server that redirects, lies about extensions and sends too much, as the web does.
async fn tricky_server() -> std::net::SocketAddr {
    use axum::http::header;
    use axum::response::{IntoResponse, Redirect};
    use axum::routing::get;
    let html = std::fs::read_to_string(fixture("email.html")).unwrap();
    let app = axum::Router::new()
        .route(
            "/latest",
            get(|| async { Redirect::temporary("/moved/issue.txt") }),
        )
        .route(
            "/moved/issue.txt",
            get(move || {
                let html = html.clone();
                async move {
                    ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
                }
            }),
        )
        .route("/loop", get(|| async { Redirect::temporary("/loop") }))
        .route("/huge.txt", get(|| async { "Un mot. ".repeat(1_000_000) }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

#[tokio::test(flavor = "multi_thread")]
async fn fetching_follows_redirects_trusts_the_content_type_and_caps_the_size() {
    let addr = tricky_server().await;
    let options = IngestOptions::default();
    let issue = ingest::load(&format!("http://{addr}/latest"), &options)
        .await
        .unwrap();
    assert_eq!(
        issue.stories[0].title, "Le vélo électrique gagne les campagnes",
        "read as HTML despite .txt"
    );
    let looping = ingest::load(&format!("http://{addr}/loop"), &options)
        .await
        .unwrap_err()
        .to_string();
    assert!(looping.contains("too many redirects"), "{looping}");
    let huge = ingest::load(&format!("http://{addr}/huge.txt"), &options)
        .await
        .unwrap_err()
        .to_string();
    assert!(huge.contains("5 MB limit"), "{huge}");
}

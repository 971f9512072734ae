//! Hostile issues end cleanly and fast, through the CLI: deep nesting in HTML, Markdown,
//! feeds and e-mails, huge attribute lists, entity bombs and undefined entities each end
//! within 2 s with exit 0 (the text read, no entity name spoken) or exit 1 (one line naming
//! the problem), never a crash. A property test throws generated nested and malformed
//! HTML, Markdown and XML at the reader.

mod common;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;

/// What a hostile case must end with.
enum Expect {
    /// Exit 0, the spoken script holding this phrase.
    Read(&'static str),
    /// Exit 0 or 1 (one line on stderr).
    Ends,
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// `audition script FILE --json`, killed if it runs past `limit`.
fn script(path: &Path, limit: Duration) -> Run {
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_audition"))
        .args(["script", path.to_str().unwrap(), "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let (mut o, mut e) = (String::new(), String::new());
        out.read_to_string(&mut o).unwrap();
        err.read_to_string(&mut e).unwrap();
        (o, e)
    });
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code();
        }
        if started.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{} still running after {limit:?}", path.display());
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = started.elapsed();
    let (stdout, stderr) = reader.join().unwrap();
    Run {
        code,
        stdout,
        stderr,
        took,
    }
}

fn nested(open: &str, close: &str, depth: usize, inner: &str) -> String {
    format!("{}{inner}{}", open.repeat(depth), close.repeat(depth))
}

fn billion_laughs() -> String {
    let mut entities = String::from("<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let previous = if i == 1 {
            "&lol;".to_string()
        } else {
            format!("&lol{};", i - 1)
        };
        entities.push_str(&format!("<!ENTITY lol{i} \"{}\">\n", previous.repeat(10)));
    }
    format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n{entities}]>\n<rss version=\"2.0\"><channel><title>Laughs &lol9;</title>\
         <item><title>Bombed &lol9;</title><guid>b1</guid><pubDate>Mon, 02 Nov 2026 08:00:00 GMT</pubDate>\
         <description>&lt;p&gt;The harbour &amp;lol9; reopened &lol9; at dawn.&lt;/p&gt;</description></item></channel></rss>\n"
    )
}

fn deep_multipart(depth: usize) -> String {
    let mut mail = String::from(
        "From: a@example.com\nTo: b@example.com\nSubject: Deep\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b0\"\n\n",
    );
    for i in 0..depth {
        mail.push_str(&format!(
            "--b{i}\nContent-Type: multipart/mixed; boundary=\"b{}\"\n\n",
            i + 1
        ));
    }
    mail.push_str(&format!(
        "--b{depth}\nContent-Type: text/plain\n\nThe ferry timetable changes on Monday.\n--b{depth}--\n"
    ));
    for i in (0..depth).rev() {
        mail.push_str(&format!("--b{i}--\n"));
    }
    mail
}

fn cases() -> Vec<(&'static str, String, Expect)> {
    let attributes: Vec<String> = (0..200_000).map(|i| format!("data-a{i}=\"{i}\"")).collect();
    vec![
        (
            "deep-divs.html",
            format!(
                "<html><body>{}</body></html>",
                nested("<div>", "</div>", 200_000, "<p>The tide mill turns again.</p>")
            ),
            Expect::Read("The tide mill turns again"),
        ),
        (
            "deep-bold.html",
            format!(
                "<html><body><p>{}</p></body></html>",
                nested("<b>", "</b>", 200_000, "Lanterns along the quay.")
            ),
            Expect::Read("Lanterns along the quay"),
        ),
        (
            "deep-unclosed.html",
            format!(
                "<html><body>{}The bakery opens early.</body></html>",
                "<span><font>".repeat(100_000)
            ),
            Expect::Read("The bakery opens early"),
        ),
        (
            "deep-quotes.html",
            format!(
                "<html><body><h2>Letters</h2>{}</body></html>",
                nested(
                    "<blockquote>",
                    "</blockquote>",
                    50_000,
                    "A reader writes about the bridge."
                )
            ),
            Expect::Read("A reader writes about the bridge"),
        ),
        (
            "deep-quotes.md",
            format!(
                "# Letters\n\n{} A reader writes about the bridge.\n",
                ">".repeat(50_000)
            ),
            Expect::Ends,
        ),
        (
            "deep-lists.html",
            format!(
                "<html><body><h2>Agenda</h2>{}</body></html>",
                nested("<ul><li>Meeting at noon ", "</li></ul>", 2_000, "and tea.")
            ),
            Expect::Read("Meeting at noon"),
        ),
        (
            "deep-lists.md",
            (0..2_000)
                .map(|i| format!("{}- Meeting number {i}\n", "  ".repeat(i)))
                .collect::<String>(),
            Expect::Read("Meeting number"),
        ),
        (
            "attributes.html",
            format!(
                "<html><body><p {}>Attributes without end.</p></body></html>",
                attributes.join(" ")
            ),
            Expect::Read("Attributes without end"),
        ),
        (
            "bomb.xml",
            billion_laughs(),
            Expect::Read("The harbour reopened at dawn"),
        ),
        (
            "deep-feed.xml",
            format!(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title><item><title>I</title><description>x</description>{}</item></channel></rss>",
                nested("<a>", "</a>", 200_000, "")
            ),
            Expect::Ends,
        ),
        ("deep.eml", deep_multipart(5_000), Expect::Ends),
    ]
}

#[test]
fn hostile_issues_end_within_two_seconds_with_a_clean_exit() {
    let dir = tempfile::tempdir().unwrap();
    let mut timings = Vec::new();
    for (name, text, expect) in cases() {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let run = script(&path, Duration::from_secs(2));
        timings.push(format!("{name} {:?}", run.took));
        match run.code {
            Some(0) => {}
            Some(1) => {
                let lines: Vec<&str> = run.stderr.trim().lines().collect();
                assert_eq!(lines.len(), 1, "{name}: {}", run.stderr);
                assert!(lines[0].starts_with("error: "), "{name}: {}", run.stderr);
            }
            other => panic!("{name}: exit {other:?}: {}", run.stderr),
        }
        if let Expect::Read(phrase) = expect {
            assert_eq!(run.code, Some(0), "{name}: {}", run.stderr);
            assert!(run.stdout.contains(phrase), "{name}: {phrase:?} not read");
        }
        assert!(
            !run.stdout.to_lowercase().contains("lol"),
            "{name}: an entity name is read aloud"
        );
    }
    eprintln!("{}", timings.join("\n"));
}

/// Pieces that hostile or broken markup is made of.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<b>",
        "</b>",
        "<ul>",
        "<li>",
        "</ul>",
        "<table>",
        "<tr><td>",
        "</table>",
        "<h2>",
        "</h2>",
        "<blockquote>",
        "</blockquote>",
        "<a href=\"",
        "\">",
        "<img src=x>",
        "<script>",
        "</script>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "<?xml version=\"1.0\"?>",
        "<rss version=\"2.0\">",
        "<channel>",
        "<item>",
        "</item>",
        "<description>",
        "</description>",
        "<title>",
        "</title>",
        "&amp;",
        "&lol;",
        "&#0;",
        "&#x110000;",
        "&",
        "<",
        ">",
        "\"",
        "'",
        "# ",
        "## ",
        "> ",
        "- ",
        "* ",
        "**",
        "_",
        "`",
        "```",
        "[",
        "](",
        ")",
        "\n",
        "\n\n",
        "---\n",
        "title: x\n",
        "The quay",
        " fog ",
        "42",
        "€",
        "é",
        "\u{feff}",
        "\u{0}",
        "\t",
    ])
}

/// A document: random pieces, with one of them repeated deep.
fn document() -> impl Strategy<Value = (String, String)> {
    (
        prop::collection::vec(piece(), 0..200),
        piece(),
        0usize..3_000,
        prop::sample::select(vec!["html", "md", "xml", "txt", "eml"]),
    )
        .prop_map(|(pieces, deep, depth, extension)| {
            let mut text = pieces.concat();
            let middle = text.len() / 2;
            let middle = (0..=middle)
                .rev()
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(0);
            text.insert_str(middle, &deep.repeat(depth));
            (text, extension.to_string())
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Whatever the markup, reading it gives an issue or a one-line reason, never a panic.
    #[test]
    fn generated_markup_is_read_or_refused_in_one_line((text, extension) in document()) {
        let result = audition::ingest::parse_bytes(
            text.as_bytes(),
            &extension,
            None,
            &audition::ingest::IngestOptions::default(),
        );
        match result {
            Ok(issue) => {
                let spoken = serde_json::to_string(&issue.stories).unwrap();
                prop_assert!(!spoken.contains("&lol;"), "{spoken}");
            }
            Err(message) => prop_assert!(!message.contains('\n') && !message.is_empty(), "{message}"),
        }
    }
}

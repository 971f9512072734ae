//! The producer's workbench through the CLI: `audition init` (a show that builds and whose
//! feed the real parsers take; refusals), shell completions that bash really completes
//! with, and manual pages that man really renders.

mod common;

use std::process::Command;

#[test]
fn bash_completes_commands_and_subcommands() {
    let script = common::stdout(&common::audition(&["completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("audition.bash");
    std::fs::write(&file, script).unwrap();
    // Bash calls a completion function with the command, the word and the word before it.
    let complete = |words: &str, cword: usize, cur: &str, prev: &str| {
        let out = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD={cword}; _audition audition {cur} {prev}; echo \"${{COMPREPLY[@]}}\"",
                file.display()
            ))
            .output()
            .expect("bash runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(complete("audition epi", 1, "epi", "audition"), "episodes");
    assert_eq!(
        complete("audition episodes re", 2, "re", "episodes"),
        "remove restore"
    );
    let flags = complete("audition build --ma", 2, "--ma", "build");
    assert_eq!(flags, "--max-cost");
    for shell in ["zsh", "fish"] {
        let script = common::stdout(&common::audition(&["completions", shell]));
        assert!(
            script.contains("episodes") && script.contains("watch"),
            "{shell}"
        );
    }
    let refused = common::audition(&["completions", "tcsh"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        common::stderr(&refused).contains("[possible values: bash, elvish, fish, powershell, zsh]")
    );
}

#[test]
fn the_manual_renders_with_every_command() {
    let page = common::stdout(&common::audition(&["man"]));
    assert!(page.contains(".TH audition 1"), "{page}");
    for command in ["build", "watch", "episodes", "site", "completions"] {
        assert!(
            page.contains(&format!("audition\\-{command}(1)")),
            "{command}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let written = common::audition(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert!(written.status.success(), "{}", common::stderr(&written));
    let remove = dir.path().join("audition-episodes-remove.1");
    assert!(remove.exists());
    // man-db renders it, through groff (both installed by scripts/install-deps).
    let shown = Command::new("man")
        .env("MANWIDTH", "80")
        .arg("-l")
        .arg(&remove)
        .output()
        .expect("man is installed");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("--purge") && text.contains("trash"), "{text}");
}

/// What a feed-checking script (tests/feed_check.py or .js) reads from a feed.
fn feed_check(program: &str, script: &str, feed: &std::path::Path) -> serde_json::Value {
    let output = Command::new(program)
        .arg(common::root().join(script))
        .arg(feed)
        .output()
        .expect("the parsers are installed (scripts/install-deps)");
    assert!(
        output.status.success(),
        "{script}: {}",
        common::stderr(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn a_show_made_by_init_builds_its_sample_and_every_parser_takes_its_feed() {
    let dir = tempfile::tempdir().unwrap();
    let show_dir = dir.path().join("lettre-du-port");
    let made = common::audition(&[
        "init",
        show_dir.to_str().unwrap(),
        "--title",
        "La Lettre du Port, édition du matin",
        "--base-url",
        "https://audio.example.org/port",
    ]);
    let said = common::stdout(&made);
    assert!(made.status.success(), "{}", common::stderr(&made));
    assert!(said.contains("Build it: audition build"), "{said}");
    let show = show_dir.join("show.toml");
    let text = std::fs::read_to_string(&show).unwrap();
    assert!(
        text.contains("title = \"La Lettre du Port, édition du matin\""),
        "{text}"
    );
    assert!(
        text.lines().filter(|l| l.starts_with('#')).count() > 20,
        "commented"
    );
    let cover = std::fs::read(show_dir.join("cover.jpg")).unwrap();
    let size = imagesize::blob_size(&cover).unwrap();
    assert_eq!((size.width, size.height), (1400, 1400));
    assert_eq!(&cover[..3], &[0xFF, 0xD8, 0xFF], "a JPEG");
    // The title is drawn: white text on the dark gradient somewhere in the middle band.
    let picture = image::load_from_memory(&cover).unwrap().to_rgb8();
    let white = (400..1000)
        .flat_map(|y| (0..1400).map(move |x| (x, y)))
        .filter(|&(x, y)| picture.get_pixel(x, y).0.iter().all(|&c| c > 230))
        .count();
    assert!(white > 20_000, "{white} white pixels: no title drawn");
    let lexicon = std::fs::read_to_string(show_dir.join("lexicon.pls")).unwrap();
    assert!(lexicon.contains("xml:lang=\"fr-FR\""), "{lexicon}");
    let issues: Vec<_> = std::fs::read_dir(show_dir.join("issues"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(issues.len(), 1);

    let out = dir.path().join("public");
    let built = common::audition(&[
        "build",
        issues[0].to_str().unwrap(),
        "--show",
        show.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--cache",
        dir.path().join("cache").to_str().unwrap(),
    ]);
    assert!(built.status.success(), "{}", common::stderr(&built));
    assert!(
        common::stdout(&built).contains("2 stories"),
        "{}",
        common::stdout(&built)
    );
    assert!(
        !common::stderr(&built).contains("warning"),
        "{}",
        common::stderr(&built)
    );
    let feed = out.join("feed.xml");
    let parsed = feed_check("python3", "tests/feed_check.py", &feed);
    assert_eq!(
        parsed["feedparser"]["bozo"], false,
        "{}",
        parsed["feedparser"]
    );
    assert_eq!(
        parsed["podcastparser"]["episodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let pi = feed_check("node", "tests/feed_check.js", &feed);
    assert_eq!(pi["items"].as_array().unwrap().len(), 1, "partytime: {pi}");
    let xml = std::fs::read_to_string(&feed).unwrap();
    assert!(xml.contains("https://audio.example.org/port/episodes/"));

    // An English show gets an English sample.
    let english = dir.path().join("harbour");
    let made = common::audition(&["init", english.to_str().unwrap(), "--language", "en-US"]);
    assert!(made.status.success(), "{}", common::stderr(&made));
    let sample = std::fs::read_dir(english.join("issues"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(std::fs::read_to_string(sample)
        .unwrap()
        .contains("# harbour, first issue"));
}

#[test]
fn init_never_overwrites_and_refuses_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let taken = dir.path().join("taken");
    std::fs::create_dir_all(&taken).unwrap();
    std::fs::write(taken.join("show.toml"), "mine").unwrap();
    let refused = common::audition(&["init", taken.to_str().unwrap(), "--title", "X"]);
    let stderr = common::stderr(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("exists and is not empty"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(taken.join("show.toml")).unwrap(),
        "mine"
    );
    assert_eq!(
        std::fs::read_dir(&taken).unwrap().count(),
        1,
        "nothing added"
    );

    let bad = common::audition(&[
        "init",
        dir.path().join("new").to_str().unwrap(),
        "--language",
        "fr FR",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(common::stderr(&bad).contains("is not a language tag"));
    assert!(
        !dir.path().join("new").exists(),
        "nothing made for a refused call"
    );
    // An empty folder is fine.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert!(common::audition(&["init", empty.to_str().unwrap()])
        .status
        .success());
}

/// Makes every clip of the cache look unused for `days`.
fn age_clips(cache: &std::path::Path, days: u64) {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400);
    for entry in std::fs::read_dir(cache.join("clips")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::File::open(&path)
            .unwrap()
            .set_modified(then)
            .unwrap();
    }
}

#[test]
fn the_cache_is_pruned_least_used_first_and_keeps_what_is_published() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let (published, gone) = (dir.path().join("public"), dir.path().join("gone"));
    common::build_qant(&published, &cache, "feeds/qant/issues/2026-11-02.txt");
    common::build_qant(&gone, &cache, "feeds/qant/issues/2026-11-09.txt");
    std::fs::remove_dir_all(&gone).unwrap();
    let cache_arg = cache.to_str().unwrap();
    let out_arg = published.to_str().unwrap();
    let stats = common::stdout(&common::audition(&[
        "cache", "stats", "--cache", cache_arg, "--out", out_arg,
    ]));
    assert!(
        stats.contains("13 clip(s)") && stats.contains("7 used by the published episodes"),
        "{stats}"
    );

    // Everything looks 100 days old; a build that uses the published episode's clips makes
    // them recent again.
    age_clips(&cache, 100);
    let again = common::build_qant(
        &dir.path().join("preview"),
        &cache,
        "feeds/qant/issues/2026-11-02.txt",
    );
    assert!(again.contains("0 clips synthesised, 7 cached"), "{again}");
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(published.join("episodes/2026-11-02.json")).unwrap(),
    )
    .unwrap();
    let used: Vec<&str> = manifest["clips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert_eq!(used.len(), 7);
    for entry in std::fs::read_dir(cache.join("clips")).unwrap() {
        let path = entry.unwrap().path();
        let Some(key) = path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .strip_suffix(".wav")
        else {
            continue;
        };
        let age = std::fs::metadata(&path)
            .unwrap()
            .modified()
            .unwrap()
            .elapsed()
            .unwrap();
        let recent = age.as_secs() < 3600;
        assert_eq!(
            recent,
            used.contains(&key),
            "{key}: a hit refreshes, nothing else does"
        );
    }
    age_clips(&cache, 100);
    let refused = common::audition(&["cache", "prune", "--cache", cache_arg, "--out", out_arg]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(common::stderr(&refused).contains("--older-than"));

    let pruned = common::audition(&[
        "cache",
        "prune",
        "--cache",
        cache_arg,
        "--out",
        out_arg,
        "--older-than",
        "90d",
    ]);
    let said = common::stdout(&pruned);
    assert!(pruned.status.success(), "{}", common::stderr(&pruned));
    assert!(
        said.starts_with("Freed ") && said.contains("in 6 clip(s); kept 7 clip(s)"),
        "{said}"
    );
    assert!(
        said.contains("(7 of them only because published episodes use them)"),
        "{said}"
    );
    let rebuilt = common::build_qant(
        &dir.path().join("again"),
        &cache,
        "feeds/qant/issues/2026-11-02.txt",
    );
    assert!(
        rebuilt.contains("0 clips synthesised, 7 cached"),
        "{rebuilt}"
    );

    // A manifest from before clips were named: pruning refuses until it is built once more.
    let manifest = published.join("episodes/2026-11-02.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    json.as_object_mut().unwrap().remove("clips");
    std::fs::write(&manifest, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    let refused = common::audition(&[
        "cache",
        "prune",
        "--cache",
        cache_arg,
        "--out",
        out_arg,
        "--max-size",
        "1MB",
    ]);
    let stderr = common::stderr(&refused);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("2026-11-02") && stderr.contains("build them once more"),
        "{stderr}"
    );
    let unchanged = common::build_qant(&published, &cache, "feeds/qant/issues/2026-11-02.txt");
    assert!(unchanged.contains("Nothing changed"), "{unchanged}");
    let named = std::fs::read_to_string(&manifest).unwrap();
    assert!(named.contains("\"clips\""), "the rebuild named the clips");

    // --include-published with a size limit empties it; the next build speaks again.
    let emptied = common::audition(&[
        "cache",
        "prune",
        "--cache",
        cache_arg,
        "--out",
        out_arg,
        "--max-size",
        "1B",
        "--include-published",
    ]);
    assert!(
        common::stdout(&emptied).contains("in 7 clip(s); kept 0 clip(s)"),
        "{}",
        common::stdout(&emptied)
    );
    let spoken = common::build_qant(
        &dir.path().join("fresh"),
        &cache,
        "feeds/qant/issues/2026-11-02.txt",
    );
    assert!(spoken.contains("7 clips synthesised"), "{spoken}");
    let bad = common::audition(&["cache", "prune", "--cache", cache_arg, "--max-size", "5XB"]);
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn a_lexicon_is_edited_sorted_and_checked_for_the_show_engine() {
    let dir = tempfile::tempdir().unwrap();
    let pls = dir.path().join("noms.pls");
    let pls_arg = pls.to_str().unwrap();
    for (word, how, value) in [
        ("Véloce", "--alias", "Vélosse"),
        ("Norrøn", "--ipa", "nɔʁœn"),
        ("Ardoise", "--alias", "Ar-doise"),
        ("Véloce", "--alias", "Vé-losse"),
    ] {
        let added = common::audition(&["lexicon", "add", pls_arg, word, how, value]);
        assert!(added.status.success(), "{}", common::stderr(&added));
    }
    let xml = std::fs::read_to_string(&pls).unwrap();
    let order: Vec<usize> = ["Ardoise", "Norrøn", "Véloce"]
        .iter()
        .map(|w| xml.find(w).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sorted: {xml}");
    assert_eq!(
        xml.matches("<grapheme>Véloce</grapheme>").count(),
        1,
        "no duplicate"
    );
    assert!(xml.contains("<alias>Vé-losse</alias>") && !xml.contains("<alias>Vélosse</alias>"));
    let read =
        audition::script::lexicon::Lexicon::parse(&xml).expect("the build's own reader takes it");
    assert!(!read.is_empty());

    // The Qant show speaks with Pico, which reads no phonemes: Norrøn cannot be heard.
    let show = common::qant_show();
    let checked = common::audition(&[
        "lexicon",
        "check",
        pls_arg,
        "--show",
        show.to_str().unwrap(),
    ]);
    assert_eq!(checked.status.code(), Some(1));
    let report = common::stdout(&checked);
    assert!(
        report.contains(":5: Norrøn: only a <phoneme>, which pico does not read: add an <alias>"),
        "{report}"
    );
    assert_eq!(
        common::stderr(&checked).trim(),
        format!("error: {pls_arg}: 1 entry to fix")
    );
    // Fixed, it passes.
    assert!(
        common::audition(&["lexicon", "add", pls_arg, "Norrøn", "--alias", "Nor-reune"])
            .status
            .success()
    );
    let fine = common::audition(&[
        "lexicon",
        "check",
        pls_arg,
        "--show",
        show.to_str().unwrap(),
    ]);
    assert!(fine.status.success(), "{}", common::stdout(&fine));

    // A malformed file: one line, exit 1, and add leaves it as it was.
    let bad = dir.path().join("bad.pls");
    std::fs::write(&bad, "<lexicon><lexeme><grapheme>X</grapheme>").unwrap();
    for args in [
        vec!["lexicon", "check", bad.to_str().unwrap()],
        vec!["lexicon", "add", bad.to_str().unwrap(), "Y", "--alias", "Z"],
    ] {
        let refused = common::audition(&args);
        let stderr = common::stderr(&refused);
        assert_eq!(refused.status.code(), Some(1), "{stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains("not well-formed XML"), "{stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(&bad).unwrap(),
        "<lexicon><lexeme><grapheme>X</grapheme>"
    );
    let neither = common::audition(&["lexicon", "add", pls_arg, "Solo"]);
    assert_ne!(
        neither.status.code(),
        Some(0),
        "an alias or an IPA is required"
    );
}

#[test]
fn say_speaks_a_phrase_or_one_story_with_the_show_lexicon() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let show = common::qant_show();
    let wav = dir.path().join("qant.wav");
    let said = common::audition(&[
        "say",
        "Qant parle de Mistral ce matin.",
        "--show",
        show.to_str().unwrap(),
        "--out",
        wav.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    let stdout = common::stdout(&said);
    assert!(said.status.success(), "{}", common::stderr(&said));
    // The engine got the show's lexicon: Qant is said as its alias.
    assert!(stdout.starts_with("pico: <speak"), "{stdout}");
    assert!(
        stdout.contains("<sub alias=\"Kante\">Qant</sub>"),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 clip(s) synthesised, 0 cached"),
        "{stdout}"
    );
    let reader = hound::WavReader::open(&wav).unwrap();
    let seconds = reader.duration() as f64 / f64::from(reader.spec().sample_rate);
    assert!((1.0..6.0).contains(&seconds), "{seconds} s");
    assert!(!stdout.contains("phonemes:"), "Pico shows no phonemes");
    // espeak-ng shows what it will pronounce, aliases applied.
    let espeak = common::audition(&[
        "say",
        "Qant ouvre une usine",
        "--show",
        show.to_str().unwrap(),
        "--voice",
        "fr-espeak",
        "--out",
        wav.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    let shown = common::stdout(&espeak);
    assert!(espeak.status.success(), "{}", common::stderr(&espeak));
    let phonemes = shown
        .lines()
        .find(|l| l.starts_with("phonemes: "))
        .unwrap_or_else(|| panic!("{shown}"));
    assert!(
        phonemes.contains("yzˈin") && phonemes.contains("kˈɑ̃t"),
        "the alias Kante is phonemised: {phonemes}"
    );
    // Said again: from the cache.
    let again = common::audition(&[
        "say",
        "Qant parle de Mistral ce matin.",
        "--show",
        show.to_str().unwrap(),
        "--out",
        wav.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    assert!(common::stdout(&again).contains("0 clip(s) synthesised, 1 cached"));

    // One story of an issue, as MP3.
    let mp3 = dir.path().join("story.mp3");
    let story = common::audition(&[
        "say",
        "--issue",
        "feeds/qant/issues/2026-11-02.txt",
        "--story",
        "2",
        "--show",
        show.to_str().unwrap(),
        "--out",
        mp3.to_str().unwrap(),
        "--cache",
        cache.to_str().unwrap(),
    ]);
    let stdout = common::stdout(&story);
    assert!(story.status.success(), "{}", common::stderr(&story));
    assert!(
        stdout.contains("sodium"),
        "the second story is the batteries: {stdout}"
    );
    let (samples, rate) = common::decode(&mp3);
    assert!(samples.len() as f64 / f64::from(rate) > 20.0);

    // Refusals: one line, exit 1.
    for (args, says) in [
        (
            vec![
                "say",
                "--issue",
                "feeds/qant/issues/2026-11-02.txt",
                "--story",
                "9",
            ],
            "no story 9: the issue has",
        ),
        (vec!["say", "   "], "nothing to say"),
        (
            vec!["say", "Bonjour", "--out", "x.ogg"],
            "a .wav or an .mp3",
        ),
    ] {
        let refused = common::audition(&args);
        let stderr = common::stderr(&refused);
        assert_eq!(refused.status.code(), Some(1), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.contains(says), "{stderr}");
    }
}

#[test]
fn a_terminal_shows_the_mixing_progress_with_the_time_left() {
    let dir = tempfile::tempdir().unwrap();
    let socket = format!("audition-test-{}", std::process::id());
    let command = format!(
        "{} build feeds/qant/issues/2026-11-02.txt --show {} --out {} --cache {}; echo BUILD-DONE; sleep 60",
        env!("CARGO_BIN_EXE_audition"),
        common::qant_show().display(),
        dir.path().join("public").display(),
        dir.path().join("cache").display(),
    );
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &socket])
            .args(args)
            .output()
            .expect("tmux is installed (scripts/install-deps)")
    };
    let root = common::root();
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        "build",
        "-x",
        "160",
        "-y",
        "12",
        "-c",
        root.to_str().unwrap(),
        &command,
    ]);
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    let mut seen = Vec::new();
    let start = std::time::Instant::now();
    let mut finished = String::new();
    while start.elapsed() < std::time::Duration::from_secs(120) {
        let screen = String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "build"]).stdout)
            .into_owned();
        seen.extend(
            screen
                .lines()
                .filter(|l| l.contains("Mixing and encoding") && l.contains(" left"))
                .map(str::to_string),
        );
        if screen.contains("BUILD-DONE") {
            finished = screen;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(40));
    }
    tmux(&["kill-server"]);
    assert!(finished.contains("Built episode 2026-11-02"), "{finished}");
    let bar = seen
        .first()
        .unwrap_or_else(|| panic!("no mixing bar seen; last screen: {finished}"));
    let percent = bar.split('%').next().unwrap().rsplit(' ').next().unwrap();
    assert!(percent.parse::<u32>().is_ok_and(|p| p <= 100), "{bar}");
    assert!(
        bar.contains('[') && bar.contains("elapsed,") && bar.ends_with("left"),
        "{bar}"
    );
    // Not on a terminal: nothing but the summary.
    let piped = common::audition(&[
        "build",
        "feeds/qant/issues/2026-11-09.txt",
        "--show",
        common::qant_show().to_str().unwrap(),
        "--out",
        dir.path().join("public").to_str().unwrap(),
        "--cache",
        dir.path().join("cache").to_str().unwrap(),
    ]);
    assert!(piped.status.success());
    assert_eq!(
        common::stderr(&piped),
        "",
        "no bar when stderr is not a terminal"
    );
    assert_eq!(common::stdout(&piped).trim().lines().count(), 1);
}

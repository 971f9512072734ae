//! The `audition` command line: parses flags, calls one library function per subcommand,
//! draws progress on a terminal, and maps errors to exit codes (1: fix the input or config,
//! 2: an engine, audio or I/O failure).

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use audition::error::Error;
use audition::ingest::{IngestOptions, Issue};
use audition::progress::Progress;
use audition::script::Flavor;
use audition::show::{Show, VoiceProfile};
use audition::store::Store;
use audition::synth::ClipCache;

#[derive(Parser)]
#[command(
    name = "audition",
    version,
    about = "Turns newsletter issues into podcast episodes and feeds"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the episode of an issue and republish the show's feed.
    Build {
        #[command(flatten)]
        issue: IssueArgs,
        /// The published folder, or a bucket: s3://bucket/prefix [default: public/<show>].
        #[arg(long)]
        out: Option<String>,
        /// Public URL of the published folder, instead of the show's base_url.
        #[arg(long)]
        base_url: Option<String>,
        /// Clip cache folder, or a bucket: s3://bucket/prefix [default: the user's cache
        /// folder]/audition.
        #[arg(long)]
        cache: Option<String>,
        /// Print the wall time of each stage on stderr.
        #[arg(long)]
        timings: bool,
        /// Print what the engine would be asked (requests, billed characters, estimated
        /// cost) and stop; nothing is synthesised or published.
        #[arg(long)]
        dry_run: bool,
        /// Refuse to start when the estimated cost of the requests is above this amount.
        #[arg(long, value_name = "AMOUNT")]
        max_cost: Option<f64>,
    },
    /// Print the SSML of every story without synthesising anything.
    Script {
        #[command(flatten)]
        issue: IssueArgs,
        /// Print a JSON array of { index, story, title, kind, ssml }.
        #[arg(long)]
        json: bool,
        /// The SSML dialect and request limits of the engine that will read it
        /// [default: the voice's engine].
        #[arg(long, value_enum)]
        flavor: Option<Flavor>,
    },
    /// List the engines, whether each can run here, and the voice profiles using each.
    Voices {
        /// Folder of voice profiles.
        #[arg(long, default_value = "voices")]
        dir: PathBuf,
    },
    /// Rebuild feed.xml from the episode manifests of a published folder.
    Feed {
        /// The show file.
        #[arg(long)]
        show: PathBuf,
        /// The published folder, or a bucket: s3://bucket/prefix [default: public/<show>].
        #[arg(long)]
        out: Option<String>,
        /// Public URL of the published folder, instead of the show's base_url.
        #[arg(long)]
        base_url: Option<String>,
    },
    /// Serve a published folder over HTTP (HEAD, Range, conditional requests).
    Serve {
        dir: PathBuf,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
}

/// The issue, its show, and how to read it.
#[derive(clap::Args)]
struct IssueArgs {
    /// The issue: a file (text, Markdown, HTML, .eml, RSS/Atom) or an http(s):// URL.
    issue: String,
    /// The show file (feeds/<show>/show.toml) [default: a built-in show in the issue's language].
    #[arg(long)]
    show: Option<PathBuf>,
    /// Language of the issue (fr, en) instead of the detected one.
    #[arg(long, value_parser = ["fr", "en"])]
    lang: Option<String>,
    /// For a feed: the item to read, `latest` or its guid or link.
    #[arg(long, default_value = "latest")]
    item: String,
    /// The one voice of this run: a profile name (voices/<name>.toml), a path to a .toml, or
    /// `auto` (the best installed for the issue's language).
    #[arg(long)]
    voice: Option<String>,
}

impl IssueArgs {
    /// Reads the issue, then loads its show (or the built-in one in the issue's language).
    async fn load(self) -> Result<(Issue, Show), Error> {
        let options = IngestOptions {
            language: self.lang,
            item: Some(self.item),
        };
        let issue = audition::ingest::load(&self.issue, &options).await?;
        let mut show = match &self.show {
            Some(path) => Show::load(path)?,
            None => Show::default_for(&issue.language)?,
        };
        if let Some(voice) = &self.voice {
            // One voice for the whole run, in place of the show's cast too.
            show.cast = Default::default();
            show.voice = match voice.as_str() {
                audition::show::AUTO_VOICE => VoiceProfile::auto(&show.language, &show.path),
                name => VoiceProfile::find(name, Some(&show.voice.path))?,
            };
        }
        for voice in show.voices_mut() {
            *voice = audition::synth::choice::resolve(voice.clone(), Path::new("voices"))?;
        }
        Ok((issue, show))
    }
}

fn main() -> ExitCode {
    // Wrong arguments are bad input (exit 1); help and version are not errors.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 1 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

async fn run(command: Command) -> Result<(), Error> {
    match command {
        Command::Build {
            issue,
            out,
            base_url,
            cache,
            timings,
            dry_run,
            max_cost,
        } => {
            let options = BuildArgs {
                out,
                base_url,
                cache,
                timings,
                max_cost,
            };
            if dry_run {
                return dry_run_build(issue, options).await;
            }
            build(issue, options).await
        }
        Command::Voices { dir } => voices(&dir),
        Command::Script {
            issue,
            json,
            flavor,
        } => script(issue, json, flavor).await,
        Command::Feed {
            show,
            out,
            base_url,
        } => {
            let show = Show::load(&show)?;
            let out = Store::open(&out.unwrap_or_else(|| default_out(&show)))?;
            let base_url = base_url.unwrap_or_else(|| show.base_url.clone());
            for warning in show.cover.problems()? {
                eprintln!("warning: {warning}");
            }
            let feed = audition::publish_feed(&show, base_url.trim_end_matches('/'), &out).await?;
            say(&format!("Feed rebuilt: {feed}"))
        }
        Command::Serve { dir, addr } => {
            eprintln!(
                "Serving {} on http://{addr}/ (Ctrl-C to stop)",
                dir.display()
            );
            audition::publish::serve::serve(&dir, addr).await
        }
    }
}

/// Where a show publishes when `--out` is not given: `public/<show id>`.
fn default_out(show: &Show) -> String {
    Path::new("public").join(&show.id).display().to_string()
}

/// The clip cache when `--cache` is not given: the user's cache folder.
fn default_cache() -> String {
    ClipCache::default_dir().display().to_string()
}

/// Flags of `audition build` besides the issue and the show.
struct BuildArgs {
    out: Option<String>,
    base_url: Option<String>,
    cache: Option<String>,
    timings: bool,
    max_cost: Option<f64>,
}

/// `audition build`: the whole pipeline, then a one-line summary on stdout.
async fn build(issue: IssueArgs, args: BuildArgs) -> Result<(), Error> {
    let (issue, show) = issue.load().await?;
    let options = audition::BuildOptions {
        base_url: args.base_url,
        max_cost: args.max_cost,
        ..audition::BuildOptions::new(
            args.out.unwrap_or_else(|| default_out(&show)),
            args.cache.unwrap_or_else(default_cache),
        )
    };
    let progress = Bars::new();
    let report = audition::build(&show, &issue, &options, &progress).await?;
    progress.clear();
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if args.timings {
        for (stage, seconds) in &report.timings {
            eprintln!("{stage:>12}: {seconds:.3} s");
        }
    }
    let duration = report.duration_ms / 1000;
    let briefs = if report.briefs > 0 {
        format!(" + {} briefs", report.briefs)
    } else {
        String::new()
    };
    if report.up_to_date {
        say(&format!(
            "Nothing changed: episode {} ({}:{:02}, {} stories{briefs}) is up to date; feed {}",
            report.episode_id,
            duration / 60,
            duration % 60,
            report.stories,
            report.feed
        ))
    } else {
        say(&format!(
            "Built episode {} ({}:{:02}, {} stories{briefs}): {} clips synthesised, {} cached; {:.1} LUFS, {:.1} dBTP; feed {}",
            report.episode_id,
            duration / 60,
            duration % 60,
            report.stories,
            report.clips.synthesised,
            report.clips.cached,
            report.loudness.integrated_lufs,
            report.loudness.true_peak_dbtp,
            report.feed
        ))
    }
}

/// `audition build --dry-run`: what the engine would be asked, and at what cost.
async fn dry_run_build(issue: IssueArgs, args: BuildArgs) -> Result<(), Error> {
    let (issue, show) = issue.load().await?;
    let cache = args.cache.unwrap_or_else(default_cache);
    let e = audition::estimate(&show, &issue, &cache).await?;
    let verdict = match args.max_cost {
        Some(max) if e.cost > max => format!(" — above --max-cost {max:.2}: a build would refuse"),
        Some(max) => format!(" — within --max-cost {max:.2}"),
        None => String::new(),
    };
    say(&format!(
        "{} (voice {}): {} request(s), {} billed characters, estimated {:.2} {} at {:.2} per million; {} segment(s) already cached ({} characters, not billed){verdict}",
        e.engine,
        show.voice.name,
        e.requests,
        e.billed_chars,
        e.cost,
        e.currency,
        e.per_million,
        e.cached,
        e.cached_chars
    ))
}

/// `audition voices`: each engine, whether it can run here, and the profiles using it.
fn voices(dir: &std::path::Path) -> Result<(), Error> {
    let mut profiles: Vec<VoiceProfile> = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        {
            match VoiceProfile::load(path) {
                Ok(profile) => profiles.push(profile),
                Err(_) if path.file_name().is_some_and(|n| n == "prices.toml") => {}
                Err(e) => broken.push(e.to_string()),
            }
        }
    }
    let mut lines = Vec::new();
    for (engine, about) in audition::synth::ENGINES {
        let status = match audition::synth::readiness(engine, None) {
            Ok(found) => format!("usable ({found})"),
            Err(missing) => format!("not usable: {missing}"),
        };
        lines.push(format!(
            "{engine:<11} {about}
            {status}"
        ));
        for profile in profiles
            .iter()
            .filter(|p| p.engine == engine || (engine == "espeak" && p.engine == "espeak-ng"))
        {
            let state = match audition::synth::readiness(engine, Some(profile)) {
                Ok(_) => "ready".to_string(),
                Err(missing) => format!("not ready: {missing}"),
            };
            lines.push(format!(
                "            - {} (voice {}, {}): {state}",
                profile.name, profile.voice, profile.language
            ));
        }
    }
    lines.push(String::new());
    lines.push(
        "Per language, what voice = \"auto\" picks (the first usable, best first):".to_string(),
    );
    for language in auto_languages(&profiles) {
        lines.extend(language_lines(&audition::synth::choice::candidates(
            &language, &profiles,
        )));
    }
    for problem in broken {
        lines.push(format!("warning: {problem}"));
    }
    say(&lines.join("\n"))
}

/// The languages `audition voices` reports on: Pico's six and those of the profiles.
fn auto_languages(profiles: &[VoiceProfile]) -> Vec<String> {
    let mut languages: Vec<String> = audition::synth::pico::LANGUAGES
        .iter()
        .map(|l| l.tag.to_string())
        .collect();
    for profile in profiles {
        let known = languages.iter().any(|l| {
            audition::show::primary_language(l)
                == audition::show::primary_language(&profile.language)
        });
        if !known {
            languages.push(profile.language.clone());
        }
    }
    languages
}

/// One language's voices, the picked one marked with `*` and the reason.
fn language_lines(choice: &audition::synth::choice::Choice) -> Vec<String> {
    let picked = choice.picked().map(|c| c.profile.name.clone());
    let mut lines = vec![format!(
        "{:<11} auto → {}",
        choice.language,
        match choice.picked() {
            Some(c) => format!(
                "{} ({}, {}): the best usable here",
                c.profile.credit(),
                c.profile.name,
                c.kind
            ),
            None => "nothing usable".to_string(),
        }
    )];
    for candidate in &choice.candidates {
        let mark = if picked.as_deref() == Some(candidate.profile.name.as_str()) {
            "*"
        } else {
            "-"
        };
        let state = match &candidate.state {
            Ok(found) => format!("usable: {found}"),
            Err(missing) => format!("not usable: {missing}"),
        };
        lines.push(format!(
            "          {mark} {} [{}] voice {}: {state}",
            candidate.profile.name, candidate.kind, candidate.profile.voice
        ));
    }
    lines
}

/// `audition script`: SSML per story, as text or JSON.
async fn script(issue: IssueArgs, json: bool, flavor: Option<Flavor>) -> Result<(), Error> {
    let (issue, show) = issue.load().await?;
    let script = audition::script::build_with(&issue, &show, flavor);
    let voices = show.voices();
    let voice = |s: &audition::script::Segment| voices[s.voice].1.name.clone();
    if json {
        let rows: Vec<serde_json::Value> = script
            .segments
            .iter()
            .map(|s| serde_json::json!({ "index": s.index, "story": s.story, "title": s.title, "kind": s.kind, "voice": voice(s), "ssml": s.ssml }))
            .collect();
        say(&serde_json::to_string_pretty(&rows).unwrap_or_default())
    } else {
        let text: Vec<String> = script
            .segments
            .iter()
            .map(|s| {
                format!(
                    "# {} — {} ({})\n{}\n",
                    s.index + 1,
                    s.title,
                    voice(s),
                    s.ssml
                )
            })
            .collect();
        say(&text.join("\n"))
    }
}

/// Prints to stdout; a reader that stops early (`| head`) is a normal end, not an error.
fn say(text: &str) -> Result<(), Error> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Io {
            path: PathBuf::from("(standard output)"),
            source: e,
        }),
        _ => Ok(()),
    }
}

/// One progress bar per stage on stderr; draws nothing when stderr is not a terminal.
struct Bars {
    current: Mutex<Option<ProgressBar>>,
    visible: bool,
}

impl Bars {
    fn new() -> Bars {
        Bars {
            current: Mutex::new(None),
            visible: std::io::stderr().is_terminal(),
        }
    }

    fn clear(&self) {
        if let Ok(mut current) = self.current.lock() {
            if let Some(bar) = current.take() {
                bar.finish_and_clear();
            }
        }
    }
}

impl Progress for Bars {
    fn stage(&self, name: &str, total: u64) {
        self.clear();
        if !self.visible {
            return;
        }
        let bar = if total > 0 {
            ProgressBar::new(total).with_style(
                ProgressStyle::with_template("{msg:>20} [{bar:30}] {pos}/{len} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            )
        } else {
            let spinner = ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg:>20} {spinner} {elapsed}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            spinner.enable_steady_tick(std::time::Duration::from_millis(120));
            spinner
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_message(name.to_string());
        if let Ok(mut current) = self.current.lock() {
            *current = Some(bar);
        }
    }

    fn advance(&self, n: u64) {
        if let Ok(current) = self.current.lock() {
            if let Some(bar) = current.as_ref() {
                bar.inc(n);
            }
        }
    }

    fn finish_stage(&self) {
        self.clear();
    }

    /// Printed above the bar on a terminal, as a plain line otherwise.
    fn note(&self, message: &str) {
        if let Ok(current) = self.current.lock() {
            match current.as_ref() {
                Some(bar) if self.visible => bar.println(message),
                _ => eprintln!("{message}"),
            }
        }
    }
}

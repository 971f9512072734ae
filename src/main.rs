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
use audition::ingest::Issue;
use audition::progress::Progress;
use audition::queue::{JobSpec, Queue};
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
    Feed(RepublishArgs),
    /// Rewrite the show's web pages (index.html, one page per episode) and feed.xml from
    /// the episode manifests, after the show's [site] settings or cover changed.
    Site(RepublishArgs),
    /// Follow the sources of a show's [watch] (a feed, a mailbox, a drop folder) and build
    /// each new issue once; polls every interval_minutes unless --once.
    Watch {
        /// The show file, with its [watch] table.
        #[arg(long)]
        show: PathBuf,
        /// Look once and exit (for cron, a Kubernetes CronJob or a systemd timer).
        #[arg(long)]
        once: bool,
        /// The published folder or bucket [default: public/<show>].
        #[arg(long)]
        out: Option<String>,
        /// The clip cache [default: the user's cache folder].
        #[arg(long)]
        cache: Option<String>,
        /// Enqueue each new issue on this queue instead of building it here.
        #[arg(long, env = "AUDITION_QUEUE", hide_env_values = true)]
        queue: Option<String>,
        /// Follow this feed (RSS or Atom URL), in place of the show's [watch] feed.
        #[arg(long)]
        feed: Option<String>,
        /// Follow this mailbox (imaps://user@host/INBOX; the password from
        /// AUDITION_IMAP_PASSWORD), in place of the show's [watch] imap.
        #[arg(long)]
        imap: Option<String>,
        /// Keep only the e-mails from this sender (an address, or @domain).
        #[arg(long)]
        from: Option<String>,
        /// Follow this drop folder, in place of the show's [watch] folder.
        #[arg(long)]
        folder: Option<PathBuf>,
    },
    /// Add the build of an issue to a job queue, for `audition worker` to do.
    Enqueue {
        #[command(flatten)]
        issue: IssueArgs,
        /// The published folder or bucket the workers write to [default: public/<show>].
        #[arg(long)]
        out: Option<String>,
        /// The clip cache the workers share (a bucket, for workers on several machines)
        /// [default: the worker's user cache folder].
        #[arg(long)]
        cache: Option<String>,
        /// The queue: postgres://user@host/database (password from the URL or PGPASSWORD).
        #[arg(long, env = "AUDITION_QUEUE", hide_env_values = true)]
        queue: String,
        /// Tries before the job fails for good.
        #[arg(long, default_value_t = 3)]
        tries: i32,
    },
    /// Build queued jobs until stopped (SIGTERM: the job in hand finishes first).
    Worker {
        /// The queue: postgres://user@host/database.
        #[arg(long, env = "AUDITION_QUEUE", hide_env_values = true)]
        queue: String,
        /// How long a claimed job stays this worker's without renewal; renewed every third.
        #[arg(long, default_value_t = 60)]
        lease_seconds: u64,
        /// Seconds between two looks at an empty queue.
        #[arg(long, default_value_t = 2.0)]
        poll_seconds: f64,
        /// Seconds before the first retry of a failed job (doubled each try).
        #[arg(long, default_value_t = 30.0)]
        retry_seconds: f64,
        /// Exit when no job is queued or running.
        #[arg(long)]
        until_idle: bool,
        /// The worker's name in the queue [default: host:pid].
        #[arg(long)]
        name: Option<String>,
    },
    /// List the newest jobs of a queue.
    Jobs {
        /// The queue: postgres://user@host/database.
        #[arg(long, env = "AUDITION_QUEUE", hide_env_values = true)]
        queue: String,
        /// How many to show.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Make a new show folder that builds as it is: show.toml, cover, lexicon, sample issue.
    Init {
        /// The new show's folder (new, or empty).
        dir: PathBuf,
        /// The show's title [default: the folder's name].
        #[arg(long)]
        title: Option<String>,
        /// The show's language, a BCP 47 tag.
        #[arg(long, default_value = "fr-FR")]
        language: String,
        /// A voice profile (name or path), or auto: the best voice installed.
        #[arg(long, default_value = "auto")]
        voice: String,
        /// Where the show will be published (the feed's base URL).
        #[arg(long)]
        base_url: Option<String>,
    },
    /// What the clip cache holds, or prune it (least recently used first, never a clip a
    /// published episode is made of unless --include-published).
    Cache {
        #[command(subcommand)]
        action: CacheAction,
        /// The clip cache [default: the user's cache folder]; a bucket's local mirror.
        #[arg(long, global = true)]
        cache: Option<String>,
        /// Published folders or buckets whose episodes' clips are kept [default: those of
        /// the shows under feeds/].
        #[arg(long, global = true)]
        out: Vec<String>,
        /// Shows whose default published folders' clips are kept.
        #[arg(long, global = true)]
        show: Vec<PathBuf>,
    },
    /// Speak a phrase (or one story of an issue) with a show's voice, lexicon and
    /// normalisation, and print the SSML the engine was given.
    Say {
        /// The text to say.
        #[arg(required_unless_present = "issue")]
        text: Option<String>,
        /// The show whose voice, lexicon and language are used [default: the built-in show].
        #[arg(long)]
        show: Option<PathBuf>,
        /// A voice instead of the show's (a name from voices/, a profile path, or auto).
        #[arg(long)]
        voice: Option<String>,
        /// Say a story of this issue instead of a text (with --story).
        #[arg(long, conflicts_with = "text", requires = "story")]
        issue: Option<String>,
        /// Which story of the issue, 1 to N as `audition script` lists them.
        #[arg(long, requires = "issue")]
        story: Option<usize>,
        /// The language of the built-in show when no --show is given.
        #[arg(long, value_parser = ["fr", "en"], default_value = "fr")]
        lang: String,
        /// Where to write the audio: a .wav or an .mp3.
        #[arg(long, default_value = "say.wav")]
        out: PathBuf,
        /// The clip cache [default: the user's cache folder].
        #[arg(long)]
        cache: Option<String>,
    },
    /// Edit or check a pronunciation lexicon (W3C PLS).
    Lexicon {
        #[command(subcommand)]
        action: LexiconAction,
    },
    /// Print a completion script for a shell (bash: `source <(audition completions bash)`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one per command into a folder.
    Man {
        /// Write audition.1 and audition-<command>.1 here instead.
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// List the episodes of a published folder or bucket, take one down, or bring it back.
    Episodes {
        #[command(subcommand)]
        action: EpisodesAction,
        /// The show file: its default folder, and the settings the feed is rebuilt with.
        #[arg(long, global = true)]
        show: Option<PathBuf>,
        /// The published folder, or a bucket: s3://bucket/prefix [default: public/<show>].
        #[arg(long, global = true)]
        out: Option<String>,
        /// Public URL of the published folder, instead of the show's base_url.
        #[arg(long, global = true)]
        base_url: Option<String>,
    },
    /// Serve a published folder or bucket (s3://bucket/prefix) over HTTP (HEAD, Range,
    /// conditional requests).
    Serve {
        location: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
}

#[derive(Subcommand)]
enum LexiconAction {
    /// Add a word (or change how it is said) and write the lexicon back, sorted.
    Add {
        /// The PLS file (created if missing).
        pls: PathBuf,
        /// The word as written in issues.
        word: String,
        /// What the voice says instead (every engine).
        #[arg(long, required_unless_present = "ipa")]
        alias: Option<String>,
        /// Its pronunciation in IPA (engines that read phonemes: Google, Azure, Polly).
        #[arg(long)]
        ipa: Option<String>,
        /// The lexicon's language when the file is new.
        #[arg(long, default_value = "fr-FR")]
        language: String,
    },
    /// Name each entry that is malformed, duplicated or unusable by the engine.
    Check {
        /// The PLS file.
        pls: PathBuf,
        /// Check for the engines of this show's voices.
        #[arg(long, conflicts_with = "voice")]
        show: Option<PathBuf>,
        /// Check for this voice's engine (a name from voices/, or a profile path).
        #[arg(long)]
        voice: Option<String>,
    },
}

#[derive(Subcommand)]
enum CacheAction {
    /// How many clips, how large, how old, and how many published episodes use.
    Stats,
    /// Remove clips: unused for --older-than, then the least recently used beyond --max-size.
    Prune {
        /// Remove clips not used for this long (90d, 12h, 2weeks).
        #[arg(long, value_parser = humantime::parse_duration)]
        older_than: Option<std::time::Duration>,
        /// Then remove the least recently used until the cache is this small (5GB, 500MiB).
        #[arg(long, value_parser = parse_size)]
        max_size: Option<u64>,
        /// Also remove clips published episodes are made of (a rebuild synthesises them again).
        #[arg(long)]
        include_published: bool,
    },
}

fn parse_size(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<bytesize::ByteSize>()
        .map(|b| b.as_u64())
        .map_err(|e| format!("{text:?} is not a size such as 5GB or 500MiB: {e}"))
}

#[derive(Subcommand)]
enum EpisodesAction {
    /// The published episodes, newest first, then those in the trash.
    List,
    /// Take an episode out of the feed and the site; its files wait in the trash.
    Remove {
        /// The episode id (its date, YYYY-MM-DD).
        id: String,
        /// Delete its files for good instead (and any copy in the trash).
        #[arg(long)]
        purge: bool,
    },
    /// Bring a removed episode back from the trash, with its guid and URL.
    Restore {
        /// The episode id (its date, YYYY-MM-DD).
        id: String,
    },
}

/// What `audition feed` and `audition site` rebuild from.
#[derive(clap::Args)]
struct RepublishArgs {
    /// The show file.
    #[arg(long)]
    show: PathBuf,
    /// The published folder, or a bucket: s3://bucket/prefix [default: public/<show>].
    #[arg(long)]
    out: Option<String>,
    /// Public URL of the published folder, instead of the show's base_url.
    #[arg(long)]
    base_url: Option<String>,
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
    /// What the library is asked to build.
    fn request(&self) -> audition::Request {
        audition::Request {
            issue: self.issue.clone(),
            show: self.show.clone(),
            language: self.lang.clone(),
            item: Some(self.item.clone()),
            voice: self.voice.clone(),
        }
    }

    /// Reads the issue, then loads its show (or the built-in one in the issue's language).
    async fn load(&self) -> Result<(Issue, Show), Error> {
        audition::prepare(&self.request()).await
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
        Command::Feed(args) => republish(args, false).await,
        Command::Site(args) => republish(args, true).await,
        Command::Watch {
            show,
            once,
            out,
            cache,
            queue,
            feed,
            imap,
            from,
            folder,
        } => {
            let sources = audition::settings::WatchSettings {
                feed,
                imap,
                from,
                folder,
                ..Default::default()
            };
            watch(&show, once, out, cache, queue.as_deref(), sources).await
        }
        Command::Enqueue {
            issue,
            out,
            cache,
            queue,
            tries,
        } => enqueue(issue, out, cache, &queue, tries).await,
        Command::Worker {
            queue,
            lease_seconds,
            poll_seconds,
            retry_seconds,
            until_idle,
            name,
        } => {
            let settings = audition::worker::WorkerSettings {
                name: name.unwrap_or_else(audition::worker::default_name),
                lease: std::time::Duration::from_secs(lease_seconds.max(3)),
                poll: seconds(poll_seconds)?,
                retry: seconds(retry_seconds)?,
                until_idle,
            };
            worker(&queue, &settings).await
        }
        Command::Jobs { queue, limit } => jobs(&queue, limit).await,
        Command::Init {
            dir,
            title,
            language,
            voice,
            base_url,
        } => {
            let title = title.unwrap_or_else(|| {
                dir.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            let new = audition::init::NewShow {
                title,
                language,
                voice,
                base_url,
            };
            let files = audition::init::create(&dir, &new)?;
            // What was written must load as a show: a broken template is a bug, said at once.
            Show::load(&dir.join("show.toml"))?;
            let sample = files
                .last()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            say(&format!(
                "Show created in {}: show.toml, cover.jpg, lexicon.pls, {}\nBuild it: audition build {sample} --show {}",
                dir.display(),
                sample,
                dir.join("show.toml").display()
            ))
        }
        Command::Say {
            text,
            show,
            voice,
            issue,
            story,
            lang,
            out,
            cache,
        } => {
            let request = SayRequest {
                text,
                show,
                voice,
                issue,
                story,
                lang,
            };
            say_command(request, &out, cache).await
        }
        Command::Lexicon { action } => lexicon(action),
        Command::Cache {
            action,
            cache,
            out,
            show,
        } => cache_command(action, cache, out, show).await,
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "audition", &mut std::io::stdout());
            Ok(())
        }
        Command::Man { dir } => manual(dir.as_deref()),
        Command::Episodes {
            action,
            show,
            out,
            base_url,
        } => episodes(action, show.as_deref(), out, base_url).await,
        Command::Serve { location, addr } => {
            eprintln!("Serving {location} on http://{addr}/ (Ctrl-C to stop)");
            audition::publish::serve::serve(&location, addr).await
        }
    }
}

/// `audition feed` and `audition site`: the feed (and the pages, every episode's page too
/// when `all_pages`) rebuilt from the published manifests.
async fn republish(args: RepublishArgs, all_pages: bool) -> Result<(), Error> {
    let show = Show::load(&args.show)?;
    let out = Store::open(&args.out.unwrap_or_else(|| default_out(&show)))?;
    let base_url = args.base_url.unwrap_or_else(|| show.base_url.clone());
    for warning in show.cover.problems()? {
        eprintln!("warning: {warning}");
    }
    let base_url = base_url.trim_end_matches('/');
    let published = if all_pages {
        audition::publish_site(&show, base_url, &out).await?
    } else {
        audition::publish_feed(&show, base_url, &out).await?
    };
    for warning in &published.warnings {
        eprintln!("warning: {warning}");
    }
    if all_pages {
        say(&format!(
            "Site rebuilt: {} and {}",
            out.describe("index.html"),
            published.feed
        ))
    } else {
        say(&format!("Feed rebuilt: {}", published.feed))
    }
}

/// What `audition say` was asked.
struct SayRequest {
    text: Option<String>,
    show: Option<PathBuf>,
    voice: Option<String>,
    issue: Option<String>,
    story: Option<usize>,
    lang: String,
}

/// `audition say`: the audio written, the SSML printed.
async fn say_command(request: SayRequest, out: &Path, cache: Option<String>) -> Result<(), Error> {
    let cache = ClipCache::open(&cache.unwrap_or_else(default_cache))?;
    let (issue, show) = match &request.issue {
        Some(issue) => {
            let prepared = audition::prepare(&audition::Request {
                issue: issue.clone(),
                show: request.show.clone(),
                language: None,
                item: None,
                voice: request.voice.clone(),
            })
            .await?;
            (Some(prepared.0), prepared.1)
        }
        None => (
            None,
            audition::load_show(
                request.show.as_deref(),
                &request.lang,
                request.voice.as_deref(),
            )?,
        ),
    };
    let what = match (&issue, request.story) {
        (Some(issue), Some(n)) => audition::say::Said::Story(issue, n),
        _ => audition::say::Said::Text(request.text.as_deref().unwrap_or_default()),
    };
    let progress = Bars::new();
    let report = audition::say::say(&show, what, out, &cache, &progress).await?;
    progress.clear();
    for (engine, ssml) in &report.ssml {
        println!("{engine}: {ssml}");
    }
    for phonemes in &report.phonemes {
        println!("phonemes: {phonemes}");
    }
    say(&format!(
        "Said in {} ({:.1} s; {} clip(s) synthesised, {} cached)",
        out.display(),
        report.duration_ms as f64 / 1000.0,
        report.clips.synthesised,
        report.clips.cached
    ))
}

/// `audition lexicon add | check`.
fn lexicon(action: LexiconAction) -> Result<(), Error> {
    use audition::script::lexicon_file::LexiconFile;
    let read = |path: &Path| -> Result<LexiconFile, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| io_error(path, e))?;
        LexiconFile::parse(&text).map_err(|message| Error::Input {
            path: path.to_path_buf(),
            message,
        })
    };
    match action {
        LexiconAction::Add {
            pls,
            word,
            alias,
            ipa,
            language,
        } => {
            if word.trim().is_empty() {
                return Err(Error::Input {
                    path: pls,
                    message: "the word is empty".into(),
                });
            }
            let mut file = if pls.exists() {
                read(&pls)?
            } else {
                LexiconFile::new(&language)
            };
            file.add(word.trim(), alias.as_deref(), ipa.as_deref());
            audition::atomic::write_atomic(&pls, file.to_xml().as_bytes())?;
            say(&format!(
                "{}: {} now said as written there ({} entries)",
                pls.display(),
                word.trim(),
                file.len()
            ))
        }
        LexiconAction::Check { pls, show, voice } => {
            let file = read(&pls)?;
            let engines: Vec<String> = match (show, voice) {
                (Some(show), _) => {
                    let show = Show::load(&show)?;
                    let mut engines: Vec<String> = show
                        .voices()
                        .iter()
                        .map(|(_, v)| v.engine.clone())
                        .collect();
                    engines.dedup();
                    engines
                }
                (None, Some(voice)) => vec![VoiceProfile::find(&voice, None)?.engine],
                (None, None) => vec!["a local engine".to_string()],
            };
            let mut findings = Vec::new();
            for engine in &engines {
                let reads = Flavor::of_engine(engine).reads_phonemes();
                for finding in file.findings(engine, reads) {
                    if !findings.contains(&finding) {
                        findings.push(finding);
                    }
                }
            }
            findings.sort_by_key(|f| f.line);
            if findings.is_empty() {
                return say(&format!(
                    "{}: {} entries, none to fix for {}",
                    pls.display(),
                    file.len(),
                    engines.join(", ")
                ));
            }
            let lines: Vec<String> = findings
                .iter()
                .map(|f| format!("{}:{}: {}", pls.display(), f.line, f.message))
                .collect();
            say(&lines.join("\n"))?;
            Err(Error::Input {
                path: pls,
                message: match findings.len() {
                    1 => "1 entry to fix".to_string(),
                    n => format!("{n} entries to fix"),
                },
            })
        }
    }
}

/// `audition cache stats | prune`.
async fn cache_command(
    action: CacheAction,
    cache: Option<String>,
    outs: Vec<String>,
    shows: Vec<PathBuf>,
) -> Result<(), Error> {
    let cache = ClipCache::open(&cache.unwrap_or_else(default_cache))?;
    let mut locations = outs;
    for show in &shows {
        locations.push(default_out(&Show::load(show)?));
    }
    if locations.is_empty() {
        locations = shows_under_feeds();
    }
    let stores = locations
        .iter()
        .map(|l| Store::open(l))
        .collect::<Result<Vec<_>, _>>()?;
    let (published, unknown) = audition::episodes::published_clips(&stores).await?;
    let clips = cache.clips()?;
    let size = |bytes: u64| bytesize::ByteSize::b(bytes).display().si().to_string();
    match action {
        CacheAction::Stats => {
            let total: u64 = clips.iter().map(|c| c.bytes).sum();
            let used = clips.iter().filter(|c| published.contains(&c.key)).count();
            let age = |t: std::time::SystemTime| {
                let days = t.elapsed().unwrap_or_default().as_secs() / 86_400;
                format!("{days} day(s) ago")
            };
            let span = match (clips.first(), clips.last()) {
                (Some(old), Some(new)) => format!(
                    "; least recently used {}, most {}",
                    age(old.used),
                    age(new.used)
                ),
                _ => String::new(),
            };
            say(&format!(
                "{}: {} clip(s), {}{span}; {used} used by the published episodes of {}",
                cache.folder().display(),
                clips.len(),
                size(total),
                if locations.is_empty() {
                    "no folder".to_string()
                } else {
                    locations.join(", ")
                }
            ))
        }
        CacheAction::Prune {
            older_than,
            max_size,
            include_published,
        } => {
            if older_than.is_none() && max_size.is_none() {
                return Err(Error::Input {
                    path: cache.folder().to_path_buf(),
                    message: "say what to prune: --older-than 90d and/or --max-size 5GB".into(),
                });
            }
            if !include_published && !unknown.is_empty() {
                return Err(Error::Input {
                    path: cache.folder().to_path_buf(),
                    message: format!(
                        "episodes {} were published before manifests named their clips: build them once more (nothing is synthesised again), or give --include-published",
                        unknown.join(", ")
                    ),
                });
            }
            let keep = if include_published {
                Default::default()
            } else {
                published
            };
            let rule = audition::synth::PruneRule {
                older_than,
                max_bytes: max_size,
            };
            let pruned = cache.prune(&rule, &keep)?;
            say(&format!(
                "Freed {} in {} clip(s); kept {} clip(s), {}{}",
                size(pruned.freed_bytes),
                pruned.removed,
                pruned.kept,
                size(pruned.kept_bytes),
                if pruned.protected > 0 {
                    format!(
                        " ({} of them only because published episodes use them)",
                        pruned.protected
                    )
                } else {
                    String::new()
                }
            ))
        }
    }
}

/// The default published folders of the shows under `feeds/` that exist.
fn shows_under_feeds() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("feeds") else {
        return Vec::new();
    };
    let mut found: Vec<String> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("show.toml"))
        .filter(|p| p.is_file())
        .filter_map(|p| Show::load(&p).ok())
        .map(|show| default_out(&show))
        .filter(|out| Path::new(out).is_dir())
        .collect();
    found.sort();
    found
}

/// `audition man`: the manual page on stdout, or every command's page into `dir`.
fn manual(dir: Option<&Path>) -> Result<(), Error> {
    let command = <Cli as clap::CommandFactory>::command();
    let Some(dir) = dir else {
        let mut page = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut page)
            .map_err(|e| io_error(Path::new("stdout"), e))?;
        return say(String::from_utf8_lossy(&page).trim_end());
    };
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    clap_mangen::generate_to(command, dir).map_err(|e| io_error(dir, e))?;
    say(&format!("Manual pages written to {}", dir.display()))
}

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// `audition episodes`: list, or remove or restore one and republish.
async fn episodes(
    action: EpisodesAction,
    show_file: Option<&Path>,
    out: Option<String>,
    base_url: Option<String>,
) -> Result<(), Error> {
    let show = show_file.map(Show::load).transpose()?;
    let location = match (&out, &show) {
        (Some(out), _) => out.clone(),
        (None, Some(show)) => default_out(show),
        (None, None) => {
            return Err(Error::Input {
                path: PathBuf::from("episodes"),
                message: "give --show SHOW.toml or --out LOCATION".into(),
            })
        }
    };
    let store = Store::open(&location)?;
    let (id, published) = match action {
        EpisodesAction::List => return list_episodes(&store).await,
        EpisodesAction::Remove { id, purge } => {
            let (show, base_url) = show_for_feed(show.as_ref(), base_url)?;
            let published = audition::episodes::remove(show, &base_url, &store, &id, purge).await?;
            let gone = if purge {
                "deleted"
            } else {
                "moved to the trash"
            };
            (format!("Removed {id} (files {gone})"), published)
        }
        EpisodesAction::Restore { id } => {
            let (show, base_url) = show_for_feed(show.as_ref(), base_url)?;
            let published = audition::episodes::restore(show, &base_url, &store, &id).await?;
            (format!("Restored {id}"), published)
        }
    };
    for warning in &published.warnings {
        eprintln!("warning: {warning}");
    }
    say(&format!("{id}; feed rebuilt: {}", published.feed))
}

/// The show a feed is rebuilt with, and its public URL.
fn show_for_feed(show: Option<&Show>, base_url: Option<String>) -> Result<(&Show, String), Error> {
    let show = show.ok_or_else(|| Error::Input {
        path: PathBuf::from("episodes"),
        message: "give --show SHOW.toml: the feed is rebuilt with the show's settings".into(),
    })?;
    let base_url = base_url.unwrap_or_else(|| show.base_url.clone());
    Ok((show, base_url.trim_end_matches('/').to_string()))
}

async fn list_episodes(store: &Store) -> Result<(), Error> {
    let held = audition::episodes::list(store).await?;
    if held.is_empty() {
        return say(&format!("No episode in {}", store.location()));
    }
    let mut lines = Vec::new();
    for episode in &held {
        let m = &episode.manifest;
        let seconds = m.duration_ms / 1000;
        lines.push(format!(
            "{}  {:>2}:{:02}  {}  {}",
            m.id,
            seconds / 60,
            seconds % 60,
            if episode.trashed {
                "removed  "
            } else {
                "published"
            },
            m.title
        ));
    }
    say(&lines.join("\n"))
}

/// Where a show publishes when `--out` is not given: `public/<show id>`.
fn default_out(show: &Show) -> String {
    Path::new("public").join(&show.id).display().to_string()
}

/// The clip cache when `--cache` is not given: the user's cache folder.
fn default_cache() -> String {
    ClipCache::default_dir().display().to_string()
}

/// A duration given in seconds on the command line.
fn seconds(value: f64) -> Result<std::time::Duration, Error> {
    std::time::Duration::try_from_secs_f64(value).map_err(|_| Error::Input {
        path: PathBuf::from("(command line)"),
        message: format!("{value} is not a number of seconds"),
    })
}

/// `audition watch`: one look, or one every interval until SIGTERM or Ctrl-C.
async fn watch(
    show_file: &Path,
    once: bool,
    out: Option<String>,
    cache: Option<String>,
    queue: Option<&str>,
    given: audition::settings::WatchSettings,
) -> Result<(), Error> {
    let show = Show::load(show_file)?;
    let mut settings = show.watch.clone().unwrap_or_default();
    settings.feed = given.feed.or(settings.feed);
    settings.imap = given.imap.or(settings.imap);
    settings.from = given.from.or(settings.from);
    settings.folder = given.folder.or(settings.folder);
    if let Some(problem) = settings.problem() {
        return Err(Error::Config {
            path: show_file.to_path_buf(),
            message: format!("{problem} (or give --feed / --imap / --folder)"),
        });
    }
    let queue = match queue {
        Some(url) => Some(Queue::connect(url).await?),
        None => None,
    };
    let target = audition::watch::Target {
        show_file: show_file.to_path_buf(),
        out: out.unwrap_or_else(|| default_out(&show)),
        cache: cache.unwrap_or_else(default_cache),
        queue: queue.as_ref(),
    };
    let stop = stop_requested();
    tokio::pin!(stop);
    loop {
        let report = audition::watch::watch_once(&settings, &target).await?;
        for (issue, error) in &report.failed {
            eprintln!("error: {issue}: {error}");
        }
        say(&watch_summary(&report))?;
        if once {
            return match report.failed.len() {
                0 => Ok(()),
                n => Err(Error::Engine {
                    engine: "watch".into(),
                    message: format!(
                        "{n} issue(s) failed to build; they are tried again next time"
                    ),
                }),
            };
        }
        tokio::select! {
            _ = tokio::time::sleep(audition::watch::interval(&settings)) => {}
            _ = &mut stop => return Ok(()),
        }
    }
}

fn watch_summary(report: &audition::watch::WatchReport) -> String {
    let mut parts = Vec::new();
    if !report.built.is_empty() {
        parts.push(format!("built {}", report.built.join(", ")));
    }
    if !report.queued.is_empty() {
        let ids: Vec<String> = report.queued.iter().map(|i| i.to_string()).collect();
        parts.push(format!("queued job(s) {}", ids.join(", ")));
    }
    if report.skipped > 0 {
        parts.push(format!(
            "{} older issue(s) left out (backfill)",
            report.skipped
        ));
    }
    if parts.is_empty() {
        "Nothing new".to_string()
    } else {
        format!("Watch: {}", parts.join("; "))
    }
}

/// `audition enqueue`: the issue's bytes travel with the job when it is a file.
async fn enqueue(
    issue: IssueArgs,
    out: Option<String>,
    cache: Option<String>,
    queue: &str,
    tries: i32,
) -> Result<(), Error> {
    // Read here, as a build would, so that a bad issue or show is refused now, not later
    // on a worker.
    let (read, show) = issue.load().await?;
    let show_file = issue
        .show
        .as_ref()
        .map(|p| p.display().to_string())
        .ok_or_else(|| Error::Input {
            path: PathBuf::from(&issue.issue),
            message: "a queued job needs --show (the workers load the same show file)".into(),
        })?;
    let path = Path::new(&issue.issue);
    let issue_file = if path.is_file() {
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        Some((name.unwrap_or_else(|| "issue".into()), bytes))
    } else {
        None
    };
    let spec = JobSpec {
        show: show_file,
        issue: issue.issue.clone(),
        issue_file,
        item: Some(issue.item.clone()),
        lang: issue.lang.clone(),
        voice: issue.voice.clone(),
        out: out.unwrap_or_else(|| default_out(&show)),
        cache: cache.unwrap_or_else(default_cache),
        source: None,
        max_attempts: tries,
    };
    let queue = Queue::connect(queue).await?;
    match queue.enqueue(&spec).await? {
        Some(id) => say(&format!(
            "Queued job {id}: issue {} of {} for {}",
            read.date.iso(),
            show.title,
            spec.out
        )),
        None => say("Already queued"),
    }
}

/// `audition worker`: jobs until SIGTERM, Ctrl-C or (with --until-idle) an empty queue.
async fn worker(url: &str, settings: &audition::worker::WorkerSettings) -> Result<(), Error> {
    let queue = Queue::connect(url).await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        stop_requested().await;
        eprintln!("stopping: the job in hand finishes first");
        let _ = stop.send(true);
    });
    eprintln!("worker {} waiting for jobs", settings.name);
    let log = |line: &str| eprintln!("{line}");
    let summary = audition::worker::work(&queue, settings, stopped, &log).await?;
    say(&format!(
        "Worker {} stopped: {} done, {} failed, {} taken over",
        settings.name, summary.done, summary.failed, summary.lost
    ))
}

/// SIGTERM (what Kubernetes and systemd send) or Ctrl-C.
async fn stop_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// `audition jobs`: one line per job, newest first.
async fn jobs(url: &str, limit: i64) -> Result<(), Error> {
    let queue = Queue::connect(url).await?;
    let mut lines = vec![format!(
        "{:>6}  {:<8} {:>5}  {:<24} {:<12} {}",
        "job", "state", "tries", "issue", "episode", "worker / last error"
    )];
    for job in queue.list(limit).await? {
        let issue = Path::new(&job.issue)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or(job.issue.clone());
        let detail = match (&job.last_error, &job.worker) {
            (Some(error), _) => error.clone(),
            (None, Some(worker)) => format!("{worker}, {:.0} s ago", job.age_s),
            _ => String::new(),
        };
        lines.push(format!(
            "{:>6}  {:<8} {:>2}/{:<2}  {:<24} {:<12} {detail}",
            job.id,
            job.state,
            job.attempts,
            job.max_attempts,
            issue,
            job.episode.as_deref().unwrap_or("-"),
        ));
    }
    say(&lines.join("\n"))
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
    let script = audition::script::build_with(&issue, &show.script_settings(), flavor);
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
                ProgressStyle::with_template(
                    "{msg:>20} [{bar:30}] {percent:>3}% {elapsed} elapsed, {eta} left",
                )
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

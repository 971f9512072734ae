//! `audition worker`: takes jobs from the Postgres queue and builds them, one at a time,
//! until stopped (or, with `until_idle`, until nothing is left to do).
//!
//! Each job is a stateless build: the show file is read from the worker's own layout, the
//! issue from the bytes carried by the job (or its URL), the published store and the clip
//! cache are the job's (folders or buckets). While a job runs its lease is renewed every
//! third of the lease; if a renewal finds the job taken by another worker (this one stalled
//! past its lease), the build is dropped unpublished. The feed is written in the store's
//! turn ([`crate::queue::Queue::lock_feed`]). A stop request (SIGTERM) lets the job in hand
//! finish, then the worker exits.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::build::{build_in_turn, prepare, BuildOptions, BuildReport, FeedTurn, Request};
use crate::error::{Error, Result};
use crate::progress::Silent;
use crate::queue::{Job, JobSpec, Queue};

/// How a worker behaves.
#[derive(Debug, Clone)]
pub struct WorkerSettings {
    /// Names the worker in the queue (`host:pid` by default).
    pub name: String,
    /// How long a claim lasts without renewal.
    pub lease: Duration,
    /// How long to wait before asking again when nothing is ready.
    pub poll: Duration,
    /// Delay before the first retry of a failed job; doubled each try, at most an hour.
    pub retry: Duration,
    /// Stop when no job is queued or running anywhere.
    pub until_idle: bool,
}

/// What a worker did before it stopped.
#[derive(Debug, Clone, Default)]
pub struct WorkSummary {
    pub done: usize,
    pub failed: usize,
    /// Jobs given up because another worker took them over.
    pub lost: usize,
}

/// The queue's per-store lock as the build's feed turn.
struct QueueTurn<'a>(&'a Queue);

#[async_trait::async_trait]
impl FeedTurn for QueueTurn<'_> {
    async fn begin(&self, out: &str) -> Result<()> {
        self.0.lock_feed(out).await
    }

    async fn end(&self, out: &str) -> Result<()> {
        self.0.unlock_feed(out).await
    }
}

/// Processes jobs until `stop` turns true (checked between jobs and while idle) or, with
/// `until_idle`, until no job is queued or running. `log` receives one line per event.
pub async fn work(
    queue: &Queue,
    settings: &WorkerSettings,
    mut stop: watch::Receiver<bool>,
    log: &(dyn Fn(&str) + Sync),
) -> Result<WorkSummary> {
    let mut summary = WorkSummary::default();
    while !*stop.borrow() {
        let Some(job) = queue.claim(&settings.name, settings.lease).await? else {
            if settings.until_idle && queue.unfinished().await? == 0 {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(settings.poll) => {}
                _ = stop.changed() => {}
            }
            continue;
        };
        let started = Instant::now();
        log(&format!(
            "job {} (try {} of {}): {} for {} into {}",
            job.id, job.attempt, job.spec.max_attempts, job.spec.issue, job.spec.show, job.spec.out
        ));
        match run_with_lease(queue, settings, &job).await {
            Outcome::Done(episode, note) => {
                if queue.complete(job.id, &settings.name, &episode).await? {
                    summary.done += 1;
                    log(&format!(
                        "job {}: episode {episode} {note} in {:.1} s",
                        job.id,
                        started.elapsed().as_secs_f64()
                    ));
                } else {
                    summary.lost += 1;
                    log(&format!("job {}: taken over by another worker", job.id));
                }
            }
            Outcome::Failed(e) => {
                summary.failed += 1;
                let permanent = e.exit_code() == 1;
                let retry = retry_delay(settings.retry, job.attempt);
                queue
                    .fail(job.id, &settings.name, &e.to_string(), permanent, retry)
                    .await?;
                let next = if permanent || job.attempt >= job.spec.max_attempts {
                    "failed for good".to_string()
                } else {
                    format!("retried in {:.0} s", retry.as_secs_f64())
                };
                log(&format!("job {}: {e} ({next})", job.id));
            }
            Outcome::Lost => {
                summary.lost += 1;
                log(&format!(
                    "job {}: lease lost to another worker; dropped unpublished",
                    job.id
                ));
            }
        }
    }
    Ok(summary)
}

enum Outcome {
    /// The episode id and what happened (`published` or `already up to date`).
    Done(String, &'static str),
    Failed(Error),
    Lost,
}

/// Builds the job while renewing its lease; gives up the build if the lease is lost.
async fn run_with_lease(queue: &Queue, settings: &WorkerSettings, job: &Job) -> Outcome {
    let build = run(queue, job);
    tokio::pin!(build);
    let every = settings.lease / 3;
    let mut renewals = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        tokio::select! {
            outcome = &mut build => return outcome,
            _ = renewals.tick() => match queue.renew(job.id, &settings.name, settings.lease).await {
                Ok(true) => {}
                Ok(false) => return Outcome::Lost,
                // The database is unreachable for a moment: keep building; the next
                // renewal or the completion will tell.
                Err(_) => {}
            },
        }
    }
}

async fn run(queue: &Queue, job: &Job) -> Outcome {
    match build_job(queue, job).await {
        Ok((episode, up_to_date)) => Outcome::Done(
            episode,
            if up_to_date {
                "already up to date"
            } else {
                "published"
            },
        ),
        Err(e) => Outcome::Failed(e),
    }
}

async fn build_job(queue: &Queue, job: &Job) -> Result<(String, bool)> {
    let report = build_spec(&job.spec, Some(&QueueTurn(queue))).await?;
    Ok((report.episode_id, report.up_to_date))
}

/// Builds what a job asks, here: the issue carried by the job is read from a scratch copy
/// under its own name (its extension says its format), the show from the worker's layout.
/// `audition watch` builds what it finds the same way when it has no queue.
pub async fn build_spec(spec: &JobSpec, turn: Option<&dyn FeedTurn>) -> Result<BuildReport> {
    let scratch = tempfile::tempdir().map_err(|e| Error::io(&std::env::temp_dir(), e))?;
    let issue = match &spec.issue_file {
        Some((name, body)) => {
            let name = std::path::Path::new(name)
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("issue"));
            let path = scratch.path().join(name);
            std::fs::write(&path, body).map_err(|e| Error::io(&path, e))?;
            path.display().to_string()
        }
        None => spec.issue.clone(),
    };
    let request = Request {
        issue,
        show: Some(PathBuf::from(&spec.show)),
        language: spec.lang.clone(),
        item: spec.item.clone(),
        voice: spec.voice.clone(),
    };
    let (issue, show) = prepare(&request).await?;
    let options = BuildOptions {
        source: spec.source.clone(),
        ..BuildOptions::new(&spec.out, &spec.cache)
    };
    build_in_turn(&show, &issue, &options, &Silent, turn).await
}

/// `base` doubled for each try already made, at most an hour.
fn retry_delay(base: Duration, attempt: i32) -> Duration {
    let doublings = attempt.clamp(1, 12) as u32 - 1;
    (base * 2u32.pow(doublings)).min(Duration::from_secs(3600))
}

/// `host:pid`, the default worker name.
pub fn default_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".to_string());
    format!("{host}:{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::retry_delay;
    use std::time::Duration;

    #[test]
    fn retries_wait_longer_each_time_up_to_an_hour() {
        let base = Duration::from_secs(30);
        assert_eq!(retry_delay(base, 1), Duration::from_secs(30));
        assert_eq!(retry_delay(base, 3), Duration::from_secs(120));
        assert_eq!(retry_delay(base, 40), Duration::from_secs(3600));
    }
}

//! The job queue on Postgres, for many workers on many machines.
//!
//! One table, `audition_jobs`. A job is one issue to build for one show into one published
//! store. Workers claim the oldest ready job with `FOR UPDATE SKIP LOCKED` (two workers never
//! get the same one), hold it under a lease they renew while working, and mark it done or
//! failed; a job whose worker died is claimed again once its lease has run out. Failures are
//! retried a bounded number of times with a growing delay, the last error kept on the job;
//! input or configuration errors fail at once (retrying cannot fix them). Jobs that carry
//! a source (a feed item's guid, an e-mail's Message-ID) are queued once per published store.
//!
//! The per-store feed lock is a session advisory lock (`pg_advisory_lock`) on a second
//! connection, so a worker waiting for its turn never delays its lease renewals; it is
//! released by Postgres itself if the worker dies.
//!
//! The schema follows what `apalis-postgres` and River keep per job (state, attempts,
//! max attempts, run-after, lease, last error, worker), in one table this crate owns.

use std::time::Duration;

use tokio_postgres::{Client, NoTls, Row};

use crate::error::{Error, Result};

/// The schema, created once by whichever process connects first (under an advisory lock,
/// so concurrent first starts do not race on `CREATE TABLE`).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audition_jobs (
    id            BIGSERIAL PRIMARY KEY,
    show_file     TEXT NOT NULL,
    issue         TEXT NOT NULL,
    issue_name    TEXT,
    issue_body    BYTEA,
    item          TEXT,
    lang          TEXT,
    voice         TEXT,
    out_location  TEXT NOT NULL,
    cache         TEXT NOT NULL,
    source        TEXT,
    state         TEXT NOT NULL DEFAULT 'queued'
                  CHECK (state IN ('queued', 'running', 'done', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    max_attempts  INTEGER NOT NULL DEFAULT 3,
    run_after     TIMESTAMPTZ NOT NULL DEFAULT now(),
    lease_until   TIMESTAMPTZ,
    worker        TEXT,
    last_error    TEXT,
    episode       TEXT,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at   TIMESTAMPTZ
);
CREATE UNIQUE INDEX IF NOT EXISTS audition_jobs_source
    ON audition_jobs (out_location, source) WHERE source IS NOT NULL;
CREATE INDEX IF NOT EXISTS audition_jobs_ready
    ON audition_jobs (run_after, id) WHERE state IN ('queued', 'running');
";

/// Advisory-lock key under which the schema is created.
const SCHEMA_LOCK: i64 = 0x4155_4449_5449_4f4e; // "AUDITION"

/// What a job asks: the same inputs as `audition build`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobSpec {
    /// The show file, as the workers see it (they run in the same layout: a checkout or
    /// the Docker image, with feeds/ and voices/).
    pub show: String,
    /// The issue as given: a path or an http(s) URL.
    pub issue: String,
    /// The issue's file name and bytes, when it was read from a file at enqueue time (so a
    /// worker on another machine needs no copy of it).
    pub issue_file: Option<(String, Vec<u8>)>,
    pub item: Option<String>,
    pub lang: Option<String>,
    pub voice: Option<String>,
    /// The published folder or bucket, and the clip cache.
    pub out: String,
    pub cache: String,
    /// A feed item's guid or an e-mail's Message-ID: queued once per published store.
    pub source: Option<String>,
    /// Tries before the job is failed for good.
    pub max_attempts: i32,
}

/// A claimed job.
#[derive(Debug, Clone)]
pub struct Job {
    pub id: i64,
    /// This claim's try (1 for the first).
    pub attempt: i32,
    pub spec: JobSpec,
}

/// One line of `audition jobs`.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub id: i64,
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub show: String,
    pub issue: String,
    pub worker: Option<String>,
    pub episode: Option<String>,
    pub last_error: Option<String>,
    /// Seconds since the job last changed.
    pub age_s: f64,
}

/// A connection to the queue.
pub struct Queue {
    jobs: Client,
    locks: Client,
}

fn failed(what: &str, e: tokio_postgres::Error) -> Error {
    // The server's own message (a missing database, a refused password), never the URL,
    // which may hold the password.
    let detail = e
        .as_db_error()
        .map(|db| db.message().to_string())
        .or_else(|| std::error::Error::source(&e).map(|s| s.to_string()))
        .unwrap_or_else(|| e.to_string());
    Error::Queue(format!("{what}: {detail}"))
}

async fn connect_one(url: &str) -> Result<Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .map_err(|e| failed("cannot connect to Postgres", e))?;
    tokio::spawn(async move {
        // The connection ends when the client is dropped; an error then is reported by the
        // next query made on the client.
        let _ = connection.await;
    });
    Ok(client)
}

impl Queue {
    /// Connects (a `postgres://user:password@host/db` URL or a key=value string) and makes
    /// sure the table exists.
    pub async fn connect(url: &str) -> Result<Queue> {
        let jobs = connect_one(url).await?;
        let locks = connect_one(url).await?;
        let mut queue = Queue { jobs, locks };
        queue.migrate().await?;
        Ok(queue)
    }

    async fn migrate(&mut self) -> Result<()> {
        let tx = self
            .jobs
            .transaction()
            .await
            .map_err(|e| failed("cannot start a transaction", e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK])
            .await
            .map_err(|e| failed("cannot lock the schema", e))?;
        tx.batch_execute(SCHEMA)
            .await
            .map_err(|e| failed("cannot create the jobs table", e))?;
        tx.commit()
            .await
            .map_err(|e| failed("cannot create the jobs table", e))
    }

    /// Adds a job; `None` when a job with the same source is already queued for the same
    /// store (whatever its state).
    pub async fn enqueue(&self, spec: &JobSpec) -> Result<Option<i64>> {
        let (name, body) = match &spec.issue_file {
            Some((name, body)) => (Some(name.as_str()), Some(body.as_slice())),
            None => (None, None),
        };
        let row = self
            .jobs
            .query_opt(
                "INSERT INTO audition_jobs
                   (show_file, issue, issue_name, issue_body, item, lang, voice, out_location,
                    cache, source, max_attempts)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 ON CONFLICT (out_location, source) WHERE source IS NOT NULL DO NOTHING
                 RETURNING id",
                &[
                    &spec.show,
                    &spec.issue,
                    &name,
                    &body,
                    &spec.item,
                    &spec.lang,
                    &spec.voice,
                    &spec.out,
                    &spec.cache,
                    &spec.source,
                    &spec.max_attempts.max(1),
                ],
            )
            .await
            .map_err(|e| failed("cannot add the job", e))?;
        Ok(row.map(|r| r.get(0)))
    }

    /// Whether a job for `source` was ever queued for the store `out`.
    pub async fn knows(&self, out: &str, source: &str) -> Result<bool> {
        let row = self
            .jobs
            .query_opt(
                "SELECT 1 FROM audition_jobs WHERE out_location = $1 AND source = $2",
                &[&out, &source],
            )
            .await
            .map_err(|e| failed("cannot read the jobs", e))?;
        Ok(row.is_some())
    }

    /// Claims the oldest ready job (queued and due, or running under a lease that ran out)
    /// for `worker`, leased for `lease`. Jobs whose worker died on their last try are
    /// failed first.
    pub async fn claim(&self, worker: &str, lease: Duration) -> Result<Option<Job>> {
        self.jobs
            .execute(
                "UPDATE audition_jobs
                    SET state = 'failed', finished_at = now(), updated_at = now(),
                        last_error = coalesce(last_error || '; ', '')
                                     || 'its worker stopped answering on the last try'
                  WHERE state = 'running' AND lease_until < now() AND attempts >= max_attempts",
                &[],
            )
            .await
            .map_err(|e| failed("cannot expire leases", e))?;
        let row = self
            .jobs
            .query_opt(
                "WITH next AS (
                    SELECT id FROM audition_jobs
                     WHERE run_after <= now() AND attempts < max_attempts
                       AND (state = 'queued' OR (state = 'running' AND lease_until < now()))
                     ORDER BY run_after, id
                     LIMIT 1
                     FOR UPDATE SKIP LOCKED)
                 UPDATE audition_jobs j
                    SET state = 'running', attempts = j.attempts + 1, worker = $1,
                        lease_until = now() + make_interval(secs => $2), updated_at = now()
                   FROM next WHERE j.id = next.id
                 RETURNING j.id, j.attempts, j.show_file, j.issue, j.issue_name, j.issue_body,
                           j.item, j.lang, j.voice, j.out_location, j.cache, j.source,
                           j.max_attempts",
                &[&worker, &lease.as_secs_f64()],
            )
            .await
            .map_err(|e| failed("cannot claim a job", e))?;
        Ok(row.map(|r| job_of(&r)))
    }

    /// Extends the lease of a job this worker holds; `false` when it no longer holds it
    /// (the lease ran out and another worker took the job).
    pub async fn renew(&self, id: i64, worker: &str, lease: Duration) -> Result<bool> {
        let n = self
            .jobs
            .execute(
                "UPDATE audition_jobs
                    SET lease_until = now() + make_interval(secs => $3), updated_at = now()
                  WHERE id = $1 AND worker = $2 AND state = 'running'",
                &[&id, &worker, &lease.as_secs_f64()],
            )
            .await
            .map_err(|e| failed("cannot renew the lease", e))?;
        Ok(n == 1)
    }

    /// Marks a job done with the episode it published.
    pub async fn complete(&self, id: i64, worker: &str, episode: &str) -> Result<bool> {
        let n = self
            .jobs
            .execute(
                "UPDATE audition_jobs
                    SET state = 'done', episode = $3, last_error = NULL, lease_until = NULL,
                        finished_at = now(), updated_at = now()
                  WHERE id = $1 AND worker = $2 AND state = 'running'",
                &[&id, &worker, &episode],
            )
            .await
            .map_err(|e| failed("cannot mark the job done", e))?;
        Ok(n == 1)
    }

    /// Records a failed try: queued again after `retry_in` while tries remain (and the
    /// error can be fixed by trying again), failed for good otherwise.
    pub async fn fail(
        &self,
        id: i64,
        worker: &str,
        error: &str,
        permanent: bool,
        retry_in: Duration,
    ) -> Result<()> {
        self.jobs
            .execute(
                "UPDATE audition_jobs
                    SET state = CASE WHEN $4 OR attempts >= max_attempts THEN 'failed'
                                     ELSE 'queued' END,
                        finished_at = CASE WHEN $4 OR attempts >= max_attempts THEN now() END,
                        run_after = now() + make_interval(secs => $5),
                        last_error = $3, lease_until = NULL, updated_at = now()
                  WHERE id = $1 AND worker = $2 AND state = 'running'",
                &[&id, &worker, &error, &permanent, &retry_in.as_secs_f64()],
            )
            .await
            .map_err(|e| failed("cannot record the failure", e))?;
        Ok(())
    }

    /// Jobs queued or running, whoever holds them (a worker run `--until-idle` waits for
    /// these: a dead worker's job comes back when its lease runs out).
    pub async fn unfinished(&self) -> Result<i64> {
        let row = self
            .jobs
            .query_one(
                "SELECT count(*) FROM audition_jobs WHERE state IN ('queued', 'running')",
                &[],
            )
            .await
            .map_err(|e| failed("cannot count the jobs", e))?;
        Ok(row.get(0))
    }

    /// The newest jobs, newest first.
    pub async fn list(&self, limit: i64) -> Result<Vec<JobRow>> {
        let rows = self
            .jobs
            .query(
                "SELECT id, state, attempts, max_attempts, show_file, issue, worker, episode,
                        last_error, extract(epoch FROM now() - updated_at)::float8
                   FROM audition_jobs ORDER BY id DESC LIMIT $1",
                &[&limit],
            )
            .await
            .map_err(|e| failed("cannot list the jobs", e))?;
        Ok(rows
            .iter()
            .map(|r| JobRow {
                id: r.get(0),
                state: r.get(1),
                attempts: r.get(2),
                max_attempts: r.get(3),
                show: r.get(4),
                issue: r.get(5),
                worker: r.get(6),
                episode: r.get(7),
                last_error: r.get(8),
                age_s: r.get(9),
            })
            .collect())
    }

    /// Waits for the turn to write the feed of the store `out` (one writer per store across
    /// all workers).
    pub async fn lock_feed(&self, out: &str) -> Result<()> {
        self.locks
            .execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", &[&out])
            .await
            .map_err(|e| failed("cannot take the feed lock", e))?;
        Ok(())
    }

    /// Ends the turn taken by [`Queue::lock_feed`].
    pub async fn unlock_feed(&self, out: &str) -> Result<()> {
        self.locks
            .execute(
                "SELECT pg_advisory_unlock(hashtextextended($1, 0))",
                &[&out],
            )
            .await
            .map_err(|e| failed("cannot release the feed lock", e))?;
        Ok(())
    }
}

fn job_of(row: &Row) -> Job {
    let name: Option<String> = row.get(4);
    let body: Option<Vec<u8>> = row.get(5);
    Job {
        id: row.get(0),
        attempt: row.get(1),
        spec: JobSpec {
            show: row.get(2),
            issue: row.get(3),
            issue_file: name.zip(body),
            item: row.get(6),
            lang: row.get(7),
            voice: row.get(8),
            out: row.get(9),
            cache: row.get(10),
            source: row.get(11),
            max_attempts: row.get(12),
        },
    }
}

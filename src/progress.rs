//! Progress reporting from the pipeline to whoever is watching (a terminal bar, or nothing).
//!
//! The library reports stages and steps; drawing is the CLI's job.

/// Receives progress from a build. Implementations must be cheap: they are called per step.
pub trait Progress: Send + Sync {
    /// A stage starts with `total` steps (0 when unknown).
    fn stage(&self, name: &str, total: u64);
    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64);
    /// The current stage is finished.
    fn finish_stage(&self);
    /// Something the producer should see while the stage goes on (a retry, a wait).
    fn note(&self, _message: &str) {}
}

/// Reports nothing (tests, scripts, libraries embedding Audition).
pub struct Silent;

impl Progress for Silent {
    fn stage(&self, _name: &str, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish_stage(&self) {}
}

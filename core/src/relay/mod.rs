//! The relay: groups that never meet merge through object storage the
//! organisation already runs (S3-compatible, WebDAV, a shared folder),
//! which only ever sees ciphertext. A mailbox per device, objects sealed
//! like bundles, keyed names, a manifest per device, compaction, and
//! erasure that reaches the relay: see ADR 0009.

mod backend;
mod engine;
mod manifest;
mod names;
mod retry;

use crate::error::{Error, Result};
use crate::store::Store;
use crate::sync::CancelHandle;

/// Where the relay is and how to sign in. Kept by the app (in its own
/// secure settings), passed to each sync, never stored in the project's
/// synced data: the organisation's storage credentials are not the group
/// secret and do not travel with it.
#[derive(Clone, PartialEq, Eq)]
pub struct RelayConfig {
    /// `file:///path`, `webdav+http(s)://host:port/path`,
    /// `s3://bucket/prefix?endpoint=http://host:port&region=region`, or
    /// `memory://name` (one process only; for tests).
    pub url: String,
    /// WebDAV user, or S3 access key id.
    pub username: Option<String>,
    /// WebDAV password, or S3 secret access key.
    pub password: Option<String>,
}

impl RelayConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            username: None,
            password: None,
        }
    }

    pub fn with_credentials(mut self, username: impl Into<String>, password: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self.password = Some(password.into());
        self
    }
}

impl std::fmt::Debug for RelayConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RelayConfig")
            .field("url", &backend::describe(&self.url))
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .finish()
    }
}

/// What a relay sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RelaySummary {
    /// Documents this device published that the relay did not hold yet.
    pub pushed: u64,
    /// Documents this store changed from what other devices published.
    pub pulled: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
    /// Objects removed from the relay: ones holding an erased document (in
    /// any device's mailbox) and this device's own, replaced by a snapshot.
    pub deleted: u64,
    /// Objects refused (tampered, replayed, truncated, foreign or invalid):
    /// they changed nothing, and everything else synced.
    pub rejected: Vec<RelayRejection>,
    /// Requests made to the relay.
    pub requests: u64,
}

/// An object the sync refused, and why (no content: ids and reasons only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayRejection {
    /// The object's name on the relay.
    pub object: String,
    pub reason: String,
}

/// How far a relay sync has got, for the app's progress display.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RelayProgress {
    /// Objects to upload or download, as far as known.
    pub objects_expected: u64,
    pub objects_done: u64,
    pub bytes_up: u64,
    pub bytes_down: u64,
}

impl Store {
    /// Pushes what is new here to the relay and pulls what other member
    /// devices published, for every project this device belongs to.
    ///
    /// Idempotent, and safe to kill at any point: the next sync transfers
    /// only what is still missing. Everything from the relay is checked as
    /// from a peer; refused objects are listed in
    /// [`RelaySummary::rejected`] and the rest syncs. A failing relay is
    /// [`Error::Relay`] (naming the relay), cancelling is
    /// [`Error::Cancelled`]; either way nothing local is lost. Blocking:
    /// call it from a worker thread.
    pub fn relay_sync(
        &self,
        config: &RelayConfig,
        progress: &mut dyn FnMut(&RelayProgress),
        cancel: &CancelHandle,
    ) -> Result<RelaySummary> {
        let started = std::time::Instant::now();
        let synced = self.relay_sync_unlogged(config, progress, cancel);
        crate::logging::outcome(crate::logging::RELAY, "relay_sync", &synced, |s| {
            crate::logging::relay_synced(s, started)
        });
        synced
    }

    fn relay_sync_unlogged(
        &self,
        config: &RelayConfig,
        progress: &mut dyn FnMut(&RelayProgress),
        cancel: &CancelHandle,
    ) -> Result<RelaySummary> {
        let op = backend::operator(config)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::Storage(format!("could not start the relay's runtime: {e}")))?;
        let mut run = engine::Run::new(self, op, &config.url, progress, cancel);
        runtime.block_on(run.all())?;
        Ok(run.finish())
    }
}

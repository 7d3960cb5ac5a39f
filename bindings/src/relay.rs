//! Relay sync for apps: one `suspend`/`async` call that pushes what is new
//! and pulls what other member devices published through the organisation's
//! object storage, with progress, cancellation and a summary. Run it from a
//! background job (Android WorkManager, iOS BGTaskScheduler; see
//! docs/relay.md).

use std::sync::Arc;

use storyloom::sync::CancelHandle;

use crate::error::Result;
use crate::store::Store;
use crate::worker::off_thread;

/// Where the relay is and how to sign in: kept by the app in its secure
/// storage, never in the project.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RelayConfig {
    /// `file:///path`, `webdav+https://host/path` or
    /// `s3://bucket/prefix?endpoint=https://host&region=region`.
    pub url: String,
    /// WebDAV user, or S3 access key id.
    #[uniffi(default = None)]
    pub username: Option<String>,
    /// WebDAV password, or S3 secret access key.
    #[uniffi(default = None)]
    pub password: Option<String>,
}

/// An object the sync refused (tampered, replayed, foreign or invalid).
#[derive(Debug, Clone, uniffi::Record)]
pub struct RelayRejection {
    /// The object's name on the relay (keyed: it reveals no content).
    /// Called `name`, not `object`, which is a keyword in Kotlin.
    pub name: String,
    /// Why it was refused, for logs.
    pub reason: String,
}

/// What a relay sync did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RelaySummary {
    /// Documents this device published that the relay did not hold yet.
    pub pushed: i64,
    /// Documents this store changed from what other devices published.
    pub pulled: i64,
    /// Bytes uploaded.
    pub bytes_up: i64,
    /// Bytes downloaded.
    pub bytes_down: i64,
    /// Objects removed from the relay: ones holding an erased document, and
    /// this device's own objects replaced by a snapshot.
    pub deleted: i64,
    /// Objects refused (tampered, replayed, truncated, foreign or invalid):
    /// they changed nothing, and everything else synced.
    pub rejected: Vec<RelayRejection>,
}

/// How far a relay sync has got.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RelayProgress {
    /// Objects to upload or download, as far as known so far (it can grow).
    pub objects_expected: i64,
    /// Objects uploaded or downloaded so far.
    pub objects_done: i64,
    /// Bytes uploaded so far.
    pub bytes_up: i64,
    /// Bytes downloaded so far.
    pub bytes_down: i64,
}

/// Told as a relay sync moves on (from the syncing thread).
#[uniffi::export(with_foreign)]
pub trait RelayProgressListener: Send + Sync {
    /// Called at each step of the sync (before and after each object
    /// moves), on the syncing thread: hop to the UI thread before touching
    /// views, and return quickly.
    fn on_progress(&self, progress: RelayProgress);
}

/// Stops a relay sync from another thread: it ends with `Cancelled` at its
/// next step, and the next sync picks up where it stopped.
#[derive(uniffi::Object, Default)]
pub struct RelayCancel {
    inner: CancelHandle,
}

#[uniffi::export]
impl RelayCancel {
    /// A cancel handle to pass to `relaySync`; one per sync.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Asks the sync to stop; it ends with `Cancelled` at its next step.
    /// Cancelling twice, or after the sync ended, is harmless.
    pub fn cancel(&self) {
        self.inner.cancel();
    }
}

fn count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[uniffi::export]
impl Store {
    /// Pushes what is new here to the relay and pulls what other member
    /// devices published, for every project of the store, on a worker
    /// thread. Safe to stop at any point: cancelling the coroutine or task,
    /// or `cancel`, stops it at the next step and the next sync picks up
    /// where it stopped. Fails with `Relay` when the relay cannot be reached
    /// or refuses the credentials, `Cancelled` when cancelled.
    #[uniffi::method(default(progress = None, cancel = None))]
    pub async fn relay_sync(
        self: Arc<Self>,
        config: RelayConfig,
        progress: Option<Arc<dyn RelayProgressListener>>,
        cancel: Option<Arc<RelayCancel>>,
    ) -> Result<RelaySummary> {
        let core = storyloom::RelayConfig {
            url: config.url,
            username: config.username,
            password: config.password,
        };
        let cancel = cancel.map(|c| c.inner.clone()).unwrap_or_default();
        off_thread("relay-sync", Some(cancel.clone()), move || {
            let mut tell = |p: &storyloom::RelayProgress| {
                if let Some(listener) = &progress {
                    listener.on_progress(RelayProgress {
                        objects_expected: count(p.objects_expected),
                        objects_done: count(p.objects_done),
                        bytes_up: count(p.bytes_up),
                        bytes_down: count(p.bytes_down),
                    });
                }
            };
            let summary = self.inner.relay_sync(&core, &mut tell, &cancel)?;
            Ok(summary_record(summary))
        })
        .await
    }
}

fn summary_record(summary: storyloom::RelaySummary) -> RelaySummary {
    RelaySummary {
        pushed: count(summary.pushed),
        pulled: count(summary.pulled),
        bytes_up: count(summary.bytes_up),
        bytes_down: count(summary.bytes_down),
        deleted: count(summary.deleted),
        rejected: summary
            .rejected
            .into_iter()
            .map(|r| RelayRejection {
                name: r.object,
                reason: r.reason,
            })
            .collect(),
    }
}

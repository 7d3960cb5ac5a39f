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
    pub username: Option<String>,
    /// WebDAV password, or S3 secret access key.
    pub password: Option<String>,
}

/// An object the sync refused (tampered, replayed, foreign or invalid).
#[derive(Debug, Clone, uniffi::Record)]
pub struct RelayRejection {
    /// The object's name on the relay (keyed: it reveals no content).
    pub object: String,
    /// Why it was refused, without personal data.
    pub reason: String,
}

/// What a relay sync did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RelaySummary {
    /// Objects this device published.
    pub pushed: i64,
    /// Objects of other member devices read and merged.
    pub pulled: i64,
    /// Bytes written to the relay.
    pub bytes_up: i64,
    /// Bytes read from the relay.
    pub bytes_down: i64,
    /// Objects deleted: replaced by a compacted snapshot, or holding an
    /// erased story.
    pub deleted: i64,
    /// Objects refused; the rest of the sync carried on without them.
    pub rejected: Vec<RelayRejection>,
}

/// How far a relay sync has got.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RelayProgress {
    /// Objects this sync expects to read or write, as far as it knows yet.
    pub objects_expected: i64,
    /// Objects read or written so far.
    pub objects_done: i64,
    /// Bytes written to the relay so far.
    pub bytes_up: i64,
    /// Bytes read from the relay so far.
    pub bytes_down: i64,
}

/// Told as a relay sync moves on (from the syncing thread).
#[uniffi::export(with_foreign)]
pub trait RelayProgressListener: Send + Sync {
    /// Called after each object; keep it short (it runs on the sync's thread).
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
    #[uniffi::constructor]
    /// A handle that has not been cancelled.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Cancels the sync this handle was given to; harmless if it finished.
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
                object: r.object,
                reason: r.reason,
            })
            .collect(),
    }
}

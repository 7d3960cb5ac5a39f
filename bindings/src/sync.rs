//! Sync sessions, bundles, invites and joining, for apps that carry the
//! bytes over their own transport.

use std::sync::{Arc, Mutex, Weak};

use storyloom::sync::CancelHandle;
use storyloom::{DeviceId, MediaId, MemberId, ProjectId};

use crate::error::{Result, StoreError};
use crate::records::MemberRole;
use crate::store::Store;
use crate::worker::off_thread;

/// The project and member a device joined as.
#[derive(Debug, Clone, uniffi::Record)]
pub struct JoinedProject {
    /// The project joined; its documents arrive with the first sync.
    pub project_id: ProjectId,
    /// The member this device writes as in it.
    pub member_id: MemberId,
}

/// How far a session has got.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncProgress {
    /// Documents that differ between the two devices, known once both
    /// catalogs have been seen (0 before).
    pub documents_expected: i64,
    /// Of those, how many are now the same on both sides.
    pub documents_done: i64,
    /// Documents this device changed while merging.
    pub documents_changed: i64,
    /// Bytes of messages sent so far.
    pub bytes_sent: i64,
    /// Bytes of messages received so far.
    pub bytes_received: i64,
    /// Roughly how many bytes of whole documents this device still expects.
    pub bytes_expected: i64,
    /// Messages sent so far.
    pub messages_sent: i64,
    /// Messages received so far.
    pub messages_received: i64,
    /// Media items this device asked the peer for.
    pub media_items_expected: i64,
    /// Of the media items asked for, how many are here whole now.
    pub media_items_done: i64,
    /// Bytes of media this device asked the peer for.
    pub media_bytes_expected: i64,
    /// Bytes of media received so far (also counted in `bytes_received`).
    pub media_bytes_received: i64,
    /// Bytes of media this device sent to the peer so far.
    pub media_bytes_sent: i64,
}

/// Which media items' bytes a sync or bundle carries to this device (every
/// item's reference travels anyway).
#[derive(Debug, Clone, Default, uniffi::Enum)]
pub enum MediaPolicy {
    /// Every item the peer may share.
    #[default]
    All,
    /// References only; fetch an item later with `Only`.
    MetadataOnly,
    /// Items of at most this many bytes.
    UpTo {
        /// The largest item to fetch, in bytes of the original file.
        max_bytes: u64,
    },
    /// Just these items (the recording the user opened).
    Only {
        /// The media items to fetch; others keep only their reference.
        items: Vec<MediaId>,
    },
}

impl From<MediaPolicy> for storyloom::sync::MediaPolicy {
    fn from(policy: MediaPolicy) -> Self {
        match policy {
            MediaPolicy::All => Self::All,
            MediaPolicy::MetadataOnly => Self::MetadataOnly,
            MediaPolicy::UpTo { max_bytes } => Self::UpTo(max_bytes),
            MediaPolicy::Only { items } => Self::Only(items),
        }
    }
}

/// What importing a bundle did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BundleOutcome {
    /// The project the bundle was for.
    pub project: ProjectId,
    /// Documents this store changed.
    pub documents_changed: i64,
    /// Documents left out: erased here, or changes to a document this store
    /// does not hold (the bundle was made for another device).
    pub documents_skipped: i64,
    /// Media items whose bytes this store now holds whole from the bundle.
    pub media_items: i64,
}

fn count(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl From<storyloom::sync::SyncProgress> for SyncProgress {
    fn from(p: storyloom::sync::SyncProgress) -> Self {
        Self {
            documents_expected: count(p.documents_expected),
            documents_done: count(p.documents_done),
            documents_changed: count(p.documents_changed),
            bytes_sent: count(p.bytes_sent),
            bytes_received: count(p.bytes_received),
            bytes_expected: count(p.bytes_expected),
            messages_sent: count(p.messages_sent),
            messages_received: count(p.messages_received),
            media_items_expected: count(p.media_items_expected),
            media_items_done: count(p.media_items_done),
            media_bytes_expected: count(p.media_bytes_expected),
            media_bytes_received: count(p.media_bytes_received),
            media_bytes_sent: count(p.media_bytes_sent),
        }
    }
}

/// One sync session with one peer. Send `firstMessage()` (if you started
/// it), pass every message from the peer to `receive`, and send back what
/// it returns, until it returns nothing or `isDone()` is true. Safe to use
/// from any thread: `progress()`, `isDone()`, `peer()` and `cancel()` never
/// wait for a `receive` in progress, so a listener or the UI may call them
/// while a message is being applied.
#[derive(uniffi::Object)]
pub struct SyncSession {
    /// Weak, so closing the store closes it even while a session object is
    /// still around; the session then fails with `Closed`.
    store: Weak<Store>,
    /// Taken out while `receive` runs, so nothing else waits on it.
    session: Mutex<Option<storyloom::sync::SyncSession>>,
    /// What the getters report, updated after every message.
    snapshot: Mutex<Snapshot>,
    first: Mutex<Option<Vec<u8>>>,
    cancel: CancelHandle,
}

#[derive(Clone)]
struct Snapshot {
    progress: storyloom::sync::SyncProgress,
    done: bool,
    peer: Option<DeviceId>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

impl SyncSession {
    fn receive_now(&self, message: &[u8]) -> Result<Option<Vec<u8>>> {
        let store = self
            .store
            .upgrade()
            .ok_or_else(|| StoreError::from(storyloom::Error::Closed))?;
        // A cancelled coroutine's worker may still be finishing its message.
        if self.cancel.is_cancelled() {
            return Err(StoreError::Cancelled);
        }
        let mut session = lock(&self.session)
            .take()
            .ok_or_else(|| StoreError::invalid("session", "receive is already running on another thread"))?;
        let result = store.inner.sync_receive(&mut session, message);
        *lock(&self.snapshot) = Snapshot {
            progress: session.progress(),
            done: session.is_done(),
            peer: session.peer(),
        };
        *lock(&self.session) = Some(session);
        Ok(result?)
    }

    fn new(store: &Arc<Store>, session: storyloom::sync::SyncSession, first: Option<Vec<u8>>) -> Arc<Self> {
        let cancel = session.cancel_handle();
        let snapshot = Snapshot {
            progress: session.progress(),
            done: session.is_done(),
            peer: session.peer(),
        };
        Arc::new(Self {
            store: Arc::downgrade(store),
            session: Mutex::new(Some(session)),
            snapshot: Mutex::new(snapshot),
            first: Mutex::new(first),
            cancel,
        })
    }
}

#[uniffi::export]
impl SyncSession {
    /// The message to send first, for the side that started the session;
    /// returned once.
    pub fn first_message(&self) -> Option<Vec<u8>> {
        lock(&self.first).take()
    }

    /// Applies a message from the peer; returns the answer to send, or
    /// null when there is nothing more to send. Runs on a worker thread;
    /// cancelling the coroutine or task cancels the session: a message being
    /// applied is refused whole, and the next call throws `Cancelled`.
    pub async fn receive(self: Arc<Self>, message: Vec<u8>) -> Result<Option<Vec<u8>>> {
        let cancel = self.cancel.clone();
        off_thread("sync", Some(cancel), move || self.receive_now(&message)).await
    }

    /// Both sides have everything the other had.
    pub fn is_done(&self) -> bool {
        lock(&self.snapshot).done
    }

    /// How far the session has got, as of the last message applied.
    pub fn progress(&self) -> SyncProgress {
        lock(&self.snapshot).progress.into()
    }

    /// The peer's device id, once its first message has arrived.
    pub fn peer(&self) -> Option<DeviceId> {
        lock(&self.snapshot).peer
    }

    /// Stops the session: the next `receive` throws `Cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }
}

#[uniffi::export]
impl Store {
    /// Starts a session as the side that speaks first (reading what this
    /// device holds, on a worker thread); send `session.firstMessage()` to
    /// the peer. `media` says which items' bytes to fetch (all if null).
    #[uniffi::method(default(media = None))]
    pub async fn start_sync(
        self: Arc<Self>,
        project: ProjectId,
        media: Option<MediaPolicy>,
    ) -> Result<Arc<SyncSession>> {
        off_thread("sync", None, move || {
            let (mut session, first) = self.inner.start_sync(project)?;
            session.set_media_policy(media.unwrap_or_default().into());
            Ok(SyncSession::new(&self, session, Some(first)))
        })
        .await
    }

    /// A session for the side that answers the peer's first message.
    /// `media` says which items' bytes to fetch (all if null).
    #[uniffi::method(default(media = None))]
    pub async fn accept_sync(
        self: Arc<Self>,
        project: ProjectId,
        media: Option<MediaPolicy>,
    ) -> Result<Arc<SyncSession>> {
        off_thread("sync", None, move || {
            let mut session = self.inner.accept_sync(project)?;
            session.set_media_policy(media.unwrap_or_default().into());
            Ok(SyncSession::new(&self, session, None))
        })
        .await
    }

    /// An invite (a string for a QR code) for another device to join.
    pub fn invite(&self, project: ProjectId) -> Result<String> {
        Ok(self.inner.invite(project)?)
    }

    /// Joins the project an invite is for.
    pub fn join(&self, invite: String, member_name: String, role: MemberRole) -> Result<JoinedProject> {
        let (project_id, member_id) = self.inner.join(&invite, &member_name, role)?;
        Ok(JoinedProject { project_id, member_id })
    }

    /// Leaves a project joined from a mistyped or stale invite (every sync
    /// fails with `WrongKey`) whose documents have not arrived, so it can be
    /// joined again with a new invite. A project whose documents this device
    /// holds is refused with `InvalidInput` (field `project`).
    pub fn leave_project(&self, project: ProjectId) -> Result<()> {
        Ok(self.inner.leave_project(project)?)
    }

    /// A bundle of what `peer` lacks, or of everything when `peer` is null
    /// (built on a worker thread; `exportBundle(project)` is everything).
    /// `media` picks which items' bytes it carries (all if null).
    #[uniffi::method(default(peer = None, media = None))]
    pub async fn export_bundle(
        self: Arc<Self>,
        project: ProjectId,
        peer: Option<DeviceId>,
        media: Option<MediaPolicy>,
    ) -> Result<Vec<u8>> {
        off_thread("bundle", None, move || {
            let policy = media.unwrap_or_default().into();
            Ok(self.inner.export_bundle_with_media(project, peer, &policy)?.bytes)
        })
        .await
    }

    /// Merges a bundle on a worker thread, in one transaction; importing
    /// the same one twice changes nothing.
    pub async fn import_bundle(self: Arc<Self>, bundle: Vec<u8>) -> Result<BundleOutcome> {
        off_thread("bundle", None, move || {
            let outcome = self.inner.import_bundle(&bundle)?;
            Ok(BundleOutcome {
                project: outcome.project,
                documents_changed: count(outcome.documents_changed),
                documents_skipped: count(outcome.documents_skipped),
                media_items: count(outcome.media_items),
            })
        })
        .await
    }
}

//! Sync sessions, bundles, invites and joining, for apps that carry the
//! bytes over their own transport.

use std::sync::{Arc, Mutex};

use storyloom::sync::CancelHandle;
use storyloom::{DeviceId, MemberId, ProjectId};

use crate::error::Result;
use crate::records::MemberRole;
use crate::store::Store;

/// The project and member a device joined as.
#[derive(Debug, Clone, uniffi::Record)]
pub struct JoinedProject {
    pub project_id: ProjectId,
    pub member_id: MemberId,
}

/// How far a session has got.
#[derive(Debug, Clone, uniffi::Record)]
pub struct SyncProgress {
    pub documents_expected: i64,
    pub documents_done: i64,
    pub documents_changed: i64,
    pub bytes_sent: i64,
    pub bytes_received: i64,
    pub bytes_expected: i64,
    pub messages_sent: i64,
    pub messages_received: i64,
}

/// What importing a bundle did.
#[derive(Debug, Clone, uniffi::Record)]
pub struct BundleOutcome {
    pub project: ProjectId,
    pub documents_changed: i64,
    pub documents_skipped: i64,
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
        }
    }
}

/// One sync session with one peer. Send `firstMessage()` (if you started
/// it), pass every message from the peer to `receive`, and send back what
/// it returns, until it returns nothing and `isDone()` is true. Safe to use
/// from any thread; `cancel()` may be called from another thread.
#[derive(uniffi::Object)]
pub struct SyncSession {
    store: Arc<Store>,
    session: Mutex<storyloom::sync::SyncSession>,
    first: Mutex<Option<Vec<u8>>>,
    cancel: CancelHandle,
}

impl SyncSession {
    fn new(store: Arc<Store>, session: storyloom::sync::SyncSession, first: Option<Vec<u8>>) -> Arc<Self> {
        let cancel = session.cancel_handle();
        Arc::new(Self {
            store,
            session: Mutex::new(session),
            first: Mutex::new(first),
            cancel,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, storyloom::sync::SyncSession> {
        self.session.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[uniffi::export]
impl SyncSession {
    /// The message to send first, for the side that started the session;
    /// returned once.
    pub fn first_message(&self) -> Option<Vec<u8>> {
        self.first.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    /// Applies a message from the peer; returns the answer to send, or
    /// null when there is nothing more to send.
    pub fn receive(&self, message: Vec<u8>) -> Result<Option<Vec<u8>>> {
        let mut session = self.lock();
        Ok(self.store.inner.sync_receive(&mut session, &message)?)
    }

    /// Both sides have everything the other had.
    pub fn is_done(&self) -> bool {
        self.lock().is_done()
    }

    pub fn progress(&self) -> SyncProgress {
        self.lock().progress().into()
    }

    /// The peer's device id, once its first message has arrived.
    pub fn peer(&self) -> Option<DeviceId> {
        self.lock().peer()
    }

    /// Stops the session: the next `receive` throws `Cancelled`.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }
}

#[uniffi::export]
impl Store {
    /// Starts a session as the side that speaks first; send
    /// `session.firstMessage()` to the peer.
    pub fn start_sync(self: Arc<Self>, project: ProjectId) -> Result<Arc<SyncSession>> {
        let (session, first) = self.inner.start_sync(project)?;
        Ok(SyncSession::new(Arc::clone(&self), session, Some(first)))
    }

    /// A session for the side that answers the peer's first message.
    pub fn accept_sync(self: Arc<Self>, project: ProjectId) -> Result<Arc<SyncSession>> {
        let session = self.inner.accept_sync(project)?;
        Ok(SyncSession::new(Arc::clone(&self), session, None))
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

    /// A bundle of what `peer` lacks, or of everything when `peer` is null.
    pub fn export_bundle(&self, project: ProjectId, peer: Option<DeviceId>) -> Result<Vec<u8>> {
        Ok(self.inner.export_bundle(project, peer)?)
    }

    /// Merges a bundle; importing the same one twice changes nothing.
    pub fn import_bundle(&self, bundle: Vec<u8>) -> Result<BundleOutcome> {
        let outcome = self.inner.import_bundle(&bundle)?;
        Ok(BundleOutcome {
            project: outcome.project,
            documents_changed: count(outcome.documents_changed),
            documents_skipped: count(outcome.documents_skipped),
        })
    }
}

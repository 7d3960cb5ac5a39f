//! Sync between devices: the pieces of the protocol that do not touch the
//! store — the group secret and the keys derived from it, sealing and
//! opening messages, the wire format, invites — and the state of a session.
//! The store applies what arrives (`store::sync_session`, `store::bundles`).
//!
//! The transport is the app's: it carries the bytes a session produces to
//! the peer and hands back what the peer answers, over Bluetooth, Wi-Fi, a
//! relay or anything else. See ADR 0006 for the protocol and threat model.

mod envelope;
#[cfg(feature = "test-support")]
pub mod forge_ledger;
mod invite;
mod local;
mod secret;
#[cfg(feature = "test-support")]
pub mod test_support;

mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use uuid::Uuid;

pub(crate) use envelope::{EnvelopeKind, Header, open, peek, seal};
pub use invite::Invite;
pub use local::{LocalSyncReport, sync_stores};

pub use secret::GroupSecret;
pub(crate) use wire::{
    BundleBody, BundleEntry, CatalogEntry, DocumentSync, FullDocument, SessionMessage, WIRE_VERSION, decode, encode,
};

use crate::ids::{DeviceId, ProjectId};

/// Limits on what a session or bundle accepts and sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncLimits {
    /// A bigger incoming message or bundle is refused before it is read.
    pub max_message_bytes: usize,
    /// A bigger incoming document is refused.
    pub max_document_bytes: usize,
    /// Outgoing messages stop taking more documents past this size; the rest
    /// go in the next message.
    pub target_message_bytes: usize,
}

impl Default for SyncLimits {
    fn default() -> Self {
        Self {
            max_message_bytes: 64 * 1024 * 1024,
            max_document_bytes: 16 * 1024 * 1024,
            target_message_bytes: 8 * 1024 * 1024,
        }
    }
}

/// How far a session has got, for the app's progress display.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// Documents that differ between the two devices, known once both
    /// catalogs have been seen.
    pub documents_expected: u64,
    /// Of those, how many are now the same on both sides.
    pub documents_done: u64,
    /// Documents this device changed while merging.
    pub documents_changed: u64,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Roughly how many bytes of whole documents this device still expects.
    pub bytes_expected: u64,
    pub messages_sent: u64,
    pub messages_received: u64,
}

/// Cancels a session from another thread (a "Stop" button): the next call
/// on the session returns [`crate::Error::Cancelled`].
#[derive(Debug, Clone)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// One sync session with one peer, for one project. Created by
/// [`crate::Store::start_sync`] (the side that speaks first) or
/// [`crate::Store::accept_sync`]; driven by [`crate::Store::sync_receive`].
#[derive(Debug)]
pub struct SyncSession {
    pub(crate) project: ProjectId,
    pub(crate) id: [u8; 16],
    pub(crate) initiator: bool,
    pub(crate) peer: Option<DeviceId>,
    pub(crate) limits: SyncLimits,
    pub(crate) sent_seq: u32,
    pub(crate) received_seq: u32,
    pub(crate) sent_catalog: bool,
    pub(crate) peer_catalog: Option<BTreeMap<Uuid, CatalogEntry>>,
    /// Automerge sync state per document, for this peer.
    pub(crate) states: BTreeMap<Uuid, automerge::sync::State>,
    /// Documents both sides hold that differ: the Automerge sync protocol
    /// runs on these.
    pub(crate) active: BTreeSet<Uuid>,
    /// Documents the peer lacks, to send whole.
    pub(crate) to_send: BTreeSet<Uuid>,
    /// Documents this device lacks and has not received.
    pub(crate) wanted: BTreeSet<Uuid>,
    /// Of those, the ones already asked for (each is asked for once).
    pub(crate) requested: BTreeSet<Uuid>,
    /// Documents the peer asked for that this device will not send.
    pub(crate) unavailable: BTreeSet<Uuid>,
    pub(crate) sent_done: bool,
    pub(crate) finished: bool,
    pub(crate) failed: Option<String>,
    pub(crate) cancelled: Arc<AtomicBool>,
    pub(crate) progress: SyncProgress,
    pub(crate) changed: BTreeSet<Uuid>,
    /// Sync states learned from the peer's catalog, saved with the next batch.
    pub(crate) pending_states: Vec<(Uuid, Vec<u8>)>,
}

impl SyncSession {
    pub(crate) fn new(project: ProjectId, initiator: bool, limits: SyncLimits) -> crate::Result<Self> {
        let mut id = [0u8; 16];
        if initiator {
            getrandom::fill(&mut id).map_err(|e| crate::Error::Storage(format!("no randomness available: {e}")))?;
        }
        Ok(Self {
            project,
            id,
            initiator,
            peer: None,
            limits,
            sent_seq: 0,
            received_seq: 0,
            sent_catalog: false,
            peer_catalog: None,
            states: BTreeMap::new(),
            active: BTreeSet::new(),
            to_send: BTreeSet::new(),
            wanted: BTreeSet::new(),
            requested: BTreeSet::new(),
            unavailable: BTreeSet::new(),

            sent_done: false,
            finished: false,
            failed: None,
            cancelled: Arc::new(AtomicBool::new(false)),
            progress: SyncProgress::default(),
            changed: BTreeSet::new(),
            pending_states: Vec::new(),
        })
    }

    /// The project being synced.
    pub fn project(&self) -> ProjectId {
        self.project
    }

    /// The peer's device id, once its first message has arrived.
    pub fn peer(&self) -> Option<DeviceId> {
        self.peer
    }

    /// Both sides have everything the other had: stop sending.
    pub fn is_done(&self) -> bool {
        self.finished
    }

    pub fn progress(&self) -> SyncProgress {
        self.progress
    }

    /// A handle that cancels this session from another thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(Arc::clone(&self.cancelled))
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

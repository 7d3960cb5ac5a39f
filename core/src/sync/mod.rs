//! Sync between devices: the pieces of the protocol that do not touch the
//! store — the group secret and the keys derived from it, sealing and
//! opening messages, the wire format, invites — and the state of a session.
//! The store applies what arrives (`store::sync_session`, `store::bundles`).
//!
//! The transport is the app's: it carries the bytes a session produces to
//! the peer and hands back what the peer answers, over Bluetooth, Wi-Fi, a
//! relay or anything else. See ADR 0006 for the protocol and threat model.

mod actors;
mod addressee;
mod bloom;
mod bounds;
mod causal;
mod envelope;
#[cfg(feature = "test-support")]
mod forge_bomb;
#[cfg(feature = "test-support")]
pub mod forge_ledger;
mod invite;
mod local;
mod media_session;
mod media_wire;
mod secret;
mod session_key;
mod stream;
#[cfg(feature = "test-support")]
pub mod test_support;

mod wire;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use uuid::Uuid;

pub(crate) use actors::{apply_without_forgeries, changes_in, is_duplicate_seq, without_forgeries};
pub(crate) use addressee::check_bundle_addressee;
pub(crate) use bloom::decode_sync_message;
pub(crate) use bounds::Budget;
pub(crate) use causal::{Waiting, causal_order};
pub(crate) use envelope::{Binding, EnvelopeKind, Header, Opening, open, peek, seal};
pub use invite::Invite;
pub use local::{LocalSyncReport, sync_stores};
pub use media_session::MediaPolicy;
pub(crate) use media_session::{
    CHUNK_WIRE_BYTES, Incoming, MAX_CHUNKS_QUEUED, MAX_ITEM_CHUNKS, MAX_ITEMS_PER_MESSAGE, MediaSession,
};
pub(crate) use media_wire::{BundleMedia, HeldItem, MediaOffer, MediaPart};
pub(crate) use session_key::SessionNonces;
pub use stream::{StreamRole, read_frame, sync_over_stream, write_end, write_frame};

pub use secret::GroupSecret;
pub(crate) use wire::{
    BundleBody, BundleEntry, CatalogEntry, DocumentSync, FullDocument, ManifestEntry, SessionMessage, WIRE_VERSION,
    decode, encode,
};

use crate::ids::{DeviceId, ProjectId};

/// The first 8 bytes of a change hash, as a bundle's manifest lists heads.
pub(crate) fn head_prefix(hash: &automerge::ChangeHash) -> [u8; 8] {
    let mut prefix = [0u8; 8];
    prefix.copy_from_slice(&hash.0[..8]);
    prefix
}

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
    /// Operations one incoming message or bundle may decode to (counted
    /// from Automerge's column encoding before anything is loaded). A
    /// story at the 4 MiB text limit is about 4 million.
    pub max_decoded_ops: u64,
    /// Bytes one incoming message or bundle may inflate to.
    pub max_decoded_bytes: u64,
    /// Bytes one session accepts from its peer in all; past that the
    /// session is refused (a new one picks up where it stopped).
    pub max_session_bytes: u64,
    /// A bundle made longer ago than this is refused, so an old recording
    /// cannot deliver what has since been withdrawn. Made for another
    /// device, it is refused at any age.
    pub max_bundle_age: std::time::Duration,
}

impl Default for SyncLimits {
    fn default() -> Self {
        Self {
            max_message_bytes: 64 * 1024 * 1024,
            max_document_bytes: 16 * 1024 * 1024,
            target_message_bytes: 8 * 1024 * 1024,
            max_decoded_ops: 6_000_000,
            max_decoded_bytes: 256 * 1024 * 1024,
            max_session_bytes: 1024 * 1024 * 1024,
            max_bundle_age: std::time::Duration::from_secs(90 * 24 * 3600),
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
    /// Media items this device asked the peer for, and of those how many
    /// are now here whole.
    pub media_items_expected: u64,
    pub media_items_done: u64,
    /// Bytes of media (encrypted chunks) this device asked for, and has
    /// received. `bytes_received` and `bytes_sent` include media too.
    pub media_bytes_expected: u64,
    pub media_bytes_received: u64,
    /// Bytes of media chunks sent to the peer.
    pub media_bytes_sent: u64,
}

/// Cancels a session from another thread (a "Stop" button): the next call
/// on the session returns [`crate::Error::Cancelled`].
#[derive(Debug, Clone)]
pub struct CancelHandle(Arc<AtomicBool>);

impl CancelHandle {
    /// A handle not yet tied to anything (a relay sync takes one).
    pub fn new() -> Self {
        Self(Arc::new(AtomicBool::new(false)))
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the session has been cancelled (from any thread).
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

impl Default for CancelHandle {
    fn default() -> Self {
        Self::new()
    }
}

/// One sync session with one peer, for one project. Created by
/// [`crate::Store::start_sync`] (the side that speaks first) or
/// [`crate::Store::accept_sync`]; driven by [`crate::Store::sync_receive`].
#[derive(Debug)]
pub struct SyncSession {
    pub(crate) project: ProjectId,
    /// The initiator's random value: chosen by the initiator, learned by
    /// the responder from the hello.
    pub(crate) id: [u8; 16],
    /// This side's random value (the initiator's is also `id`).
    pub(crate) nonce: [u8; 16],
    /// The responder's random value, as the initiator learns it.
    pub(crate) peer_nonce: Option<[u8; 16]>,
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
    /// Documents left out of this session because the peer sent changes
    /// that reuse another change's (actor, seq): see `actors`.
    pub(crate) skipped: BTreeSet<Uuid>,
    /// Sync states learned from the peer's catalog, saved with the next batch.
    pub(crate) pending_states: Vec<(Uuid, Vec<u8>)>,
    /// Whether the peer's last message was signed by its enrolled device
    /// key. What it holds is only recorded for the next session and bundle
    /// when it was: an unproven device id is only claimed.
    pub(crate) peer_proven: bool,
    /// The key id of the epoch of the group secret this session is sealed
    /// under, fixed by its first message (`store::membership`).
    pub(crate) epoch: Option<[u8; 8]>,
    /// Documents left out because the copy stored here does not load.
    pub(crate) unreadable: BTreeSet<Uuid>,
    /// Per document, changes that arrived before one they depend on.
    pub(crate) waiting: BTreeMap<Uuid, Waiting>,
    /// Media items and chunks in flight either way (`store::media_sync`).
    pub(crate) media: MediaSession,
    /// Test support: the next sync message with a change another depends
    /// on leaves it out, as a Bloom filter false positive would.
    #[cfg(feature = "test-support")]
    pub(crate) false_positive: bool,
    /// Test support: how this side's next fitting media part is tampered with.
    #[cfg(feature = "test-support")]
    pub(crate) media_tamper: Option<test_support::MediaTamper>,
}

impl SyncSession {
    pub(crate) fn new(project: ProjectId, initiator: bool, limits: SyncLimits) -> crate::Result<Self> {
        let mut nonce = [0u8; 16];
        getrandom::fill(&mut nonce).map_err(|e| crate::Error::Storage(format!("no randomness available: {e}")))?;
        nonce[0] |= 1; // never all zeros: that marks a hello
        Ok(Self {
            project,
            id: if initiator { nonce } else { [0; 16] },
            nonce,
            peer_nonce: None,
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
            skipped: BTreeSet::new(),
            pending_states: Vec::new(),
            peer_proven: false,
            epoch: None,
            unreadable: BTreeSet::new(),
            waiting: BTreeMap::new(),
            media: MediaSession::default(),
            #[cfg(feature = "test-support")]
            false_positive: false,
            #[cfg(feature = "test-support")]
            media_tamper: None,
        })
    }

    /// Documents this session left out because the copy stored on this
    /// device does not load; the rest of the project synced without them.
    pub fn unreadable_documents(&self) -> Vec<Uuid> {
        self.unreadable.iter().copied().collect()
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

    /// Documents this session left out because the peer sent changes
    /// written under another device's identity that conflict with changes
    /// this device holds (issue 15). The rest of the session carries on.
    pub fn skipped_documents(&self) -> Vec<Uuid> {
        self.skipped.iter().copied().collect()
    }

    /// Makes this side's next Automerge sync message leave out a change
    /// that another change in it depends on, as if the peer's Bloom filter
    /// had wrongly claimed it (see `causal`).
    #[cfg(feature = "test-support")]
    pub fn simulate_bloom_false_positive(&mut self) {
        self.false_positive = true;
    }

    /// Which media items' bytes this session fetches from the peer (all
    /// unless set). Set it before the session's messages start flowing;
    /// the peer's own policy decides what it fetches from here.
    pub fn set_media_policy(&mut self, policy: MediaPolicy) {
        self.media.policy = policy;
    }

    /// Makes this side play a hostile peer in the media part of its next
    /// message where the tampering fits (see `MediaTamper`).
    #[cfg(feature = "test-support")]
    pub fn tamper_media(&mut self, tamper: test_support::MediaTamper) {
        self.media_tamper = Some(tamper);
    }

    /// A handle that cancels this session from another thread.
    pub fn cancel_handle(&self) -> CancelHandle {
        CancelHandle(Arc::clone(&self.cancelled))
    }

    /// How the next message this side sends is bound (see `session_key`).
    pub(crate) fn binding(&self) -> Binding {
        let nonces = if self.initiator {
            SessionNonces {
                initiator: self.nonce,
                responder: self.peer_nonce.unwrap_or([0; 16]),
            }
        } else {
            SessionNonces {
                initiator: self.id,
                responder: self.nonce,
            }
        };
        Binding {
            nonces,
            sender_is_initiator: self.initiator,
            recipient: self.peer,
        }
    }

    /// Checks that an opened message belongs to this session, learning the
    /// peer's random value from its first message.
    pub(crate) fn bind(&mut self, binding: Option<Binding>) -> crate::Result<()> {
        let another = || {
            Err(crate::Error::SyncRejected(
                "the message belongs to another sync session (an old message replayed, or one meant for another device)"
                    .into(),
            ))
        };
        let Some(Binding { nonces, .. }) = binding else {
            return another();
        };
        if self.initiator {
            if nonces.initiator != self.nonce {
                return another();
            }
            match self.peer_nonce {
                None => self.peer_nonce = Some(nonces.responder),
                Some(n) if n != nonces.responder => return another(),
                Some(_) => {}
            }
        } else if nonces.is_hello() {
            if self.received_seq > 0 {
                return Err(crate::Error::SyncRejected(
                    "the session's first message arrived again: it is a replay".into(),
                ));
            }
            self.id = nonces.initiator;
        } else if self.received_seq == 0 || nonces.initiator != self.id || nonces.responder != self.nonce {
            return another();
        }
        Ok(())
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

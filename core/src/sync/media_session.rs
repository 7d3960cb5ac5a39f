//! The media side of one sync session: what this device asked for and is
//! waiting on, what the peer asked for and may be sent, and the app's
//! policy for which items' bytes to fetch. No I/O: the store drives it
//! (`store::media_sync`).

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use crate::ids::{MediaId, StoryId};
use crate::media::{CHUNK_SIZE, ChunkName, MediaKey};

/// Which media items' bytes a sync fetches from the peer. Documents (and
/// with them every item's reference: kind, size, caption…) always travel;
/// this only decides which bytes follow. The peer's own policy decides
/// what it fetches from this device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum MediaPolicy {
    /// Every item the peer may share (the CLI's `sync` and bundles).
    #[default]
    All,
    /// No bytes: references only (fetch an item later with `Only`).
    MetadataOnly,
    /// Items of at most this many bytes.
    UpTo(u64),
    /// Just these items (a recording the user opened on a metadata-only
    /// device).
    Only(Vec<MediaId>),
}

impl MediaPolicy {
    pub(crate) fn fetches(&self, id: MediaId, size: u64) -> bool {
        match self {
            Self::All => true,
            Self::MetadataOnly => false,
            Self::UpTo(max) => size <= *max,
            Self::Only(ids) => ids.contains(&id),
        }
    }
}

/// The most items one message may list or ask for, and the most chunks an
/// item may have (16 GiB at 1 MiB a chunk): beyond these a peer is hostile
/// or broken.
pub(crate) const MAX_ITEMS_PER_MESSAGE: usize = 100_000;
pub(crate) const MAX_ITEM_CHUNKS: usize = 16 * 1024;
/// Chunk names the peer may have asked for and not yet been sent.
pub(crate) const MAX_CHUNKS_QUEUED: usize = 4096;
/// What one chunk costs on the wire at most: the ciphertext (1 MiB and a
/// tag) and postcard's length prefix. Raises the session's byte limit per
/// chunk asked for, so media never count against the documents' limit.
pub(crate) const CHUNK_WIRE_BYTES: u64 = CHUNK_SIZE as u64 + 16 + 8;

/// An item whose key and chunk list arrived, and whose chunks are coming.
#[derive(Debug)]
pub(crate) struct Incoming {
    pub key: MediaKey,
    pub chunks: Vec<ChunkName>,
    pub size: u64,
    pub story: StoryId,
    /// Chunks not on this device yet.
    pub missing: usize,
}

/// The media state of a session.
#[derive(Debug, Default)]
pub(crate) struct MediaSession {
    pub policy: MediaPolicy,
    /// This side's list of what it holds has gone out.
    pub held_sent: bool,
    /// The peer's list, until this device has its documents and judges it.
    pub peer_held: Option<Vec<(MediaId, StoryId)>>,
    pub judged: bool,
    /// Items to ask for in the next message.
    pub want_items: BTreeSet<MediaId>,
    /// Items asked for, whose offer has not arrived, and their stories.
    pub awaiting_offers: BTreeMap<MediaId, StoryId>,
    /// Items being received.
    pub incoming: BTreeMap<MediaId, Incoming>,
    /// Chunk names to ask for, in order.
    pub to_want: VecDeque<(ChunkName, MediaId, u32)>,
    /// Chunks asked for and not yet arrived: item and index.
    pub expecting: HashMap<ChunkName, (MediaId, u32)>,
    /// Items the peer asked for: answered in the next message.
    pub asked_items: Vec<MediaId>,
    /// Chunks of items offered to the peer, which it may ask for.
    pub offered: HashMap<ChunkName, (MediaId, StoryId)>,
    /// Chunks the peer asked for, to send.
    pub to_serve: VecDeque<ChunkName>,
    /// Bytes of chunks asked for so far (see [`CHUNK_WIRE_BYTES`]).
    pub allowance: u64,
}

impl MediaSession {
    /// Nothing left to do on this side: its list went out, nothing it
    /// asked for is outstanding and nothing the peer asked for is unsent.
    pub(crate) fn idle(&self) -> bool {
        self.held_sent
            && self.want_items.is_empty()
            && self.awaiting_offers.is_empty()
            && self.to_want.is_empty()
            && self.expecting.is_empty()
            && self.asked_items.is_empty()
            && self.to_serve.is_empty()
    }

    /// Chunks to ask for at once: about one message's worth.
    pub(crate) fn window(target_message_bytes: usize) -> usize {
        (target_message_bytes / (CHUNK_WIRE_BYTES as usize)).max(1)
    }

    /// Stops waiting for an item the peer will not send.
    pub(crate) fn give_up(&mut self, id: MediaId) {
        self.awaiting_offers.remove(&id);
        self.incoming.remove(&id);
        self.to_want.retain(|(_, item, _)| *item != id);
        self.expecting.retain(|_, (item, _)| *item != id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_fetches_what_it_says() {
        let id = MediaId::new();
        assert!(MediaPolicy::All.fetches(id, u64::MAX));
        assert!(!MediaPolicy::MetadataOnly.fetches(id, 0));
        assert!(MediaPolicy::UpTo(10).fetches(id, 10));
        assert!(!MediaPolicy::UpTo(10).fetches(id, 11));
        assert!(MediaPolicy::Only(vec![id]).fetches(id, u64::MAX));
        assert!(!MediaPolicy::Only(vec![id]).fetches(MediaId::new(), 1));
    }

    #[test]
    fn a_window_is_about_one_message_and_never_empty() {
        assert_eq!(MediaSession::window(8 * 1024 * 1024), 7);
        assert_eq!(MediaSession::window(1), 1);
    }
}

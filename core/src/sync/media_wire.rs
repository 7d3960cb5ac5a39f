//! What a session message says about media, before sealing: which items
//! the sender holds, which it asks for, the keys and chunk lists it offers,
//! the chunk names it wants and the chunks it carries (ADR 0015).
//!
//! Everything here travels inside the session's sealed message, so item
//! keys are only ever under the group envelope. Chunks carry only their
//! bytes: the receiver names them (BLAKE3 of the bytes) and refuses any it
//! did not ask for.

use serde::{Deserialize, Serialize};

/// One item the sender holds whole, for a story it may share.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HeldItem {
    pub id: [u8; 16],
    pub story: [u8; 16],
}

/// An item's key and chunk list, for a peer that asked for the item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MediaOffer {
    pub id: [u8; 16],
    pub size: u64,
    pub key: [u8; 32],
    pub chunks: Vec<[u8; 32]>,
}

/// The media part of one session message. Empty in most messages.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct MediaPart {
    /// Sent once, in the sender's first message: the items it holds whole
    /// for stories it may share.
    pub held: Option<Vec<HeldItem>>,
    /// Items the sender lacks the bytes of and asks for.
    pub want_items: Vec<[u8; 16]>,
    /// Items the peer asked for that the sender will not (or can no
    /// longer) send.
    pub unavailable_items: Vec<[u8; 16]>,
    /// Keys and chunk lists of items the peer asked for.
    pub offers: Vec<MediaOffer>,
    /// Chunk names the sender lacks, of items offered to it.
    pub want_chunks: Vec<[u8; 32]>,
    /// Chunks the peer asked for: ciphertext, named by its BLAKE3 hash.
    pub chunks: Vec<Vec<u8>>,
}

impl MediaPart {
    pub(crate) fn is_empty(&self) -> bool {
        self.held.is_none()
            && self.want_items.is_empty()
            && self.unavailable_items.is_empty()
            && self.offers.is_empty()
            && self.want_chunks.is_empty()
            && self.chunks.is_empty()
    }
}

/// One item in a bundle: its key and chunk list, and the chunks the
/// bundle carries (all of them, or those its intended peer lacks).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct BundleMedia {
    pub id: [u8; 16],
    pub story: [u8; 16],
    pub size: u64,
    pub key: [u8; 32],
    pub chunks: Vec<[u8; 32]>,
    pub data: Vec<Vec<u8>>,
}

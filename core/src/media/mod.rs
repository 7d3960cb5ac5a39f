//! Media bytes: fixed-size chunks, each item encrypted with its own key,
//! chunk files named by the hash of their ciphertext in a folder beside the
//! database, verified on read and collected when nothing references them.
//!
//! No SQLite here: the store keeps each item's key and chunk list in the
//! database and hands them to this module (see ADR 0008). Nothing is ever
//! named by a hash of the plaintext, so holding the same file does not let
//! anyone confirm that a story contains it.

mod chunks;
mod cipher;
mod stream;

pub(crate) use chunks::ChunkDir;
pub use chunks::ChunkName;
pub(crate) use cipher::{MediaKey, open as open_chunk};
pub(crate) use stream::{Control, WrittenItem, read_range, write_item};

/// Plaintext bytes per chunk (the last one may be shorter). 1 MiB keeps a
/// phone's memory flat while the per-chunk overhead (16-byte tag, one file)
/// stays far below 1 %.
pub const CHUNK_SIZE: usize = 1 << 20;

/// How many chunks an item of `size` bytes has: at least one, so that an
/// empty item still carries a last-chunk tag and cannot be truncated.
pub(crate) fn chunk_count(size: u64) -> u64 {
    size.div_ceil(CHUNK_SIZE as u64).max(1)
}

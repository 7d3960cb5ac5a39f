//! The loaded documents, kept in memory while they are in use.
//!
//! Loading a document means decoding its whole history, so a phone UI that
//! sends a splice per keystroke must not reload it each time. Only the writer
//! touches the cache, under the writer lock, so a cached document is always
//! the one on disk plus at most the change being made. When a write fails
//! halfway the document is evicted and reloaded from disk next time.

use std::num::NonZeroUsize;

use automerge::AutoCommit;
use lru::LruCache;
use uuid::Uuid;

/// How many documents stay loaded.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(64).expect("non-zero");

pub(crate) struct DocCache {
    docs: LruCache<Uuid, AutoCommit>,
}

impl DocCache {
    pub fn new() -> Self {
        Self {
            docs: LruCache::new(CAPACITY),
        }
    }

    pub fn get_mut(&mut self, id: &Uuid) -> Option<&mut AutoCommit> {
        self.docs.get_mut(id)
    }

    pub fn insert(&mut self, id: Uuid, doc: AutoCommit) -> &mut AutoCommit {
        self.docs.put(id, doc);
        self.docs.get_mut(&id).expect("just inserted")
    }

    pub fn evict(&mut self, id: &Uuid) {
        self.docs.pop(id);
    }

    pub fn clear(&mut self) {
        self.docs.clear();
    }
}

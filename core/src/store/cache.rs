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

/// How many documents stay loaded between uses. A story with a 3 KB
/// transcript takes about 50 KB loaded, so this is a few MB on a phone.
const CAPACITY: NonZeroUsize = NonZeroUsize::new(128).expect("non-zero");
/// The most a sync session may grow the cache to, so the documents it is
/// merging are not reloaded each round (see `ensure_room`).
const MAX_CAPACITY: usize = 2048;

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

    /// Takes a document out of the cache (a merge batch holds it until it
    /// is written, so the cache cannot drop it halfway).
    pub fn take(&mut self, id: &Uuid) -> Option<AutoCommit> {
        self.docs.pop(id)
    }

    /// Makes room for `needed` documents at once (a sync session working
    /// through them round after round), up to a limit.
    pub fn ensure_room(&mut self, needed: usize) {
        let wanted = needed.clamp(CAPACITY.get(), MAX_CAPACITY);
        if wanted > self.docs.cap().get() {
            self.docs.resize(NonZeroUsize::new(wanted).expect("non-zero"));
        }
    }

    /// Back to the everyday size once a session is over.
    pub fn shrink(&mut self) {
        if self.docs.cap() > CAPACITY {
            self.docs.resize(CAPACITY);
        }
    }

    pub fn clear(&mut self) {
        self.docs.clear();
    }
}

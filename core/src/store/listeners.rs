//! Change notifications for apps' UIs.
//!
//! Listeners are called after the change is committed, on the thread that
//! made it, with no lock held, so a listener may call back into the store.
//! What another process wrote is told on this process's next call into the
//! store, on that call's thread.
//! A listener that panics is caught and does not disturb the store or the
//! other listeners.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, RwLock};

use crate::ids::{ParticipantId, ProjectId, StoryId};

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChangeOrigin {
    /// Written through this store.
    #[default]
    Local,
    /// Merged in from another device, or written by another process on
    /// this store (told on this process's next call).
    Merge,
}

/// Which records a write or merge changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreChange {
    pub origin: ChangeOrigin,
    pub projects: Vec<ProjectId>,
    pub stories: Vec<StoryId>,
    pub participants: Vec<ParticipantId>,
    /// Stories erased at a storyteller's request.
    pub erased_stories: Vec<StoryId>,
    /// Participants whose personal details were erased.
    pub erased_participants: Vec<ParticipantId>,
}

impl StoreChange {
    pub fn is_empty(&self) -> bool {
        self.projects.is_empty()
            && self.stories.is_empty()
            && self.participants.is_empty()
            && self.erased_stories.is_empty()
            && self.erased_participants.is_empty()
    }

    /// Adds what another (committed) write changed.
    pub(crate) fn absorb(&mut self, other: StoreChange) {
        if other.origin == ChangeOrigin::Merge {
            self.origin = ChangeOrigin::Merge;
        }
        for id in other.projects {
            self.project(id);
        }
        for id in other.stories {
            self.story(id);
        }
        for id in other.participants {
            self.participant(id);
        }
        for id in other.erased_stories {
            if !self.erased_stories.contains(&id) {
                self.erased_stories.push(id);
            }
        }
        for id in other.erased_participants {
            if !self.erased_participants.contains(&id) {
                self.erased_participants.push(id);
            }
        }
    }

    pub(crate) fn story(&mut self, id: StoryId) {
        if !self.stories.contains(&id) {
            self.stories.push(id);
        }
    }

    pub(crate) fn participant(&mut self, id: ParticipantId) {
        if !self.participants.contains(&id) {
            self.participants.push(id);
        }
    }

    pub(crate) fn project(&mut self, id: ProjectId) {
        if !self.projects.contains(&id) {
            self.projects.push(id);
        }
    }
}

/// Told about every change to the store.
pub trait ChangeListener: Send + Sync {
    fn on_change(&self, change: &StoreChange);
}

/// Identifies a registered listener, to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

impl From<ListenerId> for u64 {
    fn from(id: ListenerId) -> u64 {
        id.0
    }
}

impl From<u64> for ListenerId {
    fn from(handle: u64) -> Self {
        Self(handle)
    }
}

#[derive(Default)]
pub(crate) struct Listeners {
    next: std::sync::atomic::AtomicU64,
    registered: RwLock<Vec<(ListenerId, Arc<dyn ChangeListener>)>>,
}

impl Listeners {
    pub fn add(&self, listener: Arc<dyn ChangeListener>) -> ListenerId {
        let id = ListenerId(self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        self.registered
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push((id, listener));
        id
    }

    pub fn remove(&self, id: ListenerId) -> bool {
        let mut registered = self.registered.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        let before = registered.len();
        registered.retain(|(existing, _)| *existing != id);
        registered.len() != before
    }

    pub fn notify(&self, change: &StoreChange) {
        if change.is_empty() {
            return;
        }
        // Copy the list so a listener may add or remove listeners.
        let listeners: Vec<_> = self
            .registered
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .map(|(_, l)| Arc::clone(l))
            .collect();
        for listener in listeners {
            let _ = catch_unwind(AssertUnwindSafe(|| listener.on_change(change)));
        }
    }
}

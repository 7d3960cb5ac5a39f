//! The store object apps hold: opened by path, safe to call from any thread.
//! In Kotlin it is `AutoCloseable` (use it with `use {}`); in Swift call
//! `close()` or let it go out of scope.

use std::sync::{Arc, Mutex, Weak};

use storyloom::DeviceId;

use crate::error::Result;
use crate::listener::{ListenerBridge, StoreListener};
use crate::worker::off_thread;

/// A Storyloom store: one SQLite file holding an app user's projects,
/// stories and participants.
#[derive(uniffi::Object)]
pub struct Store {
    pub(crate) inner: storyloom::Store,
}

#[uniffi::export]
impl Store {
    /// Opens the store at `path`, creating it if no file is there. A file
    /// that is not a store is refused (`NotAStore`) and left untouched.
    /// Suspends (Kotlin) or awaits (Swift) while a worker thread opens and
    /// migrates the file.
    #[uniffi::constructor]
    pub async fn open(path: String) -> Result<Arc<Self>> {
        off_thread("open", None, move || {
            Ok(Arc::new(Self {
                inner: storyloom::Store::open(path)?,
            }))
        })
        .await
    }

    /// Closes the store; later calls fail with `Closed`. Closing twice is
    /// harmless.
    pub fn close(&self) -> Result<()> {
        Ok(self.inner.close()?)
    }

    /// This store's device id: every change it writes carries it.
    pub fn device_id(&self) -> DeviceId {
        self.inner.device_id()
    }

    /// Registers a listener told which stories, participants and projects
    /// changed after every local write and every merge, until the returned
    /// subscription is cancelled (`cancel()`, or `close()` in Kotlin) or the
    /// store closes. Dropping the subscription does not stop the listener.
    /// Kotlin apps usually collect `store.changes()` (a Flow) instead, Swift
    /// apps iterate `store.changes()` (an AsyncStream).
    pub fn add_listener(self: Arc<Self>, listener: Arc<dyn StoreListener>) -> Arc<Subscription> {
        let id = self.inner.add_listener(Arc::new(ListenerBridge::new(listener)));
        Arc::new(Subscription {
            store: Arc::downgrade(&self),
            id: Mutex::new(Some(id)),
        })
    }
}

/// A listener's registration: `cancel()` (or Kotlin's `close()`) stops the
/// calls; cancelling twice is harmless. Freeing it without cancelling leaves
/// the listener registered, so that a discarded result or the garbage
/// collector never silences a listener at an unpredictable moment.
#[derive(uniffi::Object)]
pub struct Subscription {
    /// Weak, so a forgotten subscription does not keep a closed store alive.
    store: Weak<Store>,
    id: Mutex<Option<storyloom::ListenerId>>,
}

#[uniffi::export]
impl Subscription {
    /// Stops telling the listener; returns whether it was still listening.
    pub fn cancel(&self) -> bool {
        let id = self.id.lock().unwrap_or_else(|p| p.into_inner()).take();
        match (id, self.store.upgrade()) {
            (Some(id), Some(store)) => store.inner.remove_listener(id),
            _ => false,
        }
    }
}

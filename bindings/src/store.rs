//! The store object apps hold: opened by path, safe to call from any thread.
//! In Kotlin it is `AutoCloseable` (use it with `use {}`); in Swift call
//! `close()` or let it go out of scope.

use std::sync::Arc;

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
    /// changed after every local write and every merge. Returns a handle for
    /// `remove_listener`.
    pub fn add_listener(&self, listener: Arc<dyn StoreListener>) -> u64 {
        self.inner.add_listener(Arc::new(ListenerBridge::new(listener))).into()
    }

    /// Unregisters a listener; returns whether it was registered.
    pub fn remove_listener(&self, handle: u64) -> bool {
        self.inner.remove_listener(handle.into())
    }
}

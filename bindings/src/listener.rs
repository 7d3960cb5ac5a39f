//! Change notifications, implemented by the app in Kotlin or Swift.

use std::sync::Arc;

use crate::records::StoreChange;

/// What a listener may report; the store ignores it, but a listener that
/// throws must not break the store.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum ListenerError {
    /// The listener failed; the text is for logs. The change stays saved.
    #[error("{0}")]
    Failed(String),
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ListenerError {
    fn from(err: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Failed(err.reason)
    }
}

/// Told about every change to the store, after it is saved. Called on the
/// thread that made the change (for merges, the thread that merged): hop to
/// your UI thread before touching views.
#[uniffi::export(with_foreign)]
pub trait StoreListener: Send + Sync {
    /// Called once per saved write or merge with the records it changed.
    /// Return quickly: the writing thread waits for it. A thrown error is
    /// ignored.
    fn on_change(&self, change: StoreChange) -> Result<(), ListenerError>;
}

/// Adapts an app's listener to the core's listener trait.
pub(crate) struct ListenerBridge {
    listener: Arc<dyn StoreListener>,
}

impl ListenerBridge {
    pub fn new(listener: Arc<dyn StoreListener>) -> Self {
        Self { listener }
    }
}

impl storyloom::ChangeListener for ListenerBridge {
    fn on_change(&self, change: &storyloom::StoreChange) {
        // A failing listener is the app's bug; the change is already saved.
        let _ = self.listener.on_change(change.clone());
    }
}

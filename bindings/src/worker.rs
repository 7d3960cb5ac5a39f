//! Runs the store's long calls (open, sync steps, bundles, search, export)
//! on a thread of their own, so that a Kotlin `suspend` or Swift `async`
//! call never blocks the caller's thread, and passes a cancelled coroutine
//! or task on to the core.
//!
//! UniFFI polls the returned future from the foreign side and drops it when
//! the coroutine or task is cancelled; dropping it cancels the sync session
//! the call belongs to (the core checks at message boundaries and before it
//! applies anything). Calls without a cancel handle finish on their thread
//! (each is one transaction) and their result is dropped.

use storyloom::sync::CancelHandle;

use crate::error::{Result, StoreError};

/// Runs `work` on a new thread named `storyloom-<name>` and waits for it
/// without blocking; `cancel` is cancelled if the caller stops waiting.
pub(crate) async fn off_thread<T, F>(name: &str, cancel: Option<CancelHandle>, work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    let (sender, receiver) = futures_channel::oneshot::channel();
    let mut guard = CancelOnDrop(cancel);
    std::thread::Builder::new()
        .name(format!("storyloom-{name}"))
        .spawn(move || {
            // The caller may have stopped waiting: then nobody wants the result.
            let _ = sender.send(work());
        })
        .map_err(|err| StoreError::Internal {
            reason: format!("could not start a worker thread: {err}"),
        })?;
    let result = receiver.await.unwrap_or_else(|_| {
        Err(StoreError::Internal {
            reason: format!("the {name} worker stopped without an answer"),
        })
    });
    guard.0 = None;
    result
}

/// Cancels the session when the future waiting for its call is dropped
/// before the call finished.
struct CancelOnDrop(Option<CancelHandle>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(handle) = &self.0 {
            handle.cancel();
        }
    }
}

//! Trying a relay request again when it failed for a passing reason.
//!
//! A relay sync spends seconds packing or applying documents between
//! requests on its one thread; meanwhile the server drops the idle
//! keep-alive connection (Apache after 5 s), and the next request, sent on
//! that dead connection, fails with "connection closed before message
//! completed" though nothing is wrong. opendal marks such failures
//! temporary. Every relay request is idempotent (objects are written under
//! names fixed by their sequence number; deleting what is gone is fine),
//! so sending it again is safe.

use std::future::Future;
use std::time::Duration;

/// Attempts per request: the first, then two more.
const ATTEMPTS: u32 = 3;

/// Runs `request` until it succeeds, fails for good, or has been tried
/// [`ATTEMPTS`] times, waiting a little longer before each retry. Every
/// attempt is added to `sent`, so the summary counts real requests.
pub(crate) async fn retrying<T, F, Fut>(sent: &mut u64, mut request: F) -> opendal::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = opendal::Result<T>>,
{
    let mut pause = Duration::from_millis(100);
    let mut attempt = 1;
    loop {
        *sent += 1;
        match request().await {
            Err(err) if err.is_temporary() && attempt < ATTEMPTS => {
                tokio::time::sleep(pause).await;
                pause *= 4;
                attempt += 1;
            }
            done => return done,
        }
    }
}

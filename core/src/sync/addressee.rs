//! Whether a bundle may be imported here: made for this device (or for
//! everyone), and not too old (issue 15, finding 8).
//!
//! A bundle made "for" a device holds only what that device lacked, judged
//! from what it was known to hold; anywhere else it is at best incomplete,
//! and a recorded one replayed later could deliver what has since been
//! withdrawn. `export_bundle(project, None)` makes a bundle for everyone:
//! it holds every shareable document whole and any device of the group
//! imports it, within the age limit.

use chrono::{DateTime, Utc};

use super::{BundleBody, SyncLimits};
use crate::error::{Error, Result};
use crate::ids::DeviceId;

/// Clocks on phones drift; a bundle "from the future" within this is fine.
const CLOCK_SKEW_MS: i64 = 24 * 3600 * 1000;

pub(crate) fn check_bundle_addressee(
    body: &BundleBody,
    me: DeviceId,
    now: DateTime<Utc>,
    limits: &SyncLimits,
) -> Result<()> {
    if let Some(peer) = body.for_peer
        && peer != *me.as_bytes()
    {
        return Err(Error::SyncRejected(format!(
            "the bundle was made for device {}, not this one; ask for a bundle for everyone or for this device",
            DeviceId::from_bytes(peer)
        )));
    }
    let now_ms = now.timestamp_millis();
    let max_age_ms = i64::try_from(limits.max_bundle_age.as_millis()).unwrap_or(i64::MAX);
    if body.created_at_ms < now_ms.saturating_sub(max_age_ms) {
        return Err(Error::SyncRejected(format!(
            "the bundle is older than {} days; make a new one",
            limits.max_bundle_age.as_secs() / 86_400
        )));
    }
    if body.created_at_ms > now_ms.saturating_add(CLOCK_SKEW_MS) {
        return Err(Error::SyncRejected(
            "the bundle is dated more than a day in the future".into(),
        ));
    }
    Ok(())
}

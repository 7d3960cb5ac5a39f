//! Running a whole session between two stores in one process: the CLI's
//! `storyloom sync A B`, tests and benchmarks. Apps do the same over their
//! own transport, one message at a time.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::ids::ProjectId;
use crate::store::Store;

/// What a session between two stores did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LocalSyncReport {
    /// Messages from the first store, each answered (or not) by the second.
    pub round_trips: u64,
    pub messages: u64,
    pub bytes_a_to_b: u64,
    pub bytes_b_to_a: u64,
    /// Documents that changed on either side.
    pub documents_changed: u64,
    /// Documents either side left out: the peer sent changes forged under
    /// another device's identity (see `SyncSession::skipped_documents`).
    pub documents_skipped: u64,
}

/// Syncs `project` between `a` (which speaks first) and `b` until both are done.
pub fn sync_stores(a: &Store, b: &Store, project: ProjectId) -> Result<LocalSyncReport> {
    /// A session that does not finish is a bug; stop rather than spin.
    const MAX_ROUND_TRIPS: u64 = 10_000;
    let (mut a_session, mut message) = a.start_sync(project)?;
    let mut b_session = b.accept_sync(project)?;
    let mut report = LocalSyncReport {
        messages: 1,
        bytes_a_to_b: message.len() as u64,
        ..Default::default()
    };
    loop {
        report.round_trips += 1;
        if report.round_trips > MAX_ROUND_TRIPS {
            return Err(Error::SyncRejected("the session did not finish".into()));
        }
        let Some(reply) = b.sync_receive(&mut b_session, &message)? else {
            break;
        };
        report.messages += 1;
        report.bytes_b_to_a += reply.len() as u64;
        let Some(next) = a.sync_receive(&mut a_session, &reply)? else {
            break;
        };
        report.messages += 1;
        report.bytes_a_to_b += next.len() as u64;
        message = next;
    }
    report.documents_changed = a_session.progress().documents_changed + b_session.progress().documents_changed;
    report.documents_skipped = (a_session.skipped_documents().len() + b_session.skipped_documents().len()) as u64;
    Ok(report)
}

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
///
/// When `b` cannot open `a`'s first message because it missed a rotation of
/// the group secret (ADR 0016), the session starts again from `b`, which
/// picks up the new epoch; a session that ran in an older epoch carried
/// only the project document, so a second one follows for the rest. Apps
/// do the same over their transport.
pub fn sync_stores(a: &Store, b: &Store, project: ProjectId) -> Result<LocalSyncReport> {
    let (report, older_epoch) = match sync_once(a, b, project) {
        Err(Error::WrongKey { .. }) if a.newer_epoch_than_peer_may_hold(project)? => {
            let (report, older) = sync_once(b, a, project)?;
            (report.swapped(), older)
        }
        other => other?,
    };
    if !older_epoch {
        return Ok(report);
    }
    let (next, _) = sync_once(a, b, project)?;
    Ok(report.then(next))
}

impl LocalSyncReport {
    fn swapped(self) -> Self {
        Self {
            bytes_a_to_b: self.bytes_b_to_a,
            bytes_b_to_a: self.bytes_a_to_b,
            ..self
        }
    }

    fn then(self, next: Self) -> Self {
        Self {
            round_trips: self.round_trips + next.round_trips,
            messages: self.messages + next.messages,
            bytes_a_to_b: self.bytes_a_to_b + next.bytes_a_to_b,
            bytes_b_to_a: self.bytes_b_to_a + next.bytes_b_to_a,
            documents_changed: self.documents_changed + next.documents_changed,
            documents_skipped: self.documents_skipped + next.documents_skipped,
        }
    }
}

/// One session; also whether it ran in an epoch older than the newest
/// either side now holds.
fn sync_once(a: &Store, b: &Store, project: ProjectId) -> Result<(LocalSyncReport, bool)> {
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
    let older_epoch = a.session_in_older_epoch(&a_session)? || b.session_in_older_epoch(&b_session)?;
    Ok((report, older_epoch))
}

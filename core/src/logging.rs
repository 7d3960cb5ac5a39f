//! Field logging through `tracing` (ADR 0014): what each operation did, in
//! ids, counts, sizes and durations only.
//!
//! Every event the library emits is written here, so one file shows what a
//! field log can ever contain. The rule: no title, transcript, name, note,
//! caption, tag, reason sentence or any other text an app or a peer
//! supplied — an error is logged by its kind alone, because its reason may
//! quote what the peer sent. `tests/tests/logging_privacy.rs` drives every
//! operation with unique phrases and fails if one reaches the log.
//!
//! Targets name the area (`storyloom::store`, `storyloom::sync`, …) so an
//! app can filter. Levels: `info` for an operation and for input the app
//! gave that was refused (invalid input, consent required, wrong store key),
//! `debug` for per-message detail and for lookups of what is gone (not
//! found, erased, cancelled, closed), `warn` for refused peer input and
//! failed operations.

use std::time::{Duration, Instant};

use tracing::{debug, info, warn};

#[cfg(feature = "relay")]
use crate::RelaySummary;
use crate::error::ErrorKind;
use crate::ids::{ConsentRecordId, DeviceId, MediaId, ParticipantId, ProjectId, StoryId};
use crate::sync::{SyncProgress, SyncSession};
use crate::{BundleOutcome, Error};

pub(crate) const STORE: &str = "storyloom::store";
pub(crate) const SYNC: &str = "storyloom::sync";
pub(crate) const BUNDLE: &str = "storyloom::bundle";
pub(crate) const RELAY: &str = "storyloom::relay";
pub(crate) const MEDIA: &str = "storyloom::media";
pub(crate) const CONSENT: &str = "storyloom::consent";
pub(crate) const KEYS: &str = "storyloom::keys";

fn millis(started: Instant) -> u64 {
    u64::try_from(Duration::as_millis(&started.elapsed())).unwrap_or(u64::MAX)
}

/// Whether an error means what came from outside (a peer, a relay, a file
/// on disk) was refused, rather than the app's own call.
fn from_outside(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::SyncRejected | ErrorKind::CorruptData | ErrorKind::NotAStore | ErrorKind::WrongKey
    )
}

/// A refused or failed operation, by the error's kind only: its reason may
/// quote outside input.
pub(crate) fn refused(target: &'static str, operation: &'static str, err: &Error) {
    let kind = err.kind();
    macro_rules! emit {
        ($level:ident) => {
            match target {
                STORE => $level!(target: STORE, operation, error = kind.as_str(), "refused"),
                SYNC => $level!(target: SYNC, operation, error = kind.as_str(), "refused"),
                BUNDLE => $level!(target: BUNDLE, operation, error = kind.as_str(), "refused"),
                RELAY => $level!(target: RELAY, operation, error = kind.as_str(), "refused"),
                MEDIA => $level!(target: MEDIA, operation, error = kind.as_str(), "refused"),
                CONSENT => $level!(target: CONSENT, operation, error = kind.as_str(), "refused"),
                _ => $level!(target: KEYS, operation, error = kind.as_str(), "refused"),
            }
        };
    }
    match kind {
        k if from_outside(k) => emit!(warn),
        ErrorKind::Internal | ErrorKind::Storage | ErrorKind::Io | ErrorKind::Relay => emit!(warn),
        ErrorKind::InvalidInput | ErrorKind::ConsentRequired | ErrorKind::WrongStoreKey => emit!(info),
        _ => emit!(debug),
    }
}

/// Any write the store refused, by kind. Refused peer input is warned
/// about once, by the operation that received it; here it is detail.
pub(crate) fn write_refused(err: &Error) {
    if from_outside(err.kind()) {
        debug!(target: STORE, operation = "write", error = err.kind().as_str(), "refused");
    } else {
        refused(STORE, "write", err);
    }
}

/// Logs the outcome of an operation whose success is logged by `ok`.
pub(crate) fn outcome<T>(
    target: &'static str,
    operation: &'static str,
    result: &Result<T, Error>,
    ok: impl FnOnce(&T),
) {
    match result {
        Ok(value) => ok(value),
        Err(err) => refused(target, operation, err),
    }
}

pub(crate) fn store_opened(device: DeviceId, schema_version: u32, encrypted: bool, started: Instant) {
    info!(target: STORE, device = %device, schema_version, encrypted, duration_ms = millis(started), "store opened");
}

pub(crate) fn store_closed(device: DeviceId, started: Instant) {
    info!(target: STORE, device = %device, duration_ms = millis(started), "store closed");
}

pub(crate) fn sync_started(session: &SyncSession, first_message_bytes: usize) {
    info!(
        target: SYNC,
        project = %session.project,
        initiator = session.initiator,
        first_message_bytes,
        "sync session started"
    );
}

pub(crate) fn sync_accepted(session: &SyncSession) {
    info!(target: SYNC, project = %session.project, initiator = session.initiator, "sync session accepted");
}

/// One message of a session: debug detail per message, info when the
/// session finishes, warn when the peer's message was refused.
pub(crate) fn sync_message(session: &SyncSession, received_bytes: usize, result: &Result<Option<Vec<u8>>, Error>) {
    let progress: &SyncProgress = &session.progress;
    let peer = session.peer.map(|p| p.to_string()).unwrap_or_default();
    match result {
        Ok(answer) => {
            debug!(
                target: SYNC,
                project = %session.project,
                peer = %peer,
                received_bytes,
                answer_bytes = answer.as_ref().map_or(0, Vec::len),
                round = progress.messages_received,
                "sync message"
            );
            if session.finished || answer.is_none() {
                info!(
                    target: SYNC,
                    project = %session.project,
                    peer = %peer,
                    documents_changed = progress.documents_changed,
                    documents_skipped = session.skipped.len(),
                    round_trips = progress.messages_received,
                    messages_sent = progress.messages_sent,
                    bytes_sent = progress.bytes_sent,
                    bytes_received = progress.bytes_received,
                    "sync session finished"
                );
            }
        }
        Err(err) => {
            let kind = err.kind();
            if from_outside(kind) {
                warn!(target: SYNC, project = %session.project, peer = %peer, received_bytes, error = kind.as_str(), "sync message refused");
            } else {
                debug!(target: SYNC, project = %session.project, peer = %peer, received_bytes, error = kind.as_str(), "sync message not applied");
            }
        }
    }
}

pub(crate) fn bundle_exported(project: ProjectId, peer: Option<DeviceId>, bytes: usize, unreadable: usize) {
    let peer = peer.map(|p| p.to_string()).unwrap_or_default();
    info!(target: BUNDLE, project = %project, peer = %peer, bytes, unreadable_documents = unreadable, "bundle exported");
}

pub(crate) fn bundle_imported(outcome: &BundleOutcome, bytes: usize, started: Instant) {
    info!(
        target: BUNDLE,
        project = %outcome.project,
        bytes,
        documents_changed = outcome.documents_changed,
        documents_skipped = outcome.documents_skipped,
        unreadable_documents = outcome.unreadable_documents.len(),
        duration_ms = millis(started),
        "bundle imported"
    );
}

#[cfg(feature = "relay")]
pub(crate) fn relay_synced(summary: &RelaySummary, started: Instant) {
    info!(
        target: RELAY,
        pushed = summary.pushed,
        pulled = summary.pulled,
        bytes_up = summary.bytes_up,
        bytes_down = summary.bytes_down,
        deleted = summary.deleted,
        rejected = summary.rejected.len(),
        requests = summary.requests,
        duration_ms = millis(started),
        "relay sync finished"
    );
    if !summary.rejected.is_empty() {
        warn!(target: RELAY, rejected = summary.rejected.len(), "relay objects refused");
    }
}

pub(crate) fn media_added(story: StoryId, media: MediaId, size: u64, started: Instant) {
    info!(target: MEDIA, story = %story, media = %media, size, duration_ms = millis(started), "media added");
}

pub(crate) fn media_exported(media: MediaId, size: u64, started: Instant) {
    info!(target: MEDIA, media = %media, size, duration_ms = millis(started), "media exported");
}

pub(crate) fn media_removed(story: StoryId, media: MediaId) {
    info!(target: MEDIA, story = %story, media = %media, "media removed");
}

pub(crate) fn consent_withdrawn(
    project: ProjectId,
    record: ConsentRecordId,
    storyteller: ParticipantId,
    story: Option<StoryId>,
    erase: bool,
) {
    let story = story.map(|s| s.to_string()).unwrap_or_default();
    if erase {
        info!(target: CONSENT, project = %project, record = %record, storyteller = %storyteller, story = %story, "consent withdrawn and erased");
    } else {
        info!(target: CONSENT, project = %project, record = %record, storyteller = %storyteller, story = %story, "consent withdrawn");
    }
}

pub(crate) fn key_changed(encrypted_before: bool, started: Instant) {
    info!(target: KEYS, encrypted_before, duration_ms = millis(started), "store key changed");
}

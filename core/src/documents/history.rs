//! A document's history, read from its Automerge changes: when, who (the
//! member and device encoded in the actor id) and what kind of change (the
//! change message).

use automerge::AutoCommit;

use super::Author;
use super::fields::millis_to_time;
use crate::model::{ChangeKind, HistoryEntry};

/// Every change of the document, oldest first (by the time the writing
/// device recorded; causal order breaks ties). Member names are filled in by
/// the caller, who has the project's member list.
pub(crate) fn read(doc: &mut AutoCommit) -> Vec<HistoryEntry> {
    let mut entries: Vec<HistoryEntry> = doc
        .get_changes_meta(&[])
        .into_iter()
        .filter_map(|change| {
            let author = Author::from_actor(&change.actor);
            Some(HistoryEntry {
                at: millis_to_time(change.timestamp)?,
                kind: ChangeKind::from_message(change.message.as_deref().unwrap_or("")),
                member_id: author.map(|a| a.member),
                member_name: None,
                device_id: author.map(|a| a.device),
            })
        })
        .collect();
    entries.sort_by_key(|entry| entry.at);
    entries
}

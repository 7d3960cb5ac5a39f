//! Changes a peer wrote under someone else's actor id (issue 15, finding 5).
//!
//! An actor id is a device and member, written by whoever makes the change:
//! any member holding the group secret can write a change under another
//! member's id. When the real change with the same sequence number meets
//! the forgery, Automerge refuses the whole merge ("duplicate seq") and,
//! before this, every later session and bundle between those devices failed
//! with it. Now the change that conflicts with one this device already
//! holds is dropped, with every change that depends on it, and the rest is
//! applied; the caller reports the document. Which of the two is "real"
//! cannot be told without device signing keys (ADR 0006): each device keeps
//! the one it saw first.

use std::collections::{BTreeSet, HashMap};

use automerge::{ActorId, AutoCommit, AutomergeError, Change, ChangeHash};

use super::bounds;
use crate::error::{Error, Result};

/// Whether Automerge refused changes because one reuses an (actor, seq).
pub(crate) fn is_duplicate_seq(err: &AutomergeError) -> bool {
    matches!(err, AutomergeError::DuplicateSeqNumber(..))
}

/// The changes in Automerge bytes: saved documents and change chunks.
pub(crate) fn changes_in(bytes: &[u8]) -> Result<Vec<Change>> {
    let mut changes = Vec::new();
    for (is_document, chunk) in bounds::chunks(bytes)? {
        if is_document {
            let mut doc = AutoCommit::load(chunk).map_err(|e| Error::corrupt(format!("changes do not load: {e}")))?;
            changes.extend(doc.get_changes(&[]));
        } else {
            changes.push(Change::try_from(chunk).map_err(|e| Error::corrupt(format!("a change does not load: {e}")))?);
        }
    }
    Ok(changes)
}

/// Of `changes`, those `doc` can take: not already held, not reusing an
/// (actor, seq) `doc` holds with another change, not depending on one that
/// does. Returns them and how many were dropped.
pub(crate) fn without_forgeries(doc: &mut AutoCommit, changes: Vec<Change>) -> (Vec<Change>, usize) {
    let mut known: HashMap<(ActorId, u64), ChangeHash> = doc
        .get_changes(&[])
        .iter()
        .map(|c| ((c.actor_id().clone(), c.seq()), c.hash()))
        .collect();
    let mut dropped = BTreeSet::new();
    let mut kept = Vec::new();
    for change in changes {
        let key = (change.actor_id().clone(), change.seq());
        match known.get(&key) {
            Some(hash) if *hash == change.hash() => continue,
            Some(_) => {
                dropped.insert(change.hash());
                continue;
            }
            None => {}
        }
        if change.deps().iter().any(|d| dropped.contains(d)) {
            dropped.insert(change.hash());
            continue;
        }
        known.insert(key, change.hash());
        kept.push(change);
    }
    (kept, dropped.len())
}

/// Applies `changes` to `doc` without the forgeries; how many were dropped.
pub(crate) fn apply_without_forgeries(doc: &mut AutoCommit, changes: Vec<Change>) -> Result<usize> {
    let (kept, dropped) = without_forgeries(doc, changes);
    doc.apply_changes(kept)
        .map_err(|e| Error::corrupt(format!("the changes do not apply: {e}")))?;
    Ok(dropped)
}

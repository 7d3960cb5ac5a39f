//! What a peer sends is untrusted: the checks a batch of arrivals must pass
//! beyond "is a valid document", for consent records and for stories.
//!
//! Every check that refuses depends only on the records themselves (and,
//! for the date, on time, which only ever loosens it): two honest devices
//! never disagree about a record, so one forged record can never split
//! them so that one refuses the other's project document for good.
//!
//! - A consent record new to this store must be dated no later than
//!   [`MAX_CLOCK_SKEW`] after the later of this device's clock and the
//!   newest record it already holds for the project; a grant must expire
//!   and be due for review after it was given, and may only acknowledge
//!   withdrawals of the same storyteller that are in the ledger; the record
//!   must have been written by the member and device it names (the actor
//!   of the change that created it). A batch with a record breaking any of
//!   this is refused whole (`SyncRejected`).
//! - Whether a record's story is its storyteller's, and its storyteller
//!   this project's, only some devices can tell (those holding the story),
//!   so it is not a reason to refuse; instead such a record has no effect
//!   anywhere: erasure (`erasure`), arrival checks and the consent rule only
//!   ever apply a record to the stories its storyteller tells in its
//!   project. Recording one locally is refused (`InvalidInput`).
//! - A story new to this store, from a peer, is taken only if its
//!   storytellers allow `share-in-project` by the ledger as it will be
//!   after the batch (so a grant in the same batch counts); otherwise it is
//!   left out and counted, and the rest of the batch goes on.
//!
//! Tombstones need no check here: they erase nothing by themselves (see
//! `erasure`).

use std::collections::{BTreeMap, BTreeSet};

use automerge::AutoCommit;
use rusqlite::Connection;

use super::merge::Batch;
use super::{Writer, now, project_uuid};
use crate::consent::{ConsentRecord, ConsentScope, rule};
use crate::documents::{Author, DocKind, Header, ledger_doc, story_doc};
use crate::error::{Error, Result};
use crate::ids::{ConsentRecordId, ParticipantId, ProjectId};

/// How far ahead of this device's clock (or the newest record it holds) a
/// peer's consent record may be dated: the same bound the consent rule's
/// expiry clock uses.
pub(crate) use crate::consent::rule::MAX_CLOCK_SKEW;

impl Writer {
    /// Checks every consent record the batch would add to a project's
    /// ledger. Runs before anything of the batch is written.
    pub(crate) fn check_ledger_arrivals(&self, batch: &Batch) -> Result<()> {
        for staged in batch.staged.iter().filter(|s| s.kind == DocKind::Project) {
            let Some(doc) = batch.document(staged.id) else { continue };
            check_new_records(&self.conn, staged.project, doc)?;
        }
        Ok(())
    }

    /// Whether a story arriving from a peer may be taken: its storytellers
    /// allow sharing within the group, by the ledger this batch leaves.
    pub(crate) fn shared_in_project(&mut self, doc: &AutoCommit, header: &Header, batch: &mut Batch) -> Result<bool> {
        let story = story_doc::read(doc)?;
        let project_doc = project_uuid(header.project_id);
        let ledger = match batch.document_mut(project_doc) {
            Some(project) => self.ledgers.ledger(project_doc, project)?,
            None => std::sync::Arc::new(stored_ledger(&self.conn, header.project_id)?),
        };
        let scopes = rule::story_scopes(&ledger, &story.storytellers, story.id, now());
        Ok(scopes.contains(&ConsentScope::ShareInProject))
    }
}

fn stored_ledger(conn: &Connection, project: ProjectId) -> Result<Vec<ConsentRecord>> {
    let mut stmt = conn.prepare_cached("SELECT record FROM consent_ledger WHERE project_id = ?1 ORDER BY at")?;
    let rows = stmt.query_map([project.to_string()], |row| row.get::<_, String>(0))?;
    rows.map(|json| serde_json::from_str(&json?).map_err(|e| Error::corrupt(format!("consent ledger index: {e}"))))
        .collect()
}

fn check_new_records(conn: &Connection, project: ProjectId, doc: &AutoCommit) -> Result<()> {
    let ledger = ledger_doc::read(doc)?;
    let stored: BTreeSet<String> = {
        let mut stmt = conn.prepare_cached("SELECT record_id FROM consent_ledger WHERE project_id = ?1")?;
        let rows = stmt.query_map([project.to_string()], |row| row.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let new: Vec<&ConsentRecord> = ledger
        .iter()
        .filter(|r| !stored.contains(&r.id().to_string()))
        .collect();
    if new.is_empty() {
        return Ok(());
    }
    let mut authors: BTreeMap<ConsentRecordId, Vec<Option<Author>>> = BTreeMap::new();
    for (id, author) in ledger_doc::record_authors(doc)? {
        authors.entry(id).or_default().push(author);
    }
    let withdrawals: BTreeMap<ConsentRecordId, ParticipantId> = ledger
        .iter()
        .filter_map(|r| match r {
            ConsentRecord::Withdrawal(w) => Some((w.id, w.storyteller)),
            ConsentRecord::Grant(_) => None,
        })
        .collect();
    let newest_held: Option<i64> = conn.query_row(
        "SELECT MAX(at) FROM consent_ledger WHERE project_id = ?1",
        [project.to_string()],
        |row| row.get(0),
    )?;
    let newest_held = newest_held.and_then(chrono::DateTime::from_timestamp_millis);
    let latest = newest_held.map_or(now(), |held| held.max(now())) + MAX_CLOCK_SKEW;
    for record in new {
        let refuse = |why: &str| Error::SyncRejected(format!("consent record {} {why}", record.id()));
        if record.at() > latest {
            return Err(refuse(
                "is dated more than a day ahead of this device's clock and ledger",
            ));
        }
        let (recorded_by, device) = match record {
            ConsentRecord::Grant(g) => {
                if g.expires_at.is_some_and(|t| t <= g.given_at) {
                    return Err(refuse("expires before it was given"));
                }
                if g.review_at.is_some_and(|t| t <= g.given_at) {
                    return Err(refuse("is due for review before it was given"));
                }
                if g.acknowledges
                    .iter()
                    .any(|w| withdrawals.get(w) != Some(&g.storyteller))
                {
                    return Err(refuse(
                        "acknowledges a withdrawal that is not one of its storyteller's in the ledger",
                    ));
                }
                (g.recorded_by, g.device)
            }
            ConsentRecord::Withdrawal(w) => (w.recorded_by, w.device),
        };
        let written_by_its_recorder = authors.get(&record.id()).is_some_and(|all| {
            all.iter()
                .all(|a| a.is_some_and(|a| a.member == recorded_by && a.device == device))
        });
        if !written_by_its_recorder {
            return Err(refuse("was not written by the member and device it names"));
        }
    }
    Ok(())
}

impl super::Store {
    /// Tombstones in the project document that this device has not
    /// applied: no document it held (or refused on arrival) that the
    /// ledger erases. A forged tombstone — no erasing withdrawal behind it,
    /// a project's id, the wrong kind, another project's document — lands
    /// here and erases nothing; so does a true one for a document this
    /// device never held. For an app to show, and for tests.
    pub fn unapplied_tombstones(&self, project: ProjectId) -> Result<Vec<ledger_doc::Tombstone>> {
        self.write(|w| {
            let tombstones = w.view(project_uuid(project), DocKind::Project, |doc| {
                ledger_doc::tombstones(doc)
            })?;
            let mut unapplied = Vec::new();
            for tombstone in tombstones {
                if !super::erasure::is_tombstoned(&w.conn, tombstone.id)? {
                    unapplied.push(tombstone);
                }
            }
            Ok(unapplied)
        })
    }
}

//! What a peer sends is untrusted: the checks a batch of arrivals must pass
//! beyond "is a valid document", for consent records and for stories.
//!
//! - A consent record new to this store must be dated no later than
//!   [`MAX_CLOCK_SKEW`] after this device's clock; a grant must expire and
//!   be due for review after it was given, and may only acknowledge
//!   withdrawals of the same storyteller that are in the ledger; the record
//!   must have been written by the member and device it names (the actor of
//!   the change that created it); its storyteller must not be a participant
//!   of another project, and a story it names, when held here or in the
//!   batch, must be a story of this project with that storyteller. A batch
//!   with a record breaking any of this is refused whole (`SyncRejected`).
//! - A story new to this store, from a peer, is taken only if its
//!   storytellers allow `share-in-project` by the ledger as it will be
//!   after the batch (so a grant in the same batch counts); otherwise it is
//!   left out and counted, and the rest of the batch goes on.
//!
//! Tombstones need no check here: they erase nothing by themselves (see
//! `erasure`).

use std::collections::{BTreeMap, BTreeSet};

use automerge::AutoCommit;
use chrono::Duration;
use rusqlite::{Connection, OptionalExtension};
use uuid::Uuid;

use super::merge::Batch;
use super::{Writer, now, persistence, project_uuid};
use crate::consent::{ConsentRecord, ConsentScope, rule};
use crate::documents::{Author, DocKind, Header, ledger_doc, story_doc};
use crate::error::{Error, Result};
use crate::ids::{ConsentRecordId, ParticipantId, ProjectId, StoryId};

/// How far ahead of this device's clock a peer's consent record may be
/// dated. Further, and one record would move the consent-expiry clock
/// (which never runs behind the newest record) and lapse grants early.
pub(crate) const MAX_CLOCK_SKEW: Duration = Duration::hours(24);

impl Writer {
    /// Checks every consent record the batch would add to a project's
    /// ledger. Runs before anything of the batch is written.
    pub(crate) fn check_ledger_arrivals(&self, batch: &Batch) -> Result<()> {
        for staged in batch.staged.iter().filter(|s| s.kind == DocKind::Project) {
            let Some(doc) = batch.document(staged.id) else { continue };
            check_new_records(&self.conn, staged.project, doc, batch)?;
        }
        Ok(())
    }

    /// Whether a story arriving from a peer may be taken: its storytellers
    /// allow sharing within the group, by the ledger this batch leaves.
    pub(crate) fn shared_in_project(&self, doc: &AutoCommit, header: &Header, batch: &Batch) -> Result<bool> {
        let story = story_doc::read(doc)?;
        let ledger = match batch.document(project_uuid(header.project_id)) {
            Some(project) => ledger_doc::read(project)?,
            None => stored_ledger(&self.conn, header.project_id)?,
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

fn check_new_records(conn: &Connection, project: ProjectId, doc: &AutoCommit, batch: &Batch) -> Result<()> {
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
    let latest = now() + MAX_CLOCK_SKEW;
    for record in new {
        let refuse = |why: &str| Error::SyncRejected(format!("consent record {} {why}", record.id()));
        if record.at() > latest {
            return Err(refuse("is dated more than a day ahead of this device's clock"));
        }
        let (recorded_by, device, story) = match record {
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
                (g.recorded_by, g.device, g.story)
            }
            ConsentRecord::Withdrawal(w) => (w.recorded_by, w.device, w.story),
        };
        let written_by_its_recorder = authors.get(&record.id()).is_some_and(|all| {
            all.iter()
                .all(|a| a.is_some_and(|a| a.member == recorded_by && a.device == device))
        });
        if !written_by_its_recorder {
            return Err(refuse("was not written by the member and device it names"));
        }
        let storyteller = record.storyteller();
        let their_project: Option<String> = conn
            .query_row(
                "SELECT project_id FROM participants WHERE participant_id = ?1",
                [storyteller.to_string()],
                |row| row.get(0),
            )
            .optional()?;
        if their_project.is_some_and(|p| p != project.to_string()) {
            return Err(refuse("names a storyteller of another project"));
        }
        if let Some(story) = story
            && let Some((story_project, storytellers)) = story_facts(conn, batch, story)?
            && (story_project != project || !storytellers.contains(&storyteller))
        {
            return Err(refuse("names a story that is not its storyteller's in this project"));
        }
    }
    Ok(())
}

/// A story's project and storytellers, as the batch holds it or else as
/// indexed here; `None` if neither holds it.
fn story_facts(conn: &Connection, batch: &Batch, story: StoryId) -> Result<Option<(ProjectId, Vec<ParticipantId>)>> {
    let id = Uuid::from_bytes(*story.as_bytes());
    if let Some(doc) = batch.document(id) {
        let story = story_doc::read(doc)?;
        return Ok(Some((story.project_id, story.storytellers)));
    }
    if persistence::doc_row(conn, id)?.is_none() {
        return Ok(None);
    }
    let project: Option<String> = conn
        .query_row(
            "SELECT project_id FROM stories WHERE story_id = ?1",
            [story.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    let Some(project) = project else { return Ok(None) };
    let mut stmt = conn.prepare_cached(
        "SELECT p.participant_id FROM story_storytellers p JOIN stories s ON s.story_key = p.story_key
         WHERE s.story_id = ?1",
    )?;
    let tellers = stmt
        .query_map([story.to_string()], |row| row.get::<_, String>(0))?
        .map(|id| ParticipantId::from_stored(&id?))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some((ProjectId::from_stored(&project)?, tellers)))
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

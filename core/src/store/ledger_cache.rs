//! What the writer derives from each project's consent ledger, kept between
//! writes so that a grant, an arriving story or a merge never re-reads or
//! re-indexes the whole ledger.
//!
//! Two things are kept per project:
//! - the ledger as [`ledger_doc::read`] gives it, keyed by the heads of the
//!   project document it was read from. Heads name the document's content
//!   exactly, so a cached ledger is used only for the very document state
//!   it was read from; any other state (a merge, another process's write,
//!   a reload) reads it again. A local grant or withdrawal extends it by
//!   the one record it appended ([`LedgerCache::appended`]) instead.
//! - the ids of the records already in the `consent_ledger` index table,
//!   so indexing a project writes only the records new since.
//!
//! The index set is the one part that could run ahead of the disk (a
//! transaction that fails after indexing); every write that fails clears
//! the whole cache (`Store::write`), as do the failure paths that roll a
//! transaction back and carry on.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ChangeHash};
use rusqlite::Connection;
use uuid::Uuid;

use crate::consent::ConsentRecord;
use crate::documents::ledger_doc;
use crate::error::{Error, Result};
use crate::ids::{ConsentRecordId, ProjectId};

/// A project's ledger, oldest first (shared: readers keep it while the
/// cache moves on).
pub(crate) type Ledger = Arc<Vec<ConsentRecord>>;

#[derive(Default)]
pub(crate) struct LedgerCache {
    read: HashMap<Uuid, (Vec<ChangeHash>, Ledger)>,
    indexed: HashMap<ProjectId, HashSet<ConsentRecordId>>,
}

impl LedgerCache {
    /// The ledger of the project document `id` in its current state:
    /// exactly what `ledger_doc::read(doc)` returns.
    pub fn ledger(&mut self, id: Uuid, doc: &mut AutoCommit) -> Result<Ledger> {
        if doc.pending_ops() > 0 {
            // A change in progress has no heads of its own yet.
            return Ok(Arc::new(ledger_doc::read(doc)?));
        }
        let heads = doc.get_heads();
        if let Some((at, ledger)) = self.read.get(&id)
            && *at == heads
        {
            return Ok(ledger.clone());
        }
        let ledger = Arc::new(ledger_doc::read(doc)?);
        self.read.insert(id, (heads, ledger.clone()));
        Ok(ledger)
    }

    /// The ledger once `record` (just appended to `doc`, not yet committed)
    /// is in it, from `before` (the ledger without it) and the record read
    /// back from the document: the same as reading the whole ledger again.
    pub fn appended(before: &[ConsentRecord], doc: &AutoCommit, record: ConsentRecordId) -> Result<Ledger> {
        let added = ledger_doc::read_one(doc, record)?
            .ok_or_else(|| Error::Storage("the consent record just appended is not in the ledger".into()))?;
        let mut records = Vec::with_capacity(before.len() + 1);
        records.extend_from_slice(before);
        let key = (added.at(), added.id());
        let at = records.partition_point(|r| (r.at(), r.id()) <= key);
        if !(at > 0 && records[at - 1].id() == added.id()) {
            records.insert(at, added);
        }
        Ok(Arc::new(records))
    }

    /// Remembers the ledger of the project document `id` as committed.
    pub fn remember(&mut self, id: Uuid, doc: &mut AutoCommit, ledger: Ledger) {
        if doc.pending_ops() == 0 {
            self.read.insert(id, (doc.get_heads(), ledger));
        }
    }

    /// The records of `ledger` not yet in the index table, which the caller
    /// is about to insert (in a transaction whose failure clears the cache).
    pub fn unindexed<'l>(
        &mut self,
        conn: &Connection,
        project: ProjectId,
        ledger: &'l [ConsentRecord],
    ) -> Result<Vec<&'l ConsentRecord>> {
        let indexed = match self.indexed.entry(project) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                let mut stmt = conn.prepare_cached("SELECT record_id FROM consent_ledger WHERE project_id = ?1")?;
                let ids = stmt
                    .query_map([project.to_string()], |row| row.get::<_, String>(0))?
                    .map(|id| ConsentRecordId::from_stored(&id?))
                    .collect::<Result<HashSet<_>>>()?;
                slot.insert(ids)
            }
        };
        let new: Vec<&ConsentRecord> = ledger.iter().filter(|r| !indexed.contains(&r.id())).collect();
        indexed.extend(new.iter().map(|r| r.id()));
        Ok(new)
    }

    /// Forgets everything: after a failed write, or when another process
    /// may have changed what was derived.
    pub fn clear(&mut self) {
        self.read.clear();
        self.indexed.clear();
    }
}

#[cfg(test)]
mod tests {
    //! The cache against the full recomputation: after any sequence of
    //! grants, withdrawals (erasing or not), refused records and documents
    //! dropped from memory, the ledger the cache gives is the one read whole
    //! from the project document, and the index table holds exactly it.

    use proptest::prelude::*;

    use super::*;
    use crate::consent::{ConsentMethod, ConsentScope, NewConsentGrant, NewConsentWithdrawal};
    use crate::documents::DocKind;
    use crate::ids::{ParticipantId, StoryId};
    use crate::model::{MemberRole, NewParticipant, NewStory};
    use crate::store::{Store, project_uuid};

    #[derive(Debug, Clone)]
    enum Op {
        Grant {
            teller: usize,
            story: Option<usize>,
            share: bool,
        },
        Withdraw {
            teller: usize,
            story: Option<usize>,
            erase: bool,
        },
        /// A grant naming a story of another storyteller: refused.
        Refused { teller: usize, story: usize },
        /// The project document leaves memory and is read from disk again.
        Evict,
    }

    fn op() -> impl Strategy<Value = Op> {
        let teller = 0..3usize;
        let story = proptest::option::of(0..3usize);
        prop_oneof![
            6 => (teller.clone(), story.clone(), any::<bool>())
                .prop_map(|(teller, story, share)| Op::Grant { teller, story, share }),
            2 => (teller.clone(), story, proptest::bool::weighted(0.2))
                .prop_map(|(teller, story, erase)| Op::Withdraw { teller, story, erase }),
            1 => (teller, 0..3usize).prop_map(|(teller, story)| Op::Refused { teller, story }),
            1 => Just(Op::Evict),
        ]
    }

    /// The ledger read whole from the document, the one the cache holds
    /// for the document's state (if any), and the index table's records.
    type Views = (Vec<ConsentRecord>, Option<Vec<ConsentRecord>>, Vec<ConsentRecord>);

    fn views(store: &Store, project: ProjectId) -> Views {
        store
            .write(|w| {
                let id = project_uuid(project);
                w.view(id, DocKind::Project, |_| Ok(()))?;
                let doc = w.docs.get_mut(&id).expect("loaded");
                let whole = ledger_doc::read(doc)?;
                let heads = doc.get_heads();
                let cached = w
                    .ledgers
                    .read
                    .get(&id)
                    .filter(|(at, _)| *at == heads)
                    .map(|(_, l)| l.to_vec());
                let mut stmt = w
                    .conn
                    .prepare("SELECT record FROM consent_ledger WHERE project_id = ?1 ORDER BY at, record_id")?;
                let indexed = stmt
                    .query_map([project.to_string()], |r| r.get::<_, String>(0))?
                    .map(|json| Ok(serde_json::from_str(&json?).expect("indexed record parses")))
                    .collect::<Result<Vec<ConsentRecord>>>()?;
                Ok((whole, cached, indexed))
            })
            .expect("views")
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        #[test]
        fn the_cached_ledger_and_its_index_are_the_full_recomputation(ops in proptest::collection::vec(op(), 1..24)) {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path().join("s.storyloom")).unwrap();
            let (project, _) = store.create_project("P", "Asha", MemberRole::Reporter).unwrap();
            let tellers: Vec<ParticipantId> = (0..3)
                .map(|i| {
                    store
                        .add_participant(project, &NewParticipant { display_name: format!("T{i}"), ..Default::default() })
                        .unwrap()
                })
                .collect();
            let stories: Vec<StoryId> = (0..3)
                .map(|i| {
                    store
                        .create_story(project, &NewStory {
                            title: format!("S{i}"),
                            storytellers: vec![tellers[i]],
                            ..Default::default()
                        })
                        .unwrap()
                })
                .collect();
            let mut cache_hits = 0;
            for op in ops {
                let scopes = |share: bool| {
                    let mut s = vec![ConsentScope::Record];
                    if share {
                        s.push(ConsentScope::ShareInProject);
                    }
                    s
                };
                // Errors are expected (erased stories, refused records);
                // what matters is that the derived views stay right.
                let _ = match op {
                    Op::Grant { teller, story, share } => store
                        .grant_consent(project, &NewConsentGrant {
                            story: story.filter(|s| *s == teller).map(|s| stories[s]),
                            ..NewConsentGrant::new(tellers[teller], scopes(share), ConsentMethod::Spoken)
                        })
                        .map(drop),
                    Op::Withdraw { teller, story, erase } => store
                        .withdraw_consent(project, &NewConsentWithdrawal {
                            storyteller: tellers[teller],
                            story: story.filter(|s| *s == teller).map(|s| stories[s]),
                            scopes: vec![],
                            erase,
                        })
                        .map(drop),
                    Op::Refused { teller, story } => store
                        .grant_consent(project, &NewConsentGrant {
                            story: Some(stories[(teller + 1 + story % 2) % 3]),
                            ..NewConsentGrant::new(tellers[teller], scopes(true), ConsentMethod::Spoken)
                        })
                        .map(drop),
                    Op::Evict => store.write(|w| {
                        w.docs.evict(&project_uuid(project));
                        Ok(())
                    }),
                };
                let (whole, cached, indexed) = views(&store, project);
                if let Some(cached) = cached {
                    cache_hits += 1;
                    prop_assert_eq!(&cached, &whole);
                }
                let mut whole_by_id = whole.clone();
                whole_by_id.sort_by_key(|r| (r.at().timestamp_millis(), r.id().to_string()));
                prop_assert_eq!(indexed, whole_by_id);
            }
            // The property is only worth something if the cache was used.
            prop_assert!(cache_hits > 0);
        }
    }
}

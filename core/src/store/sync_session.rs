//! Running a sync session against the store.
//!
//! Each side first sends a catalog of the documents it holds (id, kind, a
//! hash of their heads). What only one side holds travels whole; what both
//! hold but differs runs the Automerge sync protocol, every document in the
//! same message, so the number of round trips does not grow with the
//! number of stories. Each incoming message is applied as one batch —
//! project documents (consent ledger, tombstones) first — and validated
//! before anything is written; the Automerge sync state per peer and
//! document is saved with it, so the next session with the same peer only
//! sends what is new. See ADR 0006.

use std::collections::BTreeMap;

use automerge::sync::{State, SyncDoc};
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::merge::{Batch, Expected, kind_order};
use super::{Store, Writer, consent, persistence, project_uuid};
use crate::consent::ConsentScope;
use crate::documents::{self, DocKind};
use crate::error::{Error, Result};
use crate::ids::{DeviceId, ParticipantId, ProjectId, StoryId};
use crate::sync::{
    self, CatalogEntry, DocumentSync, EnvelopeKind, FullDocument, Header, SessionMessage, SyncLimits, SyncSession,
    WIRE_VERSION,
};

/// A document this device holds, as its catalog sees it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Local {
    pub kind: DocKind,
    pub heads: [u8; 8],
    pub size: u64,
    /// Whether this device may send it: stories need `share-in-project`.
    pub shareable: bool,
}

pub(crate) fn kind_code(kind: DocKind) -> u8 {
    match kind {
        DocKind::Project => 0,
        DocKind::Participant => 1,
        DocKind::Story => 2,
    }
}

pub(crate) fn kind_from_code(code: u8) -> Result<DocKind> {
    match code {
        0 => Ok(DocKind::Project),
        1 => Ok(DocKind::Participant),
        2 => Ok(DocKind::Story),
        other => Err(Error::SyncRejected(format!("unknown document kind {other}"))),
    }
}

/// Errors about what a peer sent are rejections of the sync, naming the
/// document; everything else passes through.
fn rejected(id: Uuid, err: Error) -> Error {
    match err {
        Error::CorruptData(reason) => Error::SyncRejected(format!("document {id} from the peer is invalid: {reason}")),
        Error::InvalidInput { field, reason } => {
            Error::SyncRejected(format!("document {id} from the peer is invalid: {field} {reason}"))
        }
        other => other,
    }
}

impl Store {
    /// Starts a session as the side that speaks first. Send the returned
    /// bytes to the peer, then pass each answer to [`Store::sync_receive`].
    pub fn start_sync(&self, project: ProjectId) -> Result<(SyncSession, Vec<u8>)> {
        self.start_sync_with(project, SyncLimits::default())
    }

    pub fn start_sync_with(&self, project: ProjectId, limits: SyncLimits) -> Result<(SyncSession, Vec<u8>)> {
        let started = self.write(|w| {
            w.locate(project_uuid(project), DocKind::Project)?;
            w.enrol_device(project)?;
            w.renew_stale_epoch(project)?;
            let mut session = SyncSession::new(project, true, limits)?;
            let message = w
                .next_message(&mut session, false)?
                .expect("a first message always has a catalog");
            Ok((session, message))
        });
        crate::logging::outcome(crate::logging::SYNC, "start_sync", &started, |(session, message)| {
            crate::logging::sync_started(session, message.len())
        });
        started
    }

    /// A session for the side that answers: pass it the peer's first
    /// message with [`Store::sync_receive`]. Works before this device has
    /// the project's document (after joining from an invite).
    pub fn accept_sync(&self, project: ProjectId) -> Result<SyncSession> {
        self.accept_sync_with(project, SyncLimits::default())
    }

    pub fn accept_sync_with(&self, project: ProjectId, limits: SyncLimits) -> Result<SyncSession> {
        let accepted = self.write(|w| {
            w.secret(project)?;
            w.enrol_device(project)?;
            w.renew_stale_epoch(project)?;
            SyncSession::new(project, false, limits)
        });
        crate::logging::outcome(
            crate::logging::SYNC,
            "accept_sync",
            &accepted,
            crate::logging::sync_accepted,
        );
        accepted
    }

    /// Applies a message from the peer and returns the answer to send, or
    /// `None` when the session is done and nothing needs sending. A message
    /// that is refused changes nothing in the store, and ends the session.
    pub fn sync_receive(&self, session: &mut SyncSession, message: &[u8]) -> Result<Option<Vec<u8>>> {
        self.ensure_open()?;
        if let Some(reason) = &session.failed {
            return Err(Error::SyncRejected(format!(
                "the session has ended after an error: {reason}"
            )));
        }
        if session.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let result = self.write(|w| {
            // Automerge parses what the peer sent; should it ever panic on
            // hostile bytes, refuse the message instead of poisoning the store.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.receive_message(session, message)))
                .unwrap_or_else(|_| {
                    w.docs.clear();
                    Err(Error::SyncRejected("the message could not be processed safely".into()))
                });
            if result.is_err() || session.finished {
                w.docs.shrink();
            }
            result
        });
        if let Err(err) = &result {
            session.failed = Some(err.reason());
        }
        crate::logging::sync_message(session, message.len(), &result);
        result
    }
}

impl Writer {
    fn receive_message(&mut self, session: &mut SyncSession, bytes: &[u8]) -> Result<Option<Vec<u8>>> {
        let project = session.project;
        let opening = sync::Opening::Session {
            me: self.device,
            initiator: session.initiator,
        };
        let (header, plaintext, epoch) =
            self.open_sealed(project, session.epoch, opening, bytes, session.limits.max_message_bytes)?;
        session.epoch = Some(epoch);
        self.check_sender(session, &header)?;
        self.refuse_removed(project, header.sender)?;
        session.bind(header.session)?;
        // Media chunks this device asked for do not count against the limit.
        let limit = session.limits.max_session_bytes.saturating_add(session.media.allowance);
        if session.progress.bytes_received.saturating_add(bytes.len() as u64) > limit {
            return Err(Error::SyncRejected(
                "the peer has sent more than one session accepts; start a new session".into(),
            ));
        }
        let message: SessionMessage = sync::decode(&plaintext, "sync message")?;
        session.peer_proven =
            self.check_message_proof(project, header.sender, &plaintext, &message, &Batch::default())?;
        check_order(session, &message)?;
        check_shape(session, &message)?;
        let media = self.check_incoming_media(session, &message.media)?;
        // Cancelled while this message was on its way in (a coroutine or
        // task cancelled mid-call): stop before anything is applied.
        if session.is_cancelled() {
            return Err(Error::Cancelled);
        }
        let peer = header.sender;
        session.peer = Some(peer);
        session.received_seq = message.seq;
        session.progress.messages_received += 1;
        session.progress.bytes_received += bytes.len() as u64;

        // What this device holds, read once for the catalog and the wants.
        if message.catalog.is_some() || !message.want.is_empty() {
            let mut ours = self.local_catalog(project)?;
            self.limit_to_epoch(session, &mut ours)?;
            if let Some(catalog) = &message.catalog {
                self.compare_catalogs(session, catalog, &ours)?;
            }
            for id in &message.want {
                let id = Uuid::from_bytes(*id);
                if ours.get(&id).is_some_and(|l| l.shareable) {
                    session.to_send.insert(id);
                } else {
                    session.unavailable.insert(id);
                }
            }
        }
        // The documents being synced are used every round: keep them loaded.
        self.docs.ensure_room(session.active.len() + message.sync.len() + 16);
        for id in &message.unavailable {
            session.wanted.remove(&Uuid::from_bytes(*id));
        }

        let batch = self.apply_incoming(session, peer, &message, &plaintext)?;
        for staged in &batch.staged {
            session.changed.insert(staged.id);
        }
        // A document with a forged change stops syncing for this session
        // (the peer would offer the change again every round); reported.
        for id in &batch.forged {
            session.active.remove(id);
            session.skipped.insert(*id);
        }
        session.progress.documents_changed = session.changed.len() as u64;
        self.apply_incoming_media(session, media)?;
        self.judge_peer_media(session, &message)?;

        let incoming_empty =
            message.full.is_empty() && message.sync.is_empty() && message.want.is_empty() && message.media.is_empty();
        let reply = self.next_message(session, message.done && incoming_empty)?;
        self.update_progress(session)?;
        Ok(reply)
    }

    fn check_sender(&self, session: &SyncSession, header: &Header) -> Result<()> {
        if header.sender == self.device {
            return Err(Error::SyncRejected("the message was sent by this device itself".into()));
        }
        match session.peer {
            Some(peer) if peer != header.sender => Err(Error::SyncRejected(format!(
                "the message is from device {}, not from this session's peer {peer}",
                header.sender
            ))),
            _ => Ok(()),
        }
    }

    /// Compares the peer's catalog with ours: what to sync, send, ask for.
    fn compare_catalogs(
        &mut self,
        session: &mut SyncSession,
        catalog: &[CatalogEntry],
        ours: &BTreeMap<Uuid, Local>,
    ) -> Result<()> {
        let mut theirs = BTreeMap::new();
        for entry in catalog {
            let id = Uuid::from_bytes(entry.id);
            theirs.insert(id, entry.clone());
            if super::erasure::is_tombstoned(&self.conn, id)? {
                continue; // they will erase it when our project document reaches them
            }
            match ours.get(&id) {
                None => {
                    session.wanted.insert(id);
                    session.progress.bytes_expected = session.progress.bytes_expected.saturating_add(entry.size);
                }
                Some(local) if local.heads != entry.heads && local.shareable => {
                    session.active.insert(id);
                }
                Some(local) if local.heads == entry.heads => {
                    if let Some(peer) = session.peer
                        && let Some(state) = self.peer_has_all(peer, id)?
                    {
                        session.pending_states.push((id, state));
                    }
                }
                Some(_) => {}
            }
        }
        for (id, local) in ours {
            if local.shareable && !theirs.contains_key(id) {
                session.to_send.insert(*id);
            }
        }
        session.progress.documents_expected =
            (session.wanted.len() + session.active.len() + session.to_send.len()) as u64;
        session.peer_catalog = Some(theirs);
        Ok(())
    }

    /// Applies the whole documents and sync messages of one message as one
    /// batch, saving the sync states with it.
    fn apply_incoming(
        &mut self,
        session: &mut SyncSession,
        peer: DeviceId,
        message: &SessionMessage,
        plaintext: &[u8],
    ) -> Result<Batch> {
        let project = session.project;
        let mut batch = Batch::default();
        let mut budget = sync::Budget::new(&session.limits);
        let joining = self.has_pending_join(project)?;
        // Projects (consent ledger, tombstones) first, whether they came
        // whole or as sync messages, so every story is judged against the
        // newest erasures; then participants; then stories.
        let mut entries: Vec<Entry<'_>> = message.full.iter().map(Entry::Full).collect();
        entries.extend(message.sync.iter().map(Entry::Sync));
        entries.sort_by_key(|e| {
            (
                kind_order(kind_from_code(e.kind()).unwrap_or(DocKind::Story)),
                e.is_sync(),
            )
        });
        let result = (|| {
            for entry in entries {
                let entry = match entry {
                    Entry::Full(doc) => {
                        let id = Uuid::from_bytes(doc.id);
                        let kind = kind_from_code(doc.kind)?;
                        session.wanted.remove(&id);
                        budget.charge(&doc.bytes)?;
                        let incoming = documents::load_document(&doc.bytes).map_err(|e| rejected(id, e))?;
                        self.stage_document(
                            incoming,
                            Some(Expected { id, kind, project }),
                            Some(&doc.signatures),
                            &mut batch,
                        )
                        .map_err(|e| rejected(id, e))?;
                        continue;
                    }
                    Entry::Sync(entry) => entry,
                };
                let id = Uuid::from_bytes(entry.id);
                let kind = kind_from_code(entry.kind)?;
                if session.skipped.contains(&id) {
                    continue;
                }
                let automerge_message = sync::decode_sync_message(&entry.message, &mut budget, id)?;
                let held = persistence::doc_row(&self.conn, id)?.is_some() || batch.staged.iter().any(|s| s.id == id);
                if !held {
                    // They think we hold it; ask for it whole instead.
                    session.wanted.insert(id);
                    continue;
                }
                session.active.insert(id);
                let mut state = match session.states.remove(&id) {
                    Some(state) => state,
                    None => self.load_state(peer, id)?,
                };
                let waiting = session.waiting.entry(id).or_default();
                let staged = self.stage_sync_message(
                    Expected { id, kind, project },
                    &mut state,
                    automerge_message,
                    &entry.signatures,
                    waiting,
                    &mut batch,
                );
                session.states.insert(id, state);
                staged.map_err(|e| rejected(id, e))?;
            }
            Ok(())
        })();
        // A joining device's enrolment arrives with its messages: once the
        // batch holds it, this message can prove its sender.
        let result = result.and_then(|()| {
            if !session.peer_proven {
                session.peer_proven = self.check_message_proof(project, peer, plaintext, message, &batch)?;
            }
            Ok(())
        });
        if let Err(err) = result {
            self.abort_batch(&mut batch);
            return Err(err);
        }
        let mut states: Vec<(Uuid, Vec<u8>)> = std::mem::take(&mut session.pending_states);
        if !session.peer_proven {
            states.clear();
        }
        states.extend(
            message
                .sync
                .iter()
                .map(|s| Uuid::from_bytes(s.id))
                .filter_map(|id| session.states.get(&id).map(|state| (id, state.encode())))
                .filter(|_| session.peer_proven),
        );
        self.commit_batch(&mut batch, |tx| save_states(tx, peer, &states))?;
        self.settle(&batch)?;
        for id in &batch.unreadable {
            session.active.remove(id);
            session.unreadable.insert(*id);
        }
        // A story withheld for want of consent to share (see `arrivals`) is
        // asked for again: its grant may still be on its way in the
        // project's sync. The peer answers "unavailable" once its ledger,
        // merged with ours, no longer lets it share the story.
        for id in &batch.withheld {
            session.requested.remove(id);
            session.wanted.insert(*id);
        }
        if joining && !self.has_pending_join(project)? {
            self.send_joined_member(session)?;
        }
        Ok(batch)
    }

    /// Builds the next message, or `None` when both sides are done.
    pub(crate) fn next_message(&mut self, session: &mut SyncSession, peer_done: bool) -> Result<Option<Vec<u8>>> {
        let project = session.project;
        let budget = session.limits.target_message_bytes;
        let mut used = 0usize;
        let mut ours = self.local_catalog(project)?;
        self.limit_to_epoch(session, &mut ours)?;
        let catalog = if session.sent_catalog {
            None
        } else {
            session.sent_catalog = true;
            Some(
                ours.iter()
                    .filter(|(_, l)| l.shareable)
                    .map(|(id, l)| CatalogEntry {
                        id: *id.as_bytes(),
                        kind: kind_code(l.kind),
                        heads: l.heads,
                        size: l.size,
                    })
                    .collect::<Vec<_>>(),
            )
        };
        let want: Vec<[u8; 16]> = if session.received_seq > 0 {
            let new: Vec<Uuid> = session.wanted.difference(&session.requested).copied().collect();
            session.requested.extend(new.iter().copied());
            new.iter().map(|id| *id.as_bytes()).collect()
        } else {
            Vec::new()
        };
        let mut sending: Vec<Uuid> = session.to_send.iter().copied().collect();
        sending.sort_by_key(|id| ours.get(id).map(|l| kind_order(l.kind)).unwrap_or(9));
        let mut full = Vec::new();
        let mut decoded = sync::Budget::new(&session.limits);
        for id in sending {
            if used >= budget && !full.is_empty() {
                break;
            }
            session.to_send.remove(&id);
            let Some(local) = ours.get(&id).filter(|l| l.shareable) else {
                session.unavailable.insert(id);
                continue;
            };
            if !self.readable(id)? {
                session.unreadable.insert(id);
                session.unavailable.insert(id);
                continue;
            }
            let bytes = self.document(id, None)?.save();
            // What the peer may decode from one message is bounded too
            // (`sync::Budget`): a highly compressible document waits for the next.
            if decoded.charge(&bytes).is_err() && !full.is_empty() {
                session.to_send.insert(id);
                break;
            }
            used += bytes.len();
            let signatures = self.signatures_for(project, id, &sync::changes_in(&bytes)?)?;
            full.push(FullDocument {
                id: *id.as_bytes(),
                kind: kind_code(local.kind),
                bytes,
                signatures,
            });
        }
        let mut active: Vec<Uuid> = session.active.iter().copied().collect();
        active.sort_by_key(|id| ours.get(id).map(|l| kind_order(l.kind)).unwrap_or(9));
        let peer = session.peer;
        let mut sync_entries = Vec::new();
        for id in active {
            if used >= budget && !(full.is_empty() && sync_entries.is_empty()) {
                break;
            }
            let Some(local) = ours.get(&id).filter(|l| l.shareable) else {
                continue;
            };
            if !self.readable(id)? {
                session.unreadable.insert(id);
                session.active.remove(&id);
                continue;
            }
            let mut state = match (session.states.remove(&id), peer) {
                (Some(state), _) => state,
                (None, Some(peer)) => self.load_state(peer, id)?,
                (None, None) => State::new(),
            };
            let doc = self.document(id, None)?;
            let mut generated = doc.sync().generate_sync_message(&mut state);
            // Ask for what changes waiting here depend on: Automerge only
            // asks for what its own queue misses, and they are not in it.
            if let (Some(message), Some(waiting)) = (
                generated.as_mut(),
                session.waiting.get(&id).filter(|w| !w.changes.is_empty()),
            ) {
                message
                    .need
                    .extend(waiting.missing(|h| doc.get_change_by_hash(h).is_some()));
                message.need.sort();
                message.need.dedup();
            }
            #[cfg(feature = "test-support")]
            if session.false_positive
                && let Some(message) = generated.as_mut()
            {
                session.false_positive = !sync::test_support::leave_out_a_dependency(message, &mut state, self.device)?;
            }
            session.states.insert(id, state);
            if let Some(message) = generated {
                let mut changes = Vec::new();
                for chunk in message.changes.iter() {
                    changes.extend(sync::changes_in(chunk)?);
                }
                let signatures = self.signatures_for(project, id, &changes)?;
                let bytes = message.encode();
                used += bytes.len();
                sync_entries.push(DocumentSync {
                    id: *id.as_bytes(),
                    kind: kind_code(local.kind),
                    message: bytes,
                    signatures,
                });
            }
        }
        let unavailable: Vec<[u8; 16]> = std::mem::take(&mut session.unavailable)
            .iter()
            .map(|id| *id.as_bytes())
            .collect();
        let media = self.next_media_part(session, &ours)?;
        let empty = catalog.is_none()
            && want.is_empty()
            && unavailable.is_empty()
            && full.is_empty()
            && sync_entries.is_empty()
            && media.is_empty()
            && session.media.idle();
        if empty && peer_done {
            session.finished = true;
            if session.sent_done {
                return Ok(None);
            }
        }
        let message = SessionMessage {
            version: WIRE_VERSION,
            session: session.id,
            seq: session.sent_seq + 1,
            catalog,
            want,
            unavailable,

            full,
            sync: sync_entries,
            done: empty,
            media,
            proof: Vec::new(),
        };
        session.sent_done = empty;
        let plaintext = self.encode_proven(project, message)?;
        let secret = self.session_secret(project, session)?;
        let header = Header {
            kind: EnvelopeKind::Session,
            project,
            sender: self.device,
            session: Some(session.binding()),
        };
        let sealed = sync::seal(&secret, &header, &plaintext)?;
        session.sent_seq += 1;
        session.progress.messages_sent += 1;
        session.progress.bytes_sent += sealed.len() as u64;
        Ok(Some(sealed))
    }

    fn update_progress(&mut self, session: &mut SyncSession) -> Result<()> {
        let mut unsettled = 0u64;
        for id in &session.active {
            let heads: Option<Option<Vec<u8>>> = self
                .conn
                .query_row(
                    "SELECT heads FROM documents WHERE doc_id = ?1",
                    [id.hyphenated().to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            let shared = session.states.get(id).map(|s| {
                let mut shared = s.shared_heads.clone();
                shared.sort();
                shared.iter().flat_map(|h| h.0).collect::<Vec<u8>>()
            });
            if heads.flatten() != shared {
                unsettled += 1;
            }
        }
        let outstanding = session.to_send.len() as u64 + session.wanted.len() as u64 + unsettled;
        session.progress.documents_done = session.progress.documents_expected.saturating_sub(outstanding);
        if session.finished {
            session.progress.documents_done = session.progress.documents_expected;
        }
        Ok(())
    }

    /// Every document of the project this device holds, from the
    /// documents table (heads filled in where an older store lacks them).
    pub(crate) fn local_catalog(&mut self, project: ProjectId) -> Result<BTreeMap<Uuid, Local>> {
        let rows: Vec<(String, String, Option<Vec<u8>>, i64)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT doc_id, kind, heads, snapshot_bytes + incremental_bytes FROM documents WHERE project_id = ?1",
            )?;
            stmt.query_map([project.to_string()], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<rusqlite::Result<_>>()?
        };
        let shareable_stories = self.shareable_stories(project)?;
        let mut catalog = BTreeMap::new();
        for (id, kind, heads, size) in rows {
            let id = Uuid::try_parse(&id).map_err(|_| Error::corrupt("stored document id is not a UUID"))?;
            let kind = DocKind::from_stored(&kind)?;
            let heads = match heads {
                Some(heads) => heads,
                None => {
                    if !self.readable(id)? {
                        continue;
                    }
                    let heads = persistence::heads_bytes(self.document(id, None)?);
                    self.conn.execute(
                        "UPDATE documents SET heads = ?2 WHERE doc_id = ?1",
                        params![id.hyphenated().to_string(), heads],
                    )?;
                    heads
                }
            };
            let digest = Sha256::digest(&heads);
            let shareable = match kind {
                DocKind::Story => shareable_stories.contains(&id),
                _ => true,
            };
            catalog.insert(
                id,
                Local {
                    kind,
                    heads: digest[..8].try_into().expect("8 bytes"),
                    size: size.max(0) as u64,
                    shareable,
                },
            );
        }
        Ok(catalog)
    }

    /// The stories of a project whose storytellers all allow sharing within
    /// the group, read with one query per storyteller rather than per story.
    fn shareable_stories(&self, project: ProjectId) -> Result<std::collections::BTreeSet<Uuid>> {
        let mut tellers: BTreeMap<Uuid, Vec<ParticipantId>> = BTreeMap::new();
        {
            let mut stmt = self.conn.prepare_cached(
                "SELECT s.story_id, p.participant_id FROM stories s
                 LEFT JOIN story_storytellers p ON p.story_key = s.story_key WHERE s.project_id = ?1",
            )?;
            let rows = stmt.query_map([project.to_string()], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
            })?;
            for row in rows {
                let (story, teller) = row?;
                let story = Uuid::try_parse(&story).map_err(|_| Error::corrupt("stored story id is not a UUID"))?;
                let entry = tellers.entry(story).or_default();
                if let Some(teller) = teller {
                    entry.push(ParticipantId::from_stored(&teller)?);
                }
            }
        }
        let mut ledgers: BTreeMap<ParticipantId, Vec<crate::consent::ConsentRecord>> = BTreeMap::new();
        let now = super::now();
        let mut shareable = std::collections::BTreeSet::new();
        for (story, storytellers) in tellers {
            let mut records = Vec::new();
            for teller in &storytellers {
                if !ledgers.contains_key(teller) {
                    ledgers.insert(*teller, consent::ledger_of(&self.conn, *teller)?);
                }
                records.extend(ledgers[teller].iter().cloned());
            }
            let scopes = crate::consent::rule::story_scopes(
                &records,
                &storytellers,
                StoryId::from_bytes(*story.as_bytes()),
                now,
            );
            if scopes.contains(&ConsentScope::ShareInProject) {
                shareable.insert(story);
            }
        }
        Ok(shareable)
    }

    /// The peer's catalog shows it holds exactly our heads of a document:
    /// the sync state to remember (saved with the message's batch), so the
    /// next bundle for it can leave the document out and the next session
    /// starts from there. `None` if nothing new to remember.
    fn peer_has_all(&mut self, peer: DeviceId, id: Uuid) -> Result<Option<Vec<u8>>> {
        let heads: Option<Option<Vec<u8>>> = self
            .conn
            .query_row(
                "SELECT heads FROM documents WHERE doc_id = ?1",
                [id.hyphenated().to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(Some(heads)) = heads else { return Ok(None) };
        let heads: Vec<automerge::ChangeHash> = heads
            .chunks(32)
            .map(automerge::ChangeHash::try_from)
            .collect::<std::result::Result<_, _>>()
            .map_err(|_| Error::corrupt("stored heads are not change hashes"))?;
        let mut state = self.load_state(peer, id)?;
        let mut shared = state.shared_heads.clone();
        shared.sort();
        if shared == heads {
            return Ok(None);
        }
        state.shared_heads = heads;
        Ok(Some(state.encode()))
    }

    fn load_state(&self, peer: DeviceId, id: Uuid) -> Result<State> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT state FROM sync_states WHERE peer_device = ?1 AND doc_id = ?2",
                [peer.to_string(), id.hyphenated().to_string()],
                |r| r.get(0),
            )
            .optional()?;
        // A damaged state only costs a fuller exchange: start afresh.
        Ok(bytes.and_then(|b| State::decode(&b).ok()).unwrap_or_default())
    }
}

fn save_states(tx: &Transaction<'_>, peer: DeviceId, states: &[(Uuid, Vec<u8>)]) -> Result<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO sync_states (peer_device, doc_id, state) VALUES (?1, ?2, ?3)
         ON CONFLICT (peer_device, doc_id) DO UPDATE SET state = excluded.state",
    )?;
    for (id, state) in states {
        stmt.execute(params![peer.to_string(), id.hyphenated().to_string(), state])?;
    }
    Ok(())
}

/// Refuses a message of another session, a replayed one, or one out of order.
fn check_order(session: &SyncSession, message: &SessionMessage) -> Result<()> {
    if message.session != session.id {
        return Err(Error::SyncRejected(
            "the message belongs to another sync session (an old message replayed?)".into(),
        ));
    }
    if message.seq <= session.received_seq {
        return Err(Error::SyncRejected(format!(
            "message {} of this session was already received: it is a replay",
            message.seq
        )));
    }
    if message.seq != session.received_seq + 1 {
        return Err(Error::SyncRejected(format!(
            "message {} arrived out of order (expected {})",
            message.seq,
            session.received_seq + 1
        )));
    }
    Ok(())
}

/// Checks sizes and kinds before anything is applied.
fn check_shape(session: &SyncSession, message: &SessionMessage) -> Result<()> {
    for doc in &message.full {
        kind_from_code(doc.kind)?;
        if doc.bytes.len() > session.limits.max_document_bytes {
            return Err(Error::SyncRejected(format!(
                "document {} is {} bytes, over the limit of {}",
                Uuid::from_bytes(doc.id),
                doc.bytes.len(),
                session.limits.max_document_bytes
            )));
        }
    }
    for entry in &message.sync {
        kind_from_code(entry.kind)?;
        if entry.message.len() > session.limits.max_document_bytes {
            return Err(Error::SyncRejected(format!(
                "the sync message for document {} is over the size limit",
                Uuid::from_bytes(entry.id)
            )));
        }
    }
    if let Some(catalog) = &message.catalog {
        for entry in catalog {
            kind_from_code(entry.kind)?;
        }
    }
    Ok(())
}

/// One document in a message, whole or as a sync message.
enum Entry<'m> {
    Full(&'m FullDocument),
    Sync(&'m DocumentSync),
}

impl Entry<'_> {
    fn kind(&self) -> u8 {
        match self {
            Self::Full(doc) => doc.kind,
            Self::Sync(sync) => sync.kind,
        }
    }

    fn is_sync(&self) -> bool {
        matches!(self, Self::Sync(_))
    }
}

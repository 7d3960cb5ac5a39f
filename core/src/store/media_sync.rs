//! Media in a sync session (ADR 0015): after the documents, each side
//! lists the items it holds whole for stories it may share; the other asks
//! for those it lacks (as its app's policy allows), receives each one's key
//! and chunk list, and then asks for the chunks it lacks by name, about one
//! message's worth at a time, so memory stays flat.
//!
//! Every chunk is checked before anything of its message is written: its
//! name (BLAKE3 of the bytes) must be one this device asked for, and it
//! must open with the item's key at its index. An item's row (key, chunk
//! list) is written when its offer arrives, marked not present, so a cut
//! session resumes with only the missing chunks; it becomes present once
//! all its chunks are here and its plaintext matches the content hash the
//! story document gives it.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;

use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::consent::story_scopes;
#[cfg(feature = "test-support")]
use super::media::MediaRow;
use super::media::{hex, media_row, write_row};
use super::sync_session::Local;
use super::{Writer, erasure, persistence, story_uuid};
use crate::consent::ConsentScope;
use crate::documents::{DocKind, story_media};
use crate::error::{Error, Result};
use crate::ids::{MediaId, ProjectId, StoryId};
use crate::media::{CHUNK_SIZE, ChunkName, Control, MediaKey, chunk_count, open_chunk, read_range};
use crate::model::MediaItem;
use crate::sync::{
    CHUNK_WIRE_BYTES, HeldItem, Incoming, MAX_CHUNKS_QUEUED, MAX_ITEM_CHUNKS, MAX_ITEMS_PER_MESSAGE, MediaOffer,
    MediaPart, MediaSession, SessionMessage, SyncSession,
};

/// An offer this device accepts: the row to write and the item to receive.
pub(crate) struct AcceptedOffer {
    item: MediaItem,
    project: ProjectId,
    incoming: Incoming,
    row: RowState,
}

/// What this device already holds of an offered item.
#[derive(PartialEq, Eq)]
enum RowState {
    New,
    /// The row of an earlier, cut session: resume it.
    Resumed,
    /// The row of an earlier session holds another key or chunk list: one
    /// of the two peers lied. Start afresh; the content hash check at the
    /// end tells which copy is right.
    Replaced,
}

/// The media part of an incoming message, checked and ready to apply.
#[derive(Default)]
pub(crate) struct CheckedMedia<'m> {
    offers: Vec<AcceptedOffer>,
    /// Verified chunks: ciphertext, item, plaintext length.
    chunks: Vec<(&'m [u8], MediaId, u64)>,
}

fn refuse(reason: String) -> Error {
    Error::SyncRejected(reason)
}

/// What an item's plaintext must hash to, from its reference.
fn expected_sha256(content_hash: &str) -> Option<String> {
    content_hash.strip_prefix("sha256:").map(str::to_ascii_lowercase)
}

/// Hashes what is written to it.
struct HashingWriter(Sha256);

impl Write for HashingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Writer {
    /// The items of `project` this device holds whole, for stories it may share.
    pub(super) fn media_held(&self, project: ProjectId, ours: &BTreeMap<Uuid, Local>) -> Result<Vec<HeldItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT media_id, story_id FROM media WHERE project_id = ?1 AND item_key IS NOT NULL AND present = 1",
        )?;
        let rows = stmt.query_map([project.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut held = Vec::new();
        for row in rows {
            let (id, story) = row?;
            let (id, story) = (MediaId::from_stored(&id)?, StoryId::from_stored(&story)?);
            if ours.get(&story_uuid(story)).is_some_and(|l| l.shareable) {
                held.push(HeldItem {
                    id: *id.as_bytes(),
                    story: *story.as_bytes(),
                });
            }
        }
        Ok(held)
    }

    /// Checks the media part of a message from the peer before anything
    /// of the message is applied; records what the peer lists and asks for.
    pub(crate) fn check_incoming_media<'m>(
        &mut self,
        session: &mut SyncSession,
        part: &'m MediaPart,
    ) -> Result<CheckedMedia<'m>> {
        let media = &mut session.media;
        if part.want_items.len() > MAX_ITEMS_PER_MESSAGE
            || part.held.as_ref().is_some_and(|h| h.len() > MAX_ITEMS_PER_MESSAGE)
        {
            return Err(refuse(
                "the peer listed more media items than a message may hold".into(),
            ));
        }
        if let Some(held) = &part.held {
            if media.peer_held.is_some() || media.judged {
                return Err(refuse("the peer listed the media it holds twice".into()));
            }
            media.peer_held = Some(
                held.iter()
                    .map(|h| (MediaId::from_bytes(h.id), StoryId::from_bytes(h.story)))
                    .collect(),
            );
        }
        for id in &part.want_items {
            let id = MediaId::from_bytes(*id);
            if !media.asked_items.contains(&id) {
                media.asked_items.push(id);
            }
        }
        for id in &part.unavailable_items {
            media.give_up(MediaId::from_bytes(*id));
        }
        if media.to_serve.len() + part.want_chunks.len() > MAX_CHUNKS_QUEUED {
            return Err(refuse(
                "the peer asked for more media chunks at once than a session allows".into(),
            ));
        }
        for name in &part.want_chunks {
            let name = ChunkName(*name);
            if !media.offered.contains_key(&name) {
                return Err(refuse(
                    "the peer asked for a media chunk of an item this device did not offer it".into(),
                ));
            }
            media.to_serve.push_back(name);
        }
        let mut checked = CheckedMedia::default();
        for offer in &part.offers {
            if let Some(accepted) = self.check_offer(session, offer)? {
                checked.offers.push(accepted);
            }
        }
        for bytes in &part.chunks {
            checked.chunks.push(check_chunk(&mut session.media, bytes)?);
        }
        Ok(checked)
    }

    /// Checks an offer against what this device asked for and what the
    /// story document says of the item. `None`: not wanted any more (the
    /// story was erased, or `keep-media` withdrawn, since it was asked for).
    fn check_offer(&mut self, session: &mut SyncSession, offer: &MediaOffer) -> Result<Option<AcceptedOffer>> {
        let id = MediaId::from_bytes(offer.id);
        let Some(story) = session.media.awaiting_offers.remove(&id) else {
            return Err(refuse(format!(
                "the peer sent the key of media {id}, which this device did not ask for"
            )));
        };
        if offer.chunks.len() > MAX_ITEM_CHUNKS {
            return Err(refuse(format!(
                "media {id} from the peer has {} chunks, more than an item may have ({MAX_ITEM_CHUNKS})",
                offer.chunks.len()
            )));
        }
        let Some(item) = self.reference(session.project, story, id)? else {
            return Ok(None);
        };
        if offer.size != item.size || offer.chunks.len() as u64 != chunk_count(item.size) {
            return Err(refuse(format!(
                "media {id} from the peer is {} bytes in {} chunks; its reference says {} bytes",
                offer.size,
                offer.chunks.len(),
                item.size
            )));
        }
        let chunks: Vec<ChunkName> = offer.chunks.iter().map(|c| ChunkName(*c)).collect();
        let key = MediaKey::from_bytes(offer.key);
        let row = match media_row(&self.conn, id)? {
            None => RowState::New,
            Some(row) if row.present || row.key.is_none() => return Ok(None),
            // An item is encrypted once: every honest copy has the same key
            // and chunks as the part already received.
            Some(row) if row.key.as_ref().map(|k| k.as_bytes()) == Some(key.as_bytes()) && row.chunks == chunks => {
                RowState::Resumed
            }
            Some(_) => RowState::Replaced,
        };
        let missing = chunks.iter().filter(|c| !self.media.has(c)).count();
        Ok(Some(AcceptedOffer {
            project: session.project,
            incoming: Incoming {
                key,
                chunks,
                size: item.size,
                story,
                missing,
            },
            item,
            row,
        }))
    }

    /// The story document's reference to `id`, if this device holds the
    /// story in `project` and its storytellers allow keeping media here.
    pub(super) fn reference(&mut self, project: ProjectId, story: StoryId, id: MediaId) -> Result<Option<MediaItem>> {
        let doc = story_uuid(story);
        match persistence::doc_row(&self.conn, doc)? {
            Some(row) if row.kind == DocKind::Story && row.project_id == project => {}
            _ => return Ok(None),
        }
        if erasure::is_tombstoned(&self.conn, doc)? || !self.readable(doc)? {
            return Ok(None);
        }
        if !story_scopes(&self.conn, story)?.contains(&ConsentScope::KeepMedia) {
            return Ok(None);
        }
        let items = self.view(doc, DocKind::Story, |doc| story_media::read(doc, story))?;
        Ok(items.into_iter().find(|i| i.id == id))
    }

    /// Applies a checked media part once the message's documents are in:
    /// rows for accepted offers, then the chunks (each written atomically),
    /// then every item that is now whole is checked and made present.
    pub(crate) fn apply_incoming_media(&mut self, session: &mut SyncSession, checked: CheckedMedia<'_>) -> Result<()> {
        if !checked.offers.is_empty() {
            let tx = self.conn.transaction()?;
            for offer in checked.offers.iter().filter(|o| o.row != RowState::Resumed) {
                if offer.row == RowState::Replaced {
                    // Chunks only the old row used are collected at open.
                    tx.execute("DELETE FROM media WHERE media_id = ?1", [offer.item.id.to_string()])?;
                }
                insert_partial(&tx, offer)?;
            }
            tx.commit()?;
        }
        let mut whole = Vec::new();
        for offer in checked.offers {
            let id = offer.item.id;
            let here = offer.incoming.chunks.len() - offer.incoming.missing;
            let already = if here == offer.incoming.chunks.len() {
                offer.item.size
            } else {
                here as u64 * CHUNK_SIZE as u64
            };
            session.progress.media_bytes_expected = session.progress.media_bytes_expected.saturating_sub(already);
            if offer.incoming.missing == 0 {
                whole.push((id, offer.incoming));
                continue;
            }
            for (index, name) in offer.incoming.chunks.iter().enumerate() {
                if !self.media.has(name) {
                    session.media.to_want.push_back((*name, id, index as u32));
                }
            }
            session.media.incoming.insert(id, offer.incoming);
        }
        for (bytes, id, plain) in checked.chunks {
            self.media.write(bytes)?;
            session.progress.media_bytes_received += plain;
            let Some(incoming) = session.media.incoming.get_mut(&id) else {
                continue;
            };
            incoming.missing = incoming.missing.saturating_sub(1);
            if incoming.missing == 0
                && let Some(incoming) = session.media.incoming.remove(&id)
            {
                whole.push((id, incoming));
            }
        }
        for (id, incoming) in whole {
            self.complete_item(id, &incoming)?;
            session.progress.media_items_done += 1;
        }
        Ok(())
    }

    /// An item whose chunks are all here: its plaintext must hash to what
    /// its reference says (a peer holding the key could otherwise swap
    /// the recording); then it is present. Otherwise its row and chunks go.
    pub(super) fn complete_item(&mut self, id: MediaId, incoming: &Incoming) -> Result<()> {
        let expected: Option<String> = self
            .conn
            .query_row("SELECT sha256 FROM media WHERE media_id = ?1", [id.to_string()], |r| {
                r.get::<_, String>(0)
            })
            .map(|h| expected_sha256(&h))?;
        let mut hasher = HashingWriter(Sha256::new());
        let read = read_range(
            &self.media,
            &incoming.key,
            id,
            &incoming.chunks,
            incoming.size,
            0,
            incoming.size,
            &mut hasher,
            &mut Control::default(),
        );
        let matches = read.is_ok() && expected.as_deref() == Some(hex(&hasher.0.finalize()).as_str());
        if !matches {
            self.drop_partial(id, &incoming.chunks)?;
            return Err(refuse(format!(
                "media {id} from the peer does not match the content hash its reference gives"
            )));
        }
        self.conn
            .execute("UPDATE media SET present = 1 WHERE media_id = ?1", [id.to_string()])?;
        Ok(())
    }

    /// Deletes a refused item's row and the chunk files no other item uses.
    fn drop_partial(&mut self, id: MediaId, chunks: &[ChunkName]) -> Result<()> {
        self.conn
            .execute("DELETE FROM media WHERE media_id = ?1", [id.to_string()])?;
        let mut used = HashSet::new();
        let mut stmt = self
            .conn
            .prepare("SELECT chunks FROM media WHERE item_key IS NOT NULL")?;
        for list in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))? {
            used.extend(ChunkName::unpack(&list?)?);
        }
        let unused: Vec<ChunkName> = chunks.iter().filter(|c| !used.contains(c)).copied().collect();
        self.media.remove(&unused)
    }

    /// After a message is applied: once this device has the peer's
    /// documents (the peer's message carried none, and nothing asked for is
    /// still on its way), decides which of the items the peer holds to ask
    /// for, by presence here, consent here and the app's policy.
    pub(crate) fn judge_peer_media(&mut self, session: &mut SyncSession, message: &SessionMessage) -> Result<()> {
        let peer_knew_ours = session.initiator || message.seq >= 2;
        if session.media.judged
            || session.media.peer_held.is_none()
            || !peer_knew_ours
            || !message.full.is_empty()
            || !message.sync.is_empty()
            || !session.wanted.is_empty()
        {
            return Ok(());
        }
        session.media.judged = true;
        let held = session.media.peer_held.take().unwrap_or_default();
        for (id, story) in held {
            if media_row(&self.conn, id)?.is_some_and(|r| r.present || r.key.is_none()) {
                continue;
            }
            let Some(item) = self.reference(session.project, story, id)? else {
                continue;
            };
            if !session.media.policy.fetches(id, item.size) {
                continue;
            }
            session.media.want_items.insert(id);
            session.media.awaiting_offers.insert(id, story);
            session.progress.media_items_expected += 1;
            session.progress.media_bytes_expected += item.size;
        }
        Ok(())
    }

    /// The media part of the next message: this side's list (first
    /// message), items to ask for, offers for what the peer asked, chunk
    /// names to ask for (a window's worth), and chunks to send (up to the
    /// message target, at least one).
    pub(crate) fn next_media_part(
        &mut self,
        session: &mut SyncSession,
        ours: &BTreeMap<Uuid, Local>,
    ) -> Result<MediaPart> {
        let mut part = MediaPart::default();
        if !session.media.held_sent {
            part.held = Some(self.media_held(session.project, ours)?);
            session.media.held_sent = true;
        }
        part.want_items = std::mem::take(&mut session.media.want_items)
            .into_iter()
            .map(|id| *id.as_bytes())
            .collect();
        for id in std::mem::take(&mut session.media.asked_items) {
            match self.offer(id, ours)? {
                Some((offer, story)) => {
                    for name in &offer.chunks {
                        session.media.offered.insert(ChunkName(*name), (id, story));
                    }
                    part.offers.push(offer);
                }
                None => part.unavailable_items.push(*id.as_bytes()),
            }
        }
        let window = MediaSession::window(session.limits.target_message_bytes);
        while session.media.expecting.len() < window
            && let Some((name, id, index)) = session.media.to_want.pop_front()
        {
            session.media.expecting.insert(name, (id, index));
            session.media.allowance = session.media.allowance.saturating_add(CHUNK_WIRE_BYTES);
            part.want_chunks.push(name.0);
        }
        self.serve_chunks(session, ours, &mut part)?;
        #[cfg(feature = "test-support")]
        self.tamper(session, &mut part)?;
        Ok(part)
    }

    /// Plays a hostile peer (tests only): bends `part` as the session's
    /// tampering says, once, in the first message where it fits.
    #[cfg(feature = "test-support")]
    fn tamper(&mut self, session: &mut SyncSession, part: &mut MediaPart) -> Result<()> {
        use crate::sync::test_support::MediaTamper;
        let Some(tamper) = session.media_tamper.clone() else {
            return Ok(());
        };
        let done = match &tamper {
            MediaTamper::FlipChunkByte => part.chunks.first_mut().map(|c| c[5] ^= 1).is_some(),
            MediaTamper::WrongKeyInOffer => part.offers.first_mut().map(|o| o.key[0] ^= 1).is_some(),
            MediaTamper::OversizeOffer => part
                .offers
                .first_mut()
                .map(|o| {
                    o.size += CHUNK_SIZE as u64;
                    o.chunks.push([7; 32]);
                })
                .is_some(),
            MediaTamper::HugeOffer => part
                .offers
                .first_mut()
                .map(|o| o.chunks.resize(MAX_ITEM_CHUNKS + 1, [7; 32]))
                .is_some(),
            MediaTamper::ChunkOf(id) => match media_row(&self.conn, *id)? {
                Some(row) if session.media.held_sent && part.held.is_none() => {
                    part.chunks.push(self.media.read(&row.chunks[0], *id)?);
                    true
                }
                _ => false,
            },
            MediaTamper::OfferUnasked(id) => match media_row(&self.conn, *id)? {
                Some(MediaRow {
                    key: Some(key),
                    chunks,
                    size,
                    ..
                }) if part.held.is_none() => {
                    part.offers.push(MediaOffer {
                        id: *id.as_bytes(),
                        size,
                        key: *key.as_bytes(),
                        chunks: chunks.iter().map(|c| c.0).collect(),
                    });
                    true
                }
                _ => false,
            },
        };
        if done {
            session.media_tamper = None;
        }
        Ok(())
    }

    /// The key and chunk list of an item the peer asked for, if this device
    /// holds it whole and may share its story.
    fn offer(&self, id: MediaId, ours: &BTreeMap<Uuid, Local>) -> Result<Option<(MediaOffer, StoryId)>> {
        let Some(row) = media_row(&self.conn, id)? else {
            return Ok(None);
        };
        let Some(key) = row.key.filter(|_| row.present) else {
            return Ok(None);
        };
        if !ours.get(&story_uuid(row.story)).is_some_and(|l| l.shareable) {
            return Ok(None);
        }
        Ok(Some((
            MediaOffer {
                id: *id.as_bytes(),
                size: row.size,
                key: *key.as_bytes(),
                chunks: row.chunks.iter().map(|c| c.0).collect(),
            },
            row.story,
        )))
    }

    /// Moves chunks the peer asked for into `part`, up to the message
    /// target. An item whose story may no longer be shared, or whose bytes
    /// went (withdrawn, erased), is reported unavailable instead.
    fn serve_chunks(
        &mut self,
        session: &mut SyncSession,
        ours: &BTreeMap<Uuid, Local>,
        part: &mut MediaPart,
    ) -> Result<()> {
        let budget = session.limits.target_message_bytes;
        let mut used = 0usize;
        while let Some(name) = session.media.to_serve.front().copied() {
            let Some(&(id, story)) = session.media.offered.get(&name) else {
                session.media.to_serve.pop_front();
                continue;
            };
            let shareable = ours.get(&story_uuid(story)).is_some_and(|l| l.shareable);
            let bytes = if shareable {
                match self.media.read(&name, id) {
                    Ok(bytes) => Some(bytes),
                    Err(Error::MediaNotPresent { .. } | Error::CorruptData(_)) => None,
                    Err(err) => return Err(err),
                }
            } else {
                None
            };
            let Some(bytes) = bytes else {
                session.media.offered.retain(|_, (item, _)| *item != id);
                session.media.to_serve.retain(|n| session.media.offered.contains_key(n));
                part.unavailable_items.push(*id.as_bytes());
                continue;
            };
            if used > 0 && used + bytes.len() > budget {
                break;
            }
            session.media.to_serve.pop_front();
            used += bytes.len();
            session.progress.media_bytes_sent += bytes.len() as u64;
            part.chunks.push(bytes);
        }
        Ok(())
    }
}

/// Checks one chunk from the peer: asked for, and opens with its item's
/// key at its index to the length the item's size gives it.
fn check_chunk<'m>(media: &mut MediaSession, bytes: &'m [u8]) -> Result<(&'m [u8], MediaId, u64)> {
    if bytes.len() > CHUNK_SIZE + 16 {
        return Err(refuse(
            "a media chunk from the peer is larger than a chunk can be".into(),
        ));
    }
    let name = ChunkName::of(bytes);
    let Some((id, index)) = media.expecting.remove(&name) else {
        return Err(refuse("the peer sent a media chunk this device did not ask for".into()));
    };
    let Some(incoming) = media.incoming.get(&id) else {
        return Err(refuse(format!("the peer sent a chunk of media {id}, which it gave up")));
    };
    let last = index as usize + 1 == incoming.chunks.len();
    let plain = open_chunk(&incoming.key, id, index, last, bytes)
        .map_err(|_| refuse(format!("media {id}: chunk {index} from the peer failed verification")))?;
    let expected = if last {
        incoming.size - u64::from(index) * CHUNK_SIZE as u64
    } else {
        CHUNK_SIZE as u64
    };
    if plain.len() as u64 != expected {
        return Err(refuse(format!(
            "media {id}: chunk {index} from the peer has the wrong length"
        )));
    }
    Ok((bytes, id, expected))
}

fn insert_partial(tx: &rusqlite::Transaction<'_>, offer: &AcceptedOffer) -> Result<()> {
    insert_row(tx, &offer.item, offer.project, &offer.incoming)
}

/// Writes the row of an item being received, not present yet.
pub(super) fn insert_row(
    tx: &rusqlite::Transaction<'_>,
    item: &MediaItem,
    project: ProjectId,
    incoming: &Incoming,
) -> Result<()> {
    let project = project.to_string();
    write_row(
        tx,
        item,
        incoming.story,
        &project,
        &incoming.key,
        &incoming.chunks,
        item.size,
        false,
    )
}

//! Media in bundles (ADR 0015): a bundle carries, for every item held
//! whole of a story its maker may share, the item's key, chunk list and
//! chunks. The importer checks every chunk (named by the BLAKE3 of its
//! bytes, listed by the item, opening with the item's key at its index)
//! before anything of the bundle is applied, and makes an item present
//! only once its plaintext matches the content hash of its reference.

use std::collections::BTreeMap;

use uuid::Uuid;

use super::Writer;
use super::media::media_row;
use super::media_sync::insert_row;
use super::sync_session::Local;
use crate::error::{Error, Result};
use crate::ids::{DeviceId, MediaId, ProjectId, StoryId};
use crate::media::{CHUNK_SIZE, ChunkName, MediaKey, chunk_count, open_chunk};
use crate::sync::{BundleMedia, Incoming, MAX_ITEM_CHUNKS, MediaPolicy};

/// An item of a bundle whose chunks all checked out.
pub(crate) struct CheckedItem<'b> {
    id: MediaId,
    story: StoryId,
    size: u64,
    key: MediaKey,
    chunks: Vec<ChunkName>,
    data: Vec<&'b [u8]>,
}

fn refuse(reason: String) -> Error {
    Error::SyncRejected(reason)
}

/// Checks every item and chunk of a bundle's media, before anything of
/// the bundle is applied.
pub(crate) fn check_bundle_media(media: &[BundleMedia]) -> Result<Vec<CheckedItem<'_>>> {
    let mut checked = Vec::with_capacity(media.len());
    for item in media {
        let id = MediaId::from_bytes(item.id);
        if item.chunks.len() > MAX_ITEM_CHUNKS || item.chunks.len() as u64 != chunk_count(item.size) {
            return Err(refuse(format!(
                "media {id} in the bundle is {} bytes in {} chunks: more than an item may have, or not its size",
                item.size,
                item.chunks.len()
            )));
        }
        let chunks: Vec<ChunkName> = item.chunks.iter().map(|c| ChunkName(*c)).collect();
        let key = MediaKey::from_bytes(item.key);
        let mut data = Vec::with_capacity(item.data.len());
        for bytes in &item.data {
            if bytes.len() > CHUNK_SIZE + 16 {
                return Err(refuse(format!("a chunk of media {id} in the bundle is too large")));
            }
            let name = ChunkName::of(bytes);
            let Some(index) = chunks.iter().position(|c| *c == name) else {
                return Err(refuse(format!(
                    "the bundle carries a chunk that media {id} does not list"
                )));
            };
            let last = index + 1 == chunks.len();
            let plain = open_chunk(&key, id, index as u32, last, bytes)
                .map_err(|_| refuse(format!("media {id}: chunk {index} in the bundle failed verification")))?;
            let expected = if last {
                item.size - index as u64 * CHUNK_SIZE as u64
            } else {
                CHUNK_SIZE as u64
            };
            if plain.len() as u64 != expected {
                return Err(refuse(format!(
                    "media {id}: chunk {index} in the bundle has the wrong length"
                )));
            }
            data.push(bytes.as_slice());
        }
        checked.push(CheckedItem {
            id,
            story: StoryId::from_bytes(item.story),
            size: item.size,
            key,
            chunks,
            data,
        });
    }
    Ok(checked)
}

impl Writer {
    /// The media a bundle carries: each item held whole for a story this
    /// device may share, that `policy` picks.
    pub(crate) fn bundle_media(
        &mut self,
        project: ProjectId,
        catalog: &BTreeMap<Uuid, Local>,
        _peer: Option<DeviceId>,
        policy: &MediaPolicy,
    ) -> Result<Vec<BundleMedia>> {
        let mut media = Vec::new();
        for held in self.media_held(project, catalog)? {
            let id = MediaId::from_bytes(held.id);
            let Some(row) = media_row(&self.conn, id)? else {
                continue;
            };
            if !policy.fetches(id, row.size) {
                continue;
            }
            let Some(key) = row.key else { continue };
            let mut data = Vec::with_capacity(row.chunks.len());
            for name in &row.chunks {
                data.push(self.media.read(name, id)?);
            }
            media.push(BundleMedia {
                id: held.id,
                story: held.story,
                size: row.size,
                key: *key.as_bytes(),
                chunks: row.chunks.iter().map(|c| c.0).collect(),
                data,
            });
        }
        Ok(media)
    }

    /// After a bundle's documents are in: writes each item whose story and
    /// reference are here (and whose storytellers allow keeping media
    /// here), and makes it present when whole. Returns how many items
    /// became present.
    pub(crate) fn apply_bundle_media(&mut self, project: ProjectId, items: Vec<CheckedItem<'_>>) -> Result<u64> {
        let mut made_present = 0;
        for item in items {
            let existing = media_row(&self.conn, item.id)?;
            if existing.as_ref().is_some_and(|r| r.present || r.key.is_none()) {
                continue;
            }
            let Some(reference) = self.reference(project, item.story, item.id)? else {
                continue;
            };
            if reference.size != item.size {
                return Err(refuse(format!(
                    "media {} in the bundle is {} bytes; its reference says {}",
                    item.id, item.size, reference.size
                )));
            }
            let incoming = Incoming {
                key: item.key,
                chunks: item.chunks,
                size: item.size,
                story: item.story,
                missing: 0,
            };
            let same = existing.as_ref().is_some_and(|r| {
                r.key.as_ref().map(|k| k.as_bytes()) == Some(incoming.key.as_bytes()) && r.chunks == incoming.chunks
            });
            if !same {
                let tx = self.conn.transaction()?;
                tx.execute("DELETE FROM media WHERE media_id = ?1", [item.id.to_string()])?;
                insert_row(&tx, &reference, project, &incoming)?;
                tx.commit()?;
            }
            for bytes in &item.data {
                self.media.write(bytes)?;
            }
            if incoming.chunks.iter().all(|c| self.media.has(c)) {
                self.complete_item(item.id, &incoming)?;
                made_present += 1;
            }
        }
        Ok(made_present)
    }
}

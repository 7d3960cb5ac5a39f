//! Media items on the store: attach (streaming from a file, or from bytes),
//! read a byte range, export to a file, list a story's items, remove.
//!
//! An attach writes its encrypted chunks first, outside the writer lock
//! (a long recording must not stop other writes), then adds the reference
//! to the story document and the item's row (key, chunk list) in one
//! transaction. A kill before that commit leaves only unreferenced chunks,
//! which are collected; after it, the whole item is there.

use std::collections::HashSet;
use std::fs;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::consent::story_scopes;
use super::output_files::refuse_store_file;
use super::{Store, Writer, now, story_uuid};
use crate::consent::ConsentScope;
use crate::documents::{DocKind, story_media};
use crate::error::{Error, RecordKind, Result};
use crate::ids::{MediaId, StoryId};
use crate::media::{ChunkDir, ChunkName, Control, MediaKey, WrittenItem, read_range, write_item};
use crate::model::{ChangeKind, MediaItem, NewMedia};
use crate::text;

/// Unreferenced chunks younger than this are left alone by the collection
/// at open: another process may be attaching them right now.
pub(crate) const COLLECT_GRACE: Duration = Duration::from_secs(15 * 60);
/// The most one [`Store::read_media`] call returns; stream larger ranges
/// with [`Store::read_media_into`] or [`Store::export_media`].
pub const MAX_MEDIA_READ: u64 = 64 * 1024 * 1024;

/// Progress and cancellation for a long attach or export.
#[derive(Default)]
pub struct MediaTransfer<'a> {
    /// Called after each chunk with (bytes done, bytes in total).
    pub progress: Option<&'a mut dyn FnMut(u64, u64)>,
    /// Set it (from any thread) to stop at the next chunk: the call returns
    /// [`Error::Cancelled`] and leaves nothing behind.
    pub cancel: Option<&'a AtomicBool>,
}

/// What the database holds of an item whose bytes this device has.
pub(crate) struct MediaRow {
    pub story: StoryId,
    pub key: Option<MediaKey>,
    pub chunks: Vec<ChunkName>,
    pub size: u64,
    /// All its chunks are here (a sync may have brought only some yet).
    pub present: bool,
}

pub(crate) fn media_row(conn: &Connection, id: MediaId) -> Result<Option<MediaRow>> {
    conn.query_row(
        "SELECT story_id, item_key, chunks, size, present FROM media WHERE media_id = ?1",
        [id.to_string()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<Vec<u8>>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, bool>(4)?,
            ))
        },
    )
    .optional()?
    .map(|(story, key, chunks, size, present)| {
        Ok(MediaRow {
            story: StoryId::from_stored(&story)?,
            key: key.as_deref().map(MediaKey::from_stored).transpose()?,
            chunks: ChunkName::unpack(&chunks)?,
            size: u64::try_from(size).map_err(|_| Error::corrupt("a stored media size is negative"))?,
            present,
        })
    })
    .transpose()
}

pub(crate) fn insert_row(
    tx: &Transaction<'_>,
    item: &MediaItem,
    project: &str,
    key: &MediaKey,
    written: &WrittenItem,
) -> Result<()> {
    write_row(
        tx,
        item,
        item.story_id,
        project,
        key,
        &written.chunks,
        written.size,
        true,
    )
}

/// Writes an item's row: its key and chunk list beside what the story
/// document says of it. `present` is false while a peer's chunks are still
/// arriving (media sync), true once every chunk is here.
#[allow(clippy::too_many_arguments)] // one per column group; a struct would only restate them
pub(super) fn write_row(
    tx: &Transaction<'_>,
    item: &MediaItem,
    story: StoryId,
    project: &str,
    key: &MediaKey,
    chunks: &[ChunkName],
    size: u64,
    present: bool,
) -> Result<()> {
    tx.execute(
        "INSERT INTO media (media_id, story_id, project_id, item_key, chunks, size, kind, mime, duration_ms,
                            caption, added_by, added_at, sha256, present)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            item.id.to_string(),
            story.to_string(),
            project,
            key.as_bytes().as_slice(),
            ChunkName::pack(chunks),
            size as i64,
            item.kind.as_str(),
            item.mime,
            item.duration_ms.map(|d| d as i64),
            item.caption,
            item.added_by.to_string(),
            item.added_at.timestamp_millis(),
            item.content_hash,
            present,
        ],
    )?;
    Ok(())
}

pub(super) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Checks what the app says of an item before any byte is written.
fn check_new(new: &NewMedia) -> Result<(String, String)> {
    let mime = text::required_line("mime", &new.mime)?;
    let valid_mime = mime.split_once('/').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && !mime.chars().any(|c| c.is_whitespace() || c.is_control())
    });
    if !valid_mime {
        return Err(Error::invalid("mime", "is not a MIME type such as audio/ogg"));
    }
    let caption = text::note("caption", &new.caption)?;
    Ok((mime, caption))
}

impl Store {
    /// Attaches the file at `path` to `story`, streaming it chunk by chunk
    /// (a recording of any length never sits in memory). Refused with
    /// `ConsentRequired` naming `keep-media` unless every storyteller of
    /// the story allows keeping media.
    pub fn attach_media_file(&self, story: StoryId, path: &Path, new: &NewMedia) -> Result<MediaItem> {
        self.attach_media_file_with(story, path, new, MediaTransfer::default())
    }

    /// [`Store::attach_media_file`] with progress and cancellation.
    pub fn attach_media_file_with(
        &self,
        story: StoryId,
        path: &Path,
        new: &NewMedia,
        transfer: MediaTransfer<'_>,
    ) -> Result<MediaItem> {
        let mut file = fs::File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::invalid("path", "no file there"),
            _ => Error::Io(e),
        })?;
        let total = file.metadata()?.len();
        self.attach_media(story, &mut file, total, new, transfer)
    }

    /// Attaches a small item (a photo, a scanned form) held in memory.
    pub fn attach_media_bytes(&self, story: StoryId, bytes: &[u8], new: &NewMedia) -> Result<MediaItem> {
        self.attach_media(
            story,
            &mut &bytes[..],
            bytes.len() as u64,
            new,
            MediaTransfer::default(),
        )
    }

    fn attach_media(
        &self,
        story: StoryId,
        reader: &mut dyn std::io::Read,
        total: u64,
        new: &NewMedia,
        transfer: MediaTransfer<'_>,
    ) -> Result<MediaItem> {
        let started = std::time::Instant::now();
        let added = self.attach_media_unlogged(story, reader, total, new, transfer);
        crate::logging::outcome(crate::logging::MEDIA, "add_media", &added, |item: &MediaItem| {
            crate::logging::media_added(story, item.id, item.size, started)
        });
        added
    }

    fn attach_media_unlogged(
        &self,
        story: StoryId,
        reader: &mut dyn std::io::Read,
        total: u64,
        new: &NewMedia,
        transfer: MediaTransfer<'_>,
    ) -> Result<MediaItem> {
        let (mime, caption) = check_new(new)?;
        let dir = self.read(|conn| {
            require_keep_media(conn, story)?;
            Ok(ChunkDir::for_store(self.path()))
        })?;
        let id = MediaId::new();
        let key = MediaKey::generate()?;
        let MediaTransfer { mut progress, cancel } = transfer;
        let mut report = |done: u64| {
            if let Some(progress) = progress.as_mut() {
                progress(done, total);
            }
        };
        let mut control = Control {
            progress: Some(&mut report),
            cancel,
        };
        let written = write_item(&dir, &key, id, reader, &mut control)?;
        let committed = self.write(|w| {
            // Consent may have been withdrawn while the bytes were written.
            require_keep_media(&w.conn, story)?;
            let row = w.locate(story_uuid(story), DocKind::Story)?;
            let author = w.author(row.project_id)?;
            let item = MediaItem {
                id,
                story_id: story,
                kind: new.kind,
                mime: mime.clone(),
                size: written.size,
                duration_ms: new.duration_ms,
                caption: caption.clone(),
                added_by: author.member,
                added_at: now(),
                content_hash: format!("sha256:{}", hex(&written.sha256)),
                present: true,
                withdrawn: false,
            };
            let project = row.project_id.to_string();
            w.edit_with(
                story_uuid(story),
                DocKind::Story,
                ChangeKind::MediaAdded,
                |doc, _| story_media::add(doc, &item),
                |tx| insert_row(tx, &item, &project, &key, &written),
            )?;
            Ok(item)
        });
        if committed.is_err() {
            let _ = dir.remove(&written.chunks);
        }
        committed
    }

    /// A story's media items, oldest first, with whether each one's bytes
    /// are on this device.
    pub fn story_media(&self, story: StoryId) -> Result<Vec<MediaItem>> {
        // On the readers: a UI listing media never waits on the writer.
        let mut items = self.view(story_uuid(story), DocKind::Story, |doc| story_media::read(doc, story))?;
        let dir = ChunkDir::for_store(self.path());
        self.read(|conn| {
            let allowed = story_scopes(conn, story)?.contains(&ConsentScope::KeepMedia);
            for item in &mut items {
                let row = media_row(conn, item.id)?;
                item.present = row.is_some_and(|r| r.present && r.key.is_some() && r.chunks.iter().all(|c| dir.has(c)));
                item.withdrawn = !allowed;
            }
            Ok(items)
        })
    }

    /// One media item, wherever it is.
    pub fn media(&self, id: MediaId) -> Result<MediaItem> {
        let story = self.read(|conn| {
            let story: Option<String> = conn
                .query_row(
                    "SELECT story_id FROM media WHERE media_id = ?1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            story
                .map(|s| StoryId::from_stored(&s))
                .transpose()?
                .ok_or_else(|| Error::not_found(RecordKind::Media, id))
        })?;
        self.story_media(story)?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or_else(|| Error::not_found(RecordKind::Media, id))
    }

    /// Up to `len` bytes of the item from `start` (fewer at its end), for a
    /// player that seeks. At most [`MAX_MEDIA_READ`] bytes per call.
    pub fn read_media(&self, id: MediaId, start: u64, len: u64) -> Result<Vec<u8>> {
        if len > MAX_MEDIA_READ {
            return Err(Error::invalid(
                "len",
                format!("is over {MAX_MEDIA_READ} bytes; read in pieces or export to a file"),
            ));
        }
        let mut out = Vec::new();
        self.read_media_into(id, start, len, &mut out)?;
        Ok(out)
    }

    /// Writes bytes `start..start + len` of the item to `out`, chunk by
    /// chunk; returns how many were written. Every chunk is verified first:
    /// a damaged one is an error naming the item, never bytes.
    pub fn read_media_into(&self, id: MediaId, start: u64, len: u64, out: &mut dyn Write) -> Result<u64> {
        let (key, row) = self.read(|conn| readable_row(conn, id))?;
        let dir = ChunkDir::for_store(self.path());
        read_range(
            &dir,
            &key,
            id,
            &row.chunks,
            row.size,
            start,
            len,
            out,
            &mut Control::default(),
        )
    }

    /// Writes the item's original bytes to `path`. An existing file is
    /// replaced only with `overwrite`; the store's own files never are. A
    /// failure leaves no partial file.
    pub fn export_media(&self, id: MediaId, path: &Path, overwrite: bool) -> Result<u64> {
        let started = std::time::Instant::now();
        let exported = self.export_media_unlogged(id, path, overwrite);
        crate::logging::outcome(crate::logging::MEDIA, "export_media", &exported, |size: &u64| {
            crate::logging::media_exported(id, *size, started)
        });
        exported
    }

    fn export_media_unlogged(&self, id: MediaId, path: &Path, overwrite: bool) -> Result<u64> {
        refuse_store_file(self.path(), path, "out")?;
        let dir = ChunkDir::for_store(self.path());
        if path.starts_with(dir.root()) {
            return Err(Error::invalid(
                "out",
                "is inside the store's media folder; choose another file",
            ));
        }
        if !overwrite && fs::symlink_metadata(path).is_ok() {
            return Err(Error::invalid(
                "out",
                "already exists; pass overwrite (--force) to replace it",
            ));
        }
        let (key, row) = self.read(|conn| readable_row(conn, id))?;
        let file = if overwrite {
            fs::File::create(path)?
        } else {
            fs::OpenOptions::new().write(true).create_new(true).open(path)?
        };
        let mut out = BufWriter::new(file);
        let written = read_range(
            &dir,
            &key,
            id,
            &row.chunks,
            row.size,
            0,
            row.size,
            &mut out,
            &mut Control::default(),
        )
        .and_then(|n| {
            let file = out.into_inner().map_err(|e| Error::Io(e.into_error()))?;
            file.sync_all()?;
            Ok(n)
        });
        if written.is_err() {
            let _ = fs::remove_file(path);
        }
        written
    }

    /// Removes an item from a story; its bytes go from this device now and
    /// from every other as the removal syncs.
    pub fn remove_media(&self, story: StoryId, id: MediaId) -> Result<()> {
        let removed = self.remove_media_unlogged(story, id);
        crate::logging::outcome(crate::logging::MEDIA, "remove_media", &removed, |()| {
            crate::logging::media_removed(story, id)
        });
        removed
    }

    fn remove_media_unlogged(&self, story: StoryId, id: MediaId) -> Result<()> {
        self.write(|w| {
            let chunks = media_row(&w.conn, id)?.map(|r| r.chunks).unwrap_or_default();
            let found = w.edit_with(
                story_uuid(story),
                DocKind::Story,
                ChangeKind::MediaRemoved,
                |doc, _| story_media::remove(doc, id),
                |tx| {
                    tx.execute(
                        "DELETE FROM media WHERE media_id = ?1 AND story_id = ?2",
                        params![id.to_string(), story.to_string()],
                    )?;
                    Ok(())
                },
            )?;
            if !found {
                return Err(Error::not_found(RecordKind::Media, id));
            }
            w.media.remove(&chunks)
        })
    }
}

/// The row of an item whose bytes can be read here, or why not.
fn readable_row(conn: &Connection, id: MediaId) -> Result<(MediaKey, MediaRow)> {
    match media_row(conn, id)? {
        Some(MediaRow {
            key: Some(key),
            story,
            chunks,
            size,
            present: true,
        }) => Ok((
            key,
            MediaRow {
                story,
                key: None,
                chunks,
                size,
                present: true,
            },
        )),
        Some(_) => Err(Error::MediaNotPresent { id: id.to_string() }),
        None => Err(Error::not_found(RecordKind::Media, id)),
    }
}

fn require_keep_media(conn: &Connection, story: StoryId) -> Result<()> {
    if story_scopes(conn, story)?.contains(&ConsentScope::KeepMedia) {
        Ok(())
    } else {
        Err(Error::ConsentRequired {
            scope: ConsentScope::KeepMedia,
            story,
        })
    }
}

impl Writer {
    /// Deletes chunk files no item row references (older than `grace`).
    pub(crate) fn collect_media(&mut self, grace: Duration) -> Result<()> {
        if !self.media.root().exists() {
            return Ok(());
        }
        let mut referenced = HashSet::new();
        let mut stmt = self
            .conn
            .prepare("SELECT chunks FROM media WHERE item_key IS NOT NULL")?;
        for chunks in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))? {
            referenced.extend(ChunkName::unpack(&chunks?)?);
        }
        self.media.collect(&referenced, grace)?;
        Ok(())
    }
}

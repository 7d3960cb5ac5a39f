//! Document bytes on disk: a snapshot plus incremental chunks.
//!
//! Every write appends only the changes it made (`save_incremental`), which
//! keeps a keystroke's write small. When the chunks together outgrow the
//! snapshot, the document is compacted into a new snapshot. Loading reads
//! the chunks in order and hands their concatenation to Automerge in one
//! call. All of it runs inside the caller's transaction, beside the index
//! writes, so the index never disagrees with the documents.
//!
//! What a save appends is measured against the heads stored with the
//! document, not against what this copy last saved: a copy just loaded
//! appends only its new changes (Automerge's own save cursor starts empty on
//! load), and a copy that missed another writer's changes takes them in
//! before it saves, so nothing stored is ever dropped.

use automerge::AutoCommit;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use uuid::Uuid;

use crate::documents::{self, DocKind};
use crate::error::{Error, Result};
use crate::ids::ProjectId;

/// Below this, compaction is not worth the write.
const MIN_COMPACTION_BYTES: i64 = 16 * 1024;

/// Where a document lives, from the `documents` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DocRow {
    pub kind: DocKind,
    pub project_id: ProjectId,
}

pub(crate) fn doc_row(conn: &Connection, id: Uuid) -> Result<Option<DocRow>> {
    conn.prepare_cached("SELECT kind, project_id FROM documents WHERE doc_id = ?1")?
        .query_row([id.hyphenated().to_string()], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })
        .optional()?
        .map(|(kind, project)| {
            Ok(DocRow {
                kind: DocKind::from_stored(&kind)?,
                project_id: ProjectId::from_stored(&project)?,
            })
        })
        .transpose()
}

/// The saved bytes of a document, or `None` if it is not in the store.
pub(crate) fn load_bytes(conn: &Connection, id: Uuid) -> Result<Option<Vec<u8>>> {
    let mut stmt = conn.prepare_cached("SELECT data FROM document_chunks WHERE doc_id = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([id.hyphenated().to_string()])?;
    let mut bytes = Vec::new();
    let mut found = false;
    while let Some(row) = rows.next()? {
        found = true;
        bytes.extend_from_slice(
            row.get_ref(0)?
                .as_blob()
                .map_err(|_| Error::corrupt("document chunk is not a blob"))?,
        );
    }
    Ok(found.then_some(bytes))
}

/// Loads a document, or `None` if it is not in the store.
pub(crate) fn load(conn: &Connection, id: Uuid) -> Result<Option<AutoCommit>> {
    load_bytes(conn, id)?
        .map(|bytes| documents::load_document(&bytes))
        .transpose()
}

/// Saves a document that is new to this store, as one snapshot. If another
/// writer stored the same document meanwhile, the two are merged instead.
pub(crate) fn insert(
    tx: &Transaction<'_>,
    id: Uuid,
    kind: DocKind,
    project: ProjectId,
    doc: &mut AutoCommit,
    now: i64,
) -> Result<()> {
    if doc_row(tx, id)?.is_some() {
        save_changes(tx, id, doc, now)?;
        return Ok(());
    }
    let snapshot = doc.save();
    tx.prepare_cached(
        "INSERT INTO documents (doc_id, kind, project_id, snapshot_bytes, incremental_bytes, updated_at, heads)
         VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6)",
    )?
    .execute(params![
        id.hyphenated().to_string(),
        kind.as_str(),
        project.to_string(),
        snapshot.len() as i64,
        now,
        heads_bytes(doc)
    ])?;
    tx.prepare_cached("INSERT INTO document_chunks (doc_id, seq, data) VALUES (?1, 0, ?2)")?
        .execute(params![id.hyphenated().to_string(), snapshot])?;
    Ok(())
}

/// Saves what changed in a document since it was last saved, compacting it
/// when the chunks have outgrown the snapshot. Returns whether anything was
/// written.
pub(crate) fn save_changes(tx: &Transaction<'_>, id: Uuid, doc: &mut AutoCommit, now: i64) -> Result<bool> {
    let key = id.hyphenated().to_string();
    let (snapshot_bytes, incremental_bytes, stored): (i64, i64, Option<Vec<u8>>) = tx
        .prepare_cached("SELECT snapshot_bytes, incremental_bytes, heads FROM documents WHERE doc_id = ?1")?
        .query_row([&key], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    let stored = stored.map(|bytes| parse_heads(&bytes)).transpose()?;
    if let Some(heads) = &stored
        && !doc.get_missing_deps(heads).is_empty()
    {
        // Stored changes this copy lacks (another writer saved them): take
        // them in, so the save below keeps them and the index sees them.
        let mut latest = load(tx, id)?.ok_or_else(|| Error::Storage("the document left the store".into()))?;
        doc.merge(&mut latest)?;
    }
    let chunk = match &stored {
        Some(heads) => doc.save_after(heads),
        // An older store without heads: rewrite the document whole, once.
        None => doc.save(),
    };
    if chunk.is_empty() {
        return Ok(false);
    }
    let incremental_bytes = incremental_bytes + chunk.len() as i64;
    if stored.is_none() || incremental_bytes > snapshot_bytes.max(MIN_COMPACTION_BYTES) {
        let snapshot = doc.save();
        tx.execute("DELETE FROM document_chunks WHERE doc_id = ?1", [&key])?;
        tx.execute(
            "INSERT INTO document_chunks (doc_id, seq, data) VALUES (?1, 0, ?2)",
            params![key, snapshot],
        )?;
        tx.execute(
            "UPDATE documents SET snapshot_bytes = ?2, incremental_bytes = 0, updated_at = ?3, heads = ?4
             WHERE doc_id = ?1",
            params![key, snapshot.len() as i64, now, heads_bytes(doc)],
        )?;
    } else {
        tx.prepare_cached(
            "INSERT INTO document_chunks (doc_id, seq, data)
             VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM document_chunks WHERE doc_id = ?1), ?2)",
        )?
        .execute(params![key, chunk])?;
        tx.prepare_cached(
            "UPDATE documents SET incremental_bytes = ?2, updated_at = ?3, heads = ?4 WHERE doc_id = ?1",
        )?
        .execute(params![key, incremental_bytes, now, heads_bytes(doc)])?;
    }
    Ok(true)
}

/// Reads stored heads back (see [`heads_bytes`]).
fn parse_heads(bytes: &[u8]) -> Result<Vec<automerge::ChangeHash>> {
    if !bytes.len().is_multiple_of(32) {
        return Err(Error::corrupt("stored document heads are malformed"));
    }
    bytes
        .chunks_exact(32)
        .map(|h| automerge::ChangeHash::try_from(h).map_err(|_| Error::corrupt("stored document heads are malformed")))
        .collect()
}

/// A document's heads as stored: the 32-byte hashes, sorted, concatenated.
pub(crate) fn heads_bytes(doc: &mut AutoCommit) -> Vec<u8> {
    let mut heads = doc.get_heads();
    heads.sort();
    heads.iter().flat_map(|h| h.0).collect()
}

/// How a document is held on disk, for tests and the benchmark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StorageStats {
    pub chunks: u32,
    pub snapshot_bytes: u64,
    pub incremental_bytes: u64,
}

pub(crate) fn stats(conn: &Connection, id: Uuid) -> Result<Option<StorageStats>> {
    let key = id.hyphenated().to_string();
    conn.query_row(
        "SELECT snapshot_bytes, incremental_bytes, (SELECT COUNT(*) FROM document_chunks WHERE doc_id = ?1)
         FROM documents WHERE doc_id = ?1",
        [&key],
        |row| {
            Ok(StorageStats {
                snapshot_bytes: row.get::<_, i64>(0)? as u64,
                incremental_bytes: row.get::<_, i64>(1)? as u64,
                chunks: row.get::<_, i64>(2)? as u32,
            })
        },
    )
    .optional()
    .map_err(Into::into)
}

#[cfg(test)]
mod tests {
    use automerge::transaction::Transactable;
    use automerge::{ActorId, ROOT, ReadDoc};

    use super::*;

    fn store() -> (tempfile::TempDir, Connection) {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::open::open_writer(&dir.path().join("store.db"), None).unwrap();
        (dir, conn)
    }

    fn saved(conn: &mut Connection, id: Uuid, doc: &mut AutoCommit) -> Result<bool> {
        let tx = conn.transaction()?;
        let written = save_changes(&tx, id, doc, 0)?;
        tx.commit()?;
        Ok(written)
    }

    fn stored(conn: &Connection, id: Uuid) -> AutoCommit {
        load(conn, id).unwrap().unwrap()
    }

    /// Two copies of one stored document, as two writers would hold them.
    fn two_copies(actor: u8, other: u8) -> (tempfile::TempDir, Connection, Uuid, AutoCommit, AutoCommit) {
        let (dir, mut conn) = store();
        let id = Uuid::now_v7();
        let mut doc = AutoCommit::new().with_actor(ActorId::from(vec![actor; 32]));
        doc.put(ROOT, "a", 1).unwrap();
        doc.commit();
        let tx = conn.transaction().unwrap();
        insert(&tx, id, DocKind::Story, ProjectId::new(), &mut doc, 0).unwrap();
        tx.commit().unwrap();
        let mut first = stored(&conn, id);
        first.set_actor(ActorId::from(vec![actor; 32]));
        let mut second = stored(&conn, id);
        second.set_actor(ActorId::from(vec![other; 32]));
        (dir, conn, id, first, second)
    }

    #[test]
    fn a_stale_copy_takes_in_what_another_writer_stored_before_it_saves() {
        let (_dir, mut conn, id, mut first, mut second) = two_copies(1, 2);
        first.put(ROOT, "first", 1).unwrap();
        first.commit();
        assert!(saved(&mut conn, id, &mut first).unwrap());
        second.put(ROOT, "second", 2).unwrap();
        second.commit();
        assert!(saved(&mut conn, id, &mut second).unwrap());

        let mut back = stored(&conn, id);
        assert!(
            back.get(ROOT, "first").unwrap().is_some(),
            "the other writer's change survives"
        );
        assert!(back.get(ROOT, "second").unwrap().is_some());
        assert_eq!(back.get_heads(), second.get_heads(), "the saving copy now holds both");
    }

    #[test]
    fn a_stale_copy_that_reused_an_actors_sequence_number_is_refused_not_written() {
        let (_dir, mut conn, id, mut first, mut second) = two_copies(1, 1);
        first.put(ROOT, "first", 1).unwrap();
        first.commit();
        assert!(saved(&mut conn, id, &mut first).unwrap());
        let before = load_bytes(&conn, id).unwrap();
        second.put(ROOT, "second", 2).unwrap();
        second.commit();
        assert!(saved(&mut conn, id, &mut second).is_err());
        assert_eq!(load_bytes(&conn, id).unwrap(), before, "nothing was written");
        assert!(load(&conn, id).is_ok(), "the document still loads");
    }
}

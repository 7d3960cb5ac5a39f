//! The index: the SQLite rows derived from documents, so that lists and
//! search never load a document. Always written in the same transaction as
//! the document bytes they are derived from.

use chrono::{DateTime, Utc};
use rusqlite::{Transaction, params};

use crate::consent::ConsentRecord;
use crate::error::Result;
use crate::ids::{ParticipantId, StoryId};
use crate::model::{Participant, Project, Story};

/// Writes the project's row and the ledger records given, which must
/// include every record not yet indexed (more are harmless).
pub(crate) fn write_project(tx: &Transaction<'_>, project: &Project, ledger: Vec<&ConsentRecord>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO projects (project_id, name, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (project_id) DO UPDATE SET name = excluded.name",
    )?
    .execute(params![
        project.id.to_string(),
        project.name,
        project.created_at.timestamp_millis()
    ])?;
    let mut insert_record = tx.prepare_cached(
        "INSERT OR IGNORE INTO consent_ledger (record_id, project_id, participant_id, story_id, at, record, erase)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for record in ledger {
        let (story, erase) = match record {
            ConsentRecord::Grant(g) => (g.story, false),
            ConsentRecord::Withdrawal(w) => (w.story, w.erase),
        };
        let json = serde_json::to_string(record).map_err(|e| crate::error::Error::Storage(e.to_string()))?;
        insert_record.execute(params![
            record.id().to_string(),
            project.id.to_string(),
            record.storyteller().to_string(),
            story.map(|s| s.to_string()),
            record.at().timestamp_millis(),
            json,
            erase
        ])?;
    }
    Ok(())
}

pub(crate) fn write_participant(tx: &Transaction<'_>, participant: &Participant, now: DateTime<Utc>) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO participants (participant_id, project_id, display_name, pseudonym, badge, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (participant_id) DO UPDATE SET
             display_name = excluded.display_name, pseudonym = excluded.pseudonym,
             badge = excluded.badge, updated_at = excluded.updated_at",
    )?
    .execute(params![
        participant.id.to_string(),
        participant.project_id.to_string(),
        participant.display_name,
        participant.pseudonym,
        participant.badge.as_str(),
        now.timestamp_millis()
    ])?;
    Ok(())
}

pub(crate) fn write_story(tx: &Transaction<'_>, story: &Story, now: DateTime<Utc>) -> Result<()> {
    let key: i64 = tx.prepare_cached("INSERT INTO stories (story_id, project_id, title, status, language, recorded_at, created_at, updated_at, highlight_count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (story_id) DO UPDATE SET
             title = excluded.title, status = excluded.status, language = excluded.language,
             recorded_at = excluded.recorded_at, updated_at = excluded.updated_at,
             highlight_count = excluded.highlight_count
         RETURNING story_key")?.query_row(params![
            story.id.to_string(),
            story.project_id.to_string(),
            story.title,
            story.status.as_str(),
            story.language,
            story.recorded_at.map(|t| t.timestamp_millis()),
            story.created_at.timestamp_millis(),
            now.timestamp_millis(),
            story.highlights.len() as i64,
        ],
        |row| row.get(0),
    )?;
    tx.prepare_cached("DELETE FROM story_tags WHERE story_key = ?1")?
        .execute([key])?;
    let mut insert_tag = tx.prepare_cached("INSERT INTO story_tags (story_key, tag) VALUES (?1, ?2)")?;
    for tag in &story.tags {
        insert_tag.execute(params![key, tag])?;
    }
    tx.prepare_cached("DELETE FROM story_storytellers WHERE story_key = ?1")?
        .execute([key])?;
    let mut insert_teller =
        tx.prepare_cached("INSERT INTO story_storytellers (story_key, participant_id) VALUES (?1, ?2)")?;
    for teller in &story.storytellers {
        insert_teller.execute(params![key, teller.to_string()])?;
    }
    let highlights = story
        .highlights
        .iter()
        .map(|h| format!("{} {}", h.theme.as_deref().unwrap_or(""), h.note))
        .collect::<Vec<_>>()
        .join("\n");
    tx.prepare_cached("DELETE FROM story_search WHERE rowid = ?1")?
        .execute([key])?;
    // The transcript is searched in pieces (`transcript_index`); its column
    // here stays empty.
    tx.prepare_cached("INSERT INTO story_search (rowid, title, summary, transcript, tags, highlights) VALUES (?1, ?2, ?3, '', ?4, ?5)")?.execute(params![key, story.title, story.summary, story.tags.join(" "), highlights],
    )?;
    super::transcript_index::write(tx, key, &story.transcript)?;
    Ok(())
}

/// After an edit of the transcript alone: the pieces it touched and the
/// story's update time, without reading the rest of the story.
pub(crate) fn write_transcript(tx: &Transaction<'_>, id: StoryId, transcript: &str, now: DateTime<Utc>) -> Result<()> {
    let key: i64 = tx
        .prepare_cached("UPDATE stories SET updated_at = ?2 WHERE story_id = ?1 RETURNING story_key")?
        .query_row(params![id.to_string(), now.timestamp_millis()], |row| row.get(0))?;
    super::transcript_index::write(tx, key, transcript)
}

/// Removes every index row of a story.
pub(crate) fn remove_story(tx: &Transaction<'_>, id: StoryId) -> Result<()> {
    let key: Option<i64> = rusqlite::OptionalExtension::optional(tx.query_row(
        "SELECT story_key FROM stories WHERE story_id = ?1",
        [id.to_string()],
        |row| row.get(0),
    ))?;
    if let Some(key) = key {
        super::transcript_index::remove(tx, key)?;
        tx.prepare_cached("DELETE FROM story_search WHERE rowid = ?1")?
            .execute([key])?;
        tx.prepare_cached("DELETE FROM stories WHERE story_key = ?1")?
            .execute([key])?;
    }
    Ok(())
}

/// Removes the index row of a participant.
pub(crate) fn remove_participant(tx: &Transaction<'_>, id: ParticipantId) -> Result<()> {
    tx.prepare_cached("DELETE FROM participants WHERE participant_id = ?1")?
        .execute([id.to_string()])?;
    Ok(())
}

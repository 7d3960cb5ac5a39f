//! Listing stories from the index: filters, sorting and paging, without
//! loading a single document. Every sort order has an index that starts with
//! the project, so the first page costs the same for ten stories or a
//! hundred thousand.

use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use super::Store;
use crate::documents::fields::millis_to_time;
use crate::documents::story_doc::normalize_tag;
use crate::error::{Error, Result};
use crate::ids::{ParticipantId, ProjectId, StoryId};
use crate::model::{StoryPage, StoryQuery, StorySort, StoryStatus, StorySummary};

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 500;
/// Separates values in the `group_concat` columns; cannot occur in a tag.
const SEPARATOR: char = '\u{1f}';

impl Store {
    /// One page of stories matching `query`.
    pub fn list_stories(&self, query: &StoryQuery) -> Result<StoryPage> {
        let limit = match query.limit {
            0 => DEFAULT_PAGE,
            n => n.min(MAX_PAGE),
        };
        let tag = query.tag.as_deref().map(normalize_tag).transpose()?;
        if let (Some(from), Some(to)) = (query.recorded_from, query.recorded_to)
            && from > to
        {
            return Err(Error::invalid("recorded_from", "is after recorded_to"));
        }
        self.read(|conn| list(conn, query, tag, limit))
    }
}

fn list(conn: &Connection, query: &StoryQuery, tag: Option<String>, limit: u32) -> Result<StoryPage> {
    let mut sql = String::from(
        "SELECT s.story_id, s.project_id, s.title, s.status, s.language, s.recorded_at, s.created_at,
                s.updated_at, s.highlight_count,
                (SELECT group_concat(tag, char(31)) FROM story_tags t WHERE t.story_key = s.story_key),
                (SELECT group_concat(participant_id, char(31)) FROM story_storytellers p WHERE p.story_key = s.story_key)
         FROM stories s WHERE s.project_id = ?",
    );
    let mut params: Vec<Value> = vec![Value::Text(query.project.to_string())];
    if let Some(status) = query.status {
        sql.push_str(" AND s.status = ?");
        params.push(Value::Text(status.as_str().to_owned()));
    }
    if let Some(tag) = tag {
        sql.push_str(" AND s.story_key IN (SELECT story_key FROM story_tags WHERE tag = ?)");
        params.push(Value::Text(tag));
    }
    if let Some(storyteller) = query.storyteller {
        sql.push_str(" AND s.story_key IN (SELECT story_key FROM story_storytellers WHERE participant_id = ?)");
        params.push(Value::Text(storyteller.to_string()));
    }
    if let Some(from) = query.recorded_from {
        sql.push_str(" AND s.recorded_at >= ?");
        params.push(Value::Integer(from.timestamp_millis()));
    }
    if let Some(to) = query.recorded_to {
        sql.push_str(" AND s.recorded_at < ?");
        params.push(Value::Integer(to.timestamp_millis()));
    }
    sql.push_str(match query.sort {
        StorySort::CreatedDesc => " ORDER BY s.created_at DESC, s.story_id DESC",
        StorySort::UpdatedDesc => " ORDER BY s.updated_at DESC, s.story_id DESC",
        StorySort::RecordedDesc => " ORDER BY s.recorded_at IS NULL, s.recorded_at DESC, s.story_id DESC",
        StorySort::TitleAsc => " ORDER BY s.title COLLATE NOCASE, s.story_id",
    });
    // One extra row tells whether there is a next page without counting.
    sql.push_str(" LIMIT ? OFFSET ?");
    params.push(Value::Integer(i64::from(limit) + 1));
    params.push(Value::Integer(i64::from(query.offset)));

    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(params), |row| Ok(summary(row)))?;
    let mut stories = Vec::new();
    for row in rows {
        let mut story = row??;
        // Apps show what may be done with each story right in the list.
        let mut records = Vec::new();
        for storyteller in &story.storytellers {
            records.extend(super::consent::ledger_of(conn, *storyteller)?);
        }
        story.consent = crate::consent::rule::story_scopes(&records, &story.storytellers, story.id, super::now());
        stories.push(story);
    }
    let next_offset = if stories.len() > limit as usize {
        stories.truncate(limit as usize);
        Some(query.offset + limit)
    } else {
        None
    };
    Ok(StoryPage { stories, next_offset })
}

fn summary(row: &Row<'_>) -> Result<StorySummary> {
    let time = |ms: i64| millis_to_time(ms).ok_or_else(|| Error::corrupt("index time out of range"));
    let split = |joined: Option<String>| -> Vec<String> {
        joined
            .map(|j| j.split(SEPARATOR).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let mut tags = split(row.get(9)?);
    tags.sort();
    let mut storytellers = split(row.get(10)?)
        .iter()
        .map(|id| ParticipantId::from_stored(id))
        .collect::<Result<Vec<_>>>()?;
    storytellers.sort();
    Ok(StorySummary {
        id: StoryId::from_stored(&row.get::<_, String>(0)?)?,
        project_id: ProjectId::from_stored(&row.get::<_, String>(1)?)?,
        title: row.get(2)?,
        status: StoryStatus::from_stored(&row.get::<_, String>(3)?)?,
        language: row.get(4)?,
        recorded_at: row.get::<_, Option<i64>>(5)?.map(time).transpose()?,
        created_at: time(row.get(6)?)?,
        updated_at: time(row.get(7)?)?,
        highlight_count: u32::try_from(row.get::<_, i64>(8)?).unwrap_or(u32::MAX),
        consent: Vec::new(),

        tags,
        storytellers,
    })
}

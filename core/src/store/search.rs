//! Full-text search over titles, summaries, transcripts, tags and highlight
//! notes (SQLite FTS5), ranked by BM25 with a title match worth most.

use serde::Serialize;

use rusqlite::OptionalExtension;

use super::Store;
use crate::error::{Error, Result};
use crate::ids::{ProjectId, StoryId};

/// One story that matched, with the matching words in context. Matched
/// words are wrapped in `[` and `]` in the snippet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub story_id: StoryId,
    pub title: String,
    pub snippet: String,
    /// Lower is better (BM25 as FTS5 reports it).
    pub rank: f64,
}

impl Store {
    /// Stories containing every word of `query` (the last word may be the
    /// start of a word, for search as you type), best first.
    ///
    /// A story matches when each word is somewhere in it: its title,
    /// summary, tags, highlight notes or any piece of its transcript (see
    /// `transcript_index`). Its rank adds the BM25 of its own row (title
    /// worth most) and of its best-matching transcript piece; the snippet
    /// comes from that piece, or from its own row when no piece matches.
    pub fn search(&self, query: &str, project: Option<ProjectId>, limit: u32) -> Result<Vec<SearchHit>> {
        let terms = fts_terms(query)?;
        let limit = if limit == 0 { 20 } else { limit.min(200) };
        let any = terms.join(" OR ");
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(&search_sql(terms.len()))?;
            let mut params: Vec<Box<dyn rusqlite::ToSql>> = vec![
                Box::new(any.clone()),
                Box::new(project.map(|p| p.to_string())),
                Box::new(limit),
            ];
            if terms.len() > 1 {
                for term in &terms {
                    params.push(Box::new(term.clone()));
                }
            }
            let ranked = stmt
                .query_map(rusqlite::params_from_iter(params.iter()), |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, f64>(2)?,
                        row.get::<_, Option<i64>>(3)?,
                        row.get::<_, i64>(4)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            ranked
                .into_iter()
                .map(|(id, title, rank, piece, story_key)| {
                    Ok(SearchHit {
                        story_id: StoryId::from_stored(&id)?,
                        title,
                        snippet: snippet(conn, &any, piece, story_key)?,
                        rank,
                    })
                })
                .collect()
        })
    }
}

/// The ranking query for `words` words: `?1` all words OR-ed, `?2` the
/// project or NULL, `?3` the limit, `?4…` each word. A story is in the
/// result only if every word matches its own row or one of its pieces.
fn search_sql(words: usize) -> String {
    let mut sql = String::from(
        "WITH own AS MATERIALIZED (
             SELECT rowid AS story_key, bm25(story_search, 10.0, 4.0, 1.0, 3.0, 3.0) AS score
             FROM story_search WHERE story_search MATCH ?1),
         matched AS MATERIALIZED (
             SELECT rowid AS piece_key, bm25(transcript_search) AS score
             FROM transcript_search WHERE transcript_search MATCH ?1),
         best AS MATERIALIZED (
             SELECT p.story_key, m.piece_key, MIN(m.score) AS score
             FROM matched m JOIN transcript_pieces p ON p.piece_key = m.piece_key
             GROUP BY p.story_key)",
    );
    // One word: matching it is matching any word, which `own` and `best`
    // already say.
    let words = if words == 1 { 0 } else { words };
    for i in 0..words {
        let n = i + 4;
        sql.push_str(&format!(
            ",
         w{i}(story_key) AS (
             SELECT rowid FROM story_search WHERE story_search MATCH ?{n}
             UNION SELECT p.story_key FROM transcript_search t JOIN transcript_pieces p ON p.piece_key = t.rowid
                   WHERE transcript_search MATCH ?{n})"
        ));
    }
    sql.push_str(
        "
         SELECT s.story_id, s.title, COALESCE(own.score, 0) + COALESCE(best.score, 0) AS rank,
                best.piece_key, s.story_key
         FROM (SELECT story_key FROM own UNION SELECT story_key FROM best) m
         JOIN stories s ON s.story_key = m.story_key
         LEFT JOIN own ON own.story_key = s.story_key
         LEFT JOIN best ON best.story_key = s.story_key
         WHERE (?2 IS NULL OR s.project_id = ?2)",
    );
    for i in 0..words {
        sql.push_str(&format!(" AND s.story_key IN w{i}"));
    }
    sql.push_str(" ORDER BY rank, s.story_key LIMIT ?3");
    sql
}

/// The matching words in context: from the best transcript piece, or from
/// the story's own row.
fn snippet(conn: &rusqlite::Connection, any: &str, piece: Option<i64>, story_key: i64) -> Result<String> {
    let found = match piece {
        Some(piece) => conn
            .prepare_cached(
                "SELECT snippet(transcript_search, 0, '[', ']', '…', 16) FROM transcript_search
                 WHERE transcript_search MATCH ?1 AND rowid = ?2",
            )?
            .query_row(rusqlite::params![any, piece], |r| r.get(0))
            .optional()?,
        None => conn
            .prepare_cached(
                "SELECT snippet(story_search, -1, '[', ']', '…', 16) FROM story_search
                 WHERE story_search MATCH ?1 AND rowid = ?2",
            )?
            .query_row(rusqlite::params![any, story_key], |r| r.get(0))
            .optional()?,
    };
    Ok(found.unwrap_or_default())
}

/// Turns what a person typed into an FTS5 expression that cannot be a
/// syntax error: every word quoted, all of them required.
pub(super) fn fts_terms(query: &str) -> Result<Vec<String>> {
    let words: Vec<String> = query
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .collect();
    if words.is_empty() {
        return Err(Error::invalid("query", "has no words to search for"));
    }
    let last = words.len() - 1;
    Ok(words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last {
                format!("\"{w}\"*")
            } else {
                format!("\"{w}\"")
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_a_safe_expression() {
        assert_eq!(fts_terms("sharing power").unwrap(), ["\"sharing\"", "\"power\"*"]);
        assert_eq!(
            fts_terms("say \"hi\" OR (x").unwrap(),
            ["\"say\"", "\"hi\"", "\"OR\"", "\"(x\"*"]
        );
        assert!(fts_terms("  \" ( ").is_err());
    }
}

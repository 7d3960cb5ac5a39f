//! Full-text search over titles, summaries, transcripts, tags and highlight
//! notes (SQLite FTS5), ranked by BM25 with a title match worth most.

use serde::Serialize;

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
    pub fn search(&self, query: &str, project: Option<ProjectId>, limit: u32) -> Result<Vec<SearchHit>> {
        let expression = fts_expression(query)?;
        let limit = if limit == 0 { 20 } else { limit.min(200) };
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT s.story_id, s.title,
                        snippet(story_search, -1, '[', ']', '…', 16),
                        bm25(story_search, 10.0, 4.0, 1.0, 3.0, 3.0) AS score
                 FROM story_search JOIN stories s ON s.story_key = story_search.rowid
                 WHERE story_search MATCH ?1 AND (?2 IS NULL OR s.project_id = ?2)
                 ORDER BY score LIMIT ?3",
            )?;
            let rows = stmt.query_map(
                rusqlite::params![expression, project.map(|p| p.to_string()), limit],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, String>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, f64>(3)?,
                    ))
                },
            )?;
            rows.map(|row| {
                let (id, title, snippet, rank) = row?;
                Ok(SearchHit {
                    story_id: StoryId::from_stored(&id)?,
                    title,
                    snippet,
                    rank,
                })
            })
            .collect()
        })
    }
}

/// Turns what a person typed into an FTS5 expression that cannot be a
/// syntax error: every word quoted, all of them required.
fn fts_expression(query: &str) -> Result<String> {
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
        .collect::<Vec<_>>()
        .join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_a_safe_expression() {
        assert_eq!(fts_expression("sharing power").unwrap(), "\"sharing\" \"power\"*");
        assert_eq!(
            fts_expression("say \"hi\" OR (x").unwrap(),
            "\"say\" \"hi\" \"OR\" \"(x\"*"
        );
        assert!(fts_expression("  \" ( ").is_err());
    }
}

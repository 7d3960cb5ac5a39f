//! The search index of transcripts, in pieces: a keystroke in a long
//! interview re-indexes the piece it touched, not the whole transcript.
//!
//! A transcript is cut into pieces of about 1 KB, only ever just after
//! whitespace, so no word — and no phrase a search can ask for, since a
//! query's words never contain whitespace — is ever split between pieces.
//! Where a cut falls depends only on the three words before it (they hash
//! to a chosen value), so an edit moves at most the cuts next to it and every other piece keeps its exact
//! text. Each piece is one row of the `transcript_search` FTS5 table,
//! listed in `transcript_pieces` with a hash of its text; writing a
//! transcript deletes the rows whose text is gone and inserts the new ones.
//!
//! Some scripts do not separate words with spaces: an ideographic full stop
//! or comma counts as a place to cut too. A stretch with neither is never
//! cut, however long.

use std::collections::HashMap;

use rusqlite::{Transaction, params};
use sha2::{Digest, Sha256};

use crate::error::Result;

/// A cut comes after one word in this many (about 1 KB of text apart).
const CUT_ONE_IN: u32 = 128;
/// A piece with no cut for this long is cut at the next place allowed.
const MAX_PIECE: usize = 8192;

/// The pieces of a transcript, in order; their concatenation is the text.
///
/// Whether a cut follows a word depends only on that word and the two
/// before it, never on where the piece began: an edit can only move the
/// cuts within three words of it, so the pieces further away stay exactly
/// the same (a forced cut at `MAX_PIECE` re-aligns at the next natural one).
pub(crate) fn pieces(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut window = [0u32; 3];
    let mut word: u32 = FNV_OFFSET;
    let mut in_word = false;
    for (at, c) in text.char_indices() {
        let separator = c.is_whitespace() || matches!(c, '\u{3001}' | '\u{3002}' | '\u{FF0C}' | '\u{FF0E}');
        if !separator {
            // FNV-1a over the word's bytes: stable across versions and
            // platforms, so every device cuts the same text the same way.
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                word = (word ^ u32::from(b)).wrapping_mul(FNV_PRIME);
            }
            in_word = true;
            continue;
        }
        let natural = in_word && {
            window = [window[1], window[2], word];
            let mixed = window.iter().fold(FNV_OFFSET, |h, w| (h ^ w).wrapping_mul(FNV_PRIME));
            (mixed >> 7).is_multiple_of(CUT_ONE_IN)
        };
        word = FNV_OFFSET;
        in_word = false;
        let end = at + c.len_utf8();
        if natural || end - start >= MAX_PIECE {
            pieces.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        pieces.push(&text[start..]);
    }
    pieces
}

const FNV_OFFSET: u32 = 0x811c_9dc5;
const FNV_PRIME: u32 = 0x0100_0193;

fn hash(piece: &str) -> Vec<u8> {
    Sha256::digest(piece.as_bytes())[..16].to_vec()
}

/// Makes the index of story `story_key`'s transcript match `text`,
/// touching only the pieces that changed.
pub(crate) fn write(tx: &Transaction<'_>, story_key: i64, text: &str) -> Result<()> {
    let mut held: HashMap<Vec<u8>, Vec<i64>> = HashMap::new();
    {
        let mut stmt = tx.prepare_cached("SELECT piece_key, hash FROM transcript_pieces WHERE story_key = ?1")?;
        let rows = stmt.query_map([story_key], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        for row in rows {
            let (key, hash) = row?;
            held.entry(hash).or_default().push(key);
        }
    }
    let mut insert_text = tx.prepare_cached("INSERT INTO transcript_search (text) VALUES (?1)")?;
    let mut insert_piece =
        tx.prepare_cached("INSERT INTO transcript_pieces (piece_key, story_key, hash) VALUES (?1, ?2, ?3)")?;
    for piece in pieces(text) {
        let hash = hash(piece);
        if let Some(keys) = held.get_mut(&hash)
            && keys.pop().is_some()
        {
            continue;
        }
        insert_text.execute([piece])?;
        let key = tx.last_insert_rowid();
        insert_piece.execute(params![key, story_key, hash])?;
    }
    for key in held.into_values().flatten() {
        remove_piece(tx, key)?;
    }
    Ok(())
}

/// Removes every piece of a story's transcript from the index.
pub(crate) fn remove(tx: &Transaction<'_>, story_key: i64) -> Result<()> {
    let keys: Vec<i64> = {
        let mut stmt = tx.prepare_cached("SELECT piece_key FROM transcript_pieces WHERE story_key = ?1")?;
        stmt.query_map([story_key], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    for key in keys {
        remove_piece(tx, key)?;
    }
    Ok(())
}

fn remove_piece(tx: &Transaction<'_>, key: i64) -> Result<()> {
    tx.prepare_cached("DELETE FROM transcript_search WHERE rowid = ?1")?
        .execute([key])?;
    tx.prepare_cached("DELETE FROM transcript_pieces WHERE piece_key = ?1")?
        .execute([key])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn words(seed: u64, n: usize) -> String {
        let vocabulary = [
            "the",
            "bus",
            "stopped",
            "coming",
            "after",
            "council",
            "cut",
            "route",
            "we",
            "walked",
            "école",
            "père",
            "naïve",
            "日本語",
            "Москва",
            "well-being",
            "don't",
        ];
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (0..n)
            .map(|i| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let w = vocabulary[(x >> 33) as usize % vocabulary.len()];
                if i % 11 == 10 {
                    format!("{w}.\n")
                } else {
                    format!("{w} ")
                }
            })
            .collect()
    }

    #[test]
    fn pieces_cover_the_text_and_are_cut_only_after_whitespace() {
        let text = words(7, 40_000);
        let pieces = pieces(&text);
        assert_eq!(pieces.concat(), text);
        assert!(pieces.len() > 20, "a long transcript is cut into many pieces");
        for piece in &pieces[..pieces.len() - 1] {
            assert!(piece.ends_with(char::is_whitespace));
            assert!(piece.len() <= MAX_PIECE + 64);
        }
    }

    proptest! {
        /// An edit anywhere changes only the pieces around it: the pieces
        /// well before and well after keep their exact text.
        #[test]
        fn an_edit_changes_only_the_pieces_near_it(seed in any::<u64>(), at in 0usize..60_000, insert in "[a-z ]{0,12}") {
            let text = words(seed, 12_000);
            let mut at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let edited = format!("{}{insert}{}", &text[..at], &text[at..]);
            let before = pieces(&text);
            let after = pieces(&edited);
            let changed = after.iter().filter(|p| !before.contains(p)).count();
            prop_assert!(changed <= 4, "{changed} pieces changed for one edit");
            prop_assert_eq!(after.concat(), edited);
        }
    }

    /// Search over pieces finds exactly the stories a single search row per
    /// story (the layout before pieces) finds, for words on either side of
    /// every cut, for prefixes and hyphenated words, before and after
    /// keystrokes that move cuts.
    #[test]
    fn search_over_pieces_finds_what_one_row_per_story_finds() {
        use crate::ids::StoryId;
        use crate::model::{MemberRole, NewParticipant, NewStory};
        use crate::store::Store;

        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s.storyloom")).unwrap();
        let (project, _) = store.create_project("P", "Asha", MemberRole::Reporter).unwrap();
        let teller = store
            .add_participant(
                project,
                &NewParticipant {
                    display_name: "T".into(),
                    ..Default::default()
                },
            )
            .unwrap();
        let texts = [words(1, 6_000), words(2, 3_000), "the bus stopped".to_string()];
        let ids: Vec<_> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| {
                store
                    .create_story(
                        project,
                        &NewStory {
                            title: format!("story {i}"),
                            storytellers: vec![teller],
                            transcript: t.clone(),
                            ..Default::default()
                        },
                    )
                    .unwrap()
            })
            .collect();
        let reference = rusqlite::Connection::open_in_memory().unwrap();
        reference
            .execute_batch(
                "CREATE VIRTUAL TABLE r USING fts5 (title, summary, transcript, tags, highlights,
                 tokenize = 'unicode61 remove_diacritics 2')",
            )
            .unwrap();
        let compare = |store: &Store, queries: &[String]| {
            reference.execute("DELETE FROM r", []).unwrap();
            for (i, id) in ids.iter().enumerate() {
                let story = store.story(*id).unwrap();
                reference
                    .execute(
                        "INSERT INTO r (rowid, title, summary, transcript, tags, highlights) VALUES (?1, ?2, '', ?3, '', '')",
                        rusqlite::params![i as i64, story.title, story.transcript],
                    )
                    .unwrap();
            }
            for query in queries {
                let expression = super::super::search::fts_terms(query).unwrap().join(" ");
                let mut expected: Vec<StoryId> = reference
                    .prepare("SELECT rowid FROM r WHERE r MATCH ?1")
                    .unwrap()
                    .query_map([&expression], |r| r.get::<_, i64>(0))
                    .unwrap()
                    .map(|k| ids[k.unwrap() as usize])
                    .collect();
                let mut found: Vec<StoryId> = store
                    .search(query, None, 200)
                    .unwrap()
                    .into_iter()
                    .map(|h| h.story_id)
                    .collect();
                expected.sort();
                found.sort();
                assert_eq!(found, expected, "query {query:?}");
            }
        };
        // The words on either side of each cut of the long transcript.
        let across = |text: &str| -> Vec<String> {
            let pieces = pieces(text);
            let mut queries = Vec::new();
            for pair in pieces.windows(2).take(40) {
                let before = pair[0].split_whitespace().last().unwrap_or("");
                let after = pair[1].split_whitespace().next().unwrap_or("");
                queries.push(format!("{before} {after}"));
                let prefix: String = after.chars().take(2).collect();
                queries.push(format!("{before} {prefix}"));
            }
            queries
        };
        let mut queries = across(&texts[0]);
        assert!(queries.len() >= 20, "the transcript has cuts to search across");
        for extra in [
            "well-being",
            "don't stopped",
            "école PÈRE",
            "Москва 日本語",
            "bus stopped",
            "naive",
        ] {
            queries.push(extra.to_string());
        }
        compare(&store, &queries);
        // Keystrokes: inserting and deleting words moves cuts; the index
        // follows and search still agrees.
        for (n, at) in [100u64, 5_000, 17_000, 30_000].into_iter().enumerate() {
            store
                .splice_transcript(ids[0], at, 0, &format!(" inserted{n} well-being "))
                .unwrap();
            store.splice_transcript(ids[0], at + 400, 25, "").unwrap();
        }
        let edited = store.story(ids[0]).unwrap().transcript;
        let mut queries = across(&edited);
        queries.extend(["inserted0 well-being", "inserted3", "inserted well"].map(String::from));
        compare(&store, &queries);
    }
}

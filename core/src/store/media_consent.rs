//! Media under consent: when a story's storytellers no longer allow
//! `keep-media` its media bytes go (the references stay, marked withdrawn);
//! when a story is erased its item keys are destroyed with it and its chunk
//! files deleted. Runs after every ledger change, local or merged, so every
//! device that learns of a withdrawal does the same.

use rusqlite::{Transaction, params};

use super::Writer;
use super::consent::story_scopes;
use crate::consent::ConsentScope;
use crate::error::{Error, Result};
use crate::ids::{ProjectId, StoryId};
use crate::media::ChunkName;

/// The chunk names of every item of `story` held here.
pub(crate) fn chunks_of_story(tx: &Transaction<'_>, story: StoryId) -> Result<Vec<ChunkName>> {
    let mut stmt = tx.prepare("SELECT chunks FROM media WHERE story_id = ?1")?;
    let mut names = Vec::new();
    for chunks in stmt.query_map([story.to_string()], |r| r.get::<_, Vec<u8>>(0))? {
        names.extend(ChunkName::unpack(&chunks?)?);
    }
    Ok(names)
}

/// Destroys the keys (the rows) of an erased story's items; the caller
/// deletes the chunk files once the transaction is committed.
pub(crate) fn erase_story_media(tx: &Transaction<'_>, story: StoryId) -> Result<()> {
    tx.execute("DELETE FROM media WHERE story_id = ?1", [story.to_string()])?;
    Ok(())
}

impl Writer {
    /// Withdraws the bytes of every item in `project` whose story no longer
    /// allows `keep-media` (or no longer exists here): keys destroyed,
    /// chunk files deleted, the row kept as "withdrawn".
    pub(crate) fn enforce_media_consent(&mut self, project: ProjectId) -> Result<()> {
        let held: Vec<(String, String, Vec<u8>)> = {
            let mut stmt = self.conn.prepare(
                "SELECT media_id, story_id, chunks FROM media WHERE project_id = ?1 AND item_key IS NOT NULL",
            )?;
            stmt.query_map([project.to_string()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (media, story, chunks) in held {
            let story = StoryId::from_stored(&story)?;
            let allowed = match story_scopes(&self.conn, story) {
                Ok(scopes) => scopes.contains(&ConsentScope::KeepMedia),
                Err(Error::NotFound { .. } | Error::Erased { .. }) => false,
                Err(err) => return Err(err),
            };
            if allowed {
                continue;
            }
            self.conn.execute(
                "UPDATE media SET item_key = NULL, present = 0 WHERE media_id = ?1",
                params![media],
            )?;
            self.media.remove(&ChunkName::unpack(&chunks)?)?;
        }
        Ok(())
    }
}

//! Highlights (quotes anchored to the transcript) and comments.

use super::{Store, story_uuid};
use crate::documents::DocKind;
use crate::documents::story_doc::{self, NewHighlight};
use crate::error::{Error, Result};
use crate::ids::{CommentId, HighlightId, StoryId};
use crate::model::ChangeKind;

impl Store {
    /// Highlights the transcript between two UTF-16 offsets. The highlight
    /// stays on those words through everyone's later edits.
    pub fn add_highlight(
        &self,
        story: StoryId,
        start: u64,
        end: u64,
        theme: Option<&str>,
        note: &str,
    ) -> Result<HighlightId> {
        let start = usize::try_from(start).map_err(|_| Error::invalid("highlight", "offset is too large"))?;
        let end = usize::try_from(end).map_err(|_| Error::invalid("highlight", "offset is too large"))?;
        self.write(|w| {
            let id = HighlightId::new();
            w.edit(
                story_uuid(story),
                DocKind::Story,
                ChangeKind::HighlightAdded,
                |doc, author| {
                    story_doc::add_highlight(
                        doc,
                        NewHighlight {
                            id,
                            start,
                            end,
                            theme,
                            note,
                            author: author.member,
                            now: super::now(),
                        },
                    )
                },
            )?;
            Ok(id)
        })
    }

    /// Removes a highlight.
    pub fn remove_highlight(&self, story: StoryId, highlight: HighlightId) -> Result<()> {
        self.write(|w| {
            w.edit(
                story_uuid(story),
                DocKind::Story,
                ChangeKind::HighlightRemoved,
                |doc, _| story_doc::remove_highlight(doc, highlight),
            )
        })
    }

    /// Comments on a story, or on one of its highlights.
    pub fn add_comment(&self, story: StoryId, body: &str, highlight: Option<HighlightId>) -> Result<CommentId> {
        self.write(|w| {
            let id = CommentId::new();
            w.edit(
                story_uuid(story),
                DocKind::Story,
                ChangeKind::CommentAdded,
                |doc, author| story_doc::add_comment(doc, id, body, highlight, author.member, super::now()),
            )?;
            Ok(id)
        })
    }

    /// Removes a comment.
    pub fn remove_comment(&self, story: StoryId, comment: CommentId) -> Result<()> {
        self.write(|w| {
            w.edit(
                story_uuid(story),
                DocKind::Story,
                ChangeKind::CommentRemoved,
                |doc, _| story_doc::remove_comment(doc, comment),
            )
        })
    }
}

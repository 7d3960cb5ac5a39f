//! Stories: texts (UTF-16 offsets), tags, storytellers, highlights,
//! comments, lists, search and history.

use std::sync::Arc;

use storyloom::{CommentId, HighlightId, ParticipantId, ProjectId, StoryId};

use crate::error::{Result, StoreError};
use crate::records::{HistoryEntry, NewStory, SearchHit, Story, StoryPage, StoryQuery, StoryUpdate, all};
use crate::store::Store;
use crate::worker::off_thread;

#[uniffi::export]
impl Store {
    /// Creates a story in a project and returns its id. Fails with
    /// `InvalidInput` for a bad title, tag or language, or a storyteller
    /// from another project; `NotFound` (or `Erased`) for an unknown project
    /// or storyteller.
    pub fn create_story(&self, project: ProjectId, story: NewStory) -> Result<StoryId> {
        Ok(self.inner.create_story(project, &story.try_into()?)?)
    }

    /// The whole story: texts, highlights, comments and any conflicts. Fails
    /// with `NotFound` or `Erased`.
    pub fn story(&self, id: StoryId) -> Result<Story> {
        Ok(self.inner.story(id)?.into())
    }

    /// Changes the one-value fields set in `update`; checks every field
    /// before changing any (`InvalidInput`).
    pub fn update_story(&self, id: StoryId, update: StoryUpdate) -> Result<()> {
        Ok(self.inner.update_story(id, &update.try_into()?)?)
    }

    /// Deletes `delete` UTF-16 code units at `start` and inserts `insert`:
    /// what a text field's change callback reports.
    pub fn splice_transcript(&self, id: StoryId, start: i32, delete: i32, insert: String) -> Result<()> {
        let (start, delete) = (offset("transcript", start)?, offset("transcript", delete)?);
        Ok(self.inner.splice_transcript(id, start, delete, &insert)?)
    }

    /// Replaces the transcript; only the difference is applied.
    pub fn set_transcript(&self, id: StoryId, text: String) -> Result<()> {
        Ok(self.inner.set_transcript(id, &text)?)
    }

    /// Like `spliceTranscript`, for the summary.
    pub fn splice_summary(&self, id: StoryId, start: i32, delete: i32, insert: String) -> Result<()> {
        let (start, delete) = (offset("summary", start)?, offset("summary", delete)?);
        Ok(self.inner.splice_summary(id, start, delete, &insert)?)
    }

    /// Like `setTranscript`, for the summary.
    pub fn set_summary(&self, id: StoryId, text: String) -> Result<()> {
        Ok(self.inner.set_summary(id, &text)?)
    }

    /// Adds a tag (at most 100 characters; tags are compared ignoring case and
    /// spacing, so adding one already there changes nothing).
    pub fn add_tag(&self, id: StoryId, tag: String) -> Result<()> {
        Ok(self.inner.add_tag(id, &tag)?)
    }

    /// Removes a tag; removing one that is not there changes nothing.
    pub fn remove_tag(&self, id: StoryId, tag: String) -> Result<()> {
        Ok(self.inner.remove_tag(id, &tag)?)
    }

    /// Adds a storyteller, who must be a participant of the story's project
    /// (`InvalidInput`, field `storyteller`, otherwise).
    pub fn add_storyteller(&self, id: StoryId, participant: ParticipantId) -> Result<()> {
        Ok(self.inner.add_storyteller(id, participant)?)
    }

    /// Removes a storyteller; removing one who is not there changes nothing.
    pub fn remove_storyteller(&self, id: StoryId, participant: ParticipantId) -> Result<()> {
        Ok(self.inner.remove_storyteller(id, participant)?)
    }

    /// Highlights the transcript between two UTF-16 offsets; the theme and
    /// the note are optional (`addHighlight(story, start, end)`).
    #[uniffi::method(default(theme = None, note = ""))]
    pub fn add_highlight(
        &self,
        story: StoryId,
        start: i32,
        end: i32,
        theme: Option<String>,
        note: String,
    ) -> Result<HighlightId> {
        let (start, end) = (offset("highlight", start)?, offset("highlight", end)?);
        Ok(self.inner.add_highlight(story, start, end, theme.as_deref(), &note)?)
    }

    /// Removes a highlight (`NotFound` if the story has no such highlight).
    pub fn remove_highlight(&self, story: StoryId, highlight: HighlightId) -> Result<()> {
        Ok(self.inner.remove_highlight(story, highlight)?)
    }

    /// Comments on a story, or on one of its highlights when `highlight` is
    /// given; returns the comment's id. An empty body is `InvalidInput`, an
    /// unknown highlight `NotFound`.
    #[uniffi::method(default(highlight = None))]
    pub fn add_comment(&self, story: StoryId, body: String, highlight: Option<HighlightId>) -> Result<CommentId> {
        Ok(self.inner.add_comment(story, &body, highlight)?)
    }

    /// Removes a comment (`NotFound` if the story has no such comment).
    pub fn remove_comment(&self, story: StoryId, comment: CommentId) -> Result<()> {
        Ok(self.inner.remove_comment(story, comment)?)
    }

    /// A page of a project's stories, read from the index.
    pub fn list_stories(&self, query: StoryQuery) -> Result<StoryPage> {
        Ok(self.inner.list_stories(&query.into())?.into())
    }

    /// Stories containing every word of `query`, best first.
    /// `limit` 0 means the default (20), at most 200; every project unless
    /// `project` is given (`search(query)`). A query with no words is
    /// `InvalidInput` (field `query`). Runs on a worker thread.
    #[uniffi::method(default(project = None, limit = 0))]
    pub async fn search(
        self: Arc<Self>,
        query: String,
        project: Option<ProjectId>,
        limit: i32,
    ) -> Result<Vec<SearchHit>> {
        let limit = offset("limit", limit)? as u32;
        off_thread("search", None, move || Ok(self.inner.search(&query, project, limit)?)).await
    }

    /// Who changed the story, when, and what kind of change, oldest first.
    pub fn story_history(&self, id: StoryId) -> Result<Vec<HistoryEntry>> {
        Ok(all(self.inner.story_history(id)?))
    }

    /// The story's document, to hand to another device of the group; needs
    /// `share-in-project` consent (otherwise `ConsentRequired`).
    pub fn export_story_document(&self, id: StoryId) -> Result<Vec<u8>> {
        Ok(self.inner.share_story_document(id)?)
    }
}

/// Offsets and lengths cross as `Int` (Kotlin) / `Int32` (Swift), as the
/// platforms' string APIs count them; a negative one is invalid input.
pub(crate) fn offset(field: &str, value: i32) -> Result<u64> {
    u64::try_from(value).map_err(|_| StoreError::invalid(field, format!("{value} is negative")))
}

//! Stories, their highlights and comments, and how lists of them are asked for.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::text_enum;
use crate::ids::{CommentId, HighlightId, MemberId, ParticipantId, ProjectId, StoryId};

text_enum!(
    /// Where a story is in its life.
    StoryStatus, "status" {
        Draft => "draft",
        Collected => "collected",
        Reviewed => "reviewed",
        Archived => "archived",
    }
);

/// A field that devices changed concurrently. Automerge picks the same winner
/// on every device; the losing values stay visible here until someone sets
/// the field again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldConflict {
    pub field: String,
    pub winner: String,
    pub others: Vec<String>,
}

/// A highlighted quote. The range is in UTF-16 code units of the current
/// transcript and follows its words through everyone's edits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Highlight {
    pub id: HighlightId,
    pub start: u64,
    pub end: u64,
    /// The words the highlight covers now.
    pub quote: String,
    pub theme: Option<String>,
    pub note: String,
    pub author: MemberId,
    pub created_at: DateTime<Utc>,
}

/// A comment on a story, optionally on one of its highlights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    pub id: CommentId,
    pub body: String,
    pub highlight: Option<HighlightId>,
    pub author: MemberId,
    pub created_at: DateTime<Utc>,
}

/// A whole story, loaded from its document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Story {
    pub id: StoryId,
    pub project_id: ProjectId,
    pub title: String,
    pub summary: String,
    pub transcript: String,
    /// BCP 47.
    pub language: Option<String>,
    /// When it was recorded, with the offset of the place it was recorded in.
    pub recorded_at: Option<DateTime<FixedOffset>>,
    /// A coarse place name ("Leeds"), never coordinates.
    pub place: Option<String>,
    pub reporter: MemberId,
    pub storytellers: Vec<ParticipantId>,
    pub tags: Vec<String>,
    pub status: StoryStatus,
    pub highlights: Vec<Highlight>,
    pub comments: Vec<Comment>,
    pub conflicts: Vec<FieldConflict>,
    pub created_at: DateTime<Utc>,
}

/// What a new story starts with.
#[derive(Debug, Clone, Default)]
pub struct NewStory {
    pub title: String,
    pub storytellers: Vec<ParticipantId>,
    pub transcript: String,
    pub summary: String,
    pub language: Option<String>,
    pub recorded_at: Option<DateTime<FixedOffset>>,
    pub place: Option<String>,
    pub tags: Vec<String>,
    pub status: Option<StoryStatus>,
}

/// Changes to a story's one-value fields. `None` leaves a field alone; an
/// empty string clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct StoryUpdate {
    pub title: Option<String>,
    pub language: Option<String>,
    pub place: Option<String>,
    pub status: Option<StoryStatus>,
    pub recorded_at: Option<DateTime<FixedOffset>>,
}

/// A line in a list of stories, read from the index without loading documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StorySummary {
    pub id: StoryId,
    pub project_id: ProjectId,
    pub title: String,
    pub status: StoryStatus,
    pub language: Option<String>,
    pub tags: Vec<String>,
    pub storytellers: Vec<ParticipantId>,
    pub recorded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub highlight_count: u32,
    /// The consent in force for the story: what every storyteller allows.
    pub consent: Vec<crate::consent::ConsentScope>,
}

/// How to order a list of stories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StorySort {
    /// Newest first.
    #[default]
    CreatedDesc,
    /// Most recently edited first.
    UpdatedDesc,
    /// Most recently recorded first; stories with no recording time last.
    RecordedDesc,
    /// Alphabetical by title.
    TitleAsc,
}

/// Which stories of a project to list. Every filter is optional.
#[derive(Debug, Clone)]
pub struct StoryQuery {
    pub project: ProjectId,
    pub status: Option<StoryStatus>,
    pub tag: Option<String>,
    pub storyteller: Option<ParticipantId>,
    /// Recorded at or after.
    pub recorded_from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub recorded_to: Option<DateTime<Utc>>,
    pub sort: StorySort,
    /// Page size; 50 when zero, at most 500.
    pub limit: u32,
    pub offset: u32,
}

impl StoryQuery {
    /// The first page of a project's stories, newest first.
    pub fn new(project: ProjectId) -> Self {
        Self {
            project,
            status: None,
            tag: None,
            storyteller: None,
            recorded_from: None,
            recorded_to: None,
            sort: StorySort::default(),
            limit: 0,
            offset: 0,
        }
    }
}

/// One page of a story list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoryPage {
    pub stories: Vec<StorySummary>,
    /// The offset of the next page, if there is one.
    pub next_offset: Option<u32>,
}

//! Stories, highlights, comments, lists, search and history.

use std::time::SystemTime;

use chrono::{DateTime, FixedOffset};
use storyloom::{CommentId, DeviceId, HighlightId, MemberId, ParticipantId, ProjectId, StoryId};

pub use storyloom::{ChangeKind, ChangeOrigin, FieldConflict, SearchHit, StoreChange, StorySort, StoryStatus};

use super::{ConsentScope, all, from_system_time, to_system_time};

use crate::error::StoreError;

/// Where a story is in its life.
#[uniffi::remote(Enum)]
pub enum StoryStatus {
    Draft,
    Collected,
    Reviewed,
    Archived,
}

/// How to order a list of stories.
#[uniffi::remote(Enum)]
pub enum StorySort {
    CreatedDesc,
    UpdatedDesc,
    RecordedDesc,
    TitleAsc,
}

/// The kind of a change in a record's history.
#[uniffi::remote(Enum)]
pub enum ChangeKind {
    Created,
    TitleChanged,
    TranscriptEdited,
    SummaryEdited,
    DetailsChanged,
    TagsChanged,
    StorytellersChanged,
    HighlightAdded,
    HighlightRemoved,
    CommentAdded,
    CommentRemoved,
    BadgeChanged,
    AdjustmentsChanged,
    MemberAdded,
    ThemeAdded,
    ConsentRecorded,
    Erased,
    MediaAdded,
    MediaRemoved,
    SegmentsChanged,
    Other(String),
}

/// Where a change came from.
#[uniffi::remote(Enum)]
pub enum ChangeOrigin {
    Local,
    Merge,
}

/// A field devices changed concurrently: the value shown and the others.
#[uniffi::remote(Record)]
pub struct FieldConflict {
    pub field: String,
    pub winner: String,
    pub others: Vec<String>,
}

/// A search result; matched words are wrapped in `[` and `]` in the snippet.
#[uniffi::remote(Record)]
pub struct SearchHit {
    pub story_id: StoryId,
    pub title: String,
    pub snippet: String,
    pub rank: f64,
}

/// Which records a write or a merge changed.
#[uniffi::remote(Record)]
pub struct StoreChange {
    pub origin: ChangeOrigin,
    pub projects: Vec<ProjectId>,
    pub stories: Vec<StoryId>,
    pub participants: Vec<ParticipantId>,
    pub erased_stories: Vec<StoryId>,
    pub erased_participants: Vec<ParticipantId>,
}

/// When a story was recorded, with the UTC offset of the place.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RecordedAt {
    pub at: SystemTime,
    pub utc_offset_minutes: i32,
}

/// A highlighted quote; `start`/`end` are UTF-16 offsets into the transcript.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Highlight {
    pub id: HighlightId,
    pub start: i32,
    pub end: i32,
    pub quote: String,
    pub theme: Option<String>,
    pub note: String,
    pub author: MemberId,
    pub created_at: SystemTime,
}

/// A comment on a story or one of its highlights.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Comment {
    pub id: CommentId,
    pub body: String,
    pub highlight: Option<HighlightId>,
    pub author: MemberId,
    pub created_at: SystemTime,
}

/// A whole story.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Story {
    pub id: StoryId,
    pub project_id: ProjectId,
    pub title: String,
    pub summary: String,
    pub transcript: String,
    pub language: Option<String>,
    pub recorded_at: Option<RecordedAt>,
    pub place: Option<String>,
    pub reporter: MemberId,
    pub storytellers: Vec<ParticipantId>,
    pub tags: Vec<String>,
    pub status: StoryStatus,
    pub highlights: Vec<Highlight>,
    pub comments: Vec<Comment>,
    pub conflicts: Vec<FieldConflict>,
    pub created_at: SystemTime,
}

/// What a new story starts with.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewStory {
    pub title: String,
    #[uniffi(default = [])]
    pub storytellers: Vec<ParticipantId>,
    #[uniffi(default = "")]
    pub transcript: String,
    #[uniffi(default = "")]
    pub summary: String,
    #[uniffi(default = None)]
    pub language: Option<String>,
    #[uniffi(default = None)]
    pub recorded_at: Option<RecordedAt>,
    #[uniffi(default = None)]
    pub place: Option<String>,
    #[uniffi(default = [])]
    pub tags: Vec<String>,
    #[uniffi(default = None)]
    pub status: Option<StoryStatus>,
}

/// Changes to a story's one-value fields; `null`/`nil` leaves a field alone.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoryUpdate {
    #[uniffi(default = None)]
    pub title: Option<String>,
    #[uniffi(default = None)]
    pub language: Option<String>,
    #[uniffi(default = None)]
    pub place: Option<String>,
    #[uniffi(default = None)]
    pub status: Option<StoryStatus>,
    #[uniffi(default = None)]
    pub recorded_at: Option<RecordedAt>,
}

/// A line in a list of stories.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StorySummary {
    pub id: StoryId,
    pub project_id: ProjectId,
    pub title: String,
    pub status: StoryStatus,
    pub language: Option<String>,
    pub tags: Vec<String>,
    pub storytellers: Vec<ParticipantId>,
    pub recorded_at: Option<SystemTime>,
    pub created_at: SystemTime,
    pub updated_at: SystemTime,
    pub highlight_count: i32,
    /// The consent in force: what every storyteller allows.
    pub consent: Vec<ConsentScope>,
}

/// Which stories of a project to list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoryQuery {
    pub project: ProjectId,
    #[uniffi(default = None)]
    pub status: Option<StoryStatus>,
    #[uniffi(default = None)]
    pub tag: Option<String>,
    #[uniffi(default = None)]
    pub storyteller: Option<ParticipantId>,
    #[uniffi(default = None)]
    pub recorded_from: Option<SystemTime>,
    #[uniffi(default = None)]
    pub recorded_to: Option<SystemTime>,
    #[uniffi(default = None)]
    pub sort: Option<StorySort>,
    /// Page size: 50 when 0, at most 500.
    #[uniffi(default = 0)]
    pub limit: i32,
    #[uniffi(default = 0)]
    pub offset: i32,
}

/// One page of stories.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoryPage {
    pub stories: Vec<StorySummary>,
    pub next_offset: Option<i32>,
}

/// One change in a record's history.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HistoryEntry {
    pub at: SystemTime,
    pub kind: ChangeKind,
    pub member_id: Option<MemberId>,
    pub member_name: Option<String>,
    pub device_id: Option<DeviceId>,
}

impl From<DateTime<FixedOffset>> for RecordedAt {
    fn from(t: DateTime<FixedOffset>) -> Self {
        Self {
            at: to_system_time(t.to_utc()),
            utc_offset_minutes: t.offset().local_minus_utc() / 60,
        }
    }
}

impl TryFrom<RecordedAt> for DateTime<FixedOffset> {
    type Error = StoreError;
    fn try_from(r: RecordedAt) -> Result<Self, StoreError> {
        let offset = r
            .utc_offset_minutes
            .checked_mul(60)
            .and_then(FixedOffset::east_opt)
            .ok_or_else(|| StoreError::invalid("recorded_at", "the UTC offset is out of range"))?;
        Ok(from_system_time(r.at).with_timezone(&offset))
    }
}

fn recorded(r: Option<RecordedAt>) -> Result<Option<DateTime<FixedOffset>>, StoreError> {
    r.map(TryInto::try_into).transpose()
}

impl From<storyloom::Highlight> for Highlight {
    fn from(h: storyloom::Highlight) -> Self {
        Self {
            id: h.id,
            start: clamp(h.start),
            end: clamp(h.end),
            quote: h.quote,
            theme: h.theme,
            note: h.note,
            author: h.author,
            created_at: to_system_time(h.created_at),
        }
    }
}

impl From<storyloom::Comment> for Comment {
    fn from(c: storyloom::Comment) -> Self {
        Self {
            id: c.id,
            body: c.body,
            highlight: c.highlight,
            author: c.author,
            created_at: to_system_time(c.created_at),
        }
    }
}

impl From<storyloom::Story> for Story {
    fn from(s: storyloom::Story) -> Self {
        Self {
            id: s.id,
            project_id: s.project_id,
            title: s.title,
            summary: s.summary,
            transcript: s.transcript,
            language: s.language,
            recorded_at: s.recorded_at.map(Into::into),
            place: s.place,
            reporter: s.reporter,
            storytellers: s.storytellers,
            tags: s.tags,
            status: s.status,
            highlights: all(s.highlights),
            comments: all(s.comments),
            conflicts: s.conflicts,
            created_at: to_system_time(s.created_at),
        }
    }
}

impl TryFrom<NewStory> for storyloom::NewStory {
    type Error = StoreError;
    fn try_from(s: NewStory) -> Result<Self, StoreError> {
        Ok(Self {
            title: s.title,
            storytellers: s.storytellers,
            transcript: s.transcript,
            summary: s.summary,
            language: s.language,
            recorded_at: recorded(s.recorded_at)?,
            place: s.place,
            tags: s.tags,
            status: s.status,
        })
    }
}

impl TryFrom<StoryUpdate> for storyloom::StoryUpdate {
    type Error = StoreError;
    fn try_from(u: StoryUpdate) -> Result<Self, StoreError> {
        Ok(Self {
            title: u.title,
            language: u.language,
            place: u.place,
            status: u.status,
            recorded_at: recorded(u.recorded_at)?,
        })
    }
}

impl From<storyloom::StorySummary> for StorySummary {
    fn from(s: storyloom::StorySummary) -> Self {
        Self {
            id: s.id,
            project_id: s.project_id,
            title: s.title,
            status: s.status,
            language: s.language,
            tags: s.tags,
            storytellers: s.storytellers,
            recorded_at: s.recorded_at.map(to_system_time),
            created_at: to_system_time(s.created_at),
            updated_at: to_system_time(s.updated_at),
            highlight_count: clamp(s.highlight_count),
            consent: s.consent,
        }
    }
}

impl From<StoryQuery> for storyloom::StoryQuery {
    fn from(q: StoryQuery) -> Self {
        Self {
            status: q.status,
            tag: q.tag,
            storyteller: q.storyteller,
            recorded_from: q.recorded_from.map(from_system_time),
            recorded_to: q.recorded_to.map(from_system_time),
            sort: q.sort.unwrap_or_default(),
            // Negative sizes mean "the default" and "the start".
            limit: u32::try_from(q.limit).unwrap_or(0),
            offset: u32::try_from(q.offset).unwrap_or(0),
            ..Self::new(q.project)
        }
    }
}

impl From<storyloom::StoryPage> for StoryPage {
    fn from(p: storyloom::StoryPage) -> Self {
        Self {
            stories: all(p.stories),
            next_offset: p.next_offset.map(clamp),
        }
    }
}

impl From<storyloom::HistoryEntry> for HistoryEntry {
    fn from(h: storyloom::HistoryEntry) -> Self {
        Self {
            at: to_system_time(h.at),
            kind: h.kind,
            member_id: h.member_id,
            member_name: h.member_name,
            device_id: h.device_id,
        }
    }
}

/// Counts and offsets cross as `Int`; none of ours comes near `i32::MAX`
/// (texts are capped at 4 MB), so saturating is only a guard.
fn clamp(value: impl TryInto<i32>) -> i32 {
    value.try_into().unwrap_or(i32::MAX)
}

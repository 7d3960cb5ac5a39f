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
    /// Being recorded or written up; the default for a new story.
    Draft,
    /// Recorded and written up, waiting for review.
    Collected,
    /// Checked with the storytellers or the group.
    Reviewed,
    /// Finished with; kept, but out of the way of current work.
    Archived,
}

/// How to order a list of stories.
#[uniffi::remote(Enum)]
pub enum StorySort {
    /// Newest first (the default).
    CreatedDesc,
    /// Most recently edited first.
    UpdatedDesc,
    /// Most recently recorded first; stories with no recording time last.
    RecordedDesc,
    /// Alphabetical by title.
    TitleAsc,
}

/// The kind of a change in a record's history.
#[uniffi::remote(Enum)]
pub enum ChangeKind {
    /// The record was created.
    Created,
    /// A story's title changed (and nothing else in the same update).
    TitleChanged,
    /// A story's transcript was edited.
    TranscriptEdited,
    /// A story's summary was edited.
    SummaryEdited,
    /// One-value fields changed: a story's language, place, status or
    /// recording time (with or without its title), or a participant's details.
    DetailsChanged,
    /// A tag was added to or removed from a story.
    TagsChanged,
    /// A storyteller was added to or removed from a story.
    StorytellersChanged,
    /// A highlight was added to a story's transcript.
    HighlightAdded,
    /// A highlight was removed.
    HighlightRemoved,
    /// A comment was added to a story or one of its highlights.
    CommentAdded,
    /// A comment was removed.
    CommentRemoved,
    /// A participant's interaction badge was set.
    BadgeChanged,
    /// A reasonable adjustment was added to or removed from a participant.
    AdjustmentsChanged,
    /// A member joined or was added to a project.
    MemberAdded,
    /// A theme was added to a project's codebook.
    ThemeAdded,
    /// A consent grant or withdrawal was recorded.
    ConsentRecorded,
    /// Documents were erased at a storyteller's request.
    Erased,
    /// A media item was attached to a story.
    MediaAdded,
    /// A media item was removed from a story.
    MediaRemoved,
    /// A time-coded segment was added or removed.
    SegmentsChanged,
    /// A change written by a newer version of the library; the text is its
    /// name there.
    Other(String),
}

/// Where a change came from.
#[uniffi::remote(Enum)]
pub enum ChangeOrigin {
    /// Written through this store.
    Local,
    /// Merged in from another device (a sync session, a bundle, the relay, an
    /// imported document), or written by another process on the same store
    /// file (reported on this process's next call).
    Merge,
}

/// A field devices changed concurrently: the value shown and the others.
#[uniffi::remote(Record)]
pub struct FieldConflict {
    /// The field's name, e.g. `title` or `display_name`.
    pub field: String,
    /// The value shown: every device picks the same one.
    pub winner: String,
    /// The concurrently written values that lost; listed until someone sets
    /// the field again.
    pub others: Vec<String>,
}

/// A search result; matched words are wrapped in `[` and `]` in the snippet.
#[uniffi::remote(Record)]
pub struct SearchHit {
    /// The story that matched.
    pub story_id: StoryId,
    /// The story's title.
    pub title: String,
    /// A few words around the match, from the title, summary, tags,
    /// highlight notes or transcript, with matched words in `[` and `]`.
    pub snippet: String,
    /// BM25 as SQLite FTS5 reports it: lower is better. Hits come sorted, so
    /// compare ranks only within one result list.
    pub rank: f64,
}

/// Which records a write or a merge changed.
#[uniffi::remote(Record)]
pub struct StoreChange {
    /// Whether this store wrote the change or merged it in.
    pub origin: ChangeOrigin,
    /// Projects whose document changed (members, codebook).
    pub projects: Vec<ProjectId>,
    /// Stories created or changed.
    pub stories: Vec<StoryId>,
    /// Participants added or changed.
    pub participants: Vec<ParticipantId>,
    /// Stories erased at a storyteller's request: drop them from the screen;
    /// reading them now fails with `Erased`.
    pub erased_stories: Vec<StoryId>,
    /// Participants whose personal details were erased.
    pub erased_participants: Vec<ParticipantId>,
}

/// When a story was recorded, with the UTC offset of the place.
#[derive(Debug, Clone, uniffi::Record)]
pub struct RecordedAt {
    /// The instant it was recorded.
    pub at: SystemTime,
    /// The UTC offset of the place it was recorded, in minutes (e.g. 60 for
    /// UTC+01:00), so the local time there can be shown.
    pub utc_offset_minutes: i32,
}

/// A highlighted quote; `start`/`end` are UTF-16 offsets into the transcript.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Highlight {
    /// Pass it to `removeHighlight`, `addComment` or `highlightTimeRange`.
    pub id: HighlightId,
    /// Start of the highlighted words, in UTF-16 code units of the current
    /// transcript; moves with the words through everyone's edits.
    pub start: i32,
    /// End (exclusive) of the highlighted words, in UTF-16 code units.
    pub end: i32,
    /// The words the highlight covers now.
    pub quote: String,
    /// The codebook theme it is coded with, or null.
    pub theme: Option<String>,
    /// The author's note; empty when none.
    pub note: String,
    /// The member who made the highlight.
    pub author: MemberId,
    /// When it was made, by the author's device clock.
    pub created_at: SystemTime,
}

/// A comment on a story or one of its highlights.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Comment {
    /// Pass it to `removeComment`.
    pub id: CommentId,
    /// What the member wrote.
    pub body: String,
    /// The highlight the comment is on, or null for a comment on the whole
    /// story.
    pub highlight: Option<HighlightId>,
    /// The member who wrote it.
    pub author: MemberId,
    /// When it was written, by the author's device clock.
    pub created_at: SystemTime,
}

/// A whole story.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Story {
    /// The story's id.
    pub id: StoryId,
    /// The project the story belongs to.
    pub project_id: ProjectId,
    /// A single line, at most 500 characters.
    pub title: String,
    /// The summary text; empty when none. Edit it with `spliceSummary` or
    /// `setSummary`.
    pub summary: String,
    /// The transcript (up to 4 MB); empty when none. Offsets into it are
    /// UTF-16 code units. Edit it with `spliceTranscript` or `setTranscript`.
    pub transcript: String,
    /// The language of the story (BCP 47, e.g. `cy`), or null.
    pub language: Option<String>,
    /// When it was recorded, with the place's UTC offset, or null.
    pub recorded_at: Option<RecordedAt>,
    /// A coarse place name ("Leeds"), never coordinates; null when not given.
    pub place: Option<String>,
    /// The member who created the story.
    pub reporter: MemberId,
    /// The participants whose story it is; their consent governs it.
    pub storytellers: Vec<ParticipantId>,
    /// Tags, compared ignoring case and spacing.
    pub tags: Vec<String>,
    /// Where the story is in its life.
    pub status: StoryStatus,
    /// Highlights, in transcript order.
    pub highlights: Vec<Highlight>,
    /// Comments on the story and its highlights.
    pub comments: Vec<Comment>,
    /// Fields devices changed concurrently; empty when none.
    pub conflicts: Vec<FieldConflict>,
    /// When the story was created.
    pub created_at: SystemTime,
}

/// What a new story starts with.
#[derive(Debug, Clone, uniffi::Record)]
pub struct NewStory {
    /// Required: one line, not empty, at most 500 characters
    /// (`InvalidInput`, field `title`, otherwise).
    pub title: String,
    /// Participants of the same project whose story it is; one from another
    /// project is `InvalidInput` (field `storyteller`), an unknown one
    /// `NotFound`.
    #[uniffi(default = [])]
    pub storytellers: Vec<ParticipantId>,
    /// The transcript so far (up to 4 MB).
    #[uniffi(default = "")]
    pub transcript: String,
    /// A summary (up to 4 MB).
    #[uniffi(default = "")]
    pub summary: String,
    /// The story's language as a BCP 47 tag, e.g. `en` or `pa-Guru`.
    #[uniffi(default = None)]
    pub language: Option<String>,
    /// When it was recorded.
    #[uniffi(default = None)]
    pub recorded_at: Option<RecordedAt>,
    /// A coarse place name, never coordinates.
    #[uniffi(default = None)]
    pub place: Option<String>,
    /// Tags (each at most 100 characters).
    #[uniffi(default = [])]
    pub tags: Vec<String>,
    /// The starting status; `Draft` when null.
    #[uniffi(default = None)]
    pub status: Option<StoryStatus>,
}

/// Changes to a story's one-value fields; `null`/`nil` leaves a field alone.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoryUpdate {
    /// A new title (one line, not empty).
    #[uniffi(default = None)]
    pub title: Option<String>,
    /// A new language (BCP 47); an empty string clears it.
    #[uniffi(default = None)]
    pub language: Option<String>,
    /// A new place; an empty string clears it.
    #[uniffi(default = None)]
    pub place: Option<String>,
    /// A new status.
    #[uniffi(default = None)]
    pub status: Option<StoryStatus>,
    /// A new recording time.
    #[uniffi(default = None)]
    pub recorded_at: Option<RecordedAt>,
}

/// A line in a list of stories.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StorySummary {
    /// The story's id.
    pub id: StoryId,
    /// The project it belongs to.
    pub project_id: ProjectId,
    /// The story's title.
    pub title: String,
    /// Where the story is in its life.
    pub status: StoryStatus,
    /// The story's language (BCP 47), or null.
    pub language: Option<String>,
    /// The story's tags.
    pub tags: Vec<String>,
    /// The participants whose story it is.
    pub storytellers: Vec<ParticipantId>,
    /// When it was recorded, or null.
    pub recorded_at: Option<SystemTime>,
    /// When the story was created.
    pub created_at: SystemTime,
    /// When it was last changed, here or by a merge.
    pub updated_at: SystemTime,
    /// How many highlights it has.
    pub highlight_count: i32,
    /// The consent in force: what every storyteller allows.
    pub consent: Vec<ConsentScope>,
}

/// Which stories of a project to list.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoryQuery {
    /// The project whose stories to list.
    pub project: ProjectId,
    /// Only stories with this status.
    #[uniffi(default = None)]
    pub status: Option<StoryStatus>,
    /// Only stories with this tag (compared ignoring case and spacing).
    #[uniffi(default = None)]
    pub tag: Option<String>,
    /// Only stories this participant is a storyteller of.
    #[uniffi(default = None)]
    pub storyteller: Option<ParticipantId>,
    /// Only stories recorded at or after this instant.
    #[uniffi(default = None)]
    pub recorded_from: Option<SystemTime>,
    /// Only stories recorded before this instant; before `recordedFrom` is
    /// `InvalidInput`.
    #[uniffi(default = None)]
    pub recorded_to: Option<SystemTime>,
    /// The order; newest first (`CreatedDesc`) when null.
    #[uniffi(default = None)]
    pub sort: Option<StorySort>,
    /// Page size: 50 when 0, at most 500.
    #[uniffi(default = 0)]
    pub limit: i32,
    /// How many stories to skip: 0, then each page's `nextOffset`.
    #[uniffi(default = 0)]
    pub offset: i32,
}

/// One page of stories.
#[derive(Debug, Clone, uniffi::Record)]
pub struct StoryPage {
    /// This page's stories, in the query's order.
    pub stories: Vec<StorySummary>,
    /// The `offset` of the next page, or null on the last page.
    pub next_offset: Option<i32>,
}

/// One change in a record's history.
#[derive(Debug, Clone, uniffi::Record)]
pub struct HistoryEntry {
    /// When the change was made, by the writing device's clock.
    pub at: SystemTime,
    /// What kind of change it was.
    pub kind: ChangeKind,
    /// The member who made it, or null for a change no member can be
    /// credited with (a document written by another tool).
    pub member_id: Option<MemberId>,
    /// That member's display name, when this store knows the member.
    pub member_name: Option<String>,
    /// The device that wrote it, or null for such a change.
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

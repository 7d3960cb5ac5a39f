//! Media items of a story: recordings, photos, videos and documents (such
//! as consent evidence). The bytes live in the media folder; these records
//! describe them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::text_enum;
use crate::ids::{MediaId, MemberId, SegmentId, StoryId};

text_enum!(
    /// What a media item is.
    MediaKind, "kind" {
        Audio => "audio",
        Photo => "photo",
        Video => "video",
        Document => "document",
    }
);

/// What the app says about a media item it attaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMedia {
    pub kind: MediaKind,
    /// MIME type, e.g. `audio/ogg`; `application/octet-stream` if unknown.
    pub mime: String,
    pub caption: String,
    /// Length of a recording in milliseconds, as the app measured it.
    pub duration_ms: Option<u64>,
}

impl NewMedia {
    /// A media item of `kind` with an unknown MIME type and no caption.
    pub fn new(kind: MediaKind) -> Self {
        Self {
            kind,
            mime: "application/octet-stream".into(),
            caption: String::new(),
            duration_ms: None,
        }
    }
}

/// A media item of a story, as listed on this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MediaItem {
    pub id: MediaId,
    pub story_id: StoryId,
    pub kind: MediaKind,
    pub mime: String,
    /// Size in bytes of the original file.
    pub size: u64,
    pub duration_ms: Option<u64>,
    pub caption: String,
    pub added_by: MemberId,
    pub added_at: DateTime<Utc>,
    /// `sha256:` and 64 hex digits: the hash of the original bytes (the
    /// check a consent grant's evidence link carries). Never a file name.
    pub content_hash: String,
    /// Whether the bytes are on this device.
    pub present: bool,
    /// Whether the storytellers no longer allow `keep-media` (the bytes are
    /// gone; the reference stays).
    pub withdrawn: bool,
}

/// A time-coded segment: a range of the transcript (UTF-16 offsets, kept
/// on its words through concurrent edits like a highlight) linked to a
/// time range of one of the story's recordings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub id: SegmentId,
    pub media_id: MediaId,
    /// Transcript range, UTF-16 code units, end exclusive.
    pub start: u64,
    pub end: u64,
    pub start_ms: u64,
    pub end_ms: u64,
    pub author: MemberId,
    pub created_at: DateTime<Utc>,
}

/// Where in a recording to play: what a player needs for a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TimeRange {
    pub media_id: MediaId,
    pub start_ms: u64,
    pub end_ms: u64,
}

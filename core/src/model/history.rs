//! Who changed what: each Automerge change carries its member and device in
//! its actor id and the kind of change in its message.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{DeviceId, MemberId};

/// The kind of a change, as recorded in the change's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
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
    /// A consent grant or withdrawal was recorded.
    ConsentRecorded,
    /// Documents were erased at a storyteller's request (tombstones added).
    Erased,
    /// A media item was attached to a story.
    MediaAdded,
    /// A media item was removed from a story.
    MediaRemoved,
    /// A time-coded segment was added or removed.
    SegmentsChanged,
    /// A change written by a newer version of the library.
    Other(String),
}

impl ChangeKind {
    pub(crate) fn as_message(&self) -> &str {
        match self {
            Self::Created => "created",
            Self::TitleChanged => "title",
            Self::TranscriptEdited => "transcript",
            Self::SummaryEdited => "summary",
            Self::DetailsChanged => "details",
            Self::TagsChanged => "tags",
            Self::StorytellersChanged => "storytellers",
            Self::HighlightAdded => "highlight-added",
            Self::HighlightRemoved => "highlight-removed",
            Self::CommentAdded => "comment-added",
            Self::CommentRemoved => "comment-removed",
            Self::BadgeChanged => "badge",
            Self::AdjustmentsChanged => "adjustments",
            Self::MemberAdded => "member-added",
            Self::ThemeAdded => "theme-added",
            Self::ConsentRecorded => "consent-recorded",
            Self::Erased => "erased",
            Self::MediaAdded => "media-added",
            Self::MediaRemoved => "media-removed",
            Self::SegmentsChanged => "segments",
            Self::Other(other) => other,
        }
    }

    pub(crate) fn from_message(message: &str) -> Self {
        const KNOWN: [ChangeKind; 20] = [
            ChangeKind::Created,
            ChangeKind::TitleChanged,
            ChangeKind::TranscriptEdited,
            ChangeKind::SummaryEdited,
            ChangeKind::DetailsChanged,
            ChangeKind::TagsChanged,
            ChangeKind::StorytellersChanged,
            ChangeKind::HighlightAdded,
            ChangeKind::HighlightRemoved,
            ChangeKind::CommentAdded,
            ChangeKind::CommentRemoved,
            ChangeKind::BadgeChanged,
            ChangeKind::AdjustmentsChanged,
            ChangeKind::MemberAdded,
            ChangeKind::ThemeAdded,
            ChangeKind::ConsentRecorded,
            ChangeKind::Erased,
            ChangeKind::MediaAdded,
            ChangeKind::MediaRemoved,
            ChangeKind::SegmentsChanged,
        ];

        KNOWN
            .into_iter()
            .find(|kind| kind.as_message() == message)
            .unwrap_or_else(|| Self::Other(message.to_owned()))
    }
}

/// One change in a record's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub kind: ChangeKind,
    /// `None` when the change came from an actor we cannot attribute (a
    /// document written by another tool).
    pub member_id: Option<MemberId>,
    pub member_name: Option<String>,
    pub device_id: Option<DeviceId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn change_kinds_round_trip_through_messages() {
        for kind in [ChangeKind::Created, ChangeKind::BadgeChanged, ChangeKind::ThemeAdded] {
            assert_eq!(ChangeKind::from_message(kind.as_message()), kind);
        }
        assert_eq!(ChangeKind::from_message("future"), ChangeKind::Other("future".into()));
    }
}

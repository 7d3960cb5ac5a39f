//! Typed identifiers: UUID v7 (time-ordered, so new rows append to indexes)
//! wrapped in one type per kind of record, so a story id can never be passed
//! where a participant id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// Parses an id given by a caller; a malformed one is invalid input
            /// naming the field.
            pub fn parse(text: &str) -> Result<Self> {
                Uuid::try_parse(text.trim()).map(Self).map_err(|_| {
                    Error::invalid($field, format!("{:?} is not a valid id", shorten(text)))
                })
            }

            /// Parses an id read back from a document or the database, where a
            /// malformed one means the data is corrupt.
            pub(crate) fn from_stored(text: &str) -> Result<Self> {
                Uuid::try_parse(text)
                    .map(Self)
                    .map_err(|_| Error::corrupt(format!("stored {} is not an id", $field)))
            }

            /// The id with these 16 bytes.
            pub fn from_bytes(bytes: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(bytes))
            }

            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = Error;
            fn from_str(text: &str) -> Result<Self> {
                Self::parse(text)
            }
        }
    };
}

id_type!(
    /// A project: the group, its codebook and its consent ledger.
    ProjectId,
    "project_id"
);
id_type!(
    /// A member of a project's group (a reporter, facilitator, researcher…).
    MemberId,
    "member_id"
);
id_type!(
    /// One installation of the app: one store file.
    DeviceId,
    "device_id"
);
id_type!(
    /// A story.
    StoryId,
    "story_id"
);
id_type!(
    /// A participant: a storyteller or anyone else whose details are kept.
    ParticipantId,
    "participant_id"
);
id_type!(
    /// A highlighted quote in a story's transcript.
    HighlightId,
    "highlight_id"
);
id_type!(
    /// A comment on a story.
    CommentId,
    "comment_id"
);
id_type!(
    /// A media item of a story: a recording, photo, video or document.
    MediaId,
    "media_id"
);
id_type!(
    /// A time-coded segment: a range of a transcript linked to a time
    /// range of a recording.
    SegmentId,
    "segment_id"
);

id_type!(
    /// A record in a project's consent ledger: a consent grant or a withdrawal.
    ConsentRecordId,
    "consent_record_id"
);

/// Keeps error messages short when a caller passes something enormous.
fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = StoryId::new();
        assert_eq!(StoryId::parse(&id.to_string()).unwrap(), id);
    }

    #[test]
    fn a_malformed_id_names_its_field() {
        let err = StoryId::parse("not-an-id").unwrap_err();
        assert!(matches!(err, Error::InvalidInput { ref field, .. } if field == "story_id"));
    }

    #[test]
    fn new_ids_sort_by_creation_time() {
        let first = StoryId::new();
        let second = StoryId::new();
        assert!(first < second);
    }
}

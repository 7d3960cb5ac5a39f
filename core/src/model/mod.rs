//! The records apps read and write: plain data, no storage concerns.

mod access;
mod history;
mod language;
mod media;
mod participant;
mod project;
mod story;

pub use access::{Adjustment, AdjustmentKind, BadgeChange, InteractionBadge};
pub use history::{ChangeKind, HistoryEntry};
pub use language::LanguageTag;
pub use media::{MediaItem, MediaKind, NewMedia, Segment, TimeRange};
pub use participant::{NewParticipant, Participant, ParticipantSummary, ParticipantUpdate};
pub use project::{Member, MemberRole, Project, ProjectSummary, Theme};
pub use story::{
    Comment, FieldConflict, Highlight, NewStory, Story, StoryPage, StoryQuery, StorySort, StoryStatus, StorySummary,
    StoryUpdate,
};

/// Declares a fieldless enum with a stable text form (used in documents, the
/// database, JSON and the CLI) and parsing from it.
macro_rules! text_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable text form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }

            /// Parses the text form given by a caller.
            pub fn parse(text: &str) -> $crate::error::Result<Self> {
                match text.trim() {
                    $($text => Ok($name::$variant),)+
                    other => Err($crate::error::Error::invalid(
                        $field,
                        format!(
                            "{:?} is not one of: {}",
                            other.chars().take(40).collect::<String>(),
                            [$($text),+].join(", ")
                        ),
                    )),
                }
            }

            /// Parses the text form read back from storage.
            #[allow(dead_code)]
            pub(crate) fn from_stored(text: &str) -> $crate::error::Result<Self> {
                Self::parse(text).map_err(|_| $crate::error::Error::corrupt(format!("stored {} is unknown", $field)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::Error;
            fn from_str(text: &str) -> $crate::error::Result<Self> {
                Self::parse(text)
            }
        }
    };
}
pub(crate) use text_enum;

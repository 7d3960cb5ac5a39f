//! # Storyloom
//!
//! The offline-first core of story-collection apps for community reporting:
//! stories, the people in them, their consent and their accessibility
//! preferences, kept in one SQLite file per app user and merged between
//! devices with Automerge so that nobody's edit is lost.
//!
//! ```
//! use storyloom::{InteractionBadge, MemberRole, NewParticipant, NewStory, Store};
//!
//! # fn main() -> storyloom::Result<()> {
//! # let dir = tempfile::tempdir().unwrap();
//! let store = Store::open(dir.path().join("field.storyloom"))?;
//! let (project, _me) = store.create_project("Leeds listening", "Asha", MemberRole::Reporter)?;
//! let amira = store.add_participant(
//!     project,
//!     &NewParticipant {
//!         display_name: "Amira".into(),
//!         badge: Some(InteractionBadge::Yellow),
//!         ..Default::default()
//!     },
//! )?;
//! let story = store.create_story(
//!     project,
//!     &NewStory {
//!         title: "The bus that stopped coming".into(),
//!         storytellers: vec![amira],
//!         transcript: "When the 42 stopped running…".into(),
//!         ..Default::default()
//!     },
//! )?;
//! store.splice_transcript(story, 0, 0, "[Recorded at the library] ")?;
//! assert_eq!(store.search("bus", None, 10)?[0].story_id, story);
//! # Ok(())
//! # }
//! ```
//!
//! The crate is plain Rust; `storyloom-ffi` exposes it to Kotlin and Swift.

mod consent;
mod documents;
mod error;
mod ids;
mod keys;
mod logging;
mod media;
mod model;
#[cfg(feature = "relay")]
mod relay;
mod store;
pub mod sync;

pub mod text;

pub use consent::{
    Attribution, ConsentGrant, ConsentMethod, ConsentRecord, ConsentScope, ConsentWithdrawal, Credit, EffectiveConsent,
    ExportPurpose, NewConsentGrant, NewConsentWithdrawal, PublishedQuote, PublishedStory,
};
pub use documents::DocKind;
/// Document ids in low-level results (imports, tombstones) are plain UUIDs.
pub use uuid::Uuid;

pub use documents::ledger_doc::Tombstone;
pub use error::{Error, ErrorKind, KeySide, RecordKind, Result, StoreKeyProblem};
pub use ids::{
    CommentId, ConsentRecordId, DeviceId, HighlightId, MediaId, MemberId, ParticipantId, ProjectId, SegmentId, StoryId,
};
pub use keys::StoreKey;
pub use model::*;
#[cfg(feature = "relay")]
pub use relay::{RelayConfig, RelayProgress, RelayRejection, RelaySummary};
pub use store::{
    BundleExport, BundleOutcome, ChangeListener, ChangeOrigin, EnrolledDevice, ExportFormat, ExportReport,
    ExportedMedia, ImportOutcome, ListenerId, MAX_MEDIA_READ, MediaTransfer, MemberStatus, SearchHit, StorageStats,
    Store, StoreChange, Withheld, WithheldMedia,
};

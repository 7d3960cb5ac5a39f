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
mod model;
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
pub use error::{Error, RecordKind, Result};
pub use ids::{CommentId, ConsentRecordId, DeviceId, HighlightId, MemberId, ParticipantId, ProjectId, StoryId};
pub use model::*;
pub use store::{
    BundleExport, BundleOutcome, ChangeListener, ChangeOrigin, EnrolledDevice, ExportFormat, ExportReport,
    ImportOutcome, ListenerId, SearchHit, StorageStats, Store, StoreChange, Withheld,
};

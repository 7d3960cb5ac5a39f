//! The one error type of the crate, with cases an app can act on.
//!
//! Messages name records by id and fields by name, never by content: an error
//! may end up in a crash report, and story text or a storyteller's name must
//! not travel with it.

use std::fmt;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of record an error is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Project,
    Member,
    Story,
    Participant,
    Highlight,
    Comment,
    Theme,
    ConsentRecord,
    Media,
    Document,
    /// A store file (a path given to the CLI that holds no store).
    Store,
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Project => "project",
            Self::Member => "member",
            Self::Story => "story",
            Self::Participant => "participant",
            Self::Highlight => "highlight",
            Self::Comment => "comment",
            Self::Theme => "theme",
            Self::ConsentRecord => "consent record",
            Self::Media => "media",
            Self::Document => "document",
            Self::Store => "store",
        })
    }
}

/// Why a store key did not open a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKeyProblem {
    /// The store is encrypted with another key (or the file is not a store).
    WrongKey,
    /// The store is encrypted and was opened without a key.
    KeyRequired,
    /// The store is not encrypted and was opened with a key: encrypt it
    /// first (`Store::encrypt`), or open it without one.
    NotEncrypted,
}

impl fmt::Display for StoreKeyProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::WrongKey => "the key does not open this store (another key encrypted it, or the file is not a store)",
            Self::KeyRequired => {
                "the file is not a plaintext store: it is encrypted (open it with its key), or not a store at all"
            }
            Self::NotEncrypted => "the store is not encrypted: open it without a key, or encrypt it first",
        })
    }
}

/// Everything that can go wrong in Storyloom.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The record does not exist in this store.
    #[error("{kind} {id} was not found")]
    NotFound { kind: RecordKind, id: String },

    /// The record existed but was erased at its storyteller's request; it can
    /// never be recreated or accepted again.
    #[error("{kind} {id} was erased at the storyteller's request")]
    Erased { kind: RecordKind, id: String },

    /// The effective consent does not allow what was asked: the storytellers
    /// have not granted `scope` (or withdrew it).
    #[error("consent required: the storytellers of story {story} have not granted {scope}")]
    ConsentRequired {
        scope: crate::consent::ConsentScope,
        story: crate::ids::StoryId,
    },

    /// An argument the caller passed is not acceptable.
    #[error("invalid {field}: {reason}")]
    InvalidInput { field: String, reason: String },

    /// Bytes read from disk (or received) do not decode to what they should.
    #[error("corrupt data: {0}")]
    CorruptData(String),

    /// The file at the path is not a Storyloom store (or is damaged beyond
    /// recognition); it was left untouched.
    #[error("not a Storyloom store: {0}")]
    NotAStore(String),

    /// The store was written by a newer version of the library.
    #[error(
        "the store uses schema version {found}, but this version of Storyloom only understands up to {supported}; update the app"
    )]
    StoreNewerThanLibrary { found: u32, supported: u32 },

    /// A sync message or bundle was refused: malformed, tampered, replayed,
    /// meant for another project or too large. Nothing was changed.
    #[error("sync rejected: {0}")]
    SyncRejected(String),

    /// A sync message or bundle was sealed with a different group secret (or
    /// an invite is for a project this device holds with another secret).
    #[error("wrong key: {0}")]
    WrongKey(String),

    /// The store key does not open this store: a wrong key, no key for an
    /// encrypted store, or a key for a plaintext one. Nothing was changed.
    /// (A sync peer holding another group secret is [`Error::WrongKey`].)
    #[error("wrong store key: {0}")]
    WrongStoreKey(StoreKeyProblem),

    /// The sync session was cancelled by the app.
    #[error("the sync session was cancelled")]
    Cancelled,

    /// The store has been closed; open it again to use it.

    #[error("the store is closed")]
    Closed,

    /// SQLite failed for a reason that is not the caller's fault (disk full,
    /// I/O error, …).
    #[error("storage error: {0}")]
    Storage(String),

    /// A file-system operation failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn not_found(kind: RecordKind, id: impl fmt::Display) -> Self {
        Self::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    pub(crate) fn corrupt(what: impl Into<String>) -> Self {
        Self::CorruptData(what.into())
    }
}

impl From<rusqlite::Error> for Error {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match err.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt) => Self::CorruptData(err.to_string()),
            Some(ErrorCode::NotADatabase) => Self::NotAStore(err.to_string()),
            _ => Self::Storage(err.to_string()),
        }
    }
}

impl From<automerge::AutomergeError> for Error {
    /// Automerge only fails on our documents when their bytes or structure
    /// are not what we wrote: that is corruption, not a caller mistake.
    fn from(err: automerge::AutomergeError) -> Self {
        Self::CorruptData(format!("document: {err}"))
    }
}

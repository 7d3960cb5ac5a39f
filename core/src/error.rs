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
    /// an invite is for a project this device holds with another secret);
    /// `side` says which device should act.
    #[error("wrong key: {reason}")]
    WrongKey { side: KeySide, reason: String },

    /// The media item is known but its bytes are not on this device (not
    /// synced yet, left out by the sync's media policy, or withdrawn).
    #[error("the bytes of media {id} are not on this device")]
    MediaNotPresent { id: String },

    /// The store key does not open this store: a wrong key, no key for an
    /// encrypted store, or a key for a plaintext one. Nothing was changed.
    /// (A sync peer holding another group secret is [`Error::WrongKey`].)
    #[error("wrong store key: {0}")]
    WrongStoreKey(StoreKeyProblem),

    /// The sync session (or a media operation) was cancelled by the app.
    #[error("the sync session was cancelled")]
    Cancelled,

    /// The relay (object storage) could not be reached, refused the
    /// credentials or failed; the message names the relay. Nothing local
    /// was lost: the next relay sync picks up where this one stopped.
    #[error("{0}")]
    Relay(String),

    /// The store has been closed; open it again to use it.
    #[error("the store is closed")]
    Closed,

    /// A bug in Storyloom or in a library it uses (an Automerge operation
    /// on a document Storyloom itself built failed): not the caller's fault,
    /// and not damaged data.
    #[error("internal error: {0}")]
    Internal(String),

    /// SQLite failed for a reason that is not the caller's fault (disk full,
    /// I/O error, …).
    #[error("storage error: {0}")]
    Storage(String),

    /// A file-system operation failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// Which side of a sync holds the group secret that does not match, so the
/// app knows whom to tell: "leave and join again" is advice for this device
/// when it joined from a mistyped invite, and for the other device when this
/// one holds the project's documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySide {
    /// This device joined with a different secret (or holds none): leave the
    /// project and join again with a new invite.
    ThisDevice,
    /// The other device (or the invite it made) holds a different secret.
    OtherDevice,
    /// The bytes say the secrets differ, but not which one is wrong.
    Unknown,
}

/// The stable, machine-readable kind of an [`Error`], shared by the CLI's
/// JSON (`"kind"`), the bindings' exception classes and the logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    Erased,
    ConsentRequired,
    InvalidInput,
    CorruptData,
    NotAStore,
    StoreNewerThanLibrary,
    SyncRejected,
    WrongKey,
    MediaNotPresent,
    Relay,
    WrongStoreKey,
    Cancelled,
    Closed,
    Internal,
    Storage,
    Io,
}

impl ErrorKind {
    /// The name used in the CLI's JSON errors (a contract: never renamed).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::Erased => "erased",
            Self::ConsentRequired => "consent_required",
            Self::InvalidInput => "invalid_input",
            Self::CorruptData => "corrupt_data",
            Self::NotAStore => "not_a_store",
            Self::StoreNewerThanLibrary => "store_newer_than_library",
            Self::SyncRejected => "sync_rejected",
            Self::WrongKey => "wrong_key",
            Self::MediaNotPresent => "media_not_present",
            Self::Relay => "relay",
            Self::WrongStoreKey => "wrong_store_key",
            Self::Cancelled => "cancelled",
            Self::Closed => "closed",
            Self::Internal => "internal",
            Self::Storage => "storage",
            Self::Io => "io",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// What kind of error this is: the one mapping every caller (CLI,
    /// bindings, logs) uses.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotFound { .. } => ErrorKind::NotFound,
            Self::Erased { .. } => ErrorKind::Erased,
            Self::ConsentRequired { .. } => ErrorKind::ConsentRequired,
            Self::InvalidInput { .. } => ErrorKind::InvalidInput,
            Self::CorruptData(_) => ErrorKind::CorruptData,
            Self::NotAStore(_) => ErrorKind::NotAStore,
            Self::StoreNewerThanLibrary { .. } => ErrorKind::StoreNewerThanLibrary,
            Self::SyncRejected(_) => ErrorKind::SyncRejected,
            Self::WrongKey { .. } => ErrorKind::WrongKey,
            Self::MediaNotPresent { .. } => ErrorKind::MediaNotPresent,
            Self::Relay(_) => ErrorKind::Relay,
            Self::WrongStoreKey(_) => ErrorKind::WrongStoreKey,
            Self::Cancelled => ErrorKind::Cancelled,
            Self::Closed => ErrorKind::Closed,
            Self::Internal(_) => ErrorKind::Internal,
            Self::Storage(_) => ErrorKind::Storage,
            Self::Io(_) => ErrorKind::Io,
        }
    }

    /// The sentence without its kind's label ("corrupt data: ", "sync
    /// rejected: " …): what to embed when one error explains another, so
    /// that no message says "corrupt data: … corrupt data: …".
    pub fn reason(&self) -> String {
        match self {
            Self::CorruptData(reason)
            | Self::NotAStore(reason)
            | Self::SyncRejected(reason)
            | Self::Relay(reason)
            | Self::Internal(reason)
            | Self::Storage(reason)
            | Self::WrongKey { reason, .. } => reason.clone(),
            Self::InvalidInput { field, reason } => format!("{field} {reason}"),
            Self::WrongStoreKey(problem) => problem.to_string(),
            Self::Io(err) => err.to_string(),
            other => other.to_string(),
        }
    }

    pub(crate) fn wrong_key(side: KeySide, reason: impl Into<String>) -> Self {
        Self::WrongKey {
            side,
            reason: reason.into(),
        }
    }

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
    /// Loading and merging bytes from disk or a peer map their Automerge
    /// errors to `CorruptData` or `SyncRejected` where they happen; what
    /// reaches `?` is an operation on a document Storyloom built itself,
    /// which only fails through a bug.
    fn from(err: automerge::AutomergeError) -> Self {
        Self::Internal(format!("an Automerge operation failed: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_explaining_another_names_its_kind_once() {
        let inner = Error::corrupt("document field \"title\" is missing");
        let outer = Error::corrupt(format!("the story document is invalid: {}", inner.reason()));
        assert_eq!(
            outer.to_string(),
            "corrupt data: the story document is invalid: document field \"title\" is missing"
        );
    }

    #[test]
    fn storylooms_own_automerge_failures_are_internal_not_corrupt_data() {
        use automerge::transaction::Transactable;
        let mut doc = automerge::AutoCommit::new();
        let map = doc
            .put_object(automerge::ROOT, "tags", automerge::ObjType::Map)
            .unwrap();
        // Splicing text into a map is a mistake only Storyloom's code could make.
        let err = Error::from(doc.splice_text(&map, 0, 0, "x").unwrap_err());
        assert_eq!(err.kind(), ErrorKind::Internal);
        assert!(!err.to_string().contains("corrupt"), "{err}");
    }
}

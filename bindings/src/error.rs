//! The one error type apps see, converted from the core's in one place.
//!
//! Kotlin gets a sealed `StoreException` hierarchy and Swift a `StoreError`
//! enum, one case per thing an app can act on, each carrying the fields an
//! app branches on (`field`, `kind`, `id`, `scope`, `side`…). The core
//! decides the kind (`storyloom::Error::kind`); this file only moves the
//! fields across. Kotlin's `message` is UniFFI's dump of the fields
//! (`kind=STORY, id=0190…`); `toString()` in Kotlin and `description` in
//! Swift give the core's sentence. Neither ever holds personal data.

use storyloom::{ConsentScope, ErrorKind, KeySide, RecordKind, StoryId};

/// Everything that can go wrong, as apps see it. `NotFound` and `Erased` are
/// the two ways a record is gone: `NotFound` never existed here (or has not
/// arrived yet), `Erased` was erased at its storyteller's request and will
/// never come back.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum StoreError {
    /// The record does not exist in this store (or has not arrived yet).
    #[error("{kind} {id} was not found")]
    NotFound {
        /// What kind of record was looked for.
        kind: RecordKind,
        /// The id that was looked for, as given.
        id: String,
    },
    /// The record was erased at its storyteller's request; it can never be
    /// recreated or accepted again.
    #[error("{kind} {id} was erased at the storyteller's request")]
    Erased {
        /// What kind of record was erased.
        kind: RecordKind,
        /// The erased record's id.
        id: String,
    },
    /// The storytellers of `story_id` have not granted `scope` (or withdrew
    /// it): ask them, record the grant, and try again.
    #[error("consent required: the storytellers of story {story_id} have not granted {scope}")]
    ConsentRequired {
        /// The scope the call needs (e.g. `ShareInProject`, `KeepMedia`).
        scope: ConsentScope,
        /// The story whose storytellers must grant it.
        story_id: StoryId,
    },
    /// An argument is not acceptable: `field` names it (`title`, `invite`,
    /// `start`…), `reason` says why.
    #[error("invalid {field}: {reason}")]
    InvalidInput {
        /// The argument or record field refused, e.g. `title`, `invite`,
        /// `start`, `folder`.
        field: String,
        /// Why, in a sentence for logs; never the value itself.
        reason: String,
    },
    /// Stored bytes are damaged or malformed.
    #[error("corrupt data: {reason}")]
    CorruptData {
        /// What is damaged, for logs.
        reason: String,
    },
    /// The media item is known but its bytes are not on this device (not
    /// synced yet, left out by the sync's media policy, or withdrawn).
    #[error("the bytes of media {id} are not on this device")]
    MediaNotPresent {
        /// The media item's id.
        id: String,
    },
    /// The file is not a Storyloom store; it was left untouched.
    #[error("not a Storyloom store: {reason}")]
    NotAStore {
        /// Why the file was refused, for logs.
        reason: String,
    },
    /// The store was written by a newer version of the library: update the app.
    #[error(
        "the store uses schema version {found}, but this version of Storyloom only understands up to {supported}; update the app"
    )]
    StoreNewerThanLibrary {
        /// The store's schema version.
        found: i64,
        /// The newest schema version this library understands.
        supported: i64,
    },
    /// A sync message or bundle was refused (malformed, altered, replayed,
    /// another project's, too large, or holding invalid documents); nothing
    /// changed, and the session has ended.
    #[error("sync rejected: {reason}")]
    SyncRejected {
        /// What was wrong with the message or bundle, for logs.
        reason: String,
    },
    /// A sync message, bundle or invite is sealed with another group
    /// secret; `side` says which device should leave and join again.
    #[error("wrong key: {reason}")]
    WrongKey {
        /// Which device holds the group secret that does not match.
        side: KeySide,
        /// What did not match, for logs; never the secret.
        reason: String,
    },
    /// The store key does not open this store: a wrong key, no key for an
    /// encrypted store, or a key for a plaintext one; no file changed. (Not
    /// a sync peer's group secret: that is `WrongKey`.)
    #[error("wrong store key: {reason}")]
    WrongStoreKey {
        /// What did not match, for logs; never the key.
        reason: String,
    },
    /// The sync session (or the coroutine or task running a call) was
    /// cancelled; nothing half-applied remains.
    #[error("the sync session was cancelled")]
    Cancelled,
    /// The relay (object storage) could not be reached, refused the
    /// credentials or failed; `reason` names the relay, never the group
    /// secret.
    #[error("{reason}")]
    Relay {
        /// What the relay said or why it could not be reached, naming the
        /// relay; never the credentials or the group secret.
        reason: String,
    },
    /// The store has been closed; open it again to use it.
    #[error("the store is closed")]
    Closed,
    /// Anything else (disk full, an I/O error, a bug); `reason` is for logs.
    #[error("{reason}")]
    Internal {
        /// What went wrong, for logs and bug reports.
        reason: String,
    },
}

impl From<storyloom::Error> for StoreError {
    fn from(err: storyloom::Error) -> Self {
        use storyloom::Error as E;
        let kind = err.kind();
        match err {
            E::NotFound { kind, id } => Self::NotFound { kind, id },
            E::Erased { kind, id } => Self::Erased { kind, id },
            E::ConsentRequired { scope, story } => Self::ConsentRequired { scope, story_id: story },
            E::InvalidInput { field, reason } => Self::InvalidInput { field, reason },
            E::StoreNewerThanLibrary { found, supported } => Self::StoreNewerThanLibrary {
                found: found.into(),
                supported: supported.into(),
            },
            E::WrongKey { side, reason } => Self::WrongKey { side, reason },
            E::MediaNotPresent { id } => Self::MediaNotPresent { id },
            other => match kind {
                ErrorKind::CorruptData => Self::CorruptData { reason: other.reason() },
                ErrorKind::NotAStore => Self::NotAStore { reason: other.reason() },
                ErrorKind::SyncRejected => Self::SyncRejected { reason: other.reason() },
                ErrorKind::Relay => Self::Relay { reason: other.reason() },
                ErrorKind::WrongStoreKey => Self::WrongStoreKey { reason: other.reason() },
                ErrorKind::Cancelled => Self::Cancelled,
                ErrorKind::Closed => Self::Closed,
                _ => Self::Internal {
                    reason: other.to_string(),
                },
            },
        }
    }
}

impl StoreError {
    /// An argument the facade itself refuses before calling the core.
    pub(crate) fn invalid(field: &str, reason: impl Into<String>) -> Self {
        Self::InvalidInput {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Which device holds the group secret that does not match.
#[uniffi::remote(Enum)]
pub enum KeySide {
    /// This device joined with a different secret (or holds none): leave
    /// the project (`leaveProject`) and join again with a new invite.
    ThisDevice,
    /// The other device (or the invite it made) holds a different secret.
    OtherDevice,
    /// The bytes say the secrets differ, but not which one is wrong.
    Unknown,
}

/// What kind of record an error is about.
#[uniffi::remote(Enum)]
pub enum RecordKind {
    /// A project.
    Project,
    /// A member of a project's group.
    Member,
    /// A story.
    Story,
    /// A participant: a person whose stories and consent the project holds.
    Participant,
    /// A highlight of a story's transcript.
    Highlight,
    /// A comment on a story or highlight.
    Comment,
    /// A theme of a project's codebook.
    Theme,
    /// A consent grant or withdrawal in the ledger.
    ConsentRecord,
    /// A media item.
    Media,
    /// A stored document (a story's, participant's or project's), named by
    /// its document id rather than the record's.
    Document,
    /// A store file: a path that holds no store.
    Store,
}

/// Shorthand for the facade's results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

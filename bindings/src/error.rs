//! The one error type apps see, converted from the core's in one place.
//!
//! A flat error: Kotlin gets a sealed `StoreException` hierarchy and Swift a
//! `StoreError` enum, one case per thing an app can act on, each carrying a
//! human sentence (the core's `Display`, which names ids and fields but
//! never personal data).

/// Everything that can go wrong, as apps see it.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum StoreError {
    /// The record does not exist in this store.
    #[error("{0}")]
    NotFound(String),
    /// The record was erased at its storyteller's request.
    #[error("{0}")]
    Erased(String),
    /// The storytellers' consent does not allow this; the message names the scope.
    #[error("{0}")]
    ConsentRequired(String),
    /// An argument is not acceptable; the message names the field.
    #[error("{0}")]
    InvalidInput(String),
    /// Stored or received bytes are damaged or malformed.
    #[error("{0}")]
    CorruptData(String),
    /// The file is not a Storyloom store; it was left untouched.
    #[error("{0}")]
    NotAStore(String),
    /// The store was written by a newer version of the library.
    #[error("{0}")]
    StoreNewerThanLibrary(String),
    /// A sync message or bundle was refused (malformed, altered, replayed,
    /// another project's, too large, or holding invalid documents); nothing
    /// changed.
    #[error("{0}")]
    SyncRejected(String),
    /// A sync message, bundle or invite is sealed with another group secret.
    #[error("{0}")]
    WrongKey(String),
    /// The store key does not open this store: a wrong key, no key for an
    /// encrypted store, or a key for a plaintext one; no file changed. (Not
    /// a sync peer's group secret: that is `WrongKey`.)
    #[error("{0}")]
    WrongStoreKey(String),
    /// The sync session was cancelled.
    #[error("{0}")]
    Cancelled(String),
    /// The store has been closed.
    #[error("{0}")]
    Closed(String),
    /// Anything else (disk full, I/O error, a bug).
    #[error("{0}")]
    Internal(String),
}

impl From<storyloom::Error> for StoreError {
    fn from(err: storyloom::Error) -> Self {
        use storyloom::Error as E;
        let message = err.to_string();
        match err {
            E::NotFound { .. } => Self::NotFound(message),
            E::Erased { .. } => Self::Erased(message),
            E::InvalidInput { .. } => Self::InvalidInput(message),
            E::ConsentRequired { .. } => Self::ConsentRequired(message),

            E::CorruptData(_) => Self::CorruptData(message),
            E::NotAStore(_) => Self::NotAStore(message),
            E::StoreNewerThanLibrary { .. } => Self::StoreNewerThanLibrary(message),
            E::Closed => Self::Closed(message),
            E::SyncRejected(_) => Self::SyncRejected(message),
            E::WrongKey(_) => Self::WrongKey(message),
            E::WrongStoreKey(_) => Self::WrongStoreKey(message),
            E::Cancelled => Self::Cancelled(message),

            _ => Self::Internal(message),
        }
    }
}

/// Shorthand for the facade's results.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

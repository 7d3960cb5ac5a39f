//! What a command prints: one JSON document, or text for people.

use serde_json::Value;
use storyloom::Error;

pub struct Output {
    json: Value,
    text: String,
}

impl Output {
    pub fn new(json: Value, text: impl Into<String>) -> Self {
        Self {
            json,
            text: text.into(),
        }
    }

    pub fn print(&self, as_json: bool) {
        if as_json {
            println!("{}", self.json);
        } else if !self.text.is_empty() {
            println!("{}", self.text);
        }
    }
}

/// A stable, machine-readable name for each kind of error.
pub fn error_kind(err: &Error) -> &'static str {
    match err {
        Error::NotFound { .. } => "not_found",
        Error::Erased { .. } => "erased",
        Error::InvalidInput { .. } => "invalid_input",
        Error::ConsentRequired { .. } => "consent_required",

        Error::CorruptData(_) => "corrupt_data",
        Error::NotAStore(_) => "not_a_store",
        Error::StoreNewerThanLibrary { .. } => "store_newer_than_library",
        Error::Closed => "closed",
        Error::SyncRejected(_) => "sync_rejected",
        Error::WrongKey(_) => "wrong_key",
        Error::WrongStoreKey(_) => "wrong_store_key",
        Error::Cancelled => "cancelled",

        Error::Storage(_) => "storage",
        Error::Io(_) => "io",
        _ => "other",
    }
}

pub fn json_error(err: serde_json::Error) -> Error {
    Error::Storage(format!("could not write JSON: {err}"))
}

//! Documents whose stored bytes no longer load (a damaged disk, a bug in an
//! older version): they must not take the rest of the project hostage.
//! Sync sessions, bundles and export leave them out and report them by id;
//! everything else about the project carries on.

use uuid::Uuid;

use super::Writer;
use crate::error::{Error, Result};

impl Writer {
    /// Whether the document loads (loading it into the cache if it was not
    /// there). A document that does not is remembered as unreadable until
    /// something writes it again; other errors pass through.
    pub(crate) fn readable(&mut self, id: Uuid) -> Result<bool> {
        if self.unreadable.contains(&id) {
            return Ok(false);
        }
        if self.docs.get_mut(&id).is_some() {
            return Ok(true);
        }
        match self.document(id, None) {
            Ok(_) => Ok(true),
            Err(Error::CorruptData(_)) => Ok(false),
            Err(err) => Err(err),
        }
    }
}

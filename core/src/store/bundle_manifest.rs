//! Telling, after importing a bundle, whether its maker left out anything
//! this device lacks (issue 15, finding 10).
//!
//! A bundle "for" a device holds only what that device was believed to
//! lack, judged from the sync state saved for it. That record comes from
//! whoever claimed to be the device in an earlier session, and device ids
//! are not authenticated yet (no device signing keys): a member posing as
//! another device could make its bundles leave data out. The project
//! document always travels whole, so erasures are never held back; for
//! the rest, the bundle lists every document its maker held with its heads,
//! and the importer counts those it still lacks a change of afterwards, so
//! nothing is skipped silently.

use std::collections::BTreeSet;

use uuid::Uuid;

use super::{Writer, erasure, persistence};
use crate::error::Result;
use crate::sync::{self, ManifestEntry};

impl Writer {
    /// How many documents of `manifest` this store lacks some change of.
    pub(crate) fn documents_missing(&mut self, manifest: &[ManifestEntry]) -> Result<u64> {
        let mut missing = 0;
        for entry in manifest {
            let id = Uuid::from_bytes(entry.id);
            if erasure::is_tombstoned(&self.conn, id)? {
                continue;
            }
            if persistence::doc_row(&self.conn, id)?.is_none() {
                missing += 1;
                continue;
            }
            // A copy here that does not load is reported as unreadable,
            // not as missing, and must not fail the import.
            if !self.readable(id)? {
                continue;
            }
            let doc = self.document(id, None)?;
            let mut heads: Vec<[u8; 8]> = doc.get_heads().iter().map(sync::head_prefix).collect();
            heads.sort();
            if heads == entry.heads {
                continue;
            }
            // This device has moved on, or lacks something: look through
            // every change it holds.
            let held: BTreeSet<[u8; 8]> = doc
                .get_changes(&[])
                .iter()
                .map(|c| sync::head_prefix(&c.hash()))
                .collect();
            if !entry.heads.iter().all(|head| held.contains(head)) {
                missing += 1;
            }
        }
        Ok(missing)
    }
}

//! For tests that play a hostile (or buggy) peer: forge messages and
//! bundles sealed with a store's real group secret, holding whatever
//! documents the test wants. Behind the `test-support` feature; apps never
//! enable it.

use uuid::Uuid;

use super::{BundleBody, BundleEntry, CatalogEntry, EnvelopeKind, FullDocument, Header, SessionMessage, WIRE_VERSION};
use crate::documents::DocKind;
use crate::error::Result;
use crate::ids::ProjectId;
use crate::store::Store;
use crate::store::kind_code as code;

/// A session message from `store` as the first message of a new session,
/// listing `documents` in its catalog and carrying them whole.
pub fn forge_session_message(
    store: &Store,
    project: ProjectId,
    documents: &[(Uuid, DocKind, Vec<u8>)],
) -> Result<Vec<u8>> {
    store.seal_for_test(project, EnvelopeKind::Session, &session_message_plaintext(documents)?)
}

/// The plaintext of [`forge_session_message`]: what a fuzzer mutates.
pub fn session_message_plaintext(documents: &[(Uuid, DocKind, Vec<u8>)]) -> Result<Vec<u8>> {
    let message = SessionMessage {
        version: WIRE_VERSION,
        session: *Uuid::new_v4().as_bytes(),
        seq: 1,
        catalog: Some(
            documents
                .iter()
                .map(|(id, kind, bytes)| CatalogEntry {
                    id: *id.as_bytes(),
                    kind: code(*kind),
                    heads: [0; 8],
                    size: bytes.len() as u64,
                })
                .collect(),
        ),
        want: Vec::new(),
        unavailable: Vec::new(),

        full: documents
            .iter()
            .map(|(id, kind, bytes)| FullDocument {
                id: *id.as_bytes(),
                kind: code(*kind),
                bytes: bytes.clone(),
            })
            .collect(),
        sync: Vec::new(),
        done: false,
    };
    super::encode(&message)
}

/// A bundle from `store` holding `documents` whole.
pub fn forge_bundle(store: &Store, project: ProjectId, documents: &[(Uuid, DocKind, Vec<u8>)]) -> Result<Vec<u8>> {
    store.seal_for_test(project, EnvelopeKind::Bundle, &bundle_plaintext(documents)?)
}

/// The plaintext of [`forge_bundle`]: what a fuzzer mutates.
pub fn bundle_plaintext(documents: &[(Uuid, DocKind, Vec<u8>)]) -> Result<Vec<u8>> {
    let body = BundleBody {
        version: WIRE_VERSION,
        created_at_ms: 0,
        for_peer: None,
        entries: documents
            .iter()
            .map(|(id, kind, bytes)| BundleEntry {
                id: *id.as_bytes(),
                kind: code(*kind),
                incremental: false,
                bytes: bytes.clone(),
            })
            .collect(),
    };
    super::encode(&body)
}

/// An invite for `project` carrying `secret` instead of the group's: what
/// a device that copied an invite wrongly (or a stranger) would hold.
pub fn invite_with_secret(project: ProjectId, name: &str, secret: [u8; 32]) -> Result<String> {
    super::invite::encode_for_test(project, name, secret)
}

impl Store {
    fn seal_for_test(&self, project: ProjectId, kind: EnvelopeKind, plaintext: &[u8]) -> Result<Vec<u8>> {
        let secret = self.group_secret_for_test(project)?;
        super::seal(
            &secret,
            &Header {
                kind,
                project,
                sender: self.device_id(),
            },
            plaintext,
        )
    }
}

/// Any plaintext sealed as a session message from `store`: lets a fuzzer
/// reach the message decoder past the encryption.
pub fn seal_session_plaintext(store: &Store, project: ProjectId, plaintext: &[u8]) -> Result<Vec<u8>> {
    store.seal_for_test(project, EnvelopeKind::Session, plaintext)
}

/// Any plaintext sealed as a bundle from `store`.
pub fn seal_bundle_plaintext(store: &Store, project: ProjectId, plaintext: &[u8]) -> Result<Vec<u8>> {
    store.seal_for_test(project, EnvelopeKind::Bundle, plaintext)
}

/// The id of a project's own document (it holds members, codebook and the
/// consent ledger).
pub fn project_document_id(project: ProjectId) -> Uuid {
    Uuid::from_bytes(*project.as_bytes())
}

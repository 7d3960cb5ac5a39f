//! For tests that play a hostile (or buggy) peer: forge messages and
//! bundles sealed with a store's real group secret, holding whatever
//! documents the test wants. Behind the `test-support` feature; apps never
//! enable it.

use uuid::Uuid;

pub use super::forge_bomb::forge_text_bomb;

use super::{BundleBody, BundleEntry, CatalogEntry, EnvelopeKind, FullDocument, Header, SessionMessage, WIRE_VERSION};
use crate::documents::DocKind;
use crate::error::Result;
use crate::ids::ProjectId;
use crate::store::Store;
use crate::store::kind_code as code;

/// How a hostile peer bends the media part of one of its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaTamper {
    /// A chunk asked for arrives with one byte changed.
    FlipChunkByte,
    /// An offer carries another key than the item's: its chunks do not open.
    WrongKeyInOffer,
    /// An offer claims one chunk (and 1 MiB) more than the item has.
    OversizeOffer,
    /// An offer lists more chunks than any item may have.
    HugeOffer,
    /// The first chunk of this item, which nobody asked for, rides along.
    ChunkOf(crate::ids::MediaId),
    /// The key and chunk list of this item, which nobody asked for.
    OfferUnasked(crate::ids::MediaId),
}

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
                signatures: Vec::new(),
            })
            .collect(),
        sync: Vec::new(),
        done: false,
        media: Default::default(),
        proof: Vec::new(),
    };
    super::encode(&message)
}

/// As [`forge_session_message`], also carrying Automerge sync messages
/// (`Message::encode` bytes) for documents the receiver holds.
pub fn forge_session_message_with_sync(
    store: &Store,
    project: ProjectId,
    documents: &[(Uuid, DocKind, Vec<u8>)],
    sync: &[(Uuid, DocKind, Vec<u8>)],
) -> Result<Vec<u8>> {
    let mut message: SessionMessage = super::decode(
        &store.open_for_test(project, &forge_session_message(store, project, documents)?)?,
        "forged message",
    )?;
    for (id, kind, bytes) in sync {
        message.catalog.get_or_insert_with(Vec::new).push(CatalogEntry {
            id: *id.as_bytes(),
            kind: code(*kind),
            heads: [0; 8],
            size: 0,
        });
        message.sync.push(super::DocumentSync {
            id: *id.as_bytes(),
            kind: code(*kind),
            message: bytes.clone(),
            signatures: Vec::new(),
        });
    }
    store.seal_for_test(project, EnvelopeKind::Session, &super::encode(&message)?)
}

/// The hello of a session from `store` posing as device `claimed`, with
/// `store`'s own catalog: the receiver takes it that `claimed` holds
/// everything `store` holds.
pub fn forge_catalog_as(store: &Store, project: ProjectId, claimed: crate::ids::DeviceId) -> Result<Vec<u8>> {
    let catalog = store.write(|w| w.local_catalog(project))?;
    let message = SessionMessage {
        version: WIRE_VERSION,
        session: *Uuid::new_v4().as_bytes(),
        seq: 1,
        catalog: Some(
            catalog
                .iter()
                .map(|(id, local)| CatalogEntry {
                    id: *id.as_bytes(),
                    kind: code(local.kind),
                    heads: local.heads,
                    size: local.size,
                })
                .collect(),
        ),
        want: Vec::new(),
        unavailable: Vec::new(),
        full: Vec::new(),
        sync: Vec::new(),
        done: false,
        media: Default::default(),
        proof: Vec::new(),
    };
    // Signed as best a member can: with its own device's key.
    let plaintext = store.write(|w| w.encode_proven(project, message.clone()))?;
    let secret = store.group_secret_for_test(project)?;
    super::seal(
        &secret,
        &Header {
            kind: EnvelopeKind::Session,
            project,
            sender: claimed,
            session: Some(super::Binding {
                nonces: super::SessionNonces {
                    initiator: message.session,
                    responder: [0; 16],
                },
                sender_is_initiator: true,
                recipient: None,
            }),
        },
        &plaintext,
    )
}

/// As [`forge_session_message`], but `store` signs every change it carries
/// with its own device key, whichever device's actor id wrote it: a member
/// signing a change it forged in another device's name.
pub fn forge_session_message_signing_every_change(
    store: &Store,
    project: ProjectId,
    documents: &[(Uuid, DocKind, Vec<u8>)],
) -> Result<Vec<u8>> {
    let mut message: SessionMessage = super::decode(&session_message_plaintext(documents)?, "forged message")?;
    let plaintext = store.write(|w| {
        let keys = w.device_keys(project)?;
        for doc in &mut message.full {
            let id = Uuid::from_bytes(doc.id);
            doc.signatures = super::changes_in(&doc.bytes)?
                .iter()
                .map(|change| crate::keys::ChangeSignature {
                    hash: change.hash().0,
                    signature: keys
                        .sign(&crate::keys::change_message(project, id, &change.hash().0))
                        .to_vec(),
                })
                .collect();
        }
        w.encode_proven(project, message)
    })?;
    store.seal_unsigned_for_test(project, EnvelopeKind::Session, &plaintext)
}

/// A bundle from `store` holding `documents` whole.
pub fn forge_bundle(store: &Store, project: ProjectId, documents: &[(Uuid, DocKind, Vec<u8>)]) -> Result<Vec<u8>> {
    store.seal_for_test(project, EnvelopeKind::Bundle, &bundle_plaintext(documents)?)
}

/// The plaintext of [`forge_bundle`]: what a fuzzer mutates.
pub fn bundle_plaintext(documents: &[(Uuid, DocKind, Vec<u8>)]) -> Result<Vec<u8>> {
    let body = BundleBody {
        version: WIRE_VERSION,
        created_at_ms: chrono::Utc::now().timestamp_millis(),
        for_peer: None,
        manifest: Vec::new(),
        media: Vec::new(),
        entries: documents
            .iter()
            .map(|(id, kind, bytes)| BundleEntry {
                id: *id.as_bytes(),
                kind: code(*kind),
                incremental: false,
                bytes: bytes.clone(),
                signatures: Vec::new(),
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
    fn open_for_test(&self, project: ProjectId, sealed: &[u8]) -> Result<Vec<u8>> {
        let secret = self.group_secret_for_test(project)?;
        let opening = super::Opening::Session {
            me: crate::ids::DeviceId::from_bytes([0; 16]),
            initiator: false,
        };
        super::open(&secret, project, opening, sealed, usize::MAX).map(|(_, plain)| plain)
    }

    /// Signs what `plaintext` carries as `store` can: the changes its own
    /// device wrote, and others' whose signatures it received. A change
    /// forged under another device's actor id stays unsigned. Plaintext
    /// that does not decode (a fuzzer's) is left as it is.
    fn sign_for_test(&self, project: ProjectId, kind: EnvelopeKind, plaintext: &[u8]) -> Result<Vec<u8>> {
        let sign =
            |w: &mut crate::store::Writer, id: [u8; 16], bytes: &[u8]| -> Result<Vec<crate::keys::ChangeSignature>> {
                let changes = super::changes_in(bytes).unwrap_or_default();
                w.signatures_for(project, Uuid::from_bytes(id), &changes)
            };
        if kind == EnvelopeKind::Session {
            let Ok(mut message) = super::decode::<SessionMessage>(plaintext, "forged message") else {
                return Ok(plaintext.to_vec());
            };
            return self.write(|w| {
                for doc in &mut message.full {
                    doc.signatures = sign(w, doc.id, &doc.bytes)?;
                }
                for entry in &mut message.sync {
                    let mut changes = Vec::new();
                    if let Ok(decoded) = automerge::sync::Message::decode(&entry.message) {
                        for chunk in decoded.changes.iter() {
                            changes.extend(super::changes_in(chunk).unwrap_or_default());
                        }
                    }
                    entry.signatures = w.signatures_for(project, Uuid::from_bytes(entry.id), &changes)?;
                }
                w.encode_proven(project, message)
            });
        }
        let Ok(mut body) = super::decode::<BundleBody>(plaintext, "forged bundle") else {
            return Ok(plaintext.to_vec());
        };
        self.write(|w| {
            for entry in &mut body.entries {
                entry.signatures = sign(w, entry.id, &entry.bytes)?;
            }
            Ok(())
        })?;
        super::encode(&body)
    }

    /// Seals a bundle, or a session message as the hello of a new session,
    /// signed as `sign_for_test` says.
    fn seal_for_test(&self, project: ProjectId, kind: EnvelopeKind, plaintext: &[u8]) -> Result<Vec<u8>> {
        let plaintext = self.sign_for_test(project, kind, plaintext)?;
        self.seal_unsigned_for_test(project, kind, &plaintext)
    }

    /// Seals `plaintext` as it is.
    fn seal_unsigned_for_test(&self, project: ProjectId, kind: EnvelopeKind, plaintext: &[u8]) -> Result<Vec<u8>> {
        let secret = self.group_secret_for_test(project)?;
        let session = (kind == EnvelopeKind::Session)
            .then(|| super::decode::<SessionMessage>(plaintext, "forged message"))
            .transpose()?
            .map(|message| super::Binding {
                nonces: super::SessionNonces {
                    initiator: message.session,
                    responder: [0; 16],
                },
                sender_is_initiator: true,
                recipient: None,
            });
        super::seal(
            &secret,
            &Header {
                kind,
                project,
                sender: self.device_id(),
                session,
            },
            plaintext,
        )
    }
}

/// A bundle `store` made, with one byte of its first media chunk changed
/// (`flip_chunk`) or its first item claiming one chunk more than it has,
/// sealed again as `store`: what a member gone bad could hand on.
pub fn tamper_bundle_media(store: &Store, project: ProjectId, bundle: &[u8], flip_chunk: bool) -> Result<Vec<u8>> {
    let secret = store.group_secret_for_test(project)?;
    let (_, plaintext) = super::open(&secret, project, super::Opening::Bundle, bundle, usize::MAX)?;
    let mut body: BundleBody = super::decode(&plaintext, "bundle")?;
    let Some(item) = body.media.first_mut() else {
        return Err(crate::Error::invalid("bundle", "carries no media"));
    };
    if flip_chunk {
        if let Some(chunk) = item.data.first_mut() {
            chunk[5] ^= 1;
        }
    } else {
        item.size += crate::media::CHUNK_SIZE as u64;
        item.chunks.push([7; 32]);
    }
    store.seal_unsigned_for_test(project, EnvelopeKind::Bundle, &super::encode(&body)?)
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

/// Takes out of `message` the first change written by `device` that
/// another change in it depends on, and forgets it was sent, as happens
/// when the peer's Bloom filter wrongly says it holds that change: the
/// changes after it wait for it. False when no change qualifies.
pub(crate) fn leave_out_a_dependency(
    message: &mut automerge::sync::Message,
    state: &mut automerge::sync::State,
    device: crate::ids::DeviceId,
) -> Result<bool> {
    let mut changes = Vec::new();
    for chunk in message.changes.iter() {
        changes.extend(super::changes_in(chunk)?);
    }
    let depended_on: std::collections::HashSet<automerge::ChangeHash> =
        changes.iter().flat_map(|c| c.deps().iter().copied()).collect();
    let written_here = |c: &&automerge::Change| c.actor_id().to_bytes().starts_with(device.as_bytes());
    let Some(gap) = changes
        .iter()
        .filter(written_here)
        .map(|c| c.hash())
        .find(|h| depended_on.contains(h))
    else {
        return Ok(false);
    };
    message.changes = changes
        .iter()
        .filter(|c| c.hash() != gap)
        .map(|c| c.raw_bytes().to_vec())
        .collect::<Vec<_>>()
        .into();
    state.sent_hashes.remove(&gap);
    Ok(true)
}

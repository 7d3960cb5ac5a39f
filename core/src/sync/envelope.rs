//! Sealing and opening what travels between devices: session messages and
//! bundles, encrypted and authenticated with XChaCha20-Poly1305 under a key
//! derived from the group secret — for a session, a key bound to that
//! session and both devices (see `session_key`).
//!
//! ```text
//! magic "SLM2" | kind (1 session, 2 bundle) | project id (16) | sender tag (16)
//!   | key id (8) | session only: initiator nonce (16) | responder nonce (16)
//!   | nonce (24) | ciphertext + tag    (plaintext: sender device id (16) | body)
//! ```
//! Everything before the nonce is authenticated as associated data, so a
//! peer cannot move a message to another project, kind, sender or session.
//! The sender is named in the clear only by its per-project tag; its device
//! id is inside, and must match the tag. Checks run cheapest first and each
//! failure has its own error: too large, not ours, an older format, another
//! project, a different secret, from this device itself, another session,
//! tampered or truncated.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::secret::{GroupSecret, KeyPurpose};
use super::session_key::{SessionNonces, device_tag, session_key};
use crate::error::{Error, Result};
use crate::ids::{DeviceId, ProjectId};

const MAGIC: &[u8; 4] = b"SLM2";
/// The magic of format 1 (before sessions were bound), refused by name.
const MAGIC_V1: &[u8; 4] = b"SLM1";
const HEADER_LEN: usize = 4 + 1 + 16 + 16 + 8;
const NONCES_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// What a sealed blob carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnvelopeKind {
    Session = 1,
    Bundle = 2,
}

/// How a session message is bound: the session's random values, which
/// side sent it, and the device it is for (unknown only in the hello).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Binding {
    pub nonces: SessionNonces,
    pub sender_is_initiator: bool,
    pub recipient: Option<DeviceId>,
}

/// The header of a sealed blob. `sender` is the device id from inside,
/// checked against the clear tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub kind: EnvelopeKind,
    pub project: ProjectId,
    pub sender: DeviceId,
    /// Set for session messages.
    pub session: Option<Binding>,
}

/// What the clear part says, before anything cryptographic is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Peeked {
    pub kind: EnvelopeKind,
    pub project: ProjectId,
}

/// Who opens a blob: a bundle, or a session message at one side of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opening {
    Bundle,
    Session { me: DeviceId, initiator: bool },
}

fn key(secret: &GroupSecret, header: &Header, sender_tag: [u8; 16]) -> Result<[u8; 32]> {
    let Some(binding) = header.session else {
        return Ok(secret.key(header.project, KeyPurpose::Bundle));
    };
    let recipient_tag = match (binding.nonces.is_hello(), binding.recipient) {
        (true, _) if binding.sender_is_initiator => None,
        (false, Some(recipient)) => Some(device_tag(secret, header.project, recipient)),
        _ => return Err(Error::Storage("a session message needs both sides' values".into())),
    };
    let (initiator, responder) = match (binding.sender_is_initiator, recipient_tag) {
        (true, responder) => (sender_tag, responder),
        (false, Some(initiator)) => (initiator, Some(sender_tag)),
        (false, None) => return Err(Error::Storage("a hello comes from the initiator".into())),
    };
    Ok(session_key(
        secret,
        header.project,
        binding.nonces,
        initiator,
        responder,
    ))
}

/// Encrypts `plaintext` for the group (a bundle) or for one session.
pub(crate) fn seal(secret: &GroupSecret, header: &Header, plaintext: &[u8]) -> Result<Vec<u8>> {
    let sender_tag = device_tag(secret, header.project, header.sender);
    let key = key(secret, header, sender_tag)?;
    let cipher = XChaCha20Poly1305::new_from_slice(&key).map_err(|_| Error::Storage("bad key length".into()))?;
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| Error::Storage(format!("no randomness available: {e}")))?;
    let mut aad = Vec::with_capacity(HEADER_LEN + NONCES_LEN);
    aad.extend_from_slice(MAGIC);
    aad.push(header.kind as u8);
    aad.extend_from_slice(header.project.as_bytes());
    aad.extend_from_slice(&sender_tag);
    aad.extend_from_slice(&secret.key_id(header.project));
    if let Some(binding) = header.session {
        aad.extend_from_slice(&binding.nonces.initiator);
        aad.extend_from_slice(&binding.nonces.responder);
    }
    let mut inner = Vec::with_capacity(16 + plaintext.len());
    inner.extend_from_slice(header.sender.as_bytes());
    inner.extend_from_slice(plaintext);
    let ciphertext = cipher
        .encrypt(&XNonce::from(nonce), Payload { msg: &inner, aad: &aad })
        .map_err(|_| Error::Storage("encryption failed".into()))?;
    let mut sealed = aad;
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

/// Reads the clear-text header, without checking anything cryptographic.
pub(crate) fn peek(sealed: &[u8], max_len: usize) -> Result<Peeked> {
    if sealed.len() > max_len {
        return Err(Error::SyncRejected(format!(
            "the message is {} bytes, over the limit of {max_len}",
            sealed.len()
        )));
    }
    if sealed.len() >= 4 && &sealed[..4] == MAGIC_V1 {
        return Err(Error::SyncRejected(
            "the message was made by an older version of Storyloom (format 1); update the app on the sending device"
                .into(),
        ));
    }
    if sealed.len() < 4 || &sealed[..4] != MAGIC {
        return Err(Error::SyncRejected(
            "this is not a Storyloom sync message or bundle".into(),
        ));
    }
    if sealed.len() < HEADER_LEN + NONCE_LEN + TAG_LEN + 16 {
        return Err(Error::SyncRejected("the message is truncated".into()));
    }
    let kind = match sealed[4] {
        1 => EnvelopeKind::Session,
        2 => EnvelopeKind::Bundle,
        other => return Err(Error::SyncRejected(format!("unknown message kind {other}"))),
    };
    let project = ProjectId::from_bytes(bytes16(&sealed[5..21]));
    Ok(Peeked { kind, project })
}

fn bytes16(slice: &[u8]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(slice);
    out
}

/// Checks and decrypts a sealed blob meant for `project`.
pub(crate) fn open(
    secret: &GroupSecret,
    project: ProjectId,
    opening: Opening,
    sealed: &[u8],
    max_len: usize,
) -> Result<(Header, Vec<u8>)> {
    let peeked = peek(sealed, max_len)?;
    let kind = match opening {
        Opening::Bundle => EnvelopeKind::Bundle,
        Opening::Session { .. } => EnvelopeKind::Session,
    };
    if peeked.kind != kind {
        return Err(Error::SyncRejected(match kind {
            EnvelopeKind::Session => "a bundle was given where a session message was expected".into(),
            EnvelopeKind::Bundle => "a session message was given where a bundle was expected".into(),
        }));
    }
    if peeked.project != project {
        return Err(Error::SyncRejected(format!(
            "the message belongs to project {}, not to this project",
            peeked.project
        )));
    }
    if sealed[37..HEADER_LEN] != secret.key_id(project) {
        return Err(Error::wrong_key(
            crate::error::KeySide::Unknown,
            "the sender holds a different group secret for this project",
        ));
    }
    let sender_tag = bytes16(&sealed[21..37]);
    let mut aad_len = HEADER_LEN;
    let session = match opening {
        Opening::Bundle => None,
        Opening::Session { me, initiator } => {
            if sealed.len() < HEADER_LEN + NONCES_LEN + NONCE_LEN + TAG_LEN + 16 {
                return Err(Error::SyncRejected("the message is truncated".into()));
            }
            if sender_tag == device_tag(secret, project, me) {
                return Err(Error::SyncRejected("the message was sent by this device itself".into()));
            }
            aad_len += NONCES_LEN;
            let nonces = SessionNonces {
                initiator: bytes16(&sealed[HEADER_LEN..HEADER_LEN + 16]),
                responder: bytes16(&sealed[HEADER_LEN + 16..HEADER_LEN + 32]),
            };
            if nonces.is_hello() && initiator {
                return Err(Error::SyncRejected(
                    "a session's first message arrived at the device that started the session".into(),
                ));
            }
            Some(Binding {
                nonces,
                sender_is_initiator: !initiator,
                recipient: Some(me),
            })
        }
    };
    // The device id is not known yet; the key only needs its tag.
    let provisional = Header {
        kind,
        project,
        sender: DeviceId::from_bytes([0; 16]),
        session: session.map(|b| Binding {
            recipient: if b.nonces.is_hello() { None } else { b.recipient },
            ..b
        }),
    };
    let key = key(secret, &provisional, sender_tag)?;
    let cipher = XChaCha20Poly1305::new_from_slice(&key).map_err(|_| Error::Storage("bad key length".into()))?;
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&sealed[aad_len..aad_len + NONCE_LEN]);
    let inner = cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &sealed[aad_len + NONCE_LEN..],
                aad: &sealed[..aad_len],
            },
        )
        .map_err(|_| {
            Error::SyncRejected(
                "the message failed authentication: it was altered or truncated in transit, \
                 or belongs to another session or device"
                    .into(),
            )
        })?;
    if inner.len() < 16 {
        return Err(Error::SyncRejected("the message is truncated".into()));
    }
    let sender = DeviceId::from_bytes(bytes16(&inner[..16]));
    if device_tag(secret, project, sender) != sender_tag {
        return Err(Error::SyncRejected(
            "the message's sender does not match its header".into(),
        ));
    }
    Ok((Header { sender, ..provisional }, inner[16..].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed() -> (GroupSecret, Header, Vec<u8>) {
        let secret = GroupSecret::generate().unwrap();
        let header = Header {
            kind: EnvelopeKind::Bundle,
            project: ProjectId::new(),
            sender: DeviceId::new(),
            session: None,
        };
        let bytes = seal(&secret, &header, b"the bus never came").unwrap();
        (secret, header, bytes)
    }

    fn rejection(result: Result<(Header, Vec<u8>)>) -> String {
        match result {
            Err(Error::SyncRejected(reason)) | Err(Error::WrongKey { reason, .. }) => reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn a_sealed_bundle_opens_with_the_same_secret_and_hides_the_device() {
        let (secret, header, bytes) = sealed();
        let (opened, plaintext) = open(&secret, header.project, Opening::Bundle, &bytes, 1 << 20).unwrap();
        assert_eq!(opened, header);
        assert_eq!(plaintext, b"the bus never came");
        assert!(
            !bytes.windows(7).any(|w| w == b"the bus"),
            "the text is not readable on the wire"
        );
        assert!(
            !bytes.windows(16).any(|w| w == header.sender.as_bytes()),
            "the device id is not readable on the wire"
        );
    }

    #[test]
    fn a_session_message_opens_only_at_its_recipient() {
        let secret = GroupSecret::generate().unwrap();
        let project = ProjectId::new();
        let (asha, ben, cara) = (DeviceId::new(), DeviceId::new(), DeviceId::new());
        let nonces = SessionNonces {
            initiator: [7; 16],
            responder: [9; 16],
        };
        let header = Header {
            kind: EnvelopeKind::Session,
            project,
            sender: asha,
            session: Some(Binding {
                nonces,
                sender_is_initiator: true,
                recipient: Some(ben),
            }),
        };
        let bytes = seal(&secret, &header, b"hello").unwrap();
        let at = |me, initiator| open(&secret, project, Opening::Session { me, initiator }, &bytes, 1 << 20);
        let (opened, _) = at(ben, false).unwrap();
        assert_eq!(opened.sender, asha);
        assert!(rejection(at(cara, false)).contains("another session or device"));
        assert!(rejection(at(asha, false)).contains("this device itself"));
    }

    #[test]
    fn each_way_of_going_wrong_has_its_own_error() {
        let (secret, header, bytes) = sealed();
        let p = header.project;
        let b = Opening::Bundle;
        let other_secret = GroupSecret::generate().unwrap();
        assert!(matches!(
            open(&other_secret, p, b, &bytes, 1 << 20),
            Err(Error::WrongKey { .. })
        ));

        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(rejection(open(&secret, p, b, &flipped, 1 << 20)).contains("altered"));

        let truncated = &bytes[..bytes.len() - 5];
        assert!(rejection(open(&secret, p, b, truncated, 1 << 20)).contains("altered"));
        assert!(rejection(open(&secret, p, b, &bytes[..30], 1 << 20)).contains("truncated"));
        assert!(rejection(open(&secret, ProjectId::new(), b, &bytes, 1 << 20)).contains("project"));
        assert!(rejection(open(&secret, p, b, &bytes, 10)).contains("limit"));
        assert!(rejection(open(&secret, p, b, b"GET / HTTP/1.1", 1 << 20)).contains("not a Storyloom"));
        let session = Opening::Session {
            me: DeviceId::new(),
            initiator: false,
        };
        assert!(rejection(open(&secret, p, session, &bytes, 1 << 20)).contains("bundle"));
        let mut old = bytes.clone();
        old[..4].copy_from_slice(b"SLM1");
        assert!(rejection(open(&secret, p, b, &old, 1 << 20)).contains("older version"));

        // Moving the blob to another sender breaks its authentication.
        let mut moved = bytes.clone();
        moved[21] ^= 0xff;
        assert!(rejection(open(&secret, p, b, &moved, 1 << 20)).contains("altered"));
    }
}

//! Sealing and opening what travels between devices: session messages and
//! bundles, encrypted and authenticated with XChaCha20-Poly1305 under a key
//! derived from the group secret.
//!
//! ```text
//! magic "SLM1" | kind (1 session, 2 bundle) | project id (16) | sender device (16)
//!   | key id (8) | nonce (24) | ciphertext + tag
//! ```
//! Everything before the nonce is authenticated as associated data, so a
//! peer cannot move a message to another project, kind or sender. Checks
//! run cheapest first and each failure has its own error: too large, not
//! ours, another project, a different secret, tampered or truncated.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use super::secret::{GroupSecret, KeyPurpose};
use crate::error::{Error, Result};
use crate::ids::{DeviceId, ProjectId};

const MAGIC: &[u8; 4] = b"SLM1";
const HEADER_LEN: usize = 4 + 1 + 16 + 16 + 8;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;

/// What a sealed blob carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnvelopeKind {
    Session = 1,
    Bundle = 2,
}

impl EnvelopeKind {
    fn purpose(self) -> KeyPurpose {
        match self {
            Self::Session => KeyPurpose::Session,
            Self::Bundle => KeyPurpose::Bundle,
        }
    }
}

/// The clear-text header of a sealed blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Header {
    pub kind: EnvelopeKind,
    pub project: ProjectId,
    pub sender: DeviceId,
}

fn header_bytes(header: &Header, key_id: [u8; 8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_LEN);
    bytes.extend_from_slice(MAGIC);
    bytes.push(header.kind as u8);
    bytes.extend_from_slice(header.project.as_bytes());
    bytes.extend_from_slice(header.sender.as_bytes());
    bytes.extend_from_slice(&key_id);
    bytes
}

/// Encrypts `plaintext` for the group.
pub(crate) fn seal(secret: &GroupSecret, header: &Header, plaintext: &[u8]) -> Result<Vec<u8>> {
    let key = secret.key(header.project, header.kind.purpose());
    let cipher = XChaCha20Poly1305::new_from_slice(&key).map_err(|_| Error::Storage("bad key length".into()))?;
    let mut nonce = [0u8; NONCE_LEN];
    getrandom::fill(&mut nonce).map_err(|e| Error::Storage(format!("no randomness available: {e}")))?;
    let aad = header_bytes(header, secret.key_id(header.project));
    let ciphertext = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .map_err(|_| Error::Storage("encryption failed".into()))?;
    let mut sealed = aad;
    sealed.extend_from_slice(&nonce);
    sealed.extend_from_slice(&ciphertext);
    Ok(sealed)
}

/// Reads the clear-text header, without checking anything cryptographic.
pub(crate) fn peek(sealed: &[u8], max_len: usize) -> Result<Header> {
    if sealed.len() > max_len {
        return Err(Error::SyncRejected(format!(
            "the message is {} bytes, over the limit of {max_len}",
            sealed.len()
        )));
    }
    if sealed.len() < 4 || &sealed[..4] != MAGIC {
        return Err(Error::SyncRejected(
            "this is not a Storyloom sync message or bundle".into(),
        ));
    }
    if sealed.len() < HEADER_LEN + NONCE_LEN + TAG_LEN {
        return Err(Error::SyncRejected("the message is truncated".into()));
    }
    let kind = match sealed[4] {
        1 => EnvelopeKind::Session,
        2 => EnvelopeKind::Bundle,
        other => return Err(Error::SyncRejected(format!("unknown message kind {other}"))),
    };
    let project = ProjectId::from_bytes(sealed[5..21].try_into().expect("16 bytes"));
    let sender = DeviceId::from_bytes(sealed[21..37].try_into().expect("16 bytes"));
    Ok(Header { kind, project, sender })
}

/// Checks and decrypts a sealed blob meant for `project`.
pub(crate) fn open(
    secret: &GroupSecret,
    project: ProjectId,
    kind: EnvelopeKind,
    sealed: &[u8],
    max_len: usize,
) -> Result<(Header, Vec<u8>)> {
    let header = peek(sealed, max_len)?;
    if header.kind != kind {
        return Err(Error::SyncRejected(match kind {
            EnvelopeKind::Session => "a bundle was given where a session message was expected".into(),
            EnvelopeKind::Bundle => "a session message was given where a bundle was expected".into(),
        }));
    }
    if header.project != project {
        return Err(Error::SyncRejected(format!(
            "the message belongs to project {}, not to this project",
            header.project
        )));
    }
    if sealed[37..HEADER_LEN] != secret.key_id(project) {
        return Err(Error::WrongKey(
            "the sender holds a different group secret for this project".into(),
        ));
    }
    let key = secret.key(project, kind.purpose());
    let cipher = XChaCha20Poly1305::new_from_slice(&key).map_err(|_| Error::Storage("bad key length".into()))?;
    let nonce: [u8; NONCE_LEN] = sealed[HEADER_LEN..HEADER_LEN + NONCE_LEN].try_into().expect("24 bytes");
    let plaintext = cipher
        .decrypt(
            &XNonce::from(nonce),
            Payload {
                msg: &sealed[HEADER_LEN + NONCE_LEN..],
                aad: &sealed[..HEADER_LEN],
            },
        )
        .map_err(|_| {
            Error::SyncRejected("the message failed authentication: it was altered or truncated in transit".into())
        })?;
    Ok((header, plaintext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealed() -> (GroupSecret, Header, Vec<u8>) {
        let secret = GroupSecret::generate().unwrap();
        let header = Header {
            kind: EnvelopeKind::Session,
            project: ProjectId::new(),
            sender: DeviceId::new(),
        };
        let bytes = seal(&secret, &header, b"the bus never came").unwrap();
        (secret, header, bytes)
    }

    fn rejection(result: Result<(Header, Vec<u8>)>) -> String {
        match result {
            Err(Error::SyncRejected(reason)) | Err(Error::WrongKey(reason)) => reason,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    #[test]
    fn a_sealed_message_opens_with_the_same_secret() {
        let (secret, header, bytes) = sealed();
        let (opened, plaintext) = open(&secret, header.project, EnvelopeKind::Session, &bytes, 1 << 20).unwrap();
        assert_eq!(opened, header);
        assert_eq!(plaintext, b"the bus never came");
        assert!(
            !bytes.windows(7).any(|w| w == b"the bus"),
            "the text is not readable on the wire"
        );
    }

    #[test]
    fn each_way_of_going_wrong_has_its_own_error() {
        let (secret, header, bytes) = sealed();
        let p = header.project;
        let other_secret = GroupSecret::generate().unwrap();
        assert!(matches!(
            open(&other_secret, p, EnvelopeKind::Session, &bytes, 1 << 20),
            Err(Error::WrongKey(_))
        ));

        let mut flipped = bytes.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(rejection(open(&secret, p, EnvelopeKind::Session, &flipped, 1 << 20)).contains("altered"));

        let truncated = &bytes[..bytes.len() - 5];
        assert!(rejection(open(&secret, p, EnvelopeKind::Session, truncated, 1 << 20)).contains("altered"));
        assert!(rejection(open(&secret, p, EnvelopeKind::Session, &bytes[..30], 1 << 20)).contains("truncated"));
        assert!(rejection(open(&secret, ProjectId::new(), EnvelopeKind::Session, &bytes, 1 << 20)).contains("project"));
        assert!(rejection(open(&secret, p, EnvelopeKind::Session, &bytes, 10)).contains("limit"));
        assert!(
            rejection(open(&secret, p, EnvelopeKind::Session, b"GET / HTTP/1.1", 1 << 20)).contains("not a Storyloom")
        );
        assert!(rejection(open(&secret, p, EnvelopeKind::Bundle, &bytes, 1 << 20)).contains("bundle"));

        // Moving the message to another sender breaks its authentication.
        let mut moved = bytes.clone();
        moved[21] ^= 0xff;
        assert!(rejection(open(&secret, p, EnvelopeKind::Session, &moved, 1 << 20)).contains("altered"));
    }
}

//! Change signatures: the device that wrote an Automerge change signs its
//! hash, bound to the project and document, so a member cannot write under
//! another device's actor id (issue 15, finding 5). Signatures travel beside
//! the changes in sessions and bundles, and are kept to be passed on.

use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::{DeviceId, ProjectId};

/// A signature over one change, as carried on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ChangeSignature {
    pub hash: [u8; 32],
    /// 64 bytes (serde has no arrays that long).
    pub signature: Vec<u8>,
}

/// What a device signs for a change.
pub(crate) fn change_message(project: ProjectId, doc: Uuid, hash: &[u8; 32]) -> Vec<u8> {
    let mut message = b"storyloom change v1".to_vec();
    message.extend_from_slice(project.as_bytes());
    message.extend_from_slice(doc.as_bytes());
    message.extend_from_slice(hash);
    message
}

/// What a device signs for one session message it sends: the message as
/// encoded without its proof, bound to the project and the sending device.
/// The session's random values are inside the message and in the envelope,
/// so a proof cannot be moved to another session.
pub(crate) fn message_proof_input(project: ProjectId, sender: DeviceId, unsigned_message: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    let mut input = b"storyloom session message v3".to_vec();
    input.extend_from_slice(project.as_bytes());
    input.extend_from_slice(sender.as_bytes());
    input.extend_from_slice(&sha2::Sha256::digest(unsigned_message));
    input
}

/// Whether `signature` is `key`'s over `message` (strict RFC 8032: weak
/// keys and malleable signatures fail).
pub(crate) fn verify(key: &[u8; 32], message: &[u8], signature: &[u8]) -> bool {
    let (Ok(key), Ok(signature)) = (VerifyingKey::from_bytes(key), Signature::from_slice(signature)) else {
        return false;
    };
    key.verify_strict(message, &signature).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::DeviceKeys;

    #[test]
    fn a_signature_holds_only_for_its_key_project_document_and_change() {
        let keys = DeviceKeys::generate().unwrap();
        let (project, doc) = (ProjectId::new(), Uuid::new_v4());
        let message = change_message(project, doc, &[7; 32]);
        let signature = keys.sign(&message);
        assert!(verify(&keys.public().signing, &message, &signature));
        assert!(!verify(
            &DeviceKeys::generate().unwrap().public().signing,
            &message,
            &signature
        ));
        assert!(!verify(
            &keys.public().signing,
            &change_message(project, Uuid::new_v4(), &[7; 32]),
            &signature
        ));
        assert!(!verify(
            &keys.public().signing,
            &change_message(ProjectId::new(), doc, &[7; 32]),
            &signature
        ));
        assert!(!verify(&keys.public().signing, &message, &signature[..63]));
    }
}

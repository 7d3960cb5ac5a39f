//! Session messages signed by the device that sends them (issue 15,
//! finding 10): a member can no longer speak as another enrolled device
//! and make the receiver record what that device holds.

use super::Writer;
use super::merge::Batch;
use crate::error::{Error, Result};
use crate::ids::{DeviceId, ProjectId};
use crate::keys::{message_proof_input, verify};
use crate::sync::{self, SessionMessage};

impl Writer {
    /// Encodes `message` with this device's proof: a signature over the
    /// encoded message up to (not including) the proof, its last field.
    pub(crate) fn encode_proven(&mut self, project: ProjectId, mut message: SessionMessage) -> Result<Vec<u8>> {
        message.proof = Vec::new();
        let mut bytes = sync::encode(&message)?;
        let empty_proof = sync::encode(&message.proof)?;
        bytes.truncate(bytes.len() - empty_proof.len());
        let keys = self.device_keys(project)?;
        let proof = keys.sign(&message_proof_input(project, self.device, &bytes)).to_vec();
        bytes.extend_from_slice(&sync::encode(&proof)?);
        Ok(bytes)
    }

    /// Checks the proof of a message from `sender` (`plaintext` as it
    /// arrived, `message` decoded from it), against the enrolments in the
    /// project document as `batch` (or else the store) holds it. A device
    /// enrolled in the project must prove every message (`SyncRejected`
    /// otherwise); one not enrolled yet (joining) is taken as unproven:
    /// `Ok(false)`. Checked before the message is applied, and again
    /// before its batch is written if the batch brought the enrolment.
    pub(crate) fn check_message_proof(
        &mut self,
        project: ProjectId,
        sender: DeviceId,
        plaintext: &[u8],
        message: &SessionMessage,
        batch: &Batch,
    ) -> Result<bool> {
        let directory = self.directory(project, batch)?;
        if directory.is_contested(sender) {
            return Err(Error::SyncRejected(format!(
                "device {sender} has two enrolled keys in this project; its messages are refused"
            )));
        }
        let Some(enrolment) = directory.get(sender) else {
            return Ok(false);
        };
        let proof = sync::encode(&message.proof)?;
        let signed = plaintext.strip_suffix(proof.as_slice()).is_some_and(|unsigned| {
            verify(
                &enrolment.keys.signing,
                &message_proof_input(project, sender, unsigned),
                &message.proof,
            )
        });
        if signed {
            Ok(true)
        } else {
            Err(Error::SyncRejected(format!(
                "the message is not signed by device {sender}'s enrolled key"
            )))
        }
    }
}

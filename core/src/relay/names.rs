//! Object names on the relay: keyed tags (HMAC-SHA256 under a key derived
//! from the group secret), so a name reveals no title, no plaintext hash
//! and no raw id, and cannot be linked to a project or device seen
//! elsewhere by anyone without the secret.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::ids::{DeviceId, ProjectId};
use crate::sync::GroupSecret;

/// The keyed names of one project's folder on the relay.
pub(crate) struct Names {
    key: [u8; 32],
}

impl Names {
    pub(crate) fn new(secret: &GroupSecret, project: ProjectId) -> Self {
        let mut key = [0u8; 32];
        secret
            .hkdf(project)
            .expand(b"storyloom v1 relay names", &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        Self { key }
    }

    fn tag(&self, parts: &[&[u8]]) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&self.key).expect("HMAC takes any key length");
        for part in parts {
            mac.update(&(part.len() as u32).to_be_bytes());
            mac.update(part);
        }
        let out = mac.finalize().into_bytes();
        out[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The project's folder, ending in `/`.
    pub(crate) fn project_dir(&self) -> String {
        format!("{}/", self.tag(&[b"project"]))
    }

    /// A device's mailbox, ending in `/`.
    pub(crate) fn device_dir(&self, device: DeviceId) -> String {
        format!("{}{}/", self.project_dir(), self.device_tag(device))
    }

    pub(crate) fn device_tag(&self, device: DeviceId) -> String {
        self.tag(&[b"device", device.as_bytes()])
    }

    pub(crate) fn manifest(&self, device: DeviceId) -> String {
        format!("{}manifest", self.device_dir(device))
    }

    /// The folder of a device's objects, ending in `/`.
    pub(crate) fn objects_dir(&self, device: DeviceId) -> String {
        format!("{}o/", self.device_dir(device))
    }

    /// The object a device publishes with sequence number `seq`: the same
    /// name every time, so a sync killed after an upload and before its
    /// manifest overwrites the orphan instead of adding another.
    pub(crate) fn object(&self, device: DeviceId, seq: u64) -> String {
        format!(
            "{}{}",
            self.objects_dir(device),
            self.tag(&[b"object", device.as_bytes(), &seq.to_be_bytes()])
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_hide_the_project_and_device_ids_and_differ_per_secret() {
        let project = ProjectId::new();
        let device = DeviceId::from_bytes([7; 16]);
        let a = Names::new(&GroupSecret::generate().unwrap(), project);
        let b = Names::new(&GroupSecret::generate().unwrap(), project);
        let name = a.object(device, 1);
        assert!(!name.contains(&project.to_string()));
        assert!(!name.contains(&device.to_string()));
        assert!(!name.contains(&hex(project.as_bytes())));
        assert_ne!(a.project_dir(), b.project_dir());
        assert_ne!(a.object(device, 1), a.object(device, 2));
        assert_eq!(a.object(device, 1), name);
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }
}

//! Keys bound to one session and pseudonyms for devices on the wire
//! (issue 15, findings 8 and 12).
//!
//! A session key is derived with HKDF from the group secret, a fresh random
//! value from each side and both devices' tags, so a recorded message opens
//! only in the session it was sent in, and only on the device it was sent
//! to: it cannot be replayed to another member's device, into a new
//! session, or redirected. The initiator's first message (the *hello*)
//! comes before the responder's random value is known; it is bound to the
//! initiator's value and tag only, and an honest hello carries nothing but
//! a catalog, so replaying it makes a device answer, under a key the
//! replayer cannot derive, and nothing more.
//!
//! A device's *tag* stands for it in the clear header: 16 bytes of HKDF
//! output over its device id, under the project's secret. Someone without
//! the secret cannot link a device across projects, nor recognise a device
//! id they know; members can. The device id itself travels encrypted.

use super::GroupSecret;
use crate::ids::{DeviceId, ProjectId};

/// The random values that bind a session, as carried in each message's
/// clear header. The responder's is all zeros in the hello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SessionNonces {
    pub initiator: [u8; 16],
    pub responder: [u8; 16],
}

impl SessionNonces {
    pub(crate) fn is_hello(&self) -> bool {
        self.responder == [0; 16]
    }
}

/// A device's pseudonym within one project's group.
pub(crate) fn device_tag(secret: &GroupSecret, project: ProjectId, device: DeviceId) -> [u8; 16] {
    let mut info = b"storyloom v2 device tag".to_vec();
    info.extend_from_slice(device.as_bytes());
    let mut tag = [0u8; 16];
    secret
        .hkdf(project)
        .expand(&info, &mut tag)
        .expect("16 bytes is a valid HKDF-SHA256 output length");
    tag
}

/// The key of one session's messages. `responder_tag` is `None` only for
/// the hello.
pub(crate) fn session_key(
    secret: &GroupSecret,
    project: ProjectId,
    nonces: SessionNonces,
    initiator_tag: [u8; 16],
    responder_tag: Option<[u8; 16]>,
) -> [u8; 32] {
    let mut info = match responder_tag {
        None => b"storyloom v2 session hello".to_vec(),
        Some(_) => b"storyloom v2 session".to_vec(),
    };
    info.extend_from_slice(&nonces.initiator);
    info.extend_from_slice(&initiator_tag);
    if let Some(tag) = responder_tag {
        info.extend_from_slice(&nonces.responder);
        info.extend_from_slice(&tag);
    }
    let mut key = [0u8; 32];
    secret
        .hkdf(project)
        .expand(&info, &mut key)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_differ_by_either_nonce_and_either_device() {
        let secret = GroupSecret::generate().unwrap();
        let project = ProjectId::new();
        let (a, b, c) = (DeviceId::new(), DeviceId::new(), DeviceId::new());
        let tag = |d| device_tag(&secret, project, d);
        let nonces = SessionNonces {
            initiator: [1; 16],
            responder: [2; 16],
        };
        let key = session_key(&secret, project, nonces, tag(a), Some(tag(b)));
        assert_ne!(key, session_key(&secret, project, nonces, tag(a), Some(tag(c))));
        assert_ne!(key, session_key(&secret, project, nonces, tag(c), Some(tag(b))));
        let other = SessionNonces {
            responder: [3; 16],
            ..nonces
        };
        assert_ne!(key, session_key(&secret, project, other, tag(a), Some(tag(b))));
        assert_ne!(key, session_key(&secret, project, nonces, tag(a), None));
        assert_ne!(
            tag(a),
            device_tag(&secret, ProjectId::new(), a),
            "tags differ by project"
        );
        assert_ne!(tag(a), device_tag(&GroupSecret::generate().unwrap(), project, a));
    }
}

//! Device enrolments in the project document: the public keys each device
//! signs and agrees keys with (issues 12 and 15).
//!
//! ```text
//! project root: "device:<device id>:<signing key, hex>" = bytes(member id (16) | agreement key (32))
//! ```
//!
//! One root key per device *and* key, so a second (forged) enrolment can
//! never overwrite or hide the first: both stay visible and the device is
//! contested (`keys::Directory`). An enrolment counts only if the change
//! that wrote it is the device's own (actor = device ‖ member it names).

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ROOT, ReadDoc, ScalarValue, Value};

use crate::error::Result;
use crate::ids::{DeviceId, MemberId};
use crate::keys::{Directory, Enrolment, PublicKeys};

const PREFIX: &str = "device:";

fn key(device: DeviceId, keys: &PublicKeys) -> String {
    let hex: String = keys.signing.iter().map(|b| format!("{b:02x}")).collect();
    format!("{PREFIX}{device}:{hex}")
}

/// Enrols this device's keys (written as the device's own author).
pub(crate) fn enrol(doc: &mut AutoCommit, device: DeviceId, member: MemberId, keys: &PublicKeys) -> Result<()> {
    let mut value = member.as_bytes().to_vec();
    value.extend_from_slice(&keys.agreement);
    doc.put(ROOT, key(device, keys), ScalarValue::Bytes(value))?;
    Ok(())
}

/// Whether `device` has enrolled `keys`.
pub(crate) fn is_enrolled(doc: &AutoCommit, device: DeviceId, keys: &PublicKeys) -> Result<bool> {
    Ok(doc.get(ROOT, key(device, keys))?.is_some())
}

/// The devices that may be trusted: the enrolments, less the members and
/// devices the signed membership records removed (`documents::membership`).
pub(crate) fn directory(doc: &AutoCommit) -> Result<Directory> {
    super::membership::trusted_directory(doc)
}

/// The directory the document's enrolments make. Malformed entries, and
/// entries not written by the device they enrol, are ignored.
pub(crate) fn raw_directory(doc: &AutoCommit) -> Result<Directory> {
    let mut found = Vec::new();
    for name in doc.keys(ROOT).filter(|k| k.starts_with(PREFIX)) {
        let Some((device, signing)) = parse_key(&name) else {
            continue;
        };
        for (value, op) in doc.get_all(ROOT, name.as_str())? {
            if let Some(enrolment) = parse_value(&value, signing)
                && written_by(&op, device, enrolment.member)
            {
                found.push((device, enrolment));
            }
        }
    }
    Ok(Directory::from_enrolments(found))
}

fn parse_key(name: &str) -> Option<(DeviceId, [u8; 32])> {
    let (device, hex) = name.strip_prefix(PREFIX)?.split_once(':')?;
    let device = DeviceId::parse(device).ok()?;
    if hex.len() != 64 {
        return None;
    }
    let mut signing = [0u8; 32];
    for (i, byte) in signing.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some((device, signing))
}

fn parse_value(value: &Value<'_>, signing: [u8; 32]) -> Option<Enrolment> {
    let Value::Scalar(scalar) = value else {
        return None;
    };
    let ScalarValue::Bytes(bytes) = scalar.as_ref() else {
        return None;
    };
    if bytes.len() != 48 {
        return None;
    }
    let member = MemberId::from_bytes(bytes[..16].try_into().ok()?);
    Some(Enrolment {
        member,
        keys: PublicKeys {
            signing,
            agreement: bytes[16..].try_into().ok()?,
        },
    })
}

fn written_by(op: &ObjId, device: DeviceId, member: MemberId) -> bool {
    let ObjId::Id(_, actor, _) = op else {
        return false;
    };
    let bytes = actor.to_bytes();
    bytes.len() == 32 && bytes[..16] == device.as_bytes()[..] && bytes[16..] == member.as_bytes()[..]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::documents::Author;
    use crate::keys::DeviceKeys;

    #[test]
    fn only_a_devices_own_enrolment_counts_and_a_second_key_contests_it() {
        let (device, member) = (DeviceId::new(), MemberId::new());
        let keys = DeviceKeys::generate().unwrap().public();
        let mut doc = AutoCommit::new().with_actor(Author { device, member }.actor_id());
        enrol(&mut doc, device, member, &keys).unwrap();
        let directory = directory(&doc).unwrap();
        assert_eq!(directory.get(device).map(|e| e.keys), Some(keys));

        let forger = Author {
            device: DeviceId::new(),
            member: MemberId::new(),
        };
        let mut forged = doc.fork().with_actor(forger.actor_id());
        let victim = DeviceId::new();
        enrol(&mut forged, victim, member, &keys).unwrap();
        assert!(
            directory_of(&mut forged).get(victim).is_none(),
            "written by someone else"
        );

        let mut forged = doc.fork().with_actor(Author { device, member }.actor_id());
        enrol(&mut forged, device, member, &DeviceKeys::generate().unwrap().public()).unwrap();
        let contested = directory_of(&mut forged);
        assert!(contested.get(device).is_none() && contested.is_contested(device));
    }

    fn directory_of(doc: &mut AutoCommit) -> Directory {
        directory(doc).unwrap()
    }
}

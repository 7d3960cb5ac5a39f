//! Which signing and agreement keys each device of a project enrolled.
//!
//! A device enrols itself once per project, in a change it writes under
//! its own actor id and signs with the key it enrols (self-certifying). A
//! device never enrols a second key: if two keys appear for one device
//! (someone forged an enrolment), neither is trusted and that device's new
//! changes are refused everywhere until a coordinator deals with it. That
//! rule depends only on what the project document holds, so every device
//! that holds the same document decides alike.

use std::collections::{BTreeMap, BTreeSet};

use super::PublicKeys;
use crate::ids::{DeviceId, MemberId};

/// One device's enrolment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Enrolment {
    pub member: MemberId,
    pub keys: PublicKeys,
}

/// Every device's enrolled keys in one project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Directory {
    devices: BTreeMap<DeviceId, Enrolment>,
    contested: BTreeSet<DeviceId>,
}

impl Directory {
    /// From every well-formed enrolment found (see `documents::enrolments`).
    pub(crate) fn from_enrolments(found: impl IntoIterator<Item = (DeviceId, Enrolment)>) -> Self {
        let mut directory = Self::default();
        for (device, enrolment) in found {
            if directory.contested.contains(&device) {
                continue;
            }
            match directory.devices.get(&device) {
                Some(held) if *held != enrolment => {
                    directory.devices.remove(&device);
                    directory.contested.insert(device);
                }
                Some(_) => {}
                None => {
                    directory.devices.insert(device, enrolment);
                }
            }
        }
        directory
    }

    /// The device's enrolment, unless it has none or a contested one.
    pub(crate) fn get(&self, device: DeviceId) -> Option<&Enrolment> {
        self.devices.get(&device)
    }

    pub(crate) fn is_contested(&self, device: DeviceId) -> bool {
        self.contested.contains(&device)
    }

    /// The directory less the devices `keep` refuses (removed by the
    /// membership records).
    pub(crate) fn retain(mut self, keep: impl Fn(&DeviceId, &Enrolment) -> bool) -> Self {
        self.devices.retain(|device, enrolment| keep(device, enrolment));
        self
    }

    /// Every trusted device and its enrolment, by device id.
    pub(crate) fn devices(&self) -> impl Iterator<Item = (&DeviceId, &Enrolment)> {
        self.devices.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enrolment(member: MemberId, key: u8) -> Enrolment {
        Enrolment {
            member,
            keys: PublicKeys {
                signing: [key; 32],
                agreement: [key; 32],
            },
        }
    }

    #[test]
    fn a_device_with_two_keys_is_trusted_with_neither_in_any_order() {
        let (d, e, m) = (DeviceId::new(), DeviceId::new(), MemberId::new());
        let entries = [
            (d, enrolment(m, 1)),
            (e, enrolment(m, 3)),
            (d, enrolment(m, 2)),
            (d, enrolment(m, 1)),
        ];
        let forward = Directory::from_enrolments(entries);
        let backward = Directory::from_enrolments(entries.into_iter().rev());
        assert_eq!(forward, backward);
        assert!(forward.get(d).is_none() && forward.is_contested(d));
        assert_eq!(forward.get(e), Some(&enrolment(m, 3)));
    }
}

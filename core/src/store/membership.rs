//! Members of a project as the signed records say: listing them, a
//! coordinator removing a member or one lost device (which starts a new
//! epoch of the group secret), changing a role, and the epochs this device
//! holds (issue 12, ADR 0016).

use automerge::AutoCommit;
use serde::Serialize;

use super::{Store, Writer, project_uuid};
use crate::documents::membership::{self, Body, Rotation};
use crate::documents::{DocKind, project_doc};
use crate::error::{Error, RecordKind, Result};
use crate::ids::{DeviceId, MemberId, ProjectId};
use crate::keys::membership::{Action, authorised, heads};
use crate::keys::{unwrap_secret, wrap_secret};
use crate::model::{ChangeKind, MemberRole};
use crate::sync::GroupSecret;

/// One member as the project's records say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberStatus {
    pub id: MemberId,
    pub name: String,
    /// The role a coordinator's record gave; else the founder is a
    /// coordinator and others have the role they joined with.
    pub role: MemberRole,
    /// The member's devices that are enrolled and not removed.
    pub devices: Vec<DeviceId>,
    pub removed: bool,
}

/// The history's name for a membership change.
fn change_kind() -> ChangeKind {
    ChangeKind::Other("membership".into())
}

impl Store {
    /// The project's members, with their devices and whether removed.
    pub fn members(&self, project: ProjectId) -> Result<Vec<MemberStatus>> {
        self.write(|w| {
            let state = w.membership_state(project)?;
            let declared = w.view(project_uuid(project), DocKind::Project, |doc| {
                project_doc::read_without_ledger(doc)
            })?;
            Ok(declared
                .members
                .into_iter()
                .map(|m| {
                    let role = match state.membership.roles.get(&m.id) {
                        Some(role) => *role,
                        None if state.founder == Some(m.id) => MemberRole::Coordinator,
                        None => m.role,
                    };
                    let devices = state
                        .enrolled
                        .devices()
                        .filter(|(d, e)| e.member == m.id && state.membership.admits(m.id, **d))
                        .map(|(d, _)| *d)
                        .collect();
                    MemberStatus {
                        id: m.id,
                        name: m.display_name,
                        role,
                        devices,
                        removed: state.membership.removed.contains_key(&m.id),
                    }
                })
                .collect())
        })
    }

    /// Removes a member and all their devices (coordinators only). A fresh
    /// group secret goes to every remaining device: the removed member's
    /// devices cannot read anything sealed from now on, and what they send
    /// is refused once a peer knows of the removal. What they already
    /// received stays readable to them.
    pub fn remove_member(&self, project: ProjectId, member: MemberId) -> Result<()> {
        self.write(|w| w.write_record(project, Action::Remove(member)))
    }

    /// Removes one device (a lost or stolen phone); its member stays. Starts
    /// a new epoch as [`Store::remove_member`] does.
    pub fn remove_device(&self, project: ProjectId, device: DeviceId) -> Result<()> {
        self.write(|w| w.write_record(project, Action::RemoveDevice(device)))
    }

    /// Gives a member a role (coordinators only); making someone a
    /// coordinator lets them sign membership records.
    pub fn set_member_role(&self, project: ProjectId, member: MemberId, role: MemberRole) -> Result<()> {
        self.write(|w| w.write_record(project, Action::SetRole(member, role)))
    }
}

impl Store {
    /// Whether this device seals under an epoch that a peer which missed a
    /// rotation would not hold (there has been at least one rotation). A
    /// peer refusing this device's first message with `WrongKey` should
    /// then start the session itself.
    /// Whether `session` ran in an older epoch than the newest this device
    /// now holds: it carried only the project document (and with it the new
    /// epoch), and another session will carry the rest.
    pub fn session_in_older_epoch(&self, session: &crate::sync::SyncSession) -> Result<bool> {
        let Some(epoch) = session.epoch else {
            return Ok(false);
        };
        self.write(|w| Ok(w.secret(session.project)?.key_id(session.project) != epoch))
    }

    pub fn newer_epoch_than_peer_may_hold(&self, project: ProjectId) -> Result<bool> {
        self.write(|w| {
            if super::persistence::doc_row(&w.conn, project_uuid(project))?.is_none() {
                return Ok(false);
            }
            Ok(!w.membership_state(project)?.membership.rotations.is_empty())
        })
    }
}

#[cfg(feature = "test-support")]
impl Store {
    /// Plays a hostile member: writes a record removing `member` in this
    /// device's copy of the project, skipping the coordinator check, signed
    /// with this device's key or (`forge_signature`) with a fresh key that
    /// is not enrolled.
    pub fn forge_removal_for_test(&self, project: ProjectId, member: MemberId, forge_signature: bool) -> Result<()> {
        self.write(|w| {
            w.enrol_device(project)?;
            let me = w.author(project)?;
            let state = w.membership_state(project)?;
            let body = Body {
                version: 1,
                action: "remove".into(),
                member: Some(*member.as_bytes()),
                device: None,
                role: None,
                at: 0,
                signer: *me.device.as_bytes(),
                parents: heads(&state.records.valid),
                rotation: None,
            };
            let keys = if forge_signature {
                crate::keys::DeviceKeys::generate()?
            } else {
                w.device_keys(project)?
            };
            w.edit(project_uuid(project), DocKind::Project, change_kind(), |doc, _| {
                membership::write(doc, project, &keys, &body).map(|_| ())
            })
        })
    }
}

impl Writer {
    pub(crate) fn membership_state(&mut self, project: ProjectId) -> Result<membership::State> {
        self.locate(project_uuid(project), DocKind::Project)?;
        self.view(project_uuid(project), DocKind::Project, |doc| membership::state(doc))
    }

    fn write_record(&mut self, project: ProjectId, action: Action) -> Result<()> {
        self.enrol_device(project)?;
        let me = self.author(project)?;
        let state = self.membership_state(project)?;
        let m = &state.membership;
        if !m.is_coordinator(state.founder, me.member) || !m.admits(me.member, me.device) {
            return Err(Error::invalid(
                "member",
                "only a coordinator can change who belongs to the project",
            ));
        }
        let declared = self.view(project_uuid(project), DocKind::Project, |doc| {
            project_doc::read_without_ledger(doc)
        })?;
        let known = |member: &MemberId| declared.members.iter().any(|x| x.id == *member);
        let removed_devices: Vec<DeviceId> = match &action {
            Action::Remove(member) | Action::SetRole(member, _) | Action::Add(member, _) if !known(member) => {
                return Err(Error::not_found(RecordKind::Member, member));
            }
            Action::Remove(member) if *member == me.member => {
                return Err(Error::invalid(
                    "member",
                    "a coordinator cannot remove themselves; another coordinator can",
                ));
            }
            Action::Remove(member) if m.removed.contains_key(member) => {
                return Err(Error::invalid("member", format!("member {member} is already removed")));
            }
            Action::SetRole(member, _) if m.removed.contains_key(member) => {
                return Err(Error::invalid("member", format!("member {member} is removed")));
            }
            Action::Remove(member) => state
                .enrolled
                .devices()
                .filter(|(_, e)| e.member == *member)
                .map(|(d, _)| *d)
                .collect(),
            Action::RemoveDevice(device) if *device == me.device => {
                return Err(Error::invalid(
                    "device",
                    "this device cannot remove itself; another coordinator's device can",
                ));
            }
            Action::RemoveDevice(device) if state.enrolled.get(*device).is_none() => {
                return Err(Error::invalid(
                    "device",
                    format!("device {device} is not enrolled in this project"),
                ));
            }
            Action::RemoveDevice(device) if m.removed_devices.contains_key(device) => {
                return Err(Error::invalid("device", format!("device {device} is already removed")));
            }
            Action::RemoveDevice(device) => vec![*device],
            _ => Vec::new(),
        };
        self.write_signed(project, &state, action, &removed_devices)
    }

    /// Signs and writes a record, with a fresh epoch for a removal. No check
    /// of authority here: `write_record` and `renew_stale_epoch` make them.
    fn write_signed(
        &mut self,
        project: ProjectId,
        state: &membership::State,
        action: Action,
        removed_devices: &[DeviceId],
    ) -> Result<()> {
        let me = self.author(project)?;
        let m = &state.membership;
        let rotation = if matches!(action, Action::Remove(_) | Action::RemoveDevice(_)) {
            let secret = GroupSecret::generate()?;
            let mut boxes = Vec::new();
            for (device, enrolment) in state.enrolled.devices() {
                if m.admits(enrolment.member, *device) && !removed_devices.contains(device) {
                    boxes.push((*device.as_bytes(), wrap_secret(&secret, &enrolment.keys.agreement)?));
                }
            }
            Some(Rotation {
                key_id: secret.key_id(project),
                boxes,
            })
        } else {
            None
        };
        let (action, member, device, role) = match action {
            Action::Add(member, role) => ("add", Some(member), None, Some(role)),
            Action::SetRole(member, role) => ("set-role", Some(member), None, Some(role)),
            Action::Remove(member) => ("remove", Some(member), None, None),
            Action::RemoveDevice(device) => ("remove-device", None, Some(device), None),
        };
        let body = Body {
            version: 1,
            action: action.into(),
            member: member.map(|m| *m.as_bytes()),
            device: device.map(|d| *d.as_bytes()),
            role: role.map(|r| r.as_str().to_string()),
            at: super::now().timestamp_millis(),
            signer: *me.device.as_bytes(),
            parents: heads(&state.records.valid),
            rotation,
        };
        let keys = self.device_keys(project)?;
        self.edit(project_uuid(project), DocKind::Project, change_kind(), |doc, _| {
            membership::write(doc, project, &keys, &body).map(|_| ())
        })
    }

    /// After concurrent removals merge, the newest epoch may have been sealed
    /// to a device another removal took out. A coordinator's device renews
    /// it before it next seals anything (a session or a bundle), by
    /// re-signing that removal with a fresh secret for the remaining devices.
    pub(crate) fn renew_stale_epoch(&mut self, project: ProjectId) -> Result<()> {
        if super::persistence::doc_row(&self.conn, project_uuid(project))?.is_none() {
            return Ok(());
        }
        let Ok(me) = self.author(project) else {
            return Ok(());
        };
        let state = self.membership_state(project)?;
        let m = &state.membership;
        if !m.is_coordinator(state.founder, me.member) || !m.admits(me.member, me.device) {
            return Ok(());
        }
        let Some((newest, _)) = m.rotations.last() else {
            return Ok(());
        };
        let stale = state
            .records
            .rotations
            .iter()
            .filter(|(id, _)| id == newest)
            .flat_map(|(_, r)| r.boxes.iter())
            .map(|(device, _)| DeviceId::from_bytes(*device))
            .find(|device| match state.enrolled.get(*device) {
                Some(enrolment) => !m.admits(enrolment.member, *device),
                None => m.removed_devices.contains_key(device),
            });
        let Some(device) = stale else {
            return Ok(());
        };
        let action = match state.enrolled.get(device) {
            Some(enrolment) if m.removed.contains_key(&enrolment.member) => Action::Remove(enrolment.member),
            _ => Action::RemoveDevice(device),
        };
        self.write_signed(project, &state, action, &[])
    }

    /// The group secrets this device holds for `project`, newest first: the
    /// one it was given (created with the project, or in its invite) and
    /// every later epoch sealed to this device. A device the records
    /// removed gets `SyncRejected`: it can neither seal nor open anything.
    pub(crate) fn held_secrets(&mut self, project: ProjectId) -> Result<Vec<GroupSecret>> {
        let given = self.given_secret(project)?;
        if super::persistence::doc_row(&self.conn, project_uuid(project))?.is_none() {
            return Ok(vec![given]);
        }
        let state = self.membership_state(project)?;
        if let Ok(me) = self.author(project)
            && !state.membership.admits(me.member, self.device)
        {
            return Err(removed(project));
        }
        let mut held = vec![given];
        if !state.membership.rotations.is_empty() {
            let keys = self.device_keys(project)?;
            for (record, key_id) in &state.membership.rotations {
                if held.iter().any(|s| s.key_id(project) == *key_id) {
                    continue;
                }
                let mine = state
                    .records
                    .rotations
                    .iter()
                    .filter(|(id, _)| id == record)
                    .flat_map(|(_, r)| r.boxes.iter())
                    .find(|(device, _)| *device == *self.device.as_bytes());
                if let Some((_, sealed)) = mine
                    && let Some(secret) = unwrap_secret(&keys, project, *key_id, sealed)
                {
                    held.push(secret);
                }
            }
        }
        // Newest first: the epochs in the records' order, then the given one
        // if no rotation names it.
        let order = |s: &GroupSecret| {
            let id = s.key_id(project);
            state
                .membership
                .rotations
                .iter()
                .position(|(_, k)| *k == id)
                .map_or(0, |p| p + 1)
        };
        held.sort_by_key(|s| std::cmp::Reverse(order(s)));
        Ok(held)
    }

    /// Opens a session message or bundle with whichever epoch it was sealed
    /// under (`pinned`: the session's own, once known), returning that
    /// epoch's key id. A device that missed a rotation still reaches the
    /// others: they answer in its epoch (ADR 0016), and the project
    /// document it receives carries its sealed box of the new secret.
    pub(crate) fn open_sealed(
        &mut self,
        project: ProjectId,
        pinned: Option<[u8; 8]>,
        opening: crate::sync::Opening,
        bytes: &[u8],
        max_len: usize,
    ) -> Result<(crate::sync::Header, Vec<u8>, [u8; 8])> {
        let held = self.held_secrets(project)?;
        let mut first_error = None;
        for secret in &held {
            let key_id = secret.key_id(project);
            if pinned.is_some_and(|p| p != key_id) {
                continue;
            }
            match crate::sync::open(secret, project, opening, bytes, max_len) {
                Ok((header, plaintext)) => return Ok((header, plaintext, key_id)),
                Err(err @ Error::WrongKey { .. }) => {
                    first_error.get_or_insert(err);
                }
                Err(err) => return Err(err),
            }
        }
        let err = first_error.unwrap_or_else(|| Error::wrong_key(crate::error::KeySide::OtherDevice, "no such epoch"));
        Err(self.explain_wrong_key(project, err))
    }

    /// The secret a session seals with: the epoch it was opened in, else
    /// the newest.
    pub(crate) fn session_secret(
        &mut self,
        project: ProjectId,
        session: &mut crate::sync::SyncSession,
    ) -> Result<GroupSecret> {
        let held = self.held_secrets(project)?;
        let chosen = match session.epoch {
            Some(epoch) => held.into_iter().find(|s| s.key_id(project) == epoch),
            None => held.into_iter().next(),
        };
        let secret = chosen.ok_or_else(|| removed(project))?;
        session.epoch = Some(secret.key_id(project));
        Ok(secret)
    }

    /// A session with a device still in an older epoch (it missed a
    /// rotation) carries only the project document from here: the records
    /// that hold its sealed box of the new secret. Stories wait for its
    /// next session, sealed under the new epoch, out of reach of a removed
    /// device that still holds the old secret.
    pub(crate) fn limit_to_epoch(
        &mut self,
        session: &crate::sync::SyncSession,
        ours: &mut std::collections::BTreeMap<uuid::Uuid, super::sync_session::Local>,
    ) -> Result<()> {
        let Some(epoch) = session.epoch else {
            return Ok(());
        };
        let newest = self.secret(session.project)?.key_id(session.project);
        if epoch != newest {
            ours.retain(|_, local| local.kind == DocKind::Project);
        }
        Ok(())
    }

    /// Whether this device holds (or, for a project from before sync, can
    /// make) a group secret for `project`.
    pub(crate) fn holds_secret(&mut self, project: ProjectId) -> Result<bool> {
        Ok(self.given_secret(project).is_ok())
    }

    /// Refuses a peer device the records removed: nothing it sends is taken
    /// and nothing is sent to it.
    pub(crate) fn refuse_removed(&mut self, project: ProjectId, device: DeviceId) -> Result<()> {
        if super::persistence::doc_row(&self.conn, project_uuid(project))?.is_none() {
            return Ok(());
        }
        let state = self.membership_state(project)?;
        let member = state.enrolled.get(device).map(|e| e.member);
        let removed = state.membership.removed_devices.contains_key(&device)
            || member.is_some_and(|m| state.membership.removed.contains_key(&m));
        if removed {
            return Err(Error::SyncRejected(format!(
                "device {device} was removed from project {project}: it receives nothing more and what it sends is refused"
            )));
        }
        Ok(())
    }
}

fn removed(project: ProjectId) -> Error {
    Error::SyncRejected(format!(
        "this device was removed from project {project}: it can no longer sync it"
    ))
}

/// Refuses a peer's project document changes that add a membership record
/// that is malformed, not signed by its device's enrolled key, or signed by
/// someone who was not a coordinator at that point.
pub(crate) fn check_arriving_records(local: Option<&AutoCommit>, candidate: &AutoCommit) -> Result<()> {
    let Ok(state) = membership::state(candidate) else {
        return Ok(());
    };
    let before = match local {
        Some(doc) if crate::documents::read_header(doc).is_ok() => Some(membership::state(doc)?),
        _ => None,
    };
    let known_forged = |name: &String| before.as_ref().is_some_and(|b| b.records.forged.contains(name));
    if state.records.forged.iter().any(|name| !known_forged(name)) {
        return Err(Error::SyncRejected(
            "the peer sent a membership record that is malformed or not signed by an enrolled device".into(),
        ));
    }
    let known = |id| {
        before
            .as_ref()
            .is_some_and(|b| b.records.valid.iter().any(|r| r.id == id))
    };
    for record in state.records.valid.iter().filter(|r| !known(r.id)) {
        if !authorised(&state.records.valid, state.founder, record) {
            return Err(Error::SyncRejected(format!(
                "the peer sent a membership record signed by device {}, which was not a coordinator's",
                record.signer_device
            )));
        }
    }
    Ok(())
}

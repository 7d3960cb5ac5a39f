//! `storyloom member …`

use serde_json::json;
use storyloom::{DeviceId, Error, MemberId, MemberRole, ProjectId, Store};

use crate::args::MemberCommand;
use crate::output::Output;

pub fn run(store: &Store, project: Result<ProjectId, Error>, command: &MemberCommand) -> Result<Output, Error> {
    let project = project?;
    match command {
        MemberCommand::List => list(store, project),
        MemberCommand::Remove { member } => {
            let member = MemberId::parse(member)?;
            store.remove_member(project, member)?;
            Ok(Output::new(
                json!({ "removed": member }),
                format!("Removed member {member}; the group secret was renewed for the remaining devices.\n"),
            ))
        }
        MemberCommand::RemoveDevice { device } => {
            let device = DeviceId::parse(device)?;
            store.remove_device(project, device)?;
            Ok(Output::new(
                json!({ "removed_device": device }),
                format!("Removed device {device}; the group secret was renewed for the remaining devices.\n"),
            ))
        }
        MemberCommand::Role { member, role } => {
            let member = MemberId::parse(member)?;
            let role = MemberRole::parse(role)?;
            store.set_member_role(project, member, role)?;
            Ok(Output::new(
                json!({ "member": member, "role": role.to_string() }),
                format!("Member {member} is now {role}.\n"),
            ))
        }
    }
}

fn list(store: &Store, project: ProjectId) -> Result<Output, Error> {
    let mut members = Vec::new();
    let mut text = String::new();
    for member in store.members(project)? {
        text.push_str(&format!(
            "{}  {} ({}), {} device(s){}\n",
            member.id,
            member.name,
            member.role,
            member.devices.len(),
            if member.removed { ", removed" } else { "" }
        ));
        members.push(json!({
            "id": member.id,
            "name": member.name,
            "role": member.role.to_string(),
            "devices": member.devices,
            "removed": member.removed,
        }));
    }
    Ok(Output::new(json!({ "members": members }), text))
}

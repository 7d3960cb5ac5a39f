//! `storyloom member …`

use serde_json::json;
use storyloom::{Error, ProjectId, Store};

use crate::args::MemberCommand;
use crate::output::Output;

pub fn run(store: &Store, project: Result<ProjectId, Error>, command: &MemberCommand) -> Result<Output, Error> {
    match command {
        MemberCommand::List => {
            let project = project?;
            let devices = store.enrolled_devices(project)?;
            let mut members = Vec::new();
            let mut text = String::new();
            for member in store.project(project)?.members {
                let theirs: Vec<String> = devices
                    .iter()
                    .filter(|d| d.member == member.id)
                    .map(|d| d.device.to_string())
                    .collect();
                text.push_str(&format!(
                    "{}  {} ({}), {} device(s)\n",
                    member.id,
                    member.display_name,
                    member.role,
                    theirs.len()
                ));
                // Removal is not built yet (ADR 0011): nobody is removed.
                members.push(json!({
                    "id": member.id,
                    "name": member.display_name,
                    "role": member.role.to_string(),
                    "devices": theirs,
                    "removed": false,
                }));
            }
            Ok(Output::new(json!({ "members": members }), text))
        }
    }
}

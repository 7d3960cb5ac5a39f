//! `storyloom invite`, `join`, `sync` and `bundle …`.

use std::path::Path;

use serde_json::json;
use storyloom::sync::sync_stores;
use storyloom::{DeviceId, Error, MemberRole, ProjectId, Store};

use crate::args::BundleCommand;
use crate::output::Output;

pub fn invite(store: &Store, project: Result<ProjectId, Error>) -> Result<Output, Error> {
    let invite = store.invite(project?)?;
    Ok(Output::new(json!({"invite": invite}), invite))
}

pub fn join(store: &Store, invite: &str, member: &str, role: &str) -> Result<Output, Error> {
    let (project, member) = store.join(invite, member, MemberRole::parse(role)?)?;
    Ok(Output::new(
        json!({"project_id": project, "member_id": member}),
        format!("Joined project {project} as member {member}; its stories arrive with the first sync."),
    ))
}

pub fn leave(store: &Store, project: Result<ProjectId, Error>) -> Result<Output, Error> {
    let project = project?;
    store.leave_project(project)?;
    Ok(Output::new(
        json!({"left": project}),
        format!("Left project {project}; join it again with a new invite."),
    ))
}

/// Both stores are opened with the same store key (or both without one).
pub fn sync(a: &Path, b: &Path, key: Option<storyloom::StoreKey>, project: Option<&str>) -> Result<Output, Error> {
    let a = crate::store_file::open(a, key.clone())?;
    let b = crate::store_file::open(b, key)?;
    let project = match project {
        Some(id) => ProjectId::parse(id)?,
        None => crate::only_project(&a)?,
    };
    let report = sync_stores(&a, &b, project)?;
    Ok(Output::new(
        serde_json::to_value(report).map_err(crate::output::json_error)?,
        format!(
            "Synced in {} round trip(s), {} message(s): {} bytes one way, {} the other; {} document(s) changed.",
            report.round_trips, report.messages, report.bytes_a_to_b, report.bytes_b_to_a, report.documents_changed
        ),
    ))
}

pub fn bundle(store: &Store, project: Result<ProjectId, Error>, command: &BundleCommand) -> Result<Output, Error> {
    match command {
        BundleCommand::Export { out, peer, force } => {
            let peer = peer.as_deref().map(DeviceId::parse).transpose()?;
            let size = store.export_bundle_to_file(project?, peer, out, *force)?;
            Ok(Output::new(
                json!({"bytes": size, "file": out}),
                format!("Wrote {size} bytes to {}.", out.display()),
            ))
        }
        BundleCommand::Import { file } => {
            let limit = storyloom::sync::SyncLimits::default().max_message_bytes;
            let bytes = crate::files::read_bounded(file, "file", limit)?;
            let outcome = store.import_bundle(&bytes)?;
            Ok(Output::new(
                json!({"documents_changed": outcome.documents_changed, "documents_skipped": outcome.documents_skipped}),
                format!("{} document(s) changed.", outcome.documents_changed),
            ))
        }
    }
}

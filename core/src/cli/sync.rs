//! `storyloom invite`, `join`, `sync`, `serve-sync`, `connect-sync` and `bundle …`.

use std::path::Path;

use serde_json::json;
use storyloom::sync::{StreamRole, sync_over_stream, sync_stores};
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

/// Answers one session on the first connection to `addr`.
pub fn serve(store: &Store, project: Result<ProjectId, Error>, addr: &str) -> Result<Output, Error> {
    let project = project?;
    let listener = std::net::TcpListener::bind(addr).map_err(|err| Error::InvalidInput {
        field: "addr".into(),
        reason: format!("cannot listen on {addr}: {err}"),
    })?;
    // On stderr: with --json, stdout carries exactly one JSON document.
    eprintln!("storyloom: listening on {}", listener.local_addr()?);
    let (socket, _) = listener.accept()?;
    over_socket(store, project, StreamRole::Responder, socket)
}

/// Runs one session as the side that speaks first, over a connection to `addr`.
pub fn connect(store: &Store, project: Result<ProjectId, Error>, addr: &str) -> Result<Output, Error> {
    let project = project?;
    let socket = std::net::TcpStream::connect(addr).map_err(|err| Error::InvalidInput {
        field: "addr".into(),
        reason: format!("cannot connect to {addr}: {err}"),
    })?;
    over_socket(store, project, StreamRole::Initiator, socket)
}

fn over_socket(
    store: &Store,
    project: ProjectId,
    role: StreamRole,
    socket: std::net::TcpStream,
) -> Result<Output, Error> {
    let mut input = std::io::BufReader::new(socket.try_clone()?);
    let mut output = std::io::BufWriter::new(socket);
    let progress = sync_over_stream(store, project, role, &mut input, &mut output)?;
    Ok(Output::new(
        json!({
            "documents_changed": progress.documents_changed,
            "messages_sent": progress.messages_sent,
            "messages_received": progress.messages_received,
            "bytes_sent": progress.bytes_sent,
            "bytes_received": progress.bytes_received,
        }),
        format!(
            "Synced over the connection: {} message(s) sent, {} received; {} document(s) changed.",
            progress.messages_sent, progress.messages_received, progress.documents_changed
        ),
    ))
}

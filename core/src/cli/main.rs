//! `storyloom`: a command-line tool for people who inspect a store pulled off
//! a phone, and for black-box tests of the library.
//!
//! With `--json`, stdout carries exactly one JSON document and an error is a
//! JSON object on stderr; the exit code is 0 on success, 1 when the store
//! refused the request and 2 when the command line itself was wrong.

mod args;
mod consent;
mod files;
mod media;
mod member;
mod output;
mod participant;
mod relay;
mod store_file;
mod story;
mod sync;

use std::process::ExitCode;

use clap::Parser;
use serde_json::json;
use storyloom::{Error, MemberRole, ProjectId, RecordKind, Store};

use args::{Cli, Command};
use output::Output;

fn main() -> ExitCode {
    let wants_json = std::env::args().any(|a| a == "--json");
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            if wants_json
                && !matches!(
                    err.kind(),
                    clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion
                )
            {
                eprintln!(
                    "{}",
                    json!({"error": {"kind": "usage", "message": err.to_string().trim()}})
                );
                return ExitCode::from(2);
            }
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { 2 } else { 0 });
        }
    };
    match run(&cli) {
        Ok(output) => {
            output.print(cli.json);
            ExitCode::SUCCESS
        }
        Err(err) => {
            if cli.json {
                eprintln!(
                    "{}",
                    json!({"error": {"kind": err.kind().as_str(), "message": err.to_string()}})
                );
            } else {
                eprintln!("storyloom: {err}");
            }
            ExitCode::from(1)
        }
    }
}

fn run(cli: &Cli) -> Result<Output, Error> {
    // The one command that works on two stores opens them itself.
    if let Command::Sync { store_a, store_b } = &cli.command {
        for path in [store_a, store_b] {
            if std::fs::symlink_metadata(path).is_err() {
                return Err(Error::NotFound {
                    kind: RecordKind::Store,
                    id: path.display().to_string(),
                });
            }
        }
        return sync::sync(store_a, store_b, store_file::store_key(cli)?, cli.project.as_deref());
    }
    if let Command::Store(command) = &cli.command {
        return store_file::run(cli, command);
    }
    let store = open_store(cli)?;
    match &cli.command {
        Command::Sync { .. } | Command::Store(_) => unreachable!("handled above"),
        Command::Invite => sync::invite(&store, current_project(cli, &store)),
        Command::ServeSync { addr } => sync::serve(&store, current_project(cli, &store), addr),
        Command::ConnectSync { addr } => sync::connect(&store, current_project(cli, &store), addr),
        Command::Join { invite, member, role } => sync::join(&store, invite, member, role),
        Command::Leave => sync::leave(
            &store,
            match &cli.project {
                Some(id) => ProjectId::parse(id),
                // A project joined but not received is not listed: name it.
                None => only_project(&store).map_err(|_| Error::InvalidInput {
                    field: "project".into(),
                    reason: "give the project to leave with --project ID (the id `join` printed)".into(),
                }),
            },
        ),
        Command::Bundle(command) => sync::bundle(&store, current_project(cli, &store), command),
        Command::Media(command) => media::run(&store, command),
        Command::Relay(command) => relay::relay(&store, command),
        Command::Init(args) => {
            let role = MemberRole::parse(&args.role)?;
            let (project, member) = store.create_project(&args.project, &args.member, role)?;
            Ok(Output::new(
                json!({"project_id": project, "member_id": member}),
                format!("Created project {project}; you are member {member}."),
            ))
        }
        Command::Project => {
            let project = store.project(current_project(cli, &store)?)?;
            let mut text = format!("{} ({})\nMembers:\n", project.name, project.id);
            for member in &project.members {
                text.push_str(&format!(
                    "  {} — {} ({})\n",
                    member.display_name, member.role, member.id
                ));
            }
            text.push_str("Codebook:\n");
            for theme in &project.themes {
                text.push_str(&format!("  {}: {}\n", theme.name, theme.description));
            }
            Ok(Output::new(
                serde_json::to_value(&project).map_err(output::json_error)?,
                text,
            ))
        }
        Command::Theme(args) => {
            let added = store.add_theme(current_project(cli, &store)?, &args.name, &args.description)?;
            Ok(Output::new(
                json!({"added": added}),
                if added {
                    "Theme added."
                } else {
                    "The codebook already has that theme."
                },
            ))
        }
        Command::Consent(command) => consent::run(&store, current_project(cli, &store), command),
        Command::Export(args) => {
            files::check_export_folder(&store, &args.out, args.force)?;
            consent::export(&store, current_project(cli, &store), args)
        }
        Command::Participant(command) => participant::run(&store, current_project(cli, &store), command),
        Command::Member(command) => member::run(&store, current_project(cli, &store), command),

        Command::Story(command) => story::run(&store, current_project(cli, &store), command),
        Command::Search(args) => {
            let hits = store.search(&args.query, current_project(cli, &store).ok(), args.limit)?;
            let text = hits
                .iter()
                .map(|h| format!("{}  {}\n    {}", h.story_id, h.title, h.snippet))
                .collect::<Vec<_>>()
                .join("\n");
            let results: Vec<_> = hits
                .iter()
                .map(|h| json!({"id": h.story_id, "title": h.title, "snippet": h.snippet, "rank": h.rank}))
                .collect();
            Ok(Output::new(json!({"results": results}), text))
        }
    }
}

/// Opens `--store`. Only `init` and `join` may create it: any other
/// command on a path that holds nothing is `not_found`, and creates nothing.
fn open_store(cli: &Cli) -> Result<Store, Error> {
    let path = cli.store.as_ref().ok_or_else(|| Error::InvalidInput {
        field: "store".into(),
        reason: "give the store file with --store PATH".into(),
    })?;
    let creates = matches!(cli.command, Command::Init(_) | Command::Join { .. });
    if !creates && std::fs::symlink_metadata(path).is_err() {
        return Err(Error::NotFound {
            kind: RecordKind::Store,
            id: path.display().to_string(),
        });
    }
    store_file::open(path, store_file::store_key(cli)?)
}

/// The project named by `--project`, or the store's only project.
fn current_project(cli: &Cli, store: &Store) -> Result<ProjectId, Error> {
    if let Some(id) = &cli.project {
        return ProjectId::parse(id);
    }
    only_project(store)
}

/// The store's only project.
pub(crate) fn only_project(store: &Store) -> Result<ProjectId, Error> {
    let projects = store.projects()?;
    match projects.as_slice() {
        [only] => Ok(only.id),
        [] => Err(Error::InvalidInput {
            field: "project".into(),
            reason: "the store has no project yet; run `storyloom init` first".into(),
        }),
        _ => Err(Error::InvalidInput {
            field: "project".into(),
            reason: "the store holds several projects; choose one with --project ID".into(),
        }),
    }
}

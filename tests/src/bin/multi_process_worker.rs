//! One of several processes writing to the same store at once, for the
//! multi-process scenario test. It prints one line for every write the API
//! acknowledged, and one `error` line for every write it refused, so the
//! test can check that every acknowledged write survived.
//!
//! Usage:
//!   multi-process-worker edit STORE WORKER WRITES PROJECT STORY,.. PARTICIPANT,..
//!   multi-process-worker sync STORE PEER_STORE PROJECT ROUNDS STORY,..
//!
//! With `STORYLOOM_KEY` (64 hexadecimal characters) in the environment,
//! STORE is opened as an encrypted store with that key.
//!
//! `edit` makes WRITES mixed writes (tags, transcript splices, interaction
//! badges, consent grants) on the given stories and participants. `sync`
//! opens a second store (another phone), adds tags there, and runs sync
//! sessions and bundle exchanges between it and STORE, round after round.

use std::io::Write;
use std::str::FromStr;

use storyloom::sync::sync_stores;
use storyloom::{
    ConsentMethod, ConsentScope, InteractionBadge, NewConsentGrant, ParticipantId, ProjectId, Store, StoreKey, StoryId,
};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("edit") if args.len() == 8 => edit(&args[2..]),
        Some("sync") if args.len() == 7 => sync(&args[2..]),
        _ => {
            eprintln!("usage: see the module documentation");
            std::process::exit(2);
        }
    }
}

fn ids<T: FromStr>(list: &str) -> Vec<T>
where
    T::Err: std::fmt::Debug,
{
    list.split(',').map(|id| id.parse().expect("id")).collect()
}

/// Prints one line and flushes it, so a line is only there once acknowledged.
fn say(line: String) {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").expect("stdout");
    out.flush().expect("flush");
}

/// Opens STORE, with the key from `STORYLOOM_KEY` if there is one.
fn open_store(path: &str) -> Store {
    match std::env::var("STORYLOOM_KEY") {
        Ok(hex) => Store::open_with_key(path, StoreKey::from_hex(&hex).expect("key")),
        Err(_) => Store::open(path),
    }
    .expect("open store")
}

fn edit(args: &[String]) {
    let store = open_store(&args[0]);
    let worker: usize = args[1].parse().expect("worker");
    let writes: usize = args[2].parse().expect("writes");
    let project: ProjectId = args[3].parse().expect("project");
    let stories: Vec<StoryId> = ids(&args[4]);
    let participants: Vec<ParticipantId> = ids(&args[5]);
    let badges = [InteractionBadge::Green, InteractionBadge::Yellow, InteractionBadge::Red];
    for i in 0..writes {
        let story = stories[(worker + i) % stories.len()];
        let participant = participants[(worker + i) % participants.len()];
        let (line, result) = match i % 4 {
            0 => {
                let tag = format!("w{worker}-{i}");
                (format!("tag {story} {tag}"), store.add_tag(story, &tag))
            }
            1 => {
                let marker = format!("[w{worker}-{i}]");
                (
                    format!("splice {story} {marker}"),
                    store.splice_transcript(story, 0, 0, &marker),
                )
            }
            2 => (
                format!("badge {participant}"),
                store.set_badge(participant, badges[i % badges.len()]),
            ),
            _ => {
                let grant = NewConsentGrant::new(
                    participant,
                    vec![
                        ConsentScope::Record,
                        ConsentScope::Transcribe,
                        ConsentScope::ShareInProject,
                    ],
                    ConsentMethod::Spoken,
                );
                match store.grant_consent(project, &grant) {
                    Ok(id) => {
                        say(format!("grant {id}"));
                        continue;
                    }
                    Err(err) => (String::new(), Err(err)),
                }
            }
        };
        match result {
            Ok(()) => say(line),
            Err(err) => say(format!("error {err}")),
        }
    }
}

fn sync(args: &[String]) {
    let store = Store::open(&args[0]).expect("open store");
    let peer = Store::open(&args[1]).expect("open peer store");
    let project: ProjectId = args[2].parse().expect("project");
    let rounds: usize = args[3].parse().expect("rounds");
    let stories: Vec<StoryId> = ids(&args[4]);
    for round in 0..rounds {
        // The other phone edits too, so every session merges something.
        let story = stories[round % stories.len()];
        let tag = format!("peer-{round}");
        match peer.add_tag(story, &tag) {
            Ok(()) => say(format!("peertag {story} {tag}")),
            Err(err) => say(format!("error {err}")),
        }
        let exchanged = if round % 3 == 2 {
            let there = store.export_bundle(project, None).and_then(|b| peer.import_bundle(&b));
            let back = peer.export_bundle(project, None).and_then(|b| store.import_bundle(&b));
            there.and(back).map(|_| "bundle")
        } else {
            sync_stores(&store, &peer, project).map(|_| "sync")
        };
        match exchanged {
            Ok(kind) => say(format!("{kind} ok")),
            Err(err) => say(format!("error {err}")),
        }
    }
}

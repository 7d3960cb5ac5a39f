//! Sync benchmark: round trips, messages, bytes and time for sessions
//! between two stores holding 10, 100 and 1,000 stories, beside raw
//! Automerge syncing the same documents one at a time in the same run.
//!
//! Run: `cargo bench -p storyloom --bench sync` (add `-- --quick` to skip
//! 1,000). Prints a table; nothing is asserted.

use std::time::Instant;

use automerge::AutoCommit;
use automerge::sync::{State, SyncDoc};
use storyloom::sync::sync_stores;
use storyloom::{ConsentMethod, ConsentScope, MemberRole, NewConsentGrant, NewParticipant, NewStory, Store, StoryId};

/// Raw Automerge: the sync protocol run document by document, as an app
/// without multiplexing would. Returns round trips and bytes.
fn raw_automerge(pairs: &mut [(AutoCommit, AutoCommit)]) -> (u64, u64) {
    let (mut trips, mut bytes) = (0u64, 0u64);
    for (a, b) in pairs.iter_mut() {
        let (mut sa, mut sb) = (State::new(), State::new());
        loop {
            let mut progressed = false;
            trips += 1;
            if let Some(m) = a.sync().generate_sync_message(&mut sa) {
                let m = m.encode();
                bytes += m.len() as u64;
                b.sync()
                    .receive_sync_message(&mut sb, automerge::sync::Message::decode(&m).unwrap())
                    .unwrap();
                progressed = true;
            }
            if let Some(m) = b.sync().generate_sync_message(&mut sb) {
                let m = m.encode();
                bytes += m.len() as u64;
                a.sync()
                    .receive_sync_message(&mut sa, automerge::sync::Message::decode(&m).unwrap())
                    .unwrap();
                progressed = true;
            }
            if !progressed {
                break;
            }
        }
    }
    (trips, bytes)
}

fn scenario(stories: usize) {
    let dir = tempfile::tempdir().unwrap();
    let a = Store::open(dir.path().join("a.storyloom")).unwrap();
    let b = Store::open(dir.path().join("b.storyloom")).unwrap();
    let (project, _) = a.create_project("Bench", "Asha", MemberRole::Reporter).unwrap();
    b.join(&a.invite(project).unwrap(), "Ben", MemberRole::Facilitator)
        .unwrap();
    let teller = a
        .add_participant(
            project,
            &NewParticipant {
                display_name: "Amira".into(),
                ..Default::default()
            },
        )
        .unwrap();
    a.grant_consent(
        project,
        &NewConsentGrant::new(
            teller,
            vec![ConsentScope::Record, ConsentScope::ShareInProject],
            ConsentMethod::Spoken,
        ),
    )
    .unwrap();
    let transcript = "We waited at the stop for an hour and the bus never came. ".repeat(50);
    let ids: Vec<StoryId> = (0..stories)
        .map(|i| {
            a.create_story(
                project,
                &NewStory {
                    title: format!("Story {i}"),
                    storytellers: vec![teller],
                    transcript: transcript.clone(),
                    ..Default::default()
                },
            )
            .unwrap()
        })
        .collect();

    let started = Instant::now();
    let first = sync_stores(&a, &b, project).unwrap();
    let first_time = started.elapsed();

    // Both sides edit a tenth of the stories; one side adds a tenth more.
    let edited = (stories / 10).max(1);
    for id in ids.iter().take(edited) {
        a.splice_transcript(*id, 0, 0, "A: ").unwrap();
        b.splice_transcript(*id, 10, 0, " (B)").unwrap();
    }
    for i in 0..edited {
        b.create_story(
            project,
            &NewStory {
                title: format!("New {i}"),
                storytellers: vec![teller],
                transcript: "new".into(),
                ..Default::default()
            },
        )
        .unwrap();
    }
    // The same differences, for raw Automerge: each edited document on both sides.
    let mut pairs: Vec<(AutoCommit, AutoCommit)> = ids
        .iter()
        .take(edited)
        .map(|id| {
            (
                AutoCommit::load(&a.export_story_document(*id).unwrap()).unwrap(),
                AutoCommit::load(&b.export_story_document(*id).unwrap()).unwrap(),
            )
        })
        .collect();
    let started = Instant::now();
    let second = sync_stores(&a, &b, project).unwrap();
    let second_time = started.elapsed();
    let quiet = sync_stores(&a, &b, project).unwrap();
    let (raw_trips, raw_bytes) = raw_automerge(&mut pairs);

    println!(
        "{stories:>5} stories | first sync: {} round trips, {:>9} bytes, {:>7.1} ms | {} edited both sides + {} new: {} round trips, {:>8} bytes, {:>6.1} ms | nothing new: {} round trips, {:>7} bytes | raw Automerge, edited docs one at a time: {} round trips, {} bytes",
        first.round_trips,
        first.bytes_a_to_b + first.bytes_b_to_a,
        first_time.as_secs_f64() * 1000.0,
        edited,
        edited,
        second.round_trips,
        second.bytes_a_to_b + second.bytes_b_to_a,
        second_time.as_secs_f64() * 1000.0,
        quiet.round_trips,
        quiet.bytes_a_to_b + quiet.bytes_b_to_a,
        raw_trips,
        raw_bytes,
    );
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!(
        "storyloom sync benchmark ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    for stories in if quick { vec![10, 100] } else { vec![10, 100, 1_000] } {
        scenario(stories);
    }
}

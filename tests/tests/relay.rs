//! Relay sync through a shared folder (`file://`) and the in-memory
//! backend: phones that never meet converge, a sync with nothing new is
//! cheap, a sync killed anywhere resumes, what arrives is checked as from
//! a peer, and an erasure reaches the relay. The same scenarios run on
//! real servers in `relay_servers.rs`.

use std::collections::BTreeSet;

use proptest::prelude::*;
use storyloom::sync::CancelHandle;
use storyloom::{Error, RelayConfig, StoryQuery};
use storyloom_scenarios::Phone;
use storyloom_scenarios::relay::{Backend, Relay};
use storyloom_scenarios::relay_suite::{self, story_titled, view};

#[test]
fn three_phones_that_never_meet_converge_through_a_shared_folder() {
    relay_suite::three_phones_converge(Backend::Fs);
}

#[test]
fn erasure_reaches_a_shared_folder_and_a_replayed_object_never_brings_the_story_back() {
    relay_suite::erasure_reaches_the_relay(Backend::Fs);
}

#[test]
fn the_shared_folder_holds_only_ciphertext_under_keyed_names() {
    relay_suite::the_operator_sees_only_ciphertext(Backend::Fs);
}

#[test]
fn a_tampered_object_in_the_shared_folder_is_refused_and_the_rest_syncs() {
    relay_suite::a_tampered_object_is_refused_and_the_rest_syncs(Backend::Fs);
}

#[test]
fn a_memory_relay_carries_a_story_between_two_phones() {
    let config = RelayConfig::new("memory://two-phones");
    let (ana, project) = Phone::founding("ana", "Bus stories");
    let amina = ana.consenting_storyteller(project, "Amina Diallo");
    let story = ana.add_story(project, "The night bus", amina, "The 42 bus never came that winter.");
    let ben = Phone::invited_far_away("ben", &ana, project);
    let cancel = CancelHandle::new();
    let up = ana.store.relay_sync(&config, &mut |_| {}, &cancel).unwrap();
    assert!(up.pushed >= 3, "project, participant and story: {up:?}");
    assert!(up.bytes_up > 0);
    let down = ben.store.relay_sync(&config, &mut |_| {}, &cancel).unwrap();
    assert!(down.pulled >= 3, "{down:?}");
    assert_eq!(
        ben.store.story(story).unwrap().transcript,
        "The 42 bus never came that winter."
    );
}

#[test]
fn a_sync_with_nothing_new_costs_one_request_per_member_device_plus_one() {
    let relay = Relay::fs();
    let g = relay_suite::three_phones(&relay);
    for phone in [&g.ana, &g.ben, &g.cai] {
        let summary = relay.sync(&phone.store);
        assert_eq!(
            (summary.requests, summary.pushed, summary.pulled, summary.bytes_up),
            (3 + 1, 0, 0, 0),
            "{}: {summary:?}",
            phone.name
        );
    }
}

#[test]
fn a_phone_does_not_publish_again_what_it_pulled() {
    let relay = Relay::fs();
    let (ana, project) = Phone::founding("ana", "Bus stories");
    let amina = ana.consenting_storyteller(project, "Amina Diallo");
    ana.add_story(project, "The night bus", amina, "The 42 bus never came that winter.");
    let ben = Phone::invited_far_away("ben", &ana, project);
    relay.sync(&ana.store);
    let first = relay.sync(&ben.store);
    // ben publishes only the project document it changed by joining.
    assert_eq!(first.pushed, 1, "{first:?}");
}

/// A sync stopped at each point it can stop (cancel between any two
/// requests, as a kill would) leaves the relay and the store consistent:
/// the next sync completes, uploads no object twice, and the phones agree.
#[test]
fn a_sync_stopped_at_any_point_resumes_and_uploads_nothing_twice() {
    for stop_at in 0..8u64 {
        let relay = Relay::fs();
        let (ana, project) = Phone::founding("ana", "Bus stories");
        let amina = ana.consenting_storyteller(project, "Amina Diallo");
        let ben = Phone::invited_far_away("ben", &ana, project);
        relay.sync(&ana.store);
        relay.sync(&ben.store);
        for i in 0..3 {
            ana.add_story(project, &format!("Story {i}"), amina, "A long walk home.");
            relay.sync(&ana.store);
        }
        ben.add_story(
            project,
            "Ben's",
            ben.consenting_storyteller(project, "Joseph Okoro"),
            "Rain.",
        );
        let cancel = CancelHandle::new();
        let mut calls = 0u64;
        let stopped = ben.store.relay_sync(
            &relay.config,
            &mut |_| {
                calls += 1;
                if calls > stop_at {
                    cancel.cancel();
                }
            },
            &cancel,
        );
        match stopped {
            Ok(_) | Err(Error::Cancelled) => {}
            Err(e) => panic!("stop at {stop_at}: {e}"),
        }
        relay.sync(&ben.store);
        relay.sync(&ana.store);
        assert_eq!(view(&ana, project), view(&ben, project), "stop at {stop_at}");
        // Every object in ben's mailbox is one its manifest names.
        let again = relay.sync(&ben.store);
        assert_eq!(
            (again.pushed, again.pulled, again.bytes_up),
            (0, 0, 0),
            "stop at {stop_at}"
        );
        let objects = relay.objects();
        let per_device: BTreeSet<_> = objects
            .keys()
            .map(|k| k.split('/').nth(1).unwrap().to_string())
            .collect();
        assert_eq!(per_device.len(), 2, "two mailboxes");
    }
}

#[test]
fn a_mailbox_sealed_by_another_group_is_refused_and_changes_nothing() {
    let relay = Relay::fs();
    let (ana, project) = Phone::founding("ana", "Bus stories");
    let amina = ana.consenting_storyteller(project, "Amina Diallo");
    ana.add_story(project, "The night bus", amina, "The 42 bus never came that winter.");
    relay.sync(&ana.store);
    // Another group's mailbox, copied into this project's folder.
    let other = Relay::fs();
    let (zed, other_project) = Phone::founding("zed", "Other group");
    let t = zed.consenting_storyteller(other_project, "Someone Else");
    zed.add_story(other_project, "Foreign", t, "Not yours.");
    other.sync(&zed.store);
    let ours = relay.objects().into_keys().next().unwrap();
    let our_project_dir = ours.split('/').next().unwrap().to_string();
    for (path, bytes) in other.objects() {
        let (_, rest) = path.split_once('/').unwrap();
        relay.put(&format!("{our_project_dir}/{rest}"), bytes);
    }
    let ben = Phone::invited_far_away("ben", &ana, project);
    let summary = relay.sync(&ben.store);
    assert_eq!(summary.rejected.len(), 1, "{summary:?}");
    assert!(summary.rejected[0].object.ends_with("manifest"));
    story_titled(&ben, project, "The night bus");
    assert!(ben.store.projects().unwrap().iter().all(|p| p.id != other_project));
}

#[test]
fn compaction_keeps_a_busy_phones_mailbox_small() {
    let relay = Relay::fs();
    let (ana, project) = Phone::founding("ana", "Bus stories");
    let amina = ana.consenting_storyteller(project, "Amina Diallo");
    let story = ana.add_story(project, "The night bus", amina, "The 42 bus");
    for i in 0..20 {
        ana.store.splice_transcript(story, 0, 0, &format!("{i} ")).unwrap();
        relay.sync(&ana.store);
    }
    let objects = relay.objects();
    assert!(objects.len() <= 1 + 9, "{} objects", objects.len());
    let ben = Phone::invited_far_away("ben", &ana, project);
    relay.sync(&ben.store);
    assert_eq!(
        ben.store.story(story).unwrap().transcript,
        ana.store.story(story).unwrap().transcript
    );
}

#[test]
fn a_phone_that_joined_by_invite_receives_the_project_from_the_relay() {
    let relay = Relay::fs();
    let (ana, project) = Phone::founding("ana", "Bus stories");
    relay.sync(&ana.store);
    let ben = Phone::invited_far_away("ben", &ana, project);
    relay.sync(&ben.store);
    relay.sync(&ana.store);
    let members = ana.store.project(project).unwrap().members;
    assert_eq!(members.len(), 2, "ana sees ben's membership");
}

#[derive(Debug, Clone)]
enum Step {
    Add { phone: usize },
    Edit { phone: usize, story: usize },
    Sync { phone: usize },
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        (0..3usize).prop_map(|phone| Step::Add { phone }),
        (0..3usize, 0..6usize).prop_map(|(phone, story)| Step::Edit { phone, story }),
        (0..3usize).prop_map(|phone| Step::Sync { phone }),
        (0..3usize).prop_map(|phone| Step::Sync { phone }),
    ];
    proptest::collection::vec(step, 4..24)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, .. ProptestConfig::default() })]

    /// Three phones that never meet collect and co-edit, syncing only
    /// through a shared folder in random orders; after each syncs twice
    /// more in turn, all hold the same project.
    #[test]
    fn three_phones_syncing_only_through_the_relay_in_any_order_converge(steps in steps()) {
        let relay = Relay::fs();
        let (ana, project) = Phone::founding("ana", "Bus stories");
        let ben = Phone::invited_far_away("ben", &ana, project);
        let cai = Phone::invited_far_away("cai", &ana, project);
        let phones = [ana, ben, cai];
        for phone in &phones {
            relay.sync(&phone.store);
        }
        let tellers: Vec<_> = phones.iter().map(|p| p.consenting_storyteller(project, "Amina Diallo")).collect();
        for step in &steps {
            match *step {
                Step::Add { phone } => {
                    phones[phone].add_story(project, "Story", tellers[phone], "A story told.");
                }
                Step::Edit { phone, story } => {
                    let listed = phones[phone].store.list_stories(&StoryQuery::new(project)).unwrap();
                    if let Some(s) = listed.stories.get(story % listed.stories.len().max(1)) {
                        phones[phone].store.splice_transcript(s.id, 0, 0, phones[phone].name).unwrap();
                    }
                }
                Step::Sync { phone } => {
                    relay.sync(&phones[phone].store);
                }
            }
        }
        for _ in 0..2 {
            for phone in &phones {
                relay.sync(&phone.store);
            }
        }
        let expected = view(&phones[0], project);
        prop_assert_eq!(view(&phones[1], project), expected.clone());
        prop_assert_eq!(view(&phones[2], project), expected);
    }
}

/// After compaction the relay holds about one copy of each document: its
/// bytes stay within 1.5× the stores' own document bytes (issue 10).
#[test]
fn after_compaction_the_relay_holds_about_one_copy_of_each_document() {
    let relay = Relay::fs();
    let (ana, project) = Phone::founding("ana", "Bus stories");
    let amina = ana.consenting_storyteller(project, "Amina Diallo");
    let mut stories = Vec::new();
    for round in 0..10 {
        for i in 0..20 {
            let text = format!("Round {round}, story {i}: the bus came late and the market was loud. ").repeat(8);
            stories.push(ana.add_story(project, &format!("Story {round}-{i}"), amina, &text));
        }
        relay.sync(&ana.store);
    }
    let summary = relay.sync(&ana.store);
    let on_relay: u64 = relay.objects().values().map(|b| b.len() as u64).sum();
    let documents: u64 = stories
        .iter()
        .map(|s| {
            let stats = ana.store.story_storage_stats(*s).unwrap();
            stats.snapshot_bytes + stats.incremental_bytes
        })
        .sum();
    eprintln!(
        "200 stories: {on_relay} bytes on the relay, {documents} bytes of story documents in the store ({summary:?})"
    );
    assert!(
        (on_relay as f64) <= 1.5 * documents as f64,
        "{on_relay} bytes on the relay for {documents} bytes of documents"
    );
}

//! Sessions between real stores: invites, convergence, round trips that do
//! not grow with the number of stories, only what is new on the next
//! session, consent to share, progress and cancellation.

use storyloom::sync::sync_stores;
use storyloom::{ConsentScope, Error, InteractionBadge, NewConsentWithdrawal, StoryQuery};
use storyloom_scenarios::{Phone, sync};

#[test]
fn a_phone_joins_with_an_invite_and_receives_the_project() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    asha.store.set_badge(amira, InteractionBadge::Red).unwrap();
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");

    let ben = Phone::invited("Ben", &asha, project);
    assert_eq!(ben.store.project(project).unwrap().name, "Bus routes");
    assert_eq!(ben.store.story(story).unwrap().transcript, "The bus stopped coming.");
    assert_eq!(ben.store.participant(amira).unwrap().badge, InteractionBadge::Red);
    assert_eq!(ben.store.search("bus", None, 5).unwrap()[0].story_id, story);
    // Ben's member was added to the project, and Asha learns of him.
    sync(&asha, &ben, project);
    let members: Vec<_> = asha
        .store
        .project(project)
        .unwrap()
        .members
        .into_iter()
        .map(|m| m.display_name)
        .collect();
    assert_eq!(members, vec!["Asha", "Ben"]);
    assert_eq!(ben.store.project(project).unwrap().local_member, Some(ben.member));
}

#[test]
fn concurrent_edits_on_both_sides_converge_in_one_session() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let ben = Phone::invited("Ben", &asha, project);

    asha.store.splice_transcript(story, 4, 3, "number 42 bus").unwrap();
    ben.store
        .splice_transcript(story, 23, 0, " Nobody told us why.")
        .unwrap();
    ben.store.add_tag(story, "transport").unwrap();
    let bilal = ben.consenting_storyteller(project, "Bilal");
    let bens = ben.add_story(project, "Evenings", bilal, "Nothing after six.");
    let report = sync(&asha, &ben, project);

    let expected = "The number 42 bus stopped coming. Nobody told us why.";
    for phone in [&asha, &ben] {
        assert_eq!(
            phone.store.story(story).unwrap().transcript,
            expected,
            "on {}",
            phone.name
        );
        assert_eq!(phone.store.story(story).unwrap().tags, vec!["transport"]);
        assert_eq!(phone.store.story(bens).unwrap().title, "Evenings");
    }
    assert!(report.round_trips <= 4, "{report:?}");
    assert!(report.documents_changed >= 4, "{report:?}");
}

#[test]
fn round_trips_do_not_grow_with_the_number_of_stories() {
    let mut counts = Vec::new();
    for stories in [10, 100] {
        let (asha, project) = Phone::founding("Asha", "Bus routes");
        let amira = asha.consenting_storyteller(project, "Amira");
        let ben = Phone::invited("Ben", &asha, project);
        // New stories on one side, edits to shared stories on both.
        let shared: Vec<_> = (0..stories / 2)
            .map(|i| asha.add_story(project, &format!("S{i}"), amira, "words"))
            .collect();
        sync(&asha, &ben, project);
        for (i, story) in shared.iter().enumerate() {
            asha.store.splice_transcript(*story, 0, 0, "A ").unwrap();
            if i % 2 == 0 {
                ben.store.splice_transcript(*story, 5, 0, " B").unwrap();
            }
        }
        for i in 0..stories / 2 {
            ben.add_story(project, &format!("B{i}"), amira, "more words");
        }
        let report = sync(&asha, &ben, project);
        counts.push((stories, report.round_trips));
        assert!(report.round_trips <= 4, "{stories} stories: {report:?}");
        let listed = |p: &Phone| {
            p.store
                .list_stories(&StoryQuery {
                    limit: 500,
                    ..StoryQuery::new(project)
                })
                .unwrap()
                .stories
                .len()
        };
        assert_eq!(listed(&asha), stories);
        assert_eq!(listed(&ben), stories);
    }
    assert_eq!(
        counts[0].1, counts[1].1,
        "the same number of round trips for 10 and 100 stories: {counts:?}"
    );
}

#[test]
fn the_next_session_with_the_same_peer_only_sends_what_is_new() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let long = "A long interview, transcribed word for word. ".repeat(200);
    let stories: Vec<_> = (0..20)
        .map(|i| asha.add_story(project, &format!("S{i}"), amira, &long))
        .collect();
    let ben = Phone::invited("Ben", &asha, project);
    let first = sync(&asha, &ben, project);

    let quiet = sync(&asha, &ben, project);
    assert_eq!(quiet.documents_changed, 0);
    asha.store.splice_transcript(stories[3], 0, 0, "Edited. ").unwrap();
    let small = sync(&asha, &ben, project);
    assert_eq!(small.documents_changed, 1, "{small:?}");
    assert!(
        small.bytes_a_to_b < 5_000,
        "one edit costs a catalog and one change, not the transcript again: {small:?} (first session {first:?})"
    );
    assert!(ben.store.story(stories[3]).unwrap().transcript.starts_with("Edited. "));
}

#[test]
fn stories_without_consent_to_share_stay_on_the_phone_that_recorded_them() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let bilal = asha.add_storyteller(project, "Bilal"); // no consent recorded yet
    let shared = asha.add_story(project, "Shared", amira, "yes");
    let private = asha.add_story(project, "Not yet", bilal, "wait");
    let ben = Phone::invited("Ben", &asha, project);
    assert!(ben.store.story(shared).is_ok());
    assert!(matches!(ben.store.story(private), Err(Error::NotFound { .. })));

    // When Amira withdraws sharing, her story stops travelling on.
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: None,
                scopes: vec![ConsentScope::ShareInProject],
                erase: false,
            },
        )
        .unwrap();
    asha.store.splice_transcript(shared, 0, 0, "New: ").unwrap();
    sync(&asha, &ben, project);
    assert_eq!(ben.store.story(shared).unwrap().transcript, "yes");
}

#[test]
fn progress_is_reported_and_a_session_can_be_cancelled() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    for i in 0..5 {
        asha.add_story(project, &format!("S{i}"), amira, "words");
    }
    let ben = Phone::invited("Ben", &asha, project);
    for i in 0..5 {
        ben.add_story(project, &format!("B{i}"), amira, "more");
    }
    let (mut a, first) = asha.store.start_sync(project).unwrap();
    let mut b = ben.store.accept_sync(project).unwrap();
    let reply = ben.store.sync_receive(&mut b, &first).unwrap().unwrap();
    let progress = b.progress();
    // Five stories Asha lacks (Ben's membership reached her when he joined).
    assert_eq!(progress.documents_expected, 5, "{progress:?}");

    assert!(progress.bytes_sent > 0 && progress.bytes_received > 0);
    let next = asha.store.sync_receive(&mut a, &reply).unwrap().unwrap();
    assert_eq!(a.progress().documents_changed, 5);

    let cancel = b.cancel_handle();
    cancel.cancel();
    assert!(matches!(ben.store.sync_receive(&mut b, &next), Err(Error::Cancelled)));
    // A new session finishes the work.
    let report = sync_stores(&asha.store, &ben.store, project).unwrap();
    assert!(report.round_trips <= 4);
}

#[test]
fn three_phones_offline_converge_whatever_order_they_meet_in() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let ben = Phone::invited("Ben", &asha, project);
    let cara = Phone::invited("Cara", &asha, project);
    let phones = [&asha, &ben, &cara];

    // Offline: each adds a story and edits the same transcript and badge.
    for phone in phones {
        phone.add_story(project, &format!("From {}", phone.name), amira, "my own");
        phone
            .store
            .splice_transcript(story, 0, 0, &format!("[{}] ", phone.name))
            .unwrap();
    }
    asha.store.set_badge(amira, InteractionBadge::Green).unwrap();
    ben.store.set_badge(amira, InteractionBadge::Yellow).unwrap();
    cara.store.set_badge(amira, InteractionBadge::Green).unwrap();

    // Pairwise, in an order where Cara only ever talks to Ben.
    sync(&ben, &cara, project);
    sync(&asha, &ben, project);
    sync(&ben, &cara, project);

    let view = |p: &Phone| {
        let story = p.store.story(story).unwrap();
        let stories = p.store.list_stories(&StoryQuery::new(project)).unwrap().stories.len();
        let badge = p.store.participant(amira).unwrap().badge;
        let hits = p.store.search("bus", None, 10).unwrap().len();
        (
            story.transcript,
            stories,
            badge,
            hits,
            p.store.effective_consent(amira, None).unwrap().scopes,
        )
    };
    let expected = view(&asha);
    assert_eq!(expected.1, 4);
    assert_eq!(expected.2, InteractionBadge::Yellow);
    for phone in phones {
        assert_eq!(view(phone), expected, "on {}", phone.name);
    }
    let heads = |p: &Phone| {
        let doc = p.store.export_story_document(story).unwrap();
        automerge::AutoCommit::load(&doc).unwrap().get_heads()
    };
    assert_eq!(heads(&asha), heads(&ben));
    assert_eq!(heads(&ben), heads(&cara));
}

#[test]
fn edits_after_a_sync_still_say_who_made_them() {
    let (mut asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let ben = Phone::invited("Ben", &asha, project);
    // Both phones have just loaded the story for the sync, then edit it.
    asha.store.add_tag(story, "asha").unwrap();
    ben.store.add_tag(story, "ben").unwrap();
    // After a restart, a bundle loads the story for reading, before any edit.
    asha.reopen();
    asha.store.export_bundle(project, None).unwrap();

    asha.store.add_tag(story, "after-bundle").unwrap();
    sync(&asha, &ben, project);
    let history = asha.store.story_history(story).unwrap();
    let names: Vec<_> = history
        .iter()
        .map(|h| h.member_name.clone().unwrap_or_default())
        .collect();
    assert!(
        history.iter().all(|h| h.member_id.is_some()),
        "every change is attributed: {names:?}"
    );
    assert_eq!(names.iter().filter(|n| *n == "Asha").count(), 3, "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "Ben").count(), 1, "{names:?}");
}

#[test]
fn a_session_ends_even_when_a_wanted_story_stops_being_shareable_halfway() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let stories: Vec<_> = (0..4)
        .map(|i| asha.add_story(project, &format!("S{i}"), amira, "words"))
        .collect();
    let ben = Phone::invited("Ben", &asha, project);
    let more: Vec<_> = (0..4)
        .map(|i| asha.add_story(project, &format!("T{i}"), amira, "more words"))
        .collect();

    // Tiny messages: one document at a time, so the stories go over several rounds.
    let limits = storyloom::sync::SyncLimits {
        target_message_bytes: 1,
        ..Default::default()
    };
    let (mut a, mut message) = asha.store.start_sync_with(project, limits).unwrap();
    let mut b = ben.store.accept_sync(project).unwrap();
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 50, "the session must end");
        let Some(reply) = ben.store.sync_receive(&mut b, &message).unwrap() else {
            break;
        };
        if rounds == 2 {
            // Amira withdraws sharing while her stories are on their way.
            asha.store
                .withdraw_consent(
                    project,
                    &NewConsentWithdrawal {
                        storyteller: amira,
                        story: None,
                        scopes: vec![ConsentScope::ShareInProject],
                        erase: false,
                    },
                )
                .unwrap();
        }
        let Some(next) = asha.store.sync_receive(&mut a, &reply).unwrap() else {
            break;
        };
        message = next;
    }
    assert!(a.is_done() || b.is_done());
    let arrived = more.iter().filter(|s| ben.store.story(**s).is_ok()).count();
    assert!(
        arrived < more.len(),
        "the stories still on their way stayed behind ({arrived} arrived)"
    );
    assert!(stories.iter().all(|s| ben.store.story(*s).is_ok()));
}

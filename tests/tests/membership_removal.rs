//! Removing a member (issue 12): Asha, a coordinator, removes Cara. The
//! group secret is renewed for the devices that remain; Cara's phone, once
//! Ben knows of the removal, receives nothing new, cannot open a new bundle,
//! holds no phrase of a story added afterwards, and nothing it sends is
//! taken. Dan, offline during the removal, picks up the new epoch at his
//! next sync with Ben.

use storyloom::sync::sync_stores;
use storyloom::{Error, ProjectId, StoryId};
use storyloom_scenarios::at_rest::files_containing;
use storyloom_scenarios::{Phone, sync};

struct Group {
    asha: Phone,
    ben: Phone,
    cara: Phone,
    dan: Phone,
    project: ProjectId,
    before: StoryId,
}

fn group() -> Group {
    let (asha, project) = Phone::founding("Asha", "Allotments");
    let amira = asha.consenting_storyteller(project, "Amira");
    let before = asha.add_story(project, "Plot 9", amira, "We grew beans by the canal.");
    let ben = Phone::invited("Ben", &asha, project);
    let cara = Phone::invited("Cara", &asha, project);
    let dan = Phone::invited("Dan", &asha, project);
    for phone in [&ben, &cara, &dan] {
        sync(&asha, phone, project);
    }
    Group {
        asha,
        ben,
        cara,
        dan,
        project,
        before,
    }
}

fn removed_reason(err: &Error) -> bool {
    matches!(err, Error::SyncRejected(reason) if reason.contains("removed"))
}

#[test]
fn after_asha_removes_cara_cara_gets_nothing_new_and_sends_nothing_accepted() {
    let g = group();
    g.asha.store.remove_member(g.project, g.cara.member).unwrap();
    let amira = g.asha.consenting_storyteller(g.project, "Amira Two");
    let after = g
        .asha
        .add_story(g.project, "Plot 12", amira, "The orchard bell rang twice at dusk.");
    g.asha
        .store
        .set_transcript(g.before, "We grew beans by the canal, and marrows.")
        .unwrap();
    sync(&g.asha, &g.ben, g.project);
    assert!(g.ben.store.story(after).is_ok(), "Ben has the new story");
    let on_ben = g.ben.store.members(g.project).unwrap();
    assert!(
        on_ben
            .iter()
            .any(|m| m.id == g.cara.member && m.removed && m.devices.is_empty())
    );

    // Cara syncing with Ben: a clear refusal, nothing new.
    let err = sync_stores(&g.cara.store, &g.ben.store, g.project).unwrap_err();
    assert!(removed_reason(&err), "{err:?}");
    // Ben speaking first: Cara cannot open his message (the new epoch); the
    // session started again from her side is refused.
    let err = sync_stores(&g.ben.store, &g.cara.store, g.project).unwrap_err();
    assert!(removed_reason(&err), "{err:?}");
    assert!(g.cara.store.story(after).is_err());
    assert_eq!(
        g.cara.store.story(g.before).unwrap().transcript,
        "We grew beans by the canal.",
        "what she already had stays, nothing newer arrives"
    );

    // A new bundle from Ben: sealed under a secret Cara never received.
    let bundle = g.ben.store.export_bundle(g.project, None).unwrap();
    let err = g.cara.store.import_bundle(&bundle).unwrap_err();
    assert!(matches!(err, Error::WrongKey { .. }), "{err:?}");

    // No phrase of the story added after the removal anywhere in her files.
    assert!(files_containing(g.cara.folder(), "orchard bell").is_empty());
    assert!(files_containing(g.cara.folder(), "marrows").is_empty());

    // Cara's edits, by bundle: refused, and Ben's copy is unchanged.
    g.cara
        .store
        .set_transcript(g.before, "Cara was here after her removal.")
        .unwrap();
    let from_cara = g.cara.store.export_bundle(g.project, None).unwrap();
    let err = g.ben.store.import_bundle(&from_cara).unwrap_err();
    assert!(removed_reason(&err), "{err:?}");
    assert_eq!(
        g.ben.store.story(g.before).unwrap().transcript,
        "We grew beans by the canal, and marrows."
    );
}

#[test]
fn dan_offline_during_the_removal_picks_up_the_new_epoch_from_ben() {
    let g = group();
    g.asha.store.remove_member(g.project, g.cara.member).unwrap();
    let amira = g.asha.consenting_storyteller(g.project, "Amira Two");
    let after = g
        .asha
        .add_story(g.project, "Plot 12", amira, "The orchard bell rang twice at dusk.");
    sync(&g.asha, &g.ben, g.project);

    // Dan still holds only the old secret: his first session with Ben
    // carries only the project document (with his sealed box of the new
    // secret); `sync_stores` then runs a second one, under the new epoch,
    // for the stories.
    let first = storyloom::sync::sync_stores(&g.dan.store, &g.ben.store, g.project).unwrap();
    assert!(first.round_trips >= 2);
    assert!(
        g.dan
            .store
            .members(g.project)
            .unwrap()
            .iter()
            .any(|m| m.id == g.cara.member && m.removed),
        "Dan learns of the removal"
    );
    assert!(g.dan.store.story(after).is_ok());
    // Now Ben and Asha can open a session Dan did not start.
    sync(&g.asha, &g.dan, g.project);
    let err = sync_stores(&g.cara.store, &g.dan.store, g.project).unwrap_err();
    assert!(removed_reason(&err), "{err:?}");
}

#[test]
fn removing_one_lost_phone_keeps_its_member_and_refuses_the_phone() {
    let g = group();
    let lost = g
        .ben
        .store
        .enrolled_devices(g.project)
        .unwrap()
        .into_iter()
        .find(|d| d.member == g.ben.member)
        .unwrap()
        .device;
    g.asha.store.remove_device(g.project, lost).unwrap();
    let members = g.asha.store.members(g.project).unwrap();
    let ben = members.iter().find(|m| m.id == g.ben.member).unwrap();
    assert!(!ben.removed && ben.devices.is_empty());
    sync(&g.asha, &g.dan, g.project);
    let err = sync_stores(&g.ben.store, &g.dan.store, g.project).unwrap_err();
    assert!(removed_reason(&err), "{err:?}");
}

#[test]
fn only_a_coordinator_may_remove() {
    let g = group();
    let err = g.ben.store.remove_member(g.project, g.cara.member).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(g.ben.store.members(g.project).unwrap().iter().all(|m| !m.removed));
}

//! Device keys and signed changes (issues 12 and 15, findings 5 and 10):
//! every device enrols its keys in the project, every change travels with
//! its author device's signature, and a member writing under another
//! device's actor id — unsigned, or signed with the wrong key — is dropped
//! and reported, while the real change still arrives and honest sync
//! carries on.

use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ROOT, ReadDoc};
use storyloom::sync::test_support::{forge_bundle, forge_session_message, forge_session_message_signing_every_change};
use storyloom::{DocKind, EnrolledDevice, ProjectId, StoryId, Uuid};
use storyloom_scenarios::{Phone, sync};

struct Group {
    asha: Phone,
    ben: Phone,
    cara: Phone,
    project: ProjectId,
    story: StoryId,
}

/// Asha, Ben and Cara share a project with one story; Cara will go bad.
fn group() -> Group {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let ben = Phone::invited("Ben", &asha, project);
    let cara = Phone::invited("Cara", &asha, project);
    sync(&asha, &ben, project);
    Group {
        asha,
        ben,
        cara,
        project,
        story,
    }
}

fn uuid(story: StoryId) -> Uuid {
    Uuid::from_bytes(*story.as_bytes())
}

/// Cara's copy of the story with one more change written under Asha's
/// actor id, with the sequence number Asha's own next change will have.
fn forged_in_ashas_name(g: &Group, phrase: &str) -> Vec<u8> {
    let mut doc = AutoCommit::load(&g.cara.store.export_story_document(g.story).unwrap())
        .unwrap()
        .with_actor(ActorId::from(g.asha.actor_bytes()));
    let transcript = match doc.get(ROOT, "transcript").unwrap() {
        Some((automerge::Value::Object(ObjType::Text), id)) => id,
        other => panic!("no transcript: {other:?}"),
    };
    doc.splice_text(&transcript, 0, 0, phrase).unwrap();
    doc.commit();
    doc.save()
}

/// Asha's real next change reaches Ben, by session, and Ben never held the
/// forgery: before signed changes, Ben kept whichever of the two he saw
/// first and refused the other for good ("duplicate seq").
fn the_real_change_still_arrives(g: &Group) {
    g.asha.store.splice_transcript(g.story, 0, 0, "Asha: ").unwrap();
    let report = sync(&g.asha, &g.ben, g.project);
    assert_eq!(report.documents_skipped, 0, "{report:?}");
    let transcript = g.ben.store.story(g.story).unwrap().transcript;
    assert_eq!(transcript, "Asha: The bus stopped coming.");
    assert_eq!(transcript, g.asha.store.story(g.story).unwrap().transcript);
}

#[test]
fn every_device_enrols_its_keys_when_it_creates_or_joins_and_all_see_the_same_devices() {
    let g = group();
    sync(&g.asha, &g.cara, g.project);
    sync(&g.asha, &g.ben, g.project);
    let mut expected: Vec<EnrolledDevice> = [&g.asha, &g.ben, &g.cara]
        .iter()
        .map(|p| EnrolledDevice {
            device: p.store.device_id(),
            member: p.member,
        })
        .collect();
    expected.sort();
    for phone in [&g.asha, &g.ben, &g.cara] {
        let mut devices = phone.store.enrolled_devices(g.project).unwrap();
        devices.sort();
        assert_eq!(devices, expected, "as {} sees it", phone.name);
    }
}

#[test]
fn a_change_forged_under_another_devices_actor_id_is_dropped_from_a_session_and_the_real_one_arrives() {
    let g = group();
    let forged = forged_in_ashas_name(&g, "FORGED ");
    let message = forge_session_message(&g.cara.store, g.project, &[(uuid(g.story), DocKind::Story, forged)]).unwrap();
    let mut session = g.ben.store.accept_sync(g.project).unwrap();
    g.ben.store.sync_receive(&mut session, &message).unwrap();
    assert_eq!(session.skipped_documents(), vec![uuid(g.story)], "dropped and reported");
    assert_eq!(
        g.ben.store.story(g.story).unwrap().transcript,
        "The bus stopped coming."
    );
    the_real_change_still_arrives(&g);
}

#[test]
fn a_change_signed_with_the_wrong_devices_key_is_dropped_and_the_real_one_arrives() {
    let g = group();
    let forged = forged_in_ashas_name(&g, "FORGED ");
    // Cara signs the change she wrote in Asha's name with her own key.
    let message = forge_session_message_signing_every_change(
        &g.cara.store,
        g.project,
        &[(uuid(g.story), DocKind::Story, forged)],
    )
    .unwrap();
    let mut session = g.ben.store.accept_sync(g.project).unwrap();
    g.ben.store.sync_receive(&mut session, &message).unwrap();
    assert_eq!(session.skipped_documents(), vec![uuid(g.story)]);
    assert_eq!(
        g.ben.store.story(g.story).unwrap().transcript,
        "The bus stopped coming."
    );
    the_real_change_still_arrives(&g);
}

#[test]
fn a_change_forged_under_another_devices_actor_id_is_dropped_from_a_bundle_and_the_real_one_arrives() {
    let g = group();
    let forged = forged_in_ashas_name(&g, "FORGED ");
    let bundle = forge_bundle(&g.cara.store, g.project, &[(uuid(g.story), DocKind::Story, forged)]).unwrap();
    let outcome = g.ben.store.import_bundle(&bundle).unwrap();
    assert_eq!(outcome.documents_skipped, 1, "{outcome:?}");
    assert_eq!(outcome.documents_changed, 0, "{outcome:?}");
    assert_eq!(
        g.ben.store.story(g.story).unwrap().transcript,
        "The bus stopped coming."
    );
    the_real_change_still_arrives(&g);
    // Ben's store reopens as it was.
    let mut ben = g.ben;
    ben.reopen();
    assert_eq!(
        ben.store.story(g.story).unwrap().transcript,
        "Asha: The bus stopped coming."
    );
}

#[test]
fn a_member_cannot_enrol_a_second_key_for_another_device_to_sign_in_its_name() {
    let g = group();
    // Cara writes, under Asha's actor id, an enrolment of her own key for
    // Asha's device, and signs it with that key.
    let mut doc = AutoCommit::load(&g.cara.store.export_project_document(g.project).unwrap())
        .unwrap()
        .with_actor(ActorId::from(g.asha.actor_bytes()));
    let mut value = g.asha.member.as_bytes().to_vec();
    value.extend_from_slice(&[9; 32]);
    let key = format!("device:{}:{}", g.asha.store.device_id(), "ab".repeat(32));
    doc.put(ROOT, key, automerge::ScalarValue::Bytes(value)).unwrap();
    doc.commit();
    let project_doc = storyloom::sync::test_support::project_document_id(g.project);
    let message = forge_session_message_signing_every_change(
        &g.cara.store,
        g.project,
        &[(project_doc, DocKind::Project, doc.save())],
    )
    .unwrap();
    let mut session = g.ben.store.accept_sync(g.project).unwrap();
    g.ben.store.sync_receive(&mut session, &message).unwrap();
    assert_eq!(session.skipped_documents(), vec![project_doc]);
    assert!(
        g.ben
            .store
            .enrolled_devices(g.project)
            .unwrap()
            .contains(&EnrolledDevice {
                device: g.asha.store.device_id(),
                member: g.asha.member,
            }),
        "Asha's own enrolment stands"
    );
    the_real_change_still_arrives(&g);
}

/// Automerge's sync lets a peer leave out a change it wrongly believes
/// this phone holds (a Bloom filter false positive, about one change in a
/// hundred). When the change left out is on the way to a new member's
/// enrolment, what depends on it cannot be checked yet: it waits, the gap
/// is asked for, and nothing is taken for a forgery. (Seen in CI as a
/// session between Ben and Cara that never finished: Cara's changes to the
/// project were dropped as forged, so the consent grant for her new story
/// never reached Ben and he asked for the story again every round.)
#[test]
fn a_change_the_peer_wrongly_thought_was_here_is_asked_for_not_taken_for_a_forgery() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::invited("Ben", &asha, project);
    sync(&asha, &ben, project);
    let cara = Phone::invited("Cara", &asha, project);
    sync(&asha, &cara, project);
    let yusuf = cara.consenting_storyteller(project, "Yusuf");
    let story = cara.add_story(project, "Night shift", yusuf, "The last bus is at ten.");

    let (mut cara_session, mut message) = cara.store.start_sync(project).unwrap();
    cara_session.simulate_bloom_false_positive();
    let mut ben_session = ben.store.accept_sync(project).unwrap();
    let mut finished = false;
    for _ in 0..20 {
        let Some(reply) = ben.store.sync_receive(&mut ben_session, &message).unwrap() else {
            finished = true;
            break;
        };
        let Some(next) = cara.store.sync_receive(&mut cara_session, &reply).unwrap() else {
            finished = true;
            break;
        };
        message = next;
    }
    assert!(finished, "the session finishes");
    assert!(
        ben_session.skipped_documents().is_empty(),
        "nothing was taken for a forgery"
    );
    assert!(
        ben.store
            .enrolled_devices(project)
            .unwrap()
            .iter()
            .any(|d| d.member == cara.member),
        "Cara's enrolment arrived"
    );
    assert_eq!(ben.store.story(story).unwrap().title, "Night shift");
}

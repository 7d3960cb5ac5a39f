//! Peers that are buggy or hostile: each kind of bad message is refused
//! with its own clear error, and the store is exactly as it was before.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use storyloom::Uuid;
use storyloom::sync::test_support::{forge_bundle, forge_session_message};
use storyloom::sync::{SyncLimits, sync_stores};
use storyloom::{DocKind, Error, MemberRole, ProjectId, Store, StoryQuery};
use storyloom_scenarios::{Phone, sync};

/// Everything a user could see in a store, to compare before and after.
fn snapshot(phone: &Phone, project: ProjectId) -> String {
    let stories = phone
        .store
        .list_stories(&StoryQuery {
            limit: 500,
            ..StoryQuery::new(project)
        })
        .unwrap();
    let mut out = format!(
        "{:?}\n{:?}\n",
        phone.store.project(project).unwrap(),
        phone.store.participants(project).unwrap()
    );
    for s in stories.stories {
        out.push_str(&format!("{:?}\n", phone.store.story(s.id).unwrap()));
        out.push_str(&format!("{:?}\n", phone.store.story_history(s.id).unwrap()));
    }
    out.push_str(&format!("{:?}", phone.store.consent_records(project, None).unwrap()));
    out
}

fn setup() -> (Phone, Phone, ProjectId) {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let ben = Phone::invited("Ben", &asha, project);
    sync(&asha, &ben, project);
    (asha, ben, project)
}

fn reason(result: storyloom::Result<Option<Vec<u8>>>) -> String {
    match result {
        Err(Error::SyncRejected(reason)) => reason,
        other => panic!("expected SyncRejected, got {other:?}"),
    }
}

/// Asha has something new to say, so her first message is substantial.
fn first_message(asha: &Phone, project: ProjectId) -> Vec<u8> {
    asha.store.add_theme(project, "Reliability", "").unwrap();
    asha.store.start_sync(project).unwrap().1
}

#[test]
fn a_device_with_the_wrong_secret_can_neither_read_nor_inject() {
    let (asha, ben, project) = setup();
    // Mallory has a copy of the invite with the secret changed.
    let invite = asha.store.invite(project).unwrap();
    let mut secret = [0x55u8; 32];
    secret[0] = invite.len() as u8; // anything but the group's secret
    let forged = storyloom::sync::test_support::invite_with_secret(project, "Bus routes", secret).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mallory = Store::open(dir.path().join("mallory.storyloom")).unwrap();
    mallory.join(&forged, "Mallory", MemberRole::Reporter).unwrap();

    // She cannot read what Asha sends…
    let message = first_message(&asha, project);
    let mut listening = mallory.accept_sync(project).unwrap();
    assert!(matches!(
        mallory.sync_receive(&mut listening, &message),
        Err(Error::WrongKey { .. })
    ));

    // …and what she sends is refused.
    let before = snapshot(&ben, project);
    let mut fake = AutoCommit::new();
    fake.put(ROOT, "type", "participant").unwrap();
    let injected = forge_session_message(
        &mallory,
        project,
        &[(Uuid::new_v4(), DocKind::Participant, fake.save())],
    )
    .unwrap();
    let mut session = ben.store.accept_sync(project).unwrap();
    match ben.store.sync_receive(&mut session, &injected) {
        Err(Error::WrongKey { reason, .. }) => assert!(reason.contains("different group secret"), "{reason}"),
        other => panic!("expected WrongKey, got {other:?}"),
    }
    assert_eq!(snapshot(&ben, project), before);
}

#[test]
fn a_flipped_bit_a_truncated_message_and_a_stranger_are_each_refused() {
    let (asha, ben, project) = setup();
    let message = first_message(&asha, project);
    let before = snapshot(&ben, project);

    let mut flipped = message.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let mut session = ben.store.accept_sync(project).unwrap();
    assert!(reason(ben.store.sync_receive(&mut session, &flipped)).contains("altered"));

    let mut session = ben.store.accept_sync(project).unwrap();
    assert!(reason(ben.store.sync_receive(&mut session, &message[..message.len() - 7])).contains("altered"));
    let mut session = ben.store.accept_sync(project).unwrap();
    assert!(reason(ben.store.sync_receive(&mut session, &message[..20])).contains("truncated"));
    let mut session = ben.store.accept_sync(project).unwrap();
    assert!(reason(ben.store.sync_receive(&mut session, b"{\"hello\": \"world\"}")).contains("not a Storyloom"));
    // A refused message ends the session.
    assert!(reason(ben.store.sync_receive(&mut session, &message)).contains("ended"));

    assert_eq!(snapshot(&ben, project), before);
}

#[test]
fn a_replayed_old_message_is_refused() {
    let (asha, ben, project) = setup();
    let (mut a, first) = asha.store.start_sync(project).unwrap();
    let mut b = ben.store.accept_sync(project).unwrap();
    let reply = ben.store.sync_receive(&mut b, &first).unwrap().unwrap();
    let before = snapshot(&ben, project);
    assert!(reason(ben.store.sync_receive(&mut b, &first)).contains("replay"));
    assert_eq!(snapshot(&ben, project), before);

    // Ben's answer from that session, replayed into a new session of Asha's.
    asha.store.sync_receive(&mut a, &reply).unwrap();
    let (mut later, _) = asha.store.start_sync(project).unwrap();
    assert!(reason(asha.store.sync_receive(&mut later, &reply)).contains("another sync session"));
}

#[test]
fn a_message_for_another_project_is_refused() {
    let (asha, ben, project) = setup();
    let (other, _) = asha
        .store
        .create_project("Another project", "Asha", MemberRole::Reporter)
        .unwrap();
    let (_, message) = asha.store.start_sync(other).unwrap();
    let before = snapshot(&ben, project);
    let mut session = ben.store.accept_sync(project).unwrap();
    assert!(reason(ben.store.sync_receive(&mut session, &message)).contains("project"));
    assert_eq!(snapshot(&ben, project), before);
}

#[test]
fn an_oversized_message_is_refused_before_it_is_read() {
    let (asha, ben, project) = setup();
    let message = first_message(&asha, project);
    let limits = SyncLimits {
        max_message_bytes: 64,
        ..SyncLimits::default()
    };
    let mut session = ben.store.accept_sync_with(project, limits).unwrap();
    assert!(reason(ben.store.sync_receive(&mut session, &message)).contains("limit"));
}

/// A story document missing its transcript, under a real story's id.
fn schema_violating_story(project: ProjectId, id: Uuid) -> Vec<u8> {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "type", "story").unwrap();
    doc.put(ROOT, "schema", 1).unwrap();
    doc.put(ROOT, "id", id.to_string()).unwrap();
    doc.put(ROOT, "project_id", project.to_string()).unwrap();
    doc.put(ROOT, "title", 42).unwrap();
    doc.save()
}

#[test]
fn a_schema_violating_document_is_refused_and_nothing_of_its_message_is_kept() {
    let (asha, ben, project) = setup();
    let story = asha.store.list_stories(&StoryQuery::new(project)).unwrap().stories[0].id;
    let before = snapshot(&ben, project);
    // A valid new participant and a broken story in the same message.
    let bilal = asha.add_storyteller(project, "Bilal");
    let good = asha.store.export_participant_document(bilal).unwrap();
    let docs = vec![
        (Uuid::from_bytes(*bilal.as_bytes()), DocKind::Participant, good),
        (
            Uuid::from_bytes(*story.as_bytes()),
            DocKind::Story,
            schema_violating_story(project, Uuid::from_bytes(*story.as_bytes())),
        ),
    ];
    let message = forge_session_message(&asha.store, project, &docs).unwrap();
    let mut session = ben.store.accept_sync(project).unwrap();
    let refusal = reason(ben.store.sync_receive(&mut session, &message));
    assert!(refusal.contains("invalid"), "{refusal}");
    assert_eq!(
        snapshot(&ben, project),
        before,
        "not even the valid participant was kept"
    );
    assert!(ben.store.participant(bilal).is_err());

    // The same in a bundle.
    let bundle = forge_bundle(&asha.store, project, &docs).unwrap();
    assert!(matches!(ben.store.import_bundle(&bundle), Err(Error::SyncRejected(_))));
    assert_eq!(snapshot(&ben, project), before);

    // Afterwards, honest sessions work as ever.
    let report = sync_stores(&asha.store, &ben.store, project).unwrap();
    assert!(report.documents_changed >= 1);
    assert_eq!(ben.store.participant(bilal).unwrap().display_name, "Bilal");
}

#[test]
fn a_member_cannot_rewrite_or_remove_consent_records() {
    let (asha, ben, project) = setup();
    let amira = ben.store.participants(project).unwrap()[0].id;
    asha.store
        .withdraw_consent(
            project,
            &storyloom::NewConsentWithdrawal {
                storyteller: amira,
                story: None,
                scopes: vec![],
                erase: false,
            },
        )
        .unwrap();
    sync(&asha, &ben, project);
    let before = snapshot(&ben, project);

    // A member's device deletes the withdrawal from its copy of the project,
    // writing (and so signing) as itself.
    let mut doc = AutoCommit::load(&asha.store.export_project_document(project).unwrap())
        .unwrap()
        .with_actor(automerge::ActorId::from(asha.actor_bytes()));
    let ledger = match automerge::ReadDoc::get(&doc, ROOT, "consent").unwrap() {
        Some((automerge::Value::Object(_), id)) => id,
        _ => panic!("no ledger"),
    };
    let keys: Vec<String> = automerge::ReadDoc::keys(&doc, &ledger).collect();
    for key in keys {
        doc.delete(&ledger, key.as_str()).unwrap();
    }
    let tampered = doc.save();
    let project_id = Uuid::from_bytes(*project.as_bytes());
    let message = forge_session_message(&asha.store, project, &[(project_id, DocKind::Project, tampered)]).unwrap();
    let mut session = ben.store.accept_sync(project).unwrap();
    let refusal = reason(ben.store.sync_receive(&mut session, &message));
    assert!(refusal.contains("append-only"), "{refusal}");
    assert_eq!(snapshot(&ben, project), before);
}

#[test]
fn the_same_store_cannot_be_opened_twice_in_one_process() {
    let (asha, _) = Phone::founding("Asha", "Bus routes");
    match Store::open(asha.path()) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "path"),
        other => panic!("expected a refusal, got {:?}", other.map(|_| ())),
    }
}

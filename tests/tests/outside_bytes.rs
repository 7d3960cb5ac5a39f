//! Every parser of bytes from outside — documents, session messages,
//! bundles, invites — meets random and mutated input: it answers with an
//! error or a harmless success, never a panic, and a refusal changes nothing.

use proptest::prelude::*;
use storyloom::{Error, MemberRole, ProjectId, Store, StoryQuery};
use storyloom_scenarios::Phone;

fn setup() -> (Phone, Phone, ProjectId, Vec<u8>, Vec<u8>, Vec<u8>) {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming 😀.");
    asha.store.add_highlight(story, 4, 7, Some("t"), "n").unwrap();
    let ben = Phone::invited("Ben", &asha, project);
    asha.store.splice_transcript(story, 0, 0, "Edited: ").unwrap();
    let document = asha.store.export_story_document(story).unwrap();
    let message = asha.store.start_sync(project).unwrap().1;
    let bundle = asha.store.export_bundle(project, None).unwrap();
    (asha, ben, project, document, message, bundle)
}

fn snapshot(phone: &Phone, project: ProjectId) -> String {
    let stories = phone.store.list_stories(&StoryQuery::new(project)).unwrap();
    let texts: Vec<_> = stories
        .stories
        .iter()
        .map(|s| phone.store.story(s.id).unwrap().transcript)
        .collect();
    format!(
        "{:?} {:?}",
        texts,
        phone.store.consent_records(project, None).unwrap().len()
    )
}

/// A copy of `bytes` with a few bytes changed, cut or added.
fn mutate(bytes: &[u8], edits: &[(u16, u8, u8)]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for (at, value, how) in edits {
        if out.is_empty() {
            break;
        }
        let at = *at as usize % out.len();
        match how % 3 {
            0 => out[at] ^= value | 1,
            1 => out.truncate(at),
            _ => out.insert(at, *value),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn random_bytes_are_refused_cleanly(bytes in proptest::collection::vec(any::<u8>(), 0..2048), text in ".{0,200}") {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s.storyloom")).unwrap();
        let (project, _) = store.create_project("P", "M", MemberRole::Reporter).unwrap();
        prop_assert!(store.import_document(&bytes).is_err());
        prop_assert!(store.import_bundle(&bytes).is_err());
        let mut session = store.accept_sync(project).unwrap();
        prop_assert!(store.sync_receive(&mut session, &bytes).is_err());
        let refused = matches!(store.join(&text, "X", MemberRole::Reporter), Err(Error::InvalidInput { .. }));
        prop_assert!(refused);

        // Whatever follows the prefix, parsing answers (almost always with an error).
        let _ = storyloom::sync::Invite::parse(&format!("storyloom:2:{}", text));

    }
}

#[test]
fn mutated_documents_messages_and_bundles_never_panic_and_change_nothing_when_refused() {
    let (_asha, ben, project, document, message, bundle) = setup();
    let before = snapshot(&ben, project);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 96,
        ..ProptestConfig::default()
    });
    let edits = proptest::collection::vec((any::<u16>(), any::<u8>(), any::<u8>()), 1..4);
    runner
        .run(&edits, |edits| {
            let doc = mutate(&document, &edits);
            if ben.store.import_document(&doc).is_err() {
                prop_assert_eq!(snapshot(&ben, project), before.clone());
            }
            let msg = mutate(&message, &edits);
            let mut session = ben.store.accept_sync(project).unwrap();
            if ben.store.sync_receive(&mut session, &msg).is_err() {
                prop_assert_eq!(snapshot(&ben, project), before.clone());
            }
            let b = mutate(&bundle, &edits);
            if ben.store.import_bundle(&b).is_err() {
                prop_assert_eq!(snapshot(&ben, project), before.clone());
            }
            Ok(())
        })
        .unwrap();
}

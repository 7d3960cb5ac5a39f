//! What is stored stays small and stays usable: the first edit after
//! opening a store appends only that edit, and one story whose stored bytes
//! are damaged does not stop the project from syncing or exporting.

use storyloom::sync::sync_stores;
use storyloom::{ExportFormat, ExportPurpose, StoryId};
use storyloom_scenarios::{Phone, sync};

#[test]
fn the_first_edit_after_reopening_the_store_appends_only_that_edit() {
    let (mut phone, project) = Phone::founding("Amira", "Market voices");
    let teller = phone.consenting_storyteller(project, "Samira");
    let transcript = "We carried the fish from the harbour before the sun was up. ".repeat(60);
    let story = phone.add_story(project, "Harbour mornings", teller, &transcript);
    let before = phone.store.story_storage_stats(story).unwrap();
    assert_eq!((before.chunks, before.incremental_bytes), (1, 0));

    phone.reopen();
    phone.store.add_tag(story, "harbour").unwrap();
    let after = phone.store.story_storage_stats(story).unwrap();
    assert_eq!(after.chunks, 2, "the edit is appended as one chunk");
    assert!(
        after.incremental_bytes < 512,
        "the first edit after reopening appended {} bytes (the document is {} bytes): \
         it must append the edit, not the whole history again",
        after.incremental_bytes,
        before.snapshot_bytes
    );
    phone.reopen();
    assert_eq!(phone.store.story(story).unwrap().tags, vec!["harbour".to_string()]);
}

/// Overwrites the stored bytes of one story, as a damaged disk or a bug in
/// an older version might.
fn damage(phone: &mut Phone, story: StoryId) {
    phone.store.close().unwrap();
    let conn = rusqlite::Connection::open(phone.path()).unwrap();
    let damaged = conn
        .execute(
            "UPDATE document_chunks SET data = ?2 WHERE doc_id = ?1",
            rusqlite::params![
                story.to_string(),
                vec![0x85u8, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 5, 6, 7, 8]
            ],
        )
        .unwrap();
    assert!(damaged > 0);
    drop(conn);
    phone.store = storyloom::Store::open(phone.path()).unwrap();
}

/// A project where one of Amira's stories no longer loads on her phone, and
/// both phones have edits the other has not seen.
fn one_damaged_story() -> (Phone, Phone, storyloom::ProjectId, StoryId, StoryId) {
    let (mut amira, project) = Phone::founding("Amira", "Market voices");
    let bilal = Phone::invited("Bilal", &amira, project);
    let teller = amira.consenting_storyteller(project, "Samira");
    let damaged = amira.add_story(project, "Damaged", teller, "The first story.");
    let healthy = amira.add_story(project, "Healthy", teller, "The second story.");
    sync(&amira, &bilal, project);
    bilal.store.add_tag(damaged, "from-bilal").unwrap();
    bilal.store.add_tag(healthy, "from-bilal").unwrap();
    amira.store.add_tag(healthy, "from-amira").unwrap();
    damage(&mut amira, damaged);
    assert!(amira.store.story(damaged).is_err());
    (amira, bilal, project, damaged, healthy)
}

#[test]
fn one_unreadable_story_does_not_stop_sync_bundles_or_export() {
    let (amira, bilal, project, damaged, healthy) = one_damaged_story();

    sync_stores(&amira.store, &bilal.store, project).expect("the session carries on without the damaged story");
    let tags = |phone: &Phone| phone.store.story(healthy).unwrap().tags;
    assert_eq!(tags(&amira), vec!["from-amira".to_string(), "from-bilal".to_string()]);
    assert_eq!(tags(&bilal), tags(&amira));

    bilal.store.add_tag(healthy, "by-bundle").unwrap();
    let bundle = amira
        .store
        .export_bundle(project, None)
        .expect("the bundle leaves the damaged story out");
    bilal.store.import_bundle(&bundle).unwrap();
    let back = bilal.store.export_bundle(project, None).unwrap();
    amira
        .store
        .import_bundle(&back)
        .expect("the import leaves the damaged story out");
    assert!(tags(&amira).contains(&"by-bundle".to_string()));

    let folder = tempfile::tempdir().unwrap();
    let report = amira
        .store
        .export_project(project, folder.path(), ExportFormat::Json, ExportPurpose::Archive)
        .expect("the export carries on without the damaged story");
    assert!(report.withheld.iter().any(|w| w.id == damaged));
    assert!(!report.exported.contains(&damaged));
    assert!(bilal.store.story(damaged).is_ok(), "Bilal's copy is untouched");
}

#[test]
fn sync_bundles_and_export_name_the_unreadable_story() {
    let (amira, bilal, project, damaged, _) = one_damaged_story();
    let damaged_id = storyloom::Uuid::from_bytes(*damaged.as_bytes());

    let (mut session, mut message) = amira.store.start_sync(project).unwrap();
    let mut theirs = bilal.store.accept_sync(project).unwrap();
    while let Some(reply) = bilal.store.sync_receive(&mut theirs, &message).unwrap() {
        match amira.store.sync_receive(&mut session, &reply).unwrap() {
            Some(next) => message = next,
            None => break,
        }
    }
    assert_eq!(session.unreadable_documents(), vec![damaged_id]);

    let export = amira.store.export_bundle_with_report(project, None).unwrap();
    assert_eq!(export.unreadable_documents, vec![damaged_id]);
    bilal.store.add_tag(damaged, "again").unwrap();
    let outcome = amira
        .store
        .import_bundle(&bilal.store.export_bundle(project, None).unwrap())
        .unwrap();
    assert_eq!(outcome.unreadable_documents, vec![damaged_id]);
    assert_eq!(amira.store.unreadable_documents().unwrap(), vec![damaged_id]);

    let folder = tempfile::tempdir().unwrap();
    let report = amira
        .store
        .export_project(project, folder.path(), ExportFormat::Json, ExportPurpose::Archive)
        .unwrap();
    let withheld = report.withheld.iter().find(|w| w.id == damaged).unwrap();
    assert!(withheld.reason.starts_with("unreadable"), "{}", withheld.reason);
}

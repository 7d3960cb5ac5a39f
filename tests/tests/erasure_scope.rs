//! Consent and erasure do exactly what was asked, nothing more: a
//! withdrawal must name the storyteller's own story, erasure never reports
//! success while bytes remain, reads write nothing, readers cannot hold an
//! erasure up, and a re-export leaves no file of an erased story behind.

use std::fs;
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;

use storyloom::{
    ConsentMethod, ConsentScope, Error, ExportFormat, ExportPurpose, NewConsentGrant, NewConsentWithdrawal, StoryId,
    StoryQuery,
};
use storyloom_scenarios::Phone;

fn erase(storyteller: storyloom::ParticipantId, story: Option<StoryId>) -> NewConsentWithdrawal {
    NewConsentWithdrawal {
        storyteller,
        story,
        scopes: vec![],
        erase: true,
    }
}

fn field_of(result: storyloom::Result<storyloom::ConsentRecordId>) -> String {
    match result {
        Err(Error::InvalidInput { field, .. }) => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file()
            && fs::read(&path)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
        {
            found.push(path.display().to_string());
        }
    }
    found
}

#[test]
fn a_withdrawal_naming_another_storytellers_story_is_refused_and_erases_nothing() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let bilal = asha.consenting_storyteller(project, "Bilal");
    let bilals = asha.add_story(project, "Bilal's story", bilal, "The night bus.");
    let ledger_before = asha.store.consent_records(project, None).unwrap();

    // `consent withdraw --storyteller AMIRA --story BILALS_STORY --erase`
    assert_eq!(
        field_of(asha.store.withdraw_consent(project, &erase(amira, Some(bilals)))),
        "story"
    );
    let withdraw_only = NewConsentWithdrawal {
        erase: false,
        ..erase(amira, Some(bilals))
    };
    assert_eq!(field_of(asha.store.withdraw_consent(project, &withdraw_only)), "story");
    // A story that does not exist is refused the same way.
    assert_eq!(
        field_of(
            asha.store
                .withdraw_consent(project, &erase(amira, Some(StoryId::new())))
        ),
        "story"
    );
    // And so is a grant for another storyteller's story.
    let grant = NewConsentGrant {
        story: Some(bilals),
        ..NewConsentGrant::new(amira, vec![ConsentScope::Research], ConsentMethod::Spoken)
    };
    assert_eq!(field_of(asha.store.grant_consent(project, &grant)), "story");

    assert_eq!(asha.store.story(bilals).unwrap().transcript, "The night bus.");
    assert_eq!(
        asha.store.consent_records(project, None).unwrap(),
        ledger_before,
        "nothing recorded"
    );
}

#[test]
fn a_storyteller_erased_entirely_still_cannot_erase_someone_elses_story() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let bilal = asha.consenting_storyteller(project, "Bilal");
    asha.add_story(project, "Amira's", amira, "one");
    let bilals = asha.add_story(project, "Bilal's", bilal, "two");
    let all = asha.store.withdraw_consent(project, &erase(amira, None)).unwrap();
    // Asking again is the documented no-op…
    assert_eq!(asha.store.withdraw_consent(project, &erase(amira, None)).unwrap(), all);
    // …but naming Bilal's story is still refused, and his story stays.
    assert_eq!(
        field_of(asha.store.withdraw_consent(project, &erase(amira, Some(bilals)))),
        "story"
    );
    assert_eq!(asha.store.story(bilals).unwrap().title, "Bilal's");
}

#[test]
fn opening_and_reading_a_store_after_an_erasure_writes_nothing() {
    let (mut asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let bilal = asha.consenting_storyteller(project, "Bilal");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    asha.add_story(project, "Evenings", bilal, "Nothing after six.");
    asha.store
        .withdraw_consent(project, &erase(amira, Some(story)))
        .unwrap();
    asha.store.withdraw_consent(project, &erase(amira, None)).unwrap();
    asha.store.close().unwrap();
    let before = fs::read(asha.path()).unwrap();

    for _ in 0..20 {
        asha.reopen();
        asha.store.list_stories(&StoryQuery::new(project)).unwrap();
        asha.store.consent_records(project, None).unwrap();
        asha.store.effective_consent(bilal, None).unwrap();
    }
    asha.store.close().unwrap();
    assert!(
        fs::read(asha.path()).unwrap() == before,
        "20 opens and reads changed the store file"
    );
}

#[test]
fn an_interrupted_erasure_is_resumed_whatever_the_ledgers_json_looks_like() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "quokkazanzibar words");
    let ben = Phone::invited("Ben", &asha, project);
    asha.store
        .withdraw_consent(project, &erase(amira, Some(story)))
        .unwrap();
    let erased_project = asha.store.export_project_document(project).unwrap();
    let records = asha.store.consent_records(project, Some(amira)).unwrap();
    let withdrawal = records.last().unwrap().clone();
    let path = ben.path();
    ben.store.close().unwrap();

    // Ben's device merged and indexed the withdrawal, then died before
    // erasing: his project document and ledger index hold it (the index
    // JSON formatted with spaces), his copy of the story is still there.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        let project_id = storyloom::Uuid::from_bytes(*project.as_bytes())
            .hyphenated()
            .to_string();
        conn.execute("DELETE FROM document_chunks WHERE doc_id = ?1", [&project_id])
            .unwrap();
        conn.execute(
            "INSERT INTO document_chunks (doc_id, seq, data) VALUES (?1, 0, ?2)",
            rusqlite::params![project_id, erased_project],
        )
        .unwrap();
        conn.execute(
            "UPDATE documents SET snapshot_bytes = ?2, incremental_bytes = 0, heads = NULL WHERE doc_id = ?1",
            rusqlite::params![project_id, erased_project.len() as i64],
        )
        .unwrap();
        let pretty = serde_json::to_string_pretty(&withdrawal).unwrap();
        assert!(pretty.contains("\"erase\": true"));
        conn.execute(
            "INSERT INTO consent_ledger (record_id, project_id, participant_id, story_id, at, record, erase)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 1)",
            rusqlite::params![
                withdrawal.id().to_string(),
                project.to_string(),
                amira.to_string(),
                story.to_string(),
                withdrawal.at().timestamp_millis(),
                pretty
            ],
        )
        .unwrap();
    }
    let reopened = storyloom::Store::open(&path).unwrap();
    assert!(matches!(reopened.story(story), Err(Error::Erased { .. })));
    reopened.close().unwrap();
    assert!(files_containing(path.parent().unwrap(), "quokkazanzibar").is_empty());
}

#[test]
fn a_reader_held_open_cannot_hold_an_erasure_up_and_the_scrub_finishes_later() {
    let (mut asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let bilal = asha.consenting_storyteller(project, "Bilal");
    let phrase = "marmalademoonbeam";
    let story = asha.add_story(project, "The 42", amira, &format!("Before {phrase} after."));
    let keep = asha.add_story(project, "Evenings", bilal, "Nothing after six.");
    for i in 0..20 {
        asha.store
            .splice_transcript(story, 0, 0, &format!("edit {i} "))
            .unwrap();
    }
    asha.store.close().unwrap();
    asha.store = storyloom::Store::open(asha.path()).unwrap();

    // Another process's reader sits on a snapshot that still holds the story.
    let reader = rusqlite::Connection::open(asha.path()).unwrap();
    reader.execute_batch("BEGIN").unwrap();
    let held: i64 = reader
        .query_row("SELECT COUNT(*) FROM document_chunks", [], |r| r.get(0))
        .unwrap();
    assert!(held > 0);

    let folder = asha.folder().to_path_buf();
    let store = std::sync::Arc::new(asha.store);
    let (done, finished) = mpsc::channel();
    let erasing = {
        let store = store.clone();
        std::thread::spawn(move || {
            let result = store.withdraw_consent(project, &erase(amira, Some(story)));
            done.send(result.map(|_| ())).unwrap();
        })
    };
    let result = finished
        .recv_timeout(Duration::from_secs(5))
        .expect("the erasure must not wait for the reader");
    result.unwrap();
    erasing.join().unwrap();
    // Done in the ledger and the index at once.
    assert!(matches!(store.story(story), Err(Error::Erased { .. })));
    assert!(store.search(phrase, None, 10).unwrap().is_empty());

    // The reader goes; the next write finishes the scrub.
    drop(reader);
    store.add_tag(keep, "evenings").unwrap();
    for name in ["phone.storyloom", "phone.storyloom-wal"] {
        let path = folder.join(name);
        if path.exists() {
            assert!(
                !fs::read(&path)
                    .unwrap()
                    .windows(phrase.len())
                    .any(|w| w == phrase.as_bytes()),
                "{name} still holds the erased text after the next write"
            );
        }
    }
    std::sync::Arc::try_unwrap(store).ok().unwrap().close().unwrap();
    assert!(files_containing(&folder, phrase).is_empty());
}

#[test]
fn exporting_again_removes_the_files_of_stories_now_erased_or_withheld_and_nothing_else() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let bilal = asha.consenting_storyteller(project, "Bilal");
    let cara = asha.consenting_storyteller(project, "Cara");
    for teller in [amira, bilal, cara] {
        asha.store
            .grant_consent(
                project,
                &NewConsentGrant::new(teller, vec![ConsentScope::Research], ConsentMethod::Spoken),
            )
            .unwrap();
    }
    let amiras = asha.add_story(project, "Amira's", amira, "one");
    let bilals = asha.add_story(project, "Bilal's", bilal, "two");
    let caras = asha.add_story(project, "Cara's", cara, "three");
    let out = tempfile::tempdir().unwrap();
    fs::write(out.path().join("notes.txt"), "mine").unwrap();
    fs::create_dir_all(out.path().join("stories")).unwrap();
    fs::write(out.path().join("stories").join("draft.json"), "{}").unwrap();
    let first = asha
        .store
        .export_project(project, out.path(), ExportFormat::Json, ExportPurpose::Research)
        .unwrap();
    assert_eq!(first.exported.len(), 3);

    asha.store
        .withdraw_consent(project, &erase(amira, Some(amiras)))
        .unwrap();
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: bilal,
                story: None,
                scopes: vec![ConsentScope::Research],
                erase: false,
            },
        )
        .unwrap();
    let second = asha
        .store
        .export_project(project, out.path(), ExportFormat::Json, ExportPurpose::Research)
        .unwrap();
    assert_eq!(second.exported, vec![caras]);
    let stories: Vec<String> = fs::read_dir(out.path().join("stories"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut stories = stories;
    stories.sort();
    let mut expected = vec![format!("{caras}.json"), "draft.json".to_string()];
    expected.sort();
    assert_eq!(
        stories, expected,
        "erased and withheld stories' files are gone; others' files stay"
    );
    assert_eq!(fs::read_to_string(out.path().join("notes.txt")).unwrap(), "mine");
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.path().join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["exported"], serde_json::json!([caras]));
    assert!(manifest["withheld"].to_string().contains(&bilals.to_string()));
    assert!(
        !fs::read_to_string(out.path().join("index.json"))
            .unwrap()
            .contains(&amiras.to_string())
    );

    // Switching to CSV removes the JSON files this export wrote.
    asha.store
        .export_project(project, out.path(), ExportFormat::Csv, ExportPurpose::Research)
        .unwrap();
    assert!(!out.path().join("index.json").exists());
    assert!(!out.path().join("stories").join(format!("{caras}.json")).exists());
    assert!(out.path().join("stories").join("draft.json").exists());
    assert!(out.path().join("stories.csv").exists());
}

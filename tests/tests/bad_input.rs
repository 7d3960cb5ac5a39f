//! Bad input gets a clear, typed error and changes nothing; bad files are
//! refused and left as they were.

use std::fs;

use storyloom::{
    Error, InteractionBadge, NewParticipant, NewStory, ParticipantId, RecordKind, Store, StoryId, StoryUpdate,
};
use storyloom_scenarios::Phone;

fn invalid_field(err: Error) -> String {
    match err {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn an_empty_title_is_refused() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let err = asha
        .store
        .create_story(
            project,
            &NewStory {
                title: "   ".into(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(invalid_field(err), "title");
    assert!(
        asha.store
            .list_stories(&storyloom::StoryQuery::new(project))
            .unwrap()
            .stories
            .is_empty()
    );
}

#[test]
fn an_unknown_storyteller_is_not_found() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let stranger = ParticipantId::new();
    let err = asha
        .store
        .create_story(
            project,
            &NewStory {
                title: "T".into(),
                storytellers: vec![stranger],
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::NotFound {
                kind: RecordKind::Participant,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn an_invalid_language_tag_is_refused_and_changes_nothing() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "");
    let err = asha
        .store
        .update_story(
            story,
            &StoryUpdate {
                title: Some("New title".into()),
                language: Some("en_GB!".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(invalid_field(err), "language");
    assert_eq!(
        asha.store.story(story).unwrap().title,
        "The 42",
        "the valid part was not applied either"
    );
    assert_eq!(asha.store.story_history(story).unwrap().len(), 1);
}

#[test]
fn an_invalid_badge_is_refused() {
    assert_eq!(invalid_field(InteractionBadge::parse("purple").unwrap_err()), "badge");
    assert_eq!(invalid_field(InteractionBadge::parse("#ff0000").unwrap_err()), "badge");
}

#[test]
fn a_ten_megabyte_transcript_is_refused_clearly() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let huge = "a".repeat(10 * 1024 * 1024);
    let err = asha
        .store
        .create_story(
            project,
            &NewStory {
                title: "Huge".into(),
                transcript: huge.clone(),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("limit"), "{err}");
    assert_eq!(invalid_field(err), "transcript");

    let story = asha.add_story(project, "Small", amira, "short");
    assert_eq!(
        invalid_field(asha.store.set_transcript(story, &huge).unwrap_err()),
        "transcript"
    );
    assert_eq!(
        invalid_field(asha.store.splice_transcript(story, 0, 0, &huge).unwrap_err()),
        "transcript"
    );
    assert_eq!(asha.store.story(story).unwrap().transcript, "short");
}

#[test]
fn a_one_megabyte_transcript_is_fine() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let big = "Long interview text, said slowly. ".repeat(32 * 1024);
    let story = asha.add_story(project, "Long", amira, &big);
    asha.store.splice_transcript(story, 0, 4, "Short").unwrap();
    assert!(
        asha.store
            .story(story)
            .unwrap()
            .transcript
            .starts_with("Short interview")
    );
}

#[test]
fn invalid_utf16_offsets_are_refused_and_change_nothing() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "Emoji", amira, "a😀b");
    for (start, delete) in [(2, 0), (0, 2), (5, 0), (3, 5), (u64::MAX, 1)] {
        let err = asha.store.splice_transcript(story, start, delete, "x").unwrap_err();
        assert_eq!(invalid_field(err), "transcript", "splice at {start} deleting {delete}");
    }
    for (start, end) in [(2, 3), (0, 2), (3, 3), (3, 1), (0, 9)] {
        let err = asha.store.add_highlight(story, start, end, None, "").unwrap_err();
        assert_eq!(invalid_field(err), "highlight", "highlight {start}..{end}");
    }
    assert_eq!(asha.store.story(story).unwrap().transcript, "a😀b");
    assert_eq!(asha.store.story_history(story).unwrap().len(), 1);
}

#[test]
fn unknown_ids_are_not_found() {
    let (asha, _) = Phone::founding("Asha", "Bus routes");
    assert!(matches!(
        asha.store.story(StoryId::new()),
        Err(Error::NotFound {
            kind: RecordKind::Story,
            ..
        })
    ));
    assert!(matches!(
        asha.store.set_badge(ParticipantId::new(), InteractionBadge::Red),
        Err(Error::NotFound {
            kind: RecordKind::Participant,
            ..
        })
    ));
    assert!(matches!(StoryId::parse("01234"), Err(Error::InvalidInput { .. })));
}

#[test]
fn a_store_can_not_be_used_after_close() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    asha.store.close().unwrap();
    asha.store.close().unwrap();
    assert!(matches!(asha.store.projects(), Err(Error::Closed)));
    assert!(matches!(
        asha.store.add_participant(
            project,
            &NewParticipant {
                display_name: "A".into(),
                ..Default::default()
            }
        ),
        Err(Error::Closed)
    ));
}

#[test]
fn files_that_are_not_stores_are_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, Vec<u8>); 3] = [
        ("empty", Vec::new()),
        ("notes.txt", b"Meeting notes: bring biscuits.\n".to_vec()),
        (
            "noise.bin",
            (0..10_000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
                .collect(),
        ),
    ];
    for (name, contents) in cases {
        let path = dir.path().join(name);
        fs::write(&path, &contents).unwrap();
        let err = Store::open(&path).err().expect("refused");
        assert!(matches!(err, Error::NotAStore(_)), "{name}: {err:?}");
        assert_eq!(fs::read(&path).unwrap(), contents, "{name} untouched");
    }
    assert_eq!(
        fs::read_dir(dir.path()).unwrap().count(),
        3,
        "no -wal or -shm files were made"
    );
}

#[test]
fn garbage_documents_are_refused_and_change_nothing() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "text");
    let before = asha.store.story(story).unwrap();

    assert!(matches!(
        asha.store.import_document(b"not automerge"),
        Err(Error::CorruptData(_))
    ));
    let mut truncated = asha.store.export_story_document(story).unwrap();
    truncated.truncate(truncated.len() / 2);
    assert!(asha.store.import_document(&truncated).is_err());
    // Well-formed Automerge documents that break the schema.
    use automerge::{AutoCommit, ROOT, transaction::Transactable};
    let forged = |title: automerge::ScalarValue, id: String| {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "type", "story").unwrap();
        doc.put(ROOT, "schema", 1).unwrap();
        doc.put(ROOT, "id", id).unwrap();
        doc.put(ROOT, "project_id", project.to_string()).unwrap();
        doc.put(ROOT, "title", title).unwrap();
        doc.save()
    };
    let wrong_type = forged(42.into(), StoryId::new().to_string());
    assert!(matches!(
        asha.store.import_document(&wrong_type),
        Err(Error::CorruptData(_))
    ));
    let missing_fields = forged("Hello".into(), story.to_string());
    assert!(matches!(
        asha.store.import_document(&missing_fields),
        Err(Error::CorruptData(_))
    ));
    let mut not_a_record = AutoCommit::new();
    not_a_record.put(ROOT, "hello", "world").unwrap();
    assert!(matches!(
        asha.store.import_document(&not_a_record.save()),
        Err(Error::CorruptData(_))
    ));

    assert_eq!(asha.store.story(story).unwrap(), before);
    assert_eq!(
        asha.store
            .list_stories(&storyloom::StoryQuery::new(project))
            .unwrap()
            .stories
            .len(),
        1
    );
}

//! Erasure at a storyteller's request: gone from every file on disk, gone
//! from every phone that syncs, and never coming back.

use std::fs;
use std::path::Path;

use storyloom::{ConsentMethod, ConsentScope, Error, NewConsentGrant, NewConsentWithdrawal, NewStory, StoryQuery};
use storyloom_scenarios::{Phone, exchange_participant, exchange_project, exchange_story};

/// Every file under `dir` (database, -wal, -shm, journal, media) whose bytes
/// contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut found = Vec::new();
    for entry in walk(dir) {
        let bytes = fs::read(&entry).unwrap();
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            found.push(entry.display().to_string());
        }
    }
    found
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn erased_means_no_byte_of_the_story_remains_in_any_file() {
    let (mut asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let keep = asha.add_story(project, "A story that stays", amira, "ordinary words");
    let phrase = "quokkazanzibar";
    let title_phrase = "marmalademoonbeam";
    let note_phrase = "periwinklefogbank";
    let story = asha
        .store
        .create_story(
            project,
            &NewStory {
                title: format!("The {title_phrase} story"),
                storytellers: vec![amira],
                transcript: format!("Before {phrase} after, and then more words about the bus."),
                tags: vec!["transport".into()],
                ..Default::default()
            },
        )
        .unwrap();
    asha.store
        .add_highlight(story, 7, 7 + phrase.len() as u64, Some("secret"), note_phrase)
        .unwrap();
    for i in 0..30 {
        asha.store
            .splice_transcript(story, 0, 0, &format!("edit {i} "))
            .unwrap();
    }
    asha.store.add_tag(keep, "kept").unwrap();
    let dir = asha.folder().to_path_buf();
    for needle in [phrase, title_phrase, note_phrase] {
        assert!(
            !files_containing(&dir, needle).is_empty(),
            "{needle} is on disk before erasure (the scan works)"
        );
    }

    let withdrawal = asha
        .store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: Some(story),
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();
    asha.reopen();
    asha.store.close().unwrap();

    for needle in [phrase, title_phrase, note_phrase] {
        assert_eq!(
            files_containing(&dir, needle),
            Vec::<String>::new(),
            "{needle} must be gone from every file"
        );
    }
    asha.store = storyloom::Store::open(asha.path()).unwrap();
    assert!(matches!(asha.store.story(story), Err(Error::Erased { .. })));
    assert_eq!(asha.store.story(keep).unwrap().title, "A story that stays");
    assert!(asha.store.search(phrase, None, 10).unwrap().is_empty());
    assert!(asha.store.search("bus", None, 10).unwrap().is_empty());
    // The ledger survives and proves the withdrawal.
    let records = asha.store.consent_records(project, Some(amira)).unwrap();
    assert!(records.iter().any(|r| r.id() == withdrawal));
}

#[test]
fn erasing_all_stories_also_erases_the_storytellers_personal_details() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha
        .store
        .add_participant(
            project,
            &storyloom::NewParticipant {
                display_name: "Amira Okonkwo-Blythe".into(),
                contact: Some("07700 900123".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let bilal = asha.add_storyteller(project, "Bilal");
    let first = asha.add_story(project, "First", amira, "one");
    let second = asha.add_story(project, "Second", amira, "two");
    let bilals = asha.add_story(project, "Bilal's", bilal, "three");
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: None,
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();

    for story in [first, second] {
        assert!(matches!(asha.store.story(story), Err(Error::Erased { .. })));
    }
    assert!(matches!(asha.store.participant(amira), Err(Error::Erased { .. })));
    assert_eq!(asha.store.story(bilals).unwrap().title, "Bilal's");
    let listed = asha.store.list_stories(&StoryQuery::new(project)).unwrap();
    assert_eq!(listed.stories.iter().map(|s| s.id).collect::<Vec<_>>(), vec![bilals]);
    // The pseudonymous id stays in the ledger; the name and contact do not stay anywhere.
    assert!(!asha.store.consent_records(project, Some(amira)).unwrap().is_empty());
    asha.store.close().unwrap();
    for needle in ["Okonkwo-Blythe", "07700 900123"] {
        assert!(files_containing(asha.folder(), needle).is_empty(), "{needle} erased");
    }
}

#[test]
fn a_phone_that_was_offline_with_the_story_erases_it_when_it_syncs_and_never_takes_it_back() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    exchange_participant(&asha, &ben, amira);
    exchange_story(&asha, &ben, story);

    // Ben goes offline and keeps editing; meanwhile Amira asks Asha to erase it.
    ben.store.splice_transcript(story, 0, 0, "Offline edit. ").unwrap();
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: Some(story),
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();

    // Ben's story reaches Asha first: refused.
    let back = asha
        .store
        .import_document(&ben.store.export_story_document(story).unwrap());
    assert!(matches!(back, Err(Error::Erased { .. })), "{back:?}");
    assert!(matches!(asha.store.story(story), Err(Error::Erased { .. })));

    // Then the project reaches Ben: he erases too.
    exchange_project(&asha, &ben, project);
    assert!(matches!(ben.store.story(story), Err(Error::Erased { .. })));
    assert!(ben.store.search("bus", None, 10).unwrap().is_empty());
    ben.store.close().unwrap();
    assert!(files_containing(ben.folder(), "Offline edit").is_empty());
}

#[test]
fn a_story_recorded_elsewhere_by_an_erased_storyteller_is_erased_on_arrival() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let cara = Phone::joining("Cara", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    exchange_participant(&asha, &ben, amira);
    exchange_participant(&ben, &cara, amira);
    // Ben records a story with Amira that Asha never sees, and shows it to Cara…
    let bens = ben.add_story(project, "At the clinic", amira, "Waiting rooms.");
    exchange_story(&ben, &cara, bens);
    // …while Amira asks Asha to erase everything of hers.
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: None,
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();

    // Ben syncs with Asha: his copy goes, and its tombstone joins the project.
    exchange_project(&asha, &ben, project);
    assert!(
        matches!(ben.store.story(bens), Err(Error::Erased { .. })),
        "Ben erases on sync"
    );
    assert!(matches!(ben.store.participant(amira), Err(Error::Erased { .. })));

    // Cara, still holding a copy, tries to hand it to Asha: refused.
    let arriving = asha
        .store
        .import_document(&cara.store.export_story_document(bens).unwrap());
    assert!(matches!(arriving, Err(Error::Erased { .. })), "{arriving:?}");
    // When the project reaches Cara, she erases too.
    exchange_project(&ben, &cara, project);
    assert!(matches!(cara.store.story(bens), Err(Error::Erased { .. })));
}

#[test]
fn erasing_again_is_a_documented_no_op_and_erased_ids_cannot_be_reused() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "text");
    let erase = NewConsentWithdrawal {
        storyteller: amira,
        story: Some(story),
        scopes: vec![],
        erase: true,
    };
    let first = asha.store.withdraw_consent(project, &erase).unwrap();
    let again = asha.store.withdraw_consent(project, &erase).unwrap();
    assert_eq!(first, again, "the second request returns the withdrawal that erased it");
    assert_eq!(asha.store.consent_records(project, Some(amira)).unwrap().len(), 1);

    // Consent for an erased story cannot be granted.
    let grant = asha.store.grant_consent(
        project,
        &NewConsentGrant {
            story: Some(story),
            ..NewConsentGrant::new(amira, vec![ConsentScope::Research], ConsentMethod::Spoken)
        },
    );
    assert!(matches!(grant, Err(Error::Erased { .. })), "{grant:?}");
    assert!(matches!(asha.store.add_tag(story, "x"), Err(Error::Erased { .. })));
}

#[test]
fn a_long_transcript_searched_in_pieces_leaves_no_byte_of_any_piece_when_erased() {
    let (mut asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    // A long interview: its search index is many pieces, each with a word
    // found nowhere else.
    let markers: Vec<String> = (0..40).map(|i| format!("wombatpiece{i:02}x")).collect();
    let mut transcript = String::new();
    for (i, marker) in markers.iter().enumerate() {
        for j in 0..120 {
            transcript.push_str(["the ", "bus ", "came ", "late ", "again ", "today "][(i + j) % 6]);
            transcript.push_str(&format!("w{i}x{j} "));
        }
        transcript.push_str(marker);
        transcript.push_str(".\n");
    }
    let story = asha
        .store
        .create_story(
            project,
            &NewStory {
                title: "A long interview".into(),
                storytellers: vec![amira],
                transcript,
                ..Default::default()
            },
        )
        .unwrap();
    // Keystrokes replace the pieces they touch.
    for i in 0..20u64 {
        asha.store
            .splice_transcript(story, 1_000 + i * 1_500, 0, &format!("typedkoala{i} "))
            .unwrap();
    }
    assert_eq!(asha.store.search("wombatpiece17x", None, 5).unwrap().len(), 1);
    assert_eq!(asha.store.search("typedkoala9", None, 5).unwrap().len(), 1);
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: Some(story),
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();
    asha.reopen();
    asha.store.close().unwrap();
    let dir = asha.folder().to_path_buf();
    for needle in markers
        .iter()
        .map(String::as_str)
        .chain(["typedkoala3", "typedkoala19"])
    {
        assert_eq!(
            files_containing(&dir, needle),
            Vec::<String>::new(),
            "{needle} must be gone from every file"
        );
    }
}

/// A recording whose bytes hold `pattern` at several places.
fn recording_with(pattern: &str) -> Vec<u8> {
    let mut bytes: Vec<u8> = (0..(2 << 20) + 999u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
        .collect();
    for at in [0, 1 << 20, (2 << 20) + 500] {
        bytes[at..at + pattern.len()].copy_from_slice(pattern.as_bytes());
    }
    bytes
}

fn keep_media(phone: &Phone, project: storyloom::ProjectId, storyteller: storyloom::ParticipantId) {
    phone
        .store
        .grant_consent(
            project,
            &NewConsentGrant::new(
                storyteller,
                vec![
                    ConsentScope::Record,
                    ConsentScope::KeepMedia,
                    ConsentScope::ShareInProject,
                ],
                ConsentMethod::Spoken,
            ),
        )
        .unwrap();
}

#[test]
fn erased_media_leave_no_byte_on_any_phone_and_were_never_plaintext_on_disk() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    keep_media(&asha, project, amira);
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    exchange_participant(&asha, &ben, amira);
    exchange_story(&asha, &ben, story);
    exchange_project(&asha, &ben, project);

    let pattern = "zebracrossingvoice";
    let recording = recording_with(pattern);
    let source_dir = tempfile::tempdir().unwrap();
    let source = source_dir.path().join("interview.ogg");
    fs::write(&source, &recording).unwrap();
    let audio = storyloom::NewMedia::new(storyloom::MediaKind::Audio);
    let on_asha = asha.store.attach_media_file(story, &source, &audio).unwrap();
    // Ben is offline and records his own take of the same story.
    let on_ben = ben.store.attach_media_file(story, &source, &audio).unwrap();
    for phone in [&asha, &ben] {
        assert_eq!(
            files_containing(phone.folder(), pattern),
            Vec::<String>::new(),
            "media are never plaintext on {}'s disk",
            phone.name
        );
    }
    // Before erasure the exact bytes come back.
    let out = source_dir.path().join("check.ogg");
    asha.store.export_media(on_asha.id, &out, false).unwrap();
    assert!(fs::read(&out).unwrap() == recording);
    fs::remove_file(&out).unwrap();
    // The scan would see the pattern if it were there.
    fs::write(asha.folder().join("probe"), &recording).unwrap();
    assert!(!files_containing(asha.folder(), pattern).is_empty());
    fs::remove_file(asha.folder().join("probe")).unwrap();
    let chunk_dirs = [asha.path(), ben.path()].map(|p| {
        let mut folder = p.into_os_string();
        folder.push("-media");
        std::path::PathBuf::from(folder)
    });
    assert!(walk(&chunk_dirs[1]).len() >= 3, "Ben holds his recording's chunks");

    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: Some(story),
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();
    assert!(
        walk(&chunk_dirs[0])
            .iter()
            .all(|p| p.is_dir() || p.components().any(|c| c.as_os_str() == "staging"))
    );
    assert!(matches!(
        asha.store.read_media(on_asha.id, 0, 1),
        Err(Error::NotFound { .. })
    ));

    // Ben comes back online: the erasure reaches him and takes his media too.
    exchange_project(&asha, &ben, project);
    assert!(matches!(ben.store.story(story), Err(Error::Erased { .. })));
    assert!(matches!(
        ben.store.read_media(on_ben.id, 0, 1),
        Err(Error::NotFound { .. })
    ));
    for (phone, chunks) in [(&asha, &chunk_dirs[0]), (&ben, &chunk_dirs[1])] {
        let left: Vec<_> = walk(chunks).into_iter().filter(|p| p.is_file()).collect();
        assert_eq!(
            left,
            Vec::<std::path::PathBuf>::new(),
            "{}'s chunk files are deleted",
            phone.name
        );
        phone.store.close().unwrap();
        assert_eq!(files_containing(phone.folder(), pattern), Vec::<String>::new());
        // No key of an erased item is left in the database.
        let conn = rusqlite::Connection::open(phone.path()).unwrap();
        let keys: i64 = conn.query_row("SELECT count(*) FROM media", [], |r| r.get(0)).unwrap();
        assert_eq!(keys, 0, "{}'s item keys are destroyed", phone.name);
    }
}

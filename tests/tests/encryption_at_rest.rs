//! A lost or seized phone gives away no story: an encrypted store keeps
//! every title, transcript, note, name and consent record off the disk, a
//! wrong or missing key is refused without touching a byte, and erasure is
//! still proven on the decrypted pages.

use std::fs;

use storyloom::{
    ConsentMethod, ConsentScope, Error, NewConsentGrant, NewConsentWithdrawal, NewStory, Store, StoreKey,
    StoreKeyProblem,
};
use storyloom_scenarios::Phone;
use storyloom_scenarios::at_rest::{contains, decrypted_pages, files_containing, snapshot};

const TITLE: &str = "marmalademoonbeam";
const TRANSCRIPT: &str = "quokkazanzibar";
const NOTE: &str = "periwinklefogbank";
const NAME: &str = "Zephyrina Quillfeather";
const CONSENT: &str = "easyread-lanternfish-v7";
const PHRASES: [&str; 5] = [TITLE, TRANSCRIPT, NOTE, NAME, CONSENT];

fn key(byte: u8) -> StoreKey {
    StoreKey::from_bytes(&[byte; 32]).unwrap()
}

/// Writes one of each kind of personal record, holding the phrases, and
/// edits the transcript often enough that the log holds many frames.
fn write_the_phrases(phone: &Phone, project: storyloom::ProjectId) -> storyloom::StoryId {
    let storyteller = phone.add_storyteller(project, NAME);
    let mut grant = NewConsentGrant::new(
        storyteller,
        vec![ConsentScope::Record, ConsentScope::Transcribe],
        ConsentMethod::EasyRead,
    );
    grant.information_version = CONSENT.into();
    phone.store.grant_consent(project, &grant).unwrap();
    let story = phone
        .store
        .create_story(
            project,
            &NewStory {
                title: format!("The {TITLE} story"),
                storytellers: vec![storyteller],
                transcript: format!("Before {TRANSCRIPT} after, and more words about the bus."),
                ..Default::default()
            },
        )
        .unwrap();
    phone
        .store
        .add_highlight(story, 7, 7 + TRANSCRIPT.len() as u64, None, NOTE)
        .unwrap();
    for i in 0..20 {
        phone
            .store
            .splice_transcript(story, 0, 0, &format!("edit {i} "))
            .unwrap();
    }
    story
}

#[test]
fn an_encrypted_store_keeps_every_phrase_off_disk_while_open_and_after_closing() {
    let (plain, plain_project) = Phone::founding("Asha", "Housing");
    write_the_phrases(&plain, plain_project);
    let (secret, secret_project) = Phone::founding_encrypted("Asha", "Housing", key(7));
    write_the_phrases(&secret, secret_project);

    // The same writes in a plaintext store leave every phrase on disk: the
    // scan finds what is there.
    for phrase in PHRASES {
        assert!(
            !files_containing(plain.folder(), phrase).is_empty(),
            "{phrase} is in the plaintext store's files"
        );
    }
    let open_files: Vec<_> = fs::read_dir(secret.folder())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(
        open_files.iter().any(|n| n.to_string_lossy().ends_with("-wal")),
        "the log is there to scan while open: {open_files:?}"
    );
    for phrase in PHRASES {
        assert_eq!(
            files_containing(secret.folder(), phrase),
            Vec::<String>::new(),
            "{phrase} on disk while the encrypted store is open"
        );
    }
    // Reads (on the reader pool) see everything through the key.
    assert_eq!(secret.store.search(TRANSCRIPT, None, 10).unwrap().len(), 1);

    secret.store.close().unwrap();
    for phrase in PHRASES {
        assert_eq!(
            files_containing(secret.folder(), phrase),
            Vec::<String>::new(),
            "{phrase} on disk after the encrypted store closed"
        );
    }
    // The pages decrypt to the phrases: the store holds them, encrypted.
    let pages = decrypted_pages(&secret.path(), &key(7));
    for phrase in PHRASES {
        assert!(contains(&pages, phrase), "{phrase} in the decrypted pages");
    }
}

#[test]
fn erasure_is_proven_on_the_decrypted_pages_of_an_encrypted_store() {
    let (mut phone, project) = Phone::founding_encrypted("Asha", "Housing", key(9));
    let story = write_the_phrases(&phone, project);
    let keep = phone.add_story(
        project,
        "A story that stays",
        phone.add_storyteller(project, "Ben"),
        "ordinary",
    );
    phone.store.close().unwrap();
    let pages = decrypted_pages(&phone.path(), &key(9));
    for phrase in [TITLE, TRANSCRIPT, NOTE] {
        assert!(contains(&pages, phrase), "{phrase} decrypts before erasure");
    }

    phone.reopen();
    let storyteller = phone.store.story(story).unwrap().storytellers[0];
    phone
        .store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller,
                story: Some(story),
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();
    // While open: the database and the log, decrypted, hold none of it.
    let pages = decrypted_pages(&phone.path(), &key(9));
    for phrase in [TITLE, TRANSCRIPT, NOTE] {
        assert!(!contains(&pages, phrase), "{phrase} in a decrypted page after erasure");
    }
    phone.store.close().unwrap();
    let pages = decrypted_pages(&phone.path(), &key(9));
    for phrase in [TITLE, TRANSCRIPT, NOTE] {
        assert!(!contains(&pages, phrase), "{phrase} in a decrypted page after closing");
    }
    phone.reopen();
    assert!(matches!(phone.store.story(story), Err(Error::Erased { .. })));
    assert_eq!(phone.store.story(keep).unwrap().title, "A story that stays");
}

/// Opening `path` must fail as `expected` and leave every file of the
/// folder exactly as it was.
fn refused_untouched(
    folder: &std::path::Path,
    open: impl FnOnce() -> storyloom::Result<Store>,
    expected: impl Fn(&Error) -> bool,
) {
    let before = snapshot(folder);
    match open() {
        Err(err) => assert!(expected(&err), "unexpected error: {err:?}"),
        Ok(_) => panic!("the store opened"),
    }
    assert_eq!(snapshot(folder), before, "the files changed");
}

fn is(problem: StoreKeyProblem) -> impl Fn(&Error) -> bool {
    move |err| matches!(err, Error::WrongStoreKey(p) if *p == problem)
}

#[test]
fn wrong_missing_or_unneeded_keys_are_refused_and_change_no_file() {
    let (encrypted, _) = Phone::founding_encrypted("Asha", "Housing", key(1));
    let (plain, _) = Phone::founding("Ben", "Housing");
    let (encrypted_path, plain_path) = (encrypted.path(), plain.path());
    let (encrypted_dir, plain_dir) = (encrypted.folder().to_path_buf(), plain.folder().to_path_buf());
    encrypted.store.close().unwrap();
    plain.store.close().unwrap();

    refused_untouched(
        &encrypted_dir,
        || Store::open_with_key(&encrypted_path, key(2)),
        is(StoreKeyProblem::WrongKey),
    );
    refused_untouched(
        &encrypted_dir,
        || Store::open(&encrypted_path),
        is(StoreKeyProblem::KeyRequired),
    );
    refused_untouched(
        &plain_dir,
        || Store::open_with_key(&plain_path, key(1)),
        is(StoreKeyProblem::NotEncrypted),
    );
    // A truncated key and a key of the wrong length never reach the store.
    for bytes in [&[1u8; 31][..], &[1u8; 16][..], &[1u8; 33][..]] {
        refused_untouched(
            &encrypted_dir,
            || StoreKey::from_bytes(bytes).and_then(|k| Store::open_with_key(&encrypted_path, k)),
            |e| matches!(e, Error::InvalidInput { field, .. } if field == "store key"),
        );
    }
    // The sync peer's `WrongKey` is another error: apps tell them apart.
    let err = Store::open_with_key(&encrypted_path, key(2)).err().unwrap();
    assert!(!matches!(err, Error::WrongKey { .. }));
    assert!(
        !err.to_string().contains("0202"),
        "the key is not in the message: {err}"
    );

    // With the right key (and a plaintext store without one) both open.
    assert!(Store::open_with_key(&encrypted_path, key(1)).unwrap().is_encrypted());
    assert!(!Store::open(&plain_path).unwrap().is_encrypted());
}

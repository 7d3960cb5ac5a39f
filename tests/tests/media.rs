//! Media on one phone: recordings attached and read back byte for byte,
//! by range for a player, exported, listed, removed; refused without
//! `keep-media`; never garbage from a damaged chunk.

use std::fs;
use std::path::Path;

use storyloom::{ConsentScope, Error, MAX_MEDIA_READ, MediaKind, MediaTransfer, NewConsentWithdrawal, RecordKind};
use storyloom_scenarios::Phone;
use storyloom_scenarios::media::{CHUNK, audio, recording};

fn media_files(store: &Path) -> Vec<std::path::PathBuf> {
    let mut folder = store.as_os_str().to_owned();
    folder.push("-media");
    let mut files = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(folder)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

#[test]
fn recordings_of_every_size_come_back_byte_for_byte() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    for (len, what) in [
        (1, "one byte"),
        (CHUNK, "exactly one chunk"),
        (CHUNK * 7 / 2, "three and a half chunks"),
    ] {
        let bytes = recording(len, len as u64);
        let source = asha.folder().join(format!("in-{len}.ogg"));
        fs::write(&source, &bytes).unwrap();
        let item = asha.store.attach_media_file(story, &source, &audio()).unwrap();
        assert_eq!(item.size, len as u64, "{what}");
        let out = asha.folder().join(format!("out-{len}.ogg"));
        assert_eq!(asha.store.export_media(item.id, &out, false).unwrap(), len as u64);
        assert!(fs::read(&out).unwrap() == bytes, "{what} exports byte for byte");
    }
    let listed = asha.store.story_media(story).unwrap();
    assert_eq!(listed.len(), 3);
    assert!(
        listed
            .iter()
            .all(|i| i.present && !i.withdrawn && i.kind == MediaKind::Audio)
    );
    assert!(
        listed
            .iter()
            .all(|i| i.content_hash.starts_with("sha256:") && i.content_hash.len() == 71)
    );
}

#[test]
fn a_player_seeking_reads_exactly_the_bytes_it_asks_for() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let bytes = recording(CHUNK * 2 + 777, 9);
    let item = asha.store.attach_media_bytes(story, &bytes, &audio()).unwrap();
    for (start, len) in [(0, 10), (CHUNK as u64 - 5, 10), (CHUNK as u64 * 2 + 700, 1000)] {
        let got = asha.store.read_media(item.id, start, len).unwrap();
        let end = ((start + len) as usize).min(bytes.len());
        assert_eq!(got, &bytes[start as usize..end]);
    }
    assert!(matches!(
        asha.store.read_media(item.id, 0, MAX_MEDIA_READ + 1),
        Err(Error::InvalidInput { .. })
    ));
}

#[test]
fn attaching_for_a_storyteller_without_keep_media_is_refused_naming_the_scope() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let refused = asha.store.attach_media_bytes(story, b"RIFF", &audio());
    assert!(
        matches!(refused, Err(Error::ConsentRequired { scope: ConsentScope::KeepMedia, story: s }) if s == story),
        "{refused:?}"
    );
    assert!(asha.store.story_media(story).unwrap().is_empty());
    assert!(media_files(&asha.path()).is_empty(), "nothing written");
}

#[test]
fn a_removed_recording_leaves_no_chunk_behind() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let kept = asha
        .store
        .attach_media_bytes(story, &recording(CHUNK + 1, 1), &audio())
        .unwrap();
    let removed = asha
        .store
        .attach_media_bytes(story, &recording(CHUNK * 2, 2), &audio())
        .unwrap();
    assert_eq!(media_files(&asha.path()).len(), 4);
    asha.store.remove_media(story, removed.id).unwrap();
    assert_eq!(media_files(&asha.path()).len(), 2, "only the kept item's two chunks");
    let listed = asha.store.story_media(story).unwrap();
    assert_eq!(listed.iter().map(|i| i.id).collect::<Vec<_>>(), vec![kept.id]);
    assert!(matches!(
        asha.store.read_media(removed.id, 0, 1),
        Err(Error::NotFound {
            kind: RecordKind::Media,
            ..
        })
    ));
    assert!(matches!(
        asha.store.remove_media(story, removed.id),
        Err(Error::NotFound {
            kind: RecordKind::Media,
            ..
        })
    ));
}

#[test]
fn a_damaged_chunk_is_an_error_naming_the_item_never_garbage() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let item = asha
        .store
        .attach_media_bytes(story, &recording(1000, 3), &audio())
        .unwrap();
    let file = &media_files(&asha.path())[0];
    let mut bytes = fs::read(file).unwrap();
    bytes[10] ^= 0x40;
    fs::write(file, bytes).unwrap();
    let err = asha.store.read_media(item.id, 0, 1000).unwrap_err();
    assert!(
        matches!(&err, Error::CorruptData(m) if m.contains(&item.id.to_string())),
        "{err}"
    );
    let out = asha.folder().join("out.ogg");
    assert!(asha.store.export_media(item.id, &out, false).is_err());
    assert!(!out.exists(), "no partial export is left");
}

#[test]
fn export_never_overwrites_without_force_and_never_the_store_itself() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let item = asha.store.attach_media_bytes(story, b"voice", &audio()).unwrap();
    let out = asha.folder().join("existing.ogg");
    fs::write(&out, b"keep me").unwrap();
    assert!(matches!(
        asha.store.export_media(item.id, &out, false),
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(fs::read(&out).unwrap(), b"keep me");
    asha.store.export_media(item.id, &out, true).unwrap();
    assert_eq!(fs::read(&out).unwrap(), b"voice");
    for target in [
        asha.path(),
        asha.folder().join("phone.storyloom-wal"),
        media_files(&asha.path())[0].clone(),
    ] {
        let refused = asha.store.export_media(item.id, &target, true);
        assert!(
            matches!(refused, Err(Error::InvalidInput { .. })),
            "{target:?}: {refused:?}"
        );
    }
    asha.store.story(story).unwrap();
}

#[test]
fn attach_reports_progress_and_a_cancelled_attach_leaves_nothing() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let source = asha.folder().join("long.ogg");
    fs::write(&source, recording(CHUNK * 4, 4)).unwrap();
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let mut seen = Vec::new();
    let mut progress = |done: u64, total: u64| {
        seen.push((done, total));
        if done >= CHUNK as u64 * 2 {
            cancel.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    };
    let cancelled = asha.store.attach_media_file_with(
        story,
        &source,
        &audio(),
        MediaTransfer {
            progress: Some(&mut progress),
            cancel: Some(&cancel),
        },
    );
    assert!(matches!(cancelled, Err(Error::Cancelled)), "{cancelled:?}");
    assert_eq!(seen.last(), Some(&(CHUNK as u64 * 2, CHUNK as u64 * 4)));
    assert!(asha.store.story_media(story).unwrap().is_empty());
    assert!(media_files(&asha.path()).is_empty());
}

#[test]
fn withdrawing_keep_media_removes_the_bytes_and_keeps_the_reference_as_withdrawn() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let item = asha
        .store
        .attach_media_bytes(story, &recording(CHUNK + 5, 5), &audio())
        .unwrap();
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: None,
                scopes: vec![ConsentScope::KeepMedia],
                erase: false,
            },
        )
        .unwrap();
    let listed = asha.store.story_media(story).unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].withdrawn && !listed[0].present);
    assert_eq!(listed[0].caption, "Interview at the depot");
    assert!(media_files(&asha.path()).is_empty(), "the chunk files are gone");
    assert!(matches!(
        asha.store.read_media(item.id, 0, 1),
        Err(Error::MediaNotPresent { .. })
    ));
    // The transcript is untouched: only the media went.
    assert_eq!(asha.store.story(story).unwrap().transcript, "The bus stopped coming.");
}

#[test]
fn a_bad_media_description_is_refused_before_any_byte_is_written() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let mut bad = audio();
    bad.mime = "not a mime".into();
    assert!(
        matches!(asha.store.attach_media_bytes(story, b"x", &bad), Err(Error::InvalidInput { field, .. }) if field == "mime")
    );
    let missing = asha
        .store
        .attach_media_file(story, &asha.folder().join("nope.ogg"), &audio());
    assert!(matches!(missing, Err(Error::InvalidInput { .. })), "{missing:?}");
    assert!(media_files(&asha.path()).is_empty());
}

/// 300 MB through attach and export. Slow in a debug build (the cipher is
/// unoptimised): run by hand with `cargo test --release -p
/// storyloom-scenarios --test media -- --ignored`.
#[test]
#[ignore = "300 MB: minutes in a debug build; run by hand (see the doc comment)"]
fn a_300_mb_recording_round_trips() {
    use std::io::Write;
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let source = asha.folder().join("big.mp4");
    let piece = recording(CHUNK * 3 + 17, 77);
    let mut file = fs::File::create(&source).unwrap();
    let mut written = 0usize;
    while written < 300_000_000 {
        let n = piece.len().min(300_000_000 - written);
        file.write_all(&piece[..n]).unwrap();
        written += n;
    }
    drop(file);
    let item = asha.store.attach_media_file(story, &source, &audio()).unwrap();
    assert_eq!(item.size, 300_000_000);
    let out = asha.folder().join("big-out.mp4");
    asha.store.export_media(item.id, &out, false).unwrap();
    let (a, b) = (fs::File::open(&source).unwrap(), fs::File::open(&out).unwrap());
    use std::io::Read;
    let (mut a, mut b) = (std::io::BufReader::new(a), std::io::BufReader::new(b));
    let (mut x, mut y) = (vec![0u8; CHUNK], vec![0u8; CHUNK]);
    loop {
        let n = a.read(&mut x).unwrap();
        b.read_exact(&mut y[..n]).unwrap();
        assert!(x[..n] == y[..n]);
        if n == 0 {
            break;
        }
    }
    assert_eq!(b.read(&mut y).unwrap(), 0);
}

#[test]
fn an_export_copies_media_only_where_consent_keeps_them_and_lists_the_rest() {
    use storyloom::{ConsentMethod, ExportFormat, ExportPurpose, NewConsentGrant};
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let grant = |who, scopes: Vec<ConsentScope>| {
        asha.store
            .grant_consent(project, &NewConsentGrant::new(who, scopes, ConsentMethod::Written))
            .unwrap();
    };
    let amira = asha.add_storyteller(project, "Amira");
    grant(amira, vec![ConsentScope::Research, ConsentScope::KeepMedia]);
    let bilal = asha.add_storyteller(project, "Bilal");
    grant(bilal, vec![ConsentScope::Research, ConsentScope::KeepMedia]);
    let carmen = asha.add_storyteller(project, "Carmen");
    grant(carmen, vec![ConsentScope::KeepMedia]);
    let kept_story = asha.add_story(project, "Kept", amira, "Words.");
    let withdrawn_story = asha.add_story(project, "Withdrawn", bilal, "Words.");
    let private_story = asha.add_story(project, "Private", carmen, "Words.");
    let kept = asha
        .store
        .attach_media_bytes(kept_story, b"kept voice", &audio())
        .unwrap();
    let withdrawn = asha
        .store
        .attach_media_bytes(withdrawn_story, b"gone voice", &audio())
        .unwrap();
    let private = asha
        .store
        .attach_media_bytes(private_story, b"private voice", &audio())
        .unwrap();
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: bilal,
                story: None,
                scopes: vec![ConsentScope::KeepMedia],
                erase: false,
            },
        )
        .unwrap();

    let folder = asha.folder().join("export");
    let report = asha
        .store
        .export_project(project, &folder, ExportFormat::Json, ExportPurpose::Research)
        .unwrap();
    assert_eq!(report.media.iter().map(|m| m.id).collect::<Vec<_>>(), vec![kept.id]);
    assert_eq!(fs::read(folder.join(&report.media[0].file)).unwrap(), b"kept voice");
    let mut withheld: Vec<_> = report.media_withheld.iter().map(|w| w.id).collect();
    withheld.sort();
    let mut expected = vec![withdrawn.id, private.id];
    expected.sort();
    assert_eq!(withheld, expected);
    let manifest: serde_json::Value = serde_json::from_slice(&fs::read(folder.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["media_withheld"].as_array().unwrap().len(), 2);
    assert!(
        manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == &serde_json::json!(format!("media/{}", kept.id)))
    );
    assert!(!folder.join(format!("media/{}", withdrawn.id)).exists());
    assert!(!folder.join(format!("media/{}", private.id)).exists());
}

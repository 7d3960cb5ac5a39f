//! Recordings travel between phones in sync sessions: byte for byte, only
//! for stories that may leave the device, as the app's policy says, and a
//! session cut anywhere resumes with only the chunks still missing.

use std::fs;

use storyloom::sync::{MediaPolicy, SyncLimits};
use storyloom::{ConsentMethod, ConsentScope, MediaId, NewConsentGrant, NewConsentWithdrawal, ProjectId, StoryId};
use storyloom_scenarios::media::{CHUNK, audio, recording};
use storyloom_scenarios::{Phone, sync};

/// Bytes each way of a session between `a` and `b`, each fetching as its
/// policy says, with `limits` on both sides.
fn sync_with(
    a: &Phone,
    b: &Phone,
    project: ProjectId,
    a_policy: MediaPolicy,
    b_policy: MediaPolicy,
    limits: SyncLimits,
) -> (u64, u64) {
    let (mut a_session, mut message) = a.store.start_sync_with(project, limits).unwrap();
    a_session.set_media_policy(a_policy);
    let mut b_session = b.store.accept_sync_with(project, limits).unwrap();
    b_session.set_media_policy(b_policy);
    let (mut a_to_b, mut b_to_a) = (message.len() as u64, 0);
    for _ in 0..10_000 {
        let Some(reply) = b.store.sync_receive(&mut b_session, &message).unwrap() else {
            return (a_to_b, b_to_a);
        };
        b_to_a += reply.len() as u64;
        let Some(next) = a.store.sync_receive(&mut a_session, &reply).unwrap() else {
            return (a_to_b, b_to_a);
        };
        a_to_b += next.len() as u64;
        message = next;
    }
    panic!("the session did not finish");
}

/// Asha's story with a recording of `len` bytes, and Ben who has the
/// project (but not the recording: it was attached after he joined).
fn asha_records(len: usize) -> (Phone, Phone, ProjectId, StoryId, MediaId, Vec<u8>) {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::invited("Ben", &asha, project);
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let bytes = recording(len, 42);
    let source = asha.folder().join("interview.ogg");
    fs::write(&source, &bytes).unwrap();
    let item = asha.store.attach_media_file(story, &source, &audio()).unwrap();
    (asha, ben, project, story, item.id, bytes)
}

fn exported(phone: &Phone, id: MediaId) -> Vec<u8> {
    let out = phone.folder().join(format!("export-{id}"));
    let _ = fs::remove_file(&out);
    phone.store.export_media(id, &out, false).unwrap();
    fs::read(&out).unwrap()
}

fn present(phone: &Phone, story: StoryId, id: MediaId) -> bool {
    phone
        .store
        .story_media(story)
        .unwrap()
        .iter()
        .any(|i| i.id == id && i.present)
}

#[test]
fn a_recording_reaches_the_other_phone_byte_for_byte() {
    let (asha, ben, project, story, id, bytes) = asha_records(CHUNK * 7 / 2);
    let report = sync(&asha, &ben, project);
    assert!(present(&ben, story, id));
    assert!(exported(&ben, id) == bytes, "Ben plays the very recording Asha made");
    // Chunks travel only the way they are needed, with little overhead.
    assert!(report.bytes_a_to_b >= bytes.len() as u64);
    let overhead = report.bytes_a_to_b - bytes.len() as u64;
    assert!(
        overhead * 100 < bytes.len() as u64 * 2,
        "{} bytes on the wire for {} of media",
        report.bytes_a_to_b,
        bytes.len()
    );
    assert!(report.bytes_b_to_a < 64 * 1024, "{report:?}");
    // Once both hold it, a session carries no media at all.
    let again = sync(&asha, &ben, project);
    assert!(again.bytes_a_to_b + again.bytes_b_to_a < 16 * 1024, "{again:?}");
    // And it goes on from Ben to a third phone that never met Asha's copy.
    let cara = Phone::invited("Cara", &ben, project);
    assert!(exported(&cara, id) == bytes);
}

#[test]
fn progress_counts_media_items_and_bytes() {
    let (asha, ben, project, _story, _id, bytes) = asha_records(CHUNK * 2 + 5);
    // One chunk a message, so progress can be seen part way.
    let limits = SyncLimits {
        target_message_bytes: CHUNK,
        ..SyncLimits::default()
    };
    let (mut a_session, mut message) = asha.store.start_sync_with(project, limits).unwrap();
    let mut b_session = ben.store.accept_sync_with(project, limits).unwrap();
    let mut seen_partway = false;
    while let Some(reply) = ben.store.sync_receive(&mut b_session, &message).unwrap() {
        let p = b_session.progress();
        if p.media_bytes_received > 0 && p.media_bytes_received < p.media_bytes_expected {
            seen_partway = true;
        }
        match asha.store.sync_receive(&mut a_session, &reply).unwrap() {
            Some(next) => message = next,
            None => break,
        }
    }
    let p = b_session.progress();
    assert_eq!(p.media_items_expected, 1);
    assert_eq!(p.media_items_done, 1);
    assert_eq!(p.media_bytes_expected, bytes.len() as u64);
    assert_eq!(p.media_bytes_received, bytes.len() as u64);
    assert!(p.bytes_received > bytes.len() as u64, "session bytes include media");
    assert!(a_session.progress().media_bytes_sent > bytes.len() as u64);
    assert!(seen_partway, "{p:?}");
}

#[test]
fn media_of_a_story_that_may_not_leave_the_device_never_leave_it() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::invited("Ben", &asha, project);
    // Bilal lets Asha keep his recording but not share it with the group.
    let bilal = asha.add_storyteller(project, "Bilal");
    asha.store
        .grant_consent(
            project,
            &NewConsentGrant::new(
                bilal,
                vec![ConsentScope::Record, ConsentScope::KeepMedia],
                ConsentMethod::Spoken,
            ),
        )
        .unwrap();
    let private = asha.add_story(project, "Private", bilal, "Not for the group.");
    let bytes = recording(CHUNK * 2, 7);
    let private_item = asha.store.attach_media_bytes(private, &bytes, &audio()).unwrap();
    let report = sync(&asha, &ben, project);
    assert!(report.bytes_a_to_b < CHUNK as u64 / 4, "{report:?}");
    assert!(ben.store.story_media(private).is_err(), "Ben never gets the story");

    // Amira's story travels with references only; then she withdraws
    // sharing: her recording's bytes never follow.
    let amira = asha.recorded_storyteller(project, "Amira");
    let shared = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let item = asha.store.attach_media_bytes(shared, &bytes, &audio()).unwrap();
    sync_with(
        &asha,
        &ben,
        project,
        MediaPolicy::All,
        MediaPolicy::MetadataOnly,
        SyncLimits::default(),
    );
    assert_eq!(ben.store.story_media(shared).unwrap().len(), 1);
    assert!(!present(&ben, shared, item.id));
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: None,
                scopes: vec![ConsentScope::ShareInProject],
                erase: false,
            },
        )
        .unwrap();
    let (a_to_b, _) = sync_with(
        &asha,
        &ben,
        project,
        MediaPolicy::All,
        MediaPolicy::All,
        SyncLimits::default(),
    );
    assert!(a_to_b < CHUNK as u64 / 4, "{a_to_b} bytes went to Ben");
    assert!(!present(&ben, shared, item.id));
    assert!(present(&asha, private, private_item.id));
}

#[test]
fn a_phone_on_metadata_only_fetches_one_recording_later_on_demand() {
    let (asha, ben, project, story, id, bytes) = asha_records(CHUNK * 3);
    let small = asha.store.attach_media_bytes(story, b"a photo", &audio()).unwrap();
    let (a_to_b, _) = sync_with(
        &asha,
        &ben,
        project,
        MediaPolicy::All,
        MediaPolicy::MetadataOnly,
        SyncLimits::default(),
    );
    assert!(a_to_b < CHUNK as u64 / 4, "{a_to_b}");
    let listed = ben.store.story_media(story).unwrap();
    assert_eq!(listed.len(), 2, "the references arrive");
    assert!(listed.iter().all(|i| !i.present));
    // No key here at all yet: the item is unknown to the media table.
    assert!(matches!(
        ben.store.read_media(id, 0, 10),
        Err(storyloom::Error::MediaNotPresent { .. } | storyloom::Error::NotFound { .. })
    ));

    // Items up to a size: the photo comes, the recording does not.
    let (a_to_b, _) = sync_with(
        &asha,
        &ben,
        project,
        MediaPolicy::All,
        MediaPolicy::UpTo(1024),
        SyncLimits::default(),
    );
    assert!(a_to_b < CHUNK as u64 / 4, "{a_to_b}");
    assert!(present(&ben, story, small.id));
    assert!(!present(&ben, story, id));

    // The user opens the recording: just that one is fetched.
    let (a_to_b, _) = sync_with(
        &asha,
        &ben,
        project,
        MediaPolicy::All,
        MediaPolicy::Only(vec![id]),
        SyncLimits::default(),
    );
    assert!(a_to_b >= bytes.len() as u64);
    assert!(exported(&ben, id) == bytes);
}

#[test]
fn a_session_cut_anywhere_resumes_with_only_the_missing_chunks() {
    let len = CHUNK * 6 + 100;
    let (asha, ben, project, story, id, bytes) = asha_records(len);
    // Two chunks a message, so the cut can fall between chunks.
    let limits = SyncLimits {
        target_message_bytes: 2 * CHUNK + 64 * 1024,
        ..SyncLimits::default()
    };
    // Cut after Ben has received about half the recording.
    let (mut a_session, mut message) = asha.store.start_sync_with(project, limits).unwrap();
    let mut b_session = ben.store.accept_sync_with(project, limits).unwrap();
    let mut first = message.len() as u64;
    loop {
        let reply = ben.store.sync_receive(&mut b_session, &message).unwrap().unwrap();
        if b_session.progress().media_bytes_received >= (len / 2) as u64 {
            break;
        }
        message = asha.store.sync_receive(&mut a_session, &reply).unwrap().unwrap();
        first += message.len() as u64;
    }
    let got = b_session.progress().media_bytes_received;
    assert!(got < len as u64);
    drop((a_session, b_session));
    assert!(!present(&ben, story, id), "nothing half-visible");

    let (a_to_b, _) = sync_with(&asha, &ben, project, MediaPolicy::All, MediaPolicy::All, limits);
    let rest = len as u64 - got;
    assert!(
        a_to_b >= rest && a_to_b < rest + CHUNK as u64 / 8,
        "second session sent {a_to_b} bytes for the {rest} still missing (first sent {first})"
    );
    assert!(exported(&ben, id) == bytes);
}

#[test]
fn a_cut_session_resumes_after_the_phone_restarts() {
    let len = CHUNK * 4;
    let (asha, mut ben, project, story, id, bytes) = asha_records(len);
    let limits = SyncLimits {
        target_message_bytes: CHUNK,
        ..SyncLimits::default()
    };
    let (mut a_session, mut message) = asha.store.start_sync_with(project, limits).unwrap();
    let mut b_session = ben.store.accept_sync_with(project, limits).unwrap();
    loop {
        let reply = ben.store.sync_receive(&mut b_session, &message).unwrap().unwrap();
        if b_session.progress().media_bytes_received >= CHUNK as u64 {
            break;
        }
        message = asha.store.sync_receive(&mut a_session, &reply).unwrap().unwrap();
    }
    let got = b_session.progress().media_bytes_received;
    drop((a_session, b_session));
    ben.reopen();
    assert!(!present(&ben, story, id));
    let (a_to_b, _) = sync_with(&asha, &ben, project, MediaPolicy::All, MediaPolicy::All, limits);
    assert!(a_to_b < len as u64 - got + CHUNK as u64 / 8, "{a_to_b}");
    assert!(exported(&ben, id) == bytes);
}

#[test]
fn a_bundle_carries_the_recording_checked_on_import() {
    let (asha, ben, project, story, id, bytes) = asha_records(CHUNK * 5 / 2);
    let bundle = asha.store.export_bundle(project, None).unwrap();
    assert!(bundle.len() > bytes.len());
    let outcome = ben.store.import_bundle(&bundle).unwrap();
    assert_eq!(outcome.media_items, 1);
    assert!(present(&ben, story, id));
    assert!(exported(&ben, id) == bytes);
    assert_eq!(
        ben.store.import_bundle(&bundle).unwrap().media_items,
        0,
        "nothing new the second time"
    );
}

#[test]
fn a_bundle_with_a_damaged_or_oversize_recording_is_refused_whole() {
    use storyloom::sync::test_support::tamper_bundle_media;
    let (asha, ben, project, story, id, _bytes) = asha_records(CHUNK * 2);
    let bundle = asha.store.export_bundle(project, None).unwrap();
    for flip in [true, false] {
        let bad = tamper_bundle_media(&asha.store, project, &bundle, flip).unwrap();
        let err = ben.store.import_bundle(&bad).unwrap_err();
        assert!(matches!(err, storyloom::Error::SyncRejected(_)), "{err}");
        assert!(
            ben.store.story_media(story).is_err(),
            "nothing of the bundle was applied"
        );
    }
    ben.store.import_bundle(&bundle).unwrap();
    assert!(present(&ben, story, id));
}

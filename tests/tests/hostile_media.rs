//! A member gone bad in the media part of a sync: a chunk with wrong
//! bytes, a key that does not open the chunks, a chunk or a key nobody
//! asked for (of an item that may not leave its device), an item larger
//! than its reference or than any item may be. Each is `SyncRejected`,
//! the receiving store shows nothing new, and honest syncs carry on.

use std::fs;
use std::path::{Path, PathBuf};

use storyloom::sync::test_support::MediaTamper;
use storyloom::sync::{MediaPolicy, SyncLimits};
use storyloom::{
    ConsentMethod, ConsentScope, Error, MediaId, MediaKind, NewConsentGrant, NewMedia, ProjectId, StoryId,
};
use storyloom_scenarios::media::{CHUNK, recording};
use storyloom_scenarios::{Phone, sync};

struct Group {
    asha: Phone,
    ben: Phone,
    project: ProjectId,
    story: StoryId,
    shared: MediaId,
    shared_bytes: Vec<u8>,
    private: MediaId,
}

/// Ben holds a shared recording (Asha has its reference, not its bytes)
/// and a private one whose story may not leave his phone.
fn group() -> Group {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::invited("Ben", &asha, project);
    let dina = ben.recorded_storyteller(project, "Dina");
    let story = ben.add_story(project, "The depot", dina, "They closed the depot.");
    let shared_bytes = recording(CHUNK * 5 / 2, 3);
    let shared = ben
        .store
        .attach_media_bytes(story, &shared_bytes, &NewMedia::new(MediaKind::Audio))
        .unwrap()
        .id;
    let omar = ben.add_storyteller(project, "Omar");
    ben.store
        .grant_consent(
            project,
            &NewConsentGrant::new(
                omar,
                vec![ConsentScope::Record, ConsentScope::KeepMedia],
                ConsentMethod::Spoken,
            ),
        )
        .unwrap();
    let private_story = ben.add_story(project, "Private", omar, "Not for the group.");
    let private = ben
        .store
        .attach_media_bytes(private_story, &recording(CHUNK, 9), &NewMedia::new(MediaKind::Audio))
        .unwrap()
        .id;
    // Documents in step, no media bytes at Asha's yet.
    let (mut b, mut message) = ben.store.start_sync(project).unwrap();
    let mut a = asha.store.accept_sync(project).unwrap();
    a.set_media_policy(MediaPolicy::MetadataOnly);
    while let Some(reply) = asha.store.sync_receive(&mut a, &message).unwrap() {
        match ben.store.sync_receive(&mut b, &reply).unwrap() {
            Some(next) => message = next,
            None => break,
        }
    }
    assert_eq!(asha.store.story_media(story).unwrap().len(), 1);
    Group {
        asha,
        ben,
        project,
        story,
        shared,
        shared_bytes,
        private,
    }
}

fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
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
    files.sort();
    files
}

/// What Asha's phone shows: the story's media and every chunk file.
fn snapshot(g: &Group) -> (Vec<(MediaId, bool)>, Vec<PathBuf>) {
    let mut folder = g.asha.path().into_os_string();
    folder.push("-media");
    let listed = g
        .asha
        .store
        .story_media(g.story)
        .unwrap()
        .iter()
        .map(|i| (i.id, i.present))
        .collect();
    (listed, files_under(Path::new(&folder)))
}

/// A session in which Ben tampers as told; returns Asha's refusal.
fn hostile_session(g: &Group, tamper: MediaTamper) -> Error {
    let limits = SyncLimits::default();
    let (mut b, mut message) = g.ben.store.start_sync_with(g.project, limits).unwrap();
    b.tamper_media(tamper);
    let mut a = g.asha.store.accept_sync_with(g.project, limits).unwrap();
    for _ in 0..1000 {
        let reply = match g.asha.store.sync_receive(&mut a, &message) {
            Ok(Some(reply)) => reply,
            Ok(None) => panic!("the session finished without a refusal"),
            Err(err) => return err,
        };
        match g.ben.store.sync_receive(&mut b, &reply).unwrap() {
            Some(next) => message = next,
            None => panic!("the session finished without a refusal"),
        }
    }
    panic!("the session did not end");
}

/// The refusal changed nothing Asha can see, and an honest session then
/// brings the recording whole.
fn refused_then_honest(g: Group, tamper: MediaTamper, says: &str) {
    let before = snapshot(&g);
    let err = hostile_session(&g, tamper.clone());
    assert!(
        matches!(&err, Error::SyncRejected(reason) if reason.contains(says)),
        "{tamper:?}: {err}"
    );
    assert_eq!(snapshot(&g), before, "{tamper:?} changed Asha's store");
    sync(&g.ben, &g.asha, g.project);
    let out = g.asha.folder().join("after.ogg");
    g.asha.store.export_media(g.shared, &out, false).unwrap();
    assert!(
        fs::read(&out).unwrap() == g.shared_bytes,
        "the honest sync brings it whole"
    );
    assert!(
        g.asha.store.read_media(g.private, 0, 1).is_err(),
        "the private one never came"
    );
}

#[test]
fn a_chunk_with_wrong_bytes_is_refused() {
    refused_then_honest(group(), MediaTamper::FlipChunkByte, "did not ask for");
}

#[test]
fn a_key_that_does_not_open_the_chunks_is_refused() {
    refused_then_honest(group(), MediaTamper::WrongKeyInOffer, "failed verification");
}

#[test]
fn a_chunk_of_an_item_that_may_not_leave_its_phone_is_refused() {
    let g = group();
    let private = g.private;
    refused_then_honest(g, MediaTamper::ChunkOf(private), "did not ask for");
}

#[test]
fn a_key_nobody_asked_for_is_refused() {
    let g = group();
    let private = g.private;
    refused_then_honest(g, MediaTamper::OfferUnasked(private), "did not ask for");
}

#[test]
fn an_item_larger_than_its_reference_is_refused() {
    refused_then_honest(group(), MediaTamper::OversizeOffer, "its reference says");
}

#[test]
fn an_item_with_more_chunks_than_any_item_may_have_is_refused() {
    refused_then_honest(group(), MediaTamper::HugeOffer, "more than an item may have");
}

//! What a member gone bad can do with bytes on the wire (issue 15, findings
//! 6 and 7): messages and bundles that are tiny when sent but would cost
//! gigabytes to take in are refused before Automerge expands them, the
//! store stays as it was, and honest devices keep syncing. The cases that
//! used to exhaust memory run in a child process under an address-space
//! limit, so a regression fails the test instead of taking the machine down.

use std::process::Command;

use automerge::sync::{BloomFilter, Have, State, SyncDoc};
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc};
use storyloom::sync::test_support::{
    forge_bundle, forge_session_message, forge_session_message_with_sync, forge_text_bomb,
};
use storyloom::{DocKind, Error, ProjectId, StoryId, Uuid};
use storyloom_scenarios::{Phone, sync};

/// A child running one of these tests may use this much address space:
/// enough for three stores, far below what the old receiver needed.
const CHILD_ADDRESS_SPACE: u64 = 1536 * 1024 * 1024;
const CHILD: &str = "STORYLOOM_BOUNDED_CHILD";

/// Runs the test `name` again in a child process under the memory limit.
/// Returns true in the parent (which has checked the child passed); false
/// in the child, which then runs the test's body.
fn rerun_with_memory_limit(name: &str) -> bool {
    if std::env::var(CHILD).as_deref() == Ok(name) {
        return false;
    }
    let exe = std::env::current_exe().expect("test binary");
    let output = Command::new("prlimit")
        .arg(format!("--as={CHILD_ADDRESS_SPACE}"))
        .arg("--")
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .output()
        .expect("run prlimit (util-linux)");
    assert!(
        output.status.success(),
        "the child ran out of bounds or failed ({:?}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    true
}

struct Group {
    asha: Phone,
    ben: Phone,
    cara: Phone,
    project: ProjectId,
    story: StoryId,
}

/// Asha, Ben and Cara share a project with one story; Ben will go bad.
fn group() -> Group {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let ben = Phone::invited("Ben", &asha, project);
    sync(&asha, &ben, project);
    let cara = Phone::invited("Cara", &asha, project);
    sync(&asha, &cara, project);
    Group {
        asha,
        ben,
        cara,
        project,
        story,
    }
}

fn uuid(story: StoryId) -> Uuid {
    Uuid::from_bytes(*story.as_bytes())
}

/// After the attack: Asha's store reopens as it was, and a story Cara
/// writes still reaches her in an ordinary session.
fn honest_sync_carries_on(mut g: Group) {
    let before = g.asha.store.story(g.story).unwrap();
    g.asha.reopen();
    assert_eq!(g.asha.store.story(g.story).unwrap(), before);
    let teller = g.cara.consenting_storyteller(g.project, "Yusuf");
    let new = g
        .cara
        .add_story(g.project, "Night shift", teller, "The last bus is at ten.");
    sync(&g.cara, &g.asha, g.project);
    assert_eq!(g.asha.store.story(new).unwrap().transcript, "The last bus is at ten.");
    sync(&g.ben, &g.cara, g.project);
    assert_eq!(g.ben.store.story(new).unwrap().title, "Night shift");
}

fn sync_rejected<T: std::fmt::Debug>(result: storyloom::Result<T>) -> String {
    match result {
        Err(Error::SyncRejected(reason)) => reason,
        other => panic!("expected SyncRejected, got {other:?}"),
    }
}

#[test]
fn a_text_bomb_of_thirty_million_characters_in_a_few_kilobytes_is_refused() {
    if rerun_with_memory_limit("a_text_bomb_of_thirty_million_characters_in_a_few_kilobytes_is_refused") {
        return;
    }
    let g = group();
    // Ben sends the story back with 30 million more characters in its
    // transcript, compressed to a few kilobytes.
    let mut bytes = g.ben.store.export_story_document(g.story).unwrap();
    bytes.extend(forge_text_bomb(&bytes, 30_000_000).unwrap());
    let documents = [(uuid(g.story), DocKind::Story, bytes.clone())];
    let message = forge_session_message(&g.ben.store, g.project, &documents).unwrap();
    assert!(
        message.len() < 64 * 1024,
        "the bomb is {} bytes on the wire",
        message.len()
    );

    let mut session = g.asha.store.accept_sync(g.project).unwrap();
    let reason = sync_rejected(g.asha.store.sync_receive(&mut session, &message));
    assert!(reason.contains("operations"), "{reason}");

    let bundle = forge_bundle(&g.ben.store, g.project, &documents).unwrap();
    let reason = sync_rejected(g.asha.store.import_bundle(&bundle));
    assert!(reason.contains("operations"), "{reason}");

    assert!(matches!(
        g.asha.store.import_document(&bytes),
        Err(Error::InvalidInput { .. })
    ));
    honest_sync_carries_on(g);
}

#[test]
fn a_bloom_filter_claiming_four_billion_probes_is_refused() {
    if rerun_with_memory_limit("a_bloom_filter_claiming_four_billion_probes_is_refused") {
        return;
    }
    let g = group();
    // A real Automerge sync message from Ben's copy of the story, its
    // `have` filter rewritten to claim 2³²−1 probes per change.
    let mut doc = AutoCommit::load(&g.ben.store.export_story_document(g.story).unwrap()).unwrap();
    let mut message = doc.sync().generate_sync_message(&mut State::new()).unwrap();
    let honest = BloomFilter::from_hashes(doc.get_heads().into_iter()).to_bytes();
    assert_eq!(&honest[..3], &[1, 10, 7], "one entry, Automerge's 10 bits and 7 probes");
    let mut forged = vec![1, 10, 0xff, 0xff, 0xff, 0xff, 0x0f];
    forged.extend(&honest[3..]);
    message.have = vec![Have {
        last_sync: Vec::new(),
        bloom: BloomFilter::try_from(&forged[..]).unwrap(),
    }];
    let sync_entry = [(uuid(g.story), DocKind::Story, message.encode())];
    let sealed = forge_session_message_with_sync(&g.ben.store, g.project, &[], &sync_entry).unwrap();

    let mut session = g.asha.store.accept_sync(g.project).unwrap();
    let reason = sync_rejected(g.asha.store.sync_receive(&mut session, &sealed));
    assert!(reason.contains("Bloom filter"), "{reason}");
    assert_eq!(doc.get_heads().len(), 1);
    honest_sync_carries_on(g);
}

#[test]
fn a_change_forged_under_another_members_identity_is_dropped_and_reported() {
    let mut g = group();
    // Cara adds to the transcript; she has not met anyone since.
    g.cara.store.splice_transcript(g.story, 0, 0, "Cara: ").unwrap();
    let mut cara_copy = AutoCommit::load(&g.cara.store.export_story_document(g.story).unwrap()).unwrap();
    let heads = cara_copy.get_heads();
    let real = cara_copy
        .get_changes(&[])
        .into_iter()
        .find(|c| heads.contains(&c.hash()))
        .unwrap();

    // Ben writes a change under Cara's actor id with the same sequence
    // number, and passes it to Asha in an ordinary session.
    let mut forged = AutoCommit::load(&g.ben.store.export_story_document(g.story).unwrap()).unwrap();
    forged.set_actor(real.actor_id().clone());
    let (_, transcript) = forged.get(automerge::ROOT, "transcript").unwrap().unwrap();
    forged.splice_text(&transcript, 0, 0, "Forged: ").unwrap();
    let forgery = forged.get_last_local_change().unwrap();
    assert_eq!((forgery.actor_id(), forgery.seq()), (real.actor_id(), real.seq()));
    g.ben.store.import_document(&forged.save()).unwrap();
    sync(&g.ben, &g.asha, g.project);

    // Cara meets Asha. This used to fail with "duplicate seq" for good;
    // now the conflicting change is left out on both sides, reported, and
    // everything else travels.
    let teller = g.cara.consenting_storyteller(g.project, "Yusuf");
    let new = g
        .cara
        .add_story(g.project, "Night shift", teller, "The last bus is at ten.");
    let report = sync(&g.cara, &g.asha, g.project);
    assert!(report.documents_skipped >= 1, "{report:?}");
    assert_eq!(g.asha.store.story(new).unwrap().title, "Night shift");
    // Each side keeps the version it saw first.
    assert!(g.asha.store.story(g.story).unwrap().transcript.starts_with("Forged: "));
    assert!(g.cara.store.story(g.story).unwrap().transcript.starts_with("Cara: "));

    // A bundle from Cara is taken too, the forged document counted as skipped.
    g.cara.store.add_tag(g.story, "night").unwrap();
    let outcome = g
        .asha
        .store
        .import_bundle(&g.cara.store.export_bundle(g.project, None).unwrap())
        .unwrap();
    assert!(outcome.documents_skipped >= 1, "{outcome:?}");
    g.asha.reopen();
    sync(&g.asha, &g.cara, g.project);
    honest_sync_carries_on(g);
}

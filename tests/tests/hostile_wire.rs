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
use storyloom::sync::SyncLimits;
use storyloom::sync::test_support::{
    forge_bundle, forge_catalog_as, forge_session_message, forge_session_message_with_sync, forge_text_bomb,
};
use storyloom::{DocKind, Error, NewConsentWithdrawal, ParticipantId, ProjectId, StoryId, Uuid};
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
    amira: ParticipantId,
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
        amira,
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
        Err(Error::CorruptData(_))
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
    // number, takes it into his own store (a local import is trusted) and
    // passes it to Asha in an ordinary session.
    let mut forged = AutoCommit::load(&g.ben.store.export_story_document(g.story).unwrap()).unwrap();
    forged.set_actor(real.actor_id().clone());
    let (_, transcript) = forged.get(automerge::ROOT, "transcript").unwrap().unwrap();
    forged.splice_text(&transcript, 0, 0, "Forged: ").unwrap();
    let forgery = forged.get_last_local_change().unwrap();
    assert_eq!((forgery.actor_id(), forgery.seq()), (real.actor_id(), real.seq()));
    g.ben.store.import_document(&forged.save()).unwrap();
    // Asha drops it: it is not signed by Cara's enrolled device key
    // (issue 15, finding 5). Reported, and the rest of the session travels.
    let report = sync(&g.ben, &g.asha, g.project);
    assert_eq!(report.documents_skipped, 1, "{report:?}");
    assert_eq!(
        g.asha.store.story(g.story).unwrap().transcript,
        "The bus stopped coming."
    );

    // Cara meets Asha. This used to fail with "duplicate seq" for good, and
    // then each side kept the version it saw first; now Cara's real change
    // arrives and the two agree.
    let teller = g.cara.consenting_storyteller(g.project, "Yusuf");
    let new = g
        .cara
        .add_story(g.project, "Night shift", teller, "The last bus is at ten.");
    let report = sync(&g.cara, &g.asha, g.project);
    assert_eq!(report.documents_skipped, 0, "{report:?}");
    assert_eq!(g.asha.store.story(new).unwrap().title, "Night shift");
    assert!(g.asha.store.story(g.story).unwrap().transcript.starts_with("Cara: "));
    assert_eq!(
        g.asha.store.story(g.story).unwrap(),
        g.cara.store.story(g.story).unwrap()
    );

    // A bundle from Cara is taken whole.
    g.cara.store.add_tag(g.story, "night").unwrap();
    let outcome = g
        .asha
        .store
        .import_bundle(&g.cara.store.export_bundle(g.project, None).unwrap())
        .unwrap();
    assert_eq!(outcome.documents_skipped, 0, "{outcome:?}");
    g.asha.reopen();
    sync(&g.asha, &g.cara, g.project);
    honest_sync_carries_on(g);
}

/// Asha adds a story Ben and Cara lack, and syncs it to Ben while an
/// eavesdropper records every message: hello, Ben's answer, Asha's reply
/// carrying the story, and the rest.
fn recorded_session(g: &Group) -> (StoryId, Vec<Vec<u8>>) {
    let teller = g.asha.consenting_storyteller(g.project, "Yusuf");
    let story = g
        .asha
        .add_story(g.project, "Night shift", teller, "The last bus is at ten.");
    let (mut asha_side, hello) = g.asha.store.start_sync(g.project).unwrap();
    let mut ben_side = g.ben.store.accept_sync(g.project).unwrap();
    let mut recorded = vec![hello.clone()];
    let mut next = Some(hello);
    let mut ben_speaks = true;
    while let Some(message) = next {
        next = if ben_speaks {
            g.ben.store.sync_receive(&mut ben_side, &message).unwrap()
        } else {
            g.asha.store.sync_receive(&mut asha_side, &message).unwrap()
        };
        recorded.extend(next.clone());
        ben_speaks = !ben_speaks;
    }
    assert_eq!(g.ben.store.story(story).unwrap().title, "Night shift");
    (story, recorded)
}

#[test]
fn a_recorded_session_cannot_be_replayed_to_another_device_or_into_a_new_session() {
    let g = group();
    let (story, recorded) = recorded_session(&g);
    assert!(recorded.len() >= 3, "hello, answer, the story");

    // To Cara, who also lacks the story: the hello only makes her answer
    // (under a key the eavesdropper cannot derive); Asha's message with the
    // story was bound to Ben and to Ben's random value, and is refused.
    let mut cara_side = g.cara.store.accept_sync(g.project).unwrap();
    assert!(
        g.cara
            .store
            .sync_receive(&mut cara_side, &recorded[0])
            .unwrap()
            .is_some()
    );
    let reason = sync_rejected(g.cara.store.sync_receive(&mut cara_side, &recorded[2]));
    assert!(reason.contains("belongs to another"), "{reason}");
    assert!(matches!(g.cara.store.story(story), Err(Error::NotFound { .. })));

    // To Ben again, in a new session: the same.
    let mut ben_again = g.ben.store.accept_sync(g.project).unwrap();
    g.ben.store.sync_receive(&mut ben_again, &recorded[0]).unwrap();
    let reason = sync_rejected(g.ben.store.sync_receive(&mut ben_again, &recorded[2]));
    assert!(reason.contains("belongs to another"), "{reason}");

    // Ben's answer, replayed to Asha in a session she starts anew.
    let (mut asha_again, _) = g.asha.store.start_sync(g.project).unwrap();
    let reason = sync_rejected(g.asha.store.sync_receive(&mut asha_again, &recorded[1]));
    assert!(reason.contains("belongs to another"), "{reason}");
    honest_sync_carries_on(g);
}

#[test]
fn a_message_redirected_to_another_device_is_refused() {
    let g = group();
    let (story, recorded) = recorded_session(&g);
    // Ben's answer to Asha's hello, redirected to a session Cara started.
    let (mut cara_side, _) = g.cara.store.start_sync(g.project).unwrap();
    let reason = sync_rejected(g.cara.store.sync_receive(&mut cara_side, &recorded[1]));
    assert!(reason.contains("belongs to another"), "{reason}");
    // Asha's message to Ben, redirected to Cara mid-session with Asha.
    let (mut asha_side, hello) = g.asha.store.start_sync(g.project).unwrap();
    let mut cara_answering = g.cara.store.accept_sync(g.project).unwrap();
    let answer = g.cara.store.sync_receive(&mut cara_answering, &hello).unwrap().unwrap();
    g.asha.store.sync_receive(&mut asha_side, &answer).unwrap();
    let reason = sync_rejected(g.cara.store.sync_receive(&mut cara_answering, &recorded[2]));
    assert!(reason.contains("belongs to another"), "{reason}");
    assert!(matches!(g.cara.store.story(story), Err(Error::NotFound { .. })));
    honest_sync_carries_on(g);
}

#[test]
fn a_bundle_made_for_one_device_is_refused_by_another_and_an_old_one_by_all() {
    let g = group();
    let teller = g.asha.consenting_storyteller(g.project, "Yusuf");
    let story = g
        .asha
        .add_story(g.project, "Night shift", teller, "The last bus is at ten.");
    let for_ben = g
        .asha
        .store
        .export_bundle(g.project, Some(g.ben.store.device_id()))
        .unwrap();
    let reason = sync_rejected(g.cara.store.import_bundle(&for_ben));
    assert!(reason.contains("made for device"), "{reason}");
    assert!(matches!(g.cara.store.story(story), Err(Error::NotFound { .. })));
    g.ben.store.import_bundle(&for_ben).unwrap();
    assert_eq!(g.ben.store.story(story).unwrap().title, "Night shift");

    // A bundle for everyone is taken by any device of the group…
    let for_everyone = g.asha.store.export_bundle(g.project, None).unwrap();
    // …but not once it is older than the limit.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let strict = SyncLimits {
        max_bundle_age: std::time::Duration::from_millis(10),
        ..SyncLimits::default()
    };
    let reason = sync_rejected(g.cara.store.import_bundle_with(&for_everyone, strict));
    assert!(reason.contains("older than"), "{reason}");
    g.cara.store.import_bundle(&for_everyone).unwrap();
    assert_eq!(g.cara.store.story(story).unwrap().title, "Night shift");
    honest_sync_carries_on(g);
}

#[test]
fn a_member_posing_as_another_device_is_refused_and_recorded_as_nothing() {
    let g = group();
    // Amira asks Asha to erase her story, and Asha adds another; Ben gets both.
    g.asha
        .store
        .withdraw_consent(
            g.project,
            &NewConsentWithdrawal {
                storyteller: g.amira,
                story: Some(g.story),
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();
    let teller = g.asha.consenting_storyteller(g.project, "Yusuf");
    let new = g
        .asha
        .add_story(g.project, "Night shift", teller, "The last bus is at ten.");
    sync(&g.asha, &g.ben, g.project);

    // Ben opens a session with Asha claiming to be Cara, with his own
    // catalog (which would say Cara holds everything Asha holds). He can
    // only sign it with his own device key: Cara's enrolled key does not
    // verify it, so Asha refuses it (issue 15, finding 10).
    let forged = forge_catalog_as(&g.ben.store, g.project, g.cara.store.device_id()).unwrap();
    let mut session = g.asha.store.accept_sync(g.project).unwrap();
    let reason = sync_rejected(g.asha.store.sync_receive(&mut session, &forged));
    assert!(reason.contains("not signed by device"), "{reason}");

    // Asha recorded nothing for Cara: her bundle for Cara carries the
    // erasure and the new story, and leaves nothing out.
    let bundle = g
        .asha
        .store
        .export_bundle(g.project, Some(g.cara.store.device_id()))
        .unwrap();
    let outcome = g.cara.store.import_bundle(&bundle).unwrap();
    assert!(matches!(g.cara.store.story(g.story), Err(Error::Erased { .. })));
    assert_eq!(g.cara.store.story(new).unwrap().title, "Night shift");
    assert_eq!(outcome.documents_missing, 0, "{outcome:?}");
    // Honest sessions carry on.
    g.cara.store.add_theme(g.project, "Night buses", "").unwrap();
    sync(&g.cara, &g.asha, g.project);
    sync(&g.asha, &g.ben, g.project);
    assert!(
        g.ben
            .store
            .project(g.project)
            .unwrap()
            .themes
            .iter()
            .any(|t| t.name == "Night buses")
    );
}

#[test]
fn an_eavesdropper_sees_no_device_ids_and_cannot_link_a_phone_across_projects() {
    let g = group();
    let (_, recorded) = recorded_session(&g);
    for message in &recorded {
        for device in [g.asha.store.device_id(), g.ben.store.device_id()] {
            assert!(!message.windows(16).any(|w| w == device.as_bytes()));
        }
    }
    // Asha's hello in another project names her by another tag (bytes
    // 21..37 of the clear header: magic, kind and project id come first).
    let (other, _) = g
        .asha
        .store
        .create_project("Market stalls", "Asha", storyloom::MemberRole::Reporter)
        .unwrap();
    let (_, hello_here) = g.asha.store.start_sync(g.project).unwrap();
    let (_, hello_there) = g.asha.store.start_sync(other).unwrap();
    assert_eq!(hello_here[21..37], recorded[0][21..37], "stable within a project");
    assert_ne!(hello_here[21..37], hello_there[21..37]);
}

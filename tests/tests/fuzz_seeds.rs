//! Writes the seed corpus of the fuzz targets in `core/fuzz/seeds/`: real
//! messages, bundles, invites, documents and transcripts, a few of each, so
//! the fuzzer starts from well-formed input. Run it again when the wire
//! format or a document layout changes:
//!
//!     cargo test -p storyloom-scenarios --test fuzz_seeds -- --ignored

use std::path::PathBuf;

use storyloom::sync::test_support::{bundle_plaintext, session_message_plaintext};
use storyloom::{ConsentScope, DocKind, NewConsentWithdrawal, Uuid};
use storyloom_scenarios::Phone;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../core/fuzz/seeds")
        .join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// `mode` first, as the sync_message and bundle targets read it.
fn with_mode(mode: u8, bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![mode];
    out.extend_from_slice(bytes);
    out
}

#[test]
#[ignore = "writes the committed seed corpus; run by hand"]
fn write_the_fuzz_seed_corpus() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming 😀.");
    asha.store
        .add_highlight(story, 4, 7, Some("Reliability"), "note")
        .unwrap();
    let ben = Phone::invited("Ben", &asha, project);
    ben.store.splice_transcript(story, 0, 0, "Edited: ").unwrap();
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: Some(story),
                scopes: vec![ConsentScope::Transcribe],
                erase: false,
            },
        )
        .unwrap();

    let story_doc = asha.store.export_story_document(story).unwrap();
    let participant_doc = asha.store.export_participant_document(amira).unwrap();
    let project_doc = asha.store.export_project_document(project).unwrap();
    let story_id = Uuid::from_bytes(*story.as_bytes());
    let docs = [(story_id, DocKind::Story, story_doc.clone())];

    let (_, first) = asha.store.start_sync(project).unwrap();
    write("sync_message", "sealed-first-message", &with_mode(0, &first));
    write(
        "sync_message",
        "plaintext-empty",
        &with_mode(1, &session_message_plaintext(&[]).unwrap()),
    );
    write(
        "sync_message",
        "plaintext-story",
        &with_mode(1, &session_message_plaintext(&docs).unwrap()),
    );

    write(
        "bundle",
        "sealed-bundle",
        &with_mode(0, &asha.store.export_bundle(project, None).unwrap()),
    );
    write(
        "bundle",
        "plaintext-empty",
        &with_mode(1, &bundle_plaintext(&[]).unwrap()),
    );
    write(
        "bundle",
        "plaintext-story",
        &with_mode(1, &bundle_plaintext(&docs).unwrap()),
    );

    write("invite", "invite", asha.store.invite(project).unwrap().as_bytes());
    write(
        "invite",
        "old-invite",
        format!("storyloom:1:{}", "A".repeat(88)).as_bytes(),
    );

    write("document", "story", &story_doc);
    write("document", "participant", &participant_doc);
    write("document", "project", &project_doc);

    write("ledger", "project-with-grant-and-withdrawal", &project_doc);
    write("ledger", "story-in-project-place", &story_doc);

    write("transcript_file", "plain", b"The bus stopped coming.\n");
    write(
        "transcript_file",
        "unicode",
        "Caf\u{e9} \u{1f600} \u{202e}rtl\r\n\t=1+1".as_bytes(),
    );
    write("transcript_file", "not-utf8", &[0x66, 0x6f, 0xff, 0xfe, 0x80]);
}

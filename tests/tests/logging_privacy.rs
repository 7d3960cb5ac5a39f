//! The field log says what happened and never to whom (issue 14, ADR
//! 0014): every operation is driven with unique phrases in every piece of
//! text an app or a peer supplies, the whole `tracing` output is captured
//! at TRACE, and not one phrase may appear in it — while the operations
//! themselves must.
//!
//! One test in this file: the capturing subscriber is process-wide, so
//! events from every thread (relay runtime, sessions) are caught.

use std::io::Write;
use std::sync::{Arc, Mutex};

use storyloom::sync::sync_stores;
use storyloom::{
    ConsentMethod, ConsentScope, ExportFormat, ExportPurpose, MediaKind, NewConsentGrant, NewConsentWithdrawal,
    NewMedia, NewParticipant, NewStory, Store, StoreKey,
};
use storyloom_scenarios::Phone;
use storyloom_scenarios::relay::Relay;

/// Text an app or a peer supplies, each unique enough that finding it in
/// the log can only mean it was logged.
const PHRASES: &[&str] = &[
    "Quillonbrook",       // project name
    "Marisol Vantwerpen", // founding member's name
    "Tobiah Farraday",    // joining member's name
    "Ysolde Kettleburn",  // storyteller
    "Orrin Blackwater",   // storyteller to be erased
    "lanterns-over-weir", // story title
    "Zanzibar turnpike",  // transcript
    "pomegranate-ferry",  // second story's title
    "cobalt-shoelace",    // second story's transcript
    "hinterland-quartet", // tag
    "marmalade-compass",  // highlight theme
    "velvet-thunderclap", // highlight note
    "gossamer-rotunda",   // comment
    "periwinkle-anvil",   // media caption
    "saffron-lighthouse", // searched phrase (in the transcript)
    "Brindlewick",        // participant note
];

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

fn capture_everything() -> Captured {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .init();
    captured
}

#[test]
fn every_operation_is_logged_and_no_title_name_note_or_transcript_reaches_the_log() {
    let log = capture_everything();
    let relay = Relay::fs();

    // Stories, participants, consent, tags, highlights, comments.
    let (ana, project) = Phone::founding("Marisol Vantwerpen", "Quillonbrook");
    let ysolde = ana.recorded_storyteller(project, "Ysolde Kettleburn");
    ana.store
        .update_participant(
            ysolde,
            &storyloom::ParticipantUpdate {
                communication_notes: Some("prefers Brindlewick library".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let story = ana.add_story(
        project,
        "lanterns-over-weir",
        ysolde,
        "Zanzibar turnpike, then saffron-lighthouse at dusk.",
    );
    ana.store.add_tag(story, "hinterland-quartet").unwrap();
    let highlight = ana
        .store
        .add_highlight(story, 0, 8, Some("marmalade-compass"), "velvet-thunderclap")
        .unwrap();
    ana.store
        .add_comment(story, "gossamer-rotunda", Some(highlight))
        .unwrap();
    let orrin = ana
        .store
        .add_participant(
            project,
            &NewParticipant {
                display_name: "Orrin Blackwater".into(),
                ..Default::default()
            },
        )
        .unwrap();
    ana.store
        .grant_consent(
            project,
            &NewConsentGrant::new(
                orrin,
                vec![ConsentScope::Record, ConsentScope::ShareInProject],
                ConsentMethod::Written,
            ),
        )
        .unwrap();
    let erased_story = ana
        .store
        .create_story(
            project,
            &NewStory {
                title: "pomegranate-ferry".into(),
                storytellers: vec![orrin],
                transcript: "cobalt-shoelace".into(),
                ..Default::default()
            },
        )
        .unwrap();

    // Search and export.
    assert_eq!(
        ana.store.search("saffron-lighthouse", None, 10).unwrap()[0].story_id,
        story
    );
    let out = tempfile::tempdir().unwrap();
    ana.store
        .export_project(project, out.path(), ExportFormat::Json, ExportPurpose::Research)
        .unwrap();

    // Media: add, export, remove, and one refused for want of consent.
    let caption = NewMedia {
        kind: MediaKind::Audio,
        mime: "audio/ogg".into(),
        caption: "periwinkle-anvil".into(),
        duration_ms: Some(1_000),
    };
    let item = ana
        .store
        .attach_media_bytes(story, b"OggS recording bytes", &caption)
        .unwrap();
    ana.store
        .export_media(item.id, &out.path().join("copy.ogg"), false)
        .unwrap();
    assert!(ana.store.attach_media_bytes(erased_story, b"OggS", &caption).is_err());

    // A sync session (Ben joins by invite), a bundle, a relay sync.
    let ben = Phone::invited("Tobiah Farraday", &ana, project);
    ana.store.add_tag(story, "hinterland-quartet-again").unwrap();
    let bundle = ana.store.export_bundle(project, None).unwrap();
    ben.store.import_bundle(&bundle).unwrap();
    sync_stores(&ana.store, &ben.store, project).unwrap();
    relay.sync(&ana.store);
    relay.sync(&ben.store);

    // A peer sends garbage: refused, and the refusal is logged by kind.
    let mut session = ben.store.accept_sync(project).unwrap();
    assert!(
        ben.store
            .sync_receive(&mut session, b"Zanzibar turnpike as a message")
            .is_err()
    );

    // Removal, withdrawal, erasure.
    ana.store.remove_media(story, item.id).unwrap();
    ana.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: ysolde,
                story: None,
                scopes: vec![ConsentScope::KeepMedia],
                erase: false,
            },
        )
        .unwrap();
    ana.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: orrin,
                story: Some(erased_story),
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();

    // A key change on a store of its own, closed as the change requires.
    let keyed = tempfile::tempdir().unwrap();
    let path = keyed.path().join("keyed.storyloom");
    let plain = Store::open(&path).unwrap();
    let (p, _) = plain
        .create_project("Quillonbrook", "Marisol Vantwerpen", storyloom::MemberRole::Reporter)
        .unwrap();
    let teller = plain
        .add_participant(
            p,
            &NewParticipant {
                display_name: "Ysolde Kettleburn".into(),
                ..Default::default()
            },
        )
        .unwrap();
    plain
        .create_story(
            p,
            &NewStory {
                title: "lanterns-over-weir".into(),
                storytellers: vec![teller],
                transcript: "Zanzibar turnpike".into(),
                ..Default::default()
            },
        )
        .unwrap();
    plain.close().unwrap();
    let key = StoreKey::generate().unwrap();
    Store::encrypt(&path, &key).unwrap();
    let other = StoreKey::generate().unwrap();
    Store::rekey(&path, &key, &other).unwrap();
    Store::open_with_key(&path, other).unwrap().close().unwrap();
    ana.store.close().unwrap();

    let text = log.text();
    for expected in [
        "store opened",
        "encrypted=true",
        "encrypted=false",
        "schema_version=",
        "store closed",
        "sync session started",
        "sync session accepted",
        "sync message",
        "sync session finished",
        "documents_changed=",
        "round_trips=",
        "bundle exported",
        "bundle imported",
        "relay sync finished",
        "pushed=",
        "media added",
        "media exported",
        "media removed",
        "consent withdrawn",
        "consent withdrawn and erased",
        "store key changed",
        "error=\"consent_required\"",
        "error=\"sync_rejected\"",
    ] {
        assert!(text.contains(expected), "the log lacks {expected:?}:\n{text}");
    }
    assert!(
        text.lines()
            .any(|l| l.contains("WARN") && l.contains("sync message refused")),
        "a refused peer message is a warning:\n{text}"
    );
    assert!(
        text.lines().any(|l| l.contains("DEBUG") && l.contains("sync message")),
        "per-message detail is debug:\n{text}"
    );
    for phrase in PHRASES {
        assert!(!text.contains(phrase), "{phrase:?} reached the log:\n{text}");
    }
    // The same check must catch a phrase if one were ever logged.
    tracing::info!(target: "storyloom::store", title = "lanterns-over-weir", "a careless line");
    assert!(
        log.text().contains("lanterns-over-weir"),
        "the capture sees what is logged"
    );
}

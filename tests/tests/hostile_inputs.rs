//! The hostile-input suite: named cases across every parser of outside
//! bytes (invites, imported documents, session messages, bundles, project
//! documents carrying the consent ledger) and the app-facing API. Each case
//! must fail with the typed error named in the table and leave the store's
//! files byte for byte as they were.

use std::path::{Path, PathBuf};

use automerge::transaction::Transactable;
use storyloom::sync::SyncLimits;
use storyloom::sync::test_support::{
    bundle_plaintext, forge_bundle, forge_session_message, invite_with_secret, project_document_id,
    seal_bundle_plaintext, seal_session_plaintext, session_message_plaintext,
};
use storyloom::{
    DocKind, Error, ExportFormat, ExportPurpose, MemberRole, NewStory, ParticipantId, ProjectId, StoryId, Uuid,
};
use storyloom_scenarios::Phone;

/// What a case must be refused with.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    Invalid(&'static str),
    Rejected,
    WrongKey,
    NotFound,
    Corrupt,
}

impl Refusal {
    fn matches(self, err: &Error) -> bool {
        match (self, err) {
            (Self::Invalid(expected), Error::InvalidInput { field, .. }) => field == expected,
            (Self::Rejected, Error::SyncRejected(_)) => true,
            (Self::WrongKey, Error::WrongKey { .. }) => true,
            (Self::NotFound, Error::NotFound { .. }) => true,
            (Self::Corrupt, Error::CorruptData(_)) => true,
            _ => false,
        }
    }
}

/// Two phones in one project, Ben's the one under attack, and Zed in a
/// project of his own.
struct World {
    asha: Phone,
    ben: Phone,
    zed: Phone,
    carol: Phone,
    project: ProjectId,
    story: StoryId,
    amira: ParticipantId,
    story_doc: Vec<u8>,
    participant_doc: Vec<u8>,
    project_doc: Vec<u8>,
    zed_project: ProjectId,
    zed_project_doc: Vec<u8>,
    message: Vec<u8>,
    bundle: Vec<u8>,
    invite: String,
}

fn world() -> World {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let ben = Phone::invited("Ben", &asha, project);
    let carol = Phone::joining("Carol", &asha, project); // a copy of the project with its own secret
    let (zed, zed_project) = Phone::founding("Zed", "Elsewhere");
    asha.store.add_theme(project, "Reliability", "").unwrap();
    World {
        story_doc: asha.store.export_story_document(story).unwrap(),
        participant_doc: asha.store.export_participant_document(amira).unwrap(),
        project_doc: asha.store.export_project_document(project).unwrap(),
        zed_project_doc: zed.store.export_project_document(zed_project).unwrap(),
        message: asha.store.start_sync(project).unwrap().1,
        bundle: asha.store.export_bundle(project, None).unwrap(),
        invite: asha.store.invite(project).unwrap(),
        asha,
        ben,
        zed,
        carol,
        project,
        story,
        amira,
        zed_project,
    }
}

/// The store's file and its write-ahead log (the `-shm` index is scratch
/// space SQLite rewrites on reads too).
fn files(path: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    [path.to_path_buf(), PathBuf::from(format!("{}-wal", path.display()))]
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(&p).ok();
            (p, bytes)
        })
        .collect()
}

fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    let at = at % out.len();
    out[at] ^= 0x20;
    out
}

fn typo(invite: &str) -> String {
    let mut chars: Vec<char> = invite.chars().collect();
    let at = chars.len() - 7;
    chars[at] = if chars[at] == 'Q' { 'R' } else { 'Q' };
    chars.into_iter().collect()
}

/// An Automerge document with a header that claims `kind` but is otherwise
/// whatever the case wants.
fn document_with(fields: &[(&str, automerge::ScalarValue)]) -> Vec<u8> {
    let mut doc = automerge::AutoCommit::new();
    for (key, value) in fields {
        doc.put(automerge::ROOT, *key, value.clone()).unwrap();
    }
    doc.save()
}

type Attempt = Box<dyn Fn(&World) -> Result<(), Error>>;

fn receive(w: &World, message: &[u8]) -> Result<(), Error> {
    let mut session = w.ben.store.accept_sync(w.project)?;
    w.ben.store.sync_receive(&mut session, message).map(|_| ())
}

fn import_bundle(w: &World, bundle: &[u8]) -> Result<(), Error> {
    w.ben.store.import_bundle(bundle).map(|_| ())
}

fn import_document(w: &World, bytes: &[u8]) -> Result<(), Error> {
    w.ben.store.import_document(bytes).map(|_| ())
}

fn join(w: &World, invite: &str) -> Result<(), Error> {
    w.ben.store.join(invite, "Ben again", MemberRole::Reporter).map(|_| ())
}

fn cases() -> Vec<(&'static str, Refusal, Attempt)> {
    use Refusal::*;
    use automerge::ScalarValue as V;
    vec![
        // Invites.
        ("invite: empty", Invalid("invite"), Box::new(|w| join(w, ""))),
        (
            "invite: only spaces",
            Invalid("invite"),
            Box::new(|w| join(w, "   \n\t")),
        ),
        ("invite: a word", Invalid("invite"), Box::new(|w| join(w, "hello"))),
        (
            "invite: an unknown version",
            Invalid("invite"),
            Box::new(|w| join(w, &w.invite.replace("storyloom:2:", "storyloom:3:"))),
        ),
        (
            "invite: version 1, which had no checksum",
            Invalid("invite"),
            Box::new(|w| join(w, &format!("storyloom:1:{}", "A".repeat(88)))),
        ),
        (
            "invite: one character mistyped",
            Invalid("invite"),
            Box::new(|w| join(w, &typo(&w.invite))),
        ),
        (
            "invite: cut short",
            Invalid("invite"),
            Box::new(|w| join(w, &w.invite[..w.invite.len() - 4])),
        ),
        (
            "invite: extended",
            Invalid("invite"),
            Box::new(|w| join(w, &format!("{}AAAA", w.invite))),
        ),
        (
            "invite: characters outside base64url",
            Invalid("invite"),
            Box::new(|w| join(w, &format!("storyloom:2:{}", "!*%".repeat(30)))),
        ),
        (
            "invite: far too long",
            Invalid("invite"),
            Box::new(|w| join(w, &format!("storyloom:2:{}", "A".repeat(5000)))),
        ),
        (
            "invite: control and unicode characters",
            Invalid("invite"),
            Box::new(|w| join(w, "storyloom:2:\u{0}\u{202e}😀")),
        ),
        (
            "invite: the nil project",
            Invalid("invite"),
            Box::new(|w| join(w, &invite_with_secret(ProjectId::from_bytes([0; 16]), "P", [9; 32])?)),
        ),
        (
            "invite: an all-zero secret",
            Invalid("invite"),
            Box::new(|w| join(w, &invite_with_secret(w.zed_project, "P", [0; 32])?)),
        ),
        (
            "invite: a good invite, a blank member name",
            Invalid("display_name"),
            Box::new(|w| w.ben.store.join(&w.invite, "  ", MemberRole::Reporter).map(|_| ())),
        ),
        (
            "invite: a held project with another secret",
            WrongKey,
            Box::new(|w| join(w, &invite_with_secret(w.project, "Bus routes", [5; 32])?)),
        ),
        // Documents imported by hand.
        ("document: empty", Corrupt, Box::new(|w| import_document(w, b""))),
        (
            "document: text",
            Corrupt,
            Box::new(|w| import_document(w, b"not a document at all")),
        ),
        (
            "document: random bytes",
            Corrupt,
            Box::new(|w| import_document(w, &(0..600u32).map(|i| (i * 7919 % 251) as u8).collect::<Vec<_>>())),
        ),
        (
            "document: a story cut in half",
            Corrupt,
            Box::new(|w| import_document(w, &w.story_doc[..w.story_doc.len() / 2])),
        ),
        (
            "document: a story with a byte flipped",
            Corrupt,
            Box::new(|w| import_document(w, &flip(&w.story_doc, w.story_doc.len() / 3))),
        ),
        (
            "document: a participant with its last byte flipped",
            Corrupt,
            Box::new(|w| import_document(w, &flip(&w.participant_doc, w.participant_doc.len() - 1))),
        ),
        (
            "document: an empty Automerge document",
            Corrupt,
            Box::new(|w| import_document(w, &automerge::AutoCommit::new().save())),
        ),
        (
            "document: a header of an unknown type",
            Corrupt,
            Box::new(|w| {
                import_document(
                    w,
                    &document_with(&[
                        ("type", V::Str("spaceship".into())),
                        ("schema", V::Int(1)),
                        ("id", V::Str(Uuid::new_v4().to_string().into())),
                        ("project_id", V::Str(w.project.to_string().into())),
                    ]),
                )
            }),
        ),
        (
            "document: a header whose id is not a uuid",
            Corrupt,
            Box::new(|w| {
                import_document(
                    w,
                    &document_with(&[
                        ("type", V::Str("story".into())),
                        ("schema", V::Int(1)),
                        ("id", V::Str("🙂".into())),
                        ("project_id", V::Str(w.project.to_string().into())),
                    ]),
                )
            }),
        ),
        (
            "document: a header with numbers for strings",
            Corrupt,
            Box::new(|w| {
                import_document(
                    w,
                    &document_with(&[
                        ("type", V::Int(3)),
                        ("schema", V::Str("1".into())),
                        ("id", V::Int(4)),
                        ("project_id", V::Null),
                    ]),
                )
            }),
        ),
        (
            "document: a schema from the future",
            Corrupt,
            Box::new(|w| {
                import_document(
                    w,
                    &document_with(&[
                        ("type", V::Str("story".into())),
                        ("schema", V::Int(99)),
                        ("id", V::Str(Uuid::new_v4().to_string().into())),
                        ("project_id", V::Str(w.project.to_string().into())),
                    ]),
                )
            }),
        ),
        (
            "document: a story header and nothing else",
            Corrupt,
            Box::new(|w| {
                import_document(
                    w,
                    &document_with(&[
                        ("type", V::Str("story".into())),
                        ("schema", V::Int(1)),
                        ("id", V::Str(Uuid::new_v4().to_string().into())),
                        ("project_id", V::Str(w.project.to_string().into())),
                        ("created_at", V::Timestamp(0)),
                    ]),
                )
            }),
        ),
        (
            "document: a story of a project this phone does not hold",
            NotFound,
            Box::new(|w| {
                let zs = w
                    .zed
                    .add_story(w.zed_project, "Z", w.zed.add_storyteller(w.zed_project, "Y"), "z");
                import_document(w, &w.zed.store.export_story_document(zs)?)
            }),
        ),
        // Session messages.
        ("message: empty", Rejected, Box::new(|w| receive(w, b""))),
        (
            "message: text",
            Rejected,
            Box::new(|w| receive(w, b"hello, this is a sync message")),
        ),
        (
            "message: cut short",
            Rejected,
            Box::new(|w| receive(w, &w.message[..w.message.len() - 10])),
        ),
        (
            "message: only its header",
            Rejected,
            Box::new(|w| receive(w, &w.message[..40])),
        ),
        (
            "message: a byte of the ciphertext flipped",
            Rejected,
            Box::new(|w| receive(w, &flip(&w.message, w.message.len() - 20))),
        ),
        (
            "message: the magic changed",
            Rejected,
            Box::new(|w| receive(w, &flip(&w.message, 0))),
        ),
        (
            "message: an unknown kind",
            Rejected,
            Box::new(|w| {
                let mut m = w.message.clone();
                m[4] = 9;
                receive(w, &m)
            }),
        ),
        (
            "message: labelled as a bundle",
            Rejected,
            Box::new(|w| {
                let mut m = w.message.clone();
                m[4] = 2;
                receive(w, &m)
            }),
        ),
        (
            "message: another project's id in the header",
            Rejected,
            Box::new(|w| receive(w, &flip(&w.message, 8))),
        ),
        (
            "message: a bundle given as a message",
            Rejected,
            Box::new(|w| receive(w, &w.bundle)),
        ),
        (
            "message: from another project",
            Rejected,
            Box::new(|w| receive(w, &w.zed.store.start_sync(w.zed_project)?.1)),
        ),
        (
            "message: sent by this phone itself",
            Rejected,
            Box::new(|w| receive(w, &w.ben.store.start_sync(w.project)?.1)),
        ),
        (
            "message: sealed with another secret",
            WrongKey,
            Box::new(|w| receive(w, &w.carol.store.start_sync(w.project)?.1)),
        ),
        (
            "message: larger than the limit",
            Rejected,
            Box::new(|w| {
                let mut s = w.ben.store.accept_sync_with(
                    w.project,
                    SyncLimits {
                        max_message_bytes: 64,
                        ..SyncLimits::default()
                    },
                )?;
                w.ben.store.sync_receive(&mut s, &w.message).map(|_| ())
            }),
        ),
        (
            "message: sealed plaintext that is not a message",
            Rejected,
            Box::new(|w| {
                receive(
                    w,
                    &seal_session_plaintext(&w.asha.store, w.project, b"garbage plaintext")?,
                )
            }),
        ),
        (
            "message: sealed empty plaintext",
            Rejected,
            Box::new(|w| receive(w, &seal_session_plaintext(&w.asha.store, w.project, b"")?)),
        ),
        (
            "message: a good message with trailing bytes",
            Rejected,
            Box::new(|w| {
                let mut p = session_message_plaintext(&[])?;
                p.extend_from_slice(b"trailing");
                receive(w, &seal_session_plaintext(&w.asha.store, w.project, &p)?)
            }),
        ),
        (
            "message: a message with a wire version from the future",
            Rejected,
            Box::new(|w| {
                let mut p = session_message_plaintext(&[])?;
                p[0] = 99;
                receive(w, &seal_session_plaintext(&w.asha.store, w.project, &p)?)
            }),
        ),
        (
            "message: a whole document that is garbage",
            Rejected,
            Box::new(|w| {
                receive(
                    w,
                    &forge_session_message(
                        &w.asha.store,
                        w.project,
                        &[(Uuid::new_v4(), DocKind::Story, b"garbage".to_vec())],
                    )?,
                )
            }),
        ),
        (
            "message: a story labelled as a participant",
            Rejected,
            Box::new(|w| {
                receive(
                    w,
                    &forge_session_message(
                        &w.asha.store,
                        w.project,
                        &[(
                            Uuid::from_bytes(*w.story.as_bytes()),
                            DocKind::Participant,
                            w.story_doc.clone(),
                        )],
                    )?,
                )
            }),
        ),
        (
            "message: a story under another id",
            Rejected,
            Box::new(|w| {
                receive(
                    w,
                    &forge_session_message(
                        &w.asha.store,
                        w.project,
                        &[(Uuid::new_v4(), DocKind::Story, w.story_doc.clone())],
                    )?,
                )
            }),
        ),
        (
            "message: a story of another project",
            Rejected,
            Box::new(|w| {
                let zs = w
                    .zed
                    .add_story(w.zed_project, "Z", w.zed.add_storyteller(w.zed_project, "Y"), "z");
                let doc = w.zed.store.export_story_document(zs)?;
                receive(
                    w,
                    &forge_session_message(
                        &w.asha.store,
                        w.project,
                        &[(Uuid::from_bytes(*zs.as_bytes()), DocKind::Story, doc)],
                    )?,
                )
            }),
        ),
        // Bundles.
        ("bundle: empty", Rejected, Box::new(|w| import_bundle(w, b""))),
        (
            "bundle: text",
            Rejected,
            Box::new(|w| import_bundle(w, b"hello, this is a bundle")),
        ),
        (
            "bundle: cut short",
            Rejected,
            Box::new(|w| import_bundle(w, &w.bundle[..w.bundle.len() - 1])),
        ),
        (
            "bundle: a byte flipped",
            Rejected,
            Box::new(|w| import_bundle(w, &flip(&w.bundle, w.bundle.len() / 2))),
        ),
        (
            "bundle: a session message given as a bundle",
            Rejected,
            Box::new(|w| import_bundle(w, &w.message)),
        ),
        (
            "bundle: for a project this phone has not joined",
            WrongKey,
            Box::new(|w| import_bundle(w, &w.zed.store.export_bundle(w.zed_project, None)?)),
        ),
        (
            "bundle: sealed with another secret",
            WrongKey,
            Box::new(|w| import_bundle(w, &w.carol.store.export_bundle(w.project, None)?)),
        ),
        (
            "bundle: larger than the limit",
            Rejected,
            Box::new(|w| {
                w.ben
                    .store
                    .import_bundle_with(
                        &w.bundle,
                        SyncLimits {
                            max_message_bytes: 64,
                            ..SyncLimits::default()
                        },
                    )
                    .map(|_| ())
            }),
        ),
        (
            "bundle: sealed plaintext that is not a bundle",
            Rejected,
            Box::new(|w| import_bundle(w, &seal_bundle_plaintext(&w.asha.store, w.project, b"garbage")?)),
        ),
        (
            "bundle: a body with trailing bytes",
            Rejected,
            Box::new(|w| {
                let mut p = bundle_plaintext(&[])?;
                p.extend_from_slice(b"!!");
                import_bundle(w, &seal_bundle_plaintext(&w.asha.store, w.project, &p)?)
            }),
        ),
        (
            "bundle: a document that is garbage",
            Rejected,
            Box::new(|w| {
                import_bundle(
                    w,
                    &forge_bundle(
                        &w.asha.store,
                        w.project,
                        &[(Uuid::new_v4(), DocKind::Story, vec![0x85, 0x6f, 0x4a, 0x83, 1, 2, 3])],
                    )?,
                )
            }),
        ),
        (
            "bundle: a participant under another id",
            Rejected,
            Box::new(|w| {
                import_bundle(
                    w,
                    &forge_bundle(
                        &w.asha.store,
                        w.project,
                        &[(Uuid::new_v4(), DocKind::Participant, w.participant_doc.clone())],
                    )?,
                )
            }),
        ),
        // The project document, which carries the consent ledger.
        (
            "ledger: a project document that is garbage",
            Rejected,
            Box::new(|w| {
                receive(
                    w,
                    &forge_session_message(
                        &w.asha.store,
                        w.project,
                        &[(project_document_id(w.project), DocKind::Project, b"ledger".to_vec())],
                    )?,
                )
            }),
        ),
        (
            "ledger: a story in the project's place",
            Rejected,
            Box::new(|w| {
                receive(
                    w,
                    &forge_session_message(
                        &w.asha.store,
                        w.project,
                        &[(project_document_id(w.project), DocKind::Project, w.story_doc.clone())],
                    )?,
                )
            }),
        ),
        (
            "ledger: another project's document in this project's place",
            Rejected,
            Box::new(|w| {
                receive(
                    w,
                    &forge_session_message(
                        &w.asha.store,
                        w.project,
                        &[(
                            project_document_id(w.project),
                            DocKind::Project,
                            w.zed_project_doc.clone(),
                        )],
                    )?,
                )
            }),
        ),
        (
            "ledger: another project's document in a bundle",
            Rejected,
            Box::new(|w| {
                import_bundle(
                    w,
                    &forge_bundle(
                        &w.asha.store,
                        w.project,
                        &[(
                            project_document_id(w.project),
                            DocKind::Project,
                            w.zed_project_doc.clone(),
                        )],
                    )?,
                )
            }),
        ),
        (
            "ledger: the project document cut short in a bundle",
            Rejected,
            Box::new(|w| {
                import_bundle(
                    w,
                    &forge_bundle(
                        &w.asha.store,
                        w.project,
                        &[(
                            project_document_id(w.project),
                            DocKind::Project,
                            w.project_doc[..w.project_doc.len() - 3].to_vec(),
                        )],
                    )?,
                )
            }),
        ),
        // What an app hands the store.
        (
            "app: a story with a blank title",
            Invalid("title"),
            Box::new(|w| {
                w.ben
                    .store
                    .create_story(
                        w.project,
                        &NewStory {
                            title: " ".into(),
                            ..Default::default()
                        },
                    )
                    .map(|_| ())
            }),
        ),
        (
            "app: a transcript over the limit",
            Invalid("transcript"),
            Box::new(|w| {
                w.ben
                    .store
                    .create_story(
                        w.project,
                        &NewStory {
                            title: "Big".into(),
                            transcript: "a".repeat(storyloom::text::MAX_TEXT_BYTES + 1),
                            ..Default::default()
                        },
                    )
                    .map(|_| ())
            }),
        ),
        (
            "app: an invalid language tag",
            Invalid("language"),
            Box::new(|w| {
                w.ben
                    .store
                    .create_story(
                        w.project,
                        &NewStory {
                            title: "T".into(),
                            language: Some("not a tag!".into()),
                            ..Default::default()
                        },
                    )
                    .map(|_| ())
            }),
        ),
        (
            "app: a storyteller who does not exist",
            NotFound,
            Box::new(|w| {
                w.ben
                    .store
                    .create_story(
                        w.project,
                        &NewStory {
                            title: "T".into(),
                            storytellers: vec![ParticipantId::new()],
                            ..Default::default()
                        },
                    )
                    .map(|_| ())
            }),
        ),
        (
            "app: a splice past the end of the transcript",
            Invalid("transcript"),
            Box::new(|w| w.ben.store.splice_transcript(w.story, 10_000, 0, "x")),
        ),
        (
            "app: a highlight that ends before it starts",
            Invalid("highlight"),
            Box::new(|w| w.ben.store.add_highlight(w.story, 7, 3, None, "").map(|_| ())),
        ),
        (
            "app: a bundle file over the store itself",
            Invalid("out"),
            Box::new(|w| {
                w.ben
                    .store
                    .export_bundle_to_file(w.project, None, &w.ben.path(), true)
                    .map(|_| ())
            }),
        ),
        (
            "app: a bundle file over the store's write-ahead log",
            Invalid("out"),
            Box::new(|w| {
                w.ben
                    .store
                    .export_bundle_to_file(
                        w.project,
                        None,
                        Path::new(&format!("{}-wal", w.ben.path().display())),
                        true,
                    )
                    .map(|_| ())
            }),
        ),
        (
            "app: a bundle file over an existing file without overwrite",
            Invalid("out"),
            Box::new(|w| {
                let other = w.ben.folder().join("keep.txt");
                std::fs::write(&other, "mine").unwrap();
                w.ben
                    .store
                    .export_bundle_to_file(w.project, None, &other, false)
                    .map(|_| ())
            }),
        ),
        (
            "app: an export into the store file",
            Invalid("folder"),
            Box::new(|w| {
                w.ben
                    .store
                    .export_project(w.project, &w.ben.path(), ExportFormat::Json, ExportPurpose::Research)
                    .map(|_| ())
            }),
        ),
        (
            "app: leaving a project whose documents are here",
            Invalid("project"),
            Box::new(|w| w.ben.store.leave_project(w.project)),
        ),
        (
            "app: leaving a project this phone is not in",
            NotFound,
            Box::new(|w| w.ben.store.leave_project(ProjectId::new())),
        ),
        (
            "app: a participant's badge that is not a level",
            Invalid("badge"),
            Box::new(|w| {
                w.ben
                    .store
                    .set_badge(w.amira, storyloom::InteractionBadge::parse("purple")?)
            }),
        ),
    ]
}

#[test]
fn every_hostile_input_is_refused_with_its_typed_error_and_changes_no_byte_of_the_store() {
    let w = world();
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut names = std::collections::HashSet::new();
    let mut failures = Vec::new();
    for (name, refusal, attempt) in &cases {
        assert!(names.insert(*name), "two cases are called {name:?}");
        let before = files(&w.ben.path());
        let result = attempt(&w);
        let after = files(&w.ben.path());
        match result {
            Err(err) if refusal.matches(&err) => {}
            Err(err) => failures.push(format!("{name}: expected {refusal:?}, got {err:?}")),
            Ok(()) => failures.push(format!("{name}: expected {refusal:?}, but it was accepted")),
        }
        if before != after {
            failures.push(format!("{name}: the store's files changed"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    // Ben's phone still works.
    assert_eq!(w.ben.store.story(w.story).unwrap().title, "The 42");
    storyloom_scenarios::sync(&w.asha, &w.ben, w.project);
}

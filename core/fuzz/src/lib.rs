//! What every fuzz target shares: two phones in one project, built once per
//! fuzzing process. Asha plays the peer whose secret seals what the fuzzer
//! made; Ben receives it, as a phone receives a peer's bytes.

use std::sync::OnceLock;

use storyloom::sync::sync_stores;
use storyloom::{ConsentMethod, ConsentScope, MemberRole, NewConsentGrant, NewParticipant, NewStory, ProjectId, Store};

pub struct Phones {
    pub asha: Store,
    pub ben: Store,
    pub project: ProjectId,
    _dir: tempfile::TempDir,
}

fn setup() -> Phones {
    let dir = tempfile::tempdir().expect("temp dir");
    let asha = Store::open(dir.path().join("asha.storyloom")).expect("open");
    let ben = Store::open(dir.path().join("ben.storyloom")).expect("open");
    let (project, _) = asha
        .create_project("Fuzz", "Asha", MemberRole::Reporter)
        .expect("project");
    let amira = asha
        .add_participant(
            project,
            &NewParticipant {
                display_name: "Amira".into(),
                ..Default::default()
            },
        )
        .expect("participant");
    asha.grant_consent(
        project,
        &NewConsentGrant::new(
            amira,
            vec![ConsentScope::Record, ConsentScope::ShareInProject],
            ConsentMethod::Spoken,
        ),
    )
    .expect("consent");
    asha.create_story(
        project,
        &NewStory {
            title: "The 42".into(),
            storytellers: vec![amira],
            transcript: "The bus stopped coming.".into(),
            ..Default::default()
        },
    )
    .expect("story");
    ben.join(&asha.invite(project).expect("invite"), "Ben", MemberRole::Facilitator)
        .expect("join");
    sync_stores(&asha, &ben, project).expect("sync");
    Phones {
        asha,
        ben,
        project,
        _dir: dir,
    }
}

/// The phones, made on first use.
pub fn phones() -> &'static Phones {
    static PHONES: OnceLock<Phones> = OnceLock::new();
    PHONES.get_or_init(setup)
}

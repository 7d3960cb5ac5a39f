//! Helpers for scenario tests: phones (stores in their own folders) that
//! share a project and pass documents between them.

pub mod at_rest;
pub mod media;
pub mod relay;
pub mod relay_suite;

use std::path::PathBuf;

use storyloom::sync::{LocalSyncReport, sync_stores};
use storyloom::{
    ConsentMethod, ConsentScope, MemberId, MemberRole, NewConsentGrant, NewParticipant, NewStory, ParticipantId,
    ProjectId, Store, StoreKey, StoryId,
};
use tempfile::TempDir;

/// A device in the field: a store file in a folder of its own.
pub struct Phone {
    pub name: &'static str,
    pub store: Store,
    pub member: MemberId,
    /// The store key, for a phone whose store is encrypted at rest.
    pub key: Option<StoreKey>,
    dir: TempDir,
}

impl Phone {
    /// A phone whose store starts a new project.
    pub fn founding(name: &'static str, project_name: &str) -> (Self, ProjectId) {
        Self::founding_with(name, project_name, None)
    }

    /// A phone whose store, encrypted with `key`, starts a new project.
    pub fn founding_encrypted(name: &'static str, project_name: &str, key: StoreKey) -> (Self, ProjectId) {
        Self::founding_with(name, project_name, Some(key))
    }

    fn founding_with(name: &'static str, project_name: &str, key: Option<StoreKey>) -> (Self, ProjectId) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("phone.storyloom");
        let store = match key.clone() {
            Some(key) => Store::open_with_key(path, key),
            None => Store::open(path),
        }
        .expect("open store");
        let (project, member) = store
            .create_project(project_name, name, MemberRole::Reporter)
            .expect("create project");
        (
            Self {
                name,
                store,
                member,
                key,
                dir,
            },
            project,
        )
    }

    /// A phone that receives the project from `from` and joins it.
    pub fn joining(name: &'static str, from: &Phone, project: ProjectId) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join("phone.storyloom")).expect("open store");
        store
            .import_document(&from.store.export_project_document(project).expect("export project"))
            .expect("import project");
        let member = store
            .join_project(project, name, MemberRole::Facilitator)
            .expect("join");
        Self {
            name,
            store,
            member,
            key: None,
            dir,
        }
    }

    /// A phone that joins with an invite and receives the project in its
    /// first sync session with `from`.
    pub fn invited(name: &'static str, from: &Phone, project: ProjectId) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join("phone.storyloom")).expect("open store");
        let invite = from.store.invite(project).expect("invite");
        let (joined, member) = store.join(&invite, name, MemberRole::Facilitator).expect("join");
        assert_eq!(joined, project);
        let phone = Self {
            name,
            store,
            member,
            key: None,
            dir,
        };
        sync(from, &phone, project);
        phone
    }

    /// A phone that joins with an invite and never meets `from`: the
    /// project arrives with its first relay sync.
    pub fn invited_far_away(name: &'static str, from: &Phone, project: ProjectId) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path().join("phone.storyloom")).expect("open store");
        let invite = from.store.invite(project).expect("invite");
        let (joined, member) = store.join(&invite, name, MemberRole::Facilitator).expect("join");
        assert_eq!(joined, project);
        Self {
            name,
            store,
            member,
            key: None,
            dir,
        }
    }

    /// A storyteller who consents to recording and to sharing within the
    /// group, so their stories travel to the other phones.
    pub fn consenting_storyteller(&self, project: ProjectId, name: &str) -> ParticipantId {
        let id = self.add_storyteller(project, name);
        self.store
            .grant_consent(
                project,
                &NewConsentGrant::new(
                    id,
                    vec![
                        ConsentScope::Record,
                        ConsentScope::Transcribe,
                        ConsentScope::ShareInProject,
                    ],
                    ConsentMethod::Spoken,
                ),
            )
            .expect("grant consent");
        id
    }

    /// A storyteller who also allows keeping media (recordings, photos).
    pub fn recorded_storyteller(&self, project: ProjectId, name: &str) -> ParticipantId {
        let id = self.add_storyteller(project, name);
        self.store
            .grant_consent(
                project,
                &NewConsentGrant::new(
                    id,
                    vec![
                        ConsentScope::Record,
                        ConsentScope::Transcribe,
                        ConsentScope::KeepMedia,
                        ConsentScope::ShareInProject,
                    ],
                    ConsentMethod::Spoken,
                ),
            )
            .expect("grant consent");
        id
    }

    /// The Automerge actor id this phone writes as in its project (device
    /// id, then member id): what a test passes to `ActorId::from` to write
    /// a change as this phone, or to forge one in its name.
    pub fn actor_bytes(&self) -> Vec<u8> {
        let mut bytes = self.store.device_id().as_bytes().to_vec();
        bytes.extend_from_slice(self.member.as_bytes());
        bytes
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("phone.storyloom")
    }

    pub fn folder(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Closes the store and opens it again from disk.
    pub fn reopen(&mut self) {
        self.store.close().expect("close");
        self.store = match self.key.clone() {
            Some(key) => Store::open_with_key(self.path(), key),
            None => Store::open(self.path()),
        }
        .expect("reopen");
    }

    pub fn add_storyteller(&self, project: ProjectId, name: &str) -> ParticipantId {
        self.store
            .add_participant(
                project,
                &NewParticipant {
                    display_name: name.into(),
                    ..Default::default()
                },
            )
            .expect("add participant")
    }

    pub fn add_story(&self, project: ProjectId, title: &str, storyteller: ParticipantId, transcript: &str) -> StoryId {
        self.store
            .create_story(
                project,
                &NewStory {
                    title: title.into(),
                    storytellers: vec![storyteller],
                    transcript: transcript.into(),
                    ..Default::default()
                },
            )
            .expect("create story")
    }
}

/// Merges a story both ways, as two phones do when they meet.
pub fn exchange_story(a: &Phone, b: &Phone, story: StoryId) {
    let from_a = a.store.export_story_document(story).expect("export from a");
    b.store.import_document(&from_a).expect("import into b");
    let from_b = b.store.export_story_document(story).expect("export from b");
    a.store.import_document(&from_b).expect("import into a");
}

/// Merges a participant both ways.
pub fn exchange_participant(a: &Phone, b: &Phone, participant: ParticipantId) {
    let from_a = a.store.export_participant_document(participant).expect("export from a");
    b.store.import_document(&from_a).expect("import into b");
    let from_b = b.store.export_participant_document(participant).expect("export from b");
    a.store.import_document(&from_b).expect("import into a");
}

/// Merges the project document both ways.
pub fn exchange_project(a: &Phone, b: &Phone, project: ProjectId) {
    let from_a = a.store.export_project_document(project).expect("export from a");
    b.store.import_document(&from_a).expect("import into b");
    let from_b = b.store.export_project_document(project).expect("export from b");
    a.store.import_document(&from_b).expect("import into a");
}

/// Runs a sync session between two phones until both are done.
pub fn sync(a: &Phone, b: &Phone, project: ProjectId) -> LocalSyncReport {
    sync_stores(&a.store, &b.store, project).unwrap_or_else(|e| panic!("sync {} → {}: {e}", a.name, b.name))
}

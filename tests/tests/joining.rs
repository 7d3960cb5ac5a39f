//! Joining from an invite: the first session brings the new member to the
//! coordinator and leaves both project documents equal; a device that
//! joined with a wrong secret is told so plainly and can leave and join
//! again.

use storyloom::sync::sync_stores;
use storyloom::sync::test_support::invite_with_secret;
use storyloom::{Error, KeySide, MemberRole, ProjectId, Store};
use storyloom_scenarios::{Phone, sync};

fn project_heads(store: &Store, project: ProjectId) -> Vec<automerge::ChangeHash> {
    let bytes = store.export_project_document(project).unwrap();
    let mut heads = automerge::AutoCommit::load(&bytes).unwrap().get_heads();
    heads.sort();
    heads
}

fn member_names(store: &Store, project: ProjectId) -> Vec<String> {
    let mut names: Vec<_> = store
        .project(project)
        .unwrap()
        .members
        .into_iter()
        .map(|m| m.display_name)
        .collect();
    names.sort();
    names
}

fn fresh_store(dir: &tempfile::TempDir) -> Store {
    Store::open(dir.path().join("phone.storyloom")).unwrap()
}

#[test]
fn after_the_first_session_the_coordinator_lists_the_new_member_and_both_projects_are_equal() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    asha.add_story(project, "The 42", amira, "The bus stopped coming.");

    let ben = Phone::invited("Ben", &asha, project); // exactly one session

    assert_eq!(member_names(&asha.store, project), ["Asha", "Ben"]);
    assert_eq!(member_names(&ben.store, project), ["Asha", "Ben"]);
    assert_eq!(project_heads(&asha.store, project), project_heads(&ben.store, project));

    // Nothing is left over: the next session costs what a session between
    // two settled phones costs.
    let again = sync(&asha, &ben, project);
    assert_eq!(again.documents_changed, 0, "{again:?}");
    let settled = sync(&asha, &ben, project);
    assert_eq!(again.round_trips, settled.round_trips, "{again:?} vs {settled:?}");
}

#[test]
fn a_device_that_joined_with_a_wrong_secret_is_told_so_and_can_leave_and_join_again() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let dir = tempfile::tempdir().unwrap();
    let ben = fresh_store(&dir);
    let wrong = invite_with_secret(project, "Bus routes", [7; 32]).unwrap();
    ben.join(&wrong, "Ben", MemberRole::Facilitator).unwrap();

    // Ben's side: he joined with the other secret.
    let (asha_session, first) = asha.store.start_sync(project).unwrap();
    let mut ben_session = ben.accept_sync(project).unwrap();
    match ben.sync_receive(&mut ben_session, &first) {
        Err(Error::WrongKey { side, reason }) => {
            assert_eq!(side, KeySide::ThisDevice);
            assert!(reason.contains("this device joined"), "{reason}");
            assert!(reason.contains("leave the project"), "{reason}");
        }
        other => panic!("expected WrongKey, got {other:?}"),
    }
    // Asha's side: a device holding a copy of the project with its own
    // secret speaks first; she is told the other device holds another
    // secret, and nobody is called hostile.
    let carol = Phone::joining("Carol", &asha, project);
    let (_, from_carol) = carol.store.start_sync(project).unwrap();
    let mut listening = asha.store.accept_sync(project).unwrap();
    match asha.store.sync_receive(&mut listening, &from_carol) {
        Err(Error::WrongKey { side, reason }) => {
            assert_eq!(side, KeySide::OtherDevice);
            assert!(
                reason.contains("the other device holds a different group secret"),
                "{reason}"
            );
            assert!(!reason.to_lowercase().contains("attack"), "{reason}");
        }
        other => panic!("expected WrongKey, got {other:?}"),
    }
    drop(asha_session);

    ben.leave_project(project).unwrap();
    assert!(ben.projects().unwrap().is_empty());
    let right = asha.store.invite(project).unwrap();
    ben.join(&right, "Ben", MemberRole::Facilitator).unwrap();
    sync_stores(&asha.store, &ben, project).unwrap();
    assert_eq!(member_names(&ben, project), ["Asha", "Ben"]);
    assert_eq!(member_names(&asha.store, project), ["Asha", "Ben"]);
}

#[test]
fn leaving_a_project_whose_stories_this_device_holds_is_refused_and_changes_nothing() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let before = asha.store.project(project).unwrap();
    match asha.store.leave_project(project) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "project"),
        other => panic!("expected InvalidInput, got {other:?}"),
    }
    assert_eq!(asha.store.project(project).unwrap(), before);
    assert!(asha.store.invite(project).is_ok(), "the secret is kept");
}

#[test]
fn leaving_a_project_this_device_is_not_in_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir);
    assert!(matches!(
        store.leave_project(ProjectId::new()),
        Err(Error::NotFound { .. })
    ));
}

//! Forged membership records (issue 12): a member without the coordinator's
//! role, or a device signing with a key it never enrolled, tries to remove
//! someone. Every path refuses the batch (`SyncRejected`) and nothing
//! changes on the receiving phone.

use storyloom::sync::sync_stores;
use storyloom::{Error, ProjectId};
use storyloom_scenarios::{Phone, sync};

fn group() -> (Phone, Phone, Phone, ProjectId) {
    let (asha, project) = Phone::founding("Asha", "Allotments");
    let ben = Phone::invited("Ben", &asha, project);
    let cara = Phone::invited("Cara", &asha, project);
    sync(&asha, &ben, project);
    sync(&asha, &cara, project);
    (asha, ben, cara, project)
}

fn nobody_removed(phone: &Phone, project: ProjectId) -> bool {
    phone.store.members(project).unwrap().iter().all(|m| !m.removed)
}

fn refused(err: Error) {
    assert!(
        matches!(err, Error::SyncRejected(ref r) if r.contains("membership record")),
        "{err:?}"
    );
}

#[test]
fn a_reporters_removal_is_refused_by_session_and_by_bundle() {
    let (asha, ben, cara, project) = group();
    ben.store.forge_removal_for_test(project, cara.member, false).unwrap();
    refused(sync_stores(&ben.store, &asha.store, project).unwrap_err());
    refused(sync_stores(&asha.store, &ben.store, project).unwrap_err());
    let bundle = ben.store.export_bundle(project, None).unwrap();
    refused(asha.store.import_bundle(&bundle).unwrap_err());
    assert!(nobody_removed(&asha, project));
    // Honest sync between the others carries on.
    sync(&asha, &cara, project);
}

#[test]
fn a_removal_signed_with_a_key_never_enrolled_is_refused() {
    let (asha, ben, _cara, project) = group();
    // Asha's own device is the founder's: only the signature is wrong.
    let mallory = Phone::invited("Mallory", &asha, project);
    sync(&asha, &mallory, project);
    asha.store.forge_removal_for_test(project, ben.member, true).unwrap();
    refused(sync_stores(&asha.store, &mallory.store, project).unwrap_err());
    let bundle = asha.store.export_bundle(project, None).unwrap();
    refused(mallory.store.import_bundle(&bundle).unwrap_err());
    assert!(nobody_removed(&mallory, project));
}

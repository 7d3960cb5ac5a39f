//! The project document from a peer, which carries the consent ledger,
//! withdrawals and erasure tombstones: delivered whole in a session message
//! and in a bundle.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storyloom::DocKind;
use storyloom::sync::test_support::{forge_bundle, forge_session_message, project_document_id};

fuzz_target!(|data: &[u8]| {
    let phones = storyloom_fuzz::phones();
    let documents = [(project_document_id(phones.project), DocKind::Project, data.to_vec())];
    if let Ok(message) = forge_session_message(&phones.asha, phones.project, &documents)
        && let Ok(mut session) = phones.ben.accept_sync(phones.project)
    {
        let _ = phones.ben.sync_receive(&mut session, &message);
    }
    if let Ok(bundle) = forge_bundle(&phones.asha, phones.project, &documents) {
        let _ = phones.ben.import_bundle(&bundle);
    }
});

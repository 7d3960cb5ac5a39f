//! A peer's sync message: raw bytes (envelope parsing) or, when the first
//! byte is odd, the rest as the plaintext sealed with the group's secret
//! (the message decoder, catalogs, Automerge sync messages, whole documents).
#![no_main]

use libfuzzer_sys::fuzz_target;
use storyloom::sync::test_support::seal_session_plaintext;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let phones = storyloom_fuzz::phones();
    let message = if mode % 2 == 1 {
        match seal_session_plaintext(&phones.asha, phones.project, rest) {
            Ok(sealed) => sealed,
            Err(_) => return,
        }
    } else {
        rest.to_vec()
    };
    let Ok(mut session) = phones.ben.accept_sync(phones.project) else {
        return;
    };
    let _ = phones.ben.sync_receive(&mut session, &message);
});

//! A bundle from a USB stick or an email: raw bytes, or (first byte odd)
//! the rest as a bundle body sealed with the group's secret.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storyloom::sync::test_support::seal_bundle_plaintext;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let phones = storyloom_fuzz::phones();
    let bundle = if mode % 2 == 1 {
        match seal_bundle_plaintext(&phones.asha, phones.project, rest) {
            Ok(sealed) => sealed,
            Err(_) => return,
        }
    } else {
        rest.to_vec()
    };
    let _ = phones.ben.import_bundle(&bundle);
});

//! A document imported from a file (a story, participant or project shared
//! by hand).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let phones = storyloom_fuzz::phones();
    let _ = phones.ben.import_document(data);
});

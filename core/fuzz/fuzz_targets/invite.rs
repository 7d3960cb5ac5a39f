//! An invite typed in or scanned: any text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(invite) = storyloom::sync::Invite::parse(&text) {
        // A checksum that passes by chance still names a real project id.
        assert!(!invite.project.to_string().is_empty());
    }
});

//! A transcript file given to the CLI (`story add --transcript-file`): read
//! with the CLI's own bounded reader, then stored as a story's transcript.
#![no_main]

use libfuzzer_sys::fuzz_target;
use storyloom::NewStory;

#[allow(dead_code)]
#[path = "../../src/cli/files.rs"]
mod files;

/// Small, so the fuzzer also exercises the over-limit path.
const LIMIT: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Ok(bytes) = files::read_bounded_from(data, "transcript_file", LIMIT) else {
        assert!(data.len() > LIMIT);
        return;
    };
    let Ok(transcript) = files::text_from_bytes(bytes, "transcript_file") else {
        assert!(std::str::from_utf8(data).is_err());
        return;
    };
    let phones = storyloom_fuzz::phones();
    let new = NewStory {
        title: "Fuzzed".into(),
        transcript,
        ..Default::default()
    };
    if let Ok(story) = phones.asha.create_story(phones.project, &new) {
        let stored = phones.asha.story(story).expect("a story just written reads back");
        assert_eq!(stored.transcript, new.transcript);
    }
});

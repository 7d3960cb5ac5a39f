//! A transcript that plays its recording: time-coded segments stay on their
//! words through concurrent edits, merge from every phone, and give the
//! time range behind a highlight so an app plays exactly the quote.

use storyloom::{Error, MediaKind, NewMedia, RecordKind, TimeRange};
use storyloom_scenarios::{Phone, exchange_participant, exchange_project, exchange_story};

const TRANSCRIPT: &str = "The bus stopped coming. Then the library closed.";

fn interview(duration_ms: u64) -> NewMedia {
    NewMedia {
        duration_ms: Some(duration_ms),
        ..NewMedia::new(MediaKind::Audio)
    }
}

#[test]
fn a_highlight_plays_exactly_its_quote_even_after_edits_on_another_phone() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, TRANSCRIPT);
    let recording = asha
        .store
        .attach_media_bytes(story, b"voice", &interview(20_000))
        .unwrap();
    // "The bus stopped coming." is 0..23, spoken 0–10 s; the rest 24..48, 10–20 s.
    let first = asha
        .store
        .add_segment(story, recording.id, (0, 23), (0, 10_000))
        .unwrap();
    asha.store
        .add_segment(story, recording.id, (24, 48), (10_000, 20_000))
        .unwrap();
    exchange_participant(&asha, &ben, amira);
    exchange_project(&asha, &ben, project);
    exchange_story(&asha, &ben, story);

    // Ben adds words at the start while Asha highlights "library closed".
    ben.store.splice_transcript(story, 0, 0, "Recorded in May. ").unwrap();
    let at = TRANSCRIPT.find("library closed").unwrap() as u64;
    let quote = asha.store.add_highlight(story, at, at + 14, None, "").unwrap();
    exchange_story(&asha, &ben, story);

    for phone in [&asha, &ben] {
        let segments = phone.store.story_segments(story).unwrap();
        assert_eq!(segments.len(), 2);
        let moved = segments.iter().find(|s| s.id == first).unwrap();
        assert_eq!(
            (moved.start, moved.end),
            (17, 40),
            "the segment followed its words on {}",
            phone.name
        );
        let range = phone.store.highlight_time_range(story, quote).unwrap().unwrap();
        // "library closed" is characters 9..23 of the 24-character segment
        // spoken over 10 s: 13 750 ms to 19 583 ms.
        assert_eq!(
            range,
            TimeRange {
                media_id: recording.id,
                start_ms: 13_750,
                end_ms: 19_583
            },
            "on {}",
            phone.name
        );
    }
}

#[test]
fn segments_added_on_two_phones_at_once_are_all_kept() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, TRANSCRIPT);
    let recording = asha
        .store
        .attach_media_bytes(story, b"voice", &interview(20_000))
        .unwrap();
    exchange_participant(&asha, &ben, amira);
    exchange_project(&asha, &ben, project);
    exchange_story(&asha, &ben, story);
    // Neither phone has a segment yet: each makes the segments map.
    let a = asha.store.add_segment(story, recording.id, (0, 3), (0, 500)).unwrap();
    let b = ben.store.add_segment(story, recording.id, (4, 7), (600, 900)).unwrap();
    exchange_story(&asha, &ben, story);
    for phone in [&asha, &ben] {
        let ids: Vec<_> = phone
            .store
            .story_segments(story)
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, vec![a, b], "on {}", phone.name);
    }
    asha.store.remove_segment(story, b).unwrap();
    exchange_story(&asha, &ben, story);
    assert_eq!(ben.store.story_segments(story).unwrap().len(), 1);
}

#[test]
fn a_segment_must_name_the_storys_recording_and_a_real_time_range() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.recorded_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, TRANSCRIPT);
    let other = asha.add_story(project, "Other", amira, "Other words.");
    let elsewhere = asha.store.attach_media_bytes(other, b"x", &interview(1000)).unwrap();
    let recording = asha
        .store
        .attach_media_bytes(story, b"voice", &interview(20_000))
        .unwrap();
    assert!(matches!(
        asha.store.add_segment(story, elsewhere.id, (0, 3), (0, 500)),
        Err(Error::NotFound {
            kind: RecordKind::Media,
            ..
        })
    ));
    for (text, time) in [
        ((0, 3), (500, 500)),
        ((0, 3), (0, 20_001)),
        ((3, 3), (0, 10)),
        ((0, 999), (0, 10)),
    ] {
        let refused = asha.store.add_segment(story, recording.id, text, time);
        assert!(
            matches!(refused, Err(Error::InvalidInput { .. })),
            "{text:?} {time:?}: {refused:?}"
        );
    }
    assert!(asha.store.story_segments(story).unwrap().is_empty());
    let quote = asha.store.add_highlight(story, 0, 3, None, "").unwrap();
    assert_eq!(asha.store.highlight_time_range(story, quote).unwrap(), None);
}

#[test]
fn a_json_export_carries_the_segments_with_the_transcript() {
    use storyloom::{ConsentMethod, ConsentScope, ExportFormat, ExportPurpose, NewConsentGrant};
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    asha.store
        .grant_consent(
            project,
            &NewConsentGrant::new(
                amira,
                vec![
                    ConsentScope::Research,
                    ConsentScope::Transcribe,
                    ConsentScope::KeepMedia,
                ],
                ConsentMethod::Written,
            ),
        )
        .unwrap();
    let story = asha.add_story(project, "The 42", amira, TRANSCRIPT);
    let recording = asha
        .store
        .attach_media_bytes(story, b"voice", &interview(20_000))
        .unwrap();
    let segment = asha
        .store
        .add_segment(story, recording.id, (0, 23), (0, 10_000))
        .unwrap();
    let folder = asha.folder().join("export");
    asha.store
        .export_project(project, &folder, ExportFormat::Json, ExportPurpose::Research)
        .unwrap();
    let file = std::fs::read(folder.join(format!("stories/{story}.json"))).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&file).unwrap();
    let exported = &json["segments"][0];
    assert_eq!(exported["id"], segment.to_string());
    assert_eq!(exported["media_id"], recording.id.to_string());
    assert_eq!(
        (exported["start"].as_u64(), exported["end"].as_u64()),
        (Some(0), Some(23))
    );
    assert_eq!(
        (exported["start_ms"].as_u64(), exported["end_ms"].as_u64()),
        (Some(0), Some(10_000))
    );
}

//! A highlighted quote stays on the words it marked while others edit the
//! transcript before it, inside it and after it, at the same time.

use storyloom_scenarios::{Phone, exchange_participant, exchange_story};

const TRANSCRIPT: &str = "We waited an hour. The bus never came. Then we walked.";

fn quote_start() -> u64 {
    TRANSCRIPT.find("The bus").unwrap() as u64
}

fn quote_end() -> u64 {
    (TRANSCRIPT.find("came.").unwrap() + "came.".len()) as u64
}

#[test]
fn a_highlight_keeps_its_words_through_concurrent_edits_before_inside_and_after() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let cara = Phone::joining("Cara", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, TRANSCRIPT);
    for phone in [&ben, &cara] {
        exchange_participant(&asha, phone, amira);
        exchange_story(&asha, phone, story);
    }

    // Asha highlights the quote; at the same time Ben edits before it and
    // Cara edits inside it and after it.
    let highlight = asha
        .store
        .add_highlight(story, quote_start(), quote_end(), Some("reliability"), "key moment")
        .unwrap();
    ben.store.splice_transcript(story, 0, 2, "I and my son").unwrap();
    let inside = TRANSCRIPT.find("never").unwrap() as u64;
    cara.store.splice_transcript(story, inside, 5, "just never").unwrap();
    cara.store
        .splice_transcript(story, TRANSCRIPT.len() as u64 + 5, 0, " Two miles.")
        .unwrap();

    for _ in 0..2 {
        exchange_story(&asha, &ben, story);
        exchange_story(&asha, &cara, story);
    }
    for phone in [&asha, &ben, &cara] {
        let merged = phone.store.story(story).unwrap();
        assert_eq!(
            merged.transcript,
            "I and my son waited an hour. The bus just never came. Then we walked. Two miles."
        );
        let h = merged
            .highlights
            .iter()
            .find(|h| h.id == highlight)
            .expect("highlight survives");
        assert_eq!(h.quote, "The bus just never came.", "on {}", phone.name);
        assert_eq!(h.theme.as_deref(), Some("reliability"));
        assert_eq!(
            &merged.transcript[h.start as usize..h.end as usize],
            h.quote,
            "offsets match the quote (ASCII text, so UTF-16 = bytes)"
        );
    }
}

#[test]
fn text_typed_right_at_the_edges_stays_outside_the_highlight() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, TRANSCRIPT);
    let highlight = asha
        .store
        .add_highlight(story, quote_start(), quote_end(), None, "")
        .unwrap();

    asha.store.splice_transcript(story, quote_end(), 0, " Again.").unwrap();
    asha.store
        .splice_transcript(story, quote_start(), 0, "Sadly, ")
        .unwrap();

    let story = asha.store.story(story).unwrap();
    let h = story.highlights.iter().find(|h| h.id == highlight).unwrap();
    assert_eq!(h.quote, "The bus never came.");
}

#[test]
fn deleting_every_highlighted_word_leaves_an_empty_highlight_not_an_error() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, TRANSCRIPT);
    asha.store
        .add_highlight(story, quote_start(), quote_end(), None, "")
        .unwrap();
    asha.store
        .splice_transcript(story, quote_start(), quote_end() - quote_start(), "")
        .unwrap();

    let story = asha.store.story(story).unwrap();
    assert_eq!(story.highlights.len(), 1);
    assert_eq!(story.highlights[0].quote, "");
    assert_eq!(story.highlights[0].start, story.highlights[0].end);
}

#[test]
fn highlights_use_utf16_offsets_with_emoji_and_combining_marks() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    // "😀" is two UTF-16 code units; "é" here is e + a combining accent.
    let transcript = "Hi 😀 the cafe\u{301} was warm";
    let story = asha.add_story(project, "Café", amira, transcript);
    let start = "Hi 😀 ".encode_utf16().count() as u64;
    assert_eq!(start, 6);
    let end = start + "the cafe\u{301}".encode_utf16().count() as u64;
    let highlight = asha.store.add_highlight(story, start, end, None, "").unwrap();

    asha.store.splice_transcript(story, 3, 2, "🚌").unwrap();
    let story = asha.store.story(story).unwrap();
    assert_eq!(story.transcript, "Hi 🚌 the cafe\u{301} was warm");
    let h = story.highlights.iter().find(|h| h.id == highlight).unwrap();
    assert_eq!(h.quote, "the cafe\u{301}");
    assert_eq!((h.start, h.end), (start, end));
}

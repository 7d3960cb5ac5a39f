//! Search follows merged edits; closing and reopening keeps everything;
//! documents are stored as a snapshot plus chunks and compacted.

use storyloom::{NewStory, StoryQuery, StoryStatus, StoryUpdate};
use storyloom_scenarios::{Phone, exchange_participant, exchange_story};

#[test]
fn search_finds_text_that_arrived_in_a_merge() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    exchange_participant(&asha, &ben, amira);
    exchange_story(&asha, &ben, story);

    ben.store
        .splice_transcript(story, 23, 0, " The council never consulted us.")
        .unwrap();
    assert!(asha.store.search("council", None, 10).unwrap().is_empty());
    exchange_story(&asha, &ben, story);

    let hits = asha.store.search("council", None, 10).unwrap();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].story_id, story);
    assert!(hits[0].snippet.contains("[council]"), "snippet: {}", hits[0].snippet);
}

#[test]
fn search_covers_titles_tags_and_highlight_notes_and_ranks_titles_first() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let in_transcript = asha.add_story(project, "Waiting", amira, "We talked about the library closing.");
    let in_title = asha.add_story(project, "The library", amira, "Books were everything to me.");
    let tagged = asha.add_story(project, "Evenings", amira, "Nothing to do after six.");
    asha.store.add_tag(tagged, "youth services").unwrap();
    let noted = asha.add_story(project, "Rent", amira, "The rent went up twice.");
    asha.store
        .add_highlight(noted, 0, 8, Some("housing"), "landlord pressure")
        .unwrap();

    let library = asha.store.search("library", None, 10).unwrap();
    assert_eq!(
        library.iter().map(|h| h.story_id).collect::<Vec<_>>(),
        vec![in_title, in_transcript]
    );
    assert_eq!(asha.store.search("youth", None, 10).unwrap()[0].story_id, tagged);
    assert_eq!(asha.store.search("landlord", None, 10).unwrap()[0].story_id, noted);
    // Search as you type: the last word may be unfinished.
    assert_eq!(asha.store.search("landl", None, 10).unwrap()[0].story_id, noted);
    // Accents do not matter.
    assert_eq!(asha.store.search("LÍBRARY", None, 10).unwrap().len(), 2);
}

#[test]
fn closing_and_reopening_keeps_everything() {
    let (mut asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    asha.store
        .set_badge(amira, storyloom::InteractionBadge::Yellow)
        .unwrap();
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    asha.store.add_tag(story, "transport").unwrap();
    let highlight = asha.store.add_highlight(story, 4, 7, Some("transport"), "").unwrap();
    for i in 0..50 {
        asha.store.splice_transcript(story, 23 + i, 0, "!").unwrap();
    }
    let before = asha.store.story(story).unwrap();
    let participant_before = asha.store.participant(amira).unwrap();

    asha.reopen();

    assert_eq!(asha.store.story(story).unwrap(), before);
    assert_eq!(asha.store.participant(amira).unwrap(), participant_before);
    assert_eq!(before.highlights[0].id, highlight);
    assert_eq!(asha.store.project(project).unwrap().local_member, Some(asha.member));
    assert_eq!(asha.store.search("bus", None, 10).unwrap().len(), 1);
    // The device keeps writing as the same member after reopening.
    asha.store.add_tag(story, "reopened").unwrap();
    let history = asha.store.story_history(story).unwrap();
    assert!(history.iter().all(|h| h.member_id == Some(asha.member)));
}

#[test]
fn documents_are_saved_as_chunks_and_compacted() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, &"word ".repeat(200));
    let fresh = asha.store.story_storage_stats(story).unwrap();
    assert_eq!(
        (fresh.chunks, fresh.incremental_bytes),
        (1, 0),
        "a new document is one snapshot"
    );

    asha.store.splice_transcript(story, 0, 0, "A").unwrap();
    let edited = asha.store.story_storage_stats(story).unwrap();
    assert_eq!(edited.chunks, 2, "an edit appends one incremental chunk");
    assert!(edited.incremental_bytes > 0);

    for i in 0..500 {
        asha.store.splice_transcript(story, i, 0, "x").unwrap();
    }
    let compacted = asha.store.story_storage_stats(story).unwrap();
    assert!(
        compacted.incremental_bytes <= compacted.snapshot_bytes.max(16 * 1024),
        "chunks never outgrow the snapshot for long: {compacted:?}"
    );
    assert!(compacted.chunks < 500, "compaction happened: {compacted:?}");
    assert!(
        asha.store
            .story(story)
            .unwrap()
            .transcript
            .starts_with(&"x".repeat(500))
    );
}

#[test]
fn lists_filter_sort_and_page_from_the_index() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.add_storyteller(project, "Amira");
    let bilal = asha.add_storyteller(project, "Bilal");
    let mut ids = Vec::new();
    for i in 0..7 {
        let teller = if i % 2 == 0 { amira } else { bilal };
        let id = asha
            .store
            .create_story(
                project,
                &NewStory {
                    title: format!("Story {i}"),
                    storytellers: vec![teller],
                    tags: if i < 3 { vec!["transport".into()] } else { vec![] },
                    recorded_at: Some(
                        chrono::DateTime::parse_from_rfc3339(&format!("2026-0{}-01T10:00:00+01:00", i + 1)).unwrap(),
                    ),
                    ..Default::default()
                },
            )
            .unwrap();
        ids.push(id);
    }
    asha.store
        .update_story(
            ids[1],
            &StoryUpdate {
                status: Some(StoryStatus::Reviewed),
                ..Default::default()
            },
        )
        .unwrap();

    let page = |query: StoryQuery| asha.store.list_stories(&query).unwrap();
    let first = page(StoryQuery {
        limit: 3,
        ..StoryQuery::new(project)
    });
    assert_eq!(
        first.stories.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![ids[6], ids[5], ids[4]]
    );
    assert_eq!(first.next_offset, Some(3));
    let last = page(StoryQuery {
        limit: 3,
        offset: 6,
        ..StoryQuery::new(project)
    });
    assert_eq!(last.stories.len(), 1);
    assert_eq!(last.next_offset, None);

    let tagged = page(StoryQuery {
        tag: Some("Transport".into()),
        ..StoryQuery::new(project)
    });
    assert_eq!(tagged.stories.len(), 3);
    let by_amira = page(StoryQuery {
        storyteller: Some(amira),
        ..StoryQuery::new(project)
    });
    assert_eq!(by_amira.stories.len(), 4);
    let reviewed = page(StoryQuery {
        status: Some(StoryStatus::Reviewed),
        ..StoryQuery::new(project)
    });
    assert_eq!(reviewed.stories.iter().map(|s| s.id).collect::<Vec<_>>(), vec![ids[1]]);
    let spring = page(StoryQuery {
        recorded_from: Some("2026-03-01T00:00:00Z".parse().unwrap()),
        recorded_to: Some("2026-05-01T00:00:00Z".parse().unwrap()),
        ..StoryQuery::new(project)
    });
    assert_eq!(
        spring.stories.iter().map(|s| s.id).collect::<Vec<_>>(),
        vec![ids[3], ids[2]]
    );
    let by_title = page(StoryQuery {
        sort: storyloom::StorySort::TitleAsc,
        limit: 2,
        ..StoryQuery::new(project)
    });
    assert_eq!(by_title.stories[0].title, "Story 0");
}

//! Two phones edit the same story and the same participant while apart,
//! then meet: nothing either of them wrote is lost.

use storyloom::{InteractionBadge, StoryUpdate};
use storyloom_scenarios::{Phone, exchange_participant, exchange_project, exchange_story};

#[test]
fn concurrent_transcript_edits_merge_character_by_character() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    exchange_participant(&asha, &ben, amira);
    exchange_story(&asha, &ben, story);

    // Asha fixes the start, Ben adds to the end, at the same time.
    asha.store.splice_transcript(story, 4, 3, "number 42 bus").unwrap();
    ben.store
        .splice_transcript(story, 23, 0, " Nobody told us why.")
        .unwrap();
    exchange_story(&asha, &ben, story);

    let expected = "The number 42 bus stopped coming. Nobody told us why.";
    assert_eq!(asha.store.story(story).unwrap().transcript, expected);
    assert_eq!(ben.store.story(story).unwrap().transcript, expected);
}

#[test]
fn whole_text_updates_from_both_sides_keep_both_edits() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "one two three");
    exchange_participant(&asha, &ben, amira);
    exchange_story(&asha, &ben, story);

    // Text fields that only report "here is the whole new text".
    asha.store.set_transcript(story, "ONE two three").unwrap();
    ben.store.set_transcript(story, "one two three four").unwrap();
    exchange_story(&asha, &ben, story);

    assert_eq!(asha.store.story(story).unwrap().transcript, "ONE two three four");
    assert_eq!(ben.store.story(story).unwrap().transcript, "ONE two three four");
}

#[test]
fn a_concurrent_title_change_has_one_winner_everywhere_and_the_conflict_is_visible() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "Draft title", amira, "");
    exchange_participant(&asha, &ben, amira);
    exchange_story(&asha, &ben, story);

    let retitle = |phone: &Phone, title: &str| {
        let update = StoryUpdate {
            title: Some(title.into()),
            ..Default::default()
        };
        phone.store.update_story(story, &update).unwrap();
    };
    retitle(&asha, "The bus that stopped");
    retitle(&ben, "Waiting for the 42");
    exchange_story(&asha, &ben, story);

    let on_asha = asha.store.story(story).unwrap();
    let on_ben = ben.store.story(story).unwrap();
    assert_eq!(on_asha.title, on_ben.title, "the same title wins on every device");
    let conflict = on_asha
        .conflicts
        .iter()
        .find(|c| c.field == "title")
        .expect("conflict shown");
    assert_eq!(conflict.winner, on_asha.title);
    let loser = if on_asha.title == "Waiting for the 42" {
        "The bus that stopped"
    } else {
        "Waiting for the 42"
    };
    assert_eq!(conflict.others, vec![loser.to_owned()]);
    assert_eq!(on_ben.conflicts, on_asha.conflicts);

    // Setting the title again resolves the conflict.
    retitle(&ben, "The 42");
    exchange_story(&asha, &ben, story);
    assert!(asha.store.story(story).unwrap().conflicts.is_empty());
    assert_eq!(asha.store.story(story).unwrap().title, "The 42");
}

#[test]
fn tags_merge_add_wins() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "");
    asha.store.add_tag(story, "transport").unwrap();
    exchange_participant(&asha, &ben, amira);
    exchange_story(&asha, &ben, story);

    // Asha removes "transport" while Ben, not knowing, tags it again and adds another.
    asha.store.remove_tag(story, "transport").unwrap();
    asha.store.add_tag(story, "Sharing power").unwrap();
    ben.store.add_tag(story, "transport").unwrap();
    ben.store.add_tag(story, "time and funding").unwrap();
    exchange_story(&asha, &ben, story);

    let tags = asha.store.story(story).unwrap().tags;
    assert_eq!(tags, vec!["sharing power", "time and funding", "transport"]);
    assert_eq!(ben.store.story(story).unwrap().tags, tags);
}

#[test]
fn the_badge_merges_to_the_most_protective_level_until_someone_sets_it_again() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    exchange_participant(&asha, &ben, amira);

    asha.store.set_badge(amira, InteractionBadge::Green).unwrap();
    ben.store.set_badge(amira, InteractionBadge::Red).unwrap();
    exchange_participant(&asha, &ben, amira);
    for phone in [&asha, &ben] {
        let amira = phone.store.participant(amira).unwrap();
        assert_eq!(amira.badge, InteractionBadge::Red, "on {}", phone.name);
        assert!(amira.conflicts.iter().any(|c| c.field == "badge"));
    }
    // The list reads the index, which follows the merge too.
    assert_eq!(
        asha.store.participants(project).unwrap()[0].badge,
        InteractionBadge::Red
    );

    // Amira tells Asha she is happy to be approached now.
    asha.store.set_badge(amira, InteractionBadge::Green).unwrap();
    exchange_participant(&asha, &ben, amira);
    assert_eq!(ben.store.participant(amira).unwrap().badge, InteractionBadge::Green);
    assert!(ben.store.participant(amira).unwrap().conflicts.is_empty());

    // Every change is in the history, with who made it.
    let history = ben.store.badge_history(amira).unwrap();
    let levels: Vec<_> = history.iter().map(|c| c.level).collect();
    assert_eq!(levels.len(), 4, "unset at creation, green, red, green: {levels:?}");
    assert!(
        history
            .iter()
            .any(|c| c.member_id == ben.member && c.level == InteractionBadge::Red)
    );
    assert_eq!(history.last().unwrap().member_id, asha.member);
}

#[test]
fn adjustments_merge_add_wins() {
    use storyloom::{Adjustment, AdjustmentKind};
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    let amira = asha.add_storyteller(project, "Amira");
    let easy_read = Adjustment::simple(AdjustmentKind::EasyRead);
    asha.store.add_adjustment(amira, &easy_read).unwrap();
    exchange_participant(&asha, &ben, amira);

    asha.store.remove_adjustment(amira, &easy_read).unwrap();
    ben.store.add_adjustment(amira, &easy_read).unwrap();
    let bsl = Adjustment::validated(AdjustmentKind::SignLanguageInterpreter, Some("bfi")).unwrap();
    ben.store.add_adjustment(amira, &bsl).unwrap();
    exchange_participant(&asha, &ben, amira);

    let adjustments = asha.store.participant(amira).unwrap().adjustments;
    assert!(
        adjustments.contains(&easy_read),
        "Ben's concurrent add wins over Asha's remove"
    );
    assert!(adjustments.contains(&bsl));
}

#[test]
fn the_history_says_who_changed_what_on_which_device() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let ben = Phone::joining("Ben", &asha, project);
    exchange_project(&asha, &ben, project);
    let amira = asha.add_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus.");
    exchange_participant(&asha, &ben, amira);
    exchange_story(&asha, &ben, story);
    ben.store.add_tag(story, "transport").unwrap();
    exchange_story(&asha, &ben, story);

    let history = asha.store.story_history(story).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].kind, storyloom::ChangeKind::Created);
    assert_eq!(history[0].member_name.as_deref(), Some("Asha"));
    assert_eq!(history[0].device_id, Some(asha.store.device_id()));
    assert_eq!(history[1].kind, storyloom::ChangeKind::TagsChanged);
    assert_eq!(history[1].member_name.as_deref(), Some("Ben"));
    assert_eq!(history[1].device_id, Some(ben.store.device_id()));
}

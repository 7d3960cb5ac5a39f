//! Erasure travels first: a phone that was offline with a story erased
//! elsewhere erases it on its next sync, and the story never comes back.

use storyloom::{Error, NewConsentWithdrawal};
use storyloom_scenarios::{Phone, sync};

#[test]
fn a_long_offline_phone_erases_the_story_on_its_next_sync_and_it_never_returns() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let ben = Phone::invited("Ben", &asha, project);
    let cara = Phone::invited("Cara", &asha, project);

    // Ben goes offline for weeks, still editing the story.
    ben.store.splice_transcript(story, 0, 0, "Weeks later: ").unwrap();
    ben.store.add_tag(story, "follow-up").unwrap();
    // Amira asks Asha to erase it; Cara hears of it from Asha.
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: Some(story),
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();
    sync(&asha, &cara, project);
    assert!(matches!(cara.store.story(story), Err(Error::Erased { .. })));

    // Ben comes back and meets Cara first: Ben offers his copy, Cara refuses
    // it, and Ben erases his.
    sync(&ben, &cara, project);
    assert!(matches!(ben.store.story(story), Err(Error::Erased { .. })));
    assert!(matches!(cara.store.story(story), Err(Error::Erased { .. })));
    // Later sessions in any order never bring it back.
    sync(&asha, &ben, project);
    sync(&cara, &asha, project);
    for phone in [&asha, &ben, &cara] {
        assert!(
            matches!(phone.store.story(story), Err(Error::Erased { .. })),
            "on {}",
            phone.name
        );
        assert!(
            phone.store.search("bus", None, 10).unwrap().is_empty(),
            "on {}",
            phone.name
        );
    }
}

#[test]
fn meeting_the_erasing_phone_directly_erases_too() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let story = asha.add_story(project, "The 42", amira, "The bus stopped coming.");
    let ben = Phone::invited("Ben", &asha, project);
    ben.store.splice_transcript(story, 0, 0, "Offline: ").unwrap();
    asha.store
        .withdraw_consent(
            project,
            &NewConsentWithdrawal {
                storyteller: amira,
                story: None,
                scopes: vec![],
                erase: true,
            },
        )
        .unwrap();
    // Ben speaks first and offers his edits; they are refused, and he erases.
    sync(&ben, &asha, project);
    assert!(matches!(ben.store.story(story), Err(Error::Erased { .. })));
    assert!(matches!(ben.store.participant(amira), Err(Error::Erased { .. })));
    assert!(matches!(asha.store.story(story), Err(Error::Erased { .. })));
}

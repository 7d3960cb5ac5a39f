//! Honest sessions stay within the bounds a receiver enforces on what a
//! message may decode to (issue 15, finding 6): a sender spreads highly
//! compressible documents over several messages instead of having them
//! refused.

use storyloom::sync::SyncLimits;
use storyloom_scenarios::Phone;

#[test]
fn documents_that_inflate_beyond_one_message_s_budget_travel_in_several() {
    let (asha, project) = Phone::founding("Asha", "Bus routes");
    let amira = asha.consenting_storyteller(project, "Amira");
    let ben = Phone::invited("Ben", &asha, project);
    let stories: Vec<_> = (0..4)
        .map(|i| {
            asha.add_story(
                project,
                &format!("Route {i}"),
                amira,
                &"the bus was late ".repeat(1_500),
            )
        })
        .collect();
    // Each story is about 25 KB once decoded but far smaller on the wire:
    // one message may carry only one of them.
    let limits = SyncLimits {
        max_decoded_bytes: 60_000,
        ..SyncLimits::default()
    };
    let (mut asha_side, mut message) = asha.store.start_sync_with(project, limits).unwrap();
    let mut ben_side = ben.store.accept_sync_with(project, limits).unwrap();
    let mut messages = 1;
    while let Some(reply) = ben.store.sync_receive(&mut ben_side, &message).unwrap() {
        let Some(next) = asha.store.sync_receive(&mut asha_side, &reply).unwrap() else {
            break;
        };
        message = next;
        messages += 2;
        assert!(messages < 100, "the session does not finish");
    }
    for story in stories {
        assert!(
            ben.store
                .story(story)
                .unwrap()
                .transcript
                .starts_with("the bus was late")
        );
    }
    assert!(
        messages >= 5,
        "the stories were spread over several messages ({messages})"
    );
}

//! A relay sync that pauses between requests (packing many documents, a
//! slow phone) outlasts the server's keep-alive: Apache closes the idle
//! connection after 5 s, and the next request must not fail because of
//! it. Found by the 100-story benchmark through WebDAV.

use std::time::Duration;

use storyloom::sync::CancelHandle;
use storyloom_scenarios::Phone;
use storyloom_scenarios::relay::{Backend, Relay};
use storyloom_scenarios::relay_suite::story_titled;

#[test]
fn a_sync_that_pauses_longer_than_the_servers_keep_alive_still_completes() {
    let relay = Relay::new(Backend::Webdav);
    let (ana, project) = Phone::founding("ana", "Bus stories");
    let amina = ana.consenting_storyteller(project, "Amina Diallo");
    ana.add_story(project, "The night bus", amina, "The 42 bus never came that winter.");
    // The first progress report comes after the first request (the
    // listing); stalling there leaves its connection idle past Apache's
    // KeepAliveTimeout (5 s), as packing a thousand stories does.
    let mut paused = false;
    let summary = ana
        .store
        .relay_sync(
            &relay.config,
            &mut |_| {
                if !paused {
                    paused = true;
                    std::thread::sleep(Duration::from_secs(6));
                }
            },
            &CancelHandle::new(),
        )
        .unwrap_or_else(|e| panic!("a pause must not fail the sync: {e}"));
    assert!(paused, "the sync reported progress");
    assert!(summary.pushed >= 3, "{summary:?}");
    let ben = Phone::invited_far_away("ben", &ana, project);
    relay.sync(&ben.store);
    story_titled(&ben, project, "The night bus");
}

//! What a relay sync with nothing new costs, counted by the real servers
//! themselves (Apache's access log, moto's request log), not by the
//! relay's own tally: at most one request per member device plus one
//! (issue 10), whatever opendal does underneath.

use storyloom_scenarios::relay::{Backend, Relay};
use storyloom_scenarios::relay_suite;

fn nothing_new_costs_one_request_per_member_device_plus_one(backend: Backend) {
    let relay = Relay::new(backend);
    let g = relay_suite::three_phones(&relay);
    let members = 3;
    for phone in [&g.ana, &g.ben, &g.cai] {
        let before = relay.requests_answered().expect("the server logs its requests");
        let summary = relay.sync(&phone.store);
        let answered = relay.requests_answered().expect("the server logs its requests") - before;
        assert_eq!(
            (summary.pushed, summary.pulled, summary.bytes_up),
            (0, 0, 0),
            "{}: nothing was new: {summary:?}",
            phone.name
        );
        assert!(
            answered <= members + 1,
            "{}: the server answered {answered} requests for a sync with nothing new \
             ({members} member devices; the relay counted {})",
            phone.name,
            summary.requests
        );
        assert_eq!(
            answered as u64, summary.requests,
            "{}: the relay's own tally is honest",
            phone.name
        );
    }
}

#[test]
fn on_webdav_a_sync_with_nothing_new_makes_at_most_one_request_per_member_device_plus_one() {
    nothing_new_costs_one_request_per_member_device_plus_one(Backend::Webdav);
}

#[test]
fn on_s3_a_sync_with_nothing_new_makes_at_most_one_request_per_member_device_plus_one() {
    nothing_new_costs_one_request_per_member_device_plus_one(Backend::S3);
}

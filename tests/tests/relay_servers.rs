//! The relay scenarios on real servers on loopback, started by the tests
//! (`tests/servers/webdav.sh`: Apache httpd with mod_dav_fs;
//! `tests/servers/s3.sh`: moto's S3 server): the same suite as on a shared
//! folder. A missing server fails with a message saying to run
//! `.ci/install-relay-servers`; it never passes silently.

use storyloom_scenarios::relay::Backend;
use storyloom_scenarios::relay_suite;

macro_rules! on {
    ($backend:expr, $($name:ident => $scenario:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                relay_suite::$scenario($backend);
            }
        )*
    };
}

mod webdav {
    use super::*;
    on!(Backend::Webdav,
        three_phones_that_never_meet_converge => three_phones_converge,
        erasure_reaches_the_relay_and_a_replay_never_brings_the_story_back => erasure_reaches_the_relay,
        the_operator_finds_no_phrase_of_any_story_title_or_name => the_operator_sees_only_ciphertext,
        a_tampered_object_is_refused_and_the_rest_syncs => a_tampered_object_is_refused_and_the_rest_syncs,
        wrong_credentials_name_the_relay => wrong_credentials_name_the_relay,
        a_server_stopping_mid_sync_loses_nothing => a_server_stopping_mid_sync_loses_nothing,
    );
}

mod s3 {
    use super::*;
    on!(Backend::S3,
        three_phones_that_never_meet_converge => three_phones_converge,
        erasure_reaches_the_relay_and_a_replay_never_brings_the_story_back => erasure_reaches_the_relay,
        the_operator_finds_no_phrase_of_any_story_title_or_name => the_operator_sees_only_ciphertext,
        a_tampered_object_is_refused_and_the_rest_syncs => a_tampered_object_is_refused_and_the_rest_syncs,
        wrong_credentials_name_the_relay => wrong_credentials_name_the_relay,
        a_server_stopping_mid_sync_loses_nothing => a_server_stopping_mid_sync_loses_nothing,
    );
}

//! The relay scenarios every backend must pass (a shared folder, Apache
//! WebDAV, an S3 server): three phones that never meet, erasure seen from
//! the storage, the operator's view, and faults. `tests/relay.rs` runs them
//! on a folder, `tests/relay_servers.rs` on the real servers.

use std::collections::BTreeSet;

use storyloom::sync::CancelHandle;
use storyloom::{Error, NewConsentWithdrawal, ProjectId, StoryQuery, StorySort};

use crate::Phone;
use crate::relay::{Backend, Relay};

/// What a phone shows of the project, to compare phones.
pub fn view(phone: &Phone, project: ProjectId) -> String {
    let store = &phone.store;
    let mut out = String::new();
    let listed = store
        .list_stories(&StoryQuery {
            limit: 500,
            sort: StorySort::TitleAsc,
            ..StoryQuery::new(project)
        })
        .expect("list stories");
    let mut ids: Vec<_> = listed.stories.iter().map(|s| s.id).collect();
    ids.sort();
    for id in ids {
        let s = store.story(id).expect("story");
        out.push_str(&format!(
            "{} {:?} {:?} {:?} {:?}\n",
            s.id, s.title, s.transcript, s.tags, s.storytellers
        ));
    }
    let mut people: Vec<_> = store
        .participants(project)
        .expect("participants")
        .into_iter()
        .map(|p| format!("{} {:?}", p.id, p.display_name))
        .collect();
    people.sort();
    out.push_str(&people.join("\n"));
    let ledger: BTreeSet<_> = store
        .consent_records(project, None)
        .expect("ledger")
        .iter()
        .map(|r| r.id())
        .collect();
    out.push_str(&format!("\n{ledger:?}"));
    out
}

/// Phrases of the stories, titles and names the scenario writes, which the
/// operator must never find on the storage.
pub const PHRASES: &[&str] = &[
    "The night bus",
    "never came that winter",
    "Amina Diallo",
    "Market day",
    "fish were silver",
    "Joseph Okoro",
    "A red kite",
    "over the estate",
];

pub struct Group {
    pub ana: Phone,
    pub ben: Phone,
    pub cai: Phone,
    pub project: ProjectId,
}

/// Three phones in one project, joined by invite, that never meet: only
/// the relay carries anything between them.
pub fn three_phones(relay: &Relay) -> Group {
    let (ana, project) = Phone::founding("ana", "Bus stories");
    let amina = ana.consenting_storyteller(project, "Amina Diallo");
    ana.add_story(project, "The night bus", amina, "The 42 bus never came that winter.");
    let ben = Phone::invited_far_away("ben", &ana, project);
    let cai = Phone::invited_far_away("cai", &ana, project);
    for phone in [&ana, &ben, &cai] {
        relay.sync(&phone.store);
    }
    let joseph = ben.consenting_storyteller(project, "Joseph Okoro");
    ben.add_story(project, "Market day", joseph, "The fish were silver and cheap.");
    relay.sync(&ben.store);
    relay.sync(&cai.store);
    let night = story_titled(&cai, project, "The night bus");
    cai.store.splice_transcript(night, 0, 0, "Cai heard: ").expect("edit");
    cai.store.add_tag(night, "transport").expect("tag");
    ana.add_story(project, "A red kite", amina, "A red kite flew over the estate.");
    for _ in 0..2 {
        for phone in [&ana, &ben, &cai] {
            relay.sync(&phone.store);
        }
    }
    Group { ana, ben, cai, project }
}

pub fn story_titled(phone: &Phone, project: ProjectId, title: &str) -> storyloom::StoryId {
    let listed = phone
        .store
        .list_stories(&StoryQuery {
            limit: 500,
            ..StoryQuery::new(project)
        })
        .expect("list");
    listed
        .stories
        .iter()
        .find(|s| s.title == title)
        .unwrap_or_else(|| panic!("{} lacks the story", phone.name))
        .id
}

/// The fixed three-phone scenario: everyone ends with the same project.
pub fn three_phones_converge(backend: Backend) {
    let relay = Relay::new(backend);
    let g = three_phones(&relay);
    let expected = view(&g.ana, g.project);
    assert_eq!(view(&g.ben, g.project), expected);
    assert_eq!(view(&g.cai, g.project), expected);
    let night = story_titled(&g.ana, g.project, "The night bus");
    assert!(
        g.ana
            .store
            .story(night)
            .unwrap()
            .transcript
            .starts_with("Cai heard: The 42 bus")
    );
    assert_eq!(
        g.ana
            .store
            .list_stories(&StoryQuery::new(g.project))
            .unwrap()
            .stories
            .len(),
        3
    );
}

/// A withdrawal with erasure: the objects that held the story leave the
/// relay, a phone that was offline learns of it there and erases, and an
/// old object put back by hand never brings the story back.
pub fn erasure_reaches_the_relay(backend: Backend) {
    let relay = Relay::new(backend);
    let g = three_phones(&relay);
    let night = story_titled(&g.ana, g.project, "The night bus");
    let before = relay.objects();
    // Which objects hold the story: the ones whose bytes change nothing
    // but that the sweep must remove. Seen from outside only as names; so
    // compare listings before and after, and decrypt nothing.
    let amina = g.ana.store.story(night).unwrap().storytellers[0];
    g.ana
        .store
        .withdraw_consent(
            g.project,
            &NewConsentWithdrawal {
                storyteller: amina,
                story: Some(night),
                scopes: vec![],
                erase: true,
            },
        )
        .expect("withdraw with erasure");
    let summary = relay.sync(&g.ana.store);
    assert!(
        summary.deleted > 0,
        "the erasure deleted nothing from the relay: {summary:?}"
    );
    relay.sync(&g.ben.store);
    // cai was offline through all of that.
    let after_ben = relay.objects();
    let gone: Vec<_> = before.keys().filter(|k| !after_ben.contains_key(*k)).collect();
    assert!(!gone.is_empty(), "no object left the relay");
    // Every object still on the relay that existed before must not hold
    // the story: each phone that still syncs finds nothing of it.
    relay.sync(&g.cai.store);
    assert!(
        matches!(g.cai.store.story(night), Err(Error::Erased { .. })),
        "the offline phone kept the erased story"
    );
    for phone in [&g.ana, &g.ben, &g.cai] {
        relay.sync(&phone.store);
    }
    // No object on the relay names the story any more: a brand-new phone
    // pulling everything never sees it.
    let newcomer = Phone::invited_far_away("dee", &g.ana, g.project);
    relay.sync(&newcomer.store);
    assert!(
        newcomer.store.story(night).is_err(),
        "a new phone received the erased story from the relay"
    );
    assert!(
        newcomer
            .store
            .list_stories(&StoryQuery::new(g.project))
            .unwrap()
            .stories
            .iter()
            .all(|s| s.id != night)
    );
    // Replay: every object from before the erasure is put back by hand.
    for (path, bytes) in &before {
        if !path.ends_with("manifest") {
            relay.put(path, bytes.clone());
        }
    }
    for phone in [&g.ana, &g.ben, &g.cai, &newcomer] {
        relay.sync(&phone.store);
        assert!(
            phone.store.story(night).is_err(),
            "the replayed object brought the story back to {}",
            phone.name
        );
    }
    // Old manifests too.
    for (path, bytes) in &before {
        relay.put(path, bytes.clone());
    }
    let late = Phone::invited_far_away("eve", &g.ana, g.project);
    for phone in [&late, &g.cai] {
        let _ = phone.store.relay_sync(&relay.config, &mut |_| {}, &CancelHandle::new());
    }
    assert!(
        g.cai.store.story(night).is_err(),
        "replayed manifests brought the story back"
    );
}

/// The operator reads every file on the storage and finds no phrase of any
/// story, title or participant name.
pub fn the_operator_sees_only_ciphertext(backend: Backend) {
    let relay = Relay::new(backend);
    let g = three_phones(&relay);
    let mut files: Vec<(String, Vec<u8>)> = relay
        .data_files()
        .into_iter()
        .map(|(p, b)| (p.display().to_string(), b))
        .collect();
    files.extend(relay.objects());
    assert!(files.len() >= 3, "expected objects on the relay, found {}", files.len());
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes).to_lowercase();
        for phrase in PHRASES {
            assert!(!text.contains(&phrase.to_lowercase()), "{path} holds {phrase:?}");
            assert!(
                !path.to_lowercase().contains(&phrase.to_lowercase()),
                "a name holds {phrase:?}"
            );
        }
        assert!(!path.contains(&g.project.to_string()), "a name holds the project id");
        for phone in [&g.ana, &g.ben, &g.cai] {
            assert!(
                !path.contains(&phone.store.device_id().to_string()),
                "a name holds a device id"
            );
        }
    }
}

/// A tampered object is refused and reported; everything else syncs.
pub fn a_tampered_object_is_refused_and_the_rest_syncs(backend: Backend) {
    let relay = Relay::new(backend);
    let (ana, project) = Phone::founding("ana", "Bus stories");
    let amina = ana.consenting_storyteller(project, "Amina Diallo");
    ana.add_story(project, "The night bus", amina, "The 42 bus never came that winter.");
    let ben = Phone::invited_far_away("ben", &ana, project);
    relay.sync(&ana.store);
    relay.sync(&ben.store);
    let before: BTreeSet<String> = relay.objects().into_keys().collect();
    ana.add_story(project, "Market day", amina, "The fish were silver and cheap.");
    relay.sync(&ana.store);
    let objects = relay.objects();
    let newest = objects
        .keys()
        .find(|k| !before.contains(*k) && !k.ends_with("manifest"))
        .expect("a new object")
        .clone();
    let mut bytes = objects[&newest].clone();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    relay.put(&newest, bytes);
    ana.add_story(project, "A red kite", amina, "A red kite flew over the estate.");
    relay.sync(&ana.store);
    let summary = relay.sync(&ben.store);
    assert_eq!(summary.rejected.len(), 1, "{summary:?}");
    assert_eq!(summary.rejected[0].object, newest);
    assert!(
        summary.rejected[0].reason.contains("does not match its manifest"),
        "{summary:?}"
    );
    story_titled(&ben, project, "A red kite");
    let listed = ben.store.list_stories(&StoryQuery::new(project)).unwrap();
    assert!(listed.stories.iter().all(|s| s.title != "Market day"));
    // Reported again next time, and nothing of it applied.
    let again = relay.sync(&ben.store);
    assert_eq!(again.rejected.len(), 1);
    for r in &summary.rejected {
        for phrase in PHRASES {
            assert!(!r.reason.contains(phrase));
        }
    }
}

/// Wrong credentials: a clear error naming the relay, not the group secret.
pub fn wrong_credentials_name_the_relay(backend: Backend) {
    let relay = Relay::new(backend);
    let (ana, project) = Phone::founding("ana", "Bus stories");
    let amina = ana.consenting_storyteller(project, "Amina Diallo");
    ana.add_story(project, "The night bus", amina, "The 42 bus never came that winter.");
    let wrong = relay.with_credentials("intruder", "not-the-password");
    let err = ana
        .store
        .relay_sync(&wrong, &mut |_| {}, &CancelHandle::new())
        .expect_err("wrong credentials must fail");
    let text = err.to_string();
    assert!(matches!(err, Error::Relay(_)), "{err:?}");
    assert!(text.contains("credentials"), "{text}");
    assert!(text.contains("relay"), "{text}");
    assert!(!matches!(err, Error::WrongKey { .. }));
    assert!(text.contains("the group secret is not involved"), "{text}");
    assert!(!text.contains("not-the-password"), "{text}");
    // The right ones still work.
    relay.sync(&ana.store);
}

/// The server stops in the middle of a sync: a clear error, nothing lost;
/// the next sync transfers only what is missing.
pub fn a_server_stopping_mid_sync_loses_nothing(backend: Backend) {
    let mut relay = Relay::new(backend);
    let (ana, project) = Phone::founding("ana", "Bus stories");
    let amina = ana.consenting_storyteller(project, "Amina Diallo");
    for i in 0..5 {
        ana.add_story(
            project,
            &format!("Story {i}"),
            amina,
            &"words of the story ".repeat(2000),
        );
        relay.sync(&ana.store);
    }
    let on_relay: u64 = relay.objects().values().map(|b| b.len() as u64).sum();
    let ben = Phone::invited_far_away("ben", &ana, project);
    let mut stopped = false;
    let first = ben.store.relay_sync(
        &relay.config,
        &mut |p| {
            if p.objects_done >= 2 && !stopped {
                stopped = true;
                relay.stop_server();
            }
        },
        &CancelHandle::new(),
    );
    let pulled_before = ben
        .store
        .list_stories(&StoryQuery::new(project))
        .map(|l| l.stories.len())
        .unwrap_or(0);
    match backend {
        Backend::Fs => assert!(first.is_ok()),
        _ => {
            let err = first.expect_err("the relay stopped");
            assert!(matches!(err, Error::Relay(_)), "{err:?}");
            assert!(err.to_string().contains("relay"), "{err}");
            assert!(
                err.to_string().contains("127.0.0.1"),
                "the error names the relay: {err}"
            );
        }
    }
    relay.restart_server();
    ben.store.projects().expect("the store still opens and reads");
    // An S3 server that kept its objects in memory lost them: ana's next
    // sync publishes everything again (her manifest is gone too).
    relay.sync(&ana.store);
    let resumed = relay.sync(&ben.store);
    if backend != Backend::S3 {
        assert!(
            resumed.bytes_down < on_relay,
            "the resumed sync fetched everything again ({} of {on_relay} bytes, {pulled_before} stories already here)",
            resumed.bytes_down
        );
    }
    let again = relay.sync(&ben.store);
    assert_eq!((again.pulled, again.bytes_up), (0, 0), "{again:?}");
    assert_eq!(view(&ben, project), view(&ana, project));
}

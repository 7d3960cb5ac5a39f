//! Several processes on one store, as on a phone: the app, its sync worker
//! and the CLI all write to the same file at once. Every acknowledged write
//! must survive, no document may become unreadable, nobody may fail with
//! `database is locked`, and the store must still sync with another phone.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use storyloom::sync::sync_stores;
use storyloom::{ChangeListener, ConsentRecordId, ParticipantId, ProjectId, Store, StoreChange, StoryId, StoryQuery};
use storyloom_scenarios::{Phone, exchange_story};

const EDITORS: usize = 4;
const WRITES: usize = 48;
const SYNC_ROUNDS: usize = 12;

fn join(ids: &[impl ToString]) -> String {
    ids.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

/// What the processes said the API acknowledged.
#[derive(Default)]
struct Acknowledged {
    tags: BTreeMap<StoryId, BTreeSet<String>>,
    markers: BTreeMap<StoryId, Vec<String>>,
    badges: BTreeMap<ParticipantId, usize>,
    grants: Vec<ConsentRecordId>,
    exchanges: usize,
    errors: Vec<String>,
}

impl Acknowledged {
    fn read(&mut self, output: &str) {
        for line in output.lines() {
            let words: Vec<&str> = line.splitn(3, ' ').collect();
            match words.as_slice() {
                ["tag" | "peertag", story, tag] => {
                    self.tags
                        .entry(story.parse().unwrap())
                        .or_default()
                        .insert(tag.to_string());
                }
                ["splice", story, marker] => self
                    .markers
                    .entry(story.parse().unwrap())
                    .or_default()
                    .push(marker.to_string()),
                ["badge", participant] => *self.badges.entry(participant.parse().unwrap()).or_default() += 1,
                ["grant", id] => self.grants.push(id.parse().unwrap()),
                ["sync" | "bundle", "ok"] => self.exchanges += 1,
                ["error", ..] => self.errors.push(line.to_string()),
                _ => panic!("unexpected line from a worker: {line}"),
            }
        }
    }

    fn writes(&self) -> usize {
        self.tags.values().map(BTreeSet::len).sum::<usize>()
            + self.markers.values().map(Vec::len).sum::<usize>()
            + self.badges.values().sum::<usize>()
            + self.grants.len()
    }
}

/// Counts the acknowledged writes missing from `store`, and the stories
/// and participants that do not load.
fn check(store: &Store, project: ProjectId, ack: &Acknowledged, stories: &[StoryId]) -> (usize, usize) {
    let mut lost = 0;
    let mut unreadable = 0;
    for story in stories {
        let Ok(loaded) = store.story(*story) else {
            unreadable += 1;
            continue;
        };
        let tags: BTreeSet<String> = loaded.tags.iter().cloned().collect();
        lost += ack.tags.get(story).map_or(0, |t| t.difference(&tags).count());
        lost += ack.markers.get(story).map_or(0, |m| {
            m.iter().filter(|m| !loaded.transcript.contains(m.as_str())).count()
        });
    }
    for (participant, count) in &ack.badges {
        match store.badge_history(*participant) {
            Ok(history) => lost += count.saturating_sub(history.len()),
            Err(_) => unreadable += 1,
        }
    }
    match store.consent_records(project, None) {
        Ok(records) => {
            let records: BTreeSet<ConsentRecordId> = records.iter().map(|r| r.id()).collect();
            lost += ack.grants.iter().filter(|id| !records.contains(id)).count();
        }
        Err(_) => {
            unreadable += 1;
            lost += ack.grants.len();
        }
    }
    (lost, unreadable)
}

fn integrity_ok(path: &std::path::Path) -> bool {
    let conn = rusqlite::Connection::open(path).unwrap();
    let result: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    result == "ok"
}

#[test]
fn four_processes_and_a_sync_worker_write_the_same_stories_and_lose_nothing() {
    let started = Instant::now();
    let (mut phone, project) = Phone::founding("Amira", "Market voices");
    let mut peer = Phone::invited("Bilal", &phone, project);
    let tellers = [
        phone.consenting_storyteller(project, "Samira"),
        phone.consenting_storyteller(project, "Yusuf"),
    ];
    let stories: Vec<StoryId> = (0..4)
        .map(|n| {
            phone.add_story(
                project,
                &format!("Story {n}"),
                tellers[n % 2],
                "The market opened at dawn.",
            )
        })
        .collect();
    storyloom_scenarios::sync(&phone, &peer, project);
    let (path, peer_path) = (phone.path(), peer.path());
    phone.store.close().unwrap();
    peer.store.close().unwrap();

    let worker = env!("CARGO_BIN_EXE_multi-process-worker");
    let mut children = Vec::new();
    for n in 0..EDITORS {
        children.push(
            Command::new(worker)
                .args(["edit", path.to_str().unwrap(), &n.to_string(), &WRITES.to_string()])
                .args([project.to_string(), join(&stories), join(&tellers)])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap(),
        );
    }
    children.push(
        Command::new(worker)
            .args(["sync", path.to_str().unwrap(), peer_path.to_str().unwrap()])
            .args([project.to_string(), SYNC_ROUNDS.to_string(), join(&stories)])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut ack = Acknowledged::default();
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "a worker failed: {stderr}");
        ack.read(&String::from_utf8(output.stdout).unwrap());
    }

    phone.store = Store::open(&path).unwrap();
    peer.store = Store::open(&peer_path).unwrap();
    let (lost, unreadable) = check(&phone.store, project, &ack, &stories);
    let locked = ack.errors.iter().filter(|e| e.contains("database is locked")).count();
    eprintln!(
        "{} processes × {WRITES} writes + {SYNC_ROUNDS} sync/bundle rounds: {} writes and {} exchanges \
         acknowledged, {lost} lost, {unreadable} unreadable, {locked} `database is locked`, {} other errors, {:.1} s",
        EDITORS + 1,
        ack.writes(),
        ack.exchanges,
        ack.errors.len() - locked,
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        ack.errors,
        Vec::<String>::new(),
        "no write may fail under ordinary contention"
    );
    assert_eq!(ack.writes(), EDITORS * WRITES + SYNC_ROUNDS);
    assert_eq!(ack.exchanges, SYNC_ROUNDS);
    assert_eq!(
        (lost, unreadable),
        (0, 0),
        "acknowledged writes lost, documents unreadable"
    );
    assert!(integrity_ok(&path) && integrity_ok(&peer_path));

    // Both phones converge after one more session.
    sync_stores(&phone.store, &peer.store, project).unwrap();
    assert_eq!(
        check(&peer.store, project, &ack, &stories),
        (0, 0),
        "the peer has everything"
    );
    for story in &stories {
        let (here, there) = (phone.store.story(*story).unwrap(), peer.store.story(*story).unwrap());
        assert_eq!((here.transcript, here.tags), (there.transcript, there.tags));
    }
}

/// Another process (the CLI, a share extension) adds the tag `w0-0` to a
/// story in the store at `path`, and exits.
fn tag_from_another_process(path: &std::path::Path, project: ProjectId, story: StoryId, teller: ParticipantId) {
    let output = Command::new(env!("CARGO_BIN_EXE_multi-process-worker"))
        .args(["edit", path.to_str().unwrap(), "0", "1"])
        .args([project.to_string(), story.to_string(), teller.to_string()])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), format!("tag {story} w0-0\n"));
}

#[derive(Default)]
struct Heard(Mutex<Vec<StoreChange>>);

impl ChangeListener for Heard {
    fn on_change(&self, change: &StoreChange) {
        self.0.lock().unwrap().push(change.clone());
    }
}

#[test]
fn a_process_sees_what_another_process_wrote_and_its_listeners_are_told() {
    let (mut phone, project) = Phone::founding("Amira", "Market voices");
    let teller = phone.consenting_storyteller(project, "Samira");
    let story = phone.add_story(project, "Harbour mornings", teller, "We carried the fish.");
    assert!(
        phone.store.story(story).unwrap().tags.is_empty(),
        "the story is loaded here"
    );
    let heard = Arc::new(Heard::default());
    phone.store.add_listener(heard.clone());

    tag_from_another_process(&phone.path(), project, story, teller);

    let listed = phone.store.list_stories(&StoryQuery::new(project)).unwrap();
    assert_eq!(listed.stories[0].tags, vec!["w0-0".to_string()]);
    assert!(
        heard.0.lock().unwrap().iter().any(|c| c.stories.contains(&story)),
        "on the next access the listeners hear about the other process's write"
    );
    assert_eq!(phone.store.story(story).unwrap().tags, vec!["w0-0".to_string()]);

    // This process's next edit builds on the other's, as the same actor.
    phone.store.add_tag(story, "mine").unwrap();
    phone.reopen();
    assert_eq!(
        phone.store.story(story).unwrap().tags,
        vec!["mine".to_string(), "w0-0".to_string()]
    );
}

#[test]
fn a_merge_keeps_what_another_process_wrote_meanwhile() {
    let (mut phone, project) = Phone::founding("Amira", "Market voices");
    let peer = Phone::joining("Bilal", &phone, project);
    let teller = phone.consenting_storyteller(project, "Samira");
    let story = phone.add_story(project, "Harbour mornings", teller, "We carried the fish.");
    exchange_story(&phone, &peer, story);
    peer.store.add_tag(story, "from-bilal").unwrap();

    tag_from_another_process(&phone.path(), project, story, teller);
    let from_peer = peer.store.export_story_document(story).unwrap();
    phone.store.import_document(&from_peer).unwrap();

    let both = vec!["from-bilal".to_string(), "w0-0".to_string()];
    assert_eq!(phone.store.story(story).unwrap().tags, both);
    let listed = phone.store.list_stories(&StoryQuery::new(project)).unwrap();
    assert_eq!(listed.stories[0].tags, both, "the index agrees");
    phone.reopen();
    assert_eq!(phone.store.story(story).unwrap().tags, both);
}

#[test]
fn every_process_on_an_encrypted_store_needs_its_key() {
    let key = storyloom::StoreKey::from_bytes(&[5; 32]).unwrap();
    let hex = "05".repeat(32);
    let (phone, project) = Phone::founding_encrypted("Amira", "Market voices", key);
    let teller = phone.consenting_storyteller(project, "Samira");
    let story = phone.add_story(project, "Story", teller, "The market opened at dawn.");
    let path = phone.path();
    let worker = env!("CARGO_BIN_EXE_multi-process-worker");
    let edit = |key: Option<&str>| {
        let mut command = Command::new(worker);
        command
            .args(["edit", path.to_str().unwrap(), "0", "8"])
            .args([project.to_string(), story.to_string(), teller.to_string()])
            .env_remove("STORYLOOM_KEY");
        if let Some(key) = key {
            command.env("STORYLOOM_KEY", key);
        }
        command.output().unwrap()
    };

    // While this process holds the store open, another one without the key,
    // or with another key, is refused and changes no file. The files are
    // read by another process: closing a descriptor of the database here
    // would drop this process's POSIX locks on it.
    let digests = || {
        let out = Command::new("sh")
            .arg("-c")
            .arg("sha256sum * | sort")
            .current_dir(phone.folder())
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let before = digests();
    for (key, problem) in [(None, "KeyRequired"), (Some("06".repeat(32)), "WrongKey")] {
        let output = edit(key.as_deref());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success());
        assert!(stderr.contains(&format!("WrongStoreKey({problem})")), "{stderr}");
    }
    assert!(before.contains("phone.storyloom-wal"), "{before}");
    assert_eq!(digests(), before, "no file changed");

    // With the key, its writes reach this process.
    let output = edit(Some(&hex));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let mut ack = Acknowledged::default();
    ack.read(&String::from_utf8(output.stdout).unwrap());
    assert_eq!((ack.writes(), ack.errors.len()), (8, 0));
    assert_eq!(check(&phone.store, project, &ack, &[story]), (0, 0));
}

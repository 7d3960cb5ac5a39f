//! `store encrypt` and `store rekey` killed (SIGKILL) at random moments:
//! afterwards the store opens with exactly one of the two keys (or, for
//! encrypt, either as plaintext or with the key), nothing is lost, and no
//! plaintext copy is left beside an encrypted store.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use storyloom::{MemberRole, NewParticipant, NewStory, Store, StoreKey, StoryQuery};
use storyloom_scenarios::at_rest::{files_containing, walk};

const KILLS: usize = 55;
const STORIES: usize = 150;
/// In every story's transcript, so a plaintext copy would show.
const MARKER: &str = "lanternfishorchard";

struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*: enough to spread kills over the run.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

fn hex(byte: u8) -> String {
    format!("{byte:02x}").repeat(32)
}

fn key(byte: u8) -> StoreKey {
    StoreKey::from_bytes(&[byte; 32]).unwrap()
}

/// A closed store with STORIES stories, plaintext or under `key`.
fn template(dir: &Path, key: Option<StoreKey>) -> PathBuf {
    let path = dir.join("template.storyloom");
    let store = match key {
        Some(key) => Store::open_with_key(&path, key),
        None => Store::open(&path),
    }
    .unwrap();
    let (project, _) = store.create_project("Housing", "Asha", MemberRole::Reporter).unwrap();
    let teller = store
        .add_participant(
            project,
            &NewParticipant {
                display_name: "Amira".into(),
                ..Default::default()
            },
        )
        .unwrap();
    for n in 0..STORIES {
        store
            .create_story(
                project,
                &NewStory {
                    title: format!("Story {n}"),
                    storytellers: vec![teller],
                    transcript: format!("{MARKER} {n} ").repeat(40),
                    ..Default::default()
                },
            )
            .unwrap();
    }
    store.close().unwrap();
    path
}

/// Opens `path` with `key` (or without one) and checks that every story is
/// there; `None` if this key does not open it.
fn opens_whole(path: &Path, key: Option<StoreKey>) -> Option<()> {
    let store = match key {
        Some(key) => Store::open_with_key(path, key),
        None => Store::open(path),
    };
    match store {
        Ok(store) => {
            let project = store.projects().unwrap()[0].id;
            let query = StoryQuery {
                limit: 500,
                ..StoryQuery::new(project)
            };
            let stories = store.list_stories(&query).unwrap().stories;
            assert_eq!(stories.len(), STORIES, "every story survives");
            let last = store.story(stories[0].id).unwrap();
            assert!(last.transcript.starts_with(MARKER));
            store.close().unwrap();
            Some(())
        }
        Err(storyloom::Error::WrongStoreKey(_)) => None,
        Err(err) => panic!("the store does not open: {err}"),
    }
}

/// Runs the key changer on a fresh copy of `template`, kills it after a
/// random pause, and checks what is left. Returns whether the change had
/// happened.
fn kill_and_check(
    template: &Path,
    args: &[String],
    old: Option<StoreKey>,
    new: StoreKey,
    pause: Option<Duration>,
) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("phone.storyloom");
    fs::copy(template, &path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_key-changer"))
        .arg(&args[0])
        .arg(&path)
        .args(&args[1..])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(pause) = pause {
        std::thread::sleep(pause);
        let _ = child.kill();
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success() || output.status.code().is_none(),
        "the key changer failed on its own: {}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );

    let with_old = opens_whole(&path, old.clone());
    let with_new = opens_whole(&path, Some(new));
    assert!(
        with_old.is_some() != with_new.is_some(),
        "exactly one key opens the store (old: {with_old:?}, new: {with_new:?})"
    );
    let changed = with_new.is_some();
    if changed || old.is_some() {
        assert_eq!(
            files_containing(dir.path(), MARKER),
            Vec::<String>::new(),
            "no plaintext anywhere beside an encrypted store"
        );
    }
    let left: Vec<_> = walk(dir.path())
        .into_iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|name| name.contains("rekeying"))
        .collect();
    assert_eq!(left, Vec::<String>::new(), "opening removed the unfinished copy");
    changed
}

fn run(kind: &str, old: Option<u8>, new: u8) {
    let dir = tempfile::tempdir().unwrap();
    let template = template(dir.path(), old.map(key));
    let mut args = vec![kind.to_string()];
    args.extend(old.map(hex));
    args.push(hex(new));

    // One whole run, to know how long a change takes here.
    let started = Instant::now();
    assert!(kill_and_check(&template, &args, old.map(key), key(new), None));
    let whole = started.elapsed().as_micros() as u64;

    let seed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    let mut rng = Rng(seed);
    let (mut before, mut after) = (0, 0);
    for _ in 0..KILLS {
        let pause = Duration::from_micros(rng.below(whole + whole / 4));
        if kill_and_check(&template, &args, old.map(key), key(new), Some(pause)) {
            after += 1;
        } else {
            before += 1;
        }
    }
    eprintln!(
        "{kind}: {KILLS} kills over a {} ms run (seed {seed}): {before} left the old store, {after} the new one",
        whole / 1000
    );
    assert!(
        before > 0 && after > 0,
        "kills landed on both sides of the change (seed {seed})"
    );
}

#[test]
fn store_encrypt_killed_at_random_moments_leaves_one_whole_store() {
    run("encrypt", None, 0x5a);
}

#[test]
fn store_rekey_killed_at_random_moments_leaves_the_store_under_exactly_one_key() {
    run("rekey", Some(0x11), 0x22);
}

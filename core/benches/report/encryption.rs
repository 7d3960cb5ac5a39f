//! Encryption at rest: the same work on a store encrypted with SQLCipher
//! beside a plaintext store, interleaved in the same run. Targets (issue
//! 11): each ≤ 1.25× the plaintext store; opening ≤ 5 ms more.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

use storyloom::sync::sync_stores;
use storyloom::{MemberRole, ProjectId, Store, StoreKey, StoryQuery};

use crate::measure::{interleaved, median_f64, ms, quick, reps};
use crate::store_scenarios::{Fixture, fixture_at, new_story};
use crate::text::query;
use crate::{Row, Target};

const PLAINTEXT: &str = "plaintext store";
const RATIO: Target = Target::Ratio(1.25);

fn key() -> StoreKey {
    StoreKey::from_bytes(&[0x5c; 32]).expect("32 bytes")
}

fn open(path: &Path, encrypted: bool) -> Store {
    if encrypted {
        Store::open_with_key(path, key()).expect("encrypted store opens")
    } else {
        Store::open(path).expect("store opens")
    }
}

/// A plaintext and an encrypted store with the same storytellers and
/// `stories` stories of `bytes` bytes each.
fn pair(storytellers: usize, stories: usize, bytes: usize) -> [Fixture; 2] {
    [false, true].map(|encrypted| {
        let f = fixture_at(storytellers, true, encrypted.then(key));
        for i in 0..stories {
            let teller = f.storytellers[i % f.storytellers.len()];
            f.store
                .create_story(f.project, &new_story(i as u64, teller, bytes))
                .expect("story");
        }
        f
    })
}

fn row(scenario: &str, size: usize, metric: &str, paired: crate::measure::Paired) -> Row {
    Row::paired(
        scenario,
        size,
        metric,
        (ms(paired.candidate), ms(paired.baseline)),
        PLAINTEXT,
        Some(paired.ratio),
        RATIO,
    )
}

pub fn create_story(_: usize) -> Vec<Row> {
    let [plain, secret] = pair(20, 0, 0);
    let (mut a, mut b) = (0u64, 0u64);
    let paired = interleaved(
        reps(101),
        || {
            a += 1;
            let teller = plain.storytellers[a as usize % 20];
            black_box(
                plain
                    .store
                    .create_story(plain.project, &new_story(a, teller, 3 * 1024))
                    .expect("story"),
            );
        },
        || {
            b += 1;
            let teller = secret.storytellers[b as usize % 20];
            black_box(
                secret
                    .store
                    .create_story(secret.project, &new_story(b, teller, 3 * 1024))
                    .expect("story"),
            );
        },
    );
    vec![row("encrypted_create_story", 0, "p50_ms", paired)]
}

pub fn keystroke(_: usize) -> Vec<Row> {
    let [plain, secret] = pair(1, 0, 0);
    let stories = [&plain, &secret].map(|f| {
        f.store
            .create_story(f.project, &new_story(2, f.storytellers[0], 50 * 1024))
            .expect("story")
    });
    let (mut a, mut b) = (0u64, 0u64);
    let paired = interleaved(
        reps(201),
        || {
            a += 1;
            plain
                .store
                .splice_transcript(stories[0], 20_000 + a, 0, "k")
                .expect("splice");
        },
        || {
            b += 1;
            secret
                .store
                .splice_transcript(stories[1], 20_000 + b, 0, "k")
                .expect("splice");
        },
    );
    vec![row("encrypted_keystroke", 50 * 1024, "p50_ms", paired)]
}

/// Opening and reading the first page of 50 stories; and opening alone,
/// whose extra cost (key check, schema read through the cipher) is the
/// figure with its own target.
pub fn open_and_first_page(size: usize) -> Vec<Row> {
    let fixtures = pair(20, size, 1024);
    let paths: Vec<(PathBuf, ProjectId)> = fixtures
        .iter()
        .map(|f| {
            f.store.close().expect("close");
            (f.store.path().to_path_buf(), f.project)
        })
        .collect();
    let first_page = |(path, project): &(PathBuf, ProjectId), encrypted| {
        let store = open(path, encrypted);
        black_box(store.list_stories(&StoryQuery::new(*project)).expect("list"));
    };
    let paired = interleaved(
        reps(21),
        || first_page(&paths[0], false),
        || first_page(&paths[1], true),
    );
    let opened = interleaved(
        reps(21),
        || drop(black_box(open(&paths[0].0, false))),
        || drop(black_box(open(&paths[1].0, true))),
    );
    let extra = ms(opened.candidate) - ms(opened.baseline);
    vec![
        row("encrypted_open_and_first_page", size, "time_ms", paired),
        Row::paired(
            "encrypted_open",
            size,
            "time_ms",
            (ms(opened.candidate), ms(opened.baseline)),
            PLAINTEXT,
            Some(opened.ratio),
            Target::None,
        ),
        Row::new("encrypted_open", size, "extra_ms", extra, Target::AtMost(5.0)),
    ]
}

pub fn search(size: usize) -> Vec<Row> {
    let [plain, secret] = pair(20, size, 3 * 1024);
    let (mut a, mut b) = (0u64, 0u64);
    let paired = interleaved(
        reps(51),
        || {
            a += 1;
            black_box(plain.store.search(query(a), None, 20).expect("search"));
        },
        || {
            b += 1;
            black_box(secret.store.search(query(b), None, 20).expect("search"));
        },
    );
    vec![row("encrypted_search", size, "p50_ms", paired)]
}

/// A first sync of 1,000 stories to a fresh device of the same kind.
pub fn sync_1000(_: usize) -> Vec<Row> {
    let size = if quick() { 100 } else { 1_000 };
    let senders = pair((size / 20).max(1), size, 3 * 1024);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut times = [Vec::new(), Vec::new()];
    let mut ratios = Vec::new();
    for rep in 0..reps(5) {
        let mut pair_ms = [0.0; 2];
        // Alternate which goes first, as `interleaved` does.
        let order = if rep % 2 == 0 { [0, 1] } else { [1, 0] };
        for side in order {
            let f = &senders[side];
            let receiver = open(&dir.path().join(format!("receiver-{rep}-{side}.storyloom")), side == 1);
            receiver
                .join(
                    &f.store.invite(f.project).expect("invite"),
                    "Ben",
                    MemberRole::Facilitator,
                )
                .expect("join");
            let started = Instant::now();
            black_box(sync_stores(&f.store, &receiver, f.project).expect("sync"));
            pair_ms[side] = ms(started.elapsed());
        }
        ratios.push(pair_ms[1] / pair_ms[0].max(1e-9));
        times[0].push(pair_ms[0]);
        times[1].push(pair_ms[1]);
    }
    let [mut plain, mut secret] = times;
    vec![Row::paired(
        "encrypted_first_sync",
        size,
        "time_ms",
        (median_f64(&mut secret), median_f64(&mut plain)),
        PLAINTEXT,
        Some(median_f64(&mut ratios)),
        RATIO,
    )]
}

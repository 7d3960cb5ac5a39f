//! Sync scenarios: a first sync of many new stories (beside raw Automerge +
//! SQLite persistence of the same documents, and beside samod), the cost of
//! consent records on a sync, a sync of a few changed stories among many,
//! and a sync with nothing new.

use std::time::Instant;

use automerge::AutoCommit;
use automerge::sync::{Message, State, SyncDoc};
use rusqlite::{Connection, params};
use storyloom::sync::sync_stores;
use storyloom::{ConsentMethod, MemberRole, NewConsentGrant, Store, StoryId};

use crate::measure::{median_f64, ms, peak_rss_mb, quick, reps, rss_mb};
use crate::store_scenarios::{Fixture, fixture, new_story, raw_db, share_scopes};
use crate::{Row, Target, samod_baseline};

/// A sender holding `size` stories of 3 KB varied text, one storyteller per
/// 20 stories, each with a project-wide grant to share.
pub(crate) fn sender(size: usize) -> (Fixture, Vec<StoryId>) {
    let f = fixture((size / 20).max(1), true);
    let ids = (0..size)
        .map(|i| {
            let teller = f.storytellers[i % f.storytellers.len()];
            f.store
                .create_story(f.project, &new_story(i as u64, teller, 3 * 1024))
                .expect("story")
        })
        .collect();
    (f, ids)
}

/// A fresh device that joined the sender's project.
pub(crate) fn receiver(f: &Fixture, dir: &tempfile::TempDir, n: usize) -> Store {
    let store = Store::open(dir.path().join(format!("receiver-{n}.storyloom"))).expect("receiver opens");
    store
        .join(
            &f.store.invite(f.project).expect("invite"),
            "Ben",
            MemberRole::Facilitator,
        )
        .expect("join");
    store
}

/// Resets this process's peak-memory mark (Linux), so a peak measured
/// afterwards belongs to what follows.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Raw Automerge + SQLite: the sender encodes each document, the receiver
/// decodes it and stores its bytes, in one transaction — the least any
/// first sync of these documents can do.
fn raw_first_sync(documents: &[Vec<u8>], conn: &mut Connection, round: usize) {
    let tx = conn.transaction().expect("tx");
    for (i, bytes) in documents.iter().enumerate() {
        let mut sent = AutoCommit::load(bytes).expect("load");
        let wire = sent.save();
        let mut received = AutoCommit::load(&wire).expect("load");
        tx.execute(
            "INSERT INTO docs (id, data) VALUES (?1, ?2)",
            params![format!("{round}-{i}"), received.save()],
        )
        .expect("insert");
    }
    tx.commit().expect("commit");
}

pub fn first_sync(size: usize) -> Vec<Row> {
    let (f, ids) = sender(size);
    let documents: Vec<Vec<u8>> = ids
        .iter()
        .map(|id| f.store.export_story_document(*id).expect("export"))
        .collect();
    let reps = if size >= 10_000 || quick() { 1 } else { 3 };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw = raw_db(&dir.path().join("raw.db"));
    let (mut store_ms, mut raw_ms, mut samod_ms, mut ratios) = (vec![], vec![], vec![], vec![]);
    let (mut report, mut rss_over) = (None, 0.0f64);
    for rep in 0..reps {
        let started = Instant::now();
        raw_first_sync(&documents, &mut raw, rep);
        let raw_time = ms(started.elapsed());

        let b = receiver(&f, &dir, rep);
        let before = rss_mb();
        reset_peak();
        let started = Instant::now();
        report = Some(sync_stores(&f.store, &b, f.project).expect("sync"));
        let store_time = ms(started.elapsed());
        rss_over = rss_over.max(peak_rss_mb() - before);
        drop(b);

        if let Some(samod) = samod_baseline::first_sync(&documents) {
            samod_ms.push(ms(samod));
        }
        ratios.push(store_time / raw_time.max(1e-9));
        store_ms.push(store_time);
        raw_ms.push(raw_time);
    }
    let report = report.expect("at least one repetition");
    let store = median_f64(&mut store_ms);
    let mut rows = vec![
        Row::paired(
            "first_sync",
            size,
            "time_ms",
            (store, median_f64(&mut raw_ms)),
            "raw Automerge + SQLite",
            Some(median_f64(&mut ratios)),
            Target::Ratio(1.5),
        ),
        Row::new(
            "first_sync",
            size,
            "round_trips",
            report.round_trips as f64,
            Target::AtMost(4.0),
        ),
        Row::new(
            "first_sync",
            size,
            "bytes",
            (report.bytes_a_to_b + report.bytes_b_to_a) as f64,
            Target::None,
        ),
        Row::new(
            "first_sync",
            size,
            "peak_rss_over_idle_mb_both_stores",
            rss_over,
            Target::AtMost(100.0),
        ),
    ];
    if !samod_ms.is_empty() {
        rows.push(Row::paired(
            "first_sync",
            size,
            "time_ms_vs_samod",
            (store, median_f64(&mut samod_ms)),
            "samod",
            None,
            Target::Ratio(1.0),
        ));
    }
    rows
}

/// The same first sync with one story-scoped consent grant per story,
/// beside a sync where each storyteller has one project-wide grant.
pub fn first_sync_consent_per_story(size: usize) -> Vec<Row> {
    let size = size.min(if quick() { 50 } else { 500 });
    let (plain, _) = sender(size);
    let per_story = fixture((size / 20).max(1), false);
    for i in 0..size {
        let teller = per_story.storytellers[i % per_story.storytellers.len()];
        let story = per_story
            .store
            .create_story(per_story.project, &new_story(i as u64, teller, 3 * 1024))
            .expect("story");
        let grant = NewConsentGrant {
            story: Some(story),
            ..NewConsentGrant::new(teller, share_scopes(), ConsentMethod::Spoken)
        };
        per_story.store.grant_consent(per_story.project, &grant).expect("grant");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut with, mut without, mut ratios) = (vec![], vec![], vec![]);
    for rep in 0..reps(3) {
        let b = receiver(&plain, &dir, 2 * rep);
        let started = Instant::now();
        sync_stores(&plain.store, &b, plain.project).expect("sync");
        let base = ms(started.elapsed());
        let b = receiver(&per_story, &dir, 2 * rep + 1);
        let started = Instant::now();
        sync_stores(&per_story.store, &b, per_story.project).expect("sync");
        let cand = ms(started.elapsed());
        ratios.push(cand / base.max(1e-9));
        with.push(cand);
        without.push(base);
    }
    vec![Row::paired(
        "first_sync_consent_per_story",
        size,
        "time_ms",
        (median_f64(&mut with), median_f64(&mut without)),
        "same sync, one grant per storyteller",
        Some(median_f64(&mut ratios)),
        Target::Ratio(1.2),
    )]
}

/// Raw Automerge syncing only the documents that changed (it is told which:
/// an oracle), with fresh sync states, the receiver storing what arrived.
/// Returns bytes on the wire.
fn raw_changed_sync(pairs: &mut [(AutoCommit, AutoCommit)], conn: &mut Connection, round: usize) -> u64 {
    let mut bytes = 0u64;
    let tx = conn.transaction().expect("tx");
    for (i, (a, b)) in pairs.iter_mut().enumerate() {
        let (mut sa, mut sb) = (State::new(), State::new());
        loop {
            let mut progressed = false;
            if let Some(m) = a.sync().generate_sync_message(&mut sa) {
                let m = m.encode();
                bytes += m.len() as u64;
                b.sync()
                    .receive_sync_message(&mut sb, Message::decode(&m).expect("decode"))
                    .expect("receive");
                progressed = true;
            }
            if let Some(m) = b.sync().generate_sync_message(&mut sb) {
                let m = m.encode();
                bytes += m.len() as u64;
                a.sync()
                    .receive_sync_message(&mut sa, Message::decode(&m).expect("decode"))
                    .expect("receive");
                progressed = true;
            }
            if !progressed {
                break;
            }
        }
        tx.execute(
            "INSERT INTO chunks (id, seq, data) VALUES (?1, ?2, ?3)",
            params![format!("{round}-{i}"), 0, b.save_incremental()],
        )
        .expect("insert");
    }
    tx.commit().expect("commit");
    bytes
}

/// 100 stories changed of `size` (a tenth for small stores), then a sync
/// with nothing new.
pub fn changed_and_nothing_new(size: usize) -> Vec<Row> {
    let (f, ids) = sender(size);
    let dir = tempfile::tempdir().expect("temp dir");
    let b = receiver(&f, &dir, 0);
    sync_stores(&f.store, &b, f.project).expect("first sync");
    let changed = 100.min((size / 10).max(1));
    let mut raw = raw_db(&dir.path().join("raw.db"));
    let (mut store_ms, mut raw_ms, mut ratios, mut store_bytes, mut raw_bytes) = (vec![], vec![], vec![], 0, 0);
    for rep in 0..reps(3) {
        let batch: Vec<StoryId> = ids.iter().cycle().skip(rep * changed).take(changed).copied().collect();
        let mut pairs: Vec<(AutoCommit, AutoCommit)> = batch
            .iter()
            .map(|id| {
                f.store.splice_transcript(*id, 0, 0, "Edited: ").expect("edit");
                (
                    AutoCommit::load(&f.store.export_story_document(*id).expect("export")).expect("load"),
                    AutoCommit::load(&b.export_story_document(*id).expect("export")).expect("load"),
                )
            })
            .collect();
        let started = Instant::now();
        raw_bytes = raw_changed_sync(&mut pairs, &mut raw, rep);
        let raw_time = ms(started.elapsed());
        let started = Instant::now();
        let report = sync_stores(&f.store, &b, f.project).expect("sync");
        let store_time = ms(started.elapsed());
        store_bytes = report.bytes_a_to_b + report.bytes_b_to_a;
        ratios.push(store_time / raw_time.max(1e-9));
        store_ms.push(store_time);
        raw_ms.push(raw_time);
    }
    let quiet = sync_stores(&f.store, &b, f.project).expect("sync");
    vec![
        Row::paired(
            "sync_changed",
            size,
            "time_ms",
            (median_f64(&mut store_ms), median_f64(&mut raw_ms)),
            "raw Automerge, changed documents only",
            Some(median_f64(&mut ratios)),
            Target::Ratio(2.0),
        ),
        Row::paired(
            "sync_changed",
            size,
            "bytes",
            (store_bytes as f64, raw_bytes as f64),
            "raw Automerge, changed documents only",
            None,
            Target::Ratio(1.5),
        ),
        Row::new(
            "sync_nothing_new",
            size,
            "bytes",
            (quiet.bytes_a_to_b + quiet.bytes_b_to_a) as f64,
            Target::AtMost(10_240.0),
        ),
        Row::new(
            "sync_nothing_new",
            size,
            "round_trips",
            quiet.round_trips as f64,
            Target::AtMost(2.0),
        ),
    ]
}

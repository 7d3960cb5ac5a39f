//! Store benchmarks, side by side with raw Automerge and raw rusqlite doing
//! the same work in the same run.
//!
//! Run: `cargo bench -p storyloom --bench store` (add `-- --quick` for a
//! shorter run). Prints medians; no assertion, no timing-based failure.

use std::hint::black_box;
use std::time::{Duration, Instant};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT};
use rusqlite::{Connection, params};
use storyloom::{MemberRole, NewStory, Store, StoryQuery};

fn transcript_3kb() -> String {
    let sentence = "We waited at the stop for an hour and the bus never came, so we walked. ";
    sentence.repeat(3 * 1024 / sentence.len() + 1)[..3 * 1024].to_owned()
}

/// Median of `runs` timings of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn raw_connection(path: &std::path::Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.execute_batch("CREATE TABLE docs (id TEXT PRIMARY KEY, data BLOB NOT NULL)")
        .unwrap();
    conn
}

fn create_story_bench(runs: usize) {
    let transcript = transcript_3kb();
    let dir = tempfile::tempdir().unwrap();

    // Raw: build the same Automerge document and insert its bytes.
    let mut raw = raw_connection(&dir.path().join("raw.db"));
    let mut n = 0;
    let raw_time = median(runs, || {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "title", "The bus that never came").unwrap();
        doc.put(ROOT, "status", "draft").unwrap();
        let text = doc.put_object(ROOT, "transcript", ObjType::Text).unwrap();
        doc.splice_text(&text, 0, 0, &transcript).unwrap();
        let bytes = doc.save();
        let tx = raw.transaction().unwrap();
        tx.execute(
            "INSERT INTO docs (id, data) VALUES (?1, ?2)",
            params![n.to_string(), bytes],
        )
        .unwrap();
        tx.commit().unwrap();
        n += 1;
    });

    let store = Store::open(dir.path().join("store.storyloom")).unwrap();
    let (project, _) = store.create_project("Bench", "Bencher", MemberRole::Reporter).unwrap();
    let store_time = median(runs, || {
        black_box(
            store
                .create_story(
                    project,
                    &NewStory {
                        title: "The bus that never came".into(),
                        transcript: transcript.clone(),
                        ..Default::default()
                    },
                )
                .unwrap(),
        );
    });
    println!(
        "create story, 3 KB transcript: storyloom {:>8.3} ms | raw automerge+rusqlite {:>8.3} ms | ratio {:.2}",
        ms(store_time),
        ms(raw_time),
        store_time.as_secs_f64() / raw_time.as_secs_f64()
    );
}

fn keystroke_bench(runs: usize) {
    let transcript = transcript_3kb();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("store.storyloom")).unwrap();
    let (project, _) = store.create_project("Bench", "Bencher", MemberRole::Reporter).unwrap();
    let story = store
        .create_story(
            project,
            &NewStory {
                title: "Typing".into(),
                transcript,
                ..Default::default()
            },
        )
        .unwrap();
    let mut at = 0;
    let time = median(runs, || {
        store.splice_transcript(story, at, 0, "x").unwrap();
        at += 1;
    });
    println!(
        "one keystroke (splice, save, re-index) into a 3 KB transcript: {:>8.3} ms",
        ms(time)
    );
}

fn open_and_list_bench(sizes: &[usize]) {
    for &size in sizes {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.storyloom");
        {
            let store = Store::open(&path).unwrap();
            let (project, _) = store.create_project("Bench", "Bencher", MemberRole::Reporter).unwrap();
            for i in 0..size {
                store
                    .create_story(
                        project,
                        &NewStory {
                            title: format!("Story {i}"),
                            transcript: "short".into(),
                            tags: vec![format!("tag{}", i % 10)],
                            ..Default::default()
                        },
                    )
                    .unwrap();
            }
        }
        let project = Store::open(&path).unwrap().projects().unwrap()[0].id;
        let time = median(15, || {
            let store = Store::open(&path).unwrap();
            let page = store
                .list_stories(&StoryQuery {
                    limit: 50,
                    ..StoryQuery::new(project)
                })
                .unwrap();
            black_box(page.stories.len());
        });
        let filtered = {
            let store = Store::open(&path).unwrap();
            median(15, || {
                let page = store
                    .list_stories(&StoryQuery {
                        tag: Some("tag3".into()),
                        limit: 50,
                        ..StoryQuery::new(project)
                    })
                    .unwrap();
                black_box(page.stories.len());
            })
        };
        println!(
            "open + list first page of 50 with {size:>6} stories: {:>8.3} ms | first page filtered by tag: {:>8.3} ms",
            ms(time),
            ms(filtered)
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    println!(
        "storyloom store benchmark ({} cores)",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    create_story_bench(if quick { 30 } else { 200 });
    keystroke_bench(if quick { 30 } else { 300 });
    open_and_list_bench(if quick { &[100, 1_000] } else { &[100, 1_000, 10_000] });
}

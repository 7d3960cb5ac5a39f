//! Store scenarios: creating stories with consent, the consent ledger as it
//! grows, transcript editing, large transcripts and search — each beside
//! raw Automerge + rusqlite doing the same durable work.

use std::hint::black_box;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc};
use rusqlite::{Connection, params};
use storyloom::{
    ConsentMethod, ConsentScope, MemberRole, NewConsentGrant, NewParticipant, NewStory, ParticipantId, ProjectId,
    Store, StoryId, StoryQuery,
};

use crate::measure::{interleaved, ms, peak_rss_mb, percentiles, quick, reps, rss_mb};
use crate::text::{query, title, transcript};
use crate::{Row, Target};

/// A raw baseline database: WAL and `synchronous=FULL`, as the store uses,
/// so both sides pay for durability.
pub fn raw_db(path: &std::path::Path) -> Connection {
    let conn = Connection::open(path).expect("raw database opens");
    conn.pragma_update(None, "journal_mode", "WAL").expect("WAL");
    conn.pragma_update(None, "synchronous", "FULL").expect("FULL");
    conn.execute_batch(
        "CREATE TABLE docs (id TEXT PRIMARY KEY, data BLOB NOT NULL);
         CREATE TABLE chunks (id TEXT NOT NULL, seq INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (id, seq));",
    )
    .expect("raw schema");
    conn
}

/// A store with one project and `storytellers` participants, each with a
/// project-wide consent grant to record and share.
pub struct Fixture {
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub project: ProjectId,
    pub storytellers: Vec<ParticipantId>,
}

pub fn fixture(storytellers: usize, grants: bool) -> Fixture {
    fixture_at(storytellers, grants, None)
}

/// A fixture whose store is encrypted with `key`, if one is given.
pub fn fixture_at(storytellers: usize, grants: bool, key: Option<storyloom::StoreKey>) -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("bench.storyloom");
    let store = match key {
        Some(key) => Store::open_with_key(path, key),
        None => Store::open(path),
    }
    .expect("store opens");
    let (project, _) = store
        .create_project("Bench", "Asha", MemberRole::Reporter)
        .expect("project");
    let storytellers = (0..storytellers)
        .map(|i| {
            let teller = store
                .add_participant(
                    project,
                    &NewParticipant {
                        display_name: format!("Storyteller {i}"),
                        ..Default::default()
                    },
                )
                .expect("participant");
            if grants {
                store
                    .grant_consent(
                        project,
                        &NewConsentGrant::new(teller, share_scopes(), ConsentMethod::Spoken),
                    )
                    .expect("grant");
            }
            teller
        })
        .collect();
    Fixture {
        _dir: dir,
        store,
        project,
        storytellers,
    }
}

pub fn share_scopes() -> Vec<ConsentScope> {
    vec![ConsentScope::Record, ConsentScope::ShareInProject]
}

pub fn new_story(seed: u64, teller: ParticipantId, bytes: usize) -> NewStory {
    NewStory {
        title: title(seed),
        storytellers: vec![teller],
        transcript: transcript(seed, bytes),
        tags: vec!["transport".into()],
        ..Default::default()
    }
}

/// A story-scoped grant, as a reporter records after each interview.
fn story_grant(teller: ParticipantId, story: StoryId) -> NewConsentGrant {
    NewConsentGrant {
        story: Some(story),
        ..NewConsentGrant::new(teller, share_scopes(), ConsentMethod::Written)
    }
}

/// The raw equivalent of a story document, built and saved.
fn raw_story(seed: u64, bytes: usize) -> AutoCommit {
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "title", title(seed)).expect("put");
    doc.put(ROOT, "status", "draft").expect("put");
    let tellers = doc.put_object(ROOT, "storytellers", ObjType::List).expect("list");
    doc.insert(&tellers, 0, "teller").expect("insert");
    let tags = doc.put_object(ROOT, "tags", ObjType::Map).expect("map");
    doc.put(&tags, "transport", true).expect("put");
    let text = doc.put_object(ROOT, "transcript", ObjType::Text).expect("text");
    doc.splice_text(&text, 0, 0, &transcript(seed, bytes)).expect("splice");
    doc
}

/// The raw equivalent of appending a consent grant to a project's ledger.
fn raw_grant(project: &mut AutoCommit, ledger: &ObjId, n: usize) {
    let at = project.length(ledger);
    let grant = project.insert_object(ledger, at, ObjType::Map).expect("grant");
    project.put(&grant, "id", format!("grant-{n}")).expect("put");
    project.put(&grant, "storyteller", "teller").expect("put");
    project.put(&grant, "story", format!("story-{n}")).expect("put");
    let scopes = project.put_object(&grant, "scopes", ObjType::List).expect("scopes");
    project.insert(&scopes, 0, "record").expect("scope");
    project.insert(&scopes, 1, "share-in-project").expect("scope");
    project.put(&grant, "method", "written-signature").expect("put");
    project.put(&grant, "given_at", 1_700_000_000_000i64).expect("put");
}

fn raw_append(conn: &mut Connection, id: &str, seq: &mut i64, bytes: Vec<u8>) {
    let tx = conn.transaction().expect("tx");
    tx.execute(
        "INSERT INTO chunks (id, seq, data) VALUES (?1, ?2, ?3)",
        params![id, *seq, bytes],
    )
    .expect("chunk");
    tx.commit().expect("commit");
    *seq += 1;
}

/// Create a story with a 3 KB transcript and record its story-scoped
/// consent grant — what a reporter does after every interview — with the
/// ledger already holding 200 records.
pub fn create_story_with_consent(_: usize) -> Vec<Row> {
    let pairs = reps(30);
    let ledger_size = if quick() { 40 } else { 200 };
    let f = fixture(20, false);
    for i in 0..ledger_size {
        let teller = f.storytellers[i % f.storytellers.len()];
        let story = f
            .store
            .create_story(f.project, &new_story(i as u64, teller, 300))
            .expect("story");
        f.store
            .grant_consent(f.project, &story_grant(teller, story))
            .expect("grant");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw = raw_db(&dir.path().join("raw.db"));
    let mut project = AutoCommit::new();
    let ledger = project.put_object(ROOT, "ledger", ObjType::List).expect("ledger");
    for n in 0..ledger_size {
        raw_grant(&mut project, &ledger, n);
    }
    project.save();
    let (mut n, mut seq) = (0usize, 0i64);
    let mut m = 0usize;
    let paired = interleaved(
        pairs,
        || {
            n += 1;
            let mut doc = raw_story(n as u64, 3 * 1024);
            raw.execute(
                "INSERT INTO docs (id, data) VALUES (?1, ?2)",
                params![format!("s{n}"), doc.save()],
            )
            .expect("insert");
            raw_grant(&mut project, &ledger, ledger_size + n);
            let chunk = project.save_incremental();
            raw_append(&mut raw, "project", &mut seq, chunk);
        },
        || {
            m += 1;
            let teller = f.storytellers[m % f.storytellers.len()];
            let story = f
                .store
                .create_story(f.project, &new_story(10_000 + m as u64, teller, 3 * 1024))
                .expect("story");
            f.store
                .grant_consent(f.project, &story_grant(teller, story))
                .expect("grant");
        },
    );
    vec![Row::paired(
        "create_story_with_consent",
        ledger_size,
        "time_ms",
        (ms(paired.candidate), ms(paired.baseline)),
        "raw Automerge + rusqlite",
        Some(paired.ratio),
        Target::Ratio(1.5),
    )]
}

/// A consent grant when the ledger already holds 600 records, beside the
/// first grant of a fresh project.
pub fn consent_grant_large_ledger(_: usize) -> Vec<Row> {
    let records = if quick() { 100 } else { 600 };
    let first: Vec<f64> = (0..reps(5))
        .map(|_| {
            let f = fixture(1, false);
            let started = std::time::Instant::now();
            f.store
                .grant_consent(
                    f.project,
                    &NewConsentGrant::new(f.storytellers[0], share_scopes(), ConsentMethod::Spoken),
                )
                .expect("grant");
            ms(started.elapsed())
        })
        .collect();
    let f = fixture(60, false);
    for i in 0..records {
        let teller = f.storytellers[i % f.storytellers.len()];
        f.store
            .grant_consent(
                f.project,
                &NewConsentGrant::new(teller, share_scopes(), ConsentMethod::Spoken),
            )
            .expect("grant");
    }
    let (large, _) = percentiles(reps(9), || {
        f.store
            .grant_consent(
                f.project,
                &NewConsentGrant::new(f.storytellers[0], share_scopes(), ConsentMethod::Spoken),
            )
            .expect("grant");
    });
    let mut first = first;
    first.sort_by(f64::total_cmp);
    vec![Row::paired(
        "consent_grant_large_ledger",
        records,
        "time_ms",
        (ms(large), first[first.len() / 2]),
        "first grant",
        None,
        Target::Ratio(1.5),
    )]
}

/// 100 transcript splices, each durable, in a 3 KB transcript.
pub fn transcript_splices(_: usize) -> Vec<Row> {
    const SPLICES: usize = 100;
    let f = fixture(1, true);
    let story = f
        .store
        .create_story(f.project, &new_story(1, f.storytellers[0], 3 * 1024))
        .expect("story");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw = raw_db(&dir.path().join("raw.db"));
    let mut doc = raw_story(1, 3 * 1024);
    let text = doc.get(ROOT, "transcript").expect("get").expect("transcript").1;
    doc.save();
    let mut seq = 0i64;
    let paired = interleaved(
        reps(9),
        || {
            for i in 0..SPLICES {
                doc.splice_text(&text, 100 + i, 0, "x").expect("splice");
                let chunk = doc.save_incremental();
                raw_append(&mut raw, "story", &mut seq, chunk);
            }
        },
        || {
            for i in 0..SPLICES {
                f.store
                    .splice_transcript(story, 100 + i as u64, 0, "x")
                    .expect("splice");
            }
        },
    );
    vec![Row::paired(
        "transcript_splices",
        SPLICES,
        "time_ms",
        (ms(paired.candidate), ms(paired.baseline)),
        "raw Automerge + rusqlite",
        Some(paired.ratio),
        Target::Ratio(1.5),
    )]
}

/// One keystroke in a 200 KB transcript (a long interview), beside the raw
/// keystroke on the same text, and beside a keystroke in a 3 KB one (flat
/// in transcript length).
pub fn keystroke_long_transcript(_: usize) -> Vec<Row> {
    let f = fixture(1, true);
    let long = f
        .store
        .create_story(f.project, &new_story(2, f.storytellers[0], 200 * 1024))
        .expect("story");
    let short = f
        .store
        .create_story(f.project, &new_story(3, f.storytellers[0], 3 * 1024))
        .expect("story");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut raw = raw_db(&dir.path().join("raw.db"));
    let mut doc = raw_story(2, 200 * 1024);
    let text = doc.get(ROOT, "transcript").expect("get").expect("transcript").1;
    doc.save();
    let (mut seq, mut i, mut j) = (0i64, 0usize, 0u64);
    let paired = interleaved(
        reps(41),
        || {
            i += 1;
            doc.splice_text(&text, 50_000 + i, 0, "k").expect("splice");
            let chunk = doc.save_incremental();
            raw_append(&mut raw, "story", &mut seq, chunk);
        },
        || {
            j += 1;
            f.store.splice_transcript(long, 50_000 + j, 0, "k").expect("splice");
        },
    );
    let mut k = 0;
    let (short_p50, _) = percentiles(reps(41), || {
        k += 1;
        f.store.splice_transcript(short, 1_000 + k, 0, "k").expect("splice");
    });
    vec![
        Row::new(
            "keystroke_long_transcript",
            200 * 1024,
            "p50_ms",
            ms(paired.candidate),
            Target::AtMost(5.0),
        ),
        Row::paired(
            "keystroke_long_transcript",
            200 * 1024,
            "p50_ms_vs_raw",
            (ms(paired.candidate), ms(paired.baseline)),
            "raw Automerge + rusqlite",
            Some(paired.ratio),
            Target::None,
        ),
        Row::paired(
            "keystroke_long_transcript",
            200 * 1024,
            "p50_ms_vs_3kb",
            (ms(paired.candidate), ms(short_p50)),
            "keystroke in a 3 KB transcript",
            None,
            Target::Ratio(1.5),
        ),
    ]
}

/// Peak memory while adding a 4 MiB transcript, above an idle open store.
pub fn add_large_transcript(_: usize) -> Vec<Row> {
    let f = fixture(1, true);
    // The quick run adds 1 MiB: enough to see the memory grow with it.
    let bytes = if quick() { 1024 * 1024 } else { 4 * 1024 * 1024 };
    let story = new_story(4, f.storytellers[0], bytes);
    let idle = rss_mb();
    black_box(f.store.create_story(f.project, &story).expect("story"));
    vec![Row::new(
        "add_4mib_transcript",
        bytes,
        "peak_rss_over_idle_mb",
        peak_rss_mb() - idle,
        Target::AtMost(150.0),
    )]
}

/// Full-text search over `size` stories of 3 KB varied text, beside a raw
/// FTS5 table holding the same text.
pub fn search(size: usize) -> Vec<Row> {
    let f = fixture(20, true);
    let dir = tempfile::tempdir().expect("temp dir");
    let raw = Connection::open(dir.path().join("raw-fts.db")).expect("raw");
    raw.execute_batch("CREATE VIRTUAL TABLE t USING fts5(title, transcript)")
        .expect("fts");
    for i in 0..size {
        let teller = f.storytellers[i % f.storytellers.len()];
        let story = new_story(i as u64, teller, 3 * 1024);
        raw.execute(
            "INSERT INTO t (title, transcript) VALUES (?1, ?2)",
            params![story.title, story.transcript],
        )
        .expect("raw insert");
        f.store.create_story(f.project, &story).expect("story");
    }
    let (mut q, mut r) = (0u64, 0u64);
    let paired = interleaved(
        reps(51),
        || {
            r += 1;
            let mut stmt = raw
                .prepare_cached(
                    "SELECT rowid, snippet(t, 1, '[', ']', '…', 8) FROM t WHERE t MATCH ?1 ORDER BY rank LIMIT 20",
                )
                .expect("prepare");
            let hits: Vec<i64> = stmt
                .query_map([format!("\"{}\"", query(r))], |row| row.get(0))
                .expect("query")
                .map(|h| h.expect("row"))
                .collect();
            black_box(hits);
        },
        || {
            q += 1;
            black_box(f.store.search(query(q), None, 20).expect("search"));
        },
    );
    vec![
        Row::new("search", size, "p50_ms", ms(paired.candidate), Target::AtMost(5.0)),
        Row::paired(
            "search",
            size,
            "p50_ms_vs_raw_fts5",
            (ms(paired.candidate), ms(paired.baseline)),
            "raw FTS5",
            Some(paired.ratio),
            Target::None,
        ),
    ]
}

/// Opening the store and reading the first page of 50 stories, with `size`
/// stories held, beside raw rusqlite opening a database and reading 50 rows
/// of the same titles.
pub fn open_and_list(size: usize) -> Vec<Row> {
    let f = fixture(20, true);
    let dir = tempfile::tempdir().expect("temp dir");
    let raw_path = dir.path().join("raw-list.db");
    {
        let raw = raw_db(&raw_path);
        raw.execute_batch("CREATE TABLE stories (id INTEGER PRIMARY KEY, title TEXT, updated INTEGER)")
            .expect("raw table");
        for i in 0..size {
            let teller = f.storytellers[i % f.storytellers.len()];
            let story = new_story(i as u64, teller, 1024);
            raw.execute(
                "INSERT INTO stories (title, updated) VALUES (?1, ?2)",
                params![story.title, i as i64],
            )
            .expect("raw insert");
            f.store.create_story(f.project, &story).expect("story");
        }
        raw.execute_batch("CREATE INDEX stories_updated ON stories (updated)")
            .expect("index");
    }
    let path = f.store.path().to_path_buf();
    let project = f.project;
    f.store.close().expect("close");
    let paired = interleaved(
        reps(15),
        || {
            let raw = Connection::open(&raw_path).expect("raw opens");
            let mut stmt = raw
                .prepare("SELECT id, title FROM stories ORDER BY updated DESC LIMIT 50")
                .expect("prepare");
            let rows: Vec<(i64, String)> = stmt
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .expect("query")
                .map(|r| r.expect("row"))
                .collect();
            black_box(rows);
        },
        || {
            let store = Store::open(&path).expect("store opens");
            black_box(store.list_stories(&StoryQuery::new(project)).expect("list"));
        },
    );
    vec![Row::paired(
        "open_and_first_page",
        size,
        "time_ms",
        (ms(paired.candidate), ms(paired.baseline)),
        "raw rusqlite open + 50 rows",
        Some(paired.ratio),
        Target::None,
    )]
}

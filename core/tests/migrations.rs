//! Stores written by earlier versions open, upgrade to the current schema
//! and keep their data; the upgraded schema is the same as a new store's.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjType, ROOT, ScalarValue};
use rusqlite::{Connection, params};
use storyloom::{ConsentMethod, ConsentScope, MemberId, NewConsentGrant, NewParticipant, ProjectId, Store};

const V1_SCHEMA: &str = include_str!("fixtures/schema_v1.sql");
const V2_SCHEMA: &str = include_str!("fixtures/schema_v2.sql");
const V3_SCHEMA: &str = include_str!("fixtures/schema_v3.sql");
const V4_SCHEMA: &str = include_str!("fixtures/schema_v4.sql");
const V5_SCHEMA: &str = include_str!("fixtures/schema_v5.sql");
const V6_SCHEMA: &str = include_str!("fixtures/schema_v6.sql");
const V7_SCHEMA: &str = include_str!("fixtures/schema_v7.sql");
const CURRENT_VERSION: i64 = 8;

/// The structure of a database: every table's columns (name, type, not
/// null, default, key) and every index's columns, by name. Compared
/// structurally because SQLite keeps the text of `ALTER TABLE` differently
/// from a `CREATE TABLE` with the same columns.
fn schema(path: &std::path::Path) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let names: Vec<(String, String)> = conn
        .prepare("SELECT type, name FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut shape = Vec::new();
    for (kind, name) in names {
        let pragma = if kind == "index" { "index_xinfo" } else { "table_xinfo" };
        let columns: Vec<String> = conn
            .prepare(&format!("SELECT * FROM pragma_{pragma}('{name}')"))
            .unwrap()
            .query_map([], |row| {
                let count = row.as_ref().column_count();
                Ok((0..count)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        shape.push(format!("{kind} {name}: {}", columns.join("; ")));
    }
    shape
}

/// A project document as version 1 wrote it: no consent ledger, no tombstones.
fn v1_project(project: ProjectId, member: MemberId) -> Vec<u8> {
    let mut doc = AutoCommit::new();
    let now = ScalarValue::Timestamp(1_790_000_000_000);
    doc.put(ROOT, "type", "project").unwrap();
    doc.put(ROOT, "schema", 1).unwrap();
    doc.put(ROOT, "id", project.to_string()).unwrap();
    doc.put(ROOT, "project_id", project.to_string()).unwrap();
    doc.put(ROOT, "created_at", now.clone()).unwrap();
    doc.put(ROOT, "name", "Old project").unwrap();
    let members = doc.put_object(ROOT, "members", ObjType::Map).unwrap();
    let asha = doc.put_object(&members, member.to_string(), ObjType::Map).unwrap();
    doc.put(&asha, "display_name", "Asha").unwrap();
    doc.put(&asha, "role", "reporter").unwrap();
    doc.put(&asha, "joined_at", now).unwrap();
    doc.put_object(ROOT, "themes", ObjType::Map).unwrap();
    doc.save()
}

/// A store of an earlier schema version holding one project (created by
/// `creator`), where this device writes as `local`.
fn old_store(
    path: &std::path::Path,
    schema: &str,
    version: i64,
    project: ProjectId,
    creator: MemberId,
    local: MemberId,
) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(schema).unwrap();
    conn.pragma_update(None, "application_id", 0x534c_4f4d).unwrap();
    conn.pragma_update(None, "user_version", version).unwrap();
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('device_id', ?1)",
        [storyloom::DeviceId::new().to_string()],
    )
    .unwrap();
    let bytes = v1_project(project, creator);
    conn.execute(
        "INSERT INTO documents (doc_id, kind, project_id, snapshot_bytes, incremental_bytes, updated_at)
         VALUES (?1, 'project', ?1, ?2, 0, 0)",
        params![project.to_string(), bytes.len() as i64],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO document_chunks (doc_id, seq, data) VALUES (?1, 0, ?2)",
        params![project.to_string(), bytes],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO projects (project_id, name, created_at) VALUES (?1, 'Old project', 0)",
        [project.to_string()],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO local_members (project_id, member_id) VALUES (?1, ?2)",
        [project.to_string(), local.to_string()],
    )
    .unwrap();
}

fn v1_store(path: &std::path::Path) -> (ProjectId, MemberId) {
    let (project, member) = (ProjectId::new(), MemberId::new());
    old_store(path, V1_SCHEMA, 1, project, member, member);
    (project, member)
}

#[test]
fn stores_of_every_earlier_version_upgrade_to_the_schema_of_a_new_store() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.storyloom");
    Store::open(&fresh).unwrap().close().unwrap();
    for (version, sql) in [
        (1, V1_SCHEMA),
        (2, V2_SCHEMA),
        (3, V3_SCHEMA),
        (4, V4_SCHEMA),
        (5, V5_SCHEMA),
        (6, V6_SCHEMA),
        (7, V7_SCHEMA),
    ] {
        let old = dir.path().join(format!("v{version}.storyloom"));
        let (project, member) = (ProjectId::new(), MemberId::new());
        old_store(&old, sql, version, project, member, member);
        let store = Store::open(&old).unwrap();
        assert_eq!(
            store.project(project).unwrap().name,
            "Old project",
            "data survives from v{version}"
        );
        store.close().unwrap();

        assert_eq!(schema(&old), schema(&fresh), "v{version} upgraded");
        let upgraded: i64 = Connection::open(&old)
            .unwrap()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(upgraded, CURRENT_VERSION);
    }
}

#[test]
fn a_version_1_project_keeps_working_and_gains_a_consent_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.storyloom");
    let (project, member) = v1_store(&path);
    let store = Store::open(&path).unwrap();
    let read = store.project(project).unwrap();
    assert_eq!(read.name, "Old project");
    assert_eq!(read.local_member, Some(member));

    let amira = store
        .add_participant(
            project,
            &NewParticipant {
                display_name: "Amira".into(),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(store.consent_records(project, None).unwrap().is_empty());
    store
        .grant_consent(
            project,
            &NewConsentGrant::new(amira, vec![ConsentScope::Research], ConsentMethod::Spoken),
        )
        .unwrap();
    store.close().unwrap();

    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.effective_consent(amira, None).unwrap().scopes,
        vec![ConsentScope::Research]
    );
    assert_eq!(store.consent_records(project, Some(amira)).unwrap().len(), 1);
}

#[test]
fn two_devices_that_upgrade_the_same_old_project_keep_every_consent_record() {
    let dir = tempfile::tempdir().unwrap();
    let (project, asha) = v1_store(&dir.path().join("a.storyloom"));
    old_store(
        &dir.path().join("b.storyloom"),
        V1_SCHEMA,
        1,
        project,
        asha,
        MemberId::new(),
    );
    let a = Store::open(dir.path().join("a.storyloom")).unwrap();
    let b = Store::open(dir.path().join("b.storyloom")).unwrap();
    let amira = a
        .add_participant(
            project,
            &NewParticipant {
                display_name: "Amira".into(),
                ..Default::default()
            },
        )
        .unwrap();
    b.import_document(&a.export_participant_document(amira).unwrap())
        .unwrap();

    // Each creates the ledger map on its own, concurrently.
    a.grant_consent(
        project,
        &NewConsentGrant::new(amira, vec![ConsentScope::Research], ConsentMethod::Spoken),
    )
    .unwrap();
    b.grant_consent(
        project,
        &NewConsentGrant::new(amira, vec![ConsentScope::Archive], ConsentMethod::Written),
    )
    .unwrap();
    a.import_document(&b.export_project_document(project).unwrap()).unwrap();

    assert_eq!(
        a.consent_records(project, Some(amira)).unwrap().len(),
        2,
        "neither record is hidden by the conflict"
    );
    assert_eq!(
        a.effective_consent(amira, None).unwrap().scopes,
        vec![ConsentScope::Research, ConsentScope::Archive]
    );
}

#[test]
fn a_project_held_before_device_keys_enrols_this_device_when_it_first_syncs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v5.storyloom");
    let (project, member) = (ProjectId::new(), MemberId::new());
    old_store(&path, V5_SCHEMA, 5, project, member, member);
    let store = Store::open(&path).unwrap();
    assert!(store.enrolled_devices(project).unwrap().is_empty());
    store.export_bundle(project, None).unwrap();
    assert_eq!(
        store.enrolled_devices(project).unwrap(),
        vec![storyloom::EnrolledDevice {
            device: store.device_id(),
            member,
        }]
    );
}

-- Version 1 -> 2: the consent ledger and erasure tombstones, indexed.
-- Both are derived from project documents; v1 projects had no ledger, so
-- there is nothing to backfill.

-- Every consent grant and withdrawal, as JSON, by storyteller.
CREATE TABLE consent_ledger (
    record_id      TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    story_id       TEXT,
    at             INTEGER NOT NULL,
    record         TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX consent_ledger_by_participant ON consent_ledger (participant_id, at);

-- Documents erased at a storyteller's request: never recreated, never
-- accepted from a peer. Ids and times only.
CREATE TABLE tombstones (
    doc_id     TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    erased_at  INTEGER NOT NULL,
    withdrawal TEXT NOT NULL
) WITHOUT ROWID;

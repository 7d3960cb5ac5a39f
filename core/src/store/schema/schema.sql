-- The current schema of a Storyloom store, for a new store.
-- Older stores are brought here by the migrations in `migrations/`.
-- The documents are the truth; every other table is an index derived from
-- them, written in the same transaction as the document bytes.

-- Facts about this store: its device id.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One Automerge document per project, story and participant.
CREATE TABLE documents (
    doc_id            TEXT PRIMARY KEY,
    kind              TEXT NOT NULL CHECK (kind IN ('project', 'story', 'participant')),
    project_id        TEXT NOT NULL,
    -- Bytes held as a snapshot, and as incremental chunks after it: when the
    -- chunks outgrow the snapshot the document is compacted.
    snapshot_bytes    INTEGER NOT NULL DEFAULT 0,
    incremental_bytes INTEGER NOT NULL DEFAULT 0,
    updated_at        INTEGER NOT NULL,
    -- The document's heads (hashes of its latest changes), so a sync
    -- catalog never has to load a document.
    heads             BLOB
) WITHOUT ROWID;
CREATE INDEX documents_by_project ON documents (project_id, kind);

-- A document is the concatenation of its chunks in order.
CREATE TABLE document_chunks (
    doc_id TEXT NOT NULL REFERENCES documents (doc_id) ON DELETE CASCADE,
    seq    INTEGER NOT NULL,
    data   BLOB NOT NULL,
    PRIMARY KEY (doc_id, seq)
) WITHOUT ROWID;

-- The member this device writes as, per project.
CREATE TABLE local_members (
    project_id TEXT PRIMARY KEY,
    member_id  TEXT NOT NULL
) WITHOUT ROWID;

-- Index: projects.
CREATE TABLE projects (
    project_id TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Index: stories. `story_key` is also the rowid of the story's search row.
CREATE TABLE stories (
    story_key       INTEGER PRIMARY KEY,
    story_id        TEXT NOT NULL UNIQUE,
    project_id      TEXT NOT NULL,
    title           TEXT NOT NULL,
    status          TEXT NOT NULL,
    language        TEXT,
    recorded_at     INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    highlight_count INTEGER NOT NULL
);
CREATE INDEX stories_by_created  ON stories (project_id, created_at DESC, story_id);
CREATE INDEX stories_by_updated  ON stories (project_id, updated_at DESC, story_id);
CREATE INDEX stories_by_recorded ON stories (project_id, recorded_at DESC, story_id);
CREATE INDEX stories_by_title    ON stories (project_id, title COLLATE NOCASE, story_id);
CREATE INDEX stories_by_status   ON stories (project_id, status, created_at DESC);

CREATE TABLE story_tags (
    story_key INTEGER NOT NULL REFERENCES stories (story_key) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (story_key, tag)
) WITHOUT ROWID;
CREATE INDEX story_tags_by_tag ON story_tags (tag, story_key);

CREATE TABLE story_storytellers (
    story_key      INTEGER NOT NULL REFERENCES stories (story_key) ON DELETE CASCADE,
    participant_id TEXT NOT NULL,
    PRIMARY KEY (story_key, participant_id)
) WITHOUT ROWID;
CREATE INDEX story_storytellers_by_participant ON story_storytellers (participant_id, story_key);

-- Index: participants (no sensitive fields: those stay in the document).
CREATE TABLE participants (
    participant_id TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL,
    display_name   TEXT NOT NULL,
    pseudonym      TEXT,
    badge          TEXT NOT NULL,
    updated_at     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX participants_by_project ON participants (project_id, display_name COLLATE NOCASE);

-- Full-text search. The rowid is the story's `story_key`. `secure-delete`
-- makes FTS5 remove a deleted row's terms from its index at once, so erased
-- text does not linger in the search index.
CREATE VIRTUAL TABLE story_search USING fts5 (
    title, summary, transcript, tags, highlights,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO story_search (story_search, rank) VALUES ('secure-delete', 1);

-- Transcripts are searched in pieces of about 1–4 KB cut after whitespace
-- (`store::transcript_index`), so an edit re-indexes only the pieces it
-- touched; `story_search.transcript` stays empty. The rowid of a piece's
-- search row is its `piece_key`.
CREATE VIRTUAL TABLE transcript_search USING fts5 (
    text,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO transcript_search (transcript_search, rank) VALUES ('secure-delete', 1);

CREATE TABLE transcript_pieces (
    piece_key INTEGER PRIMARY KEY,
    story_key INTEGER NOT NULL REFERENCES stories (story_key) ON DELETE CASCADE,
    hash      BLOB NOT NULL
);
CREATE INDEX transcript_pieces_by_story ON transcript_pieces (story_key);

-- Every consent grant and withdrawal, as JSON, by storyteller.
CREATE TABLE consent_ledger (
    record_id      TEXT PRIMARY KEY,
    project_id     TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    story_id       TEXT,
    at             INTEGER NOT NULL,
    record         TEXT NOT NULL,
    -- 1 for a withdrawal that asks for erasure.
    erase          INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX consent_ledger_by_participant ON consent_ledger (participant_id, at);
CREATE INDEX consent_ledger_erasing ON consent_ledger (project_id) WHERE erase = 1;

-- Documents erased at a storyteller's request: never recreated, never
-- accepted from a peer. Ids and times only.
CREATE TABLE tombstones (
    doc_id     TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    kind       TEXT NOT NULL,
    erased_at  INTEGER NOT NULL,
    withdrawal TEXT NOT NULL
) WITHOUT ROWID;

-- Each project's group secret (256 bits), created with the project or
-- received in an invite. Every sync key is derived from it.
CREATE TABLE project_secrets (
    project_id TEXT PRIMARY KEY,
    secret     BLOB NOT NULL
) WITHOUT ROWID;

-- Projects joined from an invite whose document has not arrived yet: the
-- member this device will write as is added to it on the first sync.
CREATE TABLE pending_joins (
    project_id   TEXT PRIMARY KEY,
    member_id    TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL
) WITHOUT ROWID;

-- Automerge sync state per peer device and document, so the next session
-- with the same peer sends only what is new.
CREATE TABLE sync_states (
    peer_device TEXT NOT NULL,
    doc_id      TEXT NOT NULL,
    state       BLOB NOT NULL,
    PRIMARY KEY (peer_device, doc_id)
) WITHOUT ROWID;
CREATE INDEX sync_states_by_doc ON sync_states (doc_id);

-- Every write of a document appends its id here (by trigger), so another
-- process can tell which documents changed: see migration 004 and ADR 0004.
CREATE TABLE change_journal (
    seq        INTEGER PRIMARY KEY,
    doc_id     TEXT NOT NULL,
    kind       TEXT NOT NULL,
    project_id TEXT NOT NULL,
    erased     INTEGER NOT NULL DEFAULT 0
);

CREATE TRIGGER change_journal_on_insert AFTER INSERT ON documents BEGIN
    INSERT INTO change_journal (doc_id, kind, project_id) VALUES (NEW.doc_id, NEW.kind, NEW.project_id);
END;

CREATE TRIGGER change_journal_on_update AFTER UPDATE ON documents BEGIN
    INSERT INTO change_journal (doc_id, kind, project_id) VALUES (NEW.doc_id, NEW.kind, NEW.project_id);
END;

CREATE TRIGGER change_journal_on_delete AFTER DELETE ON documents BEGIN
    INSERT INTO change_journal (doc_id, kind, project_id, erased) VALUES (OLD.doc_id, OLD.kind, OLD.project_id, 1);
END;

CREATE TRIGGER change_journal_prune AFTER INSERT ON change_journal WHEN NEW.seq % 1000 = 0 BEGIN
    DELETE FROM change_journal WHERE seq <= NEW.seq - 20000;
END;

-- One row per media item whose bytes this device has (or had): its own
-- key, its chunk list (32-byte chunk names back to back, in order) and what
-- the story document says of it. The story document holds the reference
-- (and is the truth for which items a story has); the key never enters a
-- document, so destroying this row makes the chunks unreadable everywhere
-- on this device. `item_key` is NULL once the bytes were withdrawn.
CREATE TABLE media (
    media_id    TEXT PRIMARY KEY,
    story_id    TEXT NOT NULL,
    project_id  TEXT NOT NULL,
    item_key    BLOB,
    chunks      BLOB NOT NULL,
    size        INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    mime        TEXT NOT NULL,
    duration_ms INTEGER,
    caption     TEXT NOT NULL,
    added_by    TEXT NOT NULL,
    added_at    INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    present     INTEGER NOT NULL DEFAULT 1
) WITHOUT ROWID;
CREATE INDEX media_by_story ON media (story_id);

-- This device's private keys per project: the Ed25519 seed, then the
-- X25519 secret (64 bytes).
CREATE TABLE device_keys (
    project_id TEXT PRIMARY KEY,
    keys       BLOB NOT NULL
) WITHOUT ROWID;

-- Signatures of changes written by other devices, received with them and
-- passed on with them. This device signs its own changes when it sends
-- them (Ed25519 signatures are deterministic), so they are not kept.
CREATE TABLE change_signatures (
    doc_id      TEXT NOT NULL,
    change_hash BLOB NOT NULL,
    signature   BLOB NOT NULL,
    PRIMARY KEY (doc_id, change_hash)
) WITHOUT ROWID;

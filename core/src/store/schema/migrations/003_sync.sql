-- Version 2 -> 3: syncing with peers.

-- The heads of each document (hashes of its latest changes), kept beside
-- its bytes so a sync catalog never has to load a document. NULL until the
-- document is next saved; the sync code fills it in then.
ALTER TABLE documents ADD COLUMN heads BLOB;

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

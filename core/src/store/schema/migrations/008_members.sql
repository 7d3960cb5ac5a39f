-- Version 7 -> 8: device keys and change signatures (issues 12 and 15).

-- This device's private keys per project: the Ed25519 seed, then the
-- X25519 secret (64 bytes). Made when the device creates or joins a
-- project, or on first use in a project it held before version 8.
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

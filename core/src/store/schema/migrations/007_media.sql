-- Version 5 -> 6: media items held on this device.

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

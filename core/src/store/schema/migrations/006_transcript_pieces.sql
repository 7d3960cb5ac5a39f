-- Version 5 -> 6: transcripts are searched in pieces, so a keystroke
-- re-indexes the piece it touched, not the whole transcript (ADR 0013).

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

-- Each existing transcript becomes one piece (its empty hash never
-- matches, so the next write of the story cuts it into real pieces), and
-- leaves the story's own search row.
INSERT INTO transcript_search (rowid, text)
    SELECT rowid, transcript FROM story_search WHERE transcript <> '';
INSERT INTO transcript_pieces (piece_key, story_key, hash)
    SELECT rowid, rowid, x'' FROM story_search WHERE transcript <> '';
UPDATE story_search SET transcript = '' WHERE transcript <> '';

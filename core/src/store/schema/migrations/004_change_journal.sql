-- Version 3 -> 4: several processes on one store.

-- Every write of a document (insert, save, erasure) appends its id here, by
-- trigger so that no code path can forget. A process that finds rows it did
-- not write knows exactly which documents another process changed: it drops
-- them from its cache and tells its listeners. Ids and kinds only, never
-- content; the oldest rows are pruned (a process that fell further behind
-- reloads everything).
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

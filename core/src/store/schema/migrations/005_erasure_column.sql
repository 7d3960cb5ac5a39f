-- Version 4 -> 5: which consent records ask for erasure, as a column.

-- Resuming an interrupted erasure looks for erasing withdrawals by this
-- column instead of by how their JSON happens to be formatted.
ALTER TABLE consent_ledger ADD COLUMN erase INTEGER NOT NULL DEFAULT 0;
UPDATE consent_ledger SET erase = 1
 WHERE json_extract(record, '$.kind') = 'withdrawal' AND json_extract(record, '$.erase') = 1;
CREATE INDEX consent_ledger_erasing ON consent_ledger (project_id) WHERE erase = 1;

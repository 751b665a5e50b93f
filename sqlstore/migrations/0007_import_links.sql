-- A record written by an import names its import job: the job's one audit entry (rows
-- written, the file's sha256, who, when) stands for every record it created, so a
-- 100,000-row import writes one entry, not 100,000. '' for records made one at a time.
ALTER TABLE volunteers ADD COLUMN import_id TEXT NOT NULL DEFAULT '';
ALTER TABLE youths ADD COLUMN import_id TEXT NOT NULL DEFAULT '';

-- A person's grams are found by their key (kind, gram, name, person_id), computed from
-- the name being replaced, so the index by person is not needed; an import no longer
-- writes it.
DROP INDEX person_name_grams_person;

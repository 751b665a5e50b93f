-- SQLite only: the name grams become a WITHOUT ROWID table, stored as their primary key's
-- b-tree. A rowid table kept every gram twice, in the table and again in the key's index
-- (30 MB of 87 MB after a 100,000-row import), and an import wrote both. PostgreSQL has no
-- such table kind and keeps its table as it is.
CREATE TABLE person_name_grams_new (
    kind      TEXT NOT NULL,
    gram      TEXT NOT NULL,
    name      TEXT NOT NULL,
    person_id TEXT NOT NULL,
    PRIMARY KEY (kind, gram, name, person_id)
) WITHOUT ROWID;
INSERT INTO person_name_grams_new (kind, gram, name, person_id)
    SELECT kind, gram, name, person_id FROM person_name_grams;
DROP TABLE person_name_grams;
ALTER TABLE person_name_grams_new RENAME TO person_name_grams;
CREATE INDEX person_name_grams_person ON person_name_grams (person_id);

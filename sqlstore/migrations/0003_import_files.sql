-- An import's uploaded file moves to a table of its own: progress saves rewrite the job's
-- row twice a second and must not rewrite megabytes with it. The file is sealed with the
-- data key (it holds ID numbers and phones) and blanked once the job is done or failed.
CREATE TABLE import_files (
    import_id TEXT PRIMARY KEY REFERENCES imports (id),
    file      TEXT NOT NULL
);
INSERT INTO import_files (import_id, file) SELECT id, '' FROM imports;
UPDATE imports SET file = '';

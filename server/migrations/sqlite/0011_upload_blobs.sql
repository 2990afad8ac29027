-- Upload bytes in the database, so that every node (and `server backup` of the SQLite file)
-- has them: one blob per content (SHA-256), cut into chunks read one at a time.
CREATE TABLE upload_blobs (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    chunks     BIGINT NOT NULL,
    touched_at BIGINT NOT NULL  -- unix seconds: stored, or referenced by a new upload
);
CREATE TABLE upload_chunks (
    sha256 TEXT NOT NULL REFERENCES upload_blobs (sha256) ON DELETE CASCADE,
    seq    BIGINT NOT NULL,     -- from 0
    data   BLOB NOT NULL,
    PRIMARY KEY (sha256, seq)
);
-- The client's file name (no path, at most 255 characters); never logged.
ALTER TABLE uploads ADD COLUMN file_name TEXT;
CREATE INDEX uploads_by_case ON uploads (case_number);

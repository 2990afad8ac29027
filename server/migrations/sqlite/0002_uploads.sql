-- Uploaded files. The bytes live on disk under the data directory, named by their SHA-256
-- (identical files are stored once); no client file name is kept as a path.
CREATE TABLE uploads (
    id          TEXT PRIMARY KEY,   -- 32 random hex digits, handed to the uploader
    sha256      TEXT NOT NULL,
    size        BIGINT NOT NULL,
    media_type  TEXT NOT NULL,      -- detected from the content
    created_at  BIGINT NOT NULL,    -- unix seconds
    case_number TEXT                -- set when a submitted application uses the upload
);
CREATE INDEX uploads_by_age ON uploads (created_at);
CREATE INDEX uploads_by_hash ON uploads (sha256);

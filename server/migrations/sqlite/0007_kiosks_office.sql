-- Registered kiosks (the only devices whose visit ratings count), their visits, and the
-- complaints office's staff tokens.

-- A kiosk's device token is printed once by `server kiosk create`; only its SHA-256 is kept.
CREATE TABLE kiosks (
    id          TEXT PRIMARY KEY,                -- short public id, for listing and revoking
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);

-- One visitor's session at a kiosk: it may be rated once, until it expires.
CREATE TABLE kiosk_visits (
    id          TEXT PRIMARY KEY,                -- random, held only in the kiosk page's memory
    kiosk_id    TEXT NOT NULL REFERENCES kiosks (id),
    started_at  BIGINT NOT NULL,
    rated_at    BIGINT
);
CREATE INDEX kiosk_visits_by_kiosk ON kiosk_visits (kiosk_id, started_at);

-- Which kiosk gave a visit rating (none for the ratings counted before kiosks registered).
ALTER TABLE visit_ratings ADD COLUMN kiosk_id TEXT;

-- A complaints office token (投诉受理办公室) handles the complaints no department has.
ALTER TABLE staff_tokens ADD COLUMN complaints_office BIGINT NOT NULL DEFAULT 0;

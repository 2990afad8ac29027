-- The case lifecycle: the deadline clock, supplement requests, decisions, and every
-- transition as an event; and the staff who act on cases.
ALTER TABLE cases ADD COLUMN accepted_at BIGINT;        -- unix seconds; the clock starts
ALTER TABLE cases ADD COLUMN due_date TEXT;             -- YYYY-MM-DD, moved on by pauses
ALTER TABLE cases ADD COLUMN paused_at BIGINT;          -- set while a supplement is outstanding
ALTER TABLE cases ADD COLUMN current_step TEXT;
ALTER TABLE cases ADD COLUMN supplement TEXT;           -- JSON api_client::Supplement
ALTER TABLE cases ADD COLUMN result TEXT;               -- JSON api_client::CaseResult
CREATE INDEX cases_by_status ON cases (status);
CREATE INDEX cases_by_department ON cases (department_code);

CREATE TABLE case_events (
    id          BIGSERIAL PRIMARY KEY,
    case_number TEXT NOT NULL REFERENCES cases (acceptance_number),
    at          BIGINT NOT NULL,                    -- unix seconds
    status      TEXT NOT NULL,                      -- the status after the event
    step        TEXT NOT NULL,
    department  TEXT NOT NULL,
    opinion     TEXT,
    actor       TEXT NOT NULL                       -- a staff token's name, 'applicant' or 'system'
);
CREATE INDEX case_events_by_case ON case_events (case_number, id);

CREATE TABLE staff_tokens (
    id              TEXT PRIMARY KEY,               -- short public id, for listing and revoking
    name            TEXT NOT NULL,
    department_code TEXT NOT NULL,
    token_hash      TEXT NOT NULL UNIQUE,           -- SHA-256 of the token; the token itself is never stored
    created_at      BIGINT NOT NULL,
    revoked_at      BIGINT
);

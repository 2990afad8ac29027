-- Cases (办件) submitted online, the daily sequence their acceptance numbers come from,
-- installation settings, and the holiday calendar that time limits are counted in.

-- The applicant's details and answers are JSON documents; the query code itself is never
-- stored, only a salted hash of it (see server/src/applications/numbering.rs).
CREATE TABLE cases (
    acceptance_number TEXT PRIMARY KEY,          -- 18 characters, no separators
    service_code      TEXT NOT NULL,
    department_code   TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('submitted', 'accepted', 'not_accepted',
                          'supplement_requested', 'under_review', 'approved', 'denied',
                          'completed', 'withdrawn')),
    applicant         TEXT NOT NULL,             -- JSON
    masked_name       TEXT NOT NULL,
    answers           TEXT NOT NULL,             -- JSON: the answers to visible questions
    materials         TEXT NOT NULL,             -- JSON: material id -> upload ids
    query_code_hash   TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL UNIQUE,
    submitted_at      BIGINT NOT NULL,           -- unix seconds
    promised_date     TEXT NOT NULL              -- YYYY-MM-DD
);
CREATE INDEX cases_by_service ON cases (service_code);
CREATE INDEX cases_by_submitted_at ON cases (submitted_at);

-- The last sequence number given out on each day (China Standard Time), YYYY-MM-DD.
CREATE TABLE case_sequences (
    day  TEXT PRIMARY KEY,
    last BIGINT NOT NULL
);

-- Installation settings, e.g. 'secret': 32 random bytes (hex) that query codes derive from.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Public holidays and the official make-up working days (调休) on weekends, imported with
-- the catalogue (a file's `calendar`). Any other day is a working day from Monday to Friday.
CREATE TABLE calendar_days (
    day  TEXT PRIMARY KEY,                       -- YYYY-MM-DD
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday'))
);

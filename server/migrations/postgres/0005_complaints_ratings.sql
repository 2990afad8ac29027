-- Complaints (投诉) and the five-level rating (好差评): complaints and what staff did with
-- them, ratings of completed cases with the rectification (整改) a poor one opens, and the
-- kiosk's anonymous ratings of a visit (一次一评).

-- A complaint number has the form of an acceptance number and its sequence comes from the
-- same day counter (`case_sequences`), so it never equals a case number. As for cases, the
-- query code is never stored, only its salted hash.
CREATE TABLE complaints (
    complaint_number  TEXT PRIMARY KEY,          -- 18 characters, no separators
    idempotency_key   TEXT NOT NULL UNIQUE,      -- the client's, or a random one
    query_code_hash   TEXT NOT NULL,
    subject_type      TEXT NOT NULL CHECK (subject_type IN ('case', 'service', 'department', 'staff', 'channel')),
    subject_ref       TEXT,
    -- Set only when the complainant proved the case's query code.
    case_number       TEXT REFERENCES cases (acceptance_number),
    -- The service concerned: the subject's, or the linked case's (for names and statistics).
    service_code      TEXT,
    category          TEXT NOT NULL,
    description       TEXT NOT NULL,             -- plain text as given (trimmed); pages show it as text
    anonymous         BIGINT NOT NULL CHECK (anonymous IN (0, 1)),
    contact           TEXT,                      -- JSON {name, mobile}; NULL when anonymous
    masked_name       TEXT,
    attachments       TEXT NOT NULL,             -- JSON: upload ids
    -- Known from the subject, or set when assigned; NULL until then (every department sees it).
    department_code   TEXT,
    status            TEXT NOT NULL CHECK (status IN ('received', 'assigned', 'replied', 'closed')),
    submitted_at      BIGINT NOT NULL,           -- unix seconds
    reply_due         TEXT NOT NULL,             -- YYYY-MM-DD
    -- The complainant's rating of the handling, at most one.
    handling_level    BIGINT CHECK (handling_level BETWEEN 1 AND 5),
    handling_comment  TEXT,
    handling_rated_at BIGINT
);
-- The staff list: a department's complaints and the unassigned ones.
CREATE INDEX complaints_by_department ON complaints (department_code, status);
CREATE INDEX complaints_by_status ON complaints (status, reply_due);

-- Every assignment, reply and closing, in order; the replies are what the complainant reads.
CREATE TABLE complaint_events (
    id               BIGSERIAL PRIMARY KEY,
    complaint_number TEXT NOT NULL REFERENCES complaints (complaint_number),
    at               BIGINT NOT NULL,            -- unix seconds
    action           TEXT NOT NULL CHECK (action IN ('assign', 'reply', 'close')),
    status           TEXT NOT NULL,              -- the status after the event
    department_code  TEXT,                       -- assign: the department it went to; else the acting one
    department       TEXT NOT NULL,              -- that department's name at the time, as case_events
    text             TEXT,                       -- the reply
    actor            TEXT NOT NULL               -- a staff token's name, or 'system'
);
CREATE INDEX complaint_events_by_complaint ON complaint_events (complaint_number, id);

-- One rating per case: the primary key makes a second one fail even in a race.
CREATE TABLE case_ratings (
    case_number    TEXT PRIMARY KEY REFERENCES cases (acceptance_number),
    level          BIGINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    tags           TEXT NOT NULL,                -- JSON: reason tags
    comment        TEXT,
    rated_at       BIGINT NOT NULL,              -- unix seconds
    -- The China Standard Time day of rated_at, so that periods are compared as text on both engines.
    rated_day      TEXT NOT NULL,                -- YYYY-MM-DD
    -- A poor rating (level <= 2) opens a rectification, due by this working day.
    rectification_due         TEXT,              -- YYYY-MM-DD
    rectification_explanation TEXT,              -- 情况说明
    rectification_action      TEXT,              -- 整改措施
    rectification_answered_at BIGINT,
    rectification_answered_by TEXT               -- a staff token's name, or 'system'
);
CREATE INDEX case_ratings_by_day ON case_ratings (rated_day);
-- The rectification lists read only the ratings that opened one.
CREATE INDEX case_ratings_rectifications ON case_ratings (rectification_due) WHERE rectification_due IS NOT NULL;

-- Quick ratings of a visit at the kiosk: no case, no person, nothing that identifies anyone.
CREATE TABLE visit_ratings (
    id        BIGSERIAL PRIMARY KEY,
    channel   TEXT NOT NULL CHECK (channel IN ('kiosk')),
    level     BIGINT NOT NULL CHECK (level BETWEEN 1 AND 5),
    tags      TEXT NOT NULL,                     -- JSON: reason tags
    rated_at  BIGINT NOT NULL,
    rated_day TEXT NOT NULL                      -- YYYY-MM-DD, China Standard Time
);
CREATE INDEX visit_ratings_by_day ON visit_ratings (rated_day);

-- The service catalogue. A guide is a JSON document; the columns beside it are the keys
-- the catalogue is filtered and joined by.
CREATE TABLE departments (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    phone      TEXT,
    sort_order BIGINT NOT NULL
);

CREATE TABLE topics (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    audience   TEXT NOT NULL CHECK (audience IN ('individual', 'organisation')),
    sort_order BIGINT NOT NULL
);

CREATE TABLE services (
    code            TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    department_code TEXT NOT NULL REFERENCES departments (code),
    guide           TEXT NOT NULL,
    updated_at      BIGINT NOT NULL -- unix seconds
);
CREATE INDEX services_by_department ON services (department_code);

CREATE TABLE service_topics (
    service_code TEXT NOT NULL REFERENCES services (code) ON DELETE CASCADE,
    topic_code   TEXT NOT NULL REFERENCES topics (code),
    PRIMARY KEY (service_code, topic_code)
);

CREATE TABLE synonym_groups (
    id    BIGINT PRIMARY KEY,
    terms TEXT NOT NULL
);

-- Bumped by every import so that API instances know to reload their search index.
CREATE TABLE catalogue_meta (
    id      BIGINT PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL
);
INSERT INTO catalogue_meta (id, version) VALUES (1, 0);

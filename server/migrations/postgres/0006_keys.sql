-- Idempotency keys bound to their request, random query codes (server/src/idempotency.rs).
--
-- A row keeps its key only as a hash, the fingerprint of the request it named, and for a
-- day the query code sealed under a key derived from the client's key (never the code in
-- plain). Keys stored in plain before this migration are marked `legacy:` here and replaced
-- by their hashes when the server starts (`idempotency::hash_legacy_keys`); those rows keep
-- their code hashes, so their codes still open them.
ALTER TABLE cases RENAME COLUMN idempotency_key TO idempotency_key_hash;
UPDATE cases SET idempotency_key_hash = 'legacy:' || idempotency_key_hash;
ALTER TABLE cases ADD COLUMN request_fingerprint TEXT;
ALTER TABLE cases ADD COLUMN sealed_code TEXT;

ALTER TABLE complaints RENAME COLUMN idempotency_key TO idempotency_key_hash;
UPDATE complaints SET idempotency_key_hash = 'legacy:' || idempotency_key_hash;
ALTER TABLE complaints ADD COLUMN request_fingerprint TEXT;
ALTER TABLE complaints ADD COLUMN sealed_code TEXT;

-- The sweep that forgets sealed codes after a day reads only the rows that still have one.
CREATE INDEX cases_sealed ON cases (submitted_at) WHERE sealed_code IS NOT NULL;
CREATE INDEX complaints_sealed ON complaints (submitted_at) WHERE sealed_code IS NOT NULL;

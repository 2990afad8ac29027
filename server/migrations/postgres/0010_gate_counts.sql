-- The gate's counts shared by every node on this database (server/src/gate/shared.rs):
-- failed lookups per client address and per number, and complaint filings per address.
-- SQLite installations are one process and count in memory instead.
CREATE TABLE gate_events (
    kind  TEXT   NOT NULL,  -- 'addr' | 'number' (failed attempts), 'complaint' (filings)
    key   TEXT   NOT NULL,  -- the address key (gate::addr_key) or the acceptance number
    at_ms BIGINT NOT NULL   -- the database's clock, milliseconds since the epoch
);
CREATE INDEX gate_events_key ON gate_events (kind, key, at_ms);
CREATE INDEX gate_events_at ON gate_events (at_ms);

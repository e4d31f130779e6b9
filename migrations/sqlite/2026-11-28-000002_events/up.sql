-- The change feed, written by each unit of work in the transaction of the
-- changes it records (a transactional outbox). `seq` is given under the
-- write lock of the commit (SQLite's, or an advisory lock on PostgreSQL),
-- one more than the last: the feed's order is the order of the commits, with
-- no gap and no late arrival below a number already read.
CREATE TABLE events (
    seq BIGINT PRIMARY KEY NOT NULL,
    id TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    version INTEGER NOT NULL,
    actor TEXT NOT NULL,
    actor_key_id TEXT,
    occurred_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX events_id_idx ON events (id);
CREATE INDEX events_occurred_at_idx ON events (occurred_at);
CREATE INDEX events_entity_idx ON events (entity_type, entity_id);

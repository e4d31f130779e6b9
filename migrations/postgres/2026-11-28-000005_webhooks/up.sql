-- Webhook subscriptions, and where each stands in the change feed: the last
-- event handled (`position`), the failed attempts at the next one, and the
-- lease of the replica delivering it, so that one replica delivers a
-- subscription's events at a time, in order.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY NOT NULL,
    url TEXT NOT NULL,
    description TEXT,
    -- {"entity_types": [...], "kinds": [...]}: the events asked for.
    filter TEXT NOT NULL,
    status TEXT NOT NULL,
    secret TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL,
    position BIGINT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    failing_since TIMESTAMP,
    paused_reason TEXT,
    lease_token TEXT,
    leased_until TIMESTAMP
);

-- Every attempt at delivering an event, whatever came of it.
CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    webhook_id TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event_seq BIGINT NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TIMESTAMP NOT NULL,
    duration_ms INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    delivered BOOLEAN NOT NULL
);
CREATE INDEX webhook_deliveries_webhook_idx ON webhook_deliveries (webhook_id, id);

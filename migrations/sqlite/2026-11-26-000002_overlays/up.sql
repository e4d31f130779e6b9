-- Tailoring: what a consumer group is shown of an offering instead of the
-- base offering. One overlay per (consumer group, offering); a field left
-- null is not overridden. Service levels override only when
-- overrides_service_levels is set, with the rows of overlay_service_levels.

CREATE TABLE overlays (
    id TEXT PRIMARY KEY NOT NULL,
    consumer_group_id TEXT NOT NULL REFERENCES consumer_groups (id),
    offering_id TEXT NOT NULL REFERENCES offerings (id),
    name TEXT,
    description TEXT,
    price_amount TEXT,
    price_currency TEXT,
    overrides_service_levels BOOLEAN NOT NULL,
    priority INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE UNIQUE INDEX overlays_consumer_group_offering_idx ON overlays (consumer_group_id, offering_id);
CREATE INDEX overlays_offering_id_idx ON overlays (offering_id);

CREATE TABLE overlay_service_levels (
    overlay_id TEXT NOT NULL REFERENCES overlays (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    metric TEXT NOT NULL,
    target TEXT NOT NULL,
    unit TEXT,
    PRIMARY KEY (overlay_id, position)
);

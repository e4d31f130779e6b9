-- A number raised by every committed change of the API keys: each replica
-- keeps the keys it verified in memory while the number stays the same, and
-- sees a revocation at its next request.
CREATE TABLE key_generation (
    id INTEGER PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL
);
INSERT INTO key_generation (id, value) VALUES (1, 0);

-- What each customer saw when its view was last compared, so that the
-- changes of the catalogue emit `customer_view` events for exactly the
-- customers whose view they changed.
CREATE TABLE customer_view_digests (
    customer_id TEXT PRIMARY KEY NOT NULL,
    digest TEXT NOT NULL,
    version INTEGER NOT NULL
);

-- The last event of the feed the comparison has taken into account.
CREATE TABLE view_watch (
    id INTEGER PRIMARY KEY NOT NULL,
    position BIGINT NOT NULL
);
INSERT INTO view_watch (id, position) VALUES (1, 0);

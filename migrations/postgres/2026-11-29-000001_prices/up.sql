-- Prices become first-class: an offering has several (one-time, recurring,
-- usage), and an overlay tailors their amounts for its consumer group. An
-- offering may also name the product it sells.
CREATE TABLE prices (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    price_type TEXT NOT NULL,
    amount TEXT,
    currency TEXT,
    recurring_period TEXT,
    unit_of_measure TEXT,
    status TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX prices_name_idx ON prices (name);

CREATE TABLE offering_prices (
    offering_id TEXT NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
    price_id TEXT NOT NULL REFERENCES prices (id),
    PRIMARY KEY (offering_id, price_id)
);
CREATE INDEX offering_prices_price_id_idx ON offering_prices (price_id);

CREATE TABLE overlay_prices (
    overlay_id TEXT NOT NULL REFERENCES overlays (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    price_id TEXT NOT NULL REFERENCES prices (id),
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (overlay_id, position)
);
CREATE INDEX overlay_prices_price_id_idx ON overlay_prices (price_id);

-- The one price an offering had becomes a one-time price of its own, with
-- the offering's id and name; an overlay's price tailors that price. An
-- offering without a price whose overlays set one gets a price on request.
INSERT INTO prices (id, name, description, price_type, amount, currency, recurring_period,
                    unit_of_measure, status, created_at, updated_at, version)
SELECT o.id, o.name, NULL, 'one_time', o.price_amount, o.price_currency, NULL, NULL, 'active',
       o.created_at, o.updated_at, 1
FROM offerings o
WHERE o.price_amount IS NOT NULL
   OR EXISTS (SELECT 1 FROM overlays v WHERE v.offering_id = o.id AND v.price_amount IS NOT NULL);
INSERT INTO offering_prices (offering_id, price_id) SELECT id, id FROM prices;
INSERT INTO overlay_prices (overlay_id, position, price_id, amount, currency)
SELECT id, 0, offering_id, price_amount, price_currency FROM overlays WHERE price_amount IS NOT NULL;

ALTER TABLE offerings DROP COLUMN price_amount;
ALTER TABLE offerings DROP COLUMN price_currency;
ALTER TABLE overlays DROP COLUMN price_amount;
ALTER TABLE overlays DROP COLUMN price_currency;

ALTER TABLE offerings ADD COLUMN product_id TEXT REFERENCES products (id);
CREATE INDEX offerings_product_id_idx ON offerings (product_id);

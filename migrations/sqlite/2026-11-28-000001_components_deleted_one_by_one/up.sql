-- A product's components are deleted by the service, one by one, so that each
-- deletion is recorded; the database no longer deletes them on its own.
CREATE TABLE components_new (
    id TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id),
    resource_id TEXT NOT NULL REFERENCES resources (id),
    quantity INTEGER NOT NULL,
    role TEXT,
    visibility TEXT NOT NULL,
    customer_label TEXT,
    customer_description TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
INSERT INTO components_new SELECT id, product_id, resource_id, quantity, role, visibility,
    customer_label, customer_description, created_at, updated_at, version FROM components;
DROP TABLE components;
ALTER TABLE components_new RENAME TO components;
CREATE INDEX components_product_id_idx ON components (product_id, id);
CREATE INDEX components_resource_id_idx ON components (resource_id);

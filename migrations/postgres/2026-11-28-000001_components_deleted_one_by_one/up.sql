-- A product's components are deleted by the service, one by one, so that each
-- deletion is recorded; the database no longer deletes them on its own.
ALTER TABLE components DROP CONSTRAINT components_product_id_fkey;
ALTER TABLE components ADD CONSTRAINT components_product_id_fkey
    FOREIGN KEY (product_id) REFERENCES products (id);

ALTER TABLE components DROP CONSTRAINT components_product_id_fkey;
ALTER TABLE components ADD CONSTRAINT components_product_id_fkey
    FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE CASCADE;

DROP INDEX offerings_product_id_idx;
ALTER TABLE offerings DROP COLUMN product_id;

ALTER TABLE offerings ADD COLUMN price_amount TEXT;
ALTER TABLE offerings ADD COLUMN price_currency TEXT;
ALTER TABLE overlays ADD COLUMN price_amount TEXT;
ALTER TABLE overlays ADD COLUMN price_currency TEXT;

-- Each offering keeps the amount of its first price, each overlay the first
-- amount it tailored.
UPDATE offerings SET
    price_amount = (SELECT p.amount FROM offering_prices l JOIN prices p ON p.id = l.price_id
                    WHERE l.offering_id = offerings.id ORDER BY p.id LIMIT 1),
    price_currency = (SELECT p.currency FROM offering_prices l JOIN prices p ON p.id = l.price_id
                      WHERE l.offering_id = offerings.id ORDER BY p.id LIMIT 1);
UPDATE overlays SET
    price_amount = (SELECT amount FROM overlay_prices WHERE overlay_id = overlays.id ORDER BY position LIMIT 1),
    price_currency = (SELECT currency FROM overlay_prices WHERE overlay_id = overlays.id ORDER BY position LIMIT 1);

DROP TABLE overlay_prices;
DROP TABLE offering_prices;
DROP TABLE prices;

-- A filtered list page is read in id order: with the id in the index, the page is the
-- first rows of one range, not every matching row sorted.
DROP INDEX products_lifecycle_status_idx;
CREATE INDEX products_lifecycle_status_idx ON products (lifecycle_status, id);
DROP INDEX offerings_status_idx;
CREATE INDEX offerings_status_idx ON offerings (status, id);
DROP INDEX services_portfolio_stage_idx;
CREATE INDEX services_portfolio_stage_idx ON services (portfolio_stage, id);
DROP INDEX resources_dimension_idx;
CREATE INDEX resources_dimension_idx ON resources (dimension, id);
DROP INDEX agreements_customer_id_idx;
CREATE INDEX agreements_customer_id_idx ON agreements (customer_id, id);
DROP INDEX agreements_offering_id_idx;
CREATE INDEX agreements_offering_id_idx ON agreements (offering_id, id);

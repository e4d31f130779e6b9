ALTER TABLE events DROP COLUMN changed_fields;

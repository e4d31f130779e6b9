-- Which fields an update changed (a JSON list of names), so that a
-- follower can tell a change of state from a change of attributes.
ALTER TABLE events ADD COLUMN changed_fields TEXT;

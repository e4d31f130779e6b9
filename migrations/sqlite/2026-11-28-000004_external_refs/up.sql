-- The references of catalogue entities in other systems (ServiceNow, iTop,
-- ...): one per system and entity, and one entity of a type per reference.
CREATE TABLE external_refs (
    entity_type TEXT NOT NULL,
    system TEXT NOT NULL,
    external_id TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    PRIMARY KEY (entity_type, system, external_id)
);
CREATE UNIQUE INDEX external_refs_entity_system_idx ON external_refs (entity_type, entity_id, system);

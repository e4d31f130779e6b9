-- Categories: a tree that groups offerings (TMF620 categories) and services
-- (TMF633 service categories). A category names its members and its parent.
CREATE TABLE categories (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    parent_id TEXT REFERENCES categories (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX categories_name_idx ON categories (name);
CREATE INDEX categories_parent_id_idx ON categories (parent_id);

CREATE TABLE category_offerings (
    category_id TEXT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    offering_id TEXT NOT NULL REFERENCES offerings (id),
    PRIMARY KEY (category_id, offering_id)
);
CREATE INDEX category_offerings_offering_id_idx ON category_offerings (offering_id);

CREATE TABLE category_services (
    category_id TEXT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES services (id),
    PRIMARY KEY (category_id, service_id)
);
CREATE INDEX category_services_service_id_idx ON category_services (service_id);

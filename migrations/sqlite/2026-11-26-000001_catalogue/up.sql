-- The catalogue core. Ids are UUID strings, times are UTC, money is a decimal
-- string with its currency. Child rows are deleted with their parent; a row
-- that other rows reference cannot be deleted (the API answers 409).

CREATE TABLE resources (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    dimension TEXT NOT NULL,
    unit_cost_amount TEXT,
    unit_cost_currency TEXT,
    owner TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX resources_dimension_idx ON resources (dimension);
CREATE INDEX resources_name_idx ON resources (name);

CREATE TABLE products (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    lifecycle_status TEXT NOT NULL,
    owner TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX products_lifecycle_status_idx ON products (lifecycle_status);
CREATE INDEX products_name_idx ON products (name);

CREATE TABLE components (
    id TEXT PRIMARY KEY NOT NULL,
    product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
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
CREATE INDEX components_product_id_idx ON components (product_id, id);
CREATE INDEX components_resource_id_idx ON components (resource_id);

CREATE TABLE services (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    portfolio_stage TEXT NOT NULL,
    purpose TEXT,
    availability_target TEXT,
    support_hours TEXT,
    owner TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX services_portfolio_stage_idx ON services (portfolio_stage);
CREATE INDEX services_name_idx ON services (name);

CREATE TABLE service_outcomes (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    PRIMARY KEY (service_id, position)
);

CREATE TABLE service_products (
    service_id TEXT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    product_id TEXT NOT NULL REFERENCES products (id),
    PRIMARY KEY (service_id, product_id)
);
CREATE INDEX service_products_product_id_idx ON service_products (product_id);

CREATE TABLE consumer_groups (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX consumer_groups_name_idx ON consumer_groups (name);

CREATE TABLE offerings (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    status TEXT NOT NULL,
    price_amount TEXT,
    price_currency TEXT,
    valid_from DATE,
    valid_to DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX offerings_status_idx ON offerings (status);
CREATE INDEX offerings_name_idx ON offerings (name);

CREATE TABLE offering_services (
    offering_id TEXT NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
    service_id TEXT NOT NULL REFERENCES services (id),
    PRIMARY KEY (offering_id, service_id)
);
CREATE INDEX offering_services_service_id_idx ON offering_services (service_id);

CREATE TABLE offering_consumer_groups (
    offering_id TEXT NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
    consumer_group_id TEXT NOT NULL REFERENCES consumer_groups (id),
    PRIMARY KEY (offering_id, consumer_group_id)
);
CREATE INDEX offering_consumer_groups_consumer_group_id_idx ON offering_consumer_groups (consumer_group_id);

CREATE TABLE offering_elements (
    offering_id TEXT NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (offering_id, position)
);

CREATE TABLE offering_service_levels (
    offering_id TEXT NOT NULL REFERENCES offerings (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    metric TEXT NOT NULL,
    target TEXT NOT NULL,
    unit TEXT,
    PRIMARY KEY (offering_id, position)
);

CREATE TABLE customers (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX customers_name_idx ON customers (name);

CREATE TABLE customer_consumer_groups (
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    consumer_group_id TEXT NOT NULL REFERENCES consumer_groups (id),
    PRIMARY KEY (customer_id, consumer_group_id)
);
CREATE INDEX customer_consumer_groups_consumer_group_id_idx ON customer_consumer_groups (consumer_group_id);

CREATE TABLE agreements (
    id TEXT PRIMARY KEY NOT NULL,
    customer_id TEXT NOT NULL REFERENCES customers (id),
    offering_id TEXT NOT NULL REFERENCES offerings (id),
    status TEXT NOT NULL,
    starts_on DATE,
    ends_on DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX agreements_customer_id_idx ON agreements (customer_id);
CREATE INDEX agreements_offering_id_idx ON agreements (offering_id);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT,
    role TEXT NOT NULL,
    customer_id TEXT REFERENCES customers (id),
    salt TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    version INTEGER NOT NULL
);
CREATE INDEX api_keys_customer_id_idx ON api_keys (customer_id);

// @generated automatically by Diesel CLI.

diesel::table! {
    agreements (id) {
        id -> Text,
        customer_id -> Text,
        offering_id -> Text,
        status -> Text,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Nullable<Text>,
        role -> Text,
        customer_id -> Nullable<Text>,
        salt -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    categories (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        parent_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    category_offerings (category_id, offering_id) {
        category_id -> Text,
        offering_id -> Text,
    }
}

diesel::table! {
    category_services (category_id, service_id) {
        category_id -> Text,
        service_id -> Text,
    }
}

diesel::table! {
    components (id) {
        id -> Text,
        product_id -> Text,
        resource_id -> Text,
        quantity -> Integer,
        role -> Nullable<Text>,
        visibility -> Text,
        customer_label -> Nullable<Text>,
        customer_description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    consumer_groups (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    customer_consumer_groups (customer_id, consumer_group_id) {
        customer_id -> Text,
        consumer_group_id -> Text,
    }
}

diesel::table! {
    customer_view_digests (customer_id) {
        customer_id -> Text,
        digest -> Text,
        version -> Integer,
    }
}

diesel::table! {
    customers (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    events (seq) {
        seq -> BigInt,
        id -> Text,
        entity_type -> Text,
        entity_id -> Text,
        kind -> Text,
        version -> Integer,
        actor -> Text,
        actor_key_id -> Nullable<Text>,
        occurred_at -> Timestamp,
        changed_fields -> Nullable<Text>,
    }
}

diesel::table! {
    external_refs (entity_type, system, external_id) {
        entity_type -> Text,
        system -> Text,
        external_id -> Text,
        entity_id -> Text,
    }
}

diesel::table! {
    idempotency_keys (owner, key) {
        owner -> Text,
        key -> Text,
        request_digest -> Text,
        status -> Integer,
        location -> Nullable<Text>,
        etag -> Nullable<Text>,
        body -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    key_generation (id) {
        id -> Integer,
        value -> BigInt,
    }
}

diesel::table! {
    offering_consumer_groups (offering_id, consumer_group_id) {
        offering_id -> Text,
        consumer_group_id -> Text,
    }
}

diesel::table! {
    offering_elements (offering_id, position) {
        offering_id -> Text,
        position -> Integer,
        kind -> Text,
        name -> Text,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    offering_prices (offering_id, price_id) {
        offering_id -> Text,
        price_id -> Text,
    }
}

diesel::table! {
    offering_service_levels (offering_id, position) {
        offering_id -> Text,
        position -> Integer,
        metric -> Text,
        target -> Text,
        unit -> Nullable<Text>,
    }
}

diesel::table! {
    offering_services (offering_id, service_id) {
        offering_id -> Text,
        service_id -> Text,
    }
}

diesel::table! {
    offerings (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        status -> Text,
        valid_from -> Nullable<Date>,
        valid_to -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        product_id -> Nullable<Text>,
    }
}

diesel::table! {
    overlay_prices (overlay_id, position) {
        overlay_id -> Text,
        position -> Integer,
        price_id -> Text,
        amount -> Text,
        currency -> Text,
    }
}

diesel::table! {
    overlay_service_levels (overlay_id, position) {
        overlay_id -> Text,
        position -> Integer,
        metric -> Text,
        target -> Text,
        unit -> Nullable<Text>,
    }
}

diesel::table! {
    overlays (id) {
        id -> Text,
        consumer_group_id -> Text,
        offering_id -> Text,
        name -> Nullable<Text>,
        description -> Nullable<Text>,
        overrides_service_levels -> Bool,
        priority -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    prices (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        price_type -> Text,
        amount -> Nullable<Text>,
        currency -> Nullable<Text>,
        recurring_period -> Nullable<Text>,
        unit_of_measure -> Nullable<Text>,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    products (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        lifecycle_status -> Text,
        owner -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    resources (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        dimension -> Text,
        unit_cost_amount -> Nullable<Text>,
        unit_cost_currency -> Nullable<Text>,
        owner -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    service_outcomes (service_id, position) {
        service_id -> Text,
        position -> Integer,
        outcome -> Text,
    }
}

diesel::table! {
    service_products (service_id, product_id) {
        service_id -> Text,
        product_id -> Text,
    }
}

diesel::table! {
    services (id) {
        id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        portfolio_stage -> Text,
        purpose -> Nullable<Text>,
        availability_target -> Nullable<Text>,
        support_hours -> Nullable<Text>,
        owner -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
    }
}

diesel::table! {
    view_watch (id) {
        id -> Integer,
        position -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        webhook_id -> Text,
        event_id -> Text,
        event_seq -> BigInt,
        attempt -> Integer,
        attempted_at -> Timestamp,
        duration_ms -> Integer,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        delivered -> Bool,
    }
}

diesel::table! {
    webhooks (id) {
        id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        filter -> Text,
        status -> Text,
        secret -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        version -> Integer,
        position -> BigInt,
        attempts -> Integer,
        next_attempt_at -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        paused_reason -> Nullable<Text>,
        lease_token -> Nullable<Text>,
        leased_until -> Nullable<Timestamp>,
    }
}

diesel::joinable!(agreements -> customers (customer_id));
diesel::joinable!(agreements -> offerings (offering_id));
diesel::joinable!(api_keys -> customers (customer_id));
diesel::joinable!(category_offerings -> categories (category_id));
diesel::joinable!(category_offerings -> offerings (offering_id));
diesel::joinable!(category_services -> categories (category_id));
diesel::joinable!(category_services -> services (service_id));
diesel::joinable!(components -> products (product_id));
diesel::joinable!(components -> resources (resource_id));
diesel::joinable!(customer_consumer_groups -> consumer_groups (consumer_group_id));
diesel::joinable!(customer_consumer_groups -> customers (customer_id));
diesel::joinable!(offering_consumer_groups -> consumer_groups (consumer_group_id));
diesel::joinable!(offering_consumer_groups -> offerings (offering_id));
diesel::joinable!(offering_elements -> offerings (offering_id));
diesel::joinable!(offering_prices -> offerings (offering_id));
diesel::joinable!(offering_prices -> prices (price_id));
diesel::joinable!(offering_service_levels -> offerings (offering_id));
diesel::joinable!(offering_services -> offerings (offering_id));
diesel::joinable!(offering_services -> services (service_id));
diesel::joinable!(offerings -> products (product_id));
diesel::joinable!(overlay_prices -> overlays (overlay_id));
diesel::joinable!(overlay_prices -> prices (price_id));
diesel::joinable!(overlay_service_levels -> overlays (overlay_id));
diesel::joinable!(overlays -> consumer_groups (consumer_group_id));
diesel::joinable!(overlays -> offerings (offering_id));
diesel::joinable!(service_outcomes -> services (service_id));
diesel::joinable!(service_products -> products (product_id));
diesel::joinable!(service_products -> services (service_id));
diesel::joinable!(webhook_deliveries -> webhooks (webhook_id));

diesel::allow_tables_to_appear_in_same_query!(
    agreements,
    api_keys,
    categories,
    category_offerings,
    category_services,
    components,
    consumer_groups,
    customer_consumer_groups,
    customer_view_digests,
    customers,
    events,
    external_refs,
    idempotency_keys,
    key_generation,
    offering_consumer_groups,
    offering_elements,
    offering_prices,
    offering_service_levels,
    offering_services,
    offerings,
    overlay_prices,
    overlay_service_levels,
    overlays,
    prices,
    products,
    resources,
    service_outcomes,
    service_products,
    services,
    view_watch,
    webhook_deliveries,
    webhooks,
);

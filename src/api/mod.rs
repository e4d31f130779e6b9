//! The HTTP layer: thin handlers, one file per collection, over the
//! catalogue's operations. It never builds SQL.

pub mod agreements;
pub mod api_keys;
pub mod auth;
pub mod body;
pub mod categories;
pub mod changes;
pub mod components;
pub mod conditional;
pub mod consumer_groups;
pub mod crud;
pub mod customers;
pub mod health;
pub mod idempotency;
pub mod memory;
pub mod metrics;
pub mod offerings;
pub mod overlays;
pub mod pagination;
pub mod preview;
pub mod prices;
pub mod products;
pub mod resources;
pub mod responses;
pub mod services;
pub mod spec;
pub mod strict_json;
pub mod tmf;
pub mod transfer;
pub mod views;
pub mod webhooks;

use std::sync::Arc;
use std::time::Duration;

use actix_web::web;
use tokio::sync::Semaphore;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::service_config::ServiceConfig;

use self::body::BodyReader;
use crate::catalogue::api_key::AdminKey;
use crate::error::ApiError;
use crate::service::Catalogue;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The catalogue.
    pub catalogue: Catalogue,
    /// The key from `VITRINE_ADMIN_KEY`, when set.
    pub admin_key: Option<AdminKey>,
    /// How request bodies are read.
    pub bodies: BodyReader,
    /// How long the first answer to a POST with an `Idempotency-Key` is
    /// kept for replays.
    pub idempotency_ttl: Duration,
    /// The largest document an import takes, in bytes.
    pub max_import_bytes: usize,
    /// Where webhooks may deliver.
    pub destinations: crate::catalogue::webhook::Destinations,
    /// The URL clients reach the service at, when configured: the base of
    /// the facades' `href` instead of the request's scheme and host.
    pub public_base_url: Option<String>,
    /// The views this replica served, while they are still what the
    /// catalogue shows.
    pub views: Arc<memory::ViewCache>,
    /// The keys this replica verified, while no key has changed.
    pub keys: Arc<memory::KeyCache>,
    /// One permit per database connection: no more store work runs at once
    /// than the pool has connections.
    permits: Arc<Semaphore>,
    /// How long a request waits for a permit before it is refused with 503.
    acquire_timeout: Duration,
}

impl AppState {
    /// The state of a service over `catalogue`, running at most
    /// `connections` pieces of database work at once.
    pub fn new(
        catalogue: Catalogue,
        admin_key: Option<AdminKey>,
        bodies: BodyReader,
        idempotency_ttl: Duration,
        max_import_bytes: usize,
        connections: usize,
        acquire_timeout: Duration,
    ) -> AppState {
        AppState {
            catalogue,
            admin_key,
            bodies,
            idempotency_ttl,
            max_import_bytes,
            destinations: crate::catalogue::webhook::Destinations::default(),
            public_base_url: None,
            views: Arc::new(memory::ViewCache::new(0)),
            keys: Arc::new(memory::KeyCache::new(memory::KEYS_KEPT)),
            permits: Arc::new(Semaphore::new(connections.max(1))),
            acquire_timeout,
        }
    }

    /// The same state, with webhooks allowed to deliver to `destinations`
    /// (public addresses only when not called).
    pub fn with_destinations(
        mut self,
        destinations: crate::catalogue::webhook::Destinations,
    ) -> AppState {
        self.destinations = destinations;
        self
    }

    /// The same state, keeping served views of up to `bytes` in all (none
    /// at 0).
    pub fn with_view_cache(mut self, bytes: usize) -> AppState {
        self.views = Arc::new(memory::ViewCache::new(bytes));
        self
    }

    /// The same state, with the facades' `href` based on `url`.
    pub fn with_public_base_url(mut self, url: Option<String>) -> AppState {
        self.public_base_url = url;
        self
    }

    /// Runs blocking catalogue work on the blocking pool, once a connection
    /// is free; when none frees up in time, answers 503 at once rather than
    /// queueing without bound.
    pub async fn run<T, F, E>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Catalogue) -> Result<T, E> + Send + 'static,
        E: Into<ApiError> + Send + 'static,
    {
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let waited = tokio::time::timeout(
                    self.acquire_timeout,
                    self.permits.clone().acquire_owned(),
                )
                .await
                .ok()
                .and_then(Result::ok);
                crate::metrics::pool_waited(waited.is_none());
                waited.ok_or_else(|| {
                    ApiError::Unavailable(
                        "The database is busy: every connection is in use. Try again shortly."
                            .to_owned(),
                    )
                })?
            }
        };
        let catalogue = self.catalogue.clone();
        let outcome = web::block(move || {
            let _permit = permit;
            f(&catalogue)
        })
        .await?;
        outcome.map_err(Into::into)
    }
}

/// Registers the `/api/v1` collections.
pub fn configure_v1(cfg: &mut ServiceConfig) {
    // Routes are tried in this order, and each pattern with an id costs a
    // match: the views, read most, come first.
    cfg.service(views::get_customer_view)
        .service(views::get_customer_view_offering)
        .service(views::get_consumer_group_view)
        .service(resources::list_resources)
        .service(resources::create_resource)
        .service(resources::get_resource)
        .service(resources::update_resource)
        .service(resources::delete_resource)
        .service(resources::get_resource_by_ref)
        .service(resources::put_resource_by_ref)
        .service(products::list_products)
        .service(products::create_product)
        .service(products::get_product)
        .service(products::update_product)
        .service(products::delete_product)
        .service(products::get_product_by_ref)
        .service(products::put_product_by_ref)
        .service(components::list_components)
        .service(components::create_component)
        .service(components::get_component)
        .service(components::update_component)
        .service(components::delete_component)
        .service(components::get_component_by_ref)
        .service(components::put_component_by_ref)
        .service(services::list_services)
        .service(services::create_service)
        .service(services::get_service)
        .service(services::update_service)
        .service(services::delete_service)
        .service(services::get_service_by_ref)
        .service(services::put_service_by_ref)
        .service(prices::list_prices)
        .service(prices::create_price)
        .service(prices::get_price)
        .service(prices::update_price)
        .service(prices::delete_price)
        .service(prices::get_price_by_ref)
        .service(prices::put_price_by_ref)
        .service(offerings::list_offerings)
        .service(offerings::create_offering)
        .service(offerings::get_offering)
        .service(offerings::update_offering)
        .service(offerings::delete_offering)
        .service(offerings::get_offering_by_ref)
        .service(offerings::put_offering_by_ref)
        .service(categories::list_categories)
        .service(categories::create_category)
        .service(categories::get_category)
        .service(categories::update_category)
        .service(categories::delete_category)
        .service(categories::get_category_by_ref)
        .service(categories::put_category_by_ref)
        .service(consumer_groups::list_consumer_groups)
        .service(consumer_groups::create_consumer_group)
        .service(consumer_groups::get_consumer_group)
        .service(consumer_groups::update_consumer_group)
        .service(consumer_groups::delete_consumer_group)
        .service(consumer_groups::get_consumer_group_by_ref)
        .service(consumer_groups::put_consumer_group_by_ref)
        .service(customers::list_customers)
        .service(customers::create_customer)
        .service(customers::get_customer)
        .service(customers::update_customer)
        .service(customers::delete_customer)
        .service(customers::get_customer_by_ref)
        .service(customers::put_customer_by_ref)
        .service(agreements::list_agreements)
        .service(agreements::create_agreement)
        .service(agreements::get_agreement)
        .service(agreements::update_agreement)
        .service(agreements::delete_agreement)
        .service(agreements::get_agreement_by_ref)
        .service(agreements::put_agreement_by_ref)
        .service(overlays::list_overlays)
        .service(overlays::create_overlay)
        .service(overlays::get_overlay)
        .service(overlays::update_overlay)
        .service(overlays::delete_overlay)
        .service(overlays::get_overlay_by_ref)
        .service(overlays::put_overlay_by_ref)
        .service(api_keys::get_me)
        .service(api_keys::list_api_keys)
        .service(api_keys::create_api_key)
        .service(api_keys::get_api_key)
        .service(api_keys::delete_api_key)
        .service(webhooks::list_webhooks)
        .service(webhooks::create_webhook)
        .service(webhooks::get_webhook)
        .service(webhooks::update_webhook)
        .service(webhooks::delete_webhook)
        .service(webhooks::list_webhook_deliveries)
        .service(changes::list_changes)
        .service(transfer::export_catalogue)
        .service(transfer::import_catalogue);
}

/// The parts of the spec that are not collected from the handlers.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Vitrine",
        description = "An ITIL 4 product and service catalogue: products built from resources, services built on products, offerings that package services for consumer groups, and a customer view that shows each customer exactly what it may see.\n\nEvery error is `application/problem+json` (RFC 9457). Every GET also answers HEAD.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
        contact(name = "Vitrine")
    ),
    servers((url = "http://127.0.0.1:8080", description = "A Vitrine on its default address (`VITRINE_BIND`); use the address of yours.")),
    components(schemas(crate::error::Problem, crate::catalogue::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "resources", description = "What the organisation has, in the four dimensions of service management: people, technology, partners, processes."),
        (name = "products", description = "Configurations of resources; each component says whether customers may see it, and how."),
        (name = "services", description = "Services built on one or more products, with utility, warranty and portfolio stage."),
        (name = "prices", description = "What offerings cost: one-time, recurring and usage prices, several per offering, tailored per consumer group by overlays."),
        (name = "offerings", description = "Service offerings: services packaged for consumer groups as goods, access to resources and service actions."),
        (name = "categories", description = "A tree of categories that group offerings and services, as portals and service catalogues show them."),
        (name = "consumer-groups", description = "The groups of consumers offerings are designed for."),
        (name = "customers", description = "Customers and the consumer groups they belong to."),
        (name = "agreements", description = "Service relationships: a customer's agreement to an offering."),
        (name = "overlays", description = "Tailoring: what a consumer group sees of an offering instead of the base offering. Field by field (price by price for the amounts it tailors), the overlay with the highest priority wins; on equal priorities, the consumer group with the smallest id."),
        (name = "views", description = "The catalogue as one customer, or one consumer group, sees it: computed, never stored, built from an allow-list of fields."),
        (name = "api-keys", description = "API keys and their roles: admin, editor, viewer, customer."),
        (name = "transfer", description = "The whole catalogue as one document: export it, import it (all or nothing, matched by id or external reference)."),
        (name = "webhooks", description = "Subscriptions that receive the change feed's events as they commit, signed, retried, at least once and in order."),
        (name = "changes", description = "The change feed: every committed change to the catalogue, in commit order, for the tools that follow it."),
        (name = "health", description = "Liveness and readiness, without a key."),
    )
)]
pub struct ApiDoc;

/// Adds the bearer scheme and the shared error responses.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        for (name, response) in responses::components() {
            components
                .responses
                .insert(name.to_owned(), response.into());
        }
    }
}

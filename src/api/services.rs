//! `/api/v1/services`

use actix_web::{delete, get, patch, post, put};
use uuid::Uuid;

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::reference::RefKey;
use crate::catalogue::service::{PortfolioStage, Service, ServiceFilter, ServiceInput};

list_query! {
    /// Filters of the service list.
    ServiceQuery => ServiceFilter {
        /// Exactly this name.
        name: String,
        /// In this portfolio stage.
        portfolio_stage: PortfolioStage,
        /// Exactly this owner.
        owner: String,
        /// Built on this product.
        product_id: Uuid,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of services.
    ServiceList of Service
}

crud_api! {
    entity: Service, input: ServiceInput, query: ServiceQuery, list: ServiceList,
    tag: "services", collection: "/services", item: "/services/{id}",
    by_ref: "/services/by-ref/{system}/{external_id}",
    list: list_services "List services",
    get: get_service "Get a service",
    create: create_service "Create a service",
    update: update_service "Change a service",
    delete: delete_service "Delete a service",
    get_by_ref: get_service_by_ref "Get a service by its reference in another system",
    put_by_ref: put_service_by_ref "Create or replace a service by its reference in another system",
}

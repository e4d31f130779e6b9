//! `/api/v1/offerings`

use actix_web::{delete, get, patch, post, put};
use uuid::Uuid;

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::offering::{Offering, OfferingFilter, OfferingInput, OfferingStatus};
use crate::catalogue::reference::RefKey;

list_query! {
    /// Filters of the offering list.
    OfferingQuery => OfferingFilter {
        /// Exactly this name.
        name: String,
        /// With this status.
        status: OfferingStatus,
        /// Packaging this service.
        service_id: Uuid,
        /// Designed for this consumer group.
        consumer_group_id: Uuid,
        /// With this price.
        price_id: Uuid,
        /// Selling this product.
        product_id: Uuid,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of offerings.
    OfferingList of Offering
}

crud_api! {
    entity: Offering, input: OfferingInput, query: OfferingQuery, list: OfferingList,
    tag: "offerings", collection: "/offerings", item: "/offerings/{id}",
    by_ref: "/offerings/by-ref/{system}/{external_id}",
    list: list_offerings "List offerings",
    get: get_offering "Get an offering",
    create: create_offering "Create an offering",
    update: update_offering "Change an offering",
    delete: delete_offering "Delete an offering",
    get_by_ref: get_offering_by_ref "Get an offering by its reference in another system",
    put_by_ref: put_offering_by_ref "Create or replace an offering by its reference in another system",
}

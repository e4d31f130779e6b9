//! `/api/v1/offerings`

use actix_web::{delete, get, patch, post};
use uuid::Uuid;

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::offering::{Offering, OfferingFilter, OfferingInput, OfferingStatus};

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
    }
}

list_type! {
    /// A page of offerings.
    OfferingList of Offering
}

crud_api! {
    entity: Offering, input: OfferingInput, query: OfferingQuery, list: OfferingList,
    tag: "offerings", collection: "/offerings", item: "/offerings/{id}",
    list: list_offerings "List offerings",
    get: get_offering "Get an offering",
    create: create_offering "Create an offering",
    update: update_offering "Change an offering",
    delete: delete_offering "Delete an offering",
}

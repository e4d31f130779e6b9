//! `/api/v1/resources`

use actix_web::{delete, get, patch, post, put};

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::reference::RefKey;
use crate::catalogue::resource::{Dimension, Resource, ResourceFilter, ResourceInput};

list_query! {
    /// Filters of the resource list.
    ResourceQuery => ResourceFilter {
        /// Exactly this name.
        name: String,
        /// This dimension.
        dimension: Dimension,
        /// Exactly this owner.
        owner: String,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of resources.
    ResourceList of Resource
}

crud_api! {
    entity: Resource, input: ResourceInput, query: ResourceQuery, list: ResourceList,
    tag: "resources", collection: "/resources", item: "/resources/{id}",
    by_ref: "/resources/by-ref/{system}/{external_id}",
    list: list_resources "List resources",
    get: get_resource "Get a resource",
    create: create_resource "Create a resource",
    update: update_resource "Change a resource",
    delete: delete_resource "Delete a resource",
    get_by_ref: get_resource_by_ref "Get a resource by its reference in another system",
    put_by_ref: put_resource_by_ref "Create or replace a resource by its reference in another system",
}

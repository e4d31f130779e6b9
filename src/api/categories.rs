//! `/api/v1/categories`

use actix_web::{delete, get, patch, post, put};
use uuid::Uuid;

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::category::{Category, CategoryFilter, CategoryInput};
use crate::catalogue::reference::RefKey;

list_query! {
    /// Filters of the category list.
    CategoryQuery => CategoryFilter {
        /// Exactly this name.
        name: String,
        /// Directly under this category.
        parent_id: Uuid,
        /// Grouping this offering.
        offering_id: Uuid,
        /// Grouping this service.
        service_id: Uuid,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of categories.
    CategoryList of Category
}

crud_api! {
    entity: Category, input: CategoryInput, query: CategoryQuery, list: CategoryList,
    tag: "categories", collection: "/categories", item: "/categories/{id}",
    by_ref: "/categories/by-ref/{system}/{external_id}",
    list: list_categories "List categories",
    get: get_category "Get a category",
    create: create_category "Create a category",
    update: update_category "Change a category",
    delete: delete_category "Delete a category",
    get_by_ref: get_category_by_ref "Get a category by its reference in another system",
    put_by_ref: put_category_by_ref "Create or replace a category by its reference in another system",
}

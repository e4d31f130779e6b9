//! `/api/v1/products`

use actix_web::{delete, get, patch, post, put};

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::product::{LifecycleStatus, Product, ProductFilter, ProductInput};
use crate::catalogue::reference::RefKey;

list_query! {
    /// Filters of the product list.
    ProductQuery => ProductFilter {
        /// Exactly this name.
        name: String,
        /// This lifecycle status.
        lifecycle_status: LifecycleStatus,
        /// Exactly this owner.
        owner: String,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of products.
    ProductList of Product
}

crud_api! {
    entity: Product, input: ProductInput, query: ProductQuery, list: ProductList,
    tag: "products", collection: "/products", item: "/products/{id}",
    by_ref: "/products/by-ref/{system}/{external_id}",
    list: list_products "List products",
    get: get_product "Get a product",
    create: create_product "Create a product",
    update: update_product "Change a product",
    delete: delete_product "Delete a product and its components",
    get_by_ref: get_product_by_ref "Get a product by its reference in another system",
    put_by_ref: put_product_by_ref "Create or replace a product by its reference in another system",
}

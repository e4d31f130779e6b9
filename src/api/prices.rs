//! `/api/v1/prices`

use actix_web::{delete, get, patch, post, put};

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::price::{Price, PriceFilter, PriceInput, PriceStatus, PriceType};
use crate::catalogue::reference::RefKey;

list_query! {
    /// Filters of the price list.
    PriceQuery => PriceFilter {
        /// Exactly this name.
        name: String,
        /// Of this type.
        price_type: PriceType,
        /// With this status.
        status: PriceStatus,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of prices.
    PriceList of Price
}

crud_api! {
    entity: Price, input: PriceInput, query: PriceQuery, list: PriceList,
    tag: "prices", collection: "/prices", item: "/prices/{id}",
    by_ref: "/prices/by-ref/{system}/{external_id}",
    list: list_prices "List prices",
    get: get_price "Get a price",
    create: create_price "Create a price",
    update: update_price "Change a price",
    delete: delete_price "Delete a price",
    get_by_ref: get_price_by_ref "Get a price by its reference in another system",
    put_by_ref: put_price_by_ref "Create or replace a price by its reference in another system",
}

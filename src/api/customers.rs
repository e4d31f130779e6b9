//! `/api/v1/customers`

use actix_web::{delete, get, patch, post, put};
use uuid::Uuid;

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::customer::{Customer, CustomerFilter, CustomerInput};
use crate::catalogue::reference::RefKey;

list_query! {
    /// Filters of the customer list.
    CustomerQuery => CustomerFilter {
        /// Exactly this name.
        name: String,
        /// Members of this consumer group.
        consumer_group_id: Uuid,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of customers.
    CustomerList of Customer
}

crud_api! {
    entity: Customer, input: CustomerInput, query: CustomerQuery, list: CustomerList,
    tag: "customers", collection: "/customers", item: "/customers/{id}",
    by_ref: "/customers/by-ref/{system}/{external_id}",
    list: list_customers "List customers",
    get: get_customer "Get a customer",
    create: create_customer "Create a customer",
    update: update_customer "Change a customer",
    delete: delete_customer "Delete a customer",
    get_by_ref: get_customer_by_ref "Get a customer by its reference in another system",
    put_by_ref: put_customer_by_ref "Create or replace a customer by its reference in another system",
}

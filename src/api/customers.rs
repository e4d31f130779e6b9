//! `/api/v1/customers`

use actix_web::{delete, get, patch, post};
use uuid::Uuid;

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::customer::{Customer, CustomerFilter, CustomerInput};

list_query! {
    /// Filters of the customer list.
    CustomerQuery => CustomerFilter {
        /// Exactly this name.
        name: String,
        /// Members of this consumer group.
        consumer_group_id: Uuid,
    }
}

list_type! {
    /// A page of customers.
    CustomerList of Customer
}

crud_api! {
    entity: Customer, input: CustomerInput, query: CustomerQuery, list: CustomerList,
    tag: "customers", collection: "/customers", item: "/customers/{id}",
    list: list_customers "List customers",
    get: get_customer "Get a customer",
    create: create_customer "Create a customer",
    update: update_customer "Change a customer",
    delete: delete_customer "Delete a customer",
}

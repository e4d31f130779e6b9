//! `/api/v1/agreements`

use actix_web::{delete, get, patch, post};
use uuid::Uuid;

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::agreement::{Agreement, AgreementFilter, AgreementInput, AgreementStatus};

list_query! {
    /// Filters of the agreement list.
    AgreementQuery => AgreementFilter {
        /// Of this customer.
        customer_id: Uuid,
        /// To this offering.
        offering_id: Uuid,
        /// With this status.
        status: AgreementStatus,
    }
}

list_type! {
    /// A page of agreements.
    AgreementList of Agreement
}

crud_api! {
    entity: Agreement, input: AgreementInput, query: AgreementQuery, list: AgreementList,
    tag: "agreements", collection: "/agreements", item: "/agreements/{id}",
    list: list_agreements "List agreements",
    get: get_agreement "Get an agreement",
    create: create_agreement "Create an agreement",
    update: update_agreement "Change an agreement",
    delete: delete_agreement "Delete an agreement",
}

//! `/api/v1/agreements`

use actix_web::{delete, get, patch, post, put};
use uuid::Uuid;

use super::crud::crud_api;
use super::pagination::{list_query, list_type};
use crate::catalogue::agreement::{Agreement, AgreementFilter, AgreementInput, AgreementStatus};
use crate::catalogue::reference::RefKey;

list_query! {
    /// Filters of the agreement list.
    AgreementQuery => AgreementFilter {
        /// Of this customer.
        customer_id: Uuid,
        /// To this offering.
        offering_id: Uuid,
        /// With this status.
        status: AgreementStatus,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of agreements.
    AgreementList of Agreement
}

crud_api! {
    entity: Agreement, input: AgreementInput, query: AgreementQuery, list: AgreementList,
    tag: "agreements", collection: "/agreements", item: "/agreements/{id}",
    by_ref: "/agreements/by-ref/{system}/{external_id}",
    list: list_agreements "List agreements",
    get: get_agreement "Get an agreement",
    create: create_agreement "Create an agreement",
    update: update_agreement "Change an agreement",
    delete: delete_agreement "Delete an agreement",
    get_by_ref: get_agreement_by_ref "Get an agreement by its reference in another system",
    put_by_ref: put_agreement_by_ref "Create or replace an agreement by its reference in another system",
}

//! Agreements: a customer's service relationship with an offering.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::reference::{ExternalRef, RefKey};
use super::validate::Errors;
use super::{external_refs_field, meta_and_fields, text_enum, Entity, ForwardLifecycle, Meta};

text_enum! {
    /// Where an agreement is: `proposed`, `active`, `ended`; it moves
    /// forward only.
    AgreementStatus {
        /// Offered to the customer, not yet in force.
        Proposed => "proposed",
        /// In force.
        Active => "active",
        /// No longer in force.
        Ended => "ended",
    }
}

impl ForwardLifecycle for AgreementStatus {
    fn as_str(self) -> &'static str {
        AgreementStatus::as_str(self)
    }
}

/// An agreement of a customer to an offering.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a17",
    "customer_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a12",
    "offering_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a16",
    "status": "active", "starts_on": "2026-01-01", "ends_on": "2027-12-31",
    "external_refs": [{"system": "servicenow", "id": "b3a70e1f2a3b4c5d6e7f8091a2b3c4d5e6"}],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct Agreement {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: AgreementInput,
}

/// The writable fields of an agreement. Its customer and offering are set at
/// creation and cannot change.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "customer_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a12",
    "offering_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a16",
    "starts_on": "2026-01-01", "ends_on": "2027-12-31"
}))]
pub struct AgreementInput {
    /// The customer, which must exist; it cannot change.
    pub customer_id: Uuid,
    /// The offering agreed to, which must exist; it cannot change.
    pub offering_id: Uuid,
    /// Where it is: `active` when a create leaves it out; it moves forward
    /// only.
    #[serde(default = "active")]
    #[schema(default = "active")]
    pub status: AgreementStatus,
    /// The first day in force (`YYYY-MM-DD`); open when null.
    #[serde(default, deserialize_with = "super::validate::optional_day")]
    pub starts_on: Option<NaiveDate>,
    /// The last day in force (`YYYY-MM-DD`), not before `starts_on`; open when null.
    #[serde(default, deserialize_with = "super::validate::optional_day")]
    pub ends_on: Option<NaiveDate>,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

fn active() -> AgreementStatus {
    AgreementStatus::Active
}

/// Filters of the agreement list.
#[derive(Debug, Default)]
pub struct AgreementFilter {
    /// Of this customer.
    pub customer_id: Option<Uuid>,
    /// To this offering.
    pub offering_id: Option<Uuid>,
    /// With this status.
    pub status: Option<AgreementStatus>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

impl Entity for Agreement {
    const KIND: &'static str = "agreement";
    type Input = AgreementInput;
    type Scope = ();
    type Filter = AgreementFilter;
    const RELATIONS: &'static [(&'static str, &'static str)] =
        &[("customer_id", "customer"), ("offering_id", "offering")];
    const IMMUTABLE: &'static [&'static str] = &["customer_id", "offering_id"];

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &AgreementInput, errors: &mut Errors) {
        errors.date_range("starts_on", input.starts_on, "ends_on", input.ends_on);
    }

    fn check_transition(current: &Agreement, next: &AgreementInput, errors: &mut Errors) {
        current
            .fields
            .status
            .check_move(next.status, "status", errors);
    }
}

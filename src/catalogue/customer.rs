//! Customers: the organisations that define requirements and take
//! responsibility for outcomes; each belongs to consumer groups.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::reference::{ExternalRef, RefKey};
use super::validate::{Errors, TEXT_MAX};
use super::{external_refs_field, meta_and_fields, Entity, Meta};

/// A customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a12", "name": "City of Ghent",
    "description": null, "consumer_group_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a11"],
    "external_refs": [{"system": "servicenow", "id": "e6d90e1f2a3b4c5d6e7f8091a2b3c4d5e6"}],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct Customer {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: CustomerInput,
}

/// The writable fields of a customer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "City of Ghent", "consumer_group_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a11"]}))]
pub struct CustomerInput {
    /// Its name: 1 to 200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: String,
    /// What it is; at most 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// The consumer groups it belongs to, each of which must exist; listed
    /// by id.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub consumer_group_ids: Vec<Uuid>,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

/// Filters of the customer list.
#[derive(Debug, Default)]
pub struct CustomerFilter {
    /// Exactly this name.
    pub name: Option<String>,
    /// Members of this consumer group.
    pub consumer_group_id: Option<Uuid>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

impl Entity for Customer {
    const KIND: &'static str = "customer";
    type Input = CustomerInput;
    type Scope = ();
    type Filter = CustomerFilter;
    const RELATIONS: &'static [(&'static str, &'static str)] =
        &[("consumer_group_ids", "consumer_group")];

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &CustomerInput, errors: &mut Errors) {
        errors.name("name", &input.name);
        errors.optional_text("description", input.description.as_deref(), TEXT_MAX);
        errors.ids("consumer_group_ids", &input.consumer_group_ids, 0);
    }
}

//! Resources: what the organisation has, in one of the four dimensions of
//! service management.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reference::{ExternalRef, RefKey};
use super::validate::{Errors, SHORT_MAX, TEXT_MAX};
use super::{external_refs_field, meta_and_fields, text_enum, Entity, Meta, Money};

text_enum! {
    /// The four dimensions of service management.
    Dimension {
        /// People, roles, teams, skills.
        OrganizationsAndPeople => "organizations_and_people",
        /// Information, applications, infrastructure.
        InformationAndTechnology => "information_and_technology",
        /// What partners and suppliers contribute.
        PartnersAndSuppliers => "partners_and_suppliers",
        /// Value streams and processes.
        ValueStreamsAndProcesses => "value_streams_and_processes",
    }
}

/// A resource of the organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a10", "name": "Linux VM, 4 vCPU",
    "description": "A virtual machine in the Frankfurt data centre",
    "dimension": "information_and_technology",
    "unit_cost": {"amount": "42.00", "currency": "EUR"}, "owner": "Infrastructure",
    "external_refs": [{"system": "servicenow", "id": "9d3e0e1f2a3b4c5d6e7f8091a2b3c4d5e6"}],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct Resource {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: ResourceInput,
}

/// The writable fields of a resource.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Linux VM, 4 vCPU", "dimension": "information_and_technology",
    "unit_cost": {"amount": "42.00", "currency": "EUR"}, "owner": "Infrastructure"
}))]
pub struct ResourceInput {
    /// Its name: 1 to 200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: String,
    /// What it is; at most 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Its dimension of service management.
    pub dimension: Dimension,
    /// What one unit costs the organisation.
    pub unit_cost: Option<Money>,
    /// Who is accountable for it; at most 200 characters.
    #[schema(max_length = 200)]
    pub owner: Option<String>,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

/// Filters of the resource list.
#[derive(Debug, Default)]
pub struct ResourceFilter {
    /// Exactly this name.
    pub name: Option<String>,
    /// This dimension.
    pub dimension: Option<Dimension>,
    /// Exactly this owner.
    pub owner: Option<String>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

impl Entity for Resource {
    const KIND: &'static str = "resource";
    type Input = ResourceInput;
    type Scope = ();
    type Filter = ResourceFilter;

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &ResourceInput, errors: &mut Errors) {
        errors.name("name", &input.name);
        errors.optional_text("description", input.description.as_deref(), TEXT_MAX);
        errors.money("unit_cost", input.unit_cost.as_ref());
        errors.optional_text("owner", input.owner.as_deref(), SHORT_MAX);
    }
}

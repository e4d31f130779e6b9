//! Product components: one resource inside a product, with its role and
//! quantity, and whether customers may see it. A component customers see is
//! shown by its customer label and description, never by the resource.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::reference::{ExternalRef, RefKey};
use super::validate::{Errors, SHORT_MAX, TEXT_MAX};
use super::{external_refs_field, meta_and_fields, text_enum, Entity, Meta};

text_enum! {
    /// Who may see a component.
    Visibility {
        /// The organisation only.
        Internal => "internal",
        /// Customers too, by its customer label and description.
        Customer => "customer",
    }
}

/// The largest quantity of one component.
pub const QUANTITY_MAX: i32 = 1_000_000;

/// A component of a product.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a14",
    "product_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a13",
    "resource_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a10",
    "quantity": 2, "role": "compute", "visibility": "customer",
    "customer_label": "Two dedicated virtual CPUs", "customer_description": null,
    "external_refs": [{"system": "servicenow", "id": "c07b0e1f2a3b4c5d6e7f8091a2b3c4d5e6"}],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct Component {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// The product it belongs to.
    pub product_id: Uuid,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: ComponentInput,
}

/// The writable fields of a component.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "resource_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a10", "quantity": 2, "role": "compute",
    "visibility": "customer", "customer_label": "Two dedicated virtual CPUs"
}))]
pub struct ComponentInput {
    /// The resource it uses, which must exist.
    pub resource_id: Uuid,
    /// How many units of the resource: 1 to 1,000,000; 1 when a create
    /// leaves it out.
    #[serde(default = "one")]
    #[schema(minimum = 1, maximum = 1000000, default = 1)]
    pub quantity: i32,
    /// What it does in the product; at most 200 characters.
    #[schema(max_length = 200)]
    pub role: Option<String>,
    /// Who may see it: `internal` (the organisation only) or `customer`.
    pub visibility: Visibility,
    /// What customers see the component as, needed when `visibility` is
    /// `customer`; 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub customer_label: Option<String>,
    /// What customers read about it; at most 10,000 characters.
    #[schema(max_length = 10000)]
    pub customer_description: Option<String>,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

fn one() -> i32 {
    1
}

/// Filters of a product's component list.
#[derive(Debug, Default)]
pub struct ComponentFilter {
    /// Using this resource.
    pub resource_id: Option<Uuid>,
    /// With this visibility.
    pub visibility: Option<Visibility>,
    /// Exactly this role.
    pub role: Option<String>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

impl Entity for Component {
    const KIND: &'static str = "component";
    type Input = ComponentInput;
    type Scope = Uuid;
    type Filter = ComponentFilter;
    const RELATIONS: &'static [(&'static str, &'static str)] = &[("resource_id", "resource")];

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &ComponentInput, errors: &mut Errors) {
        if !(1..=QUANTITY_MAX).contains(&input.quantity) {
            errors.add("quantity", format!("must be from 1 to {QUANTITY_MAX}"));
        }
        errors.optional_text("role", input.role.as_deref(), SHORT_MAX);
        match (&input.visibility, &input.customer_label) {
            (Visibility::Customer, None) => errors.add(
                "customer_label",
                "customers see a component by its label: a component they may see needs one",
            ),
            (_, Some(label)) => errors.required_text("customer_label", label, SHORT_MAX),
            (Visibility::Internal, None) => {}
        }
        errors.optional_text(
            "customer_description",
            input.customer_description.as_deref(),
            TEXT_MAX,
        );
    }
}

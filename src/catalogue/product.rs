//! Products: configurations of the organisation's resources. What a product
//! is made of lives in its components (`/products/{id}/components`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reference::{ExternalRef, RefKey};
use super::validate::{Errors, SHORT_MAX, TEXT_MAX};
use super::{external_refs_field, meta_and_fields, text_enum, Entity, ForwardLifecycle, Meta};

text_enum! {
    /// Where a product is in its life: `draft`, then `active`, then
    /// `retired`; it never comes back.
    LifecycleStatus {
        /// Being designed.
        Draft => "draft",
        /// In use.
        Active => "active",
        /// No longer in use.
        Retired => "retired",
    }
}

impl ForwardLifecycle for LifecycleStatus {
    fn as_str(self) -> &'static str {
        LifecycleStatus::as_str(self)
    }
}

/// A product.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a13", "name": "Managed Linux server",
    "description": "A patched, monitored and backed-up Linux server",
    "lifecycle_status": "active", "owner": "Platform team",
    "external_refs": [{"system": "servicenow", "id": "5a1c0e1f2a3b4c5d6e7f8091a2b3c4d5e6"}],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 2
}))]
pub struct Product {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: ProductInput,
}

/// The writable fields of a product.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Managed Linux server", "owner": "Platform team"}))]
pub struct ProductInput {
    /// Its name: 1 to 200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: String,
    /// What it is; at most 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// Where it is in its life: `draft` when a create leaves it out; it
    /// moves forward only.
    #[serde(default = "draft")]
    #[schema(default = "draft")]
    pub lifecycle_status: LifecycleStatus,
    /// Who is accountable for it; at most 200 characters.
    #[schema(max_length = 200)]
    pub owner: Option<String>,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

fn draft() -> LifecycleStatus {
    LifecycleStatus::Draft
}

/// Filters of the product list.
#[derive(Debug, Default)]
pub struct ProductFilter {
    /// Exactly this name.
    pub name: Option<String>,
    /// This lifecycle status.
    pub lifecycle_status: Option<LifecycleStatus>,
    /// Exactly this owner.
    pub owner: Option<String>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

impl Entity for Product {
    const KIND: &'static str = "product";
    type Input = ProductInput;
    type Scope = ();
    type Filter = ProductFilter;

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &ProductInput, errors: &mut Errors) {
        errors.name("name", &input.name);
        errors.optional_text("description", input.description.as_deref(), TEXT_MAX);
        errors.optional_text("owner", input.owner.as_deref(), SHORT_MAX);
    }

    fn check_transition(current: &Product, next: &ProductInput, errors: &mut Errors) {
        current.fields.lifecycle_status.check_move(
            next.lifecycle_status,
            "lifecycle_status",
            errors,
        );
    }
}

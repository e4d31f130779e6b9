//! Categories: a tree that groups offerings and services, as a portal or a
//! service catalogue shows them ("Hosting", under it "Linux"). A category
//! names its members and its parent; TMF620 serves it as a `category`, and
//! TMF633 as a `serviceCategory`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::reference::{ExternalRef, RefKey};
use super::validate::{Errors, TEXT_MAX};
use super::{external_refs_field, meta_and_fields, Entity, Meta};

/// How deep the tree of categories may go.
pub const DEPTH_MAX: usize = 20;

/// A category.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a41", "name": "Linux hosting",
    "description": "Servers and platforms on Linux",
    "parent_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a40",
    "offering_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a16"],
    "service_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a15"], "external_refs": [],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct Category {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: CategoryInput,
}

/// The writable fields of a category.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Linux hosting", "parent_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a40",
    "offering_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a16"]
}))]
pub struct CategoryInput {
    /// Its name: 1 to 200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: String,
    /// What it groups; at most 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// The category it is under; none for a root. It must exist, and not
    /// be the category itself or one under it.
    pub parent_id: Option<Uuid>,
    /// The offerings it groups, each of which must exist; listed by id.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub offering_ids: Vec<Uuid>,
    /// The services it groups, each of which must exist; listed by id.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub service_ids: Vec<Uuid>,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

/// Filters of the category list.
#[derive(Debug, Default)]
pub struct CategoryFilter {
    /// Exactly this name.
    pub name: Option<String>,
    /// Directly under this category.
    pub parent_id: Option<Uuid>,
    /// Grouping this offering.
    pub offering_id: Option<Uuid>,
    /// Grouping this service.
    pub service_id: Option<Uuid>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

impl Entity for Category {
    const KIND: &'static str = "category";
    type Input = CategoryInput;
    type Scope = ();
    type Filter = CategoryFilter;
    const RELATIONS: &'static [(&'static str, &'static str)] = &[
        ("parent_id", "category"),
        ("offering_ids", "offering"),
        ("service_ids", "service"),
    ];

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &CategoryInput, errors: &mut Errors) {
        errors.name("name", &input.name);
        errors.optional_text("description", input.description.as_deref(), TEXT_MAX);
        errors.ids("offering_ids", &input.offering_ids, 0);
        errors.ids("service_ids", &input.service_ids, 0);
    }
}

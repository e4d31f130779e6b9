//! Consumer groups: the groups of consumers an offering is designed for.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reference::{ExternalRef, RefKey};
use super::validate::{Errors, TEXT_MAX};
use super::{external_refs_field, meta_and_fields, Entity, Meta};

/// A consumer group.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a11", "name": "Public sector",
    "description": "Ministries, agencies and municipalities",
    "external_refs": [{"system": "servicenow", "id": "41b00e1f2a3b4c5d6e7f8091a2b3c4d5e6"}],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct ConsumerGroup {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: ConsumerGroupInput,
}

/// The writable fields of a consumer group.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "Public sector", "description": "Ministries, agencies and municipalities"}))]
pub struct ConsumerGroupInput {
    /// Its name: 1 to 200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: String,
    /// Who belongs to it; at most 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

/// Filters of the consumer group list.
#[derive(Debug, Default)]
pub struct ConsumerGroupFilter {
    /// Exactly this name.
    pub name: Option<String>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

impl Entity for ConsumerGroup {
    const KIND: &'static str = "consumer_group";
    type Input = ConsumerGroupInput;
    type Scope = ();
    type Filter = ConsumerGroupFilter;

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &ConsumerGroupInput, errors: &mut Errors) {
        errors.name("name", &input.name);
        errors.optional_text("description", input.description.as_deref(), TEXT_MAX);
    }
}

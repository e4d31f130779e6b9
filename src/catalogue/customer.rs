//! Customers: the organisations that define requirements and take
//! responsibility for outcomes; each belongs to consumer groups.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::validate::{Errors, TEXT_MAX};
use super::{meta_fields, Entity};

/// A customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a12", "name": "City of Ghent",
    "description": null, "consumer_group_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a11"],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct Customer {
    /// The customer's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Who it is.
    pub description: Option<String>,
    /// The consumer groups it belongs to.
    pub consumer_group_ids: Vec<Uuid>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Its version, as in its `ETag`.
    pub version: i32,
}

/// The writable fields of a customer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "City of Ghent", "consumer_group_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a11"]}))]
pub struct CustomerInput {
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: String,
    /// At most 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// The consumer groups it belongs to; each id must exist.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub consumer_group_ids: Vec<Uuid>,
}

/// Filters of the customer list.
#[derive(Debug, Default)]
pub struct CustomerFilter {
    /// Exactly this name.
    pub name: Option<String>,
    /// Members of this consumer group.
    pub consumer_group_id: Option<Uuid>,
}

impl Entity for Customer {
    const KIND: &'static str = "customer";
    type Input = CustomerInput;
    type Scope = ();
    type Filter = CustomerFilter;

    meta_fields!();

    fn to_input(&self) -> CustomerInput {
        CustomerInput {
            name: self.name.clone(),
            description: self.description.clone(),
            consumer_group_ids: self.consumer_group_ids.clone(),
        }
    }

    fn validate(input: &CustomerInput, errors: &mut Errors) {
        errors.name("name", &input.name);
        errors.optional_text("description", input.description.as_deref(), TEXT_MAX);
        errors.ids("consumer_group_ids", &input.consumer_group_ids, 0);
    }
}

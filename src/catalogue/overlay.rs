//! Overlays: how an offering is tailored for one consumer group. Each field
//! an overlay sets replaces the offering's own in the views of that group's
//! members; a field it leaves null is not touched.
//!
//! Precedence, for a customer in several groups with overlays on the same
//! offering: field by field (and price by price), the overlay with the
//! highest `priority` that sets the field wins; on equal priorities, the overlay of the consumer
//! group with the smallest id wins.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::offering::{check_service_levels, ServiceLevel};
use super::reference::{ExternalRef, RefKey};
use super::validate::{Errors, TEXT_MAX};
use super::{external_refs_field, meta_and_fields, Entity, Meta, Money};

/// The largest priority, either way.
pub const PRIORITY_MAX: i32 = 1_000_000;

/// An overlay of one consumer group on one offering.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a18",
    "consumer_group_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a11",
    "offering_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a16",
    "name": "Linux hosting for the public sector", "description": null,
    "prices": [{"price_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a19", "price": {"amount": "399.00", "currency": "EUR"}}],
    "service_levels": null, "priority": 10,
    "external_refs": [{"system": "servicenow", "id": "7c550e1f2a3b4c5d6e7f8091a2b3c4d5e6"}],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct Overlay {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: OverlayInput,
}

/// The writable fields of an overlay. Its consumer group and offering are
/// set at creation and cannot change; there is one overlay per pair.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "consumer_group_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a11",
    "offering_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a16",
    "prices": [{"price_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a19", "price": {"amount": "399.00", "currency": "EUR"}}],
    "priority": 10
}))]
pub struct OverlayInput {
    /// The consumer group it tailors for, which must exist; it cannot change.
    pub consumer_group_id: Uuid,
    /// The offering it tailors, which must exist; it cannot change.
    pub offering_id: Uuid,
    /// The name the group's members see: 1 to 200 characters; the
    /// offering's own when null.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: Option<String>,
    /// The description the group's members see: at most 10,000 characters;
    /// the offering's own when null.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// The amounts the group's members see instead of those of the
    /// offering's prices: at most one per price, each naming one of the
    /// offering's prices; the prices it leaves out keep their own amounts.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub prices: Vec<PriceOverride>,
    /// The service levels the group's members see, replacing the offering's
    /// list (at most 200); the offering's own when null.
    #[schema(max_items = 200)]
    pub service_levels: Option<Vec<ServiceLevel>>,
    /// Higher wins where a customer's groups overlay the same field:
    /// -1,000,000 to 1,000,000; 0 when a create leaves it out.
    #[serde(default)]
    #[schema(minimum = -1000000, maximum = 1000000, default = 0)]
    pub priority: i32,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

/// The amount a consumer group sees for one of the offering's prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a19", "price": {"amount": "399.00", "currency": "EUR"}}))]
pub struct PriceOverride {
    /// The price tailored: one of the offering's prices.
    pub price_id: Uuid,
    /// The amount the group's members see.
    pub price: Money,
}

/// Filters of the overlay list.
#[derive(Debug, Default)]
pub struct OverlayFilter {
    /// For this consumer group.
    pub consumer_group_id: Option<Uuid>,
    /// On this offering.
    pub offering_id: Option<Uuid>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

impl Entity for Overlay {
    const KIND: &'static str = "overlay";
    type Input = OverlayInput;
    type Scope = ();
    type Filter = OverlayFilter;
    const RELATIONS: &'static [(&'static str, &'static str)] = &[
        ("consumer_group_id", "consumer_group"),
        ("offering_id", "offering"),
    ];
    const IMMUTABLE: &'static [&'static str] = &["consumer_group_id", "offering_id"];

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &OverlayInput, errors: &mut Errors) {
        if let Some(name) = &input.name {
            errors.name("name", name);
        }
        errors.optional_text("description", input.description.as_deref(), TEXT_MAX);
        errors.list_len("prices", &input.prices);
        let mut seen = std::collections::HashSet::new();
        for (i, tailored) in input.prices.iter().enumerate() {
            errors.money(&format!("prices[{i}].price"), Some(&tailored.price));
            if !seen.insert(tailored.price_id) {
                errors.add(
                    format!("prices[{i}].price_id"),
                    format!("{} is tailored twice", tailored.price_id),
                );
            }
        }
        if let Some(levels) = &input.service_levels {
            check_service_levels(errors, levels);
        }
        if !(-PRIORITY_MAX..=PRIORITY_MAX).contains(&input.priority) {
            errors.add(
                "priority",
                format!("must be from -{PRIORITY_MAX} to {PRIORITY_MAX}"),
            );
        }
    }
}

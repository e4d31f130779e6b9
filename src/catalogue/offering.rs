//! Service offerings: formal descriptions of one or more services, designed
//! for target consumer groups, made of goods, access to resources and
//! service actions, with prices and service levels, valid in a window.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::reference::{ExternalRef, RefKey};
use super::validate::{Errors, SHORT_MAX, TEXT_MAX};
use super::{external_refs_field, meta_and_fields, text_enum, Entity, ForwardLifecycle, Meta};

text_enum! {
    /// Where an offering is in its life: `draft`, `active` (offered),
    /// `retired`; it moves forward only.
    OfferingStatus {
        /// Being prepared.
        Draft => "draft",
        /// Offered.
        Active => "active",
        /// No longer offered.
        Retired => "retired",
    }
}

impl ForwardLifecycle for OfferingStatus {
    fn as_str(self) -> &'static str {
        OfferingStatus::as_str(self)
    }
}

text_enum! {
    /// What an element of an offering gives the consumer.
    ElementKind {
        /// Goods: ownership passes to the consumer.
        Goods => "goods",
        /// Access to resources: the consumer may use them.
        AccessToResources => "access_to_resources",
        /// A service action: something the provider does on request.
        ServiceAction => "service_action",
    }
}

/// One element of an offering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "service_action", "name": "Restore from backup", "description": "On request, within 4 hours"}))]
pub struct Element {
    /// What it gives.
    pub kind: ElementKind,
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: String,
    /// At most 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
}

/// One service level promised by an offering.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"metric": "availability", "target": "99.9", "unit": "percent"}))]
pub struct ServiceLevel {
    /// What is measured; 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub metric: String,
    /// The promised value; 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub target: String,
    /// The unit of the target; at most 200 characters.
    #[schema(max_length = 200)]
    pub unit: Option<String>,
}

/// Checks a list of service levels, named `service_levels`.
pub(crate) fn check_service_levels(errors: &mut Errors, levels: &[ServiceLevel]) {
    errors.list_len("service_levels", levels);
    for (i, level) in levels.iter().enumerate() {
        errors.required_text(
            &format!("service_levels[{i}].metric"),
            &level.metric,
            SHORT_MAX,
        );
        errors.required_text(
            &format!("service_levels[{i}].target"),
            &level.target,
            SHORT_MAX,
        );
        errors.optional_text(
            &format!("service_levels[{i}].unit"),
            level.unit.as_deref(),
            SHORT_MAX,
        );
    }
}

/// A service offering.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a16", "name": "Linux hosting, Gold", "description": null,
    "service_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a15"],
    "consumer_group_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a11"],
    "elements": [{"kind": "access_to_resources", "name": "Two servers", "description": null}],
    "price_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a19"],
    "product_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a12",
    "service_levels": [{"metric": "availability", "target": "99.9", "unit": "percent"}],
    "status": "active", "valid_from": "2026-01-01", "valid_to": null,
    "external_refs": [{"system": "servicenow", "id": "8e210e1f2a3b4c5d6e7f8091a2b3c4d5e6"}],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 3
}))]
pub struct Offering {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: OfferingInput,
}

/// The writable fields of an offering.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Linux hosting, Gold", "service_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a15"],
    "consumer_group_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a11"],
    "elements": [{"kind": "access_to_resources", "name": "Two servers"}],
    "price_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a19"],
    "service_levels": [{"metric": "availability", "target": "99.9", "unit": "percent"}],
    "valid_from": "2026-01-01"
}))]
pub struct OfferingInput {
    /// Its name: 1 to 200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: String,
    /// What it is; at most 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// The services it packages, each of which must exist; listed by id.
    /// An `active` offering packages at least one; a draft may have none yet.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub service_ids: Vec<Uuid>,
    /// The consumer groups it is designed for, each of which must exist;
    /// listed by id.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub consumer_group_ids: Vec<Uuid>,
    /// What it is made of, in order; at most 200.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub elements: Vec<Element>,
    /// What it costs: its prices (one-time, recurring, usage), each of
    /// which must exist; listed by id.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub price_ids: Vec<Uuid>,
    /// The product it sells, which must exist, when it names one (TM Forum
    /// clients call it the offering's product specification); null when it
    /// is described by its services alone.
    pub product_id: Option<Uuid>,
    /// What it promises, in order; at most 200.
    #[serde(default)]
    #[schema(max_items = 200)]
    pub service_levels: Vec<ServiceLevel>,
    /// Where it is in its life: `draft` when a create leaves it out; it
    /// moves forward only.
    #[serde(default = "draft")]
    #[schema(default = "draft")]
    pub status: OfferingStatus,
    /// The first day it is valid (`YYYY-MM-DD`); open when null.
    #[serde(default, deserialize_with = "super::validate::optional_day")]
    pub valid_from: Option<NaiveDate>,
    /// The last day it is valid (`YYYY-MM-DD`), not before `valid_from`; open when null.
    #[serde(default, deserialize_with = "super::validate::optional_day")]
    pub valid_to: Option<NaiveDate>,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

fn draft() -> OfferingStatus {
    OfferingStatus::Draft
}

/// Filters of the offering list.
#[derive(Debug, Default)]
pub struct OfferingFilter {
    /// Exactly this name.
    pub name: Option<String>,
    /// With this status.
    pub status: Option<OfferingStatus>,
    /// Packaging this service.
    pub service_id: Option<Uuid>,
    /// Designed for this consumer group.
    pub consumer_group_id: Option<Uuid>,
    /// With this price.
    pub price_id: Option<Uuid>,
    /// Selling this product.
    pub product_id: Option<Uuid>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

impl Entity for Offering {
    const KIND: &'static str = "offering";
    type Input = OfferingInput;
    type Scope = ();
    type Filter = OfferingFilter;
    const RELATIONS: &'static [(&'static str, &'static str)] = &[
        ("service_ids", "service"),
        ("consumer_group_ids", "consumer_group"),
        ("price_ids", "price"),
        ("product_id", "product"),
    ];

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &OfferingInput, errors: &mut Errors) {
        errors.name("name", &input.name);
        errors.optional_text("description", input.description.as_deref(), TEXT_MAX);
        errors.ids("service_ids", &input.service_ids, 0);
        if input.status == OfferingStatus::Active && input.service_ids.is_empty() {
            errors.add(
                "service_ids",
                "an active offering packages at least one service: name one, or keep it a draft",
            );
        }
        errors.ids("price_ids", &input.price_ids, 0);
        errors.ids("consumer_group_ids", &input.consumer_group_ids, 0);
        errors.list_len("elements", &input.elements);
        for (i, element) in input.elements.iter().enumerate() {
            errors.name(&format!("elements[{i}].name"), &element.name);
            errors.optional_text(
                &format!("elements[{i}].description"),
                element.description.as_deref(),
                TEXT_MAX,
            );
        }
        check_service_levels(errors, &input.service_levels);
        errors.date_range("valid_from", input.valid_from, "valid_to", input.valid_to);
    }

    fn check_transition(current: &Offering, next: &OfferingInput, errors: &mut Errors) {
        current
            .fields
            .status
            .check_move(next.status, "status", errors);
    }
}

//! Prices: what an offering costs, as first-class entities that offerings
//! refer to. A price is charged once, again every period, or by use; an
//! offering may have several, and an overlay may tailor their amounts for a
//! consumer group.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::reference::{ExternalRef, RefKey};
use super::validate::{Errors, TEXT_MAX};
use super::{
    external_refs_field, meta_and_fields, text_enum, Entity, ForwardLifecycle, Meta, Money,
};

text_enum! {
    /// How a price is charged.
    PriceType {
        /// Once, such as a set-up fee.
        OneTime => "one_time",
        /// Again every `recurring_period`, such as a monthly fee.
        Recurring => "recurring",
        /// By use, per `unit_of_measure`, such as a price per gigabyte.
        Usage => "usage",
    }
}

text_enum! {
    /// How often a recurring price is charged.
    RecurringPeriod {
        /// Every day.
        Day => "day",
        /// Every week.
        Week => "week",
        /// Every month.
        Month => "month",
        /// Every quarter.
        Quarter => "quarter",
        /// Every year.
        Year => "year",
    }
}

text_enum! {
    /// Where a price is in its life: `draft`, `active` (charged, and shown
    /// to customers with its offerings), `retired`; it moves forward only.
    PriceStatus {
        /// Being prepared: not shown to customers.
        Draft => "draft",
        /// Charged, and shown with the offerings that have it.
        Active => "active",
        /// No longer charged: not shown to customers.
        Retired => "retired",
    }
}

impl ForwardLifecycle for PriceStatus {
    fn as_str(self) -> &'static str {
        PriceStatus::as_str(self)
    }
}

/// A price.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a19", "name": "Monthly fee", "description": null,
    "price_type": "recurring", "price": {"amount": "450.00", "currency": "EUR"},
    "recurring_period": "month", "unit_of_measure": null, "status": "active",
    "external_refs": [{"system": "servicenow", "id": "5a1e0e1f2a3b4c5d6e7f8091a2b3c4d5e6"}],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct Price {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: PriceInput,
}

/// The writable fields of a price.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Monthly fee", "price_type": "recurring",
    "price": {"amount": "450.00", "currency": "EUR"}, "recurring_period": "month"
}))]
pub struct PriceInput {
    /// Its name: 1 to 200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: String,
    /// What it is for; at most 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// How it is charged.
    pub price_type: PriceType,
    /// The amount charged: once, per period or per unit; null while it is
    /// not set (a price on request).
    pub price: Option<Money>,
    /// How often a `recurring` price is charged; null for the other types.
    pub recurring_period: Option<RecurringPeriod>,
    /// What a `usage` price is charged per, such as `GB` or `ticket`; at
    /// most 200 characters; null for the other types.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub unit_of_measure: Option<String>,
    /// Where it is in its life: `active` when a create leaves it out; it
    /// moves forward only.
    #[serde(default = "active")]
    #[schema(default = "active")]
    pub status: PriceStatus,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

fn active() -> PriceStatus {
    PriceStatus::Active
}

/// Filters of the price list.
#[derive(Debug, Default)]
pub struct PriceFilter {
    /// Exactly this name.
    pub name: Option<String>,
    /// Of this type.
    pub price_type: Option<PriceType>,
    /// With this status.
    pub status: Option<PriceStatus>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

impl Entity for Price {
    const KIND: &'static str = "price";
    type Input = PriceInput;
    type Scope = ();
    type Filter = PriceFilter;

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &PriceInput, errors: &mut Errors) {
        errors.name("name", &input.name);
        errors.optional_text("description", input.description.as_deref(), TEXT_MAX);
        errors.money("price", input.price.as_ref());
        if input.recurring_period.is_some() && input.price_type != PriceType::Recurring {
            errors.add(
                "recurring_period",
                "is for `recurring` prices only: leave it null",
            );
        }
        match &input.unit_of_measure {
            Some(_) if input.price_type != PriceType::Usage => {
                errors.add(
                    "unit_of_measure",
                    "is for `usage` prices only: leave it null",
                );
            }
            Some(unit) => errors.name("unit_of_measure", unit),
            None => {}
        }
    }

    fn check_transition(current: &Price, next: &PriceInput, errors: &mut Errors) {
        current
            .fields
            .status
            .check_move(next.status, "status", errors);
    }
}

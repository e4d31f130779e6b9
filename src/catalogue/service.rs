//! Services: means of enabling value co-creation, each built on one or more
//! products, with its utility (what it does) and warranty (how well).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::reference::{ExternalRef, RefKey};
use super::validate::{is_decimal, Errors, SHORT_MAX, TEXT_MAX};
use super::{external_refs_field, meta_and_fields, text_enum, Entity, ForwardLifecycle, Meta};

text_enum! {
    /// Where a service is in the portfolio: `pipeline` (being designed),
    /// `catalogue` (offered), `retired`; it moves forward only.
    PortfolioStage {
        /// Being designed.
        Pipeline => "pipeline",
        /// Offered to customers.
        Catalogue => "catalogue",
        /// No longer offered.
        Retired => "retired",
    }
}

impl ForwardLifecycle for PortfolioStage {
    fn as_str(self) -> &'static str {
        PortfolioStage::as_str(self)
    }
}

/// Utility: what the service is for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"purpose": "Run business applications on Linux", "outcomes": ["Applications stay up"]}))]
pub struct Utility {
    /// Why the service exists; at most 10,000 characters.
    #[schema(max_length = 10000)]
    pub purpose: Option<String>,
    /// The outcomes customers want from it; at most 200.
    #[serde(default)]
    #[schema(max_items = 200, value_type = Vec<Outcome>)]
    pub outcomes: Vec<String>,
}

/// One outcome of a service, as the spec describes it: 1 to 1,000
/// characters, not blank.
pub struct Outcome;

impl utoipa::PartialSchema for Outcome {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("One outcome: 1 to 1,000 characters, not blank."))
            .min_length(Some(1))
            .max_length(Some(OUTCOME_MAX))
            .pattern(Some(super::validate::NOT_BLANK))
            .into()
    }
}

impl ToSchema for Outcome {}

/// Warranty: how well the service performs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"availability_target": "99.9", "support_hours": "24x7"}))]
pub struct Warranty {
    /// A percentage as a decimal string, from "0" to "100".
    #[schema(pattern = r"^[0-9]{1,3}(\.[0-9]{1,4})?$", example = "99.9")]
    pub availability_target: Option<String>,
    /// When support answers, such as `24x7` or `Mon-Fri 08:00-18:00 CET`.
    #[schema(max_length = 200)]
    pub support_hours: Option<String>,
}

/// A service.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a15", "name": "Linux hosting", "description": null,
    "product_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a13"], "portfolio_stage": "catalogue",
    "utility": {"purpose": "Run business applications on Linux", "outcomes": ["Applications stay up"]},
    "warranty": {"availability_target": "99.9", "support_hours": "24x7"}, "owner": "Service desk",
    "external_refs": [{"system": "servicenow", "id": "2f4a0e1f2a3b4c5d6e7f8091a2b3c4d5e6"}],
    "created_at": "2026-11-26T10:00:00Z", "updated_at": "2026-11-26T10:00:00Z", "version": 1
}))]
pub struct Service {
    /// Its id, timestamps and version.
    #[serde(flatten)]
    pub meta: Meta,
    /// Its writable fields.
    #[serde(flatten)]
    pub fields: ServiceInput,
}

/// The writable fields of a service.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Linux hosting", "product_ids": ["0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a13"],
    "portfolio_stage": "pipeline",
    "utility": {"purpose": "Run business applications on Linux", "outcomes": ["Applications stay up"]},
    "warranty": {"availability_target": "99.9", "support_hours": "24x7"}
}))]
pub struct ServiceInput {
    /// Its name: 1 to 200 characters, not blank.
    #[schema(min_length = 1, max_length = 200, pattern = r"[^\t\n\f\r ]")]
    pub name: String,
    /// What it is; at most 10,000 characters.
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    /// The products it is built on: one or more, each of which must exist;
    /// listed by id.
    #[schema(min_items = 1, max_items = 200)]
    pub product_ids: Vec<Uuid>,
    /// Where it is in the portfolio; it moves forward only.
    pub portfolio_stage: PortfolioStage,
    /// What it is for.
    #[serde(default)]
    pub utility: Utility,
    /// How well it performs.
    #[serde(default)]
    pub warranty: Warranty,
    /// Who is accountable for it; at most 200 characters.
    #[schema(max_length = 200)]
    pub owner: Option<String>,
    /// What other systems call it: at most one reference per system.
    #[serde(default)]
    #[schema(max_items = 20)]
    pub external_refs: Vec<ExternalRef>,
}

/// Filters of the service list.
#[derive(Debug, Default)]
pub struct ServiceFilter {
    /// Exactly this name.
    pub name: Option<String>,
    /// In this portfolio stage.
    pub portfolio_stage: Option<PortfolioStage>,
    /// Exactly this owner.
    pub owner: Option<String>,
    /// Built on this product.
    pub product_id: Option<Uuid>,
    /// With this reference in another system.
    pub external_ref: Option<RefKey>,
}

/// The longest outcome.
pub const OUTCOME_MAX: usize = 1_000;

impl Entity for Service {
    const KIND: &'static str = "service";
    type Input = ServiceInput;
    type Scope = ();
    type Filter = ServiceFilter;
    const RELATIONS: &'static [(&'static str, &'static str)] = &[("product_ids", "product")];

    meta_and_fields!();
    external_refs_field!();

    fn validate(input: &ServiceInput, errors: &mut Errors) {
        errors.name("name", &input.name);
        errors.optional_text("description", input.description.as_deref(), TEXT_MAX);
        errors.ids("product_ids", &input.product_ids, 1);
        errors.optional_text(
            "utility.purpose",
            input.utility.purpose.as_deref(),
            TEXT_MAX,
        );
        errors.list_len("utility.outcomes", &input.utility.outcomes);
        for (i, outcome) in input.utility.outcomes.iter().enumerate() {
            errors.required_text(&format!("utility.outcomes[{i}]"), outcome, OUTCOME_MAX);
        }
        if let Some(target) = &input.warranty.availability_target {
            let in_range = is_decimal(target, 3, 4)
                && target
                    .parse::<f64>()
                    .is_ok_and(|v| (0.0..=100.0).contains(&v));
            if !in_range {
                errors.add(
                    "warranty.availability_target",
                    "must be a percentage from \"0\" to \"100\" as a decimal string, such as \"99.9\"",
                );
            }
        }
        errors.optional_text(
            "warranty.support_hours",
            input.warranty.support_hours.as_deref(),
            SHORT_MAX,
        );
        errors.optional_text("owner", input.owner.as_deref(), SHORT_MAX);
    }

    fn check_transition(current: &Service, next: &ServiceInput, errors: &mut Errors) {
        current
            .fields
            .portfolio_stage
            .check_move(next.portfolio_stage, "portfolio_stage", errors);
    }
}

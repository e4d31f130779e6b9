//! The customer view: the catalogue as one customer sees it, computed on
//! demand, never stored.
//!
//! A view holds exactly:
//! - the offerings that are `active`, inside their validity window on the
//!   day asked, and either designed for a consumer group the customer
//!   belongs to or covered by an agreement of the customer that is `active`
//!   and in force that day;
//! - for each offering, its `active` prices, and its services in portfolio
//!   stage `catalogue`, and for
//!   each service the components of its products whose visibility is
//!   `customer`, shown by their customer label and description only;
//! - the customer's own agreements;
//! - the overlays of the customer's groups applied (see
//!   [`crate::catalogue::overlay`] for the precedence). An overlay applies
//!   only where its group is one the offering is designed for.
//!
//! The view types below are an allow-list: a field reaches a customer only
//! because a view type names it. They share no type with the catalogue, so
//! a field added to the catalogue never reaches a view by accident.
//!
//! A view is read with a fixed number of SQL statements, whatever the size
//! of the catalogue: each step loads all it needs for every offering at once.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::agreement::{Agreement, AgreementStatus};
use super::component::Visibility;
use super::consumer_group::ConsumerGroup;
use super::customer::Customer;
use super::offering::{Element, ElementKind, Offering, OfferingStatus, ServiceLevel};
use super::overlay::Overlay;
use super::price::{Price, PriceStatus, PriceType, RecurringPeriod};
use super::service::{PortfolioStage, Service};
use super::Money;

/// Where a view reads the catalogue from: each read takes every id it
/// needs at once, so that a view costs a fixed number of reads whatever
/// the size of the catalogue.
pub trait ViewSource {
    /// Why a read failed.
    type Error;
    /// The customer with this id.
    fn customer(&mut self, id: Uuid) -> Result<Option<Customer>, Self::Error>;
    /// The consumer group with this id.
    fn consumer_group(&mut self, id: Uuid) -> Result<Option<ConsumerGroup>, Self::Error>;
    /// The agreements of a customer, ordered by id.
    fn agreements_of(&mut self, customer: Uuid) -> Result<Vec<Agreement>, Self::Error>;
    /// The ids of the offerings designed for any of these groups.
    fn offerings_for_groups(&mut self, groups: &[Uuid]) -> Result<Vec<Uuid>, Self::Error>;
    /// The offerings with these ids, ordered by id.
    fn offerings(&mut self, ids: &[Uuid]) -> Result<Vec<Offering>, Self::Error>;
    /// The prices with these ids, ordered by id.
    fn prices(&mut self, ids: &[Uuid]) -> Result<Vec<Price>, Self::Error>;
    /// The services with these ids, ordered by id.
    fn services(&mut self, ids: &[Uuid]) -> Result<Vec<Service>, Self::Error>;
    /// What customers may see of the components of these products, ordered
    /// by product, then by component id. A source may leave out the
    /// internal ones (the view leaves them out in any case).
    fn components_of(&mut self, products: &[Uuid]) -> Result<Vec<ComponentFace>, Self::Error>;
    /// The overlays of these groups on these offerings, ordered by id.
    fn overlays(
        &mut self,
        groups: &[Uuid],
        offerings: &[Uuid],
    ) -> Result<Vec<Overlay>, Self::Error>;
}

/// What a view reads of a component: its product, who may see it, and
/// what they would see.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentFace {
    /// The product it is part of.
    pub product_id: Uuid,
    /// Who may see it.
    pub visibility: Visibility,
    /// Its name for customers.
    pub customer_label: Option<String>,
    /// Its description for customers.
    pub customer_description: Option<String>,
}

/// What one customer may see of the catalogue on one day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CustomerView {
    /// The customer.
    pub customer: ViewCustomer,
    /// The day the view was computed for.
    pub on: NaiveDate,
    /// The offerings the customer may see, ordered by id.
    pub offerings: Vec<ViewOffering>,
    /// The customer's own agreements, ordered by id.
    pub agreements: Vec<ViewAgreement>,
}

/// What a prospective customer of one consumer group would see on one day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ConsumerGroupView {
    /// The consumer group.
    pub consumer_group: ViewConsumerGroup,
    /// The day the view was computed for.
    pub on: NaiveDate,
    /// The offerings designed for the group, ordered by id.
    pub offerings: Vec<ViewOffering>,
}

/// The customer a view is for.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewCustomer {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
}

/// The consumer group a view is for.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewConsumerGroup {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
}

/// An offering as a customer sees it, tailored for its groups.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewOffering {
    /// The offering's id.
    pub id: Uuid,
    /// Its name, tailored.
    pub name: String,
    /// Its description, tailored.
    pub description: Option<String>,
    /// What it is made of, in order.
    pub elements: Vec<ViewElement>,
    /// Its active prices, their amounts tailored, ordered by id.
    pub prices: Vec<ViewPrice>,
    /// What it promises, tailored, in order.
    pub service_levels: Vec<ViewServiceLevel>,
    /// The first day it is valid; open when null.
    pub valid_from: Option<NaiveDate>,
    /// The last day it is valid; open when null.
    pub valid_to: Option<NaiveDate>,
    /// Its services in the catalogue, ordered by id.
    pub services: Vec<ViewService>,
}

/// One element of an offering.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewElement {
    /// What it gives.
    pub kind: ElementKind,
    /// Its name.
    pub name: String,
    /// What it is.
    pub description: Option<String>,
}

/// A price of an offering, as a customer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewPrice {
    /// The price's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// What it is for.
    pub description: Option<String>,
    /// How it is charged.
    pub price_type: PriceType,
    /// The amount, tailored; null when it is on request.
    pub price: Option<ViewMoney>,
    /// How often a recurring price is charged.
    pub recurring_period: Option<RecurringPeriod>,
    /// What a usage price is charged per.
    pub unit_of_measure: Option<String>,
}

/// An amount of money.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewMoney {
    /// A decimal string.
    pub amount: String,
    /// An ISO 4217 code.
    pub currency: String,
}

/// One service level.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewServiceLevel {
    /// What is measured.
    pub metric: String,
    /// The promised value.
    pub target: String,
    /// The unit of the target.
    pub unit: Option<String>,
}

/// A service as a customer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewService {
    /// The service's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// What it is.
    pub description: Option<String>,
    /// What it is for.
    pub utility: ViewUtility,
    /// How well it performs.
    pub warranty: ViewWarranty,
    /// The parts of its products customers may see, by product, then in
    /// the order they were added.
    pub components: Vec<ViewComponent>,
}

/// What a service is for.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewUtility {
    /// Why the service exists.
    pub purpose: Option<String>,
    /// The outcomes it supports.
    pub outcomes: Vec<String>,
}

/// How well a service performs.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewWarranty {
    /// A percentage, as a decimal string.
    pub availability_target: Option<String>,
    /// When support answers.
    pub support_hours: Option<String>,
}

/// A part of a product that customers may see, as they see it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewComponent {
    /// Its customer label.
    pub label: String,
    /// Its customer description.
    pub description: Option<String>,
}

/// One of the customer's agreements.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewAgreement {
    /// The agreement's id.
    pub id: Uuid,
    /// The offering agreed to, when it is in this view; null otherwise.
    pub offering_id: Option<Uuid>,
    /// Where it is.
    pub status: AgreementStatus,
    /// The first day in force; open when null.
    pub starts_on: Option<NaiveDate>,
    /// The last day in force; open when null.
    pub ends_on: Option<NaiveDate>,
}

/// A digest of what a view shows: its JSON, hashed. The same view has the
/// same digest; a view that shows anything else has another.
pub fn digest(view: &impl Serialize) -> Result<String, serde_json::Error> {
    Ok(digest_of(&serde_json::to_vec(view)?))
}

/// The digest of a view serialised as `body`.
pub fn digest_of(body: &[u8]) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(body);
    hash[..12].iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether an offering is offered on `on`: active, inside its window.
pub fn is_offered(offering: &Offering, on: NaiveDate) -> bool {
    let o = &offering.fields;
    o.status == OfferingStatus::Active
        && o.valid_from.is_none_or(|from| from <= on)
        && o.valid_to.is_none_or(|to| on <= to)
}

/// Whether an agreement is in force on `on`: active, inside its dates.
pub fn is_in_force(agreement: &Agreement, on: NaiveDate) -> bool {
    let a = &agreement.fields;
    a.status == AgreementStatus::Active
        && a.starts_on.is_none_or(|start| start <= on)
        && a.ends_on.is_none_or(|end| on <= end)
}

/// The view of `customer_id` on `on`; none when no customer has that id.
pub fn customer_view<S: ViewSource>(
    source: &mut S,
    customer_id: Uuid,
    on: NaiveDate,
) -> Result<Option<CustomerView>, S::Error> {
    let Some(customer) = source.customer(customer_id)? else {
        return Ok(None);
    };
    let agreements = source.agreements_of(customer_id)?;
    let covered: Vec<Uuid> = agreements
        .iter()
        .filter(|a| is_in_force(a, on))
        .map(|a| a.fields.offering_id)
        .collect();
    let offerings = tailored_offerings(source, &customer.fields.consumer_group_ids, &covered, on)?;
    let shown: HashSet<Uuid> = offerings.iter().map(|o| o.id).collect();
    let agreements = agreements
        .into_iter()
        .map(|a| ViewAgreement {
            id: a.meta.id,
            offering_id: shown
                .contains(&a.fields.offering_id)
                .then_some(a.fields.offering_id),
            status: a.fields.status,
            starts_on: a.fields.starts_on,
            ends_on: a.fields.ends_on,
        })
        .collect();
    Ok(Some(CustomerView {
        customer: ViewCustomer {
            id: customer.meta.id,
            name: customer.fields.name,
        },
        on,
        offerings,
        agreements,
    }))
}

/// The view of consumer group `group_id` on `on`; none when no group has
/// that id.
pub fn consumer_group_view<S: ViewSource>(
    source: &mut S,
    group_id: Uuid,
    on: NaiveDate,
) -> Result<Option<ConsumerGroupView>, S::Error> {
    let Some(group) = source.consumer_group(group_id)? else {
        return Ok(None);
    };
    let offerings = tailored_offerings(source, &[group_id], &[], on)?;
    Ok(Some(ConsumerGroupView {
        consumer_group: ViewConsumerGroup {
            id: group.meta.id,
            name: group.fields.name,
        },
        on,
        offerings,
    }))
}

/// The offerings offered on `on` that are designed for one of `groups` or
/// covered by an agreement (`covered`), with their catalogue services, their
/// visible components, and the groups' overlays applied.
fn tailored_offerings<S: ViewSource>(
    source: &mut S,
    groups: &[Uuid],
    covered: &[Uuid],
    on: NaiveDate,
) -> Result<Vec<ViewOffering>, S::Error> {
    let mut candidates: BTreeSet<Uuid> = source.offerings_for_groups(groups)?.into_iter().collect();
    candidates.extend(covered.iter().copied());
    let candidates: Vec<Uuid> = candidates.into_iter().collect();
    let offerings: Vec<Offering> = source
        .offerings(&candidates)?
        .into_iter()
        .filter(|o| is_offered(o, on))
        .filter(|o| {
            covered.contains(&o.meta.id)
                || o.fields
                    .consumer_group_ids
                    .iter()
                    .any(|g| groups.contains(g))
        })
        .collect();

    let service_ids: BTreeSet<Uuid> = offerings
        .iter()
        .flat_map(|o| o.fields.service_ids.iter().copied())
        .collect();
    let services: BTreeMap<Uuid, Service> = source
        .services(&service_ids.into_iter().collect::<Vec<_>>())?
        .into_iter()
        .filter(|s| s.fields.portfolio_stage == PortfolioStage::Catalogue)
        .map(|s| (s.meta.id, s))
        .collect();

    let product_ids: BTreeSet<Uuid> = services
        .values()
        .flat_map(|s| s.fields.product_ids.iter().copied())
        .collect();
    let mut components: BTreeMap<Uuid, Vec<ViewComponent>> = BTreeMap::new();
    for component in source.components_of(&product_ids.into_iter().collect::<Vec<_>>())? {
        if let Some(shown) = view_component(&component) {
            components
                .entry(component.product_id)
                .or_default()
                .push(shown);
        }
    }

    let price_ids: BTreeSet<Uuid> = offerings
        .iter()
        .flat_map(|o| o.fields.price_ids.iter().copied())
        .collect();
    let prices: BTreeMap<Uuid, Price> = source
        .prices(&price_ids.into_iter().collect::<Vec<_>>())?
        .into_iter()
        .filter(|p| p.fields.status == PriceStatus::Active)
        .map(|p| (p.meta.id, p))
        .collect();

    let offering_ids: Vec<Uuid> = offerings.iter().map(|o| o.meta.id).collect();
    let overlays = source.overlays(groups, &offering_ids)?;

    Ok(offerings
        .into_iter()
        .map(|offering| {
            let applicable: Vec<&Overlay> = overlays
                .iter()
                .map(|o| (o, &o.fields))
                .filter(|(_, f)| f.offering_id == offering.meta.id)
                .filter(|(_, f)| groups.contains(&f.consumer_group_id))
                .filter(|(_, f)| {
                    offering
                        .fields
                        .consumer_group_ids
                        .contains(&f.consumer_group_id)
                })
                .map(|(o, _)| o)
                .collect();
            let services = offering
                .fields
                .service_ids
                .iter()
                .filter_map(|id| services.get(id))
                .map(|s| view_service(s, &components))
                .collect();
            view_offering(offering, &applicable, &prices, services)
        })
        .collect())
}

/// A component as customers see it; none for an internal one.
fn view_component(component: &ComponentFace) -> Option<ViewComponent> {
    if component.visibility != Visibility::Customer {
        return None;
    }
    Some(ViewComponent {
        label: component.customer_label.clone()?,
        description: component.customer_description.clone(),
    })
}

fn view_service(service: &Service, components: &BTreeMap<Uuid, Vec<ViewComponent>>) -> ViewService {
    let s = &service.fields;
    ViewService {
        id: service.meta.id,
        name: s.name.clone(),
        description: s.description.clone(),
        utility: ViewUtility {
            purpose: s.utility.purpose.clone(),
            outcomes: s.utility.outcomes.clone(),
        },
        warranty: ViewWarranty {
            availability_target: s.warranty.availability_target.clone(),
            support_hours: s.warranty.support_hours.clone(),
        },
        components: s
            .product_ids
            .iter()
            .filter_map(|p| components.get(p))
            .flatten()
            .cloned()
            .collect(),
    }
}

/// Orders overlays by precedence: highest priority first, then the
/// consumer group with the smallest id.
pub fn by_precedence(overlays: &mut [&Overlay]) {
    overlays.sort_by(|a, b| {
        b.fields
            .priority
            .cmp(&a.fields.priority)
            .then(a.fields.consumer_group_id.cmp(&b.fields.consumer_group_id))
    });
}

fn view_offering(
    offering: Offering,
    overlays: &[&Overlay],
    prices: &BTreeMap<Uuid, Price>,
    services: Vec<ViewService>,
) -> ViewOffering {
    let mut overlays = overlays.to_vec();
    by_precedence(&mut overlays);
    let id = offering.meta.id;
    let offering = offering.fields;
    let name = overlays
        .iter()
        .find_map(|o| o.fields.name.clone())
        .unwrap_or(offering.name);
    let description = overlays
        .iter()
        .find_map(|o| o.fields.description.clone())
        .or(offering.description);
    let prices = offering
        .price_ids
        .iter()
        .filter_map(|id| prices.get(id))
        .map(|price| {
            let tailored = overlays.iter().find_map(|o| {
                o.fields
                    .prices
                    .iter()
                    .find(|t| t.price_id == price.meta.id)
                    .map(|t| t.price.clone())
            });
            view_price(price, tailored)
        })
        .collect();
    let service_levels = overlays
        .iter()
        .find_map(|o| o.fields.service_levels.clone())
        .unwrap_or(offering.service_levels);
    ViewOffering {
        id,
        name,
        description,
        elements: offering.elements.into_iter().map(view_element).collect(),
        prices,
        service_levels: service_levels.into_iter().map(view_level).collect(),
        valid_from: offering.valid_from,
        valid_to: offering.valid_to,
        services,
    }
}

fn view_element(element: Element) -> ViewElement {
    ViewElement {
        kind: element.kind,
        name: element.name,
        description: element.description,
    }
}

fn view_price(price: &Price, tailored: Option<Money>) -> ViewPrice {
    let p = &price.fields;
    ViewPrice {
        id: price.meta.id,
        name: p.name.clone(),
        description: p.description.clone(),
        price_type: p.price_type,
        price: tailored.or_else(|| p.price.clone()).map(|money| ViewMoney {
            amount: money.amount,
            currency: money.currency,
        }),
        recurring_period: p.recurring_period,
        unit_of_measure: p.unit_of_measure.clone(),
    }
}

fn view_level(level: ServiceLevel) -> ViewServiceLevel {
    ViewServiceLevel {
        metric: level.metric,
        target: level.target,
        unit: level.unit,
    }
}

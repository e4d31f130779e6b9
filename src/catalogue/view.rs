//! The customer view: the catalogue as one customer sees it, computed on
//! demand, never stored.
//!
//! A view holds exactly:
//! - the offerings that are `active`, inside their validity window on the
//!   day asked, and either designed for a consumer group the customer
//!   belongs to or covered by an agreement of the customer that is `active`
//!   and in force that day;
//! - for each offering, its services in portfolio stage `catalogue`, and for
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
use super::component::{Component, Visibility};
use super::offering::{Element, ElementKind, Offering, OfferingStatus, ServiceLevel};
use super::overlay::Overlay;
use super::service::{PortfolioStage, Service};
use super::{Money, Stored};
use crate::store::links::offering_groups;
use crate::store::{self, DbConnection, StoreError};

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
    /// Its price, tailored.
    pub price: Option<ViewPrice>,
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

/// A price.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ViewPrice {
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

/// Whether an offering is offered on `on`: active, inside its window.
pub fn is_offered(offering: &Offering, on: NaiveDate) -> bool {
    offering.status == OfferingStatus::Active
        && offering.valid_from.is_none_or(|from| from <= on)
        && offering.valid_to.is_none_or(|to| on <= to)
}

/// Whether an agreement is in force on `on`: active, inside its dates.
pub fn is_in_force(agreement: &Agreement, on: NaiveDate) -> bool {
    agreement.status == AgreementStatus::Active
        && agreement.starts_on.is_none_or(|start| start <= on)
        && agreement.ends_on.is_none_or(|end| on <= end)
}

/// The view of `customer_id` on `on`; none when no customer has that id.
pub fn customer_view(
    conn: &mut DbConnection,
    customer_id: Uuid,
    on: NaiveDate,
) -> Result<Option<CustomerView>, StoreError> {
    let Some(customer) = super::customer::Customer::find(conn, (), customer_id)? else {
        return Ok(None);
    };
    let agreements = store::agreements::of_customer(conn, customer_id)?;
    let covered: Vec<Uuid> = agreements
        .iter()
        .filter(|a| is_in_force(a, on))
        .map(|a| a.offering_id)
        .collect();
    let offerings = tailored_offerings(conn, &customer.consumer_group_ids, &covered, on)?;
    let shown: HashSet<Uuid> = offerings.iter().map(|o| o.id).collect();
    let agreements = agreements
        .into_iter()
        .map(|a| ViewAgreement {
            id: a.id,
            offering_id: shown.contains(&a.offering_id).then_some(a.offering_id),
            status: a.status,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
        })
        .collect();
    Ok(Some(CustomerView {
        customer: ViewCustomer {
            id: customer.id,
            name: customer.name,
        },
        on,
        offerings,
        agreements,
    }))
}

/// The view of consumer group `group_id` on `on`; none when no group has
/// that id.
pub fn consumer_group_view(
    conn: &mut DbConnection,
    group_id: Uuid,
    on: NaiveDate,
) -> Result<Option<ConsumerGroupView>, StoreError> {
    let Some(group) = super::consumer_group::ConsumerGroup::find(conn, (), group_id)? else {
        return Ok(None);
    };
    let offerings = tailored_offerings(conn, &[group_id], &[], on)?;
    Ok(Some(ConsumerGroupView {
        consumer_group: ViewConsumerGroup {
            id: group.id,
            name: group.name,
        },
        on,
        offerings,
    }))
}

/// The offerings offered on `on` that are designed for one of `groups` or
/// covered by an agreement (`covered`), with their catalogue services, their
/// visible components, and the groups' overlays applied.
fn tailored_offerings(
    conn: &mut DbConnection,
    groups: &[Uuid],
    covered: &[Uuid],
    on: NaiveDate,
) -> Result<Vec<ViewOffering>, StoreError> {
    let group_keys: Vec<String> = groups.iter().map(Uuid::to_string).collect();
    let mut candidates: BTreeSet<String> = offering_groups::parents_of(conn, &group_keys)?
        .into_iter()
        .collect();
    candidates.extend(covered.iter().map(Uuid::to_string));
    let candidates: Vec<String> = candidates.into_iter().collect();
    let offerings: Vec<Offering> = store::offerings::by_ids(conn, &candidates)?
        .into_iter()
        .filter(|o| is_offered(o, on))
        .filter(|o| {
            covered.contains(&o.id) || o.consumer_group_ids.iter().any(|g| groups.contains(g))
        })
        .collect();

    let service_keys: BTreeSet<String> = offerings
        .iter()
        .flat_map(|o| o.service_ids.iter().map(Uuid::to_string))
        .collect();
    let services: BTreeMap<Uuid, Service> =
        store::services::by_ids(conn, &service_keys.into_iter().collect::<Vec<_>>())?
            .into_iter()
            .filter(|s| s.portfolio_stage == PortfolioStage::Catalogue)
            .map(|s| (s.id, s))
            .collect();

    let product_keys: BTreeSet<String> = services
        .values()
        .flat_map(|s| s.product_ids.iter().map(Uuid::to_string))
        .collect();
    let mut components: BTreeMap<Uuid, Vec<ViewComponent>> = BTreeMap::new();
    for component in
        store::components::of_products(conn, &product_keys.into_iter().collect::<Vec<_>>())?
    {
        if let Some(shown) = view_component(&component) {
            components
                .entry(component.product_id)
                .or_default()
                .push(shown);
        }
    }

    let offering_keys: Vec<String> = offerings.iter().map(|o| o.id.to_string()).collect();
    let overlays = store::overlays::for_groups_and_offerings(conn, &group_keys, &offering_keys)?;

    Ok(offerings
        .into_iter()
        .map(|offering| {
            let applicable: Vec<&Overlay> = overlays
                .iter()
                .filter(|o| o.offering_id == offering.id)
                .filter(|o| groups.contains(&o.consumer_group_id))
                .filter(|o| offering.consumer_group_ids.contains(&o.consumer_group_id))
                .collect();
            let services = offering
                .service_ids
                .iter()
                .filter_map(|id| services.get(id))
                .map(|s| view_service(s, &components))
                .collect();
            view_offering(offering, &applicable, services)
        })
        .collect())
}

/// A component as customers see it; none for an internal one.
fn view_component(component: &Component) -> Option<ViewComponent> {
    if component.visibility != Visibility::Customer {
        return None;
    }
    Some(ViewComponent {
        label: component.customer_label.clone()?,
        description: component.customer_description.clone(),
    })
}

fn view_service(service: &Service, components: &BTreeMap<Uuid, Vec<ViewComponent>>) -> ViewService {
    ViewService {
        id: service.id,
        name: service.name.clone(),
        description: service.description.clone(),
        utility: ViewUtility {
            purpose: service.utility.purpose.clone(),
            outcomes: service.utility.outcomes.clone(),
        },
        warranty: ViewWarranty {
            availability_target: service.warranty.availability_target.clone(),
            support_hours: service.warranty.support_hours.clone(),
        },
        components: service
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
        b.priority
            .cmp(&a.priority)
            .then(a.consumer_group_id.cmp(&b.consumer_group_id))
    });
}

fn view_offering(
    offering: Offering,
    overlays: &[&Overlay],
    services: Vec<ViewService>,
) -> ViewOffering {
    let mut overlays = overlays.to_vec();
    by_precedence(&mut overlays);
    let name = overlays
        .iter()
        .find_map(|o| o.name.clone())
        .unwrap_or(offering.name);
    let description = overlays
        .iter()
        .find_map(|o| o.description.clone())
        .or(offering.description);
    let price = overlays
        .iter()
        .find_map(|o| o.price.clone())
        .or(offering.price);
    let service_levels = overlays
        .iter()
        .find_map(|o| o.service_levels.clone())
        .unwrap_or(offering.service_levels);
    ViewOffering {
        id: offering.id,
        name,
        description,
        elements: offering.elements.into_iter().map(view_element).collect(),
        price: price.map(view_price),
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

fn view_price(money: Money) -> ViewPrice {
    ViewPrice {
        amount: money.amount,
        currency: money.currency,
    }
}

fn view_level(level: ServiceLevel) -> ViewServiceLevel {
    ViewServiceLevel {
        metric: level.metric,
        target: level.target,
        unit: level.unit,
    }
}

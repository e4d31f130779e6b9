//! A realistic catalogue, generated from a seed: the same seed and scale
//! make the same catalogue (ids and times included), for benchmarks and
//! demonstrations.
//!
//! Its shape follows what organisations run: many products of about ten
//! components each, most of them internal; services on one to three
//! products; offerings of one to three services for two consumer groups
//! each; customers in one to three groups, so that each sees tens of
//! offerings, not all of them, whatever the scale. It is written through
//! the store's own inserts in one transaction, into an empty catalogue,
//! without history: the change feed starts after it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use uuid::Uuid;

use super::{Catalogue, Error};
use crate::catalogue::agreement::{Agreement, AgreementInput, AgreementStatus};
use crate::catalogue::category::{Category, CategoryInput};
use crate::catalogue::component::{Component, ComponentInput, Visibility};
use crate::catalogue::consumer_group::{ConsumerGroup, ConsumerGroupInput};
use crate::catalogue::customer::{Customer, CustomerInput};
use crate::catalogue::offering::{Offering, OfferingInput, OfferingStatus, ServiceLevel};
use crate::catalogue::overlay::{Overlay, OverlayInput, PriceOverride};
use crate::catalogue::price::{Price, PriceInput, PriceStatus, PriceType, RecurringPeriod};
use crate::catalogue::product::{LifecycleStatus, Product, ProductInput};
use crate::catalogue::resource::{Dimension, Resource, ResourceInput};
use crate::catalogue::service::{PortfolioStage, Service, ServiceInput, Utility, Warranty};
use crate::catalogue::{CatalogueError, Errors, Meta, Money};
use crate::store::{self, DbConnection, Writable};

/// How many of each entity a catalogue has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// Resources.
    pub resources: usize,
    /// Products.
    pub products: usize,
    /// Components of each product.
    pub components_per_product: usize,
    /// Services.
    pub services: usize,
    /// Consumer groups.
    pub groups: usize,
    /// Offerings.
    pub offerings: usize,
    /// Customers.
    pub customers: usize,
    /// Agreements.
    pub agreements: usize,
    /// Categories.
    pub categories: usize,
}

impl Scale {
    /// The large catalogue: 20,000 resources and products, 200,000
    /// components, 5,000 services, 2,000 offerings, 500 groups, 20,000
    /// customers and 50,000 agreements.
    pub const LARGE: Scale = Scale {
        resources: 20_000,
        products: 20_000,
        components_per_product: 10,
        services: 5_000,
        groups: 500,
        offerings: 2_000,
        customers: 20_000,
        agreements: 50_000,
        categories: 100,
    };

    /// `small` (a hundredth of large), `medium` (a tenth), `large`, or a
    /// factor of large such as `0.5`.
    pub fn parse(text: &str) -> Result<Scale, String> {
        let factor = match text {
            "small" => 0.01,
            "medium" => 0.1,
            "large" => 1.0,
            other => other
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite() && *f > 0.0 && *f <= 10.0)
                .ok_or_else(|| {
                    format!(
                        "`{other}` is not a scale: small, medium, large, or a factor of large \
                         above 0 and at most 10"
                    )
                })?,
        };
        Ok(Scale::of(factor))
    }

    /// `factor` times the large catalogue, with at least four groups and
    /// as many offerings per group as large has, so that a customer's view
    /// has the same size at every scale.
    pub fn of(factor: f64) -> Scale {
        let l = Scale::LARGE;
        let times = |n: usize, min: usize| ((n as f64 * factor).round() as usize).max(min);
        let groups = times(l.groups, 4);
        Scale {
            resources: times(l.resources, 10),
            products: times(l.products, 10),
            components_per_product: l.components_per_product,
            services: times(l.services, 10),
            groups,
            offerings: groups * l.offerings / l.groups,
            customers: times(l.customers, 10),
            agreements: times(l.agreements, 10),
            categories: times(l.categories, 4),
        }
    }

    /// How many entities it makes, all kinds together.
    pub fn total(&self) -> usize {
        let prices = self.offerings + self.offerings / 4;
        self.resources
            + self.products
            + self.products * self.components_per_product
            + self.services
            + self.groups
            + prices
            + self.offerings
            + self.offerings / 10
            + self.customers
            + self.agreements
            + self.categories
    }
}

/// What a seed wrote: each kind and how many.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Seeded {
    /// The kinds, in the order they were written, and their counts.
    pub counts: Vec<(&'static str, usize)>,
}

/// SplitMix64: small, fast, and the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number below `n` (which is above 0).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Whether an event of `percent` chance happens.
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// `count` distinct items of `from` (all of them when it has fewer).
    fn pick(&mut self, from: &[Uuid], count: usize) -> Vec<Uuid> {
        let mut picked: Vec<Uuid> = Vec::with_capacity(count);
        while picked.len() < count.min(from.len()) {
            let item = from[self.below(from.len())];
            if !picked.contains(&item) {
                picked.push(item);
            }
        }
        picked
    }
}

/// The ids and times of the entities, in the order they are made: UUIDv7
/// one millisecond apart from the start of 2026, their random bits from
/// the seed.
struct Clock {
    rng: Rng,
    at: DateTime<Utc>,
}

impl Clock {
    fn meta(&mut self) -> Meta {
        self.at += Duration::milliseconds(1);
        let mut random = [0u8; 10];
        random[..8].copy_from_slice(&self.rng.next().to_le_bytes());
        random[8..].copy_from_slice(&self.rng.next().to_le_bytes()[..2]);
        let millis = self.at.timestamp_millis().max(0) as u64;
        Meta {
            id: uuid::Builder::from_unix_timestamp_millis(millis, &random).into_uuid(),
            created_at: self.at,
            updated_at: self.at,
            version: 1,
        }
    }
}

/// Writes the entities of one kind and tells `progress` how far it got.
struct Writer<'a> {
    conn: &'a mut DbConnection,
    clock: Clock,
    progress: &'a mut dyn FnMut(&str, usize, usize),
    seeded: Seeded,
}

impl Writer<'_> {
    fn put<E: Writable>(
        &mut self,
        kind: &'static str,
        items: Vec<(E::Scope, E::Input)>,
    ) -> Result<Vec<Uuid>, Error> {
        let items = items
            .into_iter()
            .map(|(scope, input)| (scope, self.clock.meta(), input))
            .collect();
        self.put_as::<E>(kind, items)
    }

    /// Writes entities whose metas were made before (to refer to each
    /// other).
    fn put_as<E: Writable>(
        &mut self,
        kind: &'static str,
        items: Vec<(E::Scope, Meta, E::Input)>,
    ) -> Result<Vec<Uuid>, Error> {
        let total = items.len();
        (self.progress)(kind, 0, total);
        for (_, meta, input) in &items {
            let mut errors = Errors::default();
            E::validate(input, &mut errors);
            if let Err(e) = errors.into_result() {
                return Err(CatalogueError::Internal {
                    what: "the generator made an entity that is not valid",
                    cause: format!("{} {}: {e}", E::KIND, meta.id),
                }
                .into());
            }
        }
        let ids: Vec<Uuid> = items.iter().map(|(_, meta, _)| meta.id).collect();
        let step = (total / 50).max(1000);
        let mut written = 0;
        for chunk in items.chunks(step) {
            E::insert_many(self.conn, chunk)?;
            written += chunk.len();
            (self.progress)(kind, written, total);
        }
        self.seeded.counts.push((kind, total));
        Ok(ids)
    }
}

fn money(amount: u64) -> Option<Money> {
    Some(Money {
        amount: format!("{amount}.00"),
        currency: "EUR".to_owned(),
    })
}

impl Catalogue {
    /// Writes the catalogue of `scale` made from `seed` into this empty
    /// catalogue, in one transaction; `progress` hears `(kind, written,
    /// total)` as it goes. Refused when the catalogue holds anything.
    pub fn seed(
        &self,
        scale: &Scale,
        seed: u64,
        progress: &mut dyn FnMut(&str, usize, usize),
    ) -> Result<Seeded, Error> {
        self.store.write(|conn| {
            if !store::catalogue_is_empty(conn)? {
                return Err(Error::from(CatalogueError::Conflict(
                    "the catalogue is not empty: seed an empty database".to_owned(),
                )));
            }
            let mut rng = Rng(seed);
            let clock = Clock {
                rng: Rng(seed ^ 0x5eed),
                at: DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap_or_default(),
            };
            let mut w = Writer {
                conn,
                clock,
                progress,
                seeded: Seeded::default(),
            };
            generate(&mut w, &mut rng, scale)?;
            Ok(w.seeded)
        })
    }
}

fn generate(w: &mut Writer<'_>, rng: &mut Rng, scale: &Scale) -> Result<(), Error> {
    let dimensions = [
        Dimension::OrganizationsAndPeople,
        Dimension::InformationAndTechnology,
        Dimension::PartnersAndSuppliers,
        Dimension::ValueStreamsAndProcesses,
    ];
    let resources = w.put::<Resource>(
        "resources",
        (0..scale.resources)
            .map(|i| {
                let input = ResourceInput {
                    name: format!("Resource {i}"),
                    description: None,
                    dimension: dimensions[i % dimensions.len()],
                    unit_cost: money(10 + rng.next() % 490),
                    owner: Some(format!("Team {}", i % 50)),
                    external_refs: Vec::new(),
                };
                ((), input)
            })
            .collect(),
    )?;
    let products = w.put::<Product>(
        "products",
        (0..scale.products)
            .map(|i| {
                let lifecycle_status = match rng.below(20) {
                    0 => LifecycleStatus::Draft,
                    1 => LifecycleStatus::Retired,
                    _ => LifecycleStatus::Active,
                };
                let input = ProductInput {
                    name: format!("Product {i}"),
                    description: Some(format!("Product {i}, built from about ten resources")),
                    lifecycle_status,
                    owner: Some(format!("Team {}", i % 50)),
                    external_refs: Vec::new(),
                };
                ((), input)
            })
            .collect(),
    )?;
    let mut components = Vec::with_capacity(products.len() * scale.components_per_product);
    for product in &products {
        for k in 0..scale.components_per_product {
            let visible = rng.chance(20);
            components.push((
                *product,
                ComponentInput {
                    resource_id: resources[rng.below(resources.len())],
                    quantity: 1 + rng.below(4) as i32,
                    role: Some(format!("part {k}")),
                    visibility: if visible {
                        Visibility::Customer
                    } else {
                        Visibility::Internal
                    },
                    customer_label: visible.then(|| format!("Feature {k}")),
                    customer_description: None,
                    external_refs: Vec::new(),
                },
            ));
        }
    }
    w.put::<Component>("components", components)?;
    let services = w.put::<Service>(
        "services",
        (0..scale.services)
            .map(|i| {
                let count = 1 + rng.below(3);
                let portfolio_stage = match rng.below(10) {
                    0 => PortfolioStage::Pipeline,
                    1 => PortfolioStage::Retired,
                    _ => PortfolioStage::Catalogue,
                };
                let input = ServiceInput {
                    name: format!("Service {i}"),
                    description: Some(format!("Service {i}")),
                    product_ids: rng.pick(&products, count),
                    portfolio_stage,
                    utility: Utility {
                        purpose: Some(format!("What service {i} is for")),
                        outcomes: vec!["It works".to_owned()],
                    },
                    warranty: Warranty {
                        availability_target: Some("99.9".to_owned()),
                        support_hours: Some("24x7".to_owned()),
                    },
                    owner: Some(format!("Team {}", i % 50)),
                    external_refs: Vec::new(),
                };
                ((), input)
            })
            .collect(),
    )?;
    let groups = w.put::<ConsumerGroup>(
        "consumer_groups",
        (0..scale.groups)
            .map(|i| {
                let input = ConsumerGroupInput {
                    name: format!("Group {i}"),
                    description: None,
                    external_refs: Vec::new(),
                };
                ((), input)
            })
            .collect(),
    )?;
    // A monthly fee for each offering, and a set-up fee for one in four.
    let mut price_inputs = Vec::new();
    for i in 0..scale.offerings {
        price_inputs.push((
            (),
            PriceInput {
                name: format!("Monthly fee {i}"),
                description: None,
                price_type: PriceType::Recurring,
                price: money(20 + rng.next() % 480),
                recurring_period: Some(RecurringPeriod::Month),
                unit_of_measure: None,
                status: PriceStatus::Active,
                external_refs: Vec::new(),
            },
        ));
    }
    for i in 0..scale.offerings / 4 {
        price_inputs.push((
            (),
            PriceInput {
                name: format!("Set-up fee {i}"),
                description: None,
                price_type: PriceType::OneTime,
                price: money(100 + rng.next() % 900),
                recurring_period: None,
                unit_of_measure: None,
                status: PriceStatus::Active,
                external_refs: Vec::new(),
            },
        ));
    }
    let prices = w.put::<Price>("prices", price_inputs)?;
    let mut offering_groups = Vec::with_capacity(scale.offerings);
    let offerings = w.put::<Offering>(
        "offerings",
        (0..scale.offerings)
            .map(|i| {
                let groups = rng.pick(&groups, 2);
                offering_groups.push(groups.clone());
                let mut price_ids = vec![prices[i]];
                if i % 4 == 0 && scale.offerings + i / 4 < prices.len() {
                    price_ids.push(prices[scale.offerings + i / 4]);
                }
                let (status, valid_from) = match rng.below(20) {
                    0 => (OfferingStatus::Draft, None),
                    1 => (OfferingStatus::Active, NaiveDate::from_ymd_opt(2099, 1, 1)),
                    _ => (OfferingStatus::Active, NaiveDate::from_ymd_opt(2026, 1, 1)),
                };
                let count = 1 + rng.below(3);
                let input = OfferingInput {
                    name: format!("Offering {i}"),
                    description: Some(format!("Offering {i}, for two consumer groups")),
                    service_ids: rng.pick(&services, count),
                    consumer_group_ids: groups,
                    elements: Vec::new(),
                    price_ids,
                    product_id: None,
                    service_levels: vec![ServiceLevel {
                        metric: "availability".to_owned(),
                        target: "99.9".to_owned(),
                        unit: Some("%".to_owned()),
                    }],
                    status,
                    valid_from,
                    valid_to: None,
                    external_refs: Vec::new(),
                };
                ((), input)
            })
            .collect(),
    )?;
    // One offering in ten is tailored for its first group.
    w.put::<Overlay>(
        "overlays",
        (0..scale.offerings / 10)
            .map(|k| {
                let i = k * 10;
                let input = OverlayInput {
                    consumer_group_id: offering_groups[i][0],
                    offering_id: offerings[i],
                    name: Some(format!("Offering {i}, tailored")),
                    description: None,
                    prices: vec![PriceOverride {
                        price_id: prices[i],
                        price: Money {
                            amount: "9.00".to_owned(),
                            currency: "EUR".to_owned(),
                        },
                    }],
                    service_levels: None,
                    priority: 0,
                    external_refs: Vec::new(),
                };
                ((), input)
            })
            .collect(),
    )?;
    let customers = w.put::<Customer>(
        "customers",
        (0..scale.customers)
            .map(|i| {
                let count = 1 + rng.below(3);
                let input = CustomerInput {
                    name: format!("Customer {i}"),
                    description: None,
                    consumer_group_ids: rng.pick(&groups, count),
                    external_refs: Vec::new(),
                };
                ((), input)
            })
            .collect(),
    )?;
    w.put::<Agreement>(
        "agreements",
        (0..scale.agreements)
            .map(|_| {
                let status = match rng.below(10) {
                    0 => AgreementStatus::Proposed,
                    1 => AgreementStatus::Ended,
                    _ => AgreementStatus::Active,
                };
                let input = AgreementInput {
                    customer_id: customers[rng.below(customers.len())],
                    offering_id: offerings[rng.below(offerings.len())],
                    status,
                    starts_on: NaiveDate::from_ymd_opt(2026, 1, 1),
                    ends_on: None,
                    external_refs: Vec::new(),
                };
                ((), input)
            })
            .collect(),
    )?;
    // A tree two deep: one category in ten is a root, each of the others
    // is under one of the roots made before it; each offering and each
    // service is in one category.
    let n = scale.categories;
    let metas: Vec<Meta> = (0..n).map(|_| w.clock.meta()).collect();
    let items = (0..n)
        .map(|i| {
            let parent = (i % 10 != 0).then(|| metas[rng.below(i / 10 + 1) * 10].id);
            let input = CategoryInput {
                name: format!("Category {i}"),
                description: None,
                parent_id: parent,
                offering_ids: offerings.iter().skip(i).step_by(n).copied().collect(),
                service_ids: services.iter().skip(i).step_by(n).copied().collect(),
                external_refs: Vec::new(),
            };
            ((), metas[i], input)
        })
        .collect();
    w.put_as::<Category>("categories", items)?;
    Ok(())
}

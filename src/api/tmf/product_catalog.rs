//! TMF620 Product Catalog Management v4, at
//! `/tmf-api/productCatalogManagement/v4/`: Vitrine's products as
//! `productSpecification`, its offerings as `productOffering` and its prices
//! as `productOfferingPrice`, each with list, get, create, patch and delete.
//!
//! The mapping, attribute by attribute, is in the README ("TM Forum Open
//! APIs"). Writes go through the same operations as `/api/v1`, in one unit
//! of work each, so they are checked by the same rules, recorded in the
//! change feed and delivered to webhooks alike.

use std::collections::HashMap;

use actix_web::web;
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::resource::{
    common, head, put_some, routes, seen_head, Api, Catalog, Lifecycle, Resource,
};
use super::spec::{read, write, Attribute, Collection, Kind};
use super::{days_of, ref_id, ref_ids, reference, valid_for};
use crate::catalogue::category::Category;
use crate::catalogue::offering::{Offering, OfferingStatus};
use crate::catalogue::price::{Price, PriceStatus, PriceType, RecurringPeriod};
use crate::catalogue::product::{LifecycleStatus, Product};
use crate::catalogue::view::{CustomerView, ViewPrice};
use crate::catalogue::webhook::EventFormat;
use crate::catalogue::FieldError;
use crate::service::{self, lookup, Tx};

/// TMF620 Product Catalog Management v4.
pub struct ProductCatalog;

impl Api for ProductCatalog {
    const PATH: &'static str = "productCatalogManagement/v4";
    const NAME: &'static str = "TMF620";
    const FORMAT: EventFormat = EventFormat::Tmf620;
    const CATALOG: Catalog = Catalog {
        path: "catalog",
        type_name: "Catalog",
        name: "Product catalogue",
        description: "Every product offering, product specification and \
                      product offering price.",
    };
    const TITLE: &'static str = "Vitrine: TMF620 Product Catalog Management v4";
    const ABOUT: &'static str = "Vitrine's products, offerings and prices as TM Forum TMF620 v4 \
                                 resources, over the same catalogue and the same unit of work as \
                                 /api/v1. Errors are TMF's Error body.";

    fn collections() -> Vec<Collection> {
        vec![
            Collection::of::<ProductCatalog, Product>(),
            Collection::of::<ProductCatalog, Offering>(),
            Collection::of::<ProductCatalog, Price>(),
            Collection::of::<ProductCatalog, Category>(),
            super::spec::catalog::<ProductCatalog>(),
        ]
    }
}

const OFFERING_LIFECYCLE: Lifecycle<OfferingStatus> = Lifecycle {
    draft: OfferingStatus::Draft,
    active: OfferingStatus::Active,
    retired: OfferingStatus::Retired,
    active_name: "Launched",
};

const PRODUCT_LIFECYCLE: Lifecycle<LifecycleStatus> = Lifecycle {
    draft: LifecycleStatus::Draft,
    active: LifecycleStatus::Active,
    retired: LifecycleStatus::Retired,
    active_name: "Active",
};

const PRICE_LIFECYCLE: Lifecycle<PriceStatus> = Lifecycle {
    draft: PriceStatus::Draft,
    active: PriceStatus::Active,
    retired: PriceStatus::Retired,
    active_name: "Active",
};

/// The TMF `priceType` of each native price type.
const PRICE_TYPES: &[(PriceType, &str)] = &[
    (PriceType::OneTime, "oneTime"),
    (PriceType::Recurring, "recurring"),
    (PriceType::Usage, "usage"),
];

impl Resource<ProductCatalog> for Product {
    const PATH: &'static str = "productSpecification";
    const TYPE: &'static str = "ProductSpecification";
    const WHAT: &'static str = "product specification";
    const ATTRIBUTES: &'static [Attribute] = &[read(
        "resourceSpecification",
        Kind::Refs,
        "The resources of its components, each once, whatever their visibility.",
    )];
    const ABOUT: &'static str = "A Vitrine product: a configuration of resources. Staff keys \
                                 only: products are internal.";
    const NAMES: &'static [(&'static str, &'static str)] =
        &[("lifecycle_status", "lifecycleStatus")];

    fn to_tmf(
        items: Vec<Product>,
        tx: &mut impl Tx,
        base: &str,
    ) -> Result<Vec<Value>, service::Error> {
        let ids: Vec<Uuid> = items.iter().map(|p| p.meta.id).collect();
        let mut resources: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
        for component in lookup::components_of(tx, &ids)? {
            let list = resources.entry(component.product_id).or_default();
            if !list.contains(&component.fields.resource_id) {
                list.push(component.fields.resource_id);
            }
        }
        Ok(items
            .into_iter()
            .map(|p| {
                let mut o = head::<ProductCatalog, _>(
                    &p,
                    base,
                    &p.fields.name,
                    p.fields.description.as_ref(),
                    PRODUCT_LIFECYCLE.name(p.fields.lifecycle_status),
                );
                let refs: Vec<Value> = resources
                    .remove(&p.meta.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|r| reference(r, None, None, "ResourceSpecification"))
                    .collect();
                if !refs.is_empty() {
                    o.insert("resourceSpecification".into(), Value::Array(refs));
                }
                Value::Object(o)
            })
            .collect())
    }

    fn to_native(
        mut members: Map<String, Value>,
        errors: &mut Vec<FieldError>,
    ) -> Map<String, Value> {
        common(
            &mut members,
            errors,
            "lifecycle_status",
            &PRODUCT_LIFECYCLE,
            LifecycleStatus::as_str,
        )
    }

    /// Products are internal: a customer sees them through none of its
    /// offerings.
    fn seen(_: &CustomerView, _: &str) -> Option<Vec<Value>> {
        None
    }
}

impl Resource<ProductCatalog> for Offering {
    const PATH: &'static str = "productOffering";
    const TYPE: &'static str = "ProductOffering";
    const WHAT: &'static str = "product offering";
    const ATTRIBUTES: &'static [Attribute] = &[
        read("isSellable", Kind::Flag, "Whether it is launched."),
        write(
            "validFor",
            Kind::Period,
            "The days it is offered (`valid_from`, `valid_to`): from the start of the first to \
             the end of the last, UTC.",
        ),
        write(
            "productSpecification",
            Kind::Ref,
            "The product it sells (`product_id`); when it names none, the first product of its \
             first service is shown.",
        ),
        write(
            "serviceCandidate",
            Kind::Ref,
            "Its service (`service_ids`): TMF620 v4 holds one, the first.",
        ),
        write(
            "marketSegment",
            Kind::Refs,
            "The consumer groups it is offered to (`consumer_group_ids`).",
        ),
        write(
            "productOfferingPrice",
            Kind::Refs,
            "Its prices (`price_ids`).",
        ),
        read(
            "serviceLevelAgreement",
            Kind::Ref,
            "Its service levels (`service_levels`), as one agreement under the offering's id, \
             named by its terms (`availability: 99.9 %; response: 4 h`); tailored for a \
             customer key.",
        ),
        read(
            "category",
            Kind::Refs,
            "The categories that group it: set through each category's `productOffering`.",
        ),
    ];
    const ABOUT: &'static str = "A Vitrine offering: services packaged for consumer groups. \
                                 A customer key reads those of its view, tailored.";
    const NAMES: &'static [(&'static str, &'static str)] = &[
        ("status", "lifecycleStatus"),
        ("valid_from", "validFor.startDateTime"),
        ("valid_to", "validFor.endDateTime"),
        ("product_id", "productSpecification.id"),
        ("service_ids", "serviceCandidate"),
        ("consumer_group_ids", "marketSegment"),
        ("price_ids", "productOfferingPrice"),
    ];

    fn to_tmf(
        items: Vec<Offering>,
        tx: &mut impl Tx,
        base: &str,
    ) -> Result<Vec<Value>, service::Error> {
        // An offering that names no product sells the first product of its
        // first service.
        let unnamed: Vec<Uuid> = items
            .iter()
            .filter(|o| o.fields.product_id.is_none())
            .filter_map(|o| o.fields.service_ids.first().copied())
            .collect();
        let first_products: HashMap<Uuid, Uuid> = lookup::services(tx, &unnamed)?
            .into_iter()
            .filter_map(|s| s.fields.product_ids.first().map(|p| (s.meta.id, *p)))
            .collect();
        let ids: Vec<Uuid> = items.iter().map(|o| o.meta.id).collect();
        let mut categories = super::category::categories_by_member(
            lookup::categories_of_offerings(tx, &ids)?,
            base,
            "category",
            "Category",
        );
        Ok(items
            .into_iter()
            .map(|offering| {
                let f = &offering.fields;
                let mut o = head::<ProductCatalog, _>(
                    &offering,
                    base,
                    &f.name,
                    f.description.as_ref(),
                    OFFERING_LIFECYCLE.name(f.status),
                );
                o.insert(
                    "isSellable".into(),
                    json!(f.status == OfferingStatus::Active),
                );
                put_some(&mut o, "validFor", valid_for(f.valid_from, f.valid_to));
                let product = f.product_id.or_else(|| {
                    f.service_ids
                        .first()
                        .and_then(|s| first_products.get(s).copied())
                });
                put_some(
                    &mut o,
                    "productSpecification",
                    product.map(|p| {
                        reference(
                            p,
                            Some(format!("{base}/productSpecification/{p}")),
                            None,
                            "ProductSpecification",
                        )
                    }),
                );
                put_some(
                    &mut o,
                    "serviceCandidate",
                    f.service_ids
                        .first()
                        .map(|s| reference(*s, None, None, "ServiceCandidate")),
                );
                let segments: Vec<Value> = f
                    .consumer_group_ids
                    .iter()
                    .map(|g| reference(*g, None, None, "MarketSegment"))
                    .collect();
                if !segments.is_empty() {
                    o.insert("marketSegment".into(), Value::Array(segments));
                }
                let prices: Vec<Value> = f
                    .price_ids
                    .iter()
                    .map(|p| {
                        reference(
                            *p,
                            Some(format!("{base}/productOfferingPrice/{p}")),
                            None,
                            "ProductOfferingPrice",
                        )
                    })
                    .collect();
                if !prices.is_empty() {
                    o.insert("productOfferingPrice".into(), Value::Array(prices));
                }
                put_some(
                    &mut o,
                    "serviceLevelAgreement",
                    agreement(
                        offering.meta.id,
                        f.service_levels
                            .iter()
                            .map(|l| (l.metric.as_str(), l.target.as_str(), l.unit.as_deref())),
                    ),
                );
                put_some(
                    &mut o,
                    "category",
                    categories.remove(&offering.meta.id).map(Value::Array),
                );
                Value::Object(o)
            })
            .collect())
    }

    fn to_native(
        mut members: Map<String, Value>,
        errors: &mut Vec<FieldError>,
    ) -> Map<String, Value> {
        let mut native = common(
            &mut members,
            errors,
            "status",
            &OFFERING_LIFECYCLE,
            OfferingStatus::as_str,
        );
        if let Some(period) = members.remove("validFor") {
            let (from, to) = days_of(&period, errors);
            native.insert("valid_from".into(), from);
            native.insert("valid_to".into(), to);
        }
        if let Some(spec) = members.remove("productSpecification") {
            let id = match spec {
                Value::Null => Value::Null,
                spec => ref_id(&spec, "productSpecification", errors),
            };
            native.insert("product_id".into(), id);
        }
        if let Some(candidate) = members.remove("serviceCandidate") {
            let ids = match candidate {
                Value::Null => json!([]),
                candidate => json!([ref_id(&candidate, "serviceCandidate", errors)]),
            };
            native.insert("service_ids".into(), ids);
        }
        if let Some(segments) = members.remove("marketSegment") {
            native.insert(
                "consumer_group_ids".into(),
                ref_ids(&segments, "marketSegment", errors),
            );
        }
        if let Some(prices) = members.remove("productOfferingPrice") {
            native.insert(
                "price_ids".into(),
                ref_ids(&prices, "productOfferingPrice", errors),
            );
        }
        native
    }

    /// The offerings of the customer's view, tailored, ordered by id.
    fn seen(view: &CustomerView, base: &str) -> Option<Vec<Value>> {
        Some(
            view.offerings
                .iter()
                .map(|o| seen_offering(o, base))
                .collect(),
        )
    }
}

/// An offering of a customer's view: no product, no consumer group, no
/// version or time of change; its prices and services as the view shows
/// them.
fn seen_offering(offering: &crate::catalogue::view::ViewOffering, base: &str) -> Value {
    let mut o = seen_head(
        base,
        Offering::PATH,
        offering.id,
        &offering.name,
        offering.description.as_ref(),
        OFFERING_LIFECYCLE.name(OfferingStatus::Active),
    );
    o.insert("isSellable".into(), json!(true));
    put_some(
        &mut o,
        "validFor",
        valid_for(offering.valid_from, offering.valid_to),
    );
    put_some(
        &mut o,
        "serviceCandidate",
        offering
            .services
            .first()
            .map(|s| reference(s.id, None, None, "ServiceCandidate")),
    );
    let prices: Vec<Value> = offering
        .prices
        .iter()
        .map(|p| {
            reference(
                p.id,
                Some(format!("{base}/productOfferingPrice/{}", p.id)),
                None,
                "ProductOfferingPrice",
            )
        })
        .collect();
    if !prices.is_empty() {
        o.insert("productOfferingPrice".into(), Value::Array(prices));
    }
    put_some(
        &mut o,
        "serviceLevelAgreement",
        agreement(
            offering.id,
            offering
                .service_levels
                .iter()
                .map(|l| (l.metric.as_str(), l.target.as_str(), l.unit.as_deref())),
        ),
    );
    o.insert("@type".into(), json!(Offering::TYPE));
    Value::Object(o)
}

/// The service levels of an offering as the agreement it is sold under:
/// one reference under the offering's id (service levels have no id of
/// their own), named by its terms; none without service levels.
fn agreement<'a>(
    offering: Uuid,
    levels: impl Iterator<Item = (&'a str, &'a str, Option<&'a str>)>,
) -> Option<Value> {
    let terms: Vec<String> = levels
        .map(|(metric, target, unit)| match unit {
            Some(unit) => format!("{metric}: {target} {unit}"),
            None => format!("{metric}: {target}"),
        })
        .collect();
    (!terms.is_empty()).then(|| {
        reference(
            offering,
            None,
            Some(&terms.join("; ")),
            "ServiceLevelAgreement",
        )
    })
}

/// A price as a customer's view shows it, its amount tailored.
fn seen_price(price: &ViewPrice, base: &str) -> Value {
    let mut o = seen_head(
        base,
        Price::PATH,
        price.id,
        &price.name,
        price.description.as_ref(),
        PRICE_LIFECYCLE.name(PriceStatus::Active),
    );
    charges(
        &mut o,
        price.price_type,
        price
            .price
            .as_ref()
            .map(|m| (m.amount.as_str(), m.currency.as_str())),
        price.recurring_period,
        price.unit_of_measure.as_deref(),
    );
    o.insert("@type".into(), json!(Price::TYPE));
    Value::Object(o)
}

/// The members that say how a price is charged.
fn charges(
    o: &mut Map<String, Value>,
    price_type: PriceType,
    price: Option<(&str, &str)>,
    period: Option<RecurringPeriod>,
    unit: Option<&str>,
) {
    let kind = PRICE_TYPES
        .iter()
        .find(|(t, _)| *t == price_type)
        .map_or("", |(_, n)| n);
    o.insert("priceType".into(), json!(kind));
    put_some(
        o,
        "price",
        price.map(|(amount, currency)| {
            let value = amount
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
                .map_or(Value::Null, Value::Number);
            json!({"unit": currency, "value": value})
        }),
    );
    if let Some(period) = period {
        o.insert("recurringChargePeriodType".into(), json!(period.as_str()));
        o.insert("recurringChargePeriodLength".into(), json!(1));
    }
    if let Some(unit) = unit {
        o.insert("unitOfMeasure".into(), json!({"amount": 1, "units": unit}));
    }
}

impl Resource<ProductCatalog> for Price {
    const PATH: &'static str = "productOfferingPrice";
    const TYPE: &'static str = "ProductOfferingPrice";
    const WHAT: &'static str = "product offering price";
    const ATTRIBUTES: &'static [Attribute] = &[
        write(
            "priceType",
            Kind::Text,
            "oneTime, recurring or usage (`price_type`).",
        ),
        write("price", Kind::Money, "Its amount and currency."),
        write(
            "recurringChargePeriodType",
            Kind::Text,
            "For a recurring price, how often it is charged: day, week, month, quarter or year.",
        ),
        write(
            "recurringChargePeriodLength",
            Kind::Count,
            "For a recurring price: 1, as it is charged every period.",
        ),
        write(
            "unitOfMeasure",
            Kind::Quantity,
            "For a usage price, what it is charged per: `{amount: 1, units}`.",
        ),
    ];
    const ABOUT: &'static str = "A Vitrine price: one-time, recurring or usage, which offerings \
                                 name. A customer key reads those of its view's offerings, \
                                 tailored.";
    const NAMES: &'static [(&'static str, &'static str)] = &[
        ("status", "lifecycleStatus"),
        ("price_type", "priceType"),
        ("recurring_period", "recurringChargePeriodType"),
        ("unit_of_measure", "unitOfMeasure.units"),
        ("price.amount", "price.value"),
        ("price.currency", "price.unit"),
    ];

    fn to_tmf(
        items: Vec<Price>,
        _tx: &mut impl Tx,
        base: &str,
    ) -> Result<Vec<Value>, service::Error> {
        Ok(items
            .into_iter()
            .map(|price| {
                let f = &price.fields;
                let mut o = head::<ProductCatalog, _>(
                    &price,
                    base,
                    &f.name,
                    f.description.as_ref(),
                    PRICE_LIFECYCLE.name(f.status),
                );
                charges(
                    &mut o,
                    f.price_type,
                    f.price
                        .as_ref()
                        .map(|m| (m.amount.as_str(), m.currency.as_str())),
                    f.recurring_period,
                    f.unit_of_measure.as_deref(),
                );
                Value::Object(o)
            })
            .collect())
    }

    fn to_native(
        mut members: Map<String, Value>,
        errors: &mut Vec<FieldError>,
    ) -> Map<String, Value> {
        let mut native = common(
            &mut members,
            errors,
            "status",
            &PRICE_LIFECYCLE,
            PriceStatus::as_str,
        );
        if let Some(kind) = members.remove("priceType") {
            let found = kind.as_str().and_then(|k| {
                PRICE_TYPES
                    .iter()
                    .find(|(t, n)| n.eq_ignore_ascii_case(k) || t.as_str() == k)
            });
            match found {
                Some((t, _)) => {
                    native.insert("price_type".into(), json!(t.as_str()));
                }
                None => errors.push(FieldError::new(
                    "priceType",
                    "must be one of: oneTime, recurring, usage",
                )),
            }
        }
        if let Some(price) = members.remove("price") {
            let money = match &price {
                Value::Null => Value::Null,
                Value::Object(m) => {
                    let amount = match m.get("value") {
                        Some(Value::Number(n)) => json!(n.to_string()),
                        Some(Value::String(s)) => json!(s),
                        _ => Value::Null,
                    };
                    json!({"amount": amount, "currency": m.get("unit").cloned().unwrap_or(Value::Null)})
                }
                _ => {
                    errors.push(FieldError::new("price", "must be an object: {unit, value}"));
                    Value::Null
                }
            };
            native.insert("price".into(), money);
        }
        if let Some(period) = members.remove("recurringChargePeriodType") {
            native.insert("recurring_period".into(), period);
        }
        match members.remove("recurringChargePeriodLength") {
            None | Some(Value::Null) => {}
            Some(length) if length == json!(1) => {}
            Some(_) => errors.push(FieldError::new(
                "recurringChargePeriodLength",
                "must be 1: a recurring price is charged every period",
            )),
        }
        if let Some(unit) = members.remove("unitOfMeasure") {
            let units = match &unit {
                Value::Null => Value::Null,
                Value::Object(m) => {
                    if m.get("amount")
                        .is_some_and(|a| *a != json!(1) && !a.is_null())
                    {
                        errors.push(FieldError::new(
                            "unitOfMeasure.amount",
                            "must be 1: a usage price is charged per unit",
                        ));
                    }
                    m.get("units").cloned().unwrap_or(Value::Null)
                }
                _ => {
                    errors.push(FieldError::new(
                        "unitOfMeasure",
                        "must be an object: {amount, units}",
                    ));
                    Value::Null
                }
            };
            native.insert("unit_of_measure".into(), units);
        }
        native
    }

    /// The prices of the offerings the customer sees, each once (as the
    /// first of its offerings, by id, shows it), ordered by id.
    fn seen(view: &CustomerView, base: &str) -> Option<Vec<Value>> {
        let prices =
            super::resource::once_each(view.offerings.iter().flat_map(|o| &o.prices), |p| p.id);
        Some(prices.into_iter().map(|p| seen_price(p, base)).collect())
    }
}

/// Registers the facade's routes under its scope.
pub fn configure(cfg: &mut web::ServiceConfig) {
    routes::<ProductCatalog, Product>(cfg);
    routes::<ProductCatalog, Offering>(cfg);
    routes::<ProductCatalog, Price>(cfg);
    routes::<ProductCatalog, Category>(cfg);
    super::resource::catalog_routes::<ProductCatalog>(cfg);
    super::hub::routes::<ProductCatalog>(cfg);
}

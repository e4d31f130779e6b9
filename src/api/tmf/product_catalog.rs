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

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{
    base_url, days_of, members, path_id, ref_id, ref_ids, reference, renamed, time, valid_for,
    ListQuery, TmfError,
};
use crate::api::auth::{Caller, Permission};
use crate::api::{body, conditional, AppState};
use crate::catalogue::api_key::Role;
use crate::catalogue::offering::{Offering, OfferingStatus};
use crate::catalogue::page::PageRequest;
use crate::catalogue::price::{Price, PriceStatus, PriceType, RecurringPeriod};
use crate::catalogue::product::{LifecycleStatus, Product};
use crate::catalogue::validate::parse_input;
use crate::catalogue::view::{CustomerView, ViewPrice};
use crate::catalogue::webhook::{
    EventFormat, Webhook, WebhookInput, WebhookStatus, TMF620_EVENT_TYPES,
};
use crate::catalogue::FieldError;
use crate::error::ApiError;
use crate::service::{self, lookup, ops, Tx, Writable};

/// The facade's path under [`super::ROOT`].
pub const FACADE: &str = "productCatalogManagement/v4";

/// How many entities a list reads from the store at a time.
const BATCH: u32 = 500;

/// One TMF620 resource over one native entity.
pub trait Resource: Writable<Scope = ()> {
    /// Its collection's path, such as `productOffering`.
    const PATH: &'static str;
    /// Its `@type`, such as `ProductOffering`.
    const TYPE: &'static str;
    /// What it is called in messages.
    const WHAT: &'static str;
    /// The TMF attributes a write may set.
    const WRITABLE: &'static [&'static str];
    /// The native fields and the TMF attributes they come from, to name the
    /// attribute in an error.
    const NAMES: &'static [(&'static str, &'static str)];

    /// These entities as TMF resources, with their references resolved.
    fn to_tmf(items: Vec<Self>, tx: &mut impl Tx, base: &str)
        -> Result<Vec<Value>, service::Error>;

    /// The native fields of the TMF attributes of a write; the attributes
    /// that cannot be translated are named in `errors`.
    fn to_native(members: Map<String, Value>, errors: &mut Vec<FieldError>) -> Map<String, Value>;

    /// What a customer sees of this resource: built from its customer view
    /// alone, never from the catalogue, so that it holds nothing the view
    /// does not; none when customers may not read this resource at all.
    fn seen(view: &CustomerView, base: &str) -> Option<Vec<Value>>;
}

/// The lifecycle names of TMF for a native status of three states (draft,
/// active, retired), and back.
struct Lifecycle<T: 'static> {
    draft: T,
    active: T,
    retired: T,
    /// How TMF calls the active state of this resource: `Launched` for an
    /// offering, `Active` for the others; either is read.
    active_name: &'static str,
}

impl<T: Copy + PartialEq> Lifecycle<T> {
    fn name(&self, status: T) -> &'static str {
        if status == self.draft {
            "In design"
        } else if status == self.active {
            self.active_name
        } else {
            "Retired"
        }
    }

    fn status(&self, name: &str) -> Option<T> {
        let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        if is(&["In design", "In study", "In test"]) {
            Some(self.draft)
        } else if is(&["Launched", "Active"]) {
            Some(self.active)
        } else if is(&["Retired", "Obsolete"]) {
            Some(self.retired)
        } else {
            None
        }
    }

    /// The native value of a `lifecycleStatus` member, as a JSON string of
    /// `as_str`; none, named in `errors`, when it is not a TMF name.
    fn read(
        &self,
        value: &Value,
        as_str: fn(T) -> &'static str,
        errors: &mut Vec<FieldError>,
    ) -> Value {
        match value.as_str().and_then(|n| self.status(n)) {
            Some(status) => json!(as_str(status)),
            None => {
                errors.push(FieldError::new(
                    "lifecycleStatus",
                    format!("must be one of: In design, {}, Retired", self.active_name),
                ));
                Value::Null
            }
        }
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

/// The members every resource starts with: its id, `href`, name,
/// description, lifecycle, `lastUpdate`, `version` and `@type`.
fn head<E: Resource>(
    entity: &E,
    base: &str,
    name: &str,
    description: Option<&String>,
    lifecycle: &str,
) -> Map<String, Value> {
    let meta = entity.meta();
    let mut o = Map::new();
    o.insert("id".into(), json!(meta.id));
    o.insert(
        "href".into(),
        json!(format!("{base}/{}/{}", E::PATH, meta.id)),
    );
    o.insert("name".into(), json!(name));
    put_some(&mut o, "description", description.map(|d| json!(d)));
    o.insert("isBundle".into(), json!(false));
    o.insert("lifecycleStatus".into(), json!(lifecycle));
    o.insert("lastUpdate".into(), json!(time(meta.updated_at)));
    o.insert("version".into(), json!(meta.version.to_string()));
    o.insert("@type".into(), json!(E::TYPE));
    o
}

fn put_some(o: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        o.insert(key.into(), value);
    }
}

/// The native fields of the attributes every resource has: `name` and
/// `description` as they are, `lifecycleStatus` as the native `field`
/// (through `lifecycle`), and `isBundle`, which must be false: bundles are
/// not modelled.
fn common<T: Copy + PartialEq>(
    members: &mut Map<String, Value>,
    errors: &mut Vec<FieldError>,
    field: &str,
    lifecycle: &Lifecycle<T>,
    as_str: fn(T) -> &'static str,
) -> Map<String, Value> {
    let mut native = Map::new();
    for member in ["name", "description"] {
        if let Some(value) = members.remove(member) {
            native.insert(member.into(), value);
        }
    }
    match members.remove("isBundle") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(_) => errors.push(FieldError::new(
            "isBundle",
            "bundles are not supported: leave it out or false",
        )),
    }
    if let Some(status) = members.remove("lifecycleStatus") {
        native.insert(field.into(), lifecycle.read(&status, as_str, errors));
    }
    native
}

impl Resource for Product {
    const PATH: &'static str = "productSpecification";
    const TYPE: &'static str = "ProductSpecification";
    const WHAT: &'static str = "product specification";
    const WRITABLE: &'static [&'static str] =
        &["name", "description", "lifecycleStatus", "isBundle"];
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
                let mut o = head(
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

impl Resource for Offering {
    const PATH: &'static str = "productOffering";
    const TYPE: &'static str = "ProductOffering";
    const WHAT: &'static str = "product offering";
    const WRITABLE: &'static [&'static str] = &[
        "name",
        "description",
        "lifecycleStatus",
        "isBundle",
        "validFor",
        "productSpecification",
        "serviceCandidate",
        "marketSegment",
        "productOfferingPrice",
    ];
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
        Ok(items
            .into_iter()
            .map(|offering| {
                let f = &offering.fields;
                let mut o = head(
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
    let mut o = Map::new();
    o.insert("id".into(), json!(offering.id));
    o.insert(
        "href".into(),
        json!(format!("{base}/productOffering/{}", offering.id)),
    );
    o.insert("name".into(), json!(offering.name));
    put_some(
        &mut o,
        "description",
        offering.description.as_ref().map(|d| json!(d)),
    );
    o.insert("isBundle".into(), json!(false));
    o.insert("isSellable".into(), json!(true));
    o.insert(
        "lifecycleStatus".into(),
        json!(OFFERING_LIFECYCLE.name(OfferingStatus::Active)),
    );
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
    o.insert("@type".into(), json!(Offering::TYPE));
    Value::Object(o)
}

/// A price as a customer's view shows it, its amount tailored.
fn seen_price(price: &ViewPrice, base: &str) -> Value {
    let mut o = Map::new();
    o.insert("id".into(), json!(price.id));
    o.insert(
        "href".into(),
        json!(format!("{base}/productOfferingPrice/{}", price.id)),
    );
    o.insert("name".into(), json!(price.name));
    put_some(
        &mut o,
        "description",
        price.description.as_ref().map(|d| json!(d)),
    );
    o.insert("isBundle".into(), json!(false));
    o.insert(
        "lifecycleStatus".into(),
        json!(PRICE_LIFECYCLE.name(PriceStatus::Active)),
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

impl Resource for Price {
    const PATH: &'static str = "productOfferingPrice";
    const TYPE: &'static str = "ProductOfferingPrice";
    const WHAT: &'static str = "product offering price";
    const WRITABLE: &'static [&'static str] = &[
        "name",
        "description",
        "lifecycleStatus",
        "isBundle",
        "priceType",
        "price",
        "recurringChargePeriodType",
        "recurringChargePeriodLength",
        "unitOfMeasure",
    ];
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
                let mut o = head(
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
        let mut prices: Vec<&ViewPrice> = Vec::new();
        for price in view.offerings.iter().flat_map(|o| &o.prices) {
            if !prices.iter().any(|p| p.id == price.id) {
                prices.push(price);
            }
        }
        prices.sort_by_key(|p| p.id);
        Some(prices.into_iter().map(|p| seen_price(p, base)).collect())
    }
}

/// Every entity of `E`, ordered by id, read in batches.
fn all<E: Resource>(tx: &mut impl Tx) -> Result<Vec<E>, service::Error> {
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page = ops::list::<E>(
            tx,
            (),
            &E::Filter::default(),
            &PageRequest {
                after,
                limit: BATCH,
            },
        )?;
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(items),
        }
    }
}

/// The native fields of a TMF body, or a 422 naming the attributes that
/// cannot be translated.
fn translate<E: Resource>(body: Value) -> Result<Map<String, Value>, TmfError> {
    let members = members(body, E::WRITABLE)?;
    let mut errors = Vec::new();
    let native = E::to_native(members, &mut errors);
    if errors.is_empty() {
        Ok(native)
    } else {
        Err(TmfError(ApiError::invalid(errors)))
    }
}

fn only_one(mut items: Vec<Value>) -> Result<Value, TmfError> {
    items.pop().ok_or_else(|| {
        TmfError(ApiError::Internal(
            "a resource was not translated".to_owned(),
        ))
    })
}

/// The customer a customer key is bound to.
fn customer_of(caller: &Caller) -> Option<Uuid> {
    (caller.role == Role::Customer)
        .then_some(caller.customer_id)
        .flatten()
}

/// What the customer sees of `E` today, from its view; 403 for a resource
/// customers may not read.
async fn seen<E: Resource>(
    state: &AppState,
    customer: Uuid,
    base: String,
) -> Result<Vec<Value>, TmfError> {
    let today = chrono::Utc::now().date_naive();
    let view = state
        .run(move |catalogue| catalogue.customer_view(customer, today))
        .await?
        .ok_or_else(|| TmfError(ApiError::NotFound("No customer has this id.".to_owned())))?;
    E::seen(&view, &base).ok_or_else(|| {
        TmfError(ApiError::Forbidden(format!(
            "A customer key may not read {}s.",
            E::WHAT
        )))
    })
}

/// `GET /{resource}`: the list, filtered, projected and paged.
pub async fn list<E: Resource>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, TmfError> {
    let query = ListQuery::parse(req.query_string())?;
    let base = base_url(&req, FACADE);
    if let Some(customer) = customer_of(&caller) {
        return Ok(query.answer(seen::<E>(&state, customer, base).await?));
    }
    caller.require(Permission::ReadCatalogue)?;
    let items = state
        .run(move |catalogue| {
            catalogue.read(|tx| {
                let items = all::<E>(tx)?;
                E::to_tmf(items, tx, &base)
            })
        })
        .await?;
    Ok(query.answer(items))
}

/// `GET /{resource}/{id}`.
pub async fn get<E: Resource>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, TmfError> {
    let id = path_id(&path, E::WHAT)?;
    let query = ListQuery::parse(req.query_string())?;
    let base = base_url(&req, FACADE);
    if let Some(customer) = customer_of(&caller) {
        let item = seen::<E>(&state, customer, base)
            .await?
            .into_iter()
            .find(|item| item["id"] == json!(id))
            .ok_or_else(|| not_found::<E>(ApiError::NotFound(String::new()), id))?;
        return Ok(HttpResponse::Ok().json(query.project(item)));
    }
    caller.require(Permission::ReadCatalogue)?;
    let (item, version) = state
        .run(move |catalogue| {
            catalogue.read(|tx| {
                let entity = ops::get::<E>(tx, (), id)?;
                let version = entity.meta().version;
                let items = E::to_tmf(vec![entity], tx, &base)?;
                Ok::<_, service::Error>((items, version))
            })
        })
        .await
        .map_err(|e| not_found::<E>(e, id))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, conditional::etag(version)))
        .json(query.project(only_one(item)?)))
}

/// `POST /{resource}`: 201 with the resource and its `Location`.
pub async fn create<E: Resource>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, TmfError> {
    caller.require(Permission::WriteCatalogue)?;
    let (document, _): (Value, _) = body::json(&state.bodies, &req, payload).await?;
    let native = translate::<E>(document)?;
    let base = base_url(&req, FACADE);
    let (item, version) = state
        .run(move |catalogue| {
            catalogue.write(caller.actor(), |work| {
                let input = parse_input::<E::Input>(Value::Object(native))?;
                let created = ops::create::<E>(work, (), input)?;
                let version = created.meta().version;
                Ok((E::to_tmf(vec![created], work, &base)?, version))
            })
        })
        .await
        .map_err(|e| renamed(e, E::NAMES))?;
    let item = only_one(item)?;
    let location = item["href"].as_str().unwrap_or_default().to_owned();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, conditional::etag(version)))
        .json(item))
}

/// `PATCH /{resource}/{id}`: a merge patch of TMF attributes; `If-Match`
/// is honoured when sent (412 on a stale one), not required.
pub async fn update<E: Resource>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, TmfError> {
    caller.require(Permission::WriteCatalogue)?;
    let id = path_id(&path, E::WHAT)?;
    let precondition = conditional::optional_if_match(&req);
    let document = body::merge_patch(&state.bodies, &req, payload).await?;
    let native = translate::<E>(document)?;
    let base = base_url(&req, FACADE);
    let (item, version) = state
        .run(move |catalogue| {
            catalogue.write(caller.actor(), |work| {
                let updated = ops::patch::<E>(work, (), id, &precondition, &Value::Object(native))?;
                let version = updated.meta().version;
                Ok((E::to_tmf(vec![updated], work, &base)?, version))
            })
        })
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => not_found::<E>(e, id),
            other => renamed(other, E::NAMES),
        })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, conditional::etag(version)))
        .json(only_one(item)?))
}

/// `DELETE /{resource}/{id}`: 204; 409 while something still refers to it.
pub async fn delete<E: Resource>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, TmfError> {
    caller.require(Permission::WriteCatalogue)?;
    let id = path_id(&path, E::WHAT)?;
    let precondition = conditional::optional_if_match(&req);
    state
        .run(move |catalogue| catalogue.delete::<E>(caller.actor(), (), id, &precondition))
        .await
        .map_err(|e| not_found::<E>(e, id))?;
    Ok(HttpResponse::NoContent().finish())
}

/// A 404 that names the TMF resource rather than the native entity.
fn not_found<E: Resource>(e: ApiError, id: Uuid) -> TmfError {
    match e {
        ApiError::NotFound(_) => TmfError(ApiError::NotFound(format!(
            "No {} has the id {id}.",
            E::WHAT
        ))),
        other => TmfError(other),
    }
}

/// Registers the facade's routes under `scope`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    fn resource<E: Resource>(cfg: &mut web::ServiceConfig) {
        cfg.service(
            web::resource(format!("/{}", E::PATH))
                .route(web::get().to(list::<E>))
                .route(web::post().to(create::<E>)),
        )
        .service(
            web::resource(format!("/{}/{{id}}", E::PATH))
                .route(web::get().to(get::<E>))
                .route(web::patch().to(update::<E>))
                .route(web::delete().to(delete::<E>)),
        );
    }
    resource::<Product>(cfg);
    resource::<Offering>(cfg);
    resource::<Price>(cfg);
    cfg.service(web::resource("/hub").route(web::post().to(register_listener)))
        .service(web::resource("/hub/{id}").route(web::delete().to(unregister_listener)));
}

/// The body of the TMF620 event `event_type` for a change of the feed: the
/// resource as the facade serves it when the event is delivered (its id,
/// `href` and `@type` alone once it is deleted).
pub fn event_body(
    catalogue: &crate::service::Catalogue,
    event: &crate::catalogue::event::Event,
    event_type: &str,
    base: &str,
) -> Result<Value, service::Error> {
    let base = format!("{base}{}/{FACADE}", super::ROOT);
    let (member, resource) = catalogue.read(|tx| match event.entity_type.as_str() {
        "product" => current::<Product>(tx, event, &base),
        "offering" => current::<Offering>(tx, event, &base),
        _ => current::<Price>(tx, event, &base),
    })?;
    Ok(json!({
        "eventId": event.id,
        "eventTime": time(event.occurred_at),
        "eventType": event_type,
        "event": {member: resource},
    }))
}

/// The member of an event that holds `E`, and `E` as it is now.
fn current<E: Resource>(
    tx: &mut impl Tx,
    event: &crate::catalogue::event::Event,
    base: &str,
) -> Result<(&'static str, Value), service::Error> {
    let id = event.entity_id;
    let gone = || json!({"id": id, "href": format!("{base}/{}/{id}", E::PATH), "@type": E::TYPE});
    if event.kind == crate::catalogue::event::EventKind::Deleted {
        return Ok((E::PATH, gone()));
    }
    let resource = match ops::get::<E>(tx, (), id) {
        Ok(entity) => E::to_tmf(vec![entity], tx, base)?
            .pop()
            .unwrap_or_else(gone),
        Err(service::Error::Catalogue(crate::catalogue::CatalogueError::NotFound { .. })) => gone(),
        Err(e) => return Err(e),
    };
    Ok((E::PATH, resource))
}

/// `POST /hub`: registers a listener (`callback`) for the TMF620 events
/// its `query` names (`eventType=ProductOfferingCreateEvent,...`; all of
/// them when it has none). It is a webhook subscription of the `tmf620`
/// format: delivered by the same worker, signed, retried, in order.
pub async fn register_listener(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, TmfError> {
    caller.require(Permission::WriteCatalogue)?;
    let (document, _): (Value, _) = body::json(&state.bodies, &req, payload).await?;
    let members = members(document, &["callback", "query"])?;
    let Some(callback) = members.get("callback").and_then(Value::as_str) else {
        return Err(TmfError(ApiError::invalid_field(
            "callback",
            "is required: the URL the events are POSTed to",
        )));
    };
    let query = match members.get("query") {
        None | Some(Value::Null) => None,
        Some(Value::String(q)) => Some(q.clone()),
        Some(_) => {
            return Err(TmfError(ApiError::invalid_field(
                "query",
                "must be a string such as eventType=ProductOfferingCreateEvent",
            )))
        }
    };
    let event_types = hub_event_types(query.as_deref())?;
    crate::api::webhooks::check_destination(&state, callback.to_owned())
        .await
        .map_err(|e| renamed(e, &[("url", "callback")]))?;
    let input = WebhookInput {
        url: callback.to_owned(),
        description: Some(format!(
            "TMF620 hub listener{}",
            query
                .as_deref()
                .map(|q| format!(": {q}"))
                .unwrap_or_default()
        )),
        entity_types: vec!["product".into(), "offering".into(), "price".into()],
        kinds: Vec::new(),
        format: EventFormat::Tmf620,
        event_types,
        status: WebhookStatus::Active,
    };
    let created = state
        .run(move |catalogue| catalogue.create_webhook(caller.actor(), input))
        .await
        .map_err(|e| renamed(e, &[("url", "callback"), ("description", "query")]))?;
    let id = created.webhook.meta.id;
    let location = format!("{}/hub/{id}", base_url(&req, FACADE));
    let mut body = json!({"id": id, "callback": callback, "@type": "EventSubscription"});
    if let Some(query) = query {
        body["query"] = json!(query);
    }
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body))
}

/// The TMF event types a hub query asks for: `eventType=A,B` (or the
/// parameter repeated); none for all of them.
fn hub_event_types(query: Option<&str>) -> Result<Vec<String>, TmfError> {
    let Some(query) = query.filter(|q| !q.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.trim_start_matches('?'))
        .map_err(|e| {
            TmfError(ApiError::invalid_field(
                "query",
                format!("is not a query string: {e}"),
            ))
        })?;
    let mut types = Vec::new();
    for (name, value) in pairs {
        if name != "eventType" {
            return Err(TmfError(ApiError::invalid_field(
                "query",
                format!("`{name}` is not a filter listeners take: only eventType"),
            )));
        }
        for event_type in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if !TMF620_EVENT_TYPES.contains(&event_type) {
                return Err(TmfError(ApiError::invalid_field(
                    "query",
                    format!(
                        "`{event_type}` is not an event of this API: {}",
                        TMF620_EVENT_TYPES.join(", ")
                    ),
                )));
            }
            if !types.iter().any(|t| t == event_type) {
                types.push(event_type.to_owned());
            }
        }
    }
    Ok(types)
}

/// `DELETE /hub/{id}`: unregisters a listener: 204.
pub async fn unregister_listener(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, TmfError> {
    caller.require(Permission::WriteCatalogue)?;
    let id = path_id(&path, "listener")?;
    let missing = || TmfError(ApiError::NotFound(format!("No listener has the id {id}.")));
    let actor = caller.actor();
    state
        .run(move |catalogue| {
            catalogue.write(actor, |work| {
                let webhook = ops::get::<Webhook>(work, (), id)?;
                if webhook.fields.format != EventFormat::Tmf620 {
                    return Err(
                        crate::catalogue::CatalogueError::NotFound { entity: "listener" }.into(),
                    );
                }
                ops::delete::<Webhook>(work, (), id, &crate::catalogue::patch::Precondition::None)
            })
        })
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => missing(),
            other => TmfError(other),
        })?;
    Ok(HttpResponse::NoContent().finish())
}

//! Generated catalogues and a reference model of the customer view.
//!
//! The generator builds a random catalogue through the API from a seed; the
//! model computes, from what was created, what each customer's view must be,
//! by the rules of DOMAIN written plainly, in memory, with no SQL.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::helpers::{id, TestApp};

/// A small, seeded pseudo-random generator (xorshift64*): the same seed
/// makes the same catalogue.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() - 1)]
    }

    /// Up to `max` distinct items (at least `min`, when there are enough).
    pub fn subset(&mut self, items: &[String], min: usize, max: usize) -> Vec<String> {
        let n = self.range(min.min(items.len()), max.min(items.len()));
        let mut chosen = BTreeSet::new();
        while chosen.len() < n {
            chosen.insert(self.pick(items).clone());
        }
        chosen.into_iter().collect()
    }
}

/// The day the views are asked for.
pub const ON: &str = "2027-03-15";
const BEFORE: &str = "2027-03-01";
const JUST_BEFORE: &str = "2027-03-14";
const AFTER: &str = "2027-04-01";

/// What was created, as the API answered it.
#[derive(Default)]
pub struct Generated {
    pub groups: Vec<Value>,
    pub resources: Vec<Value>,
    pub products: Vec<Value>,
    pub components: Vec<Value>,
    pub services: Vec<Value>,
    pub prices: Vec<Value>,
    pub offerings: Vec<Value>,
    pub customers: Vec<Value>,
    pub agreements: Vec<Value>,
    pub overlays: Vec<Value>,
}

impl Generated {
    /// The id of every entity made, of every kind.
    pub fn every_id(&self) -> Vec<String> {
        [
            &self.groups,
            &self.resources,
            &self.products,
            &self.components,
            &self.services,
            &self.prices,
            &self.offerings,
            &self.customers,
            &self.agreements,
            &self.overlays,
        ]
        .into_iter()
        .flatten()
        .map(id)
        .collect()
    }
}

/// A text that names one entity and nothing else, so that finding it in a
/// body says which entity leaked.
fn token(rng: &mut Rng, kind: &str) -> String {
    format!("{kind}-{:012x}", rng.next() & 0xffff_ffff_ffff)
}

fn window(rng: &mut Rng) -> (Value, Value) {
    let from = match rng.range(0, 3) {
        0 => Value::Null,
        1 => json!(BEFORE),
        2 => json!(ON),
        _ => json!(AFTER),
    };
    let to = match rng.range(0, 3) {
        0 => Value::Null,
        1 => json!(JUST_BEFORE),
        2 => json!(ON),
        _ => json!(AFTER),
    };
    // Keep the window well formed: an end before the start is refused.
    match (&from, &to) {
        (Value::String(f), Value::String(t)) if t < f => (to.clone(), from.clone()),
        _ => (from, to),
    }
}

fn service_levels(rng: &mut Rng) -> Value {
    let n = rng.range(0, 2);
    Value::Array(
        (0..n)
            .map(|_| json!({"metric": token(rng, "metric"), "target": format!("{}", rng.range(90, 99)), "unit": "percent"}))
            .collect(),
    )
}

/// Builds a random catalogue through the API.
pub fn generate(app: &TestApp, seed: u64) -> Generated {
    let mut rng = Rng::new(seed);
    let mut g = Generated::default();
    for _ in 0..rng.range(2, 4) {
        g.groups.push(app.create(
            "/consumer-groups",
            json!({"name": token(&mut rng, "group")}),
        ));
    }
    let group_ids: Vec<String> = g.groups.iter().map(id).collect();
    for _ in 0..rng.range(3, 8) {
        let cost = format!("{}.{:04}", rng.range(100, 999), rng.range(1, 9999));
        g.resources.push(app.create(
            "/resources",
            json!({"name": token(&mut rng, "resource"), "dimension": "information_and_technology",
                "unit_cost": {"amount": cost, "currency": "EUR"}, "owner": token(&mut rng, "owner"),
                "description": token(&mut rng, "rdesc")}),
        ));
    }
    let resource_ids: Vec<String> = g.resources.iter().map(id).collect();
    for _ in 0..rng.range(3, 6) {
        g.products.push(app.create(
            "/products",
            json!({"name": token(&mut rng, "product"), "owner": token(&mut rng, "owner"), "description": token(&mut rng, "pdesc")}),
        ));
    }
    let product_ids: Vec<String> = g.products.iter().map(id).collect();
    for product in &product_ids {
        for _ in 0..rng.range(0, 4) {
            let visible = rng.chance(50);
            let mut body = json!({"resource_id": rng.pick(&resource_ids), "visibility": if visible { "customer" } else { "internal" },
                "quantity": rng.range(1, 5), "role": token(&mut rng, "role")});
            // Internal components may carry a label too: it must never show.
            if visible || rng.chance(50) {
                body["customer_label"] = json!(token(&mut rng, "label"));
            }
            if rng.chance(50) {
                body["customer_description"] = json!(token(&mut rng, "cdesc"));
            }
            g.components
                .push(app.create(&format!("/products/{product}/components"), body));
        }
    }
    for _ in 0..rng.range(3, 6) {
        let stage = *rng.pick(&["pipeline", "catalogue", "catalogue", "retired"]);
        g.services.push(app.create(
            "/services",
            json!({"name": token(&mut rng, "service"), "product_ids": rng.subset(&product_ids, 1, 2),
                "portfolio_stage": stage, "owner": token(&mut rng, "owner"),
                "utility": {"purpose": token(&mut rng, "purpose"), "outcomes": [token(&mut rng, "outcome")]},
                "warranty": {"availability_target": "99.5", "support_hours": "24x7"}}),
        ));
    }
    let service_ids: Vec<String> = g.services.iter().map(id).collect();
    for _ in 0..rng.range(2, 6) {
        let status = *rng.pick(&["draft", "active", "active", "retired"]);
        let mut body = json!({"name": token(&mut rng, "price"), "description": token(&mut rng, "prdesc"),
            "status": status});
        match rng.range(0, 2) {
            0 => body["price_type"] = json!("one_time"),
            1 => {
                body["price_type"] = json!("recurring");
                body["recurring_period"] = json!(*rng.pick(&["month", "year"]));
            }
            _ => {
                body["price_type"] = json!("usage");
                body["unit_of_measure"] = json!(token(&mut rng, "unit"));
            }
        }
        if rng.chance(80) {
            body["price"] = json!({"amount": format!("{}.{:04}", rng.range(10, 999), rng.range(1, 9999)), "currency": "EUR"});
        }
        g.prices.push(app.create("/prices", body));
    }
    let price_ids: Vec<String> = g.prices.iter().map(id).collect();
    for _ in 0..rng.range(4, 8) {
        let status = *rng.pick(&["draft", "active", "active", "active", "retired"]);
        let (valid_from, valid_to) = window(&mut rng);
        g.offerings.push(app.create(
            "/offerings",
            json!({"name": token(&mut rng, "offering"), "description": token(&mut rng, "odesc"),
                "service_ids": rng.subset(&service_ids, 1, 3), "consumer_group_ids": rng.subset(&group_ids, 0, 2),
                "status": status, "valid_from": valid_from, "valid_to": valid_to,
                "price_ids": rng.subset(&price_ids, 0, 3),
                "elements": [{"kind": "service_action", "name": token(&mut rng, "element")}],
                "service_levels": service_levels(&mut rng)}),
        ));
    }
    let offering_ids: Vec<String> = g.offerings.iter().map(id).collect();
    for _ in 0..rng.range(2, 5) {
        g.customers.push(app.create(
            "/customers",
            json!({"name": token(&mut rng, "customer"), "description": token(&mut rng, "cudesc"),
                "consumer_group_ids": rng.subset(&group_ids, 0, 2)}),
        ));
    }
    let customer_ids: Vec<String> = g.customers.iter().map(id).collect();
    for _ in 0..rng.range(0, 6) {
        let status = *rng.pick(&["proposed", "active", "active", "ended"]);
        let (starts_on, ends_on) = window(&mut rng);
        g.agreements.push(app.create(
            "/agreements",
            json!({"customer_id": rng.pick(&customer_ids), "offering_id": rng.pick(&offering_ids),
                "status": status, "starts_on": starts_on, "ends_on": ends_on}),
        ));
    }
    let mut pairs = BTreeSet::new();
    for _ in 0..rng.range(0, 6) {
        let pair = (
            rng.pick(&group_ids).clone(),
            rng.pick(&offering_ids).clone(),
        );
        if !pairs.insert(pair.clone()) {
            continue;
        }
        let mut body = json!({"consumer_group_id": pair.0, "offering_id": pair.1,
            "priority": rng.range(0, 2) as i64 - 1});
        if rng.chance(60) {
            body["name"] = json!(token(&mut rng, "oname"));
        }
        if rng.chance(40) {
            body["description"] = json!(token(&mut rng, "ovdesc"));
        }
        let offered: Vec<String> = g
            .offerings
            .iter()
            .find(|o| id(o) == pair.1)
            .and_then(|o| o["price_ids"].as_array())
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect();
        let tailored: Vec<Value> = rng
            .subset(&offered, 0, 2)
            .into_iter()
            .map(|price| json!({"price_id": price, "price": {"amount": format!("{}.{:04}", rng.range(10, 999), rng.range(1, 9999)), "currency": "EUR"}}))
            .collect();
        body["prices"] = Value::Array(tailored);
        if rng.chance(40) {
            body["service_levels"] = service_levels(&mut rng);
        }
        g.overlays.push(app.create("/overlays", body));
    }
    g
}

fn has(list: &Value, item: &str) -> bool {
    list.as_array().is_some_and(|l| l.iter().any(|v| v == item))
}

fn within(from: &Value, to: &Value, on: &str) -> bool {
    from.as_str().is_none_or(|f| f <= on) && to.as_str().is_none_or(|t| on <= t)
}

/// The offerings a customer, or a group, may see on `on`, tailored: the
/// model's answer, in the served JSON's shape.
pub fn offerings_seen(
    g: &Generated,
    groups: &[String],
    covered: &[String],
    on: &str,
) -> Vec<Value> {
    let mut offerings: Vec<&Value> = g
        .offerings
        .iter()
        .filter(|o| o["status"] == "active" && within(&o["valid_from"], &o["valid_to"], on))
        .filter(|o| {
            covered.contains(&id(o)) || groups.iter().any(|grp| has(&o["consumer_group_ids"], grp))
        })
        .collect();
    offerings.sort_by_key(|o| id(o));
    offerings
        .into_iter()
        .map(|o| {
            // Overlays of the asking groups that the offering is designed for,
            // by precedence: highest priority, then smallest group id.
            let mut overlays: Vec<&Value> = g
                .overlays
                .iter()
                .filter(|ov| ov["offering_id"] == o["id"])
                .filter(|ov| groups.iter().any(|grp| ov["consumer_group_id"] == grp.as_str()))
                .filter(|ov| has(&o["consumer_group_ids"], ov["consumer_group_id"].as_str().unwrap_or_default()))
                .collect();
            overlays.sort_by(|a, b| {
                b["priority"].as_i64().cmp(&a["priority"].as_i64()).then(
                    a["consumer_group_id"].as_str().cmp(&b["consumer_group_id"].as_str()),
                )
            });
            let tailored = |field: &str| overlays.iter().map(|ov| &ov[field]).find(|v| !v.is_null()).cloned();
            // Active prices only, ordered by id; each amount tailored by the
            // first overlay, by precedence, that tailors that price.
            let prices: Vec<Value> = o["price_ids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|pid| g.prices.iter().find(|p| &p["id"] == pid))
                .filter(|p| p["status"] == "active")
                .map(|p| {
                    let amount = overlays
                        .iter()
                        .flat_map(|ov| ov["prices"].as_array().into_iter().flatten())
                        .find(|t| t["price_id"] == p["id"])
                        .map(|t| t["price"].clone())
                        .unwrap_or_else(|| p["price"].clone());
                    json!({"id": p["id"], "name": p["name"], "description": p["description"],
                        "price_type": p["price_type"], "price": amount,
                        "recurring_period": p["recurring_period"], "unit_of_measure": p["unit_of_measure"]})
                })
                .collect();
            let services: Vec<Value> = o["service_ids"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|sid| g.services.iter().find(|s| &s["id"] == sid))
                .filter(|s| s["portfolio_stage"] == "catalogue")
                .map(|s| {
                    let components: Vec<Value> = s["product_ids"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .flat_map(|pid| {
                            let mut parts: Vec<&Value> = g
                                .components
                                .iter()
                                .filter(|c| &c["product_id"] == pid && c["visibility"] == "customer")
                                .collect();
                            parts.sort_by_key(|c| id(c));
                            parts
                        })
                        .map(|c| json!({"label": c["customer_label"], "description": c["customer_description"]}))
                        .collect();
                    json!({"id": s["id"], "name": s["name"], "description": s["description"],
                        "utility": s["utility"], "warranty": s["warranty"], "components": components})
                })
                .collect();
            json!({
                "id": o["id"],
                "name": tailored("name").unwrap_or_else(|| o["name"].clone()),
                "description": tailored("description").unwrap_or_else(|| o["description"].clone()),
                "elements": o["elements"],
                "prices": prices,
                "service_levels": tailored("service_levels").unwrap_or_else(|| o["service_levels"].clone()),
                "valid_from": o["valid_from"],
                "valid_to": o["valid_to"],
                "services": services,
            })
        })
        .collect()
}

/// The view of `customer` on `on`, as the model computes it.
pub fn customer_view(g: &Generated, customer: &Value, on: &str) -> Value {
    let groups: Vec<String> = customer["consumer_group_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let mut own: Vec<&Value> = g
        .agreements
        .iter()
        .filter(|a| a["customer_id"] == customer["id"])
        .collect();
    own.sort_by_key(|a| id(a));
    let covered: Vec<String> = own
        .iter()
        .filter(|a| a["status"] == "active" && within(&a["starts_on"], &a["ends_on"], on))
        .map(|a| a["offering_id"].as_str().unwrap_or_default().to_owned())
        .collect();
    let offerings = offerings_seen(g, &groups, &covered, on);
    let shown: Vec<&Value> = offerings.iter().map(|o| &o["id"]).collect();
    let agreements: Vec<Value> = own
        .iter()
        .map(|a| {
            let offering = if shown.contains(&&a["offering_id"]) {
                a["offering_id"].clone()
            } else {
                Value::Null
            };
            json!({"id": a["id"], "offering_id": offering, "status": a["status"],
                "starts_on": a["starts_on"], "ends_on": a["ends_on"]})
        })
        .collect();
    json!({
        "customer": {"id": customer["id"], "name": customer["name"]},
        "on": on,
        "offerings": offerings,
        "agreements": agreements,
    })
}

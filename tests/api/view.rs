//! The customer view: each rule of DOMAIN, a differential test against a
//! reference model on generated catalogues, a leak matrix over every key and
//! every id, and the bound on the SQL statements a view takes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use chrono::NaiveDate;
use diesel::connection::{Connection, InstrumentationEvent};
use serde_json::{json, Value};
use uuid::Uuid;
use vitrine::catalogue::view;
use vitrine::store::ConnectionManager;

use crate::helpers::{id, Catalogue, Response, TestApp};
use crate::model::{self, Generated, ON};

fn view_of(app: &TestApp, customer: &Value, on: &str) -> Value {
    let res = app.get(&format!("/api/v1/customers/{}/view?on={on}", id(customer)));
    assert_eq!(res.status, 200, "{}", res.text());
    res.json()
}

fn offering_ids(view: &Value) -> Vec<String> {
    view["offerings"]
        .as_array()
        .expect("offerings")
        .iter()
        .map(id)
        .collect()
}

/// A customer in one group, and an offering for that group, built on one
/// product with a visible and an internal component.
struct Shop {
    catalogue: Catalogue,
    internal: Value,
}

fn shop(app: &TestApp) -> Shop {
    let catalogue = Catalogue::build(app);
    let internal = app.create(
        &format!("/products/{}/components", id(&catalogue.product)),
        json!({"resource_id": id(&catalogue.resource), "visibility": "internal",
            "customer_label": "Secret hardware", "customer_description": "Racked in basement B"}),
    );
    Shop {
        catalogue,
        internal,
    }
}

/// PATCHes `url` at its current version; fails the test unless it is 200.
pub(crate) fn patch(app: &TestApp, url: &str, body: Value) {
    let version = app.get(url).json()["version"].as_i64().expect("a version");
    let res = app
        .req("PATCH", url)
        .merge_patch(&body)
        .if_match(version)
        .send();
    assert_eq!(res.status, 200, "{url}: {}", res.text());
}

#[test]
fn the_view_holds_active_offerings_only() {
    let app = TestApp::spawn();
    let s = shop(&app);
    let c = &s.catalogue;
    let draft = app.create(
        "/offerings",
        json!({"name": "Draft one", "service_ids": [id(&c.service)],
        "consumer_group_ids": [id(&c.group)]}),
    );
    let view = view_of(&app, &c.customer, ON);
    assert_eq!(offering_ids(&view), [id(&c.offering)]);
    assert!(!app
        .get(&format!("/api/v1/customers/{}/view", id(&c.customer)))
        .text()
        .contains("Draft one"));
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&c.offering)),
        json!({"status": "retired"}),
    );
    assert_eq!(
        offering_ids(&view_of(&app, &c.customer, ON)),
        Vec::<String>::new()
    );
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&draft)),
        json!({"status": "active"}),
    );
    assert_eq!(offering_ids(&view_of(&app, &c.customer, ON)), [id(&draft)]);
}

#[test]
fn the_view_holds_offerings_inside_their_validity_window_on_the_day_asked() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    let url = format!("/api/v1/offerings/{}", id(&c.offering));
    patch(
        &app,
        &url,
        json!({"valid_from": "2027-01-01", "valid_to": "2027-06-30"}),
    );
    // A second offering, always valid, for the same group: the view on each
    // day holds exactly the offerings valid that day.
    let always = app.create(
        "/offerings",
        json!({"name": "Always", "service_ids": [id(&c.service)],
        "consumer_group_ids": [id(&c.group)], "status": "active"}),
    );
    for (day, seen) in [
        ("2026-12-31", false),
        ("2027-01-01", true),
        ("2027-06-30", true),
        ("2027-07-01", false),
    ] {
        let mut expected = vec![id(&always)];
        if seen {
            expected.push(id(&c.offering));
        }
        expected.sort();
        assert_eq!(
            offering_ids(&view_of(&app, &c.customer, day)),
            expected,
            "on {day}"
        );
    }
}

#[test]
fn the_view_holds_offerings_designed_for_the_customers_groups() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    let other_group = app.create("/consumer-groups", json!({"name": "Retail"}));
    let elsewhere = app.create(
        "/offerings",
        json!({"name": "Retail hosting", "service_ids": [id(&c.service)],
        "consumer_group_ids": [id(&other_group)], "status": "active"}),
    );
    let view = view_of(&app, &c.customer, ON);
    assert_eq!(offering_ids(&view), [id(&c.offering)]);
    assert!(!view.to_string().contains(&id(&elsewhere)) && !view.to_string().contains("Retail"));
    // Joining the group brings its offering.
    patch(
        &app,
        &format!("/api/v1/customers/{}", id(&c.customer)),
        json!({"consumer_group_ids": [id(&c.group), id(&other_group)]}),
    );
    let mut both = vec![id(&c.offering), id(&elsewhere)];
    both.sort();
    assert_eq!(offering_ids(&view_of(&app, &c.customer, ON)), both);
}

#[test]
fn the_view_holds_offerings_covered_by_an_active_agreement_in_force() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    let loner = app.create("/customers", json!({"name": "Loner"}));
    assert_eq!(
        offering_ids(&view_of(&app, &loner, ON)),
        Vec::<String>::new()
    );
    let agreement = app.create(
        "/agreements",
        json!({"customer_id": id(&loner), "offering_id": id(&c.offering),
        "status": "proposed", "starts_on": "2027-01-01", "ends_on": "2027-12-31"}),
    );
    assert_eq!(
        offering_ids(&view_of(&app, &loner, ON)),
        Vec::<String>::new(),
        "a proposed agreement covers nothing"
    );
    let url = format!("/api/v1/agreements/{}", id(&agreement));
    patch(&app, &url, json!({"status": "active"}));
    assert_eq!(offering_ids(&view_of(&app, &loner, ON)), [id(&c.offering)]);
    assert_eq!(
        offering_ids(&view_of(&app, &loner, "2026-12-31")),
        Vec::<String>::new(),
        "not yet in force"
    );
    assert_eq!(
        offering_ids(&view_of(&app, &loner, "2028-01-01")),
        Vec::<String>::new(),
        "no longer in force"
    );
    patch(&app, &url, json!({"status": "ended"}));
    assert_eq!(
        offering_ids(&view_of(&app, &loner, ON)),
        Vec::<String>::new(),
        "an ended agreement covers nothing"
    );
}

#[test]
fn the_view_holds_catalogue_services_only() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    let pipeline = app.create(
        "/services",
        json!({"name": "Future service", "product_ids": [id(&c.product)],
        "portfolio_stage": "pipeline"}),
    );
    let retired = app.create(
        "/services",
        json!({"name": "Old service", "product_ids": [id(&c.product)],
        "portfolio_stage": "retired"}),
    );
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&c.offering)),
        json!({"service_ids": [id(&c.service), id(&pipeline), id(&retired)]}),
    );
    let view = view_of(&app, &c.customer, ON);
    let services: Vec<String> = view["offerings"][0]["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(id)
        .collect();
    assert_eq!(services, [id(&c.service)]);
    for hidden in [&pipeline, &retired] {
        assert!(!view.to_string().contains(&id(hidden)));
        assert!(!view
            .to_string()
            .contains(hidden["name"].as_str().expect("a name")));
    }
}

#[test]
fn the_view_shows_customer_components_by_label_and_never_internal_ones() {
    let app = TestApp::spawn();
    let s = shop(&app);
    let c = &s.catalogue;
    let view = view_of(&app, &c.customer, ON);
    assert_eq!(
        view["offerings"][0]["services"][0]["components"],
        json!([{"label": "A server", "description": null}])
    );
    let text = view.to_string();
    for secret in [
        id(&s.internal),
        id(&c.component),
        id(&c.resource),
        id(&c.product),
        "Secret hardware".into(),
        "basement".into(),
        "VM".into(),
        "42.00".into(),
        "Linux server".into(),
    ] {
        assert!(!text.contains(&secret), "{secret} leaked: {text}");
    }
    // Made internal, the component disappears; made visible, the other shows by its label.
    let base = format!("/api/v1/products/{}/components", id(&c.product));
    patch(
        &app,
        &format!("{base}/{}", id(&c.component)),
        json!({"visibility": "internal"}),
    );
    patch(
        &app,
        &format!("{base}/{}", id(&s.internal)),
        json!({"visibility": "customer"}),
    );
    let view = view_of(&app, &c.customer, ON);
    assert_eq!(
        view["offerings"][0]["services"][0]["components"],
        json!([{"label": "Secret hardware", "description": "Racked in basement B"}])
    );
}

#[test]
fn the_view_holds_the_customers_own_agreements_only() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    let other = app.create(
        "/customers",
        json!({"name": "Other customer", "consumer_group_ids": [id(&c.group)]}),
    );
    let theirs = app.create(
        "/agreements",
        json!({"customer_id": id(&other), "offering_id": id(&c.offering)}),
    );
    let view = view_of(&app, &c.customer, ON);
    let agreements: Vec<String> = view["agreements"]
        .as_array()
        .expect("agreements")
        .iter()
        .map(id)
        .collect();
    assert_eq!(agreements, [id(&c.agreement)]);
    assert_eq!(view["agreements"][0]["offering_id"], c.offering["id"]);
    let text = view.to_string();
    assert!(
        !text.contains(&id(&theirs))
            && !text.contains(&id(&other))
            && !text.contains("Other customer")
    );
    assert_eq!(
        view["customer"],
        json!({"id": c.customer["id"], "name": "ACME"})
    );
    // An agreement to an offering outside the view does not name it.
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&c.offering)),
        json!({"status": "retired"}),
    );
    let view = view_of(&app, &c.customer, ON);
    assert_eq!(view["agreements"][0]["offering_id"], Value::Null);
    assert!(!view.to_string().contains(&id(&c.offering)));
}

#[test]
fn overlays_apply_field_by_field_by_priority_then_smallest_group_id() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    let second = app.create("/consumer-groups", json!({"name": "Second group"}));
    let fee = app.create(
        "/prices",
        json!({"name": "Monthly fee", "price_type": "recurring", "recurring_period": "month",
            "price": {"amount": "100.00", "currency": "EUR"}}),
    );
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&c.offering)),
        json!({"consumer_group_ids": [id(&c.group), id(&second)], "price_ids": [id(&fee)],
            "description": "Base description", "service_levels": [{"metric": "availability", "target": "99"}]}),
    );
    patch(
        &app,
        &format!("/api/v1/customers/{}", id(&c.customer)),
        json!({"consumer_group_ids": [id(&c.group), id(&second)]}),
    );
    let low = app.create(
        "/overlays",
        json!({"consumer_group_id": id(&c.group), "offering_id": id(&c.offering),
        "name": "Low name", "prices": [{"price_id": id(&fee), "price": {"amount": "80.00", "currency": "EUR"}}], "priority": 1}),
    );
    let high = app.create("/overlays", json!({"consumer_group_id": id(&second), "offering_id": id(&c.offering),
        "name": "High name", "service_levels": [{"metric": "response", "target": "4", "unit": "hours"}], "priority": 5}));
    let offering = &view_of(&app, &c.customer, ON)["offerings"][0];
    assert_eq!(offering["name"], "High name", "the higher priority wins");
    assert_eq!(
        offering["prices"][0]["price"],
        json!({"amount": "80.00", "currency": "EUR"}),
        "a field only the lower sets is still applied"
    );
    assert_eq!(
        offering["description"], "Base description",
        "a field no overlay sets stays"
    );
    assert_eq!(
        offering["service_levels"],
        json!([{"metric": "response", "target": "4", "unit": "hours"}])
    );
    // On equal priorities, the group with the smallest id wins.
    patch(
        &app,
        &format!("/api/v1/overlays/{}", id(&high)),
        json!({"priority": 1}),
    );
    let first = if id(&c.group) < id(&second) {
        "Low name"
    } else {
        "High name"
    };
    assert_eq!(
        view_of(&app, &c.customer, ON)["offerings"][0]["name"],
        first
    );
    // A member of the low group only sees the low overlay.
    let member = app.create(
        "/customers",
        json!({"name": "Member", "consumer_group_ids": [id(&c.group)]}),
    );
    assert_eq!(
        view_of(&app, &member, ON)["offerings"][0]["name"],
        "Low name"
    );
    let _ = low;
}

#[test]
fn the_view_shows_active_prices_with_their_amounts_tailored_price_by_price() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    let price = |name: &str, body: Value| {
        let mut body = body;
        body["name"] = json!(name);
        app.create("/prices", body)
    };
    let setup = price(
        "Set-up",
        json!({"price_type": "one_time", "price": {"amount": "500.00", "currency": "EUR"}}),
    );
    let monthly = price(
        "Monthly",
        json!({"price_type": "recurring", "recurring_period": "month", "price": {"amount": "90.00", "currency": "EUR"}}),
    );
    let per_gb = price(
        "Per GB",
        json!({"price_type": "usage", "unit_of_measure": "GB", "price": {"amount": "0.0400", "currency": "EUR"}}),
    );
    let draft = price(
        "Draft price",
        json!({"price_type": "one_time", "status": "draft", "price": {"amount": "7.77", "currency": "EUR"}}),
    );
    let retired = price(
        "Retired price",
        json!({"price_type": "one_time", "status": "retired", "price": {"amount": "6.66", "currency": "EUR"}}),
    );
    let unused = price(
        "Unused price",
        json!({"price_type": "one_time", "price": {"amount": "5.55", "currency": "EUR"}}),
    );
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&c.offering)),
        json!({"price_ids": [id(&setup), id(&monthly), id(&per_gb), id(&draft), id(&retired)]}),
    );
    let second = app.create("/consumer-groups", json!({"name": "Second"}));
    let other = app.create("/consumer-groups", json!({"name": "Other"}));
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&c.offering)),
        json!({"consumer_group_ids": [id(&c.group), id(&second), id(&other)]}),
    );
    patch(
        &app,
        &format!("/api/v1/customers/{}", id(&c.customer)),
        json!({"consumer_group_ids": [id(&c.group), id(&second)]}),
    );
    let tailor = |group: &Value, priority: i64, prices: Value| {
        app.create(
            "/overlays",
            json!({"consumer_group_id": id(group), "offering_id": id(&c.offering),
                "priority": priority, "prices": prices}),
        )
    };
    let money = |amount: &str| json!({"amount": amount, "currency": "EUR"});
    tailor(
        &c.group,
        1,
        json!([{"price_id": id(&monthly), "price": money("80.00")},
            {"price_id": id(&setup), "price": money("400.00")}]),
    );
    tailor(
        &second,
        5,
        json!([{"price_id": id(&monthly), "price": money("70.00")}]),
    );
    tailor(
        &other,
        9,
        json!([{"price_id": id(&per_gb), "price": money("0.0100")}]),
    );
    let view = view_of(&app, &c.customer, ON);
    let prices = &view["offerings"][0]["prices"];
    let mut expected = vec![
        json!({"id": id(&setup), "name": "Set-up", "description": null, "price_type": "one_time",
            "price": money("400.00"), "recurring_period": null, "unit_of_measure": null}),
        json!({"id": id(&monthly), "name": "Monthly", "description": null, "price_type": "recurring",
            "price": money("70.00"), "recurring_period": "month", "unit_of_measure": null}),
        json!({"id": id(&per_gb), "name": "Per GB", "description": null, "price_type": "usage",
            "price": money("0.0400"), "recurring_period": null, "unit_of_measure": "GB"}),
    ];
    expected.sort_by_key(id);
    assert_eq!(
        prices,
        &Value::Array(expected),
        "active prices only; the higher priority tailors the monthly fee, the lower still tailors the set-up; \
         the group the customer is not in tailors nothing"
    );
    let text = view.to_string();
    for hidden in [
        "7.77",
        "6.66",
        "5.55",
        "0.0100",
        "Draft price",
        "Retired price",
        "Unused price",
    ] {
        assert!(!text.contains(hidden), "{hidden} leaked into {text}");
    }
    let _ = unused;
}

#[test]
fn an_overlay_tailors_only_the_prices_of_its_offering() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    let elsewhere = app.create(
        "/prices",
        json!({"name": "Elsewhere", "price_type": "one_time"}),
    );
    let res = app
        .req("POST", "/api/v1/overlays")
        .json(&json!({"consumer_group_id": id(&c.group), "offering_id": id(&c.offering),
            "prices": [{"price_id": id(&elsewhere), "price": {"amount": "1.00", "currency": "EUR"}}]}))
        .send();
    assert_eq!(res.status, 422, "{}", res.text());
    assert_eq!(res.json()["errors"][0]["field"], "prices[0].price_id");
    // A price still used by an offering cannot be deleted.
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&c.offering)),
        json!({"price_ids": [id(&elsewhere)]}),
    );
    let res = app
        .req("DELETE", &format!("/api/v1/prices/{}", id(&elsewhere)))
        .send();
    assert_eq!(res.status, 409, "{}", res.text());
    assert!(res.json()["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("1 offering"));
}

#[test]
fn an_overlay_on_an_offering_the_group_cannot_see_changes_nothing_and_reveals_nothing() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    let stranger_group = app.create("/consumer-groups", json!({"name": "Strangers"}));
    let loner = app.create(
        "/customers",
        json!({"name": "Loner", "consumer_group_ids": [id(&stranger_group)]}),
    );
    // The offering is not designed for the strangers, but the loner has an agreement to it.
    app.create(
        "/agreements",
        json!({"customer_id": id(&loner), "offering_id": id(&c.offering)}),
    );
    let fee = app.create(
        "/prices",
        json!({"name": "Set-up", "price_type": "one_time", "price": {"amount": "500.00", "currency": "EUR"}}),
    );
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&c.offering)),
        json!({"price_ids": [id(&fee)]}),
    );
    app.create("/overlays", json!({"consumer_group_id": id(&stranger_group), "offering_id": id(&c.offering),
        "name": "Stranger price list", "prices": [{"price_id": id(&fee), "price": {"amount": "1.00", "currency": "EUR"}}],
        "priority": 100}));
    let view = view_of(&app, &loner, ON);
    assert_eq!(
        view["offerings"][0]["name"], "Hosting Gold",
        "the overlay changes nothing"
    );
    assert!(
        !view.to_string().contains("Stranger price list") && !view.to_string().contains("1.00")
    );
    // Nor does it show in the group's own view, which lacks the offering.
    let group_view = app
        .get(&format!(
            "/api/v1/consumer-groups/{}/view?on={ON}",
            id(&stranger_group)
        ))
        .json();
    assert_eq!(group_view["offerings"], json!([]));
}

#[test]
fn on_evaluates_windows_and_agreement_dates_on_another_day() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&c.offering)),
        json!({"consumer_group_ids": [], "valid_to": "2027-12-31"}),
    );
    patch(
        &app,
        &format!("/api/v1/agreements/{}", id(&c.agreement)),
        json!({"starts_on": "2027-06-01"}),
    );
    assert_eq!(
        offering_ids(&view_of(&app, &c.customer, "2027-05-31")),
        Vec::<String>::new()
    );
    assert_eq!(
        offering_ids(&view_of(&app, &c.customer, "2027-06-01")),
        [id(&c.offering)]
    );
    assert_eq!(
        offering_ids(&view_of(&app, &c.customer, "2028-01-01")),
        Vec::<String>::new()
    );
    assert_eq!(view_of(&app, &c.customer, "2027-06-01")["on"], "2027-06-01");
    let today = chrono::Utc::now().date_naive().to_string();
    let res = app.get(&format!("/api/v1/customers/{}/view", id(&c.customer)));
    assert_eq!(
        res.json()["on"],
        today.as_str(),
        "today when `on` is absent"
    );
    // Only YYYY-MM-DD, years 0000 to 9999.
    for bad in [
        "2027-13-01",
        "yesterday",
        "2027-02-30",
        "%2B10000-01-01",
        "-0001-01-01",
        "2026-1-1",
        "2026-01-01T00:00:00Z",
    ] {
        app.get(&format!(
            "/api/v1/customers/{}/view?on={bad}",
            id(&c.customer)
        ))
        .problem(400);
    }
    assert_eq!(view_of(&app, &c.customer, "0000-01-01")["on"], "0000-01-01");
    assert_eq!(view_of(&app, &c.customer, "9999-12-31")["on"], "9999-12-31");
    app.get(&format!(
        "/api/v1/customers/{}/view?day={ON}",
        id(&c.customer)
    ))
    .problem(400);
}

#[test]
fn a_consumer_group_view_shows_what_a_prospect_would_see() {
    let app = TestApp::spawn();
    let s = shop(&app);
    let c = &s.catalogue;
    app.create("/overlays", json!({"consumer_group_id": id(&c.group), "offering_id": id(&c.offering), "name": "For the public sector"}));
    let res = app.get(&format!(
        "/api/v1/consumer-groups/{}/view?on={ON}",
        id(&c.group)
    ));
    assert_eq!(res.status, 200, "{}", res.text());
    let view = res.json();
    assert_eq!(
        view["consumer_group"],
        json!({"id": c.group["id"], "name": "Public sector"})
    );
    assert_eq!(view["offerings"][0]["name"], "For the public sector");
    assert_eq!(view.get("agreements"), None, "a prospect has no agreements");
    assert!(
        !view.to_string().contains("Secret hardware")
            && !view.to_string().contains(&id(&c.customer))
    );
    app.get(&format!("/api/v1/consumer-groups/{}/view", Uuid::now_v7()))
        .problem(404);
    let customer_key = app.key("customer", Some(&id(&c.customer)));
    app.req(
        "GET",
        &format!("/api/v1/consumer-groups/{}/view", id(&c.group)),
    )
    .key(&customer_key)
    .send()
    .problem(403);
}

#[test]
fn a_customer_key_reads_its_own_view_and_nothing_else() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    let other = app.create(
        "/customers",
        json!({"name": "Other", "consumer_group_ids": [id(&c.group)]}),
    );
    let key = app.key("customer", Some(&id(&c.customer)));
    let own = app
        .req(
            "GET",
            &format!("/api/v1/customers/{}/view?on={ON}", id(&c.customer)),
        )
        .key(&key)
        .send();
    assert_eq!(own.status, 200, "{}", own.text());
    assert_eq!(
        own.json(),
        view_of(&app, &c.customer, ON),
        "the customer sees what staff preview"
    );
    let one = app
        .req(
            "GET",
            &format!(
                "/api/v1/customers/{}/view/offerings/{}?on={ON}",
                id(&c.customer),
                id(&c.offering)
            ),
        )
        .key(&key)
        .send();
    assert_eq!(one.status, 200);
    assert_eq!(one.json(), own.json()["offerings"][0]);
    // Every other thing is the same 404, word for word.
    let hidden = [
        format!("/api/v1/customers/{}/view", id(&other)),
        format!("/api/v1/customers/{}/view", Uuid::now_v7()),
        format!(
            "/api/v1/customers/{}/view/offerings/{}",
            id(&other),
            id(&c.offering)
        ),
        format!(
            "/api/v1/customers/{}/view/offerings/{}",
            id(&c.customer),
            Uuid::now_v7()
        ),
        format!(
            "/api/v1/customers/{}/view/offerings/{}",
            id(&c.customer),
            id(&c.service)
        ),
    ];
    let bodies: BTreeSet<String> = hidden
        .iter()
        .map(|url| {
            let res = app.req("GET", url).key(&key).send();
            res.problem(404);
            res.text()
        })
        .collect();
    assert_eq!(bodies.len(), 1, "one body for all: {bodies:?}");
    // The catalogue itself, and every write, are forbidden.
    for url in [
        "/api/v1/offerings",
        "/api/v1/customers",
        &format!("/api/v1/customers/{}", id(&c.customer)),
    ] {
        app.req("GET", url).key(&key).send().problem(403);
    }
    app.req("POST", "/api/v1/consumer-groups")
        .key(&key)
        .json(&json!({"name": "x"}))
        .send()
        .problem(403);
}

#[test]
fn staff_keys_preview_any_view() {
    let app = TestApp::spawn();
    let c = shop(&app).catalogue;
    for role in ["editor", "viewer"] {
        let key = app.key(role, None);
        let res = app
            .req(
                "GET",
                &format!("/api/v1/customers/{}/view?on={ON}", id(&c.customer)),
            )
            .key(&key)
            .send();
        assert_eq!(res.status, 200, "{role}");
        assert_eq!(res.json(), view_of(&app, &c.customer, ON));
    }
    let problem = app
        .get(&format!("/api/v1/customers/{}/view", Uuid::now_v7()))
        .problem(404);
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("customer"));
    app.get(&format!(
        "/api/v1/customers/{}/view/offerings/{}",
        id(&c.customer),
        Uuid::now_v7()
    ))
    .problem(404);
}

/// Catalogues per database in the generated tests.
const PER_APP: u64 = 10;

#[test]
fn the_served_view_equals_the_reference_model() {
    let catalogues: u64 = 200;
    let (mut views, mut offerings, mut components) = (0, 0, 0);
    for batch in 0..catalogues / PER_APP {
        let app = TestApp::spawn();
        for seed in batch * PER_APP..(batch + 1) * PER_APP {
            let g = model::generate(&app, seed);
            for customer in &g.customers {
                for on in [ON, "2027-03-01", "2027-04-01"] {
                    let served = view_of(&app, customer, on);
                    let expected = model::customer_view(&g, customer, on);
                    assert!(served == expected, "seed {seed}, customer {}, on {on}:\nserved   {served}\nexpected {expected}", id(customer));
                    views += 1;
                    for offering in served["offerings"].as_array().into_iter().flatten() {
                        offerings += 1;
                        components += offering["services"]
                            .as_array()
                            .into_iter()
                            .flatten()
                            .map(|s| s["components"].as_array().map_or(0, Vec::len))
                            .sum::<usize>();
                    }
                }
            }
            for group in &g.groups {
                let served = app
                    .get(&format!(
                        "/api/v1/consumer-groups/{}/view?on={ON}",
                        id(group)
                    ))
                    .json();
                let expected = model::offerings_seen(&g, &[id(group)], &[], ON);
                assert_eq!(
                    served["offerings"],
                    Value::Array(expected),
                    "seed {seed}, group {}",
                    id(group)
                );
                views += 1;
            }
        }
    }
    println!("differential: {catalogues} generated catalogues, {views} views equal to the model, showing {offerings} offerings and {components} components");
    assert!(
        offerings > views / 2 && components > 0,
        "the generated catalogues show too little to compare"
    );
}

/// The keys each object of a view may hold, and the kind of each child.
fn allowed(kind: &str) -> &'static [(&'static str, &'static str)] {
    match kind {
        "customer_view" => &[
            ("customer", "customer"),
            ("on", ""),
            ("offerings", "offering"),
            ("agreements", "agreement"),
        ],
        "customer" => &[("id", ""), ("name", "")],
        "offering" => &[
            ("id", ""),
            ("name", ""),
            ("description", ""),
            ("elements", "element"),
            ("prices", "price"),
            ("service_levels", "service_level"),
            ("valid_from", ""),
            ("valid_to", ""),
            ("services", "service"),
        ],
        "element" => &[("kind", ""), ("name", ""), ("description", "")],
        "price" => &[
            ("id", ""),
            ("name", ""),
            ("description", ""),
            ("price_type", ""),
            ("price", "money"),
            ("recurring_period", ""),
            ("unit_of_measure", ""),
        ],
        "money" => &[("amount", ""), ("currency", "")],
        "service_level" => &[("metric", ""), ("target", ""), ("unit", "")],
        "service" => &[
            ("id", ""),
            ("name", ""),
            ("description", ""),
            ("utility", "utility"),
            ("warranty", "warranty"),
            ("components", "component"),
        ],
        "utility" => &[("purpose", ""), ("outcomes", "")],
        "warranty" => &[("availability_target", ""), ("support_hours", "")],
        "component" => &[("label", ""), ("description", "")],
        "agreement" => &[
            ("id", ""),
            ("offering_id", ""),
            ("status", ""),
            ("starts_on", ""),
            ("ends_on", ""),
        ],
        "problem" => &[("type", ""), ("title", ""), ("status", ""), ("detail", "")],
        other => panic!("no allow-list for {other}"),
    }
}

/// Fails on any key outside the allow-list, at any depth.
fn assert_allowed(value: &Value, kind: &str, path: &str) {
    match value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| assert_allowed(v, kind, &format!("{path}[{i}]"))),
        Value::Object(map) => {
            let keys = allowed(kind);
            for (key, child) in map {
                let Some((_, child_kind)) = keys.iter().find(|(k, _)| k == key) else {
                    panic!("{path}.{key} is not in the allow-list of {kind}");
                };
                if !child_kind.is_empty() {
                    assert_allowed(child, child_kind, &format!("{path}.{key}"));
                } else {
                    assert_leaf(child, &format!("{path}.{key}"));
                }
            }
        }
        _ => {}
    }
}

#[test]
#[should_panic(expected = "holds an object")]
fn the_allow_list_check_fails_on_keys_hidden_in_a_list_of_a_leaf() {
    // `outcomes` is a leaf (a list of texts): objects inside it carry keys
    // the allow-list never saw.
    let utility = json!({"purpose": "p", "outcomes": ["fine", {"owner": "Platform team"}]});
    assert_allowed(&utility, "utility", "utility");
}

/// A leaf of the allow-list holds a scalar or a list of scalars, nothing
/// with keys of its own, at any depth.
fn assert_leaf(value: &Value, path: &str) {
    match value {
        Value::Object(_) => panic!("{path} holds an object"),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| assert_leaf(v, &format!("{path}[{i}]"))),
        _ => {}
    }
}

/// Every text that names something the customer may not see.
fn excluded(g: &Generated, customer: &Value, view: &Value) -> Vec<String> {
    let shown_offerings: BTreeSet<String> = view["offerings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(id)
        .collect();
    let shown_services: BTreeSet<String> = view["offerings"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["services"].as_array().into_iter().flatten().map(id))
        .collect();
    let groups: Vec<&Value> = customer["consumer_group_ids"]
        .as_array()
        .into_iter()
        .flatten()
        .collect();
    let mut out = Vec::new();
    let mut add = |v: &Value| {
        if let Some(s) = v.as_str() {
            out.push(s.to_owned());
        }
    };
    for r in &g.resources {
        for f in ["id", "name", "owner", "description"] {
            add(&r[f]);
        }
        add(&r["unit_cost"]["amount"]);
    }
    for p in &g.products {
        for f in ["id", "name", "owner", "description"] {
            add(&p[f]);
        }
    }
    for c in &g.components {
        add(&c["id"]);
        add(&c["role"]);
        if c["visibility"] == "internal" {
            add(&c["customer_label"]);
            add(&c["customer_description"]);
        }
    }
    for s in &g.services {
        add(&s["owner"]);
        if !shown_services.contains(&id(s)) {
            for f in ["id", "name"] {
                add(&s[f]);
            }
            add(&s["utility"]["purpose"]);
        }
    }
    for o in &g.offerings {
        if !shown_offerings.contains(&id(o)) {
            for f in ["id", "name", "description"] {
                add(&o[f]);
            }
        }
    }
    // A price shows only as an active price of an offering shown.
    let shown_prices: BTreeSet<String> = view["offerings"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|o| o["prices"].as_array().into_iter().flatten().map(id))
        .collect();
    for p in &g.prices {
        if !shown_prices.contains(&id(p)) {
            for f in ["id", "name", "description", "unit_of_measure"] {
                add(&p[f]);
            }
            add(&p["price"]["amount"]);
        }
    }
    for c in &g.customers {
        add(&c["description"]);
        if c["id"] != customer["id"] {
            for f in ["id", "name"] {
                add(&c[f]);
            }
        }
    }
    for a in &g.agreements {
        if a["customer_id"] != customer["id"] {
            add(&a["id"]);
        }
    }
    for grp in &g.groups {
        add(&grp["id"]);
        add(&grp["name"]);
    }
    for ov in &g.overlays {
        add(&ov["id"]);
        let applies = groups.contains(&&ov["consumer_group_id"])
            && g.offerings.iter().any(|o| {
                o["id"] == ov["offering_id"]
                    && o["consumer_group_ids"]
                        .as_array()
                        .is_some_and(|l| l.contains(&ov["consumer_group_id"]))
            });
        if !applies {
            add(&ov["name"]);
            add(&ov["description"]);
            for tailored in ov["prices"].as_array().into_iter().flatten() {
                add(&tailored["price"]["amount"]);
            }
        }
    }
    out
}

pub(crate) fn assert_no_leak(
    res: &Response,
    g: &Generated,
    customer: &Value,
    view: &Value,
    what: &str,
) {
    let text = res.text();
    for secret in excluded(g, customer, view) {
        assert!(
            !text.contains(&secret),
            "{what}: `{secret}` leaked into {text}"
        );
    }
}

#[test]
fn no_view_response_leaks_at_any_depth_for_any_key_and_any_id() {
    let mut probes = 0usize;
    for batch in 0..4u64 {
        let app = TestApp::spawn();
        for seed in 1000 + batch * PER_APP..1000 + (batch + 1) * PER_APP {
            let g = model::generate(&app, seed);
            let every_id = g.every_id();
            for customer in &g.customers {
                let key = app.key("customer", Some(&id(customer)));
                let own = id(customer);
                let res = app
                    .req("GET", &format!("/api/v1/customers/{own}/view?on={ON}"))
                    .key(&key)
                    .send();
                assert_eq!(res.status, 200);
                let view = res.json();
                assert_allowed(&view, "customer_view", "view");
                assert_no_leak(&res, &g, customer, &view, "own view");
                probes += 1;
                let mut not_found = BTreeSet::new();
                for other in &every_id {
                    // Another id as the customer: always the one 404.
                    if *other != own {
                        let res = app
                            .req("GET", &format!("/api/v1/customers/{other}/view?on={ON}"))
                            .key(&key)
                            .send();
                        not_found.insert((res.status, res.text()));
                        probes += 1;
                    }
                    // Any id as an offering of its own view: 200 only for the offerings shown.
                    let res = app
                        .req(
                            "GET",
                            &format!("/api/v1/customers/{own}/view/offerings/{other}?on={ON}"),
                        )
                        .key(&key)
                        .send();
                    probes += 1;
                    if res.status == 200 {
                        assert!(
                            offering_ids(&view).contains(other),
                            "{other} answered but is not in the view"
                        );
                        assert_allowed(&res.json(), "offering", "offering");
                        assert_no_leak(&res, &g, customer, &view, "one offering");
                    } else {
                        assert!(
                            !offering_ids(&view).contains(other),
                            "{other} is in the view but answered {}",
                            res.status
                        );
                        assert_allowed(&res.json(), "problem", "problem");
                        not_found.insert((res.status, res.text()));
                    }
                    // The catalogue stays closed to a customer key.
                    let res = app
                        .req("GET", &format!("/api/v1/offerings/{other}"))
                        .key(&key)
                        .send();
                    assert_eq!(res.status, 403);
                    probes += 1;
                }
                let statuses: BTreeMap<u16, usize> =
                    not_found.iter().fold(BTreeMap::new(), |mut m, (s, _)| {
                        *m.entry(*s).or_default() += 1;
                        m
                    });
                assert_eq!(
                    not_found.len(),
                    1,
                    "one 404 body for everything hidden: {statuses:?} {not_found:?}"
                );
            }
        }
    }
    println!("leak matrix: {probes} probes, no key outside the allow-list, nothing excluded named");
    assert!(probes >= 10_000, "{probes} probes");
}

/// Builds a catalogue whose customer sees `n` offerings, each with a service
/// on a product with visible and internal components, an agreement and an
/// overlay; returns the customer's id.
fn sized_catalogue(app: &TestApp, n: usize) -> Uuid {
    let group = app.create("/consumer-groups", json!({"name": "Group"}));
    let customer = app.create(
        "/customers",
        json!({"name": "Customer", "consumer_group_ids": [id(&group)]}),
    );
    let resource = app.create(
        "/resources",
        json!({"name": "R", "dimension": "partners_and_suppliers"}),
    );
    for i in 0..n {
        let product = app.create("/products", json!({"name": format!("P{i}")}));
        for visibility in ["customer", "customer", "internal"] {
            app.create(&format!("/products/{}/components", id(&product)),
                json!({"resource_id": id(&resource), "visibility": visibility, "customer_label": format!("L{i}")}));
        }
        let service = app.create(
            "/services",
            json!({"name": format!("S{i}"), "product_ids": [id(&product)],
            "portfolio_stage": "catalogue", "utility": {"outcomes": ["a", "b"]}}),
        );
        let offering = app.create("/offerings", json!({"name": format!("O{i}"), "service_ids": [id(&service)],
            "consumer_group_ids": [id(&group)], "status": "active", "elements": [{"kind": "goods", "name": "E"}],
            "service_levels": [{"metric": "m", "target": "t"}]}));
        app.create(
            "/agreements",
            json!({"customer_id": id(&customer), "offering_id": id(&offering)}),
        );
        app.create(
            "/overlays",
            json!({"consumer_group_id": id(&group), "offering_id": id(&offering),
            "name": format!("Tailored {i}"), "service_levels": [{"metric": "m2", "target": "t2"}]}),
        );
    }
    Uuid::parse_str(&id(&customer)).expect("a uuid")
}

/// The SQL statements one view takes, counted by diesel's instrumentation.
fn statements_for_view(app: &TestApp, customer: Uuid) -> (usize, usize) {
    let mut conn = ConnectionManager::new(&app.db.url)
        .connect()
        .expect("a connection");
    let count = Arc::new(AtomicUsize::new(0));
    let counter = count.clone();
    conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
        if let InstrumentationEvent::StartQuery { .. } = event {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    let on = NaiveDate::from_ymd_opt(2027, 3, 15).expect("a date");
    let view = view::customer_view(&mut conn, customer, on)
        .expect("the view")
        .expect("the customer");
    (count.load(Ordering::SeqCst), view.offerings.len())
}

#[test]
fn a_view_takes_the_same_number_of_statements_whatever_the_size_of_the_catalogue() {
    let small = TestApp::spawn();
    let large = TestApp::spawn();
    let (small_count, small_offerings) = statements_for_view(&small, sized_catalogue(&small, 3));
    let (large_count, large_offerings) = statements_for_view(&large, sized_catalogue(&large, 30));
    assert_eq!((small_offerings, large_offerings), (3, 30));
    println!("statements per view: {small_count} for 3 offerings, {large_count} for 30");
    assert!(small_count > 0, "the instrumentation counted nothing");
    assert_eq!(small_count, large_count);
}

#[test]
fn a_view_has_an_etag_that_changes_only_when_what_the_customer_sees_changes() {
    let app = TestApp::spawn();
    let s = shop(&app);
    let c = &s.catalogue;
    let key = app.key("customer", Some(&id(&c.customer)));
    let url = format!("/api/v1/customers/{}/view?on={ON}", id(&c.customer));
    let read = |tag: Option<&str>| {
        let mut req = app.req("GET", &url).key(&key);
        if let Some(tag) = tag {
            req = req.header("If-None-Match", tag);
        }
        req.send()
    };
    let first = read(None);
    assert_eq!(first.status, 200);
    let tag = first.header("etag").expect("an ETag").to_owned();
    assert_eq!(first.header("cache-control"), Some("private, no-cache"));
    assert_eq!(
        read(None).header("etag"),
        Some(tag.as_str()),
        "the same view, the same tag"
    );
    let unchanged = read(Some(&tag));
    assert_eq!(unchanged.status, 304);
    assert!(unchanged.body.is_empty());
    assert_eq!(unchanged.header("etag"), Some(tag.as_str()));
    // An edit the customer does not see keeps the tag.
    patch(
        &app,
        &format!(
            "/api/v1/products/{}/components/{}",
            id(&c.product),
            id(&s.internal)
        ),
        json!({"role": "changed, internally"}),
    );
    assert_eq!(
        read(Some(&tag)).status,
        304,
        "an internal change is not seen"
    );
    // An edit it sees changes it.
    patch(
        &app,
        &format!("/api/v1/offerings/{}", id(&c.offering)),
        json!({"name": "Hosting Platinum"}),
    );
    let changed = read(Some(&tag));
    assert_eq!(changed.status, 200);
    assert_ne!(changed.header("etag"), Some(tag.as_str()));
    assert!(changed.text().contains("Hosting Platinum"));
    // One offering of the view, and a consumer group's view, are tagged too.
    let offering = app
        .req(
            "GET",
            &format!(
                "/api/v1/customers/{}/view/offerings/{}?on={ON}",
                id(&c.customer),
                id(&c.offering)
            ),
        )
        .key(&key)
        .send();
    let offering_tag = offering.header("etag").expect("an ETag").to_owned();
    assert_eq!(
        app.req(
            "GET",
            &format!(
                "/api/v1/customers/{}/view/offerings/{}?on={ON}",
                id(&c.customer),
                id(&c.offering)
            )
        )
        .key(&key)
        .header("If-None-Match", &offering_tag)
        .send()
        .status,
        304
    );
    let group = app.get(&format!(
        "/api/v1/consumer-groups/{}/view?on={ON}",
        id(&c.group)
    ));
    assert!(group.header("etag").is_some());
}

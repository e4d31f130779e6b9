//! Invalid input is a 422 that names each refused field, and writes
//! nothing.

use serde_json::{json, Value};
use uuid::Uuid;

use crate::helpers::{id, Catalogue, TestApp};

fn refused(app: &TestApp, collection: &str, body: Value) -> Vec<String> {
    app.req("POST", &format!("/api/v1{collection}"))
        .json(&body)
        .send()
        .invalid_fields()
}

#[test]
fn names_are_required_not_blank_and_at_most_200_characters() {
    let app = TestApp::spawn();
    for collection in ["/products", "/consumer-groups", "/customers"] {
        assert_eq!(
            refused(&app, collection, json!({})),
            ["name"],
            "{collection}: missing"
        );
        // White space and invisible characters of every kind are blank.
        for blank in [
            "  ",
            "\u{200B}",
            "\u{00A0}",
            "\u{3000}",
            "\u{FEFF}",
            "\u{200B}\u{00A0}\t\u{2060}",
        ] {
            assert_eq!(
                refused(&app, collection, json!({"name": blank})),
                ["name"],
                "{collection}: blank {blank:?}"
            );
        }
        assert_eq!(
            refused(&app, collection, json!({"name": "x".repeat(201)})),
            ["name"],
            "{collection}: long"
        );
        assert_eq!(
            refused(&app, collection, json!({"name": 5})),
            ["name"],
            "{collection}: a number"
        );
        let res = app
            .req("POST", &format!("/api/v1{collection}"))
            .json(&json!({"name": "x".repeat(200)}))
            .send();
        assert_eq!(
            res.status,
            201,
            "{collection}: 200 characters are allowed: {}",
            res.text()
        );
    }
}

#[test]
fn fields_set_by_the_service_and_unknown_fields_are_refused() {
    let app = TestApp::spawn();
    for field in ["id", "created_at", "updated_at", "version", "colour"] {
        let fields = refused(&app, "/consumer-groups", json!({"name": "G", field: "x"}));
        assert_eq!(fields, [field]);
    }
    let group = app.create("/consumer-groups", json!({"name": "G"}));
    let res = app
        .req("PATCH", &format!("/api/v1/consumer-groups/{}", id(&group)))
        .merge_patch(&json!({"version": 9}))
        .if_match(1)
        .send();
    assert_eq!(res.invalid_fields(), ["version"]);
    let res = app
        .req("PATCH", &format!("/api/v1/consumer-groups/{}", id(&group)))
        .merge_patch(&json!({"colour": null}))
        .if_match(1)
        .send();
    assert_eq!(
        res.invalid_fields(),
        ["colour"],
        "a null for an unknown field is refused too"
    );
    assert_eq!(
        app.get("/api/v1/consumer-groups").json()["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn resource_rules() {
    let app = TestApp::spawn();
    assert_eq!(
        refused(&app, "/resources", json!({"name": "R"})),
        ["dimension"]
    );
    assert_eq!(
        refused(
            &app,
            "/resources",
            json!({"name": "R", "dimension": "money"})
        ),
        ["dimension"]
    );
    let bad_money = [
        (
            json!({"amount": "-1", "currency": "EUR"}),
            "unit_cost.amount",
        ),
        (
            json!({"amount": "1.23456", "currency": "EUR"}),
            "unit_cost.amount",
        ),
        (
            json!({"amount": "12", "currency": "eur"}),
            "unit_cost.currency",
        ),
        (json!({"amount": 12, "currency": "EUR"}), "unit_cost.amount"),
        (json!({"amount": "12"}), "unit_cost.currency"),
    ];
    for (money, field) in bad_money {
        let body =
            json!({"name": "R", "dimension": "value_streams_and_processes", "unit_cost": money});
        assert_eq!(refused(&app, "/resources", body), [field], "{money}");
    }
    assert_eq!(
        refused(
            &app,
            "/resources",
            json!({"name": "R", "dimension": "partners_and_suppliers", "owner": "o".repeat(201)})
        ),
        ["owner"]
    );
}

#[test]
fn component_rules() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let path = format!("/products/{}/components", id(&c.product));
    let r = id(&c.resource);
    assert_eq!(
        refused(&app, &path, json!({"visibility": "internal"})),
        ["resource_id"]
    );
    assert_eq!(
        refused(&app, &path, json!({"resource_id": r})),
        ["visibility"]
    );
    assert_eq!(
        refused(
            &app,
            &path,
            json!({"resource_id": r, "visibility": "public"})
        ),
        ["visibility"]
    );
    assert_eq!(
        refused(
            &app,
            &path,
            json!({"resource_id": r, "visibility": "customer"})
        ),
        ["customer_label"]
    );
    assert_eq!(
        refused(
            &app,
            &path,
            json!({"resource_id": r, "visibility": "customer", "customer_label": " "})
        ),
        ["customer_label"]
    );
    assert_eq!(
        refused(
            &app,
            &path,
            json!({"resource_id": r, "visibility": "internal", "quantity": 0})
        ),
        ["quantity"]
    );
    assert_eq!(
        refused(
            &app,
            &path,
            json!({"resource_id": r, "visibility": "internal", "quantity": 4_000_000_000u64})
        ),
        ["quantity"]
    );
    assert_eq!(
        refused(
            &app,
            &path,
            json!({"resource_id": "not-a-uuid", "visibility": "internal"})
        ),
        ["resource_id"]
    );
    let created = app.create(&path, json!({"resource_id": r, "visibility": "internal"}));
    assert_eq!(created["quantity"], 1, "quantity defaults to 1");
    // A patch that makes the component visible must bring its label.
    let res = app
        .req("PATCH", &format!("/api/v1{path}/{}", id(&created)))
        .merge_patch(&json!({"visibility": "customer"}))
        .if_match(1)
        .send();
    assert_eq!(res.invalid_fields(), ["customer_label"]);
}

#[test]
fn service_rules() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let p = id(&c.product);
    assert_eq!(
        refused(
            &app,
            "/services",
            json!({"name": "S", "portfolio_stage": "pipeline"})
        ),
        ["product_ids"]
    );
    assert_eq!(
        refused(
            &app,
            "/services",
            json!({"name": "S", "portfolio_stage": "pipeline", "product_ids": []})
        ),
        ["product_ids"]
    );
    assert_eq!(
        refused(&app, "/services", json!({"name": "S", "product_ids": [p]})),
        ["portfolio_stage"]
    );
    assert_eq!(
        refused(
            &app,
            "/services",
            json!({"name": "S", "portfolio_stage": "pipeline", "product_ids": [p, p]})
        ),
        ["product_ids[1]"]
    );
    for target in ["101", "-1", "99.99999", "high"] {
        let body = json!({"name": "S", "portfolio_stage": "pipeline", "product_ids": [p], "warranty": {"availability_target": target}});
        assert_eq!(
            refused(&app, "/services", body),
            ["warranty.availability_target"],
            "{target}"
        );
    }
    let body = json!({"name": "S", "portfolio_stage": "pipeline", "product_ids": [p], "utility": {"outcomes": ["ok", ""]}});
    assert_eq!(refused(&app, "/services", body), ["utility.outcomes[1]"]);
    let body = json!({"name": "S", "portfolio_stage": "pipeline", "product_ids": [p], "utility": {"purpose": "p", "colour": "red"}});
    assert_eq!(refused(&app, "/services", body), ["utility.colour"]);
    let body = json!({"name": "S", "portfolio_stage": "pipeline", "product_ids": [p],
        "utility": {"purpose": "Run apps", "outcomes": ["Up", "Fast"]}, "warranty": {"availability_target": "99.95", "support_hours": "24x7"}});
    let created = app.create("/services", body);
    assert_eq!(created["utility"]["outcomes"], json!(["Up", "Fast"]));
    assert_eq!(created["warranty"]["availability_target"], "99.95");
}

#[test]
fn price_rules() {
    let app = TestApp::spawn();
    assert_eq!(
        refused(&app, "/prices", json!({"name": "Fee"})),
        ["price_type"]
    );
    assert_eq!(
        refused(
            &app,
            "/prices",
            json!({"name": "Fee", "price_type": "monthly"})
        ),
        ["price_type"]
    );
    assert_eq!(
        refused(
            &app,
            "/prices",
            json!({"name": "Fee", "price_type": "one_time", "price": {"amount": "1,50", "currency": "EUR"}})
        ),
        ["price.amount"]
    );
    assert_eq!(
        refused(
            &app,
            "/prices",
            json!({"name": "Fee", "price_type": "one_time", "unit_of_measure": "GB"})
        ),
        ["unit_of_measure"],
        "a unit is for usage prices only"
    );
    assert_eq!(
        refused(
            &app,
            "/prices",
            json!({"name": "Fee", "price_type": "usage", "unit_of_measure": " "})
        ),
        ["unit_of_measure"]
    );
    assert_eq!(
        refused(
            &app,
            "/prices",
            json!({"name": "Fee", "price_type": "recurring", "recurring_period": "fortnight"})
        ),
        ["recurring_period"]
    );
    let created = app.create(
        "/prices",
        json!({"name": "Per GB", "price_type": "usage", "unit_of_measure": "GB",
            "price": {"amount": "0.0450", "currency": "EUR"}}),
    );
    assert_eq!(created["status"], "active", "status defaults to active");
    assert_eq!(created["recurring_period"], Value::Null);
    let url = format!("/api/v1/prices/{}", id(&created));
    let res = app
        .req("PATCH", &url)
        .merge_patch(&json!({"status": "draft"}))
        .if_match(1)
        .send();
    assert_eq!(res.status, 422, "the lifecycle only moves forward");
    assert_eq!(res.json()["errors"][0]["field"], "status");
}

#[test]
fn offering_rules() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let s = id(&c.service);
    let base = |extra: Value| {
        let mut body = json!({"name": "O", "service_ids": [s]});
        body.as_object_mut()
            .expect("object")
            .extend(extra.as_object().expect("object").clone());
        body
    };
    assert_eq!(
        refused(
            &app,
            "/offerings",
            json!({"name": "O", "service_ids": [], "status": "active"})
        ),
        ["service_ids"],
        "an active offering packages at least one service"
    );
    let draft = app.create("/offerings", json!({"name": "A draft", "service_ids": []}));
    assert_eq!(draft["status"], "draft", "a draft may have no service yet");
    assert_eq!(
        refused(
            &app,
            "/offerings",
            base(json!({"price_ids": [Uuid::now_v7()], "product_id": Uuid::now_v7()}))
        ),
        ["price_ids[0]", "product_id"],
        "prices and the product must exist"
    );
    assert_eq!(
        refused(
            &app,
            "/offerings",
            base(json!({"elements": [{"kind": "gift", "name": "x"}]}))
        ),
        ["elements[0].kind"]
    );
    assert_eq!(
        refused(
            &app,
            "/offerings",
            base(json!({"elements": [{"kind": "goods"}]}))
        ),
        ["elements[0].name"]
    );
    assert_eq!(
        refused(
            &app,
            "/offerings",
            base(json!({"elements": [{"kind": "goods", "name": ""}]}))
        ),
        ["elements[0].name"]
    );
    assert_eq!(
        refused(
            &app,
            "/offerings",
            base(json!({"service_levels": [{"metric": "availability"}]}))
        ),
        ["service_levels[0].target"]
    );
    assert_eq!(
        refused(&app, "/offerings", base(json!({"status": "open"}))),
        ["status"]
    );
    assert_eq!(
        refused(
            &app,
            "/offerings",
            base(json!({"valid_from": "2026-02-30"}))
        ),
        ["valid_from"]
    );
    assert_eq!(
        refused(
            &app,
            "/offerings",
            base(json!({"valid_from": "2026-03-01", "valid_to": "2026-02-01"}))
        ),
        ["valid_to"]
    );
    let created = app.create(
        "/offerings",
        base(json!({"valid_from": "2026-03-01", "valid_to": "2026-03-01"})),
    );
    assert_eq!(created["status"], "draft", "status defaults to draft");
    assert_eq!(created["valid_to"], "2026-03-01");
}

#[test]
fn agreement_rules() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let (cu, of) = (id(&c.customer), id(&c.offering));
    assert_eq!(
        refused(&app, "/agreements", json!({"offering_id": of})),
        ["customer_id"]
    );
    assert_eq!(
        refused(
            &app,
            "/agreements",
            json!({"customer_id": cu, "offering_id": of, "status": "signed"})
        ),
        ["status"]
    );
    assert_eq!(
        refused(
            &app,
            "/agreements",
            json!({"customer_id": cu, "offering_id": of, "starts_on": "2026-05-01", "ends_on": "2026-04-30"})
        ),
        ["ends_on"]
    );
    let url = format!("/api/v1/agreements/{}", id(&c.agreement));
    assert_eq!(c.agreement["status"], "active", "status defaults to active");
    let other = app.create("/customers", json!({"name": "Other"}));
    let res = app
        .req("PATCH", &url)
        .merge_patch(&json!({"customer_id": id(&other)}))
        .if_match(1)
        .send();
    assert_eq!(
        res.invalid_fields(),
        ["customer_id"],
        "an agreement keeps its customer"
    );
}

#[test]
fn api_key_rules() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    assert_eq!(
        refused(&app, "/api-keys", json!({"role": "root"})),
        ["role"]
    );
    assert_eq!(
        refused(&app, "/api-keys", json!({"role": "customer"})),
        ["customer_id"]
    );
    assert_eq!(
        refused(
            &app,
            "/api-keys",
            json!({"role": "viewer", "customer_id": id(&c.customer)})
        ),
        ["customer_id"]
    );
    assert_eq!(
        refused(
            &app,
            "/api-keys",
            json!({"role": "viewer", "secret": "mine"})
        ),
        ["secret"]
    );
}

#[test]
fn several_broken_rules_are_all_named_at_once() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let body = json!({"name": "", "service_ids": [id(&c.service)], "elements": [{"kind": "goods", "name": " "}],
        "valid_from": "2026-03-01", "valid_to": "2026-01-01"});
    let mut fields = refused(&app, "/offerings", body);
    fields.sort();
    assert_eq!(fields, ["elements[0].name", "name", "valid_to"]);
    let body = json!({"name": "", "price_type": "usage", "price": {"amount": "x", "currency": "euro"},
        "recurring_period": "month"});
    let mut fields = refused(&app, "/prices", body);
    fields.sort();
    assert_eq!(
        fields,
        ["name", "price.amount", "price.currency", "recurring_period"]
    );
}

#[test]
fn dates_in_bodies_are_yyyy_mm_dd_only() {
    let app = TestApp::spawn();
    let c = crate::helpers::Catalogue::build(&app);
    for bad in [
        "2026-1-1",
        "+10000-01-01",
        "-0001-01-01",
        "20260101",
        "2026-01-01T00:00:00Z",
    ] {
        let fields = refused(
            &app,
            "/offerings",
            json!({"name": "O", "service_ids": [crate::helpers::id(&c.service)], "valid_from": bad}),
        );
        assert_eq!(fields, ["valid_from"], "{bad}");
        let fields = refused(
            &app,
            "/agreements",
            json!({"customer_id": crate::helpers::id(&c.customer),
                   "offering_id": crate::helpers::id(&c.offering), "ends_on": bad}),
        );
        assert_eq!(fields, ["ends_on"], "{bad}");
    }
}

#[test]
fn a_member_named_twice_in_a_body_is_a_400_naming_it_and_writes_nothing() {
    let app = TestApp::spawn();
    let res = app
        .req("POST", "/api/v1/consumer-groups")
        .body(
            br#"{"name": "A", "name": "B"}"#.to_vec(),
            "application/json",
        )
        .send();
    let problem = res.problem(400);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("`name`"),
        "{problem}"
    );
    let group = app.create("/consumer-groups", json!({"name": "G"}));
    let res = app
        .req(
            "PATCH",
            &format!("/api/v1/consumer-groups/{}", crate::helpers::id(&group)),
        )
        .body(
            br#"{"description": {"x": 1, "x": 2}}"#.to_vec(),
            "application/merge-patch+json",
        )
        .if_match(1)
        .send();
    let problem = res.problem(400);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("`x`"),
        "{problem}"
    );
    let groups = app.get("/api/v1/consumer-groups").json();
    assert_eq!(groups["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(groups["items"][0]["version"], 1);
}

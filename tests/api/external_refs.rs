//! External references: what other systems call the catalogue's entities,
//! unique per type, found by `?external_ref=`, and written by reference.

use serde_json::{json, Value};

use crate::helpers::{id, Catalogue, TestApp};

fn resource(name: &str, refs: Value) -> Value {
    json!({"name": name, "dimension": "information_and_technology", "external_refs": refs})
}

#[test]
fn an_entity_carries_its_references_and_is_found_by_one() {
    let app = TestApp::spawn();
    let refs = json!([{"system": "servicenow", "id": "a1b2"}, {"system": "itop", "id": "42"}]);
    let created = app.create("/resources", resource("VM", refs));
    let shown = app
        .get(&format!("/api/v1/resources/{}", id(&created)))
        .json();
    assert_eq!(
        shown["external_refs"],
        json!([{"system": "itop", "id": "42"}, {"system": "servicenow", "id": "a1b2"}]),
        "listed by system"
    );
    app.create("/resources", resource("Other", json!([])));
    let found = app
        .get("/api/v1/resources?external_ref=servicenow:a1b2")
        .json();
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(found["items"][0]["id"], created["id"]);
    let none = app
        .get("/api/v1/resources?external_ref=servicenow:zz")
        .json();
    assert_eq!(none["items"], json!([]));
    app.get("/api/v1/resources?external_ref=nocolon")
        .problem(400);
    // Another type may use the same reference.
    app.create(
        "/products",
        json!({"name": "P", "external_refs": [{"system": "servicenow", "id": "a1b2"}]}),
    );
}

#[test]
fn a_second_entity_claiming_a_reference_is_a_409_naming_it() {
    let app = TestApp::spawn();
    let first = app.create(
        "/resources",
        resource("VM", json!([{"system": "servicenow", "id": "a1b2"}])),
    );
    let res = app
        .req("POST", "/api/v1/resources")
        .json(&resource(
            "Copy",
            json!([{"system": "itop", "id": "1"}, {"system": "servicenow", "id": "a1b2"}]),
        ))
        .send();
    let problem = res.problem(409);
    assert_eq!(
        problem["errors"][0]["field"], "external_refs[1]",
        "{problem}"
    );
    assert!(problem["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains(&id(&first)));
    // By patch too; and two references of one system are refused.
    let other = app.create("/resources", resource("Other", json!([])));
    let url = format!("/api/v1/resources/{}", id(&other));
    app.req("PATCH", &url)
        .merge_patch(&json!({"external_refs": [{"system": "servicenow", "id": "a1b2"}]}))
        .if_match(1)
        .send()
        .problem(409);
    let res = app
        .req("PATCH", &url)
        .merge_patch(
            &json!({"external_refs": [{"system": "x", "id": "1"}, {"system": "x", "id": "2"}]}),
        )
        .if_match(1)
        .send();
    assert_eq!(res.invalid_fields(), ["external_refs[1].system"]);
    for bad in [
        json!({"system": "Service Now", "id": "1"}),
        json!({"system": "sn", "id": " "}),
    ] {
        assert_eq!(
            app.req("POST", "/api/v1/resources")
                .json(&resource("Bad", json!([bad])))
                .send()
                .status,
            422
        );
    }
    // A deleted entity's references are free again.
    app.req("DELETE", &format!("/api/v1/resources/{}", id(&first)))
        .send();
    app.req("PATCH", &url)
        .merge_patch(&json!({"external_refs": [{"system": "servicenow", "id": "a1b2"}]}))
        .if_match(1)
        .send();
    assert_eq!(app.get(&url).json()["external_refs"][0]["id"], "a1b2");
}

#[test]
fn a_put_by_reference_creates_then_replaces_and_the_same_body_twice_changes_nothing() {
    let app = TestApp::spawn();
    let url = "/api/v1/consumer-groups/by-ref/servicenow/grp-001";
    let body = json!({"name": "Public sector"});
    let created = app.req("PUT", url).json(&body).send();
    assert_eq!(created.status, 201, "{}", created.text());
    let group = created.json();
    assert_eq!(
        created.header("location"),
        Some(format!("/api/v1/consumer-groups/{}", id(&group)).as_str())
    );
    assert_eq!(
        group["external_refs"],
        json!([{"system": "servicenow", "id": "grp-001"}])
    );
    let again = app.req("PUT", url).json(&body).send();
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["version"], 1, "nothing changed");
    assert_eq!(again.json()["id"], group["id"]);
    let changed = app
        .req("PUT", url)
        .json(&json!({"name": "Public sector", "description": "Ministries"}))
        .send();
    assert_eq!(changed.status, 200);
    assert_eq!(changed.json()["version"], 2);
    assert_eq!(changed.header("etag"), Some("\"2\""));
    let read = app.get(url);
    assert_eq!(read.status, 200);
    assert_eq!(read.json()["description"], "Ministries");
    // A replacement is whole: what the body leaves out is cleared.
    let replaced = app.req("PUT", url).json(&body).send().json();
    assert_eq!(
        (replaced["version"].clone(), replaced["description"].clone()),
        (json!(3), Value::Null)
    );
    // If-Match is honoured when sent.
    app.req("PUT", url)
        .json(&json!({"name": "X"}))
        .if_match(1)
        .send()
        .problem(412);
    app.req("PUT", "/api/v1/consumer-groups/by-ref/servicenow/nobody")
        .json(&body)
        .if_match(1)
        .send()
        .problem(412);
    // The body may not name another id in the path's system.
    let res = app
        .req("PUT", url)
        .json(&json!({"name": "X", "external_refs": [{"system": "servicenow", "id": "other"}]}))
        .send();
    assert_eq!(res.invalid_fields(), ["external_refs[0]"]);
    app.get("/api/v1/consumer-groups/by-ref/servicenow/nobody")
        .problem(404);
    app.get("/api/v1/consumer-groups/by-ref/Bad%20System/x")
        .problem(404);
    let groups = app.get("/api/v1/consumer-groups").json();
    assert_eq!(groups["items"].as_array().map(Vec::len), Some(1));
    // The unchanged PUTs made no event.
    let feed = app.get("/api/v1/changes").json();
    let versions: Vec<i64> = feed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["version"].as_i64().unwrap_or_default())
        .collect();
    assert_eq!(versions, [1, 2, 3]);
}

#[test]
fn components_are_written_by_reference_under_their_product() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let url = format!(
        "/api/v1/products/{}/components/by-ref/itop/cmp-9",
        id(&c.product)
    );
    let body = json!({"resource_id": id(&c.resource), "visibility": "internal", "quantity": 2});
    assert_eq!(app.req("PUT", &url).json(&body).send().status, 201);
    assert_eq!(app.req("PUT", &url).json(&body).send().json()["version"], 1);
    assert_eq!(app.get(&url).json()["quantity"], 2);
    let other = app.create("/products", json!({"name": "Other"}));
    let elsewhere = format!(
        "/api/v1/products/{}/components/by-ref/itop/cmp-9",
        id(&other)
    );
    app.req("PUT", &elsewhere).json(&body).send().problem(409);
    let ghost = format!(
        "/api/v1/products/{}/components/by-ref/itop/x",
        uuid::Uuid::now_v7()
    );
    app.req("PUT", &ghost).json(&body).send().problem(404);
}

#[test]
fn a_body_may_name_related_entities_by_reference() {
    let app = TestApp::spawn();
    let product = app.create(
        "/products",
        json!({"name": "P", "external_refs": [{"system": "servicenow", "id": "prd-1"}]}),
    );
    let service = app.create(
        "/services",
        json!({"name": "S", "portfolio_stage": "catalogue",
               "product_ids": [{"ref": "servicenow:prd-1"}],
               "external_refs": [{"system": "servicenow", "id": "svc-1"}]}),
    );
    assert_eq!(service["product_ids"], json!([id(&product)]));
    let group = app.create(
        "/consumer-groups",
        json!({"name": "G", "external_refs": [{"system": "itop", "id": "7"}]}),
    );
    let offering = app.create(
        "/offerings",
        json!({"name": "O", "service_ids": [{"ref": "servicenow:svc-1"}],
               "consumer_group_ids": [{"ref": "itop:7"}], "status": "active"}),
    );
    assert_eq!(offering["service_ids"], json!([id(&service)]));
    assert_eq!(offering["consumer_group_ids"], json!([id(&group)]));
    // By reference in a write by reference, and in a merge patch.
    let customer = app
        .req("PUT", "/api/v1/customers/by-ref/servicenow/cust-1")
        .json(&json!({"name": "ACME", "consumer_group_ids": [{"ref": "itop:7"}]}))
        .send();
    assert_eq!(customer.status, 201, "{}", customer.text());
    let agreement = app.create(
        "/agreements",
        json!({"customer_id": {"ref": "servicenow:cust-1"}, "offering_id": id(&offering)}),
    );
    assert_eq!(agreement["customer_id"], customer.json()["id"]);
    let other = app.create(
        "/products",
        json!({"name": "Q", "external_refs": [{"system": "servicenow", "id": "prd-2"}]}),
    );
    let patched = app
        .req("PATCH", &format!("/api/v1/services/{}", id(&service)))
        .merge_patch(&json!({"product_ids": [{"ref": "servicenow:prd-2"}, id(&product)]}))
        .if_match(1)
        .send();
    assert_eq!(patched.status, 200, "{}", patched.text());
    let mut expected = vec![id(&product), id(&other)];
    expected.sort();
    assert_eq!(patched.json()["product_ids"], json!(expected));
    // A reference that names nothing, or that is not one, is refused by field.
    let res = app
        .req("POST", "/api/v1/services")
        .json(&json!({"name": "T", "portfolio_stage": "pipeline",
                      "product_ids": [id(&product), {"ref": "servicenow:nothing"}, {"ref": 5}, {"id": "x"}]}))
        .send();
    assert_eq!(
        res.invalid_fields(),
        ["product_ids[1].ref", "product_ids[2]", "product_ids[3]"]
    );
    // A reference of another kind names nothing here.
    let res = app
        .req("POST", "/api/v1/services")
        .json(&json!({"name": "T", "portfolio_stage": "pipeline", "product_ids": [{"ref": "itop:7"}]}))
        .send();
    assert_eq!(res.invalid_fields(), ["product_ids[0].ref"]);
    assert_eq!(
        app.get("/api/v1/services").json()["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

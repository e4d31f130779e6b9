//! Relations are set by ids and checked: an unknown id is a 422 naming the
//! field; a delete of something still referenced is a 409 that deletes
//! nothing.

use serde_json::json;
use uuid::Uuid;

use crate::helpers::{id, Catalogue, TestApp};

#[test]
fn deleting_anything_still_referenced_answers_409_and_deletes_nothing() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let referenced = [
        ("resources", &c.resource, "product component"),
        ("products", &c.product, "service"),
        ("services", &c.service, "offering"),
        ("consumer-groups", &c.group, "customer"),
        ("offerings", &c.offering, "agreement"),
        ("customers", &c.customer, "agreement"),
    ];
    for (collection, entity, user) in referenced {
        let url = format!("/api/v1/{collection}/{}", id(entity));
        let problem = app.req("DELETE", &url).send().problem(409);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains(user),
            "{collection}: the 409 names what still uses it: {problem}"
        );
        assert_eq!(
            app.get(&url).json(),
            *entity,
            "{collection}: nothing was deleted"
        );
    }
    // The component of the product survived the refused delete of its resource.
    let component = format!(
        "/api/v1/products/{}/components/{}",
        id(&c.product),
        id(&c.component)
    );
    assert_eq!(app.get(&component).status, 200);
}

#[test]
fn a_consumer_group_or_offering_with_an_overlay_cannot_be_deleted() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let group = app.create("/consumer-groups", json!({"name": "Tailored only"}));
    let offering = app.create(
        "/offerings",
        json!({"name": "Tailored", "service_ids": [id(&c.service)]}),
    );
    let overlay = app.create(
        "/overlays",
        json!({"consumer_group_id": id(&group), "offering_id": id(&offering), "name": "Ours"}),
    );
    for url in [
        format!("/api/v1/consumer-groups/{}", id(&group)),
        format!("/api/v1/offerings/{}", id(&offering)),
    ] {
        let problem = app.req("DELETE", &url).send().problem(409);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("overlay"),
            "{problem}"
        );
    }
    assert_eq!(
        app.req("DELETE", &format!("/api/v1/overlays/{}", id(&overlay)))
            .send()
            .status,
        204
    );
    assert_eq!(
        app.req("DELETE", &format!("/api/v1/consumer-groups/{}", id(&group)))
            .send()
            .status,
        204
    );
}

#[test]
fn once_unreferenced_everything_can_be_deleted_in_order() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let order = [
        ("agreements", &c.agreement),
        ("customers", &c.customer),
        ("offerings", &c.offering),
        ("consumer-groups", &c.group),
        ("services", &c.service),
        ("products", &c.product),
        ("resources", &c.resource),
    ];
    for (collection, entity) in order {
        let res = app
            .req("DELETE", &format!("/api/v1/{collection}/{}", id(entity)))
            .send();
        assert_eq!(res.status, 204, "{collection}: {}", res.text());
    }
}

#[test]
fn a_customer_with_an_api_key_cannot_be_deleted() {
    let app = TestApp::spawn();
    let customer = app.create("/customers", json!({"name": "Solo"}));
    app.key("customer", Some(&id(&customer)));
    let url = format!("/api/v1/customers/{}", id(&customer));
    let problem = app.req("DELETE", &url).send().problem(409);
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("API key"));
}

#[test]
fn unknown_ids_in_relations_are_refused_by_field() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let ghost = Uuid::now_v7().to_string();
    let cases = [
        (
            "/services",
            json!({"name": "S", "portfolio_stage": "pipeline", "product_ids": [id(&c.product), ghost]}),
            "product_ids[1]",
        ),
        (
            "/offerings",
            json!({"name": "O", "service_ids": [ghost]}),
            "service_ids[0]",
        ),
        (
            "/offerings",
            json!({"name": "O", "service_ids": [id(&c.service)], "consumer_group_ids": [ghost]}),
            "consumer_group_ids[0]",
        ),
        (
            "/customers",
            json!({"name": "C", "consumer_group_ids": [ghost]}),
            "consumer_group_ids[0]",
        ),
        (
            "/agreements",
            json!({"customer_id": ghost, "offering_id": id(&c.offering)}),
            "customer_id",
        ),
        (
            "/agreements",
            json!({"customer_id": id(&c.customer), "offering_id": ghost}),
            "offering_id",
        ),
        (
            &format!("/products/{}/components", id(&c.product)),
            json!({"resource_id": ghost, "visibility": "internal"}),
            "resource_id",
        ),
        (
            "/api-keys",
            json!({"role": "customer", "customer_id": ghost}),
            "customer_id",
        ),
    ];
    for (collection, body, field) in cases {
        let res = app
            .req("POST", &format!("/api/v1{collection}"))
            .json(&body)
            .send();
        assert_eq!(res.invalid_fields(), vec![field.to_owned()], "{collection}");
        let problem = res.json();
        assert!(problem["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains(&ghost));
    }
    // Nothing of those was written.
    assert_eq!(
        app.get("/api/v1/services").json()["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        app.get("/api/v1/agreements").json()["items"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
}

#[test]
fn a_patch_to_an_unknown_id_changes_nothing() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let url = format!("/api/v1/services/{}", id(&c.service));
    let res = app
        .req("PATCH", &url)
        .merge_patch(&json!({"product_ids": [Uuid::now_v7()], "name": "Renamed"}))
        .if_match(1)
        .send();
    assert_eq!(res.invalid_fields(), vec!["product_ids[0]".to_owned()]);
    assert_eq!(app.get(&url).json(), c.service);
}

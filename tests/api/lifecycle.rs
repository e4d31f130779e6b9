//! Lifecycles move forward only: a retired product or service never comes
//! back, and a refused move says why.

use serde_json::json;

use crate::helpers::{id, Catalogue, TestApp};

fn step(
    app: &TestApp,
    url: &str,
    field: &str,
    value: &str,
    version: i64,
) -> crate::helpers::Response {
    app.req("PATCH", url)
        .merge_patch(&json!({ field: value }))
        .if_match(version)
        .send()
}

#[test]
fn lifecycles_move_forward_and_never_back() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let product = app.create("/products", json!({"name": "P"}));
    let service = app.create(
        "/services",
        json!({"name": "S", "product_ids": [id(&c.product)], "portfolio_stage": "pipeline"}),
    );
    let offering = app.create(
        "/offerings",
        json!({"name": "O", "service_ids": [id(&c.service)]}),
    );
    let agreement = app.create("/agreements", json!({"customer_id": id(&c.customer), "offering_id": id(&c.offering), "status": "proposed"}));
    let cases = [
        (
            format!("/api/v1/products/{}", id(&product)),
            "lifecycle_status",
            ["draft", "active", "retired"],
        ),
        (
            format!("/api/v1/services/{}", id(&service)),
            "portfolio_stage",
            ["pipeline", "catalogue", "retired"],
        ),
        (
            format!("/api/v1/offerings/{}", id(&offering)),
            "status",
            ["draft", "active", "retired"],
        ),
        (
            format!("/api/v1/agreements/{}", id(&agreement)),
            "status",
            ["proposed", "active", "ended"],
        ),
    ];
    for (url, field, [first, second, last]) in cases {
        let res = step(&app, &url, field, second, 1);
        assert_eq!(
            res.status,
            200,
            "{url}: {first} -> {second}: {}",
            res.text()
        );
        let res = step(&app, &url, field, first, 2);
        assert_eq!(
            res.invalid_fields(),
            [field],
            "{url}: {second} -> {first} is refused"
        );
        let message = res.json()["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            message.contains(second) && message.contains(first),
            "the refusal says why: {message}"
        );
        let res = step(&app, &url, field, last, 2);
        assert_eq!(res.status, 200, "{url}: {second} -> {last}: {}", res.text());
        for earlier in [first, second] {
            assert_eq!(
                step(&app, &url, field, earlier, 3).invalid_fields(),
                [field],
                "{url}: {last} -> {earlier}"
            );
        }
        assert_eq!(
            app.get(&url).json()[field],
            last,
            "{url}: the refused moves changed nothing"
        );
    }
}

#[test]
fn a_draft_may_be_retired_directly_and_a_same_state_patch_is_allowed() {
    let app = TestApp::spawn();
    let product = app.create("/products", json!({"name": "P"}));
    let url = format!("/api/v1/products/{}", id(&product));
    // The same state is allowed, and changes nothing: the version stays.
    let same = step(&app, &url, "lifecycle_status", "draft", 1);
    assert_eq!(same.status, 200, "{}", same.text());
    assert_eq!(same.json()["version"], 1);
    assert_eq!(
        step(&app, &url, "lifecycle_status", "retired", 1).status,
        200
    );
}

//! Bad requests get a clear problem+json 4xx, never a 500 or a plain-text
//! default, and write nothing.

use serde_json::json;

use crate::helpers::{id, Catalogue, TestApp};

fn groups(app: &TestApp) -> usize {
    app.get("/api/v1/consumer-groups").json()["items"]
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

#[test]
fn malformed_json_is_a_400() {
    let app = TestApp::spawn();
    for body in [&b"{"[..], b"{\"name\": }", b"", b"\xff\xfe{}", b"[1, 2"] {
        let problem = app
            .req("POST", "/api/v1/consumer-groups")
            .body(body.to_vec(), "application/json")
            .send()
            .problem(400);
        assert!(problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("JSON"));
    }
    assert_eq!(groups(&app), 0);
}

#[test]
fn a_body_that_is_not_an_object_is_a_422() {
    let app = TestApp::spawn();
    for body in [json!([]), json!("name"), json!(null), json!(7)] {
        app.req("POST", "/api/v1/consumer-groups")
            .json(&body)
            .send()
            .problem(422);
    }
    let group = app.create("/consumer-groups", json!({"name": "G"}));
    app.req("PATCH", &format!("/api/v1/consumer-groups/{}", id(&group)))
        .merge_patch(&json!(["name"]))
        .if_match(1)
        .send()
        .problem(422);
}

#[test]
fn a_wrong_content_type_is_a_415() {
    let app = TestApp::spawn();
    let body = br#"{"name": "G"}"#.to_vec();
    for content_type in [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
    ] {
        app.req("POST", "/api/v1/consumer-groups")
            .body(body.clone(), content_type)
            .send()
            .problem(415);
    }
    let res = app
        .req("POST", "/api/v1/consumer-groups")
        .body(body.clone(), "application/json; charset=utf-8")
        .send();
    assert_eq!(
        res.status,
        201,
        "parameters of the media type are fine: {}",
        res.text()
    );
    let group = res.json();
    app.req("PATCH", &format!("/api/v1/consumer-groups/{}", id(&group)))
        .body(body, "text/plain")
        .if_match(1)
        .send()
        .problem(415);
    assert_eq!(groups(&app), 1);
}

#[test]
fn a_body_over_the_cap_is_a_413() {
    let app = TestApp::spawn_with(&[("VITRINE_MAX_BODY_BYTES", "4096")]);
    let body = json!({"name": "G", "description": "x".repeat(5000)});
    app.req("POST", "/api/v1/consumer-groups")
        .json(&body)
        .send()
        .problem(413);
    assert_eq!(groups(&app), 0);
}

#[test]
fn an_id_that_is_not_a_uuid_names_nothing() {
    let app = TestApp::spawn();
    for path in [
        "/api/v1/products/42",
        "/api/v1/products/not-a-uuid",
        "/api/v1/products/%00",
    ] {
        let problem = app.get(path).problem(404);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("UUID"),
            "{problem}"
        );
    }
    let c = Catalogue::build(&app);
    app.get(&format!(
        "/api/v1/products/{}/components/nope",
        id(&c.product)
    ))
    .problem(404);
}

#[test]
fn bad_query_parameters_are_a_400() {
    let app = TestApp::spawn();
    for query in [
        "colour=red",
        "lifecycle_status=gone",
        "limit=ten",
        "limit=-1",
        "cursor=abc",
        "limit=100000000000",
    ] {
        let problem = app.get(&format!("/api/v1/products?{query}")).problem(400);
        assert!(!problem["detail"].as_str().unwrap_or_default().is_empty());
    }
    app.get("/api/v1/services?product_id=42").problem(400);
}

#[test]
fn unknown_paths_and_methods_are_problems() {
    let app = TestApp::spawn();
    app.get("/api/v1/nothing").problem(404);
    app.get("/nothing").problem(404);
    app.req("GET", "/nothing").no_key().send().problem(404);
    let res = app.req("PUT", "/api/v1/products").json(&json!({})).send();
    res.problem(405);
    assert_eq!(res.header("allow"), Some("GET, HEAD, POST"));
    let res = app
        .req(
            "TRACE",
            &format!("/api/v1/products/{}", uuid::Uuid::now_v7()),
        )
        .send();
    res.problem(405);
    assert_eq!(res.header("allow"), Some("DELETE, GET, HEAD, PATCH"));
    app.req("POST", "/health/live").no_key().send().problem(405);
}

#[test]
fn an_if_match_that_names_no_version_of_ours_is_a_412() {
    let app = TestApp::spawn();
    let group = app.create("/consumer-groups", json!({"name": "G"}));
    let url = format!("/api/v1/consumer-groups/{}", id(&group));
    // Entity tags compare as strings: "01" is not "1"; a weak tag matches
    // nothing.
    let other_tags = [
        "\"one\"",
        "W/\"1\"",
        "\"01\"",
        "\"+1\"",
        "\"\"",
        "\"2\", W/\"1\"",
    ];
    // Not a list of entity tags: each names version 1 somewhere, and would
    // match it if read as the tags that could be parsed.
    let malformed = [
        "1",
        "\"1",
        "\" 1\"",
        "*, \"1\"",
        "\"1\", *",
        "\"1\" \"2\"",
        "\"1\"; \"2\"",
        "\"x\" y, \"1\"",
        "w/\"1\", \"1\"",
        "\"1\", 2",
    ];
    for value in other_tags.into_iter().chain(malformed) {
        app.req("PATCH", &url)
            .merge_patch(&json!({"name": "H"}))
            .header("If-Match", value)
            .send()
            .problem(412);
        app.req("DELETE", &url)
            .header("If-Match", value)
            .send()
            .problem(412);
    }
    assert_eq!(app.get(&url).json()["version"], 1, "nothing changed");
}

#[test]
fn a_missing_entity_is_a_404_problem() {
    let app = TestApp::spawn();
    let ghost = uuid::Uuid::now_v7();
    for collection in [
        "resources",
        "products",
        "services",
        "offerings",
        "consumer-groups",
        "customers",
        "agreements",
        "api-keys",
    ] {
        let url = format!("/api/v1/{collection}/{ghost}");
        app.get(&url).problem(404);
        app.req("DELETE", &url).send().problem(404);
        if collection != "api-keys" {
            app.req("PATCH", &url)
                .merge_patch(&json!({"name": "x"}))
                .if_match(1)
                .send()
                .problem(404);
        }
    }
}

#[test]
fn a_cursor_continues_only_the_list_it_was_issued_for() {
    let app = TestApp::spawn();
    for i in 0..3 {
        app.create(
            "/products",
            json!({"name": format!("P{i}"), "owner": "Team"}),
        );
        app.create("/consumer-groups", json!({"name": format!("G{i}")}));
    }
    let page = app.get("/api/v1/products?limit=1").json();
    let cursor = page["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    assert_eq!(
        app.get(&format!("/api/v1/products?limit=1&cursor={cursor}"))
            .status,
        200,
        "the list it came from takes it"
    );
    assert_eq!(
        app.get(&format!("/api/v1/products?limit=2&cursor={cursor}"))
            .status,
        200,
        "another page size is the same list"
    );
    for other in [
        format!("/api/v1/consumer-groups?limit=1&cursor={cursor}"),
        format!("/api/v1/products?limit=1&owner=Team&cursor={cursor}"),
        format!("/api/v1/products?limit=1&lifecycle_status=draft&cursor={cursor}"),
    ] {
        let problem = app.get(&other).problem(400);
        assert!(
            problem["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("another list"),
            "{other}: {problem}"
        );
    }
    let product = crate::helpers::id(&app.get("/api/v1/products?limit=1").json()["items"][0]);
    app.create(
        &format!("/products/{product}/components"),
        json!({"resource_id": crate::helpers::id(&app.create("/resources", json!({"name": "R", "dimension": "value_streams_and_processes"}))), "visibility": "internal"}),
    );
    app.get(&format!(
        "/api/v1/products/{product}/components?cursor={cursor}"
    ))
    .problem(400);
}

#[test]
fn a_second_overlay_for_the_same_group_and_offering_is_a_409_naming_the_fields() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let body =
        json!({"consumer_group_id": id(&c.group), "offering_id": id(&c.offering), "priority": 1});
    app.create("/overlays", body.clone());
    let res = app.req("POST", "/api/v1/overlays").json(&body).send();
    let problem = res.problem(409);
    assert_eq!(
        problem["errors"][0]["field"], "consumer_group_id",
        "the unique key's first field is named: {problem}"
    );
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("consumer_group_id and offering_id"),
        "{problem}"
    );
    assert_eq!(
        app.get("/api/v1/overlays").json()["items"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "nothing was written"
    );
}

//! Every collection: create, get, list with pages and filters, merge patch
//! with and without `If-Match`, delete.

use serde_json::{json, Value};

use crate::helpers::{id, Catalogue, TestApp};

/// One collection and how to make valid entities of it.
struct Collection {
    path: String,
    /// A valid create body; `n` makes each one distinct.
    body: Box<dyn Fn(usize) -> Value>,
    /// A patch and a field it changes, with the value expected after it.
    patch: (Value, &'static str, Value),
    /// A filter that matches exactly the entity made by `body(0)`.
    filter: Box<dyn Fn(&Value) -> String>,
}

fn collections(app: &TestApp) -> Vec<Collection> {
    let c = Catalogue::build(app);
    let (resource, product, service, group, offering, customer) = (
        id(&c.resource),
        id(&c.product),
        id(&c.service),
        id(&c.group),
        id(&c.offering),
        id(&c.customer),
    );
    let by_name = |e: &Value| {
        format!(
            "name={}",
            e["name"].as_str().unwrap_or_default().replace(' ', "%20")
        )
    };
    vec![
        Collection {
            path: "/resources".into(),
            body: Box::new(
                |n| json!({"name": format!("Resource {n}"), "dimension": "organizations_and_people", "owner": "HR"}),
            ),
            patch: (json!({"owner": "Facilities"}), "owner", json!("Facilities")),
            filter: Box::new(by_name),
        },
        Collection {
            path: "/products".into(),
            body: Box::new(|n| json!({"name": format!("Product {n}")})),
            patch: (
                json!({"lifecycle_status": "active"}),
                "lifecycle_status",
                json!("active"),
            ),
            filter: Box::new(by_name),
        },
        Collection {
            path: format!("/products/{product}/components"),
            body: Box::new(
                move |n| json!({"resource_id": resource, "visibility": "internal", "role": format!("role {n}")}),
            ),
            patch: (json!({"quantity": 3}), "quantity", json!(3)),
            filter: Box::new(|e| {
                format!(
                    "role={}",
                    e["role"].as_str().unwrap_or_default().replace(' ', "%20")
                )
            }),
        },
        Collection {
            path: "/services".into(),
            body: Box::new({
                let product = product.clone();
                move |n| json!({"name": format!("Service {n}"), "product_ids": [product], "portfolio_stage": "pipeline"})
            }),
            patch: (
                json!({"warranty": {"support_hours": "24x7"}}),
                "warranty",
                json!({"availability_target": null, "support_hours": "24x7"}),
            ),
            filter: Box::new(by_name),
        },
        Collection {
            path: "/offerings".into(),
            body: Box::new({
                let (service, group) = (service.clone(), group.clone());
                move |n| json!({"name": format!("Offering {n}"), "service_ids": [service], "consumer_group_ids": [group]})
            }),
            patch: (
                json!({"valid_from": "2027-01-01"}),
                "valid_from",
                json!("2027-01-01"),
            ),
            filter: Box::new(by_name),
        },
        Collection {
            path: "/prices".into(),
            body: Box::new(
                |n| json!({"name": format!("Price {n}"), "price_type": "recurring", "recurring_period": "month"}),
            ),
            patch: (
                json!({"price": {"amount": "9.99", "currency": "EUR"}}),
                "price",
                json!({"amount": "9.99", "currency": "EUR"}),
            ),
            filter: Box::new(by_name),
        },
        Collection {
            path: "/categories".into(),
            body: Box::new(|n| json!({"name": format!("Category {n}")})),
            patch: (
                json!({"description": "changed"}),
                "description",
                json!("changed"),
            ),
            filter: Box::new(by_name),
        },
        Collection {
            path: "/consumer-groups".into(),
            body: Box::new(|n| json!({"name": format!("Group {n}")})),
            patch: (
                json!({"description": "changed"}),
                "description",
                json!("changed"),
            ),
            filter: Box::new(by_name),
        },
        Collection {
            path: "/customers".into(),
            body: Box::new({
                let group = group.clone();
                move |n| json!({"name": format!("Customer {n}"), "consumer_group_ids": [group]})
            }),
            patch: (
                json!({"consumer_group_ids": []}),
                "consumer_group_ids",
                json!([]),
            ),
            filter: Box::new(by_name),
        },
        Collection {
            path: "/agreements".into(),
            body: Box::new(move |n| {
                json!({"customer_id": customer, "offering_id": offering, "status": "proposed",
                "starts_on": format!("2026-01-{:02}", n + 1)})
            }),
            patch: (json!({"status": "active"}), "status", json!("active")),
            filter: Box::new(|e| format!("status={}", e["status"].as_str().unwrap_or_default())),
        },
    ]
}

#[test]
fn every_collection_creates_reads_pages_patches_and_deletes() {
    let app = TestApp::spawn();
    for c in collections(&app) {
        let base = format!("/api/v1{}", c.path);

        // Create: 201 with Location and ETag, and the fields sent.
        let res = app.req("POST", &base).json(&(c.body)(0)).send();
        assert_eq!(res.status, 201, "{base}: {}", res.text());
        let created = res.json();
        let location = format!("{base}/{}", id(&created));
        assert_eq!(res.header("location"), Some(location.as_str()));
        assert_eq!(res.header("etag"), Some("\"1\""));
        assert_eq!(created["version"], 1);
        for (key, value) in (c.body)(0).as_object().expect("an object body") {
            assert_eq!(&created[key], value, "{base}: {key}");
        }

        // Get: the same entity, with its ETag.
        let res = app.get(&location);
        assert_eq!(res.status, 200, "{location}: {}", res.text());
        assert_eq!(res.header("etag"), Some("\"1\""));
        assert_eq!(res.json(), created);

        // Patch: without If-Match 428, with a stale one 412, then 200.
        let (patch, field, expected) = &c.patch;
        app.req("PATCH", &location)
            .merge_patch(patch)
            .send()
            .problem(428);
        app.req("PATCH", &location)
            .merge_patch(patch)
            .if_match(7)
            .send()
            .problem(412);
        let res = app
            .req("PATCH", &location)
            .merge_patch(patch)
            .if_match(1)
            .send();
        assert_eq!(res.status, 200, "{location}: {}", res.text());
        assert_eq!(res.header("etag"), Some("\"2\""));
        let patched = res.json();
        assert_eq!(&patched[*field], expected, "{location}");
        assert_eq!(patched["version"], 2);
        assert_eq!(patched["created_at"], created["created_at"]);
        assert_eq!(app.get(&location).json(), patched, "the patch is stored");
        // The old ETag no longer matches anything.
        app.req("PATCH", &location)
            .merge_patch(patch)
            .if_match(1)
            .send()
            .problem(412);

        // Pages: three more, two per page, every one seen once.
        for n in 1..=3 {
            app.create(&c.path, (c.body)(n));
        }
        let mut seen = Vec::new();
        let mut url = format!("{base}?limit=2");
        loop {
            let page = app.get(&url);
            assert_eq!(page.status, 200, "{url}: {}", page.text());
            let page = page.json();
            let items = page["items"].as_array().expect("items");
            assert!(items.len() <= 2);
            seen.extend(items.iter().map(id));
            match page["next_cursor"].as_str() {
                Some(cursor) => url = format!("{base}?limit=2&cursor={cursor}"),
                None => break,
            }
        }
        let unique: std::collections::BTreeSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "{base}: no entity twice");
        assert!(
            seen.contains(&id(&created)),
            "{base}: the first one is listed"
        );
        assert!(seen.len() >= 4, "{base}: all four are listed");

        // A filter on a plain field finds exactly the one that matches.
        let filtered = app.get(&format!("{base}?{}", (c.filter)(&patched))).json();
        let ids: Vec<String> = filtered["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(id)
            .collect();
        assert!(
            ids.contains(&id(&created)),
            "{base}: filter {}",
            (c.filter)(&patched)
        );
        for item in filtered["items"].as_array().expect("items") {
            assert_eq!((c.filter)(item), (c.filter)(&patched));
        }

        // Delete: 204, then 404 for good.
        let res = app.req("DELETE", &location).send();
        assert_eq!(res.status, 204, "{location}: {}", res.text());
        app.get(&location).problem(404);
        app.req("DELETE", &location).send().problem(404);
    }
}

/// A patch that changes nothing (an empty one, or one that sends the values
/// the entity has) writes nothing: 200 with the entity as it was, the same
/// version and ETag, and no event in the change feed; a stale `If-Match` is
/// still refused.
#[test]
fn a_patch_that_changes_nothing_writes_nothing() {
    let app = TestApp::spawn();
    let events = |app: &TestApp| {
        let feed = app.get("/api/v1/changes?limit=500").json();
        feed["items"].as_array().expect("items").len()
    };
    for c in collections(&app) {
        let base = format!("/api/v1{}", c.path);
        let created = app.create(&c.path, (c.body)(0));
        let location = format!("{base}/{}", id(&created));
        let before = events(&app);
        for patch in [json!({}), (c.body)(0)] {
            let res = app
                .req("PATCH", &location)
                .merge_patch(&patch)
                .if_match(1)
                .send();
            assert_eq!(res.status, 200, "{location} {patch}: {}", res.text());
            assert_eq!(res.header("etag"), Some("\"1\""), "{location} {patch}");
            assert_eq!(res.json(), created, "{location} {patch}");
            app.req("PATCH", &location)
                .merge_patch(&patch)
                .if_match(2)
                .send()
                .problem(412);
        }
        assert_eq!(app.get(&location).json(), created, "{location}");
        assert_eq!(events(&app), before, "{location}: no change to tell");
    }
}

#[test]
fn a_delete_with_a_stale_if_match_deletes_nothing() {
    let app = TestApp::spawn();
    let group = app.create("/consumer-groups", json!({"name": "Group"}));
    let url = format!("/api/v1/consumer-groups/{}", id(&group));
    app.req("DELETE", &url).if_match(5).send().problem(412);
    assert_eq!(app.get(&url).status, 200);
    assert_eq!(app.req("DELETE", &url).if_match(1).send().status, 204);
}

#[test]
fn merge_patch_null_clears_a_field_and_lists_are_replaced_whole() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let group2 = app.create("/consumer-groups", json!({"name": "Second"}));
    let url = format!("/api/v1/offerings/{}", id(&c.offering));
    let res = app
        .req("PATCH", &url)
        .merge_patch(&json!({"description": "Gold", "consumer_group_ids": [id(&group2)],
            "elements": [{"kind": "service_action", "name": "Restore"}, {"kind": "goods", "name": "Laptop"}]}))
        .if_match(1)
        .send();
    assert_eq!(res.status, 200, "{}", res.text());
    let body = res.json();
    assert_eq!(body["consumer_group_ids"], json!([id(&group2)]));
    assert_eq!(
        body["elements"][0]["name"], "Restore",
        "elements keep their order"
    );
    assert_eq!(body["elements"][1]["name"], "Laptop");
    let res = app
        .req("PATCH", &url)
        .merge_patch(&json!({"description": null}))
        .if_match(2)
        .send();
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["description"], Value::Null);
    assert_eq!(
        res.json()["elements"].as_array().map(Vec::len),
        Some(2),
        "untouched fields stay"
    );
}

/// The patch schema of the entities at `item` (such as
/// `/api/v1/products/{id}`), as the served spec states it.
fn patch_schema<'s>(spec: &'s Value, item: &str) -> &'s Value {
    let (path, _) = spec["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .find(|(template, _)| {
            let (a, b): (Vec<&str>, Vec<&str>) =
                (template.split('/').collect(), item.split('/').collect());
            a.len() == b.len() && a.iter().zip(&b).all(|(t, s)| t.starts_with('{') || t == s)
        })
        .unwrap_or_else(|| panic!("no path in the spec for {item}"));
    let reference = spec["paths"][path]["patch"]["requestBody"]["content"]
        ["application/merge-patch+json"]["schema"]["$ref"]
        .as_str()
        .unwrap_or_else(|| panic!("{path}: a merge patch schema"));
    spec.pointer(&reference[1..])
        .unwrap_or_else(|| panic!("{reference}"))
}

/// Whether a schema admits null.
fn admits_null(schema: &Value) -> bool {
    let types = match &schema["type"] {
        Value::Array(types) => types.clone(),
        kind => vec![kind.clone()],
    };
    types.contains(&json!("null"))
        || schema["oneOf"]
            .as_array()
            .is_some_and(|branches| branches.iter().any(admits_null))
}

/// A valid create body; `n` makes each one distinct.
type Body<'a> = Box<dyn Fn(usize) -> Value + 'a>;

/// A member set to null in a merge patch removes it, and the result is read
/// as a create without it: for every member of every entity's patch schema,
/// and every member of a member that is merged member by member, null is
/// taken exactly where the served spec admits it, and refused with a 422
/// naming the member everywhere else.
#[test]
fn null_in_a_merge_patch_is_taken_exactly_where_the_spec_admits_it() {
    let app = TestApp::spawn_with(&[("VITRINE_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")]);
    let spec = app.get("/openapi.json").json();
    let app = &app;
    let mut bodies: Vec<(String, Body<'_>)> = collections(app)
        .into_iter()
        .map(|c| (c.path, c.body as Body<'_>))
        .collect();
    let offering = id(&Catalogue::build(app).offering);
    // One overlay per group and offering.
    bodies.push((
        "/overlays".into(),
        Box::new(move |n| {
            let group = app.create("/consumer-groups", json!({"name": format!("Group {n}")}));
            json!({"consumer_group_id": id(&group), "offering_id": offering, "priority": n})
        }),
    ));
    bodies.push((
        "/webhooks".into(),
        Box::new(|n| json!({"url": format!("http://127.0.0.1:9/hook/{n}")})),
    ));

    let (mut taken, mut refused) = (0, 0);
    for (path, body) in &bodies {
        let base = format!("/api/v1{path}");
        let schema = patch_schema(&spec, &format!("{base}/x"));
        // Each member set to null, and each member of a member that is a
        // merge patch itself (`{"price": {"amount": null}}`).
        let mut patches = Vec::new();
        for (member, member_schema) in schema["properties"].as_object().expect("members") {
            patches.push((
                json!({ member: null }),
                member.clone(),
                admits_null(member_schema),
            ));
            let nested = member_schema["oneOf"]
                .as_array()
                .into_iter()
                .flatten()
                .chain([member_schema])
                .filter_map(|s| s["$ref"].as_str())
                .find(|r| r.ends_with("Patch"));
            if let Some(reference) = nested {
                let nested = spec.pointer(&reference[1..]).expect("the nested patch");
                for (inner, inner_schema) in nested["properties"].as_object().expect("members") {
                    patches.push((
                        json!({ member: { inner: null } }),
                        member.clone(),
                        admits_null(inner_schema),
                    ));
                }
            }
        }
        for (n, (patch, member, admitted)) in patches.into_iter().enumerate() {
            let created = app.create(path, body(n + 10));
            let url = format!("{base}/{}", id(&created));
            let res = app
                .req("PATCH", &url)
                .merge_patch(&patch)
                .if_match(1)
                .send();
            if admitted {
                assert_eq!(res.status, 200, "{base}: {patch}: {}", res.text());
                taken += 1;
            } else {
                let fields = res.invalid_fields();
                assert!(
                    fields.iter().any(|f| f.starts_with(&member)),
                    "{base}: {patch}: {}",
                    res.text()
                );
                refused += 1;
            }
        }
    }
    println!("null in a merge patch: {taken} members take it, {refused} refuse it");
}

#[test]
fn if_match_star_matches_any_current_version() {
    let app = TestApp::spawn();
    let product = app.create("/products", json!({"name": "P"}));
    let res = app
        .req("PATCH", &format!("/api/v1/products/{}", id(&product)))
        .merge_patch(&json!({"name": "Q"}))
        .header("If-Match", "*")
        .send();
    assert_eq!(res.status, 200, "{}", res.text());
    assert_eq!(res.json()["name"], "Q");
}

/// Every `If-Match` built of up to three pieces of entity-tag syntax (tags,
/// `W/`, `*`, commas, spaces and broken quotes) is read as the served spec
/// says: only a value its pattern admits that names the current version
/// strongly (or `*`) passes the precondition (and the patch, blanking the
/// name, is a 422); every other is a 412 that changes nothing.
#[test]
fn if_match_is_read_exactly_as_the_spec_states_it() {
    let app = TestApp::spawn();
    let spec = app.get("/openapi.json").json();
    let schema = &spec["paths"]["/api/v1/products/{id}"]["patch"]["parameters"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "If-Match"))
        .expect("PATCH takes If-Match")["schema"];
    let mut schemas = boon::Schemas::new();
    let mut compiler = boon::Compiler::new();
    compiler
        .add_resource("http://spec.test/if-match", schema.clone())
        .expect("a schema");
    let index = compiler
        .compile("http://spec.test/if-match", &mut schemas)
        .expect("the pattern compiles");
    let product = app.create("/products", json!({"name": "P"}));
    let url = format!("/api/v1/products/{}", id(&product));

    let pieces = [
        "\"1\"", "W/\"1\"", "\"2\"", "\"a,b\"", "\"\"", "*", ",", " ", "\t", "1", "\"", "W/", "x",
    ];
    let mut values: Vec<String> = Vec::new();
    for a in pieces {
        values.push(a.to_owned());
        for b in pieces {
            values.push(format!("{a}{b}"));
            for c in pieces {
                values.push(format!("{a}{b}{c}"));
            }
        }
    }
    // The transport trims a header's value: such a value cannot be sent as is.
    values.retain(|v| v.trim_matches([' ', '\t']) == v && !v.is_empty());
    values.sort();
    values.dedup();

    let mut counts = std::collections::BTreeMap::new();
    for value in &values {
        let valid = schemas
            .validate(&Value::String(value.clone()), index)
            .is_ok();
        let res = app
            .req("PATCH", &url)
            .merge_patch(&json!({"name": ""}))
            .header("If-Match", value)
            .send();
        let names_version_1 = value == "*"
            || value
                .split(',')
                .any(|element| element.trim_matches([' ', '\t']) == "\"1\"");
        let expected = match (valid, names_version_1) {
            (true, true) => 422,
            _ => 412,
        };
        assert_eq!(res.status, expected, "If-Match: {value:?}: {}", res.text());
        *counts.entry(res.status).or_insert(0) += 1;
    }
    assert_eq!(app.get(&url).json()["version"], 1, "nothing was changed");
    println!("If-Match: {} values, by status {counts:?}", values.len());
}

#[test]
fn a_component_is_found_only_under_its_own_product() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let other = app.create("/products", json!({"name": "Other"}));
    app.get(&format!(
        "/api/v1/products/{}/components/{}",
        id(&other),
        id(&c.component)
    ))
    .problem(404);
    let missing = uuid::Uuid::now_v7();
    app.get(&format!("/api/v1/products/{missing}/components"))
        .problem(404);
    app.req("POST", &format!("/api/v1/products/{missing}/components"))
        .json(&json!({"resource_id": id(&c.resource), "visibility": "internal"}))
        .send()
        .problem(404);
}

#[test]
fn deleting_a_product_deletes_its_components() {
    let app = TestApp::spawn();
    let resource = app.create(
        "/resources",
        json!({"name": "R", "dimension": "partners_and_suppliers"}),
    );
    let product = app.create("/products", json!({"name": "P"}));
    let component = app.create(
        &format!("/products/{}/components", id(&product)),
        json!({"resource_id": id(&resource), "visibility": "internal"}),
    );
    assert_eq!(
        app.req("DELETE", &format!("/api/v1/products/{}", id(&product)))
            .send()
            .status,
        204
    );
    app.get(&format!(
        "/api/v1/products/{}/components/{}",
        id(&product),
        id(&component)
    ))
    .problem(404);
    // The resource is no longer used, so it can go too.
    assert_eq!(
        app.req("DELETE", &format!("/api/v1/resources/{}", id(&resource)))
            .send()
            .status,
        204
    );
}

#[test]
fn list_filters_follow_relations() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let lone = app.create("/products", json!({"name": "Lone"}));
    let services = app
        .get(&format!("/api/v1/services?product_id={}", id(&c.product)))
        .json();
    assert_eq!(services["items"].as_array().map(Vec::len), Some(1));
    let none = app
        .get(&format!("/api/v1/services?product_id={}", id(&lone)))
        .json();
    assert_eq!(none["items"], json!([]));
    let offerings = app
        .get(&format!(
            "/api/v1/offerings?consumer_group_id={}",
            id(&c.group)
        ))
        .json();
    assert_eq!(offerings["items"][0]["id"], c.offering["id"]);
    let customers = app
        .get(&format!(
            "/api/v1/customers?consumer_group_id={}",
            id(&c.group)
        ))
        .json();
    assert_eq!(customers["items"][0]["id"], c.customer["id"]);
    let agreements = app
        .get(&format!(
            "/api/v1/agreements?customer_id={}",
            id(&c.customer)
        ))
        .json();
    assert_eq!(agreements["items"][0]["id"], c.agreement["id"]);
    let internal = app
        .get(&format!(
            "/api/v1/products/{}/components?visibility=internal",
            id(&c.product)
        ))
        .json();
    assert_eq!(internal["items"], json!([]));
}

#[test]
fn pages_hold_the_default_of_fifty_and_at_most_five_hundred() {
    let app = TestApp::spawn();
    for n in 0..55 {
        app.create("/consumer-groups", json!({"name": format!("G{n}")}));
    }
    let page = app.get("/api/v1/consumer-groups").json();
    assert_eq!(page["items"].as_array().map(Vec::len), Some(50));
    assert!(page["next_cursor"].is_string());
    let all = app.get("/api/v1/consumer-groups?limit=500").json();
    assert_eq!(all["items"].as_array().map(Vec::len), Some(55));
    assert_eq!(all["next_cursor"], Value::Null);
    app.get("/api/v1/consumer-groups?limit=501").problem(400);
    app.get("/api/v1/consumer-groups?limit=0").problem(400);
}

#[test]
fn categories_form_a_tree_that_groups_offerings_and_services() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let hosting = app.create("/categories", json!({"name": "Hosting"}));
    let linux = app.create(
        "/categories",
        json!({"name": "Linux", "parent_id": id(&hosting),
               "offering_ids": [id(&c.offering)], "service_ids": [id(&c.service)]}),
    );
    assert_eq!(linux["offering_ids"], json!([id(&c.offering)]));
    let under = app.get(&format!("/api/v1/categories?parent_id={}", id(&hosting)));
    assert_eq!(under.json()["items"][0]["id"], linux["id"]);
    let grouping = app.get(&format!(
        "/api/v1/categories?offering_id={}",
        id(&c.offering)
    ));
    assert_eq!(grouping.json()["items"].as_array().map(Vec::len), Some(1));

    // Not under itself, nor under a category under it.
    for (category, parent) in [(&hosting, &hosting), (&hosting, &linux)] {
        let res = app
            .req("PATCH", &format!("/api/v1/categories/{}", id(category)))
            .merge_patch(&json!({"parent_id": id(parent)}))
            .if_match(1)
            .send();
        assert_eq!(res.invalid_fields(), ["parent_id"], "{}", res.text());
    }
    // Twenty deep at most, counting what moves with a category.
    let mut chain = vec![app.create("/categories", json!({"name": "Level 1"}))];
    for level in 2..=20 {
        let parent = id(chain.last().expect("a level"));
        chain.push(app.create(
            "/categories",
            json!({"name": format!("Level {level}"), "parent_id": parent}),
        ));
    }
    let res = app
        .req("POST", "/api/v1/categories")
        .json(&json!({"name": "Level 21", "parent_id": id(&chain[19])}))
        .send();
    assert_eq!(res.invalid_fields(), ["parent_id"], "{}", res.text());
    let res = app
        .req("PATCH", &format!("/api/v1/categories/{}", id(&hosting)))
        .merge_patch(&json!({"parent_id": id(&chain[18])}))
        .if_match(1)
        .send();
    assert_eq!(
        res.invalid_fields(),
        ["parent_id"],
        "Hosting and Linux under level 19 make 21: {}",
        res.text()
    );
    // Members and parents must exist.
    let res = app
        .req("POST", "/api/v1/categories")
        .json(&json!({"name": "X", "parent_id": uuid::Uuid::now_v7(),
                      "offering_ids": [uuid::Uuid::now_v7()]}))
        .send();
    let mut fields = res.invalid_fields();
    fields.sort();
    assert_eq!(fields, ["offering_ids[0]", "parent_id"], "{}", res.text());
    let res = app
        .req("POST", "/api/v1/categories")
        .json(&json!({"name": "X", "service_ids": [id(&c.service), id(&c.service)]}))
        .send();
    assert_eq!(res.invalid_fields(), ["service_ids[1]"], "{}", res.text());
    // What a category groups, or holds under it, cannot be deleted from
    // under it.
    for (path, uses) in [
        (format!("/api/v1/offerings/{}", id(&c.offering)), "category"),
        (format!("/api/v1/services/{}", id(&c.service)), "category"),
        (format!("/api/v1/categories/{}", id(&hosting)), "1 category"),
    ] {
        let res = app.req("DELETE", &path).send();
        assert_eq!(res.status, 409, "{path}: {}", res.text());
        assert!(res.text().contains(uses), "{path}: {}", res.text());
    }
    let res = app
        .req("DELETE", &format!("/api/v1/categories/{}", id(&linux)))
        .send();
    assert_eq!(res.status, 204, "{}", res.text());
    let res = app
        .req("DELETE", &format!("/api/v1/categories/{}", id(&hosting)))
        .send();
    assert_eq!(res.status, 204, "{}", res.text());
}

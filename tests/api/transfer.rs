//! Export and import: the catalogue as one document, imported all or
//! nothing, matched by id or external reference.

use serde_json::{json, Value};

use crate::helpers::{id, Catalogue, TestApp};

/// A catalogue of every kind, with references and tailoring.
fn rich(app: &TestApp) -> Catalogue {
    let c = Catalogue::build(app);
    app.req("PATCH", &format!("/api/v1/resources/{}", id(&c.resource)))
        .merge_patch(&json!({"external_refs": [{"system": "itop", "id": "r-1"}]}))
        .if_match(1)
        .send();
    let fee = app.create(
        "/prices",
        json!({"name": "Monthly fee", "price_type": "recurring", "recurring_period": "month",
               "price": {"amount": "90.00", "currency": "EUR"},
               "external_refs": [{"system": "servicenow", "id": "pr-1"}]}),
    );
    let res = app
        .req("PATCH", &format!("/api/v1/offerings/{}", id(&c.offering)))
        .merge_patch(&json!({"price_ids": [id(&fee)]}))
        .if_match(1)
        .send();
    assert_eq!(res.status, 200, "{}", res.text());
    app.create(
        "/overlays",
        json!({"consumer_group_id": id(&c.group), "offering_id": id(&c.offering),
               "name": "Tailored", "service_levels": [{"metric": "uptime", "target": "99"}],
               "prices": [{"price_id": id(&fee), "price": {"amount": "80.00", "currency": "EUR"}}]}),
    );
    app.create(
        &format!("/products/{}/components", id(&c.product)),
        json!({"resource_id": id(&c.resource), "visibility": "internal", "role": "spare",
               "external_refs": [{"system": "servicenow", "id": "cmp-2"}]}),
    );
    app.req("PATCH", &format!("/api/v1/services/{}", id(&c.service)))
        .merge_patch(&json!({"utility": {"outcomes": ["Up", "Fast"]}}))
        .if_match(1)
        .send();
    // The category under another was made first: its id is the smaller,
    // and an export still puts its parent before it.
    let linux = app.create(
        "/categories",
        json!({"name": "Linux", "offering_ids": [id(&c.offering)], "service_ids": [id(&c.service)],
               "external_refs": [{"system": "servicenow", "id": "cat-2"}]}),
    );
    let hosting = app.create("/categories", json!({"name": "Hosting"}));
    let res = app
        .req("PATCH", &format!("/api/v1/categories/{}", id(&linux)))
        .merge_patch(&json!({"parent_id": id(&hosting)}))
        .if_match(1)
        .send();
    assert_eq!(res.status, 200, "{}", res.text());
    c
}

fn export(app: &TestApp, query: &str) -> Value {
    let res = app.get(&format!("/api/v1/export{query}"));
    assert_eq!(res.status, 200, "{}", res.text());
    assert!(res
        .header("x-vitrine-feed-cursor")
        .is_some_and(|c| c.starts_with('f')));
    res.json()
}

fn import(app: &TestApp, document: &Value, dry_run: bool) -> crate::helpers::Response {
    let url = if dry_run {
        "/api/v1/import?dry_run=true"
    } else {
        "/api/v1/import"
    };
    app.req("POST", url).json(document).send()
}

/// The entities of `kind` in a document.
fn section<'a>(document: &'a mut Value, kind: &str) -> &'a mut Value {
    let sections = document["sections"].as_array_mut().expect("sections");
    let found = sections
        .iter_mut()
        .find(|s| s.get(kind).is_some())
        .unwrap_or_else(|| panic!("no section {kind}"));
    &mut found[kind]
}

/// The kinds of a document's sections, in order.
fn kinds_of(document: &Value) -> Vec<String> {
    document["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| {
            s.as_object()
                .and_then(|m| m.keys().next().cloned())
                .expect("one kind")
        })
        .collect()
}

fn total(counts: &Value) -> i64 {
    counts
        .as_object()
        .map(|m| m.values().filter_map(Value::as_i64).sum())
        .unwrap_or_default()
}

#[test]
fn an_export_imported_into_an_empty_vitrine_exports_identically() {
    let source = TestApp::spawn();
    rich(&source);
    let document = export(&source, "");
    assert_eq!(document["format"], "vitrine-export/1");
    let kinds = kinds_of(&document);
    assert_eq!(
        kinds,
        [
            "resources",
            "products",
            "components",
            "services",
            "consumer_groups",
            "prices",
            "offerings",
            "customers",
            "agreements",
            "overlays",
            "categories"
        ],
        "in dependency order"
    );
    let target = TestApp::spawn();
    let res = import(&target, &document, false);
    assert_eq!(res.status, 200, "{}", res.text());
    let summary = res.json();
    assert_eq!(summary["dry_run"], false);
    let entities: i64 = document["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .flat_map(|s| s.as_object().into_iter().flat_map(|m| m.values()))
        .map(|list| list.as_array().map_or(0, |a| a.len() as i64))
        .sum();
    assert_eq!(total(&summary["created"]), entities);
    assert_eq!(
        export(&target, ""),
        document,
        "the same document, ids, times and versions"
    );
    // Importing it again changes nothing.
    let again = import(&target, &document, false).json();
    assert_eq!(total(&again["unchanged"]), entities);
    assert_eq!(total(&again["created"]) + total(&again["updated"]), 0);
    assert_eq!(export(&target, ""), document);
    println!("transfer: {entities} entities exported, imported into an empty Vitrine, exported again identically");
}

#[test]
fn a_dry_run_says_what_it_would_do_and_writes_nothing() {
    let source = TestApp::spawn();
    rich(&source);
    let document = export(&source, "");
    let target = TestApp::spawn();
    let summary = import(&target, &document, true).json();
    assert_eq!(summary["dry_run"], true);
    assert_eq!(summary["created"]["offerings"], 1);
    assert_eq!(summary["created"]["components"], 2);
    let empty = export(&target, "");
    for section in empty["sections"].as_array().expect("sections") {
        for (kind, entities) in section.as_object().expect("a section") {
            assert_eq!(entities, &json!([]), "{kind} is empty");
        }
    }
    assert_eq!(target.get("/api/v1/changes").json()["items"], json!([]));
}

#[test]
fn a_document_with_one_bad_entity_writes_nothing_and_names_it() {
    let source = TestApp::spawn();
    rich(&source);
    let mut document = export(&source, "");
    section(&mut document, "offerings")[0]["name"] = json!(" ");
    let target = TestApp::spawn();
    let res = import(&target, &document, false);
    assert_eq!(res.invalid_fields(), ["sections[6].entities[0].name"]);
    let mut empty = export(&target, "");
    assert_eq!(
        section(&mut empty, "resources"),
        &json!([]),
        "nothing was written"
    );

    let mut document = export(&source, "");
    section(&mut document, "services")[0]["product_ids"] = json!([uuid::Uuid::now_v7()]);
    let res = import(&target, &document, false);
    assert_eq!(
        res.invalid_fields(),
        ["sections[3].entities[0].product_ids[0]"]
    );

    // Kinds out of order, an unknown kind, and a document that is not one.
    let resources = section(&mut document, "resources").clone();
    let products = section(&mut document, "products").clone();
    let bad = json!({"format": "vitrine-export/1", "sections": [
        {"products": products}, {"resources": resources}]});
    assert_eq!(
        import(&target, &bad, false).invalid_fields(),
        ["sections[1]"]
    );
    let bad = json!({"format": "vitrine-export/1", "sections": [{"widgets": []}]});
    assert_eq!(
        import(&target, &bad, false).invalid_fields(),
        ["sections[0]"]
    );
    let bad = json!({"format": "something else", "sections": []});
    assert_eq!(import(&target, &bad, false).invalid_fields(), ["format"]);
    let res = target
        .req("POST", "/api/v1/import")
        .body(
            b"{\"format\": \"vitrine-export/1\", \"sections\": [{\"resources\": [".to_vec(),
            "application/json",
        )
        .send();
    res.problem(422);
    assert_eq!(section(&mut export(&target, ""), "resources"), &json!([]));
}

#[test]
fn an_import_matches_entities_by_external_reference_and_follows_them() {
    let source = TestApp::spawn();
    let c = rich(&source);
    let document = export(&source, "");
    // The target has the resource already, under its own id, by reference.
    let target = TestApp::spawn();
    let mine = target.create(
        "/resources",
        json!({"name": "Our VM", "dimension": "information_and_technology",
               "external_refs": [{"system": "itop", "id": "r-1"}]}),
    );
    let summary = import(&target, &document, false).json();
    assert_eq!(summary["updated"]["resources"], 1, "{summary}");
    assert_eq!(summary["created"].get("resources"), None);
    let resources = target.get("/api/v1/resources").json();
    assert_eq!(
        resources["items"].as_array().map(Vec::len),
        Some(1),
        "no second resource"
    );
    assert_eq!(resources["items"][0]["id"], mine["id"]);
    assert_eq!(
        resources["items"][0]["name"], c.resource["name"],
        "replaced by the document's"
    );
    let components = target
        .get(&format!("/api/v1/products/{}/components", id(&c.product)))
        .json();
    for component in components["items"].as_array().expect("components") {
        assert_eq!(
            component["resource_id"], mine["id"],
            "the document's id, followed"
        );
    }
}

#[test]
fn an_export_may_be_filtered_by_kind_and_by_time_of_change() {
    let app = TestApp::spawn();
    let c = rich(&app);
    let products = export(&app, "?kinds=components,products");
    let kinds = kinds_of(&products);
    assert_eq!(kinds, ["products", "components"], "in dependency order");
    let since = chrono::Utc::now();
    std::thread::sleep(std::time::Duration::from_millis(20));
    app.req("PATCH", &format!("/api/v1/products/{}", id(&c.product)))
        .merge_patch(&json!({"owner": "Later"}))
        .if_match(1)
        .send();
    let changed = export(
        &app,
        &format!(
            "?changed_since={}",
            since
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
                .replace('+', "%2B")
        ),
    );
    let mut changed = changed;
    assert_eq!(
        section(&mut changed, "products").as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(section(&mut changed, "resources"), &json!([]));
    app.get("/api/v1/export?kinds=widgets").problem(400);
    let customer = app.key("customer", Some(&id(&c.customer)));
    app.req("GET", "/api/v1/export")
        .key(&customer)
        .send()
        .problem(403);
    app.req("POST", "/api/v1/import")
        .key(&app.key("viewer", None))
        .json(&products)
        .send()
        .problem(403);
}

#[test]
fn the_command_line_exports_and_imports_with_a_summary() {
    let source = TestApp::spawn();
    rich(&source);
    let dir = tempfile::tempdir().expect("a folder");
    let file = dir.path().join("catalogue.json");
    let run = |args: &[&str], url: &str| crate::helpers::command_line(url, args);
    let exported = run(&["export"], &source.db.url);
    assert!(
        exported.status.success(),
        "{}",
        String::from_utf8_lossy(&exported.stderr)
    );
    std::fs::write(&file, &exported.stdout).expect("the file");
    let document: Value = serde_json::from_slice(&exported.stdout).expect("a JSON document");
    assert_eq!(document, export(&source, ""));
    let target = TestApp::spawn();
    let path = file.display().to_string();
    let dry = run(&["import", &path, "--dry-run"], &target.db.url);
    let said = String::from_utf8_lossy(&dry.stderr).into_owned();
    assert!(
        dry.status.success() && said.contains("a dry run read"),
        "{said}"
    );
    assert_eq!(section(&mut export(&target, ""), "products"), &json!([]));
    let imported = run(&["import", &path], &target.db.url);
    let said = String::from_utf8_lossy(&imported.stderr).into_owned();
    assert!(
        imported.status.success() && said.contains("imported"),
        "{said}"
    );
    assert_eq!(export(&target, ""), document);
}

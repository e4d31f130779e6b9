//! The change feed: every committed change, in commit order, resumable by
//! cursor, with its actor; nothing for what was refused or rolled back.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value};

use crate::helpers::{create_at, id, send_raw, try_send, Server, TestApp, TestDb, ADMIN_KEY};

/// Reads the whole feed from `cursor`, `limit` events at a time; returns the
/// events and the cursor to resume from.
fn read_all(app: &TestApp, mut cursor: String, limit: u32) -> (Vec<Value>, String) {
    let mut events = Vec::new();
    loop {
        let url = if cursor.is_empty() {
            format!("/api/v1/changes?limit={limit}")
        } else {
            format!("/api/v1/changes?limit={limit}&after={cursor}")
        };
        let page = app.get(&url);
        assert_eq!(page.status, 200, "{url}: {}", page.text());
        let page = page.json();
        let items = page["items"].as_array().expect("items").clone();
        let next = page["next_cursor"].as_str().expect("a cursor").to_owned();
        if items.is_empty() {
            assert!(
                cursor.is_empty() || next == cursor,
                "an empty read keeps the cursor"
            );
            return (events, next);
        }
        events.extend(items);
        cursor = next;
    }
}

#[test]
fn the_feed_holds_each_committed_change_once_in_order_with_its_actor() {
    let app = TestApp::spawn();
    let editor = app.create("/api-keys", json!({"role": "editor", "name": "sync"}));
    let secret = editor["secret"].as_str().expect("a secret").to_owned();
    let (before, start) = read_all(&app, String::new(), 50);
    assert!(before.is_empty(), "keys are not in the feed: {before:?}");

    let product = app.create("/products", json!({"name": "P"}));
    let url = format!("/api/v1/products/{}", id(&product));
    let res = app
        .req("PATCH", &url)
        .key(&secret)
        .merge_patch(&json!({"owner": "Ops"}))
        .if_match(1)
        .send();
    assert_eq!(res.status, 200, "{}", res.text());
    // Refused writes leave no event.
    app.req("POST", "/api/v1/products")
        .json(&json!({"name": ""}))
        .send()
        .problem(422);
    app.req("PATCH", &url)
        .merge_patch(&json!({"owner": "X"}))
        .if_match(1)
        .send()
        .problem(412);
    let res = app.req("DELETE", &url).key(&secret).send();
    assert_eq!(res.status, 204);

    let (events, cursor) = read_all(&app, start.clone(), 1);
    let seen: Vec<(String, String, i64)> = events
        .iter()
        .map(|e| {
            (
                e["entity_type"].as_str().unwrap_or_default().to_owned(),
                e["kind"].as_str().unwrap_or_default().to_owned(),
                e["version"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("product".to_owned(), "created".to_owned(), 1),
            ("product".to_owned(), "updated".to_owned(), 2),
            ("product".to_owned(), "deleted".to_owned(), 2),
        ]
    );
    assert!(events.iter().all(|e| e["entity_id"] == product["id"]));
    // An update names the fields it changed; a creation and a deletion none.
    assert_eq!(events[0]["changed_fields"], json!([]));
    assert_eq!(events[1]["changed_fields"], json!(["owner"]));
    assert_eq!(events[2]["changed_fields"], json!([]));
    assert_eq!(events[0]["actor"], "admin_key");
    assert_eq!(events[0]["actor_key_id"], Value::Null);
    for e in &events[1..] {
        assert_eq!(e["actor"], "api_key");
        assert_eq!(e["actor_key_id"], editor["id"], "the key that made it");
    }
    // Read in pages of any size, the feed is the same; the cursor resumes.
    assert_eq!(read_all(&app, start, 500).0, events);
    let (more, same) = read_all(&app, cursor.clone(), 10);
    assert!(more.is_empty() && same == cursor);
    app.create("/consumer-groups", json!({"name": "Later"}));
    let (later, _) = read_all(&app, cursor, 10);
    assert_eq!(later.len(), 1, "only what committed since");
}

#[test]
fn a_cursor_that_is_not_this_feeds_is_a_400_and_customers_may_not_read_it() {
    let app = TestApp::spawn();
    app.create("/consumer-groups", json!({"name": "G"}));
    for bad in ["abc", "f", "f-1", "f99", "c2", "f1234567890123456789"] {
        app.get(&format!("/api/v1/changes?after={bad}"))
            .problem(400);
    }
    let customer = app.create("/customers", json!({"name": "C"}));
    let key = app.key("customer", Some(&id(&customer)));
    app.req("GET", "/api/v1/changes")
        .key(&key)
        .send()
        .problem(403);
    assert_eq!(
        app.req("GET", "/api/v1/changes")
            .key(&app.key("viewer", None))
            .send()
            .status,
        200
    );
}

#[test]
fn a_cursor_older_than_the_retention_answers_410() {
    let app = TestApp::spawn();
    for i in 0..3 {
        app.create("/consumer-groups", json!({"name": format!("G{i}")}));
    }
    let (events, _) = read_all(&app, String::new(), 50);
    assert_eq!(events.len(), 3);
    let url = app.db.url.clone();
    let config = vitrine::config::Config::from_lookup(|n| {
        (n == "VITRINE_DATABASE_URL").then(|| url.clone())
    })
    .expect("a configuration");
    let catalogue = vitrine::startup::open_catalogue(&config).expect("the catalogue");
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
    assert_eq!(
        catalogue.prune_changes(tomorrow).expect("pruned"),
        2,
        "all but the last"
    );
    let problem = app.get("/api/v1/changes?after=f0").problem(410);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("f2"),
        "{problem}"
    );
    let page = app.get("/api/v1/changes?after=f2").json();
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["items"][0]["entity_id"], events[2]["entity_id"]);
    // Numbering goes on after the last kept event.
    app.create("/consumer-groups", json!({"name": "G3"}));
    assert_eq!(
        app.get("/api/v1/changes?after=f3").json()["items"][0]["version"],
        1
    );
}

#[test]
fn the_feed_after_concurrent_writers_is_the_committed_writes_none_missing_or_repeated() {
    let app = TestApp::spawn_with(&[("VITRINE_WORKERS", "4"), ("VITRINE_DB_POOL_SIZE", "10")]);
    const WRITERS: usize = 8;
    const WRITES: usize = 125;
    let done = std::sync::atomic::AtomicBool::new(false);
    let (acknowledged, streamed) = std::thread::scope(|s| {
        // A reader follows the feed with its cursor while the writers write.
        let reader = s.spawn(|| {
            let mut cursor = "f0".to_owned();
            let mut streamed = Vec::new();
            loop {
                let finished = done.load(std::sync::atomic::Ordering::SeqCst);
                let (events, next) = read_all(&app, cursor, 37);
                streamed.extend(events);
                cursor = next;
                if finished {
                    return streamed;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        });
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let app = &app;
                s.spawn(move || {
                    let mut rng = crate::model::Rng::new(w as u64 + 1);
                    let mut mine: Vec<(String, i64)> = Vec::new();
                    let mut acknowledged: Vec<(String, String, i64)> = Vec::new();
                    for n in 0..WRITES {
                        let dice = rng.range(0, 9);
                        if mine.is_empty() || dice < 5 {
                            let res = app
                                .req("POST", "/api/v1/consumer-groups")
                                .json(&json!({"name": format!("W{w}.{n}")}))
                                .send();
                            assert_eq!(res.status, 201, "{}", res.text());
                            let created = res.json();
                            acknowledged.push((id(&created), "created".into(), 1));
                            mine.push((id(&created), 1));
                        } else if dice < 8 {
                            let i = rng.range(0, mine.len() - 1);
                            let (target, version) = mine[i].clone();
                            let res = app
                                .req("PATCH", &format!("/api/v1/consumer-groups/{target}"))
                                .merge_patch(&json!({"description": format!("n{n}")}))
                                .if_match(version)
                                .send();
                            assert_eq!(res.status, 200, "{}", res.text());
                            acknowledged.push((target.clone(), "updated".into(), version + 1));
                            mine[i].1 = version + 1;
                        } else {
                            let (target, version) = mine.swap_remove(rng.range(0, mine.len() - 1));
                            let res = app
                                .req("DELETE", &format!("/api/v1/consumer-groups/{target}"))
                                .send();
                            assert_eq!(res.status, 204, "{}", res.text());
                            acknowledged.push((target, "deleted".into(), version));
                        }
                    }
                    acknowledged
                })
            })
            .collect();
        let acknowledged: Vec<(String, String, i64)> = writers
            .into_iter()
            .flat_map(|w| w.join().expect("a writer"))
            .collect();
        done.store(true, std::sync::atomic::Ordering::SeqCst);
        (acknowledged, reader.join().expect("the reader"))
    });
    let key = |e: &Value| {
        (
            e["entity_id"].as_str().unwrap_or_default().to_owned(),
            e["kind"].as_str().unwrap_or_default().to_owned(),
            e["version"].as_i64().unwrap_or_default(),
        )
    };
    let streamed_keys: Vec<(String, String, i64)> = streamed.iter().map(key).collect();
    let unique: BTreeSet<&(String, String, i64)> = streamed_keys.iter().collect();
    assert_eq!(unique.len(), streamed_keys.len(), "no event twice");
    let expected: BTreeSet<&(String, String, i64)> = acknowledged.iter().collect();
    assert_eq!(
        unique, expected,
        "every acknowledged write, and nothing else"
    );
    // The order is the commit order: each entity's versions go up, and a
    // full read afterwards is the same sequence as the one followed live.
    let mut last: BTreeMap<&str, i64> = BTreeMap::new();
    for (entity, kind, version) in &streamed_keys {
        let previous = last.insert(entity, *version).unwrap_or(0);
        assert!(
            *version > previous || (kind == "deleted" && *version == previous),
            "{entity}: version {version} after {previous}"
        );
    }
    let (again, _) = read_all(&app, String::new(), 500);
    assert_eq!(again.iter().map(key).collect::<Vec<_>>(), streamed_keys);
    println!(
        "change feed: {} writes by {WRITERS} concurrent writers, {} events read live with a cursor, none missing, none repeated, in commit order",
        acknowledged.len(),
        streamed.len()
    );
}

/// The `customer_view` events after `cursor` (their customer ids, in
/// order), and the cursor after the last event read.
fn view_events(addr: &str, cursor: &str) -> (Vec<String>, String) {
    let mut cursor = cursor.to_owned();
    let mut customers = Vec::new();
    loop {
        let path = format!("/api/v1/changes?limit=500&after={cursor}");
        let (status, page) = try_send(addr, "GET", &path, None).expect("the feed");
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().expect("events").clone();
        for e in &items {
            if e["entity_type"] == "customer_view" {
                assert_eq!(e["kind"], "changed", "{e}");
                assert_eq!(e["actor"], "system", "{e}");
                customers.push(e["entity_id"].as_str().expect("a customer").to_owned());
            }
        }
        cursor = page["next_cursor"].as_str().expect("a cursor").to_owned();
        if items.is_empty() {
            return (customers, cursor);
        }
    }
}

/// Waits until the `customer_view` events after `cursor` name `expected`
/// (as a set), then returns them in order with the cursor after them.
fn wait_for_views(addr: &str, cursor: &str, expected: &[&String]) -> (Vec<String>, String) {
    let expected: BTreeSet<&str> = expected.iter().map(|s| s.as_str()).collect();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (customers, next) = view_events(addr, cursor);
        let got: BTreeSet<&str> = customers.iter().map(String::as_str).collect();
        if expected.is_subset(&got) {
            return (customers, next);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "view events {got:?}, expected {expected:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn a_view_changing_edit_tells_exactly_the_customers_whose_view_changed() {
    let db = TestDb::new();
    let server = Server::start(&db.url, &[]);
    let addr = server.addr.as_str();
    let post = |path: &str, body: Value| create_at(addr, path, &body);
    let patch = |path: &str, body: Value| {
        let (status, _, patched) = send_raw(
            addr,
            "PATCH",
            path,
            &[
                ("Authorization", &format!("Bearer {ADMIN_KEY}")),
                ("If-Match", "*"),
            ],
            Some(&body),
        )
        .expect("an answer");
        assert_eq!(status, 200, "{path}: {patched}");
    };
    let resource = post(
        "/api/v1/resources",
        json!({"name": "VM", "dimension": "information_and_technology"}),
    );
    let product = post("/api/v1/products", json!({"name": "Server"}));
    let components = format!("/api/v1/products/{}/components", id(&product));
    let internal = post(
        &components,
        json!({"resource_id": id(&resource), "visibility": "internal", "role": "hypervisor"}),
    );
    post(
        &components,
        json!({"resource_id": id(&resource), "visibility": "customer", "customer_label": "A server"}),
    );
    let service = post(
        "/api/v1/services",
        json!({"name": "Hosting", "product_ids": [id(&product)], "portfolio_stage": "catalogue"}),
    );
    let g1 = post("/api/v1/consumer-groups", json!({"name": "G1"}));
    let g2 = post("/api/v1/consumer-groups", json!({"name": "G2"}));
    let offering = |name: &str, group: &Value| {
        post(
            "/api/v1/offerings",
            json!({"name": name, "service_ids": [id(&service)],
                "consumer_group_ids": [id(group)], "status": "active"}),
        )
    };
    let (o1, o2) = (offering("Gold", &g1), offering("Silver", &g2));
    let customer = |name: &str, groups: Vec<&Value>| {
        let ids: Vec<String> = groups.into_iter().map(id).collect();
        id(&post(
            "/api/v1/customers",
            json!({"name": name, "consumer_group_ids": ids}),
        ))
    };
    let a = customer("A", vec![&g1]);
    let b = customer("B", vec![&g1]);
    let c = customer("C", vec![&g2]);
    let d = customer("D", vec![]);

    // Each customer's view is first seen once it exists.
    let (first, cursor) = wait_for_views(addr, "f0", &[&a, &b, &c, &d]);
    assert_eq!(first.len(), 4, "{first:?}");

    // An offering of G1 renamed: A and B see it, C and D do not.
    patch(
        &format!("/api/v1/offerings/{}", id(&o1)),
        json!({"name": "Gold+"}),
    );
    let (renamed, cursor) = wait_for_views(addr, &cursor, &[&a, &b]);
    let renamed: BTreeSet<String> = renamed.into_iter().collect();
    assert_eq!(renamed, BTreeSet::from([a.clone(), b.clone()]));

    // An internal component changed: no customer sees it, so none is told.
    // Then G2's offering renamed: C alone; nothing in between.
    patch(
        &format!("{components}/{}", id(&internal)),
        json!({"role": "storage", "quantity": 3}),
    );
    patch(
        &format!("/api/v1/offerings/{}", id(&o2)),
        json!({"name": "Silver+"}),
    );
    let (after, _) = wait_for_views(addr, &cursor, &[&c]);
    assert_eq!(after, vec![c.clone()], "the internal change told no one");
    println!(
        "view events: 4 first seen, 2 of 4 after a G1 rename, 0 after an internal change, 1 after a G2 rename"
    );
}

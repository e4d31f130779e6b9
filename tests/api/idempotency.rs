//! `Idempotency-Key` on POST: a retry replays the first answer and creates
//! nothing; another request under the same key is refused.

use diesel::prelude::*;
use serde_json::json;
use vitrine::store::schema::idempotency_keys;
use vitrine::store::ConnectionManager;

use crate::helpers::{id, Catalogue, TestApp};

fn count(app: &TestApp, collection: &str) -> usize {
    app.get(&format!("/api/v1/{collection}?limit=500")).json()["items"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn a_retry_with_the_same_key_replays_the_first_answer_and_creates_nothing() {
    let app = TestApp::spawn();
    let body = json!({"name": "Public sector"});
    let first = app
        .req("POST", "/api/v1/consumer-groups")
        .header("Idempotency-Key", "7f1e2d3c-retry-1")
        .json(&body)
        .send();
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.header("idempotent-replayed"), None);
    for _ in 0..3 {
        let again = app
            .req("POST", "/api/v1/consumer-groups")
            .header("Idempotency-Key", "7f1e2d3c-retry-1")
            .json(&body)
            .send();
        assert_eq!(again.status, 201);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.json(), first.json(), "the same body");
        assert_eq!(again.header("location"), first.header("location"));
        assert_eq!(again.header("etag"), first.header("etag"));
        assert_eq!(again.header("content-type"), Some("application/json"));
    }
    assert_eq!(count(&app, "consumer-groups"), 1);
    let feed = app.get("/api/v1/changes").json();
    assert_eq!(
        feed["items"].as_array().map(Vec::len),
        Some(1),
        "one change"
    );

    // Without a key, each POST creates.
    app.create("/consumer-groups", body.clone());
    assert_eq!(count(&app, "consumer-groups"), 2);
}

#[test]
fn the_same_key_with_another_request_is_a_422_and_writes_nothing() {
    let app = TestApp::spawn();
    let send = |path: &str, name: &str| {
        app.req("POST", path)
            .header("Idempotency-Key", "key-1")
            .json(&json!({"name": name}))
            .send()
    };
    assert_eq!(send("/api/v1/consumer-groups", "A").status, 201);
    let refused = send("/api/v1/consumer-groups", "B");
    let problem = refused.problem(422);
    assert_eq!(
        problem["errors"][0]["field"], "Idempotency-Key",
        "{problem}"
    );
    let refused = send("/api/v1/products", "A");
    assert_eq!(
        refused.invalid_fields(),
        ["Idempotency-Key"],
        "another path"
    );
    assert_eq!(count(&app, "consumer-groups"), 1);
    assert_eq!(count(&app, "products"), 0);
    for bad in ["two words", &"k".repeat(256), "caf\u{e9}"] {
        app.req("POST", "/api/v1/consumer-groups")
            .header("Idempotency-Key", bad)
            .json(&json!({"name": "C"}))
            .send()
            .problem(400);
    }
    assert_eq!(count(&app, "consumer-groups"), 1);
}

#[test]
fn keys_belong_to_the_api_key_that_sent_them() {
    let app = TestApp::spawn();
    let other = app.key("editor", None);
    let body = json!({"name": "G"});
    let mine = app
        .req("POST", "/api/v1/consumer-groups")
        .header("Idempotency-Key", "shared")
        .json(&body)
        .send();
    let theirs = app
        .req("POST", "/api/v1/consumer-groups")
        .key(&other)
        .header("Idempotency-Key", "shared")
        .json(&body)
        .send();
    assert_eq!((mine.status, theirs.status), (201, 201));
    assert_ne!(id(&mine.json()), id(&theirs.json()));
    assert_eq!(theirs.header("idempotent-replayed"), None);
}

#[test]
fn concurrent_retries_with_one_key_create_one_entity_and_all_get_its_answer() {
    let app = TestApp::spawn_with(&[("VITRINE_WORKERS", "4"), ("VITRINE_DB_POOL_SIZE", "10")]);
    let c = Catalogue::build(&app);
    let path = format!("/api/v1/products/{}/components", id(&c.product));
    let body = json!({"resource_id": id(&c.resource), "visibility": "internal", "quantity": 3});
    let answers: Vec<(u16, String)> = std::thread::scope(|s| {
        let senders: Vec<_> = (0..10)
            .map(|_| {
                s.spawn(|| {
                    let res = app
                        .req("POST", &path)
                        .header("Idempotency-Key", "burst")
                        .json(&body)
                        .send();
                    (res.status, id(&res.json()))
                })
            })
            .collect();
        senders
            .into_iter()
            .map(|h| h.join().expect("a sender"))
            .collect()
    });
    let ids: std::collections::BTreeSet<&String> = answers.iter().map(|(_, i)| i).collect();
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    assert_eq!(
        ids.len(),
        1,
        "one component, named by every answer: {answers:?}"
    );
    let listed = app.get(&format!("{path}?limit=500")).json();
    assert_eq!(
        listed["items"].as_array().map(Vec::len),
        Some(2),
        "the catalogue's own and one more"
    );
}

#[test]
fn a_replayed_key_create_names_the_key_but_never_shows_its_secret_again() {
    let app = TestApp::spawn();
    let body = json!({"role": "viewer", "name": "sync"});
    let first = app
        .req("POST", "/api/v1/api-keys")
        .header("Idempotency-Key", "new-key")
        .json(&body)
        .send();
    assert_eq!(first.status, 201);
    let created = first.json();
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    let again = app
        .req("POST", "/api/v1/api-keys")
        .header("Idempotency-Key", "new-key")
        .json(&body)
        .send();
    let problem = again.problem(409);
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains(&id(&created)));
    assert!(
        !again.text().contains(&secret[40..]),
        "the secret is not shown again"
    );
    assert_eq!(
        again.header("location"),
        Some(format!("/api/v1/api-keys/{}", id(&created)).as_str())
    );
    assert_eq!(count(&app, "api-keys"), 1);
}

#[test]
fn an_expired_key_creates_again() {
    let app = TestApp::spawn();
    let send = || {
        app.req("POST", "/api/v1/consumer-groups")
            .header("Idempotency-Key", "old")
            .json(&json!({"name": "G"}))
            .send()
    };
    let first = send();
    assert_eq!(send().header("idempotent-replayed"), Some("true"));
    let mut conn = ConnectionManager::new(&app.db.url)
        .connect()
        .expect("a connection");
    let past = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .expect("a time");
    diesel::update(idempotency_keys::table)
        .set(idempotency_keys::expires_at.eq(past))
        .execute(&mut conn)
        .expect("expire the key");
    let later = send();
    assert_eq!(later.status, 201);
    assert_eq!(later.header("idempotent-replayed"), None);
    assert_ne!(id(&later.json()), id(&first.json()));
    assert_eq!(count(&app, "consumer-groups"), 2);
}

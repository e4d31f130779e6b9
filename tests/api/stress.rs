//! Racing writers, pool exhaustion, hostile input and crashes: the claims a
//! catalogue that other tools synchronise with must keep.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use serde_json::{json, Value};
use vitrine::store::{Backend, ConnectionManager};

use crate::helpers::{id, send_raw, try_send, Catalogue, Server, TestApp};

#[test]
fn fifty_concurrent_patches_with_one_etag_make_exactly_one_winner() {
    let app = TestApp::spawn_with(&[("VITRINE_WORKERS", "4"), ("VITRINE_DB_POOL_SIZE", "8")]);
    let product = app.create("/products", json!({"name": "Contended"}));
    let url = format!("/api/v1/products/{}", id(&product));
    let outcomes: Vec<(u16, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..50)
            .map(|i| {
                let (app, url) = (&app, &url);
                s.spawn(move || {
                    let name = format!("Writer {i}");
                    let res = app
                        .req("PATCH", url)
                        .merge_patch(&json!({"name": name, "owner": name}))
                        .if_match(1)
                        .send();
                    (res.status, name)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a writer"))
            .collect()
    });
    let winners: Vec<&String> = outcomes
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, n)| n)
        .collect();
    let stale = outcomes.iter().filter(|(s, _)| *s == 412).count();
    println!(
        "racing writers: {} × 200, {stale} × 412 of 50 PATCHes with one ETag",
        winners.len()
    );
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    assert_eq!(stale, 49, "{outcomes:?}");
    let stored = app.get(&url).json();
    assert_eq!(
        stored["name"],
        winners[0].as_str(),
        "the stored product is the winner's patch"
    );
    assert_eq!(stored["owner"], winners[0].as_str());
    assert_eq!(stored["version"], 2);
}

#[test]
fn concurrent_component_creates_and_link_changes_lose_nothing_and_duplicate_nothing() {
    let app = TestApp::spawn_with(&[("VITRINE_WORKERS", "4"), ("VITRINE_DB_POOL_SIZE", "8")]);
    let c = Catalogue::build(&app);
    let products: Vec<String> = (0..10)
        .map(|i| id(&app.create("/products", json!({"name": format!("P{i}")}))))
        .collect();
    let base = format!("/api/v1/products/{}/components", id(&c.product));
    let service_url = format!("/api/v1/services/{}", id(&c.service));
    let (created, links): (Vec<String>, Vec<(u16, Vec<String>)>) = std::thread::scope(|s| {
        let creators: Vec<_> = (0..20)
            .map(|i| {
                let (app, base, resource) = (&app, &base, id(&c.resource));
                s.spawn(move || {
                    let res = app.req("POST", base)
                        .json(&json!({"resource_id": resource, "visibility": "internal", "role": format!("part {i}")}))
                        .send();
                    assert_eq!(res.status, 201, "{}", res.text());
                    id(&res.json())
                })
            })
            .collect();
        // Link changes race too: each reads the service, then swaps its products.
        let linkers: Vec<_> = (0..10)
            .map(|i| {
                let (app, url, products) = (&app, &service_url, &products);
                s.spawn(move || {
                    let current = app.get(url).json();
                    let wanted = vec![
                        products[i].clone(),
                        products[(i + 1) % products.len()].clone(),
                    ];
                    let res = app
                        .req("PATCH", url)
                        .merge_patch(&json!({"product_ids": wanted}))
                        .if_match(current["version"].as_i64().expect("a version"))
                        .send();
                    (res.status, wanted)
                })
            })
            .collect();
        (
            creators
                .into_iter()
                .map(|h| h.join().expect("a creator"))
                .collect(),
            linkers
                .into_iter()
                .map(|h| h.join().expect("a linker"))
                .collect(),
        )
    });
    let listed = app.get(&format!("{base}?limit=500")).json();
    let listed: Vec<String> = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(id)
        .collect();
    let unique: BTreeSet<&String> = listed.iter().collect();
    assert_eq!(unique.len(), listed.len(), "no component twice");
    for component in &created {
        assert!(
            listed.contains(component),
            "component {component} was acknowledged, then lost"
        );
    }
    assert_eq!(
        listed.len(),
        created.len() + 1,
        "the 20 new ones and the catalogue's own"
    );
    // The service's links are exactly those of the last successful patch.
    assert!(
        links.iter().all(|(s, _)| *s == 200 || *s == 412),
        "{links:?}"
    );
    let stored = app.get(&service_url).json();
    let mut stored_links: Vec<String> = stored["product_ids"]
        .as_array()
        .expect("ids")
        .iter()
        .map(|v| v.as_str().expect("an id").to_owned())
        .collect();
    stored_links.sort();
    let won: Vec<Vec<String>> = links
        .iter()
        .filter(|(s, _)| *s == 200)
        .map(|(_, w)| {
            let mut w = w.clone();
            w.sort();
            w
        })
        .collect();
    assert!(!won.is_empty());
    assert!(
        won.contains(&stored_links),
        "the stored links {stored_links:?} are one winner's, whole"
    );
    assert_eq!(
        stored["version"].as_i64(),
        Some(1 + won.len() as i64),
        "each success made one version"
    );
    println!("racing links: {} of 10 link changes won, {} refused as stale; 20 components created, none lost", won.len(), 10 - won.len());
}

/// Takes the database's write lock from outside the service, until dropped.
struct WriteLock(vitrine::store::DbConnection);

impl WriteLock {
    fn take(app: &TestApp) -> WriteLock {
        let mut conn = ConnectionManager::new(&app.db.url)
            .connect()
            .expect("a connection");
        match Backend::of_url(&app.db.url) {
            Backend::Sqlite => conn.batch_execute("BEGIN IMMEDIATE"),
            Backend::Postgres => {
                conn.batch_execute("BEGIN; LOCK TABLE consumer_groups IN ACCESS EXCLUSIVE MODE")
            }
        }
        .expect("take the lock");
        WriteLock(conn)
    }
}

impl Drop for WriteLock {
    fn drop(&mut self) {
        let _ = self.0.batch_execute("ROLLBACK");
    }
}

#[test]
fn with_every_connection_busy_a_request_gets_503_with_retry_after_fast() {
    let app = TestApp::spawn_with(&[
        ("VITRINE_WORKERS", "2"),
        ("VITRINE_DB_POOL_SIZE", "1"),
        ("VITRINE_DB_ACQUIRE_TIMEOUT_MS", "300"),
    ]);
    let lock = WriteLock::take(&app);
    std::thread::scope(|s| {
        // This write holds the only connection while it waits for the lock.
        let writer = s.spawn(|| {
            app.req("POST", "/api/v1/consumer-groups")
                .json(&json!({"name": "Patient"}))
                .send()
        });
        // Once the writer holds the connection (on a loaded machine it may
        // take a while to get there), a read finds none free. The read is
        // of a table the lock leaves alone: before the writer takes the
        // connection, it is answered at once.
        let (res, waited) = (0..50)
            .find_map(|_| {
                std::thread::sleep(Duration::from_millis(100));
                let started = Instant::now();
                let res = app.get("/api/v1/resources");
                (res.status != 200).then(|| (res, started.elapsed()))
            })
            .expect("the writer took the only connection");
        let problem = res.problem(503);
        assert_eq!(res.header("retry-after"), Some("1"));
        assert!(problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("busy"));
        assert!(waited < Duration::from_secs(2), "answered after {waited:?}");
        println!(
            "pool exhaustion: 503 with Retry-After after {} ms",
            waited.as_millis()
        );
        drop(lock);
        let mut written = writer.join().expect("the writer");
        if written.status == 503 {
            // The server's own start-up work (pruning, the first comparison
            // of the views) took the only connection and waited for the lock
            // before the write could: the write was refused as busy, wrote
            // nothing, and goes through when sent again.
            written.problem(503);
            assert_eq!(count(&app, "consumer-groups"), 0, "a refused write wrote");
            written = app
                .req("POST", "/api/v1/consumer-groups")
                .json(&json!({"name": "Patient"}))
                .send();
        }
        assert_eq!(
            written.status,
            201,
            "the waiting write goes through once the lock is gone: {}",
            written.text()
        );
    });
    assert_eq!(count(&app, "consumer-groups"), 1);
    assert_eq!(app.get("/api/v1/consumer-groups").status, 200);
}

fn count(app: &TestApp, collection: &str) -> usize {
    app.get(&format!("/api/v1/{collection}?limit=500")).json()["items"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn hostile_bodies_are_refused_with_problems_and_write_nothing() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let path = format!("/api/v1/products/{}/components", id(&c.product));
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let deep_object = format!(
        "{{\"name\": {}1{}}}",
        "{\"a\": ".repeat(5_000),
        "}".repeat(5_000)
    );
    let bodies: Vec<(Vec<u8>, u16)> = vec![
        (deep.into_bytes(), 400),
        (deep_object.into_bytes(), 400),
        (json!({"resource_id": id(&c.resource), "visibility": "internal", "quantity": 1e30}).to_string().into_bytes(), 422),
        (json!({"resource_id": id(&c.resource), "visibility": "internal", "quantity": -5}).to_string().into_bytes(), 422),
        (json!({"resource_id": id(&c.resource), "visibility": "internal", "quantity": 2_147_483_648u64}).to_string().into_bytes(), 422),
        (json!({"resource_id": id(&c.resource), "visibility": "internal", "role": "r".repeat(201)}).to_string().into_bytes(), 422),
        (json!({"resource_id": id(&c.resource), "visibility": "customer", "customer_label": "\u{0}\u{202e}".repeat(300)}).to_string().into_bytes(), 422),
        (b"{\"resource_id\": \"\xc3\x28\", \"visibility\": \"internal\"}".to_vec(), 400),
        (json!({"resource_id": id(&c.resource), "visibility": "internal", "product_id": id(&c.product)}).to_string().into_bytes(), 422),
    ];
    for (body, status) in bodies {
        let preview = String::from_utf8_lossy(&body[..body.len().min(60)]).to_string();
        let res = app.req("POST", &path).body(body, "application/json").send();
        assert_eq!(res.status, status, "{preview}: {}", res.text());
        res.problem(status);
        assert_eq!(
            app.get("/health/live").status,
            200,
            "the server is still up after {preview}"
        );
    }
    let services = json!({"name": "S", "portfolio_stage": "pipeline",
        "product_ids": (0..1000).map(|_| uuid::Uuid::now_v7().to_string()).collect::<Vec<_>>()});
    assert!(app
        .req("POST", "/api/v1/services")
        .json(&services)
        .send()
        .invalid_fields()
        .contains(&"product_ids".to_owned()));
    let overlay = json!({"consumer_group_id": id(&c.group), "offering_id": id(&c.offering), "priority": 1u64 << 40});
    assert_eq!(
        app.req("POST", "/api/v1/overlays")
            .json(&overlay)
            .send()
            .invalid_fields(),
        ["priority"]
    );
    assert_eq!(
        count(&app, &format!("products/{}/components", id(&c.product))),
        1,
        "nothing was written"
    );
    assert_eq!(count(&app, "services"), 1);
    assert_eq!(count(&app, "overlays"), 0);
}

#[test]
fn nul_characters_and_dates_no_database_stores_are_refused() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let res = app
        .req("POST", "/api/v1/resources")
        .json(&json!({"name": "a\u{0}b", "dimension": "partners_and_suppliers"}))
        .send();
    assert_eq!(res.invalid_fields(), ["name"]);
    let res = app
        .req("POST", "/api/v1/consumer-groups")
        .json(&json!({"name": "G", "description": {"x\u{0}": 1}}))
        .send();
    assert_eq!(res.invalid_fields(), ["description.x\u{0}"]);
    app.get("/api/v1/customers?name=a%00b").problem(400);
    for (field, date) in [("valid_from", "-5000-01-01"), ("valid_to", "+10000-01-01")] {
        let body = json!({"name": "O", "service_ids": [id(&c.service)], field: date});
        let res = app.req("POST", "/api/v1/offerings").json(&body).send();
        assert!(res.status == 422, "{date}: {}", res.text());
    }
    let body = json!({"customer_id": id(&c.customer), "offering_id": id(&c.offering), "starts_on": "0000-01-01", "ends_on": "9999-12-31"});
    assert_eq!(
        app.req("POST", "/api/v1/agreements")
            .json(&body)
            .send()
            .status,
        201,
        "the years 0000 to 9999 are fine"
    );
    assert_eq!(count(&app, "resources"), 1);
    assert_eq!(count(&app, "consumer-groups"), 1);
}

#[test]
fn injected_headers_in_ids_are_refused_and_never_echoed() {
    let app = TestApp::spawn();
    for path in [
        "/api/v1/products/abc%0d%0aX-Injected:%20yes",
        "/api/v1/products/%0aSet-Cookie:%20a=b",
        "/api/v1/products?name=x%0d%0aX-Injected:%20yes&cursor=%0d%0a",
    ] {
        let res = app.get(path);
        assert!(
            [200, 400, 404].contains(&res.status),
            "{path}: {}",
            res.status
        );
        assert!(
            res.header("x-injected").is_none() && res.header("set-cookie").is_none(),
            "{path}"
        );
    }
    app.get("/api/v1/products/abc%0d%0aX-Injected:%20yes")
        .problem(404);
    let res = app.get("/api/v1/products?name=x%0d%0aX-Injected:%20yes");
    assert_eq!(
        res.status, 200,
        "a name with a line break is just a name that matches nothing"
    );
    assert_eq!(res.json()["items"], json!([]));
}

#[test]
fn a_slow_client_is_cut_off_in_bounded_time_and_the_server_stays_up() {
    // Long enough that a loaded machine still reads a prompt client's head
    // within it: the last request below must not be cut off as well.
    let app = TestApp::spawn_with(&[("VITRINE_REQUEST_TIMEOUT_MS", "1500")]);
    let mut slow = TcpStream::connect(app.addr).expect("connect");
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("a read timeout");
    slow.write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
        .expect("half a head");
    let started = Instant::now();
    let mut answer = Vec::new();
    let _ = slow.read_to_end(&mut answer);
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1000) && waited < Duration::from_secs(6),
        "the slow client was held {waited:?}"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    println!("slow client: cut off after {} ms", waited.as_millis());
    assert_eq!(app.get("/health/ready").status, 200);
}

#[test]
fn every_acknowledged_write_survives_kill_9() {
    let db = crate::helpers::TestDb::new();
    // On SQLite, a file on disk: the test is about what a commit survives.
    let dir = tempfile::tempdir().expect("a folder");
    let url = match Backend::of_url(&db.url) {
        Backend::Postgres => db.url.clone(),
        Backend::Sqlite => dir.path().join("crash.db").display().to_string(),
    };
    let mut rng = crate::model::Rng::new(7);
    let mut server = Server::start(&url, &[]);
    let mut addr = server.addr.clone();
    let setup = |addr: &str, path: &str, body: Value| {
        try_send(addr, "POST", path, Some(&body)).expect("setup").1
    };
    let product = setup(&addr, "/api/v1/products", json!({"name": "P"}));
    let service = setup(
        &addr,
        "/api/v1/services",
        json!({"name": "S", "product_ids": [id(&product)], "portfolio_stage": "catalogue"}),
    );
    let group = setup(&addr, "/api/v1/consumer-groups", json!({"name": "G"}));
    // What each acknowledged write left: the offering as last answered, or
    // none once a delete was acknowledged. A write that got no answer may or
    // may not have happened: its offering is set aside, uncertain.
    let mut acknowledged: BTreeMap<String, Option<Value>> = BTreeMap::new();
    let mut uncertain: BTreeSet<String> = BTreeSet::new();
    let (mut creates, mut patches, mut deletes) = (0, 0, 0);
    let bearer = format!("Bearer {}", crate::helpers::ADMIN_KEY);
    for round in 0..10 {
        // The kill comes after a few acknowledged writes (however slow the
        // machine is), then at a random moment.
        let delay = Duration::from_millis(rng.range(0, 600) as u64);
        let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (stop, done) = std::sync::mpsc::channel::<()>();
        let killer = {
            let pid = server.child.id();
            let answered = answered.clone();
            std::thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(60);
                while answered.load(std::sync::atomic::Ordering::SeqCst) < 8
                    && Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_millis(10));
                }
                std::thread::sleep(delay);
                // SIGKILL, in the middle of whatever the server is doing.
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status();
                let _ = stop.send(());
            })
        };
        let mut n = 0;
        loop {
            let live: Vec<(String, Value)> = acknowledged
                .iter()
                .filter_map(|(k, v)| v.clone().map(|v| (k.clone(), v)))
                .collect();
            let dice = rng.range(0, 99);
            let outcome = if live.len() < 5 || dice < 60 {
                let body = json!({"name": format!("Offering {round}.{n}"), "service_ids": [id(&service)],
                    "consumer_group_ids": [id(&group)], "description": format!("{n}.00 EUR"),
                    "elements": [{"kind": "goods", "name": format!("E{n}")}, {"kind": "service_action", "name": "Call"}],
                    "service_levels": [{"metric": "availability", "target": "99", "unit": "percent"}]});
                match try_send(&addr, "POST", "/api/v1/offerings", Some(&body)) {
                    Some((201, created)) => {
                        creates += 1;
                        acknowledged.insert(id(&created), Some(created));
                        Some(())
                    }
                    Some((status, body)) => panic!("round {round}: create {status} {body}"),
                    None => None,
                }
            } else {
                let (target, current) = &live[rng.range(0, live.len() - 1)];
                let url = format!("/api/v1/offerings/{target}");
                let tag = format!("\"{}\"", current["version"]);
                let headers = [
                    ("Authorization", bearer.as_str()),
                    ("If-Match", tag.as_str()),
                ];
                if dice < 85 {
                    let patch = json!({"name": format!("Patched {round}.{n}"),
                        "elements": [{"kind": "access_to_resources", "name": format!("A{n}")}]});
                    match send_raw(&addr, "PATCH", &url, &headers, Some(&patch)) {
                        Some((200, _, patched)) => {
                            patches += 1;
                            acknowledged.insert(target.clone(), Some(patched));
                            Some(())
                        }
                        Some((status, _, body)) => panic!("round {round}: patch {status} {body}"),
                        None => {
                            uncertain.insert(target.clone());
                            acknowledged.remove(target);
                            None
                        }
                    }
                } else {
                    match send_raw(&addr, "DELETE", &url, &headers, None) {
                        Some((204, _, _)) => {
                            deletes += 1;
                            acknowledged.insert(target.clone(), None);
                            Some(())
                        }
                        Some((status, _, body)) => panic!("round {round}: delete {status} {body}"),
                        None => {
                            uncertain.insert(target.clone());
                            acknowledged.remove(target);
                            None
                        }
                    }
                }
            };
            if outcome.is_some() {
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            } else if done.try_recv().is_ok() {
                break;
            }
            n += 1;
        }
        killer.join().expect("the killer");
        let _ = server.child.wait();
        server = Server::start(&url, &[]);
        addr = server.addr.clone();
    }
    let mut checked = 0;
    for (offering, expected) in &acknowledged {
        let (status, stored) =
            try_send(&addr, "GET", &format!("/api/v1/offerings/{offering}"), None).expect("a read");
        match expected {
            Some(expected) => {
                assert_eq!(status, 200, "acknowledged offering {offering} was lost");
                assert_eq!(
                    &stored, expected,
                    "offering {offering} is not as last acknowledged"
                );
            }
            None => assert_eq!(status, 404, "deleted offering {offering} came back"),
        }
        checked += 1;
    }
    drop(server);
    println!(
        "crash safety: 10 × kill -9 during {creates} creates, {patches} patches and {deletes} deletes; \
         {checked} offerings checked against their last acknowledged write, 0 lost; {} left aside as unanswered",
        uncertain.len()
    );
    assert!(checked >= 50, "too few writes to mean anything: {checked}");
    assert!(
        patches >= 10 && deletes >= 5,
        "{patches} patches, {deletes} deletes"
    );
}

/// What one stalled client saw: the status of the answer (0 when the
/// connection ended without one) and how long after its head it came.
type Stalled = (u16, Duration);

/// Opens `n` connections at once, each sending a POST that declares a body
/// of `declared` bytes, then `sent` bytes of it, then nothing more.
fn stall_bodies(addr: &str, key: &str, n: usize, declared: usize, sent: usize) -> Vec<Stalled> {
    let chunk = vec![b'x'; 16 * 1024];
    std::thread::scope(|s| {
        let clients: Vec<_> = (0..n)
            .map(|_| {
                let chunk = &chunk;
                s.spawn(move || {
                    let Ok(mut stream) = TcpStream::connect(addr) else {
                        return (0, Duration::ZERO);
                    };
                    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
                    let head = format!(
                        "POST /api/v1/consumer-groups HTTP/1.1\r\nHost: {addr}\r\n\
                         Authorization: Bearer {key}\r\nContent-Type: application/json\r\n\
                         Content-Length: {declared}\r\n\r\n"
                    );
                    let started = Instant::now();
                    if stream.write_all(head.as_bytes()).is_err() {
                        return (0, started.elapsed());
                    }
                    let mut left = sent;
                    while left > 0 {
                        let n = left.min(chunk.len());
                        if stream.write_all(&chunk[..n]).is_err() {
                            break;
                        }
                        left -= n;
                    }
                    let mut answer = [0u8; 12];
                    let status = match stream.read_exact(&mut answer) {
                        Ok(()) => std::str::from_utf8(&answer[9..12])
                            .ok()
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(0),
                        Err(_) => 0,
                    };
                    (status, started.elapsed())
                })
            })
            .collect();
        clients
            .into_iter()
            .map(|c| c.join().expect("a client"))
            .collect()
    })
}

fn tally(outcomes: &[Stalled]) -> BTreeMap<u16, usize> {
    let mut counts = BTreeMap::new();
    for (status, _) in outcomes {
        *counts.entry(*status).or_insert(0) += 1;
    }
    counts
}

#[test]
fn stalled_bodies_from_a_key_that_may_not_write_get_403_at_once_in_bounded_memory() {
    let db = crate::helpers::TestDb::new();
    // A body timeout far longer than the test: a 403 here cannot be a cut.
    // A low file limit: connections held open would starve the server.
    let server =
        Server::start_limited(&db.url, &[("VITRINE_BODY_TIMEOUT_MS", "600000")], Some(512));
    let addr = server.addr.clone();
    let (_, customer) = try_send(
        &addr,
        "POST",
        "/api/v1/customers",
        Some(&json!({"name": "C"})),
    )
    .expect("a customer");
    let (_, key) = try_send(
        &addr,
        "POST",
        "/api/v1/api-keys",
        Some(&json!({"role": "customer", "customer_id": id(&customer)})),
    )
    .expect("a customer key");
    let key = key["secret"].as_str().expect("a secret").to_owned();
    let (rss_before, _) = server.rss_kib();
    let started = Instant::now();
    let mut outcomes = Vec::new();
    // Four waves of 250 at once: more than half the file limit each.
    for _ in 0..4 {
        outcomes.extend(stall_bodies(&addr, &key, 250, 262_000, 250 * 1024));
        let (status, _) = try_send(&addr, "GET", "/health/live", None).expect("the server answers");
        assert_eq!(status, 200, "the server still answers between waves");
    }
    let took = started.elapsed();
    let (_, peak) = server.rss_kib();
    let slowest = outcomes.iter().map(|(_, t)| *t).max().unwrap_or_default();
    println!(
        "stalled bodies, customer key: 1000 connections (4 × 250 at once, file limit 512), {:?} in {} ms, \
         slowest answer {} ms; RSS {} MiB before, peak {} MiB",
        tally(&outcomes),
        took.as_millis(),
        slowest.as_millis(),
        rss_before / 1024,
        peak / 1024
    );
    assert_eq!(
        tally(&outcomes).get(&403),
        Some(&1000),
        "{:?}",
        tally(&outcomes)
    );
    assert!(slowest < Duration::from_secs(5), "{slowest:?}");
    // The HTTP layer buffers up to some hundreds of KiB of each connection it
    // holds; 250 held at once stay far below this, whatever they send.
    assert!(peak < PEAK_RSS_MIB * 1024, "peak RSS {} MiB", peak / 1024);
}

/// The peak memory the server may reach with the stalled clients of these
/// tests: 300 connections at once at the most.
const PEAK_RSS_MIB: u64 = 192;

#[test]
fn stalled_bodies_from_a_writer_are_cut_in_bounded_time_and_memory() {
    let db = crate::helpers::TestDb::new();
    let server = Server::start(
        &db.url,
        &[
            ("VITRINE_BODY_TIMEOUT_MS", "1000"),
            ("VITRINE_MAX_BODIES_IN_FLIGHT", "32"),
        ],
    );
    let addr = server.addr.clone();
    let (rss_before, _) = server.rss_kib();
    let started = Instant::now();
    let outcomes = stall_bodies(&addr, crate::helpers::ADMIN_KEY, 300, 262_000, 250 * 1024);
    let took = started.elapsed();
    let (_, peak) = server.rss_kib();
    let slowest = outcomes.iter().map(|(_, t)| *t).max().unwrap_or_default();
    let counts = tally(&outcomes);
    println!(
        "stalled bodies, writer key: 300 connections at once, {counts:?} in {} ms, slowest answer {} ms \
         (body timeout 1000 ms, 32 bodies in flight); RSS {} MiB before, peak {} MiB",
        took.as_millis(),
        slowest.as_millis(),
        rss_before / 1024,
        peak / 1024
    );
    // Each is cut: 408 when its body was being read (32 at once), 503 when
    // no more could be read; none is left hanging.
    assert_eq!(
        counts.get(&408).unwrap_or(&0) + counts.get(&503).unwrap_or(&0),
        300,
        "{counts:?}"
    );
    assert!(counts.get(&408).is_some_and(|n| *n >= 32), "{counts:?}");
    assert!(slowest < Duration::from_secs(4), "{slowest:?}");
    assert!(peak < PEAK_RSS_MIB * 1024, "peak RSS {} MiB", peak / 1024);
    let (status, _) = try_send(
        &addr,
        "POST",
        "/api/v1/consumer-groups",
        Some(&json!({"name": "After"})),
    )
    .expect("the server answers");
    assert_eq!(status, 201, "a whole body is still taken");
    let (status, groups) =
        try_send(&addr, "GET", "/api/v1/consumer-groups", None).expect("the server answers");
    assert_eq!(status, 200);
    assert_eq!(
        groups["items"].as_array().map(Vec::len),
        Some(1),
        "no cut body was written"
    );
}

#[test]
fn ten_concurrent_patches_with_if_match_star_all_apply_in_turn() {
    let app = TestApp::spawn_with(&[("VITRINE_WORKERS", "4"), ("VITRINE_DB_POOL_SIZE", "10")]);
    let product = app.create("/products", json!({"name": "Contended"}));
    let url = format!("/api/v1/products/{}", id(&product));
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let writers: Vec<_> = (0..10)
            .map(|i| {
                let (app, url) = (&app, &url);
                s.spawn(move || {
                    app.req("PATCH", url)
                        .merge_patch(&json!({"owner": format!("Writer {i}")}))
                        .header("If-Match", "*")
                        .send()
                        .status
                })
            })
            .collect();
        writers
            .into_iter()
            .map(|w| w.join().expect("a writer"))
            .collect()
    });
    println!("racing writers with If-Match *: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(
        app.get(&url).json()["version"],
        11,
        "each change made one version"
    );
}

#[test]
fn ten_concurrent_unconditional_deletes_make_one_204_and_nine_404s() {
    let app = TestApp::spawn_with(&[("VITRINE_WORKERS", "4"), ("VITRINE_DB_POOL_SIZE", "10")]);
    let c = Catalogue::build(&app);
    for (url, what) in [
        (
            format!("/api/v1/agreements/{}", id(&c.agreement)),
            "agreement",
        ),
        (
            format!(
                "/api/v1/products/{}/components/{}",
                id(&c.product),
                id(&c.component)
            ),
            "component",
        ),
        (
            format!(
                "/api/v1/api-keys/{}",
                id(&app.create("/api-keys", json!({"role": "viewer"})))
            ),
            "api key",
        ),
    ] {
        let mut statuses: Vec<u16> = std::thread::scope(|s| {
            let deleters: Vec<_> = (0..10)
                .map(|_| {
                    let (app, url) = (&app, &url);
                    s.spawn(move || app.req("DELETE", url).send().status)
                })
                .collect();
            deleters
                .into_iter()
                .map(|d| d.join().expect("a deleter"))
                .collect()
        });
        statuses.sort();
        println!("racing deletes of one {what}: {statuses:?}");
        assert_eq!(
            statuses,
            [204, 404, 404, 404, 404, 404, 404, 404, 404, 404],
            "{what}"
        );
        assert_eq!(app.get(&url).status, 404);
    }
}

#[test]
fn a_statement_blocked_by_a_lock_is_given_up_after_the_statement_timeout() {
    let app = TestApp::spawn_with(&[("VITRINE_DB_STATEMENT_TIMEOUT_MS", "500")]);
    let lock = WriteLock::take(&app);
    let started = Instant::now();
    let res = app
        .req("POST", "/api/v1/consumer-groups")
        .json(&json!({"name": "Blocked"}))
        .send();
    let waited = started.elapsed();
    res.problem(503);
    assert_eq!(res.header("retry-after"), Some("1"));
    println!(
        "statement timeout: a write blocked by a lock answered 503 after {} ms (timeout 500 ms)",
        waited.as_millis()
    );
    assert!(waited < Duration::from_secs(3), "answered after {waited:?}");
    drop(lock);
    let res = app
        .req("POST", "/api/v1/consumer-groups")
        .json(&json!({"name": "Free"}))
        .send();
    assert_eq!(res.status, 201, "{}", res.text());
    assert_eq!(
        count(&app, "consumer-groups"),
        1,
        "the blocked write wrote nothing"
    );
}

#[test]
fn connections_that_lost_their_server_session_are_replaced_without_failing_a_request() {
    let app = TestApp::spawn_with(&[("VITRINE_DB_POOL_SIZE", "4")]);
    if Backend::of_url(&app.db.url) != Backend::Postgres {
        println!("dead connections: PostgreSQL only (an SQLite file has no server to lose)");
        return;
    }
    let catalogue = Catalogue::build(&app);
    let customer_key = app.key("customer", Some(&id(&catalogue.customer)));
    let view = format!("/api/v1/customers/{}/view", id(&catalogue.customer));
    let product = format!("/api/v1/products/{}", id(&catalogue.product));
    let database = app
        .db
        .url
        .rsplit('/')
        .next()
        .and_then(|name| name.split('?').next())
        .expect("a database name")
        .to_owned();
    let mut admin = ConnectionManager::new(&app.db.url)
        .connect()
        .expect("a connection");
    for round in 0..3 {
        // Fill the pool, then end every session of the service, as a
        // restart or a failover of the server would.
        for _ in 0..4 {
            assert_eq!(app.get(&product).status, 200);
        }
        admin
            .batch_execute(&format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{database}' AND pid <> pg_backend_pid()"
            ))
            .expect("end the sessions");
        for i in 0..8 {
            let res = match i % 3 {
                0 => app.get(&product),
                1 => app.req("GET", &view).key(&customer_key).send(),
                _ => app
                    .req("POST", "/api/v1/consumer-groups")
                    .json(&json!({"name": format!("After {round}.{i}")}))
                    .send(),
            };
            assert!(
                res.status == 200 || res.status == 201,
                "round {round}, request {i}: {} {}",
                res.status,
                res.text()
            );
        }
    }
}

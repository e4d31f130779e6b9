//! Two replicas on one database, as two processes: started at the same
//! moment on an empty database, they migrate it once; what is written
//! through either is read through both; a version made stale through one is
//! refused by the other; the change feed is the same through either; and
//! each webhook event is delivered once, by one of them.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vitrine::store::{Backend, ConnectionManager};

use crate::helpers::{create_at, id, send_raw, Server, TestDb, ADMIN_KEY};
use crate::webhooks::{db_url, feed, Receiver, LOOPBACK};

/// How many migrations start-up must apply on an empty database.
fn migrations(backend: Backend) -> usize {
    let folder = match backend {
        Backend::Postgres => "postgres",
        Backend::Sqlite => "sqlite",
    };
    std::fs::read_dir(format!(
        "{}/migrations/{folder}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("the migrations")
    .filter(|e| e.as_ref().is_ok_and(|e| e.path().is_dir()))
    .count()
}

/// What a server said it applied at start-up, from its JSON log.
fn applied(server: &Server) -> usize {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let said = server
            .log_lines()
            .iter()
            .filter(|line| line.contains("store ready"))
            .find_map(|line| {
                let value: Value = serde_json::from_str(line).ok()?;
                value["fields"]["migrations_applied"]
                    .as_u64()
                    .or_else(|| value["migrations_applied"].as_u64())
            });
        if let Some(n) = said {
            return n as usize;
        }
        assert!(
            Instant::now() < deadline,
            "no start-up line: {:?}",
            server.log_lines()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn get(addr: &str, path: &str) -> (u16, String, Value) {
    let auth = format!("Bearer {ADMIN_KEY}");
    send_raw(addr, "GET", path, &[("Authorization", &auth)], None).expect("an answer")
}

fn etag(head: &str) -> String {
    head.lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("etag")
                .then(|| value.trim().to_owned())
        })
        .expect("an ETag")
}

#[test]
fn two_replicas_started_together_on_an_empty_database_serve_one_catalogue() {
    let db = TestDb::empty();
    let dir = tempfile::tempdir().expect("a folder");
    let url = db_url(&db, &dir);
    let backend = Backend::of_url(&url);
    let mut env = LOOPBACK.to_vec();
    env.extend([("RUST_LOG", "info"), ("VITRINE_LOG_FORMAT", "json")]);

    // Both at the same moment: one migrates, the other waits its turn and
    // finds nothing left to do; neither fails.
    let mut a = Server::spawn(&url, &env, None);
    let mut b = Server::spawn(&url, &env, None);
    a.wait_until_accepting();
    b.wait_until_accepting();
    let total = migrations(backend);
    let (by_a, by_b) = (applied(&a), applied(&b));
    assert_eq!(
        (by_a + by_b, by_a.min(by_b)),
        (total, 0),
        "migrations applied by each"
    );
    let mut conn = ConnectionManager::new(&url)
        .connect()
        .expect("a connection");
    use diesel::prelude::*;
    let recorded: i64 = diesel::sql_query("SELECT count(*) AS n FROM __diesel_schema_migrations")
        .get_result::<Count>(&mut conn)
        .expect("the migrations' record")
        .n;
    assert_eq!(recorded as usize, total);

    let receiver = Receiver::start(0, Duration::ZERO);
    receiver.subscribe_at(&a.addr, json!({}));

    // Writes through both, each read back through the other.
    let replicas = [&a.addr, &b.addr];
    let mut written = Vec::new();
    for i in 0..20 {
        let (by, other) = (replicas[i % 2], replicas[(i + 1) % 2]);
        let created = create_at(
            by,
            "/api/v1/resources",
            &json!({"name": format!("R{i}"), "dimension": "value_streams_and_processes"}),
        );
        let (status, _, read) = get(other, &format!("/api/v1/resources/{}", id(&created)));
        assert_eq!(
            (status, &read),
            (200, &created),
            "written through one, read through the other"
        );
        written.push(created);
    }

    // A version read through A, made stale through B: A refuses it.
    let path = format!("/api/v1/resources/{}", id(&written[0]));
    let (_, head, _) = get(&a.addr, &path);
    let seen = etag(&head);
    let patch = |addr: &str, if_match: &str, owner: &str| {
        let auth = format!("Bearer {ADMIN_KEY}");
        send_raw(
            addr,
            "PATCH",
            &path,
            &[("Authorization", &auth), ("If-Match", if_match)],
            Some(&json!({"owner": owner})),
        )
        .expect("an answer")
    };
    let (status, _, body) = patch(&b.addr, &seen, "Team B");
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = patch(&a.addr, &seen, "Team A");
    assert_eq!(
        status, 412,
        "a stale version through the other replica: {body}"
    );
    let (_, _, now) = get(&a.addr, &path);
    assert_eq!(now["owner"], "Team B");

    // One feed, whichever replica reads it.
    let through_a = feed(&a.addr);
    assert_eq!(through_a, feed(&b.addr));
    assert_eq!(through_a.len(), 21, "20 creations and one patch");

    // Each event delivered once, by one replica or the other.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let delivered = receiver.received.lock().expect("the record").requests.len();
        if delivered >= through_a.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{delivered} of {} events delivered",
            through_a.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    // Time for a second delivery, were one to come.
    std::thread::sleep(Duration::from_millis(1500));
    let received = receiver.received.lock().expect("the record");
    let mut times: BTreeMap<&str, usize> = BTreeMap::new();
    for (event, verified, status) in &received.requests {
        assert!(
            *verified && *status == 200,
            "{event}: verified {verified}, answered {status}"
        );
        *times.entry(event.as_str()).or_default() += 1;
    }
    let expected: BTreeMap<&str, usize> = through_a.iter().map(|(e, _)| (e.as_str(), 1)).collect();
    assert_eq!(times, expected, "each event delivered once");
    println!(
        "replicas: {total} migrations applied once ({by_a} by one, {by_b} by the other); \
         20 writes through both read back through the other; a stale version refused; \
         one feed of {} events; each delivered once",
        through_a.len()
    );
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

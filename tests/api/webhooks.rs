//! Webhooks: subscriptions, where they may deliver, and deliveries that a
//! receiver verifies, in order, at least once, across a kill -9.

use std::collections::{BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use vitrine::store::Backend;

use crate::helpers::{create_at, id, send_raw, try_send, Server, TestApp, TestDb, ADMIN_KEY};

#[test]
fn subscriptions_refuse_private_link_local_and_metadata_urls_and_show_their_secret_once() {
    let app = TestApp::spawn();
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/hook",
        "http://127.0.0.1:9/hook",
        "http://[::1]:9/hook",
        "http://[::ffff:10.0.0.1]/hook",
        "http://localhost:9/hook",
    ] {
        let res = app
            .req("POST", "/api/v1/webhooks")
            .json(&json!({"url": url}))
            .send();
        let problem = res.problem(422);
        assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
    }
    for (body, field) in [
        (json!({"url": "ftp://example.com/"}), "url"),
        (json!({"url": "https://u:p@example.com/"}), "url"),
        (
            json!({"url": "https://example.com/", "entity_types": ["api_key"]}),
            "entity_types[0]",
        ),
        (
            json!({"url": "https://example.com/", "kinds": ["created", "created"]}),
            "kinds[1]",
        ),
    ] {
        let problem = app
            .req("POST", "/api/v1/webhooks")
            .json(&body)
            .send()
            .problem(422);
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
    }
    assert_eq!(
        app.get("/api/v1/webhooks").json()["items"],
        json!([]),
        "a refused subscription leaves nothing"
    );

    // A name that does not resolve here is accepted, and checked again at
    // each delivery.
    let res = app
        .req("POST", "/api/v1/webhooks")
        .json(&json!({"url": "https://hooks.portal.invalid/vitrine", "entity_types": ["customer_view"]}))
        .send();
    assert_eq!(res.status, 201, "{}", res.text());
    let created = res.json();
    let secret = created["secret"].as_str().expect("a secret");
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    assert_eq!(created["status"], "active");
    let url = format!("/api/v1/webhooks/{}", id(&created));
    let read = app.get(&url).json();
    assert!(read.get("secret").is_none(), "{read}");
    assert!(!app.get("/api/v1/webhooks").text().contains(secret));

    // Paused by hand, resumed by hand; the URL is checked on a change too.
    let paused = app
        .req("PATCH", &url)
        .if_match(1)
        .merge_patch(&json!({"status": "paused"}))
        .send();
    assert_eq!(paused.status, 200, "{}", paused.text());
    assert_eq!(paused.json()["status"], "paused");
    app.req("PATCH", &url)
        .if_match(2)
        .merge_patch(&json!({"url": "http://169.254.169.254/"}))
        .send()
        .problem(422);
    assert_eq!(
        app.get(&format!("{url}/deliveries")).json()["items"],
        json!([])
    );

    // Webhooks are the admin's, as keys are.
    let editor = app.key("editor", None);
    for (method, path) in [("GET", "/api/v1/webhooks"), ("GET", url.as_str())] {
        app.req(method, path).key(&editor).send().problem(403);
    }
    app.req("POST", "/api/v1/webhooks")
        .key(&editor)
        .json(&json!({"url": "https://example.com/"}))
        .send()
        .problem(403);

    // Subscriptions are not catalogue changes: the feed does not carry them.
    let feed = app.get("/api/v1/changes?limit=500").json();
    assert!(
        feed["items"]
            .as_array()
            .expect("events")
            .iter()
            .all(|e| e["entity_type"] != "webhook"),
        "{feed}"
    );
    app.req("DELETE", &url).send();
    app.get(&url).problem(404);
}

/// What a receiver got: each request's event id and whether its signature
/// verified, in the order received, and what it answered.
#[derive(Default)]
pub(crate) struct Received {
    pub(crate) requests: Vec<(String, bool, u16)>,
    /// Each request's body, in the order received.
    pub(crate) bodies: Vec<Value>,
}

/// A webhook receiver on loopback: verifies every signature with `secret`
/// (set once the subscription exists), and answers 500 to the first
/// attempt at every `fail_every`th event, 200 otherwise.
pub(crate) struct Receiver {
    addr: String,
    pub(crate) secret: Arc<Mutex<String>>,
    pub(crate) received: Arc<Mutex<Received>>,
    refuse_all: Arc<Mutex<bool>>,
}

impl Receiver {
    pub(crate) fn start(fail_every: usize, delay: Duration) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
        let addr = listener.local_addr().expect("an address").to_string();
        let secret = Arc::new(Mutex::new(String::new()));
        let received = Arc::new(Mutex::new(Received::default()));
        let refuse_all = Arc::new(Mutex::new(false));
        let (s, r, f) = (secret.clone(), received.clone(), refuse_all.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let (s, r, f) = (s.clone(), r.clone(), f.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &s, &r, &f, fail_every, delay);
                });
            }
        });
        Receiver {
            addr,
            secret,
            received,
            refuse_all,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Subscribes it at `addr` with `filters` (entity types, kinds), and
    /// keeps the subscription's secret to verify what comes; the
    /// subscription's id.
    pub(crate) fn subscribe_at(&self, addr: &str, filters: Value) -> String {
        let mut body = filters;
        body["url"] = json!(self.url());
        let (webhook, secret) = subscribe(addr, body);
        *self.secret.lock().expect("the secret") = secret;
        webhook
    }

    /// The events it took (answered 200), in the order they came.
    pub(crate) fn delivered(&self) -> Vec<String> {
        let received = self.received.lock().expect("the record");
        received
            .requests
            .iter()
            .filter(|r| r.2 == 200)
            .map(|r| r.0.clone())
            .collect()
    }
}

/// Each event once, where it was first seen.
fn first_seen(events: &[String]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    events
        .iter()
        .filter(|e| seen.insert(e.as_str()))
        .cloned()
        .collect()
}

fn verify(secret: &str, timestamp: &str, body: &[u8], signature: &str) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("a key");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    signature == format!("v1={expected}")
}

/// Serves the requests of one connection.
fn serve(
    stream: TcpStream,
    secret: &Mutex<String>,
    received: &Mutex<Received>,
    refuse_all: &Mutex<bool>,
    fail_every: usize,
    delay: Duration,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut headers = HashMap::new();
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|l| l.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let header = |name: &str| headers.get(name).cloned().unwrap_or_default();
        let verified = verify(
            &secret.lock().expect("the secret"),
            &header("x-vitrine-timestamp"),
            &body,
            &header("x-vitrine-signature"),
        );
        let event: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        // The change feed's events name themselves `id`; TMF events `eventId`.
        let event_id = event["id"]
            .as_str()
            .or_else(|| event["eventId"].as_str())
            .unwrap_or_default()
            .to_owned();
        assert_eq!(header("x-vitrine-event-id"), event_id);
        std::thread::sleep(delay);
        let status = {
            let mut received = received.lock().expect("the record");
            let distinct: BTreeSet<&String> = received.requests.iter().map(|r| &r.0).collect();
            let seen_before = distinct.contains(&event_id);
            let nth = distinct.len() + usize::from(!seen_before);
            let status = if *refuse_all.lock().expect("the switch")
                || (fail_every > 0 && nth.is_multiple_of(fail_every) && !seen_before)
            {
                500
            } else {
                200
            };
            received.requests.push((event_id, verified, status));
            received.bodies.push(event);
            status
        };
        writer.write_all(format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n").as_bytes())?;
    }
}

/// Every event of the feed, in order: (event id, entity id).
pub(crate) fn feed(addr: &str) -> Vec<(String, String)> {
    let mut events = Vec::new();
    let mut path = "/api/v1/changes?limit=500".to_owned();
    loop {
        let (status, page) = try_send(addr, "GET", &path, None).expect("the feed");
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().expect("events").clone();
        for e in &items {
            events.push((
                e["id"].as_str().expect("an id").to_owned(),
                e["entity_id"].as_str().expect("an entity").to_owned(),
            ));
        }
        if items.is_empty() {
            return events;
        }
        path = format!(
            "/api/v1/changes?limit=500&after={}",
            page["next_cursor"].as_str().expect("a cursor")
        );
    }
}

pub(crate) fn db_url(db: &TestDb, dir: &tempfile::TempDir) -> String {
    match Backend::of_url(&db.url) {
        Backend::Postgres => db.url.clone(),
        Backend::Sqlite => dir.path().join("webhooks.db").display().to_string(),
    }
}

pub(crate) const LOOPBACK: [(&str, &str); 3] = [
    ("VITRINE_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8"),
    ("VITRINE_WEBHOOK_TIMEOUT_MS", "2000"),
    ("VITRINE_WEBHOOK_RETRY_BASE_MS", "50"),
];

fn subscribe(addr: &str, body: Value) -> (String, String) {
    let created = create_at(addr, "/api/v1/webhooks", &body);
    (
        id(&created),
        created["secret"].as_str().expect("a secret").to_owned(),
    )
}

#[test]
fn a_receiver_gets_every_event_signed_in_order_and_again_after_a_kill_9() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().expect("a folder");
    let url = db_url(&db, &dir);
    // A slow receiver, so that the kill lands while deliveries are under
    // way; it refuses the first attempt at every fifth event.
    let receiver = Receiver::start(5, Duration::from_millis(15));
    let filtered = Receiver::start(0, Duration::ZERO);
    let mut server = Server::start(&url, &LOOPBACK);
    let webhook = receiver.subscribe_at(&server.addr, json!({}));
    filtered.subscribe_at(
        &server.addr,
        json!({"entity_types": ["resource"], "kinds": ["created"]}),
    );

    let mut resources = Vec::new();
    for i in 0..60 {
        if i == 30 {
            // SIGKILL while the receiver works through the backlog.
            let _ = std::process::Command::new("kill")
                .args(["-9", &server.child.id().to_string()])
                .status();
            let _ = server.child.wait();
            server = Server::start(&url, &LOOPBACK);
        }
        let created = create_at(
            &server.addr,
            "/api/v1/resources",
            &json!({"name": format!("R{i}"), "dimension": "partners_and_suppliers"}),
        );
        resources.push(created.clone());
        if i % 3 == 0 {
            let path = format!("/api/v1/resources/{}", id(&created));
            let (status, _, body) = send_raw(
                &server.addr,
                "PATCH",
                &path,
                &[
                    ("Authorization", &format!("Bearer {ADMIN_KEY}")),
                    ("If-Match", "\"1\""),
                ],
                Some(&json!({"description": format!("patched {i}")})),
            )
            .expect("an answer");
            assert_eq!(status, 200, "{body}");
        }
    }
    let feed = feed(&server.addr);
    assert_eq!(feed.len(), 60 + 20);

    let deadline = Instant::now() + Duration::from_secs(90);
    let delivered = loop {
        let delivered = receiver.delivered();
        let distinct: BTreeSet<&String> = delivered.iter().collect();
        if distinct.len() >= feed.len() {
            break delivered;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} events delivered",
            distinct.len(),
            feed.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let received = receiver.received.lock().expect("the record");
    assert!(
        received.requests.iter().all(|r| r.1),
        "every delivery verifies against the secret"
    );
    // Each event once at least, the first deliveries in feed order; what
    // comes again comes after the kill, repeated from the last position
    // that was recorded.
    let expected: Vec<String> = feed.iter().map(|(e, _)| e.clone()).collect();
    assert_eq!(first_seen(&delivered), expected, "delivered in feed order");
    let retried = received.requests.iter().filter(|r| r.2 == 500).count();
    assert!(retried >= feed.len() / 5 - 1, "{retried}");
    println!(
        "webhooks: {} events, {} requests verified, {} repeated, {} refused then retried",
        feed.len(),
        received.requests.len(),
        delivered.len() - feed.len(),
        retried
    );
    drop(received);

    // Every attempt is on record, the refused ones with their status.
    let (status, page) = try_send(
        &server.addr,
        "GET",
        &format!("/api/v1/webhooks/{webhook}/deliveries?limit=500"),
        None,
    )
    .expect("the deliveries");
    assert_eq!(status, 200, "{page}");
    let attempts = page["items"].as_array().expect("attempts");
    assert!(
        attempts
            .iter()
            .any(|a| a["status_code"] == 500 && a["delivered"] == false && a["error"].is_string()),
        "{page}"
    );
    assert!(attempts.iter().any(|a| a["status_code"] == 200
        && a["delivered"] == true
        && a["attempt"].as_i64() > Some(1)));

    // The filtered subscription got the resources' creations, and only them.
    let wanted: BTreeSet<String> = resources.iter().map(id).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got: BTreeSet<String> = {
            let received = filtered.received.lock().expect("the record");
            received.requests.iter().map(|r| r.0.clone()).collect()
        };
        let wanted_events: BTreeSet<String> = feed
            .iter()
            .filter(|(_, entity)| wanted.contains(entity))
            .map(|(e, _)| e.clone())
            .collect();
        assert!(got.is_subset(&wanted_events), "only what it asked for");
        if got.len() == 60 {
            break;
        }
        assert!(Instant::now() < deadline, "{} of 60 creations", got.len());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_subscription_that_keeps_failing_is_paused_and_resumes_when_asked() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().expect("a folder");
    let url = db_url(&db, &dir);
    let receiver = Receiver::start(0, Duration::ZERO);
    *receiver.refuse_all.lock().expect("the switch") = true;
    let mut env = LOOPBACK.to_vec();
    env.push(("VITRINE_WEBHOOK_PAUSE_AFTER_SECS", "1"));
    let server = Server::start(&url, &env);
    let webhook = receiver.subscribe_at(&server.addr, json!({}));
    create_at(
        &server.addr,
        "/api/v1/consumer-groups",
        &json!({"name": "G"}),
    );
    let path = format!("/api/v1/webhooks/{webhook}");
    let deadline = Instant::now() + Duration::from_secs(30);
    let paused = loop {
        let (_, current) = try_send(&server.addr, "GET", &path, None).expect("the webhook");
        if current["status"] == "paused" {
            break current;
        }
        assert!(Instant::now() < deadline, "never paused: {current}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        paused["paused_reason"]
            .as_str()
            .is_some_and(|r| r.contains("500")),
        "{paused}"
    );
    assert!(paused["failing_since"].is_string(), "{paused}");
    let attempts = receiver.received.lock().expect("the record").requests.len();
    assert!(attempts >= 2, "retried before it was paused: {attempts}");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        receiver.received.lock().expect("the record").requests.len(),
        attempts,
        "a paused subscription is not retried"
    );

    // Resumed, it delivers the event that waited.
    *receiver.refuse_all.lock().expect("the switch") = false;
    let version = paused["version"].to_string();
    let (status, _, resumed) = send_raw(
        &server.addr,
        "PATCH",
        &path,
        &[
            ("Authorization", &format!("Bearer {ADMIN_KEY}")),
            ("If-Match", &format!("\"{version}\"")),
        ],
        Some(&json!({"status": "active"})),
    )
    .expect("an answer");
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["failing_since"], Value::Null);
    assert_eq!(resumed["paused_reason"], Value::Null);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !receiver
        .received
        .lock()
        .expect("the record")
        .requests
        .iter()
        .any(|r| r.2 == 200 && r.1)
    {
        assert!(Instant::now() < deadline, "not delivered after the resume");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// On SIGTERM the worker finishes the attempt under way and hands its
/// subscription back: a replica started next delivers the rest at once,
/// without waiting for the lease to run out, and no event is missed.
#[test]
fn on_sigterm_the_worker_hands_back_its_subscription_and_the_next_replica_goes_on_at_once() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().expect("a folder");
    let url = db_url(&db, &dir);
    // A slow receiver, so that deliveries are under way at the signal. The
    // lease is twice the timeout and two seconds: 22 s.
    let receiver = Receiver::start(0, Duration::from_millis(200));
    let env = [
        ("VITRINE_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8"),
        ("VITRINE_WEBHOOK_TIMEOUT_MS", "10000"),
    ];
    let mut server = Server::start(&url, &env);
    receiver.subscribe_at(&server.addr, json!({}));
    for i in 0..30 {
        create_at(
            &server.addr,
            "/api/v1/resources",
            &json!({"name": format!("R{i}"), "dimension": "partners_and_suppliers"}),
        );
    }
    let feed = feed(&server.addr);
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.delivered().len() < 3 {
        assert!(Instant::now() < deadline, "no delivery began");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exited = server.child.wait().expect("an exit");
    assert!(exited.success(), "{exited}");
    let before = receiver.delivered().len();
    assert!(
        before < feed.len(),
        "every event was delivered before the signal"
    );

    let restarted = Instant::now();
    let server = Server::start(&url, &env);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut resumed_after = None;
    loop {
        let now = receiver.delivered();
        if resumed_after.is_none() && now.len() > before {
            resumed_after = Some(restarted.elapsed());
        }
        if now.iter().collect::<BTreeSet<_>>().len() >= feed.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} events delivered",
            now.len(),
            feed.len()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let resumed_after = resumed_after.expect("a delivery after the restart");
    println!(
        "SIGTERM mid-delivery: {before} of {} events delivered before it; the next replica \
         went on after {} ms (the lease: 22 s)",
        feed.len(),
        resumed_after.as_millis()
    );
    assert!(resumed_after < Duration::from_secs(10), "{resumed_after:?}");
    let expected: Vec<String> = feed.iter().map(|(e, _)| e.clone()).collect();
    assert_eq!(
        first_seen(&receiver.delivered()),
        expected,
        "delivered in feed order"
    );
    drop(server);
}

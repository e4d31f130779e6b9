//! `/metrics`: served on its own address only, in the Prometheus text
//! format, and its counters move by what was done.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{create_at, id, send_raw, try_send, Server, TestDb};
use crate::webhooks::{db_url, Receiver, LOOPBACK};

/// Every sample of a scrape, by series (`name{labels}`).
fn scrape(addr: &str) -> (String, BTreeMap<String, f64>) {
    let mut stream = std::net::TcpStream::connect(addr).expect("the metrics address");
    write!(
        stream,
        "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("a request");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("an answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("a head and a body");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain; version=0.0.4"),
        "{head}"
    );
    let samples = body
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("a sample");
            (series.to_owned(), value.parse().expect("a number"))
        })
        .collect();
    (body.to_owned(), samples)
}

fn moved(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>, series: &str) -> f64 {
    after.get(series).copied().unwrap_or(0.0) - before.get(series).copied().unwrap_or(0.0)
}

#[test]
fn metrics_are_served_apart_and_count_what_was_done() {
    let db = TestDb::new();
    let dir = tempfile::tempdir().expect("a folder");
    let url = db_url(&db, &dir);
    let metrics_addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        listener.local_addr().expect("an address").to_string()
    };
    let mut env = LOOPBACK.to_vec();
    env.push(("VITRINE_METRICS_BIND", &metrics_addr));
    let server = Server::start(&url, &env);
    let addr = server.addr.clone();
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(&metrics_addr).is_err() {
        assert!(Instant::now() < deadline, "{:?}", server.log_lines());
        std::thread::sleep(Duration::from_millis(20));
    }
    let (_, before) = scrape(&metrics_addr);
    let version = format!(
        "vitrine_build_info{{version=\"{}\"}}",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(before.get(&version), Some(&1.0), "{before:?}");

    // Not on the API's address.
    let (status, _, _) = send_raw(&addr, "GET", "/metrics", &[], None).expect("an answer");
    assert_eq!(status, 404);
    for _ in 0..3 {
        assert_eq!(
            try_send(&addr, "GET", "/api/v1/products", None).map(|r| r.0),
            Some(200)
        );
    }
    let nothing = format!("/api/v1/products/{}", uuid::Uuid::now_v7());
    assert_eq!(
        try_send(&addr, "GET", &nothing, None).map(|r| r.0),
        Some(404)
    );

    // A receiver that refuses the first attempt at every third event.
    let receiver = Receiver::start(3, Duration::ZERO);
    receiver.subscribe_at(&addr, json!({}));
    let group = create_at(&addr, "/api/v1/consumer-groups", &json!({"name": "G"}));
    let mut customers = Vec::new();
    for n in 0..5 {
        let customer = create_at(
            &addr,
            "/api/v1/customers",
            &json!({"name": format!("C{n}"), "consumer_group_ids": [id(&group)]}),
        );
        customers.push(id(&customer));
    }
    // Each view read twice: built once, then from memory unless a commit
    // came between.
    let view = format!("/api/v1/customers/{}/view", customers[0]);
    for _ in 0..2 {
        assert_eq!(try_send(&addr, "GET", &view, None).map(|r| r.0), Some(200));
    }

    // Every event delivered, and the counters settled.
    let deadline = Instant::now() + Duration::from_secs(30);
    let after = loop {
        let received = receiver.received.lock().expect("received").requests.clone();
        let (_, after) = scrape(&metrics_addr);
        let count = |status: u16| received.iter().filter(|r| r.2 == status).count() as f64;
        let outcome = |outcome: &str| {
            moved(
                &before,
                &after,
                &format!("vitrine_webhook_deliveries_total{{outcome=\"{outcome}\"}}"),
            )
        };
        // Settled: nothing left to send, and each attempt the receiver saw
        // counted once, by its outcome.
        if after.get("vitrine_webhook_backlog_events") == Some(&0.0)
            && outcome("delivered") == count(200)
            && outcome("failed") == count(500)
            && count(200) >= 6.0
            && count(500) >= 1.0
        {
            break after;
        }
        assert!(Instant::now() < deadline, "{received:?} {after:?}");
        std::thread::sleep(Duration::from_millis(100));
    };

    let requests = |method: &str, route: &str, status: u16| {
        moved(
            &before,
            &after,
            &format!(
                "vitrine_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(requests("GET", "/api/v1/products", 200), 3.0);
    assert_eq!(requests("GET", "/api/v1/products/{id}", 404), 1.0);
    assert_eq!(requests("GET", "unmatched", 404), 1.0);
    assert_eq!(requests("POST", "/api/v1/customers", 201), 5.0);
    assert_eq!(requests("POST", "/api/v1/webhooks", 201), 1.0);
    assert_eq!(requests("GET", "/api/v1/customers/{id}/view", 200), 2.0);
    let latency = "vitrine_http_request_duration_seconds";
    let products = "method=\"GET\",route=\"/api/v1/products\"";
    assert_eq!(
        moved(&before, &after, &format!("{latency}_count{{{products}}}")),
        3.0
    );
    assert_eq!(
        moved(
            &before,
            &after,
            &format!("{latency}_bucket{{{products},le=\"+Inf\"}}")
        ),
        3.0
    );
    let built = moved(&before, &after, "vitrine_view_build_seconds_count");
    let kept = moved(&before, &after, "vitrine_views_from_memory_total");
    assert!(
        built >= 1.0 && built + kept == 2.0,
        "built {built}, kept {kept}"
    );
    let in_use = after["vitrine_db_pool_connections{state=\"in_use\"}"];
    let idle = after["vitrine_db_pool_connections{state=\"idle\"}"];
    let max = after["vitrine_db_pool_max_connections"];
    assert!(in_use + idle <= max && max == 10.0, "{in_use} {idle} {max}");
    let (text, _) = scrape(&metrics_addr);
    let shown: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.starts_with("vitrine_http_requests_total")
                || l.starts_with("vitrine_db_pool")
                || l.starts_with("vitrine_view")
                || l.starts_with("vitrine_webhook")
                || l.starts_with("vitrine_build_info")
        })
        .filter(|l| !l.contains("_bucket"))
        .collect();
    println!("/metrics after a short load:\n{}", shown.join("\n"));
}

//! `vitrine seed`: a realistic catalogue from a seed, the same for the same
//! seed, whose customers each see tens of offerings and nothing internal.

use std::process::Output;

use serde_json::Value;

use crate::helpers::{command_line as vitrine, id, try_send, Server, TestDb};

fn said(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn seeded(seed: &str) -> TestDb {
    let db = TestDb::new();
    let run = vitrine(&db.url, &["seed", "--scale", "small", "--seed", seed]);
    assert!(run.status.success(), "{}", said(&run));
    println!("{}", said(&run).lines().last().unwrap_or_default());
    db
}

fn export(db: &TestDb) -> Value {
    let run = vitrine(&db.url, &["export"]);
    assert!(run.status.success(), "{}", said(&run));
    serde_json::from_slice(&run.stdout).expect("a document")
}

#[test]
fn the_same_seed_makes_the_same_catalogue_and_another_seed_another() {
    let first = seeded("7");
    let document = export(&first);
    let count = |kind: &str| {
        document["sections"]
            .as_array()
            .expect("sections")
            .iter()
            .find_map(|s| s[kind].as_array().map(Vec::len))
            .unwrap_or_default()
    };
    assert_eq!(count("resources"), 200);
    assert_eq!(count("components"), 2_000);
    assert_eq!(count("offerings"), 20);
    assert_eq!(count("customers"), 200);
    assert_eq!(count("agreements"), 500);
    assert_eq!(count("categories"), 4);
    assert!(
        export(&seeded("7")) == document,
        "same seed, same catalogue"
    );
    assert!(export(&seeded("8")) != document, "another seed, another");
    // Only into an empty catalogue.
    let again = vitrine(&first.url, &["seed", "--seed", "7"]);
    assert!(!again.status.success());
    assert!(said(&again).contains("not empty"), "{}", said(&again));
    let bad = vitrine(&first.url, &["seed", "--scale", "huge"]);
    assert!(!bad.status.success());
    assert!(said(&bad).contains("--scale"), "{}", said(&bad));
}

#[test]
fn a_seeded_customer_sees_tens_of_offerings_and_nothing_internal() {
    let db = seeded("11");
    let server = Server::start(&db.url, &[]);
    let get = |path: &str| {
        let (status, body) = try_send(&server.addr, "GET", path, None).expect("an answer");
        assert_eq!(status, 200, "{path}: {body}");
        body
    };
    let customers = get("/api/v1/customers?limit=50");
    let mut sizes = Vec::new();
    for customer in customers["items"].as_array().expect("customers") {
        let view = get(&format!("/api/v1/customers/{}/view", id(customer)));
        let text = view.to_string();
        // Resources, their owners and the roles of components stay inside.
        for inside in ["Resource ", "Team ", "part "] {
            assert!(!text.contains(inside), "{inside} in {text}");
        }
        sizes.push(view["offerings"].as_array().expect("offerings").len());
    }
    sizes.sort_unstable();
    println!("offerings per view, 50 seeded customers: {sizes:?}");
    assert!(sizes[0] >= 1, "every customer sees something: {sizes:?}");
    assert!(
        sizes[sizes.len() / 2] >= 5,
        "most see several offerings: {sizes:?}"
    );
}

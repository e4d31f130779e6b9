//! The views and keys each replica keeps in memory are never stale: a
//! differential test of two replicas that keep them against one that reads
//! every view from the database, with writes flipping what customers see in
//! between; and a revoked key fails at once on every replica.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use diesel::connection::SimpleConnection;
use serde_json::{json, Value};
use vitrine::store::ConnectionManager;

use crate::helpers::{id, TestApp};
use crate::model::ON;
use crate::view::patch;

/// A small deterministic generator of choices.
struct Dice(u64);

impl Dice {
    fn roll(&mut self, sides: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % sides as u64) as usize
    }
}

/// Two consumer groups, three customers (one in each, one in both), four
/// offerings (for the first group, the second, both, and none: that one is
/// seen through an agreement only), overlays, and components of both
/// visibilities.
struct Shop {
    groups: Vec<String>,
    customers: Vec<String>,
    offerings: Vec<String>,
    components: Vec<String>,
    product: String,
    resource: String,
    overlay: String,
}

fn shop(app: &TestApp) -> Shop {
    let resource = id(&app.create(
        "/resources",
        json!({"name": "VM", "dimension": "information_and_technology"}),
    ));
    let product = id(&app.create("/products", json!({"name": "Server"})));
    let components = ["customer", "internal", "customer"]
        .iter()
        .enumerate()
        .map(|(i, visibility)| {
            id(&app.create(
                &format!("/products/{product}/components"),
                json!({"resource_id": resource, "visibility": visibility,
                    "customer_label": format!("Part {i}")}),
            ))
        })
        .collect();
    let service = id(&app.create(
        "/services",
        json!({"name": "Hosting", "product_ids": [product], "portfolio_stage": "catalogue"}),
    ));
    let groups: Vec<String> = ["North", "South"]
        .iter()
        .map(|name| id(&app.create("/consumer-groups", json!({ "name": name }))))
        .collect();
    let designed_for = [vec![0], vec![1], vec![0, 1], vec![]];
    let offerings: Vec<String> = designed_for
        .iter()
        .enumerate()
        .map(|(i, for_groups)| {
            let group_ids: Vec<&String> = for_groups.iter().map(|g| &groups[*g]).collect();
            id(&app.create(
                "/offerings",
                json!({"name": format!("Offering {i}"), "service_ids": [service],
                    "consumer_group_ids": group_ids, "status": "active"}),
            ))
        })
        .collect();
    let customers = [vec![0], vec![1], vec![0, 1]]
        .iter()
        .enumerate()
        .map(|(i, in_groups)| {
            let group_ids: Vec<&String> = in_groups.iter().map(|g| &groups[*g]).collect();
            id(&app.create(
                "/customers",
                json!({"name": format!("Customer {i}"), "consumer_group_ids": group_ids}),
            ))
        })
        .collect();
    let overlay = id(&app.create(
        "/overlays",
        json!({"consumer_group_id": groups[0], "offering_id": offerings[2],
            "name": "Tailored for the north", "priority": 1}),
    ));
    Shop {
        groups,
        customers,
        offerings,
        components,
        product,
        resource,
        overlay,
    }
}

/// One write that may change what some customers see (or, for the last
/// kind, changes nothing they see).
fn write(app: &TestApp, shop: &Shop, dice: &mut Dice, step: usize) {
    let api = "/api/v1";
    match dice.roll(9) {
        0 => {
            let component = &shop.components[dice.roll(shop.components.len())];
            let visibility = ["customer", "internal"][dice.roll(2)];
            patch(
                app,
                &format!("{api}/products/{}/components/{component}", shop.product),
                json!({ "visibility": visibility }),
            );
        }
        1 => {
            let component = &shop.components[dice.roll(shop.components.len())];
            patch(
                app,
                &format!("{api}/products/{}/components/{component}", shop.product),
                json!({ "customer_label": format!("Label {step}") }),
            );
        }
        2 => {
            let offering = &shop.offerings[dice.roll(shop.offerings.len())];
            // Before the day the views are read for, or open.
            let valid_to = [json!("2027-01-01"), Value::Null][dice.roll(2)].clone();
            patch(
                app,
                &format!("{api}/offerings/{offering}"),
                json!({ "valid_to": valid_to }),
            );
        }
        3 | 4 => {
            // The groups an offering is designed for, or a customer is in.
            let url = if dice.roll(2) == 0 {
                let offering = &shop.offerings[dice.roll(shop.offerings.len())];
                format!("{api}/offerings/{offering}")
            } else {
                let customer = &shop.customers[dice.roll(shop.customers.len())];
                format!("{api}/customers/{customer}")
            };
            let groups = [
                vec![],
                vec![&shop.groups[0]],
                vec![&shop.groups[1]],
                shop.groups.iter().collect(),
            ];
            patch(
                app,
                &url,
                json!({ "consumer_group_ids": groups[dice.roll(groups.len())] }),
            );
        }
        5 => patch(
            app,
            &format!("{api}/overlays/{}", shop.overlay),
            json!({ "name": format!("Tailored {step}") }),
        ),
        6 => {
            // An agreement of a customer on the offering designed for no
            // group: made, or ended by deleting it.
            let customer = &shop.customers[dice.roll(shop.customers.len())];
            let offering = &shop.offerings[3];
            let existing = app
                .get(&format!(
                    "{api}/agreements?customer_id={customer}&limit=100"
                ))
                .json()["items"]
                .as_array()
                .expect("items")
                .iter()
                .find(|a| a["offering_id"] == json!(offering))
                .map(id);
            match existing {
                Some(agreement) => {
                    let res = app
                        .req("DELETE", &format!("{api}/agreements/{agreement}"))
                        .send();
                    assert_eq!(res.status, 204, "{}", res.text());
                }
                None => {
                    app.create(
                        "/agreements",
                        json!({"customer_id": customer, "offering_id": offering}),
                    );
                }
            }
        }
        7 => {
            let offering = &shop.offerings[dice.roll(shop.offerings.len())];
            patch(
                app,
                &format!("{api}/offerings/{offering}"),
                json!({ "name": format!("Offering renamed at {step}") }),
            );
        }
        _ => patch(
            app,
            &format!("{api}/resources/{}", shop.resource),
            json!({ "name": format!("VM {step}") }),
        ),
    }
}

/// What a read answers: the customer's whole view, or one offering of it
/// (none when the offering is not in the view).
#[derive(Clone, Copy)]
enum Read {
    View(usize),
    Offering(usize, usize),
}

fn read_url(shop: &Shop, read: Read) -> String {
    match read {
        Read::View(c) => format!("/api/v1/customers/{}/view?on={ON}", shop.customers[c]),
        Read::Offering(c, o) => format!(
            "/api/v1/customers/{}/view/offerings/{}?on={ON}",
            shop.customers[c], shop.offerings[o]
        ),
    }
}

/// The views of every customer, read fresh from the database.
fn fresh_views(fresh: &TestApp, shop: &Shop) -> Vec<Value> {
    (0..shop.customers.len())
        .map(|c| {
            let res = fresh.get(&read_url(shop, Read::View(c)));
            assert_eq!(res.status, 200, "{}", res.text());
            res.json()
        })
        .collect()
}

#[test]
fn replicas_never_serve_a_view_older_than_the_last_acknowledged_write() {
    let first = TestApp::spawn_with(&[("VITRINE_VIEW_CACHE_MIB", "8")]);
    let second = first.replica(&[("VITRINE_VIEW_CACHE_MIB", "8")]);
    let fresh = first.replica(&[("VITRINE_VIEW_CACHE_MIB", "0")]);
    let replicas = [&first, &second];
    let shop = shop(&first);
    let keys: Vec<String> = shop
        .customers
        .iter()
        .map(|c| first.key("customer", Some(c)))
        .collect();

    // states[k]: every customer's view after the k-th write was
    // acknowledged, read before the next one began.
    let states = Mutex::new(vec![fresh_views(&fresh, &shop)]);
    let acknowledged = AtomicUsize::new(0);
    let begun = AtomicUsize::new(0);
    let writing = AtomicBool::new(true);
    let writes = 120;
    let checked = AtomicUsize::new(0);
    let served_offerings = AtomicUsize::new(0);

    std::thread::scope(|scope| {
        for reader in 0..4u64 {
            let (shop, keys, states) = (&shop, &keys, &states);
            let (acknowledged, begun, writing, checked, served_offerings) =
                (&acknowledged, &begun, &writing, &checked, &served_offerings);
            scope.spawn(move || {
                let mut dice = Dice(reader + 1);
                while writing.load(Ordering::SeqCst) {
                    let customer = dice.roll(shop.customers.len());
                    let read = if dice.roll(3) == 0 {
                        Read::Offering(customer, dice.roll(shop.offerings.len()))
                    } else {
                        Read::View(customer)
                    };
                    let replica = replicas[dice.roll(2)];
                    let mut request = replica.req("GET", &read_url(shop, read));
                    if dice.roll(2) == 0 {
                        request = request.key(&keys[customer]);
                    }
                    let after = acknowledged.load(Ordering::SeqCst);
                    let res = request.send();
                    let before = begun.load(Ordering::SeqCst);
                    let shown = match res.status {
                        200 => Some(res.json()),
                        404 if matches!(read, Read::Offering(..)) => None,
                        other => panic!("{other}: {}", res.text()),
                    };
                    if shown.is_some() && matches!(read, Read::Offering(..)) {
                        served_offerings.fetch_add(1, Ordering::Relaxed);
                    }
                    // It must be what the customer saw at one moment between
                    // the last write acknowledged before the read and the
                    // last one begun before its answer.
                    let states = loop {
                        // The state after the last write begun is known
                        // once that write is acknowledged.
                        let states = states.lock().expect("the states");
                        if states.len() > before {
                            break states;
                        }
                        drop(states);
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    };
                    let possible: Vec<Option<Value>> = states[after..=before]
                        .iter()
                        .map(|views| {
                            let view = &views[customer];
                            match read {
                                Read::View(_) => Some(view.clone()),
                                Read::Offering(_, o) => view["offerings"]
                                    .as_array()
                                    .expect("offerings")
                                    .iter()
                                    .find(|x| x["id"] == json!(shop.offerings[o]))
                                    .cloned(),
                            }
                        })
                        .collect();
                    assert!(
                        possible.contains(&shown),
                        "a stale answer to {} after write {after} (begun: {before}): {shown:?}",
                        read_url(shop, read)
                    );
                    checked.fetch_add(1, Ordering::Relaxed);
                }
            });
        }

        let mut dice = Dice(42);
        for step in 1..=writes {
            // Reads take the states up to the writes begun: the state after
            // this write is known before the next one begins.
            begun.store(step, Ordering::SeqCst);
            write(replicas[step % 2], &shop, &mut dice, step);
            let views = fresh_views(&fresh, &shop);
            states.lock().expect("the states").push(views);
            acknowledged.store(step, Ordering::SeqCst);
            // Give the readers time to fill the replicas' memory.
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        writing.store(false, Ordering::SeqCst);
    });

    let states = states.into_inner().expect("the states");
    let distinct: std::collections::BTreeSet<String> =
        states.iter().map(|views| format!("{views:?}")).collect();
    println!(
        "view cache: {writes} writes, {} distinct catalogue states seen by customers, {} reads checked ({} offerings)",
        distinct.len(),
        checked.load(Ordering::Relaxed),
        served_offerings.load(Ordering::Relaxed),
    );
    assert!(distinct.len() > writes / 3, "the writes changed too little");
    assert!(checked.load(Ordering::Relaxed) > writes, "too few reads");
}

#[test]
fn a_replica_serves_a_kept_view_until_a_commit_changes_the_catalogue() {
    let kept = TestApp::spawn_with(&[("VITRINE_VIEW_CACHE_MIB", "8")]);
    let fresh = kept.replica(&[("VITRINE_VIEW_CACHE_MIB", "0")]);
    let shop = shop(&kept);
    let url = read_url(&shop, Read::View(0));
    let labels = |app: &TestApp| -> String {
        let res = app.get(&url);
        assert_eq!(res.status, 200, "{}", res.text());
        format!("{}", res.json()["offerings"])
    };
    let before = labels(&kept);
    assert_eq!(before, labels(&fresh));
    // A change made behind the service's back, which no generation marks:
    // the replica that keeps views still shows what it read, which proves it
    // answers from memory; the one that keeps none reads the change.
    let mut conn = ConnectionManager::new(&kept.db.url)
        .connect()
        .expect("a connection");
    conn.batch_execute(&format!(
        "UPDATE components SET customer_label = 'Changed in the database' WHERE id = '{}'",
        shop.components[0]
    ))
    .expect("the update");
    assert_eq!(labels(&kept), before, "the kept view is served");
    assert!(labels(&fresh).contains("Changed in the database"));
    // Any commit through the service retires what was kept.
    patch(
        &kept,
        &format!("/api/v1/resources/{}", shop.resource),
        json!({"name": "Renamed"}),
    );
    assert!(labels(&kept).contains("Changed in the database"));
}

#[test]
fn a_revoked_key_fails_at_the_next_request_on_every_replica() {
    let first = TestApp::spawn();
    let second = first.replica(&[]);
    let shop = shop(&first);
    let key = first.key("customer", Some(&shop.customers[0]));
    let url = read_url(&shop, Read::View(0));
    for replica in [&first, &second] {
        for _ in 0..3 {
            assert_eq!(replica.req("GET", &url).key(&key).send().status, 200);
        }
    }
    let listed = first.get("/api/v1/api-keys?limit=100").json();
    let stored = listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|k| k["customer_id"] == json!(shop.customers[0]))
        .map(id)
        .expect("the key is listed");
    let res = first
        .req("DELETE", &format!("/api/v1/api-keys/{stored}"))
        .send();
    assert_eq!(res.status, 204, "{}", res.text());
    for replica in [&second, &first] {
        let res = replica.req("GET", &url).key(&key).send();
        assert_eq!(res.status, 401, "a revoked key still works: {}", res.text());
    }
    // A key made on one replica works at once on the other.
    let made = first.key("customer", Some(&shop.customers[0]));
    assert_eq!(second.req("GET", &url).key(&made).send().status, 200);
}

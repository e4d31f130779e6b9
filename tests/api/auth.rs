//! API keys and roles: who may do what, on every endpoint.

use std::rc::Rc;

use diesel::prelude::*;
use serde_json::{json, Value};
use vitrine::store::schema::api_keys;
use vitrine::store::ConnectionManager;

use crate::helpers::{id, member_names, Catalogue, TestApp, ADMIN_KEY};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    /// Any valid key.
    AnyKey,
    Read,
    Write,
    Keys,
    /// A view of the customer the customer key is bound to.
    OwnView,
}

/// One request: method, path, body (JSON or merge patch) and If-Match.
struct Call {
    method: &'static str,
    path: String,
    body: Option<Value>,
    if_match: Option<i64>,
    ok: u16,
}

/// An endpoint: its name, what it needs, and how to make a call to it.
type Endpoint<'a> = (&'static str, Kind, Box<dyn Fn() -> Call + 'a>);

/// A read of `path`.
fn read(path: String) -> Box<dyn Fn() -> Call> {
    Box::new(move || Call {
        method: "GET",
        path: path.clone(),
        body: None,
        if_match: None,
        ok: 200,
    })
}

/// Every endpoint of `/api/v1`, each made fresh for each caller so that an
/// allowed delete or patch never spoils the next probe.
fn endpoints<'a>(app: &'a TestApp, c: &'a Catalogue) -> Vec<Endpoint<'a>> {
    let product = id(&c.product);
    let resource = id(&c.resource);
    let offering = id(&c.offering);
    let mut list: Vec<Endpoint<'a>> = Vec::new();
    let overlay = app.create(
        "/overlays",
        json!({"consumer_group_id": id(&c.group), "offering_id": offering}),
    );
    for (collection, entity) in [
        ("resources", &c.resource),
        ("products", &c.product),
        ("services", &c.service),
        ("offerings", &c.offering),
        ("consumer-groups", &c.group),
        ("customers", &c.customer),
        ("agreements", &c.agreement),
        ("overlays", &overlay),
    ] {
        list.push(("list", Kind::Read, read(format!("/api/v1/{collection}"))));
        list.push((
            "get",
            Kind::Read,
            read(format!("/api/v1/{collection}/{}", id(entity))),
        ));
    }
    list.push((
        "list components",
        Kind::Read,
        read(format!("/api/v1/products/{product}/components")),
    ));
    list.push((
        "get component",
        Kind::Read,
        read(format!(
            "/api/v1/products/{product}/components/{}",
            id(&c.component)
        )),
    ));
    list.push((
        "customer view",
        Kind::OwnView,
        read(format!("/api/v1/customers/{}/view", id(&c.customer))),
    ));
    list.push((
        "customer view offering",
        Kind::OwnView,
        read(format!(
            "/api/v1/customers/{}/view/offerings/{offering}",
            id(&c.customer)
        )),
    ));
    list.push((
        "group view",
        Kind::Read,
        read(format!("/api/v1/consumer-groups/{}/view", id(&c.group))),
    ));

    let fixed = |body: Value| -> Rc<dyn Fn() -> Value + 'a> { Rc::new(move || body.clone()) };
    let creates: Vec<(String, Rc<dyn Fn() -> Value + 'a>)> = vec![
        (
            "/api/v1/resources".into(),
            fixed(json!({"name": "R", "dimension": "partners_and_suppliers"})),
        ),
        ("/api/v1/products".into(), fixed(json!({"name": "P"}))),
        (
            format!("/api/v1/products/{product}/components"),
            fixed(json!({"resource_id": resource, "visibility": "internal"})),
        ),
        (
            "/api/v1/services".into(),
            fixed(json!({"name": "S", "product_ids": [product], "portfolio_stage": "pipeline"})),
        ),
        (
            "/api/v1/offerings".into(),
            fixed(json!({"name": "O", "service_ids": [id(&c.service)]})),
        ),
        (
            "/api/v1/consumer-groups".into(),
            fixed(json!({"name": "G"})),
        ),
        ("/api/v1/customers".into(), fixed(json!({"name": "C"}))),
        (
            "/api/v1/agreements".into(),
            fixed(json!({"customer_id": id(&c.customer), "offering_id": offering})),
        ),
        // One overlay per group and offering: each one needs a group of its own.
        (
            "/api/v1/overlays".into(),
            Rc::new(move || {
                let group = app.create("/consumer-groups", json!({"name": "For an overlay"}));
                json!({"consumer_group_id": id(&group), "offering_id": id(&c.offering)})
            }),
        ),
    ];
    for (path, body) in creates {
        let fresh = {
            let (path, body) = (path.clone(), body.clone());
            Rc::new(move || {
                let res = app.req("POST", &path).json(&body()).send();
                assert_eq!(res.status, 201, "{path}: {}", res.text());
                format!("{path}/{}", id(&res.json()))
            })
        };
        let create = {
            let path = path.clone();
            move || Call {
                method: "POST",
                path: path.clone(),
                body: Some(body()),
                if_match: None,
                ok: 201,
            }
        };
        list.push(("create", Kind::Write, Box::new(create)));
        let update = {
            let fresh = fresh.clone();
            move || Call {
                method: "PATCH",
                path: fresh(),
                body: Some(json!({})),
                if_match: Some(1),
                ok: 200,
            }
        };
        list.push(("update", Kind::Write, Box::new(update)));
        let delete = move || Call {
            method: "DELETE",
            path: fresh(),
            body: None,
            if_match: None,
            ok: 204,
        };
        list.push(("delete", Kind::Write, Box::new(delete)));
    }
    list.push(("who am I", Kind::AnyKey, read("/api/v1/me".into())));
    list.push(("list keys", Kind::Keys, read("/api/v1/api-keys".into())));
    list.push((
        "create key",
        Kind::Keys,
        Box::new(|| Call {
            method: "POST",
            path: "/api/v1/api-keys".into(),
            body: Some(json!({"role": "viewer"})),
            if_match: None,
            ok: 201,
        }),
    ));
    list.push((
        "get key",
        Kind::Keys,
        Box::new(move || {
            let key = app.create("/api-keys", json!({"role": "viewer"}));
            Call {
                method: "GET",
                path: format!("/api/v1/api-keys/{}", id(&key)),
                body: None,
                if_match: None,
                ok: 200,
            }
        }),
    ));
    list.push((
        "revoke key",
        Kind::Keys,
        Box::new(move || {
            let key = app.create("/api-keys", json!({"role": "viewer"}));
            Call {
                method: "DELETE",
                path: format!("/api/v1/api-keys/{}", id(&key)),
                body: None,
                if_match: None,
                ok: 204,
            }
        }),
    ));
    list
}

#[test]
fn the_role_matrix_holds_on_every_endpoint() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let editor = app.key("editor", None);
    let viewer = app.key("viewer", None);
    let customer = app.key("customer", Some(&id(&c.customer)));
    let callers: [(&str, Option<&str>); 6] = [
        ("admin", Some(ADMIN_KEY)),
        ("editor", Some(&editor)),
        ("viewer", Some(&viewer)),
        ("customer", Some(&customer)),
        ("no key", None),
        (
            "wrong key",
            Some("vit_00000000000000000000000000000000_nope"),
        ),
    ];
    let mut probes = 0;
    for (name, kind, make) in endpoints(&app, &c) {
        for (caller, key) in callers {
            let call = make();
            let allowed = matches!(
                (caller, kind),
                ("admin", _)
                    | ("editor" | "viewer" | "customer", Kind::AnyKey)
                    | ("editor" | "viewer", Kind::Read | Kind::OwnView)
                    | ("editor", Kind::Write)
                    | ("customer", Kind::OwnView)
            );
            let expected = if allowed {
                call.ok
            } else if key.is_none() || caller == "wrong key" {
                401
            } else {
                403
            };
            let if_match = call.if_match;
            let mut req = app.req(call.method, &call.path);
            req = match key {
                Some(key) => req.key(key),
                None => req.no_key(),
            };
            if let Some(body) = &call.body {
                req = if call.method == "PATCH" {
                    req.merge_patch(body)
                } else {
                    req.json(body)
                };
            }
            if let Some(v) = if_match {
                req = req.if_match(v);
            }
            let res = req.send();
            assert_eq!(
                res.status,
                expected,
                "{name} {} {} as {caller}: {}",
                call.method,
                call.path,
                res.text()
            );
            if expected >= 400 {
                res.problem(expected);
            }
            probes += 1;
        }
    }
    println!("role matrix: {probes} probes");
    assert_eq!(
        probes,
        53 * callers.len(),
        "every endpoint of /api/v1, by every caller"
    );
}

/// `/api/v1/me` tells each key what it is, and nothing of any other key.
#[test]
fn each_key_learns_its_own_role_and_customer() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    let me = |key: &str| {
        let res = app.req("GET", "/api/v1/me").key(key).send();
        assert_eq!(res.status, 200, "{}", res.text());
        res.json()
    };
    assert_eq!(
        me(ADMIN_KEY),
        json!({"key_id": null, "role": "admin", "customer_id": null})
    );
    for role in ["admin", "editor", "viewer"] {
        let key = app.key(role, None);
        let answer = me(&key);
        assert_eq!(answer["role"], role);
        assert_eq!(answer["customer_id"], Value::Null);
        assert!(key.contains(&answer["key_id"].as_str().expect("an id").replace('-', "")));
    }
    let customer = app.key("customer", Some(&id(&c.customer)));
    let answer = me(&customer);
    assert_eq!(answer["role"], "customer");
    assert_eq!(answer["customer_id"], json!(id(&c.customer)));
    assert_eq!(
        member_names(&answer),
        ["customer_id", "key_id", "role"],
        "nothing else"
    );
}

#[test]
fn health_and_the_spec_need_no_key() {
    let app = TestApp::spawn();
    for path in ["/health/live", "/health/ready", "/openapi.json", "/docs/"] {
        assert_eq!(app.req("GET", path).no_key().send().status, 200, "{path}");
        assert_eq!(
            app.req("GET", path).key("nonsense").send().status,
            200,
            "{path} ignores keys"
        );
    }
}

#[test]
fn keys_are_stored_hashed_and_shown_once() {
    let app = TestApp::spawn();
    let created = app.create("/api-keys", json!({"role": "viewer", "name": "reporting"}));
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    assert!(secret.starts_with(created["prefix"].as_str().expect("a prefix")));
    // The secret works, and is shown nowhere else.
    assert_eq!(
        app.req("GET", "/api/v1/products")
            .key(&secret)
            .send()
            .status,
        200
    );
    let shown = app.get(&format!("/api/v1/api-keys/{}", id(&created)));
    assert_eq!(shown.json().get("secret"), None);
    assert!(!app.get("/api/v1/api-keys").text().contains(&secret));
    // The database holds a salted hash, not the key.
    let mut conn = ConnectionManager::new(&app.db.url)
        .connect()
        .expect("a connection");
    let stored: Vec<(String, String)> = api_keys::table
        .select((api_keys::salt, api_keys::secret_hash))
        .load(&mut conn)
        .expect("the stored keys");
    assert_eq!(stored.len(), 1);
    let (salt, hash) = &stored[0];
    let secret_part = secret.rsplit('_').next().expect("a secret part");
    assert!(!hash.contains(secret_part) && !salt.contains(secret_part));
    assert_eq!(
        hash,
        &vitrine::catalogue::api_key::hash_secret(salt, secret_part)
    );
}

#[test]
fn a_revoked_or_altered_key_is_refused() {
    let app = TestApp::spawn();
    let created = app.create("/api-keys", json!({"role": "editor"}));
    let secret = created["secret"].as_str().expect("a secret").to_owned();
    let mut altered = secret.clone();
    altered.pop();
    altered.push(if secret.ends_with('0') { '1' } else { '0' });
    app.req("GET", "/api/v1/products")
        .key(&altered)
        .send()
        .problem(401);
    assert_eq!(
        app.req("DELETE", &format!("/api/v1/api-keys/{}", id(&created)))
            .send()
            .status,
        204
    );
    app.req("GET", "/api/v1/products")
        .key(&secret)
        .send()
        .problem(401);
}

#[test]
fn a_malformed_authorization_header_is_a_401() {
    let app = TestApp::spawn();
    for value in ["Basic YWRtaW46YWRtaW4=", "Bearer", "Bearer ", ADMIN_KEY] {
        let res = app
            .req("GET", "/api/v1/products")
            .no_key()
            .header("Authorization", value)
            .send();
        res.problem(401);
        assert_eq!(
            res.header("www-authenticate"),
            Some("Bearer realm=\"vitrine\"")
        );
    }
}

#[test]
fn the_key_list_filters_by_role_and_customer() {
    let app = TestApp::spawn();
    let c = Catalogue::build(&app);
    app.key("viewer", None);
    app.key("customer", Some(&id(&c.customer)));
    let viewers = app.get("/api/v1/api-keys?role=viewer").json();
    assert_eq!(viewers["items"].as_array().map(Vec::len), Some(1));
    let bound = app
        .get(&format!("/api/v1/api-keys?customer_id={}", id(&c.customer)))
        .json();
    assert_eq!(bound["items"][0]["role"], "customer");
}

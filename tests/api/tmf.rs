//! The TM Forum facades: every answer checked against the official
//! swagger's schema of its resource (copied unmodified in `tests/tmf/`),
//! the TMF conventions, and the round trip with the native API.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::helpers::{id, member_names, Catalogue, Response, TestApp};
use crate::model;
use crate::view::assert_no_leak;

const TMF620: &str = "/tmf-api/productCatalogManagement/v4";
const TMF633: &str = "/tmf-api/serviceCatalogManagement/v4";

/// The definitions of one official swagger document, compiled as JSON
/// Schema (draft 4, which swagger 2.0 schemas follow), formats asserted.
///
/// Each also checks what it can against the facade's own OpenAPI document
/// (`openapi/tmf620.json`, `openapi/tmf633.json`: JSON Schema 2020-12),
/// whose schemas allow no attribute they do not document.
struct Swagger {
    schemas: boon::Schemas,
    compiled: HashMap<String, boon::SchemaIndex>,
    compiler: boon::Compiler,
    url: String,
    /// Where its schemas are: `#/definitions` or `#/components/schemas`.
    under: &'static str,
    /// The names it defines.
    names: Vec<String>,
    /// The facade's own document, checked too.
    own: Option<Box<Swagger>>,
}

impl Swagger {
    fn load(path: &str, draft: boon::Draft, under: &'static str) -> Swagger {
        let file = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&file).expect("the document");
        let document: Value = serde_json::from_str(&text).expect("JSON");
        let names = document
            .pointer(&under[1..])
            .and_then(Value::as_object)
            .map(|defined| defined.keys().cloned().collect())
            .unwrap_or_default();
        let url = format!("http://tmf.example/{}", path.replace('/', "_"));
        let mut compiler = boon::Compiler::new();
        compiler.set_default_draft(draft);
        compiler.enable_format_assertions();
        compiler
            .add_resource(&url, document)
            .expect("the document as a schema resource");
        Swagger {
            schemas: boon::Schemas::new(),
            compiled: HashMap::new(),
            compiler,
            url,
            under,
            names,
            own: None,
        }
    }

    fn official(file: &str, own: &str) -> Swagger {
        let mut swagger = Swagger::load(
            &format!("tests/tmf/{file}"),
            boon::Draft::V4,
            "#/definitions",
        );
        swagger.own = Some(Box::new(Swagger::load(
            &format!("openapi/{own}"),
            boon::Draft::V2020_12,
            "#/components/schemas",
        )));
        swagger
    }

    fn tmf620() -> Swagger {
        Swagger::official("TMF620-ProductCatalog-v4.0.0.swagger.json", "tmf620.json")
    }

    fn tmf633() -> Swagger {
        Swagger::official("TMF633-ServiceCatalog-v4.0.0.swagger.json", "tmf633.json")
    }

    /// Fails unless `value` is valid against the definition `name`, and
    /// against the facade's own schema of that name when it has one.
    fn check(&mut self, name: &str, value: &Value) {
        let index = match self.compiled.get(name) {
            Some(index) => *index,
            None => {
                let index = self
                    .compiler
                    .compile(
                        &format!("{}{}/{name}", self.url, self.under),
                        &mut self.schemas,
                    )
                    .unwrap_or_else(|e| panic!("compile {name}: {e}"));
                self.compiled.insert(name.to_owned(), index);
                index
            }
        };
        if let Err(e) = self.schemas.validate(value, index) {
            panic!("not a valid {name} ({}): {e:#}\n{value:#}", self.under);
        }
        if let Some(own) = self
            .own
            .as_mut()
            .filter(|own| own.names.iter().any(|n| n == name))
        {
            own.check(name, value);
        }
    }

    /// Checks every item of each collection of `api`, as listed and as read
    /// one by one (the same), and the 404 of an unknown id.
    fn check_collections(&mut self, app: &TestApp, api: &str, collections: &[(&str, &str)]) {
        for (path, definition) in collections {
            let res = app.req("GET", &format!("{api}{path}")).send();
            assert_eq!(res.status, 200, "{path}: {}", res.text());
            assert!(!res.json().as_array().expect("a list").is_empty());
            self.check_body(definition, &res);
            for item in res.json().as_array().expect("a list") {
                let one = app.req("GET", &format!("{api}{path}/{}", id(item))).send();
                assert_eq!(one.status, 200, "{path}: {}", one.text());
                self.check_body(definition, &one);
                assert_eq!(&one.json(), item);
            }
            let missing = app
                .req("GET", &format!("{api}{path}/{}", uuid::Uuid::now_v7()))
                .send();
            assert_eq!(missing.status, 404);
            self.check_body("Error", &missing);
        }
    }

    /// Checks a body: an object against `name`, a list item by item.
    fn check_body(&mut self, name: &str, res: &Response) {
        match res.json() {
            Value::Array(items) => {
                for item in &items {
                    self.check(name, item);
                }
            }
            item => self.check(name, &item),
        }
    }
}

/// A catalogue with every kind of price, a product with components of
/// both visibilities, and an offering that names them all.
struct Priced {
    catalogue: Catalogue,
    prices: Vec<Value>,
    offering: Value,
    /// A root category, and one under it that groups the offering and
    /// the service.
    categories: (Value, Value),
}

fn priced(app: &TestApp) -> Priced {
    let catalogue = Catalogue::build(app);
    app.create(
        &format!("/products/{}/components", id(&catalogue.product)),
        json!({"resource_id": id(&catalogue.resource), "visibility": "internal", "role": "spare"}),
    );
    let prices = vec![
        app.create(
            "/prices",
            json!({"name": "Set-up", "price_type": "one_time", "description": "Once",
                "price": {"amount": "500.00", "currency": "EUR"}}),
        ),
        app.create(
            "/prices",
            json!({"name": "Monthly", "price_type": "recurring", "recurring_period": "month",
                "price": {"amount": "90.50", "currency": "EUR"}}),
        ),
        app.create(
            "/prices",
            json!({"name": "Per GB", "price_type": "usage", "unit_of_measure": "GB",
                "price": {"amount": "0.0400", "currency": "EUR"}}),
        ),
    ];
    let offering = app.create(
        "/offerings",
        json!({"name": "Hosting Platinum", "description": "All of it",
            "service_ids": [id(&catalogue.service)], "consumer_group_ids": [id(&catalogue.group)],
            "price_ids": prices.iter().map(id).collect::<Vec<_>>(), "product_id": id(&catalogue.product),
            "service_levels": [{"metric": "availability", "target": "99.9", "unit": "%"},
                               {"metric": "response", "target": "4", "unit": "h"}],
            "status": "active", "valid_from": "2026-01-01", "valid_to": "2027-12-31"}),
    );
    let hosting = app.create("/categories", json!({"name": "Hosting"}));
    let linux = app.create(
        "/categories",
        json!({"name": "Linux", "parent_id": id(&hosting), "offering_ids": [id(&offering)],
               "service_ids": [id(&catalogue.service)]}),
    );
    Priced {
        catalogue,
        prices,
        offering,
        categories: (hosting, linux),
    }
}

fn tmf<'a>(app: &'a TestApp, method: &str, path: &str) -> crate::helpers::Request<'a> {
    app.req(method, &format!("{TMF620}{path}"))
}

fn tmf633<'a>(app: &'a TestApp, method: &str, path: &str) -> crate::helpers::Request<'a> {
    app.req(method, &format!("{TMF633}{path}"))
}

#[test]
fn every_tmf633_answer_is_valid_against_the_official_swagger() {
    let app = TestApp::spawn();
    let p = priced(&app);
    let mut swagger = Swagger::tmf633();
    let service = id(&p.catalogue.service);
    let version = app.get(&format!("/api/v1/services/{service}")).json()["version"]
        .as_i64()
        .expect("a version");
    let res = app
        .req("PATCH", &format!("/api/v1/services/{service}"))
        .merge_patch(&json!({"warranty": {"availability_target": "99.9", "support_hours": "24x7"}}))
        .if_match(version)
        .send();
    assert_eq!(res.status, 200, "{}", res.text());
    swagger.check_collections(
        &app,
        TMF633,
        &[
            ("/serviceSpecification", "ServiceSpecification"),
            ("/serviceCandidate", "ServiceCandidate"),
            ("/serviceCategory", "ServiceCategory"),
            ("/serviceCatalog", "ServiceCatalog"),
        ],
    );

    // What was created natively reads as TMF633 says it.
    let spec = tmf633(&app, "GET", &format!("/serviceSpecification/{service}"))
        .send()
        .json();
    assert_eq!(spec["@type"], "ServiceSpecification");
    assert_eq!(spec["lifecycleStatus"], "Active");
    assert_eq!(spec["version"], (version + 1).to_string());
    assert_eq!(
        spec["resourceSpecification"][0]["id"],
        p.catalogue.product["id"]
    );
    assert_eq!(
        spec["resourceSpecification"][0]["@referredType"],
        "ProductSpecification"
    );
    assert!(
        spec["resourceSpecification"][0]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with(&format!(
                "{TMF620}/productSpecification/{}",
                id(&p.catalogue.product)
            ))),
        "products are specified through TMF620: {spec}"
    );
    assert_eq!(
        spec["serviceLevelSpecification"],
        json!([{"id": p.catalogue.service["id"], "name": "availability 99.9%, support 24x7",
            "@referredType": "ServiceLevelSpecification"}])
    );
    let candidate = tmf633(&app, "GET", &format!("/serviceCandidate/{service}"))
        .send()
        .json();
    assert_eq!(candidate["serviceSpecification"]["id"], spec["id"]);
    assert_eq!(candidate["serviceSpecification"]["href"], spec["href"]);
    assert_eq!(candidate["version"], spec["version"]);
    let (hosting, linux) = &p.categories;
    assert_eq!(candidate["category"][0]["id"], linux["id"]);
    let category = tmf633(&app, "GET", &format!("/serviceCategory/{}", id(linux)))
        .send()
        .json();
    assert_eq!(category["parentId"], hosting["id"]);
    assert_eq!(category["serviceCandidate"][0]["id"], spec["id"]);
    assert_eq!(category["serviceCandidate"][0]["href"], candidate["href"]);
    let root = tmf633(&app, "GET", &format!("/serviceCategory/{}", id(hosting)))
        .send()
        .json();
    assert_eq!(root["category"][0]["id"], linux["id"]);
    let created = tmf633(&app, "POST", "/serviceCategory")
        .json(&json!({"name": "Backups", "parentId": id(hosting),
            "serviceCandidate": [{"id": service}]}))
        .send();
    assert_eq!(created.status, 201, "{}", created.text());
    swagger.check_body("ServiceCategory", &created);
    let url = format!("/serviceCategory/{}", id(&created.json()));
    let cycle = tmf633(&app, "PATCH", &format!("/serviceCategory/{}", id(hosting)))
        .json(&json!({"parentId": id(&created.json())}))
        .send();
    assert_eq!(cycle.status, 422, "{}", cycle.text());
    assert!(cycle.text().contains("parentId"), "{}", cycle.text());
    swagger.check_body("Error", &cycle);
    let renamed = tmf633(&app, "PATCH", &url)
        .json(&json!({"name": "Backup and restore"}))
        .send();
    assert_eq!(renamed.status, 200, "{}", renamed.text());
    swagger.check_body("ServiceCategory", &renamed);
    assert_eq!(renamed.json()["serviceCandidate"][0]["id"], service);
    assert_eq!(tmf633(&app, "DELETE", &url).send().status, 204);
    let catalogs = tmf633(&app, "GET", "/serviceCatalog").send().json();
    assert_eq!(catalogs.as_array().map(Vec::len), Some(1), "one catalog");

    // Created in design: a specification, not yet a candidate; launched:
    // a candidate; retired: neither a candidate nor deletable while an
    // offering is built on it.
    let created = tmf633(&app, "POST", "/serviceSpecification")
        .json(
            &json!({"name": "Backup", "description": "Nightly", "lifecycleStatus": "In design",
            "resourceSpecification": [{"id": id(&p.catalogue.product)}]}),
        )
        .send();
    assert_eq!(created.status, 201, "{}", created.text());
    swagger.check_body("ServiceSpecification", &created);
    let url = format!("/serviceSpecification/{}", id(&created.json()));
    assert!(created
        .header("location")
        .is_some_and(|l| l.ends_with(&format!("{TMF633}{url}"))));
    let native = app
        .get(&format!("/api/v1/services/{}", id(&created.json())))
        .json();
    assert_eq!(native["portfolio_stage"], "pipeline");
    assert_eq!(native["product_ids"], json!([id(&p.catalogue.product)]));
    let candidate_url = format!("/serviceCandidate/{}", id(&created.json()));
    assert_eq!(tmf633(&app, "GET", &candidate_url).send().status, 404);
    let stale = tmf633(&app, "PATCH", &url)
        .header("If-Match", "\"7\"")
        .json(&json!({"lifecycleStatus": "Active"}))
        .send();
    assert_eq!(stale.status, 412, "{}", stale.text());
    swagger.check_body("Error", &stale);
    let launched = tmf633(&app, "PATCH", &url)
        .header("Content-Type", "application/merge-patch+json")
        .json(&json!({"lifecycleStatus": "Active", "name": "Backup, nightly"}))
        .send();
    assert_eq!(launched.status, 200, "{}", launched.text());
    swagger.check_body("ServiceSpecification", &launched);
    assert_eq!(launched.json()["version"], "2");
    let candidate = tmf633(&app, "GET", &candidate_url).send();
    assert_eq!(candidate.status, 200);
    assert_eq!(candidate.json()["name"], "Backup, nightly");
    let backwards = tmf633(&app, "PATCH", &url)
        .json(&json!({"lifecycleStatus": "In design"}))
        .send();
    assert_eq!(backwards.status, 422, "{}", backwards.text());
    swagger.check_body("Error", &backwards);
    assert!(
        backwards.text().contains("lifecycleStatus"),
        "the TMF attribute is named: {}",
        backwards.text()
    );
    let unknown = tmf633(&app, "POST", "/serviceSpecification")
        .json(&json!({"name": "X", "lifecycleStatus": "In design", "resourceSpecification": [{"id": id(&p.catalogue.product)}],
            "specCharacteristic": []}))
        .send();
    assert_eq!(unknown.status, 422, "{}", unknown.text());
    assert!(unknown.text().contains("specCharacteristic"));
    let in_use = tmf633(&app, "DELETE", &format!("/serviceSpecification/{service}")).send();
    assert_eq!(in_use.status, 409, "{}", in_use.text());
    swagger.check_body("Error", &in_use);
    let retired = tmf633(&app, "PATCH", &url)
        .json(&json!({"lifecycleStatus": "Retired"}))
        .send();
    assert_eq!(retired.json()["lifecycleStatus"], "Retired");
    assert_eq!(tmf633(&app, "GET", &candidate_url).send().status, 404);
    let deleted = tmf633(&app, "DELETE", &url).send();
    assert_eq!(deleted.status, 204, "{}", deleted.text());
    let gone = tmf633(&app, "GET", &url).send();
    assert_eq!(gone.status, 404);
    swagger.check_body("Error", &gone);

    // Candidates and the catalog are read through this API, written through
    // the specifications.
    for (method, path) in [
        ("POST", "/serviceCandidate".to_owned()),
        ("PATCH", format!("/serviceCandidate/{service}")),
        ("DELETE", format!("/serviceCandidate/{service}")),
        ("POST", "/serviceCatalog".to_owned()),
        ("DELETE", "/serviceCatalog/catalogue".to_owned()),
    ] {
        let res = tmf633(&app, method, &path)
            .json(&json!({"name": "X"}))
            .send();
        assert_eq!(res.status, 405, "{method} {path}: {}", res.text());
        swagger.check_body("Error", &res);
    }
    // Unknown paths and keys answer TMF errors.
    let none = tmf633(&app, "GET", "/importJob").send();
    assert_eq!(none.status, 404);
    swagger.check_body("Error", &none);
    let anonymous = tmf633(&app, "GET", "/serviceSpecification").no_key().send();
    assert_eq!(anonymous.status, 401);
    swagger.check_body("Error", &anonymous);
    let projected = tmf633(
        &app,
        "GET",
        "/serviceSpecification?fields=name&lifecycleStatus=Active",
    )
    .send();
    assert_eq!(projected.header("x-total-count"), Some("1"));
    for item in projected.json().as_array().expect("a list") {
        let mut keys: Vec<&String> = item.as_object().expect("an object").keys().collect();
        keys.sort();
        assert_eq!(keys, ["@type", "href", "id", "name"]);
    }
}

#[test]
fn each_facade_serves_its_committed_openapi_document_and_every_operation_in_it() {
    let app = TestApp::spawn();
    for (name, api) in [("tmf620", TMF620), ("tmf633", TMF633)] {
        let served = app
            .req("GET", &format!("{api}/openapi.json"))
            .no_key()
            .send();
        assert_eq!(served.status, 200, "{name}: public, as /openapi.json is");
        let file = format!("{}/openapi/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let committed = std::fs::read_to_string(&file).expect("the committed document");
        assert!(
            served.text() == committed,
            "openapi/{name}.json is stale: regenerate it with \
             `cargo run -- openapi {name} > openapi/{name}.json`"
        );
        assert_eq!(
            vitrine::api::tmf::document(name).as_deref(),
            Some(committed.as_str()),
            "the file is exactly what `vitrine openapi {name}` prints"
        );
        // Every operation it documents is served: none answers 405, or the
        // 404 of a path nothing serves.
        let document = served.json();
        let mut operations = 0;
        for (path, item) in document["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("an item").keys() {
                let url = format!("{api}{}", path.replace("{id}", "catalogue"));
                let res = app
                    .req(&method.to_uppercase(), &url)
                    .json(&json!({}))
                    .send();
                assert_ne!(res.status, 405, "{method} {url}");
                assert!(
                    !res.text().contains("Nothing is served at"),
                    "{method} {url}: {}",
                    res.text()
                );
                assert!(
                    item[method]["responses"][res.status.to_string()].is_object(),
                    "{method} {url} answered {}, which is not documented",
                    res.status
                );
                operations += 1;
            }
        }
        assert!(operations >= 10, "{name}: {operations} operations");
    }
}

#[test]
fn the_one_catalog_of_each_api_holds_what_it_serves() {
    let app = TestApp::spawn();
    let mut tmf620 = Swagger::tmf620();
    let catalog = tmf(&app, "GET", "/catalog/catalogue").send();
    assert_eq!(catalog.status, 200, "{}", catalog.text());
    tmf620.check_body("Catalog", &catalog);
    assert_eq!(catalog.json()["@type"], "Catalog");
    let list = tmf(&app, "GET", "/catalog").send();
    tmf620.check_body("Catalog", &list);
    assert_eq!(list.json(), json!([catalog.json()]));
    let other = tmf(&app, "GET", "/catalog/another").send();
    assert_eq!(other.status, 404);
    tmf620.check_body("Error", &other);
    assert!(other.text().contains("catalogue"), "{}", other.text());
    let write = tmf(&app, "PATCH", "/catalog/catalogue")
        .json(&json!({"name": "Mine"}))
        .send();
    assert_eq!(write.status, 405);
    tmf620.check_body("Error", &write);
    // Any key reads it: it names nothing but itself.
    let customer = app.create("/customers", json!({"name": "Acme"}));
    let key = app.key("customer", Some(&id(&customer)));
    let seen = tmf633(&app, "GET", "/serviceCatalog").key(&key).send();
    assert_eq!(seen.status, 200);
    Swagger::tmf633().check_body("ServiceCatalog", &seen);
}

#[test]
fn every_tmf620_answer_is_valid_against_the_official_swagger() {
    let app = TestApp::spawn();
    let p = priced(&app);
    let mut swagger = Swagger::tmf620();
    swagger.check_collections(
        &app,
        TMF620,
        &[
            ("/productSpecification", "ProductSpecification"),
            ("/productOffering", "ProductOffering"),
            ("/productOfferingPrice", "ProductOfferingPrice"),
            ("/category", "Category"),
            ("/catalog", "Catalog"),
        ],
    );
    // What was created natively reads as TMF says it.
    let offering = tmf(
        &app,
        "GET",
        &format!("/productOffering/{}", id(&p.offering)),
    )
    .send()
    .json();
    assert_eq!(offering["lifecycleStatus"], "Launched");
    assert_eq!(offering["@type"], "ProductOffering");
    assert_eq!(
        offering["productSpecification"]["id"],
        p.catalogue.product["id"]
    );
    assert_eq!(
        offering["validFor"],
        json!({"startDateTime": "2026-01-01T00:00:00.000000Z", "endDateTime": "2027-12-31T23:59:59.999999Z"})
    );
    assert_eq!(offering["marketSegment"][0]["id"], p.catalogue.group["id"]);
    assert_eq!(
        offering["serviceLevelAgreement"],
        json!({"id": p.offering["id"], "name": "availability: 99.9 %; response: 4 h",
            "@referredType": "ServiceLevelAgreement"})
    );
    let (hosting, linux) = &p.categories;
    assert_eq!(offering["category"][0]["id"], linux["id"]);
    let category = tmf(&app, "GET", &format!("/category/{}", id(linux)))
        .send()
        .json();
    assert_eq!(category["parentId"], hosting["id"]);
    assert_eq!(category["isRoot"], false);
    assert_eq!(category["productOffering"][0]["id"], p.offering["id"]);
    let root = tmf(&app, "GET", &format!("/category/{}", id(hosting)))
        .send()
        .json();
    assert_eq!(root["isRoot"], true);
    assert_eq!(root["subCategory"][0]["id"], linux["id"]);
    assert_eq!(root["productOffering"], json!([]));
    assert_eq!(
        offering["serviceCandidate"]["id"],
        p.catalogue.service["id"]
    );
    assert_eq!(
        offering["productOfferingPrice"]
            .as_array()
            .expect("prices")
            .len(),
        3
    );
    let prices: Vec<Value> = p
        .prices
        .iter()
        .map(|price| {
            tmf(&app, "GET", &format!("/productOfferingPrice/{}", id(price)))
                .send()
                .json()
        })
        .collect();
    assert_eq!(prices[0]["priceType"], "oneTime");
    assert_eq!(prices[0]["price"], json!({"unit": "EUR", "value": 500.0}));
    assert_eq!(prices[1]["recurringChargePeriodType"], "month");
    assert_eq!(prices[1]["recurringChargePeriodLength"], 1);
    assert_eq!(
        prices[2]["unitOfMeasure"],
        json!({"amount": 1, "units": "GB"})
    );
    let spec = tmf(
        &app,
        "GET",
        &format!("/productSpecification/{}", id(&p.catalogue.product)),
    )
    .send()
    .json();
    assert_eq!(spec["lifecycleStatus"], "In design");
    assert_eq!(
        spec["resourceSpecification"][0]["id"], p.catalogue.resource["id"],
        "each resource once, from the components of both visibilities"
    );
    assert_eq!(
        spec["resourceSpecification"]
            .as_array()
            .expect("refs")
            .len(),
        1
    );

    // Creates, changes and deletes answer valid resources too.
    for (path, definition, body, patch) in [
        (
            "/productSpecification",
            "ProductSpecification",
            json!({"name": "Firewall", "lifecycleStatus": "Active"}),
            json!({"description": "Next generation"}),
        ),
        (
            "/productOfferingPrice",
            "ProductOfferingPrice",
            json!({"name": "Per user", "priceType": "usage", "price": {"unit": "EUR", "value": 4.5},
                "unitOfMeasure": {"amount": 1, "units": "user"}, "isBundle": false}),
            json!({"price": {"unit": "EUR", "value": 3.75}}),
        ),
        (
            "/category",
            "Category",
            json!({"name": "Storage", "parentId": id(&p.categories.0), "lifecycleStatus": "Active",
                "productOffering": [{"id": id(&p.offering)}]}),
            json!({"name": "Storage, fast", "productOffering": []}),
        ),
        (
            "/productOffering",
            "ProductOffering",
            json!({"name": "Firewall, Gold", "productSpecification": {"id": id(&p.catalogue.product)},
                "productOfferingPrice": [{"id": id(&p.prices[1])}],
                "validFor": {"startDateTime": "2027-01-01T00:00:00Z"}}),
            json!({"name": "Firewall, Platinum"}),
        ),
    ] {
        let created = tmf(&app, "POST", path).json(&body).send();
        assert_eq!(created.status, 201, "{path}: {}", created.text());
        swagger.check_body(definition, &created);
        let url = format!("{path}/{}", id(&created.json()));
        assert!(created
            .header("location")
            .is_some_and(|l| l.ends_with(&format!("{TMF620}{url}"))));
        let changed = tmf(&app, "PATCH", &url).json(&patch).send();
        assert_eq!(changed.status, 200, "{url}: {}", changed.text());
        swagger.check_body(definition, &changed);
        assert_eq!(changed.json()["version"], "2");
        let deleted = tmf(&app, "DELETE", &url).send();
        assert_eq!(deleted.status, 204, "{url}: {}", deleted.text());
        let gone = tmf(&app, "GET", &url).send();
        assert_eq!(gone.status, 404);
        swagger.check_body("Error", &gone);
    }
}

#[test]
fn tmf620_lists_filter_project_and_page_as_tmf_clients_expect() {
    let app = TestApp::spawn();
    let p = priced(&app);
    let all = tmf(&app, "GET", "/productOfferingPrice").send();
    assert_eq!(all.header("x-total-count"), Some("3"));
    assert_eq!(all.header("x-result-count"), Some("3"));
    // Filters by equality, with the double quotes the official kit sends.
    let res = tmf(
        &app,
        "GET",
        "/productOfferingPrice?priceType=%22recurring%22",
    )
    .send();
    assert_eq!(
        res.json().as_array().expect("a list").len(),
        1,
        "{}",
        res.text()
    );
    assert_eq!(res.json()[0]["id"], p.prices[1]["id"]);
    let res = tmf(
        &app,
        "GET",
        "/productOfferingPrice?price.unit=EUR&priceType=usage",
    )
    .send();
    assert_eq!(res.json()[0]["id"], p.prices[2]["id"]);
    let res = tmf(
        &app,
        "GET",
        "/productOfferingPrice?name=Nothing%20like%20it",
    )
    .send();
    assert_eq!(res.json(), json!([]));
    assert_eq!(res.header("x-total-count"), Some("0"));
    // A member of a list matches when any item does.
    let res = tmf(
        &app,
        "GET",
        &format!(
            "/productOffering?productOfferingPrice.id={}",
            id(&p.prices[2])
        ),
    )
    .send();
    assert_eq!(res.json()[0]["id"], p.offering["id"]);
    // Pages.
    let page = tmf(&app, "GET", "/productOfferingPrice?offset=1&limit=1").send();
    assert_eq!(page.header("x-total-count"), Some("3"));
    assert_eq!(page.header("x-result-count"), Some("1"));
    assert_eq!(page.json()[0]["id"], all.json()[1]["id"]);
    let res = tmf(&app, "GET", "/productOfferingPrice?limit=0").send();
    assert_eq!(res.status, 400);
    // Projection keeps id, href and @type.
    let res = tmf(&app, "GET", "/productOfferingPrice?fields=name").send();
    for item in res.json().as_array().expect("a list") {
        assert_eq!(member_names(item), ["@type", "href", "id", "name"]);
    }
    // href follows the host the client used.
    let res = tmf(
        &app,
        "GET",
        &format!("/productOffering/{}", id(&p.offering)),
    )
    .header("Host", "catalogue.example.com")
    .send();
    assert_eq!(
        res.json()["href"],
        format!(
            "http://catalogue.example.com{TMF620}/productOffering/{}",
            id(&p.offering)
        )
    );
}

#[test]
fn tmf620_writes_honour_if_match_when_sent_and_name_tmf_attributes_in_errors() {
    let app = TestApp::spawn();
    let p = priced(&app);
    let url = format!("/productOfferingPrice/{}", id(&p.prices[0]));
    let stale = tmf(&app, "PATCH", &url)
        .json(&json!({"name": "Renamed"}))
        .if_match(7)
        .send();
    assert_eq!(stale.status, 412, "{}", stale.text());
    let body = stale.json();
    assert_eq!(body["code"], "precondition-failed");
    assert_eq!(body["status"], "412");
    assert!(body["reason"].is_string() && body["message"].is_string());
    let fresh = tmf(&app, "PATCH", &url)
        .merge_patch(&json!({"name": "Renamed"}))
        .if_match(1)
        .send();
    assert_eq!(fresh.status, 200, "{}", fresh.text());
    assert_eq!(fresh.json()["name"], "Renamed");
    // Errors name the TMF attribute, not the native field.
    let res = tmf(&app, "POST", "/productOfferingPrice")
        .json(
            &json!({"name": "Odd", "priceType": "oneTime", "price": {"unit": "euro", "value": 1}}),
        )
        .send();
    assert_eq!(res.status, 422, "{}", res.text());
    assert!(
        res.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("price.unit")),
        "{}",
        res.text()
    );
    let res = tmf(&app, "POST", "/productOffering")
        .json(&json!({"name": "O", "productSpecification": {"id": "9881"}}))
        .send();
    assert_eq!(res.status, 422, "{}", res.text());
    assert!(res.text().contains("productSpecification.id"));
    let res = tmf(&app, "POST", "/productOffering")
        .json(&json!({"name": "O", "bundledProductOffering": []}))
        .send();
    assert_eq!(
        res.status, 422,
        "an attribute Vitrine does not store is refused, not lost"
    );
    assert!(res.text().contains("bundledProductOffering"));
    let res = tmf(&app, "POST", "/productOffering")
        .json(&json!({"name": "O", "lifecycleStatus": "Launched"}))
        .send();
    assert_eq!(res.status, 422, "an active offering needs a service");
    assert!(res.text().contains("serviceCandidate"), "{}", res.text());
    // Something still referenced is not deleted.
    let res = tmf(&app, "DELETE", &url).send();
    assert_eq!(res.status, 409, "{}", res.text());
    assert_eq!(res.json()["code"], "conflict");
}

#[test]
fn tmf620_takes_the_same_keys_and_a_customer_key_reads_only_its_view() {
    let app = TestApp::spawn();
    let p = priced(&app);
    let res = tmf(&app, "GET", "/productOffering").no_key().send();
    assert_eq!(res.status, 401);
    assert_eq!(res.json()["code"], "unauthorized");
    assert!(res.header("www-authenticate").is_some());
    let viewer = app.key("viewer", None);
    assert_eq!(
        tmf(&app, "GET", "/productOffering")
            .key(&viewer)
            .send()
            .status,
        200
    );
    let res = tmf(&app, "POST", "/productSpecification")
        .key(&viewer)
        .json(&json!({"name": "X"}))
        .send();
    assert_eq!(res.status, 403);
    assert_eq!(res.json()["code"], "forbidden");
    let customer = app.key("customer", Some(&id(&p.catalogue.customer)));
    let res = tmf(&app, "GET", "/productSpecification")
        .key(&customer)
        .send();
    assert_eq!(res.status, 403, "products are internal");
    assert!(!res.text().contains(&id(&p.catalogue.product)));
    for (path, body) in [
        ("/productOffering", json!({"name": "Mine"})),
        (
            "/productOfferingPrice",
            json!({"name": "Mine", "priceType": "oneTime"}),
        ),
    ] {
        let res = tmf(&app, "POST", path).key(&customer).json(&body).send();
        assert_eq!(res.status, 403, "{path}: a customer key cannot write");
    }
    // Listeners are webhooks: an editor writes the catalogue, not them.
    let editor = app.key("editor", None);
    for api in [TMF620, TMF633] {
        let res = app
            .req("POST", &format!("{api}/hub"))
            .key(&editor)
            .json(&json!({"callback": "https://portal.example.com/hooks"}))
            .send();
        assert_eq!(res.status, 403, "{api}: {}", res.text());
    }
    let res = app.req("GET", "/tmf-api/nothingHere/v4/x").send();
    assert_eq!(res.status, 404);
    assert_eq!(res.json()["code"], "not-found");
    // Whatever refuses the request, a facade answers TMF's Error body.
    let res = tmf(&app, "GET", "/productOffering?name=%00").send();
    assert_eq!(res.status, 400, "{}", res.text());
    assert_eq!(res.json()["@type"], "Error", "{}", res.text());
    assert_eq!(
        res.header("content-type"),
        Some("application/json"),
        "not problem details"
    );
}

#[test]
fn an_offering_created_through_tmf620_is_in_the_native_api_and_the_right_view() {
    let app = TestApp::spawn();
    let p = priced(&app);
    let c = &p.catalogue;
    let stranger = app.create(
        "/customers",
        json!({"name": "Stranger", "consumer_group_ids": []}),
    );
    let res = tmf(&app, "POST", "/productOffering")
        .json(&json!({"name": "Backup, Gold", "description": "Nightly",
            "lifecycleStatus": "Launched", "serviceCandidate": {"id": id(&c.service)},
            "marketSegment": [{"id": id(&c.group)}],
            "productOfferingPrice": [{"id": id(&p.prices[1])}]}))
        .send();
    assert_eq!(res.status, 201, "{}", res.text());
    let created = res.json();
    let native = app.get(&format!("/api/v1/offerings/{}", id(&created)));
    assert_eq!(native.status, 200);
    let native = native.json();
    assert_eq!(native["status"], "active");
    assert_eq!(native["service_ids"], json!([id(&c.service)]));
    assert_eq!(native["price_ids"], json!([id(&p.prices[1])]));
    let seen = |customer: &Value| {
        app.get(&format!("/api/v1/customers/{}/view", id(customer)))
            .json()["offerings"]
            .as_array()
            .expect("offerings")
            .iter()
            .find(|o| o["id"] == created["id"])
            .cloned()
    };
    let shown = seen(&c.customer).expect("the group's customer sees it");
    assert_eq!(shown["prices"][0]["name"], "Monthly");
    assert!(seen(&stranger).is_none(), "a customer of no group does not");
    // An edit through the native API reads through TMF620.
    let res = app
        .req("PATCH", &format!("/api/v1/offerings/{}", id(&created)))
        .merge_patch(&json!({"name": "Backup, Platinum", "status": "retired"}))
        .if_match(1)
        .send();
    assert_eq!(res.status, 200, "{}", res.text());
    let read = tmf(&app, "GET", &format!("/productOffering/{}", id(&created)))
        .send()
        .json();
    assert_eq!(read["name"], "Backup, Platinum");
    assert_eq!(read["lifecycleStatus"], "Retired");
    assert_eq!(read["version"], "2");
    // The change feed saw both writes, whichever API made them.
    let events = app.get("/api/v1/changes?limit=500").json();
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["entity_id"] == created["id"])
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["created", "updated"], "{events}");
}

#[test]
#[should_panic(expected = "not a valid ProductOffering")]
fn the_swagger_check_fails_on_a_member_of_the_wrong_type() {
    Swagger::tmf620().check("ProductOffering", &json!({"id": "1", "isBundle": "no"}));
}

#[test]
#[should_panic(expected = "not a valid ProductOfferingPrice")]
fn the_swagger_check_fails_on_a_time_that_is_not_rfc_3339() {
    Swagger::tmf620().check(
        "ProductOfferingPrice",
        &json!({"id": "1", "lastUpdate": "yesterday"}),
    );
}

#[test]
#[should_panic(expected = "not a valid ServiceSpecification (#/components/schemas)")]
fn the_own_document_check_fails_on_an_attribute_it_does_not_document() {
    // The official swagger takes any extra member; the facade's own
    // document says exactly what it answers.
    Swagger::tmf633().check(
        "ServiceSpecification",
        &json!({"id": "1", "href": "http://tmf.example/s/1", "@type": "ServiceSpecification",
            "owner": "Ops"}),
    );
}

/// The members a customer may see of a TMF resource, at every depth:
/// an allow-list, as for the customer view.
fn tmf_allowed(kind: &str) -> &'static [(&'static str, &'static str)] {
    match kind {
        "offering" => &[
            ("id", ""),
            ("href", ""),
            ("name", ""),
            ("description", ""),
            ("isBundle", ""),
            ("isSellable", ""),
            ("lifecycleStatus", ""),
            ("validFor", "period"),
            ("serviceCandidate", "ref"),
            ("productOfferingPrice", "ref"),
            ("serviceLevelAgreement", "named ref"),
            ("@type", ""),
        ],
        "price" => &[
            ("id", ""),
            ("href", ""),
            ("name", ""),
            ("description", ""),
            ("isBundle", ""),
            ("lifecycleStatus", ""),
            ("priceType", ""),
            ("price", "money"),
            ("recurringChargePeriodType", ""),
            ("recurringChargePeriodLength", ""),
            ("unitOfMeasure", "quantity"),
            ("@type", ""),
        ],
        "service" => &[
            ("id", ""),
            ("href", ""),
            ("name", ""),
            ("description", ""),
            ("isBundle", ""),
            ("lifecycleStatus", ""),
            ("serviceLevelSpecification", "named ref"),
            ("@type", ""),
        ],
        "candidate" => &[
            ("id", ""),
            ("href", ""),
            ("name", ""),
            ("description", ""),
            ("lifecycleStatus", ""),
            ("serviceSpecification", "named ref"),
            ("@type", ""),
        ],
        "named ref" => &[
            ("id", ""),
            ("href", ""),
            ("name", ""),
            ("@referredType", ""),
        ],
        "period" => &[("startDateTime", ""), ("endDateTime", "")],
        "ref" => &[("id", ""), ("href", ""), ("@referredType", "")],
        "money" => &[("unit", ""), ("value", "")],
        "quantity" => &[("amount", ""), ("units", "")],
        other => panic!("no allow-list for {other}"),
    }
}

fn assert_tmf_allowed(value: &Value, kind: &str, path: &str) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                assert_tmf_allowed(item, kind, &format!("{path}[{i}]"));
            }
        }
        Value::Object(members) => {
            let allowed = tmf_allowed(kind);
            for (key, member) in members {
                let Some((_, child)) = allowed.iter().find(|(k, _)| k == key) else {
                    panic!("{path}.{key} is not on the allow-list of {kind}");
                };
                if child.is_empty() {
                    assert!(
                        !member.is_object() && !member.is_array(),
                        "{path}.{key} holds more than a value"
                    );
                } else {
                    assert_tmf_allowed(member, child, &format!("{path}.{key}"));
                }
            }
        }
        _ => panic!("{path} is not an object"),
    }
}

#[test]
fn a_customer_key_sees_through_tmf620_and_tmf633_exactly_its_view_and_nothing_it_hides() {
    let app = TestApp::spawn();
    let mut tmf620 = Swagger::tmf620();
    let mut tmf633 = Swagger::tmf633();
    let mut probes = 0usize;
    for seed in 7000..7010u64 {
        let g = model::generate(&app, seed);
        let every_id = g.every_id();
        for customer in &g.customers {
            let key = app.key("customer", Some(&id(customer)));
            // Today's view, as the facade serves today's.
            let view = app
                .get(&format!("/api/v1/customers/{}/view", id(customer)))
                .json();
            let offerings = view["offerings"].as_array().expect("offerings");
            let ids_of = |member: &str| {
                let mut ids: Vec<String> = offerings
                    .iter()
                    .flat_map(|o| o[member].as_array().expect(member).iter().map(id))
                    .collect();
                ids.sort();
                ids.dedup();
                ids
            };
            let shown_offerings: Vec<String> = offerings.iter().map(id).collect();
            let prices = ids_of("prices");
            let services = ids_of("services");
            for (api, path, definition, kind, shown) in [
                (
                    TMF620,
                    "/productOffering",
                    "ProductOffering",
                    "offering",
                    &shown_offerings,
                ),
                (
                    TMF620,
                    "/productOfferingPrice",
                    "ProductOfferingPrice",
                    "price",
                    &prices,
                ),
                (
                    TMF633,
                    "/serviceSpecification",
                    "ServiceSpecification",
                    "service",
                    &services,
                ),
                (
                    TMF633,
                    "/serviceCandidate",
                    "ServiceCandidate",
                    "candidate",
                    &services,
                ),
            ] {
                let swagger = if api == TMF620 {
                    &mut tmf620
                } else {
                    &mut tmf633
                };
                let path = format!("{api}{path}");
                let res = app.req("GET", &path).key(&key).send();
                assert_eq!(res.status, 200, "{path}: {}", res.text());
                probes += 1;
                swagger.check_body(definition, &res);
                assert_tmf_allowed(&res.json(), kind, &path);
                assert_no_leak(&res, &g, customer, &view, &path);
                let listed: Vec<String> = res
                    .json()
                    .as_array()
                    .expect("a list")
                    .iter()
                    .map(id)
                    .collect();
                assert_eq!(&listed, shown, "{path}: exactly what the view shows");
                let mut hidden = std::collections::BTreeSet::new();
                for other in &every_id {
                    let res = app.req("GET", &format!("{path}/{other}")).key(&key).send();
                    probes += 1;
                    if shown.contains(other) {
                        assert_eq!(res.status, 200);
                        assert_tmf_allowed(&res.json(), kind, &path);
                        assert_no_leak(&res, &g, customer, &view, &path);
                    } else {
                        // One answer for everything hidden, whatever it is.
                        assert_eq!(res.status, 404, "{path}/{other}: {}", res.text());
                        hidden.insert(res.text().replace(other.as_str(), "ID"));
                    }
                }
                assert!(hidden.len() <= 1, "{path}: {hidden:?}");
            }
            for path in [
                format!("{TMF620}/productSpecification"),
                format!("{TMF620}/category"),
                format!("{TMF633}/serviceCategory"),
            ] {
                let res = app.req("GET", &path).key(&key).send();
                assert_eq!(res.status, 403, "{path}");
                probes += 1;
            }
        }
    }
    println!("TMF leak matrix: {probes} probes as customer keys, nothing outside the view");
    assert!(probes >= 4_000, "{probes} probes");
}

#[test]
fn a_hub_listener_hears_the_tmf_events_it_asked_for_whichever_api_made_the_change() {
    use crate::helpers::{try_send, Server, TestDb};
    use crate::webhooks::{db_url, Receiver, LOOPBACK};
    use std::time::{Duration, Instant};

    let db = TestDb::new();
    let dir = tempfile::tempdir().expect("a folder");
    let server = Server::start(&db_url(&db, &dir), &LOOPBACK);
    let receiver = Receiver::start(0, Duration::ZERO);
    let send = |method: &str, path: &str, body: Option<&Value>| {
        try_send(&server.addr, method, path, body).expect("an answer")
    };
    let mut swagger = Swagger::tmf620();
    let query = "eventType=ProductOfferingCreateEvent,ProductOfferingAttributeValueChangeEvent,\
                 ProductOfferingStateChangeEvent,ProductOfferingDeleteEvent";
    let (status, hub) = send(
        "POST",
        &format!("{TMF620}/hub"),
        Some(&json!({"callback": receiver.url(), "query": query})),
    );
    assert_eq!(status, 201, "{hub}");
    swagger.check("EventSubscription", &hub);
    assert_eq!(hub["query"], query);
    let (status, refused) = send(
        "POST",
        &format!("{TMF620}/hub"),
        Some(&json!({"callback": receiver.url(), "query": "eventType=SomethingElse"})),
    );
    assert_eq!(status, 422, "{refused}");
    let services = Receiver::start(0, Duration::ZERO);
    let (status, service_hub) = send(
        "POST",
        &format!("{TMF633}/hub"),
        Some(&json!({"callback": services.url()})),
    );
    assert_eq!(status, 201, "{service_hub}");
    Swagger::tmf633().check("EventSubscription", &service_hub);

    // Made through TMF620 and through the native API alike.
    let (_, product) = send("POST", "/api/v1/products", Some(&json!({"name": "P"})));
    let (_, service) = send(
        "POST",
        "/api/v1/services",
        Some(&json!({"name": "S", "product_ids": [id(&product)], "portfolio_stage": "catalogue"})),
    );
    let (status, _) = send(
        "PATCH",
        &format!("{TMF633}/serviceSpecification/{}", id(&service)),
        Some(&json!({"description": "Heard through TMF633"})),
    );
    assert_eq!(status, 200);
    let (status, offering) = send(
        "POST",
        &format!("{TMF620}/productOffering"),
        Some(&json!({"name": "Heard"})),
    );
    assert_eq!(status, 201, "{offering}");
    let native = format!("/api/v1/offerings/{}", id(&offering));
    let tmf_url = format!("{TMF620}/productOffering/{}", id(&offering));
    let (status, _) = send(
        "PATCH",
        &tmf_url,
        Some(&json!({"serviceCandidate": {"id": id(&service)}})),
    );
    assert_eq!(status, 200);
    // A price is not asked for: not heard.
    send(
        "POST",
        &format!("{TMF620}/productOfferingPrice"),
        Some(&json!({"name": "Unheard", "priceType": "oneTime"})),
    );
    let patch = |body: Value| {
        let (_, current) = send("GET", &native, None);
        let (status, _, answer) = crate::helpers::send_raw(
            &server.addr,
            "PATCH",
            &native,
            &[
                (
                    "Authorization",
                    &format!("Bearer {}", crate::helpers::ADMIN_KEY),
                ),
                ("If-Match", &format!("\"{}\"", current["version"])),
            ],
            Some(&body),
        )
        .expect("an answer");
        assert_eq!(status, 200, "{answer}");
    };
    patch(json!({"status": "active"}));
    patch(json!({"name": "Heard well"}));
    let (status, _) = send("DELETE", &tmf_url, None);
    assert_eq!(status, 204);

    let expected = [
        "ProductOfferingCreateEvent",
        "ProductOfferingAttributeValueChangeEvent",
        "ProductOfferingStateChangeEvent",
        "ProductOfferingAttributeValueChangeEvent",
        "ProductOfferingDeleteEvent",
    ];
    let deadline = Instant::now() + Duration::from_secs(30);
    let bodies = loop {
        let bodies = receiver.received.lock().expect("the record").bodies.clone();
        if bodies.len() >= expected.len() {
            break bodies;
        }
        assert!(
            Instant::now() < deadline,
            "{} events: {bodies:?}",
            bodies.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let types: Vec<&str> = bodies
        .iter()
        .map(|b| b["eventType"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(types, expected, "in commit order, the asked ones only");
    for body in &bodies {
        swagger.check(body["eventType"].as_str().expect("a type"), body);
        assert_eq!(body["event"]["productOffering"]["id"], offering["id"]);
    }
    assert_eq!(
        bodies[0]["event"]["productOffering"]["href"],
        format!(
            "http://{}{TMF620}/productOffering/{}",
            server.addr,
            id(&offering)
        ),
        "hrefs are absolute"
    );
    // The service's changes reach the TMF633 listener, as TMF633 events.
    let bodies = loop {
        let bodies = services.received.lock().expect("the record").bodies.clone();
        if bodies.len() >= 2 {
            break bodies;
        }
        assert!(Instant::now() < deadline, "{bodies:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut tmf633 = Swagger::tmf633();
    let types: Vec<&str> = bodies
        .iter()
        .map(|b| b["eventType"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        types,
        [
            "ServiceSpecificationCreateEvent",
            "ServiceSpecificationChangeEvent"
        ]
    );
    for body in &bodies {
        tmf633.check(body["eventType"].as_str().expect("a type"), body);
        assert_eq!(body["event"]["serviceSpecification"]["id"], service["id"]);
    }
    assert_eq!(
        bodies[1]["event"]["serviceSpecification"]["description"],
        "Heard through TMF633"
    );
    // A listener of one API is not the other's.
    let (status, _) = send(
        "DELETE",
        &format!("{TMF620}/hub/{}", id(&service_hub)),
        None,
    );
    assert_eq!(status, 404);
    let (status, _) = send(
        "DELETE",
        &format!("{TMF633}/hub/{}", id(&service_hub)),
        None,
    );
    assert_eq!(status, 204);

    // Unregistered: 204, then nothing there.
    let (status, _) = send("DELETE", &format!("{TMF620}/hub/{}", id(&hub)), None);
    assert_eq!(status, 204);
    let (status, gone) = send("DELETE", &format!("{TMF620}/hub/{}", id(&hub)), None);
    assert_eq!(status, 404, "{gone}");
}

//! The public service endpoints: health, the spec and the docs.

use crate::helpers::TestApp;

#[test]
fn liveness_and_readiness_answer_with_a_request_id() {
    let app = TestApp::spawn();
    for path in ["/health/live", "/health/ready"] {
        let res = app.req("GET", path).no_key().send();
        assert_eq!(res.status, 200);
        assert_eq!(res.json()["status"], "ok");
        let request_id = res.header("x-request-id").expect("an X-Request-Id");
        assert!(uuid::Uuid::parse_str(request_id).is_ok(), "{request_id}");
    }
    let a = app.get("/health/live");
    let b = app.get("/health/live");
    assert_ne!(
        a.header("x-request-id"),
        b.header("x-request-id"),
        "one id per request"
    );
    // Errors carry it too.
    assert!(app
        .req("GET", "/api/v1/products")
        .no_key()
        .send()
        .header("x-request-id")
        .is_some());
}

#[test]
fn the_committed_spec_equals_the_served_spec() {
    let app = TestApp::spawn();
    let served = app.get("/openapi.json").json();
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("openapi/openapi.json is committed"),
    )
    .expect("the committed spec is JSON");
    assert!(
        served == committed,
        "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
    assert_eq!(
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json"))
            .expect("the file"),
        vitrine::startup::openapi_json(),
        "the file is exactly what `vitrine openapi` prints"
    );
}

#[test]
fn every_operation_documents_its_errors_as_problems() {
    let spec = vitrine::startup::openapi();
    let json = serde_json::to_value(&spec).expect("the spec as JSON");
    let mut operations = 0;
    for (path, item) in json["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            operations += 1;
            let responses = op["responses"].as_object().expect("responses");
            assert!(
                op["operationId"].is_string(),
                "{method} {path}: an operation id"
            );
            let errors: Vec<&String> = responses
                .keys()
                .filter(|s| s.starts_with('4') || s.starts_with('5'))
                .collect();
            assert!(
                !errors.is_empty() || path == "/health/live",
                "{method} {path} documents no error"
            );
            for status in errors {
                let mut response = &responses[status];
                if let Some(reference) = response["$ref"].as_str() {
                    let name = reference.trim_start_matches("#/components/responses/");
                    response = &json["components"]["responses"][name];
                }
                let content = &response["content"];
                assert!(
                    content.get("application/problem+json").is_some(),
                    "{method} {path} {status} is not problem+json"
                );
            }
            if path.starts_with("/api/v1") {
                for status in ["401", "403", "500"] {
                    assert!(
                        responses.contains_key(status),
                        "{method} {path} does not document {status}"
                    );
                }
            }
        }
    }
    assert!(operations >= 46, "{operations} operations");
}

#[test]
fn the_docs_render_from_assets_served_here() {
    let app = TestApp::spawn();
    let page = app.req("GET", "/docs/").no_key().send();
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no asset from elsewhere: {html}"
    );
    for asset in [
        "/docs/swagger-ui.css",
        "/docs/swagger-ui-bundle.js",
        "/docs/swagger-initializer.js",
    ] {
        let res = app.req("GET", asset).no_key().send();
        assert_eq!(res.status, 200, "{asset}");
        assert!(res.body.len() > 100, "{asset} is served whole");
    }
    let init = app
        .req("GET", "/docs/swagger-initializer.js")
        .no_key()
        .send()
        .text();
    assert!(
        init.contains("/openapi.json"),
        "the docs load this service's spec: {init}"
    );
}

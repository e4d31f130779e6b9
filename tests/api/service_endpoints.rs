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
                // Who-am-I answers every valid key: no role is refused.
                let refused = if path == "/api/v1/me" {
                    vec!["401", "500"]
                } else {
                    vec!["401", "403", "500"]
                };
                for status in refused {
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
    // Swagger UI sends the spec to swagger.io's validator unless its
    // validatorUrl is null or "none": the page calls nothing but Vitrine.
    let validator = init
        .split("\"validatorUrl\"")
        .nth(1)
        .and_then(|rest| rest.trim_start().strip_prefix(':'))
        .map(|rest| rest.trim_start())
        .unwrap_or_else(|| panic!("the initializer sets validatorUrl: {init}"));
    assert!(
        validator.starts_with("\"none\"") || validator.starts_with("null"),
        "{init}"
    );
    assert!(
        !init.contains("http://") && !init.contains("https://"),
        "{init}"
    );
}

#[test]
fn docs_without_a_slash_redirect_to_the_docs() {
    let app = TestApp::spawn();
    let res = app.req("GET", "/docs").no_key().send();
    assert_eq!(res.status, 308, "{}", res.text());
    assert_eq!(res.header("location"), Some("/docs/"));
}

#[test]
fn every_get_answers_head_with_its_headers_and_no_body() {
    let app = TestApp::spawn();
    let c = crate::helpers::Catalogue::build(&app);
    for path in [
        "/health/live".to_owned(),
        "/openapi.json".to_owned(),
        "/docs/".to_owned(),
        "/api/v1/products".to_owned(),
        format!("/api/v1/products/{}", crate::helpers::id(&c.product)),
        format!("/api/v1/customers/{}/view", crate::helpers::id(&c.customer)),
    ] {
        let get = app.get(&path);
        let head = app.req("HEAD", &path).send();
        assert_eq!(head.status, 200, "HEAD {path}");
        assert!(head.body.is_empty(), "HEAD {path} has no body");
        assert_eq!(
            head.header("content-type"),
            get.header("content-type"),
            "HEAD {path}"
        );
        assert_eq!(head.header("etag"), get.header("etag"), "HEAD {path}");
        if get.header("content-length").is_some() {
            assert_eq!(
                head.header("content-length"),
                Some(get.body.len().to_string().as_str()),
                "HEAD {path} tells the length of the GET"
            );
        }
    }
    // HEAD asks what GET would answer: errors too, without their bodies.
    let res = app.req("HEAD", "/api/v1/products").no_key().send();
    assert_eq!(res.status, 401);
    assert!(res.body.is_empty());
    let res = app
        .req(
            "HEAD",
            &format!("/api/v1/products/{}", uuid::Uuid::now_v7()),
        )
        .send();
    assert_eq!(res.status, 404);
}

/// The schemas a merge patch of `schema` merges into, member by member:
/// its object members (arrays are replaced whole).
fn merged_members<'a>(
    spec: &'a serde_json::Value,
    schema: &'a serde_json::Value,
) -> Vec<(String, &'a serde_json::Value)> {
    let resolve = |s: &'a serde_json::Value| -> &'a serde_json::Value {
        match s["$ref"].as_str() {
            Some(r) => {
                &spec["components"]["schemas"][r.trim_start_matches("#/components/schemas/")]
            }
            None => s,
        }
    };
    let schema = resolve(schema);
    let mut out = Vec::new();
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        let branches: Vec<&serde_json::Value> = match (property.get("oneOf"), property.get("anyOf"))
        {
            (Some(b), _) | (_, Some(b)) => b.as_array().into_iter().flatten().collect(),
            _ => vec![property],
        };
        for branch in branches {
            let target = resolve(branch);
            if target.get("properties").is_some() {
                out.push((name.clone(), target));
            }
        }
    }
    out
}

#[test]
fn no_merge_patch_schema_requires_a_member_or_gives_a_default() {
    let spec = serde_json::to_value(vitrine::startup::openapi()).expect("the spec as JSON");
    let mut patches = 0;
    for (path, item) in spec["paths"].as_object().expect("paths") {
        let Some(op) = item.get("patch") else {
            continue;
        };
        patches += 1;
        let body = &op["requestBody"]["content"]["application/merge-patch+json"]["schema"];
        assert!(body.is_object(), "PATCH {path} documents its merge patch");
        // Every object a patch merges into, at any depth.
        let mut todo = vec![(format!("PATCH {path}"), body)];
        while let Some((at, schema)) = todo.pop() {
            let resolved = match schema["$ref"].as_str() {
                Some(r) => {
                    &spec["components"]["schemas"][r.trim_start_matches("#/components/schemas/")]
                }
                None => schema,
            };
            assert!(
                resolved.get("required").is_none(),
                "{at} requires {}",
                resolved["required"]
            );
            assert!(resolved.get("default").is_none(), "{at} has a default");
            for (name, property) in resolved["properties"].as_object().expect("properties") {
                assert!(
                    property.get("default").is_none(),
                    "{at}.{name} has a default: {property}"
                );
            }
            for (name, member) in merged_members(&spec, resolved) {
                todo.push((format!("{at}.{name}"), member));
            }
        }
    }
    assert_eq!(patches, 12, "every collection with a PATCH, webhooks too");
}

//! `/preview` is served whole from the binary, reachable without a key, and
//! may load and call nothing but this service. What the page shows is
//! checked in a browser by `.ci/preview`.

use crate::helpers::TestApp;

#[test]
fn the_preview_page_and_its_assets_are_served_with_a_policy_that_keeps_them_home() {
    let app = TestApp::spawn();
    let page = app.req("GET", "/preview").no_key().send();
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = page.text();
    // Every file the page names is served, with its type and the policy.
    let mut named = Vec::new();
    for attribute in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attribute) {
            let target: String = html[i + attribute.len()..]
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            named.push(target);
        }
    }
    let assets: Vec<&String> = named.iter().filter(|t| t.starts_with('/')).collect();
    assert_eq!(assets.len(), 2, "{named:?}");
    for asset in assets {
        let served = app.req("GET", asset).no_key().send();
        assert_eq!(served.status, 200, "{asset}");
        let expected = if asset.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(served.header("content-type"), Some(expected), "{asset}");
        let policy = served.header("content-security-policy").expect("a policy");
        assert!(policy.starts_with("default-src 'self';"), "{policy}");
        assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
        let text = served.text();
        assert!(
            !text.contains("http://") && !text.contains("https://") && !text.contains("//cdn"),
            "{asset} names an outside address"
        );
    }
    for target in &named {
        assert!(
            target.starts_with('/') || target.starts_with("data:") || target.starts_with('#'),
            "the page names {target}"
        );
    }
    let policy = page.header("content-security-policy").expect("a policy");
    for directive in [
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(policy.contains(directive), "{policy}");
    }
    // The page is not an API: a method it does not take is a problem.
    let posted = app.req("POST", "/preview").no_key().send();
    assert!(posted.status >= 400, "{}", posted.status);
}

//! `/preview`: the page where a catalogue manager sees a customer's view
//! (or a consumer group's) as a customer portal would show it, and what
//! the customer does not see beside it, greyed. The page calls the JSON
//! API only, with the key pasted into it; its assets are in the binary,
//! and its Content-Security-Policy lets it reach nothing but this service.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

/// What the page may load and call: this service, nothing else.
const POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
    script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; \
    frame-ancestors 'none'";

/// The page's files: path, content type, content.
const ASSETS: [(&str, &str, &str); 3] = [
    (
        "/preview",
        "text/html; charset=utf-8",
        include_str!("preview/index.html"),
    ),
    (
        "/preview/preview.js",
        "text/javascript; charset=utf-8",
        include_str!("preview/preview.js"),
    ),
    (
        "/preview/preview.css",
        "text/css; charset=utf-8",
        include_str!("preview/preview.css"),
    ),
];

/// Routes the page's files.
pub fn configure(config: &mut web::ServiceConfig) {
    for (path, content_type, content) in ASSETS {
        config.route(
            path,
            web::get().to(move || async move {
                HttpResponse::Ok()
                    .insert_header((header::CONTENT_TYPE, content_type))
                    .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
                    .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                    .insert_header((header::CACHE_CONTROL, "no-cache"))
                    .insert_header((header::REFERRER_POLICY, "no-referrer"))
                    .body(content)
            }),
        );
    }
}

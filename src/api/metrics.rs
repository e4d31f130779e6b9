//! `GET /metrics` in the Prometheus text format, served on its own address
//! (`VITRINE_METRICS_BIND`) and never on the API's, so that it is not
//! public by accident; and the middleware that counts each request.

use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

use super::AppState;
use crate::metrics::{self, Scraped};

/// The methods counted by name; any other is counted as `other`, so that a
/// client cannot make series without end.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Counts each request by method, route template (`unmatched` when no
/// route takes its path) and status, with its latency.
pub async fn count_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = METHODS
        .into_iter()
        .find(|m| *m == req.method().as_str())
        .unwrap_or("other");
    let route = req
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let answered = next.call(req).await;
    let status = match &answered {
        Ok(response) => response.status().as_u16(),
        Err(e) => e.as_response_error().status_code().as_u16(),
    };
    metrics::request(method, &route, status, started.elapsed());
    answered
}

/// The metrics, with the pool and the webhook backlog read now.
pub async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let catalogue = state.catalogue.clone();
    // Not through the request permits: a scrape must answer when every
    // connection is taken, which is when it matters most.
    let backlog = web::block(move || catalogue.webhook_backlog())
        .await
        .ok()
        .and_then(Result::ok);
    let (pool_in_use, pool_idle, pool_max) = state.catalogue.pool_state();
    let text = metrics::render(&Scraped {
        pool_in_use,
        pool_idle,
        pool_max,
        webhook_backlog: backlog,
    });
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        ))
        .body(text)
}

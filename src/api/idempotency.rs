//! `Idempotency-Key` on POST: a retry with the same key and the same
//! request gets the first answer again (status, `Location`, `ETag`, body)
//! and creates nothing; the same key with another request is a 422. Keys
//! belong to the API key that sent them, and are kept
//! `VITRINE_IDEMPOTENCY_TTL_HOURS`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::AppState;
use crate::catalogue::Actor;
use crate::error::{ApiError, PROBLEM_JSON};
use crate::service::idempotency::{Once, Outcome, StoredAnswer};
use crate::service::{self, UnitOfWork};

/// The header.
pub const HEADER: &str = "Idempotency-Key";
/// The header a replayed answer carries.
pub const REPLAYED: &str = "Idempotent-Replayed";
/// The pattern of a key: 1 to 255 visible ASCII characters.
pub const PATTERN: &str = "^[!-~]{1,255}$";

/// The idempotent request a POST makes, when it sends a key: the key, and
/// a digest of its method, path and body.
fn once(state: &AppState, req: &HttpRequest, body: &[u8]) -> Result<Option<Once>, ApiError> {
    let Some(value) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| (b'!'..=b'~').contains(&b)))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "`{HEADER}` must be 1 to 255 visible ASCII characters, such as a UUID."
            ))
        })?;
    let mut digest = Sha256::new();
    digest.update(req.method().as_str().as_bytes());
    digest.update(b" ");
    digest.update(req.path().as_bytes());
    digest.update(b"\n");
    digest.update(body);
    Ok(Some(Once {
        key: key.to_owned(),
        request_digest: digest
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        keep_for: chrono::Duration::from_std(state.idempotency_ttl)
            .unwrap_or(chrono::Duration::hours(24)),
    }))
}

/// Runs a create `op` of `actor`, once per `Idempotency-Key` when the
/// request sends one. `first` makes the answer to the request that ran it;
/// `stored` the answer kept for its replays.
pub async fn create<T, Op, First, Stored>(
    state: &AppState,
    req: &HttpRequest,
    body: &[u8],
    actor: Actor,
    op: Op,
    first: First,
    stored: Stored,
) -> Result<HttpResponse, ApiError>
where
    T: Send + 'static,
    Op: FnOnce(&mut UnitOfWork) -> Result<T, service::Error> + Send + 'static,
    First: FnOnce(T) -> HttpResponse,
    Stored: FnOnce(&T) -> StoredAnswer + Send + 'static,
{
    let once = once(state, req, body)?;
    let outcome = state
        .run(move |catalogue| match once {
            Some(once) => catalogue.write_once(actor, &once, op, stored),
            None => catalogue.write(actor, op).map(Outcome::Done),
        })
        .await?;
    Ok(match outcome {
        Outcome::Done(value) => first(value),
        Outcome::Replayed(answer) => replay(&answer),
    })
}

/// The answer kept for the replays of a create that answered 201.
pub fn created(location: String, etag: String, body: &impl serde::Serialize) -> StoredAnswer {
    StoredAnswer {
        status: 201,
        location: Some(location),
        etag: Some(etag),
        body: serde_json::to_string(body).unwrap_or_default(),
    }
}

/// A kept answer, given again.
fn replay(answer: &StoredAnswer) -> HttpResponse {
    let status = u16::try_from(answer.status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let mut response = HttpResponse::build(status);
    response.insert_header((
        header::CONTENT_TYPE,
        if status.is_client_error() || status.is_server_error() {
            PROBLEM_JSON
        } else {
            "application/json"
        },
    ));
    response.insert_header((REPLAYED, HeaderValue::from_static("true")));
    if let Some(location) = &answer.location {
        response.insert_header((header::LOCATION, location.as_str()));
    }
    if let Some(etag) = &answer.etag {
        response.insert_header((header::ETAG, etag.as_str()));
    }
    response.body(answer.body.clone())
}

//! Request bodies: JSON only, read after the caller is authorised, within a
//! size cap and a time limit, a bounded number at once; every refusal a
//! problem that names what is wrong.
//!
//! A handler checks the caller's role first, then calls [`json`] or
//! [`merge_patch`]: a key that may not write is refused before one byte of
//! its body is read, and the connection closes with the unread body.

use std::sync::Arc;
use std::time::Duration;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::HttpRequest;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::strict_json;
use crate::catalogue::validate::parse_input;
use crate::error::ApiError;

/// How bodies are read: at most `max_bytes`, within `timeout` of the
/// handler asking, and at most as many at once as the reader has permits.
///
/// A body that finds no permit is refused at once (503) rather than kept
/// waiting: a waiting connection holds what the HTTP layer has buffered of
/// its body, so waiting bodies would grow memory with their number.
#[derive(Clone)]
pub struct BodyReader {
    max_bytes: usize,
    timeout: Duration,
    permits: Arc<Semaphore>,
}

impl BodyReader {
    /// A reader of bodies up to `max_bytes`, each read within `timeout`,
    /// `in_flight` at once.
    pub fn new(max_bytes: usize, timeout: Duration, in_flight: usize) -> BodyReader {
        BodyReader {
            max_bytes,
            timeout,
            permits: Arc::new(Semaphore::new(in_flight.max(1))),
        }
    }

    /// How long a body may take to arrive.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Reads the whole body: 413 over the cap (before reading, when the
    /// declared length says so), 408 when it does not arrive in time, 503
    /// when too many bodies are being read.
    async fn read(&self, req: &HttpRequest, payload: web::Payload) -> Result<Bytes, ApiError> {
        let too_large = || {
            ApiError::PayloadTooLarge(format!(
                "The body is larger than the {} bytes the service accepts.",
                self.max_bytes
            ))
        };
        let declared = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared.is_some_and(|n| n > self.max_bytes as u64) {
            return Err(too_large());
        }
        let deadline = Instant::now() + self.timeout;
        let _permit = self.permits.clone().try_acquire_owned().map_err(|_| {
            ApiError::Unavailable(
                "The service is reading as many request bodies as it can. Try again shortly."
                    .to_owned(),
            )
        })?;
        match tokio::time::timeout_at(deadline, payload.to_bytes_limited(self.max_bytes)).await {
            Err(_) => Err(ApiError::RequestTimeout(format!(
                "The body did not arrive within {} ms.",
                self.timeout.as_millis()
            ))),
            Ok(Err(_)) => Err(too_large()),
            Ok(Ok(Err(e))) => Err(ApiError::BadRequest(format!(
                "The body could not be read: {e}."
            ))),
            Ok(Ok(Ok(bytes))) => Ok(bytes),
        }
    }
}

/// The body of a create: `application/json`, parsed into `T`; with the
/// bytes it was parsed from.
pub async fn json<T: DeserializeOwned>(
    reader: &BodyReader,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<(T, Bytes), ApiError> {
    check_content_type(req, &["application/json"])?;
    let body = reader.read(req, payload).await?;
    Ok((parse_input(document(&body)?)?, body))
}

/// The body of a PATCH: a JSON Merge Patch (`application/merge-patch+json`,
/// or `application/json`), which must be an object.
pub async fn merge_patch(
    reader: &BodyReader,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Value, ApiError> {
    check_content_type(req, &["application/merge-patch+json", "application/json"])?;
    let body = reader.read(req, payload).await?;
    let value = document(&body)?;
    if !value.is_object() {
        return Err(ApiError::invalid_field(
            "",
            "a merge patch must be a JSON object of the fields to change",
        ));
    }
    Ok(value)
}

/// Refuses a body that is not sent as one of `accepted` (415).
pub fn check_content_type(req: &HttpRequest, accepted: &[&str]) -> Result<(), ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if accepted.contains(&essence.as_str()) {
        return Ok(());
    }
    Err(ApiError::UnsupportedMediaType(format!(
        "The body must be sent as {}; it was sent as `{}`.",
        accepted.join(" or "),
        if content_type.is_empty() {
            "nothing"
        } else {
            content_type
        }
    )))
}

/// A JSON document in which no object names a member twice.
fn document(body: &[u8]) -> Result<Value, ApiError> {
    strict_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("The body is not valid JSON: {e}.")))
}

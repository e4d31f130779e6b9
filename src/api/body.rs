//! Request bodies: JSON only, parsed after the caller is authorised, with
//! every refusal a problem that names what is wrong.

use actix_web::http::header;
use actix_web::HttpRequest;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::catalogue::validate::parse_input;
use crate::error::ApiError;

/// The body of a create: `application/json`, parsed into `T`.
pub fn json<T: DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let value = document(req, body, &["application/json"])?;
    Ok(parse_input(value)?)
}

/// The body of a PATCH: a JSON Merge Patch (`application/merge-patch+json`,
/// or `application/json`), which must be an object.
pub fn merge_patch(req: &HttpRequest, body: &[u8]) -> Result<Value, ApiError> {
    let value = document(
        req,
        body,
        &["application/merge-patch+json", "application/json"],
    )?;
    if !value.is_object() {
        return Err(ApiError::invalid_field(
            "",
            "a merge patch must be a JSON object of the fields to change",
        ));
    }
    Ok(value)
}

fn document(req: &HttpRequest, body: &[u8], accepted: &[&str]) -> Result<Value, ApiError> {
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
    if !accepted.contains(&essence.as_str()) {
        return Err(ApiError::UnsupportedMediaType(format!(
            "The body must be sent as {}; it was sent as `{}`.",
            accepted.join(" or "),
            if content_type.is_empty() {
                "nothing"
            } else {
                content_type
            }
        )));
    }
    serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("The body is not valid JSON: {e}.")))
}

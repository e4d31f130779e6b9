//! The one error type of the HTTP layer, answered as RFC 9457 problem
//! details. A 500 says nothing of its cause to the client; the log says it
//! all, once, here.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::catalogue::{CatalogueError, FieldError};
use crate::service;
use crate::store::StoreError;

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Problem details (RFC 9457): the body of every 4xx and 5xx answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "urn:vitrine:problem:invalid-input",
    "title": "Invalid input",
    "status": 422,
    "detail": "The request breaks 1 rule; nothing was written.",
    "errors": [{"field": "name", "message": "must not be empty"}]
}))]
pub struct Problem {
    /// A URI that names the kind of problem, such as
    /// `urn:vitrine:problem:invalid-input`; stable, for clients to branch on.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The fields concerned: those refused, for invalid input (422); those
    /// another entity holds already, for a conflict (409).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(nullable = false)]
    pub errors: Vec<FieldError>,
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request itself is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 401: no key, or a key that is not valid.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the key's role may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: nothing here (or nothing this caller may see).
    #[error("{0}")]
    NotFound(String),
    /// 405: the path exists, but not with this method.
    #[error("{method} is not allowed on {path}; it allows {allow}.")]
    MethodNotAllowed {
        /// The method asked for.
        method: String,
        /// The path.
        path: String,
        /// The methods the path allows, as for `Allow`.
        allow: String,
    },
    /// 410: what was asked for is no longer kept.
    #[error("{0}")]
    Gone(String),
    /// 408: the body did not arrive in time.
    #[error("{0}")]
    RequestTimeout(String),
    /// 409: the change conflicts with the catalogue's state.
    #[error("{detail}")]
    Conflict {
        /// What conflicts.
        detail: String,
        /// The fields in conflict, when they can be named.
        errors: Vec<FieldError>,
    },
    /// 412: `If-Match` names a version that is not current.
    #[error("{0}")]
    PreconditionFailed(String),
    /// 413: the body is over the size cap.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 415: the body is not JSON.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: the body is well-formed but breaks rules.
    #[error("{detail}")]
    Invalid {
        /// A summary.
        detail: String,
        /// The refused fields.
        errors: Vec<FieldError>,
    },
    /// 428: a write that needs `If-Match` came without it.
    #[error("{0}")]
    PreconditionRequired(String),
    /// 503: the database is out of reach or busy; try again shortly.
    #[error("{0}")]
    Unavailable(String),
    /// 500: a fault of the service; the cause is logged, never shown.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// 422 for one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::invalid(vec![FieldError::new(field, message)])
    }

    /// 409 with no field named.
    pub fn conflict(detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// 422 for these fields.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let n = errors.len();
        ApiError::Invalid {
            detail: format!(
                "The request breaks {n} rule{}; nothing was written.",
                if n == 1 { "" } else { "s" }
            ),
            errors,
        }
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "Bad request"),
            ApiError::Unauthorized(_) => ("unauthorized", "Unauthorized"),
            ApiError::Forbidden(_) => ("forbidden", "Forbidden"),
            ApiError::NotFound(_) => ("not-found", "Not found"),
            ApiError::MethodNotAllowed { .. } => ("method-not-allowed", "Method not allowed"),
            ApiError::RequestTimeout(_) => ("request-timeout", "Request timeout"),
            ApiError::Gone(_) => ("gone", "Gone"),
            ApiError::Conflict { .. } => ("conflict", "Conflict"),
            ApiError::PreconditionFailed(_) => ("precondition-failed", "Precondition failed"),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "Payload too large"),
            ApiError::UnsupportedMediaType(_) => {
                ("unsupported-media-type", "Unsupported media type")
            }
            ApiError::Invalid { .. } => ("invalid-input", "Invalid input"),
            ApiError::PreconditionRequired(_) => ("precondition-required", "Precondition required"),
            ApiError::Unavailable(_) => ("unavailable", "Service unavailable"),
            ApiError::Internal(_) => ("internal", "Internal error"),
        }
    }

    /// The problem details of this error, as sent to the client.
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let (detail, errors) = match self {
            ApiError::Invalid { detail, errors } | ApiError::Conflict { detail, errors } => {
                (detail.clone(), errors.clone())
            }
            ApiError::Internal(_) => (
                "The service failed to answer this request. It has been logged; please try again later."
                    .to_owned(),
                Vec::new(),
            ),
            other => (other.to_string(), Vec::new()),
        };
        problem(self.status_code(), slug, title, detail, errors)
    }
}

/// Builds problem details.
pub fn problem(
    status: StatusCode,
    slug: &str,
    title: &str,
    detail: String,
    errors: Vec<FieldError>,
) -> Problem {
    Problem {
        kind: format!("urn:vitrine:problem:{slug}"),
        title: title.to_owned(),
        status: status.as_u16(),
        detail,
        errors,
    }
}

/// A problem+json response.
pub fn problem_response(status: StatusCode, problem: &Problem) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)));
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
    }
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"vitrine\""),
        ));
    }
    // Serialising a struct of strings and numbers cannot fail.
    response.body(serde_json::to_string(problem).unwrap_or_default())
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = self {
            tracing::error!(error.cause = %cause, "request failed");
        }
        let mut response = problem_response(self.status_code(), &self.problem());
        // The rest of an unread body would be taken for the next request.
        if let ApiError::RequestTimeout(_) = self {
            response
                .headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if let ApiError::MethodNotAllowed { allow, .. } = self {
            if let Ok(value) = HeaderValue::from_str(allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        use diesel::result::{DatabaseErrorKind, Error as D};
        if let Some(columns) = e.unique_columns() {
            let field = columns.first().cloned().unwrap_or_default();
            return ApiError::Conflict {
                detail: format!(
                    "Another entity has the same {}; nothing was written.",
                    if columns.is_empty() {
                        "key".to_owned()
                    } else {
                        columns.join(" and ")
                    }
                ),
                errors: vec![FieldError::new(field, "is already taken")],
            };
        }
        match e {
            StoreError::Unavailable(_) => ApiError::Unavailable(
                "The database is busy: no connection became free in time. Try again shortly."
                    .to_owned(),
            ),
            StoreError::Query(D::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
                ApiError::conflict(
                    "The change refers to something that was deleted meanwhile, or deletes \
                     something still referenced; nothing was written.",
                )
            }
            StoreError::Query(D::DatabaseError(DatabaseErrorKind::ClosedConnection, _)) => {
                ApiError::Unavailable(
                    "The connection to the database was lost. Try again shortly.".to_owned(),
                )
            }
            StoreError::Query(D::DatabaseError(DatabaseErrorKind::SerializationFailure, _)) => {
                ApiError::Unavailable(
                    "The change collided with a concurrent change; try again.".to_owned(),
                )
            }
            StoreError::Query(D::DatabaseError(_, ref info))
                if info.message().contains("database is locked")
                    || info.message().contains("database is busy") =>
            {
                ApiError::Unavailable("The database is busy. Try again shortly.".to_owned())
            }
            StoreError::Query(D::DatabaseError(_, ref info))
                if info.message().contains("statement timeout") =>
            {
                ApiError::Unavailable(
                    "The database did not answer in time. Try again shortly.".to_owned(),
                )
            }
            other => ApiError::Internal(format!("database: {other}")),
        }
    }
}

impl From<CatalogueError> for ApiError {
    fn from(e: CatalogueError) -> Self {
        match e {
            CatalogueError::NotFound { entity } => {
                ApiError::NotFound(format!("No {} has this id.", entity.replace('_', " ")))
            }
            CatalogueError::Invalid(errors) => ApiError::invalid(errors),
            CatalogueError::PreconditionFailed => ApiError::PreconditionFailed(
                "If-Match does not name the current version: the entity changed since it was \
                 read. Read it again and reapply the change."
                    .to_owned(),
            ),
            CatalogueError::Conflict(detail) => ApiError::conflict(detail),
            CatalogueError::Taken(errors) => ApiError::Conflict {
                detail: "Another entity holds what the change names already; nothing was written."
                    .to_owned(),
                errors,
            },
            CatalogueError::Internal { what, cause } => {
                ApiError::Internal(format!("internal failure: {what}: {cause}"))
            }
        }
    }
}

impl From<service::Error> for ApiError {
    fn from(e: service::Error) -> Self {
        match e {
            service::Error::Catalogue(e) => e.into(),
            service::Error::Store(e) => e.into(),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(e: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(format!("blocking task failed: {e}"))
    }
}

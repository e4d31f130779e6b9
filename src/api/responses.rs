//! The error responses of each kind of operation, documented once: every
//! one is problem+json.

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::IntoResponses;

use crate::error::PROBLEM_JSON;

/// The name of the shared response of a status, in `components/responses`.
fn name(status: u16) -> &'static str {
    match status {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        408 => "RequestTimeout",
        409 => "Conflict",
        410 => "Gone",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "InvalidInput",
        428 => "PreconditionRequired",
        500 => "InternalError",
        503 => "Unavailable",
        _ => "Error",
    }
}

/// Every error status the API answers with.
pub const STATUSES: [u16; 14] = [
    400, 401, 403, 404, 408, 409, 410, 412, 413, 415, 422, 428, 500, 503,
];

/// The shared error responses, for `components/responses`.
pub fn components() -> Vec<(&'static str, Response)> {
    STATUSES
        .iter()
        .map(|s| (name(*s), problem_response(*s)))
        .collect()
}

fn describe(status: u16) -> &'static str {
    match status {
        400 => "The request is malformed: a query parameter, the cursor, the `Idempotency-Key` header, or the JSON syntax of the body.",
        401 => "No API key was presented, or the key is not valid.",
        403 => "The key's role may not do this.",
        404 => "Nothing with this id exists (an id that is not a UUID names nothing either), or the caller may not see it.",
        408 => "The body did not arrive within `VITRINE_BODY_TIMEOUT_MS`; nothing was written, and the connection is closed.",
        409 => "The change conflicts with the catalogue, such as a delete of something still referenced, or a key another entity holds already (`errors` names its fields); nothing was changed.",
        410 => "The events after this cursor are no longer kept; read the catalogue again.",
        412 => "`If-Match` does not name the entity's current version; nothing was changed.",
        413 => "The body is larger than the service accepts.",
        415 => "The body is not sent with a JSON content type.",
        422 => "The body breaks one or more rules; `errors` names each field. Nothing was written.",
        428 => "The change needs `If-Match` with the entity's current `ETag`.",
        500 => "The service failed to answer; the cause is logged, never shown.",
        503 => "The database is busy or out of reach, or too many bodies are being read; retry after `Retry-After` seconds.",
        _ => "An error.",
    }
}

fn problem_response(status: u16) -> Response {
    let mut response = ResponseBuilder::new()
        .description(describe(status))
        .content(
            PROBLEM_JSON,
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        );
    let string = || ObjectBuilder::new().schema_type(Type::String).build();
    if status == 503 {
        response = response.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some("Seconds to wait before trying again."))
                .build(),
        );
    }
    if status == 401 {
        response = response.header(
            "WWW-Authenticate",
            HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some("`Bearer realm=\"vitrine\"`"))
                .build(),
        );
    }
    response.build()
}

fn problems(statuses: &[u16]) -> BTreeMap<String, RefOr<Response>> {
    statuses
        .iter()
        .map(|s| {
            let reference = Ref::new(format!("#/components/responses/{}", name(*s)));
            (s.to_string(), RefOr::Ref(reference))
        })
        .collect()
}

macro_rules! error_set {
    ($(#[$meta:meta])* $name:ident = [$($status:literal),+]) => {
        $(#[$meta])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                problems(&[$($status),+])
            }
        }
    };
}

error_set!(
    /// The errors of a read that only needs a valid key.
    WhoErrors = [400, 401, 500, 503]
);
error_set!(
    /// The errors of a list.
    ListErrors = [400, 401, 403, 500, 503]
);
error_set!(
    /// The errors of a read of one entity.
    GetErrors = [400, 401, 403, 404, 500, 503]
);
error_set!(
    /// The errors of a create: 409 when an external reference it names is
    /// another entity's already.
    CreateErrors = [400, 401, 403, 408, 409, 413, 415, 422, 500, 503]
);
error_set!(
    /// The errors of a key's create: 409 when it replays a create whose
    /// secret cannot be shown twice.
    CreateKeyErrors = [400, 401, 403, 408, 409, 413, 415, 422, 500, 503]
);
error_set!(
    /// The errors of a create in a sub-collection, whose parent may be missing.
    CreateChildErrors = [400, 401, 403, 404, 408, 409, 413, 415, 422, 500, 503]
);
error_set!(
    /// The errors of a merge patch.
    UpdateErrors = [400, 401, 403, 404, 408, 409, 412, 413, 415, 422, 428, 500, 503]
);
error_set!(
    /// The errors of a write by reference.
    PutErrors = [400, 401, 403, 404, 408, 409, 412, 413, 415, 422, 500, 503]
);
error_set!(
    /// The errors of a delete.
    DeleteErrors = [400, 401, 403, 404, 409, 412, 500, 503]
);
error_set!(
    /// The errors of an export.
    ExportErrors = [400, 401, 403, 500, 503]
);
error_set!(
    /// The errors of an import.
    ImportErrors = [400, 401, 403, 408, 409, 413, 415, 422, 500, 503]
);
error_set!(
    /// The errors of a read of the change feed.
    FeedErrors = [400, 401, 403, 410, 500, 503]
);
error_set!(
    /// The errors of liveness: only a malformed query.
    LiveErrors = [400]
);
error_set!(
    /// The errors of readiness.
    ReadyErrors = [400, 500, 503]
);

//! The TM Forum Open API facades: the catalogue in the shape TMF clients
//! speak, over the same store and the same unit of work as `/api/v1`.
//!
//! What every facade shares lives here: the TMF error body, the keys, the
//! `href` of a resource, and the conventions of a list (attribute filters
//! by equality, `fields=` projection, `offset` and `limit` with
//! `X-Total-Count` and `X-Result-Count`).

pub mod category;
pub mod hub;
pub mod product_catalog;
pub mod resource;
pub mod service_catalog;
pub mod spec;

pub use hub::event_body;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpRequest, HttpResponse, ResponseError};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::catalogue::{CatalogueError, FieldError};
use crate::error::ApiError;
use crate::service;

/// Where the facades are served.
pub const ROOT: &str = "/tmf-api";

/// The largest page a list answers.
pub const LIMIT_MAX: usize = 1000;

/// An error of a facade, answered as TMF's `Error` body (`code`, `reason`,
/// `message`, `status`) rather than as problem details: TMF clients read
/// that shape. The `code` is the stable slug of the problem's type.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TmfError(pub ApiError);

impl From<ApiError> for TmfError {
    fn from(e: ApiError) -> Self {
        TmfError(e)
    }
}

impl From<service::Error> for TmfError {
    fn from(e: service::Error) -> Self {
        TmfError(e.into())
    }
}

impl From<CatalogueError> for TmfError {
    fn from(e: CatalogueError) -> Self {
        TmfError(e.into())
    }
}

impl ResponseError for TmfError {
    fn status_code(&self) -> StatusCode {
        self.0.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(cause) = &self.0 {
            tracing::error!(error.cause = %cause, "request failed");
        }
        error_response(self.status_code(), &self.0.problem())
    }
}

/// The TMF `Error` body of problem details.
pub fn error_body(problem: &crate::error::Problem) -> Value {
    let code = problem
        .kind
        .rsplit(':')
        .next()
        .unwrap_or(&problem.kind)
        .to_owned();
    let mut message = problem.detail.clone();
    for e in &problem.errors {
        message.push_str(&format!(" `{}` {}.", e.field, e.message));
    }
    json!({
        "code": code,
        "reason": problem.title,
        "message": message,
        "status": problem.status.to_string(),
        "@type": "Error",
    })
}

/// A response with the TMF `Error` body of `problem`.
pub fn error_response(status: StatusCode, problem: &crate::error::Problem) -> HttpResponse {
    let mut response = HttpResponse::build(status);
    if status == StatusCode::UNAUTHORIZED {
        response.insert_header((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"vitrine\""),
        ));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
    }
    response.json(error_body(problem))
}

/// Middleware of the facades: the same keys as `/api/v1`; a request without
/// a valid one is answered 401 with a TMF error.
pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    match super::auth::resolve(&req).await {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
            Ok(next.call(req).await?.map_into_left_body())
        }
        Err(e) => Ok(req.error_response(TmfError(e)).map_into_right_body()),
    }
}

/// The OpenAPI document of a facade (`tmf620` or `tmf633`), as served at
/// `/tmf-api/{api}/openapi.json` and committed in `openapi/`.
pub fn document(name: &str) -> Option<String> {
    let document = match name {
        "tmf620" => spec::document::<product_catalog::ProductCatalog>(),
        "tmf633" => spec::document::<service_catalog::ServiceCatalog>(),
        _ => return None,
    };
    Some(spec::to_json(&document))
}

/// Registers every facade under its path, behind the keys.
pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    use actix_web::middleware::from_fn;
    use actix_web::web;
    use resource::Api;
    // The documents are public, as /openapi.json is: served before the
    // scopes that ask for a key.
    for (api, json) in [
        (product_catalog::ProductCatalog::PATH, document("tmf620")),
        (service_catalog::ServiceCatalog::PATH, document("tmf633")),
    ] {
        let json = json.unwrap_or_default();
        cfg.service(
            web::resource(format!("/{api}/openapi.json")).route(web::get().to(move || {
                let json = json.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type(header::ContentType::json())
                        .body(json)
                }
            })),
        );
    }
    cfg.service(
        web::scope(&format!("/{}", product_catalog::ProductCatalog::PATH))
            .wrap(from_fn(authenticate))
            .configure(product_catalog::configure)
            .default_service(web::to(no_route)),
    )
    .service(
        web::scope(&format!("/{}", service_catalog::ServiceCatalog::PATH))
            .wrap(from_fn(authenticate))
            .configure(service_catalog::configure)
            .default_service(web::to(no_route)),
    );
}

/// 404 for a path no facade serves.
pub async fn no_route(req: HttpRequest) -> Result<HttpResponse, TmfError> {
    Err(TmfError(ApiError::NotFound(format!(
        "Nothing is served at {}.",
        req.path()
    ))))
}

/// The id of a path: a UUID, or nothing is there (404).
pub fn path_id(text: &str, what: &str) -> Result<Uuid, TmfError> {
    Uuid::parse_str(text)
        .map_err(|_| TmfError(ApiError::NotFound(format!("No {what} has the id {text}."))))
}

/// The base of every `href` this request is answered with:
/// `VITRINE_PUBLIC_BASE_URL` when set, else the scheme and host the client
/// used; then the facade's path.
pub fn base_url(req: &HttpRequest, facade: &str) -> String {
    let configured = req
        .app_data::<actix_web::web::Data<crate::api::AppState>>()
        .and_then(|state| state.public_base_url.clone());
    let origin = configured.unwrap_or_else(|| {
        let info = req.connection_info();
        format!("{}://{}", info.scheme(), info.host())
    });
    format!("{origin}{ROOT}/{facade}")
}

/// A time as TMF writes it: RFC 3339, UTC, to the microsecond.
pub fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The `validFor` of a window of days: from the start of its first day to
/// the end of its last; none when the window is open at both ends.
pub fn valid_for(from: Option<NaiveDate>, to: Option<NaiveDate>) -> Option<Value> {
    if from.is_none() && to.is_none() {
        return None;
    }
    let mut period = Map::new();
    if let Some(from) = from {
        period.insert(
            "startDateTime".into(),
            json!(format!("{from}T00:00:00.000000Z")),
        );
    }
    if let Some(to) = to {
        period.insert(
            "endDateTime".into(),
            json!(format!("{to}T23:59:59.999999Z")),
        );
    }
    Some(Value::Object(period))
}

/// The days of a `validFor`: each date-time's day, in UTC.
pub fn days_of(valid_for: &Value, errors: &mut Vec<FieldError>) -> (Value, Value) {
    let day = |member: &str, errors: &mut Vec<FieldError>| match valid_for.get(member) {
        None | Some(Value::Null) => Value::Null,
        Some(Value::String(text)) => match DateTime::parse_from_rfc3339(text) {
            Ok(t) => json!(t.with_timezone(&Utc).date_naive().to_string()),
            Err(_) => match text.parse::<NaiveDate>() {
                Ok(d) => json!(d.to_string()),
                Err(_) => {
                    errors.push(FieldError::new(
                        format!("validFor.{member}"),
                        "must be an RFC 3339 date-time such as 2027-01-01T00:00:00Z",
                    ));
                    Value::Null
                }
            },
        },
        Some(_) => {
            errors.push(FieldError::new(
                format!("validFor.{member}"),
                "must be a date-time string",
            ));
            Value::Null
        }
    };
    if !valid_for.is_object() && !valid_for.is_null() {
        errors.push(FieldError::new("validFor", "must be an object"));
        return (Value::Null, Value::Null);
    }
    (day("startDateTime", errors), day("endDateTime", errors))
}

/// The id of a TMF reference (`{"id": "..."}`), as a native body names it:
/// a UUID string, left for the native rules to check; anything else is
/// named in `errors`.
pub fn ref_id(value: &Value, field: &str, errors: &mut Vec<FieldError>) -> Value {
    match value.get("id") {
        Some(Value::String(id)) => match Uuid::parse_str(id) {
            Ok(id) => json!(id),
            Err(_) => {
                errors.push(FieldError::new(
                    format!("{field}.id"),
                    format!("nothing has the id {id}"),
                ));
                Value::Null
            }
        },
        _ => {
            errors.push(FieldError::new(
                format!("{field}.id"),
                "a reference needs the id of what it names",
            ));
            Value::Null
        }
    }
}

/// The ids of a list of TMF references.
pub fn ref_ids(value: &Value, field: &str, errors: &mut Vec<FieldError>) -> Value {
    match value {
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| ref_id(item, &format!("{field}[{i}]"), errors))
                .collect(),
        ),
        Value::Null => json!([]),
        _ => {
            errors.push(FieldError::new(field, "must be a list of references"));
            Value::Null
        }
    }
}

/// A reference to one of Vitrine's entities.
pub fn reference(id: Uuid, href: Option<String>, name: Option<&str>, kind: &str) -> Value {
    let mut r = Map::new();
    r.insert("id".into(), json!(id));
    if let Some(href) = href {
        r.insert("href".into(), json!(href));
    }
    if let Some(name) = name {
        r.insert("name".into(), json!(name));
    }
    r.insert("@referredType".into(), json!(kind));
    Value::Object(r)
}

/// The members every TMF resource may carry that Vitrine sets itself, or
/// that say nothing a write can change: taken and ignored on input.
pub const READ_ONLY: &[&str] = &[
    "id",
    "href",
    "lastUpdate",
    "version",
    "@type",
    "@baseType",
    "@schemaLocation",
];

/// The query of a list: its filters, projection and page.
#[derive(Debug, Default)]
pub struct ListQuery {
    /// Attribute filters: `(path, value)`, the value without surrounding
    /// double quotes.
    pub filters: Vec<(String, String)>,
    /// The members to keep besides `id`, `href` and `@type`; all when none.
    pub fields: Option<Vec<String>>,
    /// How many matching items to skip.
    pub offset: usize,
    /// How many to answer at most.
    pub limit: usize,
}

impl ListQuery {
    /// Reads a query string.
    pub fn parse(query: &str) -> Result<ListQuery, TmfError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| {
            TmfError(ApiError::BadRequest(format!(
                "The query is not valid: {e}."
            )))
        })?;
        let mut parsed = ListQuery {
            limit: LIMIT_MAX,
            ..ListQuery::default()
        };
        let number = |name: &str, value: &str| {
            value.parse::<usize>().map_err(|_| {
                TmfError(ApiError::BadRequest(format!(
                    "`{name}` must be a whole number, not `{value}`."
                )))
            })
        };
        for (name, value) in pairs {
            match name.as_str() {
                "fields" => {
                    parsed.fields = Some(
                        value
                            .split(',')
                            .map(|f| f.trim().to_owned())
                            .filter(|f| !f.is_empty())
                            .collect(),
                    )
                }
                "offset" => parsed.offset = number("offset", &value)?,
                "limit" => {
                    parsed.limit = number("limit", &value)?;
                    if parsed.limit == 0 || parsed.limit > LIMIT_MAX {
                        return Err(TmfError(ApiError::BadRequest(format!(
                            "`limit` must be from 1 to {LIMIT_MAX}."
                        ))));
                    }
                }
                // Sorting is by id, always: the order is stable across pages.
                "sort" => {}
                _ => {
                    let value = value
                        .strip_prefix('"')
                        .and_then(|v| v.strip_suffix('"'))
                        .unwrap_or(&value)
                        .to_owned();
                    parsed.filters.push((name, value));
                }
            }
        }
        Ok(parsed)
    }

    /// Whether `item` has every filtered attribute equal to its value.
    pub fn matches(&self, item: &Value) -> bool {
        self.filters.iter().all(|(path, value)| {
            let segments: Vec<&str> = path.split('.').collect();
            holds(item, &segments, value)
        })
    }

    /// The members of `item` the query asks for.
    pub fn project(&self, item: Value) -> Value {
        let (Some(fields), Value::Object(members)) = (&self.fields, &item) else {
            return item;
        };
        let kept = members
            .iter()
            .filter(|(name, _)| {
                matches!(name.as_str(), "id" | "href" | "@type")
                    || fields
                        .iter()
                        .any(|f| f == *name || f.split('.').next() == Some(name))
            })
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        Value::Object(kept)
    }

    /// Answers a list of `items` (ordered, unfiltered): the page that matches,
    /// projected, with `X-Total-Count` and `X-Result-Count`.
    pub fn answer(&self, items: Vec<Value>) -> HttpResponse {
        let matching: Vec<Value> = items.into_iter().filter(|i| self.matches(i)).collect();
        let total = matching.len();
        let page: Vec<Value> = matching
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(|i| self.project(i))
            .collect();
        HttpResponse::Ok()
            .insert_header(("X-Total-Count", total.to_string()))
            .insert_header(("X-Result-Count", page.len().to_string()))
            .json(page)
    }
}

/// Whether the member at `path` of `value` equals `expected`: a string as
/// it is, a number or a boolean as written; any item of a list will do.
fn holds(value: &Value, path: &[&str], expected: &str) -> bool {
    match value {
        Value::Array(items) => items.iter().any(|i| holds(i, path, expected)),
        _ => match path.split_first() {
            None => match value {
                Value::String(s) => s == expected,
                Value::Number(n) => n.to_string() == expected,
                Value::Bool(b) => b.to_string() == expected,
                _ => false,
            },
            Some((first, rest)) => value.get(first).is_some_and(|v| holds(v, rest, expected)),
        },
    }
}

/// Takes the members of a TMF body: refuses one that is not an object, and
/// any member that `known` does not list (nor [`READ_ONLY`]), by name.
pub fn members(body: Value, known: &[&str]) -> Result<Map<String, Value>, TmfError> {
    let Value::Object(members) = body else {
        return Err(TmfError(ApiError::invalid_field(
            "",
            "the body must be a JSON object",
        )));
    };
    let unknown: Vec<FieldError> = members
        .keys()
        .filter(|k| !known.contains(&k.as_str()) && !READ_ONLY.contains(&k.as_str()))
        .map(|k| {
            FieldError::new(
                k.clone(),
                "is not an attribute this facade stores; leave it out",
            )
        })
        .collect();
    if !unknown.is_empty() {
        return Err(TmfError(ApiError::invalid(unknown)));
    }
    Ok(members)
}

/// Renames the fields of an invalid-input error from the native names to
/// the TMF attributes they came from.
pub fn renamed(error: ApiError, names: &[(&str, &str)]) -> TmfError {
    let rename = |field: String| {
        names
            .iter()
            .find_map(|(native, tmf)| {
                field
                    .strip_prefix(native)
                    .filter(|rest| rest.is_empty() || rest.starts_with(['[', '.']))
                    .map(|rest| format!("{tmf}{rest}"))
            })
            .unwrap_or(field)
    };
    match error {
        ApiError::Invalid { detail, errors } => TmfError(ApiError::Invalid {
            detail,
            errors: errors
                .into_iter()
                .map(|f| FieldError::new(rename(f.field), f.message))
                .collect(),
        }),
        other => TmfError(other),
    }
}

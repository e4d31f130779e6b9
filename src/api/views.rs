//! The views: `/api/v1/customers/{id}/view`, one offering of it, and
//! `/api/v1/consumer-groups/{id}/view`.
//!
//! A customer key reads its own customer's view and nothing else. Whatever
//! else it asks for (another customer's view, a missing customer, an
//! offering not in its view) is the same 404, so that it learns nothing of
//! what exists. Admin, editor and viewer keys preview any view.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::{get, web, HttpMessage, HttpRequest, HttpResponse};
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use serde::Serialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::auth::{Caller, Permission};
use super::memory::{ServedView, ViewKey};
use super::responses::GetErrors;
use super::AppState;
use crate::catalogue::api_key::Role;
use crate::catalogue::view::{ConsumerGroupView, CustomerView, ViewOffering};
use crate::error::ApiError;
use crate::service::{self, Catalogue, Generations};

/// The day a view is computed for.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// `YYYY-MM-DD` (years 0000 to 9999): evaluate validity windows and
    /// agreement dates on this day; today (UTC) when absent.
    #[serde(default, deserialize_with = "crate::catalogue::validate::optional_day")]
    pub on: Option<NaiveDate>,
}

impl ViewQuery {
    fn day(&self) -> NaiveDate {
        self.on.unwrap_or_else(|| Utc::now().date_naive())
    }
}

/// A view as an answer: its JSON, with an `ETag` that is a digest of that
/// JSON, so that a client sending it back in `If-None-Match` gets `304 Not
/// Modified` until what it sees changes.
fn view_response(req: &HttpRequest, view: &ServedView) -> HttpResponse {
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim() == "*"
                || v.split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == view.tag)
        });
    // A view is private to its customer: caches between may not keep it.
    let mut answer = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    answer
        .insert_header((header::ETAG, view.tag.clone()))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .insert_header((header::VARY, "Authorization"));
    if unchanged {
        answer.finish()
    } else {
        answer
            .content_type("application/json")
            .body(view.body.clone())
    }
}

fn served(view: &impl Serialize) -> Result<Arc<ServedView>, ApiError> {
    ServedView::of(view).map_err(|e| ApiError::Internal(format!("a view did not serialise: {e}")))
}

/// The catalogue's generation as this request sees it: read by the
/// authentication, or now. None when no view is kept in memory.
async fn generation(state: &AppState, req: &HttpRequest) -> Result<Option<i64>, ApiError> {
    if !state.views.enabled() {
        return Ok(None);
    }
    let known = req.extensions().get::<Generations>().map(|g| g.catalogue);
    Ok(Some(match known {
        Some(generation) => generation,
        None => {
            state
                .run(|catalogue| catalogue.generations())
                .await?
                .catalogue
        }
    }))
}

/// A view kept in memory at `generation`, or made by `make` (with the
/// generation it was read at) and kept; none when `make` finds nothing.
async fn view_of<F>(
    state: &AppState,
    generation: Option<i64>,
    key: ViewKey,
    make: F,
) -> Result<Option<Arc<ServedView>>, ApiError>
where
    F: FnOnce(&Catalogue) -> Result<(i64, Option<Arc<ServedView>>), ApiError> + Send + 'static,
{
    if let Some(kept) = generation.and_then(|g| state.views.get(g, &key)) {
        crate::metrics::view_from_memory();
        return Ok(Some(kept));
    }
    let (read_at, view) = state
        .run(move |catalogue| {
            let started = std::time::Instant::now();
            let made = make(catalogue);
            crate::metrics::view_built(started.elapsed());
            made
        })
        .await?;
    if let Some(view) = &view {
        state.views.put(read_at, key, view.clone(), view.size());
    }
    Ok(view)
}

/// A customer's view on a day, served: from memory, or read and kept.
async fn customer_view(
    state: &AppState,
    generation: Option<i64>,
    customer_id: Uuid,
    on: NaiveDate,
) -> Result<Option<Arc<ServedView>>, ApiError> {
    let key = ViewKey::Customer(customer_id, on);
    view_of(state, generation, key, move |catalogue| {
        let (read_at, view) =
            catalogue.read_at(|tx| service::customer_view(tx, customer_id, on))?;
        Ok((read_at, view.as_ref().map(served).transpose()?))
    })
    .await
}

/// The one answer a customer key gets for anything it may not see.
fn hidden() -> ApiError {
    ApiError::NotFound("Nothing is here for this key.".to_owned())
}

/// Who may read the view of `customer_id`: staff roles, and the customer's
/// own keys.
fn authorize(caller: &Caller, customer_id: Uuid) -> Result<(), ApiError> {
    match caller.role {
        Role::Customer if caller.customer_id == Some(customer_id) => Ok(()),
        Role::Customer => Err(hidden()),
        _ => caller.require(Permission::ReadCatalogue),
    }
}

/// A view that does not exist: hidden from customer keys, named for staff.
fn missing(caller: &Caller, detail: &str) -> ApiError {
    if caller.role == Role::Customer {
        hidden()
    } else {
        ApiError::NotFound(detail.to_owned())
    }
}

#[utoipa::path(
    tag = "views",
    summary = "A customer's view",
    description = "The catalogue as the customer sees it on a day: the active offerings valid that day that are designed for one of its consumer groups or covered by one of its agreements in force; their services in the catalogue stage; the components of those services' products that customers may see, by their customer labels; its own agreements; with the overlays of its groups applied. Nothing else: no internal component, resource, cost, owner, other customer or offering not meant for it.\n\nA `customer` key reads its own customer's view only; anything else is a 404 that says nothing of what exists. Admin, editor and viewer keys preview any customer's view.",
    params(
        ("id" = Uuid, Path, description = "The customer's id."),
        ViewQuery,
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "The `ETag` of the view the client holds: `304` while it is still what the customer sees.")
    ),
    responses(
        (status = 200, description = "The customer's view.", body = CustomerView, headers(("ETag" = String, description = "A digest of the view."))),
        (status = 304, description = "The view is the one the client holds.", headers(("ETag" = String, description = "A digest of the view."))),
        GetErrors
    ),
    security(("api_key" = []))
)]
#[get("/customers/{id}/view")]
pub async fn get_customer_view(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let customer_id = id.into_inner();
    authorize(&caller, customer_id)?;
    let generation = generation(&state, &req).await?;
    let view = customer_view(&state, generation, customer_id, query.day())
        .await?
        .ok_or_else(|| missing(&caller, "No customer has this id."))?;
    Ok(view_response(&req, &view))
}

#[utoipa::path(
    tag = "views",
    summary = "One offering of a customer's view",
    description = "One offering as the customer sees it on a day, by the rules of the customer's view. An offering that is not in the view is a 404.",
    params(
        ("id" = Uuid, Path, description = "The customer's id."),
        ("offering_id" = Uuid, Path, description = "The offering's id."),
        ViewQuery,
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "The `ETag` of the offering the client holds: `304` while it is still what the customer sees.")
    ),
    responses(
        (status = 200, description = "The offering, as the customer sees it.", body = ViewOffering, headers(("ETag" = String, description = "A digest of the offering as shown."))),
        (status = 304, description = "The offering is the one the client holds.", headers(("ETag" = String, description = "A digest of the offering as shown."))),
        GetErrors
    ),
    security(("api_key" = []))
)]
#[get("/customers/{id}/view/offerings/{offering_id}")]
pub async fn get_customer_view_offering(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    let (customer_id, offering_id) = path.into_inner();
    authorize(&caller, customer_id)?;
    let on = query.day();
    let generation = generation(&state, &req).await?;
    let key = ViewKey::CustomerOffering(customer_id, offering_id, on);
    let offering = view_of(&state, generation, key, move |catalogue| {
        let (read_at, view) =
            catalogue.read_at(|tx| service::customer_view(tx, customer_id, on))?;
        let Some(view) = view else {
            return Err(ApiError::NotFound("No customer has this id.".to_owned()));
        };
        let offering = view.offerings.iter().find(|o| o.id == offering_id);
        Ok((read_at, offering.map(served).transpose()?))
    })
    .await
    .map_err(|e| match e {
        ApiError::NotFound(detail) => missing(&caller, &detail),
        other => other,
    })?
    .ok_or_else(|| {
        missing(
            &caller,
            "This offering is not in the customer's view on that day.",
        )
    })?;
    Ok(view_response(&req, &offering))
}

#[utoipa::path(
    tag = "views",
    summary = "A consumer group's view",
    description = "What a prospective customer of the group would see on a day: the active offerings valid that day designed for the group, with their catalogue services, the components customers may see, and the group's overlays applied. No agreements.",
    params(
        ("id" = Uuid, Path, description = "The consumer group's id."),
        ViewQuery,
        ("If-None-Match" = Option<String>, Header, nullable = false, description = "The `ETag` of the view the client holds: `304` while it is still what the group sees.")
    ),
    responses(
        (status = 200, description = "The consumer group's view.", body = ConsumerGroupView, headers(("ETag" = String, description = "A digest of the view."))),
        (status = 304, description = "The view is the one the client holds.", headers(("ETag" = String, description = "A digest of the view."))),
        GetErrors
    ),
    security(("api_key" = []))
)]
#[get("/consumer-groups/{id}/view")]
pub async fn get_consumer_group_view(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: web::Query<ViewQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCatalogue)?;
    let group_id = id.into_inner();
    let on = query.day();
    let generation = generation(&state, &req).await?;
    let key = ViewKey::ConsumerGroup(group_id, on);
    let view = view_of(&state, generation, key, move |catalogue| {
        let (read_at, view) =
            catalogue.read_at(|tx| service::consumer_group_view(tx, group_id, on))?;
        Ok((read_at, view.as_ref().map(served).transpose()?))
    })
    .await?
    .ok_or_else(|| ApiError::NotFound("No consumer group has this id.".to_owned()))?;
    Ok(view_response(&req, &view))
}

//! `/api/v1/webhooks`: subscriptions to the change feed, admin only.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::auth::{Caller, Permission};
use super::conditional::{etag, optional_if_match, required_if_match};
use super::pagination::{list_query, list_type};
use super::responses::{CreateKeyErrors, DeleteErrors, GetErrors, ListErrors, UpdateErrors};
use super::{body, idempotency, AppState};
use crate::catalogue::webhook::{
    CreatedWebhook, Delivery, Webhook, WebhookFilter, WebhookInput, WebhookStatus,
};
use crate::catalogue::{CatalogueError, FieldError};
use crate::delivery::check_url;
use crate::error::ApiError;
use crate::service::idempotency::StoredAnswer;
use crate::service::webhooks;

list_query! {
    /// Filters of the subscription list.
    WebhookQuery => WebhookFilter {
        /// In this status.
        status: WebhookStatus,
    }
}

list_type! {
    /// A page of webhook subscriptions (never their secrets).
    WebhookList of Webhook
}

list_query! {
    /// The pages of a subscription's deliveries.
    DeliveryQuery => NoFilter {}
}

/// Deliveries are not filtered.
#[derive(Debug, Default)]
pub struct NoFilter {}

list_type! {
    /// A page of delivery attempts.
    DeliveryList of Delivery
}

/// Refuses a URL that deliveries may not go to, naming the field.
pub(crate) async fn check_destination(state: &AppState, url: String) -> Result<(), ApiError> {
    let destinations = state.destinations.clone();
    let refused = web::block(move || check_url(&destinations, &url)).await?;
    refused.map_err(|message| {
        ApiError::from(CatalogueError::Invalid(vec![FieldError::new(
            "url", message,
        )]))
    })
}

#[utoipa::path(
    tag = "webhooks",
    summary = "List webhook subscriptions",
    description = "Pages through the subscriptions, oldest first. Secrets are never listed.",
    params(WebhookQuery),
    responses((status = 200, description = "A page of subscriptions.", body = WebhookList), ListErrors),
    security(("api_key" = []))
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<WebhookQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageKeys)?;
    let (filter, page, list) = query.into_inner().into_parts("")?;
    let page = state
        .run(move |catalogue| catalogue.list::<Webhook>((), &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(WebhookList::new(page, &list)))
}

#[utoipa::path(
    tag = "webhooks",
    summary = "Get a webhook subscription",
    description = "Reads one subscription: its URL, filters, status, and since when its deliveries fail, if they do. The secret is never shown again after the create.",
    params(("id" = Uuid, Path, description = "The subscription's id.")),
    responses((status = 200, description = "The subscription, without its secret.", body = Webhook,
        headers(("ETag" = String, description = "The subscription's version."))), GetErrors),
    security(("api_key" = []))
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageKeys)?;
    let id = id.into_inner();
    let webhook = state
        .run(move |catalogue| catalogue.get::<Webhook>((), id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(webhook.meta.version)))
        .json(webhook))
}

#[utoipa::path(
    tag = "webhooks",
    summary = "Subscribe to the change feed",
    description = "Creates a subscription: from now on, each committed event of the asked types and kinds is POSTed to `url` as the feed serves it, in feed order, at least once (a receiver skips a repeated `id`). Each delivery carries `X-Vitrine-Event-Id`, `X-Vitrine-Webhook-Id`, `X-Vitrine-Timestamp` (Unix seconds) and `X-Vitrine-Signature: v1=<hex>`, the HMAC-SHA256, keyed with the subscription's secret, of the timestamp, a `.`, and the body as received. A 2xx answer within `VITRINE_WEBHOOK_TIMEOUT_MS` delivers; anything else is retried, waiting twice as long each time up to an hour; a subscription that fails for `VITRINE_WEBHOOK_PAUSE_AFTER_SECS` is paused. Redirects are not followed. The answer holds the secret, the only time it is shown.",
    request_body(content = WebhookInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created; `secret` signs every delivery.", body = CreatedWebhook,
            headers(("Location" = String, description = "The subscription's URL."), ("ETag" = String, description = "The subscription's version."))),
        CreateKeyErrors
    ),
    security(("api_key" = []))
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageKeys)?;
    let (input, bytes): (WebhookInput, _) = body::json(&state.bodies, &req, payload).await?;
    check_destination(&state, input.url.clone()).await?;
    idempotency::create(
        &state,
        &req,
        &bytes,
        caller.actor(),
        move |work| webhooks::create(work, input),
        |created: CreatedWebhook| {
            HttpResponse::Created()
                .insert_header((
                    "Location",
                    format!("/api/v1/webhooks/{}", created.webhook.meta.id),
                ))
                .insert_header(("ETag", etag(created.webhook.meta.version)))
                .insert_header(("Cache-Control", "no-store"))
                .json(created)
        },
        // The secret is shown once: a retry learns which subscription the
        // first request made, not its secret.
        |created: &CreatedWebhook| {
            let id = created.webhook.meta.id;
            let problem = ApiError::conflict(format!(
                "The first request with this Idempotency-Key created the subscription {id}; its \
                 secret was shown then and is not shown again. If it was lost, delete that \
                 subscription and create another."
            ))
            .problem();
            StoredAnswer {
                status: 409,
                location: Some(format!("/api/v1/webhooks/{id}")),
                etag: None,
                body: serde_json::to_string(&problem).unwrap_or_default(),
            }
        },
    )
    .await
}

#[utoipa::path(
    tag = "webhooks",
    summary = "Change a webhook subscription",
    description = "Applies a JSON Merge Patch (RFC 7396) to the subscription: its URL, filters and status. `status: paused` stops deliveries; `status: active` resumes them at once, from the first event not yet delivered, with its failures forgotten. Needs `If-Match` with the current `ETag`.",
    params(
        ("id" = Uuid, Path, description = "The subscription's id."),
        ("If-Match" = String, Header, description = "The `ETag` the change was based on.")
    ),
    request_body(content = Object, content_type = "application/merge-patch+json",
        description = "The fields to change, with the names and types of the create body."),
    responses(
        (status = 200, description = "Changed.", body = Webhook,
            headers(("ETag" = String, description = "The subscription's new version."))),
        UpdateErrors
    ),
    security(("api_key" = []))
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageKeys)?;
    let precondition = required_if_match(&req)?;
    let patch = body::merge_patch(&state.bodies, &req, payload).await?;
    if let Some(url) = patch.get("url").and_then(|u| u.as_str()) {
        check_destination(&state, url.to_owned()).await?;
    }
    let id = id.into_inner();
    let updated = state
        .run(move |catalogue| catalogue.patch_webhook(caller.actor(), id, &precondition, &patch))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(updated.meta.version)))
        .json(updated))
}

#[utoipa::path(
    tag = "webhooks",
    summary = "Delete a webhook subscription",
    description = "Deletes the subscription and the record of its deliveries: nothing more is sent to it. `If-Match` is optional.",
    params(
        ("id" = Uuid, Path, description = "The subscription's id."),
        ("If-Match" = Option<String>, Header, nullable = false, description = "When sent, the delete happens only at this version.")
    ),
    responses((status = 204, description = "Deleted."), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageKeys)?;
    let precondition = optional_if_match(&req);
    let id = id.into_inner();
    state
        .run(move |catalogue| catalogue.delete::<Webhook>(caller.actor(), (), id, &precondition))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    tag = "webhooks",
    summary = "A webhook subscription's deliveries",
    description = "Pages through every attempt at delivering an event to the subscription, oldest first: the event, the attempt's number, its duration, the receiver's status code and, for a failure, why.",
    params(("id" = Uuid, Path, description = "The subscription's id."), DeliveryQuery),
    responses((status = 200, description = "A page of attempts.", body = DeliveryList), GetErrors),
    security(("api_key" = []))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_webhook_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageKeys)?;
    let id = id.into_inner();
    let (_, page, list) = query.into_inner().into_parts(&id.to_string())?;
    let page = state
        .run(move |catalogue| catalogue.webhook_deliveries(id, &page))
        .await?;
    Ok(HttpResponse::Ok().json(DeliveryList::new(page, &list)))
}

//! `/api/v1/api-keys`: admin only.

use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::auth::{Caller, Permission};
use super::pagination::{list_query, list_type};
use super::responses::{CreateKeyErrors, DeleteErrors, GetErrors, ListErrors, WhoErrors};
use super::{body, idempotency, AppState};
use crate::catalogue::api_key::{ApiKey, ApiKeyFilter, ApiKeyInput, CreatedApiKey, Role};
use crate::error::ApiError;
use crate::service::api_keys;
use crate::service::idempotency::StoredAnswer;

list_query! {
    /// Filters of the key list.
    ApiKeyQuery => ApiKeyFilter {
        /// This role.
        role: Role,
        /// Bound to this customer.
        customer_id: Uuid,
    }
}

list_type! {
    /// A page of API keys (never their secrets).
    ApiKeyList of ApiKey
}

/// The key a request was made with: what it may do, and for a customer key
/// whose view it reads.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({
    "key_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a10", "role": "customer",
    "customer_id": "0193a5c4-7d2e-7c41-9a40-2f6e1d3b8a11"
}))]
pub struct Me {
    /// The key's id; null for the key of `VITRINE_ADMIN_KEY`, which is not
    /// stored.
    pub key_id: Option<Uuid>,
    /// What the key may do.
    pub role: Role,
    /// The customer a `customer` key is bound to; null for the other roles.
    pub customer_id: Option<Uuid>,
}

#[utoipa::path(
    tag = "api-keys",
    summary = "Who am I",
    description = "The key this request was made with: its id, its role and, for a `customer` key, its customer. Any valid key may ask; a client learns with it what it may call, and a customer key whose view to read.",
    responses((status = 200, description = "The caller's key.", body = Me), WhoErrors),
    security(("api_key" = []))
)]
#[get("/me")]
pub async fn get_me(caller: Caller) -> HttpResponse {
    HttpResponse::Ok().json(Me {
        key_id: caller.key_id,
        role: caller.role,
        customer_id: caller.customer_id,
    })
}

#[utoipa::path(
    tag = "api-keys",
    summary = "List API keys",
    description = "Pages through the keys, oldest first. Secrets are never listed.",
    params(ApiKeyQuery),
    responses((status = 200, description = "A page of keys.", body = ApiKeyList), ListErrors),
    security(("api_key" = []))
)]
#[get("/api-keys")]
pub async fn list_api_keys(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ApiKeyQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageKeys)?;
    let (filter, page, list) = query.into_inner().into_parts("")?;
    let page = state
        .run(move |catalogue| catalogue.list::<ApiKey>((), &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(ApiKeyList::new(page, &list)))
}

#[utoipa::path(
    tag = "api-keys",
    summary = "Get an API key",
    description = "Reads one key: its name, role, customer and prefix. The secret is never shown again after the create.",
    params(("id" = Uuid, Path, description = "The key's id.")),
    responses((status = 200, description = "The key, without its secret.", body = ApiKey), GetErrors),
    security(("api_key" = []))
)]
#[get("/api-keys/{id}")]
pub async fn get_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageKeys)?;
    let id = id.into_inner();
    let key = state
        .run(move |catalogue| catalogue.get::<ApiKey>((), id))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", super::conditional::etag(key.meta.version)))
        .json(key))
}

#[utoipa::path(
    tag = "api-keys",
    summary = "Create an API key",
    description = "Creates a key with a role; a `customer` key needs `customer_id`. The answer holds the secret, the only time it is shown: it is stored hashed.",
    request_body(content = ApiKeyInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created; `secret` is the key to send as `Authorization: Bearer`.", body = CreatedApiKey,
            headers(("Location" = String, description = "The new key's URL."), ("ETag" = String, description = "The key's version."))),
        CreateKeyErrors
    ),
    security(("api_key" = []))
)]
#[post("/api-keys")]
pub async fn create_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageKeys)?;
    let (input, bytes): (ApiKeyInput, _) = body::json(&state.bodies, &req, payload).await?;
    idempotency::create(
        &state,
        &req,
        &bytes,
        caller.actor(),
        move |work| api_keys::create(work, input),
        |created: CreatedApiKey| {
            HttpResponse::Created()
                .insert_header((
                    "Location",
                    format!("/api/v1/api-keys/{}", created.key.meta.id),
                ))
                .insert_header(("ETag", super::conditional::etag(created.key.meta.version)))
                .insert_header(("Cache-Control", "no-store"))
                .json(created)
        },
        // The secret is shown once and kept only hashed: a retry learns
        // which key the first request made, not its secret.
        |created: &CreatedApiKey| {
            let id = created.key.meta.id;
            let problem = ApiError::conflict(format!(
                "The first request with this Idempotency-Key created the key {id}; its secret was \
                 shown then and cannot be shown again. If it was lost, revoke that key and create \
                 another."
            ))
            .problem();
            StoredAnswer {
                status: 409,
                location: Some(format!("/api/v1/api-keys/{id}")),
                etag: None,
                body: serde_json::to_string(&problem).unwrap_or_default(),
            }
        },
    )
    .await
}

#[utoipa::path(
    tag = "api-keys",
    summary = "Revoke an API key",
    description = "Deletes the key: from now on it authenticates nothing.",
    params(("id" = Uuid, Path, description = "The key's id.")),
    responses((status = 204, description = "Revoked."), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/api-keys/{id}")]
pub async fn delete_api_key(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageKeys)?;
    let id = id.into_inner();
    state
        .run(move |catalogue| catalogue.revoke_api_key(caller.actor(), id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

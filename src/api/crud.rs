//! The five operations of a top-level collection, declared once for every
//! entity: list, get, create, merge-patch and delete, each documented in the
//! spec under its own operation id.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use super::auth::{Caller, Permission};
use super::conditional::{self, etag};
use super::{body, idempotency, AppState};
use crate::catalogue::reference::ExternalRef;
use crate::catalogue::Entity;
use crate::error::ApiError;
use crate::service::ops::{self, Upsert};
use crate::service::references;
use crate::service::{Table, Writable};
use serde_json::Value;

/// 200 with the entity and its `ETag`.
pub fn entity_response<E: Entity>(entity: &E) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(entity.meta().version)))
        .json(entity)
}

/// 201 with the entity, its `Location` and its `ETag`.
pub fn created_response<E: Entity>(entity: &E, location: String) -> HttpResponse {
    HttpResponse::Created()
        .insert_header((header::ETAG, etag(entity.meta().version)))
        .insert_header((header::LOCATION, location))
        .json(entity)
}

/// Creates an entity of `collection` (its URL, such as `/api/v1/products`)
/// from the request's body, once per `Idempotency-Key`.
pub async fn create<E>(
    state: &AppState,
    caller: Caller,
    req: &HttpRequest,
    payload: web::Payload,
    scope: E::Scope,
    collection: String,
) -> Result<HttpResponse, ApiError>
where
    E: Writable,
{
    caller.require(Permission::WriteCatalogue)?;
    let (document, bytes): (Value, _) = body::json(&state.bodies, req, payload).await?;
    let kept = collection.clone();
    idempotency::create(
        state,
        req,
        &bytes,
        caller.actor(),
        move |work| {
            let input = references::input::<E>(work, document)?;
            ops::create::<E>(work, scope, input)
        },
        move |created: E| {
            let location = format!("{collection}/{}", created.meta().id);
            created_response(&created, location)
        },
        move |created: &E| {
            let location = format!("{kept}/{}", created.meta().id);
            idempotency::created(location, etag(created.meta().version), created)
        },
    )
    .await
}

/// The reference a `by-ref/{system}/{external_id}` path names; a path that
/// names none names nothing (404), as an id that is not a UUID does.
pub fn path_reference(system: String, external_id: String) -> Result<ExternalRef, ApiError> {
    ExternalRef::parse(&format!("{system}:{external_id}")).ok_or_else(|| {
        ApiError::NotFound(
            "Nothing is at this reference: a system is 1 to 64 lowercase letters, digits, `.`, `_` \
             or `-`, and an id 1 to 255 characters."
                .to_owned(),
        )
    })
}

/// Reads the entity of `scope` that another system calls `system:external_id`.
pub async fn get_by_ref<E: Table>(
    state: &AppState,
    caller: Caller,
    scope: E::Scope,
    (system, external_id): (String, String),
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCatalogue)?;
    let reference = path_reference(system, external_id)?;
    let entity = state
        .run(move |catalogue| catalogue.get_by_ref::<E>(scope, &reference))
        .await?;
    Ok(entity_response(&entity))
}

/// Creates or replaces, from the request's body, the entity of `scope`
/// that another system calls `system:external_id`: 201 when it was
/// created, 200 otherwise (with the same version when nothing changed).
#[allow(clippy::too_many_arguments)]
pub async fn put_by_ref<E: Writable>(
    state: &AppState,
    caller: Caller,
    req: &HttpRequest,
    payload: web::Payload,
    scope: E::Scope,
    (system, external_id): (String, String),
    collection: String,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteCatalogue)?;
    let reference = path_reference(system, external_id)?;
    let precondition = conditional::optional_if_match(req);
    let (document, _): (Value, _) = body::json(&state.bodies, req, payload).await?;
    let (entity, outcome) = state
        .run(move |catalogue| {
            catalogue.write(caller.actor(), |work| {
                let input = references::input::<E>(work, document)?;
                ops::put_by_ref::<E>(work, scope, &reference, &precondition, input)
            })
        })
        .await?;
    Ok(match outcome {
        Upsert::Created => {
            let location = format!("{collection}/{}", entity.meta().id);
            created_response(&entity, location)
        }
        Upsert::Updated | Upsert::Unchanged => entity_response(&entity),
    })
}

/// Declares the handlers of one top-level collection. The calling module
/// imports actix's route macros (`get`, `post`, `patch`, `delete`), which
/// the spec reads the paths from.
macro_rules! crud_api {
    (
        entity: $entity:ident, input: $input:ident, query: $query:ident, list: $list:ident,
        tag: $tag:literal, collection: $collection:literal, item: $item:literal,
        by_ref: $by_ref:literal,
        list: $list_fn:ident $list_summary:literal,
        get: $get_fn:ident $get_summary:literal,
        create: $create_fn:ident $create_summary:literal,
        update: $update_fn:ident $update_summary:literal,
        delete: $delete_fn:ident $delete_summary:literal,
        get_by_ref: $get_ref_fn:ident $get_ref_summary:literal,
        put_by_ref: $put_ref_fn:ident $put_ref_summary:literal $(,)?
    ) => {
        #[utoipa::path(
            tag = $tag,
            summary = $get_ref_summary,
            description = "Reads the entity that another system calls `system:external_id` (one of its `external_refs`).",
            params(
                ("system" = String, Path, description = "The other system, such as `servicenow`.", pattern = "^[a-z0-9][a-z0-9._-]{0,63}$"),
                ("external_id" = String, Path, description = "The entity's id in that system.")
            ),
            responses(
                (status = 200, description = "The entity.", body = $entity,
                    headers(("ETag" = String, description = "The entity's version, for `If-Match`."))),
                crate::api::responses::GetErrors
            ),
            security(("api_key" = []))
        )]
        #[get($by_ref)]
        pub async fn $get_ref_fn(
            state: actix_web::web::Data<crate::api::AppState>,
            caller: crate::api::auth::Caller,
            path: actix_web::web::Path<(String, String)>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            crate::api::crud::get_by_ref::<$entity>(&state, caller, (), path.into_inner()).await
        }

        #[utoipa::path(
            tag = $tag,
            summary = $put_ref_summary,
            description = "Creates the entity that another system calls `system:external_id`, or replaces all its writable fields when it exists: a sync job needs no mapping of ids of its own. The body is a whole create body; the path's reference is one of the entity's `external_refs` whether or not the body lists it. The same body twice changes nothing the second time (same version, 200). `If-Match` is optional, and honoured when sent.",
            params(
                ("system" = String, Path, description = "The other system, such as `servicenow`.", pattern = "^[a-z0-9][a-z0-9._-]{0,63}$"),
                ("external_id" = String, Path, description = "The entity's id in that system."),
                ("If-Match" = Option<String>, Header, nullable = false, description = "When sent, the replacement happens only at this version.")
            ),
            request_body(content = $input, content_type = "application/json"),
            responses(
                (status = 200, description = "Replaced, or already so.", body = $entity,
                    headers(("ETag" = String, description = "The entity's version."))),
                (status = 201, description = "Created.", body = $entity, headers(
                    ("Location" = String, description = "The new entity's URL."),
                    ("ETag" = String, description = "The entity's version, for `If-Match`."))),
                crate::api::responses::PutErrors
            ),
            security(("api_key" = []))
        )]
        #[put($by_ref)]
        pub async fn $put_ref_fn(
            state: actix_web::web::Data<crate::api::AppState>,
            caller: crate::api::auth::Caller,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<(String, String)>,
            payload: actix_web::web::Payload,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            crate::api::crud::put_by_ref::<$entity>(
                &state, caller, &req, payload, (), path.into_inner(), format!("/api/v1{}", $collection),
            )
            .await
        }

        #[utoipa::path(
            tag = $tag,
            summary = $list_summary,
            description = "Pages through the collection, oldest first, filtered on plain fields (exact match). Unknown parameters are refused.",
            params($query),
            responses(
                (status = 200, description = "A page of the collection.", body = $list),
                crate::api::responses::ListErrors
            ),
            security(("api_key" = []))
        )]
        #[get($collection)]
        pub async fn $list_fn(
            state: actix_web::web::Data<crate::api::AppState>,
            caller: crate::api::auth::Caller,
            query: actix_web::web::Query<$query>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            caller.require(crate::api::auth::Permission::ReadCatalogue)?;
            let (filter, page, list) = query.into_inner().into_parts("")?;
            let page = state
                .run(move |catalogue| catalogue.list::<$entity>((), &filter, &page))
                .await?;
            Ok(actix_web::HttpResponse::Ok().json($list::new(page, &list)))
        }

        #[utoipa::path(
            tag = $tag,
            summary = $get_summary,
            description = "Reads one entity. Its `ETag` is its version: send it as `If-Match` to change or delete it.",
            params(("id" = uuid::Uuid, Path, description = "The entity's id.")),
            responses(
                (status = 200, description = "The entity.", body = $entity,
                    headers(("ETag" = String, description = "The entity's version, for `If-Match`."))),
                crate::api::responses::GetErrors
            ),
            security(("api_key" = []))
        )]
        #[get($item)]
        pub async fn $get_fn(
            state: actix_web::web::Data<crate::api::AppState>,
            caller: crate::api::auth::Caller,
            id: actix_web::web::Path<uuid::Uuid>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            caller.require(crate::api::auth::Permission::ReadCatalogue)?;
            let id = id.into_inner();
            let entity = state
                .run(move |catalogue| catalogue.get::<$entity>((), id))
                .await?;
            Ok(crate::api::crud::entity_response(&entity))
        }

        #[utoipa::path(
            tag = $tag,
            summary = $create_summary,
            description = "Creates the entity from its writable fields. Fields set by the service (`id`, `created_at`, `updated_at`, `version`) and unknown fields are refused.",
            request_body(content = $input, content_type = "application/json"),
            responses(
                (status = 201, description = "Created.", body = $entity, headers(
                    ("Location" = String, description = "The new entity's URL."),
                    ("ETag" = String, description = "The entity's version, for `If-Match`."))),
                crate::api::responses::CreateErrors
            ),
            security(("api_key" = []))
        )]
        #[post($collection)]
        pub async fn $create_fn(
            state: actix_web::web::Data<crate::api::AppState>,
            caller: crate::api::auth::Caller,
            req: actix_web::HttpRequest,
            payload: actix_web::web::Payload,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            crate::api::crud::create::<$entity>(
                &state, caller, &req, payload, (), format!("/api/v1{}", $collection),
            )
            .await
        }

        #[utoipa::path(
            tag = $tag,
            summary = $update_summary,
            description = "Applies a JSON Merge Patch (RFC 7396) to the writable fields: members present replace, `null` clears, lists are replaced whole. The result is checked like a create. Needs `If-Match` with the current `ETag`. A patch that changes nothing writes nothing: the entity is answered as it is, with the same version, and no change is recorded.",
            params(
                ("id" = uuid::Uuid, Path, description = "The entity's id."),
                ("If-Match" = String, Header, description = "The `ETag` the change was based on.")
            ),
            request_body(content = Object, content_type = "application/merge-patch+json",
                description = "The fields to change, with the names and types of the create body."),
            responses(
                (status = 200, description = "Changed.", body = $entity,
                    headers(("ETag" = String, description = "The entity's new version."))),
                crate::api::responses::UpdateErrors
            ),
            security(("api_key" = []))
        )]
        #[patch($item)]
        pub async fn $update_fn(
            state: actix_web::web::Data<crate::api::AppState>,
            caller: crate::api::auth::Caller,
            req: actix_web::HttpRequest,
            id: actix_web::web::Path<uuid::Uuid>,
            payload: actix_web::web::Payload,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            caller.require(crate::api::auth::Permission::WriteCatalogue)?;
            let precondition = crate::api::conditional::required_if_match(&req)?;
            let patch = crate::api::body::merge_patch(&state.bodies, &req, payload).await?;
            let id = id.into_inner();
            let updated = state
                .run(move |catalogue| {
                    catalogue.patch::<$entity>(caller.actor(), (), id, &precondition, &patch)
                })
                .await?;
            Ok(crate::api::crud::entity_response(&updated))
        }

        #[utoipa::path(
            tag = $tag,
            summary = $delete_summary,
            description = "Deletes the entity. While anything still refers to it, answers 409 and deletes nothing. `If-Match` is optional.",
            params(
                ("id" = uuid::Uuid, Path, description = "The entity's id."),
                ("If-Match" = Option<String>, Header, nullable = false, description = "When sent, the delete happens only at this version.")
            ),
            responses(
                (status = 204, description = "Deleted."),
                crate::api::responses::DeleteErrors
            ),
            security(("api_key" = []))
        )]
        #[delete($item)]
        pub async fn $delete_fn(
            state: actix_web::web::Data<crate::api::AppState>,
            caller: crate::api::auth::Caller,
            req: actix_web::HttpRequest,
            id: actix_web::web::Path<uuid::Uuid>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            caller.require(crate::api::auth::Permission::WriteCatalogue)?;
            let precondition = crate::api::conditional::optional_if_match(&req);
            let id = id.into_inner();
            state
                .run(move |catalogue| catalogue.delete::<$entity>(caller.actor(), (), id, &precondition))
                .await?;
            Ok(actix_web::HttpResponse::NoContent().finish())
        }
    };
}
pub(crate) use crud_api;

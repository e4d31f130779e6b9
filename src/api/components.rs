//! `/api/v1/products/{product_id}/components`: what a product is made of.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::auth::{Caller, Permission};
use super::crud::entity_response;
use super::pagination::{list_query, list_type};
use super::responses::{
    CreateChildErrors, DeleteErrors, GetErrors, ListErrors, PutErrors, UpdateErrors,
};
use super::{body, conditional, AppState};
use crate::catalogue::component::{Component, ComponentFilter, ComponentInput, Visibility};
use crate::catalogue::reference::RefKey;
use crate::error::ApiError;

list_query! {
    /// Filters of a product's component list.
    ComponentQuery => ComponentFilter {
        /// Using this resource.
        resource_id: Uuid,
        /// With this visibility.
        visibility: Visibility,
        /// Exactly this role.
        role: String,
        /// With this reference in another system, `system:id`.
        #[param(inline)]
        external_ref: RefKey,
    }
}

list_type! {
    /// A page of a product's components.
    ComponentList of Component
}

#[utoipa::path(
    tag = "products",
    summary = "List a product's components",
    description = "Pages through the components of one product, in the order they were added, filtered on plain fields (exact match). Internal components are listed too: this is the catalogue, not a customer view.",
    params(("product_id" = Uuid, Path, description = "The product's id."), ComponentQuery),
    responses(
        (status = 200, description = "A page of the product's components.", body = ComponentList),
        (status = 404, description = "No product has this id.", body = crate::error::Problem, content_type = "application/problem+json"),
        ListErrors
    ),
    security(("api_key" = []))
)]
#[get("/products/{product_id}/components")]
pub async fn list_components(
    state: web::Data<AppState>,
    caller: Caller,
    product_id: web::Path<Uuid>,
    query: web::Query<ComponentQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCatalogue)?;
    let product_id = product_id.into_inner();
    let (filter, page, list) = query.into_inner().into_parts(&product_id.to_string())?;
    let page = state
        .run(move |catalogue| catalogue.list::<Component>(product_id, &filter, &page))
        .await?;
    Ok(HttpResponse::Ok().json(ComponentList::new(page, &list)))
}

#[utoipa::path(
    tag = "products",
    summary = "Get a component",
    description = "Reads one component of a product. Its `ETag` is its version: send it as `If-Match` to change or delete it.",
    params(
        ("product_id" = Uuid, Path, description = "The product's id."),
        ("id" = Uuid, Path, description = "The component's id.")
    ),
    responses(
        (status = 200, description = "The component.", body = Component,
            headers(("ETag" = String, description = "The component's version, for `If-Match`."))),
        GetErrors
    ),
    security(("api_key" = []))
)]
#[get("/products/{product_id}/components/{id}")]
pub async fn get_component(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCatalogue)?;
    let (product_id, id) = path.into_inner();
    let component = state
        .run(move |catalogue| catalogue.get::<Component>(product_id, id))
        .await?;
    Ok(entity_response(&component))
}

#[utoipa::path(
    tag = "products",
    summary = "Add a component to a product",
    description = "Adds one resource to the product, with its quantity, role and visibility. A component with visibility `customer` needs a `customer_label`: customers see it by that label, never by the resource.",
    params(("product_id" = Uuid, Path, description = "The product's id.")),
    request_body(content = ComponentInput, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = Component, headers(
            ("Location" = String, description = "The new component's URL."),
            ("ETag" = String, description = "The component's version, for `If-Match`."))),
        CreateChildErrors
    ),
    security(("api_key" = []))
)]
#[post("/products/{product_id}/components")]
pub async fn create_component(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    product_id: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let product_id = product_id.into_inner();
    crate::api::crud::create::<Component>(
        &state,
        caller,
        &req,
        payload,
        product_id,
        format!("/api/v1/products/{product_id}/components"),
    )
    .await
}

#[utoipa::path(
    tag = "products",
    summary = "Change a component",
    description = "Applies a JSON Merge Patch (RFC 7396) to the component's writable fields; the result is checked like a create. Needs `If-Match`.",
    params(
        ("product_id" = Uuid, Path, description = "The product's id."),
        ("id" = Uuid, Path, description = "The component's id."),
        ("If-Match" = String, Header, description = "The `ETag` the change was based on.")
    ),
    request_body(content = Object, content_type = "application/merge-patch+json",
        description = "The fields to change, with the names and types of the create body."),
    responses(
        (status = 200, description = "Changed.", body = Component,
            headers(("ETag" = String, description = "The component's new version."))),
        UpdateErrors
    ),
    security(("api_key" = []))
)]
#[patch("/products/{product_id}/components/{id}")]
pub async fn update_component(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteCatalogue)?;
    let precondition = conditional::required_if_match(&req)?;
    let patch = body::merge_patch(&state.bodies, &req, payload).await?;
    let (product_id, id) = path.into_inner();
    let updated = state
        .run(move |catalogue| {
            catalogue.patch::<Component>(caller.actor(), product_id, id, &precondition, &patch)
        })
        .await?;
    Ok(entity_response(&updated))
}

#[utoipa::path(
    tag = "products",
    summary = "Remove a component from a product",
    description = "Deletes the component. `If-Match` is optional; when sent, the delete happens only at that version.",
    params(
        ("product_id" = Uuid, Path, description = "The product's id."),
        ("id" = Uuid, Path, description = "The component's id."),
        ("If-Match" = Option<String>, Header, nullable = false, description = "When sent, the delete happens only at this version.")
    ),
    responses((status = 204, description = "Removed."), DeleteErrors),
    security(("api_key" = []))
)]
#[delete("/products/{product_id}/components/{id}")]
pub async fn delete_component(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteCatalogue)?;
    let precondition = conditional::optional_if_match(&req);
    let (product_id, id) = path.into_inner();
    state
        .run(move |catalogue| {
            catalogue.delete::<Component>(caller.actor(), product_id, id, &precondition)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[utoipa::path(
    tag = "products",
    summary = "Get a component by its reference in another system",
    description = "Reads the component of the product that another system calls `system:external_id` (one of its `external_refs`).",
    params(
        ("product_id" = Uuid, Path, description = "The product's id."),
        ("system" = String, Path, description = "The other system, such as `servicenow`.", pattern = "^[a-z0-9][a-z0-9._-]{0,63}$"),
        ("external_id" = String, Path, description = "The component's id in that system.")
    ),
    responses(
        (status = 200, description = "The component.", body = Component,
            headers(("ETag" = String, description = "The component's version, for `If-Match`."))),
        GetErrors
    ),
    security(("api_key" = []))
)]
#[get("/products/{product_id}/components/by-ref/{system}/{external_id}")]
pub async fn get_component_by_ref(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (product_id, system, external_id) = path.into_inner();
    crate::api::crud::get_by_ref::<Component>(&state, caller, product_id, (system, external_id))
        .await
}

#[utoipa::path(
    tag = "products",
    summary = "Create or replace a component by its reference in another system",
    description = "Creates the component of the product that another system calls `system:external_id`, or replaces all its writable fields when it exists. The same body twice changes nothing the second time. `If-Match` is optional, and honoured when sent.",
    params(
        ("product_id" = Uuid, Path, description = "The product's id."),
        ("system" = String, Path, description = "The other system, such as `servicenow`.", pattern = "^[a-z0-9][a-z0-9._-]{0,63}$"),
        ("external_id" = String, Path, description = "The component's id in that system."),
        ("If-Match" = Option<String>, Header, nullable = false, description = "When sent, the replacement happens only at this version.")
    ),
    request_body(content = ComponentInput, content_type = "application/json"),
    responses(
        (status = 200, description = "Replaced, or already so.", body = Component,
            headers(("ETag" = String, description = "The component's version."))),
        (status = 201, description = "Created.", body = Component, headers(
            ("Location" = String, description = "The new component's URL."),
            ("ETag" = String, description = "The component's version, for `If-Match`."))),
        PutErrors
    ),
    security(("api_key" = []))
)]
#[put("/products/{product_id}/components/by-ref/{system}/{external_id}")]
pub async fn put_component_by_ref(
    state: web::Data<AppState>,
    caller: Caller,
    req: HttpRequest,
    path: web::Path<(Uuid, String, String)>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (product_id, system, external_id) = path.into_inner();
    crate::api::crud::put_by_ref::<Component>(
        &state,
        caller,
        &req,
        payload,
        product_id,
        (system, external_id),
        format!("/api/v1/products/{product_id}/components"),
    )
    .await
}

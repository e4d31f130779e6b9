//! The hub of a TMF API: listeners registered by `POST /hub` are webhook
//! subscriptions in the API's event format, fed by the change feed through
//! the webhook delivery worker.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::product_catalog::ProductCatalog;
use super::resource::{Api, Resource};
use super::service_catalog::ServiceCatalog;
use super::{base_url, members, path_id, renamed, time, TmfError};
use crate::api::auth::{Caller, Permission};
use crate::api::{body, AppState};
use crate::catalogue::offering::Offering;
use crate::catalogue::price::Price;
use crate::catalogue::product::Product;
use crate::catalogue::service::Service;
use crate::catalogue::webhook::{Webhook, WebhookInput, WebhookStatus};
use crate::error::ApiError;
use crate::service::{self, ops, Tx};

/// Registers the hub's routes of `A`.
pub fn routes<A: Api>(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/hub").route(web::post().to(register_listener::<A>)))
        .service(web::resource("/hub/{id}").route(web::delete().to(unregister_listener::<A>)));
}

/// The body of the TMF event `event_type` for a change of the feed: the
/// resource as its facade serves it when the event is delivered (its id,
/// `href` and `@type` alone once it is deleted).
pub fn event_body(
    catalogue: &crate::service::Catalogue,
    event: &crate::catalogue::event::Event,
    event_type: &str,
    base: &str,
) -> Result<Value, service::Error> {
    let (member, resource) = catalogue.read(|tx| match event.entity_type.as_str() {
        "product" => current::<ProductCatalog, Product>(tx, event, base),
        "offering" => current::<ProductCatalog, Offering>(tx, event, base),
        "price" => current::<ProductCatalog, Price>(tx, event, base),
        _ => current::<ServiceCatalog, Service>(tx, event, base),
    })?;
    Ok(json!({
        "eventId": event.id,
        "eventTime": time(event.occurred_at),
        "eventType": event_type,
        "event": {member: resource},
    }))
}

/// The member of an event that holds `E`, and `E` as it is now.
fn current<A: Api, E: Resource<A>>(
    tx: &mut impl Tx,
    event: &crate::catalogue::event::Event,
    base: &str,
) -> Result<(&'static str, Value), service::Error> {
    let base = format!("{base}{}/{}", super::ROOT, A::PATH);
    let base = base.as_str();
    let id = event.entity_id;
    let gone = || json!({"id": id, "href": format!("{base}/{}/{id}", E::PATH), "@type": E::TYPE});
    if event.kind == crate::catalogue::event::EventKind::Deleted {
        return Ok((E::PATH, gone()));
    }
    let resource = match ops::get::<E>(tx, (), id) {
        Ok(entity) => E::to_tmf(vec![entity], tx, base)?
            .pop()
            .unwrap_or_else(gone),
        Err(service::Error::Catalogue(crate::catalogue::CatalogueError::NotFound { .. })) => gone(),
        Err(e) => return Err(e),
    };
    Ok((E::PATH, resource))
}

/// `POST /hub`: registers a listener (`callback`) for the events of the API
/// that its `query` names (`eventType=ProductOfferingCreateEvent,...`; all
/// of them when it has none). It is a webhook subscription of the API's
/// format: delivered by the same worker, signed, retried, in order.
pub async fn register_listener<A: Api>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, TmfError> {
    caller.require(Permission::ManageKeys)?;
    let (document, _): (Value, _) = body::json(&state.bodies, &req, payload).await?;
    let members = members(document, &["callback", "query"])?;
    let Some(callback) = members.get("callback").and_then(Value::as_str) else {
        return Err(TmfError(ApiError::invalid_field(
            "callback",
            "is required: the URL the events are POSTed to",
        )));
    };
    let query = match members.get("query") {
        None | Some(Value::Null) => None,
        Some(Value::String(q)) => Some(q.clone()),
        Some(_) => {
            return Err(TmfError(ApiError::invalid_field(
                "query",
                "must be a string such as eventType=ProductOfferingCreateEvent",
            )))
        }
    };
    let event_types = hub_event_types(A::FORMAT.event_types(), query.as_deref())?;
    crate::api::webhooks::check_destination(&state, callback.to_owned())
        .await
        .map_err(|e| renamed(e, &[("url", "callback")]))?;
    let input = WebhookInput {
        url: callback.to_owned(),
        description: Some(format!(
            "{} hub listener{}",
            A::NAME,
            query
                .as_deref()
                .map(|q| format!(": {q}"))
                .unwrap_or_default()
        )),
        entity_types: A::FORMAT
            .entity_types()
            .iter()
            .map(|t| (*t).to_owned())
            .collect(),
        kinds: Vec::new(),
        format: A::FORMAT,
        event_types,
        status: WebhookStatus::Active,
    };
    let created = state
        .run(move |catalogue| catalogue.create_webhook(caller.actor(), input))
        .await
        .map_err(|e| renamed(e, &[("url", "callback"), ("description", "query")]))?;
    let id = created.webhook.meta.id;
    let location = format!("{}/hub/{id}", base_url(&req, A::PATH));
    let mut body = json!({"id": id, "callback": callback, "@type": "EventSubscription"});
    if let Some(query) = query {
        body["query"] = json!(query);
    }
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(body))
}

/// The event types (of `known`) a hub query asks for: `eventType=A,B` (or
/// the parameter repeated); none for all of them.
fn hub_event_types(known: &[&str], query: Option<&str>) -> Result<Vec<String>, TmfError> {
    let Some(query) = query.filter(|q| !q.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.trim_start_matches('?'))
        .map_err(|e| {
            TmfError(ApiError::invalid_field(
                "query",
                format!("is not a query string: {e}"),
            ))
        })?;
    let mut types = Vec::new();
    for (name, value) in pairs {
        if name != "eventType" {
            return Err(TmfError(ApiError::invalid_field(
                "query",
                format!("`{name}` is not a filter listeners take: only eventType"),
            )));
        }
        for event_type in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            if !known.contains(&event_type) {
                return Err(TmfError(ApiError::invalid_field(
                    "query",
                    format!(
                        "`{event_type}` is not an event of this API: {}",
                        known.join(", ")
                    ),
                )));
            }
            if !types.iter().any(|t| t == event_type) {
                types.push(event_type.to_owned());
            }
        }
    }
    Ok(types)
}

/// `DELETE /hub/{id}`: unregisters a listener of the API: 204.
pub async fn unregister_listener<A: Api>(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, TmfError> {
    caller.require(Permission::ManageKeys)?;
    let id = path_id(&path, "listener")?;
    let missing = || TmfError(ApiError::NotFound(format!("No listener has the id {id}.")));
    let actor = caller.actor();
    state
        .run(move |catalogue| {
            catalogue.write(actor, |work| {
                let webhook = ops::get::<Webhook>(work, (), id)?;
                if webhook.fields.format != A::FORMAT {
                    return Err(
                        crate::catalogue::CatalogueError::NotFound { entity: "listener" }.into(),
                    );
                }
                ops::delete::<Webhook>(work, (), id, &crate::catalogue::patch::Precondition::None)
            })
        })
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => missing(),
            other => TmfError(other),
        })?;
    Ok(HttpResponse::NoContent().finish())
}

//! What every TMF resource shares: the lifecycle names, the members every
//! resource starts with, and the handlers of a collection (list, get,
//! create, patch, delete) over the native entity, for admins and editors
//! over the catalogue and for customer keys over their view.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::{base_url, members, path_id, renamed, time, ListQuery, TmfError};
use crate::api::auth::{Caller, Permission};
use crate::api::{body, conditional, AppState};
use crate::catalogue::api_key::Role;
use crate::catalogue::page::PageRequest;
use crate::catalogue::validate::parse_input;
use crate::catalogue::view::CustomerView;
use crate::catalogue::webhook::EventFormat;
use crate::catalogue::FieldError;
use crate::error::ApiError;
use crate::service::{self, ops, Tx, Writable};

/// How many entities a list reads from the store at a time.
const BATCH: u32 = 500;

/// One TMF API: its path under [`super::ROOT`] and how its hub listeners
/// hear of changes.
pub trait Api: 'static {
    /// Its path, such as `productCatalogManagement/v4`.
    const PATH: &'static str;
    /// Its name, such as `TMF620`.
    const NAME: &'static str;
    /// The webhook format its listeners' events are written in.
    const FORMAT: EventFormat;
    /// Its one catalog.
    const CATALOG: Catalog;
    /// The title of its OpenAPI document.
    const TITLE: &'static str;
    /// What its OpenAPI document says of it.
    const ABOUT: &'static str;

    /// Its collections, as its OpenAPI document describes them.
    fn collections() -> Vec<super::spec::Collection>;
}

/// The one catalog of an API, which holds the whole of what the API
/// serves, until Vitrine has more than one. Its id is [`CATALOG_ID`].
pub struct Catalog {
    /// Its collection's path, such as `catalog`.
    pub path: &'static str,
    /// Its `@type`.
    pub type_name: &'static str,
    /// Its name.
    pub name: &'static str,
    /// What it holds.
    pub description: &'static str,
}

/// The id of the one catalog of each API.
pub const CATALOG_ID: &str = "catalogue";

/// One TMF resource of the API `A` over one native entity; an entity may
/// be a resource of both APIs (a category is a TMF620 `category` and a
/// TMF633 `serviceCategory`).
pub trait Resource<A: Api>: Writable<Scope = ()> {
    /// Its collection's path, such as `productOffering`.
    const PATH: &'static str;
    /// Its `@type`, such as `ProductOffering`.
    const TYPE: &'static str;
    /// What it is called in messages.
    const WHAT: &'static str;
    /// The attributes it starts with.
    const HEAD: &'static [super::spec::Attribute] = super::spec::HEAD;
    /// Its attributes besides those it starts with ([`Resource::HEAD`]):
    /// what it holds and what a write may set.
    const ATTRIBUTES: &'static [super::spec::Attribute];
    /// How it maps onto Vitrine, for its OpenAPI document.
    const ABOUT: &'static str;
    /// The native fields and the TMF attributes they come from, to name the
    /// attribute in an error.
    const NAMES: &'static [(&'static str, &'static str)];

    /// These entities as TMF resources, with their references resolved.
    fn to_tmf(items: Vec<Self>, tx: &mut impl Tx, base: &str)
        -> Result<Vec<Value>, service::Error>;

    /// The native fields of the TMF attributes of a write; the attributes
    /// that cannot be translated are named in `errors`.
    fn to_native(members: Map<String, Value>, errors: &mut Vec<FieldError>) -> Map<String, Value>;

    /// What a customer sees of this resource: built from its customer view
    /// alone, never from the catalogue, so that it holds nothing the view
    /// does not; none when customers may not read this resource at all.
    fn seen(view: &CustomerView, base: &str) -> Option<Vec<Value>>;
}

/// The lifecycle names of TMF for a native status of three states (draft,
/// active, retired), and back.
pub struct Lifecycle<T: 'static> {
    pub draft: T,
    pub active: T,
    pub retired: T,
    /// How TMF calls the active state of this resource: `Launched` for an
    /// offering, `Active` for the others; either is read.
    pub active_name: &'static str,
}

impl<T: Copy + PartialEq> Lifecycle<T> {
    pub fn name(&self, status: T) -> &'static str {
        if status == self.draft {
            "In design"
        } else if status == self.active {
            self.active_name
        } else {
            "Retired"
        }
    }

    fn status(&self, name: &str) -> Option<T> {
        let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(name));
        if is(&["In design", "In study", "In test"]) {
            Some(self.draft)
        } else if is(&["Launched", "Active"]) {
            Some(self.active)
        } else if is(&["Retired", "Obsolete"]) {
            Some(self.retired)
        } else {
            None
        }
    }

    /// The native value of a `lifecycleStatus` member, as a JSON string of
    /// `as_str`; none, named in `errors`, when it is not a TMF name.
    pub fn read(
        &self,
        value: &Value,
        as_str: fn(T) -> &'static str,
        errors: &mut Vec<FieldError>,
    ) -> Value {
        match value.as_str().and_then(|n| self.status(n)) {
            Some(status) => json!(as_str(status)),
            None => {
                errors.push(FieldError::new(
                    "lifecycleStatus",
                    format!("must be one of: In design, {}, Retired", self.active_name),
                ));
                Value::Null
            }
        }
    }
}

/// The members every resource starts with: its id, `href`, name,
/// description, lifecycle, `lastUpdate`, `version` and `@type`.
pub fn head<A: Api, E: Resource<A>>(
    entity: &E,
    base: &str,
    name: &str,
    description: Option<&String>,
    lifecycle: &str,
) -> Map<String, Value> {
    let meta = entity.meta();
    let mut o = Map::new();
    o.insert("id".into(), json!(meta.id));
    o.insert(
        "href".into(),
        json!(format!("{base}/{}/{}", E::PATH, meta.id)),
    );
    o.insert("name".into(), json!(name));
    put_some(&mut o, "description", description.map(|d| json!(d)));
    // Bundles are not modelled: false wherever the resource has the
    // attribute (a category has not).
    if E::HEAD.iter().any(|a| a.name == "isBundle") {
        o.insert("isBundle".into(), json!(false));
    }
    o.insert("lifecycleStatus".into(), json!(lifecycle));
    o.insert("lastUpdate".into(), json!(time(meta.updated_at)));
    o.insert("version".into(), json!(meta.version.to_string()));
    o.insert("@type".into(), json!(E::TYPE));
    o
}

/// The members a resource seen by a customer starts with: its id, `href`,
/// name, description and lifecycle; no version or time of change, which
/// the view does not hold.
pub fn seen_head(
    base: &str,
    path: &str,
    id: Uuid,
    name: &str,
    description: Option<&String>,
    lifecycle: &str,
) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("id".into(), json!(id));
    o.insert("href".into(), json!(format!("{base}/{path}/{id}")));
    o.insert("name".into(), json!(name));
    put_some(&mut o, "description", description.map(|d| json!(d)));
    o.insert("isBundle".into(), json!(false));
    o.insert("lifecycleStatus".into(), json!(lifecycle));
    o
}

pub fn put_some(o: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(value) = value {
        o.insert(key.into(), value);
    }
}

/// The native fields of the attributes every resource has: `name` and
/// `description` as they are, `lifecycleStatus` as the native `field`
/// (through `lifecycle`), and `isBundle`, which must be false: bundles are
/// not modelled.
pub fn common<T: Copy + PartialEq>(
    members: &mut Map<String, Value>,
    errors: &mut Vec<FieldError>,
    field: &str,
    lifecycle: &Lifecycle<T>,
    as_str: fn(T) -> &'static str,
) -> Map<String, Value> {
    let mut native = Map::new();
    for member in ["name", "description"] {
        if let Some(value) = members.remove(member) {
            native.insert(member.into(), value);
        }
    }
    match members.remove("isBundle") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(_) => errors.push(FieldError::new(
            "isBundle",
            "bundles are not supported: leave it out or false",
        )),
    }
    if let Some(status) = members.remove("lifecycleStatus") {
        native.insert(field.into(), lifecycle.read(&status, as_str, errors));
    }
    native
}

/// Every entity of `E` that `filter` keeps, ordered by id, read in
/// batches.
pub fn all<E: Writable<Scope = ()>>(
    tx: &mut impl Tx,
    filter: &E::Filter,
) -> Result<Vec<E>, service::Error> {
    let mut items = Vec::new();
    let mut after = None;
    loop {
        let page = ops::list::<E>(
            tx,
            (),
            filter,
            &PageRequest {
                after,
                limit: BATCH,
            },
        )?;
        items.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(items),
        }
    }
}

/// The native fields of a TMF body, or a 422 naming the attributes that
/// cannot be translated.
fn translate<A: Api, E: Resource<A>>(body: Value) -> Result<Map<String, Value>, TmfError> {
    let members = members(body, &super::spec::writable::<A, E>())?;
    let mut errors = Vec::new();
    let native = E::to_native(members, &mut errors);
    if errors.is_empty() {
        Ok(native)
    } else {
        Err(TmfError(ApiError::invalid(errors)))
    }
}

pub fn only_one(mut items: Vec<Value>) -> Result<Value, TmfError> {
    items.pop().ok_or_else(|| {
        TmfError(ApiError::Internal(
            "a resource was not translated".to_owned(),
        ))
    })
}

/// The customer a customer key is bound to.
pub fn customer_of(caller: &Caller) -> Option<Uuid> {
    (caller.role == Role::Customer)
        .then_some(caller.customer_id)
        .flatten()
}

/// What the customer sees of `E` today, from its view; 403 for a resource
/// customers may not read.
async fn seen<A: Api, E: Resource<A>>(
    state: &AppState,
    customer: Uuid,
    base: String,
) -> Result<Vec<Value>, TmfError> {
    let view = view_of(state, customer).await?;
    E::seen(&view, &base).ok_or_else(|| {
        TmfError(ApiError::Forbidden(format!(
            "A customer key may not read {}.",
            crate::catalogue::plural(E::WHAT)
        )))
    })
}

/// Each item once (the first seen of those with its id), ordered by id: the
/// prices or services that several offerings of a view share.
pub fn once_each<'a, T>(items: impl Iterator<Item = &'a T>, id: fn(&T) -> Uuid) -> Vec<&'a T> {
    let mut items: Vec<&T> = items.collect();
    // A stable sort keeps the first seen ahead of its equals.
    items.sort_by_key(|item| id(item));
    items.dedup_by_key(|item| id(item));
    items
}

/// The customer's view today.
pub async fn view_of(state: &AppState, customer: Uuid) -> Result<CustomerView, TmfError> {
    let today = chrono::Utc::now().date_naive();
    state
        .run(move |catalogue| catalogue.customer_view(customer, today))
        .await?
        .ok_or_else(|| TmfError(ApiError::NotFound("No customer has this id.".to_owned())))
}

/// `GET /{resource}`: the list, filtered, projected and paged.
pub async fn list<A: Api, E: Resource<A>>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<HttpResponse, TmfError> {
    let query = ListQuery::parse(req.query_string())?;
    let base = base_url(&req, A::PATH);
    if let Some(customer) = customer_of(&caller) {
        return Ok(query.answer(seen::<A, E>(&state, customer, base).await?));
    }
    caller.require(Permission::ReadCatalogue)?;
    let items = state
        .run(move |catalogue| {
            catalogue.read(|tx| {
                let items = all::<E>(tx, &E::Filter::default())?;
                E::to_tmf(items, tx, &base)
            })
        })
        .await?;
    Ok(query.answer(items))
}

/// `GET /{resource}/{id}`.
pub async fn get<A: Api, E: Resource<A>>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, TmfError> {
    let id = path_id(&path, E::WHAT)?;
    let query = ListQuery::parse(req.query_string())?;
    let base = base_url(&req, A::PATH);
    if let Some(customer) = customer_of(&caller) {
        let item = seen::<A, E>(&state, customer, base)
            .await?
            .into_iter()
            .find(|item| item["id"] == json!(id))
            .ok_or_else(|| not_found::<A, E>(ApiError::NotFound(String::new()), id))?;
        return Ok(HttpResponse::Ok().json(query.project(item)));
    }
    caller.require(Permission::ReadCatalogue)?;
    let (item, version) = state
        .run(move |catalogue| {
            catalogue.read(|tx| {
                let entity = ops::get::<E>(tx, (), id)?;
                let version = entity.meta().version;
                let items = E::to_tmf(vec![entity], tx, &base)?;
                Ok::<_, service::Error>((items, version))
            })
        })
        .await
        .map_err(|e| not_found::<A, E>(e, id))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, conditional::etag(version)))
        .json(query.project(only_one(item)?)))
}

/// `POST /{resource}`: 201 with the resource and its `Location`.
pub async fn create<A: Api, E: Resource<A>>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    payload: web::Payload,
) -> Result<HttpResponse, TmfError> {
    caller.require(Permission::WriteCatalogue)?;
    let (document, _): (Value, _) = body::json(&state.bodies, &req, payload).await?;
    let native = translate::<A, E>(document)?;
    let base = base_url(&req, A::PATH);
    let (item, version) = state
        .run(move |catalogue| {
            catalogue.write(caller.actor(), |work| {
                let input = parse_input::<E::Input>(Value::Object(native))?;
                let created = ops::create::<E>(work, (), input)?;
                let version = created.meta().version;
                Ok((E::to_tmf(vec![created], work, &base)?, version))
            })
        })
        .await
        .map_err(|e| renamed(e, E::NAMES))?;
    let item = only_one(item)?;
    let location = item["href"].as_str().unwrap_or_default().to_owned();
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::ETAG, conditional::etag(version)))
        .json(item))
}

/// `PATCH /{resource}/{id}`: a merge patch of TMF attributes; `If-Match`
/// is honoured when sent (412 on a stale one), not required.
pub async fn update<A: Api, E: Resource<A>>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, TmfError> {
    caller.require(Permission::WriteCatalogue)?;
    let id = path_id(&path, E::WHAT)?;
    let precondition = conditional::optional_if_match(&req);
    let document = body::merge_patch(&state.bodies, &req, payload).await?;
    let native = translate::<A, E>(document)?;
    let base = base_url(&req, A::PATH);
    let (item, version) = state
        .run(move |catalogue| {
            catalogue.write(caller.actor(), |work| {
                let updated = ops::patch::<E>(work, (), id, &precondition, &Value::Object(native))?;
                let version = updated.meta().version;
                Ok((E::to_tmf(vec![updated], work, &base)?, version))
            })
        })
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => not_found::<A, E>(e, id),
            other => renamed(other, E::NAMES),
        })?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, conditional::etag(version)))
        .json(only_one(item)?))
}

/// `DELETE /{resource}/{id}`: 204; 409 while something still refers to it.
pub async fn delete<A: Api, E: Resource<A>>(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, TmfError> {
    caller.require(Permission::WriteCatalogue)?;
    let id = path_id(&path, E::WHAT)?;
    let precondition = conditional::optional_if_match(&req);
    state
        .run(move |catalogue| catalogue.delete::<E>(caller.actor(), (), id, &precondition))
        .await
        .map_err(|e| not_found::<A, E>(e, id))?;
    Ok(HttpResponse::NoContent().finish())
}

/// A 404 that names the TMF resource rather than the native entity.
fn not_found<A: Api, E: Resource<A>>(e: ApiError, id: Uuid) -> TmfError {
    match e {
        ApiError::NotFound(_) => TmfError(ApiError::NotFound(format!(
            "No {} has the id {id}.",
            E::WHAT
        ))),
        other => TmfError(other),
    }
}

/// Registers the routes of `E`'s collection.
pub fn routes<A: Api, E: Resource<A>>(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(format!("/{}", E::PATH))
            .route(web::get().to(list::<A, E>))
            .route(web::post().to(create::<A, E>)),
    )
    .service(
        web::resource(format!("/{}/{{id}}", E::PATH))
            .route(web::get().to(get::<A, E>))
            .route(web::patch().to(update::<A, E>))
            .route(web::delete().to(delete::<A, E>)),
    );
}

/// The one catalog of `A`, as any key may read it: it names nothing but
/// itself.
fn catalog<A: Api>(req: &HttpRequest) -> Value {
    let c = A::CATALOG;
    json!({
        "id": CATALOG_ID,
        "href": format!("{}/{}/{CATALOG_ID}", base_url(req, A::PATH), c.path),
        "name": c.name,
        "description": c.description,
        "lifecycleStatus": "Active",
        "@type": c.type_name,
    })
}

/// `GET /{catalog}`: the one catalog, filtered and projected.
pub async fn list_catalogs<A: Api>(req: HttpRequest, _: Caller) -> Result<HttpResponse, TmfError> {
    let query = ListQuery::parse(req.query_string())?;
    Ok(query.answer(vec![catalog::<A>(&req)]))
}

/// `GET /{catalog}/{id}`.
pub async fn get_catalog<A: Api>(
    req: HttpRequest,
    _: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, TmfError> {
    if path.as_str() != CATALOG_ID {
        return Err(TmfError(ApiError::NotFound(format!(
            "No catalog has the id {}: the one catalog is `{CATALOG_ID}`.",
            path.as_str()
        ))));
    }
    let query = ListQuery::parse(req.query_string())?;
    Ok(HttpResponse::Ok().json(query.project(catalog::<A>(&req))))
}

/// Registers the routes of `A`'s catalog: it is read only, as Vitrine has
/// one catalog.
pub fn catalog_routes<A: Api>(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(format!("/{}", A::CATALOG.path)).route(web::get().to(list_catalogs::<A>)),
    )
    .service(
        web::resource(format!("/{}/{{id}}", A::CATALOG.path))
            .route(web::get().to(get_catalog::<A>)),
    );
}

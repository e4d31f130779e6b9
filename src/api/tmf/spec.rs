//! The OpenAPI document of each facade, built from the attributes its
//! collections declare: what a resource holds, what a write may set, which
//! operations each collection has and the errors they answer. Served at
//! `/tmf-api/{api}/openapi.json` and committed as `openapi/tmf620.json`
//! and `openapi/tmf633.json`; a test checks that both equal what is served,
//! and that every answer of the facade is valid against it.

use serde_json::{json, Map, Value};

use super::resource::{Api, Resource};
use super::READ_ONLY;

/// How an attribute's value is written.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A string.
    Text,
    /// An RFC 3339 time.
    Time,
    /// A boolean.
    Flag,
    /// A whole number.
    Count,
    /// A reference to another resource.
    Ref,
    /// A list of references.
    Refs,
    /// A `TimePeriod`.
    Period,
    /// A `Money`.
    Money,
    /// A `Quantity`.
    Quantity,
}

/// One attribute of a TMF resource.
#[derive(Debug, Clone, Copy)]
pub struct Attribute {
    /// Its name.
    pub name: &'static str,
    /// How its value is written.
    pub kind: Kind,
    /// What it holds, and what it is in Vitrine.
    pub about: &'static str,
    /// Whether a write may set it.
    pub writable: bool,
}

/// An attribute that Vitrine sets.
pub const fn read(name: &'static str, kind: Kind, about: &'static str) -> Attribute {
    Attribute {
        name,
        kind,
        about,
        writable: false,
    }
}

/// An attribute that a write may set.
pub const fn write(name: &'static str, kind: Kind, about: &'static str) -> Attribute {
    Attribute {
        name,
        kind,
        about,
        writable: true,
    }
}

/// The attributes every resource over a native entity starts with.
pub const HEAD: &[Attribute] = &[
    read("id", Kind::Text, "Its id: the native entity's UUID."),
    read("href", Kind::Text, "Its absolute URL."),
    write("name", Kind::Text, "Its name: 1 to 200 characters."),
    write("description", Kind::Text, "What it is."),
    write(
        "isBundle",
        Kind::Flag,
        "Always false: bundles are not modelled, and true is refused.",
    ),
    write(
        "lifecycleStatus",
        Kind::Text,
        "In design, Active (Launched for an offering) or Retired; read case-insensitively, with \
         In study and In test as In design and Obsolete as Retired; it moves forward only.",
    ),
    read("lastUpdate", Kind::Time, "When it last changed."),
    read(
        "version",
        Kind::Text,
        "Its version, a number that each change raises: the ETag of the resource.",
    ),
    read("@type", Kind::Text, "Its TMF type."),
];

/// The attributes a category starts with: no bundle, no lifecycle of its
/// own.
pub const CATEGORY_HEAD: &[Attribute] = &[
    read("id", Kind::Text, "Its id: the category's UUID."),
    read("href", Kind::Text, "Its absolute URL."),
    write("name", Kind::Text, "Its name: 1 to 200 characters."),
    write("description", Kind::Text, "What it groups."),
    write(
        "lifecycleStatus",
        Kind::Text,
        "Always Active: a category has no lifecycle of its own; Active is the only value taken.",
    ),
    read("lastUpdate", Kind::Time, "When it last changed."),
    read(
        "version",
        Kind::Text,
        "Its version, a number that each change raises: the ETag of the resource.",
    ),
    read("@type", Kind::Text, "Its TMF type."),
];

/// One collection of a facade, as its document describes it.
pub struct Collection {
    /// Its path, such as `productOffering`.
    pub path: &'static str,
    /// The `@type` of its items.
    pub type_name: &'static str,
    /// What an item is called.
    pub what: &'static str,
    /// The attributes of an item.
    pub attributes: Vec<Attribute>,
    /// Whether it is written (create, patch, delete) or read only.
    pub writes: bool,
    /// How it maps onto Vitrine.
    pub about: &'static str,
}

impl Collection {
    /// The collection of a resource over a native entity.
    pub fn of<A: Api, E: Resource<A>>() -> Collection {
        Collection {
            path: E::PATH,
            type_name: E::TYPE,
            what: E::WHAT,
            attributes: E::HEAD.iter().chain(E::ATTRIBUTES).copied().collect(),
            writes: true,
            about: E::ABOUT,
        }
    }
}

/// The names of the attributes a write of `E` may set.
pub fn writable<A: Api, E: Resource<A>>() -> Vec<&'static str> {
    E::HEAD
        .iter()
        .chain(E::ATTRIBUTES)
        .filter(|a| a.writable)
        .map(|a| a.name)
        .collect()
}

fn schema_of(kind: Kind) -> Value {
    match kind {
        Kind::Text => json!({"type": "string"}),
        Kind::Time => json!({"type": "string", "format": "date-time"}),
        Kind::Flag => json!({"type": "boolean"}),
        Kind::Count => json!({"type": "integer"}),
        Kind::Ref => json!({"$ref": "#/components/schemas/Reference"}),
        Kind::Refs => json!({"type": "array", "items": {"$ref": "#/components/schemas/Reference"}}),
        Kind::Period => json!({"$ref": "#/components/schemas/TimePeriod"}),
        Kind::Money => json!({"$ref": "#/components/schemas/Money"}),
        Kind::Quantity => json!({"$ref": "#/components/schemas/Quantity"}),
    }
}

/// The schema of an attribute: its kind's, with what it holds.
fn property(attribute: &Attribute) -> Value {
    let mut schema = schema_of(attribute.kind);
    if schema.get("$ref").is_some() {
        // A reference with siblings: 3.1 allows it, but tools read
        // `allOf` better.
        schema = json!({"allOf": [schema]});
    }
    schema["description"] = json!(attribute.about);
    schema
}

/// The schemas of a collection: its items, and what a write takes.
fn schemas(collection: &Collection, schemas: &mut Map<String, Value>) {
    let mut properties = Map::new();
    for attribute in &collection.attributes {
        properties.insert(attribute.name.into(), property(attribute));
    }
    schemas.insert(
        collection.type_name.into(),
        json!({
            "type": "object",
            "description": collection.about,
            "properties": properties,
            "required": ["id", "href", "@type"],
            "additionalProperties": false,
        }),
    );
    if !collection.writes {
        return;
    }
    let mut input = Map::new();
    for attribute in collection.attributes.iter().filter(|a| a.writable) {
        input.insert(attribute.name.into(), property(attribute));
    }
    for name in READ_ONLY {
        input.insert(
            (*name).into(),
            json!({"description": "Set by Vitrine: taken and ignored."}),
        );
    }
    schemas.insert(
        format!("{}_Write", collection.type_name),
        json!({
            "type": "object",
            "description": format!(
                "What a create or a patch of a {} may set; any other attribute is refused \
                 with a 422 that names it. A create needs what Vitrine needs (a name, and \
                 the references the native entity requires).",
                collection.what
            ),
            "properties": input,
            "additionalProperties": false,
        }),
    );
}

/// The errors the operations answer: status, name and meaning.
const ERRORS: &[(u16, &str, &str)] = &[
    (400, "BadRequest", "The query or the body cannot be read."),
    (401, "Unauthorized", "No key, or a key that is not valid."),
    (403, "Forbidden", "The key's role may not do this."),
    (
        404,
        "NotFound",
        "Nothing has this id, or the key may not see it.",
    ),
    (408, "RequestTimeout", "The body did not arrive in time."),
    (
        409,
        "Conflict",
        "It conflicts with what is stored: a reference to what does not exist, or something \
         still refers to it.",
    ),
    (
        412,
        "PreconditionFailed",
        "`If-Match` names a version that is no longer the current one.",
    ),
    (413, "ContentTooLarge", "The body is too large."),
    (415, "UnsupportedMediaType", "The body is not JSON."),
    (
        422,
        "Invalid",
        "An attribute is not valid, or not one this facade stores: the message names it.",
    ),
    (
        500,
        "Internal",
        "Something failed on the server; the answer shows no internals.",
    ),
    (
        503,
        "Unavailable",
        "The database is out of reach or busy: try again shortly.",
    ),
];

/// The error responses, by name, for `components`.
fn error_responses() -> Map<String, Value> {
    ERRORS
        .iter()
        .map(|(_, name, description)| {
            (
                (*name).to_owned(),
                json!({
                    "description": description,
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}}},
                }),
            )
        })
        .collect()
}

/// Adds the errors of `statuses` to an operation's responses.
fn respond(operation: &mut Value, statuses: &[u16]) {
    if let Some(responses) = operation["responses"].as_object_mut() {
        for (status, name, _) in ERRORS.iter().filter(|(s, _, _)| statuses.contains(s)) {
            responses.insert(
                status.to_string(),
                json!({"$ref": format!("#/components/responses/{name}")}),
            );
        }
    }
}

fn header(description: &str, kind: &str) -> Value {
    json!({"description": description, "schema": {"type": kind}})
}

fn id_parameter(what: &str) -> Value {
    json!({"name": "id", "in": "path", "required": true,
        "description": format!("The id of the {what}."), "schema": {"type": "string"}})
}

fn if_match() -> Value {
    use crate::api::conditional::{HEADER, PATTERN};
    json!({"name": HEADER, "in": "header", "required": false,
        "description": "The version the change is based on, as the ETag gave it: honoured when \
                        sent (412 when it is stale), not required.",
        "schema": {"type": "string", "pattern": PATTERN}})
}

fn list_parameters() -> Value {
    json!([
        {"name": "fields", "in": "query", "required": false,
            "description": "The attributes to answer, separated by commas; `id`, `href` and \
                            `@type` always.",
            "schema": {"type": "string"}},
        {"name": "offset", "in": "query", "required": false,
            "description": "How many matching items to skip.",
            "schema": {"type": "integer", "minimum": 0, "default": 0}},
        {"name": "limit", "in": "query", "required": false,
            "description": "How many items to answer at most.",
            "schema": {"type": "integer", "minimum": 1, "maximum": super::LIMIT_MAX,
                "default": super::LIMIT_MAX}},
    ])
}

/// The operations of a collection.
fn paths(collection: &Collection, paths: &mut Map<String, Value>) {
    let (name, what) = (collection.type_name, collection.what);
    let item = json!({"$ref": format!("#/components/schemas/{name}")});
    let write = json!({"$ref": format!("#/components/schemas/{name}_Write")});
    let etag = header("The resource's version.", "string");
    let mut list = json!({
        "tags": [name],
        "operationId": format!("list{name}"),
        "summary": format!("List the {what}s"),
        "description": "Ordered by id. Any parameter besides `fields`, `offset` and `limit` \
                        filters by equality on the attribute it names (`name=...`; a dotted path \
                        names a member of an object, such as `validFor.startDateTime=...`; a list \
                        matches when one of its items does); surrounding double quotes are \
                        stripped. A customer key lists what its customer view shows.",
        "parameters": list_parameters(),
        "responses": {"200": {
            "description": format!("The {what}s of this page."),
            "headers": {
                "X-Total-Count": header("How many items match.", "integer"),
                "X-Result-Count": header("How many items this answer holds.", "integer"),
            },
            "content": {"application/json": {"schema": {"type": "array", "items": item}}},
        }},
    });
    // 404 for a customer key whose customer is gone.
    respond(&mut list, &[400, 401, 403, 404, 500, 503]);
    let mut collection_item = json!({"get": list});
    let mut get = json!({
        "tags": [name],
        "operationId": format!("retrieve{name}"),
        "summary": format!("Read a {what}"),
        "description": format!(
            "The {what} with this id{}. `fields` keeps the attributes it names (and `id`, \
             `href` and `@type`). A customer key reads only what its customer view shows: 404 \
             for anything else, 403 for what customers never read.",
            if collection.writes { ", with its `ETag` (staff keys)" } else { "" }
        ),
        "parameters": [id_parameter(what), list_parameters()[0]],
        "responses": {"200": {
            "description": format!("The {what}."),
            "content": {"application/json": {"schema": item}},
        }},
    });
    if collection.writes {
        get["responses"]["200"]["headers"] = json!({"ETag": header(
            "The resource's version, for `If-Match`; not sent to customer keys.",
            "string",
        )});
    }
    respond(&mut get, &[400, 401, 403, 404, 500, 503]);
    let mut one = json!({"get": get});
    if collection.writes {
        let mut create = json!({
            "tags": [name],
            "operationId": format!("create{name}"),
            "summary": format!("Create a {what}"),
            "description": format!(
                "Creates a {what} through the same rules and unit of work as /api/v1: it is in \
                 the change feed and heard by webhooks and listeners. Takes an admin or editor \
                 key."
            ),
            "requestBody": {"required": true, "content": {"application/json": {"schema": write}}},
            "responses": {"201": {
                "description": format!("The {what}, created."),
                "headers": {
                    "Location": header("Its URL.", "string"),
                    "ETag": etag,
                },
                "content": {"application/json": {"schema": item}},
            }},
        });
        respond(
            &mut create,
            &[400, 401, 403, 408, 409, 413, 415, 422, 500, 503],
        );
        collection_item["post"] = create;
        let mut patch = json!({
            "tags": [name],
            "operationId": format!("patch{name}"),
            "summary": format!("Change a {what}"),
            "description": "A merge patch (RFC 7396) of the attributes to change.",
            "parameters": [id_parameter(what), if_match()],
            "requestBody": {"required": true, "content": {
                "application/merge-patch+json": {"schema": write},
                "application/json": {"schema": write},
            }},
            "responses": {"200": {
                "description": format!("The {what}, changed."),
                "headers": {"ETag": etag},
                "content": {"application/json": {"schema": item}},
            }},
        });
        respond(
            &mut patch,
            &[400, 401, 403, 404, 408, 409, 412, 413, 415, 422, 500, 503],
        );
        one["patch"] = patch;
        let mut delete = json!({
            "tags": [name],
            "operationId": format!("delete{name}"),
            "summary": format!("Delete a {what}"),
            "description": "Refused (409) while something still refers to it.",
            "parameters": [id_parameter(what), if_match()],
            "responses": {"204": {"description": "Deleted."}},
        });
        respond(&mut delete, &[400, 401, 403, 404, 409, 412, 500, 503]);
        one["delete"] = delete;
    }
    paths.insert(format!("/{}", collection.path), collection_item);
    paths.insert(format!("/{}/{{id}}", collection.path), one);
}

/// The operations of the hub.
fn hub<A: Api>(paths: &mut Map<String, Value>) {
    let events = A::FORMAT.event_types().join(", ");
    let mut register = json!({
        "tags": ["EventSubscription"],
        "operationId": "registerListener",
        "summary": "Register a listener",
        "description": format!(
            "Registers a callback for the events its query names (`eventType=A,B`; all of them \
             without a query): {events}. Each is POSTed to the callback as \
             `{{eventId, eventTime, eventType, event}}`, with the resource as this API serves \
             it when the event is delivered, by the webhook worker: in commit order, at least \
             once, signed, retried. Takes an admin key, as any webhook does."
        ),
        "requestBody": {"required": true, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/EventSubscriptionInput"}}}},
        "responses": {"201": {
            "description": "The listener, registered.",
            "headers": {"Location": header("Its URL.", "string")},
            "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/EventSubscription"}}},
        }},
    });
    respond(
        &mut register,
        &[400, 401, 403, 408, 413, 415, 422, 500, 503],
    );
    let mut unregister = json!({
        "tags": ["EventSubscription"],
        "operationId": "unregisterListener",
        "summary": "Unregister a listener",
        "description": "Removes a listener registered through this API's hub.",
        "parameters": [id_parameter("listener")],
        "responses": {"204": {"description": "Unregistered."}},
    });
    respond(&mut unregister, &[400, 401, 403, 404, 500, 503]);
    paths.insert("/hub".into(), json!({"post": register}));
    paths.insert("/hub/{id}".into(), json!({"delete": unregister}));
}

/// The schemas every facade shares.
fn shared(schemas: &mut Map<String, Value>) {
    let text = |about: &str| json!({"type": "string", "description": about});
    schemas.insert(
        "Reference".into(),
        json!({
            "type": "object",
            "description": "A reference to another resource: on input, its `id` is what counts.",
            "properties": {
                "id": text("The id of what it names."),
                "href": text("Its URL, when this service serves it."),
                "name": text("Its name, when it says more than the id."),
                "version": text("Its version."),
                "@referredType": text("The TMF type of what it names."),
            },
            "required": ["id"],
        }),
    );
    schemas.insert("TimePeriod".into(), json!({
        "type": "object",
        "description": "A window of days: from the start of its first day to the end of its last, UTC.",
        "properties": {
            "startDateTime": {"type": "string", "format": "date-time", "description": "Its start."},
            "endDateTime": {"type": "string", "format": "date-time", "description": "Its end."},
        },
        "additionalProperties": false,
    }));
    schemas.insert(
        "Money".into(),
        json!({
            "type": "object",
            "description": "An amount in a currency.",
            "properties": {
                "unit": text("The currency: an ISO 4217 code."),
                "value": {"type": "number", "description": "The amount."},
            },
            "additionalProperties": false,
        }),
    );
    schemas.insert(
        "Quantity".into(),
        json!({
            "type": "object",
            "description": "What a usage price is charged per: one unit.",
            "properties": {
                "amount": {"type": "number", "description": "Always 1."},
                "units": text("The unit, such as GB or user."),
            },
            "additionalProperties": false,
        }),
    );
    schemas.insert("Error".into(), json!({
        "type": "object",
        "description": "An error, as TMF writes it.",
        "properties": {
            "code": text("A stable slug of the problem, such as `not-found` or `invalid-input`."),
            "reason": text("A short title of the problem."),
            "message": text("What went wrong, naming the attributes refused."),
            "status": text("The HTTP status."),
            "@type": text("Error."),
        },
        "required": ["code", "reason", "message", "status", "@type"],
        "additionalProperties": false,
    }));
    schemas.insert("EventSubscriptionInput".into(), json!({
        "type": "object",
        "description": "A listener to register.",
        "properties": {
            "callback": text("The URL the events are POSTed to: http or https, not a private address unless allowed."),
            "query": text("The events to hear: `eventType=A,B`; all of them when absent."),
        },
        "required": ["callback"],
        "additionalProperties": false,
    }));
    schemas.insert(
        "EventSubscription".into(),
        json!({
            "type": "object",
            "description": "A registered listener.",
            "properties": {
                "id": text("Its id: that of its webhook subscription."),
                "callback": text("The URL the events are POSTed to."),
                "query": text("The events it hears."),
                "@type": text("EventSubscription."),
            },
            "required": ["id", "callback"],
            "additionalProperties": false,
        }),
    );
}

/// The attributes of the one catalog of an API.
pub const CATALOG_ATTRIBUTES: &[Attribute] = &[
    read("id", Kind::Text, "Its id: `catalogue`."),
    read("href", Kind::Text, "Its absolute URL."),
    read("name", Kind::Text, "Its name."),
    read("description", Kind::Text, "What it holds."),
    read("lifecycleStatus", Kind::Text, "Active."),
    read("@type", Kind::Text, "Its TMF type."),
];

/// The collection of the one catalog of `A`: read only.
pub fn catalog<A: Api>() -> Collection {
    let c = A::CATALOG;
    Collection {
        path: c.path,
        type_name: c.type_name,
        what: "catalog",
        attributes: CATALOG_ATTRIBUTES.to_vec(),
        writes: false,
        about: "The one catalog of this API, which holds the whole of what it serves: \
                read only, until Vitrine has more than one.",
    }
}

/// The OpenAPI document of `A`.
pub fn document<A: Api>() -> Value {
    let (title, about) = (A::TITLE, A::ABOUT);
    let collections = A::collections();
    let mut schema_map = Map::new();
    shared(&mut schema_map);
    let mut path_map = Map::new();
    let mut tags = Vec::new();
    for collection in &collections {
        schemas(collection, &mut schema_map);
        paths(collection, &mut path_map);
        tags.push(json!({"name": collection.type_name, "description": collection.about}));
    }
    hub::<A>(&mut path_map);
    tags.push(json!({"name": "EventSubscription", "description": "Listeners of the hub."}));
    // The shared schemas that nothing here refers to are left out.
    let text = Value::Object(path_map.clone()).to_string()
        + &Value::Object(schema_map.clone()).to_string();
    schema_map.retain(|name, _| {
        !["Reference", "TimePeriod", "Money", "Quantity"].contains(&name.as_str())
            || text.contains(&format!("\"#/components/schemas/{name}\""))
    });
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "description": about,
            "contact": {"name": "Vitrine"},
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
            "version": env!("CARGO_PKG_VERSION"),
        },
        "servers": [{"url": format!("{}/{}", super::ROOT, A::PATH)}],
        "security": [{"api_key": []}],
        "paths": path_map,
        "components": {
            "schemas": schema_map,
            "responses": error_responses(),
            "securitySchemes": {"api_key": {"type": "http", "scheme": "bearer",
                "description": "The same keys as /api/v1."}},
        },
        "tags": tags,
    })
}

/// A document as served and committed: pretty JSON and a final newline.
pub fn to_json(document: &Value) -> String {
    let mut json = serde_json::to_string_pretty(document).unwrap_or_default();
    json.push('\n');
    json
}

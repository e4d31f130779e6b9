//! What the spec states beyond the handlers' annotations, derived from them
//! so that nothing is written twice:
//! - the body of each merge patch: the create body with no member required,
//!   no default, and the fields that never change left out;
//! - links from each create to the operations on what it created (its id,
//!   and its `ETag` for `If-Match`), so that a client or a test tool can
//!   follow them;
//! - what an `If-Match` may be, stated once for every operation that takes
//!   one;
//! - that free texts hold no NUL character, and that the operations with
//!   no key need none (`security: []`).

use serde_json::{json, Map, Value};

/// What the spec says of an entity beyond its types: its schema's name, the
/// fields no change may alter, and the fields that name other entities.
#[derive(Debug, Clone, Copy)]
pub struct EntityRules {
    /// The entity's schema, such as `Product`.
    pub schema: &'static str,
    /// Fields set at creation that no change may alter.
    pub immutable: &'static [&'static str],
    /// Fields that hold ids of other entities, with their kinds.
    pub relations: &'static [(&'static str, &'static str)],
}

impl EntityRules {
    /// The rules of `E`, whose schema is `schema`.
    pub fn of<E: crate::catalogue::Entity>(schema: &'static str) -> EntityRules {
        EntityRules {
            schema,
            immutable: E::IMMUTABLE,
            relations: E::RELATIONS,
        }
    }
}

/// The schema of a relation named by reference instead of by id.
const REFERENCE: &str = "Reference";

/// Says of each relation field of each input (and so of its merge patch)
/// that it takes an id or `{"ref": "system:id"}`; entities always answer
/// with ids.
fn allow_references(spec: &mut Value, entities: &[EntityRules]) {
    let Some(schemas) = spec["components"]["schemas"].as_object_mut() else {
        return;
    };
    let mut used = false;
    for entity in entities {
        let Some(properties) = schemas
            .get_mut(&format!("{}Input", entity.schema))
            .and_then(|s| s.get_mut("properties"))
            .and_then(Value::as_object_mut)
        else {
            continue;
        };
        for (field, _) in entity.relations {
            let Some(property) = properties.get_mut(*field) else {
                continue;
            };
            let either = |id: &Value| json!({"oneOf": [id, {"$ref": format!("#/components/schemas/{REFERENCE}")}]});
            if let Some(items) = property.get_mut("items") {
                let id = items.clone();
                *items = either(&id);
            } else if let Some(object) = property.as_object_mut() {
                let description = object.remove("description");
                let id = Value::Object(std::mem::take(object));
                let mut replaced = either(&id);
                if let Some(description) = description {
                    replaced["description"] = description;
                }
                *property = replaced;
            }
            used = true;
        }
    }
    if used {
        schemas.insert(
            REFERENCE.to_owned(),
            json!({
                "type": "object",
                "description": "Another entity named by its reference in another system instead of its id, resolved when the body is written: `{\"ref\": \"servicenow:abc123\"}`. A reference that names no entity of the kind is refused (422).",
                "required": ["ref"],
                "properties": {
                    "ref": {
                        "type": "string",
                        "description": "`system:id`.",
                        "pattern": "^[a-z0-9][a-z0-9._-]{0,63}:.+$"
                    }
                },
                "additionalProperties": false
            }),
        );
    }
}

/// Adds patch schemas and links to a spec; `immutable` names, per entity
/// schema, the fields no change may alter.
pub fn finish(spec: &mut Value, entities: &[EntityRules]) {
    flatten_entities(spec);
    allow_references(spec, entities);
    let immutable: Vec<(&str, &[&str])> =
        entities.iter().map(|e| (e.schema, e.immutable)).collect();
    add_patch_schemas(spec, &immutable);
    add_links(spec);
    add_idempotency_keys(spec);
    describe_if_match(spec);
    describe_deliveries(spec);
    refuse_nul_in_texts(spec);
    declare_public_operations(spec);
}

/// A text without NUL characters, which no database stores as text.
const NO_NUL: &str = "^[^\\u0000]*$";
/// A text without NUL characters, not blank: one character at least that
/// is not blank.
fn no_nul_not_blank() -> String {
    let blank = crate::catalogue::validate::blank_class();
    format!("^[^\\u0000]*[^\\u0000{blank}][^\\u0000]*$")
}

/// Says of every free text the service takes or keeps (schema properties and
/// query parameters of type string, without a format) that it holds no NUL
/// character: the service refuses them.
fn refuse_nul_in_texts(spec: &mut Value) {
    fn constrain(schema: &mut Value) {
        let Some(object) = schema.as_object_mut() else {
            return;
        };
        let is_text = match object.get("type") {
            Some(Value::String(t)) => t == "string",
            Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
            _ => false,
        };
        if is_text && !object.contains_key("format") && !object.contains_key("enum") {
            let pattern = match object.get("pattern").and_then(Value::as_str) {
                None => Some(NO_NUL.to_owned()),
                Some(p) if p == crate::catalogue::validate::NOT_BLANK => Some(no_nul_not_blank()),
                Some(_) => None,
            };
            if let Some(pattern) = pattern {
                object.insert("pattern".into(), pattern.into());
            }
        }
        if let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) {
            properties.values_mut().for_each(constrain);
        }
        for key in ["items", "additionalProperties"] {
            if let Some(child) = object.get_mut(key) {
                constrain(child);
            }
        }
        for key in ["oneOf", "anyOf", "allOf"] {
            if let Some(Value::Array(branches)) = object.get_mut(key) {
                branches.iter_mut().for_each(constrain);
            }
        }
    }
    // Problems echo what a client sent, NUL characters included.
    if let Some(schemas) = spec["components"]["schemas"].as_object_mut() {
        schemas
            .iter_mut()
            .filter(|(name, _)| !["Problem", "FieldError"].contains(&name.as_str()))
            .for_each(|(_, schema)| constrain(schema));
    }
    for op in operations(spec) {
        if let Some(Value::Array(parameters)) = op.get_mut("parameters") {
            for parameter in parameters.iter_mut().filter(|p| p["in"] == "query") {
                constrain(&mut parameter["schema"]);
            }
        }
    }
}

/// Makes each entity schema one flat object, as its JSON is: an entity is
/// its `Meta` and its writable fields, flattened (`allOf` in the schema that
/// is generated). Every member of an entity is always present (null when
/// empty), so the required ones are those that cannot be null; defaults and
/// the refusal of unknown members belong to the input, not to the entity.
fn flatten_entities(spec: &mut Value) {
    const META: &str = "#/components/schemas/Meta";
    let Some(schemas) = spec["components"]["schemas"].as_object_mut() else {
        return;
    };
    let entities: Vec<String> = schemas
        .iter()
        .filter(|(_, schema)| {
            schema["allOf"]
                .as_array()
                .is_some_and(|parts| parts.iter().any(|p| p["$ref"] == META))
        })
        .map(|(name, _)| name.clone())
        .collect();
    for name in entities {
        let Some(schema) = schemas.get(&name).cloned() else {
            continue;
        };
        let mut properties = Map::new();
        for part in schema["allOf"].as_array().into_iter().flatten() {
            let part = match schema_name(&part["$ref"]) {
                Some(referenced) => schemas.get(referenced).cloned().unwrap_or_default(),
                None => part.clone(),
            };
            for (member, property) in part["properties"].as_object().into_iter().flatten() {
                let mut property = property.clone();
                if let Some(property) = property.as_object_mut() {
                    property.remove("default");
                }
                properties.insert(member.clone(), property);
            }
        }
        let meta_last = ["created_at", "updated_at", "version"];
        let mut required: Vec<&String> = properties
            .iter()
            .filter(|(_, property)| !nullable(property))
            .map(|(member, _)| member)
            .collect();
        // As the entity reads: its id, its fields, then its times and version.
        required.sort_by_key(|m| (m.as_str() != "id", meta_last.contains(&m.as_str())));
        let mut flat = Map::new();
        flat.insert("type".into(), "object".into());
        if let Some(description) = schema.get("description") {
            flat.insert("description".into(), description.clone());
        }
        flat.insert("required".into(), json!(required));
        flat.insert("properties".into(), Value::Object(properties));
        if let Some(example) = schema.get("example") {
            flat.insert("example".into(), example.clone());
        }
        schemas.insert(name, Value::Object(flat));
    }
    let referenced = serde_json::to_string(&*schemas).unwrap_or_default();
    if !referenced.contains(META) {
        schemas.remove("Meta");
    }
}

/// Makes a property's schema admit null as well, unless it does already.
fn admit_null(property: &mut Value) {
    if nullable(property) {
        return;
    }
    let Some(object) = property.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(values)) = object.get_mut("enum") {
        values.push(Value::Null);
    }
    match object.get_mut("type") {
        Some(Value::Array(types)) => types.push("null".into()),
        Some(kind @ Value::String(_)) => *kind = json!([kind.clone(), "null"]),
        _ => {
            let choice = ["oneOf", "anyOf"]
                .into_iter()
                .find(|k| object.contains_key(*k));
            match choice.and_then(|key| object.get_mut(key)) {
                Some(Value::Array(branches)) => branches.push(json!({"type": "null"})),
                _ => {
                    if let Some(reference) = object.remove("$ref") {
                        object.insert(
                            "oneOf".into(),
                            json!([{"$ref": reference}, {"type": "null"}]),
                        );
                    }
                }
            }
        }
    }
}

/// Whether a schema admits null.
fn nullable(schema: &Value) -> bool {
    let null = json!("null");
    match &schema["type"] {
        Value::Array(types) if types.contains(&null) => return true,
        Value::String(t) if t == "null" => return true,
        _ => {}
    }
    ["oneOf", "anyOf"].iter().any(|key| {
        schema[*key]
            .as_array()
            .is_some_and(|branches| branches.iter().any(nullable))
    })
}

fn schema_name(reference: &Value) -> Option<&str> {
    reference.as_str()?.strip_prefix("#/components/schemas/")
}

fn add_patch_schemas(spec: &mut Value, immutable: &[(&str, &[&str])]) {
    let mut patches = Map::new();
    let paths = spec["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|p| p.values_mut());
    for item in paths {
        let Some(op) = item.get_mut("patch") else {
            continue;
        };
        let Some(entity) =
            schema_name(&op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"])
                .map(str::to_owned)
        else {
            continue;
        };
        let patch_name = format!("{entity}Patch");
        let body = &mut op["requestBody"]["content"]["application/merge-patch+json"]["schema"];
        if !body.is_object() {
            continue;
        }
        *body = json!({"$ref": format!("#/components/schemas/{patch_name}")});
        patches.insert(patch_name, entity.clone().into());
    }
    let Some(schemas) = spec["components"]["schemas"].as_object_mut() else {
        return;
    };
    for (patch_name, entity) in patches {
        let entity = entity.as_str().unwrap_or_default();
        let Some(mut schema) = schemas.get(&format!("{entity}Input")).cloned() else {
            continue;
        };
        let fixed = immutable
            .iter()
            .find(|(name, _)| *name == entity)
            .map_or(&[][..], |(_, f)| f);
        if let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut) {
            for field in fixed {
                properties.remove(*field);
            }
        }
        as_patch(&mut schema, schemas);
        if let Some(object) = schema.as_object_mut() {
            object.insert(
                "description".into(),
                format!(
                    "A JSON Merge Patch (RFC 7396) of the entity: the fields to change, with the names and types \
                     of the create body. A member that is absent stays as it is; a member set to null is cleared, \
                     or set back to its default.{}",
                    if fixed.is_empty() {
                        String::new()
                    } else {
                        format!(" {} cannot change.", fixed.join(" and "))
                    }
                )
                .into(),
            );
        }
        schemas.insert(patch_name, schema);
    }
}

/// Makes an object schema a merge patch of itself: no member is required
/// and none has a default, since an absent member means "unchanged" and a
/// client that fills in a default would overwrite what is stored. A member
/// that a create may leave out may be null: null removes it, and the result
/// is read as a create that left it out (cleared, or back to its default).
/// A member that is itself an object is merged member by member, so it
/// becomes a patch too (`MoneyPatch` beside `Money`); arrays are replaced
/// whole, so their items keep their rules.
fn as_patch(schema: &mut Value, schemas: &mut Map<String, Value>) {
    let Some(object) = schema.as_object_mut() else {
        return;
    };
    let required = object.remove("required").unwrap_or_default();
    object.remove("example");
    object.remove("default");
    let Some(properties) = object.get_mut("properties").and_then(Value::as_object_mut) else {
        return;
    };
    for (name, property) in properties.iter_mut() {
        if !required
            .as_array()
            .is_some_and(|r| r.iter().any(|n| n == name))
        {
            admit_null(property);
        }
        let Some(property) = property.as_object_mut() else {
            continue;
        };
        property.remove("default");
        // The `$ref` members that name the property's schema.
        let mut references: Vec<&mut Value> = Vec::new();
        for (key, value) in property.iter_mut() {
            match (key.as_str(), value) {
                ("$ref", reference) => references.push(reference),
                ("oneOf" | "anyOf", Value::Array(branches)) => {
                    references.extend(branches.iter_mut().filter_map(|b| b.get_mut("$ref")));
                }
                _ => {}
            }
        }
        for reference in references {
            let Some(name) = schema_name(reference).map(str::to_owned) else {
                continue;
            };
            let Some(target) = schemas.get(&name).cloned() else {
                continue;
            };
            if !needs_patch(&target) {
                continue;
            }
            let patch_name = format!("{name}Patch");
            if !schemas.contains_key(&patch_name) {
                let mut patch = target;
                as_patch(&mut patch, schemas);
                if let Some(description) = patch.get("description").and_then(Value::as_str) {
                    let description = format!(
                        "{description}\n\nIn a merge patch: the members to change; the others stay as they are."
                    );
                    patch["description"] = description.into();
                }
                schemas.insert(patch_name.clone(), patch);
            }
            *reference = format!("#/components/schemas/{patch_name}").into();
        }
    }
}

/// Whether an object schema says other than a merge patch of it: a required
/// member, a default, or a member that may be left out but not be null.
fn needs_patch(schema: &Value) -> bool {
    schema.get("properties").is_some()
        && (schema.get("required").is_some()
            || schema["properties"].as_object().is_some_and(|p| {
                p.values()
                    .any(|v| v.get("default").is_some() || !nullable(v))
            }))
}

/// Says of every create (a POST answering 201) that it takes an
/// `Idempotency-Key`, and that a replayed answer says so.
fn add_idempotency_keys(spec: &mut Value) {
    use super::idempotency::{HEADER, PATTERN, REPLAYED};
    let creates = spec["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(|item| item.get_mut("post"))
        .filter(|op| op["responses"].get("201").is_some());
    for op in creates {
        let parameter = json!({
            "name": HEADER,
            "in": "header",
            "required": false,
            "description": "A key of the client's choosing for this request (a UUID, say). Sent again with the same request, it replays the first answer and creates nothing; with another request, it is a 422. Kept `VITRINE_IDEMPOTENCY_TTL_HOURS`, per API key.",
            "schema": {"type": "string", "pattern": PATTERN}
        });
        match op.get_mut("parameters").and_then(Value::as_array_mut) {
            Some(parameters) => parameters.push(parameter),
            None => op["parameters"] = json!([parameter]),
        }
        op["responses"]["201"]["headers"][REPLAYED] = json!({
            "description": "`true` when this is the first answer to this `Idempotency-Key`, given again.",
            "schema": {"type": "string", "enum": ["true"]}
        });
    }
}

/// Gives every `If-Match` the syntax the service reads (anything else names
/// no version).
fn describe_if_match(spec: &mut Value) {
    use super::conditional::{HEADER, PATTERN};
    let parameters = operations(spec)
        .filter_map(|op| op.get_mut("parameters").and_then(Value::as_array_mut))
        .flatten()
        .filter(|p| p["in"] == "header" && p["name"] == HEADER);
    for parameter in parameters {
        parameter["schema"] = json!({"type": "string", "pattern": PATTERN});
    }
}

/// Documents what a webhook receiver gets (OpenAPI 3.1 `webhooks`): the
/// event, and the headers that identify and sign it.
fn describe_deliveries(spec: &mut Value) {
    let header = |name: &str, description: &str, schema: Value| json!({"name": name, "in": "header", "required": true, "description": description, "schema": schema});
    spec["webhooks"] = json!({
        "event": {"post": {
            "operationId": "deliver_event",
            "tags": ["webhooks"],
            "summary": "An event, delivered to a subscription",
            "description": "What Vitrine POSTs to a subscription's URL: one event of the change feed, as `GET /api/v1/changes` serves it, in feed order, at least once (a receiver skips an `id` it has seen). To check it, compute the HMAC-SHA256, keyed with the subscription's secret, of `X-Vitrine-Timestamp`, a `.`, and the body as received; compare its hex with `X-Vitrine-Signature` after `v1=`, in constant time; refuse timestamps older than a few minutes.",
            "parameters": [
                header(crate::delivery::EVENT_ID_HEADER, "The event's id, as `id` in the body.", json!({"type": "string", "format": "uuid"})),
                header("X-Vitrine-Webhook-Id", "The subscription's id.", json!({"type": "string", "format": "uuid"})),
                header("X-Vitrine-Timestamp", "When the delivery was signed, in Unix seconds.", json!({"type": "string", "pattern": "^[0-9]{1,19}$"})),
                header("X-Vitrine-Signature", "`v1=` and the hex HMAC-SHA256 of the timestamp, a `.` and the body.", json!({"type": "string", "pattern": "^v1=[0-9a-f]{64}$"}))
            ],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Event"}}}},
            "responses": {
                "2XX": {"description": "Delivered: the subscription moves on to its next event."},
                "4XX": {"description": "Not delivered: recorded, and tried again after a wait that doubles at each failure, up to an hour."},
                "5XX": {"description": "Not delivered: recorded, and tried again after a wait that doubles at each failure, up to an hour."}
            },
            "security": []
        }}
    });
}

/// Says of every operation that names no security requirement that it
/// needs none (`security: []`), rather than leaving it unsaid.
fn declare_public_operations(spec: &mut Value) {
    for op in operations(spec).filter_map(Value::as_object_mut) {
        op.entry("security").or_insert_with(|| json!([]));
    }
}

/// Every operation of the spec's paths (and whatever else a path item
/// holds beside them).
fn operations(spec: &mut Value) -> impl Iterator<Item = &mut Value> {
    spec["paths"]
        .as_object_mut()
        .into_iter()
        .flat_map(|paths| paths.values_mut())
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
}

/// The path parameters of a path template, in order.
fn parameters(path: &str) -> Vec<&str> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect()
}

fn add_links(spec: &mut Value) {
    let Some(paths) = spec["paths"].as_object() else {
        return;
    };
    // Each create, with the operations on what it creates.
    let mut links: Vec<(String, Map<String, Value>)> = Vec::new();
    for (collection, item) in paths {
        if item
            .get("post")
            .and_then(|op| op["responses"].get("201"))
            .is_none()
        {
            continue;
        }
        let mut found = Map::new();
        for (target, target_item) in paths {
            let Some(rest) = target.strip_prefix(&format!("{collection}/")) else {
                continue;
            };
            let mut segments = rest.split('/');
            let Some(new_id) = segments
                .next()
                .and_then(|s| s.strip_prefix('{'))
                .and_then(|s| s.strip_suffix('}'))
            else {
                continue;
            };
            // Only what the create's answer and request can fill in.
            if segments.any(|s| s.starts_with('{')) {
                continue;
            }
            let own_item = rest == format!("{{{new_id}}}");
            for (method, op) in target_item.as_object().into_iter().flatten() {
                let Some(operation_id) = op["operationId"].as_str() else {
                    continue;
                };
                let mut parameters_map = Map::new();
                for name in parameters(collection) {
                    parameters_map.insert(
                        format!("path.{name}"),
                        format!("$request.path.{name}").into(),
                    );
                }
                parameters_map.insert(format!("path.{new_id}"), "$response.body#/id".into());
                let takes_if_match = op["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["name"] == "If-Match"));
                if own_item && takes_if_match {
                    parameters_map.insert("header.If-Match".into(), "$response.header.ETag".into());
                }
                found.insert(
                    operation_id.to_owned(),
                    json!({
                        "operationId": operation_id,
                        "parameters": parameters_map,
                        "description": format!("{} {target} of what was created.", method.to_uppercase()),
                    }),
                );
            }
        }
        if !found.is_empty() {
            links.push((collection.clone(), found));
        }
    }
    for (collection, found) in links {
        spec["paths"][&collection]["post"]["responses"]["201"]["links"] = Value::Object(found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_create_links_to_its_item_and_its_sub_collections() {
        let mut spec = json!({
            "paths": {
                "/p": {"post": {"operationId": "create_p", "responses": {"201": {}}}},
                "/p/{id}": {
                    "get": {"operationId": "get_p"},
                    "patch": {"operationId": "update_p", "parameters": [{"name": "If-Match"}]}
                },
                "/p/{p_id}/c": {"post": {"operationId": "create_c", "responses": {"201": {}}}},
                "/p/{p_id}/c/{id}": {"get": {"operationId": "get_c"}}
            },
            "components": {"schemas": {}}
        });
        add_links(&mut spec);
        let links = &spec["paths"]["/p"]["post"]["responses"]["201"]["links"];
        assert_eq!(
            links["get_p"]["parameters"],
            json!({"path.id": "$response.body#/id"})
        );
        assert_eq!(
            links["update_p"]["parameters"]["header.If-Match"],
            "$response.header.ETag"
        );
        assert_eq!(
            links["create_c"]["parameters"],
            json!({"path.p_id": "$response.body#/id"})
        );
        assert!(
            links.get("get_c").is_none(),
            "the component's id is not known yet"
        );
        let nested = &spec["paths"]["/p/{p_id}/c"]["post"]["responses"]["201"]["links"];
        assert_eq!(
            nested["get_c"]["parameters"],
            json!({"path.p_id": "$request.path.p_id", "path.id": "$response.body#/id"})
        );
    }
}

//! Vitrine's one tree of categories, in both facades: a TMF620 `category`
//! lists the offerings it groups (`productOffering`) and a TMF633
//! `serviceCategory` the services (`serviceCandidate`); both name their
//! parent (`parentId`) and the categories under them.

use std::collections::HashMap;

use serde_json::{json, Map, Value};
use uuid::Uuid;

use super::product_catalog::ProductCatalog;
use super::resource::{head, Api, Resource};
use super::service_catalog::ServiceCatalog;
use super::spec::{read, write, Attribute, Kind, CATEGORY_HEAD};
use super::{ref_ids, reference};
use crate::catalogue::category::Category;
use crate::catalogue::view::CustomerView;
use crate::catalogue::FieldError;
use crate::service::{self, lookup, Tx};

/// How one facade shows a category.
struct Shape {
    /// The attribute of its members, such as `productOffering`.
    members: &'static str,
    /// The `@type` of a member.
    member_type: &'static str,
    /// The native field of the members.
    native: &'static str,
    /// The attribute of the categories under it.
    children: &'static str,
}

const PRODUCT: Shape = Shape {
    members: "productOffering",
    member_type: "ProductOffering",
    native: "offering_ids",
    children: "subCategory",
};

const SERVICE: Shape = Shape {
    members: "serviceCandidate",
    member_type: "ServiceCandidate",
    native: "service_ids",
    children: "category",
};

/// The categories as the facade `A` shows them.
fn to_tmf<A: Api>(
    items: Vec<Category>,
    tx: &mut impl Tx,
    base: &str,
    shape: &Shape,
) -> Result<Vec<Value>, service::Error>
where
    Category: Resource<A>,
{
    let ids: Vec<Uuid> = items.iter().map(|c| c.meta.id).collect();
    let mut children: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (parent, child) in lookup::subcategories(tx, &ids)? {
        children.entry(parent).or_default().push(child);
    }
    let path = <Category as Resource<A>>::PATH;
    let own_type = <Category as Resource<A>>::TYPE;
    Ok(items
        .into_iter()
        .map(|c| {
            let f = &c.fields;
            let mut o = head::<A, Category>(&c, base, &f.name, f.description.as_ref(), "Active");
            o.insert("isRoot".into(), json!(f.parent_id.is_none()));
            if let Some(parent) = f.parent_id {
                o.insert("parentId".into(), json!(parent));
            }
            let members = if shape.native == "offering_ids" {
                &f.offering_ids
            } else {
                &f.service_ids
            };
            let refs: Vec<Value> = members
                .iter()
                .map(|m| {
                    reference(
                        *m,
                        Some(format!("{base}/{}/{m}", shape.members)),
                        None,
                        shape.member_type,
                    )
                })
                .collect();
            o.insert(shape.members.into(), Value::Array(refs));
            let under: Vec<Value> = children
                .remove(&c.meta.id)
                .unwrap_or_default()
                .into_iter()
                .map(|child| {
                    reference(
                        child,
                        Some(format!("{base}/{path}/{child}")),
                        None,
                        own_type,
                    )
                })
                .collect();
            if !under.is_empty() {
                o.insert(shape.children.into(), Value::Array(under));
            }
            Value::Object(o)
        })
        .collect())
}

/// The native fields of a category write.
fn to_native(
    mut members: Map<String, Value>,
    errors: &mut Vec<FieldError>,
    shape: &Shape,
) -> Map<String, Value> {
    let mut native = Map::new();
    for member in ["name", "description"] {
        if let Some(value) = members.remove(member) {
            native.insert(member.into(), value);
        }
    }
    if let Some(status) = members.remove("lifecycleStatus") {
        if !status
            .as_str()
            .is_some_and(|s| s.eq_ignore_ascii_case("Active"))
        {
            errors.push(FieldError::new(
                "lifecycleStatus",
                "must be Active: a category has no lifecycle of its own",
            ));
        }
    }
    if let Some(parent) = members.remove("parentId") {
        match parent {
            Value::Null | Value::String(_) => {
                native.insert("parent_id".into(), parent);
            }
            _ => errors.push(FieldError::new(
                "parentId",
                "must be the id of a category, or null for a root",
            )),
        }
    }
    if let Some(refs) = members.remove(shape.members) {
        native.insert(shape.native.into(), ref_ids(&refs, shape.members, errors));
    }
    native
}

const ABOUT: &str = "A Vitrine category: one tree that groups offerings (TMF620 `category`) \
                     and services (TMF633 `serviceCategory`). Staff keys only.";

impl Resource<ProductCatalog> for Category {
    const PATH: &'static str = "category";
    const TYPE: &'static str = "Category";
    const WHAT: &'static str = "category";
    const HEAD: &'static [Attribute] = CATEGORY_HEAD;
    const ATTRIBUTES: &'static [Attribute] = &[
        read("isRoot", Kind::Flag, "Whether it is under no category."),
        write(
            "parentId",
            Kind::Text,
            "The id of the category it is under (`parent_id`); null for a root. Not itself, \
             nor a category under it.",
        ),
        write(
            "productOffering",
            Kind::Refs,
            "The offerings it groups (`offering_ids`).",
        ),
        read(
            "subCategory",
            Kind::Refs,
            "The categories directly under it.",
        ),
    ];
    const NAMES: &'static [(&'static str, &'static str)] = &[
        ("parent_id", "parentId"),
        ("offering_ids", "productOffering"),
    ];
    const ABOUT: &'static str = ABOUT;

    fn to_tmf(
        items: Vec<Category>,
        tx: &mut impl Tx,
        base: &str,
    ) -> Result<Vec<Value>, service::Error> {
        to_tmf::<ProductCatalog>(items, tx, base, &PRODUCT)
    }

    fn to_native(members: Map<String, Value>, errors: &mut Vec<FieldError>) -> Map<String, Value> {
        to_native(members, errors, &PRODUCT)
    }

    /// Customer views hold no categories.
    fn seen(_: &CustomerView, _: &str) -> Option<Vec<Value>> {
        None
    }
}

impl Resource<ServiceCatalog> for Category {
    const PATH: &'static str = "serviceCategory";
    const TYPE: &'static str = "ServiceCategory";
    const WHAT: &'static str = "service category";
    const HEAD: &'static [Attribute] = CATEGORY_HEAD;
    const ATTRIBUTES: &'static [Attribute] = &[
        read("isRoot", Kind::Flag, "Whether it is under no category."),
        write(
            "parentId",
            Kind::Text,
            "The id of the category it is under (`parent_id`); null for a root. Not itself, \
             nor a category under it.",
        ),
        write(
            "serviceCandidate",
            Kind::Refs,
            "The services it groups (`service_ids`), each under its candidate's `href`; a \
             service outside the catalogue stage is listed, but has no candidate to read.",
        ),
        read("category", Kind::Refs, "The categories directly under it."),
    ];
    const NAMES: &'static [(&'static str, &'static str)] = &[
        ("parent_id", "parentId"),
        ("service_ids", "serviceCandidate"),
    ];
    const ABOUT: &'static str = ABOUT;

    fn to_tmf(
        items: Vec<Category>,
        tx: &mut impl Tx,
        base: &str,
    ) -> Result<Vec<Value>, service::Error> {
        to_tmf::<ServiceCatalog>(items, tx, base, &SERVICE)
    }

    fn to_native(members: Map<String, Value>, errors: &mut Vec<FieldError>) -> Map<String, Value> {
        to_native(members, errors, &SERVICE)
    }

    /// Customer views hold no categories.
    fn seen(_: &CustomerView, _: &str) -> Option<Vec<Value>> {
        None
    }
}

/// The references to the categories that group each of `members`, as
/// `kind` under `base/path`.
pub fn categories_by_member(
    pairs: Vec<(Uuid, Uuid)>,
    base: &str,
    path: &str,
    kind: &str,
) -> HashMap<Uuid, Vec<Value>> {
    let mut by_member: HashMap<Uuid, Vec<Value>> = HashMap::new();
    for (category, member) in pairs {
        by_member.entry(member).or_default().push(reference(
            category,
            Some(format!("{base}/{path}/{category}")),
            None,
            kind,
        ));
    }
    by_member
}

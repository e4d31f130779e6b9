//! External references: what other systems (ServiceNow, iTop, GLPI, Jira
//! Service Management...) call an entity of the catalogue, so that a sync
//! job matches on them and keeps no mapping of its own.
//!
//! An entity has at most one reference per system, and a reference names at
//! most one entity of a type.

use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;

use super::validate::{is_blank, Errors};

/// The longest system name.
pub const SYSTEM_MAX: usize = 64;
/// The longest id in another system.
pub const ID_MAX: usize = 255;
/// The most references of one entity.
pub const REFS_MAX: usize = 20;

/// What another system calls an entity.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"system": "servicenow", "id": "a1b2c3d4e5f60718293a4b5c6d7e8f90"}))]
pub struct ExternalRef {
    /// The system: 1 to 64 lowercase letters, digits, `.`, `_` or `-`, such
    /// as `servicenow`.
    #[schema(min_length = 1, max_length = 64, pattern = "^[a-z0-9][a-z0-9._-]*$")]
    pub system: String,
    /// The entity's id in that system: 1 to 255 characters, not blank.
    #[schema(min_length = 1, max_length = 255, pattern = r"[^\t\n\f\r ]")]
    pub id: String,
}

impl fmt::Display for ExternalRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.system, self.id)
    }
}

impl ExternalRef {
    /// A reference from its text, `system:id`.
    pub fn parse(text: &str) -> Option<ExternalRef> {
        let (system, id) = text.split_once(':')?;
        let reference = ExternalRef {
            system: system.to_owned(),
            id: id.to_owned(),
        };
        let mut errors = Errors::default();
        check_one(&reference, "", &mut errors);
        errors.into_result().ok().map(|()| reference)
    }
}

fn valid_system(system: &str) -> bool {
    (1..=SYSTEM_MAX).contains(&system.len())
        && system
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        && system
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
}

fn check_one(reference: &ExternalRef, field: &str, errors: &mut Errors) {
    if !valid_system(&reference.system) {
        errors.add(
            format!("{field}system"),
            "must be 1 to 64 lowercase letters, digits, `.`, `_` or `-`, starting with a letter or digit",
        );
    }
    if is_blank(&reference.id) || reference.id.chars().count() > ID_MAX {
        errors.add(
            format!("{field}id"),
            format!("must be 1 to {ID_MAX} characters, not blank"),
        );
    }
}

/// Checks an entity's references: each well formed, at most one per
/// system, at most [`REFS_MAX`].
pub fn check(references: &[ExternalRef], errors: &mut Errors) {
    if references.len() > REFS_MAX {
        errors.add(
            "external_refs",
            format!("must hold at most {REFS_MAX} references"),
        );
    }
    for (i, reference) in references.iter().enumerate() {
        check_one(reference, &format!("external_refs[{i}]."), errors);
        if references[..i].iter().any(|r| r.system == reference.system) {
            errors.add(
                format!("external_refs[{i}].system"),
                format!(
                    "`{}` is named twice: an entity has one reference per system",
                    reference.system
                ),
            );
        }
    }
}

/// A reference written `system:id`, as query parameters and paths take it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefKey(pub ExternalRef);

impl Serialize for RefKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for RefKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ExternalRef::parse(&text).map(RefKey).ok_or_else(|| {
            de::Error::custom(format!(
                "`{text}` is not a reference: write it `system:id`, such as `servicenow:abc123`"
            ))
        })
    }
}

impl utoipa::PartialSchema for RefKey {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some(
                "A reference in another system, `system:id`, such as `servicenow:abc123`.",
            ))
            .pattern(Some("^[a-z0-9][a-z0-9._-]{0,63}:.+$"))
            .into()
    }
}

impl ToSchema for RefKey {}

/// A JSON document of an entity's fields in a form where two documents that
/// mean the same compare equal: lists of ids are sets (the catalogue keeps
/// them ordered by id), and references are ordered by system. Other lists
/// (elements, service levels, outcomes) keep their order, which means
/// something.
pub fn normalized(mut document: serde_json::Value) -> serde_json::Value {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Array(items) => {
                items.iter_mut().for_each(walk);
                let all_ids = !items.is_empty()
                    && items
                        .iter()
                        .all(|i| i.as_str().is_some_and(|s| uuid::Uuid::parse_str(s).is_ok()));
                if all_ids {
                    items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
                }
            }
            serde_json::Value::Object(members) => {
                members.values_mut().for_each(walk);
                if let Some(serde_json::Value::Array(refs)) = members.get_mut("external_refs") {
                    refs.sort_by(|a, b| a["system"].as_str().cmp(&b["system"].as_str()));
                }
            }
            _ => {}
        }
    }
    walk(&mut document);
    document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reference_is_system_colon_id() {
        let r = ExternalRef::parse("servicenow:abc:123").expect("a reference");
        assert_eq!(
            (r.system.as_str(), r.id.as_str()),
            ("servicenow", "abc:123")
        );
        for bad in ["servicenow", ":abc", "ServiceNow:abc", "sn: ", "-x:abc", ""] {
            assert!(ExternalRef::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn an_entity_has_one_reference_per_system() {
        let refs = |list: &[&str]| -> Vec<ExternalRef> {
            list.iter().filter_map(|t| ExternalRef::parse(t)).collect()
        };
        let mut errors = Errors::default();
        check(
            &refs(&["servicenow:a", "itop:1", "servicenow:b"]),
            &mut errors,
        );
        let Err(super::super::CatalogueError::Invalid(fields)) = errors.into_result() else {
            panic!("a system twice is refused");
        };
        assert_eq!(fields[0].field, "external_refs[2].system");
        let mut errors = Errors::default();
        check(&refs(&["servicenow:a", "itop:1"]), &mut errors);
        assert!(errors.into_result().is_ok());
    }
}

//! The rules of a change: which versions a conditional request accepts,
//! and what a JSON Merge Patch makes of an entity's writable fields.

use serde_json::Value;

use super::validate::parse_input;
use super::{merge_patch, CatalogueError, Entity, Errors};

/// Which versions a conditional request accepts (`If-Match`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// No condition (only allowed where the API makes `If-Match` optional).
    None,
    /// `*`: any current version.
    Any,
    /// One of these strong entity tags, without their quotes. A tag
    /// matches a version when it is the version's tag character for
    /// character (RFC 9110, section 8.8.3.2): `"01"` is not `"1"`.
    Tags(Vec<String>),
}

impl Precondition {
    /// Refuses unless the condition accepts the `current` version.
    pub fn check(&self, current: i32) -> Result<(), CatalogueError> {
        match self {
            Precondition::None | Precondition::Any => Ok(()),
            Precondition::Tags(tags) if tags.iter().any(|t| *t == current.to_string()) => Ok(()),
            Precondition::Tags(_) => Err(CatalogueError::PreconditionFailed),
        }
    }

    /// The version a change must still find when it writes: the one read,
    /// when the request named one.
    pub fn pinned(&self, read: i32) -> Option<i32> {
        (*self != Precondition::None).then_some(read)
    }
}

/// The writable fields of `current` after `patch` (RFC 7396), checked as a
/// whole like a create, and as a move from `current` (lifecycles, fields
/// that never change). Whether the ids it names exist is the store's to say.
pub fn patched<E: Entity>(current: &E, patch: &Value) -> Result<E::Input, CatalogueError> {
    let mut document =
        serde_json::to_value(current.fields()).map_err(|e| CatalogueError::Internal {
            what: "the stored entity did not serialise",
            cause: e.to_string(),
        })?;
    let before = document.clone();
    merge_patch::apply(&mut document, patch);
    let mut errors = Errors::default();
    // A null clears a member; a null for a member the entity does not have
    // is an unknown field, refused like any other.
    for field in unknown_nulls(Some(&before), patch, "") {
        errors.add(field, "unknown field: not a field of this entity");
    }
    for field in E::IMMUTABLE {
        if document.get(field) != before.get(field) {
            errors.add(
                *field,
                format!("cannot change: create a new {} instead", E::KIND),
            );
        }
    }
    errors.into_result()?;
    let input = parse_input(document)?;
    let mut errors = Errors::default();
    E::validate(&input, &mut errors);
    E::check_transition(current, &input, &mut errors);
    errors.into_result()?;
    Ok(input)
}

/// The members of `patch` set to null that `before` does not have, at any
/// depth, named by their path.
fn unknown_nulls(before: Option<&Value>, patch: &Value, path: &str) -> Vec<String> {
    let Value::Object(members) = patch else {
        return Vec::new();
    };
    let mut unknown = Vec::new();
    for (key, value) in members {
        let field = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        let target = before.and_then(|b| b.get(key));
        if value.is_null() && target.is_none() {
            unknown.push(field);
        } else if value.is_object() {
            unknown.extend(unknown_nulls(
                target.filter(|t| t.is_object()),
                value,
                &field,
            ));
        }
    }
    unknown
}

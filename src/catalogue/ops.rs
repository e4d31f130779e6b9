//! The operations every entity shares, written once: each checks the rules,
//! then changes the store through [`Store::write`].

use serde_json::Value;
use uuid::Uuid;

use super::{merge_patch, CatalogueError, Change, Errors, Meta, Operation, Stored};
use crate::store::{DbConnection, Page, PageRequest, Store};

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
    fn check(&self, current: i32) -> Result<(), CatalogueError> {
        match self {
            Precondition::None | Precondition::Any => Ok(()),
            Precondition::Tags(tags) if tags.iter().any(|t| *t == current.to_string()) => Ok(()),
            Precondition::Tags(_) => Err(CatalogueError::PreconditionFailed),
        }
    }
}

/// Reads one entity.
pub fn get<E: Stored>(store: &Store, scope: E::Scope, id: Uuid) -> Result<E, CatalogueError> {
    store.read(|conn| E::find(conn, scope, id)?.ok_or(CatalogueError::NotFound { entity: E::KIND }))
}

/// Reads one page of entities.
pub fn list<E: Stored>(
    store: &Store,
    scope: E::Scope,
    filter: &E::Filter,
    page: &PageRequest,
) -> Result<Page<E>, CatalogueError> {
    store.read(|conn| {
        require_scope::<E>(conn, scope)?;
        Ok(E::list(conn, scope, filter, page)?)
    })
}

/// Answers 404 when the parent of a sub-collection does not exist.
fn require_scope<E: Stored>(
    conn: &mut DbConnection,
    scope: E::Scope,
) -> Result<(), CatalogueError> {
    match E::check_scope(conn, scope)? {
        Some(entity) => Err(CatalogueError::NotFound { entity }),
        None => Ok(()),
    }
}

/// Validates `input` and creates the entity.
pub fn create<E: Stored>(
    store: &Store,
    scope: E::Scope,
    input: E::Input,
) -> Result<E, CatalogueError> {
    let mut errors = Errors::default();
    E::validate(&input, &mut errors);
    errors.into_result()?;
    store.write(|conn| {
        require_scope::<E>(conn, scope)?;
        let mut errors = Errors::default();
        E::check_references(conn, &input, &mut errors)?;
        errors.into_result()?;
        let meta = Meta::new_entity();
        E::insert(conn, scope, &meta, &input)?;
        let created =
            E::find(conn, scope, meta.id)?.ok_or(CatalogueError::NotFound { entity: E::KIND })?;
        Ok((created, change::<E>(&meta, Operation::Created)))
    })
}

/// Applies a JSON Merge Patch to the entity, under `If-Match`: the patched
/// document is checked as a whole, like a create, before anything is written.
pub fn patch<E: Stored>(
    store: &Store,
    scope: E::Scope,
    id: Uuid,
    precondition: &Precondition,
    patch: &Value,
    parse: impl FnOnce(Value) -> Result<E::Input, CatalogueError>,
) -> Result<E, CatalogueError> {
    store.write(|conn| {
        crate::store::lock_row(conn, E::TABLE, id)?;
        let current =
            E::find(conn, scope, id)?.ok_or(CatalogueError::NotFound { entity: E::KIND })?;
        let meta = current.meta();
        precondition.check(meta.version)?;
        let mut document = serde_json::to_value(current.to_input()).map_err(|e| {
            CatalogueError::Store(crate::store::StoreError::Query(
                diesel::result::Error::SerializationError(Box::new(e)),
            ))
        })?;
        let before = document.clone();
        merge_patch::apply(&mut document, patch);
        let mut errors = Errors::default();
        // A null clears a member; a null for a member the entity does not
        // have is an unknown field, refused like any other.
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
        let input = parse(document)?;
        let mut errors = Errors::default();
        E::validate(&input, &mut errors);
        E::check_transition(&current, &input, &mut errors);
        errors.into_result()?;
        let mut errors = Errors::default();
        E::check_references(conn, &input, &mut errors)?;
        errors.into_result()?;
        let next = meta.next();
        if !E::update(conn, &next, meta.version, &input)? {
            // Another writer changed it since it was read in this transaction.
            return Err(CatalogueError::PreconditionFailed);
        }
        let updated =
            E::find(conn, scope, id)?.ok_or(CatalogueError::NotFound { entity: E::KIND })?;
        Ok((updated, change::<E>(&next, Operation::Updated)))
    })
}

/// Deletes the entity, unless something still refers to it.
pub fn delete<E: Stored>(
    store: &Store,
    scope: E::Scope,
    id: Uuid,
    precondition: &Precondition,
) -> Result<(), CatalogueError> {
    store.write(|conn| {
        crate::store::lock_row(conn, E::TABLE, id)?;
        let current =
            E::find(conn, scope, id)?.ok_or(CatalogueError::NotFound { entity: E::KIND })?;
        let meta = current.meta();
        precondition.check(meta.version)?;
        if let Some(uses) = E::dependents(conn, id)? {
            return Err(CatalogueError::Conflict(format!(
                "this {} is {uses}; remove those references first",
                E::KIND
            )));
        }
        // The version read above, when If-Match asked for one: a change
        // committed meanwhile makes the delete fail rather than undo it.
        let at = (*precondition != Precondition::None).then_some(meta.version);
        if !E::remove(conn, id, at)? {
            return Err(match at {
                Some(_) => CatalogueError::PreconditionFailed,
                None => CatalogueError::NotFound { entity: E::KIND },
            });
        }
        Ok(((), change::<E>(&meta, Operation::Deleted)))
    })
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

fn change<E: Stored>(meta: &Meta, operation: Operation) -> Change {
    Change {
        entity: E::KIND,
        id: meta.id,
        operation,
        version: meta.version,
    }
}

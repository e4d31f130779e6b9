//! The operations every entity shares, written once: each checks the
//! catalogue's rules, then reads or writes through the store, in the
//! transaction it is given, recording what it changed.

use serde_json::Value;
use uuid::Uuid;

use super::{Error, Tx, UnitOfWork};
use crate::catalogue::page::{Page, PageRequest};
use crate::catalogue::patch::{self, Precondition};
use crate::catalogue::reference::{self, ExternalRef};
use crate::catalogue::{
    CatalogueError, Change, Entity, Errors, FieldError, Meta, Operation, RowChange,
};
use crate::store::{external_refs, lock_row, Removed, Table, Writable};

/// Reads one entity.
pub fn get<E: Table>(tx: &mut impl Tx, scope: E::Scope, id: Uuid) -> Result<E, Error> {
    E::find(tx.conn(), scope, id)?.ok_or_else(|| not_found::<E>())
}

/// Reads one page of entities.
pub fn list<E: Table>(
    tx: &mut impl Tx,
    scope: E::Scope,
    filter: &E::Filter,
    page: &PageRequest,
) -> Result<Page<E>, Error> {
    require_scope::<E>(tx, scope)?;
    Ok(E::list(tx.conn(), scope, filter, page)?)
}

/// Validates `input` and creates the entity.
pub fn create<E: Writable>(
    work: &mut UnitOfWork,
    scope: E::Scope,
    input: E::Input,
) -> Result<E, Error> {
    create_as::<E>(work, scope, Meta::new_entity(), input)
}

/// Validates `input` and creates the entity with the id, times and version
/// of `meta` (an import keeps those of the document it reads).
pub fn create_as<E: Writable>(
    work: &mut UnitOfWork,
    scope: E::Scope,
    meta: Meta,
    input: E::Input,
) -> Result<E, Error> {
    let mut errors = Errors::default();
    E::validate(&input, &mut errors);
    reference::check(E::external_refs(&input), &mut errors);
    errors.into_result()?;
    require_scope::<E>(work, scope)?;
    check_references::<E>(work, &input)?;
    let mut errors = Errors::default();
    E::misplaced(work.conn(), meta.id, &input, &mut errors)?;
    errors.into_result()?;
    check_external_refs::<E>(work, meta.id, &input)?;
    let mut rows = E::insert(work.conn(), scope, &meta, &input)?;
    rows.extend(external_refs::replace(
        work.conn(),
        E::KIND,
        meta.id,
        E::external_refs(&input),
    )?);
    let created = get::<E>(work, scope, meta.id)?;
    record::<E>(work, &meta, Operation::Created, rows, Vec::new());
    Ok(created)
}

/// Applies a JSON Merge Patch to the entity, under `If-Match`: the patched
/// fields are checked as a whole, like a create, before anything is written.
pub fn patch<E: Writable>(
    work: &mut UnitOfWork,
    scope: E::Scope,
    id: Uuid,
    precondition: &Precondition,
    patch: &Value,
) -> Result<E, Error> {
    lock_row(work.conn(), E::TABLE, id)?;
    let current = get::<E>(work, scope, id)?;
    let meta = *current.meta();
    precondition.check(meta.version)?;
    let mut patch = patch.clone();
    super::references::resolve::<E>(work, &mut patch)?;
    let input = patch::patched(&current, &patch)?;
    let mut errors = Errors::default();
    reference::check(E::external_refs(&input), &mut errors);
    errors.into_result()?;
    // A patch that changes nothing writes nothing: the same version, and no
    // change to tell (a tool that writes back what it was told ends there).
    if document::<E>(current.fields())? == document::<E>(&input)? {
        return Ok(current);
    }
    update::<E>(work, scope, &current, &input)
}

/// The fields of an entity as one document, its external references in a
/// fixed order: two documents are equal when writing one over the other
/// would change nothing.
fn document<E: Writable>(fields: &E::Input) -> Result<Value, Error> {
    serde_json::to_value(fields)
        .map(reference::normalized)
        .map_err(|e| {
            CatalogueError::Internal {
                what: "the fields of an entity did not serialise",
                cause: e.to_string(),
            }
            .into()
        })
}

/// Writes `input` over `current`, checked already on its own: its
/// references must exist and its external references be its own. The next
/// version is written only over `current`'s.
fn update<E: Writable>(
    work: &mut UnitOfWork,
    scope: E::Scope,
    current: &E,
    input: &E::Input,
) -> Result<E, Error> {
    let meta = *current.meta();
    let id = meta.id;
    let fields = changed_fields(current.fields(), input)?;
    check_references::<E>(work, input)?;
    let mut errors = Errors::default();
    E::misplaced(work.conn(), id, input, &mut errors)?;
    errors.into_result()?;
    check_external_refs::<E>(work, id, input)?;
    let next = meta.next();
    // Callers lock the row, so another writer cannot have changed it since
    // it was read; the version is checked all the same.
    let Some(mut rows) = E::update(work.conn(), &next, meta.version, input)? else {
        return Err(CatalogueError::PreconditionFailed.into());
    };
    rows.extend(external_refs::replace(
        work.conn(),
        E::KIND,
        id,
        E::external_refs(input),
    )?);
    let updated = get::<E>(work, scope, id)?;
    record::<E>(work, &next, Operation::Updated, rows, fields);
    Ok(updated)
}

/// The names of the top-level fields whose values differ between `before`
/// and `after`, in the order of `after`.
fn changed_fields<T: serde::Serialize>(before: &T, after: &T) -> Result<Vec<String>, Error> {
    let as_value = |fields: &T| {
        serde_json::to_value(fields).map_err(|e| CatalogueError::Internal {
            what: "the fields of an entity did not serialise",
            cause: e.to_string(),
        })
    };
    let (before, after) = (as_value(before)?, as_value(after)?);
    Ok(after
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(name, value)| before.get(name.as_str()) != Some(*value))
        .map(|(name, _)| name.clone())
        .collect())
}

/// Deletes the entity, its child rows and what it owns, unless something
/// still refers to it.
pub fn delete<E: Table>(
    work: &mut UnitOfWork,
    scope: E::Scope,
    id: Uuid,
    precondition: &Precondition,
) -> Result<(), Error> {
    lock_row(work.conn(), E::TABLE, id)?;
    let current = get::<E>(work, scope, id)?;
    let meta = *current.meta();
    precondition.check(meta.version)?;
    if let Some(uses) = E::dependents(work.conn(), id)? {
        return Err(CatalogueError::Conflict(format!(
            "this {} is {uses}; remove those references first",
            E::KIND.replace('_', " ")
        ))
        .into());
    }
    // The version read above, when If-Match asked for one: a change
    // committed meanwhile makes the delete fail rather than undo it.
    let pinned = precondition.pinned(meta.version);
    let references = external_refs::remove_all(work.conn(), E::KIND, id)?;
    let Some(Removed { mut rows, owned }) = E::remove(work.conn(), id, pinned)? else {
        return Err(match pinned {
            Some(_) => CatalogueError::PreconditionFailed,
            None => not_found_error::<E>(),
        }
        .into());
    };
    rows.extend(references);
    let actor = work.actor();
    for (entity, id, version) in owned {
        let rows = external_refs::remove_all(work.conn(), entity, id)?;
        work.record(Change {
            entity,
            id,
            operation: Operation::Deleted,
            version,
            actor,
            rows,
            fields: Vec::new(),
        });
    }
    record::<E>(work, &meta, Operation::Deleted, rows, Vec::new());
    Ok(())
}

/// Answers 404 when the parent of a sub-collection does not exist.
fn require_scope<E: Table>(tx: &mut impl Tx, scope: E::Scope) -> Result<(), Error> {
    match E::check_scope(tx.conn(), scope)? {
        Some(entity) => Err(CatalogueError::NotFound { entity }.into()),
        None => Ok(()),
    }
}

/// Refuses the input when it names ids that exist nowhere.
fn check_references<E: Writable>(tx: &mut impl Tx, input: &E::Input) -> Result<(), Error> {
    let mut errors = Errors::default();
    E::missing_references(tx.conn(), input, &mut errors)?;
    Ok(errors.into_result()?)
}

/// Refuses external references that another entity of the type holds.
fn check_external_refs<E: Entity>(
    tx: &mut impl Tx,
    id: Uuid,
    input: &E::Input,
) -> Result<(), Error> {
    let mut taken = Vec::new();
    for (i, reference) in E::external_refs(input).iter().enumerate() {
        if let Some(holder) = external_refs::find(tx.conn(), E::KIND, reference)? {
            if holder != id {
                taken.push(FieldError::new(
                    format!("external_refs[{i}]"),
                    format!(
                        "{reference} is the reference of the {} {holder}",
                        E::KIND.replace('_', " ")
                    ),
                ));
            }
        }
    }
    if taken.is_empty() {
        Ok(())
    } else {
        Err(CatalogueError::Taken(taken).into())
    }
}

fn record<E: Entity>(
    work: &mut UnitOfWork,
    meta: &Meta,
    operation: Operation,
    rows: Vec<RowChange>,
    fields: Vec<String>,
) {
    let actor = work.actor();
    work.record(Change {
        entity: E::KIND,
        id: meta.id,
        operation,
        version: meta.version,
        actor,
        rows,
        fields,
    });
}

fn not_found_error<E: Entity>() -> CatalogueError {
    CatalogueError::NotFound { entity: E::KIND }
}

fn not_found<E: Entity>() -> Error {
    not_found_error::<E>().into()
}

/// What a write by reference did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// No entity had the reference: one was created.
    Created,
    /// The entity with the reference was changed.
    Updated,
    /// The entity with the reference already had these fields.
    Unchanged,
}

/// The entity of `scope` that another system calls `reference`.
pub fn get_by_ref<E: Table>(
    tx: &mut impl Tx,
    scope: E::Scope,
    reference: &ExternalRef,
) -> Result<E, Error> {
    match external_refs::find(tx.conn(), E::KIND, reference)? {
        Some(id) => get::<E>(tx, scope, id),
        None => Err(not_found::<E>()),
    }
}

/// Creates or replaces, with `input`, the entity that another system calls
/// `reference`: a sync job needs no mapping of ids of its own. The same
/// input twice changes nothing the second time. The reference is one of the
/// entity's, whether or not the input lists it.
pub fn put_by_ref<E: Writable>(
    work: &mut UnitOfWork,
    scope: E::Scope,
    reference: &ExternalRef,
    precondition: &Precondition,
    input: E::Input,
) -> Result<(E, Upsert), Error> {
    let input = with_reference::<E>(input, reference)?;
    let Some(id) = external_refs::find(work.conn(), E::KIND, reference)? else {
        // If-Match names a version of an entity, and there is none.
        if *precondition != Precondition::None {
            return Err(CatalogueError::PreconditionFailed.into());
        }
        let created = create::<E>(work, scope, input)?;
        return Ok((created, Upsert::Created));
    };
    lock_row(work.conn(), E::TABLE, id)?;
    let current = get::<E>(work, scope, id).map_err(|_| {
        Error::from(CatalogueError::Taken(vec![FieldError::new(
            "",
            format!(
                "{reference} is the reference of a {} elsewhere in the catalogue",
                E::KIND.replace('_', " ")
            ),
        )]))
    })?;
    precondition.check(current.meta().version)?;
    replace::<E>(work, scope, current, input)
}

/// Replaces all the writable fields of `current` (read under its row
/// lock) with `input`, checked like a create and as a move from `current`;
/// writes nothing when they are the same already.
pub fn replace<E: Writable>(
    work: &mut UnitOfWork,
    scope: E::Scope,
    current: E,
    input: E::Input,
) -> Result<(E, Upsert), Error> {
    let (before, after) = (document::<E>(current.fields())?, document::<E>(&input)?);
    if before == after {
        return Ok((current, Upsert::Unchanged));
    }
    let mut errors = Errors::default();
    E::validate(&input, &mut errors);
    reference::check(E::external_refs(&input), &mut errors);
    E::check_transition(&current, &input, &mut errors);
    for field in E::IMMUTABLE {
        if before.get(field) != after.get(field) {
            errors.add(
                *field,
                format!("cannot change: create a new {} instead", E::KIND),
            );
        }
    }
    errors.into_result()?;
    Ok((update::<E>(work, scope, &current, &input)?, Upsert::Updated))
}

/// `input`, with `reference` among its references: refused when it names
/// another id in the same system.
fn with_reference<E: Entity>(input: E::Input, reference: &ExternalRef) -> Result<E::Input, Error> {
    let listed = E::external_refs(&input);
    if listed.contains(reference) {
        return Ok(input);
    }
    if let Some(i) = listed.iter().position(|r| r.system == reference.system) {
        return Err(CatalogueError::invalid(
            format!("external_refs[{i}]"),
            format!("names {}, while the path names {reference}", listed[i]),
        )
        .into());
    }
    let mut document = serde_json::to_value(&input).map_err(|e| CatalogueError::Internal {
        what: "an input did not serialise",
        cause: e.to_string(),
    })?;
    let reference = serde_json::to_value(reference).map_err(|e| CatalogueError::Internal {
        what: "a reference did not serialise",
        cause: e.to_string(),
    })?;
    match document.get_mut("external_refs") {
        Some(serde_json::Value::Array(refs)) => refs.push(reference),
        _ => {
            return Err(CatalogueError::invalid(
                "",
                format!("a {} has no external references", E::KIND.replace('_', " ")),
            )
            .into())
        }
    }
    Ok(crate::catalogue::validate::parse_input(document)?)
}

//! The operations every entity shares, written once: each checks the
//! catalogue's rules, then reads or writes through the store, in the
//! transaction it is given, recording what it changed.

use serde_json::Value;
use uuid::Uuid;

use super::{Error, Tx, UnitOfWork};
use crate::catalogue::page::{Page, PageRequest};
use crate::catalogue::patch::{self, Precondition};
use crate::catalogue::{CatalogueError, Change, Entity, Errors, Meta, Operation, RowChange};
use crate::store::{lock_row, Removed, Table, Writable};

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
    let mut errors = Errors::default();
    E::validate(&input, &mut errors);
    errors.into_result()?;
    require_scope::<E>(work, scope)?;
    check_references::<E>(work, &input)?;
    let meta = Meta::new_entity();
    let rows = E::insert(work.conn(), scope, &meta, &input)?;
    let created = get::<E>(work, scope, meta.id)?;
    record::<E>(work, &meta, Operation::Created, rows);
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
    let input = patch::patched(&current, patch)?;
    check_references::<E>(work, &input)?;
    let next = meta.next();
    // The row is locked, so another writer cannot have changed it since it
    // was read; the version is checked all the same.
    let Some(rows) = E::update(work.conn(), &next, meta.version, &input)? else {
        return Err(CatalogueError::PreconditionFailed.into());
    };
    let updated = get::<E>(work, scope, id)?;
    record::<E>(work, &next, Operation::Updated, rows);
    Ok(updated)
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
    let Some(Removed { rows, owned }) = E::remove(work.conn(), id, pinned)? else {
        return Err(match pinned {
            Some(_) => CatalogueError::PreconditionFailed,
            None => not_found_error::<E>(),
        }
        .into());
    };
    let actor = work.actor();
    for (entity, id, version) in owned {
        work.record(Change {
            entity,
            id,
            operation: Operation::Deleted,
            version,
            actor,
            rows: Vec::new(),
        });
    }
    record::<E>(work, &meta, Operation::Deleted, rows);
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

fn record<E: Entity>(
    work: &mut UnitOfWork,
    meta: &Meta,
    operation: Operation,
    rows: Vec<RowChange>,
) {
    let actor = work.actor();
    work.record(Change {
        entity: E::KIND,
        id: meta.id,
        operation,
        version: meta.version,
        actor,
        rows,
    });
}

fn not_found_error<E: Entity>() -> CatalogueError {
    CatalogueError::NotFound { entity: E::KIND }
}

fn not_found<E: Entity>() -> Error {
    not_found_error::<E>().into()
}
